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
import static io.spanwatch.sensor.decode.TunnelDecodeTest.decaps;
import static io.spanwatch.sensor.decode.TunnelDecodeTest.udp4;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Decodes VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe) on its own port, 4790: each next protocol (IPv4, IPv6,
 * Ethernet, NSH, MPLS), the P flag clear (Ethernet, as VXLAN), and its malformed forms, which are named
 * anomalies on the datagram left as UDP.
 */
class VxlanGpeDecodeTest {
    private final PacketDecoder decoder = new PacketDecoder();

    private DecodedPacket decode(byte[] frame) {
        return TunnelDecodeTest.decode(decoder, frame);
    }

    /** A VXLAN-GPE datagram from an ephemeral (entropy) source port to 4790. */
    private DecodedPacket gpe(int next, byte[] payload) {
        return decode(udp4(49_321, 4790, vxlanGpe(5000, next, payload)));
    }

    private static void assertAnomalyOnUdp(DecodedPacket p, DecodeAnomaly a) {
        assertEquals(a, p.anomaly);
        assertEquals(0, p.tunnelDepth);
        assertEquals(17, p.proto, "the outer datagram");
        assertEquals(4790, p.dstPort);
    }

    @Test
    void nextProtocolIpv4AndIpv6() {
        assertTcp(gpe(1, TCP4), SRC4, DST4, TunnelKind.VXLAN_GPE);
        assertTcp(gpe(2, TCP6), SRC6, DST6, TunnelKind.VXLAN_GPE);
        DecodedPacket overIpv6 = decode(eth(ETH_IPV6, ipv6(17, "2001:db8::1", "2001:db8::2", udp(50_001, 4790, vxlanGpe(7, 1, TCP4)))));
        assertTcp(overIpv6, SRC4, DST4, TunnelKind.VXLAN_GPE);
        assertEquals(2, overIpv6.encapLengthCount, "outer IPv6 and UDP lengths");
    }

    @Test
    void nextProtocolEthernetAndTheFlagPClearCarryAnEthernetFrame() {
        assertTcp(gpe(3, eth(ETH_IPV4, TCP4)), SRC4, DST4, TunnelKind.VXLAN_GPE);
        DecodedPacket tagged = gpe(3, ethTagged(new int[] {0x8100}, new int[] {42}, ETH_IPV6, TCP6));
        assertTcp(tagged, SRC6, DST6, TunnelKind.VXLAN_GPE);
        assertEquals(42, tagged.vlans[0]);
        // P clear: the next protocol byte means nothing and the payload is Ethernet, as in VXLAN
        assertTcp(gpe(-1, eth(ETH_IPV6, TCP6)), SRC6, DST6, TunnelKind.VXLAN_GPE);
        byte[] stale = vxlanGpe(5000, -1, eth(ETH_IPV4, TCP4));
        stale[3] = 1;
        assertTcp(decode(udp4(49_321, 4790, stale)), SRC4, DST4, TunnelKind.VXLAN_GPE);
        // the B (broadcast) flag changes nothing
        byte[] flagged = vxlanGpe(5000, 1, TCP4);
        flagged[0] |= 0x02;
        assertTcp(decode(udp4(49_321, 4790, flagged)), SRC4, DST4, TunnelKind.VXLAN_GPE);
    }

    @Test
    void nextProtocolNshAndMpls() {
        // NSH read as after its EtherType: metadata type 2 with IPv4, type 1 (24 bytes) with Ethernet
        assertTcp(gpe(4, cat(LinkLayerDecodeTest.nsh(2, 2, 1), TCP4)), SRC4, DST4, TunnelKind.VXLAN_GPE);
        assertTcp(gpe(4, cat(LinkLayerDecodeTest.nsh(6, 1, 3), eth(ETH_IPV6, TCP6))), SRC6, DST6, TunnelKind.VXLAN_GPE);
        assertEquals(DecodeAnomaly.NSH_UNSUPPORTED_VERSION, gpe(4, cat(bytes(0x40, 2, 2, 1, 0, 0, 0, 0), TCP4)).anomaly);
        // MPLS: IP after the stack, and an Ethernet pseudowire with its control word
        DecodedPacket labelled = gpe(5, cat(mplsLabels(100, 16), TCP4));
        assertTcp(labelled, SRC4, DST4, TunnelKind.VXLAN_GPE);
        assertEquals(2, labelled.mplsLabels);
        DecodedPacket pseudowire = gpe(5, cat(mplsLabels(200), bytes(0, 0, 0, 0), eth(ETH_IPV6, TCP6)));
        assertTcp(pseudowire, SRC6, DST6, TunnelKind.VXLAN_GPE);
        assertEquals(1, pseudowire.mplsLabels);
    }

    @Test
    void aVersionOtherThanZeroIsAnAnomaly() {
        for (int version = 1; version <= 3; version++) {
            byte[] h = vxlanGpe(5000, 1, TCP4);
            h[0] |= (byte) (version << 4);
            assertAnomalyOnUdp(decode(udp4(49_321, 4790, h)), DecodeAnomaly.VXLAN_GPE_UNSUPPORTED_VERSION);
        }
    }

    /** The fifth evasion review hid a decoy segment in an OAM packet, which Linux's tunnel end drops. */
    @Test
    void theOamFlagKeepsThePayloadFromTheTenant() {
        for (int next : new int[] {1, 3}) {
            byte[] h = vxlanGpe(5000, next, next == 1 ? TCP4 : eth(ETH_IPV4, TCP4));
            h[0] |= 0x01;
            assertAnomalyOnUdp(decode(udp4(49_321, 4790, h)), DecodeAnomaly.VXLAN_GPE_OAM);
            h[0] |= 0x02; // with B as well
            assertAnomalyOnUdp(decode(udp4(49_321, 4790, h)), DecodeAnomaly.VXLAN_GPE_OAM);
        }
    }

    @Test
    void anUnknownNextProtocolIsAnAnomaly() {
        for (int next : new int[] {0, 6, 7, 0x80, 0xff}) {
            assertAnomalyOnUdp(gpe(next, TCP4), DecodeAnomaly.VXLAN_GPE_UNKNOWN_PAYLOAD);
        }
    }

    @Test
    void aCutHeaderIsAnAnomalyAndTheFlagIClearIsNotVxlanGpe() {
        assertAnomalyOnUdp(decode(udp4(49_321, 4790, bytes(0x0c, 0, 0, 1, 0, 0, 0x13))), DecodeAnomaly.VXLAN_GPE_TRUNCATED);
        byte[] noVni = vxlanGpe(5000, 1, TCP4);
        noVni[0] = 0x04;
        assertPlainUdp(decode(udp4(49_321, 4790, noVni)));
        noVni[0] = 0x34; // version bits set too: without I this is not VXLAN-GPE at all, so no version anomaly (review)
        assertPlainUdp(decode(udp4(49_321, 4790, noVni)));
        assertEquals(DecodeAnomaly.IPV4_TRUNCATED, gpe(1, new byte[12]).anomaly, "a cut inner packet is its own anomaly");
    }

    /** 4790 is VXLAN-GPE's and 4789 VXLAN's: each is read as its own kind, on the destination port only, as configured. */
    @Test
    void itsPortIsItsOwnAndFollowsTheConfiguration() {
        // a VXLAN-GPE header naming IPv4, sent to VXLAN's port, is VXLAN with a frame that is not Ethernet
        DecodedPacket asVxlan = decode(udp4(49_321, 4789, vxlanGpe(5000, 1, TCP4)));
        assertEquals(List.of(TunnelKind.VXLAN), decaps(asVxlan));
        assertFalse(asVxlan.isTcp());
        // plain VXLAN to 4790 is VXLAN-GPE without P: the same Ethernet frame
        assertTcp(decode(udp4(49_321, 4790, vxlan(5000, eth(ETH_IPV4, TCP4)))), SRC4, DST4, TunnelKind.VXLAN_GPE);
        // the source port is entropy: 4790 there is not VXLAN-GPE
        assertPlainUdp(decode(udp4(4790, 49_321, vxlanGpe(5000, 1, TCP4))));
        TunnelConfig d = TunnelConfig.DEFAULTS;
        for (List<Integer> ports : List.of(List.of(14_790), List.<Integer>of())) {
            TunnelConfig moved = new TunnelConfig(d.maxDepth(), d.teredoPorts(), d.teredoAnyPort(), d.gtpuPorts(), d.gtpuAnyPort(),
                    d.vxlanPorts(), d.genevePorts(), d.greUdpPorts(), d.ayiyaPorts(), d.mplsUdpPorts(), d.capwapPorts(), d.l2tpPorts(),
                    ports, d.l2tpv3CookieLength(), d.l2tpv3Sublayer());
            PacketDecoder other = new PacketDecoder(moved);
            assertPlainUdp(TunnelDecodeTest.decode(other, udp4(49_321, 4790, vxlanGpe(5000, 1, TCP4))));
            DecodedPacket moved14790 = TunnelDecodeTest.decode(other, udp4(49_321, 14_790, vxlanGpe(5000, 1, TCP4)));
            if (ports.isEmpty()) {
                assertPlainUdp(moved14790);
            } else {
                assertTcp(moved14790, SRC4, DST4, TunnelKind.VXLAN_GPE);
            }
        }
    }

    @Test
    void nestedInsideAnotherTunnelAndWithinTheDepthLimit() {
        byte[] inner = udp4(49_321, 4790, vxlanGpe(1, 1, TCP4));
        byte[] outer = eth(ETH_IPV4, ipv4(17, "192.0.2.1", "192.0.2.2", udp(50_000, 4789, vxlan(9, inner))));
        DecodedPacket p = decode(outer);
        assertTcp(p, SRC4, DST4, TunnelKind.VXLAN, TunnelKind.VXLAN_GPE);
        assertEquals(DecodeAnomaly.TUNNEL_TOO_DEEP, TunnelDecodeTest.decode(new PacketDecoder(1), outer).anomaly);
    }
}
