package io.spanwatch.analyzer.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Writes last week's report every Monday at {@code report.hour} in {@code report.time-zone} while a
 * sensor runs, and hands it to a {@link Delivery} (mail, when an SMTP feed is configured). A sensor
 * that was not running at that hour writes the report it missed when it starts, if the folder has
 * events and the report is not there yet; a report already written is never written again.
 *
 * <p>Threads: one daemon thread ({@code spanwatch-report}) at the lowest priority; {@link #close}
 * stops it, waiting at most 10 s for a report being written.
 */
public final class ReportSchedule implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReportSchedule.class);

    /** Receives each report the schedule wrote: the hook for feeds that mail reports. */
    public interface Delivery {
        /** Does nothing: no feed takes reports. */
        Delivery NONE = w -> { };

        void deliver(Reports.Written report) throws IOException;
    }

    private final Path dir;
    private final ReportConfig config;
    private final Delivery delivery;
    private final Clock clock;
    private final ScheduledExecutorService timer;

    private ReportSchedule(Path dir, ReportConfig config, Delivery delivery, Clock clock) {
        this.dir = dir;
        this.config = config;
        this.delivery = delivery;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spanwatch-report");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
    }

    /** Starts the schedule for the output folder {@code dir}: a missed report now, then every Monday. */
    public static ReportSchedule start(Path dir, ReportConfig config, Delivery delivery, Clock clock) {
        ReportSchedule s = new ReportSchedule(dir, config, delivery, clock);
        s.timer.execute(s::catchUp);
        s.scheduleNext();
        return s;
    }

    /** Returns the first Monday at {@code hour}:00 in {@code now}'s zone strictly after {@code now}. */
    public static ZonedDateTime nextRun(ZonedDateTime now, int hour) {
        ZonedDateTime t = now.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).truncatedTo(ChronoUnit.DAYS).withHour(hour);
        return t.isAfter(now) ? t : t.plusWeeks(1);
    }

    /** Returns the week whose report is due at {@code now}: the week before the latest Monday {@code hour}:00 not after it. */
    public static ReportPeriod dueWeek(ZonedDateTime now, int hour) {
        ZonedDateTime last = nextRun(now, hour).minusWeeks(1);
        return ReportPeriod.weekOf(last.toLocalDate().minusWeeks(1), now.getZone());
    }

    private void scheduleNext() {
        ZonedDateTime now = ZonedDateTime.now(clock.withZone(config.zone()));
        long delay = Math.max(0, Duration.between(now, nextRun(now, config.hour())).toMillis());
        timer.schedule(() -> {
            run(dueWeek(ZonedDateTime.now(clock.withZone(config.zone())), config.hour()));
            scheduleNext();
        }, delay, TimeUnit.MILLISECONDS);
    }

    private void catchUp() {
        ReportPeriod week = dueWeek(ZonedDateTime.now(clock.withZone(config.zone())), config.hour());
        if ((Files.isRegularFile(dir.resolve("eve.json")) || Files.isDirectory(dir.resolve("index"))) && !Files.exists(dir.resolve("reports").resolve(week.fileName() + ".json"))) {
            run(week);
        }
    }

    /** Writes the report of {@code week} unless it exists, then delivers it; failures are logged, the schedule goes on. */
    private void run(ReportPeriod week) {
        try {
            if (Files.exists(dir.resolve("reports").resolve(week.fileName() + ".json"))) {
                return;
            }
            Reports.Written w = Reports.write(dir, week, config, clock.instant());
            LOG.info("weekly report {} written: {}", week.label(), w.html());
            deliver(w, 0);
        } catch (IOException | RuntimeException e) {
            LOG.warn("weekly report {} not written: {}", week.label(), e.toString());
        }
    }

    /** Minutes to wait before each new try of a delivery that failed. */
    private static final long[] RETRY_MINUTES = {1, 5, 15, 60, 240};

    private void deliver(Reports.Written w, int attempt) {
        try {
            delivery.deliver(w);
        } catch (IOException | RuntimeException e) {
            if (attempt < RETRY_MINUTES.length) {
                LOG.warn("weekly report {} not delivered ({}); trying again in {} min", w.figures().period().label(), e.getMessage(),
                        RETRY_MINUTES[attempt]);
                timer.schedule(() -> deliver(w, attempt + 1), RETRY_MINUTES[attempt], TimeUnit.MINUTES);
            } else {
                LOG.warn("weekly report {} not delivered after {} tries: {}; it stays in {}", w.figures().period().label(), attempt + 1,
                        e.getMessage(), w.html().getParent());
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
