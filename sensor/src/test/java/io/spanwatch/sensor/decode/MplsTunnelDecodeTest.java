package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Decodes MPLS label stacks carried across IP: in GRE (protocol types 0x8847, 0x8848), straight over
 * IP (protocol 137, RFC 4023) and in UDP (RFC 7510), each with IPv4, IPv6 and pseudowire payloads.
 * The carrier is a tunnel (counted, within the depth limit); a malformed stack inside it is the
 * stack's own anomaly, never an exception.
 */
class MplsTunnelDecodeTest {
    private static final byte[] TCP4 = ipv4(6, "10.20.0.5", "93.184.216.34", Frames.tcp(40_000, 80, ascii("GET /")));
    private static final byte[] TCP6 = ipv6(6, "2001:db8::5", "2001:db8::80", Frames.tcp(40_000, 80, ascii("GET /")));
    private static final byte[] CONTROL_WORD = bytes(0, 0, 0, 9);
    private final PacketDecoder decoder = new PacketDecoder();

    /** The three carriers, each around a label stack and what follows it, over an IPv4 or IPv6 outer header. */
    enum Carrier {
        GRE, IP, UDP;

        byte[] wrap(boolean outer6, byte[] stack) {
            int proto = this == GRE ? 47 : this == IP ? 137 : 17;
            byte[] payload = switch (this) {
                case GRE -> gre(false, true, false, 0x8847, stack);
                case IP -> stack;
                case UDP -> udp(49_152, TunnelConfig.PORT_MPLS_UDP, stack);
            };
            return outer6 ? eth(ETH_IPV6, ipv6(proto, "2001:db8:ff::1", "2001:db8:ff::2", payload))
                    : eth(ETH_IPV4, ipv4(proto, "192.0.2.1", "192.0.2.2", payload));
        }

        TunnelKind kind() {
            return switch (this) {
                case GRE -> TunnelKind.GRE;
                case IP -> TunnelKind.MPLS_IN_IP;
                case UDP -> TunnelKind.MPLS_IN_UDP;
            };
        }
    }

    private DecodedPacket decode(byte[] frame) {
        return TunnelDecodeTest.decode(decoder, frame);
    }

    private static List<TunnelKind> decaps(DecodedPacket p) {
        List<TunnelKind> l = new ArrayList<>();
        for (int i = 0; i < p.decapCount; i++) {
            l.add(TunnelKind.of(p.decaps[i]));
        }
        return l;
    }

    private static void assertInnerTcp(DecodedPacket p, int version, int labels, TunnelKind... kinds) {
        assertNull(p.anomaly, "anomaly");
        assertTrue(p.isTcp(), "inner TCP");
        assertEquals(version, p.ipVersion);
        assertEquals(80, p.dstPort);
        assertEquals("GET /", new String(p.buf, p.payloadOff, p.payloadLen, StandardCharsets.ISO_8859_1));
        assertEquals(labels, p.mplsLabels, "labels");
        assertEquals(1, p.tunnelDepth, "the carrier is a tunnel, the label stack is not");
        assertEquals(List.of(kinds), decaps(p));
    }

    @Test
    void eachCarrierOverIpv4AndIpv6() {
        for (Carrier c : Carrier.values()) {
            for (boolean outer6 : new boolean[] {false, true}) {
                String what = c + (outer6 ? " over IPv6" : " over IPv4");
                assertInnerTcp(decode(c.wrap(outer6, cat(mplsLabels(100, 200), TCP4))), 4, 2, c.kind());
                assertInnerTcp(decode(c.wrap(outer6, cat(mplsLabels(2), TCP6))), 6, 1, c.kind());
                assertInnerTcp(decode(c.wrap(outer6, cat(mplsLabels(16), CONTROL_WORD, eth(ETH_IPV4, TCP4)))), 4, 1, c.kind());
                assertInnerTcp(decode(c.wrap(outer6, cat(mplsLabels(16), eth(ETH_IPV6, TCP6)))), 6, 1, c.kind());
                // the outer length fields (IP, and UDP's) are recorded, to rebuild the frame around a reassembled datagram
                DecodedPacket p = decode(c.wrap(outer6, cat(mplsLabels(7), TCP4)));
                assertEquals(c == Carrier.UDP ? 2 : 1, p.encapLengthCount, what);
            }
        }
    }

    @Test
    void greCarriesBothMplsTypesAndGreInUdpToo() {
        byte[] multicast = eth(ETH_IPV4, ipv4(47, "192.0.2.1", "192.0.2.2", gre(true, false, true, 0x8848, cat(mplsLabels(30), TCP4))));
        assertInnerTcp(decode(multicast), 4, 1, TunnelKind.GRE);
        byte[] inUdp = eth(ETH_IPV4, ipv4(17, "192.0.2.1", "192.0.2.2", udp(50_000, TunnelConfig.PORT_GRE_UDP,
                gre(false, false, false, 0x8847, cat(mplsLabels(30), TCP6)))));
        assertInnerTcp(decode(inUdp), 6, 1, TunnelKind.GRE, TunnelKind.GRE_IN_UDP);
    }

    @Test
    void geneveNamesMplsByItsEtherTypes() {
        byte[] option = bytes(0x01, 0x08, 0x03, 0x01, 0, 0, 0, 0); // one 8-byte option, skipped
        for (int type : new int[] {0x8847, 0x8848}) {
            byte[] gnv = cat(bytes(option.length / 4, 0), u16(type), bytes(0, 0, 1, 0), option, mplsLabels(100, 200), TCP4);
            assertInnerTcp(decode(eth(ETH_IPV4, ipv4(17, "192.0.2.1", "192.0.2.2", udp(50_000, TunnelConfig.PORT_GENEVE, gnv)))), 4, 2,
                    TunnelKind.GENEVE);
            byte[] pw = cat(bytes(0, 0), u16(type), bytes(0, 0, 1, 0), mplsLabels(16), CONTROL_WORD, eth(ETH_IPV6, TCP6));
            assertInnerTcp(decode(eth(ETH_IPV6, ipv6(17, "2001:db8:ff::1", "2001:db8:ff::2", udp(50_000, TunnelConfig.PORT_GENEVE, pw)))),
                    6, 1, TunnelKind.GENEVE);
        }
        // a stack cut short inside Geneve is the stack's anomaly
        byte[] cut = cat(bytes(0, 0), u16(0x8847), bytes(0, 0, 1, 0), bytes(0, 1, 0));
        assertEquals(DecodeAnomaly.MPLS_TRUNCATED, decode(eth(ETH_IPV4, ipv4(17, "192.0.2.1", "192.0.2.2",
                udp(50_000, TunnelConfig.PORT_GENEVE, cut)))).anomaly);
    }

    @Test
    void ipProtocol137AfterIpv6ExtensionHeaders() {
        byte[] frame = eth(ETH_IPV6, ipv6(60, "2001:db8:ff::1", "2001:db8:ff::2", cat(ext(137, 0), mplsLabels(40), TCP4)));
        assertInnerTcp(decode(frame), 4, 1, TunnelKind.MPLS_IN_IP);
    }

    @Test
    void mplsInUdpIsRecognisedByDestinationPortAsConfigured() {
        byte[] stack = cat(mplsLabels(100), TCP4);
        // the source port is entropy (RFC 7510): 6635 there is not MPLS
        DecodedPacket bySource = decode(eth(ETH_IPV4, ipv4(17, "192.0.2.1", "192.0.2.2", udp(6635, 50_000, stack))));
        assertTrue(bySource.isUdp(), "plain UDP");
        assertEquals(0, bySource.tunnelDepth);
        assertEquals(0, bySource.mplsLabels);
        TunnelConfig d = TunnelConfig.DEFAULTS;
        TunnelConfig other = new TunnelConfig(d.maxDepth(), d.teredoPorts(), d.teredoAnyPort(), d.gtpuPorts(), d.gtpuAnyPort(),
                d.vxlanPorts(), d.genevePorts(), d.greUdpPorts(), d.ayiyaPorts(), List.of(7000), List.of(5247), List.of(1701),
                d.vxlanGpePorts(), d.l2tpv3CookieLength(), d.l2tpv3Sublayer());
        byte[] on7000 = eth(ETH_IPV4, ipv4(17, "192.0.2.1", "192.0.2.2", udp(50_000, 7000, stack)));
        assertInnerTcp(TunnelDecodeTest.decode(new PacketDecoder(other), on7000), 4, 1, TunnelKind.MPLS_IN_UDP);
        assertTrue(decode(on7000).isUdp(), "7000 is not an MPLS port by default");
        DecodedPacket off = TunnelDecodeTest.decode(new PacketDecoder(other), Carrier.UDP.wrap(false, stack));
        assertTrue(off.isUdp(), "6635 no longer configured");
        assertEquals(0, off.tunnelDepth);
        assertThrows(IllegalArgumentException.class, () -> new TunnelConfig(4, List.of(), false, List.of(), false, List.of(),
                List.of(), List.of(), List.of(), List.of(0), List.of(), List.of(1701), List.of(), TunnelConfig.DETECT,
                TunnelConfig.DETECT));
    }

    @Test
    void malformedStacksInsideEachCarrierAreAnomalies() {
        byte[] twenty = new byte[0];
        for (int i = 0; i < 20; i++) {
            twenty = cat(twenty, bytes(0, 0, 0x10, 64)); // label 1, never the bottom
        }
        for (Carrier c : Carrier.values()) {
            for (boolean outer6 : new boolean[] {false, true}) {
                String what = c + (outer6 ? " over IPv6" : " over IPv4");
                assertEquals(DecodeAnomaly.MPLS_TRUNCATED, decode(c.wrap(outer6, new byte[0])).anomaly, what);
                assertEquals(DecodeAnomaly.MPLS_TRUNCATED, decode(c.wrap(outer6, bytes(0, 1))).anomaly, what);
                assertEquals(DecodeAnomaly.MPLS_PKT_TOO_SMALL, decode(c.wrap(outer6, mplsLabels(100))).anomaly, what);
                assertEquals(DecodeAnomaly.MPLS_UNKNOWN_PAYLOAD,
                        decode(c.wrap(outer6, cat(mplsLabels(100), bytes(0x10, 0, 0, 0x21), new byte[30]))).anomaly, what);
                DecodedPacket many = decode(c.wrap(outer6, cat(twenty, TCP4)));
                assertEquals(DecodeAnomaly.MPLS_TOO_MANY_LABELS, many.anomaly, what);
                assertEquals(PacketDecoder.MAX_MPLS_LABELS, many.mplsLabels, what);
                assertEquals(DecodeAnomaly.ETHERNET_TRUNCATED,
                        decode(c.wrap(outer6, cat(mplsLabels(100), CONTROL_WORD, new byte[9]))).anomaly, what);
                DecodedPacket cut = decode(c.wrap(outer6, cat(mplsLabels(100), Arrays.copyOf(TCP4, 30))));
                assertEquals(DecodeAnomaly.IPV4_TRUNC_PKT, cut.anomaly, what);
                assertEquals(1, cut.tunnelDepth, what + ": the carrier was entered");
            }
        }
    }

    @Test
    void everyTruncationIsDecodedOrAnAnomaly() {
        for (Carrier c : Carrier.values()) {
            for (boolean outer6 : new boolean[] {false, true}) {
                byte[][] wholes = {
                    c.wrap(outer6, cat(mplsLabels(100, 200), TCP4)),
                    c.wrap(outer6, cat(mplsLabels(16), CONTROL_WORD, eth(ETH_IPV6, TCP6))),
                };
                for (byte[] whole : wholes) {
                    assertTrue(decode(whole).isTcp());
                    for (int len = 0; len < whole.length; len++) {
                        byte[] cut = Arrays.copyOf(whole, len); // exact size: a read past the end would throw
                        DecodedPacket p = decode(cut);
                        assertNotNull(p.anomaly, c + " truncated to " + len + " bytes but no anomaly");
                        assertFalse(p.isTcp(), c + " truncated to " + len);
                        // the same cut as a snap length: the outer length fields announce more than was captured
                        DecodedPacket s = new DecodedPacket();
                        s.reset(cut, 1, whole.length);
                        decoder.decode(io.spanwatch.sensor.capture.LinkType.ETHERNET, cut, 0, len, s);
                        assertTrue(s.payloadOff + s.payloadLen <= len, c + " snap cut to " + len);
                    }
                }
            }
        }
    }

    @Test
    void depthLimitHoldsThroughEveryCarrier() {
        // MPLS in UDP in MPLS in IP in MPLS in GRE ..., each level one label and an IPv4 header: the
        // depth limit ends it before the label bound (one label per level).
        byte[] inner = TCP4;
        for (int level = 1; level <= TunnelConfig.MAX_DEPTH + 2; level++) {
            Carrier c = Carrier.values()[level % 3];
            byte[] frame = c.wrap(false, cat(mplsLabels(100 + level), inner));
            inner = Arrays.copyOfRange(frame, 14, frame.length);
            DecodedPacket p = decode(frame);
            if (level <= PacketDecoder.DEFAULT_MAX_TUNNEL_DEPTH) {
                assertNull(p.anomaly, "depth " + level);
                assertEquals(level, p.tunnelDepth);
                assertEquals(level, p.mplsLabels);
            } else {
                assertEquals(DecodeAnomaly.TUNNEL_TOO_DEEP, p.anomaly, "depth " + level);
                assertEquals(PacketDecoder.DEFAULT_MAX_TUNNEL_DEPTH, p.tunnelDepth);
            }
            DecodedPacket most = TunnelDecodeTest.decode(new PacketDecoder(TunnelConfig.MAX_DEPTH), frame);
            assertEquals(level <= TunnelConfig.MAX_DEPTH ? null : DecodeAnomaly.TUNNEL_TOO_DEEP, most.anomaly, "depth " + level);
        }
        // no tunnel at all allowed: the carrier alone is too deep
        for (Carrier c : Carrier.values()) {
            DecodedPacket none = TunnelDecodeTest.decode(new PacketDecoder(0), c.wrap(true, cat(mplsLabels(5), TCP4)));
            assertEquals(DecodeAnomaly.TUNNEL_TOO_DEEP, none.anomaly, c.toString());
            assertEquals(0, none.mplsLabels, c + ": the stack was not read");
        }
    }

    @Test
    void pseudowiresAndCarriersNestedWithoutEndStopAtABound() {
        // MPLS in UDP whose pseudowire's Ethernet holds IPv4 with MPLS in IP whose pseudowire holds ..., 100
        // times (as deep as IP lengths allow): the depth limit ends it, whatever the limit.
        byte[] ip = TCP4;
        for (int i = 0; i < 100; i++) {
            Carrier c = i % 2 == 0 ? Carrier.IP : Carrier.UDP;
            byte[] frame = c.wrap(false, cat(mplsLabels(100), CONTROL_WORD, eth(ETH_IPV4, ip)));
            ip = Arrays.copyOfRange(frame, 14, frame.length);
        }
        assertTrue(ip.length < 65_535, "every IP length fits");
        for (int limit = 0; limit <= TunnelConfig.MAX_DEPTH; limit++) {
            DecodedPacket p = TunnelDecodeTest.decode(new PacketDecoder(limit), eth(ETH_IPV4, ip));
            assertEquals(DecodeAnomaly.TUNNEL_TOO_DEEP, p.anomaly, "limit " + limit);
            assertEquals(limit, p.tunnelDepth);
            assertEquals(limit, p.mplsLabels);
        }
        // labels in one stack, over IP: the label bound holds first
        int[] seventeen = new int[PacketDecoder.MAX_MPLS_LABELS + 1];
        Arrays.fill(seventeen, 20);
        assertEquals(DecodeAnomaly.MPLS_TOO_MANY_LABELS, decode(Carrier.IP.wrap(false, cat(mplsLabels(seventeen), TCP4))).anomaly);
    }
}
