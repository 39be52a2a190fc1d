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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Turns configuration keys ({@code --config FILE} in Java properties syntax, then {@code --set
 * key=value}) into the sensor's typed {@link SensorConfig}. Every key ({@link ConfigKeys}) has the
 * default shown by {@code spanwatch config-keys}; sizes take {@code k}, {@code m}, {@code g} suffixes
 * (powers of 1024).
 * An unknown key or a bad value is an error that names the key and where it came from.
 */
final class SensorSettings {
    /** Seconds between VERSION checks of a running sensor (a new database starts a retro-scan). */
    static final int DEFAULT_VERSION_CHECK_SECONDS = 300;
    /** Suricata's default HOME_NET with RFC 4193 added. */
    static final String DEFAULT_HOME_NET = HomeNet.DEFAULT;

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
        if (!ConfigKeys.KEYS.containsKey(key)) {
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
                l2tpv3("decoder.l2tpv3.l2-specific-sublayer", t.l2tpv3Sublayer(), "none", "default"),
                portList("decoder.tzsp.ports", t.tzspPorts()))
                .withHpErmPorts(portList("decoder.hp-erm.ports", t.hpErmPorts()))
                .withLispPorts(portList("decoder.lisp.ports", t.lispPorts()))
                .withEspUdpPorts(portList("decoder.esp-udp.ports", t.espUdpPorts()));
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
            String list = values.get(ConfigKeys.POLICY_PREFIX + p.text());
            if (list != null) {
                blocks.put(p, HostPolicies.split(list));
                try {
                    HostPolicies.of(fallback, Map.of(p, blocks.get(p)));
                } catch (IllegalArgumentException e) {
                    throw bad(ConfigKeys.POLICY_PREFIX + p.text(), list, e.getMessage());
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
    /**
     * The scan settings. {@code unset} says which clamd settings nothing gave (command line or config),
     * so the machine's own clamd may fill them ({@link #withMachineClamd}).
     */
    record ScanSettings(boolean enabled, java.util.List<String> clamd, io.spanwatch.analyzer.scan.ClamdClient.Options clamdOptions,
            ScanConfig scan, Path rulesDir, io.spanwatch.analyzer.scan.Quarantine.Limits quarantine, int versionCheckSeconds,
            ClamdUnset unset) {

        /**
         * These settings with {@code local} as the one clamd, and its {@code MaxFileSize} and
         * {@code StreamMaxLength} for the limits nothing set (the stream limit is the smaller of the two,
         * as the README asks of an operator).
         */
        ScanSettings withMachineClamd(io.spanwatch.analyzer.scan.LocalClamd local) {
            return new ScanSettings(enabled, java.util.List.of(local.address().toString()),
                    local.limits(clamdOptions, unset.maxFileBytes(), unset.maxStreamBytes()), scan, rulesDir, quarantine,
                    versionCheckSeconds, new ClamdUnset(false, false, false));
        }
    }

    /** Which clamd settings came from SpanWatch's defaults, not from the command line or a config. */
    record ClamdUnset(boolean address, boolean maxFileBytes, boolean maxStreamBytes) {
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
        return new ScanSettings(bool("scan.enabled", true), addresses, opts, sc, rulesDir, q, versionCheck,
                new ClamdUnset(clamdFromCli.isEmpty() && !values.containsKey("clamd.address"), !values.containsKey("clamd.max-file-bytes"),
                        !values.containsKey("clamd.max-stream-bytes")));
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

    /** Reports a configuration error; the message names the key or file. */
    static final class SettingsException extends Exception {
        private static final long serialVersionUID = 1L;

        SettingsException(String message) {
            super(message);
        }
    }
}
