package io.spanwatch.sensor.decode;

/**
 * Decodes TZSP (TaZmen Sniffer Protocol, UDP port {@value TunnelConfig#PORT_TZSP}): the stream of
 * captured frames that MikroTik RouterOS's packet sniffer ("streaming") and some wireless sensors
 * send to a remote collector, each in one datagram. The layout is Wireshark's ({@code packet-tzsp.c}):
 * version 1, a type (0 a received frame, 1 a frame to transmit; the others, configuration and
 * keep-alives, carry none), a 2-byte encapsulation, tagged fields (0 padding and 1 the end, one byte
 * each; the others a type, a length and that many bytes), then the frame: Ethernet (encapsulation 1),
 * IEEE 802.11 (18) or raw IP (7). Other encapsulations and types stay UDP; a datagram whose tags run
 * past its end is {@code decoder.tzsp.pkt_too_small}. Stateless; used by {@link Tunnels}.
 */
final class Tzsp {
    private static final int HLEN = 4;
    private static final int VERSION = 1;
    private static final int TYPE_RX = 0;
    private static final int TYPE_TX = 1;
    private static final int ENCAP_ETHERNET = 1;
    private static final int ENCAP_RAW_IP = 7;
    private static final int ENCAP_IEEE_802_11 = 18;
    private static final int TAG_PADDING = 0;
    private static final int TAG_END = 1;

    private Tzsp() {
    }

    /** Decodes the TZSP message at {@code [p, end)} of the UDP datagram at {@code udpOff}; true for one kept as UDP. */
    static boolean decode(Tunnels tunnels, PacketDecoder dec, byte[] b, int udpOff, int p, int end, int cut, DecodedPacket out) {
        if (end - p < HLEN || (b[p] & 0xff) != VERSION || ((b[p + 1] & 0xff) != TYPE_RX && (b[p + 1] & 0xff) != TYPE_TX)) {
            return true;
        }
        int encap = PacketDecoder.u16(b, p + 2);
        if (encap != ENCAP_ETHERNET && encap != ENCAP_RAW_IP && encap != ENCAP_IEEE_802_11) {
            return true;
        }
        int q = p + HLEN;
        while (true) {
            if (q >= end) {
                return PacketDecoder.anomaly(out, DecodeAnomaly.TZSP_TRUNCATED);
            }
            int tag = b[q] & 0xff;
            if (tag == TAG_END) {
                q++;
                break;
            }
            if (tag == TAG_PADDING) {
                q++;
            } else {
                if (q + 2 > end) {
                    return PacketDecoder.anomaly(out, DecodeAnomaly.TZSP_TRUNCATED);
                }
                q += 2 + (b[q + 1] & 0xff);
            }
        }
        if (q > end) {
            return PacketDecoder.anomaly(out, DecodeAnomaly.TZSP_TRUNCATED);
        }
        if (!tunnels.enter(out, TunnelKind.TZSP, udpOff, -1)) {
            return false;
        }
        return switch (encap) {
            case ENCAP_ETHERNET -> dec.ethernet(b, q, end, cut, out);
            case ENCAP_IEEE_802_11 -> tunnels.ieee80211(b, q, end, cut, out, -1, null);
            default -> end - q > 0 && (b[q] & 0xf0) == 0x60 ? dec.ipv6(b, q, end, cut, out) : dec.ipv4(b, q, end, cut, out);
        };
    }
}
