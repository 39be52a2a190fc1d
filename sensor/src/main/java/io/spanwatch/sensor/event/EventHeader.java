package io.spanwatch.sensor.event;

import io.spanwatch.sensor.flow.Flow;

/**
 * Holds the header fields of a flow's events, copied from the {@link Flow} on its worker thread so
 * that an event can be written later on another thread (the scan stage writes {@code fileinfo} when
 * a verdict is known).
 *
 * @param flowId the flow's id, 0 for an event about no single flow (a packet no flow was made for, a beacon)
 * @param clientPort 0 when unknown or not relevant (then no {@code src_port}/{@code dest_port} of the client is written)
 * @param communityId Community ID v1, or null
 * @param source capture file or interface the flow was seen on, or null
 * @param counters the flow's counters when the header was copied, or null
 * @param tunnel the far end of an application-layer tunnel the flow carries (SOCKS), or null
 */
public record EventHeader(long flowId, int[] vlans, String clientIp, int clientPort, String serverIp, int serverPort,
        String proto, boolean hasPorts, int ipVersion, String communityId, String appProto, String source,
        FlowCounters counters, io.spanwatch.sensor.flow.AppTunnel tunnel) {

    private static final int[] NO_VLANS = new int[0];

    /** Describes a header without counters (tests, and events written before counters existed). */
    public EventHeader(long flowId, int[] vlans, String clientIp, int clientPort, String serverIp, int serverPort,
            String proto, boolean hasPorts, int ipVersion, String communityId, String appProto, String source) {
        this(flowId, vlans, clientIp, clientPort, serverIp, serverPort, proto, hasPorts, ipVersion, communityId, appProto,
                source, null, null);
    }

    /** Describes a flow that carries no application-layer tunnel. */
    public EventHeader(long flowId, int[] vlans, String clientIp, int clientPort, String serverIp, int serverPort,
            String proto, boolean hasPorts, int ipVersion, String communityId, String appProto, String source,
            FlowCounters counters) {
        this(flowId, vlans, clientIp, clientPort, serverIp, serverPort, proto, hasPorts, ipVersion, communityId, appProto,
                source, counters, null);
    }

    /** Copies a flow's header fields and counters; call on the flow's worker thread. */
    public static EventHeader of(Flow f, String source) {
        boolean c = f.clientIsOrig;
        FlowCounters n = new FlowCounters(c ? f.pktsOrig : f.pktsResp, c ? f.pktsResp : f.pktsOrig,
                c ? f.bytesOrig : f.bytesResp, c ? f.bytesResp : f.bytesOrig, f.firstTsNanos);
        return new EventHeader(f.flowId, f.vlans.clone(), f.clientIp(), f.clientPort(), f.serverIp(), f.serverPort(),
                f.protoName(), f.hasPorts(), f.ipVersion, f.communityId(), f.appProto, source, n, f.tunnel);
    }

    /**
     * Describes the addresses of a packet no flow was made for (a decode anomaly).
     *
     * @param proto IP protocol number, or -1 when unknown
     */
    public static EventHeader packet(String srcIp, int srcPort, String destIp, int destPort, int proto, int ipVersion,
            String source) {
        boolean ports = srcPort > 0 || destPort > 0;
        return new EventHeader(0, NO_VLANS, srcIp, srcPort, destIp, destPort, proto < 0 ? null : Flow.protoName(proto), ports,
                ipVersion, null, null, source, null);
    }

    /**
     * Describes a client and a destination seen over many flows (a beacon), for alerts about them.
     */
    public static EventHeader pair(String clientIp, String serverIp, int serverPort, String proto, int ipVersion,
            String appProto) {
        return new EventHeader(0, NO_VLANS, clientIp, 0, serverIp, serverPort, proto, serverPort > 0, ipVersion, null,
                appProto, null, null);
    }

    /** Tells whether the header names one flow. */
    public boolean hasFlow() {
        return flowId != 0;
    }
}
