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
     * Encrypted ESP is random bytes after the SPI and sequence number: none is read as clear text.
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
            DecodedPacket p = decode(decoder, eth(ETH_IPV4, ipv4(50, A, B, esp)));
            if (planted) {
                plantedTaken += p.decapCount;
            } else {
                assertEquals(0, p.decapCount, "seed " + seed + ", packet " + i + ": " + Arrays.toString(esp));
            }
        }
        assertTrue(plantedTaken <= 3, "seed " + seed + ": " + plantedTaken + " planted trailers taken");
    }
}
