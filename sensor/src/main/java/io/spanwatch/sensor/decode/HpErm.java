package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.PacketDecoder.u16;

/**
 * Decodes HP's Encapsulated Remote Mirroring: the copies that HP ProCurve, HPE and Aruba
 * (ArubaOS-Switch) switches send to a remote collector when configured with {@code mirror N remote ip
 * SRC PORT DST}, one mirrored frame per UDP datagram, on the port the operator chose. The layout is
 * Wireshark's ({@code packet-hp-erm.c}, which has no default port either): 8 bytes whose meaning is not
 * published, a 32-bit word whose bits {@code 0x00e00000} are the mirrored frame's priority,
 * {@code 0x000fff00} its VLAN id and {@code 0x80} whether it was tagged (the switch takes the tag out of
 * the frame), then the frame as an Ethernet frame without its FCS.
 *
 * <p>Since nothing in the header can be checked, the frame is: its source MAC address an individual
 * one (the I/G bit clear, as every sender's is), its EtherType IPv4 or IPv6 (after at most one VLAN
 * tag), and the IP header's version and length those of a packet that fills the frame (or a shorter
 * one in a frame padded to Ethernet's 60 bytes). Anything else on the port (the mirror's ARP,
 * spanning tree and LLDP frames too, which carry nothing SpanWatch analyses) stays UDP, and so does a
 * whole datagram too short for the header and an Ethernet header; one the capture's snap length cut
 * there is {@code decoder.hp_erm.pkt_too_small}. A tagged
 * frame's VLAN id is recorded as a tag read in the frame would be. Stateless; used by {@link Tunnels}.
 */
final class HpErm {
    /** The 8 unpublished bytes and the word with the tag's fields. */
    static final int HLEN = 12;
    private static final int TAG_WORD = 8;
    private static final int TAG_VLAN_SHIFT = 8;
    private static final int TAG_VLAN_MASK = 0xfff;
    private static final int TAG_TAGGED = 0x80;
    private static final int ETH_HLEN = 14;
    private static final int ETH_SRC = 6;
    private static final int ETH_TYPE = 12;
    private static final int VLAN_HLEN = 4;
    /** Ethernet's shortest frame without its FCS: shorter packets are padded to it. */
    private static final int ETH_MIN_FRAME = 60;
    private static final int IPV4_HLEN = 20;
    private static final int IPV6_HLEN = 40;

    private HpErm() {
    }

    /** Decodes the mirrored frame at {@code [p, end)} of the UDP datagram at {@code udpOff}; true for one kept as UDP. */
    static boolean decode(Tunnels tunnels, PacketDecoder dec, byte[] b, int udpOff, int p, int end, int missing, int cut,
            DecodedPacket out) {
        if (end - p < HLEN + ETH_HLEN) {
            // Cut by the snap length: a mirrored frame, most likely. Whole: too short to be one.
            return missing <= 0 || PacketDecoder.anomaly(out, DecodeAnomaly.HP_ERM_TRUNCATED);
        }
        int f = p + HLEN;
        if (!mirroredIp(b, f, end, missing)) {
            return true;
        }
        if (!tunnels.enter(out, TunnelKind.HP_ERM, udpOff, -1)) {
            return false;
        }
        if ((b[p + TAG_WORD + 3] & TAG_TAGGED) != 0) {
            if (out.vlanCount < DecodedPacket.MAX_VLANS) {
                out.vlans[out.vlanCount] = (PacketDecoder.i32(b, p + TAG_WORD) >>> TAG_VLAN_SHIFT) & TAG_VLAN_MASK;
            }
            out.vlanCount++;
        }
        return dec.ethernet(b, f, end, cut, out);
    }

    /** Tells whether the frame at {@code f} is one an Ethernet sender made, carrying an IP packet that fills it. */
    private static boolean mirroredIp(byte[] b, int f, int end, int missing) {
        if ((b[f + ETH_SRC] & 1) != 0) {
            return false; // a group address as the source: no station sends so
        }
        int type = u16(b, f + ETH_TYPE);
        int ip = f + ETH_HLEN;
        if (type == PacketDecoder.ETH_VLAN) {
            if (end - ip < VLAN_HLEN + 2) {
                return false;
            }
            type = u16(b, ip + 2);
            ip += VLAN_HLEN;
        }
        int rest = end + missing - ip;
        boolean padded = end + missing - f == ETH_MIN_FRAME;
        int length;
        if (type == PacketDecoder.ETH_IPV4 && end - ip >= IPV4_HLEN && (b[ip] & 0xf0) == 0x40 && (b[ip] & 0x0f) >= 5) {
            length = u16(b, ip + 2);
            if (length < (b[ip] & 0x0f) * 4) {
                return false;
            }
        } else if (type == PacketDecoder.ETH_IPV6 && end - ip >= IPV6_HLEN && (b[ip] & 0xf0) == 0x60) {
            length = IPV6_HLEN + u16(b, ip + 4);
        } else {
            return false;
        }
        return length == rest || padded && length < rest;
    }
}
