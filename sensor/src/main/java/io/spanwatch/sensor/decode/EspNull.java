package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.PacketDecoder.u16;

/**
 * Reads IPsec ESP packets whose encryption is NULL (RFC 2410): integrity without confidentiality, as
 * Windows' domain and server isolation ("request/require authentication" connection security rules,
 * ESP integrity only) and other authentication-only policies send every packet between the hosts
 * they cover. The packet is in clear between the ESP header (SPI, sequence number) and its trailer
 * (padding, pad length, next header, then the integrity check value), but nothing on the wire says
 * that the encryption is NULL nor how long the ICV is: both were agreed by IKE. So, as Wireshark's
 * ESP NULL heuristic, the trailer is looked for at the end of the packet for each usual ICV length
 * ({@link #ICV_LENGTHS}: HMAC-SHA1-96 and the other 96-bit ones, HMAC-SHA-256-128 and AES-GMAC, none,
 * 64, 192 and 256 bits), and taken only where all of these hold, so that encrypted ESP, which is
 * random bytes, is not read as clear text:
 * <ul>
 *   <li>an SPI of 256 or more (lower ones are reserved) and a next header of TCP, UDP, IPv4 or IPv6;</li>
 *   <li>padding of RFC 4303's default bytes 1, 2, 3, ... and a payload, padding, pad length and next
 *       header ending on a 4-byte boundary (RFC 4303 §2.4);</li>
 *   <li>what the packet carries checks whole: a TCP segment's reserved bits clear and its checksum
 *       over the IP pseudo-header, a UDP datagram's length, an inner IP header's version, header
 *       length and total length.</li>
 * </ul>
 * Chance passes all of that about once in 10<sup>11</sup> encrypted packets (the trailer's bytes
 * about 1 in 10<sup>4</sup> for the six lengths together, then a 16-bit check and more). The ICV is not checked
 * (no keys). Transport mode (TCP, UDP) is read as an Authentication Header is
 * ({@link DecodedPacket#ipsecAh}: a host without the security association drops it) and counted
 * ({@code decoder.esp_null}) without being a tunnel; tunnel mode (IPv4, IPv6 inside) is a tunnel whose
 * inner packet is marked so too: the gateway forwards it only under its association, so an inner
 * segment of a connection that never used IPsec, which anyone on the path can send so, reaches no
 * host. ESP
 * whose trailer is cut by the capture stays ESP.
 *
 * <p>ESP also comes in UDP (RFC 3948), on port {@value TunnelConfig#PORT_IPSEC_NAT_T} either side, once
 * IKE found a NAT between the peers (Windows' and strongSwan's remote access, site-to-site gateways
 * behind a NAT): the same packet after the UDP header, read the same way ({@link #udp}), counted as
 * {@code decoder.esp_in_udp} beside {@code decoder.esp_null}. The port also carries IKE after a
 * non-ESP marker (4 zero bytes, where an SPI is never 0) and NAT keep-alives (one byte 0xFF): both stay
 * UDP. A datagram too short for ESP's header ({@code decoder.esp_in_udp.pkt_too_small}) or with a
 * reserved SPI of 1 to 255 ({@code decoder.esp_in_udp.reserved_spi}) is neither. Stateless; used by
 * {@link PacketDecoder} and {@link Tunnels}.
 */
final class EspNull {
    /** The ICV lengths tried, most common first. */
    static final int[] ICV_LENGTHS = {12, 16, 0, 8, 24, 32};
    private static final int ESP_HLEN = 8;
    private static final int TRAILER = 2;
    private static final long MIN_SPI = 256;
    /** IKE's non-ESP marker in front of its message on the NAT traversal port (RFC 3948 §2.2). */
    private static final int NON_ESP_MARKER = 4;
    /** A NAT keep-alive's one byte (RFC 3948 §2.3). */
    private static final byte NAT_KEEPALIVE = (byte) 0xff;
    private static final int TCP_HLEN = 20;
    private static final int UDP_HLEN = 8;

    private EspNull() {
    }

    /**
     * Decodes what a UDP datagram to or from the NAT traversal port carries, {@code [p, end)} with
     * {@code missing} bytes cut by the capture: a keep-alive or IKE message stays UDP (true), ESP is
     * read by {@link #decode}; too short for ESP's header, or a reserved SPI, an anomaly.
     */
    static boolean udp(PacketDecoder dec, Tunnels tunnels, byte[] b, int udpOff, int p, int end, int missing, int cut, DecodedPacket out) {
        int n = end - p;
        if (missing > 0 && n < ESP_HLEN || n == 1 && b[p] == NAT_KEEPALIVE) {
            return true; // cut by the capture before ESP's header; a keep-alive
        }
        if (n >= NON_ESP_MARKER && PacketDecoder.i32(b, p) == 0) {
            return true; // IKE
        }
        if (n < ESP_HLEN) {
            return PacketDecoder.anomaly(out, DecodeAnomaly.ESP_IN_UDP_TRUNCATED);
        }
        if ((PacketDecoder.i32(b, p) & 0xffffffffL) < MIN_SPI) {
            return PacketDecoder.anomaly(out, DecodeAnomaly.ESP_IN_UDP_RESERVED_SPI);
        }
        return decode(dec, tunnels, b, p, end, missing, cut, out, udpOff);
    }

    /**
     * Decodes the ESP packet at {@code [q, ipEnd)} when it is NULL-encrypted; true with its payload left
     * as ESP's when it is not (or cannot be told, {@code missing} bytes cut by the capture). {@code udpOff}
     * is the UDP header it came in (RFC 3948), or -1 straight over IP.
     */
    static boolean decode(PacketDecoder dec, Tunnels tunnels, byte[] b, int q, int ipEnd, int missing, int cut, DecodedPacket out,
            int udpOff) {
        PacketDecoder.payload(out, q, ipEnd, missing);
        if (missing > 0 || ipEnd - q < ESP_HLEN + TRAILER + UDP_HLEN || (PacketDecoder.i32(b, q) & 0xffffffffL) < MIN_SPI) {
            return true;
        }
        int data = q + ESP_HLEN;
        for (int icv : ICV_LENGTHS) {
            int t = ipEnd - icv - TRAILER;
            if (t < data || (t + TRAILER - data) % 4 != 0) {
                continue;
            }
            int padLen = b[t] & 0xff;
            int next = b[t + 1] & 0xff;
            int dataEnd = t - padLen;
            if (dataEnd < data || !defaultPadding(b, dataEnd, padLen) || !whole(out, b, next, data, dataEnd)) {
                continue;
            }
            if (udpOff >= 0) {
                if (out.udpChecksumWrong) {
                    // xfrm4_udp_encap_rcv runs after udp_queue_rcv_one_skb verified the checksum, in
                    // transport mode as in tunnel mode (where Tunnels.enter says so)
                    return PacketDecoder.anomaly(out, DecodeAnomaly.UDP_INVALID_CHECKSUM);
                }
                Tunnels.decap(out, TunnelKind.ESP_IN_UDP);
            }
            if (next == PacketDecoder.P_IPIP || next == PacketDecoder.P_IPV6) {
                if (!tunnels.enter(out, TunnelKind.ESP_NULL, udpOff, -1)) {
                    return false;
                }
                out.ipsecAh = true; // the gateway forwards it only under its association: a decoy's is dropped there
                return next == PacketDecoder.P_IPIP ? dec.ipv4(b, data, dataEnd, cut, out) : dec.ipv6(b, data, dataEnd, cut, out);
            }
            Tunnels.decap(out, TunnelKind.ESP_NULL);
            out.ipsecAh = true;
            out.proto = next;
            return dec.transport(next, b, data, dataEnd, 0, cut, out);
        }
        return true;
    }

    /** Tells whether the {@code n} bytes at {@code p} are RFC 4303's default padding: 1, 2, ..., n. */
    private static boolean defaultPadding(byte[] b, int p, int n) {
        for (int i = 0; i < n; i++) {
            if ((b[p + i] & 0xff) != i + 1) {
                return false;
            }
        }
        return true;
    }

    /** Tells whether {@code [p, end)} is one whole packet of protocol {@code next}, carried by the IP header {@code out} describes. */
    private static boolean whole(DecodedPacket out, byte[] b, int next, int p, int end) {
        int n = end - p;
        return switch (next) {
            // a data offset that fits, the reserved bits clear (the lowest is AccECN's), the checksum
            case PacketDecoder.P_TCP -> n >= TCP_HLEN && (b[p + 12] & 0xf0) >= 0x50 && ((b[p + 12] & 0xf0) >> 2) <= n
                    && (b[p + 12] & 0x0e) == 0 && tcpChecksumHolds(out, b, p, n);
            case PacketDecoder.P_UDP -> n >= UDP_HLEN && u16(b, p + 4) == n;
            case PacketDecoder.P_IPIP -> n >= 20 && (b[p] & 0xf0) == 0x40 && (b[p] & 0x0f) >= 5 && u16(b, p + 2) == n;
            case PacketDecoder.P_IPV6 -> n >= 40 && (b[p] & 0xf0) == 0x60 && 40 + u16(b, p + 4) == n;
            default -> false;
        };
    }

    private static boolean tcpChecksumHolds(DecodedPacket out, byte[] b, int p, int n) {
        int alen = out.ipVersion == 4 ? 4 : 16;
        long sum = Checksums.sum(b, out.srcAddrOff, alen, 0) + Checksums.sum(b, out.dstAddrOff, alen, 0) + PacketDecoder.P_TCP + n;
        return Checksums.fold(Checksums.sum(b, p, n, sum)) == 0xffff;
    }
}
