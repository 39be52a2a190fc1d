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
 * @param queueBatches batches of frames waiting for the workers, one pool any worker may draw on (at
 *     least 4 per worker); each {@value Batch#CAPACITY_BYTES} bytes off the Java heap, made when first needed). Default
 *     {@value #DEFAULT_QUEUE_BATCHES} when reading files, where the capture thread waits for a full queue,
 *     and {@value #DEFAULT_LIVE_QUEUE_BATCHES} when capturing live, where the queue is the burst buffer
 *     between the kernel's ring and the workers: a batch its worker cannot take is dropped and counted
 * @param live whether frames come from a live interface (never block the capture thread)
 * @param maxAnomalyEventsPerName anomaly events written per anomaly name and worker (default
 *     {@value #DEFAULT_MAX_ANOMALY_EVENTS}); past it anomalies are only counted, so a flood of bad
 *     packets cannot flood the event log
 * @param tunnels which UDP ports carry which tunnels, whether Teredo and GTP-U are recognised on any
 *     port, and how many tunnels are removed from one frame
 */
public record SensorConfig(String sensorName, int workers, int queueBatches, boolean live, int maxAnomalyEventsPerName,
        FlowConfig flow, ReassemblyConfig reassembly, HttpLimits http, FileConfig files, DefragConfig defrag,
        io.spanwatch.sensor.decode.TunnelConfig tunnels) {

    /**
     * Sets IP defragmentation's bounds, and the limits of the destination stacks that make them drop an
     * incomplete datagram (each the stack's sysctl, with its default; 0: no limit).
     *
     * @param maxDatagrams datagrams being put together at once (default 65,535)
     * @param memcap bytes held for them (default 32 MiB)
     * @param timeoutSeconds packet-time seconds a datagram may take to complete (default 60)
     * @param linuxMaxDist Linux's {@code net.ipv4.ipfrag_max_dist} for {@code linux} hosts (default 64)
     * @param bsdMaxFrags FreeBSD's {@code net.inet.ip.maxfragsperpacket} for {@code bsd} hosts (default 16)
     * @param bsdMaxFrags6 FreeBSD's {@code net.inet6.ip6.maxfragsperpacket} for {@code bsd} hosts (default 64)
     * @param macosMaxFrags XNU's {@code net.inet.ip.maxfragsperpacket} for {@code macos} hosts (default 128)
     */
    public record DefragConfig(int maxDatagrams, long memcap, int timeoutSeconds, int linuxMaxDist, int bsdMaxFrags, int bsdMaxFrags6,
            int macosMaxFrags) {
        public static final DefragConfig DEFAULTS = new DefragConfig(io.spanwatch.sensor.decode.Defragmenter.DEFAULT_MAX_TRACKERS,
                io.spanwatch.sensor.decode.Defragmenter.DEFAULT_MEMCAP, io.spanwatch.sensor.decode.Defragmenter.DEFAULT_TIMEOUT_SECONDS);

        /** The bounds, with every stack's default limits. */
        public DefragConfig(int maxDatagrams, long memcap, int timeoutSeconds) {
            this(maxDatagrams, memcap, timeoutSeconds, io.spanwatch.sensor.decode.Defragmenter.Limits.LINUX_MAX_DIST,
                    io.spanwatch.sensor.decode.Defragmenter.Limits.FREEBSD_MAX_FRAGS,
                    io.spanwatch.sensor.decode.Defragmenter.Limits.FREEBSD_MAX_FRAGS6,
                    io.spanwatch.sensor.decode.Defragmenter.Limits.XNU_MAX_FRAGS);
        }
    }

    /** Returns settings with the default tunnel decoding. */
    public SensorConfig(String sensorName, int workers, int queueBatches, boolean live, int maxAnomalyEventsPerName,
            FlowConfig flow, ReassemblyConfig reassembly, HttpLimits http, FileConfig files, DefragConfig defrag) {
        this(sensorName, workers, queueBatches, live, maxAnomalyEventsPerName, flow, reassembly, http, files, defrag,
                io.spanwatch.sensor.decode.TunnelConfig.DEFAULTS);
    }

    /** Returns settings with the default defragmentation bounds and tunnel decoding. */
    public SensorConfig(String sensorName, int workers, int queueBatches, boolean live, int maxAnomalyEventsPerName,
            FlowConfig flow, ReassemblyConfig reassembly, HttpLimits http, FileConfig files) {
        this(sensorName, workers, queueBatches, live, maxAnomalyEventsPerName, flow, reassembly, http, files, DefragConfig.DEFAULTS);
    }
    public static final int DEFAULT_QUEUE_BATCHES = 64;
    /**
     * Live default: 1 GiB, reserved at start. Measured on the project's 2-core machine
     * ({@code .ci/bench-live}): a full-speed tcpreplay of the 1 GiB benchmark capture (2.4-2.9 Gbit/s)
     * leaves the workers one core, on which they analyse about 160 MB/s, so the backlog of that burst
     * reaches 600-700 MiB; with 512 MiB the queue overflowed (14 % of packets dropped), with 1 GiB
     * nothing was dropped.
     */
    public static final int DEFAULT_LIVE_QUEUE_BATCHES = 1024;
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
                live ? DEFAULT_LIVE_QUEUE_BATCHES : DEFAULT_QUEUE_BATCHES, live, DEFAULT_MAX_ANOMALY_EVENTS, FlowConfig.DEFAULTS, ReassemblyConfig.DEFAULTS,
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
