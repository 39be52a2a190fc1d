package io.spanwatch.analyzer.report;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.AnomalyEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.FlowEvent;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.IncidentEvent;
import io.spanwatch.sensor.event.StatsEvent;
import io.spanwatch.sensor.event.TlsEvent;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Computes a report's {@link Figures} for one period from typed events, whatever they were read
 * from: the one aggregator behind every figure the JSON, the HTML and the PDF show. Events outside
 * the period are ignored, except {@code stats} events before it, which give the baseline for the
 * differences of their counters.
 *
 * <p>Not thread-safe: feed it from one thread, then call {@link #figures} once.
 */
public final class Tally {
    private final ReportPeriod period;
    private final ReportConfig config;
    private final ThreatLedger threats;
    private final TrafficLedger traffic;
    private final long[][] alertsPerDay;
    private final Map<String, long[]> otherCategories = new TreeMap<>();
    private final Map<String, Long> byCategory = new LinkedHashMap<>();
    private final TreeSet<String> sensors = new TreeSet<>();
    private long events;
    private long alerts;
    private long files;
    private long flows;
    private long http;
    private long anomalies;
    private long incidents;
    private long stats;
    private long first;
    private long last;
    private boolean live;
    private long lines;
    private long unreadable;
    private long otherTypes;

    public Tally(ReportPeriod period, ReportConfig config) {
        this.period = period;
        this.config = config;
        this.threats = new ThreatLedger(config);
        this.traffic = new TrafficLedger(period, config);
        this.alertsPerDay = new long[Figures.CATEGORIES.size()][period.days().size()];
        for (String c : Figures.CATEGORIES) {
            byCategory.put(c, 0L);
        }
    }

    public ReportPeriod period() {
        return period;
    }

    /**
     * Takes one event.
     *
     * @param sensor the sensor name it carries, or null
     * @param liveSource whether it came from live capture
     */
    public void accept(EveEvent e, String sensor, boolean liveSource) {
        long t = e.tsNanos();
        if (!period.contains(t)) {
            if (e instanceof StatsEvent s && t < period.fromNanos()) {
                traffic.stats(s, false, liveSource);
            }
            return;
        }
        events++;
        first = first == 0 ? t : Math.min(first, t);
        last = Math.max(last, t);
        if (sensor != null && sensors.size() < 100) {
            sensors.add(Texts.bound(sensor));
        }
        live |= liveSource && !(e instanceof StatsEvent);
        switch (e) {
            case AlertEvent a -> alert(a);
            case IncidentEvent i -> {
                incidents++;
                threats.incident(i);
            }
            case FileInfoEvent f -> {
                if (!f.lateVerdict()) {
                    files++;
                    traffic.traffic(t, t);
                }
                traffic.file(f);
            }
            case FlowEvent f -> {
                flows++;
                traffic.flow(f);
            }
            case HttpEvent h -> {
                http++;
                traffic.traffic(t, t);
            }
            case TlsEvent x -> traffic.traffic(t, t); // TLS connections are in the flows' figures
            case AnomalyEvent a -> {
                anomalies++;
                traffic.traffic(t, t);
            }
            case StatsEvent s -> {
                stats++;
                traffic.stats(s, true, liveSource);
            }
        }
    }

    private void alert(AlertEvent a) {
        alerts++;
        String c = a.alert().category() == null ? "other" : a.alert().category();
        byCategory.merge(c, 1L, Long::sum);
        int day = Math.max(0, Math.min(period.days().size() - 1, period.dayIndex(a.tsNanos())));
        int idx = Figures.CATEGORIES.indexOf(c);
        if (idx >= 0) {
            alertsPerDay[idx][day]++;
        } else if (otherCategories.containsKey(c) || otherCategories.size() < 20) {
            otherCategories.computeIfAbsent(c, k -> new long[alertsPerDay[0].length])[day]++;
        }
        threats.alert(a);
    }

    /** Counts a line read. */
    public void line() {
        lines++;
    }

    /** Counts a line that was no EVE event (malformed, too long). */
    public void unreadable() {
        unreadable++;
    }

    /** Counts a line of an event type SpanWatch does not write. */
    public void otherType() {
        otherTypes++;
    }

    /**
     * Returns the figures.
     *
     * @param generated when the report is made (wall clock): hours after it are not counted as quiet
     * @param source {@code eve.json} or {@code index}
     * @param previous the figures of the period before, or null
     */
    public Figures figures(Instant generated, String source, Figures previous) {
        List<Figures.DayAlerts> perDay = new ArrayList<>();
        List<LocalDate> days = period.days();
        for (int d = 0; d < days.size(); d++) {
            Map<String, Long> m = new LinkedHashMap<>();
            for (int c = 0; c < Figures.CATEGORIES.size(); c++) {
                m.put(Figures.CATEGORIES.get(c), alertsPerDay[c][d]);
            }
            for (Map.Entry<String, long[]> o : otherCategories.entrySet()) {
                m.put(o.getKey(), o.getValue()[d]);
            }
            perDay.add(new Figures.DayAlerts(days.get(d), m));
        }
        Map<String, Long> full = new TreeMap<>();
        threats.tablesFull(full);
        traffic.tablesFull(full);
        long now = generated.getEpochSecond() * 1_000_000_000L;
        return new Figures(period, generated, source, List.copyOf(sensors), live, config.homeNet().text(), first, last,
                new Figures.Totals(events, alerts, files, flows, http, anomalies, incidents, stats), byCategory, perDay,
                threats.hosts(), threats.downloads(), threats.uploads(), threats.beaconPairs(), threats.reputationHits(),
                threats.families(), threats.files(), threats.callbacks(), threats.feeds(), threats.incidents(), traffic.files(),
                traffic.capture(Math.min(now, period.toNanos())), new Figures.Coverage(lines, unreadable, otherTypes, full),
                previous);
    }
}
