package io.spanwatch.analyzer.report;

import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.event.FlowEvent;
import io.spanwatch.sensor.event.StatsEvent;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keeps what the period's traffic, files and stats say about coverage: files seen and their final
 * verdicts per day, why files were not scanned, packets and gaps per day (from flow events), drops
 * and other losses (from the differences of the stats events' counters), and which hours saw
 * traffic. The tables are arrays over the period's days and hours; files waiting for a final
 * verdict are bounded ({@link ReportConfig#maxPendingFiles}).
 *
 * <p>Not thread-safe: one report, one thread.
 */
final class TrafficLedger {
    /** Counters of the stats event that count something given up, in the order the report lists them. */
    static final List<String> LOSS_COUNTERS = List.of("capture.kernel_drops", "capture.kernel_ifdrops",
            "capture.sensor_queue_drops", "flow.evicted", "tcp.reassembly_memcap_evictions", "app_layer.http.memcap_evictions",
            "file.spool_disk_limit_hits", "scan.dropped", "eve.write_errors", "index.dropped", "correlate.queue_drops",
            "intel.journal_dropped", "internal.errors");
    /** The loss counters that are packets dropped before analysis. */
    private static final List<String> DROP_COUNTERS = List.of("capture.kernel_drops", "capture.kernel_ifdrops",
            "capture.sensor_queue_drops");
    /** Distinct not-scanned reasons kept; others are counted as one. */
    private static final int MAX_REASONS = 50;
    private static final long HOUR = 3_600_000_000_000L;

    private final ReportPeriod period;
    private final int days;
    private final int hours;
    private final long[] files;
    private final long[] clean;
    private final long[] infected;
    private final long[] notScanned;
    private final long[] packets;
    private final long[] bytes;
    private final long[] flows;
    private final long[] drops;
    private final long[] gapFlows;
    private final long[] missed;
    private final boolean[] traffic;
    private final boolean[] sensorUp;
    /** Files with an interim verdict and no final one yet: the day they were seen. */
    private final BoundedTable<String, Integer> pending;
    /** Final verdicts read before their file (an index hands events newest first). */
    private final BoundedTable<String, FileVerdict> early;
    /** Stats samples (their loss counters), put in time order at the end: a source need not hand them in order. */
    private final List<Sample> samples = new ArrayList<>();
    private long samplesRefused;
    private final int maxSamples;
    private final Map<String, Long> why = new TreeMap<>();
    private final Map<String, Long> losses = new LinkedHashMap<>();
    private long total;
    private long cleanTotal;
    private long infectedTotal;
    private long notScannedTotal;
    private long errors;
    private long unscanned;
    private long partial;
    /** Stats samples kept at most, by default (a year of the live sensor's 30-second stats). */
    static final int DEFAULT_MAX_SAMPLES = 1_100_000;

    /** One stats event's loss counters (-1 where it has none), in {@link #LOSS_COUNTERS} order. */
    private record Sample(long ts, long uptime, long[] counters, boolean inPeriod, boolean live) {
    }

    TrafficLedger(ReportPeriod period, ReportConfig config) {
        this.period = period;
        this.days = period.days().size();
        this.hours = (int) period.hours();
        files = new long[days];
        clean = new long[days];
        infected = new long[days];
        notScanned = new long[days];
        packets = new long[days];
        bytes = new long[days];
        flows = new long[days];
        drops = new long[days];
        gapFlows = new long[days];
        missed = new long[days];
        traffic = new boolean[hours];
        sensorUp = new boolean[hours];
        pending = new BoundedTable<>(config.maxPendingFiles());
        early = new BoundedTable<>(config.maxPendingFiles());
        maxSamples = DEFAULT_MAX_SAMPLES;
    }

    void file(FileInfoEvent f) {
        String key = key(f);
        if (f.lateVerdict()) {
            Integer day = pending.remove(key);
            if (day != null) {
                verdict(f.verdict(), day);
            } else {
                early.get(key, k -> f.verdict());
            }
            return;
        }
        int day = day(f.tsNanos());
        total++;
        files[day]++;
        if (!f.file().info().closed() || f.file().info().gaps()) {
            partial++;
        }
        FileVerdict v = f.verdict();
        if (v != null && v.interim()) {
            FileVerdict last = early.remove(key);
            if (last != null) {
                verdict(last, day);
            } else if (pending.get(key, k -> day) == null) {
                notScanned[day]++;
            }
            return;
        }
        verdict(v, day);
    }

    private void verdict(FileVerdict v, int day) {
        String result = v == null ? "none" : String.valueOf(v.result());
        switch (result) {
            case "clean" -> {
                cleanTotal++;
                clean[day]++;
            }
            case "infected" -> {
                infectedTotal++;
                infected[day]++;
            }
            default -> {
                notScanned[day]++;
                String reason;
                if (v == null) {
                    unscanned++;
                    reason = "scanning was off";
                } else if ("error".equals(result)) {
                    errors++;
                    reason = "scan error: " + (v.reason() == null ? "unknown" : v.reason());
                } else {
                    notScannedTotal++;
                    reason = v.reason() == null ? result : v.reason();
                }
                reason = Texts.bound(reason);
                if (why.size() >= MAX_REASONS && !why.containsKey(reason)) {
                    reason = "other reasons";
                }
                why.merge(reason, 1L, Long::sum);
            }
        }
    }

    private static String key(FileInfoEvent f) {
        var fe = f.file();
        var h = fe.header();
        return (h == null ? 0 : h.flowId()) + ":" + (fe.http() == null ? 0 : fe.http().txId()) + ":" + fe.info().fileId() + ":"
                + fe.toServer() + ":" + fe.info().sha256() + ":" + fe.info().filename();
    }

    void flow(FlowEvent f) {
        int day = day(f.tsNanos());
        packets[day] += f.pktsToServer() + f.pktsToClient();
        bytes[day] += f.bytesToServer() + f.bytesToClient();
        flows[day]++;
        if (f.tcp() != null && (f.tcp().missedToServer() > 0 || f.tcp().missedToClient() > 0)) {
            gapFlows[day]++;
            missed[day] += Math.max(0, f.tcp().missedToServer()) + Math.max(0, f.tcp().missedToClient());
        }
        // A flow's packets fall in the hours of its first and last packet; the hours between count
        // only for a busy flow, a packet a minute on average (a 5-tuple used again hours later, a
        // few packets hours apart, say nothing about the hours between).
        long spanned = (f.endNanos() - f.startNanos()) / HOUR + 1;
        if (f.pktsToServer() + f.pktsToClient() >= 60 * spanned) {
            traffic(f.startNanos(), f.endNanos());
        } else {
            traffic(f.startNanos(), f.startNanos());
            traffic(f.endNanos(), f.endNanos());
        }
    }

    /** Marks the hours from {@code from} to {@code to} (packet time) as having seen traffic. */
    void traffic(long from, long to) {
        long a = Math.max(from, period.fromNanos());
        long b = Math.min(to, period.toNanos() - 1);
        for (long t = a; t <= b; t += HOUR) {
            traffic[period.hourIndex(t)] = true;
        }
        if (b >= a) {
            traffic[period.hourIndex(b)] = true;
        }
    }

    /**
     * Takes a stats event; {@code inPeriod} false for an event before the period, which only sets
     * the baseline of the differences. Differences are taken in time order at the end.
     */
    void stats(StatsEvent s, boolean inPeriod, boolean live) {
        if (samples.size() >= maxSamples) {
            samplesRefused++;
            return;
        }
        long[] c = new long[LOSS_COUNTERS.size()];
        for (int i = 0; i < c.length; i++) {
            Long v = s.counters().get(LOSS_COUNTERS.get(i));
            c[i] = v == null ? -1 : v;
        }
        samples.add(new Sample(s.tsNanos(), s.uptimeSeconds(), c, inPeriod, live));
    }

    /**
     * Takes the differences of the loss counters of consecutive stats events of the same process (a
     * process that started anew counts from zero) into the losses and the drops per day.
     */
    private void differences() {
        samples.sort(java.util.Comparator.comparingLong(Sample::ts));
        Sample last = null;
        for (Sample s : samples) {
            long start = s.ts() - s.uptime() * 1_000_000_000L;
            boolean same = last != null && Math.abs(start - (last.ts() - last.uptime() * 1_000_000_000L)) <= 10_000_000_000L;
            if (s.inPeriod()) {
                long dropped = 0;
                for (int i = 0; i < s.counters().length; i++) {
                    long v = s.counters()[i];
                    if (v < 0) {
                        continue;
                    }
                    long before = same ? Math.max(0, last.counters()[i]) : 0;
                    long d = v >= before ? v - before : v;
                    if (d > 0) {
                        losses.merge(LOSS_COUNTERS.get(i), d, Long::sum);
                        if (DROP_COUNTERS.contains(LOSS_COUNTERS.get(i))) {
                            dropped += d;
                        }
                    }
                }
                drops[day(s.ts())] += dropped;
                if (s.live()) {
                    sensorUp[period.hourIndex(s.ts())] = true;
                }
            }
            last = s;
        }
        samples.clear();
    }

    private int day(long t) {
        return Math.max(0, Math.min(days - 1, period.dayIndex(t)));
    }

    Figures.Files files() {
        long waiting = pending.size() + pending.refused();
        long[] not = notScanned.clone();
        for (int day : pending.values()) {
            not[day]++;
        }
        List<Figures.DayFiles> perDay = new ArrayList<>();
        List<LocalDate> ds = period.days();
        for (int i = 0; i < days; i++) {
            perDay.add(new Figures.DayFiles(ds.get(i), files[i], clean[i], infected[i], not[i]));
        }
        return new Figures.Files(total, cleanTotal, infectedTotal, notScannedTotal, errors, unscanned, waiting, partial,
                new TreeMap<>(why), perDay);
    }

    /** Returns the capture figures; hours after {@code endNanos} (a period still running) are not counted. */
    Figures.Capture capture(long endNanos) {
        differences();
        int end = (int) Math.max(0, Math.min(hours, Math.ceilDiv(endNanos - period.fromNanos(), HOUR)));
        List<Figures.DayCapture> perDay = new ArrayList<>();
        List<LocalDate> ds = period.days();
        long[] dayHours = new long[days];
        long withTraffic = 0;
        for (int h = 0; h < end; h++) {
            if (traffic[h]) {
                withTraffic++;
                dayHours[day(period.fromNanos() + h * HOUR)]++;
            }
        }
        for (int i = 0; i < days; i++) {
            perDay.add(new Figures.DayCapture(ds.get(i), packets[i], bytes[i], flows[i], drops[i], gapFlows[i], missed[i], dayHours[i]));
        }
        List<Figures.QuietRun> quiet = new ArrayList<>();
        long quietUp = 0;
        int h = 0;
        while (h < end) {
            if (traffic[h]) {
                h++;
                continue;
            }
            int s = h;
            boolean up = false;
            while (h < end && !traffic[h]) {
                if (sensorUp[h]) {
                    up = true;
                    quietUp++;
                }
                h++;
            }
            quiet.add(new Figures.QuietRun(period.fromNanos() + s * HOUR, period.fromNanos() + h * HOUR, up));
        }
        StringBuilder map = new StringBuilder(hours);
        for (int i = 0; i < hours; i++) {
            map.append(i >= end ? '.' : traffic[i] ? 'T' : sensorUp[i] ? 'U' : '-');
        }
        quiet.sort((a, b) -> Long.compare(b.hours(), a.hours()) != 0 ? Long.compare(b.hours(), a.hours()) : Long.compare(a.from(), b.from()));
        return new Figures.Capture(perDay, withTraffic, end, quiet, quietUp, new LinkedHashMap<>(losses), map.toString());
    }

    void tablesFull(Map<String, Long> out) {
        if (samplesRefused > 0) {
            out.put("stats_samples", samplesRefused);
        }
        if (pending.refused() + early.refused() > 0) {
            out.put("pending_files", pending.refused() + early.refused());
        }
    }
}
