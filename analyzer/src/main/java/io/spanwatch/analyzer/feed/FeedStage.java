package io.spanwatch.analyzer.feed;

import io.spanwatch.analyzer.events.AnalyzerStage;
import io.spanwatch.analyzer.events.EventIds;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.AnomalyEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import io.spanwatch.sensor.event.EventSink;
import io.spanwatch.sensor.event.IncidentEvent;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds one receiver: an output stage of the event bus that appends every alert and incident (as
 * the feed's {@code events=} says) to the feed's {@link Outbox}, rendered by its {@link Transport},
 * and a delivery thread that sends what waits, in order, and acknowledges what the receiver has.
 *
 * <p>The append is the only work on the bus's threads (rendering, the event id, one file write); a
 * receiver that is slow or down never holds the bus up. A failed delivery is retried after a
 * backoff: {@link FeedConfig#retryMinMillis} doubling to {@link FeedConfig#retryMaxMillis}, with
 * up to a quarter of random jitter. A full outbox refuses records ({@code feed.NAME.dropped_full}),
 * says so once in an {@code anomaly} event {@code feed.outbox_full} and again only after it has
 * emptied to half.
 *
 * <p>Ownership: takes ownership of the outbox and the transport; {@link #close} stops the thread and
 * closes both. Threads: {@link #onEvent} from any bus thread; one delivery thread per feed.
 */
public final class FeedStage implements AnalyzerStage, java.io.Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(FeedStage.class);
    /** Records sent in one delivery at most. */
    static final int BATCH_RECORDS = 500;
    /** Bytes sent in one delivery, about. */
    static final long BATCH_BYTES = 1 << 20;
    private static final long IDLE_NANOS = 200_000_000L;

    private final FeedSpec spec;
    private final Outbox outbox;
    private final Transport transport;
    private final EveRenderer renderer;
    private final EventSink anomalies;
    private final FeedConfig config;
    private final Set<String> events;

    private final AtomicLong appended = new AtomicLong();
    private final AtomicLong droppedFull = new AtomicLong();
    private final AtomicLong tooLarge = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean full;
    private volatile boolean running;
    private volatile boolean draining;
    private volatile long retryAtNanos;
    private volatile String lastError;
    /** The error that ended the delivery thread, or null. */
    private volatile Throwable died;
    private Thread thread;

    FeedStage(FeedSpec spec, Outbox outbox, Transport transport, EveRenderer renderer, EventSink anomalies, FeedConfig config) {
        this.spec = spec;
        this.outbox = outbox;
        this.transport = transport;
        this.renderer = renderer;
        this.anomalies = anomalies;
        this.config = config;
        this.events = spec.events();
    }

    /** Starts the delivery thread. */
    public synchronized FeedStage start() {
        if (thread == null) {
            running = true;
            thread = Thread.ofPlatform().name("spanwatch-feed-" + spec.name()).daemon(true).start(this::deliver);
        }
        return this;
    }

    /** Returns the feed's name (its outbox folder and metrics label). */
    public String name() {
        return spec.name();
    }

    /** Returns what the feed was made from. */
    public FeedSpec spec() {
        return spec;
    }

    @Override
    public EveEvent onEvent(EveEvent e) {
        String type = e instanceof AlertEvent ? "alert" : e instanceof IncidentEvent ? "incident" : null;
        if (type == null || !events.contains(type)) {
            return e;
        }
        Outbox.Append result;
        try {
            String id = EventIds.of(e, renderer);
            byte[] payload = transport.render(e, id);
            if (payload == null) {
                return e;
            }
            result = outbox.append(new OutboxRecord(0, e.tsNanos(), type, id, FeedFields.recordKey(e, config.homeNet()), payload));
        } catch (RuntimeException x) {
            if (errors.incrementAndGet() <= 5) {
                LOG.warn("feed {}: event not queued", spec.name(), x);
            }
            return e;
        }
        switch (result) {
            case OK -> {
                appended.incrementAndGet();
                if (full && outbox.pendingBytes() < outbox.options().maxBytes() / 2) {
                    full = false;
                }
                Thread t = thread;
                if (t != null) {
                    LockSupport.unpark(t);
                }
            }
            case FULL -> {
                droppedFull.incrementAndGet();
                if (!full) {
                    full = true;
                    LOG.warn("feed {}: outbox {} is full ({} bytes wait); alerts are not queued for this feed until it empties",
                            spec.name(), outbox.dir(), outbox.pendingBytes());
                    if (anomalies != null) {
                        anomalies.accept(new AnomalyEvent(e.tsNanos(), null, "internal", "feed.outbox_full"));
                    }
                }
            }
            case TOO_LARGE -> tooLarge.incrementAndGet();
            case ERROR -> {
                if (errors.incrementAndGet() <= 5) {
                    LOG.warn("feed {}: cannot write to outbox {}", spec.name(), outbox.dir());
                }
            }
        }
        return e;
    }

    private void deliver() {
        try {
            deliverLoop();
        } catch (Error e) {
            // Out of memory or worse: nothing is delivered any more; what waits stays in the outbox
            // (spanwatch feed delivers it); a drain stops waiting, failure() names it (analyze exits
            // 1) and a live sensor's handler stops the sensor.
            died = e;
            throw e;
        }
    }

    @Override
    public Exception failure() {
        Throwable d = died;
        return d == null ? null : new IllegalStateException("feed " + spec.name() + " stopped delivering: " + d + "; "
                + outbox.pendingRecords() + " records wait in " + outbox.dir() + " (spanwatch feed delivers them)", d);
    }

    private void deliverLoop() {
        long backoff = config.retryMinMillis();
        long gatherSince = 0;
        while (running) {
            List<OutboxRecord> batch;
            try {
                outbox.syncIfDue();
                batch = outbox.read(BATCH_RECORDS, BATCH_BYTES);
            } catch (IOException e) {
                fail("outbox: " + e.getMessage(), e);
                backoff = pause(backoff);
                rewind();
                continue;
            }
            if (batch.isEmpty()) {
                LockSupport.parkNanos(IDLE_NANOS);
                continue;
            }
            long gather = transport.gatherMillis();
            if (gather > 0 && !draining && batch.size() < BATCH_RECORDS) {
                long now = System.nanoTime();
                if (gatherSince == 0) {
                    gatherSince = now;
                }
                long left = gather * 1_000_000L - (now - gatherSince);
                if (left > 0) {
                    rewind();
                    LockSupport.parkNanos(Math.min(left, IDLE_NANOS));
                    continue;
                }
            }
            gatherSince = 0;
            try {
                transport.deliver(batch);
                ack(batch, batch.size(), batch.size());
                if (lastError != null) {
                    LOG.warn("feed {}: receiver answers again, delivering", spec.name());
                }
                lastError = null;
                retryAtNanos = 0;
                backoff = config.retryMinMillis();
            } catch (DeliveryException x) {
                ack(batch, x.delivered() + (x.rejected() ? 1 : 0), x.delivered());
                if (x.rejected()) {
                    rejected.incrementAndGet();
                    LOG.warn("feed {}: receiver refused event {}: {} (skipped)", spec.name(),
                            batch.get(x.delivered()).eventId(), x.getMessage());
                    rewind();
                } else {
                    fail(x.getMessage(), x.getCause());
                    rewind();
                    backoff = pause(backoff);
                }
            } catch (RuntimeException x) {
                fail("delivery failed: " + x, x);
                rewind();
                backoff = pause(backoff);
            }
        }
    }

    /** Acknowledges the batch's first {@code n} records, {@code received} of which the receiver took. */
    private void ack(List<OutboxRecord> batch, int n, int received) {
        if (n <= 0) {
            return;
        }
        // Counted before the outbox says so, so that whoever sees nothing waiting also sees it delivered.
        delivered.addAndGet(received);
        try {
            outbox.ack(batch.get(n - 1).seq() + 1);
        } catch (IOException e) {
            fail("outbox: " + e.getMessage(), e);
        }
    }

    private void rewind() {
        try {
            outbox.rewind();
        } catch (IOException e) {
            fail("outbox: " + e.getMessage(), e);
        }
    }

    private void fail(String message, Throwable cause) {
        failures.incrementAndGet();
        if (lastError == null) {
            LOG.warn("feed {}: {} ({} records wait in {}; retrying)", spec.name(), message, outbox.pendingRecords(), outbox.dir());
            LOG.debug("feed {}: cause", spec.name(), cause);
        }
        lastError = message;
    }

    /** Waits out a backoff (returns early when stopped) and returns the next one. */
    private long pause(long backoff) {
        long jitter = ThreadLocalRandom.current().nextLong(backoff / 4 + 1);
        long until = System.nanoTime() + (backoff + jitter) * 1_000_000L;
        retryAtNanos = until;
        while (running) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                break;
            }
            LockSupport.parkNanos(left);
        }
        return Math.min(backoff * 2, config.retryMaxMillis());
    }

    /**
     * Waits until everything queued is delivered, at most {@link FeedConfig#drainMillis}; stops early
     * when the receiver is down and the next retry falls after that. What is left stays in the outbox.
     */
    @Override
    public void drain() throws InterruptedException {
        draining = true;
        long deadline = System.nanoTime() + config.drainMillis() * 1_000_000L;
        while (running && died == null && outbox.pendingRecords() > 0 && System.nanoTime() < deadline) {
            long retry = retryAtNanos;
            if (retry != 0 && retry > deadline) {
                break;
            }
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void addStats(Map<String, Long> stats) {
        String p = "feed." + spec.name() + ".";
        stats.put(p + "appended", appended.get());
        stats.put(p + "delivered", delivered.get());
        stats.put(p + "failures", failures.get());
        stats.put(p + "rejected", rejected.get());
        stats.put(p + "dropped_full", droppedFull.get());
        stats.put(p + "too_large", tooLarge.get());
        stats.put(p + "errors", errors.get());
        stats.put(p + "pending", outbox.pendingRecords());
        stats.put(p + "pending_bytes", outbox.pendingBytes());
        stats.put(p + "capacity_bytes", outbox.options().maxBytes());
        stats.put(p + "recovered_bytes", outbox.recoveredBytes());
    }

    /** Returns the records delivered by this process. */
    public long delivered() {
        return delivered.get();
    }

    /** Returns the records waiting in the outbox. */
    public long pending() {
        return outbox.pendingRecords();
    }

    /** Returns the last delivery error, or null when the last delivery worked. */
    public String lastError() {
        return lastError;
    }

    /** Returns the outbox's folder. */
    public java.nio.file.Path outboxDir() {
        return outbox.dir();
    }

    @Override
    public void close() throws IOException {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(config.timeoutMillis() * 3L + 5000); // a delivery in progress ends within its timeouts
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            transport.close();
        } finally {
            outbox.close();
        }
    }
}
