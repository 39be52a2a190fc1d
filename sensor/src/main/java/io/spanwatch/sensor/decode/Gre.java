package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.PacketDecoder.anomaly;
import static io.spanwatch.sensor.decode.PacketDecoder.payload;
import static io.spanwatch.sensor.decode.PacketDecoder.u16;

/**
 * Decodes GRE for {@link Tunnels}, straight over IP (protocol 47) and in UDP (RFC 8086): version 0
 * (RFC 2784, with RFC 2890's key and sequence number) carrying IP, Ethernet, VLAN, MPLS, NSH,
 * ERSPAN I/II/III or Aruba's 802.11 frames ({@link Tunnels#ieee80211}), and version 1, the enhanced
 * GRE of PPTP (RFC 2637) carrying PPP, whose shape MikroTik's EoIP borrows for Ethernet frames
 * ({@link EtherIp}). A version 0 header with the routing bit, or with a checksum
 * that does not add up on a packet of up to {@value #MAX_CHECKED_PACKET} bytes, is dropped as its
 * receiver drops it; payloads it cannot read are kept as GRE. Immutable; shared like its decoder.
 */
final class Gre {
    private static final int GRE_HLEN = 4;
    private static final int GRE_PROTO = 2;
    private static final int GRE_C = 0x8000;
    private static final int GRE_R = 0x4000;
    private static final int GRE_K = 0x2000;
    private static final int GRE_S = 0x1000;
    private static final int GRE_SSR = 0x0800;
    private static final int GRE_RECUR = 0x0700;
    private static final int GRE_A = 0x0080;
    private static final int GRE_V1_RESERVED = 0x0078;
    private static final int GRE_VERSION_MASK = 7;
    /** The largest outer packet whose GRE checksum is judged (an Ethernet MTU; larger ones may be offloaded). */
    private static final int MAX_CHECKED_PACKET = 1500;
    private static final int GRE_PPTP = 0x880b;
    /** WCCP version 2's redirect header (flags, service id, alternate bucket, primary bucket). */
    private static final int WCCP2_REDIRECT_HLEN = 4;
    /** Cisco MetaData in GRE: the payload's protocol type, version, length, option type, SGT. */
    private static final int CMD_GRE_HLEN = 8;
    private static final int ERSPAN2_HLEN = 8;
    private static final int ERSPAN3_HLEN = 12;
    private static final int ERSPAN3_SUBHDR_LEN = 8;

    private final Tunnels tunnels;
    private final PacketDecoder dec;

    Gre(Tunnels tunnels, PacketDecoder dec) {
        this.tunnels = tunnels;
        this.dec = dec;
    }

    /**
     * Tells whether a GRE checksum is wrong on the wire: it does not add up over the captured bytes,
     * nor over the packet the sending end's NIC makes of them when the inner TCP or UDP checksum was
     * left to it ({@link Checksums#partialInner}; IP in GRE, or IP in Ethernet in GRE).
     */
    private static boolean wrongChecksum(byte[] b, int q, int hlen, int ipEnd) {
        long sum = Checksums.sum(b, q, ipEnd - q, 0);
        if (Checksums.fold(sum) == 0xffff) {
            return false;
        }
        int inner = q + hlen;
        int proto = u16(b, q + GRE_PROTO);
        if (proto == PacketDecoder.ETH_TEB && ipEnd - inner >= 14) {
            proto = u16(b, inner + 12);
            inner += 14;
        }
        return (proto != PacketDecoder.ETH_IPV4 && proto != PacketDecoder.ETH_IPV6) || !Checksums.partialInner(b, inner, ipEnd, sum);
    }

    /**
     * Decodes a GRE header and its payload; {@code udpOff} is the UDP header of GRE-in-UDP, -1 for
     * GRE straight over IP. Payloads it cannot read are kept as GRE.
     */
    boolean decode(byte[] b, int q, int ipEnd, int missing, int cut, DecodedPacket out, int udpOff) {
        if (ipEnd - q < GRE_HLEN) {
            return anomaly(out, DecodeAnomaly.GRE_TRUNCATED);
        }
        int flags = u16(b, q);
        int version = flags & GRE_VERSION_MASK;
        payload(out, q + GRE_HLEN, ipEnd, missing);
        if (version == 1) {
            return pptp(b, q, flags, ipEnd, missing, cut, out, udpOff);
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
            // RFC 2784 §2.3: "A receiver MUST discard a packet where any of bits 1-5 are non-zero,
            // unless that receiver implements RFC 1701"; Linux's gre_parse_header refuses the routing
            // bit (-EINVAL), and no router implements RFC 1701's source routes: the inner packet never
            // reaches its host (the third evasion review hid a decoy so)
            return anomaly(out, DecodeAnomaly.GRE_ROUTING);
        }
        if ((flags & GRE_C) != 0 && missing == 0 && ipEnd - out.ipOff <= MAX_CHECKED_PACKET && wrongChecksum(b, q, hlen, ipEnd)) {
            // RFC 2784 §2.2: the checksum covers the GRE header and its payload; Linux's
            // gre_parse_header drops a packet whose checksum is wrong (csum_err). As for TCP, only on
            // packets a 1,500-byte path carries: a capture on the tunnel's own end may show larger
            // offloaded ones before the checksum is filled in.
            return anomaly(out, DecodeAnomaly.GRE_INVALID_CHECKSUM);
        }
        int p = q + hlen;
        payload(out, p, ipEnd, missing);
        int proto = u16(b, q + GRE_PROTO);
        return switch (proto) {
            case PacketDecoder.ETH_IPV4 -> enter(out, udpOff, null) && dec.ipv4(b, p, ipEnd, cut, out);
            case PacketDecoder.ETH_IPV6 -> enter(out, udpOff, null) && dec.ipv6(b, p, ipEnd, cut, out);
            case PacketDecoder.ETH_TEB -> enter(out, udpOff, null) && dec.ethernet(b, p, ipEnd, cut, out);
            case PacketDecoder.ETH_VLAN, PacketDecoder.ETH_QINQ, PacketDecoder.ETH_QINQ_OLD -> enter(out, udpOff, null)
                    && dec.etherType(proto, b, p, ipEnd, cut, out);
            case PacketDecoder.ETH_CMD -> {
                // Cisco MetaData: TrustSec's security group tag on GRE tunnels (DMVPN's inline tagging).
                // In GRE the payload's protocol type comes first, then version, length, option and
                // SGT (Wireshark's dissect_cmd_gre), unlike on Ethernet where it comes last.
                if (ipEnd - p < CMD_GRE_HLEN) {
                    yield anomaly(out, DecodeAnomaly.CMD_TRUNCATED);
                }
                int inner = u16(b, p);
                yield enter(out, udpOff, null) && (inner == PacketDecoder.ETH_TEB ? dec.ethernet(b, p + CMD_GRE_HLEN, ipEnd, cut, out)
                        : dec.etherType(inner, b, p + CMD_GRE_HLEN, ipEnd, cut, out));
            }
            case PacketDecoder.ETH_MPLS_UC, PacketDecoder.ETH_MPLS_MC -> enter(out, udpOff, null) && dec.mpls(b, p, ipEnd, cut, out);
            case PacketDecoder.ETH_NSH -> enter(out, udpOff, null) && LinkLayers.nsh(dec, b, p, ipEnd, cut, out);
            case PacketDecoder.ETH_WCCP -> {
                // A router's WCCP redirect to a web cache or proxy (Cisco's Web Cache Communication
                // Protocol, draft-wilson-wrec-wccp-v2): the client's IPv4 packet, after a 4-byte redirect
                // header in version 2 and straight after GRE in version 1. Linux's ip_gre
                // (gre_parse_header) tells them apart by the next byte, IPv4's version nibble or not, and
                // so does Wireshark. A proxy's mirrored link shows the requests so and its answers as
                // plain IP; flows are keyed without their tunnel, so both make one connection. Linux
                // does so only when no GRE flag is set (a router's redirects have none): with a
                // checksum, key or sequence number the protocol stays 0x883E, which nothing takes.
                // The packet inside is of the carrying header's version (ip6_gre asks for IPv6), and the
                // 4 bytes are skipped unless the next nibble is 4, as the kernel does for both.
                if (flags != 0) {
                    yield true;
                }
                boolean v6 = out.ipVersion == 6;
                int ip = p < ipEnd && (b[p] & 0xf0) != 0x40 ? p + WCCP2_REDIRECT_HLEN : p;
                if (ip >= ipEnd) {
                    yield anomaly(out, DecodeAnomaly.GRE_TRUNCATED);
                }
                yield enter(out, udpOff, TunnelKind.WCCP) && (v6 ? dec.ipv6(b, ip, ipEnd, cut, out) : dec.ipv4(b, ip, ipEnd, cut, out));
            }
            case PacketDecoder.ETH_ERSPAN_2 -> {
                if ((flags & GRE_S) == 0) { // type I: no ERSPAN header
                    yield enter(out, udpOff, TunnelKind.ERSPAN) && dec.ethernet(b, p, ipEnd, cut, out);
                }
                if (ipEnd - p < ERSPAN2_HLEN) {
                    yield anomaly(out, DecodeAnomaly.ERSPAN_TRUNCATED);
                }
                yield enter(out, udpOff, TunnelKind.ERSPAN) && dec.ethernet(b, p + ERSPAN2_HLEN, ipEnd, cut, out);
            }
            case PacketDecoder.ETH_ERSPAN_3 -> {
                if (ipEnd - p < ERSPAN3_HLEN) {
                    yield anomaly(out, DecodeAnomaly.ERSPAN_TRUNCATED);
                }
                int h = ERSPAN3_HLEN + ((b[p + ERSPAN3_HLEN - 1] & 1) != 0 ? ERSPAN3_SUBHDR_LEN : 0);
                if (ipEnd - p < h) {
                    yield anomaly(out, DecodeAnomaly.ERSPAN_TRUNCATED);
                }
                yield enter(out, udpOff, TunnelKind.ERSPAN) && dec.ethernet(b, p + h, ipEnd, cut, out);
            }
            default -> isAruba(proto) ? tunnels.ieee80211(b, p, ipEnd, cut, out, udpOff, TunnelKind.GRE) : true; // other payloads are kept as GRE
        };
    }

    /**
     * Counts a GRE tunnel entered (and GRE-in-UDP's, {@code udpOff} not -1), and records what it
     * carries when that is a tunnel's header too ({@code inside}, else null).
     */
    boolean enter(DecodedPacket out, int udpOff, TunnelKind inside) {
        if (!tunnels.enter(out, TunnelKind.GRE, udpOff, -1)) {
            return false;
        }
        if (udpOff >= 0) {
            Tunnels.decap(out, TunnelKind.GRE_IN_UDP);
        }
        if (inside != null) {
            Tunnels.decap(out, inside);
        }
        return true;
    }

    /** Tells whether a GRE protocol type is one Aruba access points use for 802.11 frames. */
    private static boolean isAruba(int proto) {
        return (proto & 0xff0f) == 0x8200 || ((proto & 0xff0f) == 0x8300 && proto <= 0x8370) || proto == 0x9000;
    }

    /**
     * Decodes enhanced GRE (version 1, RFC 2637) with Suricata's checks, and the PPP frame it carries
     * when that holds IPv4 or IPv6 (address/control and protocol fields possibly compressed). PPP
     * control traffic and compressed or encrypted (MPPE) data stay GRE.
     */
    private boolean pptp(byte[] b, int q, int flags, int ipEnd, int missing, int cut, DecodedPacket out, int udpOff) {
        if (flags == EtherIp.GRE_EOIP_FLAGS && ipEnd - q >= GRE_HLEN && u16(b, q + GRE_PROTO) == EtherIp.GRE_EOIP) {
            return EtherIp.eoip(this, dec, b, q, ipEnd, missing, cut, out, udpOff); // MikroTik's EoIP: enhanced GRE's shape
        }
        DecodeAnomaly bad = (flags & GRE_C) != 0 ? DecodeAnomaly.GRE_V1_CHECKSUM
                : (flags & GRE_R) != 0 ? DecodeAnomaly.GRE_V1_ROUTE
                : (flags & GRE_SSR) != 0 ? DecodeAnomaly.GRE_V1_SSR
                : (flags & GRE_RECUR) != 0 ? DecodeAnomaly.GRE_V1_RECUR
                : (flags & GRE_V1_RESERVED) != 0 ? DecodeAnomaly.GRE_V1_FLAGS
                : u16(b, q + GRE_PROTO) != GRE_PPTP ? DecodeAnomaly.GRE_V1_WRONG_PROTOCOL
                : (flags & GRE_K) == 0 ? DecodeAnomaly.GRE_V1_NO_KEY : null;
        if (bad != null) {
            return anomaly(out, bad);
        }
        int h = GRE_HLEN + 4 + ((flags & GRE_S) != 0 ? 4 : 0) + ((flags & GRE_A) != 0 ? 4 : 0);
        if (ipEnd - q < h) {
            return anomaly(out, DecodeAnomaly.GRE_V1_HDR_TOO_BIG);
        }
        payload(out, q + h, ipEnd, missing);
        long ppp = LinkLayers.pppProtocol(b, q + h, ipEnd);
        int proto = (int) (ppp >>> 32);
        if (ppp < 0 || !LinkLayers.pppCarriesPacket(proto)) {
            return true; // an acknowledgement alone, or PPP's own protocols
        }
        return enter(out, udpOff, TunnelKind.PPTP) && LinkLayers.pppPayload(dec, proto, b, (int) ppp, ipEnd, cut, out);
    }
}
