package io.spanwatch.analyzer.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Exposes the counters every stage already keeps (the {@code stats} map: {@code Pipeline.stats()}
 * and the stages' {@code addStats}) as Prometheus metrics, reading the live values at scrape time
 * instead of counting anything twice on the hot paths. One snapshot of the map is taken per scrape
 * ({@link #refresh}) and every meter reads from it.
 *
 * <p>{@link #TABLE} maps a stats name to a metric name (Micrometer's dotted form; Prometheus gets
 * snake case, {@code _total} on counters and the unit, e.g. {@code spanwatch.capture.packets} →
 * {@code spanwatch_capture_packets_total}). Families named by a prefix get a label: every
 * {@code anomaly.NAME} is {@code spanwatch_anomalies_by_event_total{event="NAME"}} (and all of them
 * together {@code spanwatch_anomalies_total}, served from the start), every
 * {@code feed.FEED.WHAT} a {@code spanwatch_feed_*{feed="FEED"}}. A stage that adds a counter adds
 * a line here to make it a metric. Meters are registered once and read 0 until their stat exists,
 * so dashboards always find their series.
 *
 * <p>Thread-safe: {@link #refresh} may run on any thread; meters read the latest snapshot.
 */
public final class StatsMetrics {
    /** How one stat becomes a metric. */
    record Binding(String stat, String metric, boolean counter, String unit, String help) {
    }

    private static Binding c(String stat, String metric, String help) {
        return new Binding(stat, metric, true, null, help);
    }

    private static Binding cb(String stat, String metric, String help) {
        return new Binding(stat, metric, true, "bytes", help);
    }

    private static Binding g(String stat, String metric, String help) {
        return new Binding(stat, metric, false, null, help);
    }

    private static Binding gb(String stat, String metric, String help) {
        return new Binding(stat, metric, false, "bytes", help);
    }

    /** Stats names and the metrics they become. */
    static final List<Binding> TABLE = List.of(
            c("capture.packets", "spanwatch.capture.packets", "Packets captured (from the interface or the capture files)"),
            cb("capture.bytes", "spanwatch.capture.bytes", "Bytes captured"),
            c("capture.kernel_packets", "spanwatch.capture.kernel.packets", "Packets the kernel received for the capture (live)"),
            c("capture.kernel_drops", "spanwatch.capture.kernel.drops", "Packets the kernel dropped: the capture buffer was full (live)"),
            c("capture.kernel_ifdrops", "spanwatch.capture.interface.drops", "Packets the interface or its driver dropped (live)"),
            c("capture.sensor_queue_drops", "spanwatch.capture.queue.drops", "Frames dropped because the workers' queue was full (live)"),
            g("capture.sensor_queue_batches", "spanwatch.capture.queue.batches", "Frame batches waiting for the workers"),
            g("capture.thread_nice", "spanwatch.capture.thread.nice",
                    "Nice value of the capture thread (live; below 0 when favoured, 0 when the sensor may not raise it)"),
            c("decoder.invalid", "spanwatch.decode.invalid.packets", "Packets that could not be decoded"),
            c("decoder.tunneled", "spanwatch.decode.tunneled.packets", "Packets found inside tunnels"),
            c("defrag.dropped", "spanwatch.defrag.dropped", "IP datagrams given up while being put back together"),
            gb("defrag.memuse", "spanwatch.defrag.memory.bytes", "Bytes of IP fragments held"),
            g("defrag.peers", "spanwatch.defrag.peers", "Sources whose IP fragments are counted for Linux hosts (ipfrag_max_dist)"),
            c("anomaly.events_suppressed", "spanwatch.anomaly.events.suppressed", "Anomalies counted but not written as events (per-name cap)"),
            c("flow.total", "spanwatch.flows", "Flows seen"),
            g("flow.active", "spanwatch.flows.active", "Flows being tracked"),
            c("flow.evicted", "spanwatch.flows.evicted", "Flows ended early because the flow table was full"),
            c("flow.timeouts", "spanwatch.flows.timeouts", "Flows ended by their idle timeout"),
            c("tcp.segments", "spanwatch.reassembly.segments", "TCP segments reassembled"),
            c("tcp.reassembly_gap", "spanwatch.reassembly.gaps", "Holes in TCP streams given up as gaps"),
            cb("tcp.reassembly_gap_bytes", "spanwatch.reassembly.gap.bytes", "Bytes missing in TCP streams"),
            gb("tcp.reassembly_memuse", "spanwatch.reassembly.memory.bytes", "Bytes of out-of-order TCP data held"),
            c("tcp.reassembly_memcap_hits", "spanwatch.reassembly.memcap.hits", "Times the reassembly memory cap was reached"),
            c("tcp.stream_depth_limit_hits", "spanwatch.reassembly.stream.limit.hits", "Times a stream's out-of-order limit was reached"),
            c("tcp.overlap_diff_data", "spanwatch.reassembly.overlap.mismatches", "TCP overlaps whose bytes differed"),
            c("tcp.invalid_checksum", "spanwatch.reassembly.invalid.checksums", "TCP segments discarded for a wrong IPv4 or TCP checksum"),
            c("tcp.urgent_oob", "spanwatch.reassembly.urgent.oob", "Bytes a TCP urgent pointer took out of a stream"),
            c("app_layer.tx.http", "spanwatch.http.transactions", "HTTP transactions parsed"),
            gb("app_layer.http.memuse", "spanwatch.http.memory.bytes", "Bytes of HTTP heads and decoder buffers held"),
            c("app_layer.http.memcap_evictions", "spanwatch.http.memcap.evictions", "HTTP holdings given up at the memory cap"),
            c("file.total", "spanwatch.files.extracted", "Files extracted from HTTP bodies"),
            c("file.truncated", "spanwatch.files.truncated", "Files extracted incompletely (TRUNCATED)"),
            c("file.stored", "spanwatch.files.stored", "Files written to the file store"),
            cb("file.stored_bytes", "spanwatch.files.stored.bytes", "Bytes written to the file store"),
            c("file.store_errors", "spanwatch.files.store.errors", "Files that could not be stored"),
            c("file.open_limit_skipped", "spanwatch.files.skipped", "Entities not extracted because too many files were open"),
            g("file.open", "spanwatch.files.open", "Files being extracted"),
            gb("file.spool_memory", "spanwatch.files.spool.memory.bytes", "Bytes of files being extracted held in memory"),
            gb("file.spool_disk", "spanwatch.files.spool.disk.bytes", "Bytes of files being extracted spooled on disk"),
            c("scan.queued", "spanwatch.scan.queued", "Files handed to the scan stage"),
            c("scan.scanned", "spanwatch.scan.scanned", "Files scanned by clamd"),
            c("scan.infected", "spanwatch.scan.infected", "Files found infected"),
            c("scan.not_scanned", "spanwatch.scan.not.scanned", "Files clamd could not scan (too large, limits)"),
            c("scan.errors", "spanwatch.scan.errors", "Scans that failed"),
            c("scan.dropped", "spanwatch.scan.dropped", "Files given up because the scan queue was full"),
            g("scan.waiting", "spanwatch.scan.queue.files", "Files waiting for a final verdict"),
            gb("scan.queued_bytes", "spanwatch.scan.queue.bytes", "Bytes of files waiting for clamd"),
            c("clamd.timeouts", "spanwatch.clamd.timeouts", "clamd calls that passed their deadline"),
            c("clamd.errors", "spanwatch.clamd.errors", "clamd calls that failed"),
            cb("clamd.bytes", "spanwatch.clamd.sent.bytes", "Bytes sent to clamd"),
            g("clamd.endpoints_alive", "spanwatch.clamd.endpoints.alive", "clamd endpoints answering"),
            g("intel.feeds", "spanwatch.reputation.feeds", "Threat-intel feeds loaded"),
            g("intel.feeds_unreadable", "spanwatch.reputation.feeds.unreadable", "Threat-intel feeds that could not be read at the last load"),
            g("intel.indicators", "spanwatch.reputation.indicators", "Indicators loaded, all feeds together"),
            g("intel.indicators_dropped", "spanwatch.reputation.indicators.dropped", "Indicators left out at the last load (intel.max-indicators)"),
            gb("intel.memory_bytes", "spanwatch.reputation.memory.bytes", "Bytes the loaded indicators take"),
            c("intel.reloads", "spanwatch.reputation.reloads", "Times the feeds were loaded again"),
            c("intel.reload_failures", "spanwatch.reputation.reload.failures", "Loads that failed (the previous indicators stay)"),
            c("intel.hits", "spanwatch.reputation.hits", "Events an indicator matched"),
            c("intel.download_failures", "spanwatch.reputation.download.failures", "Feed downloads that failed"),
            g("bus.held_flows", "spanwatch.bus.held.flows", "Flow events held until their files' verdicts"),
            c("correlate.events", "spanwatch.correlate.events", "Events the correlation stage took, in packet-time order"),
            g("correlate.queued", "spanwatch.correlate.queue.events", "Events waiting for the correlation thread"),
            c("correlate.queue_drops", "spanwatch.correlate.queue.drops", "Events the correlation stage dropped: its queue was full (live)"),
            g("correlate.reorder_held", "spanwatch.correlate.reorder.events", "Events held to put them in packet-time order"),
            c("correlate.reorder_forced", "spanwatch.correlate.reorder.forced", "Events let go before their time: the reorder bound was hit"),
            c("correlate.late_events", "spanwatch.correlate.late.events", "Events that came after newer ones had gone to the rules"),
            g("correlate.beacon.pairs", "spanwatch.correlate.beacon.pairs", "Client/destination pairs tracked for beacons"),
            g("correlate.beacon.stored_callbacks", "spanwatch.correlate.beacon.stored.callbacks", "Request times kept over all pairs"),
            c("correlate.beacon.pairs_evicted", "spanwatch.correlate.beacon.pairs.evicted", "Pairs scored then forgotten: correlate.beacon.max-pairs or max-stored was hit"),
            c("correlate.beacon.callbacks_dropped", "spanwatch.correlate.beacon.callbacks.dropped", "Request times dropped: correlate.beacon.max-callbacks was hit"),
            c("correlate.beacon.alerts", "spanwatch.correlate.beacon.alerts", "Beacon alerts raised"),
            g("correlate.incident.hosts", "spanwatch.correlate.incident.hosts", "Internal hosts whose downloads and reputation hits are kept for incidents"),
            gb("correlate.incident.bytes", "spanwatch.correlate.incident.memory.bytes", "Heap the downloads and hits kept for incidents take"),
            c("correlate.incident.hosts_evicted", "spanwatch.correlate.incident.hosts.evicted", "Hosts forgotten: correlate.incident.max-hosts or max-bytes was hit"),
            c("correlate.rules.errors", "spanwatch.correlate.rules.errors", "EPL rule runs that failed"),
            c("index.events", "spanwatch.index.events", "Events indexed for the console"),
            c("index.dropped", "spanwatch.index.dropped", "Events left out of the index because its queue was full (live)"),
            c("index.errors", "spanwatch.index.errors", "Events the index could not take"),
            g("index.queue", "spanwatch.index.lag.events", "Events written to eve.json and still waiting for the index"),
            c("eve.write_errors", "spanwatch.eve.write.errors", "Events that could not be written to eve.json"),
            c("eve.reopens", "spanwatch.eve.reopens", "Times eve.json was opened again on SIGHUP (log rotation)"),
            c("internal.errors", "spanwatch.internal.errors", "Internal errors (bugs) caught and counted"));

    /** The per-feed stats ({@code feed.NAME.WHAT}) and their metrics, labelled {@code feed}. */
    static final List<Binding> FEED = List.of(
            c("appended", "spanwatch.feed.appended", "Events queued in the feed's outbox"),
            c("delivered", "spanwatch.feed.delivered", "Events the receiver took"),
            c("failures", "spanwatch.feed.delivery.failures", "Deliveries that failed and will be retried"),
            c("rejected", "spanwatch.feed.rejected", "Events the receiver refused for good (skipped)"),
            c("dropped_full", "spanwatch.feed.dropped", "Events not queued because the outbox was full"),
            g("pending", "spanwatch.feed.outbox.records", "Events waiting in the outbox"),
            gb("pending_bytes", "spanwatch.feed.outbox.bytes", "Bytes waiting in the outbox"),
            gb("capacity_bytes", "spanwatch.feed.outbox.capacity.bytes", "Bytes the outbox may hold"));

    /** The sum of every {@code anomaly.NAME}, kept in the snapshot under this name. */
    private static final String ANOMALIES = "anomaly.*";

    private final MeterRegistry registry;
    private final Supplier<Map<String, Long>> source;
    private final Set<String> bound = new HashSet<>();
    private volatile Map<String, Long> snapshot = Map.of();

    /** Binds the table to {@code registry}, reading {@code source} at each {@link #refresh}. */
    public StatsMetrics(MeterRegistry registry, Supplier<Map<String, Long>> source) {
        this.registry = registry;
        this.source = source;
        for (Binding b : TABLE) {
            register(b, b.stat(), Tags.empty());
        }
        register(c(ANOMALIES, "spanwatch.anomalies", "Anomalies of every name (decode, stream, application layer)"), ANOMALIES,
                Tags.empty());
    }

    private static boolean anomaly(String k) {
        return k.startsWith("anomaly.") && !k.equals("anomaly.events_suppressed");
    }

    /** Takes a new snapshot and registers the labelled meters of names seen for the first time. */
    public synchronized void refresh() {
        Map<String, Long> m = new java.util.HashMap<>(source.get());
        m.put(ANOMALIES, m.entrySet().stream().filter(e -> anomaly(e.getKey())).mapToLong(Map.Entry::getValue).sum());
        snapshot = m;
        for (String k : m.keySet()) {
            if (bound.contains(k)) {
                continue;
            }
            if (anomaly(k)) {
                register(new Binding(k, "spanwatch.anomalies.by.event", true, null, "Anomalies by stable name"), k,
                        Tags.of("event", k.substring("anomaly.".length())));
            } else if (k.startsWith("feed.") && k.indexOf('.', 5) > 0) {
                String feed = k.substring(5, k.lastIndexOf('.'));
                for (Binding b : FEED) {
                    register(b, "feed." + feed + "." + b.stat(), Tags.of("feed", feed));
                }
            }
            bound.add(k);
        }
    }

    private void register(Binding b, String stat, Tags tags) {
        bound.add(stat);
        if (b.counter()) {
            FunctionCounter.builder(b.metric(), this, s -> s.value(stat)).description(b.help()).baseUnit(b.unit()).tags(tags)
                    .register(registry);
        } else {
            Gauge.builder(b.metric(), this, s -> s.value(stat)).description(b.help()).baseUnit(b.unit()).tags(tags).register(registry);
        }
    }

    private double value(String stat) {
        Long v = snapshot.get(stat);
        return v == null ? 0 : v;
    }
}
