package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.spanwatch.sensor.capture.LinkType;
import org.junit.jupiter.api.Test;

/**
 * A capture made on a Linux GRE tunnel's own sending end, where the tunnel sends checksums
 * ({@code ip link add ... type gre ... ocsum}) and the inner TCP or UDP checksum is left to the NIC. The
 * kernel fills the GRE checksum by local checksum offload ({@code gre_build_header}:
 * {@code csum_fold(lco_csum(skb))} when the inner packet is {@code CHECKSUM_PARTIAL}), i.e. the checksum
 * the packet will have once the NIC writes the inner checksum; the tap sees the packet before that, its
 * inner checksum field holding only the pseudo-header's sum. On the wire the packet is right and the far
 * end takes it (found by the review of the third evasion round's GRE checksum rule).
 */
class GreChecksumOffloadTest {
    private static final int TCP = 6;
    private static final int UDP = 17;

    /**
     * Returns {@code inner} (an IP packet whose TCP or UDP checksum field is zero) with the field filled
     * in: its right checksum when {@code right}, else the pseudo-header's sum alone, as offload leaves it
     * (an IPv4 header's checksum filled in as well).
     */
    static byte[] filled(byte[] inner, boolean right) {
        boolean v4 = (inner[0] & 0xf0) == 0x40;
        int l4 = v4 ? (inner[0] & 0x0f) * 4 : 40;
        int proto = inner[v4 ? 9 : 6] & 0xff;
        long pseudo = v4 ? Checksums.sum(inner, 12, 8, 0) : Checksums.sum(inner, 8, 32, 0);
        pseudo += proto + (inner.length - l4);
        int value = right ? ~Checksums.fold(Checksums.sum(inner, l4, inner.length - l4, pseudo)) & 0xffff : Checksums.fold(pseudo);
        int at = l4 + (proto == TCP ? 16 : 6);
        byte[] out = inner.clone();
        out[at] = (byte) (value >> 8);
        out[at + 1] = (byte) value;
        if (v4) { // and the IPv4 header's own checksum
            int h = ~Checksums.fold(Checksums.sum(out, 0, l4, 0)) & 0xffff;
            out[10] = (byte) (h >> 8);
            out[11] = (byte) h;
        }
        return out;
    }

    /**
     * The frame a capture on the sending end shows: GRE with its checksum over the packet as sent (inner
     * checksum right), the inner checksum field as offload left it (pseudo-header's sum).
     */
    private static byte[] capturedOnSendingEnd(int greProto, byte[] prefix, byte[] inner) {
        byte[] wire = Frames.gre(true, true, false, greProto, cat(prefix, filled(inner, true)));
        byte[] captured = wire.clone();
        byte[] partial = filled(inner, false);
        int innerAt = wire.length - inner.length;
        System.arraycopy(partial, 0, captured, innerAt, partial.length);
        return ipv4(47, "10.0.0.1", "10.0.0.2", captured);
    }

    static DecodedPacket decode(byte[] frame) {
        DecodedPacket p = new DecodedPacket();
        p.reset(frame, 1L, frame.length);
        new PacketDecoder().decode(LinkType.RAW, frame, 0, frame.length, p);
        return p;
    }

    @Test
    void aGreChecksumFilledByLocalChecksumOffloadIsNotTakenForWrong() {
        byte[] get = ascii("GET /setup.exe HTTP/1.1\r\nHost: dl.example\r\n\r\n");
        DecodedPacket v4 = decode(capturedOnSendingEnd(0x0800, new byte[0], ipv4(TCP, "172.16.0.1", "172.16.0.2", tcp(1234, 80, get))));
        assertNull(v4.anomaly, "IPv4 and TCP inside: the tunnel's far end takes this packet");
        assertEquals(TCP, v4.proto);
        assertEquals(Checksums.UNKNOWN, Checksums.tcp(v4), "the inner checksum is then judged as one left to offload");

        DecodedPacket v6 = decode(capturedOnSendingEnd(0x86DD, new byte[0], ipv6(TCP, "fd00::1", "fd00::2", tcp(1234, 80, get))));
        assertNull(v6.anomaly, "IPv6 and TCP inside");
        assertEquals(TCP, v6.proto);

        DecodedPacket udp = decode(capturedOnSendingEnd(0x0800, new byte[0], ipv4(UDP, "172.16.0.1", "172.16.0.2", udp(5353, 53, get))));
        assertNull(udp.anomaly, "UDP inside");
        assertEquals(UDP, udp.proto);

        byte[] ethernet = cat(bytes(2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2), u16(0x0800)); // gretap: Ethernet in GRE
        DecodedPacket tap = decode(capturedOnSendingEnd(0x6558, ethernet, ipv4(TCP, "172.16.0.1", "172.16.0.2", tcp(1234, 80, get))));
        assertNull(tap.anomaly, "Ethernet (gretap) inside");
        assertEquals(TCP, tap.proto);
    }

    @Test
    void aGreChecksumWrongAlsoForTheFilledPacketStaysWrong() {
        byte[] get = ascii("GET /setup.exe HTTP/1.1\r\nHost: dl.example\r\n\r\n");
        byte[] frame = capturedOnSendingEnd(0x0800, new byte[0], ipv4(TCP, "172.16.0.1", "172.16.0.2", tcp(1234, 80, get)));
        frame[20 + 4] ^= 0x01; // the GRE checksum itself, off by one bit
        assertEquals(DecodeAnomaly.GRE_INVALID_CHECKSUM, decode(frame).anomaly, "a decoy's checksum does not hold either way");

        // A partial inner field with the GRE checksum computed over the captured bytes is a right checksum
        // too (the sender summed what it sent), and a GRE checksum over a right inner packet changed after
        // summing is wrong both ways.
        byte[] inner = filled(ipv4(TCP, "172.16.0.1", "172.16.0.2", tcp(1234, 80, get)), true);
        byte[] gre = Frames.gre(true, false, false, 0x0800, inner);
        gre[gre.length - 1] ^= 0x20; // a byte of the payload changed on the way
        assertEquals(DecodeAnomaly.GRE_INVALID_CHECKSUM, decode(ipv4(47, "10.0.0.1", "10.0.0.2", gre)).anomaly);
    }
}
