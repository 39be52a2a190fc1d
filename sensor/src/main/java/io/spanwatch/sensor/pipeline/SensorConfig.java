package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.files.FileConfig;
import io.spanwatch.sensor.flow.FlowConfig;
import io.spanwatch.sensor.http.HttpLimits;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;

/**
 * Gathers the sensor's settings, one immutable record per stage.
 *
 * @param sensorName written as {@code sensor} in every event
 * @param workers worker threads; flows are spread over them by a symmetric hash (default: the cores)
 * @param queueBatches batches of frames waiting for the workers, shared out among them (at least 4
 *     each; default {@value #DEFAULT_QUEUE_BATCHES}, each up to {@value Batch#CAPACITY_BYTES} bytes); live
 *     capture drops and counts a batch when its worker's queue is full, file analysis waits
 * @param live whether frames come from a live interface (never block the capture thread)
 * @param maxAnomalyEventsPerName anomaly events written per anomaly name and worker (default
 *     {@value #DEFAULT_MAX_ANOMALY_EVENTS}); past it anomalies are only counted, so a flood of bad
 *     packets cannot flood the event log
 */
public record SensorConfig(String sensorName, int workers, int queueBatches, boolean live, int maxAnomalyEventsPerName,
        FlowConfig flow, ReassemblyConfig reassembly, HttpLimits http, FileConfig files, DefragConfig defrag) {

    /**
     * Sets IP defragmentation's bounds.
     *
     * @param maxDatagrams datagrams being put together at once (default 65,535)
     * @param memcap bytes held for them (default 32 MiB)
     * @param timeoutSeconds packet-time seconds a datagram may take to complete (default 60)
     */
    public record DefragConfig(int maxDatagrams, long memcap, int timeoutSeconds) {
        public static final DefragConfig DEFAULTS = new DefragConfig(io.spanwatch.sensor.decode.Defragmenter.DEFAULT_MAX_TRACKERS,
                io.spanwatch.sensor.decode.Defragmenter.DEFAULT_MEMCAP, io.spanwatch.sensor.decode.Defragmenter.DEFAULT_TIMEOUT_SECONDS);
    }

    /** Returns settings with the default defragmentation bounds. */
    public SensorConfig(String sensorName, int workers, int queueBatches, boolean live, int maxAnomalyEventsPerName,
            FlowConfig flow, ReassemblyConfig reassembly, HttpLimits http, FileConfig files) {
        this(sensorName, workers, queueBatches, live, maxAnomalyEventsPerName, flow, reassembly, http, files, DefragConfig.DEFAULTS);
    }
    public static final int DEFAULT_QUEUE_BATCHES = 64;
    public static final int DEFAULT_MAX_ANOMALY_EVENTS = 1000;

    public SensorConfig {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        if (queueBatches < 2) {
            throw new IllegalArgumentException("queue batches must be at least 2, got " + queueBatches);
        }
    }

    /** Returns the defaults for an output folder. */
    public static SensorConfig defaults(java.nio.file.Path outDir, boolean live) {
        return new SensorConfig(defaultSensorName(), Math.max(1, Runtime.getRuntime().availableProcessors()),
                DEFAULT_QUEUE_BATCHES, live, DEFAULT_MAX_ANOMALY_EVENTS, FlowConfig.DEFAULTS, ReassemblyConfig.DEFAULTS,
                HttpLimits.DEFAULTS, FileConfig.defaults(outDir));
    }

    static String defaultSensorName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "spanwatch";
        }
    }
}
