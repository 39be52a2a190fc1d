package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static io.spanwatch.sensor.decode.TunnelDecodeTest.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Decodes HP's Encapsulated Remote Mirroring (Wireshark's {@code packet-hp-erm.c} layout) on the port
 * an operator configured, and keeps what is not a mirrored IP frame as UDP.
 */
class HpErmDecodeTest {
    private static final int PORT = 7932;
    private final PacketDecoder decoder = new PacketDecoder(TunnelConfig.DEFAULTS.withHpErmPorts(List.of(PORT)));

    /** The 12-byte header: 8 unpublished bytes, then priority, VLAN id and the tagged bit. */
    static byte[] hpErm(int priority, int vlan, boolean tagged, byte[] frame) {
        return cat(bytes(0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78), u32(((long) priority << 21) | (long) vlan << 8 | (tagged ? 0x80 : 0)), frame);
    }

    private DecodedPacket decode(byte[] frame) {
        return TunnelDecodeTest.decode(decoder, frame);
    }

    @Test
    void aMirroredFrameIsDecodedOnTheConfiguredPortEitherSide() {
        assertInner(decode(udp4(PORT, PORT, hpErm(2, 0, false, eth(ETH_IPV4, TCP4)))), 4, TunnelKind.HP_ERM);
        assertInner(decode(udp4(40_000, PORT, hpErm(0, 0, false, eth(ETH_IPV6, TCP6)))), 6, TunnelKind.HP_ERM);
        DecodedPacket fromPort = decode(udp4(PORT, 40_000, hpErm(0, 0, false, eth(ETH_IPV4, TCP4))));
        assertInner(fromPort, 4, TunnelKind.HP_ERM);
        assertEquals(0, fromPort.vlanCount, "an untagged frame");
        // Not by default: no port is HP's, the operator chooses one.
        assertPlainUdp(TunnelDecodeTest.decode(new PacketDecoder(), udp4(PORT, PORT, hpErm(0, 0, false, eth(ETH_IPV4, TCP4)))));
        assertPlainUdp(decode(udp4(40_000, PORT + 1, hpErm(0, 0, false, eth(ETH_IPV4, TCP4)))));
    }

    @Test
    void theTagTheSwitchTookOutIsRecordedAndATagLeftInTheFrameRead() {
        DecodedPacket p = decode(udp4(PORT, PORT, hpErm(5, 1234, true, eth(ETH_IPV4, TCP4))));
        assertInner(p, 4, TunnelKind.HP_ERM);
        assertEquals(1, p.vlanCount);
        assertEquals(1234, p.vlans[0]);
        DecodedPacket inner = decode(udp4(PORT, PORT, hpErm(0, 0, false, ethTagged(new int[] {0x8100}, new int[] {77}, ETH_IPV4, TCP4))));
        assertInner(inner, 4, TunnelKind.HP_ERM);
        assertEquals(77, inner.vlans[0]);
    }

    @Test
    void aShortPacketInAFramePaddedToSixtyBytesIsDecoded() {
        byte[] small = ipv4(6, SRC4, DST4, Frames.tcp(40_000, 80, ascii("GET /")));
        byte[] frame = Arrays.copyOf(eth(ETH_IPV4, small), 60);
        assertInner(decode(udp4(PORT, PORT, hpErm(0, 0, false, frame))), 4, TunnelKind.HP_ERM);
        // Padding past 60 bytes is not Ethernet's: another length than the packet's is not a mirrored frame.
        assertPlainUdp(decode(udp4(PORT, PORT, hpErm(0, 0, false, Arrays.copyOf(eth(ETH_IPV4, small), 61)))));
    }

    @Test
    void whatIsNotAMirroredIpFrameStaysUdp() {
        byte[] arp = eth(0x0806, cat(bytes(0, 1, 8, 0, 6, 4, 0, 1), new byte[20]));
        assertPlainUdp(decode(udp4(PORT, PORT, hpErm(0, 0, false, arp))));
        byte[] groupSource = eth(ETH_IPV4, TCP4);
        groupSource[6] |= 1;
        assertPlainUdp(decode(udp4(PORT, PORT, hpErm(0, 0, false, groupSource))));
        byte[] badVersion = eth(ETH_IPV4, TCP4);
        badVersion[14] = 0x65;
        assertPlainUdp(decode(udp4(PORT, PORT, hpErm(0, 0, false, badVersion))));
        assertPlainUdp(decode(udp4(PORT, PORT, hpErm(0, 0, false, cat(eth(ETH_IPV4, TCP4), new byte[8]))))); // longer than its packet
        assertPlainUdp(decode(udp4(PORT, PORT, hpErm(0, 0, false, eth(ETH_IPV6, TCP4))))); // IPv4 under IPv6's EtherType
        assertPlainUdp(decode(udp4(PORT, PORT, ascii("<13>1 2026-01-01T00:00:00Z host app - - - a syslog line on the port"))));
    }

    @Test
    void aDatagramTheSnapLengthCutInsideTheHeadersIsAnAnomaly() {
        byte[] whole = udp4(PORT, PORT, hpErm(0, 0, false, eth(ETH_IPV4, TCP4)));
        byte[] cut = Arrays.copyOf(whole, 14 + 20 + 8 + HpErm.HLEN + 13);
        DecodedPacket p = new DecodedPacket();
        p.reset(cut, 1, whole.length);
        decoder.decode(io.spanwatch.sensor.capture.LinkType.ETHERNET, cut, 0, cut.length, p);
        assertEquals(DecodeAnomaly.HP_ERM_TRUNCATED, p.anomaly);
        // As short, but whole: not a mirrored frame.
        assertPlainUdp(decode(udp4(PORT, PORT, Arrays.copyOf(hpErm(0, 0, false, eth(ETH_IPV4, TCP4)), HpErm.HLEN + 13))));
        assertEquals("decoder.hp_erm.pkt_too_small", DecodeAnomaly.HP_ERM_TRUNCATED.eventName());
    }

    @Test
    void portsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> TunnelConfig.DEFAULTS.withHpErmPorts(List.of(0)));
        assertEquals(List.of(), TunnelConfig.DEFAULTS.hpErmPorts());
    }
}
