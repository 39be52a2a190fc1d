package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static io.spanwatch.sensor.decode.LinkLayerDecodeTest.MACS;
import static io.spanwatch.sensor.decode.LinkLayerDecodeTest.TCP4;
import static io.spanwatch.sensor.decode.LinkLayerDecodeTest.TCP6;
import static io.spanwatch.sensor.decode.LinkLayerDecodeTest.assertTcp;
import static io.spanwatch.sensor.decode.LinkLayerDecodeTest.le32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.LinkType;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The Juniper link types: the "MGC" header with its flags and extension TLVs stepped over, then each
 * type's frame; frames whose layer 2 header JUNOS took off, read by its protocol number; frames of
 * JUNOS releases that wrote no magic; and every header cut short a named anomaly.
 */
class JuniperDecodeTest {
    private final LinkLayerDecodeTest link = new LinkLayerDecodeTest();

    /** The extension TLVs JUNOS writes: interface index and name, media type (Ethernet), logical unit, encapsulation (Ethernet II). */
    static final byte[] EXTENSIONS = cat(bytes(1, 4), le32(151), bytes(2, 8), ascii("ge-0/0/1"), bytes(3, 1, 1), bytes(5, 1, 0),
            bytes(6, 1, 14));

    private DecodedPacket decode(int linkType, byte[] frame) {
        return link.decode(linkType, frame);
    }

    @Test
    void eachLinkTypeReachesThePacket() {
        byte[] eth4 = cat(MACS, u16(ETH_IPV4), TCP4);
        assertTcp(decode(LinkType.JUNIPER_ETHER, cat(juniper(0x01, null), eth4)), 4, "Ethernet, in, no extensions");
        assertTcp(decode(LinkType.JUNIPER_ETHER, cat(juniper(0x80, EXTENSIONS), cat(MACS, u16(ETH_IPV6), TCP6))), 6, "Ethernet, out, extensions");
        assertTcp(decode(LinkType.JUNIPER_ETHER, eth4), 4, "JUNOS 6.4 wrote no header");
        DecodedPacket pppoe = decode(LinkType.JUNIPER_PPPOE, cat(juniper(0x81, EXTENSIONS), MACS, u16(0x8864), bytes(0x11, 0), u16(0x1234),
                u16(TCP4.length + 2), u16(0x21), TCP4));
        assertTcp(pppoe, 4, "PPPoE");
        assertTrue(pppoe.pppoe);
        assertTcp(decode(LinkType.JUNIPER_PPP, cat(juniper(0x81, EXTENSIONS), bytes(0xff, 0x03), u16(0x21), TCP4)), 4, "PPP");
        assertTcp(decode(LinkType.JUNIPER_PPP, cat(juniper(0x00, null), bytes(0xff, 0x03), u16(0x57), TCP6)), 6, "PPP, IPv6");
        assertTcp(decode(LinkType.JUNIPER_CHDLC, cat(juniper(0x81, EXTENSIONS), bytes(0x0f, 0), u16(ETH_IPV6), TCP6)), 6, "Cisco HDLC");
        assertTcp(decode(LinkType.JUNIPER_GGSN, cat(juniper(0x01, null), bytes(2, 0, 0x2a, 0), TCP4)), 4, "GGSN, IPv4, VLAN 42");
        assertTcp(decode(LinkType.JUNIPER_GGSN, cat(juniper(0x01, null), bytes(6, 0, 0, 0), TCP6)), 6, "GGSN, IPv6");
        assertTcp(decode(LinkType.JUNIPER_VP, cat(juniper(0x01, null), new byte[18], TCP4)), 4, "voice PIC");
        assertTcp(decode(LinkType.JUNIPER_SERVICES, cat(juniper(0x01, null), new byte[16], TCP4)), 4, "services PIC, in");
        assertTcp(decode(LinkType.JUNIPER_SERVICES, cat(juniper(0x80, EXTENSIONS), new byte[12], TCP4)), 4, "services PIC, out");
        byte[] vn = cat(bytes(1, 4, 10, 0, 0, 1), bytes(2, 4), u32(0x40000020L), bytes(3, 4), ascii("red1"), bytes(4, 5), ascii("blue2"),
                bytes(255, 0));
        assertTcp(decode(LinkType.JUNIPER_VN, cat(vn, eth4)), 4, "a vRouter's virtual network TLVs");
    }

    /** JUNOS took the layer 2 header off: its protocol number (little-endian) names the packet. */
    @Test
    void framesWithoutTheirLayer2HeaderAreReadByProtocol() {
        for (int type : new int[] {LinkType.JUNIPER_ETHER, LinkType.JUNIPER_PPP, LinkType.JUNIPER_CHDLC, LinkType.JUNIPER_SERVICES}) {
            String what = LinkType.name(type);
            assertTcp(decode(type, cat(juniper(0x03, null), le32(2), TCP4)), 4, what + ", IPv4");
            assertTcp(decode(type, cat(juniper(0x82, EXTENSIONS), le32(6), TCP6)), 6, what + ", IPv6");
        }
        assertTcp(decode(LinkType.JUNIPER_ETHER, cat(juniper(0x02, null), le32(3), TCP4)), 4, "MPLS to IPv4: the IPv4 packet");
        DecodedPacket mpls = decode(LinkType.JUNIPER_ETHER, cat(juniper(0x02, null), le32(5), mplsLabels(300_000), TCP4));
        assertTcp(mpls, 4, "an MPLS label stack");
        assertEquals(1, mpls.mplsLabels);
        assertTcp(decode(LinkType.JUNIPER_ETHER, cat(juniper(0x02, null), le32(0xa248), new byte[4], TCP4)), 4, "0xa248, 4 bytes, IPv4");
        DecodedPacket clnp = decode(LinkType.JUNIPER_ETHER, cat(juniper(0x02, null), le32(10), bytes(0x81, 0x1c, 1, 30), new byte[40]));
        assertNull(clnp.anomaly, "CLNP is not IP, and not an anomaly");
        assertEquals(0, clnp.ipVersion);
        assertEquals(DecodeAnomaly.JUNIPER_UNKNOWN_PAYLOAD, decode(LinkType.JUNIPER_ETHER, cat(juniper(0x02, null), le32(99), TCP4)).anomaly);
        assertEquals(DecodeAnomaly.JUNIPER_UNKNOWN_PAYLOAD, decode(LinkType.JUNIPER_GGSN, cat(juniper(0x00, null), bytes(99, 0, 0, 0), TCP4)).anomaly);
        assertEquals("decoder.juniper.unknown_payload_type", DecodeAnomaly.JUNIPER_UNKNOWN_PAYLOAD.eventName());
    }

    /** Every header cut short, extensions past the frame, a vRouter's TLVs without their end: the anomaly, never an exception. */
    @Test
    void whatIsCutShortIsAnAnomaly() {
        byte[][] cut = {
            bytes(0x4d, 0x47, 0x43, 0x80, 0),                      // the extensions' length cut
            cat(juniper(0x80, EXTENSIONS), new byte[0]),           // nothing after the extensions (Ethernet cut: its own anomaly)
            cat(bytes(0x4d, 0x47, 0x43, 0x80), u16(200), EXTENSIONS), // extensions past the frame
            cat(juniper(0x02, null), bytes(2, 0)),                 // the protocol number cut
            cat(juniper(0x02, null), le32(0xa248), new byte[2]),   // 0xa248's 4 bytes cut
        };
        for (byte[] frame : cut) {
            assertTrue(decode(LinkType.JUNIPER_ETHER, frame).anomaly != null, Arrays.toString(frame));
        }
        assertEquals(DecodeAnomaly.JUNIPER_TRUNCATED, decode(LinkType.JUNIPER_ETHER, cut[2]).anomaly);
        assertEquals(DecodeAnomaly.JUNIPER_TRUNCATED, decode(LinkType.JUNIPER_PPP, cat(juniper(0x01, null), bytes(0xff))).anomaly);
        assertEquals(DecodeAnomaly.JUNIPER_TRUNCATED, decode(LinkType.JUNIPER_GGSN, cat(juniper(0x01, null), bytes(2, 0))).anomaly);
        assertEquals(DecodeAnomaly.JUNIPER_TRUNCATED, decode(LinkType.JUNIPER_VP, cat(juniper(0x01, null), new byte[17])).anomaly);
        assertEquals(DecodeAnomaly.JUNIPER_TRUNCATED, decode(LinkType.JUNIPER_SERVICES, cat(juniper(0x01, null), new byte[14])).anomaly);
        assertEquals(DecodeAnomaly.JUNIPER_TRUNCATED, decode(LinkType.JUNIPER_VN, bytes(1, 4, 10, 0, 0, 1)).anomaly, "no last TLV");
        assertEquals(DecodeAnomaly.JUNIPER_TRUNCATED, decode(LinkType.JUNIPER_VN, bytes(255, 8, 0, 0)).anomaly, "the last TLV past the frame");
        byte[] many = new byte[2 * (Juniper.MAX_VN_TLVS + 1) + 60];
        assertEquals(DecodeAnomaly.JUNIPER_TRUNCATED, decode(LinkType.JUNIPER_VN, many).anomaly, "more TLVs than walked");
        assertEquals(DecodeAnomaly.ETHERNET_TRUNCATED, decode(LinkType.JUNIPER_ETHER, cut[1]).anomaly);
        assertEquals("decoder.juniper.pkt_too_small", DecodeAnomaly.JUNIPER_TRUNCATED.eventName());
        for (int n = 0; n < 40; n++) { // every prefix of a header with extensions, and of a vRouter's
            decode(LinkType.JUNIPER_CHDLC, Arrays.copyOf(cat(juniper(0x82, EXTENSIONS), le32(2)), n));
            decode(LinkType.JUNIPER_VN, Arrays.copyOf(cat(bytes(1, 4, 10, 0, 0, 1), bytes(255, 0)), Math.min(n, 8)));
        }
    }
}
