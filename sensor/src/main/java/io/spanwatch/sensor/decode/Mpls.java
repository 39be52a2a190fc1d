package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.PacketDecoder.anomaly;
import static io.spanwatch.sensor.decode.PacketDecoder.u16;

/**
 * Steps over an MPLS label stack (RFC 3032) and hands what its bottom label carries back to
 * {@link PacketDecoder}. MPLS does not say what it carries; the guess is Suricata's
 * ({@code decode-mpls.c}):
 * <ul>
 *   <li>bottom label 0 (IPv4 explicit null): IPv4; label 2 (IPv6 explicit null): IPv6;</li>
 *   <li>otherwise the first nibble: 4 is IPv4, 6 is IPv6, 0 is the pseudowire control word of
 *       RFC 4385 and an Ethernet frame after it (Ethernet over MPLS, RFC 4448);</li>
 *   <li>anything else is {@link DecodeAnomaly#MPLS_UNKNOWN_PAYLOAD}.</li>
 * </ul>
 * A pseudowire may also carry Ethernet without a control word (RFC 4448 makes it optional); its
 * first nibble is then that of the destination MAC. Such a frame is recognised when the Ethernet
 * header read from the bottom of the stack names IPv4 or IPv6 and the byte after it has that
 * version (or names VLAN, MPLS, PPPoE or ARP), and the guess above does not hold: a control word
 * not followed by such a header, an unknown nibble, or a 4 or 6 whose IP header does not fit.
 *
 * <p>Malformed stacks are anomalies, never exceptions: a label cut short is
 * {@link DecodeAnomaly#MPLS_TRUNCATED}, fewer than 4 bytes after the bottom label
 * {@link DecodeAnomaly#MPLS_PKT_TOO_SMALL}, more than {@link PacketDecoder#MAX_MPLS_LABELS} labels in
 * one frame (all its stacks together, as a pseudowire's Ethernet may hold another)
 * {@link DecodeAnomaly#MPLS_TOO_MANY_LABELS}; a control word followed by a cut Ethernet header is
 * Ethernet's own anomaly. That bound is also what stops a pseudowire from nesting without end.
 *
 * <p>A stack is met after an Ethernet type (0x8847, 0x8848) and inside the tunnels that carry one:
 * GRE with those protocol types, IP protocol 137 (RFC 4023) and UDP to the MPLS-in-UDP port
 * (RFC 7510). Those carriers are tunnels ({@link Tunnels} enters them, within the depth limit); the
 * stack itself is not: like a VLAN tag it is not counted in {@link DecodedPacket#tunnelDepth}, and a
 * pseudowire's Ethernet adds its VLAN tags to the packet's. Labels are counted in
 * {@link DecodedPacket#mplsLabels} (a cut one too, so that a frame whose stack is cut short still
 * counts as MPLS, as in Suricata's {@code decoder.mpls}). Immutable; shared like its decoder.
 */
final class Mpls {
    private static final int LABEL_HLEN = 4;
    private static final int LABEL_BOS_BYTE = 2;
    private static final int LABEL_IPV4_EXPLICIT_NULL = 0;
    private static final int LABEL_IPV6_EXPLICIT_NULL = 2;
    /** RFC 4385 pseudowire control word; also the fewest bytes Suricata wants after the stack. */
    private static final int CONTROL_WORD_LEN = 4;
    // Ethernet, as read to recognise a pseudowire's frame
    private static final int ETH_HLEN = 14;
    private static final int ETH_TYPE = 12;

    private final PacketDecoder dec;

    Mpls(PacketDecoder dec) {
        this.dec = dec;
    }

    /** Decodes the label stack at {@code p} and what it carries; returns as {@link PacketDecoder#decode} does. */
    boolean decode(byte[] b, int p, int end, int cut, DecodedPacket out) {
        while (true) {
            if (out.mplsLabels >= PacketDecoder.MAX_MPLS_LABELS) {
                return anomaly(out, DecodeAnomaly.MPLS_TOO_MANY_LABELS);
            }
            out.mplsLabels++;
            if (end - p < LABEL_HLEN) {
                return anomaly(out, DecodeAnomaly.MPLS_TRUNCATED);
            }
            int label = u16(b, p) << 4 | (b[p + LABEL_BOS_BYTE] & 0xff) >> 4;
            boolean bottom = (b[p + LABEL_BOS_BYTE] & 1) != 0;
            p += LABEL_HLEN;
            if (bottom) {
                return payload(label, b, p, end, cut, out);
            }
        }
    }

    private boolean payload(int label, byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (label == LABEL_IPV4_EXPLICIT_NULL) {
            return dec.ipv4(b, p, end, cut, out);
        }
        if (label == LABEL_IPV6_EXPLICIT_NULL) {
            return dec.ipv6(b, p, end, cut, out);
        }
        if (end - p < CONTROL_WORD_LEN) {
            return anomaly(out, DecodeAnomaly.MPLS_PKT_TOO_SMALL);
        }
        return switch ((b[p] & 0xf0) >> 4) {
            case 4 -> !fitsIpv4(b, p, end, cut) && isEthernet(b, p, end)
                    ? dec.ethernet(b, p, end, cut, out) : dec.ipv4(b, p, end, cut, out);
            case 6 -> !fitsIpv6(b, p, end, cut) && isEthernet(b, p, end)
                    ? dec.ethernet(b, p, end, cut, out) : dec.ipv6(b, p, end, cut, out);
            case 0 -> !isEthernet(b, p + CONTROL_WORD_LEN, end) && isEthernet(b, p, end)
                    ? dec.ethernet(b, p, end, cut, out) : dec.ethernet(b, p + CONTROL_WORD_LEN, end, cut, out);
            default -> isEthernet(b, p, end) ? dec.ethernet(b, p, end, cut, out)
                    : anomaly(out, DecodeAnomaly.MPLS_UNKNOWN_PAYLOAD);
        };
    }

    /** Tells whether an IPv4 header at {@code p} has a header length and total length that fit what is there. */
    private static boolean fitsIpv4(byte[] b, int p, int end, int cut) {
        if (end - p < 4) {
            return false;
        }
        int hlen = (b[p] & 0x0f) * 4;
        int total = u16(b, p + 2);
        return hlen >= 20 && total >= hlen && total <= end - p + cut;
    }

    /** Tells whether an IPv6 header at {@code p} is whole and its payload length fits what is there. */
    private static boolean fitsIpv6(byte[] b, int p, int end, int cut) {
        return end - p >= 40 && 40 + u16(b, p + 4) <= end - p + cut;
    }

    /** Tells whether an Ethernet header at {@code p} names a type this decoder reads and, for IP, the version agrees. */
    private static boolean isEthernet(byte[] b, int p, int end) {
        if (end - p <= ETH_HLEN) {
            return false;
        }
        int version = (b[p + ETH_HLEN] & 0xf0) >> 4;
        return switch (u16(b, p + ETH_TYPE)) {
            case PacketDecoder.ETH_IPV4 -> version == 4;
            case PacketDecoder.ETH_IPV6 -> version == 6;
            case PacketDecoder.ETH_VLAN, PacketDecoder.ETH_QINQ, PacketDecoder.ETH_QINQ_OLD, PacketDecoder.ETH_MPLS_UC,
                 PacketDecoder.ETH_MPLS_MC, PacketDecoder.ETH_PPPOE_SESS, PacketDecoder.ETH_PPPOE_DISC,
                 PacketDecoder.ETH_ARP -> true;
            default -> false;
        };
    }
}
