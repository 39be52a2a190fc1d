package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static io.spanwatch.sensor.decode.GreChecksumOffloadTest.decode;
import static io.spanwatch.sensor.decode.GreChecksumOffloadTest.filled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/**
 * A tunnel in UDP whose UDP checksum is wrong is dropped by its end before it is decapsulated: Linux
 * verifies the checksum before a tunnel's encap_rcv ({@code udp_queue_rcv_one_skb}: "Verify checksum
 * before giving to encap"; VXLAN, Geneve, L2TP, GTP-U), and a tunnel end in user space (miredo for
 * Teredo) never reads such a datagram from its socket. The sixth evasion review hid decoys in VXLAN,
 * Geneve, Teredo and L2TPv2 so. A field of 0 (none), the pseudo-header's sum alone and a checksum filled
 * by local checksum offload (a capture on the sending end) are taken.
 */
class UdpTunnelChecksumTest {
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final byte[] GET = ascii("GET /setup.exe HTTP/1.1\r\nHost: dl.example\r\n\r\n");
    private static final byte[] INNER_ETH = cat(bytes(2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2), u16(0x0800));

    /** An IPv4 or IPv6 packet from 192.0.2.1 / 2001:db8::1 carrying UDP to {@code dport}, its checksum right. */
    private static byte[] summed(boolean v6, int dport, byte[] payload) {
        byte[] p = v6 ? ipv6(UDP, "2001:db8::1", "2001:db8::2", udp(50000, dport, payload))
                : ipv4(UDP, "192.0.2.1", "192.0.2.2", udp(50000, dport, payload));
        int udp = v6 ? 40 : 20;
        long pseudo = v6 ? Checksums.sum(p, 8, 32, 0) : Checksums.sum(p, 12, 8, 0);
        pseudo += UDP + (p.length - udp);
        int value = ~Checksums.fold(Checksums.sum(p, udp, p.length - udp, pseudo)) & 0xffff;
        return field(p, udp, value == 0 ? 0xffff : value);
    }

    private static byte[] field(byte[] p, int udp, int value) {
        byte[] out = p.clone();
        out[udp + 6] = (byte) (value >> 8);
        out[udp + 7] = (byte) value;
        return out;
    }

    private static int checksumOf(byte[] p) {
        int at = ((p[0] & 0xf0) == 0x60 ? 40 : 20) + 6;
        return ((p[at] & 0xff) << 8) | (p[at + 1] & 0xff);
    }

    private static byte[] innerTcp() {
        return filled(ipv4(TCP, "172.16.0.1", "172.16.0.2", tcp(1234, 80, GET)), true);
    }

    @Test
    void aTunnelWhoseUdpChecksumIsWrongIsNotEntered() {
        byte[][] tunnels = {
            summed(false, 4789, vxlan(42, cat(INNER_ETH, innerTcp()))),
            summed(true, 4789, vxlan(42, cat(INNER_ETH, innerTcp()))),
            summed(false, 6081, cat(bytes(0, 0), u16(0x0800), u32(77 << 8), innerTcp())),
            summed(false, 3544, filled(ipv6(TCP, "2001:0::1", "2001:0::2", tcp(1234, 80, GET)), true)),
        };
        for (byte[] t : tunnels) {
            DecodedPacket right = decode(t);
            assertNull(right.anomaly, "the right checksum");
            assertEquals(TCP, right.proto, "the tunnel is entered");
            DecodedPacket wrong = decode(field(t, (t[0] & 0xf0) == 0x60 ? 40 : 20, checksumOf(t) ^ 0x1111));
            assertEquals(DecodeAnomaly.UDP_INVALID_CHECKSUM, wrong.anomaly, "a wrong checksum: the tunnel's end drops it");
        }
    }

    @Test
    void noChecksumAndOffloadedOnesAreTaken() {
        byte[] vx = summed(false, 4789, vxlan(42, cat(INNER_ETH, innerTcp())));
        assertEquals(TCP, decode(field(vx, 20, 0)).proto, "0: no checksum (RFC 768; RFC 7348 §5 MUST accept it)");
        long pseudo = Checksums.sum(vx, 12, 8, 0) + UDP + (vx.length - 20);
        assertEquals(TCP, decode(field(vx, 20, Checksums.fold(pseudo))).proto, "the pseudo-header's sum: left to the NIC");

        // local checksum offload: the outer checksum is right for the packet once the NIC fills in the
        // inner TCP checksum, which the capture on the sending end shows as the pseudo-header's sum
        for (boolean v6 : new boolean[] {false, true}) {
            byte[] inner = ipv4(TCP, "172.16.0.1", "172.16.0.2", tcp(1234, 80, GET));
            byte[] wire = summed(v6, 4789, vxlan(42, cat(INNER_ETH, filled(inner, true))));
            byte[] captured = wire.clone();
            System.arraycopy(filled(inner, false), 0, captured, wire.length - inner.length, inner.length);
            DecodedPacket p = decode(captured);
            assertNull(p.anomaly, "filled by local checksum offload (IPv6 outer: " + v6 + ")");
            assertEquals(TCP, p.proto);
            assertEquals(Checksums.UNKNOWN, Checksums.tcp(p), "the inner checksum judged as one left to offload");
        }
    }

    /**
     * ESP in UDP (port 4500) is decapsulated by the same encap_rcv path (xfrm4_udp_encap_rcv), after the
     * same checksum check, in transport mode as in tunnel mode: a wrong UDP checksum drops both.
     */
    @Test
    void espInUdpWhoseUdpChecksumIsWrongIsNotReadInTransportModeEither() {
        byte[] tunnel = summed(false, 4500, espNull(0x3000, TunnelDecodeTest.TCP4, 4, 1, 12));
        byte[] transport = summed(false, 4500, espNull(0x1000, EspNullDecodeTest.tcpSegment("192.0.2.1", "192.0.2.2"), TCP, 2, 12));
        for (byte[] t : new byte[][] {tunnel, transport}) {
            DecodedPacket right = decode(t);
            assertNull(right.anomaly, "the right checksum");
            assertEquals(TCP, right.proto, "ESP is read");
            DecodedPacket wrong = decode(field(t, 20, checksumOf(t) ^ 0x1111));
            assertEquals(DecodeAnomaly.UDP_INVALID_CHECKSUM, wrong.anomaly,
                    "a wrong checksum: xfrm never sees it (tunnel mode: " + (t == tunnel) + ")");
        }
    }

    @Test
    void aPlainDatagramWithAWrongChecksumIsStillDecoded() {
        byte[] dns = summed(false, 53, ascii("not a tunnel at all, a DNS query's bytes"));
        DecodedPacket p = decode(field(dns, 20, checksumOf(dns) ^ 0x0101));
        assertNull(p.anomaly, "no tunnel is entered: nothing to judge");
        assertEquals(UDP, p.proto);
    }
}
