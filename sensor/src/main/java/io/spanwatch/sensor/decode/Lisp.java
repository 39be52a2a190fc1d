package io.spanwatch.sensor.decode;

/**
 * Decodes LISP's data plane (Locator/ID Separation Protocol, RFC 9300, before it RFC 6830): the
 * packets an ingress tunnel router (Cisco IOS XE and NX-OS LISP, SD-Access fabric edges, Open Overlay
 * Router) sends to an egress one's UDP port {@value TunnelConfig#PORT_LISP}, an 8-byte header then the
 * host's IPv4 or IPv6 packet. The header's flags are N (a nonce), L (locator-status bits), E (echo the
 * nonce), V (map versions), I (an instance id), a reserved bit the receiver ignores and two key-id
 * bits (RFC 8061). What the RFC forbids is not LISP and stays UDP, as Wireshark's
 * {@code packet-lisp-data.c} flags it: N with V (the field is a nonce or map versions, not both), E
 * without N; so are a key id (the packet is encrypted, LISP-Crypto) and a payload whose version nibble
 * is neither 4 (with a header length of 5 words or more) nor 6. A datagram shorter than the header is
 * {@code decoder.lisp.pkt_too_small}.
 *
 * <p>LISP-GPE (RFC 9305, on the same port: FD.io VPP's lisp-gpe tunnels carry Ethernet and NSH so) sets
 * the P bit, the one RFC 9300 reserves, and the header's fourth byte is then the next protocol: IPv4,
 * IPv6, Ethernet or NSH, taken as named and counted as {@code decoder.lisp_gpe}; another (the reserved
 * 0, unassigned and experimental values, shim headers) is {@code decoder.lisp.unknown_payload_type}.
 * Stateless; used by {@link Tunnels}.
 */
final class Lisp {
    static final int HLEN = 8;
    private static final int FLAG_N = 0x80;
    private static final int FLAG_E = 0x20;
    private static final int FLAG_V = 0x10;
    private static final int FLAG_P = 0x04;
    private static final int KEY_ID = 0x03;
    private static final int NEXT_PROTOCOL = 3;

    private Lisp() {
    }

    /** Decodes the LISP data packet at {@code [p, end)} of the UDP datagram at {@code udpOff}; true for one kept as UDP. */
    static boolean decode(Tunnels tunnels, PacketDecoder dec, byte[] b, int udpOff, int p, int end, int cut, DecodedPacket out) {
        if (end - p < HLEN) {
            return PacketDecoder.anomaly(out, DecodeAnomaly.LISP_TRUNCATED);
        }
        int flags = b[p] & 0xff;
        boolean nonce = (flags & FLAG_N) != 0;
        if (nonce && (flags & FLAG_V) != 0 || !nonce && (flags & FLAG_E) != 0 || (flags & KEY_ID) != 0) {
            return true;
        }
        int q = p + HLEN;
        if ((flags & FLAG_P) != 0) {
            return gpe(tunnels, dec, b, udpOff, b[p + NEXT_PROTOCOL] & 0xff, q, end, cut, out);
        }
        if (end - q < 1) {
            return true;
        }
        int first = b[q] & 0xff;
        boolean v4 = first >>> 4 == 4 && (first & 0x0f) >= 5;
        if (!v4 && first >>> 4 != 6) {
            return true;
        }
        if (!tunnels.enter(out, TunnelKind.LISP, udpOff, -1)) {
            return false;
        }
        return v4 ? dec.ipv4(b, q, end, cut, out) : dec.ipv6(b, q, end, cut, out);
    }

    /** Decodes what a LISP-GPE header's next protocol {@code next} names at {@code q}. */
    private static boolean gpe(Tunnels tunnels, PacketDecoder dec, byte[] b, int udpOff, int next, int q, int end, int cut, DecodedPacket out) {
        if (next < Tunnels.GPE_IPV4 || next > Tunnels.GPE_NSH) {
            return PacketDecoder.anomaly(out, DecodeAnomaly.LISP_UNKNOWN_PAYLOAD);
        }
        Tunnels.decap(out, TunnelKind.LISP); // a LISP header still, counted as one, and as GPE
        if (!tunnels.enter(out, TunnelKind.LISP_GPE, udpOff, -1)) {
            return false;
        }
        return switch (next) {
            case Tunnels.GPE_IPV4 -> dec.ipv4(b, q, end, cut, out);
            case Tunnels.GPE_IPV6 -> dec.ipv6(b, q, end, cut, out);
            case Tunnels.GPE_ETHERNET -> dec.ethernet(b, q, end, cut, out);
            default -> LinkLayers.nsh(dec, b, q, end, cut, out);
        };
    }
}
