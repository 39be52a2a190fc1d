package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static io.spanwatch.sensor.decode.TunnelDecodeTest.DST4;
import static io.spanwatch.sensor.decode.TunnelDecodeTest.DST6;
import static io.spanwatch.sensor.decode.TunnelDecodeTest.SRC4;
import static io.spanwatch.sensor.decode.TunnelDecodeTest.SRC6;
import static io.spanwatch.sensor.decode.TunnelDecodeTest.TCP4;
import static io.spanwatch.sensor.decode.TunnelDecodeTest.TCP6;
import static io.spanwatch.sensor.decode.TunnelDecodeTest.assertPlainUdp;
import static io.spanwatch.sensor.decode.TunnelDecodeTest.assertTcp;
import static io.spanwatch.sensor.decode.TunnelDecodeTest.udp4;
import static org.junit.jupiter.api.Assertions.*;

import io.spanwatch.sensor.capture.LinkType;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Decodes L2TPv3 data messages (RFC 3931) carrying Ethernet pseudowires (RFC 4719), straight over IP
 * (protocol 115) and in UDP (port 1701, beside version 2): every cookie length (0, 4, 8) with and
 * without the default sublayer, found by detection or fixed by the configuration; control messages
 * left alone; data messages no length fits as the anomaly.
 */
class L2tpv3DecodeTest {
    private static final byte[][] COOKIES = {new byte[0], bytes(0xde, 0xad, 0xbe, 0xef), bytes(0x8a, 1, 2, 3, 4, 5, 6, 7)};
    /** Sublayer sequence numbers: -1 for no sublayer. */
    private static final int[] SUBLAYERS = {-1, 0x00abcd};
    private final PacketDecoder decoder = new PacketDecoder();

    private DecodedPacket decode(byte[] frame) {
        return TunnelDecodeTest.decode(decoder, frame);
    }

    private static byte[] overIp4(byte[] message) {
        return eth(ETH_IPV4, ipv4(115, "192.0.2.1", "192.0.2.2", message));
    }

    private static byte[] overIp6(byte[] message) {
        return eth(ETH_IPV6, ipv6(115, "2001:db8::1", "2001:db8::2", message));
    }

    /** The pseudowire's frames of the tests: untagged IPv4, an 802.1Q-tagged IPv6, QinQ IPv4. */
    private static List<byte[]> frames() {
        return List.of(eth(ETH_IPV4, TCP4), ethTagged(new int[] {0x8100}, new int[] {10}, ETH_IPV6, TCP6),
                ethTagged(new int[] {0x88a8, 0x8100}, new int[] {100, 200}, ETH_IPV4, TCP4));
    }

    private static void assertPseudowire(DecodedPacket p, byte[] frame) {
        boolean v6 = frame[12] == (byte) 0x81 && frame[16] == (byte) 0x86;
        assertTcp(p, v6 ? SRC6 : SRC4, v6 ? DST6 : DST4, TunnelKind.L2TPV3);
        assertEquals(frame[12] == (byte) 0x88 ? 2 : frame[12] == (byte) 0x81 ? 1 : 0, p.vlanCount, "the customer frame's tags");
    }

    @Test
    void overIpWithEachCookieLengthWithAndWithoutTheSublayer() {
        for (byte[] cookie : COOKIES) {
            for (int seq : SUBLAYERS) {
                for (byte[] frame : frames()) {
                    byte[] message = l2tpv3(0x1234, cookie, seq, frame);
                    DecodedPacket p = decode(overIp4(message));
                    assertPseudowire(p, frame);
                    assertEquals(1, p.encapLengthCount, "the outer IPv4 length");
                    assertPseudowire(decode(overIp6(message)), frame);
                }
            }
        }
    }

    @Test
    void overUdpWithEachCookieLengthWithAndWithoutTheSublayer() {
        for (byte[] cookie : COOKIES) {
            for (int seq : SUBLAYERS) {
                for (byte[] frame : frames()) {
                    byte[] message = l2tpv3Udp(l2tpv3(0xfedcba98L, cookie, seq, frame));
                    for (int[] ports : new int[][] {{1701, 1701}, {50_000, 1701}, {1701, 50_000}}) {
                        DecodedPacket p = decode(udp4(ports[0], ports[1], message));
                        assertPseudowire(p, frame);
                        assertEquals(2, p.encapLengthCount, "the outer IPv4 and UDP lengths");
                    }
                }
            }
        }
        // the reserved bits are ignored, as RFC 3931 has receivers do
        byte[] reserved = l2tpv3Udp(l2tpv3(7, COOKIES[1], -1, eth(ETH_IPV4, TCP4)));
        reserved[0] = 0x12;
        reserved[2] = (byte) 0xff;
        assertTcp(decode(udp4(1701, 1701, reserved)), SRC4, DST4, TunnelKind.L2TPV3);
        // version 2 on the same port still carries PPP
        assertTcp(decode(udp4(1701, 1701, l2tp(true, false, -1, 0x21, TCP4))), SRC4, DST4, TunnelKind.L2TP);
    }

    @Test
    void shortFramesPaddedToTheEthernetMinimumAndArpAreFound() {
        byte[] ack = ipv4(6, SRC4, DST4, Frames.tcp(40_000, 80, 5, 6, 0x10, new byte[0], 0));
        byte[] padded = cat(eth(ETH_IPV4, ack), new byte[6]); // 60 bytes, no FCS
        byte[] taggedPadded = cat(ethTagged(new int[] {0x8100}, new int[] {7}, ETH_IPV4, ack), new byte[6]); // 64 bytes
        byte[] arp = eth(0x0806, cat(u16(1), u16(ETH_IPV4), bytes(6, 4), u16(1), new byte[6], addr(SRC4), new byte[6], addr(DST4),
                new byte[18]));
        for (byte[] cookie : COOKIES) {
            for (byte[] frame : new byte[][] {padded, taggedPadded}) {
                DecodedPacket p = decode(overIp4(l2tpv3(9, cookie, 1, frame)));
                assertNull(p.anomaly);
                assertTrue(p.isTcp());
                assertEquals(40_000, p.srcPort);
                assertEquals(0, p.payloadLen, "the padding is not payload");
            }
            DecodedPacket a = decode(overIp4(l2tpv3(9, cookie, -1, arp)));
            assertNull(a.anomaly);
            assertEquals(1, a.tunnelDepth, "ARP on the pseudowire");
        }
        // a longer frame must be filled exactly by its packet
        byte[] trailer = cat(eth(ETH_IPV4, TCP4), new byte[8]);
        assertEquals(DecodeAnomaly.L2TPV3_UNKNOWN_PAYLOAD, decode(overIp4(l2tpv3(9, COOKIES[1], -1, trailer))).anomaly);
    }

    @Test
    void controlMessagesAreLeftAsTheyAre() {
        // over IP: session id 0, then the control header (T, L, S set, version 3), length, connection id, Ns, Nr
        byte[] sccrq = cat(u32(0), u16(0xc803), u16(20), u32(0), u16(0), u16(0), u16(0x8008), u16(0), u16(0), u16(1));
        DecodedPacket ip = decode(overIp4(sccrq));
        assertNull(ip.anomaly);
        assertEquals(0, ip.tunnelDepth);
        assertTrue(ip.l2tpv3Control);
        assertEquals(115, ip.proto);
        assertEquals(sccrq.length, ip.payloadLen, "the message is the packet's payload");
        // in UDP: the T bit
        DecodedPacket udp = decode(udp4(1701, 1701, Arrays.copyOfRange(sccrq, 4, sccrq.length)));
        assertPlainUdp(udp);
        assertTrue(udp.l2tpv3Control);
        // a data header with session id 0 in UDP is neither
        DecodedPacket zero = decode(udp4(1701, 1701, l2tpv3Udp(l2tpv3(0, new byte[0], -1, eth(ETH_IPV4, TCP4)))));
        assertPlainUdp(zero);
        assertFalse(zero.l2tpv3Control);
        assertFalse(decode(overIp4(l2tpv3(1, new byte[0], -1, eth(ETH_IPV4, TCP4)))).l2tpv3Control);
    }

    @Test
    void aDataMessageNoCookieOrSublayerFitsIsAnAnomaly() {
        byte[] ppp = cat(bytes(0xff, 0x03), u16(0x0021), TCP4); // a PPP pseudowire
        byte[] lldp = eth(0x88cc, new byte[46]);
        byte[] longCookie = l2tpv3(5, new byte[16], -1, eth(ETH_IPV4, TCP4)); // 16 bytes before the frame: never tried
        for (byte[] message : new byte[][] {l2tpv3(5, COOKIES[1], -1, ppp), l2tpv3(5, COOKIES[2], 3, lldp), longCookie,
            l2tpv3(5, new byte[0], -1, new byte[6])}) {
            DecodedPacket ip = decode(overIp4(message));
            assertEquals(DecodeAnomaly.L2TPV3_UNKNOWN_PAYLOAD, ip.anomaly);
            assertEquals(0, ip.tunnelDepth);
            assertEquals(115, ip.proto);
            DecodedPacket udp = decode(udp4(1701, 1701, l2tpv3Udp(message)));
            assertEquals(DecodeAnomaly.L2TPV3_UNKNOWN_PAYLOAD, udp.anomaly);
            assertEquals(1701, udp.dstPort);
        }
        // a session id cut short
        assertEquals(DecodeAnomaly.L2TPV3_TRUNCATED, decode(overIp4(bytes(0, 0, 1))).anomaly);
        assertEquals(DecodeAnomaly.L2TPV3_TRUNCATED, decode(udp4(1701, 1701, bytes(0, 3, 0, 0, 0, 1))).anomaly);
        // another port is plain UDP
        assertPlainUdp(decode(udp4(50_000, 50_001, l2tpv3Udp(l2tpv3(5, COOKIES[1], -1, ppp)))));
    }

    /**
     * A capture cut before the inner IP header is whole cannot tell the lengths: the packet stays what
     * carried it, without an anomaly; cut later, the pseudowire is found from the lengths announced.
     */
    @Test
    void aFrameTheCaptureCutIsDecodedWhereItCanBe() {
        byte[] whole = overIp4(l2tpv3(5, COOKIES[2], -1, eth(ETH_IPV4, TCP4)));
        int inner = 14 + 20 + 4 + 8 + 14;
        for (int len = 14 + 20; len <= whole.length; len++) {
            DecodedPacket p = new DecodedPacket();
            p.reset(whole, 1, whole.length);
            decoder.decode(LinkType.ETHERNET, whole, 0, len, p);
            assertEquals(len >= inner + 20 ? 1 : 0, p.tunnelDepth, "cut to " + len);
            if (len < inner + 20 || len >= inner + 40) { // in between, the inner TCP header is cut: TCP's anomaly
                assertNull(p.anomaly, "cut to " + len);
            }
        }
    }

    @Test
    void configuredLengthsReplaceDetection() {
        TunnelConfig d = TunnelConfig.DEFAULTS;
        // the cookie fixed at 4 bytes, the sublayer detected: 4 or 8 bytes before the frame
        PacketDecoder four = new PacketDecoder(d.withL2tpv3(4, TunnelConfig.DETECT));
        for (int seq : SUBLAYERS) {
            assertTcp(TunnelDecodeTest.decode(four, overIp4(l2tpv3(3, COOKIES[1], seq, eth(ETH_IPV4, TCP4)))), SRC4, DST4,
                    TunnelKind.L2TPV3);
        }
        byte[] noCookie = overIp4(l2tpv3(3, COOKIES[0], -1, eth(ETH_IPV4, TCP4)));
        assertEquals(DecodeAnomaly.L2TPV3_UNKNOWN_PAYLOAD, TunnelDecodeTest.decode(four, noCookie).anomaly);
        assertTcp(decode(noCookie), SRC4, DST4, TunnelKind.L2TPV3);

        // both fixed: the frame is taken where they put it, whatever it carries
        PacketDecoder fixed = new PacketDecoder(d.withL2tpv3(8, 0));
        DecodedPacket lldp = TunnelDecodeTest.decode(fixed, overIp4(l2tpv3(3, COOKIES[2], -1, eth(0x88cc, new byte[46]))));
        assertNull(lldp.anomaly);
        assertEquals(1, lldp.tunnelDepth);
        assertEquals(DecodeAnomaly.L2TPV3_TRUNCATED, TunnelDecodeTest.decode(fixed, overIp4(bytes(0, 0, 0, 3, 1, 2))).anomaly);
        assertEquals(DecodeAnomaly.ETHERNET_TRUNCATED, TunnelDecodeTest.decode(fixed, overIp4(l2tpv3(3, COOKIES[2], -1, new byte[6])))
                .anomaly);

        // What a false match takes: a cookie-8 frame whose destination MAC ends 08:00 and whose source
        // MAC starts 45:00 and then holds the length left, read from the cookie's start, is IPv4 at 0.
        // Detection takes it; the configured length does not.
        byte[] frame = eth(ETH_IPV4, TCP4);
        int left = 8 + frame.length - 14;
        System.arraycopy(bytes(0x02, 0, 0, 0, 0x08, 0x00, 0x45, 0, left >> 8, left, 0, 0), 0, frame, 0, 12);
        byte[] crafted = overIp4(l2tpv3(3, COOKIES[2], -1, frame));
        assertFalse(decode(crafted).isTcp(), "detection reads the crafted MAC addresses as IPv4");
        assertTcp(TunnelDecodeTest.decode(fixed, crafted), SRC4, DST4, TunnelKind.L2TPV3);
        assertTcp(TunnelDecodeTest.decode(new PacketDecoder(d.withL2tpv3(8, TunnelConfig.DETECT)), crafted), SRC4, DST4,
                TunnelKind.L2TPV3);

        // L2TPv3 in UDP follows the L2TP ports; lengths other than RFC 3931's are refused
        TunnelConfig noPorts = new TunnelConfig(d.maxDepth(), d.teredoPorts(), d.teredoAnyPort(), d.gtpuPorts(), d.gtpuAnyPort(),
                d.vxlanPorts(), d.genevePorts(), d.greUdpPorts(), d.ayiyaPorts(), d.mplsUdpPorts(), d.capwapPorts(), List.of(),
                d.vxlanGpePorts(), 4, 0);
        assertPlainUdp(TunnelDecodeTest.decode(new PacketDecoder(noPorts),
                udp4(1701, 1701, l2tpv3Udp(l2tpv3(3, COOKIES[1], -1, eth(ETH_IPV4, TCP4))))));
        assertThrows(IllegalArgumentException.class, () -> d.withL2tpv3(2, TunnelConfig.DETECT));
        assertThrows(IllegalArgumentException.class, () -> d.withL2tpv3(TunnelConfig.DETECT, 8));
    }
}
