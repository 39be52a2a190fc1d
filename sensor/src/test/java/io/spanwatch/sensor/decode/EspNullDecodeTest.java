package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static io.spanwatch.sensor.decode.TunnelDecodeTest.assertInner;
import static io.spanwatch.sensor.decode.TunnelDecodeTest.decode;
import static org.junit.jupiter.api.Assertions.*;

import io.spanwatch.sensor.capture.LinkType;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * IPsec ESP with NULL encryption: found at the end of the packet for each usual ICV length, in
 * transport mode (TCP, UDP) and tunnel mode (IPv4, IPv6), and never in encrypted ESP.
 */
class EspNullDecodeTest {
    private static final String A = "10.20.0.5";
    private static final String B = "10.20.0.9";
    private final PacketDecoder decoder = new PacketDecoder();

    /** A TCP segment from 40000 to 80 carrying "GET /" with its checksum right for {@code src} and {@code dst}. */
    static byte[] tcpSegment(String src, String dst) {
        byte[] seg = Frames.tcp(40_000, 80, ascii("GET /"));
        byte[] s = addr(src);
        byte[] d = addr(dst);
        long sum = Checksums.sum(s, 0, s.length, 0) + Checksums.sum(d, 0, d.length, 0) + 6 + seg.length;
        int c = ~Checksums.fold(Checksums.sum(seg, 0, seg.length, sum)) & 0xffff;
        seg[16] = (byte) (c >> 8);
        seg[17] = (byte) c;
        return seg;
    }

    @Test
    void transportModeCarriesTcpAndUdpForEveryIcvLength() {
        for (int icv : EspNull.ICV_LENGTHS) {
            for (int extra : new int[] {0, 2}) {
                byte[] esp = espNull(0x1000, tcpSegment(A, B), 6, extra, icv);
                DecodedPacket p = decode(decoder, eth(ETH_IPV4, ipv4(50, A, B, esp)));
                assertNull(p.anomaly);
                assertTrue(p.isTcp(), "ICV " + icv + ", padding " + extra);
                assertEquals("GET /", new String(p.buf, p.payloadOff, p.payloadLen, java.nio.charset.StandardCharsets.US_ASCII));
                assertTrue(p.ipsecAh, "a host without the association drops it");
                assertEquals(0, p.tunnelDepth, "transport mode is not a tunnel");
                assertEquals(List.of(TunnelKind.ESP_NULL), TunnelDecodeTest.decaps(p), "but it is counted");
            }
        }
        String a6 = "2001:db8::5";
        String b6 = "2001:db8::9";
        DecodedPacket v6 = decode(decoder, eth(ETH_IPV6, ipv6(50, a6, b6, espNull(0x2000, tcpSegment(a6, b6), 6, 0, 16))));
        assertTrue(v6.isTcp());
        assertEquals(80, v6.dstPort);
        DecodedPacket dns = decode(decoder, eth(ETH_IPV4, ipv4(50, A, B, espNull(0x1000, udp(5353, 53, new byte[30]), 17, 0, 12))));
        assertTrue(dns.isUdp());
        assertEquals(53, dns.dstPort);
    }

    @Test
    void tunnelModeCarriesIpv4AndIpv6() {
        assertInner(decode(decoder, eth(ETH_IPV4, ipv4(50, A, B, espNull(0x3000, TunnelDecodeTest.TCP4, 4, 1, 12)))), 4,
                TunnelKind.ESP_NULL);
        DecodedPacket p = decode(decoder, eth(ETH_IPV6, ipv6(50, "2001:db8::1", "2001:db8::2", espNull(0x3000, TunnelDecodeTest.TCP6, 41, 0, 16))));
        assertInner(p, 6, TunnelKind.ESP_NULL);
        assertEquals(1, p.tunnelDepth);
    }

    /**
     * ESP in UDP (RFC 3948, port 4500 either side, as after IKE found a NAT): read as straight over IP,
     * counted as ESP in UDP too, its inner packets judged as IPsec's; tunnel mode's inner packet goes on
     * inside the UDP header, whose length is recorded for it.
     */
    @Test
    void espInUdpIsReadOnTheNatTraversalPort() {
        byte[] tunnel = espNull(0x3000, TunnelDecodeTest.TCP4, 4, 1, 12);
        DecodedPacket t = decode(decoder, eth(ETH_IPV4, ipv4(17, A, B, udp(4500, 4500, tunnel))));
        assertInner(t, 4, TunnelKind.ESP_IN_UDP, TunnelKind.ESP_NULL);
        assertTrue(t.ipsecAh, "a gateway forwards it only under its association");
        assertEquals(1, t.tunnelDepth);
        assertInner(decode(decoder, eth(ETH_IPV4, ipv4(17, A, B, udp(4500, 61_002, tunnel)))), 4, TunnelKind.ESP_IN_UDP,
                TunnelKind.ESP_NULL); // from the port, to the port a NAT chose
        String a6 = "2001:db8::5";
        String b6 = "2001:db8::9";
        assertInner(decode(decoder, eth(ETH_IPV6, ipv6(17, a6, b6, udp(61_002, 4500, espNull(0x3000, TunnelDecodeTest.TCP6, 41, 0, 16))))),
                6, TunnelKind.ESP_IN_UDP, TunnelKind.ESP_NULL);
        DecodedPacket transport = decode(decoder, eth(ETH_IPV4, ipv4(17, A, B, udp(4500, 4500, espNull(0x1000, tcpSegment(A, B), 6, 2, 12)))));
        assertTrue(transport.isTcp());
        assertEquals(80, transport.dstPort);
        assertTrue(transport.ipsecAh);
        assertEquals(0, transport.tunnelDepth, "transport mode is not a tunnel");
        assertEquals(List.of(TunnelKind.ESP_IN_UDP, TunnelKind.ESP_NULL), TunnelDecodeTest.decaps(transport));
    }

    /** IKE behind its non-ESP marker, NAT keep-alives and encrypted ESP stay UDP; what is none of them is an anomaly. */
    @Test
    void ikeKeepAlivesAndEncryptedEspInUdpStayUdp() {
        byte[] ike = cat(u32(0), u32(0x11223344L), u32(0x55667788L), new byte[8], bytes(0x21, 0x20, 0x23, 0x08), u32(0), u32(28));
        for (byte[] payload : List.of(ike, bytes(0xff), cat(u32(0x7a000001L), u32(1), new byte[60]))) {
            DecodedPacket p = decode(decoder, eth(ETH_IPV4, ipv4(17, A, B, udp(4500, 4500, payload))));
            TunnelDecodeTest.assertPlainUdp(p);
            assertEquals(0, p.decapCount);
            assertFalse(p.ipsecAh);
        }
        assertEquals(DecodeAnomaly.ESP_IN_UDP_TRUNCATED, decode(decoder, eth(ETH_IPV4, ipv4(17, A, B, udp(4500, 4500, bytes(0xff, 0xff))))).anomaly);
        assertEquals(DecodeAnomaly.ESP_IN_UDP_TRUNCATED, decode(decoder, eth(ETH_IPV4, ipv4(17, A, B, udp(61_002, 4500, u32(0x1000))))).anomaly);
        assertEquals(DecodeAnomaly.ESP_IN_UDP_TRUNCATED, decode(decoder, eth(ETH_IPV4, ipv4(17, A, B, udp(4500, 4500, new byte[0])))).anomaly);
        assertEquals(DecodeAnomaly.ESP_IN_UDP_RESERVED_SPI,
                decode(decoder, eth(ETH_IPV4, ipv4(17, A, B, udp(4500, 4500, espNull(0xff, tcpSegment(A, B), 6, 0, 12))))).anomaly);
        assertEquals("decoder.esp_in_udp.pkt_too_small", DecodeAnomaly.ESP_IN_UDP_TRUNCATED.eventName());
        assertEquals("decoder.esp_in_udp.reserved_spi", DecodeAnomaly.ESP_IN_UDP_RESERVED_SPI.eventName());
        // off the port, ESP-NULL in UDP is not looked for; the port is a setting
        byte[] tunnel = udp(4501, 4501, espNull(0x3000, TunnelDecodeTest.TCP4, 4, 0, 12));
        TunnelDecodeTest.assertPlainUdp(decode(decoder, eth(ETH_IPV4, ipv4(17, A, B, tunnel))));
        PacketDecoder moved = new PacketDecoder(TunnelConfig.DEFAULTS.withEspUdpPorts(List.of(4501)));
        assertInner(decode(moved, eth(ETH_IPV4, ipv4(17, A, B, tunnel))), 4, TunnelKind.ESP_IN_UDP, TunnelKind.ESP_NULL);
        assertEquals(List.of(4500), TunnelConfig.DEFAULTS.espUdpPorts());
        // a keep-alive whose byte the snap length cut, in an array of the captured size: nothing read past it
        byte[] keepAlive = eth(ETH_IPV4, ipv4(17, A, B, udp(4500, 4500, bytes(0xff))));
        byte[] captured = Arrays.copyOf(keepAlive, keepAlive.length - 1);
        DecodedPacket k = new DecodedPacket();
        k.reset(captured, 1, keepAlive.length);
        decoder.decode(LinkType.ETHERNET, captured, 0, captured.length, k);
        assertNull(k.anomaly);
        assertTrue(k.isUdp());
    }

    /** What is not certainly NULL-encrypted stays ESP, with no anomaly. */
    @Test
    void whatDoesNotCheckWholeStaysEsp() {
        byte[] badSum = tcpSegment(A, B);
        badSum[17] ^= 1;
        assertStaysEsp(ipv4(50, A, B, espNull(0x1000, badSum, 6, 0, 12)), "a TCP checksum that does not hold");
        assertStaysEsp(ipv4(50, A, B, espNull(0x1000, tcpSegment(A, B), 6, 0, 20)), "an ICV length not tried");
        assertStaysEsp(ipv4(50, A, B, espNull(0xff, tcpSegment(A, B), 6, 0, 12)), "a reserved SPI");
        byte[] padding = espNull(0x1000, tcpSegment(A, B), 6, 1, 12);
        padding[padding.length - 12 - 3] = 9; // the last padding byte
        assertStaysEsp(ipv4(50, A, B, padding), "padding other than 1, 2, 3, ...");
        assertStaysEsp(ipv4(50, A, B, espNull(0x1000, tcpSegment(A, B), 1, 0, 12)), "ICMP is not read");
        // cut by the capture: the trailer is not there to find
        byte[] frame = eth(ETH_IPV4, ipv4(50, A, B, espNull(0x1000, tcpSegment(A, B), 6, 0, 12)));
        DecodedPacket p = new DecodedPacket();
        p.reset(frame, 1, frame.length);
        decoder.decode(LinkType.ETHERNET, frame, 0, frame.length - 10, p);
        assertEquals(50, p.proto);
        assertNull(p.anomaly);
    }

    private void assertStaysEsp(byte[] ip, String what) {
        DecodedPacket p = decode(decoder, eth(ETH_IPV4, ip));
        assertNull(p.anomaly, what);
        assertEquals(50, p.proto, what);
        assertEquals(0, p.decapCount, what);
    }

    /**
     * Encrypted ESP is random bytes after the SPI and sequence number: none is read as clear text,
     * over IP or in UDP.
     * Then the trailer's bytes are planted (no padding, next header TCP, before a 12-byte ICV), so that
     * only the segment's own checks stand between: the reserved bits and the 16-bit checksum let about
     * one in 10<sup>6</sup> through (expected 0.03 in this run), and more than 3 would mean a check
     * is missing.
     */
    @Test
    void encryptedEspIsNeverTakenForNull() {
        long seed = System.nanoTime();
        System.out.println("EspNullDecodeTest seed " + seed);
        Random r = new Random(seed);
        int plantedTaken = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] body = new byte[40 + r.nextInt(1400)];
            r.nextBytes(body);
            byte[] esp = cat(u32(0x1000 + r.nextInt(1 << 20)), u32(i), body);
            boolean planted = i % 2 == 0;
            if (planted) {
                esp[esp.length - 14] = 0;
                esp[esp.length - 13] = 6;
            }
            boolean inUdp = i % 4 == 1; // a quarter in UDP, on the NAT traversal port
            DecodedPacket p = decode(decoder, eth(ETH_IPV4, inUdp ? ipv4(17, A, B, udp(4500, 4500, esp)) : ipv4(50, A, B, esp)));
            assertNull(p.anomaly);
            if (planted) {
                plantedTaken += p.decapCount;
            } else {
                assertEquals(0, p.decapCount, "seed " + seed + ", packet " + i + ": " + Arrays.toString(esp));
            }
        }
        assertTrue(plantedTaken <= 3, "seed " + seed + ": " + plantedTaken + " planted trailers taken");
    }
}
