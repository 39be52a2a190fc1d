package io.spanwatch.sensor.decode;

import io.spanwatch.sensor.capture.LinkType;

/**
 * Reads the link, IP and transport headers of one frame into a {@link DecodedPacket}, in place.
 *
 * <p>Fields are read on demand from {@code (buf, off)} at named offsets; nothing is copied and nothing
 * is allocated per frame. Tunnels are removed ({@link Tunnels}) and the packet describes the innermost
 * IP header and its transport: GRE (IPv4, IPv6, transparent Ethernet bridging, VLAN, MPLS, ERSPAN
 * types I, II and III, Aruba's 802.11 frames, WCCP redirects, PPTP's PPP), IP-in-IP (protocols 4 and 41), MPLS in IP
 * (protocol 137), L2TPv3's Ethernet pseudowires (protocol 115), and in UDP: VXLAN, VXLAN-GPE, Geneve,
 * GRE (RFC 8086), MPLS (RFC 7510), AYIYA, CAPWAP, L2TP (versions 2 and 3) on their ports, Teredo and
 * GTP-U on their ports and, when the payload passes stricter checks, on any port ({@link TunnelConfig}).
 * VLAN tags (802.1Q, 802.1ad, 0x9100) are counted at any depth, PPPoE sessions are stepped over, and so are MPLS label stacks ({@link Mpls}: IPv4, IPv6, or an Ethernet
 * pseudowire with or without its control word), on Ethernet or inside one of those tunnels.
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
 * {@link #MAX_MPLS_LABELS} MPLS labels per frame
 * ({@link DecodeAnomaly#MPLS_TOO_MANY_LABELS} beyond),
 * {@value Tunnels#MAX_GTPU_EXT_HEADERS} GTP-U extension headers.
 *
 * <p>Threads: an instance holds only its configuration and may be shared; each thread uses its own
 * {@link DecodedPacket}.
 */
public final class PacketDecoder {

    /** Most tunnels removed from one frame. */
    public static final int DEFAULT_MAX_TUNNEL_DEPTH = 4;
    /** Most IPv6 extension headers walked before giving up. */
    public static final int MAX_IPV6_EXT_HEADERS = 16;
    /** Most MPLS labels stepped over in one frame, all its label stacks together. */
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
    /** Cisco WCCP's GRE protocol type: a redirected IPv4 packet, after a redirect header in version 2. */
    static final int ETH_WCCP = 0x883e;
    static final int ETH_ERSPAN_2 = 0x88be;
    static final int ETH_ERSPAN_3 = 0x22eb;
    static final int ETH_MIN_TYPE = 0x0600;
    /** Cisco's VN-Tag (Nexus fabric extenders): 4 bytes, then the EtherType. */
    static final int ETH_VNTAG = 0x8926;
    /** Cisco MetaData (TrustSec's inline security group tag): 6 bytes, then the EtherType. */
    static final int ETH_CMD = 0x8909;
    /** IEEE 802.1BR's E-Tag (port extenders): 6 bytes, then the EtherType. */
    static final int ETH_ETAG = 0x893f;
    /** IEEE 802.1ah provider backbone bridging: a 4-byte I-tag, then the customer's Ethernet header. */
    static final int ETH_PBB = 0x88e7;
    /** Cisco FabricPath: 2 bytes (FTag, TTL) after the outer header, then the inner Ethernet header. */
    static final int ETH_FABRICPATH = 0x8903;
    /** Network Service Header (RFC 8300). */
    static final int ETH_NSH = 0x894f;

    // Ethernet
    private static final int ETH_HLEN = 14;
    private static final int ETH_TYPE = 12;
    private static final int VLAN_HLEN = 4;
    private static final int VLAN_TCI = 0;
    private static final int VLAN_TYPE = 2;
    private static final int VNTAG_HLEN = 6;
    /** A Cisco MetaData or an 802.1BR E-Tag header after its EtherType, with the next EtherType. */
    private static final int CMD_ETAG_HLEN = 8;
    private static final int PBB_ITAG_LEN = 4;
    private static final int FABRICPATH_TAG_LEN = 2;
    private static final int LLC_SNAP_LEN = 8;
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
    // PPPoE
    private static final int PPPOE_HLEN = 8;
    private static final int PPPOE_PPP_PROTO = 6;

    // IPv4
    private static final int IPV4_HLEN = 20;
    /** The most an IPv4 total length field can say; a longer datagram is a host's super-frame. */
    private static final int IPV4_MAX_TOTAL_LEN = 0xffff;
    /** The longest super-frame Linux builds (GSO_MAX_SIZE and GRO_MAX_SIZE: 8 x 65,535 bytes). */
    private static final int SUPER_FRAME_MAX_LEN = 8 * 0xffff;
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
    static final int P_ESP = 50;
    static final int P_AH = 51;
    static final int P_ETHERIP = 97;
    /** An Authentication Header's fixed part: next header, length, reserved, SPI and sequence number (RFC 4302 §2). */
    static final int AH_MIN_LEN = 12;
    private static final int AH_NEXT = 0;
    /** The header's length in 4-byte words, less 2. */
    private static final int AH_LEN = 1;
    static final int P_ICMPV6 = 58;
    static final int P_NONE = 59;
    static final int P_DSTOPTS = 60;
    static final int P_SCTP = 132;
    static final int P_MOBILITY = 135;
    static final int P_L2TPV3 = 115;
    static final int P_MPLS = 137;
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
    /** The largest packet whose UDP checksum is judged when it carries a tunnel (an Ethernet MTU). */
    private static final int MAX_CHECKED_PACKET = 1500;
    // ICMP, SCTP
    private static final int ICMP_HLEN = 8;
    private static final int SCTP_HLEN = 12;
    private final Tunnels tunnels;
    private final Mpls mpls;

    /** Creates a decoder with the default tunnel ports that removes up to {@link #DEFAULT_MAX_TUNNEL_DEPTH} tunnels. */
    public PacketDecoder() {
        this(TunnelConfig.DEFAULTS);
    }

    /** Creates a decoder with the default tunnel ports that removes up to {@code maxTunnelDepth} tunnels. */
    public PacketDecoder(int maxTunnelDepth) {
        this(TunnelConfig.DEFAULTS.withMaxDepth(maxTunnelDepth));
    }

    /** Creates a decoder that finds tunnels as {@code config} says. */
    public PacketDecoder(TunnelConfig config) {
        this.tunnels = new Tunnels(this, config);
        this.mpls = new Mpls(this);
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
            case LinkType.RAW, LinkType.RAW_BSD, LinkType.RAW_OPENBSD -> ipByVersion(b, p, end, cut, out);
            case LinkType.IPV4 -> ipv4(b, p, end, cut, out);
            case LinkType.IPV6 -> ipv6(b, p, end, cut, out);
            case LinkType.IEEE802_11 -> tunnels.ieee80211(b, p, end, cut, out, -1, null);
            case LinkType.IEEE802_11_RADIOTAP -> LinkLayers.radiotap(tunnels, b, p, end, cut, out);
            case LinkType.PPP, LinkType.PPP_HDLC -> LinkLayers.ppp(this, b, p, end, cut, out);
            case LinkType.C_HDLC -> LinkLayers.chdlc(this, b, p, end, cut, out);
            case LinkType.PPP_WITH_DIR, LinkType.C_HDLC_WITH_DIR, LinkType.PPP_ETHER -> LinkLayers.withoutEthernet(this, linkType, b, p, end, cut, out);
            case LinkType.NFLOG -> LinkLayers.nflog(this, b, p, end, cut, out);
            case LinkType.PFLOG -> LinkLayers.pflog(this, b, p, end, cut, out);
            case LinkType.ENC -> LinkLayers.ipAfter(this, LinkLayers.ENC_HLEN, DecodeAnomaly.ENC_TRUNCATED, b, p, end, cut, out);
            case LinkType.IPNET -> LinkLayers.ipAfter(this, LinkLayers.IPNET_HLEN, DecodeAnomaly.IPNET_TRUNCATED, b, p, end, cut, out);
            case LinkType.IEEE802_11_PRISM, LinkType.IEEE802_11_AVS -> LinkLayers.wlanMonitor(tunnels, b, p, end, cut, out);
            case LinkType.NETANALYZER, LinkType.NETANALYZER_TRANSPARENT -> {
                int hlen = linkType == LinkType.NETANALYZER ? LinkLayers.NETANALYZER_HLEN : LinkLayers.NETANALYZER_TRANSPARENT_HLEN;
                if (end - p < hlen) {
                    anomaly(out, DecodeAnomaly.NETANALYZER_TRUNCATED);
                    return;
                }
                ethernet(b, p + hlen, end, cut, out); // the FCS at the end is past the IP length
            }
            case LinkType.MPLS -> mpls(b, p, end, cut, out);
            case LinkType.ATM_RFC1483 -> LinkLayers.atmLlc(this, b, p, end, cut, out);
            case LinkType.ERF -> LinkLayers.erf(this, b, p, end, cut, out);
            case LinkType.JUNIPER_ETHER, LinkType.JUNIPER_PPPOE, LinkType.JUNIPER_PPP, LinkType.JUNIPER_CHDLC, LinkType.JUNIPER_GGSN,
                 LinkType.JUNIPER_VP, LinkType.JUNIPER_SERVICES, LinkType.JUNIPER_VN -> Juniper.decode(this, linkType, b, p, end, cut, out);
            case LinkType.PKTAP, LinkType.PPI -> {
                long inner = linkType == LinkType.PKTAP ? LinkLayers.pktap(b, p, end, out) : LinkLayers.ppi(b, p, end, out);
                if (inner < 0) {
                    return; // not a packet, or an anomaly
                }
                int innerType = (int) (inner >>> 32);
                if (innerType == LinkType.PKTAP || innerType == LinkType.PPI || !LinkType.isSupported(innerType)) {
                    anomaly(out, DecodeAnomaly.INNER_LINKTYPE_UNSUPPORTED);
                    return;
                }
                link(innerType, b, (int) inner, end, cut, out);
            }
            default -> anomaly(out, DecodeAnomaly.UNSUPPORTED_LINKTYPE);
        }
    }

    /** Decodes an IP packet of either version, told by its first nibble (raw IP, and the headers before raw IP). */
    boolean ipByVersion(byte[] b, int p, int end, int cut, DecodedPacket out) {
        int version = end - p > 0 ? (b[p] & 0xf0) >> 4 : -1;
        return version == 4 ? ipv4(b, p, end, cut, out)
                : version == 6 ? ipv6(b, p, end, cut, out) : anomaly(out, DecodeAnomaly.RAW_INVALID_IP_VERSION);
    }

    private void loopFamily(int family, byte[] b, int p, int end, int cut, DecodedPacket out) {
        switch (family) {
            case AF_INET -> ipv4(b, p, end, cut, out);
            case AF_INET6_BSD, AF_INET6_FREEBSD, AF_INET6_DARWIN -> ipv6(b, p, end, cut, out);
            default -> anomaly(out, DecodeAnomaly.NULL_UNKNOWN_FAMILY);
        }
    }

    // ---- layer 2 ----

    boolean ethernet(byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < ETH_HLEN) {
            return anomaly(out, DecodeAnomaly.ETHERNET_TRUNCATED);
        }
        out.linkGroupDst = (b[p] & 1) != 0; // the destination's I/G bit
        out.llcSnap = false; // as the group bit: the innermost frame's framing is the receiver's
        return etherType(u16(b, p + ETH_TYPE), b, p + ETH_HLEN, end, cut, out);
    }

    /**
     * Dispatches on an EtherType whose payload starts at {@code p}, stepping over what a data-centre or
     * carrier switch puts before the payload first, as Zeek does: VLAN tags, VN-Tags, Cisco MetaData and
     * 802.1BR E-Tags, Arista's timestamps and integrity-only MACsec SecTAGs ({@link SwitchTags}), an 802.1ah I-tag
     * with the customer's Ethernet header, a FabricPath header with the inner Ethernet header, and an
     * 802.2 LLC/SNAP header under an 802.3 length.
     */
    boolean etherType(int type, byte[] b, int p, int end, int cut, DecodedPacket out) {
        while (true) {
            if (type == ETH_VLAN || type == ETH_QINQ || type == ETH_QINQ_OLD) {
                if (end - p < VLAN_HLEN) {
                    return anomaly(out, DecodeAnomaly.VLAN_TRUNCATED);
                }
                if (out.vlanCount < DecodedPacket.MAX_VLANS) {
                    out.vlans[out.vlanCount] = u16(b, p + VLAN_TCI) & 0x0fff;
                }
                out.vlanCount++;
                type = u16(b, p + VLAN_TYPE);
                p += VLAN_HLEN;
            } else if (type == ETH_VNTAG || type == ETH_CMD || type == ETH_ETAG) {
                // Fixed-length tags ending in the frame's EtherType: fabric extenders' VN-Tag, TrustSec
                // links' inline security group tag (Cisco MetaData) and port extenders' E-Tag; Wireshark
                // and Arkime step over them so.
                int len = type == ETH_VNTAG ? VNTAG_HLEN : CMD_ETAG_HLEN;
                if (end - p < len) {
                    return anomaly(out, type == ETH_VNTAG ? DecodeAnomaly.VNTAG_TRUNCATED
                            : type == ETH_CMD ? DecodeAnomaly.CMD_TRUNCATED : DecodeAnomaly.ETAG_TRUNCATED);
                }
                type = u16(b, p + len - 2);
                p += len;
            } else if (type == ETH_PBB || type == ETH_FABRICPATH) {
                int inner = type == ETH_PBB ? PBB_ITAG_LEN : FABRICPATH_TAG_LEN;
                if (end - p < inner + ETH_HLEN) {
                    return anomaly(out, type == ETH_PBB ? DecodeAnomaly.PBB_TRUNCATED : DecodeAnomaly.FABRICPATH_TRUNCATED);
                }
                type = u16(b, p + inner + ETH_TYPE);
                p += inner + ETH_HLEN;
            } else if (type == SwitchTags.ETH_ARISTA || type == SwitchTags.ETH_MACSEC) {
                long next = SwitchTags.step(type, b, p, end, out); // a TAP's timestamp, an integrity-only SecTAG
                if (next == SwitchTags.NOT_IP) {
                    return false;
                }
                type = (int) (next >>> 32);
                p = (int) next;
            } else if (type < ETH_MIN_TYPE && end - p >= LLC_SNAP_LEN && b[p] == (byte) 0xaa && b[p + 1] == (byte) 0xaa
                    && b[p + 2] == 3 && b[p + 3] == 0 && b[p + 4] == 0 && b[p + 5] == 0) {
                type = u16(b, p + LLC_SNAP_LEN - 2); // RFC 1042: an EtherType after the SNAP header
                p += LLC_SNAP_LEN;
                out.llcSnap = true;
            } else {
                break;
            }
        }
        return switch (type) {
            case ETH_IPV4 -> ipv4(b, p, end, cut, out);
            case ETH_IPV6 -> ipv6(b, p, end, cut, out);
            case ETH_MPLS_UC, ETH_MPLS_MC -> mpls.decode(b, p, end, cut, out);
            case ETH_PPPOE_SESS -> pppoe(b, p, end, cut, out);
            case ETH_NSH -> LinkLayers.nsh(this, b, p, end, cut, out);
            case ETH_PPPOE_DISC -> {
                out.pppoe = true;
                yield false; // session set-up, not IP
            }
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
                 0x876b /* TCP/IP compression */, 0x8808 /* MAC control */,
                 0x8809 /* slow protocols, LACP */, 0x888e /* EAPOL */, 0x8892 /* PROFINET */,
                 0x88cc /* LLDP */, 0x88f7 /* PTP */, 0x8902 /* CFM */,
                 0x8899 /* Realtek */, 0x893a /* IEEE 1905 */, 0x9000 /* loopback */,
                 0x88b5, 0x88b6 /* local experimental */, 0x22f0 /* AVTP */, 0x0842 /* Wake-on-LAN */,
                 0x88a4 /* EtherCAT */, 0x88ab /* Ethernet POWERLINK */, 0x88ba /* IEC 61850 SV */,
                 0x88b8 /* GOOSE */, 0x8906 /* FCoE */, 0x8914 /* FIP */, 0x6002, 0x6003,
                 0x6004 /* DEC */, 0x88e1 /* HomePlug */, 0x890d /* 802.11r */, 0x8874 /* Broadcom */ -> true;
            default -> false;
        };
    }

    /** Decodes the MPLS label stack at {@code p} and what it carries ({@link Mpls}), for a tunnel that holds one. */
    boolean mpls(byte[] b, int p, int end, int cut, DecodedPacket out) {
        return mpls.decode(b, p, end, cut, out);
    }

    private boolean pppoe(byte[] b, int p, int end, int cut, DecodedPacket out) {
        out.pppoe = true;
        if (end - p < PPPOE_HLEN) {
            return anomaly(out, DecodeAnomaly.PPPOE_TRUNCATED);
        }
        return LinkLayers.pppPayload(this, u16(b, p + PPPOE_PPP_PROTO), b, p + PPPOE_HLEN, end, cut, out);
    }

    // ---- IP ----

    boolean ipv4(byte[] b, int p, int end, int cut, DecodedPacket out) {
        out.optionsRefusedBy = 0; // an outer header's options are its tunnel endpoint's
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
        long whole = (long) end - p + cut;
        if (total == 0 && whole > IPV4_MAX_TOTAL_LEN && whole <= SUPER_FRAME_MAX_LEN
                && (u16(b, p + IPV4_FRAG) & IPV4_MF_AND_OFFSET) == 0) {
            // A super-frame of Linux's BIG TCP (gso_ipv4_max_size or gro_ipv4_max_size past 64 KiB):
            // the kernel writes 0 where the length does not fit (iph_set_totlen) and reads the length
            // from the buffer (iph_totlen), and so does a capture on its sending or GRO-receiving host.
            // No packet on a wire is that long, so a 0 that fits in the field stays an anomaly; so does
            // one in a fragment or past GSO_MAX_SIZE, which no GSO or GRO packet is (iph_totlen reads
            // the buffer only for GSO TCP: every receiver drops the others).
            total = (int) whole;
            out.ipv4BigTcp = true;
        }
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
        if (hlen > IPV4_HLEN) {
            DecodeAnomaly dropped = IpOptions.ipv4(b, p + IPV4_HLEN, p + hlen, out);
            if (dropped != null) {
                return anomaly(out, dropped);
            }
        }
        startIp(out, 4, p, p + IPV4_SRC, p + IPV4_DST, b[p + IPV4_PROTO] & 0xff);
        out.ipv4ChecksumWrong = headerChecksumWrong(b, p, hlen);
        int q = p + hlen;
        int frag = u16(b, p + IPV4_FRAG);
        if ((frag & IPV4_MF_AND_OFFSET) != 0) {
            if (out.ipv4ChecksumWrong) {
                // Hosts check the header before reassembly (Linux ip_rcv_core, FreeBSD ip_input) and
                // drop the fragment; reassembled, its datagram gets a fresh checksum, so no later
                // check would see it (the fourth evasion review hid a decoy fragment so)
                return anomaly(out, DecodeAnomaly.IPV4_INVALID_CHECKSUM);
            }
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

    boolean ipv6(byte[] b, int p, int end, int cut, DecodedPacket out) {
        out.optionsRefusedBy = 0;
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
                    if (next == P_HOPOPTS && q != p + IPV6_HLEN) {
                        // Only right after the IPv6 header (RFC 8200 §4.1): Linux has no handler for it
                        // further on (a parameter problem, the packet dropped), FreeBSD drops it too.
                        return anomaly(out, DecodeAnomaly.IPV6_HOPOPTS_NOT_FIRST);
                    }
                    if (ipEnd - q < 2) {
                        return anomaly(out, DecodeAnomaly.IPV6_TRUNC_EXTHDR);
                    }
                    int hl = ((b[q + IPV6_EXT_LEN] & 0xff) + 1) * 8;
                    if (ipEnd - q < hl) {
                        return anomaly(out, DecodeAnomaly.IPV6_TRUNC_EXTHDR);
                    }
                    if ((next == P_MOBILITY || next == P_HIP || next == P_SHIM6) && (b[q + IPV6_EXT_NEXT] & 0xff) != P_NONE) {
                        // Mobility (RFC 6275) and HIP (RFC 7401) headers end the chain (next header 59); no
                        // host stack has a handler that reads on past them, nor Shim6's: Linux answers a
                        // parameter problem and drops the packet, data and all.
                        return anomaly(out, DecodeAnomaly.IPV6_EXTHDR_NOT_HANDLED);
                    }
                    DecodeAnomaly dropped = next == P_ROUTING ? routing(b, q)
                            : next == P_HOPOPTS || next == P_DSTOPTS ? IpOptions.ipv6(b, q, hl, next == P_HOPOPTS, plen == 0, out) : null;
                    if (dropped != null) {
                        return anomaly(out, dropped);
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
                    out.ipsecAh = true;
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

    /**
     * A routing header with segments left sends the packet on to its next address: the host the
     * destination address names is a waypoint and hands nothing to TCP (RFC 8200 §4.4; type 0 is
     * discarded outright, RFC 5095). Returns the anomaly of such a packet, or null.
     */
    private static DecodeAnomaly routing(byte[] b, int q) {
        int type = b[q + 2] & 0xff;
        int segmentsLeft = b[q + 3] & 0xff;
        if (segmentsLeft == 0) {
            return null; // the last hop: the header is ignored
        }
        return type == 0 ? DecodeAnomaly.IPV6_RH_TYPE_0 : DecodeAnomaly.IPV6_RH_SEGMENTS_LEFT;
    }

    /**
     * Tells whether the IPv4 header at {@code p} ({@code hlen} bytes) has a wrong checksum that its
     * sender's stack wrote. A field of 0 is not judged: a stack that leaves the header checksum to the
     * NIC writes 0 there (FreeBSD's {@code CSUM_IP}, Windows' IPv4 checksum offload), and a capture on
     * that sender shows it before the NIC fills it in; Linux always sums the header itself.
     */
    static boolean headerChecksumWrong(byte[] b, int p, int hlen) {
        return u16(b, p + 10) != 0 && Checksums.fold(Checksums.sum(b, p, hlen, 0)) != 0xffff;
    }

    /** Clears what an outer packet may have left and records the IP header's facts. */
    private static void startIp(DecodedPacket out, int version, int ipOff, int src, int dst, int proto) {
        out.ipVersion = version;
        out.ipOff = ipOff;
        out.ipv4ChecksumWrong = false;
        out.udpChecksumWrong = false;
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

    static void payload(DecodedPacket out, int from, int to, int missing) {
        out.payloadOff = from;
        out.payloadLen = Math.max(0, to - from);
        out.payloadMissing = missing;
    }

    // ---- transport ----

    boolean transport(int proto, byte[] b, int q, int ipEnd, int missing, int cut, DecodedPacket out) {
        return switch (proto) {
            case P_TCP -> tcp(b, q, ipEnd, missing, out);
            case P_UDP -> udp(b, q, ipEnd, missing, cut, out);
            case P_ICMP -> icmp(b, q, ipEnd, missing, out, DecodeAnomaly.ICMPV4_TRUNCATED);
            case P_ICMPV6 -> icmp(b, q, ipEnd, missing, out, DecodeAnomaly.ICMPV6_TRUNCATED);
            case P_SCTP -> sctp(b, q, ipEnd, missing, out);
            case P_GRE -> tunnels.gre(b, q, ipEnd, missing, cut, out);
            case P_IPIP -> tunnels.enter(out, out.ipVersion == 4 ? TunnelKind.IPV4_IN_IPV4 : TunnelKind.IPV4_IN_IPV6, -1, -1)
                    && ipv4(b, q, ipEnd, cut, out);
            case P_IPV6 -> tunnels.enter(out, out.ipVersion == 4 ? TunnelKind.IPV6_IN_IPV4 : TunnelKind.IPV6_IN_IPV6, -1, -1)
                    && ipv6(b, q, ipEnd, cut, out);
            case P_MPLS -> tunnels.enter(out, TunnelKind.MPLS_IN_IP, -1, -1) && mpls.decode(b, q, ipEnd, cut, out);
            case P_L2TPV3 -> tunnels.l2tpv3(b, q, ipEnd, missing, cut, out);
            case P_ETHERIP -> EtherIp.etherip(tunnels, this, b, q, ipEnd, cut, out);
            case P_AH -> ipv4Ah(b, q, ipEnd, missing, cut, out);
            case P_ESP -> EspNull.decode(this, tunnels, b, q, ipEnd, missing, cut, out, -1);
            default -> {
                payload(out, q, ipEnd, missing);
                yield true;
            }
        };
    }

    /**
     * Steps over IPv4 Authentication Headers (RFC 4302; IPv6's come in {@link #ipv6}'s header chain):
     * AH authenticates without encrypting, so what it protects is read as if it were not there, and
     * {@link DecodedPacket#ipsecAh} tells the reassembly that a host without a security association
     * drops the packet. Linux's {@code xfrm4} takes nested AH (a bundle of two associations), so up to
     * {@link #MAX_IPV6_EXT_HEADERS} are stepped over, as many as IPv6's chain. The integrity check
     * value is not checked (no keys).
     */
    private boolean ipv4Ah(byte[] b, int q, int ipEnd, int missing, int cut, DecodedPacket out) {
        int next = P_AH;
        for (int i = 0; i < MAX_IPV6_EXT_HEADERS && next == P_AH; i++) {
            if (ipEnd - q < AH_MIN_LEN) {
                return anomaly(out, DecodeAnomaly.AH_TRUNCATED);
            }
            int hl = ((b[q + AH_LEN] & 0xff) + 2) * 4;
            if (hl < AH_MIN_LEN || ipEnd - q < hl) {
                return anomaly(out, DecodeAnomaly.AH_TRUNCATED);
            }
            out.ipsecAh = true;
            next = b[q + AH_NEXT] & 0xff;
            q += hl;
        }
        if (next == P_AH) {
            return anomaly(out, DecodeAnomaly.AH_TOO_MANY);
        }
        out.proto = next;
        return transport(next, b, q, ipEnd, missing, cut, out);
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
        if (tunnels.plain(b, sport, dport, p, udpEnd, udpMissing)) {
            return true;
        }
        // Judged here, taken into account only if a tunnel is entered (Tunnels.enter); as for GRE's
        // checksum, only on whole datagrams in packets a 1,500-byte path carries (larger ones may be
        // offloaded merges, GRO, captured before their checksum is filled in).
        out.udpChecksumWrong = udpMissing == 0 && ipEnd - out.ipOff <= MAX_CHECKED_PACKET && Checksums.udpWrong(b, out, q, udpEnd);
        return tunnels.udp(b, q, sport, dport, p, udpEnd, udpMissing, cut, out);
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

    // ---- helpers ----

    static boolean anomaly(DecodedPacket out, DecodeAnomaly a) {
        if (out.anomaly == null) {
            out.anomaly = a;
        }
        return false;
    }

    static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    static int i32(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }
}
