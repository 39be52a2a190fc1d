package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.reputation.IntelConfig;
import io.spanwatch.analyzer.reputation.ReputationEvents;
import io.spanwatch.analyzer.report.ReportConfig;
import io.spanwatch.analyzer.scan.ScanConfig;
import io.spanwatch.sensor.files.FileConfig;
import io.spanwatch.sensor.flow.FlowConfig;
import io.spanwatch.sensor.http.HttpLimits;
import io.spanwatch.sensor.pipeline.SensorConfig;
import io.spanwatch.sensor.reassembly.OverlapPolicy;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Lists the configuration keys {@link SensorSettings} takes, each with its default text and what it
 * means, in the order {@code spanwatch config-keys} prints them ({@link #describe}). A key that is not
 * here is an unknown key. The defaults shown come from the typed configurations' own defaults.
 */
final class ConfigKeys {
    /** A key, its default text and what it means. */
    record Key(String name, String defaultValue, String description) {
    }

    static final Map<String, Key> KEYS = new LinkedHashMap<>();
    /** Keys naming the hosts of one overlap policy, as Suricata's host-os-policy: {@code stream.policy.linux = 10.0.0.0/8}. */
    static final String POLICY_PREFIX = "stream.policy.";

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
        key("decoder.tzsp.ports", ports(t.tzspPorts()), "UDP destination ports of TZSP: frames a remote sniffer streams there (a MikroTik router's packet sniffer)");
        key("decoder.hp-erm.ports", ports(t.hpErmPorts()), "UDP ports, either side, of HP's Encapsulated Remote Mirroring"
                + " (ProCurve, HPE and Aruba switches' 'mirror N remote ip SRC PORT DST'): none unless set, the operator chooses it");
        key("decoder.lisp.ports", ports(t.lispPorts()), "UDP destination ports of LISP's data plane (RFC 9300): IP packets between a site's tunnel routers");
        key("decoder.esp-udp.ports", ports(t.espUdpPorts()), "UDP ports, either side, of IPsec NAT traversal (RFC 3948):"
                + " ESP with NULL encryption in it is read, IKE and keep-alives are passed over");
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
        key("scan.version-check-seconds", SensorSettings.DEFAULT_VERSION_CHECK_SECONDS, "seconds between checks of clamd's database version (0: at start only)");
        key("quarantine.max-files", io.spanwatch.analyzer.scan.Quarantine.DEFAULT_MAX_FILES, "infected files kept in DIR/quarantine");
        key("quarantine.max-bytes", io.spanwatch.analyzer.scan.Quarantine.DEFAULT_MAX_BYTES, "bytes of infected files kept");
        key("quarantine.max-age-days", io.spanwatch.analyzer.scan.Quarantine.DEFAULT_MAX_AGE.toDays(), "days an infected file is kept");
        key("clamd.address", "127.0.0.1:3310", "clamd endpoints, comma-separated (host:port or unix socket path); unset and none there: the machine's clamd (clamd.conf)");
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
        key("home-net", SensorSettings.DEFAULT_HOME_NET, "internal networks (Suricata's HOME_NET), comma-separated CIDRs; also --home-net");
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

    /** Prints every key with its default and meaning. */
    static void describe(Consumer<String> out) {
        int width = KEYS.values().stream().mapToInt(k -> k.name().length()).max().orElse(0); // columns line up whatever the longest key
        for (Key k : KEYS.values()) {
            out.accept(String.format(Locale.ROOT, "%-" + width + "s %-12s %s", k.name(), k.defaultValue(), k.description()));
        }
    }

    private ConfigKeys() {
    }
}
