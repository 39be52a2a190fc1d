package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Decodes what an MPLS label stack carries (IPv4, IPv6, an Ethernet pseudowire with and without its
 * control word) and its malformed forms, each an anomaly and never an exception.
 */
class MplsDecodeTest {
    private static final byte[] TCP4 = ipv4(6, "10.20.0.5", "93.184.216.34", Frames.tcp(40_000, 80, ascii("GET /")));
    private static final byte[] TCP6 = ipv6(6, "2001:db8::5", "2001:db8::80", Frames.tcp(40_000, 80, ascii("GET /")));
    /** RFC 4385 control word: first nibble 0, flags, length 0, sequence number 7. */
    private static final byte[] CONTROL_WORD = bytes(0, 0, 0, 7);
    private final PacketDecoder decoder = new PacketDecoder();

    /** One label stack entry, not at the bottom of the stack: 20-bit label, TTL 64. */
    private static byte[] label(int value) {
        return bytes(value >> 12, value >> 4, (value & 0x0f) << 4, 64);
    }

    /** Ethernet with the given first byte of the destination MAC (as a pseudowire's customer frame). */
    private static byte[] customerEth(int firstMacByte, int etherType, byte[] payload) {
        byte[] e = eth(etherType, payload);
        e[0] = (byte) firstMacByte;
        return e;
    }

    private DecodedPacket decode(byte[] frame) {
        return TunnelDecodeTest.decode(decoder, frame);
    }

    private static void assertInnerTcp(DecodedPacket p, int version) {
        assertNull(p.anomaly, "anomaly");
        assertTrue(p.isTcp(), "inner TCP");
        assertEquals(version, p.ipVersion);
        assertEquals(80, p.dstPort);
        assertEquals("GET /", new String(p.buf, p.payloadOff, p.payloadLen, StandardCharsets.ISO_8859_1));
        assertEquals(0, p.tunnelDepth, "a label stack is not a tunnel");
    }

    @Test
    void ipAfterTheStackByItsFirstNibble() {
        DecodedPacket v4 = decode(eth(0x8847, cat(mplsLabels(100, 200), TCP4)));
        assertInnerTcp(v4, 4);
        assertEquals(2, v4.mplsLabels);
        DecodedPacket v6 = decode(eth(0x8848, cat(mplsLabels(16), TCP6)));
        assertInnerTcp(v6, 6);
        assertEquals(1, v6.mplsLabels);
    }

    @Test
    void explicitNullLabelsNameTheirProtocol() {
        assertInnerTcp(decode(eth(0x8847, cat(mplsLabels(0), TCP4))), 4);
        assertInnerTcp(decode(eth(0x8847, cat(mplsLabels(300, 2), TCP6))), 6);
        // label 0 says IPv4 whatever follows: an IPv6 header there is an IPv4 anomaly
        assertEquals(DecodeAnomaly.IPV4_WRONG_VERSION, decode(eth(0x8847, cat(mplsLabels(0), TCP6))).anomaly);
    }

    @Test
    void ethernetPseudowireWithControlWord() {
        DecodedPacket p = decode(eth(0x8847, cat(mplsLabels(100, 16), CONTROL_WORD, eth(ETH_IPV4, TCP4))));
        assertInnerTcp(p, 4);
        assertEquals(2, p.mplsLabels);
        // the customer frame's VLAN tags come after the provider's
        byte[] tagged = ethTagged(new int[] {0x8100}, new int[] {7}, 0x8847,
                cat(mplsLabels(16), CONTROL_WORD, ethTagged(new int[] {0x8100}, new int[] {42}, ETH_IPV6, TCP6)));
        DecodedPacket q = decode(tagged);
        assertInnerTcp(q, 6);
        assertEquals(2, q.vlanCount);
        assertEquals(7, q.vlans[0]);
        assertEquals(42, q.vlans[1]);
    }

    @Test
    void ethernetPseudowireWithoutControlWord() {
        // destination MACs starting with nibbles 0 (read as a control word by Suricata), 4 and 6 (read as
        // IP), and a (unknown): each is recognised by the EtherType and IP version after it
        for (int mac : new int[] {0x00, 0x02, 0x45, 0x40, 0x60, 0x6c, 0xa4, 0x1c}) {
            DecodedPacket p = decode(eth(0x8847, cat(mplsLabels(100), customerEth(mac, ETH_IPV4, TCP4))));
            assertInnerTcp(p, 4);
            DecodedPacket q = decode(eth(0x8847, cat(mplsLabels(100), customerEth(mac, ETH_IPV6, TCP6))));
            assertInnerTcp(q, 6);
        }
        // a control word followed by a MAC starting with 0x45 is still a control word
        assertInnerTcp(decode(eth(0x8847, cat(mplsLabels(100), CONTROL_WORD, customerEth(0x45, ETH_IPV4, TCP4)))), 4);
    }

    @Test
    void pseudowireInsideAPseudowire() {
        byte[] inner = eth(0x8847, cat(mplsLabels(300), CONTROL_WORD, eth(ETH_IPV4, TCP4)));
        DecodedPacket p = decode(eth(0x8847, cat(mplsLabels(100, 200), CONTROL_WORD, inner)));
        assertInnerTcp(p, 4);
        assertEquals(3, p.mplsLabels);
    }

    @Test
    void unknownPayloadIsAnAnomaly() {
        // first nibble 1: a pseudowire associated channel (OAM), no Ethernet header after it
        DecodedPacket ach = decode(eth(0x8847, cat(mplsLabels(100), bytes(0x10, 0, 0, 0x21), new byte[40])));
        assertEquals(DecodeAnomaly.MPLS_UNKNOWN_PAYLOAD, ach.anomaly);
        assertEquals("decoder.mpls.unknown_payload_type", ach.anomaly.eventName());
        assertEquals(1, ach.mplsLabels);
        assertEquals(0, ach.ipVersion);
    }

    @Test
    void malformedStacksAreAnomalies() {
        // a label cut short
        assertEquals(DecodeAnomaly.MPLS_TRUNCATED, decode(eth(0x8847, bytes(0, 1))).anomaly);
        assertEquals(DecodeAnomaly.MPLS_TRUNCATED, decode(eth(0x8847, cat(label(5), bytes(0, 1, 1)))).anomaly);
        // the bottom label with nothing, or less than a control word, after it
        assertEquals(DecodeAnomaly.MPLS_PKT_TOO_SMALL, decode(eth(0x8847, mplsLabels(100))).anomaly);
        assertEquals(DecodeAnomaly.MPLS_PKT_TOO_SMALL, decode(eth(0x8847, cat(mplsLabels(100), bytes(0x45, 0, 0)))).anomaly);
        // no bottom of stack within the bound (the rest of the frame is the inner packet)
        byte[] many = new byte[0];
        for (int i = 0; i < 20; i++) {
            many = cat(many, label(1));
        }
        DecodedPacket deep = decode(eth(0x8847, cat(many, TCP4)));
        assertEquals(DecodeAnomaly.MPLS_TOO_MANY_LABELS, deep.anomaly);
        assertEquals(PacketDecoder.MAX_MPLS_LABELS, deep.mplsLabels);
        // exactly the bound is fine
        int[] sixteen = new int[PacketDecoder.MAX_MPLS_LABELS];
        Arrays.fill(sixteen, 17);
        assertInnerTcp(decode(eth(0x8847, cat(mplsLabels(sixteen), TCP4))), 4);
        // a control word and a cut Ethernet header
        DecodedPacket cutEth = decode(eth(0x8847, cat(mplsLabels(100), CONTROL_WORD, Arrays.copyOf(eth(ETH_IPV4, TCP4), 10))));
        assertEquals(DecodeAnomaly.ETHERNET_TRUNCATED, cutEth.anomaly);
    }

    @Test
    void nestedPseudowiresStopAtTheLabelBound() {
        // each level one label, a control word and an Ethernet header naming MPLS again: the bound ends it
        byte[] frame = eth(ETH_IPV4, TCP4);
        for (int i = 0; i < 5000; i++) {
            frame = eth(0x8847, cat(mplsLabels(100), CONTROL_WORD, frame));
        }
        DecodedPacket p = decode(frame);
        assertEquals(DecodeAnomaly.MPLS_TOO_MANY_LABELS, p.anomaly);
        assertEquals(PacketDecoder.MAX_MPLS_LABELS, p.mplsLabels);
    }

    @Test
    void everyTruncationOfAPseudowireIsDecodedOrAnAnomaly() {
        byte[][] frames = {
            eth(0x8847, cat(mplsLabels(100, 16), CONTROL_WORD, eth(ETH_IPV4, TCP4))),
            eth(0x8847, cat(mplsLabels(100), customerEth(0x45, ETH_IPV6, TCP6))),
            eth(0x8847, cat(mplsLabels(0), TCP4)),
        };
        for (byte[] whole : frames) {
            for (int len = 14; len < whole.length; len++) {
                byte[] cut = Arrays.copyOf(whole, len); // exact size: a read past the end would throw
                DecodedPacket p = decode(cut);
                assertTrue(p.anomaly != null, "truncated to " + len + " bytes but no anomaly");
                assertFalse(p.isTcp(), "truncated to " + len);
            }
        }
    }

    @Test
    void pppoeSessionAndDiscoveryAreMarked() {
        byte[] session = cat(bytes(0x11, 0), u16(1), u16(TCP4.length + 2), u16(0x0021), TCP4);
        DecodedPacket s = decode(eth(0x8864, session));
        assertInnerTcp(s, 4);
        assertTrue(s.pppoe);
        DecodedPacket d = decode(eth(0x8863, cat(bytes(0x11, 0x09), u16(0), u16(4), u32(0x01010000L))));
        assertTrue(d.pppoe);
        assertNull(d.anomaly, "discovery is not IP, and no anomaly");
        assertFalse(decode(eth(ETH_IPV4, TCP4)).pppoe);
        assertEquals(0, decode(eth(ETH_IPV4, TCP4)).mplsLabels);
    }
}
