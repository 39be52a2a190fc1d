package io.spanwatch.sensor.event;

import io.spanwatch.sensor.flow.Flow;

/**
 * Holds the header fields of a flow's events, copied from the {@link Flow} on its worker thread so
 * that an event can be written later on another thread (the scan stage writes {@code fileinfo} when
 * a verdict is known).
 *
 * @param source capture file or interface the flow was seen on, or null
 * @param tunnel the far end of an application-layer tunnel the flow carries (SOCKS), or null
 */
public record EventHeader(long flowId, int[] vlans, String clientIp, int clientPort, String serverIp, int serverPort,
        String proto, boolean hasPorts, int ipVersion, String communityId, String appProto, String source,
        io.spanwatch.sensor.flow.AppTunnel tunnel) {

    /** Describes a flow that carries no application-layer tunnel. */
    public EventHeader(long flowId, int[] vlans, String clientIp, int clientPort, String serverIp, int serverPort,
            String proto, boolean hasPorts, int ipVersion, String communityId, String appProto, String source) {
        this(flowId, vlans, clientIp, clientPort, serverIp, serverPort, proto, hasPorts, ipVersion, communityId, appProto,
                source, null);
    }

    /** Copies a flow's header fields; call on the flow's worker thread. */
    public static EventHeader of(Flow f, String source) {
        return new EventHeader(f.flowId, f.vlans.clone(), f.clientIp(), f.clientPort(), f.serverIp(), f.serverPort(),
                f.protoName(), f.hasPorts(), f.ipVersion, f.communityId(), f.appProto, source, f.tunnel);
    }
}
