package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.LinkType;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The IPv4 header checksums that no check after the decoder sees: a fragment's (its datagram gets a
 * fresh checksum when put back together) and that of a header carrying a tunnel (the inner packet's
 * checks look at the inner header). Hosts and tunnel ends drop such packets before anything else
 * (Linux {@code ip_rcv_core}, FreeBSD {@code ip_input}), so the decoder does:
 * {@code decoder.ipv4.invalid_checksum}. A field of 0 is what a stack leaves for a NIC that fills it,
 * so it is not judged. The fourth evasion review hid a decoy fragment and a decoy in GRE with wrong
 * outer checksums.
 */
class Ipv4HeaderChecksumTest {
    private final PacketDecoder decoder = new PacketDecoder();

    private DecodedPacket decode(byte[] frame) {
        DecodedPacket p = new DecodedPacket();
        p.reset(frame, 1L, frame.length);
        decoder.decode(LinkType.ETHERNET, frame, 0, frame.length, p);
        return p;
    }

    /** Writes the right header checksum into the IPv4 header at {@code at} of {@code frame}. */
    private static byte[] summed(byte[] frame, int at) {
        byte[] f = frame.clone();
        int hlen = (f[at] & 0x0f) * 4;
        f[at + 10] = 0;
        f[at + 11] = 0;
        int sum = ~Checksums.fold(Checksums.sum(f, at, hlen, 0)) & 0xffff;
        f[at + 10] = (byte) (sum >>> 8);
        f[at + 11] = (byte) sum;
        return f;
    }

    private static byte[] corrupted(byte[] frame, int at) {
        byte[] f = summed(frame, at);
        f[at + 11] ^= 0x5a;
        return f;
    }

    private static final int IP = 14; // the outer IPv4 header, after the Ethernet header

    /** The three checksum fields of one frame: right, wrong, and 0 (left to the NIC). */
    private void judged(byte[] frame, UnaryOperator<byte[]> rightIsTaken) {
        byte[] right = summed(frame, IP);
        rightIsTaken.apply(right);
        assertEquals(DecodeAnomaly.IPV4_INVALID_CHECKSUM, decode(corrupted(frame, IP)).anomaly);
        byte[] zero = right.clone();
        zero[IP + 10] = 0;
        zero[IP + 11] = 0;
        rightIsTaken.apply(zero);
    }

    @Test
    void aFragmentWithAWrongHeaderChecksumIsDropped() {
        byte[] data = ascii("0123456789abcdef0123456789abcdef");
        byte[] frame = eth(ETH_IPV4, ipv4(6, "10.0.0.2", "10.0.0.1", data, 0x2000 | 3, 0)); // offset 24, more fragments
        judged(frame, f -> {
            DecodedPacket p = decode(f);
            assertNull(p.anomaly);
            assertTrue(p.fragment);
            assertEquals(24, p.fragOffset);
            return f;
        });
    }

    @Test
    void aTunnelWhoseOuterHeaderChecksumIsWrongIsDropped() {
        byte[] inner = ipv4(6, "172.16.0.1", "172.16.0.2", Frames.tcp(1234, 80, ascii("GET /")));
        byte[][] tunnels = {
            eth(ETH_IPV4, ipv4(47, "10.0.0.1", "10.0.0.2", Frames.gre(false, false, false, 0x0800, inner))),
            eth(ETH_IPV4, ipv4(4, "10.0.0.1", "10.0.0.2", inner)),
            eth(ETH_IPV4, ipv4(17, "10.0.0.1", "10.0.0.2", udp(50000, 4789, Frames.vxlan(42, eth(ETH_IPV4, inner))))),
        };
        for (byte[] frame : tunnels) {
            judged(frame, f -> {
                DecodedPacket p = decode(f);
                assertNull(p.anomaly);
                assertTrue(p.isTcp());
                assertEquals(1, p.tunnelDepth);
                assertFalse(p.ipv4ChecksumWrong, "the inner header's own checksum is the TCP stage's to judge");
                return f;
            });
        }
    }

    @Test
    void anUnfragmentedTcpPacketIsLeftToTheReassembly() {
        // its wrong header checksum is judged with the TCP checksum, by the sender's history
        // (ReceiverDiscards.badChecksum), and its bytes kept aside: not a decoder anomaly
        byte[] frame = corrupted(eth(ETH_IPV4, ipv4(6, "10.0.0.2", "10.0.0.1", Frames.tcp(80, 1234, ascii("data")))), IP);
        DecodedPacket p = decode(frame);
        assertNull(p.anomaly);
        assertTrue(p.isTcp());
        assertTrue(p.ipv4ChecksumWrong);
    }
}
