package io.spanwatch.sensor.decode;

import io.spanwatch.sensor.capture.LinkType;

/**
 * Reads the link, IP and transport headers of one frame into a {@link DecodedPacket}, in place.
 *
 * <p>Fields are read on demand from {@code (buf, off)} at named offsets; nothing is copied and nothing
 * is allocated per frame. Tunnels are removed and the packet describes the innermost IP header and its
 * transport: GRE version 0 (IPv4, IPv6, transparent Ethernet bridging, VLAN, ERSPAN types I, II and
 * III), IP-in-IP (protocols 4 and 41), VXLAN (UDP ports 4789 and 8472), Geneve (UDP port 6081) and
 * Teredo (UDP port 3544, only when the payload really looks like an IPv6 packet). VLAN tags (802.1Q, 802.1ad, 0x9100) are
 * counted at any depth, MPLS label stacks and PPPoE sessions are stepped over.
 *
 * <p>Malformed input never throws: the first problem is recorded in {@link DecodedPacket#anomaly} and
 * decoding stops. Frames that are simply not IP (ARP, LLDP, 802.3 length frames, ...) have no anomaly;
 * an EtherType this decoder does not know at all is {@link DecodeAnomaly#UNKNOWN_ETHERTYPE}.
 *
 * <p>Snap length: when the capture cut the frame ({@code out.wireLen > len}), an IP packet that
 * announces up to that many more bytes than were captured is decoded and the shortfall is put in
 * {@link DecodedPacket#payloadMissing}; a larger shortfall is a {@code trunc_pkt} anomaly.
 *
 * <p>Limits: {@link #DEFAULT_MAX_TUNNEL_DEPTH} nested tunnels ({@link DecodeAnomaly#TUNNEL_TOO_DEEP}
 * beyond), {@link #MAX_IPV6_EXT_HEADERS} IPv6 extension headers ({@link DecodeAnomaly#IPV6_EXTHDR_LOOP}),
 * {@link #MAX_GRE_SRES} GRE source-route entries, {@link #MAX_MPLS_LABELS} MPLS labels.
 *
 * <p>Threads: an instance holds only its configuration and may be shared; each thread uses its own
 * {@link DecodedPacket}.
 */
public final class PacketDecoder {

    /** Most tunnels removed from one frame. */
    public static final int DEFAULT_MAX_TUNNEL_DEPTH = 4;
    /** Most IPv6 extension headers walked before giving up. */
    public static final int MAX_IPV6_EXT_HEADERS = 16;
    /** Most GRE source-route entries walked. */
    public static final int MAX_GRE_SRES = 16;
    /** Most MPLS labels stepped over. */
    public static final int MAX_MPLS_LABELS = 16;

    // EtherTypes
    static final int ETH_IPV4 = 0x0800;
    static final int ETH_ARP = 0x0806;
    static final int ETH_VLAN = 0x8100;
    static final int ETH_QINQ = 0x88a8;
    static final int ETH_QINQ_OLD = 0x9100;
    static final int ETH_IPV6 = 0x86dd;
    static final int ETH_MPLS_UC = 0x8847;
    static final int ETH_MPLS_MC = 0x8848;
    static final int ETH_PPPOE_DISC = 0x8863;
    static final int ETH_PPPOE_SESS = 0x8864;
    static final int ETH_TEB = 0x6558;
    static final int ETH_ERSPAN_2 = 0x88be;
    static final int ETH_ERSPAN_3 = 0x22eb;
    static final int ETH_MIN_TYPE = 0x0600;

    // Ethernet
    private static final int ETH_HLEN = 14;
    private static final int ETH_TYPE = 12;
    private static final int VLAN_HLEN = 4;
    private static final int VLAN_TCI = 0;
    private static final int VLAN_TYPE = 2;
    // Linux cooked
    private static final int SLL_HLEN = 16;
    private static final int SLL_PROTO = 14;
    private static final int SLL2_HLEN = 20;
    private static final int SLL2_PROTO = 0;
    // BSD / OpenBSD loopback
    private static final int NULL_HLEN = 4;
    private static final int AF_INET = 2;
    private static final int AF_INET6_BSD = 24;
    private static final int AF_INET6_FREEBSD = 28;
    private static final int AF_INET6_DARWIN = 30;
    // MPLS, PPPoE
    private static final int MPLS_HLEN = 4;
    private static final int MPLS_BOS_BYTE = 2;
    private static final int PPPOE_HLEN = 8;
    private static final int PPPOE_PPP_PROTO = 6;
    private static final int PPP_IPV4 = 0x0021;
    private static final int PPP_IPV6 = 0x0057;

    // IPv4
    private static final int IPV4_HLEN = 20;
    private static final int IPV4_VHL = 0;
    private static final int IPV4_TOTAL_LEN = 2;
    private static final int IPV4_FRAG = 6;
    private static final int IPV4_PROTO = 9;
    private static final int IPV4_SRC = 12;
    private static final int IPV4_DST = 16;
    private static final int IPV4_MF_AND_OFFSET = 0x3fff;
    // IPv6
    private static final int IPV6_HLEN = 40;
    private static final int IPV6_PLEN = 4;
    private static final int IPV6_NEXT = 6;
    private static final int IPV6_SRC = 8;
    private static final int IPV6_DST = 24;
    private static final int IPV6_EXT_NEXT = 0;
    private static final int IPV6_EXT_LEN = 1;
    private static final int IPV6_FRAG_HLEN = 8;
    private static final int IPV6_FRAG_OFFLG = 2;

    // IP protocols
    static final int P_HOPOPTS = 0;
    static final int P_ICMP = 1;
    static final int P_IPIP = 4;
    static final int P_TCP = 6;
    static final int P_UDP = 17;
    static final int P_IPV6 = 41;
    static final int P_ROUTING = 43;
    static final int P_FRAGMENT = 44;
    static final int P_GRE = 47;
    static final int P_AH = 51;
    static final int P_ICMPV6 = 58;
    static final int P_NONE = 59;
    static final int P_DSTOPTS = 60;
    static final int P_SCTP = 132;
    static final int P_MOBILITY = 135;
    static final int P_HIP = 139;
    static final int P_SHIM6 = 140;

    // TCP
    private static final int TCP_HLEN = 20;
    private static final int TCP_SPORT = 0;
    private static final int TCP_DPORT = 2;
    private static final int TCP_SEQ = 4;
    private static final int TCP_ACK = 8;
    private static final int TCP_DOFF = 12;
    private static final int TCP_FLAGS = 13;
    private static final int TCP_WIN = 14;
    // UDP
    private static final int UDP_HLEN = 8;
    private static final int UDP_LEN = 4;
    static final int PORT_VXLAN = 4789;
    static final int PORT_VXLAN_LINUX = 8472;
    static final int PORT_TEREDO = 3544;
    static final int PORT_GENEVE = 6081;
    // ICMP, SCTP
    private static final int ICMP_HLEN = 8;
    private static final int SCTP_HLEN = 12;
    // VXLAN
    private static final int VXLAN_HLEN = 8;
    private static final int VXLAN_FLAG_I = 0x08;
    // Geneve
    private static final int GENEVE_HLEN = 8;
    private static final int GENEVE_PROTO = 2;
    // Teredo
    /** Authentication indicator without its id and value: 4-byte header, 8-byte nonce, confirmation byte. */
    private static final int TEREDO_AUTH_FIXED = 4 + 8 + 1;
    private static final int TEREDO_ORIGIN_LEN = 8;
    // GRE
    private static final int GRE_HLEN = 4;
    private static final int GRE_PROTO = 2;
    private static final int GRE_C = 0x8000;
    private static final int GRE_R = 0x4000;
    private static final int GRE_K = 0x2000;
    private static final int GRE_S = 0x1000;
    private static final int GRE_VERSION_MASK = 7;
    private static final int GRE_SRE_HLEN = 4;
    private static final int ERSPAN2_HLEN = 8;
    private static final int ERSPAN3_HLEN = 12;
    private static final int ERSPAN3_SUBHDR_LEN = 8;

    private final int maxTunnelDepth;

    /** Creates a decoder that removes up to {@link #DEFAULT_MAX_TUNNEL_DEPTH} tunnels. */
    public PacketDecoder() {
        this(DEFAULT_MAX_TUNNEL_DEPTH);
    }

    /** Creates a decoder that removes up to {@code maxTunnelDepth} tunnels. */
    public PacketDecoder(int maxTunnelDepth) {
        if (maxTunnelDepth < 0) {
            throw new IllegalArgumentException("maxTunnelDepth must be >= 0, got " + maxTunnelDepth);
        }
        this.maxTunnelDepth = maxTunnelDepth;
    }

    /**
     * Decodes one frame. The caller has called {@link DecodedPacket#reset} with the frame's buffer,
     * time and wire length.
     *
     * @return true when an IP packet was decoded without anomaly (a fragment counts; its transport is
     *     not decoded); false for a frame that is not IP or that carries an anomaly
     */
    public boolean decode(int linkType, byte[] buf, int off, int len, DecodedPacket out) {
        if (buf == null || off < 0 || len < 0 || off > buf.length) {
            off = 0;
            len = 0;
            buf = buf == null ? new byte[0] : buf;
        }
        int end = (int) Math.min((long) off + len, buf.length);
        int cut = Math.max(0, out.wireLen - (end - off));
        link(linkType, buf, off, end, cut, out);
        return out.anomaly == null && out.ipVersion != 0;
    }

    private void link(int linkType, byte[] b, int p, int end, int cut, DecodedPacket out) {
        switch (linkType) {
            case LinkType.ETHERNET -> ethernet(b, p, end, cut, out);
            case LinkType.LINUX_SLL -> {
                if (end - p < SLL_HLEN) {
                    anomaly(out, DecodeAnomaly.SLL_TRUNCATED);
                    return;
                }
                etherType(u16(b, p + SLL_PROTO), b, p + SLL_HLEN, end, cut, out);
            }
            case LinkType.LINUX_SLL2 -> {
                if (end - p < SLL2_HLEN) {
                    anomaly(out, DecodeAnomaly.SLL2_TRUNCATED);
                    return;
                }
                etherType(u16(b, p + SLL2_PROTO), b, p + SLL2_HLEN, end, cut, out);
            }
            case LinkType.NULL -> {
                if (end - p < NULL_HLEN) {
                    anomaly(out, DecodeAnomaly.NULL_TRUNCATED);
                    return;
                }
                int family = i32(b, p);
                if ((family & 0xffff0000) != 0) {
                    family = Integer.reverseBytes(family); // written by a little-endian host
                }
                loopFamily(family, b, p + NULL_HLEN, end, cut, out);
            }
            case LinkType.LOOP -> {
                if (end - p < NULL_HLEN) {
                    anomaly(out, DecodeAnomaly.LOOP_TRUNCATED);
                    return;
                }
                loopFamily(i32(b, p), b, p + NULL_HLEN, end, cut, out);
            }
            case LinkType.RAW, LinkType.RAW_BSD, LinkType.RAW_OPENBSD -> {
                int version = end - p > 0 ? (b[p] & 0xf0) >> 4 : -1;
                if (version == 4) {
                    ipv4(b, p, end, cut, out);
                } else if (version == 6) {
                    ipv6(b, p, end, cut, out);
                } else {
                    anomaly(out, DecodeAnomaly.RAW_INVALID_IP_VERSION);
                }
            }
            case LinkType.IPV4 -> ipv4(b, p, end, cut, out);
            case LinkType.IPV6 -> ipv6(b, p, end, cut, out);
            default -> anomaly(out, DecodeAnomaly.UNSUPPORTED_LINKTYPE);
        }
    }

    private void loopFamily(int family, byte[] b, int p, int end, int cut, DecodedPacket out) {
        switch (family) {
            case AF_INET -> ipv4(b, p, end, cut, out);
            case AF_INET6_BSD, AF_INET6_FREEBSD, AF_INET6_DARWIN -> ipv6(b, p, end, cut, out);
            default -> anomaly(out, DecodeAnomaly.NULL_UNKNOWN_FAMILY);
        }
    }

    // ---- layer 2 ----

    private boolean ethernet(byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < ETH_HLEN) {
            return anomaly(out, DecodeAnomaly.ETHERNET_TRUNCATED);
        }
        return etherType(u16(b, p + ETH_TYPE), b, p + ETH_HLEN, end, cut, out);
    }

    /** Dispatches on an EtherType whose payload starts at {@code p}, stepping over VLAN tags first. */
    private boolean etherType(int type, byte[] b, int p, int end, int cut, DecodedPacket out) {
        while (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
            if (end - p < VLAN_HLEN) {
                return anomaly(out, DecodeAnomaly.VLAN_TRUNCATED);
            }
            if (out.vlanCount < DecodedPacket.MAX_VLANS) {
                out.vlans[out.vlanCount] = u16(b, p + VLAN_TCI) & 0x0fff;
            }
            out.vlanCount++;
            type = u16(b, p + VLAN_TYPE);
            p += VLAN_HLEN;
        }
        return switch (type) {
            case ETH_IPV4 -> ipv4(b, p, end, cut, out);
            case ETH_IPV6 -> ipv6(b, p, end, cut, out);
            case ETH_MPLS_UC, ETH_MPLS_MC -> mpls(b, p, end, cut, out);
            case ETH_PPPOE_SESS -> pppoe(b, p, end, cut, out);
            default -> {
                if (type >= ETH_MIN_TYPE && !isKnownNonIp(type)) {
                    anomaly(out, DecodeAnomaly.UNKNOWN_ETHERTYPE);
                }
                yield false; // 802.3 length frame or a known non-IP protocol
            }
        };
    }

    /** Tells whether an EtherType is a common protocol that simply is not IP. */
    private static boolean isKnownNonIp(int type) {
        return switch (type) {
            case ETH_ARP, 0x8035 /* RARP */, 0x809b /* AppleTalk */, 0x80f3 /* AARP */, 0x8137 /* IPX */,
                 ETH_PPPOE_DISC, 0x876b /* TCP/IP compression */, 0x8808 /* MAC control */,
                 0x8809 /* slow protocols, LACP */, 0x888e /* EAPOL */, 0x8892 /* PROFINET */,
                 0x88cc /* LLDP */, 0x88e5 /* MACsec */, 0x88f7 /* PTP */, 0x8902 /* CFM */,
                 0x88e7 /* PBB */, 0x8899 /* Realtek */, 0x893a /* IEEE 1905 */, 0x9000 /* loopback */,
                 0x88b5, 0x88b6 /* local experimental */, 0x22f0 /* AVTP */, 0x0842 /* Wake-on-LAN */,
                 0x88a4 /* EtherCAT */, 0x88ab /* Ethernet POWERLINK */, 0x88ba /* IEC 61850 SV */,
                 0x88b8 /* GOOSE */, 0x8906 /* FCoE */, 0x8914 /* FIP */, 0x894f /* NSH */, 0x6002, 0x6003,
                 0x6004 /* DEC */, 0x88e1 /* HomePlug */, 0x890d /* 802.11r */, 0x8874 /* Broadcom */ -> true;
            default -> false;
        };
    }

    private boolean mpls(byte[] b, int p, int end, int cut, DecodedPacket out) {
        for (int i = 0; i < MAX_MPLS_LABELS; i++) {
            if (end - p < MPLS_HLEN) {
                return anomaly(out, DecodeAnomaly.MPLS_TRUNCATED);
            }
            boolean bottom = (b[p + MPLS_BOS_BYTE] & 1) != 0;
            p += MPLS_HLEN;
            if (bottom) {
                if (end - p < 1) {
                    return anomaly(out, DecodeAnomaly.MPLS_TRUNCATED);
                }
                int version = (b[p] & 0xf0) >> 4;
                if (version == 4) {
                    return ipv4(b, p, end, cut, out);
                }
                if (version == 6) {
                    return ipv6(b, p, end, cut, out);
                }
                return false; // pseudowire or other payload: not decoded
            }
        }
        return false; // deeper label stack than decoded
    }

    private boolean pppoe(byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < PPPOE_HLEN) {
            return anomaly(out, DecodeAnomaly.PPPOE_TRUNCATED);
        }
        int proto = u16(b, p + PPPOE_PPP_PROTO);
        if (proto == PPP_IPV4) {
            return ipv4(b, p + PPPOE_HLEN, end, cut, out);
        }
        if (proto == PPP_IPV6) {
            return ipv6(b, p + PPPOE_HLEN, end, cut, out);
        }
        return false; // LCP, IPCP, ...
    }

    // ---- IP ----

    private boolean ipv4(byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < IPV4_HLEN) {
            return anomaly(out, DecodeAnomaly.IPV4_TRUNCATED);
        }
        int vhl = b[p + IPV4_VHL] & 0xff;
        if (vhl >> 4 != 4) {
            return anomaly(out, DecodeAnomaly.IPV4_WRONG_VERSION);
        }
        int hlen = (vhl & 0x0f) * 4;
        if (hlen < IPV4_HLEN) {
            return anomaly(out, DecodeAnomaly.IPV4_HLEN_TOO_SMALL);
        }
        if (end - p < hlen) {
            return anomaly(out, DecodeAnomaly.IPV4_TRUNCATED);
        }
        int total = u16(b, p + IPV4_TOTAL_LEN);
        if (total < hlen) {
            return anomaly(out, DecodeAnomaly.IPV4_IPLEN_SMALLER_THAN_HLEN);
        }
        int ipEnd = p + total;
        int missing = 0;
        if (total > end - p) {
            missing = total - (end - p);
            if (missing > cut) {
                return anomaly(out, DecodeAnomaly.IPV4_TRUNC_PKT);
            }
            ipEnd = end;
        }
        startIp(out, 4, p, p + IPV4_SRC, p + IPV4_DST, b[p + IPV4_PROTO] & 0xff);
        int q = p + hlen;
        int frag = u16(b, p + IPV4_FRAG);
        if ((frag & IPV4_MF_AND_OFFSET) != 0) {
            out.fragment = true;
            out.fragOffset = (frag & 0x1fff) * 8;
            out.fragMore = (frag & 0x2000) != 0;
            out.fragId = u16(b, p + 4);
            out.fragHdrOff = -1;
            payload(out, q, ipEnd, missing);
            return true;
        }
        return transport(out.proto, b, q, ipEnd, missing, cut, out);
    }

    private boolean ipv6(byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < IPV6_HLEN) {
            return anomaly(out, DecodeAnomaly.IPV6_TRUNCATED);
        }
        if ((b[p] & 0xf0) != 0x60) {
            return anomaly(out, DecodeAnomaly.IPV6_WRONG_VERSION);
        }
        int next = b[p + IPV6_NEXT] & 0xff;
        int plen = u16(b, p + IPV6_PLEN);
        int total = IPV6_HLEN + plen;
        if (plen == 0 && next == P_HOPOPTS) {
            total = end - p; // jumbogram: the length is in an option; take what was captured
        }
        int ipEnd = p + total;
        int missing = 0;
        if (total > end - p) {
            missing = total - (end - p);
            if (missing > cut) {
                return anomaly(out, DecodeAnomaly.IPV6_TRUNC_PKT);
            }
            ipEnd = end;
        }
        startIp(out, 6, p, p + IPV6_SRC, p + IPV6_DST, next);
        int q = p + IPV6_HLEN;
        int prevNextOff = p + IPV6_NEXT;
        for (int i = 0; i <= MAX_IPV6_EXT_HEADERS; i++) {
            switch (next) {
                case P_HOPOPTS, P_ROUTING, P_DSTOPTS, P_MOBILITY, P_HIP, P_SHIM6 -> {
                    if (ipEnd - q < 2) {
                        return anomaly(out, DecodeAnomaly.IPV6_TRUNC_EXTHDR);
                    }
                    int hl = ((b[q + IPV6_EXT_LEN] & 0xff) + 1) * 8;
                    if (ipEnd - q < hl) {
                        return anomaly(out, DecodeAnomaly.IPV6_TRUNC_EXTHDR);
                    }
                    next = b[q + IPV6_EXT_NEXT] & 0xff;
                    prevNextOff = q + IPV6_EXT_NEXT;
                    q += hl;
                }
                case P_AH -> {
                    if (ipEnd - q < 2) {
                        return anomaly(out, DecodeAnomaly.IPV6_TRUNC_EXTHDR);
                    }
                    int hl = ((b[q + IPV6_EXT_LEN] & 0xff) + 2) * 4;
                    if (ipEnd - q < hl) {
                        return anomaly(out, DecodeAnomaly.IPV6_TRUNC_EXTHDR);
                    }
                    next = b[q + IPV6_EXT_NEXT] & 0xff;
                    prevNextOff = q + IPV6_EXT_NEXT;
                    q += hl;
                }
                case P_FRAGMENT -> {
                    if (ipEnd - q < IPV6_FRAG_HLEN) {
                        return anomaly(out, DecodeAnomaly.IPV6_TRUNC_EXTHDR);
                    }
                    int offFlags = u16(b, q + IPV6_FRAG_OFFLG);
                    int fragHdr = q;
                    next = b[q + IPV6_EXT_NEXT] & 0xff;
                    q += IPV6_FRAG_HLEN;
                    if ((offFlags & 0xfff9) != 0) { // offset (13 bits) or M flag: a real fragment
                        out.proto = next;
                        out.fragment = true;
                        out.fragOffset = offFlags & 0xfff8;
                        out.fragMore = (offFlags & 1) != 0;
                        out.fragId = ((long) u16(b, fragHdr + 4) << 16) | u16(b, fragHdr + 6);
                        out.fragHdrOff = fragHdr;
                        out.fragPrevNextOff = prevNextOff;
                        payload(out, q, ipEnd, missing);
                        return true;
                    }
                    // atomic fragment (offset 0, M 0): the whole datagram follows
                    prevNextOff = fragHdr + IPV6_EXT_NEXT;
                }
                case P_NONE -> {
                    out.proto = P_NONE;
                    payload(out, q, ipEnd, missing);
                    return true;
                }
                default -> {
                    out.proto = next;
                    return transport(next, b, q, ipEnd, missing, cut, out);
                }
            }
        }
        return anomaly(out, DecodeAnomaly.IPV6_EXTHDR_LOOP);
    }

    /** Clears what an outer packet may have left and records the IP header's facts. */
    private static void startIp(DecodedPacket out, int version, int ipOff, int src, int dst, int proto) {
        out.ipVersion = version;
        out.ipOff = ipOff;
        out.srcAddrOff = src;
        out.dstAddrOff = dst;
        out.proto = proto;
        out.fragment = false;
        out.srcPort = 0;
        out.dstPort = 0;
        out.tcpFlags = 0;
        out.seq = 0;
        out.ack = 0;
        out.window = 0;
        out.tcpOff = 0;
        out.payloadOff = 0;
        out.payloadLen = 0;
        out.payloadMissing = 0;
    }

    private static void payload(DecodedPacket out, int from, int to, int missing) {
        out.payloadOff = from;
        out.payloadLen = Math.max(0, to - from);
        out.payloadMissing = missing;
    }

    // ---- transport ----

    private boolean transport(int proto, byte[] b, int q, int ipEnd, int missing, int cut, DecodedPacket out) {
        return switch (proto) {
            case P_TCP -> tcp(b, q, ipEnd, missing, out);
            case P_UDP -> udp(b, q, ipEnd, missing, cut, out);
            case P_ICMP -> icmp(b, q, ipEnd, missing, out, DecodeAnomaly.ICMPV4_TRUNCATED);
            case P_ICMPV6 -> icmp(b, q, ipEnd, missing, out, DecodeAnomaly.ICMPV6_TRUNCATED);
            case P_SCTP -> sctp(b, q, ipEnd, missing, out);
            case P_GRE -> gre(b, q, ipEnd, missing, cut, out);
            case P_IPIP -> enterTunnel(out) && ipv4(b, q, ipEnd, cut, out);
            case P_IPV6 -> enterTunnel(out) && ipv6(b, q, ipEnd, cut, out);
            default -> {
                payload(out, q, ipEnd, missing);
                yield true;
            }
        };
    }

    private static boolean tcp(byte[] b, int q, int ipEnd, int missing, DecodedPacket out) {
        if (ipEnd - q < TCP_HLEN) {
            return anomaly(out, DecodeAnomaly.TCP_TRUNCATED);
        }
        int hlen = ((b[q + TCP_DOFF] & 0xf0) >> 4) * 4;
        if (hlen < TCP_HLEN) {
            return anomaly(out, DecodeAnomaly.TCP_HLEN_TOO_SMALL);
        }
        if (ipEnd - q < hlen) {
            return anomaly(out, DecodeAnomaly.TCP_TRUNCATED);
        }
        out.srcPort = u16(b, q + TCP_SPORT);
        out.dstPort = u16(b, q + TCP_DPORT);
        out.seq = i32(b, q + TCP_SEQ) & 0xffffffffL;
        out.ack = i32(b, q + TCP_ACK) & 0xffffffffL;
        out.tcpFlags = b[q + TCP_FLAGS] & 0xff;
        out.window = u16(b, q + TCP_WIN);
        out.tcpOff = q;
        payload(out, q + hlen, ipEnd, missing);
        return true;
    }

    private boolean udp(byte[] b, int q, int ipEnd, int missing, int cut, DecodedPacket out) {
        if (ipEnd - q < UDP_HLEN) {
            return anomaly(out, DecodeAnomaly.UDP_TRUNCATED);
        }
        int ulen = u16(b, q + UDP_LEN);
        int announced = ipEnd + missing - q;
        if (ulen < UDP_HLEN || ulen > announced) {
            return anomaly(out, DecodeAnomaly.UDP_HLEN_INVALID);
        }
        int udpEnd = q + ulen;
        int udpMissing = 0;
        if (udpEnd > ipEnd) {
            udpMissing = udpEnd - ipEnd;
            udpEnd = ipEnd;
        }
        int sport = u16(b, q);
        int dport = u16(b, q + 2);
        out.srcPort = sport;
        out.dstPort = dport;
        int p = q + UDP_HLEN;
        payload(out, p, udpEnd, udpMissing);
        if (dport == PORT_VXLAN || dport == PORT_VXLAN_LINUX) {
            return vxlan(b, p, udpEnd, cut, out);
        }
        if (dport == PORT_GENEVE) {
            return geneve(b, p, udpEnd, cut, out);
        }
        if (sport == PORT_TEREDO || dport == PORT_TEREDO) {
            return teredo(b, p, udpEnd, udpMissing, cut, out);
        }
        return true;
    }

    private static boolean icmp(byte[] b, int q, int ipEnd, int missing, DecodedPacket out, DecodeAnomaly truncated) {
        if (ipEnd - q < ICMP_HLEN) {
            return anomaly(out, truncated);
        }
        out.srcPort = b[q] & 0xff;
        out.dstPort = b[q + 1] & 0xff;
        payload(out, q + ICMP_HLEN, ipEnd, missing);
        return true;
    }

    private static boolean sctp(byte[] b, int q, int ipEnd, int missing, DecodedPacket out) {
        if (ipEnd - q < SCTP_HLEN) {
            return anomaly(out, DecodeAnomaly.SCTP_TRUNCATED);
        }
        out.srcPort = u16(b, q);
        out.dstPort = u16(b, q + 2);
        payload(out, q + SCTP_HLEN, ipEnd, missing);
        return true;
    }

    // ---- tunnels ----

    private boolean enterTunnel(DecodedPacket out) {
        if (out.tunnelDepth >= maxTunnelDepth) {
            return anomaly(out, DecodeAnomaly.TUNNEL_TOO_DEEP);
        }
        out.tunnelDepth++;
        return true;
    }

    private boolean vxlan(byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < VXLAN_HLEN) {
            return anomaly(out, DecodeAnomaly.VXLAN_TRUNCATED);
        }
        if ((b[p] & VXLAN_FLAG_I) == 0) {
            return true; // no valid VNI: not VXLAN, keep the UDP datagram
        }
        return enterTunnel(out) && ethernet(b, p + VXLAN_HLEN, end, cut, out);
    }

    /** Decodes a Geneve header (version 0, options skipped) and its Ethernet or IP payload. */
    private boolean geneve(byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < GENEVE_HLEN) {
            return anomaly(out, DecodeAnomaly.GENEVE_TRUNCATED);
        }
        int first = b[p] & 0xff;
        if (first >> 6 != 0) {
            return true; // unknown version: keep the UDP datagram
        }
        int hlen = GENEVE_HLEN + (first & 0x3f) * 4;
        if (end - p < hlen) {
            return anomaly(out, DecodeAnomaly.GENEVE_TRUNCATED);
        }
        int q = p + hlen;
        return switch (u16(b, p + GENEVE_PROTO)) {
            case ETH_TEB -> enterTunnel(out) && ethernet(b, q, end, cut, out);
            case ETH_IPV4 -> enterTunnel(out) && ipv4(b, q, end, cut, out);
            case ETH_IPV6 -> enterTunnel(out) && ipv6(b, q, end, cut, out);
            default -> true;
        };
    }

    /**
     * Decodes a Teredo payload when it is one: optional authentication and origin indications, then an
     * IPv6 header whose payload length matches the datagram exactly. Anything else stays plain UDP.
     */
    private boolean teredo(byte[] b, int p, int end, int missing, int cut, DecodedPacket out) {
        int announcedEnd = end + missing;
        int q = p;
        if (end - q >= 4 && b[q] == 0 && b[q + 1] == 1) {
            q += TEREDO_AUTH_FIXED + (b[q + 2] & 0xff) + (b[q + 3] & 0xff);
        }
        if (end - q >= TEREDO_ORIGIN_LEN && b[q] == 0 && b[q + 1] == 0) {
            q += TEREDO_ORIGIN_LEN;
        }
        if (end - q < IPV6_HLEN || (b[q] & 0xf0) != 0x60
                || IPV6_HLEN + u16(b, q + IPV6_PLEN) != announcedEnd - q) {
            return true;
        }
        return enterTunnel(out) && ipv6(b, q, end, cut, out);
    }

    private boolean gre(byte[] b, int q, int ipEnd, int missing, int cut, DecodedPacket out) {
        if (ipEnd - q < GRE_HLEN) {
            return anomaly(out, DecodeAnomaly.GRE_TRUNCATED);
        }
        int flags = u16(b, q);
        int version = flags & GRE_VERSION_MASK;
        payload(out, q + GRE_HLEN, ipEnd, missing);
        if (version == 1) {
            return true; // enhanced GRE (PPTP) carries PPP: kept as GRE
        }
        if (version != 0) {
            return anomaly(out, DecodeAnomaly.GRE_VERSION_UNSUPPORTED);
        }
        int hlen = GRE_HLEN;
        if ((flags & (GRE_C | GRE_R)) != 0) {
            hlen += 4;
        }
        if ((flags & GRE_K) != 0) {
            hlen += 4;
        }
        if ((flags & GRE_S) != 0) {
            hlen += 4;
        }
        if (ipEnd - q < hlen) {
            return anomaly(out, DecodeAnomaly.GRE_TRUNCATED);
        }
        if ((flags & GRE_R) != 0) {
            for (int i = 0; ; i++) {
                if (i == MAX_GRE_SRES) {
                    return anomaly(out, DecodeAnomaly.GRE_MALFORMED_SRE);
                }
                if (ipEnd - q < hlen + GRE_SRE_HLEN) {
                    return anomaly(out, DecodeAnomaly.GRE_TRUNCATED);
                }
                int family = u16(b, q + hlen);
                int sreLen = b[q + hlen + 3] & 0xff;
                hlen += GRE_SRE_HLEN + sreLen;
                if (family == 0 && sreLen == 0) {
                    break;
                }
                if (ipEnd - q < hlen) {
                    return anomaly(out, DecodeAnomaly.GRE_TRUNCATED);
                }
            }
        }
        int p = q + hlen;
        payload(out, p, ipEnd, missing);
        int proto = u16(b, q + GRE_PROTO);
        return switch (proto) {
            case ETH_IPV4 -> enterTunnel(out) && ipv4(b, p, ipEnd, cut, out);
            case ETH_IPV6 -> enterTunnel(out) && ipv6(b, p, ipEnd, cut, out);
            case ETH_TEB -> enterTunnel(out) && ethernet(b, p, ipEnd, cut, out);
            case ETH_VLAN, ETH_QINQ -> enterTunnel(out) && etherType(proto, b, p, ipEnd, cut, out);
            case ETH_ERSPAN_2 -> {
                if ((flags & GRE_S) == 0) { // type I: no ERSPAN header
                    yield enterTunnel(out) && ethernet(b, p, ipEnd, cut, out);
                }
                if (ipEnd - p < ERSPAN2_HLEN) {
                    yield anomaly(out, DecodeAnomaly.ERSPAN_TRUNCATED);
                }
                yield enterTunnel(out) && ethernet(b, p + ERSPAN2_HLEN, ipEnd, cut, out);
            }
            case ETH_ERSPAN_3 -> {
                if (ipEnd - p < ERSPAN3_HLEN) {
                    yield anomaly(out, DecodeAnomaly.ERSPAN_TRUNCATED);
                }
                int h = ERSPAN3_HLEN + ((b[p + ERSPAN3_HLEN - 1] & 1) != 0 ? ERSPAN3_SUBHDR_LEN : 0);
                if (ipEnd - p < h) {
                    yield anomaly(out, DecodeAnomaly.ERSPAN_TRUNCATED);
                }
                yield enterTunnel(out) && ethernet(b, p + h, ipEnd, cut, out);
            }
            default -> true; // other GRE payloads are kept as GRE
        };
    }

    // ---- helpers ----

    private static boolean anomaly(DecodedPacket out, DecodeAnomaly a) {
        if (out.anomaly == null) {
            out.anomaly = a;
        }
        return false;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    private static int i32(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }
}
