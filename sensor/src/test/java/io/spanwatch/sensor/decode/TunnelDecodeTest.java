package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import io.spanwatch.sensor.capture.LinkType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decodes each tunnel the decoder knows, its header variants and its malformed forms. */
class TunnelDecodeTest {
    static final String SRC4 = "172.16.1.2";
    static final String DST4 = "93.184.216.34";
    static final String SRC6 = "2001:0:4136:e378:8000:63bf:3fff:fdd2";
    static final String DST6 = "2001:db8::80";
    /** The inner packets of the tunnel tests: a TCP segment from port 40000 to 80 carrying "GET /". */
    static final byte[] TCP4 = ipv4(6, SRC4, DST4, Frames.tcp(40_000, 80, ascii("GET /")));
    static final byte[] TCP6 = ipv6(6, SRC6, DST6, Frames.tcp(40_000, 80, ascii("GET /")));
    private final PacketDecoder decoder = new PacketDecoder();

    static DecodedPacket decode(PacketDecoder d, byte[] frame) {
        DecodedPacket p = new DecodedPacket();
        p.reset(frame, 1, frame.length);
        d.decode(LinkType.ETHERNET, frame, 0, frame.length, p);
        return p;
    }

    private DecodedPacket decode(byte[] frame) {
        return decode(decoder, frame);
    }

    static byte[] udp4(int sport, int dport, byte[] payload) {
        return eth(ETH_IPV4, ipv4(17, "192.0.2.1", "198.51.100.7", udp(sport, dport, payload)));
    }

    private static String payload(DecodedPacket p) {
        return new String(p.buf, p.payloadOff, p.payloadLen, StandardCharsets.ISO_8859_1);
    }

    static List<TunnelKind> decaps(DecodedPacket p) {
        List<TunnelKind> l = new ArrayList<>();
        for (int i = 0; i < p.decapCount; i++) {
            l.add(TunnelKind.of(p.decaps[i]));
        }
        return l;
    }

    static void assertInner(DecodedPacket p, int version, TunnelKind... kinds) {
        assertNull(p.anomaly, "anomaly");
        assertTrue(p.isTcp(), "inner TCP");
        assertEquals(version, p.ipVersion);
        assertEquals(80, p.dstPort);
        assertEquals("GET /", payload(p));
        assertEquals(List.of(kinds), decaps(p));
    }

    /** Asserts {@link #assertInner} and the inner segment's addresses and source port (40000). */
    static void assertTcp(DecodedPacket p, String src, String dst, TunnelKind... kinds) {
        assertInner(p, src.indexOf(':') >= 0 ? 6 : 4, kinds);
        assertArrayEquals(addr(src), Arrays.copyOfRange(p.buf, p.srcAddrOff, p.srcAddrOff + p.addrLen()), "source address");
        assertArrayEquals(addr(dst), Arrays.copyOfRange(p.buf, p.dstAddrOff, p.dstAddrOff + p.addrLen()), "destination address");
        assertEquals(40_000, p.srcPort);
    }

    static void assertPlainUdp(DecodedPacket p) {
        assertNull(p.anomaly, "anomaly");
        assertTrue(p.isUdp(), "plain UDP");
        assertEquals(0, p.tunnelDepth);
    }

    // ---- Teredo ----

    @Test
    void teredoBetweenEphemeralPortsIsRecognisedByContent() {
        byte[] origin = teredoOrigin(40_000, "203.0.113.9");
        for (byte[] pl : new byte[][] {TCP6, cat(origin, TCP6), cat(teredoAuth(new byte[0], new byte[0]), origin, TCP6)}) {
            DecodedPacket p = decode(udp4(51_413, 62_001, pl));
            assertInner(p, 6, TunnelKind.TEREDO);
            assertEquals(1, p.tunnelDepth);
        }
        // A relay answering a client: the Teredo address is the destination.
        byte[] back = ipv6(6, "2001:db8::80", "2001:0:4136:e378:8000:63bf:3fff:fdd2", Frames.tcp(80, 40_000, ascii("x")));
        assertEquals(6, decode(udp4(3545, 62_001, back)).ipVersion);
        // A bubble (no next header, nothing after the IPv6 header) is Teredo too.
        byte[] bubble = ipv6(59, "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:0:4136:e378:8000:63bf:3fff:aaaa", new byte[0]);
        DecodedPacket b = decode(udp4(51_413, 62_001, bubble));
        assertEquals(59, b.proto);
        assertEquals(1, b.tunnelDepth);
    }

    @Test
    void offItsPortsTeredoNeedsATeredoAddressAndExactLength() {
        byte[] native6 = ipv6(6, "2001:db8::1", "2001:db8::80", Frames.tcp(40_000, 80, ascii("GET /")));
        assertPlainUdp(decode(udp4(51_413, 62_001, native6)));
        // On Teredo's port the header checks are enough (Suricata's rule).
        assertInner(decode(udp4(51_413, 3544, native6.clone())), 6, TunnelKind.TEREDO);
        byte[] longer = cat(TCP6, new byte[1]);
        assertPlainUdp(decode(udp4(51_413, 62_001, longer)));
        assertPlainUdp(decode(udp4(51_413, 3544, longer)));
        byte[] hop0 = TCP6.clone();
        hop0[7] = 0; // hop limit 0: not a packet anyone sent
        assertPlainUdp(decode(udp4(51_413, 3544, hop0)));
        byte[] oddNext = TCP6.clone();
        oddNext[6] = (byte) 200;
        assertPlainUdp(decode(udp4(51_413, 62_001, oddNext)));
        TunnelConfig noAny = new TunnelConfig(4, List.of(3544), false, List.of(2152), false, List.of(4789), List.of(6081),
                List.of(4754), List.of(5072), List.of(6635), List.of(5247), List.of(1701), List.of(4790), TunnelConfig.DETECT,
                TunnelConfig.DETECT);
        PacketDecoder strictPorts = new PacketDecoder(noAny);
        byte[] g = gtpu(-1, new byte[0][], TCP4);
        for (int port = 10_000; port < 12_000; port++) { // whatever the ports' quick filter says, any-port off is off
            assertPlainUdp(decode(strictPorts, udp4(port, 62_001, TCP6)));
            assertPlainUdp(decode(strictPorts, udp4(51_413, port, g)));
            assertInner(decode(decoder, udp4(port, 62_001, TCP6)), 6, TunnelKind.TEREDO);
            assertInner(decode(decoder, udp4(51_413, port, g)), 4, TunnelKind.GTPU);
        }
        TunnelConfig otherPort = new TunnelConfig(4, List.of(9999), false, List.of(), false, List.of(9999, 9998), List.of(9998),
                List.of(), List.of(), List.of(), List.of(5247), List.of(1701), List.of(), TunnelConfig.DETECT, TunnelConfig.DETECT);
        assertInner(decode(new PacketDecoder(otherPort), udp4(9999, 1, native6)), 6, TunnelKind.TEREDO);
        assertPlainUdp(decode(new PacketDecoder(otherPort), udp4(3544, 1, native6)));
        // A port named for two kinds belongs to the first in Tunnels' order (Teredo before VXLAN, Geneve before VXLAN).
        assertEquals(DecodeAnomaly.GENEVE_TRUNCATED, decode(new PacketDecoder(otherPort), udp4(1, 9998, new byte[3])).anomaly);
    }

    @Test
    void teredoIndicatorsCutShortOnItsPortAreAnomalies() {
        byte[] auth = cat(u16(1), bytes(200, 200), new byte[60]);
        assertEquals(DecodeAnomaly.TEREDO_TRUNCATED, decode(udp4(3544, 50_000, auth)).anomaly);
        assertEquals(DecodeAnomaly.TEREDO_TRUNCATED, decode(udp4(3544, 50_000, cat(u16(0), new byte[30]))).anomaly);
        assertPlainUdp(decode(udp4(50_001, 50_000, auth)));
    }

    // ---- GTP-U ----

    @Test
    void gtpuWithEveryOptionalPart() {
        byte[][] none = new byte[0][];
        byte[][] chain = {gtpuExt(1, 0x40), gtpuExt(2, 0)};
        for (byte[] inner : new byte[][] {TCP4, TCP6}) {
            int version = inner == TCP4 ? 4 : 6;
            for (byte[] g : new byte[][] {gtpu(-1, none, inner), gtpu(5, none, inner), gtpu(-1, chain, inner), gtpu(9, chain, inner)}) {
                for (int[] ports : new int[][] {{2152, 2152}, {40_000, 2152}, {2152, 40_000}, {33_000, 34_000}}) {
                    DecodedPacket p = decode(udp4(ports[0], ports[1], g));
                    assertInner(p, version, TunnelKind.GTPU);
                }
            }
        }
        // N-PDU flag alone carries the optional block too.
        byte[] npdu = gtpu(-1, none, TCP4);
        npdu[0] = 0x31;
        npdu = cat(Arrays.copyOf(npdu, 2), u16(TCP4.length + 4), Arrays.copyOfRange(npdu, 4, 8), u32(0), TCP4);
        assertInner(decode(udp4(2152, 2152, npdu)), 4, TunnelKind.GTPU);
    }

    @Test
    void gtpuSignallingStaysUdpAndMalformedHeadersAreAnomaliesOnItsPort() {
        byte[] echo = cat(bytes(0x32, 1), u16(4), u32(0), u16(1), bytes(0, 0));
        assertPlainUdp(decode(udp4(2152, 2152, echo)));
        assertPlainUdp(decode(udp4(40_000, 41_000, echo)));
        byte[] tooLong = gtpu(-1, new byte[0][], TCP4);
        tooLong[3] += 1;
        assertEquals(DecodeAnomaly.GTPU_LEN_INVALID, decode(udp4(2152, 2152, tooLong)).anomaly);
        assertPlainUdp(decode(udp4(40_000, 41_000, tooLong)));
        byte[] v2 = gtpu(-1, new byte[0][], TCP4);
        v2[0] = 0x48;
        assertEquals(DecodeAnomaly.GTPU_UNSUPPORTED_VERSION, decode(udp4(2152, 2152, v2)).anomaly);
        byte[] zeroExt = gtpu(-1, new byte[][] {gtpuExt(1, 0)}, TCP4);
        zeroExt[12] = 0;
        assertEquals(DecodeAnomaly.GTPU_EXT_HDR_INVALID, decode(udp4(2152, 2152, zeroExt)).anomaly);
        assertPlainUdp(decode(udp4(40_000, 41_000, zeroExt)));
        byte[] overrun = gtpu(-1, new byte[][] {gtpuExt(1, 0)}, TCP4);
        overrun[12] = (byte) 200;
        assertEquals(DecodeAnomaly.GTPU_EXT_HDR_INVALID, decode(udp4(2152, 2152, overrun)).anomaly);
        byte[][] loop = new byte[Tunnels.MAX_GTPU_EXT_HEADERS + 1][];
        for (int i = 0; i < loop.length; i++) {
            loop[i] = gtpuExt(1, i == loop.length - 1 ? 0 : 0x40);
        }
        assertEquals(DecodeAnomaly.GTPU_TOO_MANY_EXT_HDRS, decode(udp4(2152, 2152, gtpu(-1, loop, TCP4))).anomaly);
        assertEquals(DecodeAnomaly.GTPU_UNKNOWN_PAYLOAD,
                decode(udp4(2152, 2152, gtpu(-1, new byte[0][], eth(ETH_IPV4, TCP4)))).anomaly);
        assertEquals(DecodeAnomaly.GTPU_TRUNCATED, decode(udp4(2152, 2152, bytes(0x30, 0xff, 0))).anomaly);
        // Off the port, an inner IP length that does not fill the G-PDU exactly is not GTP-U.
        byte[] padded = gtpu(-1, new byte[0][], cat(TCP4, new byte[3]));
        assertPlainUdp(decode(udp4(40_000, 41_000, padded)));
        assertInner(decode(udp4(2152, 41_000, padded)), 4, TunnelKind.GTPU);
    }

    // ---- GRE in UDP, Aruba, PPTP, AYIYA ----

    @Test
    void greInUdpOnItsDestinationPort() {
        for (byte[] g : new byte[][] {Frames.gre(false, false, false, 0x0800, TCP4), Frames.gre(true, true, true, 0x86dd, TCP6)}) {
            DecodedPacket p = decode(udp4(51_000, 4754, g));
            assertInner(p, g[2] == 0x08 ? 4 : 6, TunnelKind.GRE, TunnelKind.GRE_IN_UDP);
        }
        assertPlainUdp(decode(udp4(4754, 51_000, Frames.gre(false, false, false, 0x0800, TCP4))));
    }

    @Test
    void wccpRedirectsCarryIpv4AfterTheVersion2HeaderOrStraightAfterGre() {
        // version 2: a redirect header (here the alternate-bucket flag, service 0 "web-cache", buckets) first
        byte[] v2 = Frames.gre(false, false, false, 0x883e, cat(bytes(0x01, 0x00, 0x05, 0x2a), TCP4));
        assertInner(decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", v2))), 4, TunnelKind.GRE, TunnelKind.WCCP);
        byte[] v2Zero = Frames.gre(false, false, false, 0x883e, cat(new byte[4], TCP4));
        assertInner(decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", v2Zero))), 4, TunnelKind.GRE, TunnelKind.WCCP);
        // version 1: the IPv4 packet straight after GRE
        byte[] v1 = Frames.gre(false, false, false, 0x883e, TCP4);
        assertInner(decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", v1))), 4, TunnelKind.GRE, TunnelKind.WCCP);
        // over IPv6 the packet inside is IPv6 (Linux's ip6_gre), after the redirect header
        byte[] v6 = Frames.gre(false, false, false, 0x883e, cat(bytes(0, 0, 0, 1), TCP6));
        assertInner(decode(eth(ETH_IPV6, ipv6(47, "2001:db8::1", "2001:db8::2", v6))), 6, TunnelKind.GRE, TunnelKind.WCCP);
        // a redirect header and nothing after it
        assertEquals(DecodeAnomaly.GRE_TRUNCATED,
                decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", Frames.gre(false, false, false, 0x883e, new byte[4])))).anomaly);
    }

    /**
     * Linux's gre_parse_header reads a WCCP payload as IPv4 only when the GRE flags are all clear (a
     * router's redirects carry none); with a checksum, key or sequence number the protocol stays
     * 0x883E, which no handler takes, and the cache drops the packet. So such a packet stays GRE: a
     * decoy in it would reach no host.
     */
    @Test
    void wccpWithGreFlagsStaysGre() {
        boolean[][] variants = {{true, false, false}, {false, true, false}, {false, false, true}, {false, true, true}};
        for (boolean[] v : variants) {
            for (byte[] inner : new byte[][] {TCP4, cat(bytes(0x01, 0x00, 0x05, 0x2a), TCP4)}) {
                DecodedPacket p = decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", Frames.gre(v[0], v[1], v[2], 0x883e, inner))));
                assertNull(p.anomaly, "anomaly");
                assertEquals(47, p.proto, "kept as GRE: C " + v[0] + ", K " + v[1] + ", S " + v[2]);
                assertEquals(0, p.tunnelDepth);
            }
        }
    }

    @Test
    void arubaGreCarries80211DataFrames() {
        int[] types = {0x8200, 0x8210, 0x82f0, 0x8300, 0x8370, 0x9000};
        for (int type : types) {
            for (int variant = 0; variant < 8; variant++) {
                boolean qos = (variant & 1) != 0;
                boolean htc = qos && (variant & 2) != 0;
                boolean wds = (variant & 4) != 0;
                byte[] frame = wlanData(qos, htc, wds, false, snap(ETH_IPV4, TCP4));
                DecodedPacket p = decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", Frames.gre(false, false, false, type, frame))));
                assertInner(p, 4, TunnelKind.GRE, TunnelKind.IEEE802_11);
                assertEquals(-1, p.amsduNext);
            }
        }
        for (int notAruba : new int[] {0x8201, 0x8380, 0x9001, 0x8100 + 0x0400}) {
            byte[] frame = wlanData(true, false, false, false, snap(ETH_IPV4, TCP4));
            DecodedPacket p = decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", Frames.gre(false, false, false, notAruba, frame))));
            assertEquals(0, p.tunnelDepth, Integer.toHexString(notAruba));
        }
        byte[] ipv6 = wlanData(true, false, false, false, snap(ETH_IPV6, TCP6));
        assertInner(decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", Frames.gre(false, false, false, 0x8200, ipv6)))), 6,
                TunnelKind.GRE, TunnelKind.IEEE802_11);
        byte[] protectedFrame = wlanData(true, false, false, false, snap(ETH_IPV4, TCP4));
        protectedFrame[1] |= 0x40;
        DecodedPacket enc = decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", Frames.gre(false, false, false, 0x8200, protectedFrame))));
        assertNull(enc.anomaly);
        assertEquals(47, enc.proto);
        assertEquals(DecodeAnomaly.IEEE802_11_TRUNCATED,
                decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", Frames.gre(false, false, false, 0x8200, new byte[20])))).anomaly);
    }

    @Test
    void capwapCarries80211And8023FramesBetweenAccessPointsAndTheirController() {
        byte[] wlan = wlanData(true, false, false, false, snap(ETH_IPV4, TCP4));
        // access point to controller (to 5247) and back (from 5247); with the radio MAC (4 words)
        assertInner(decode(udp4(50_123, 5247, capwap(2, true, false, false, wlan))), 4, TunnelKind.CAPWAP, TunnelKind.IEEE802_11);
        assertInner(decode(udp4(5247, 50_123, capwap(4, true, false, false, wlan))), 4, TunnelKind.CAPWAP, TunnelKind.IEEE802_11);
        // frame control sent with its two bytes swapped, as some Cisco access points do
        byte[] swapped = wlan.clone();
        swapped[0] = wlan[1];
        swapped[1] = wlan[0];
        assertInner(decode(udp4(50_123, 5247, capwap(2, true, false, false, swapped))), 4, TunnelKind.CAPWAP, TunnelKind.IEEE802_11);
        // T clear: an 802.3 frame
        assertInner(decode(udp4(50_123, 5247, capwap(2, false, false, false, eth(ETH_IPV6, TCP6)))), 6, TunnelKind.CAPWAP);
        // a fragment is described for the reassembler (CapwapReassemblerTest), unless the snap length
        // cut it; keep-alives, DTLS (encrypted), a cut or too short header, another wireless binding
        // and an 802.3 frame of another protocol stay UDP (the port may be another protocol's ephemeral one)
        byte[] fragment = capwap(2, true, true, false, wlan);
        fragment[3] |= 0x40; // the last one
        fragment[6] = 0x01; // data at offset 0x0100 >> 3 = 32 units of 8 bytes
        byte[] fragFrame = udp4(50_123, 5247, fragment);
        DecodedPacket frag = decode(fragFrame);
        assertNull(frag.anomaly);
        assertTrue(frag.capwapFragment);
        assertEquals(0x1234, frag.capwapFragId);
        assertEquals(256, frag.capwapFragOffset);
        assertTrue(frag.capwapLast);
        assertEquals(fragFrame.length - wlan.length, frag.capwapDataOff);
        assertEquals(fragFrame.length, frag.capwapDataEnd);
        DecodedPacket cutFrag = new DecodedPacket();
        cutFrag.reset(fragFrame, 1, fragFrame.length);
        decoder.decode(LinkType.ETHERNET, fragFrame, 0, fragFrame.length - 20, cutFrag);
        assertEquals(DecodeAnomaly.CAPWAP_FRAGMENT, cutFrag.anomaly, "a fragment cut by the snap length cannot be put back together");
        assertPlainUdp(decode(udp4(50_123, 5247, capwap(2, false, false, true, new byte[16]))));
        assertPlainUdp(decode(udp4(50_123, 5247, cat(bytes(0x01, 0, 0, 0), new byte[40]))));
        assertPlainUdp(decode(udp4(50_123, 5247, bytes(0, 0x10, 0x42))));
        assertPlainUdp(decode(udp4(50_123, 5247, capwap(1, true, false, false, wlan))));
        byte[] otherBinding = capwap(2, true, false, false, wlan);
        otherBinding[2] ^= 0x06; // wireless binding 3
        assertPlainUdp(decode(udp4(50_123, 5247, otherBinding)));
        assertPlainUdp(decode(udp4(50_123, 5247, capwap(2, false, false, false, eth(0x88cc, new byte[40])))));
        // another port is plain UDP, and the ports follow the configuration
        assertPlainUdp(decode(udp4(50_123, 5248, capwap(2, true, false, false, wlan))));
        TunnelConfig d = TunnelConfig.DEFAULTS;
        TunnelConfig moved = new TunnelConfig(d.maxDepth(), d.teredoPorts(), d.teredoAnyPort(), d.gtpuPorts(), d.gtpuAnyPort(),
                d.vxlanPorts(), d.genevePorts(), d.greUdpPorts(), d.ayiyaPorts(), d.mplsUdpPorts(), List.of(15_247), List.of(1701),
                d.vxlanGpePorts(), d.l2tpv3CookieLength(), d.l2tpv3Sublayer());
        assertInner(decode(new PacketDecoder(moved), udp4(15_247, 50_123, capwap(2, true, false, false, wlan))), 4, TunnelKind.CAPWAP,
                TunnelKind.IEEE802_11);
    }

    @Test
    void l2tpCarriesPppBetweenConcentratorAndServer() {
        assertInner(decode(udp4(1701, 1701, l2tp(false, false, -1, 0x21, TCP4))), 4, TunnelKind.L2TP);
        assertInner(decode(udp4(50_000, 1701, l2tp(true, true, 4, 0x57, TCP6))), 6, TunnelKind.L2TP);
        assertInner(decode(udp4(1701, 50_000, l2tp(true, false, 0, 0x21, TCP4))), 4, TunnelKind.L2TP);
        // control messages (T set), a length that is not the datagram's, another version, PPP's own
        // protocols and a reserved bit stay plain UDP; version 3 is L2TPv3 (L2tpv3DecodeTest), whose
        // data messages carry Ethernet, not PPP
        byte[] control = l2tp(true, true, -1, 0x21, TCP4);
        control[0] |= (byte) 0x80;
        assertPlainUdp(decode(udp4(1701, 1701, control)));
        byte[] badLength = l2tp(true, false, -1, 0x21, TCP4);
        badLength[3] ^= 1;
        assertPlainUdp(decode(udp4(1701, 1701, badLength)));
        byte[] v3 = l2tp(false, false, -1, 0x21, TCP4);
        v3[1] = 3;
        assertEquals(DecodeAnomaly.L2TPV3_UNKNOWN_PAYLOAD, decode(udp4(1701, 1701, v3)).anomaly);
        byte[] v4 = l2tp(false, false, -1, 0x21, TCP4);
        v4[1] = 4;
        assertPlainUdp(decode(udp4(1701, 1701, v4)));
        DecodedPacket lcp = decode(udp4(1701, 1701, l2tp(false, false, -1, 0xc021, new byte[12])));
        assertPlainUdp(lcp);
        byte[] reserved = l2tp(false, false, -1, 0x21, TCP4);
        reserved[0] |= 0x10;
        assertPlainUdp(decode(udp4(1701, 1701, reserved)));
        assertPlainUdp(decode(udp4(1701, 1701, bytes(0, 2, 0))));
    }

    @Test
    void amsduDescribesItsFirstSubframeAndPointsAtTheNext() {
        byte[] second = ipv4(17, "172.16.1.2", "172.16.1.3", udp(1, 2, ascii("two")));
        byte[] body = cat(amsduSubframe(ETH_IPV4, TCP4, false), amsduSubframe(ETH_IPV4, second, true));
        byte[] frame = eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", Frames.gre(false, false, false, 0x8200,
                wlanData(true, false, false, true, body))));
        DecodedPacket p = decode(frame);
        assertInner(p, 4, TunnelKind.GRE, TunnelKind.IEEE802_11);
        assertTrue(p.amsduNext > p.amsduStart && p.amsduNext < p.amsduEnd, "second subframe marked");
        byte[] rebuilt = EncapLengths.subframe(frame, 0, p.amsduStart, p.amsduEnd, EncapLengths.relative(p, 0), p.amsduNext);
        assertEquals(-1, EncapLengths.nextSubframe(frame, p.amsduNext, p.amsduEnd));
        DecodedPacket q = decode(rebuilt);
        assertNull(q.anomaly);
        assertEquals("two", payload(q));
        assertEquals(-1, q.amsduNext);
    }

    @Test
    void pptpCarriesIpInPpp() {
        DecodedPacket p = decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", pptp(0x0021, TCP4))));
        assertInner(p, 4, TunnelKind.GRE, TunnelKind.PPTP);
        // Compressed address/control and protocol fields.
        byte[] compressed = cat(u16(0x3001), u16(0x880b), u16(TCP6.length + 1), u16(1), u32(2), bytes(0x57), TCP6);
        assertInner(decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", compressed))), 6, TunnelKind.GRE, TunnelKind.PPTP);
        byte[] encrypted = pptp(0x00fd, new byte[40]);
        assertEquals(0, decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", encrypted))).tunnelDepth);
        byte[] noKey = pptp(0x0021, TCP4);
        noKey[0] = 0x10;
        assertEquals(DecodeAnomaly.GRE_V1_NO_KEY, decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", noKey))).anomaly);
        byte[] wrong = pptp(0x0021, TCP4);
        wrong[3] = 0x0c;
        assertEquals(DecodeAnomaly.GRE_V1_WRONG_PROTOCOL, decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", wrong))).anomaly);
    }

    /** MikroTik's EoIP (Wireshark's {@code GRE_MIKROTIK_EOIP}): enhanced GRE's shape, an Ethernet frame inside. */
    @Test
    void eoipCarriesEthernetFramesInGre() {
        byte[] frame = eth(ETH_IPV4, TCP4);
        DecodedPacket p = decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", eoip(100, frame))));
        assertInner(p, 4, TunnelKind.GRE, TunnelKind.EOIP);
        assertEquals(1, p.tunnelDepth);
        // IPv6 inside a VLAN-tagged frame, with Ethernet padding after it (the length covers it)
        byte[] padded = cat(ethTagged(new int[] {0x8100}, new int[] {30}, ETH_IPV6, TCP6), new byte[6]);
        assertInner(decode(eth(ETH_IPV6, ipv6(47, "2001:db8::1", "2001:db8::2", eoip(0x1234, padded)))), 6, TunnelKind.GRE, TunnelKind.EOIP);
        // a keep-alive: an empty frame stays GRE
        DecodedPacket keepAlive = decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", eoip(100, new byte[0]))));
        assertNull(keepAlive.anomaly);
        assertEquals(0, keepAlive.tunnelDepth);
        byte[] longer = eoip(100, frame);
        longer[5] = (byte) (longer[5] + 1); // a length one past the packet
        assertEquals(DecodeAnomaly.EOIP_TRUNCATED, decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", longer))).anomaly);
        byte[] cut = Arrays.copyOf(eoip(100, frame), 6);
        assertEquals(DecodeAnomaly.EOIP_TRUNCATED, decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", cut))).anomaly);
        byte[] seq = eoip(100, frame);
        seq[0] = 0x30; // a sequence number too: not EoIP, so PPTP's checks name the protocol
        assertEquals(DecodeAnomaly.GRE_V1_WRONG_PROTOCOL, decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", seq))).anomaly);
    }

    /** Cisco MetaData in GRE (TrustSec's inline tag over DMVPN): the payload's protocol type first, then the tag. */
    @Test
    void ciscoMetaDataInGreCarriesTheTaggedPacket() {
        byte[] cmd = cat(u16(ETH_IPV4), bytes(0x01, 0x01, 0x00, 0x01), u16(17), TCP4);
        assertInner(decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", gre(false, true, false, 0x8909, cmd)))), 4, TunnelKind.GRE);
        byte[] bridged = cat(u16(0x6558), bytes(0x01, 0x01, 0x00, 0x01), u16(4), eth(ETH_IPV6, TCP6));
        assertInner(decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", gre(false, false, false, 0x8909, bridged)))), 6, TunnelKind.GRE);
        assertEquals(DecodeAnomaly.CMD_TRUNCATED,
                decode(eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.2", gre(false, false, false, 0x8909, bytes(1, 1, 0))))).anomaly);
    }

    /** EtherIP (RFC 3378, IP protocol 97) as the BSDs send it, and MikroTik's EoIPv6 form of its header. */
    @Test
    void etheripCarriesEthernetFramesOverIp() {
        byte[] frame = eth(ETH_IPV4, TCP4);
        DecodedPacket p = decode(eth(ETH_IPV4, ipv4(97, "10.1.1.1", "10.1.1.2", cat(bytes(0x30, 0), frame))));
        assertInner(p, 4, TunnelKind.ETHERIP);
        // MikroTik EoIPv6, tunnel id 0x5a7: the id's top nibble, version 3, then its low byte
        assertInner(decode(eth(ETH_IPV6, ipv6(97, "2001:db8::1", "2001:db8::2", cat(bytes(0x53, 0xa7), eth(ETH_IPV6, TCP6))))), 6,
                TunnelKind.ETHERIP);
        assertEquals(DecodeAnomaly.ETHERIP_UNSUPPORTED_VERSION,
                decode(eth(ETH_IPV4, ipv4(97, "10.1.1.1", "10.1.1.2", cat(bytes(0x20, 0), frame)))).anomaly);
        assertEquals(DecodeAnomaly.ETHERIP_UNSUPPORTED_VERSION,
                decode(eth(ETH_IPV4, ipv4(97, "10.1.1.1", "10.1.1.2", cat(bytes(0x30, 1), frame)))).anomaly, "reserved bits set");
        assertEquals(DecodeAnomaly.ETHERIP_TRUNCATED, decode(eth(ETH_IPV4, ipv4(97, "10.1.1.1", "10.1.1.2", bytes(0x30)))).anomaly);
        assertEquals(DecodeAnomaly.ETHERNET_TRUNCATED, decode(eth(ETH_IPV4, ipv4(97, "10.1.1.1", "10.1.1.2", bytes(0x30, 0, 1, 2)))).anomaly);
    }

    @Test
    void ayiyaForwardsIpv6AndIpv4() {
        assertInner(decode(udp4(5072, 40_000, ayiya(41, TCP6))), 6, TunnelKind.AYIYA);
        assertInner(decode(udp4(40_000, 5072, ayiya(4, TCP4))), 4, TunnelKind.AYIYA);
        byte[] heartbeat = ayiya(59, new byte[0]);
        heartbeat[2] = 0x10;
        assertPlainUdp(decode(udp4(40_000, 5072, heartbeat)));
        assertEquals(DecodeAnomaly.AYIYA_UNKNOWN_PAYLOAD, decode(udp4(40_000, 5072, ayiya(17, TCP4))).anomaly);
        assertEquals(DecodeAnomaly.AYIYA_TRUNCATED, decode(udp4(40_000, 5072, Arrays.copyOf(ayiya(41, TCP6), 30))).anomaly);
        assertPlainUdp(decode(udp4(40_000, 40_001, ayiya(41, TCP6))));
    }

    /** A TZSP header: version 1, {@code type}, {@code encap}, then {@code tags} (ending with the end tag, 1). */
    private static byte[] tzsp(int type, int encap, byte[] tags, byte[] frame) {
        return cat(bytes(1, type), u16(encap), tags, frame);
    }

    /** MikroTik's sniffer streams (Wireshark's packet-tzsp.c): Ethernet, raw IP; tags stepped over. */
    @Test
    void tzspCarriesTheFramesARemoteSnifferCaptured() {
        byte[] tags = bytes(0, 0x28, 4, 0, 0, 0, 9, 1); // padding, a packet count, the end
        assertInner(decode(udp4(40_000, 37_008, tzsp(0, 1, tags, eth(ETH_IPV4, TCP4)))), 4, TunnelKind.TZSP);
        assertInner(decode(udp4(40_000, 37_008, tzsp(1, 7, bytes(1), TCP6))), 6, TunnelKind.TZSP);
        assertPlainUdp(decode(udp4(40_000, 37_008, tzsp(4, 1, bytes(1), new byte[0])))); // a keep-alive
        assertPlainUdp(decode(udp4(40_000, 37_008, tzsp(0, 2, bytes(1), TCP4)))); // token ring: not read
        assertEquals(DecodeAnomaly.TZSP_TRUNCATED, decode(udp4(40_000, 37_008, tzsp(0, 1, bytes(0x28, 40), TCP4))).anomaly);
        assertPlainUdp(decode(udp4(40_000, 37_009, tzsp(0, 1, tags, eth(ETH_IPV4, TCP4))))); // another port
        // A streaming server set to another port (decoder.tzsp.ports): there, and no longer on 37008.
        PacketDecoder moved = new PacketDecoder(TunnelConfig.DEFAULTS.withTzspPorts(List.of(47_008)));
        assertInner(decode(moved, udp4(40_000, 47_008, tzsp(0, 1, tags, eth(ETH_IPV4, TCP4)))), 4, TunnelKind.TZSP);
        assertPlainUdp(decode(moved, udp4(40_000, 37_008, tzsp(0, 1, tags, eth(ETH_IPV4, TCP4)))));
        assertPlainUdp(decode(moved, udp4(47_008, 40_000, tzsp(0, 1, tags, eth(ETH_IPV4, TCP4))))); // the destination port only
    }

    @Test
    void ipInIpKindsAndLengthFieldsAreRecorded() {
        assertEquals(List.of(TunnelKind.IPV6_IN_IPV4), decaps(decode(eth(ETH_IPV4, ipv4(41, "10.0.0.1", "10.0.0.2", TCP6)))));
        assertEquals(List.of(TunnelKind.IPV4_IN_IPV6), decaps(decode(eth(ETH_IPV6, ipv6(4, "2001:db8::1", "2001:db8::2", TCP4)))));
        DecodedPacket p = decode(udp4(2152, 2152, gtpu(-1, new byte[0][], TCP4)));
        assertEquals(3, p.encapLengthCount, "outer IPv4, UDP and GTP-U lengths");
        // Rebuilt around a longer inner packet, every enclosing length follows.
        byte[] frame = udp4(2152, 2152, gtpu(-1, new byte[0][], TCP4));
        byte[] longer = cat(frame, new byte[100]);
        assertTrue(EncapLengths.fit(longer, EncapLengths.relative(p, 0)));
        assertEquals(longer.length - 14, PacketDecoder.u16(longer, 16));
        assertEquals(longer.length - 34, PacketDecoder.u16(longer, 38));
        assertEquals(longer.length - 42 - 8, PacketDecoder.u16(longer, 44));
        assertFalse(EncapLengths.fit(new byte[70_000], EncapLengths.relative(p, 0)));
    }

    @Test
    void depthLimitHoldsAcrossKinds() {
        byte[] inner = TCP4;
        for (int i = 0; i < 3; i++) {
            inner = ipv4(17, "192.0.2.1", "192.0.2.2", udp(2152, 2152, gtpu(-1, new byte[0][], inner)));
        }
        PacketDecoder two = new PacketDecoder(2);
        assertEquals(DecodeAnomaly.TUNNEL_TOO_DEEP, decode(two, eth(ETH_IPV4, inner)).anomaly);
        DecodedPacket ok = decode(eth(ETH_IPV4, inner));
        assertNull(ok.anomaly);
        assertEquals(3, ok.tunnelDepth);
        assertThrows(IllegalArgumentException.class, () -> TunnelConfig.DEFAULTS.withMaxDepth(TunnelConfig.MAX_DEPTH + 1));
    }
}
