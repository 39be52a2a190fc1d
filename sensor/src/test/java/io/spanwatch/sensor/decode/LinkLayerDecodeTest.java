package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.LinkType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The link layers and layer-2 headers beyond plain Ethernet that captures come in: 802.11 bare and
 * behind radiotap, PPP, Cisco HDLC, NFLOG, and VN-Tag, 802.1ah, FabricPath and LLC/SNAP inside
 * Ethernet. Each must reach the TCP payload inside, and a header cut short is its named anomaly.
 */
class LinkLayerDecodeTest {
    static final byte[] TCP4 = ipv4(6, "172.16.1.2", "93.184.216.34", Frames.tcp(40_000, 80, ascii("GET /")));
    static final byte[] TCP6 = ipv6(6, "2001:db8::7", "2001:db8::80", Frames.tcp(40_000, 80, ascii("GET /")));

    private final PacketDecoder decoder = new PacketDecoder();

    DecodedPacket decode(int linkType, byte[] frame) {
        byte[] buf = cat(bytes(0x5a, 0x5a), frame, bytes(0x5a, 0x5a, 0x5a, 0x5a));
        DecodedPacket p = new DecodedPacket();
        p.reset(buf, 1L, frame.length);
        decoder.decode(linkType, buf, 2, frame.length, p);
        return p;
    }

    static void assertTcp(DecodedPacket p, int version, String what) {
        assertNull(p.anomaly, what);
        assertEquals(version, p.ipVersion, what);
        assertEquals(80, p.dstPort, what);
        assertEquals("GET /", new String(p.buf, p.payloadOff, p.payloadLen, StandardCharsets.ISO_8859_1), what);
        assertEquals(0, p.tunnelDepth, what + ": a link layer, not a tunnel");
    }

    /** A radiotap header: version 0, its length, the present bitmap(s), then the fields. */
    private static byte[] radiotap(byte[] present, byte[] fields) {
        int len = 4 + present.length + fields.length;
        return cat(bytes(0, 0, len & 0xff, len >> 8), present, fields);
    }

    @Test
    void monitorModeWifiFramesAreDecodedBareAndBehindRadiotap() {
        byte[] frame = wlanData(true, false, false, false, snap(ETH_IPV4, TCP4));
        assertTcp(decode(LinkType.IEEE802_11, frame), 4, "802.11");
        // TSFT (8 bytes, aligned to 8) and flags (FCS at the end): the FCS is left to the IP length
        byte[] tsftFlags = radiotap(bytes(0x03, 0, 0, 0), cat(new byte[8], bytes(0x10), new byte[3]));
        assertTcp(decode(LinkType.IEEE802_11_RADIOTAP, cat(tsftFlags, frame, bytes(1, 2, 3, 4))), 4, "radiotap with FCS");
        // an extended present bitmap (bit 31), so the fields start 4 bytes later
        byte[] extended = radiotap(bytes(0x02, 0, 0, 0x80, 0x02, 0, 0, 0), bytes(0, 0, 0, 0));
        assertTcp(decode(LinkType.IEEE802_11_RADIOTAP, cat(extended, wlanData(false, false, true, false, snap(ETH_IPV6, TCP6)))), 6,
                "radiotap, extended bitmap, four addresses, IPv6");
        // an A-MSDU: the first subframe is the packet, the next one is marked for the capture thread
        byte[] amsdu = wlanData(true, false, false, true, cat(amsduSubframe(ETH_IPV4, TCP4, false), amsduSubframe(ETH_IPV4, TCP4, true)));
        DecodedPacket a = decode(LinkType.IEEE802_11_RADIOTAP, cat(tsftFlags, amsdu, bytes(1, 2, 3, 4)));
        assertTcp(a, 4, "A-MSDU");
        assertTrue(a.amsduNext > 0, "second subframe marked");
        byte[] rebuilt = EncapLengths.subframe(a.buf, 2, a.amsduStart, a.amsduEnd, EncapLengths.relative(a, 2), a.amsduNext);
        assertTcp(decode(LinkType.IEEE802_11_RADIOTAP, rebuilt), 4, "the second subframe rebuilt");
        // encrypted and management frames are not IP, and not anomalies
        byte[] protectedFrame = frame.clone();
        protectedFrame[1] |= 0x40;
        DecodedPacket enc = decode(LinkType.IEEE802_11, protectedFrame);
        assertEquals(0, enc.ipVersion);
        assertNull(enc.anomaly);
        DecodedPacket beacon = decode(LinkType.IEEE802_11, cat(bytes(0x80, 0), new byte[40]));
        assertEquals(0, beacon.ipVersion);
        assertNull(beacon.anomaly);
        assertEquals(DecodeAnomaly.RADIOTAP_TRUNCATED, decode(LinkType.IEEE802_11_RADIOTAP, bytes(0, 0, 8, 0, 0)).anomaly);
        assertEquals(DecodeAnomaly.RADIOTAP_TRUNCATED, decode(LinkType.IEEE802_11_RADIOTAP, bytes(0, 0, 0x40, 0, 0, 0, 0, 0, 1)).anomaly);
        assertEquals(DecodeAnomaly.IEEE802_11_TRUNCATED, decode(LinkType.IEEE802_11, bytes(0x08, 1, 0, 0)).anomaly);
    }

    @Test
    void serialLinksCarryPppAndCiscoHdlc() {
        assertTcp(decode(LinkType.PPP_HDLC, cat(bytes(0xff, 0x03, 0, 0x21), TCP4)), 4, "PPP in HDLC framing");
        assertTcp(decode(LinkType.PPP, cat(bytes(0, 0x57), TCP6)), 6, "PPP without address and control");
        assertTcp(decode(LinkType.PPP, cat(bytes(0x21), TCP4)), 4, "PPP with a compressed protocol field");
        DecodedPacket lcp = decode(LinkType.PPP, cat(bytes(0xff, 0x03, 0xc0, 0x21), new byte[20]));
        assertEquals(0, lcp.ipVersion);
        assertNull(lcp.anomaly, "LCP is not IP");
        assertEquals(DecodeAnomaly.PPP_TRUNCATED, decode(LinkType.PPP, bytes(0xff, 0x03, 0)).anomaly);
        assertTcp(decode(LinkType.C_HDLC, cat(bytes(0x0f, 0), u16(ETH_IPV4), TCP4)), 4, "Cisco HDLC");
        assertTcp(decode(LinkType.C_HDLC, cat(bytes(0x8f, 0), u16(ETH_IPV6), TCP6)), 6, "Cisco HDLC, IPv6");
        assertEquals(DecodeAnomaly.CHDLC_TRUNCATED, decode(LinkType.C_HDLC, bytes(0x0f, 0, 8)).anomaly);
        // The same after a direction byte (LINKTYPE_PPP_WITH_DIR, C_HDLC_WITH_DIR), and PPPoE without Ethernet (PPP_ETHER).
        assertTcp(decode(LinkType.PPP_WITH_DIR, cat(bytes(1, 0xff, 0x03, 0, 0x21), TCP4)), 4, "PPP with a direction, sent");
        assertTcp(decode(LinkType.PPP_WITH_DIR, cat(bytes(0, 0, 0x57), TCP6)), 6, "PPP with a direction, received");
        assertTcp(decode(LinkType.C_HDLC_WITH_DIR, cat(bytes(0, 0x0f, 0), u16(ETH_IPV4), TCP4)), 4, "Cisco HDLC with a direction");
        assertEquals(DecodeAnomaly.PPP_TRUNCATED, decode(LinkType.PPP_WITH_DIR, new byte[0]).anomaly);
        assertEquals(DecodeAnomaly.PPP_TRUNCATED, decode(LinkType.PPP_WITH_DIR, bytes(1, 0xff, 0x03, 0)).anomaly);
        assertEquals(DecodeAnomaly.CHDLC_TRUNCATED, decode(LinkType.C_HDLC_WITH_DIR, bytes(1, 0x0f, 0, 8)).anomaly);
        DecodedPacket pppoe = decode(LinkType.PPP_ETHER, cat(bytes(0x11, 0), u16(0x1234), u16(TCP4.length + 2), u16(0x21), TCP4));
        assertTcp(pppoe, 4, "PPPoE session without Ethernet");
        assertTrue(pppoe.pppoe);
        DecodedPacket padi = decode(LinkType.PPP_ETHER, cat(bytes(0x11, 0x09), u16(0), u16(4), bytes(1, 1, 0, 0)));
        assertNull(padi.anomaly);
        assertEquals(0, padi.ipVersion, "discovery: not IP");
        assertEquals(DecodeAnomaly.PPPOE_TRUNCATED, decode(LinkType.PPP_ETHER, bytes(0x11, 0, 0x12)).anomaly);
        assertTrue(LinkType.isSupported(LinkType.PPP_ETHER) && LinkType.isSupported(LinkType.PPP_WITH_DIR)
                && LinkType.isSupported(LinkType.C_HDLC_WITH_DIR));
    }

    /** An NFLOG TLV: length (header included) and type in the given byte order, the value, padding to 4. */
    private static byte[] tlv(boolean little, int type, byte[] value) {
        int len = 4 + value.length;
        byte[] head = little ? bytes(len & 0xff, len >> 8, type & 0xff, type >> 8) : cat(u16(len), u16(type));
        return cat(head, value, new byte[(4 - len % 4) % 4]);
    }

    @Test
    void nflogMessagesAreReadInEitherByteOrder() {
        for (boolean little : new boolean[] {true, false}) {
            byte[] prefix = tlv(little, 1, bytes(0x08, 0, 3, 0)); // packet header: hw protocol, hook
            byte[] prefixName = tlv(little, 10, ascii("spanwatch")); // a prefix string, padded
            assertTcp(decode(LinkType.NFLOG, cat(bytes(2, 0, 0, 1), prefix, prefixName, tlv(little, 9, TCP4))), 4,
                    "NFLOG, " + (little ? "little" : "big") + "-endian");
            assertTcp(decode(LinkType.NFLOG, cat(bytes(10, 0, 0, 1), prefix, tlv(little, 9, TCP6))), 6, "NFLOG, IPv6");
            DecodedPacket none = decode(LinkType.NFLOG, cat(bytes(2, 0, 0, 1), prefix));
            assertEquals(DecodeAnomaly.NFLOG_TRUNCATED, none.anomaly, "no payload TLV");
        }
        assertEquals(DecodeAnomaly.NFLOG_UNKNOWN_VERSION, decode(LinkType.NFLOG, cat(bytes(2, 1, 0, 1), tlv(true, 9, TCP4))).anomaly);
        assertEquals(DecodeAnomaly.NFLOG_BAD_TLV_LEN, decode(LinkType.NFLOG, cat(bytes(2, 0, 0, 1), bytes(2, 0, 1, 0), TCP4)).anomaly);
        byte[] many = bytes(2, 0, 0, 1);
        for (int i = 0; i < LinkLayers.MAX_NFLOG_TLVS; i++) {
            many = cat(many, tlv(true, 1, bytes(0x08, 0, 3, 0)));
        }
        assertEquals(DecodeAnomaly.NFLOG_TRUNCATED, decode(LinkType.NFLOG, cat(many, tlv(true, 9, TCP4))).anomaly, "TLVs past the bound");
    }

    /** A Network Service Header: version 0, {@code words} long, metadata type {@code md}, next protocol {@code next}. */
    static byte[] nsh(int words, int md, int next) {
        return cat(bytes(0, words & 0x3f, md, next), bytes(0, 0, 0x2a, 0xff), new byte[Math.max(0, words - 2) * 4]);
    }

    @Test
    void serviceFunctionChainsCarryANetworkServiceHeader() {
        assertTcp(decode(LinkType.ETHERNET, cat(MACS, u16(0x894f), nsh(2, 2, 1), TCP4)), 4, "NSH, variable metadata, IPv4");
        assertTcp(decode(LinkType.ETHERNET, cat(MACS, u16(0x894f), nsh(6, 1, 3), MACS, u16(ETH_IPV6), TCP6)), 6,
                "NSH, fixed metadata, Ethernet");
        DecodedPacket gre = decode(LinkType.ETHERNET, eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2",
                Frames.gre(false, false, false, 0x894f, cat(nsh(3, 2, 2), TCP6)))));
        assertNull(gre.anomaly);
        assertEquals(6, gre.ipVersion, "NSH in GRE");
        assertEquals(DecodeAnomaly.NSH_HEADER_TOO_SMALL, decode(LinkType.ETHERNET, cat(MACS, u16(0x894f), bytes(0, 2, 2))).anomaly);
        byte[] v1 = nsh(2, 2, 1);
        v1[0] = 0x40;
        assertEquals(DecodeAnomaly.NSH_UNSUPPORTED_VERSION, decode(LinkType.ETHERNET, cat(MACS, u16(0x894f), v1, TCP4)).anomaly);
        assertEquals(DecodeAnomaly.NSH_BAD_HEADER_LENGTH, decode(LinkType.ETHERNET, cat(MACS, u16(0x894f), nsh(2, 2, 1))).anomaly);
        assertEquals(DecodeAnomaly.NSH_BAD_HEADER_LENGTH, decode(LinkType.ETHERNET, cat(MACS, u16(0x894f), nsh(2, 1, 1), TCP4)).anomaly);
        assertEquals(DecodeAnomaly.NSH_RESERVED_TYPE, decode(LinkType.ETHERNET, cat(MACS, u16(0x894f), nsh(2, 0, 1), TCP4)).anomaly);
        assertEquals(DecodeAnomaly.NSH_UNSUPPORTED_TYPE, decode(LinkType.ETHERNET, cat(MACS, u16(0x894f), nsh(2, 3, 1), TCP4)).anomaly);
        assertEquals(DecodeAnomaly.NSH_UNKNOWN_PAYLOAD, decode(LinkType.ETHERNET, cat(MACS, u16(0x894f), nsh(2, 2, 4), TCP4)).anomaly);
    }

    static final byte[] MACS = cat(bytes(0, 0x1a, 0x1e, 1, 2, 3), bytes(0xa4, 0x5e, 0x60, 4, 5, 6));

    @Test
    void dataCentreAndCarrierHeadersInsideEthernetAreSteppedOver() {
        byte[] vntag = cat(MACS, u16(0x8926), bytes(0x80, 0x01, 0x00, 0x02), u16(ETH_IPV4), TCP4);
        assertTcp(decode(LinkType.ETHERNET, vntag), 4, "VN-Tag");
        byte[] vntagVlan = cat(MACS, u16(0x8926), bytes(0x80, 0x01, 0x00, 0x02), u16(0x8100), u16(42), u16(ETH_IPV6), TCP6);
        DecodedPacket v = decode(LinkType.ETHERNET, vntagVlan);
        assertTcp(v, 6, "VN-Tag, then a VLAN tag");
        assertEquals(42, v.vlans[0]);
        byte[] cmd = cat(MACS, u16(0x8909), bytes(0x01, 0x01, 0x00, 0x01), u16(0x0011), u16(ETH_IPV4), TCP4); // SGT 17
        assertTcp(decode(LinkType.ETHERNET, cmd), 4, "Cisco MetaData");
        byte[] vlanCmd = cat(MACS, u16(0x8100), u16(9), u16(0x8909), bytes(0x01, 0x01, 0x00, 0x01), u16(0x0011), u16(ETH_IPV6), TCP6);
        assertTcp(decode(LinkType.ETHERNET, vlanCmd), 6, "a VLAN tag, then Cisco MetaData");
        byte[] etag = cat(MACS, u16(0x893f), bytes(0x20, 0x05, 0, 0, 0, 0), u16(ETH_IPV4), TCP4);
        assertTcp(decode(LinkType.ETHERNET, etag), 4, "802.1BR E-Tag");
        assertEquals(DecodeAnomaly.CMD_TRUNCATED, decode(LinkType.ETHERNET, cat(MACS, u16(0x8909), bytes(1, 1, 0, 1, 0))).anomaly);
        assertEquals(DecodeAnomaly.ETAG_TRUNCATED, decode(LinkType.ETHERNET, cat(MACS, u16(0x893f), bytes(0x20, 5))).anomaly);
        byte[] pbb = cat(MACS, u16(0x88a8), u16(100), u16(0x88e7), bytes(0, 0x01, 0x23, 0x45), MACS, u16(0x8100), u16(7), u16(ETH_IPV4),
                TCP4);
        DecodedPacket b = decode(LinkType.ETHERNET, pbb);
        assertTcp(b, 4, "802.1ah: backbone tag, I-tag, customer header, customer VLAN");
        assertEquals(2, b.vlanCount);
        byte[] fabricPath = cat(MACS, u16(0x8903), bytes(0x40, 0x3f), MACS, u16(ETH_IPV4), TCP4);
        assertTcp(decode(LinkType.ETHERNET, fabricPath), 4, "FabricPath");
        byte[] llc = cat(MACS, u16(8 + TCP4.length), bytes(0xaa, 0xaa, 0x03, 0, 0, 0), u16(ETH_IPV4), TCP4);
        assertTcp(decode(LinkType.ETHERNET, llc), 4, "802.3 with LLC/SNAP");
        byte[] stp = cat(MACS, u16(38), bytes(0x42, 0x42, 0x03), new byte[35]);
        DecodedPacket s = decode(LinkType.ETHERNET, stp);
        assertFalse(s.ipVersion != 0);
        assertNull(s.anomaly, "802.3 spanning tree is not IP, and not an anomaly");
        assertEquals(DecodeAnomaly.VNTAG_TRUNCATED, decode(LinkType.ETHERNET, cat(MACS, u16(0x8926), bytes(0x80, 1))).anomaly);
        assertEquals(DecodeAnomaly.PBB_TRUNCATED, decode(LinkType.ETHERNET, cat(MACS, u16(0x88e7), bytes(0, 1, 2, 3), MACS)).anomaly);
        assertEquals(DecodeAnomaly.FABRICPATH_TRUNCATED, decode(LinkType.ETHERNET, cat(MACS, u16(0x8903), bytes(0x40, 0x3f))).anomaly);
    }

    /**
     * Arista's timestamp header (tcpdump's and Wireshark's reading: 64-bit and 48-bit timestamps, TAI
     * or UTC) and MACsec's SecTAG with integrity alone, with and without its SCI; an encrypted MACsec
     * frame is not IP and not an anomaly.
     */
    @Test
    void tapTimestampsAndIntegrityOnlyMacsecAreSteppedOver() {
        byte[] ts64 = cat(MACS, u16(0xd28b), u16(1), u16(0x0010), u32(0x5f5e1000L), u32(12_345), u16(ETH_IPV4), TCP4);
        assertTcp(decode(LinkType.ETHERNET, ts64), 4, "Arista, 64-bit TAI timestamp");
        byte[] ts48 = cat(MACS, u16(0xd28b), u16(1), u16(0x0120), u16(7), u32(99), u16(0x8100), u16(5), u16(ETH_IPV6), TCP6);
        DecodedPacket t = decode(LinkType.ETHERNET, ts48);
        assertTcp(t, 6, "Arista, 48-bit UTC timestamp, then a VLAN tag");
        assertEquals(5, t.vlans[0]);
        assertEquals(DecodeAnomaly.ARISTA_UNSUPPORTED_TYPE, decode(LinkType.ETHERNET, cat(MACS, u16(0xd28b), u16(2), u16(0x10), new byte[10],
                u16(ETH_IPV4), TCP4)).anomaly);
        assertEquals(DecodeAnomaly.ARISTA_UNSUPPORTED_TYPE, decode(LinkType.ETHERNET, cat(MACS, u16(0xd28b), u16(1), u16(0x30), new byte[10],
                u16(ETH_IPV4), TCP4)).anomaly);
        assertEquals(DecodeAnomaly.ARISTA_TRUNCATED, decode(LinkType.ETHERNET, cat(MACS, u16(0xd28b), u16(1), u16(0x10), new byte[8])).anomaly);
        byte[] icv = new byte[16];
        byte[] withSci = cat(MACS, u16(0x88e5), bytes(0x20, 0), u32(7), Arrays.copyOf(MACS, 6), bytes(0, 1), u16(ETH_IPV4), TCP4, icv);
        assertTcp(decode(LinkType.ETHERNET, withSci), 4, "MACsec, integrity only, with SCI");
        byte[] noSci = cat(MACS, u16(0x88e5), bytes(0x00, 0), u32(8), u16(0x8100), u16(11), u16(ETH_IPV6), TCP6, icv);
        assertTcp(decode(LinkType.ETHERNET, noSci), 6, "MACsec, integrity only, a VLAN tag inside");
        DecodedPacket encrypted = decode(LinkType.ETHERNET, cat(MACS, u16(0x88e5), bytes(0x2c, 0), u32(9), new byte[8], new byte[80]));
        assertEquals(0, encrypted.ipVersion);
        assertNull(encrypted.anomaly, "encrypted MACsec is not IP, and not an anomaly");
        assertEquals(DecodeAnomaly.MACSEC_UNSUPPORTED_VERSION, decode(LinkType.ETHERNET, cat(MACS, u16(0x88e5), bytes(0x80, 0), u32(9),
                u16(ETH_IPV4), TCP4)).anomaly);
        assertEquals(DecodeAnomaly.MACSEC_TRUNCATED, decode(LinkType.ETHERNET, cat(MACS, u16(0x88e5), bytes(0x20, 0), u32(9), new byte[4])).anomaly);
        assertEquals(DecodeAnomaly.MACSEC_TRUNCATED, decode(LinkType.ETHERNET, cat(MACS, u16(0x88e5), bytes(0, 0))).anomaly);
    }

    /** An ERF header: timestamp (little-endian), {@code type}, flags, record and wire lengths (big-endian), loss counter. */
    static byte[] erf(int type, int frameLen) {
        return cat(new byte[] {0, 0, 0, 0x40, 0x10, 0x2f, 0x5e, 0x65}, bytes(type, 0x04), u16(16 + frameLen), u16(0), u16(frameLen));
    }

    /** Endace's ERF: Ethernet (with an extension header), Packet over SONET (PPP and Cisco HDLC), raw IP; the anomalies. */
    @Test
    void endaceErfRecordsReachThePacket() {
        byte[] ethernet = cat(bytes(0, 0), MACS, u16(ETH_IPV4), TCP4, bytes(1, 2, 3, 4)); // offset and pad, frame, FCS
        assertTcp(decode(LinkType.ERF, cat(erf(2, ethernet.length), ethernet)), 4, "ERF Ethernet");
        byte[] ext = bytes(0x05, 0, 0, 0, 0, 0, 0, 0x2a); // a flow id extension header, no more after it
        assertTcp(decode(LinkType.ERF, cat(erf(0x80 | 20, ethernet.length + 8), ext, ethernet)), 4, "ERF color hash Ethernet, extension header");
        assertTcp(decode(LinkType.ERF, cat(erf(1, 44), bytes(0xff, 0x03, 0, 0x21), TCP4)), 4, "ERF PoS, PPP");
        assertTcp(decode(LinkType.ERF, cat(erf(10, 64), bytes(0x0f, 0), u16(ETH_IPV6), TCP6)), 6, "ERF PoS, Cisco HDLC");
        assertTcp(decode(LinkType.ERF, cat(erf(22, 40), TCP4)), 4, "ERF IPv4");
        assertTcp(decode(LinkType.ERF, cat(erf(23, 40), TCP6)), 6, "ERF IPv6");
        DecodedPacket meta = decode(LinkType.ERF, cat(erf(27, 40), new byte[40]));
        assertEquals(0, meta.ipVersion);
        assertNull(meta.anomaly, "a provenance record is not a packet, and not an anomaly");
        assertEquals(DecodeAnomaly.ERF_UNSUPPORTED_TYPE, decode(LinkType.ERF, cat(erf(3, 52), new byte[52])).anomaly, "ATM");
        assertEquals(DecodeAnomaly.ERF_TRUNCATED, decode(LinkType.ERF, Arrays.copyOf(erf(2, 0), 12)).anomaly);
        assertEquals(DecodeAnomaly.ERF_TRUNCATED, decode(LinkType.ERF, cat(erf(0x82, 40), bytes(0x80, 0, 0, 0, 0, 0, 0, 0))).anomaly,
                "extension headers past the record");
        assertEquals(DecodeAnomaly.ERF_TRUNCATED, decode(LinkType.ERF, cat(erf(1, 2), bytes(0xff, 0x03))).anomaly);
    }

    /**
     * An ERF record flagged with a receive error (flags bit 0x10: a bad FCS or a line coding error on
     * the link) is a frame every receiver's MAC dropped, so its packet is not read: an attacker's
     * frame with a wrong FCS would otherwise put bytes into a stream that its host never sees. A
     * data-stream error (0x20, the card's own) and the other flags leave the frame read.
     */
    @Test
    void erfRecordWithAReceiveErrorIsNotRead() {
        byte[] ethernet = cat(bytes(0, 0), MACS, u16(ETH_IPV4), TCP4, bytes(1, 2, 3, 4));
        byte[] rxError = cat(erf(2, ethernet.length), ethernet);
        rxError[9] |= 0x10;
        DecodedPacket dropped = decode(LinkType.ERF, rxError);
        assertEquals(DecodeAnomaly.ERF_RX_ERROR, dropped.anomaly, "a frame with a bad FCS");
        assertEquals(0, dropped.ipVersion);
        byte[] ip = cat(erf(22, 40), TCP4);
        ip[9] |= 0x10;
        assertEquals(DecodeAnomaly.ERF_RX_ERROR, decode(LinkType.ERF, ip).anomaly, "raw IPv4 with a receive error");
        byte[] dsError = cat(erf(2, ethernet.length), ethernet);
        dsError[9] |= 0x20 | 0x08 | 0x03;
        assertTcp(decode(LinkType.ERF, dsError), 4, "a data-stream error, truncation, another interface");
    }

    static byte[] le32(long v) {
        return bytes((int) (v & 0xff), (int) (v >> 8 & 0xff), (int) (v >> 16 & 0xff), (int) (v >> 24 & 0xff));
    }

    /**
     * pflog, enc, ipnet, PKTAP, PPI, Prism, AVS, netANALYZER, MPLS and ATM: each reaches the TCP
     * payload (IPv4 and IPv6), and each header cut short, of an unknown kind or naming an inner link
     * type that is not decoded is its named anomaly, never an exception.
     */
    @Test
    void otherSystemsHeadersReachThePacketAndNameWhatIsWrong() {
        byte[] pflog = cat(bytes(61, 28, 0, 0), new byte[60]);
        assertTcp(decode(LinkType.PFLOG, cat(pflog, TCP6)), 6, "pflog, FreeBSD's AF_INET6");
        assertEquals(DecodeAnomaly.PFLOG_TRUNCATED, decode(LinkType.PFLOG, cat(bytes(30, 2, 0, 0), new byte[60], TCP4)).anomaly,
                "a length below any BSD's header");
        assertEquals(DecodeAnomaly.PFLOG_TRUNCATED, decode(LinkType.PFLOG, cat(bytes(200, 2, 0, 0), new byte[60])).anomaly);
        assertEquals(DecodeAnomaly.PFLOG_TRUNCATED, decode(LinkType.PFLOG, new byte[20]).anomaly);
        assertEquals(DecodeAnomaly.RAW_INVALID_IP_VERSION, decode(LinkType.PFLOG, cat(pflog, new byte[40])).anomaly);
        assertTcp(decode(LinkType.ENC, cat(le32(24), new byte[8], TCP6)), 6, "enc");
        assertEquals(DecodeAnomaly.ENC_TRUNCATED, decode(LinkType.ENC, new byte[12]).anomaly);
        assertTcp(decode(LinkType.IPNET, cat(bytes(2, 26), new byte[22], TCP6)), 6, "ipnet");
        assertEquals(DecodeAnomaly.IPNET_TRUNCATED, decode(LinkType.IPNET, new byte[10]).anomaly);

        byte[] eth4 = cat(new byte[12], u16(ETH_IPV4), TCP4);
        assertTcp(decode(LinkType.PKTAP, cat(le32(108), le32(1), le32(LinkType.ETHERNET), new byte[96], eth4)), 4, "PKTAP");
        assertTcp(decode(LinkType.PKTAP, cat(le32(108), le32(1), le32(LinkType.RAW), new byte[96], TCP6)), 6, "PKTAP of a utun (raw IP)");
        DecodedPacket notPacket = decode(LinkType.PKTAP, cat(le32(108), le32(0), le32(LinkType.ETHERNET), new byte[96], eth4));
        assertEquals(0, notPacket.ipVersion, "a record that is not a packet");
        assertNull(notPacket.anomaly);
        assertEquals(DecodeAnomaly.PKTAP_TRUNCATED, decode(LinkType.PKTAP, cat(le32(4000), le32(1), le32(1), new byte[96])).anomaly);
        assertEquals(DecodeAnomaly.PKTAP_TRUNCATED, decode(LinkType.PKTAP, bytes(12, 0, 0)).anomaly);
        assertEquals(DecodeAnomaly.INNER_LINKTYPE_UNSUPPORTED,
                decode(LinkType.PKTAP, cat(le32(12), le32(1), le32(LinkType.PKTAP), le32(12), le32(1), le32(1), eth4)).anomaly,
                "PKTAP in PKTAP is not followed");
        assertEquals(DecodeAnomaly.INNER_LINKTYPE_UNSUPPORTED, decode(LinkType.PKTAP, cat(le32(12), le32(1), le32(0xfffffff0L), eth4)).anomaly);
        assertEquals(DecodeAnomaly.INNER_LINKTYPE_UNSUPPORTED, decode(LinkType.PPI, cat(bytes(0, 0, 8, 0), le32(147), eth4)).anomaly);

        byte[] wlan = wlanData(false, false, false, false, snap(ETH_IPV4, TCP4));
        assertTcp(decode(LinkType.PPI, cat(bytes(0, 0, 8, 0), le32(LinkType.IEEE802_11), wlan)), 4, "PPI");
        assertEquals(DecodeAnomaly.PPI_UNKNOWN_VERSION, decode(LinkType.PPI, cat(bytes(1, 0, 8, 0), le32(105), wlan)).anomaly);
        assertEquals(DecodeAnomaly.PPI_TRUNCATED, decode(LinkType.PPI, cat(bytes(0, 0, 0xff, 0x7f), le32(105), wlan)).anomaly);
        assertEquals(DecodeAnomaly.PPI_TRUNCATED, decode(LinkType.PPI, bytes(0, 0, 8)).anomaly);
        assertTcp(decode(LinkType.IEEE802_11_PRISM, cat(u32(0x44), u32(144), new byte[136], wlan)), 4, "Prism from a big-endian host");
        assertEquals(DecodeAnomaly.WLAN_HEADER_TRUNCATED, decode(LinkType.IEEE802_11_PRISM, cat(le32(0x44), le32(5000), new byte[100])).anomaly);
        assertEquals(DecodeAnomaly.WLAN_HEADER_TRUNCATED, decode(LinkType.IEEE802_11_AVS, cat(u32(0x80211001L), u32(4), wlan)).anomaly);
        assertEquals(DecodeAnomaly.WLAN_HEADER_TRUNCATED, decode(LinkType.IEEE802_11_AVS, bytes(0x80, 0x21)).anomaly);

        assertEquals(DecodeAnomaly.NETANALYZER_TRUNCATED, decode(LinkType.NETANALYZER_TRANSPARENT, new byte[11]).anomaly);
        assertEquals(DecodeAnomaly.ATM_LLC_UNKNOWN, decode(LinkType.ATM_RFC1483, cat(bytes(0xfe, 0xfe, 3, 0xcc), TCP4)).anomaly, "not SNAP");
        assertEquals(DecodeAnomaly.ATM_LLC_UNKNOWN, decode(LinkType.ATM_RFC1483, cat(bytes(0xaa, 0xaa, 3, 0, 0x80, 0xc2, 0, 0x0e), TCP4)).anomaly,
                "a bridged PDU that is not Ethernet");
        assertTcp(decode(LinkType.ATM_RFC1483, cat(bytes(0xaa, 0xaa, 3, 0, 0, 0), u16(ETH_IPV6), TCP6)), 6, "ATM, routed IPv6");
        assertTcp(decode(LinkType.MPLS, cat(mplsLabels(16), TCP4)), 4, "MPLS");
    }
}
