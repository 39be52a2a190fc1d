package io.spanwatch.sensor.flow;

import io.spanwatch.sensor.decode.DecodedPacket;
import java.util.Arrays;

/**
 * Holds one flow's identity and counters. The originator is the sender of the first packet seen;
 * the client is the side that opened the connection (SYN sender) or, without a handshake, the side
 * the application layer says sent requests. Owned by the worker thread whose table holds it.
 */
public final class Flow {
    /** Lifecycle states, as written in flow events. */
    public enum State { NEW, ESTABLISHED, CLOSED }

    public final FlowKey key;
    public final long flowId;
    public final int ipVersion;
    public final int proto;
    /** Originator address bytes (4 or 16). */
    public final byte[] origAddr;
    public final byte[] respAddr;
    public final int origPort;
    public final int respPort;
    /** VLAN ids of the first packet, outer first. */
    public final int[] vlans;
    /** Whether the originator is endpoint A of {@link #key}. */
    final boolean origIsA;

    public long firstTsNanos;
    public long lastTsNanos;
    public long pktsOrig;
    public long pktsResp;
    public long bytesOrig;
    public long bytesResp;
    /** TCP flags seen from each side, OR'd together. */
    public int tcpFlagsOrig;
    public int tcpFlagsResp;
    public State state = State.NEW;
    /** Whether the originator is the client; the app layer may turn this round before it emits events. */
    public boolean clientIsOrig = true;
    /** Application protocol name once recognised ({@code http}, {@code socks}), else null. */
    public String appProto;
    /** The far end of an application-layer tunnel the flow carries (a SOCKS destination), else null. */
    public AppTunnel tunnel;
    /** ICMP: type and code of the first packet from the responder, -1 until one is seen. */
    public int respIcmpType = -1;
    public int respIcmpCode = -1;
    /** Whether the flow was ended early because the table was full. */
    public boolean evicted;
    /** This flow's entry in its table's timeout queue. */
    FlowTable.Deadline deadline;
    /** The eviction list of its table that holds this flow, and its neighbours there. */
    FlowTable.Lru lru;
    Flow lruPrev;
    Flow lruNext;
    /**
     * TCP: sequence number of the originator's SYN while nothing else was seen, so no per-connection
     * state was made yet (a SYN flood costs one flow each, nothing more); -1 otherwise.
     */
    public long pendingSynSeq = -1;
    /** TCP: what that SYN offered (timestamps, window scale), packed by the worker's TCP tracking. */
    public int pendingSynOffer;
    /** TCP: the timestamp values of the first and the latest such SYN (sent again); -1 without the option. */
    public long pendingSynTsFirst = -1;
    public long pendingSynTsLast = -1;
    /** The worker's per-flow state (reassembly, parser); owned by the worker. */
    public Object attachment;

    private static final int[] NO_VLANS = new int[0];
    private static final ThreadLocal<CommunityId> COMMUNITY_ID = ThreadLocal.withInitial(() -> new CommunityId(0));

    private String communityId;

    Flow(FlowKey key, DecodedPacket p, boolean srcIsA, long flowId) {
        this.key = key;
        this.flowId = flowId;
        this.ipVersion = p.ipVersion;
        this.proto = p.proto;
        int n = p.addrLen();
        this.origAddr = Arrays.copyOfRange(p.buf, p.srcAddrOff, p.srcAddrOff + n);
        this.respAddr = Arrays.copyOfRange(p.buf, p.dstAddrOff, p.dstAddrOff + n);
        this.origPort = p.srcPort;
        this.respPort = p.dstPort;
        this.vlans = p.vlanCount == 0 ? NO_VLANS : Arrays.copyOf(p.vlans, Math.min(p.vlanCount, DecodedPacket.MAX_VLANS));
        this.origIsA = srcIsA;
        this.firstTsNanos = p.tsNanos;
        this.lastTsNanos = p.tsNanos;
    }

    /** Tells whether a packet whose source is endpoint A (per {@link FlowKey#set}) comes from the originator. */
    public boolean fromOriginator(boolean srcIsA) {
        return srcIsA == origIsA;
    }

    /** Returns the Community ID v1 (seed 0) of this flow, computed once. */
    public String communityId() {
        if (communityId == null) {
            communityId = COMMUNITY_ID.get().compute(proto, origAddr, 0, respAddr, 0, origAddr.length, origPort, respPort);
        }
        return communityId;
    }

    /** Returns the client's address text. */
    public String clientIp() {
        return ipText(clientIsOrig ? origAddr : respAddr);
    }

    public String serverIp() {
        return ipText(clientIsOrig ? respAddr : origAddr);
    }

    public int clientPort() {
        return clientIsOrig ? origPort : respPort;
    }

    public int serverPort() {
        return clientIsOrig ? respPort : origPort;
    }

    /** Returns the protocol name as EVE writes it. */
    public String protoName() {
        return protoName(proto);
    }

    /**
     * Returns the name EVE writes for an IP protocol number: IANA's keyword as Suricata writes it
     * ({@code TCP}, {@code IPv6-ICMP}), else the number.
     */
    public static String protoName(int proto) {
        return switch (proto) {
            case 0 -> "HOPOPT";
            case 1 -> "ICMP";
            case 2 -> "IGMP";
            case 4 -> "IPv4";
            case 6 -> "TCP";
            case 17 -> "UDP";
            case 41 -> "IPv6";
            case 43 -> "IPv6-Route";
            case 44 -> "IPv6-Frag";
            case 46 -> "RSVP";
            case 47 -> "GRE";
            case 50 -> "ESP";
            case 51 -> "AH";
            case 58 -> "IPv6-ICMP";
            case 59 -> "IPv6-NoNxt";
            case 60 -> "IPv6-Opts";
            case 88 -> "EIGRP";
            case 89 -> "OSPF";
            case 103 -> "PIM";
            case 112 -> "VRRP";
            case 115 -> "L2TP";
            case 132 -> "SCTP";
            case 136 -> "UDPLite";
            case 137 -> "MPLS-in-IP";
            default -> Integer.toString(proto);
        };
    }

    /** Tells whether the transport has ports. */
    public boolean hasPorts() {
        return proto == 6 || proto == 17 || proto == 132;
    }

    /**
     * Returns the text form of an IPv4 (4 bytes) or IPv6 (16 bytes) address as Suricata writes it:
     * dotted decimal, or eight groups of four hex digits ({@code 2001:0db8:0000:...:0001}), never
     * shortened, so one address always has one text.
     */
    public static String ipText(byte[] addr) {
        if (addr.length == 4) {
            return (addr[0] & 0xff) + "." + (addr[1] & 0xff) + "." + (addr[2] & 0xff) + "." + (addr[3] & 0xff);
        }
        if (addr.length != 16) {
            throw new IllegalStateException("address of length " + addr.length);
        }
        char[] t = new char[39];
        for (int g = 0; g < 8; g++) {
            int v = (addr[2 * g] & 0xff) << 8 | (addr[2 * g + 1] & 0xff);
            int at = g * 5;
            for (int d = 0; d < 4; d++) {
                t[at + d] = HEX[(v >>> (12 - 4 * d)) & 0xf];
            }
            if (g < 7) {
                t[at + 4] = ':';
            }
        }
        return new String(t);
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();
}
