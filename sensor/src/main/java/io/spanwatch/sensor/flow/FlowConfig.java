package io.spanwatch.sensor.flow;

/**
 * Sets the flow table's bounds and timeouts (seconds of packet time).
 *
 * <p>Defaults follow Suricata's {@code flow-timeouts} defaults, which SOC teams know: TCP new 60 s,
 * established 600 s, closed 60 s; UDP new 30 s, established 300 s; others 30 s and 300 s.
 *
 * @param maxFlows flows tracked per table (default {@value #DEFAULT_MAX_FLOWS}); when full, the flow
 *     seen least recently is ended with reason {@code forced} and counted
 * @param vlanInKey whether VLAN ids are part of the flow key (default true, as Suricata's
 *     {@code vlan.use-for-tracking}); turn it off where a mirror port sees the two directions of a
 *     connection with different VLAN tags
 */
public record FlowConfig(int maxFlows, int tcpNewTimeout, int tcpEstablishedTimeout, int tcpClosedTimeout,
        int udpNewTimeout, int udpEstablishedTimeout, int otherNewTimeout, int otherEstablishedTimeout, boolean vlanInKey) {

    public static final int DEFAULT_MAX_FLOWS = 500_000;
    public static final FlowConfig DEFAULTS = new FlowConfig(DEFAULT_MAX_FLOWS, 60, 600, 60, 30, 300, 30, 300, true);

    public FlowConfig {
        if (maxFlows < 1) {
            throw new IllegalArgumentException("flow.max-flows must be at least 1, got " + maxFlows);
        }
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
