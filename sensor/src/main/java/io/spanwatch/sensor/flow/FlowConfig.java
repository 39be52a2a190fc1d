package io.spanwatch.sensor.flow;

/**
 * Sets the flow table's bounds and timeouts (seconds of packet time).
 *
 * <p>Defaults follow Suricata's {@code flow-timeouts} defaults, which SOC teams know: TCP new 60 s,
 * established 600 s, closed 60 s; UDP new 30 s, established 300 s; others 30 s and 300 s.
 *
 * @param maxFlows flows tracked by all workers together (default {@link #DEFAULT_MAX_FLOWS}: 250,000, or fewer
 *     on a heap too small for them, see {@link #defaultMaxFlows}), shared out
 *     evenly ({@link #share}); when a table is full, its least recently useful flow is ended with reason
 *     {@code forced} and counted (see {@link FlowTable}). A flow costs about 0.3 KiB of heap while it is
 *     one SYN, 0.85 KiB once a handshake made connection state, 1.55 KiB for an HTTP connection at rest
 * @param vlanInKey whether VLAN ids are part of the flow key (default true, as Suricata's
 *     {@code vlan.use-for-tracking}); turn it off where a mirror port sees the two directions of a
 *     connection with different VLAN tags
 */
public record FlowConfig(int maxFlows, int tcpNewTimeout, int tcpEstablishedTimeout, int tcpClosedTimeout,
        int udpNewTimeout, int udpEstablishedTimeout, int otherNewTimeout, int otherEstablishedTimeout, boolean vlanInKey) {

    /** The default limit on a heap large enough: about 2 GiB, 1 GiB of it for flows. */
    public static final int MAX_DEFAULT_FLOWS = 250_000;
    /** Heap of one HTTP connection at rest (1.55 KiB measured), with a margin. */
    static final long HEAP_PER_FLOW = 1600;
    /** The default limit for this JVM's heap: {@link #defaultMaxFlows}. */
    public static final int DEFAULT_MAX_FLOWS = defaultMaxFlows(Runtime.getRuntime().maxMemory());

    /**
     * Returns the flows whose state fits in 30 % of {@code maxHeap}, between 10,000 and
     * {@link #MAX_DEFAULT_FLOWS}: about 89,000 on the launcher's default 512 MiB, 179,000 on 1 GiB. A
     * fixed 250,000 took about 390 MiB when every flow was an HTTP connection, and a soak on the
     * default heap (60,000 distinct clients looping at 200 Mbit/s, 2026-12-04) ran out of memory in
     * two and a half minutes with the table full; on 2 GiB the same load levelled off at 300 MiB. An
     * operator who sets {@code flow.max-flows} gets what they set.
     */
    public static int defaultMaxFlows(long maxHeap) {
        return (int) Math.max(10_000, Math.min(MAX_DEFAULT_FLOWS, maxHeap * 3 / 10 / HEAP_PER_FLOW));
    }
    public static final FlowConfig DEFAULTS = new FlowConfig(DEFAULT_MAX_FLOWS, 60, 600, 60, 30, 300, 30, 300, true);

    public FlowConfig {
        if (maxFlows < 1) {
            throw new IllegalArgumentException("flow.max-flows must be at least 1, got " + maxFlows);
        }
    }

    /** Returns these settings with one table's share of {@link #maxFlows} when {@code tables} share it (at least 1). */
    public FlowConfig share(int tables) {
        return new FlowConfig(Math.max(1, maxFlows / tables), tcpNewTimeout, tcpEstablishedTimeout, tcpClosedTimeout, udpNewTimeout,
                udpEstablishedTimeout, otherNewTimeout, otherEstablishedTimeout, vlanInKey);
    }

    /** Returns the shortest timeout of all, in seconds. */
    int shortest() {
        return Math.min(Math.min(Math.min(tcpNewTimeout, tcpEstablishedTimeout), Math.min(tcpClosedTimeout, udpNewTimeout)),
                Math.min(udpEstablishedTimeout, Math.min(otherNewTimeout, otherEstablishedTimeout)));
    }

    /** Returns the idle timeout in seconds for a flow in its current state. */
    int timeoutFor(Flow f) {
        return switch (f.proto) {
            case 6 -> switch (f.state) {
                case NEW -> tcpNewTimeout;
                case ESTABLISHED -> tcpEstablishedTimeout;
                case CLOSED -> tcpClosedTimeout;
            };
            case 17 -> f.state == Flow.State.NEW ? udpNewTimeout : udpEstablishedTimeout;
            default -> f.state == Flow.State.NEW ? otherNewTimeout : otherEstablishedTimeout;
        };
    }
}
