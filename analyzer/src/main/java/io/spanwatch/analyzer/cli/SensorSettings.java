package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.scan.ScanConfig;
import io.spanwatch.analyzer.reputation.IntelConfig;
import io.spanwatch.analyzer.reputation.ReputationEvents;
import io.spanwatch.analyzer.events.HomeNet;
import io.spanwatch.analyzer.report.ReportConfig;
import io.spanwatch.analyzer.report.ReportPeriod;
import io.spanwatch.sensor.files.FileConfig;
import io.spanwatch.sensor.flow.FlowConfig;
import io.spanwatch.sensor.http.HttpLimits;
import io.spanwatch.sensor.pipeline.SensorConfig;
import io.spanwatch.sensor.reassembly.HostPolicies;
import io.spanwatch.sensor.reassembly.OverlapPolicy;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Turns configuration keys ({@code --config FILE} in Java properties syntax, then {@code --set
 * key=value}) into the sensor's typed {@link SensorConfig}. Every key has the default shown by
 * {@code spanwatch config-keys}; sizes take {@code k}, {@code m}, {@code g} suffixes (powers of 1024).
 * An unknown key or a bad value is an error that names the key and where it came from.
 */
final class SensorSettings {
    /** A key, its default text and what it means. */
    record Key(String name, String defaultValue, String description) {
    }

    static final Map<String, Key> KEYS = new LinkedHashMap<>();
    /** Keys naming the hosts of one overlap policy, as Suricata's host-os-policy: {@code stream.policy.linux = 10.0.0.0/8}. */
    private static final String POLICY_PREFIX = "stream.policy.";
    /** Seconds between VERSION checks of a running sensor (a new database starts a retro-scan). */
    static final int DEFAULT_VERSION_CHECK_SECONDS = 300;
    /** Suricata's default HOME_NET with RFC 4193 added. */
    static final String DEFAULT_HOME_NET = HomeNet.DEFAULT;

    static {
        FlowConfig f = FlowConfig.DEFAULTS;
        ReassemblyConfig r = ReassemblyConfig.DEFAULTS;
        HttpLimits h = HttpLimits.DEFAULTS;
        key("sensor.name", "(host name)", "name written as 'sensor' in every event");
        key("sensor.workers", "(cores)", "worker threads; flows are spread over them");
        key("sensor.queue-batches", SensorConfig.DEFAULT_QUEUE_BATCHES + " (files), " + SensorConfig.DEFAULT_LIVE_QUEUE_BATCHES
                + " (live)", "1 MiB frame batches (off-heap) queued for the workers, one pool for all; live: the burst buffer");
        key("sensor.max-anomaly-events", SensorConfig.DEFAULT_MAX_ANOMALY_EVENTS, "anomaly events per name and worker; more are only counted");
        key("defrag.max-datagrams", SensorConfig.DefragConfig.DEFAULTS.maxDatagrams(), "IP datagrams being put back together at once");
        key("defrag.memcap", SensorConfig.DefragConfig.DEFAULTS.memcap(), "bytes of IP fragments held");
        key("defrag.timeout", SensorConfig.DefragConfig.DEFAULTS.timeoutSeconds(), "seconds a fragmented datagram may take to complete");
        key("defrag.linux.ipfrag-max-dist", SensorConfig.DefragConfig.DEFAULTS.linuxMaxDist(), "hosts named linux: their"
                + " net.ipv4.ipfrag_max_dist (an IPv4 datagram is started afresh when more fragments from its source came"
                + " between two of its own; 0: off)");
        key("defrag.bsd.maxfragsperpacket", SensorConfig.DefragConfig.DEFAULTS.bsdMaxFrags(), "hosts named bsd: their"
                + " net.inet.ip.maxfragsperpacket (an incomplete IPv4 datagram holding more fragments is dropped; 0: no limit)");
        key("defrag.bsd.ip6-maxfragsperpacket", SensorConfig.DefragConfig.DEFAULTS.bsdMaxFrags6(), "hosts named bsd: their"
                + " net.inet6.ip6.maxfragsperpacket (the same for IPv6; 0: no limit)");
        key("defrag.macos.maxfragsperpacket", SensorConfig.DefragConfig.DEFAULTS.macosMaxFrags(), "hosts named macos: their"
                + " net.inet.ip.maxfragsperpacket (IPv4; 0: no limit)");
        io.spanwatch.sensor.decode.TunnelConfig t = io.spanwatch.sensor.decode.TunnelConfig.DEFAULTS;
        key("decoder.max-tunnel-depth", t.maxDepth(), "tunnels removed from one frame (at most "
                + io.spanwatch.sensor.decode.TunnelConfig.MAX_DEPTH + "); deeper is anomaly decoder.tunnel.too_deep");
        key("decoder.teredo.ports", ports(t.teredoPorts()), "UDP ports (either side) where Teredo is decoded when its header allows");
        key("decoder.teredo.any-port", t.teredoAnyPort(), "also recognise Teredo on other ports (IPv6 filling the datagram, a Teredo address)");
        key("decoder.gtpu.ports", ports(t.gtpuPorts()), "UDP ports (either side) where GTP-U is decoded");
        key("decoder.gtpu.any-port", t.gtpuAnyPort(), "also recognise GTP-U on other ports (G-PDU whose lengths agree exactly)");
        key("decoder.vxlan.ports", ports(t.vxlanPorts()), "UDP destination ports of VXLAN");
        key("decoder.vxlan-gpe.ports", ports(t.vxlanGpePorts()), "UDP destination ports of VXLAN-GPE (VXLAN with a next protocol)");
        key("decoder.geneve.ports", ports(t.genevePorts()), "UDP destination ports of Geneve");
        key("decoder.gre-udp.ports", ports(t.greUdpPorts()), "UDP destination ports of GRE-in-UDP (RFC 8086)");
        key("decoder.ayiya.ports", ports(t.ayiyaPorts()), "UDP ports (either side) of AYIYA");
        key("decoder.mpls-udp.ports", ports(t.mplsUdpPorts()), "UDP destination ports of MPLS-in-UDP (RFC 7510)");
        key("decoder.capwap.ports", ports(t.capwapPorts()), "UDP ports (either side) of CAPWAP's data channel (access points and their controller)");
        key("decoder.l2tp.ports", ports(t.l2tpPorts()), "UDP ports (either side) of L2TP: version 2 (PPP between concentrator and"
                + " server) and version 3 (Ethernet pseudowires; also straight over IP, protocol 115)");
        key("decoder.l2tpv3.cookie-size", l2tpv3Name(t.l2tpv3CookieLength(), false), "bytes of the L2TPv3 cookie, set on the routers and"
                + " not on the wire: 0, 4, 8, or detect (from the Ethernet frame that follows)");
        key("decoder.l2tpv3.l2-specific-sublayer", l2tpv3Name(t.l2tpv3Sublayer(), true),
                "the L2TPv3 layer 2-specific sublayer: none, default (4 bytes, RFC 3931), or detect");
        key("flow.max-flows", f.maxFlows(), "flows tracked, all workers together; when full the least recently useful is ended");
        key("flow.vlan-in-key", f.vlanInKey(), "VLAN ids are part of the flow key (off: both directions tagged differently)");
        key("flow.timeout.tcp-new", f.tcpNewTimeout(), "seconds a TCP flow without a completed handshake may idle");
        key("flow.timeout.tcp-established", f.tcpEstablishedTimeout(), "seconds an established TCP flow may idle");
        key("flow.timeout.tcp-closed", f.tcpClosedTimeout(), "seconds a closed TCP flow is kept for late packets");
        key("flow.timeout.udp-new", f.udpNewTimeout(), "seconds a one-way UDP flow may idle");
        key("flow.timeout.udp-established", f.udpEstablishedTimeout(), "seconds a two-way UDP flow may idle");
        key("flow.timeout.other-new", f.otherNewTimeout(), "seconds a one-way flow of another protocol may idle");
        key("flow.timeout.other-established", f.otherEstablishedTimeout(), "seconds a two-way flow of another protocol may idle");
        key("stream.max-ooo-bytes", r.maxBytesPerStream(), "out-of-order bytes held per TCP direction");
        key("stream.max-ooo-segments", r.maxSegmentsPerStream(), "out-of-order segments held per TCP direction");
        key("stream.memcap", r.memcap(), "out-of-order bytes held by all TCP streams together");
        key("stream.gap-ack-delay-ms", r.gapAckDelayNanos() / 1_000_000, "ms an acknowledged hole is waited for before it is a gap");
        key("stream.checksum-validation", r.checksumValidation(), "discard TCP segments with a wrong IPv4 or TCP checksum once their"
                + " sender was seen sending right ones (as the receiving host does); off: take them all");
        key("stream.urgent-oob", r.urgentOutOfBand(), "take the byte a TCP urgent pointer marks out of the stream, as Linux, BSD"
                + " and Windows hosts do; off: keep it inline (where a firewall clears the urgent flag)");
        key("stream.policy", r.policies().fallback().text(), "how receiving hosts in no stream.policy.<name> block resolve overlapping"
                + " TCP data: " + OverlapPolicy.names());
        for (OverlapPolicy p : OverlapPolicy.values()) {
            key(POLICY_PREFIX + p.text(), "(none)", "receiving hosts that resolve TCP overlaps as " + p.text()
                    + ": addresses or CIDR blocks, IPv4 or IPv6, comma-separated; the most specific block wins");
        }
        key("http.max-header-bytes", h.maxHeaderBytes(), "bytes of one message's start line and headers");
        key("http.max-headers", h.maxHeaderCount(), "header fields of one message");
        key("http.max-decoded-bytes", h.maxDecodedBytes(), "bytes one content-encoded body may decode to");
        key("http.max-decompression-ratio", h.maxDecompressionRatio(), "decoded/encoded ratio allowed once ratio-min-decoded-bytes were decoded");
        key("http.ratio-min-decoded-bytes", h.ratioMinDecodedBytes(), "decoded bytes before the ratio limit applies");
        key("http.max-multipart-parts", h.maxMultipartParts(), "parts split out of one multipart body");
        key("http.max-pending", h.maxPendingTransactions(), "requests waiting for their responses on one connection");
        key("http.memcap", h.memcap(), "heap for HTTP heads (being read or kept by open transactions) and decoder buffers, all connections together");
        key("file.store", true, "store extracted files under DIR/files/");
        key("scan.enabled", true, "scan every extracted file with clamd (off: no verdicts)");
        key("scan.threads", ScanConfig.DEFAULT_THREADS, "files scanned at once");
        key("scan.drain-seconds", ScanConfig.DEFAULT_DRAIN_MILLIS / 1000,
                "how long analyze waits at the end for verdicts (files still waiting stay queued)");
        key("scan.max-queued-bytes", ScanConfig.DEFAULT_MAX_QUEUED_BYTES,
                "bytes of files waiting for clamd; past it the longest-waiting file is given up (not_scanned)");
        key("scan.rules-dir", "(install)/rules/clamav", "the project's hash signatures for interim verdicts without clamd");
        key("scan.queue-memory-bytes", ScanConfig.DEFAULT_QUEUE_MEMORY_BYTES,
                "heap for the events of files waiting for clamd; more wait in DIR/scan/queue.journal only");
        key("scan.queue-memory-entries", ScanConfig.DEFAULT_QUEUE_MEMORY_ENTRIES, "files waiting for clamd held in memory");
        key("scan.verdict-cache-bytes", ScanConfig.DEFAULT_VERDICT_CACHE_BYTES,
                "heap for verdicts remembered by sha256 (least recently used forgotten)");
        key("scan.retry-max-seconds", ScanConfig.DEFAULT_MAX_RETRY_DELAY_MILLIS / 1000,
                "longest wait between tries while clamd is unreachable (from 0.5 s, doubling)");
        key("scan.retro-days", ScanConfig.DEFAULT_RETRO_DAYS,
                "when clamd's database version changes, files seen in these last days are scanned again (0: never)");
        key("scan.version-check-seconds", DEFAULT_VERSION_CHECK_SECONDS, "seconds between checks of clamd's database version (0: at start only)");
        key("quarantine.max-files", io.spanwatch.analyzer.scan.Quarantine.DEFAULT_MAX_FILES, "infected files kept in DIR/quarantine");
        key("quarantine.max-bytes", io.spanwatch.analyzer.scan.Quarantine.DEFAULT_MAX_BYTES, "bytes of infected files kept");
        key("quarantine.max-age-days", io.spanwatch.analyzer.scan.Quarantine.DEFAULT_MAX_AGE.toDays(), "days an infected file is kept");
        key("clamd.address", "127.0.0.1:3310", "clamd endpoints, comma-separated (host:port or unix socket path)");
        key("clamd.connect-timeout-ms", io.spanwatch.analyzer.scan.ClamdClient.Options.DEFAULT_CONNECT_TIMEOUT.toMillis(),
                "ms to connect to clamd");
        key("clamd.read-timeout-ms", io.spanwatch.analyzer.scan.ClamdClient.Options.DEFAULT_READ_TIMEOUT.toMillis(),
                "ms clamd may take to answer a scan");
        key("clamd.max-stream-bytes", io.spanwatch.analyzer.scan.ClamdClient.Options.DEFAULT_MAX_STREAM_BYTES,
                "bytes sent to clamd per file: set to clamd's StreamMaxLength (larger files are not_scanned)");
        key("clamd.max-in-flight", 4, "scans in flight per clamd endpoint");
        key("correlate.enabled", true, "beacon scoring, incidents and the EPL rules (off: none of them)");
        key("correlate.allowlist", "(none)", "allowlist files, comma-separated (--allowlist; rules/allowlist is always read)");
        key("correlate.rules-dir", "(install)/rules", "folder of the EPL rules (*.epl), watched and redeployed on change");
        key("correlate.beacon.threshold", io.spanwatch.analyzer.correlate.CorrelateConfig.DEFAULT_THRESHOLD,
                "beacon score (0-1) at or above which a pair is a beacon alert");
        key("correlate.beacon.min-callbacks", io.spanwatch.analyzer.correlate.CorrelateConfig.DEFAULT_MIN_CALLBACKS,
                "callbacks a pair needs before it is scored");
        key("correlate.beacon.burst-gap-ms", io.spanwatch.analyzer.correlate.CorrelateConfig.DEFAULT_BURST_GAP_MILLIS,
                "requests of a pair closer than this are one callback");
        key("correlate.beacon.window-hours", io.spanwatch.analyzer.correlate.CorrelateConfig.DEFAULT_WINDOW_HOURS,
                "observation window: how far back a pair's callbacks are scored");
        key("correlate.beacon.score-interval-s", io.spanwatch.analyzer.correlate.CorrelateConfig.DEFAULT_SCORE_INTERVAL_SECONDS,
                "seconds of packet time between checkpoints at which changed pairs are scored (and at the end)");
        key("correlate.beacon.max-pairs", io.spanwatch.analyzer.correlate.CorrelateConfig.DEFAULT_MAX_PAIRS,
                "client/destination pairs tracked; one idle since the last checkpoint (of the 64 tracked longest) is scored, then evicted");
        key("correlate.beacon.max-callbacks", io.spanwatch.analyzer.correlate.CorrelateConfig.DEFAULT_MAX_CALLBACKS,
                "request times kept per pair (the latest)");
        key("correlate.beacon.max-stored", io.spanwatch.analyzer.correlate.CorrelateConfig.DEFAULT_MAX_STORED,
                "request times kept over all pairs (12 bytes each); pairs are evicted as for max-pairs");
        key("correlate.incident.window-hours", io.spanwatch.analyzer.correlate.CorrelateConfig.DEFAULT_INCIDENT_WINDOW_HOURS,
                "hours after a malware download in which a beacon or reputation hit of the host makes an incident");
        key("correlate.incident.max-hosts", io.spanwatch.analyzer.correlate.CorrelateConfig.DEFAULT_MAX_HOSTS,
                "internal hosts whose downloads and reputation hits are kept for incidents");
        key("correlate.incident.max-bytes", io.spanwatch.analyzer.correlate.CorrelateConfig.DEFAULT_MAX_INCIDENT_BYTES,
                "heap bytes of the downloads and reputation hits kept for incidents, all hosts; the least recently active hosts are forgotten");
        key("correlate.reorder-events", io.spanwatch.analyzer.correlate.CorrelateConfig.DEFAULT_REORDER_EVENTS,
                "events held to put them in packet-time order before the rules see them");
        key("correlate.lateness-s", io.spanwatch.analyzer.correlate.CorrelateConfig.DEFAULT_LIVE_LATENESS_SECONDS + " (live), 0 (files)",
                "seconds an event is held at most for events older than it (0: only correlate.reorder-events bounds it)");
        key("correlate.queue-events", io.spanwatch.analyzer.correlate.CorrelateConfig.DEFAULT_QUEUE_EVENTS,
                "events waiting for the correlation thread (live: more are dropped and counted; files: the sensor waits)");
        key("clamd.fdpass", true, "on a unix socket, clamd reads each file through its descriptor (FILDES) instead of a stream");
        key("clamd.max-file-bytes", io.spanwatch.analyzer.scan.ClamdClient.Options.DEFAULT_MAX_FILE_BYTES,
                "largest file passed by descriptor: set to clamd's MaxFileSize (larger files are streamed, cut); 100m for SpanWatch's clamd.conf");
        key("feed.uris", "(none)", "feeds, space-separated URIs as --feed takes them (--feed replaces them)");
        key("feed.outbox-max-bytes", io.spanwatch.analyzer.feed.Outbox.DEFAULT_MAX_BYTES,
                "bytes of events waiting per feed; past it new events are not queued (feed.NAME.dropped_full)");
        key("feed.fsync-ms", io.spanwatch.analyzer.feed.Outbox.DEFAULT_FSYNC_MILLIS,
                "ms a queued event may wait to be forced to disk; 0 forces every event before the bus goes on");
        key("feed.timeout-ms", io.spanwatch.analyzer.feed.FeedConfig.DEFAULT_TIMEOUT_MILLIS, "ms to connect to a receiver and to hear back");
        key("feed.retry-max-ms", io.spanwatch.analyzer.feed.FeedConfig.DEFAULT_RETRY_MAX_MILLIS,
                "longest wait between delivery retries (from 1 s, doubling)");
        key("feed.drain-seconds", io.spanwatch.analyzer.feed.FeedConfig.DEFAULT_DRAIN_MILLIS / 1000,
                "how long the end of a run waits for deliveries; the rest waits in DIR/outbox for spanwatch feed");
        key("metrics.listen", "(off)", "HOST:PORT serving Prometheus metrics at /metrics (as --metrics)");
        key("index.enabled", true, "index every event into DIR/index for the console (off: eve.json only)");
        key("index.queue-events", io.spanwatch.analyzer.index.IndexConfig.DEFAULT_QUEUE_EVENTS,
                "events waiting for the indexing thread; live, more are dropped from the index (counted), never from eve.json");
        key("index.retention-days", io.spanwatch.analyzer.index.IndexConfig.DEFAULT_RETENTION.toDays(),
                "a day of the index is dropped when both the day and its last write are this old");
        key("index.max-bytes", io.spanwatch.analyzer.index.IndexConfig.DEFAULT_MAX_BYTES, "disk the index may take; past it the oldest days are dropped");
        key("index.ram-buffer-mb", io.spanwatch.analyzer.index.IndexConfig.DEFAULT_RAM_BUFFER_MB, "MiB Lucene buffers before writing a segment");
        key("index.commit-interval-ms", io.spanwatch.analyzer.index.IndexConfig.DEFAULT_COMMIT_INTERVAL.toMillis(),
                "live: how often new events are committed, i.e. how soon the console sees them");
        key("index.max-fields", io.spanwatch.analyzer.index.IndexConfig.DEFAULT_MAX_FIELDS, "distinct EVE fields indexed; more are kept in the source only");
        key("index.import-open-days", io.spanwatch.analyzer.index.IndexConfig.DEFAULT_IMPORT_OPEN_DAYS,
                "spanwatch index: days written at once (each holds a few file descriptors); past it a day is closed and opened again");
        key("console.threads", io.spanwatch.analyzer.web.ConsoleConfig.DEFAULT_THREADS, "requests the console works on at once");
        key("console.rate-limit", io.spanwatch.analyzer.web.ConsoleConfig.DEFAULT_RATE_PER_SECOND,
                "requests per second per token (and per address before login), with bursts of twice that");
        key("console.max-request-bytes", io.spanwatch.analyzer.web.ConsoleConfig.DEFAULT_MAX_REQUEST_BYTES, "largest request body but uploads");
        key("console.max-upload-bytes", io.spanwatch.analyzer.web.ConsoleConfig.DEFAULT_MAX_UPLOAD_BYTES, "largest upload to /api/v1/scan, all files together");
        key("console.max-upload-files", io.spanwatch.analyzer.web.ConsoleConfig.DEFAULT_MAX_UPLOAD_FILES, "files in one scan upload");
        key("console.session-hours", io.spanwatch.analyzer.web.ConsoleConfig.DEFAULT_SESSION.toHours(), "hours a login lasts without use");
        key("console.query-timeout-ms", io.spanwatch.analyzer.web.ConsoleConfig.DEFAULT_QUERY_TIMEOUT.toMillis(),
                "ms one search may run before it answers with what it found");
        key("file.max-store-bytes", FileConfig.DEFAULT_MAX_STORE_BYTES, "largest file stored (larger ones are hashed, not stored)");
        key("file.spool-memory-bytes", FileConfig.DEFAULT_SPOOL_MEMORY_BYTES, "bytes of one file kept in memory before it spills to disk");
        key("file.spool-memory-total-bytes", FileConfig.DEFAULT_SPOOL_MEMORY_TOTAL_BYTES, "bytes of all files being extracted kept in memory together");
        key("file.max-open", FileConfig.DEFAULT_MAX_OPEN_FILES, "files being extracted at once; more are skipped (anomaly file.too_many_open)");
        key("file.max-range-assemblies", FileConfig.DEFAULT_MAX_RANGE_ASSEMBLIES, "206 range files assembled at once");
        key("file.spool-disk-bytes", FileConfig.DEFAULT_SPOOL_DISK_BYTES,
                "bytes all files being extracted may hold in DIR/files/.tmp together; past it a file is hashed, not stored");
        key("home-net", DEFAULT_HOME_NET, "internal networks (Suricata's HOME_NET), comma-separated CIDRs; also --home-net");
        IntelConfig ic = IntelConfig.of(List.of(), null, null);
        key("intel.rules-dir", "(install)/rules/intel", "feeds the project ships, read at start");
        key("intel.watch-dir", "(none)", "a folder of feeds read at start and reloaded when a file in it changes");
        key("intel.reload-debounce-ms", ic.debounce().toMillis(), "quiet ms after the last change in intel.watch-dir before a reload");
        key("intel.max-indicators", ic.maxIndicators(), "indicators held, all feeds together; further ones are dropped and counted");
        key("intel.max-feed-bytes", ic.maxFeedBytes(), "bytes read from one feed after decompression; the rest is skipped and counted");
        key("intel.max-line-bytes", ic.maxLineBytes(), "bytes of one feed line; longer lines are malformed");
        key("intel.max-named-problems", ic.maxNamedProblems(), "malformed or unsupported lines logged by file and line, per feed");
        key("intel.retro-days", ic.retroDays(), "days of observations kept in DIR/intel/journal for retro-hunts (0: none)");
        key("intel.journal-max-day-bytes", ic.journalMaxDayBytes(), "bytes of observations kept per day; more are counted, not kept");
        key("intel.dedup-capacity", ic.dedupCapacity(), "(flow, indicator) pairs remembered for one alert per indicator per flow");
        key("intel.download", "(none)", "feeds to fetch, comma-separated URL or NAME=URL; copies in intel.watch-dir or DIR/intel/feeds");
        key("intel.download-interval-s", ic.downloadInterval().toSeconds(), "seconds between downloads of each feed (If-Modified-Since)");
        key("intel.download-timeout-s", ic.downloadTimeout().toSeconds(), "seconds one download may take");
        key("intel.drain-seconds", ReputationEvents.DEFAULT_DRAIN_MILLIS / 1000, "how long analyze waits at the end for retro-hunts still running");
        key("report.schedule", true, "a running sensor writes last week's report every Monday into DIR/reports");
        key("report.hour", ReportConfig.DEFAULT_HOUR, "hour of Monday (0-23, in report.time-zone) the weekly report is written at");
        key("report.time-zone", ReportConfig.DEFAULT_ZONE, "time zone reports count days, hours and weeks in (e.g. Europe/Berlin)");
        key("report.max-hosts", ReportConfig.DEFAULT_MAX_HOSTS, "hosts at risk a report keeps figures for; more are counted only");
        key("report.max-entries", ReportConfig.DEFAULT_MAX_ENTRIES,
                "entries of each other report table (malware files, families, callbacks, feeds, incidents); more are counted only");
        key("report.max-pending-files", ReportConfig.DEFAULT_MAX_PENDING_FILES,
                "files with an interim verdict a report remembers until their final one");
        key("report.max-line-bytes", ReportConfig.DEFAULT_MAX_LINE_BYTES, "longest eve.json line a report reads; longer ones are counted");
    }

    /** Names an L2TPv3 cookie or sublayer length as its key takes it. */
    private static String l2tpv3Name(int length, boolean sublayer) {
        return length == io.spanwatch.sensor.decode.TunnelConfig.DETECT ? "detect"
                : !sublayer ? String.valueOf(length) : length == 0 ? "none" : "default";
    }

    private static String ports(java.util.List<Integer> ports) {
        return ports.isEmpty() ? "(none)" : ports.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
    }

    private static void key(String name, Object def, String description) {
        KEYS.put(name, new Key(name, String.valueOf(def), description));
    }

    private final Map<String, String> values = new TreeMap<>();
    private final Map<String, String> origins = new TreeMap<>();

    /** Reads a properties file; unknown keys are errors. */
    void load(Path file) throws SettingsException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new SettingsException("cannot read config file " + file + ": " + CliErrors.what(e));
        }
        for (String k : p.stringPropertyNames()) {
            put(k.trim(), p.getProperty(k).trim(), file.toString());
        }
    }

    /** Takes one {@code key=value} from the command line. */
    void set(String assignment) throws SettingsException {
        set(assignment, "--set");
    }

    /** Takes one {@code key=value} that came from {@code origin} (e.g. an option standing for the key). */
    void set(String assignment, String origin) throws SettingsException {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new SettingsException(origin + " " + assignment + ": expected key=value");
        }
        put(assignment.substring(0, eq).trim(), assignment.substring(eq + 1).trim(), origin);
    }

    private void put(String key, String value, String origin) throws SettingsException {
        if (!KEYS.containsKey(key)) {
            throw new SettingsException(origin + ": unknown key " + key + " (spanwatch config-keys lists them)");
        }
        values.put(key, value);
        origins.put(key, origin);
    }

    /** Builds the sensor configuration from the defaults and what was set. */
    SensorConfig build(SensorConfig d) throws SettingsException {
        FlowConfig f = d.flow();
        ReassemblyConfig r = d.reassembly();
        HttpLimits h = d.http();
        FileConfig fc = d.files();
        try {
            return new SensorConfig(str("sensor.name", d.sensorName()), (int) num("sensor.workers", d.workers(), 1, 256),
                    (int) num("sensor.queue-batches", d.queueBatches(), 2, 65536),
                    d.live(), (int) num("sensor.max-anomaly-events", d.maxAnomalyEventsPerName(), 0, Integer.MAX_VALUE),
                    new FlowConfig((int) num("flow.max-flows", f.maxFlows(), 1, 100_000_000),
                            secs("flow.timeout.tcp-new", f.tcpNewTimeout()), secs("flow.timeout.tcp-established", f.tcpEstablishedTimeout()),
                            secs("flow.timeout.tcp-closed", f.tcpClosedTimeout()), secs("flow.timeout.udp-new", f.udpNewTimeout()),
                            secs("flow.timeout.udp-established", f.udpEstablishedTimeout()),
                            secs("flow.timeout.other-new", f.otherNewTimeout()),
                            secs("flow.timeout.other-established", f.otherEstablishedTimeout()),
                            bool("flow.vlan-in-key", f.vlanInKey())),
                    new ReassemblyConfig((int) num("stream.max-ooo-bytes", r.maxBytesPerStream(), 0, Integer.MAX_VALUE),
                            (int) num("stream.max-ooo-segments", r.maxSegmentsPerStream(), 0, Integer.MAX_VALUE),
                            num("stream.memcap", r.memcap(), 0, Long.MAX_VALUE),
                            num("stream.gap-ack-delay-ms", r.gapAckDelayNanos() / 1_000_000, 0, 3_600_000) * 1_000_000,
                            policies(r.policies()), bool("stream.checksum-validation", r.checksumValidation()),
                            bool("stream.urgent-oob", r.urgentOutOfBand())),
                    new HttpLimits((int) num("http.max-header-bytes", h.maxHeaderBytes(), 1, Integer.MAX_VALUE),
                            (int) num("http.max-headers", h.maxHeaderCount(), 1, Integer.MAX_VALUE),
                            num("http.max-decoded-bytes", h.maxDecodedBytes(), 1, Long.MAX_VALUE),
                            (int) num("http.max-decompression-ratio", h.maxDecompressionRatio(), 1, Integer.MAX_VALUE),
                            num("http.ratio-min-decoded-bytes", h.ratioMinDecodedBytes(), 1, Long.MAX_VALUE),
                            (int) num("http.max-multipart-parts", h.maxMultipartParts(), 1, Integer.MAX_VALUE),
                            (int) num("http.max-pending", h.maxPendingTransactions(), 1, Integer.MAX_VALUE),
                            num("http.memcap", h.memcap(), 1 << 20, Long.MAX_VALUE)),
                    new FileConfig(fc.outDir(), num("file.max-store-bytes", fc.maxStoreBytes(), 0, Long.MAX_VALUE),
                            (int) num("file.spool-memory-bytes", fc.spoolMemoryBytes(), 4096, 1 << 30), bool("file.store", fc.store()),
                            (int) num("file.max-range-assemblies", fc.maxRangeAssemblies(), 1, 1_000_000),
                            num("file.spool-memory-total-bytes", fc.spoolMemoryTotalBytes(), 0, Long.MAX_VALUE),
                            (int) num("file.max-open", fc.maxOpenFiles(), 1, 10_000_000),
                            num("file.spool-disk-bytes", fc.spoolDiskBytes(), 0, Long.MAX_VALUE)),
                    new SensorConfig.DefragConfig((int) num("defrag.max-datagrams", d.defrag().maxDatagrams(), 1, 10_000_000),
                            num("defrag.memcap", d.defrag().memcap(), 1, Long.MAX_VALUE),
                            secs("defrag.timeout", d.defrag().timeoutSeconds()),
                            (int) num("defrag.linux.ipfrag-max-dist", d.defrag().linuxMaxDist(), 0, Integer.MAX_VALUE),
                            (int) num("defrag.bsd.maxfragsperpacket", d.defrag().bsdMaxFrags(), 0, 65_535),
                            (int) num("defrag.bsd.ip6-maxfragsperpacket", d.defrag().bsdMaxFrags6(), 0, 65_535),
                            (int) num("defrag.macos.maxfragsperpacket", d.defrag().macosMaxFrags(), 0, 65_535)),
                    tunnels(d.tunnels()));
        } catch (IllegalArgumentException e) {
            throw new SettingsException("configuration: " + e.getMessage());
        }
    }

    private io.spanwatch.sensor.decode.TunnelConfig tunnels(io.spanwatch.sensor.decode.TunnelConfig t) throws SettingsException {
        return new io.spanwatch.sensor.decode.TunnelConfig(
                (int) num("decoder.max-tunnel-depth", t.maxDepth(), 0, io.spanwatch.sensor.decode.TunnelConfig.MAX_DEPTH),
                portList("decoder.teredo.ports", t.teredoPorts()), bool("decoder.teredo.any-port", t.teredoAnyPort()),
                portList("decoder.gtpu.ports", t.gtpuPorts()), bool("decoder.gtpu.any-port", t.gtpuAnyPort()),
                portList("decoder.vxlan.ports", t.vxlanPorts()), portList("decoder.geneve.ports", t.genevePorts()),
                portList("decoder.gre-udp.ports", t.greUdpPorts()), portList("decoder.ayiya.ports", t.ayiyaPorts()),
                portList("decoder.mpls-udp.ports", t.mplsUdpPorts()), portList("decoder.capwap.ports", t.capwapPorts()),
                portList("decoder.l2tp.ports", t.l2tpPorts()), portList("decoder.vxlan-gpe.ports", t.vxlanGpePorts()),
                l2tpv3("decoder.l2tpv3.cookie-size", t.l2tpv3CookieLength(), "0", "4", "8"),
                l2tpv3("decoder.l2tpv3.l2-specific-sublayer", t.l2tpv3Sublayer(), "none", "default"));
    }

    /**
     * Reads an L2TPv3 length: {@code detect}, or one of {@code names}, each standing for its number of
     * bytes ({@code none} 0, {@code default} 4).
     */
    private int l2tpv3(String key, int def, String... names) throws SettingsException {
        String v = values.get(key);
        if (v == null) {
            return def;
        }
        String t = v.trim().toLowerCase(Locale.ROOT);
        if (t.equals("detect")) {
            return io.spanwatch.sensor.decode.TunnelConfig.DETECT;
        }
        for (String n : names) {
            if (t.equals(n)) {
                return switch (n) {
                    case "none" -> 0;
                    case "default" -> 4;
                    default -> Integer.parseInt(n);
                };
            }
        }
        throw bad(key, v, "expected detect, " + String.join(", ", names));
    }

    /** Reads a comma-separated list of UDP ports; an empty value (or {@code none}) is no port. */
    private java.util.List<Integer> portList(String key, java.util.List<Integer> def) throws SettingsException {
        String v = values.get(key);
        if (v == null) {
            return def;
        }
        java.util.List<Integer> ports = new java.util.ArrayList<>();
        if (v.isBlank() || v.trim().equalsIgnoreCase("none")) {
            return ports;
        }
        for (String part : v.split(",")) {
            int port;
            try {
                port = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                throw bad(key, v, "expected UDP port numbers separated by commas, or none");
            }
            if (port < 1 || port > 65_535) {
                throw bad(key, v, "a port must be between 1 and 65535");
            }
            ports.add(port);
        }
        return ports;
    }

    /** Builds the receiving hosts' overlap policies from stream.policy and stream.policy.NAME. */
    private HostPolicies policies(HostPolicies d) throws SettingsException {
        OverlapPolicy fallback = d.fallback();
        String v = values.get("stream.policy");
        if (v != null) {
            try {
                fallback = OverlapPolicy.of(v);
            } catch (IllegalArgumentException e) {
                throw bad("stream.policy", v, e.getMessage());
            }
        }
        Map<OverlapPolicy, java.util.List<String>> blocks = new java.util.EnumMap<>(OverlapPolicy.class);
        for (OverlapPolicy p : OverlapPolicy.values()) {
            String list = values.get(POLICY_PREFIX + p.text());
            if (list != null) {
                blocks.put(p, HostPolicies.split(list));
                try {
                    HostPolicies.of(fallback, Map.of(p, blocks.get(p)));
                } catch (IllegalArgumentException e) {
                    throw bad(POLICY_PREFIX + p.text(), list, e.getMessage());
                }
            }
        }
        if (v == null && blocks.isEmpty()) {
            return d;
        }
        try {
            return HostPolicies.of(fallback, blocks);
        } catch (IllegalArgumentException e) {
            throw new SettingsException("stream.policy.*: " + e.getMessage());
        }
    }

    private String str(String key, String def) {
        return values.getOrDefault(key, def);
    }

    private int secs(String key, int def) throws SettingsException {
        return (int) num(key, def, 1, 86_400 * 30);
    }

    private boolean bool(String key, boolean def) throws SettingsException {
        String v = values.get(key);
        if (v == null) {
            return def;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw bad(key, v, "expected true or false");
        };
    }

    private long num(String key, long def, long min, long max) throws SettingsException {
        String v = values.get(key);
        if (v == null) {
            return def;
        }
        long n;
        try {
            n = parseSize(v);
        } catch (NumberFormatException e) {
            throw bad(key, v, "expected a whole number, optionally with k, m or g");
        }
        if (n < min || n > max) {
            throw bad(key, v, "must be between " + min + " and " + max);
        }
        return n;
    }

    private SettingsException bad(String key, String value, String why) {
        return new SettingsException(origins.get(key) + ": " + key + "=" + value + ": " + why);
    }

    /** Parses {@code 123}, {@code 64k}, {@code 150m}, {@code 1g} (also {@code KiB}, {@code MB}...), as powers of 1024. */
    static long parseSize(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace("_", "");
        long mult = 1;
        for (String[] s : new String[][] {{"kib", "1024"}, {"mib", "1048576"}, {"gib", "1073741824"}, {"kb", "1024"}, {"mb", "1048576"},
            {"gb", "1073741824"}, {"k", "1024"}, {"m", "1048576"}, {"g", "1073741824"}}) {
            if (t.endsWith(s[0])) {
                mult = Long.parseLong(s[1]);
                t = t.substring(0, t.length() - s[0].length()).trim();
                break;
            }
        }
        return Math.multiplyExact(Long.parseLong(t), mult);
    }

    /** The scan stage's settings. */
    record ScanSettings(boolean enabled, java.util.List<String> clamd, io.spanwatch.analyzer.scan.ClamdClient.Options clamdOptions,
            ScanConfig scan, Path rulesDir, io.spanwatch.analyzer.scan.Quarantine.Limits quarantine, int versionCheckSeconds) {
    }

    /** Builds the scan settings; {@code clamdFromCli} (the --clamd options) win over clamd.address. */
    ScanSettings buildScan(java.util.List<String> clamdFromCli) throws SettingsException {
        return buildScan(clamdFromCli, false);
    }

    /**
     * Builds the scan settings; a live sensor waits at most 10 s at shutdown for verdicts unless
     * scan.drain-seconds says otherwise (what is left stays queued for its next start), so a service
     * manager's stop timeout is never reached.
     */
    ScanSettings buildScan(java.util.List<String> clamdFromCli, boolean live) throws SettingsException {
        java.util.List<String> addresses = new java.util.ArrayList<>(clamdFromCli);
        if (addresses.isEmpty()) {
            for (String a : str("clamd.address", "127.0.0.1:3310").split(",")) {
                if (!a.isBlank()) {
                    addresses.add(a.trim());
                }
            }
        }
        for (String a : addresses) {
            try {
                io.spanwatch.analyzer.scan.ClamdAddress.parse(a);
            } catch (IllegalArgumentException e) {
                throw new SettingsException(e.getMessage());
            }
        }
        var d = io.spanwatch.analyzer.scan.ClamdClient.Options.defaults();
        var opts = d.withConnectTimeout(java.time.Duration.ofMillis(num("clamd.connect-timeout-ms", d.connectTimeout().toMillis(), 1,
                        3_600_000)))
                .withReadTimeout(java.time.Duration.ofMillis(num("clamd.read-timeout-ms", d.readTimeout().toMillis(), 1, 3_600_000)))
                .withMaxStreamBytes(num("clamd.max-stream-bytes", d.maxStreamBytes(), 1, Long.MAX_VALUE))
                .withMaxInFlight((int) num("clamd.max-in-flight", d.maxInFlight(), 1, 1024))
                .withFdPass(bool("clamd.fdpass", d.fdPass()))
                .withMaxFileBytes(num("clamd.max-file-bytes", d.maxFileBytes(), 1, Long.MAX_VALUE));
        var sc = new ScanConfig((int) num("scan.threads", ScanConfig.DEFAULT_THREADS, 1, 256),
                num("scan.retry-max-seconds", ScanConfig.DEFAULT_MAX_RETRY_DELAY_MILLIS / 1000, 1, 86_400) * 1000,
                num("scan.drain-seconds", live ? 10 : ScanConfig.DEFAULT_DRAIN_MILLIS / 1000, 0, 86_400) * 1000,
                ScanConfig.DEFAULT_MAX_ATTEMPTS, num("scan.max-queued-bytes", ScanConfig.DEFAULT_MAX_QUEUED_BYTES, 1, Long.MAX_VALUE),
                num("scan.queue-memory-bytes", ScanConfig.DEFAULT_QUEUE_MEMORY_BYTES, 1, Long.MAX_VALUE),
                (int) num("scan.queue-memory-entries", ScanConfig.DEFAULT_QUEUE_MEMORY_ENTRIES, 1, 100_000_000),
                num("scan.verdict-cache-bytes", ScanConfig.DEFAULT_VERDICT_CACHE_BYTES, 0, Long.MAX_VALUE),
                (int) num("scan.retro-days", ScanConfig.DEFAULT_RETRO_DAYS, 0, 36_500));
        int versionCheck = (int) num("scan.version-check-seconds", DEFAULT_VERSION_CHECK_SECONDS, 0, 86_400 * 30);
        String rules = values.get("scan.rules-dir");
        Path rulesDir = rules != null ? Path.of(rules) : defaultRulesDir();
        var q = new io.spanwatch.analyzer.scan.Quarantine.Limits(
                (int) num("quarantine.max-files", io.spanwatch.analyzer.scan.Quarantine.DEFAULT_MAX_FILES, 1, 10_000_000),
                num("quarantine.max-bytes", io.spanwatch.analyzer.scan.Quarantine.DEFAULT_MAX_BYTES, 1, Long.MAX_VALUE),
                java.time.Duration.ofDays(num("quarantine.max-age-days", io.spanwatch.analyzer.scan.Quarantine.DEFAULT_MAX_AGE.toDays(),
                        1, 36_500)));
        return new ScanSettings(bool("scan.enabled", true), addresses, opts, sc, rulesDir, q, versionCheck);
    }

    /** The feeds' settings: which feeds, and what they share. */
    record FeedSettings(java.util.List<io.spanwatch.analyzer.feed.FeedSpec> feeds, io.spanwatch.analyzer.feed.FeedConfig config) {
    }

    /** Builds the feeds' settings; {@code fromCli} (the --feed options) replace feed.uris when given. */
    FeedSettings buildFeeds(java.util.List<String> fromCli) throws SettingsException {
        java.util.List<String> uris = new java.util.ArrayList<>(fromCli);
        if (uris.isEmpty()) {
            for (String u : str("feed.uris", "").split("\\s+")) {
                if (!u.isBlank()) {
                    uris.add(u);
                }
            }
        }
        java.util.List<io.spanwatch.analyzer.feed.FeedSpec> specs = new java.util.ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String u : uris) {
            io.spanwatch.analyzer.feed.FeedSpec spec;
            try {
                spec = io.spanwatch.analyzer.feed.FeedSpec.parse(u);
            } catch (IllegalArgumentException e) {
                throw new SettingsException(e.getMessage());
            }
            if (!names.add(spec.name())) {
                throw new SettingsException("--feed " + u + ": a second feed named " + spec.name() + " (give one of them name=...)");
            }
            specs.add(spec);
        }
        var d = io.spanwatch.analyzer.feed.FeedConfig.DEFAULTS;
        io.spanwatch.analyzer.feed.FeedConfig config;
        try {
            var outbox = new io.spanwatch.analyzer.feed.Outbox.Options(num("feed.outbox-max-bytes", d.outbox().maxBytes(), 1 << 20,
                    Long.MAX_VALUE), d.outbox().segmentBytes(), num("feed.fsync-ms", d.outbox().fsyncMillis(), 0, 3_600_000));
            config = new io.spanwatch.analyzer.feed.FeedConfig(outbox,
                    (int) num("feed.timeout-ms", d.timeoutMillis(), 100, 3_600_000), d.retryMinMillis(),
                    num("feed.retry-max-ms", d.retryMaxMillis(), d.retryMinMillis(), 86_400_000),
                    num("feed.drain-seconds", d.drainMillis() / 1000, 0, 86_400) * 1000, new HomeNet(String.join(",", homeNet())));
        } catch (IllegalArgumentException e) {
            throw new SettingsException("configuration: " + e.getMessage());
        }
        for (io.spanwatch.analyzer.feed.FeedSpec spec : specs) {
            try {
                // the transport's parameters and files, now: they stopped the run after the output folder was made
                io.spanwatch.analyzer.feed.Feeds.check(spec, config);
            } catch (IllegalArgumentException e) {
                throw new SettingsException(e.getMessage());
            }
        }
        return new FeedSettings(specs, config);
    }

    /** The reputation stage's settings: its configuration and how long analyze waits for retro-hunts. */
    record IntelSettings(IntelConfig config, long drainMillis) {
    }

    /** Builds the reputation stage's settings; {@code cliFiles} are the --intel files. */
    IntelSettings buildIntel(List<Path> cliFiles, boolean live) throws SettingsException {
        IntelConfig d = IntelConfig.of(List.of(), null, null);
        String rules = values.get("intel.rules-dir");
        String watch = values.get("intel.watch-dir");
        List<IntelConfig.Download> downloads = new java.util.ArrayList<>();
        String dl = values.get("intel.download");
        if (dl != null) {
            for (String spec : dl.split(",")) {
                if (!spec.isBlank()) {
                    try {
                        downloads.add(IntelConfig.Download.parse(spec));
                    } catch (IllegalArgumentException e) {
                        throw bad("intel.download", spec.strip(), e.getMessage());
                    }
                }
            }
        }
        try {
            IntelConfig c = new IntelConfig(cliFiles, rules != null ? Path.of(rules) : defaultRulesDir().resolveSibling("intel"),
                    watch == null || watch.isBlank() ? null : Path.of(watch),
                    java.time.Duration.ofMillis(num("intel.reload-debounce-ms", d.debounce().toMillis(), 1, 3_600_000)),
                    num("intel.max-indicators", d.maxIndicators(), 0, 1_000_000_000),
                    num("intel.max-feed-bytes", d.maxFeedBytes(), 1, Long.MAX_VALUE),
                    (int) num("intel.max-line-bytes", d.maxLineBytes(), 256, 64 << 20),
                    (int) num("intel.max-named-problems", d.maxNamedProblems(), 0, 1_000_000),
                    (int) num("intel.retro-days", d.retroDays(), 0, 3650),
                    num("intel.journal-max-day-bytes", d.journalMaxDayBytes(), 0, Long.MAX_VALUE),
                    (int) num("intel.dedup-capacity", d.dedupCapacity(), 1, 100_000_000), downloads,
                    java.time.Duration.ofSeconds(num("intel.download-interval-s", d.downloadInterval().toSeconds(), 1, 86_400 * 30)),
                    java.time.Duration.ofSeconds(num("intel.download-timeout-s", d.downloadTimeout().toSeconds(), 1, 86_400)));
            return new IntelSettings(c, num("intel.drain-seconds", live ? 10 : ReputationEvents.DEFAULT_DRAIN_MILLIS / 1000, 0, 86_400) * 1000);
        } catch (IllegalArgumentException e) {
            throw new SettingsException("configuration: " + e.getMessage());
        }
    }

    /** Builds the report settings; {@code zone} (the --time-zone option, or null) wins over report.time-zone. */
    ReportConfig buildReport(String zone) throws SettingsException {
        HomeNet home = new HomeNet(String.join(",", homeNet()));
        String z = zone != null ? zone : str("report.time-zone", ReportConfig.DEFAULT_ZONE);
        java.time.ZoneId id;
        try {
            id = ReportPeriod.zone(z);
        } catch (IllegalArgumentException e) {
            if (zone != null) {
                throw new SettingsException("--time-zone " + zone + ": not a time zone (e.g. UTC, Europe/Berlin, +02:00)");
            }
            throw bad("report.time-zone", z, "not a time zone (e.g. UTC, Europe/Berlin, +02:00)");
        }
        return new ReportConfig(home, id, bool("report.schedule", true), (int) num("report.hour", ReportConfig.DEFAULT_HOUR, 0, 23),
                (int) num("report.max-hosts", ReportConfig.DEFAULT_MAX_HOSTS, 1, 100_000_000),
                (int) num("report.max-entries", ReportConfig.DEFAULT_MAX_ENTRIES, 1, 100_000_000),
                (int) num("report.max-pending-files", ReportConfig.DEFAULT_MAX_PENDING_FILES, 1, 100_000_000),
                (int) num("report.max-line-bytes", ReportConfig.DEFAULT_MAX_LINE_BYTES, 1024, 1 << 30));
    }

    /** Returns where metrics are served: {@code fromCli} (--metrics) or metrics.listen, or null when off. */
    java.net.InetSocketAddress metricsListen(String fromCli) throws SettingsException {
        String v = fromCli != null ? fromCli : values.get("metrics.listen");
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return io.spanwatch.analyzer.metrics.Metrics.parseListen(v);
        } catch (IllegalArgumentException e) {
            throw new SettingsException(fromCli != null ? e.getMessage() : origins.get("metrics.listen") + ": metrics.listen=" + v
                    + ": expected HOST:PORT");
        }
    }

    /** Returns the internal networks ({@code home-net}), each checked to be a CIDR. */
    List<String> homeNet() throws SettingsException {
        String v = values.getOrDefault("home-net", DEFAULT_HOME_NET);
        List<String> out = new java.util.ArrayList<>();
        for (String c : v.split(",")) {
            String t = c.strip();
            if (t.isEmpty()) {
                continue;
            }
            if (!validCidr(t)) {
                throw bad("home-net", v, "'" + t + "' is not an address or CIDR");
            }
            out.add(t);
        }
        return out;
    }

    private static boolean validCidr(String t) {
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        boolean v6 = addr.indexOf(':') >= 0;
        try {
            if (!v6 && !addr.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                return false;
            }
            java.net.InetAddress.ofLiteral(addr);
            if (slash >= 0) {
                int p = Integer.parseInt(t.substring(slash + 1));
                return p >= 0 && p <= (v6 ? 128 : 32);
            }
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Builds the index settings ({@code index.*}). */
    io.spanwatch.analyzer.index.IndexConfig buildIndex() throws SettingsException {
        var d = io.spanwatch.analyzer.index.IndexConfig.DEFAULTS;
        return new io.spanwatch.analyzer.index.IndexConfig(bool("index.enabled", d.enabled()),
                (int) num("index.queue-events", d.queueEvents(), 1, 100_000_000),
                java.time.Duration.ofDays(num("index.retention-days", d.retention().toDays(), 1, 36_500)),
                num("index.max-bytes", d.maxBytes(), 1 << 20, Long.MAX_VALUE),
                (int) num("index.ram-buffer-mb", d.ramBufferMb(), 1, 2047),
                java.time.Duration.ofMillis(num("index.commit-interval-ms", d.commitInterval().toMillis(), 10, 3_600_000)),
                (int) num("index.max-fields", d.maxFields(), 10, 1_000_000), d.maxOpenDays(),
                (int) num("index.import-open-days", d.importOpenDays(), 1, 100_000));
    }

    /** Builds the console settings ({@code console.*}). */
    io.spanwatch.analyzer.web.ConsoleConfig buildConsole() throws SettingsException {
        var d = io.spanwatch.analyzer.web.ConsoleConfig.DEFAULTS;
        return new io.spanwatch.analyzer.web.ConsoleConfig((int) num("console.threads", d.threads(), 1, 256),
                (int) num("console.rate-limit", d.ratePerSecond(), 1, 1_000_000),
                (int) num("console.max-request-bytes", d.maxRequestBytes(), 1024, 1 << 30),
                num("console.max-upload-bytes", d.maxUploadBytes(), 1024, 1L << 31),
                (int) num("console.max-upload-files", d.maxUploadFiles(), 1, 10_000),
                java.time.Duration.ofHours(num("console.session-hours", d.session().toHours(), 1, 24 * 365)),
                java.time.Duration.ofMillis(num("console.query-timeout-ms", d.queryTimeout().toMillis(), 10, 3_600_000)));
    }

    /**
     * Builds the correlation settings: internal hosts from {@code home-net} ({@code --home-net}),
     * {@code allowlistCli} ({@code --allowlist}) added to correlate.allowlist, and
     * {@code rules/allowlist} of the rules folder read when present. Returns null when
     * correlation is off.
     */
    io.spanwatch.analyzer.correlate.CorrelateConfig buildCorrelate(java.util.List<Path> allowlistCli, boolean live) throws SettingsException {
        if (!bool("correlate.enabled", true)) {
            return null;
        }
        String rules = values.get("correlate.rules-dir");
        Path rulesDir = rules != null ? Path.of(rules) : defaultRulesDir().getParent();
        var d = io.spanwatch.analyzer.correlate.CorrelateConfig.defaults(rulesDir, live);
        io.spanwatch.analyzer.events.AddressSet home = io.spanwatch.analyzer.events.AddressSet.parse(String.join(",", homeNet()));
        java.util.List<Path> allow = new java.util.ArrayList<>();
        Path ruleAllow = rulesDir.resolve("allowlist");
        if (Files.isRegularFile(ruleAllow)) {
            allow.add(ruleAllow);
        }
        for (String f : str("correlate.allowlist", "").split(",")) {
            if (!f.isBlank()) {
                allow.add(Path.of(f.trim()));
            }
        }
        allow.addAll(allowlistCli);
        for (Path f : allow) {
            if (!Files.isReadable(f)) {
                throw new SettingsException("allowlist " + f + ": cannot read it (missing or not readable)");
            }
        }
        try {
            // read now, so that a folder or a bad entry stops the run before anything is written (it stopped at correlation's start)
            io.spanwatch.analyzer.correlate.Allowlist.load(allow);
        } catch (java.io.IOException e) {
            throw new SettingsException(e.getMessage());
        }
        double threshold = decimal("correlate.beacon.threshold", d.threshold(), 0, 1);
        try {
            return new io.spanwatch.analyzer.correlate.CorrelateConfig(home, allow, rulesDir, threshold,
                    (int) num("correlate.beacon.min-callbacks", d.minCallbacks(), 4, 100_000),
                    num("correlate.beacon.burst-gap-ms", d.burstGapMillis(), 0, 3_600_000),
                    num("correlate.beacon.window-hours", d.windowMillis() / 3_600_000, 1, 24 * 90) * 3_600_000,
                    num("correlate.beacon.score-interval-s", d.scoreIntervalMillis() / 1000, 1, 86_400 * 7) * 1000,
                    (int) num("correlate.beacon.max-pairs", d.maxPairs(), 1, 100_000_000),
                    (int) num("correlate.beacon.max-callbacks", d.maxCallbacks(), 4, 10_000_000),
                    num("correlate.beacon.max-stored", d.maxStored(), 1, Long.MAX_VALUE / 16),
                    num("correlate.incident.window-hours", d.incidentWindowMillis() / 3_600_000, 1, 24 * 90) * 3_600_000,
                    (int) num("correlate.incident.max-hosts", d.maxHosts(), 1, 100_000_000),
                    num("correlate.incident.max-bytes", d.maxIncidentBytes(), 1L << 20, Long.MAX_VALUE / 16),
                    (int) num("correlate.reorder-events", d.reorderEvents(), 1, 100_000_000),
                    num("correlate.lateness-s", d.latenessMillis() / 1000, 0, 86_400) * 1000,
                    (int) num("correlate.queue-events", d.queueEvents(), 1, 100_000_000), live);
        } catch (IllegalArgumentException e) {
            throw new SettingsException("configuration: " + e.getMessage());
        }
    }

    private double decimal(String key, double def, double min, double max) throws SettingsException {
        String v = values.get(key);
        if (v == null) {
            return def;
        }
        double n;
        try {
            n = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw bad(key, v, "expected a number");
        }
        if (!(n >= min && n <= max)) {
            throw bad(key, v, "must be between " + min + " and " + max);
        }
        return n;
    }

    /** Returns {@code rules/clamav} of the installation (the launcher passes -Dspanwatch.home), or of the working folder. */
    static Path defaultRulesDir() {
        String home = System.getProperty("spanwatch.home");
        return (home != null ? Path.of(home) : Path.of("")).resolve("rules").resolve("clamav");
    }

    /** Prints every key with its default and meaning. */
    static void describe(Consumer<String> out) {
        int width = KEYS.values().stream().mapToInt(k -> k.name().length()).max().orElse(0); // columns line up whatever the longest key
        for (Key k : KEYS.values()) {
            out.accept(String.format(Locale.ROOT, "%-" + width + "s %-12s %s", k.name(), k.defaultValue(), k.description()));
        }
    }

    /** Reports a configuration error; the message names the key or file. */
    static final class SettingsException extends Exception {
        private static final long serialVersionUID = 1L;

        SettingsException(String message) {
            super(message);
        }
    }
}
