package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.PacketDecoder.u16;

/**
 * Steps over two headers a switch puts between the source MAC address and the EtherType of a frame,
 * for {@link PacketDecoder#etherType}'s loop:
 *
 * <ul>
 *   <li>Arista's timestamp header (EtherType 0xD28B, Arista's vendor-specific protocol): the
 *       timestamps Arista switches and their TAP aggregation (DANZ) insert in header mode, as a
 *       monitoring tool receives them. A subtype (1, timestamp), a version naming the timestamp's
 *       width (0x0010 and 0x0110: 64 bits; 0x0020 and 0x0120: 48 bits), the timestamp, then the
 *       frame's own EtherType (tcpdump's and Wireshark's AVSP reading). Another subtype or version is
 *       {@code decoder.arista.unsupported_type}; a cut header {@code decoder.arista.header_too_small}.</li>
 *   <li>MACsec's SecTAG (IEEE 802.1AE, EtherType 0x88E5): the TCI and association number, the short
 *       length, the packet number, and the secure channel identifier when the SC bit says so. Only a
 *       frame protected for integrity alone (E and C bits clear; switches configured so to stay
 *       readable by monitoring tools) carries its EtherType and packet in clear after it; an encrypted
 *       one is not IP. The integrity check value at the end lies past the IP packet's length. A SecTAG
 *       of another version (V set) is {@code decoder.macsec.unsupported_version}, a cut one
 *       {@code decoder.macsec.header_too_small}.</li>
 * </ul>
 * Stateless.
 */
final class SwitchTags {
    /** Arista's vendor-specific EtherType. */
    static final int ETH_ARISTA = 0xd28b;
    /** MACsec (IEEE 802.1AE). */
    static final int ETH_MACSEC = 0x88e5;

    private static final int ARISTA_SUBTYPE_TIMESTAMP = 1;
    /** Subtype and version before the timestamp. */
    private static final int ARISTA_FIXED = 4;
    private static final int SECTAG_LEN = 6;
    private static final int SCI_LEN = 8;
    private static final int TCI_V = 0x80;
    private static final int TCI_SC = 0x20;
    private static final int TCI_E = 0x08;
    private static final int TCI_C = 0x04;
    /** What {@link #step} returns for a frame that is not IP (an encrypted MACsec frame), or one with an anomaly. */
    static final long NOT_IP = -1;

    private SwitchTags() {
    }

    /**
     * Steps over the header of EtherType {@code type} ({@link #ETH_ARISTA} or {@link #ETH_MACSEC})
     * whose body starts at {@code p}: returns the next EtherType in the high 32 bits and where its
     * payload starts in the low ones, or {@link #NOT_IP} (with the anomaly set when there is one).
     */
    static long step(int type, byte[] b, int p, int end, DecodedPacket out) {
        return type == ETH_ARISTA ? arista(b, p, end, out) : macsec(b, p, end, out);
    }

    private static long arista(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < ARISTA_FIXED) {
            return fail(out, DecodeAnomaly.ARISTA_TRUNCATED);
        }
        int version = u16(b, p + 2);
        int width = switch (version) {
            case 0x0010, 0x0110 -> 8;
            case 0x0020, 0x0120 -> 6;
            default -> -1;
        };
        if (u16(b, p) != ARISTA_SUBTYPE_TIMESTAMP || width < 0) {
            return fail(out, DecodeAnomaly.ARISTA_UNSUPPORTED_TYPE);
        }
        int next = p + ARISTA_FIXED + width;
        if (end - next < 2) {
            return fail(out, DecodeAnomaly.ARISTA_TRUNCATED);
        }
        return (long) u16(b, next) << 32 | (next + 2);
    }

    private static long macsec(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < SECTAG_LEN) {
            return fail(out, DecodeAnomaly.MACSEC_TRUNCATED);
        }
        int tci = b[p] & 0xff;
        if ((tci & TCI_V) != 0) {
            return fail(out, DecodeAnomaly.MACSEC_UNSUPPORTED_VERSION);
        }
        int next = p + SECTAG_LEN + ((tci & TCI_SC) != 0 ? SCI_LEN : 0);
        if ((tci & (TCI_E | TCI_C)) != 0) {
            return NOT_IP; // encrypted (or its confidentiality offset): nothing to read without the key
        }
        if (end - next < 2) {
            return fail(out, DecodeAnomaly.MACSEC_TRUNCATED);
        }
        return (long) u16(b, next) << 32 | (next + 2);
    }

    private static long fail(DecodedPacket out, DecodeAnomaly a) {
        PacketDecoder.anomaly(out, a);
        return NOT_IP;
    }
}
