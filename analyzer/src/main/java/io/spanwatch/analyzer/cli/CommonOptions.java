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

    @Option(names = "--clamd", paramLabel = "ADDRESS", description = "clamd address (host:port or unix socket path); repeatable. Default 127.0.0.1:3310.")
    List<String> clamd = new ArrayList<>();

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
        return s.build(SensorConfig.defaults(out, live));
    }
}
