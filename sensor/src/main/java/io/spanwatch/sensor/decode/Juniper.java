package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.PacketDecoder.anomaly;
import static io.spanwatch.sensor.decode.PacketDecoder.u16;

import io.spanwatch.sensor.capture.LinkType;

/**
 * Steps over the meta-information a Juniper router writes before each frame it captures
 * ({@code monitor traffic interface ... write-file}, a PIC's packet capture), as tcpdump.org's
 * {@code LINKTYPE_JUNIPER_*} types and Wireshark's {@code packet-juniper.c} describe it: the magic
 * "MGC" (0x4d4743), a flags byte (0x01 the frame came in, 0x02 no layer 2 header, 0x80 extensions
 * follow), and with extensions (JUNOS 7.5 on) a 2-byte length of the TLVs that follow (interface
 * index, name, media type, encapsulation), stepped over whole. Frames without the magic come from
 * JUNOS releases before it (6.4), which wrote none: the frame starts at its first byte, as Wireshark
 * reads it.
 *
 * <p>Then, by link type: an Ethernet frame ({@link LinkType#JUNIPER_ETHER}, and
 * {@link LinkType#JUNIPER_PPPOE}, a services PIC's PPPoE sessions); 2 bytes, then PPP
 * ({@link LinkType#JUNIPER_PPP}); Cisco HDLC ({@link LinkType#JUNIPER_CHDLC}); a little-endian
 * protocol and a VLAN word, then what the protocol names ({@link LinkType#JUNIPER_GGSN}); 18 empty
 * bytes, then IPv4 ({@link LinkType#JUNIPER_VP}, the voice PIC); a services cookie of 16 bytes on frames
 * that came in, 12 on the others, then IPv4 ({@link LinkType#JUNIPER_SERVICES}). When the flags say the
 * layer 2 header was taken off, the meta-information is followed instead by JUNOS' own protocol
 * number (4 bytes, little-endian) and the packet: 2 and 3 IPv4, 6 and 7 IPv6, 4, 5 and 8 an MPLS label
 * stack, 0xa248 IPv4 after 4 more bytes; the OSI ones (CLNP, IS-IS) are not IP, any other is
 * {@code decoder.juniper.unknown_payload_type}. {@link LinkType#JUNIPER_VN} (a Contrail vRouter's
 * capture) has no such header but TLVs (type, length, value) ending with type 255, at most
 * {@value #MAX_VN_TLVS}, then an Ethernet frame. Whatever of this a frame is too short for is
 * {@code decoder.juniper.pkt_too_small}. Stateless; used by {@link PacketDecoder}.
 */
final class Juniper {
    private static final int MAGIC = 0x4d4743;
    private static final int HLEN = 4;
    private static final int EXT_HLEN = 6;
    private static final int FLAG_PKT_IN = 0x01;
    private static final int FLAG_NO_L2 = 0x02;
    private static final int FLAG_EXT = 0x80;
    private static final int PROTO_LEN = 4;
    private static final int PPP_COOKIE = 2;
    private static final int GGSN_HLEN = 4;
    private static final int VP_HLEN = 18;
    private static final int SERVICES_IN_HLEN = 16;
    private static final int SERVICES_OUT_HLEN = 12;
    // JUNOS' protocol numbers (Wireshark's packet-juniper.h)
    private static final int PROTO_IP = 2;
    private static final int PROTO_MPLS_IP = 3;
    private static final int PROTO_IP_MPLS = 4;
    private static final int PROTO_MPLS = 5;
    private static final int PROTO_IP6 = 6;
    private static final int PROTO_MPLS_IP6 = 7;
    private static final int PROTO_IP6_MPLS = 8;
    private static final int PROTO_CLNP = 10;
    private static final int PROTO_CLNP_MPLS = 32;
    private static final int PROTO_MPLS_CLNP = 33;
    private static final int PROTO_ISO = 201;
    /** A protocol number Wireshark reads as IPv4 after 4 more bytes (what they hold is not known). */
    private static final int PROTO_IP_AFTER_4 = 0xa248;
    private static final int VN_TLV_HLEN = 2;
    private static final int VN_TLV_LAST = 255;
    /** Most TLVs walked before a vRouter's frame (it writes four). */
    static final int MAX_VN_TLVS = 16;

    private Juniper() {
    }

    /** Decodes the frame at {@code [p, end)} of one of the Juniper link types. */
    static boolean decode(PacketDecoder dec, int linkType, byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (linkType == LinkType.JUNIPER_VN) {
            return vn(dec, b, p, end, cut, out);
        }
        int flags = 0;
        int q = p;
        if (end - p >= HLEN && (u16(b, p) << 8 | b[p + 2] & 0xff) == MAGIC) {
            flags = b[p + 3] & 0xff;
            q = p + HLEN;
            if ((flags & FLAG_EXT) != 0) {
                if (end - p < EXT_HLEN) {
                    return anomaly(out, DecodeAnomaly.JUNIPER_TRUNCATED);
                }
                q = p + EXT_HLEN + u16(b, p + HLEN);
            }
            if ((flags & FLAG_NO_L2) != 0) {
                if (end - q < PROTO_LEN) {
                    return anomaly(out, DecodeAnomaly.JUNIPER_TRUNCATED);
                }
                return payload(dec, (int) LinkLayers.le32(b, q), b, q + PROTO_LEN, end, cut, out);
            }
        }
        return switch (linkType) {
            case LinkType.JUNIPER_PPP -> fits(q, PPP_COOKIE, end, out) && LinkLayers.ppp(dec, b, q + PPP_COOKIE, end, cut, out);
            case LinkType.JUNIPER_CHDLC -> fits(q, 0, end, out) && LinkLayers.chdlc(dec, b, q, end, cut, out);
            case LinkType.JUNIPER_GGSN -> fits(q, GGSN_HLEN, end, out)
                    && payload(dec, (b[q] & 0xff) | (b[q + 1] & 0xff) << 8, b, q + GGSN_HLEN, end, cut, out);
            case LinkType.JUNIPER_VP -> fits(q, VP_HLEN, end, out) && dec.ipv4(b, q + VP_HLEN, end, cut, out);
            case LinkType.JUNIPER_SERVICES -> {
                int cookie = (flags & FLAG_PKT_IN) != 0 ? SERVICES_IN_HLEN : SERVICES_OUT_HLEN;
                yield fits(q, cookie, end, out) && dec.ipv4(b, q + cookie, end, cut, out);
            }
            default -> fits(q, 0, end, out) && dec.ethernet(b, q, end, cut, out); // JUNIPER_ETHER, JUNIPER_PPPOE
        };
    }

    /** Tells whether {@code n} bytes after {@code q} are in the frame; else the anomaly. */
    private static boolean fits(int q, int n, int end, DecodedPacket out) {
        return q + n <= end || anomaly(out, DecodeAnomaly.JUNIPER_TRUNCATED);
    }

    /** Decodes the packet at {@code q} that JUNOS' protocol number {@code proto} names. */
    private static boolean payload(PacketDecoder dec, int proto, byte[] b, int q, int end, int cut, DecodedPacket out) {
        return switch (proto) {
            case PROTO_IP, PROTO_MPLS_IP -> dec.ipv4(b, q, end, cut, out);
            case PROTO_IP6, PROTO_MPLS_IP6 -> dec.ipv6(b, q, end, cut, out);
            case PROTO_IP_MPLS, PROTO_MPLS, PROTO_IP6_MPLS, PROTO_CLNP_MPLS -> dec.mpls(b, q, end, cut, out);
            case PROTO_IP_AFTER_4 -> fits(q, PROTO_LEN, end, out) && dec.ipv4(b, q + PROTO_LEN, end, cut, out);
            case PROTO_CLNP, PROTO_MPLS_CLNP, PROTO_ISO -> false; // OSI: not IP
            default -> anomaly(out, DecodeAnomaly.JUNIPER_UNKNOWN_PAYLOAD);
        };
    }

    /** Steps over a vRouter's TLVs (the last, type 255, with its value) to the Ethernet frame. */
    private static boolean vn(PacketDecoder dec, byte[] b, int p, int end, int cut, DecodedPacket out) {
        int q = p;
        for (int i = 0; i < MAX_VN_TLVS; i++) {
            if (end - q < VN_TLV_HLEN) {
                break;
            }
            int type = b[q] & 0xff;
            q += VN_TLV_HLEN + (b[q + 1] & 0xff);
            if (type == VN_TLV_LAST) {
                return fits(q, 0, end, out) && dec.ethernet(b, q, end, cut, out);
            }
        }
        return anomaly(out, DecodeAnomaly.JUNIPER_TRUNCATED);
    }
}
