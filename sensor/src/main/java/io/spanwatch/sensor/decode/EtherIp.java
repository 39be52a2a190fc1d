package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.PacketDecoder.anomaly;
import static io.spanwatch.sensor.decode.PacketDecoder.payload;
import static io.spanwatch.sensor.decode.PacketDecoder.u16;

/**
 * Decodes the two ways Ethernet frames are carried straight over IP besides GRE's transparent
 * bridging: MikroTik's EoIP, which RouterOS sends in a GRE header of its own, and EtherIP (RFC 3378,
 * IP protocol 97), which the BSDs' {@code gif}/{@code etherip} interfaces and MikroTik's EoIPv6 send.
 *
 * <ul>
 *   <li>EoIP ({@code /interface eoip} on RouterOS; Linux's out-of-tree {@code eoip} module): a GRE
 *       header with only the key bit and version 1 ({@code 20 01}), protocol type 0x6400, then where
 *       PPTP has its key, the length of the Ethernet frame (big-endian) and the tunnel id
 *       (little-endian), then the frame. Wireshark reads it so ({@code GRE_MIKROTIK_EOIP}). A length of
 *       0 is a keep-alive and stays GRE; a length past the packet is {@code decoder.eoip.pkt_too_small}.</li>
 *   <li>EtherIP: a 2-byte header, version 3 in the top four bits and twelve reserved bits clear, then
 *       the frame. MikroTik's EoIPv6 uses the reserved bits for its tunnel id and swaps the two nibbles
 *       of the first byte, so version 3 is in its low four bits. Any other first byte is
 *       {@code decoder.etherip.unsupported_version}; fewer than 2 bytes {@code decoder.etherip.pkt_too_small}.</li>
 * </ul>
 * Stateless; used by {@link Gre} and {@link PacketDecoder}.
 */
final class EtherIp {
    /** The GRE protocol type of MikroTik's EoIP. */
    static final int GRE_EOIP = 0x6400;
    /** EoIP's GRE flags and version: the key bit, version 1. */
    static final int GRE_EOIP_FLAGS = 0x2001;
    private static final int EOIP_HLEN = 8;
    private static final int EOIP_FRAME_LEN = 4;
    private static final int ETHERIP_HLEN = 2;
    private static final int ETHERIP_VERSION = 3;

    private EtherIp() {
    }

    /**
     * Decodes an EoIP message whose GRE header starts at {@code q} ({@code udpOff} -1 straight over IP):
     * counts GRE and EoIP, then the Ethernet frame its length field bounds.
     */
    static boolean eoip(Gre gre, PacketDecoder dec, byte[] b, int q, int ipEnd, int missing, int cut, DecodedPacket out, int udpOff) {
        if (ipEnd - q < EOIP_HLEN) {
            return anomaly(out, DecodeAnomaly.EOIP_TRUNCATED);
        }
        int len = u16(b, q + EOIP_FRAME_LEN);
        int p = q + EOIP_HLEN;
        payload(out, p, ipEnd, missing);
        if (len == 0) {
            return true; // a keep-alive: RouterOS sends an empty frame every few seconds
        }
        if (len > ipEnd + missing - p) {
            return anomaly(out, DecodeAnomaly.EOIP_TRUNCATED);
        }
        return gre.enter(out, udpOff, TunnelKind.EOIP) && dec.ethernet(b, p, Math.min(ipEnd, p + len), cut, out);
    }

    /** Decodes an EtherIP header straight over IP (protocol 97) at {@code q} and the Ethernet frame after it. */
    static boolean etherip(Tunnels tunnels, PacketDecoder dec, byte[] b, int q, int ipEnd, int cut, DecodedPacket out) {
        if (ipEnd - q < ETHERIP_HLEN) {
            return anomaly(out, DecodeAnomaly.ETHERIP_TRUNCATED);
        }
        int first = b[q] & 0xff;
        boolean rfc3378 = first >> 4 == ETHERIP_VERSION && (first & 0x0f) == 0 && b[q + 1] == 0;
        boolean mikrotik = (first & 0x0f) == ETHERIP_VERSION;
        if (!rfc3378 && !mikrotik) {
            return anomaly(out, DecodeAnomaly.ETHERIP_UNSUPPORTED_VERSION);
        }
        return tunnels.enter(out, TunnelKind.ETHERIP, -1, -1) && dec.ethernet(b, q + ETHERIP_HLEN, ipEnd, cut, out);
    }
}
