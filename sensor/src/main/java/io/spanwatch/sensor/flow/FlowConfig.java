package io.spanwatch.sensor.flow;

/**
 * Sets the flow table's bounds and timeouts (seconds of packet time).
 *
 * <p>Defaults follow Suricata's {@code flow-timeouts} defaults, which SOC teams know: TCP new 60 s,
 * established 600 s, closed 60 s; UDP new 30 s, established 300 s; others 30 s and 300 s.
 *
 * @param maxFlows flows tracked by all workers together (default {@value #DEFAULT_MAX_FLOWS}), shared out
 *     evenly ({@link #share}); when a table is full, its least recently useful flow is ended with reason
 *     {@code forced} and counted (see {@link FlowTable}). A flow costs about 0.3 KiB of heap while it is
 *     one SYN, 0.85 KiB once a handshake made connection state, 1.55 KiB for an HTTP connection at rest
 * @param vlanInKey whether VLAN ids are part of the flow key (default true, as Suricata's
 *     {@code vlan.use-for-tracking}); turn it off where a mirror port sees the two directions of a
 *     connection with different VLAN tags
 */
public record FlowConfig(int maxFlows, int tcpNewTimeout, int tcpEstablishedTimeout, int tcpClosedTimeout,
        int udpNewTimeout, int udpEstablishedTimeout, int otherNewTimeout, int otherEstablishedTimeout, boolean vlanInKey) {

    public static final int DEFAULT_MAX_FLOWS = 250_000;
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
