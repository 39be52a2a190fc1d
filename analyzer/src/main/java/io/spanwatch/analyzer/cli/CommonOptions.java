package io.spanwatch.analyzer.cli;

import io.spanwatch.sensor.pipeline.SensorConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Holds the options {@code analyze} and {@code sensor} share and builds their sensor configuration. */
final class CommonOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (key = value lines; spanwatch config-keys lists the keys).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set one configuration key; repeatable, wins over --config.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--workers", paramLabel = "N", description = "Worker threads (default: the number of cores); same as --set sensor.workers=N.")
    Integer workers;

    @Option(names = "--sensor-name", paramLabel = "NAME", description = "Name written in every event (default: host name); same as --set sensor.name=NAME.")
    String sensorName;

    @Option(names = "--clamd", paramLabel = "ADDRESS", description = "clamd address (host:port or unix socket path); repeatable. Default 127.0.0.1:3310, or the machine's clamd (its clamd.conf) when none answers there.")
    List<String> clamd = new ArrayList<>();

    @Option(names = "--allowlist", paramLabel = "FILE", description = "Destinations (names, IPs, CIDRs, one a line) whose periodic "
            + "traffic is benign: scored, never a beacon alert; repeatable, added to rules/allowlist.")
    List<Path> allowlist = new ArrayList<>();

    /** Builds the correlation settings (after {@link #build}; null when correlation is off), or prints the error. */
    io.spanwatch.analyzer.correlate.CorrelateConfig correlateOrReport(java.io.PrintWriter err) throws SensorSettings.SettingsException {
        try {
            return settings.buildCorrelate(allowlist, live);
        } catch (SensorSettings.SettingsException e) {
            err.println("spanwatch: " + e.getMessage());
            throw e;
        }
    }

    /** The analyzer stages' settings, read together so that analyze and sensor read them alike. */
    record StageSettings(SensorSettings.ScanSettings scan, io.spanwatch.analyzer.index.IndexConfig index,
            SensorSettings.IntelSettings intel, io.spanwatch.analyzer.correlate.CorrelateConfig correlate,
            SensorSettings.FeedSettings feeds) {
    }

    /** Builds every analyzer stage's settings (after {@link #build}), or prints the first error and returns null. */
    StageSettings stagesOrReport(java.io.PrintWriter err) {
        SensorSettings.ScanSettings scan = scanOrReport(err);
        io.spanwatch.analyzer.index.IndexConfig index = indexOrReport(err);
        if (scan == null || index == null) {
            return null;
        }
        SensorSettings.IntelSettings intel = intelOrReport(err);
        if (intel == null) {
            return null;
        }
        io.spanwatch.analyzer.correlate.CorrelateConfig correlate;
        try {
            correlate = correlateOrReport(err);
        } catch (SensorSettings.SettingsException e) {
            return null;
        }
        SensorSettings.FeedSettings feeds = feedsOrReport(err);
        return feeds == null ? null : new StageSettings(scan, index, intel, correlate, feeds);
    }

    @Option(names = "--intel", paramLabel = "FILE", description = "Threat-intel feed (format recognised from its content); repeatable. "
            + "Also every file in rules/intel and intel.watch-dir.")
    List<Path> intel = new ArrayList<>();

    @Option(names = "--home-net", paramLabel = "CIDR[,CIDR...]", description = "Internal networks (Suricata's HOME_NET); same as "
            + "--set home-net=... Default the RFC 1918 and RFC 4193 ranges.")
    String homeNet;

    @Option(names = "--feed", paramLabel = "URI", description = "Send alerts and incidents to a SOC: syslog+udp://, syslog+tcp://, "
            + "syslog+tls://HOST:PORT?ca=FILE, webhook+http(s)://HOST/PATH, kafka://HOST:PORT/TOPIC, smtp://HOST:PORT?to=ADDR; "
            + "repeatable (replaces feed.uris).")
    List<String> feeds = new ArrayList<>();

    @Option(names = "--metrics", paramLabel = "HOST:PORT", description = "Serve Prometheus metrics at http://HOST:PORT/metrics "
            + "(same as --set metrics.listen=HOST:PORT).")
    String metrics;

    /** Builds the feeds' settings (after {@link #build}), or prints the one-line error and returns null. */
    SensorSettings.FeedSettings feedsOrReport(java.io.PrintWriter err) {
        try {
            return settings.buildFeeds(feeds);
        } catch (SensorSettings.SettingsException e) {
            err.println("spanwatch: " + e.getMessage());
            return null;
        }
    }

    /**
     * Starts the metrics server when --metrics or metrics.listen asks for one (after {@link #build});
     * returns it, or null when metrics are off; prints the one-line error and sets {@code failed[0]} on failure.
     */
    io.spanwatch.analyzer.metrics.Metrics metricsOrReport(String sensorName, java.io.PrintWriter err, boolean[] failed) {
        java.net.InetSocketAddress a = null;
        try {
            a = settings.metricsListen(metrics);
            return a == null ? null : io.spanwatch.analyzer.metrics.Metrics.start(a, sensorName);
        } catch (SensorSettings.SettingsException e) {
            err.println("spanwatch: " + e.getMessage());
        } catch (java.io.IOException e) {
            // the socket's message alone (Address already in use) named neither the option nor the address
            err.println("spanwatch: " + (metrics != null ? "--metrics " + metrics : "metrics.listen " + a.getHostString() + ":" + a.getPort())
                    + ": cannot listen: " + CliErrors.what(e));
        }
        failed[0] = true;
        return null;
    }

    /** Builds the configuration, or prints the one-line error and returns null. */
    SensorConfig buildOrReport(Path out, boolean live, java.io.PrintWriter err) {
        try {
            return build(out, live);
        } catch (SensorSettings.SettingsException e) {
            err.println("spanwatch: " + e.getMessage());
            return null;
        }
    }

    /** Builds the scan stage's settings (after {@link #build}), or prints the one-line error and returns null. */
    SensorSettings.ScanSettings scanOrReport(java.io.PrintWriter err) {
        try {
            return settings.buildScan(clamd, live);
        } catch (SensorSettings.SettingsException e) {
            err.println("spanwatch: " + e.getMessage());
            return null;
        }
    }

    /** Builds the reputation stage's settings (after {@link #build}), or prints the one-line error and returns null. */
    SensorSettings.IntelSettings intelOrReport(java.io.PrintWriter err) {
        try {
            settings.homeNet();
            return settings.buildIntel(intel, live);
        } catch (SensorSettings.SettingsException e) {
            err.println("spanwatch: " + e.getMessage());
            return null;
        }
    }

    /** Builds the report settings (after {@link #build}), or prints the one-line error and returns null. */
    io.spanwatch.analyzer.report.ReportConfig reportOrReport(java.io.PrintWriter err) {
        try {
            return settings.buildReport(null);
        } catch (SensorSettings.SettingsException e) {
            err.println("spanwatch: " + e.getMessage());
            return null;
        }
    }

    /** Builds the index settings (after {@link #build}), or prints the one-line error and returns null. */
    io.spanwatch.analyzer.index.IndexConfig indexOrReport(java.io.PrintWriter err) {
        try {
            return settings.buildIndex();
        } catch (SensorSettings.SettingsException | IllegalArgumentException e) {
            err.println("spanwatch: " + e.getMessage());
            return null;
        }
    }

    private SensorSettings settings;
    private boolean live;

    /** Builds the configuration: defaults, then the file, then {@code --set}, then the short options. */
    SensorConfig build(Path out, boolean live) throws SensorSettings.SettingsException {
        SensorSettings s = new SensorSettings();
        settings = s;
        this.live = live;
        if (config != null) {
            s.load(config);
        }
        for (String a : sets) {
            s.set(a);
        }
        if (workers != null) {
            s.set("sensor.workers=" + workers, "--workers");
        }
        if (sensorName != null) {
            s.set("sensor.name=" + sensorName, "--sensor-name");
        }
        if (homeNet != null) {
            s.set("home-net=" + homeNet, "--home-net");
        }
        return s.build(SensorConfig.defaults(out, live));
    }
}
