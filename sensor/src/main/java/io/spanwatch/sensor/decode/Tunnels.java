package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.PacketDecoder.anomaly;
import static io.spanwatch.sensor.decode.PacketDecoder.payload;
import static io.spanwatch.sensor.decode.PacketDecoder.u16;

/**
 * Removes the tunnel headers {@link PacketDecoder} meets and hands the packet inside back to it:
 * GRE (version 0 with IP, Ethernet, VLAN, MPLS, ERSPAN I/II/III, Aruba 802.11 or WCCP payloads; version 1
 * with PPTP's PPP: {@link Gre}), IP-in-IP, L2TP version 3 (RFC 3931) carrying Ethernet pseudowires
 * (RFC 4719) straight over IP (protocol 115) and in UDP ({@link L2tp}), and in UDP: VXLAN, VXLAN-GPE,
 * Geneve, GRE (RFC 8086), MPLS (RFC 7510), Teredo, GTP-U, AYIYA, CAPWAP's data channel (802.3 or
 * 802.11 frames between access points and their controller), TZSP ({@link Tzsp}), HP's remote mirroring
 * ({@link HpErm}), LISP's data plane ({@link Lisp}), IPsec ESP with NULL encryption in UDP (NAT traversal,
 * {@link EspNull}) and L2TP version 2
 * (PPP between an access concentrator and a network server; {@link L2tp}). MPLS in IP (protocol 137)
 * is entered by {@link PacketDecoder} itself; the label stack inside any of these is read by
 * {@link Mpls}, whose anomalies a malformed one gets.
 *
 * <p>UDP tunnels are found by port (a few compares per datagram against the configured ports) and
 * Teredo and GTP-U also by content on any other port, with checks strict enough that other UDP
 * payloads are not taken for them:
 * <ul>
 *   <li>Teredo (RFC 4380; Suricata's {@code decode-teredo.c}, Zeek's teredo analyzer): an optional
 *       authentication indicator (0x0001, then client id, authenticator, nonce and confirmation), an
 *       optional origin indication (0x0000, 8 bytes), then an IPv6 header whose version is 6, hop limit
 *       not 0, and payload length exactly what the UDP datagram has left (a hop-by-hop header needs 8
 *       bytes). Off Teredo's ports one of the two addresses must also be a Teredo address
 *       (2001:0::/32, or 3ffe:831f::/32 of early clients), as Zeek's detection pattern requires, and
 *       the next header a common one.</li>
 *   <li>GTP-U (3GPP TS 29.281): version 1, protocol type GTP, message type G-PDU (255); the length
 *       covers sequence/N-PDU/next-extension fields and the extension header chain (each a length in
 *       4-byte units, not 0, ending with the next type); the payload is IPv4 or IPv6. Off GTP-U's
 *       ports the length must be exactly the datagram's and the inner IP length exactly the rest.</li>
 * </ul>
 * On a tunnel's own port a malformed header is a named anomaly ({@code decoder.gtpu.*},
 * {@code decoder.teredo.pkt_too_small}, ...); off its ports a payload that does not pass is plain UDP.
 *
 * <p>L2TPv3 does not say how long its cookie and sublayer are (the routers are configured with them):
 * unless {@link TunnelConfig} fixes them they are found from the Ethernet frame that must follow
 * ({@link L2tp}).
 *
 * <p>Every tunnel removed is counted in {@link DecodedPacket#tunnelDepth}, its headers recorded in
 * {@link DecodedPacket#decaps} and the length fields around the inner packet in
 * {@link DecodedPacket#encapLengths}. Immutable after construction; shared like its decoder.
 */
final class Tunnels {
    // What a UDP port carries (the port table's values).
    private static final int U_NONE = 0;
    private static final int U_VXLAN = 1;
    private static final int U_GENEVE = 2;
    private static final int U_TEREDO = 3;
    private static final int U_GTPU = 4;
    private static final int U_GRE = 5;
    private static final int U_AYIYA = 6;
    private static final int U_MPLS = 7;
    private static final int U_CAPWAP = 8;
    private static final int U_L2TP = 9;
    private static final int U_VXLAN_GPE = 10;
    private static final int U_TZSP = 11;
    private static final int U_HP_ERM = 12;
    private static final int U_LISP = 13;
    private static final int U_ESP = 14;

    // IPv6 header fields (Teredo)
    private static final int IPV6_HLEN = 40;
    private static final int IPV6_PLEN = 4;
    private static final int IPV6_NEXT = 6;
    private static final int IPV6_HLIM = 7;
    private static final int IPV6_SRC = 8;
    private static final int IPV6_DST = 24;
    // Teredo
    /** Authentication indicator without its id and value: 4-byte header, 8-byte nonce, confirmation byte. */
    private static final int TEREDO_AUTH_FIXED = 4 + 8 + 1;
    private static final int TEREDO_ORIGIN_LEN = 8;
    // GTP-U
    private static final int GTP_HLEN = 8;
    private static final int GTP_OPT_LEN = 4;
    private static final int GTP_FLAG_PT = 0x10;
    private static final int GTP_FLAG_E = 0x04;
    private static final int GTP_OPT_FLAGS = 0x07;
    private static final int GTP_G_PDU = 0xff;
    /** Most GTP-U extension headers walked. */
    static final int MAX_GTPU_EXT_HEADERS = 16;
    // AYIYA
    private static final int AYIYA_HLEN = 8;
    private static final int AYIYA_OP_FORWARD = 1;
    // CAPWAP data (RFC 5415 §4.3): flag bits of the header's first word
    private static final int CAPWAP_HLEN = 8;
    private static final int CAPWAP_T = 1 << 8;
    private static final int CAPWAP_F = 1 << 7;
    private static final int CAPWAP_L = 1 << 6;
    private static final int CAPWAP_K = 1 << 3;
    private static final int CAPWAP_RESERVED = 0x7;
    private static final int CAPWAP_WBID_IEEE80211 = 1;
    // VXLAN, Geneve
    private static final int VXLAN_HLEN = 8;
    private static final int VXLAN_FLAG_I = 0x08;
    // VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe): flags R R Ver(2) I P B O, 2 reserved bytes, next protocol,
    // VNI (3 bytes), reserved byte; next protocols from the registry NSH and LISP-GPE share
    private static final int VXLAN_GPE_VERSION = 0x30;
    private static final int VXLAN_GPE_FLAG_P = 0x04;
    private static final int VXLAN_GPE_FLAG_O = 0x01;
    private static final int VXLAN_GPE_NEXT = 3;
    static final int GPE_IPV4 = 1;
    static final int GPE_IPV6 = 2;
    static final int GPE_ETHERNET = 3;
    static final int GPE_NSH = 4;
    private static final int GPE_MPLS = 5;
    private static final int GENEVE_HLEN = 8;
    private static final int GENEVE_PROTO = 2;
    // IEEE 802.11, as Aruba's GRE, CAPWAP, TZSP and radiotap carry it
    private static final int WLAN_HLEN = 24;
    private static final int WLAN_ADDR4_LEN = 6;
    private static final int WLAN_QOS_LEN = 2;
    private static final int WLAN_HTC_LEN = 4;
    private static final int LLC_SNAP_LEN = 8;

    private final PacketDecoder dec;
    private final int maxDepth;
    /**
     * The configured tunnel ports and what each carries, highest precedence first; the first
     * {@link #eitherSide} entries (Teredo, GTP-U, AYIYA, CAPWAP, L2TP, HP ERM, ESP in UDP) count on either side, the rest as destination
     * only. A few compares: cheaper on the capture thread than a 64 Ki-entry table that misses the cache.
     */
    private final int[] ports;
    private final byte[] kinds;
    private final int eitherSide;
    /** One bit per configured destination port, and per either-side port, at {@link #bit}: a quick "maybe". */
    private final long destMask;
    private final long sourceMask;
    private final boolean teredoAnyPort;
    private final boolean gtpuAnyPort;
    /** GRE and PPTP, over IP and in UDP. */
    private final Gre gre;
    /** L2TP version 2 in UDP, version 3 over IP and in UDP. */
    private final L2tp l2tp;

    Tunnels(PacketDecoder dec, TunnelConfig c) {
        this.dec = dec;
        this.maxDepth = c.maxDepth();
        this.teredoAnyPort = c.teredoAnyPort();
        this.gtpuAnyPort = c.gtpuAnyPort();
        this.gre = new Gre(this, dec);
        this.l2tp = new L2tp(this, dec, c);
        // A port named for two kinds belongs to the first listed here. VXLAN, VXLAN-GPE, Geneve, GRE-in-UDP
        // and MPLS-in-UDP are recognised on the destination port only (their source port is a flow hash).
        java.util.List<int[]> list = new java.util.ArrayList<>();
        add(list, c.gtpuPorts(), U_GTPU);
        add(list, c.teredoPorts(), U_TEREDO);
        add(list, c.ayiyaPorts(), U_AYIYA);
        add(list, c.capwapPorts(), U_CAPWAP);
        add(list, c.l2tpPorts(), U_L2TP);
        add(list, c.hpErmPorts(), U_HP_ERM);
        add(list, c.espUdpPorts(), U_ESP);
        this.eitherSide = list.size();
        add(list, c.greUdpPorts(), U_GRE);
        add(list, c.genevePorts(), U_GENEVE);
        add(list, c.vxlanPorts(), U_VXLAN);
        add(list, c.vxlanGpePorts(), U_VXLAN_GPE);
        add(list, c.mplsUdpPorts(), U_MPLS);
        add(list, c.tzspPorts(), U_TZSP);
        add(list, c.lispPorts(), U_LISP);
        this.ports = new int[list.size()];
        this.kinds = new byte[list.size()];
        long dest = 0;
        long source = 0;
        for (int i = 0; i < ports.length; i++) {
            ports[i] = list.get(i)[0];
            kinds[i] = (byte) list.get(i)[1];
            dest |= 1L << bit(ports[i]);
            if (i < eitherSide) {
                source |= 1L << bit(ports[i]);
            }
        }
        this.destMask = dest;
        this.sourceMask = source;
    }

    /** Spreads ports over 64 bits (Fibonacci hashing). */
    private static int bit(int port) {
        return (port * 0x9e3779b1) >>> 26;
    }

    /**
     * Tells, in a few instructions, that a UDP datagram carries no tunnel: none of its ports can be a
     * tunnel port, and its payload does not start as Teredo or GTP-U found by content would (first
     * byte, then one length compare). Nearly every other datagram stops here, so the capture thread
     * pays almost nothing for tunnels it does not see; the rest go to {@link #udp}.
     */
    boolean plain(byte[] b, int sport, int dport, int p, int end, int missing) {
        if ((destMask >>> bit(dport) & 1) != 0 || (sourceMask >>> bit(sport) & 1) != 0) {
            return false;
        }
        int n = end - p;
        if (n < GTP_HLEN + 20) {
            return true;
        }
        int first = b[p] & 0xff;
        int announced = n + missing;
        if ((first & 0xf0) == 0x60) { // an IPv6 header that fills the datagram: Teredo without indicators
            return !teredoAnyPort || n < IPV6_HLEN || IPV6_HLEN + u16(b, p + IPV6_PLEN) != announced;
        }
        if (first == 0) { // Teredo's authentication indicator or origin indication
            return !teredoAnyPort || n < IPV6_HLEN || (b[p + 1] & 0xfe) != 0;
        }
        if ((first & 0xf8) == 0x30) { // GTP-U version 1: a G-PDU whose length is the rest of the datagram
            return !gtpuAnyPort || (b[p + 1] & 0xff) != GTP_G_PDU || GTP_HLEN + u16(b, p + 2) != announced;
        }
        return true;
    }

    private static void add(java.util.List<int[]> list, java.util.List<Integer> ports, int kind) {
        for (int port : ports) {
            list.add(new int[] {port, kind});
        }
    }

    /** Returns what the datagram's destination port, else its source port, is configured to carry. */
    private int kindOf(int sport, int dport) {
        int[] p = ports;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == dport) {
                return kinds[i];
            }
        }
        for (int i = 0; i < eitherSide; i++) {
            if (p[i] == sport) {
                return kinds[i];
            }
        }
        return U_NONE;
    }

    // ---- entering a tunnel ----

    /**
     * Counts one more tunnel of {@code kind} around what follows, with the length fields of the
     * enclosing IP header, UDP header ({@code udpOff}, -1 if none) and GTP-U header ({@code gtpOff}).
     */
    boolean enter(DecodedPacket out, TunnelKind kind, int udpOff, int gtpOff) {
        if (out.tunnelDepth >= maxDepth) {
            return anomaly(out, DecodeAnomaly.TUNNEL_TOO_DEEP);
        }
        if (out.ipv4ChecksumWrong) {
            // The tunnel's end checks the IPv4 header that carries the tunnel before it decapsulates
            // (Linux ip_rcv_core; routers, RFC 1812 5.2.2) and drops the packet: what it carries never
            // reaches its host. The inner packet's own checks do not see this header (the fourth
            // evasion review hid a decoy in GRE so).
            return anomaly(out, DecodeAnomaly.IPV4_INVALID_CHECKSUM);
        }
        if (udpOff >= 0 && out.udpChecksumWrong) {
            // Linux verifies a UDP checksum before it gives the datagram to a tunnel's encap_rcv
            // (udp_queue_rcv_one_skb), and a tunnel end in user space (a Teredo client, xl2tpd) never
            // reads such a datagram from its socket: the sixth evasion review hid decoys so.
            return anomaly(out, DecodeAnomaly.UDP_INVALID_CHECKSUM);
        }
        out.tunnelDepth++;
        decap(out, kind);
        recordOuter(out, udpOff);
        if (gtpOff >= 0) {
            EncapLengths.record(out, EncapLengths.GTPU, gtpOff + 2);
        }
        return true;
    }

    static void decap(DecodedPacket out, TunnelKind kind) {
        if (out.decapCount < out.decaps.length) {
            out.decaps[out.decapCount++] = (byte) kind.ordinal();
        }
    }

    // ---- over IP ----

    /** Decodes GRE straight over IP (protocol 47; {@link Gre}). */
    boolean gre(byte[] b, int q, int ipEnd, int missing, int cut, DecodedPacket out) {
        return gre.decode(b, q, ipEnd, missing, cut, out, -1);
    }

    /** Decodes L2TPv3 straight over IP (protocol 115; {@link L2tp}). */
    boolean l2tpv3(byte[] b, int p, int ipEnd, int missing, int cut, DecodedPacket out) {
        return l2tp.ip(b, p, ipEnd, missing, cut, out);
    }

    // ---- UDP ----

    /**
     * Decodes the tunnel a UDP datagram carries, if any. {@code [p, end)} is its payload as captured,
     * {@code missing} the bytes of it the capture cut; returns true for a plain datagram.
     */
    boolean udp(byte[] b, int udpOff, int sport, int dport, int p, int end, int missing, int cut, DecodedPacket out) {
        return switch (kindOf(sport, dport)) {
            case U_VXLAN -> vxlan(b, udpOff, p, end, cut, out);
            case U_VXLAN_GPE -> vxlanGpe(b, udpOff, p, end, cut, out);
            case U_GENEVE -> geneve(b, udpOff, p, end, cut, out);
            case U_GRE -> gre.decode(b, p, end, missing, cut, out, udpOff);
            case U_TEREDO -> teredo(b, udpOff, p, end, missing, cut, out, false);
            case U_GTPU -> gtpu(b, udpOff, p, end, missing, cut, out, false);
            case U_AYIYA -> ayiya(b, udpOff, p, end, missing, cut, out);
            case U_CAPWAP -> capwap(b, udpOff, p, end, missing, cut, out);
            case U_L2TP -> l2tp.udp(b, udpOff, p, end, missing, cut, out);
            case U_MPLS -> enter(out, TunnelKind.MPLS_IN_UDP, udpOff, -1) && dec.mpls(b, p, end, cut, out);
            case U_TZSP -> Tzsp.decode(this, dec, b, udpOff, p, end, cut, out);
            case U_HP_ERM -> HpErm.decode(this, dec, b, udpOff, p, end, missing, cut, out);
            case U_LISP -> Lisp.decode(this, dec, b, udpOff, p, end, cut, out);
            case U_ESP -> EspNull.udp(dec, this, b, udpOff, p, end, missing, cut, out);
            default -> anyPort(b, udpOff, p, end, missing, cut, out);
        };
    }

    /** Off every tunnel port, for a datagram {@link #plain} let through: only what passes the strict checks. */
    private boolean anyPort(byte[] b, int udpOff, int p, int end, int missing, int cut, DecodedPacket out) {
        if (end - p < GTP_HLEN + 20) {
            return true;
        }
        if ((b[p] & 0xf8) == 0x30) {
            return !gtpuAnyPort || gtpu(b, udpOff, p, end, missing, cut, out, true);
        }
        return !teredoAnyPort || teredo(b, udpOff, p, end, missing, cut, out, true);
    }

    private boolean vxlan(byte[] b, int udpOff, int p, int end, int cut, DecodedPacket out) {
        if (end - p < VXLAN_HLEN) {
            return anomaly(out, DecodeAnomaly.VXLAN_TRUNCATED);
        }
        if ((b[p] & VXLAN_FLAG_I) == 0) {
            return true; // no valid VNI: not VXLAN, keep the UDP datagram
        }
        return enter(out, TunnelKind.VXLAN, udpOff, -1) && dec.ethernet(b, p + VXLAN_HLEN, end, cut, out);
    }

    /**
     * Decodes a VXLAN-GPE header (draft-ietf-nvo3-vxlan-gpe) and what it carries: the I flag set (a
     * valid VNI), else not VXLAN-GPE and the datagram stays UDP, as VXLAN's; version 0, else the
     * anomaly {@code decoder.vxlan_gpe.unsupported_version}; with the P flag the next protocol names the
     * payload: IPv4, IPv6, Ethernet, NSH (read as after its EtherType) or MPLS, anything else the anomaly
     * {@code decoder.vxlan_gpe.unknown_payload_type}; without it the payload is Ethernet, as in VXLAN.
     * The O (OAM) flag makes it {@code decoder.vxlan_gpe.oam}: the tunnel end keeps such a packet for
     * itself. The B (broadcast) flag changes nothing here.
     */
    private boolean vxlanGpe(byte[] b, int udpOff, int p, int end, int cut, DecodedPacket out) {
        if (end - p < VXLAN_HLEN) {
            return anomaly(out, DecodeAnomaly.VXLAN_GPE_TRUNCATED);
        }
        int flags = b[p] & 0xff;
        if ((flags & VXLAN_FLAG_I) == 0) {
            return true; // no valid VNI: not VXLAN-GPE, keep the UDP datagram (checked first, so that
                         // another protocol on the port is not named a VXLAN-GPE anomaly)
        }
        if ((flags & VXLAN_GPE_VERSION) != 0) {
            return anomaly(out, DecodeAnomaly.VXLAN_GPE_UNSUPPORTED_VERSION);
        }
        if ((flags & VXLAN_GPE_FLAG_O) != 0) {
            // "OAM processing MUST occur" (the draft, 3.2): the tunnel end reads it, never hands it to the
            // tenant; Linux's vxlan_parse_gpe_proto drops it. So a segment inside is not the host's.
            return anomaly(out, DecodeAnomaly.VXLAN_GPE_OAM);
        }
        int next = (flags & VXLAN_GPE_FLAG_P) != 0 ? b[p + VXLAN_GPE_NEXT] & 0xff : GPE_ETHERNET;
        if (next < GPE_IPV4 || next > GPE_MPLS) {
            return anomaly(out, DecodeAnomaly.VXLAN_GPE_UNKNOWN_PAYLOAD);
        }
        if (!enter(out, TunnelKind.VXLAN_GPE, udpOff, -1)) {
            return false;
        }
        int q = p + VXLAN_HLEN;
        return switch (next) {
            case GPE_IPV4 -> dec.ipv4(b, q, end, cut, out);
            case GPE_IPV6 -> dec.ipv6(b, q, end, cut, out);
            case GPE_ETHERNET -> dec.ethernet(b, q, end, cut, out);
            case GPE_NSH -> LinkLayers.nsh(dec, b, q, end, cut, out);
            default -> dec.mpls(b, q, end, cut, out);
        };
    }

    /** Decodes a Geneve header (version 0, options skipped) and its Ethernet, IP or MPLS payload. */
    private boolean geneve(byte[] b, int udpOff, int p, int end, int cut, DecodedPacket out) {
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
            case PacketDecoder.ETH_TEB -> enter(out, TunnelKind.GENEVE, udpOff, -1) && dec.ethernet(b, q, end, cut, out);
            case PacketDecoder.ETH_IPV4 -> enter(out, TunnelKind.GENEVE, udpOff, -1) && dec.ipv4(b, q, end, cut, out);
            case PacketDecoder.ETH_IPV6 -> enter(out, TunnelKind.GENEVE, udpOff, -1) && dec.ipv6(b, q, end, cut, out);
            // Geneve names its payload by EtherType, so MPLS (a pseudowire or labelled IP) rides it too
            case PacketDecoder.ETH_MPLS_UC, PacketDecoder.ETH_MPLS_MC -> enter(out, TunnelKind.GENEVE, udpOff, -1) && dec.mpls(b, q, end, cut, out);
            default -> true;
        };
    }

    /**
     * Decodes a Teredo datagram: authentication indicator and origin indication (each optional, in
     * that order), then an IPv6 packet that fills the datagram exactly. {@code strict}: off Teredo's
     * ports, where a Teredo address must also be present and nothing is an anomaly.
     */
    private boolean teredo(byte[] b, int udpOff, int p, int end, int missing, int cut, DecodedPacket out, boolean strict) {
        int announcedEnd = end + missing;
        int q = p;
        if (end - q >= 2 && b[q] == 0 && b[q + 1] == 1) {
            if (end - q < 4) {
                return strict || missing > 0 || anomaly(out, DecodeAnomaly.TEREDO_TRUNCATED);
            }
            int n = TEREDO_AUTH_FIXED + (b[q + 2] & 0xff) + (b[q + 3] & 0xff);
            if (announcedEnd - q < n + IPV6_HLEN) {
                return strict || anomaly(out, DecodeAnomaly.TEREDO_TRUNCATED);
            }
            q += n;
        }
        if (end - q >= 2 && b[q] == 0 && b[q + 1] == 0) {
            if (announcedEnd - q < TEREDO_ORIGIN_LEN + IPV6_HLEN) {
                return strict || anomaly(out, DecodeAnomaly.TEREDO_TRUNCATED);
            }
            q += TEREDO_ORIGIN_LEN;
        }
        if (end - q < IPV6_HLEN || (b[q] & 0xf0) != 0x60 || b[q + IPV6_HLIM] == 0) {
            return true;
        }
        int plen = u16(b, q + IPV6_PLEN);
        int next = b[q + IPV6_NEXT] & 0xff;
        if (IPV6_HLEN + plen != announcedEnd - q || (next == PacketDecoder.P_HOPOPTS && plen < 8)) {
            return true;
        }
        if (strict && (!commonNextHeader(next) || !(teredoAddress(b, q + IPV6_SRC) || teredoAddress(b, q + IPV6_DST)))) {
            return true;
        }
        return enter(out, TunnelKind.TEREDO, udpOff, -1) && dec.ipv6(b, q, end, cut, out);
    }

    /** Tells whether an IPv6 address is a Teredo address: 2001:0::/32 (RFC 4380), or 3ffe:831f::/32 of early clients. */
    private static boolean teredoAddress(byte[] b, int at) {
        return (b[at] == 0x20 && b[at + 1] == 0x01 && b[at + 2] == 0 && b[at + 3] == 0)
                || (b[at] == 0x3f && b[at + 1] == (byte) 0xfe && b[at + 2] == (byte) 0x83 && b[at + 3] == 0x1f);
    }

    private static boolean commonNextHeader(int next) {
        return switch (next) {
            case PacketDecoder.P_TCP, PacketDecoder.P_UDP, PacketDecoder.P_ICMPV6, PacketDecoder.P_NONE, PacketDecoder.P_HOPOPTS,
                 PacketDecoder.P_ROUTING, PacketDecoder.P_FRAGMENT, PacketDecoder.P_DSTOPTS -> true;
            default -> false;
        };
    }

    /**
     * Decodes a GTP-U datagram carrying a user packet (G-PDU). Signalling messages (echo, error
     * indication, end marker) stay plain UDP. {@code strict}: off GTP-U's ports, where the lengths must
     * agree exactly and nothing is an anomaly.
     */
    private boolean gtpu(byte[] b, int udpOff, int p, int end, int missing, int cut, DecodedPacket out, boolean strict) {
        int announcedEnd = end + missing;
        if (end - p < GTP_HLEN) {
            return strict || missing > 0 || anomaly(out, DecodeAnomaly.GTPU_TRUNCATED);
        }
        int flags = b[p] & 0xff;
        if (flags >> 5 != 1 || (flags & GTP_FLAG_PT) == 0) {
            return strict || anomaly(out, DecodeAnomaly.GTPU_UNSUPPORTED_VERSION); // GTP', GTPv0 and GTPv2 are not GTP-U
        }
        int gtpEnd = p + GTP_HLEN + u16(b, p + 2);
        if (gtpEnd > announcedEnd || (strict && gtpEnd != announcedEnd)) {
            return strict || anomaly(out, DecodeAnomaly.GTPU_LEN_INVALID);
        }
        if ((b[p + 1] & 0xff) != GTP_G_PDU) {
            return true; // signalling on the user plane
        }
        int q = p + GTP_HLEN;
        if ((flags & GTP_OPT_FLAGS) != 0) {
            if (gtpEnd - q < GTP_OPT_LEN) {
                return strict || anomaly(out, DecodeAnomaly.GTPU_LEN_INVALID);
            }
            if (end - q < GTP_OPT_LEN) {
                return true; // cut by the capture
            }
            int next = (flags & GTP_FLAG_E) != 0 ? b[q + 3] & 0xff : 0;
            q += GTP_OPT_LEN;
            for (int i = 0; next != 0; i++) {
                if (i == MAX_GTPU_EXT_HEADERS) {
                    return strict || anomaly(out, DecodeAnomaly.GTPU_TOO_MANY_EXT_HDRS);
                }
                if (gtpEnd - q < 4) { // an extension header has at least its length, 2 bytes and the next type
                    return strict || anomaly(out, DecodeAnomaly.GTPU_EXT_HDR_INVALID);
                }
                if (end - q < 1) {
                    return true; // cut by the capture
                }
                int n = (b[q] & 0xff) * 4;
                if (n == 0 || n > gtpEnd - q) {
                    return strict || anomaly(out, DecodeAnomaly.GTPU_EXT_HDR_INVALID);
                }
                if (n > end - q) {
                    return true;
                }
                next = b[q + n - 1] & 0xff;
                q += n;
            }
        }
        if (q >= gtpEnd || q >= end) {
            return true; // no user packet (or cut before it)
        }
        int version = (b[q] & 0xf0) >> 4;
        if (version != 4 && version != 6) {
            return strict || anomaly(out, DecodeAnomaly.GTPU_UNKNOWN_PAYLOAD);
        }
        if (strict && !fillsExactly(b, q, end, gtpEnd, version)) {
            return true;
        }
        int innerEnd = Math.min(gtpEnd, end);
        if (!enter(out, TunnelKind.GTPU, udpOff, p)) {
            return false;
        }
        return version == 4 ? dec.ipv4(b, q, innerEnd, cut, out) : dec.ipv6(b, q, innerEnd, cut, out);
    }

    /** Tells whether the IP header at {@code q} (captured up to {@code end}) announces exactly {@code [q, until)}. */
    private static boolean fillsExactly(byte[] b, int q, int end, int until, int version) {
        if (version == 4) {
            return end - q >= 20 && (b[q] & 0x0f) >= 5 && u16(b, q + 2) == until - q;
        }
        return end - q >= IPV6_HLEN && u16(b, q + IPV6_PLEN) != 0 && IPV6_HLEN + u16(b, q + IPV6_PLEN) == until - q;
    }

    /**
     * Decodes an AYIYA datagram: identity and signature lengths from the header, operation "forward"
     * with next header 41 (IPv6) or 4 (IPv4); other operations (heartbeats, echoes) stay plain UDP.
     */
    private boolean ayiya(byte[] b, int udpOff, int p, int end, int missing, int cut, DecodedPacket out) {
        if (end - p < AYIYA_HLEN) {
            return missing > 0 || anomaly(out, DecodeAnomaly.AYIYA_TRUNCATED);
        }
        int identity = 1 << ((b[p] & 0xf0) >> 4);
        int signature = ((b[p + 1] & 0xf0) >> 4) * 4;
        int q = p + AYIYA_HLEN + identity + signature;
        if (q > end + missing) {
            return anomaly(out, DecodeAnomaly.AYIYA_TRUNCATED);
        }
        if ((b[p + 2] & 0x0f) != AYIYA_OP_FORWARD || q >= end) {
            return true;
        }
        return switch (b[p + 3] & 0xff) {
            case PacketDecoder.P_IPV6 -> enter(out, TunnelKind.AYIYA, udpOff, -1) && dec.ipv6(b, q, end, cut, out);
            case PacketDecoder.P_IPIP -> enter(out, TunnelKind.AYIYA, udpOff, -1) && dec.ipv4(b, q, end, cut, out);
            default -> anomaly(out, DecodeAnomaly.AYIYA_UNKNOWN_PAYLOAD);
        };
    }

    /**
     * Decodes a CAPWAP data message (RFC 5415 §4.3) as access points send them: preamble version 0,
     * type 0 (type 1 is DTLS, encrypted); the header's length (HLEN, in 4-byte words, with the radio
     * MAC and wireless information when present); wireless binding 1, IEEE 802.11 (RFC 5416); the
     * reserved flags clear. Then an IEEE 802.3 frame carrying IP or ARP (T clear) or an IEEE 802.11
     * frame (T set). Anything else, keep-alives (K) and a port shared with another protocol included,
     * stays plain UDP. A fragment (F) is described for {@link CapwapReassembler} (the fragment id, the
     * offset of its data, the last-fragment bit L), which puts the message back together and hands it
     * to the decoder again; a fragment cut by the snap length is the anomaly
     * {@code decoder.capwap.fragment_not_reassembled}.
     */
    private boolean capwap(byte[] b, int udpOff, int p, int end, int missing, int cut, DecodedPacket out) {
        if (end - p < CAPWAP_HLEN || b[p] != 0) {
            return true;
        }
        int word = u16(b, p) << 16 | u16(b, p + 2);
        int hlen = (word >>> 19 & 0x1f) * 4;
        if (hlen < CAPWAP_HLEN || hlen >= end - p || (word >>> 9 & 0x1f) != CAPWAP_WBID_IEEE80211 || (word & CAPWAP_RESERVED) != 0
                || (word & CAPWAP_K) != 0) {
            return true;
        }
        if ((word & CAPWAP_F) != 0) {
            if (missing > 0) {
                return anomaly(out, DecodeAnomaly.CAPWAP_FRAGMENT); // cut by the snap length: its data is not all here
            }
            // Put back together by CapwapReassembler before the message inside is decoded.
            out.capwapFragment = true;
            out.capwapHeaderOff = p;
            out.capwapDataOff = p + hlen;
            out.capwapDataEnd = end;
            out.capwapFragId = u16(b, p + 4);
            out.capwapFragOffset = (u16(b, p + 6) >>> 3) * 8;
            out.capwapLast = (word & CAPWAP_L) != 0;
            recordOuter(out, udpOff);
            return true;
        }
        int q = p + hlen;
        if ((word & CAPWAP_T) != 0) {
            return end - q < WLAN_HLEN || ieee80211(b, q, end, cut, out, udpOff, TunnelKind.CAPWAP);
        }
        if (end - q < 14) {
            return true;
        }
        return switch (u16(b, q + 12)) {
            case PacketDecoder.ETH_IPV4, PacketDecoder.ETH_IPV6, PacketDecoder.ETH_VLAN, PacketDecoder.ETH_ARP ->
                    enter(out, TunnelKind.CAPWAP, udpOff, -1) && dec.ethernet(b, q, end, cut, out);
            default -> true;
        };
    }

    /** Records the length fields of the enclosing IP header and UDP header ({@code udpOff}, -1 if none). */
    private static void recordOuter(DecodedPacket out, int udpOff) {
        EncapLengths.record(out, out.ipVersion == 4 ? EncapLengths.IPV4 : EncapLengths.IPV6,
                out.ipOff + (out.ipVersion == 4 ? 2 : 4));
        if (udpOff >= 0) {
            EncapLengths.record(out, EncapLengths.UDP, udpOff + 4);
        }
    }

    /**
     * Decodes an IEEE 802.11 data frame (three or four addresses, QoS, HT control) carrying LLC/SNAP,
     * inside {@code via}: GRE as Aruba access points tunnel them, CAPWAP as other controllers' do, or
     * null for the capture's link layer (no tunnel entered). Management, control, null and protected
     * (encrypted) frames stay what carried them. Inside CAPWAP a frame control field whose two bytes
     * were sent swapped, as some Cisco access points do (Wireshark's default for CAPWAP), is read the
     * other way round when only that way names a data frame. For an A-MSDU the first subframe is
     * decoded and the others are marked for the capture thread ({@link DecodedPacket#amsduNext}).
     */
    boolean ieee80211(byte[] b, int p, int end, int cut, DecodedPacket out, int udpOff, TunnelKind via) {
        if (end - p < WLAN_HLEN) {
            return anomaly(out, DecodeAnomaly.IEEE802_11_TRUNCATED);
        }
        int fc0 = b[p] & 0xff;
        int fc1 = b[p + 1] & 0xff;
        if (via == TunnelKind.CAPWAP && (fc0 & 0x0f) != 0x08 && (fc1 & 0x0f) == 0x08) {
            fc0 = fc1;
            fc1 = b[p] & 0xff;
        }
        if ((fc0 & 0x0f) != 0x08 || (fc0 & 0x40) != 0 || (fc1 & 0x40) != 0) {
            return true; // not a version-0 data frame, a subtype without data, or encrypted
        }
        int h = WLAN_HLEN + ((fc1 & 0x03) == 0x03 ? WLAN_ADDR4_LEN : 0);
        boolean amsdu = false;
        if ((fc0 & 0x80) != 0) { // QoS data: QoS control, and HT control when the order bit is set
            if (end - p < h + WLAN_QOS_LEN) {
                return anomaly(out, DecodeAnomaly.IEEE802_11_TRUNCATED);
            }
            amsdu = (b[p + h] & 0x80) != 0;
            h += WLAN_QOS_LEN + ((fc1 & 0x80) != 0 ? WLAN_HTC_LEN : 0);
        }
        int q = p + h;
        int frameEnd = end;
        if (amsdu) {
            int len = EncapLengths.subframeLength(b, q, end);
            if (len < 0) {
                return anomaly(out, DecodeAnomaly.IEEE802_11_TRUNCATED);
            }
            out.amsduStart = q;
            out.amsduEnd = end;
            out.amsduNext = EncapLengths.nextSubframe(b, q, end);
            EncapLengths.record(out, EncapLengths.AMSDU, q + 12);
            frameEnd = q + len;
            q += EncapLengths.AMSDU_HLEN;
        }
        boolean truncated = frameEnd - q < LLC_SNAP_LEN;
        // LLC/SNAP with an EtherType: DSAP and SSAP 0xAA, UI, OUI 00-00-00 (RFC 1042) or 00-00-F8 (802.1H).
        if (truncated || b[q] != (byte) 0xaa || b[q + 1] != (byte) 0xaa || b[q + 2] != 3 || b[q + 3] != 0 || b[q + 4] != 0
                || (b[q + 5] != 0 && b[q + 5] != (byte) 0xf8)) {
            if (amsdu && via != null) {
                // The other subframes are rebuilt from this frame: they still need the enclosing
                // headers' length fields, which entering the tunnel would have recorded.
                recordOuter(out, udpOff);
            }
            return truncated ? anomaly(out, DecodeAnomaly.IEEE802_11_TRUNCATED) : true;
        }
        if (via == TunnelKind.GRE) {
            if (!gre.enter(out, udpOff, TunnelKind.IEEE802_11)) {
                return false;
            }
        } else if (via != null) {
            if (!enter(out, via, udpOff, -1)) {
                return false;
            }
            decap(out, TunnelKind.IEEE802_11);
        }
        return dec.etherType(u16(b, q + 6), b, q + LLC_SNAP_LEN, frameEnd, cut, out);
    }
}
