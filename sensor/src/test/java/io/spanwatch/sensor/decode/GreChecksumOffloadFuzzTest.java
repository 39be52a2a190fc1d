package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Randomised cases for {@link Checksums#partialInner} through {@link Gre}: the GRE checksum local
 * checksum offload fills, for IPv4 (with options) and IPv6 inside, TCP (with options) and UDP, odd and
 * even lengths, GRE key and sequence fields, IP or Ethernet (gretap) inside; a changed header byte is
 * still refused; hostile inner headers (IHL past the packet, lengths that do not match, extension
 * headers, VLAN tags) never throw and are never taken as offload.
 */
class GreChecksumOffloadFuzzTest {
    private static final int TCP = 6;
    private static final int UDP = 17;

    private static byte[] filled(byte[] inner, boolean right) {
        return GreChecksumOffloadTest.filled(inner, right);
    }

    private static DecodedPacket decode(byte[] frame) {
        return GreChecksumOffloadTest.decode(frame);
    }

    private record Case(byte[] frame, int innerAt, int innerLen, int l4Len, int proto) {
    }

    /** A random offloaded GRE packet as its sending end's capture shows it (outer IPv4, 20 bytes). */
    private static Case offloaded(Random r) {
        boolean v4 = r.nextBoolean();
        int proto = r.nextBoolean() ? TCP : UDP;
        byte[] payload = new byte[r.nextInt(1200)];
        r.nextBytes(payload);
        byte[] l4 = proto == TCP ? tcp(r.nextInt(65535) + 1, r.nextInt(65535) + 1, r.nextInt(), r.nextInt(), 0x18, payload, r.nextInt(4))
                : udp(r.nextInt(65535) + 1, r.nextInt(65535) + 1, payload);
        String s4 = "172.16." + r.nextInt(256) + "." + r.nextInt(256);
        String d4 = "192.168." + r.nextInt(256) + "." + r.nextInt(256);
        byte[] inner = v4 ? ipv4(proto, s4, d4, l4, 0x4000, r.nextInt(4))
                : ipv6(proto, "fd00::" + Integer.toHexString(r.nextInt(65536)), "fd01::" + Integer.toHexString(r.nextInt(65536)), l4);
        boolean tap = r.nextBoolean();
        byte[] prefix = tap ? cat(bytes(2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2), u16(v4 ? 0x0800 : 0x86DD)) : new byte[0];
        int greProto = tap ? 0x6558 : v4 ? 0x0800 : 0x86DD;
        byte[] wire = gre(true, r.nextBoolean(), r.nextBoolean(), greProto, cat(prefix, filled(inner, true)));
        byte[] captured = wire.clone();
        byte[] partial = filled(inner, false);
        System.arraycopy(partial, 0, captured, wire.length - inner.length, partial.length);
        byte[] frame = ipv4(47, "10.0.0.1", "10.0.0.2", captured);
        return new Case(frame, frame.length - inner.length, inner.length, l4.length, proto);
    }

    @Test
    void everyOffloadedPacketIsTakenAndItsInnerPacketDecoded() {
        Random r = new Random(1206);
        int checked = 0;
        for (int i = 0; i < 3000; i++) {
            Case c = offloaded(r);
            DecodedPacket p = decode(c.frame());
            if (c.frame().length - 20 > 1500) {
                continue; // not judged at all
            }
            checked++;
            assertNull(p.anomaly, "case " + i);
            assertEquals(c.proto(), p.proto, "case " + i);
            if (c.proto() == TCP) {
                assertEquals(Checksums.UNKNOWN, Checksums.tcp(p), "case " + i + ": the inner field is judged as offload's");
            }
        }
        assertFalse(checked < 1000, "enough cases under 1,500 bytes: " + checked);
    }

    @Test
    void aChangedHeaderByteIsStillAWrongChecksum() {
        Random r = new Random(6021);
        for (int i = 0; i < 3000; i++) {
            Case c = offloaded(r);
            if (c.frame().length - 20 > 1500) {
                continue;
            }
            byte[] f = c.frame();
            // a byte of the GRE checksum, key or sequence, or of the inner IP header (not GRE's flags and
            // protocol: those change what is decoded); the inner L4 bytes are left alone (offload's sum
            // does not depend on them: the far end's NIC fills the field whatever they hold)
            int greStart = 20;
            int greHeader = c.innerAt() - greStart;
            int innerHeader = c.innerLen() - c.l4Len();
            int span = (greHeader - 4) + innerHeader;
            int k = r.nextInt(span);
            int at = k < greHeader - 4 ? greStart + 4 + k : c.innerAt() + (k - (greHeader - 4));
            f[at] ^= (byte) (1 + r.nextInt(255));
            DecodedPacket p = decode(f);
            assertNotNull(p.anomaly, "case " + i + ", byte " + at + " changed: some anomaly (wrong GRE checksum or worse)");
        }
    }

    @Test
    void hostileInnerHeadersNeverThrowAndAreNotTakenForOffload() {
        Random r = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            int len = r.nextInt(120);
            byte[] b = new byte[len + r.nextInt(8)];
            r.nextBytes(b);
            if (len > 0) {
                b[0] = (byte) (r.nextBoolean() ? 0x40 | r.nextInt(16) : 0x60);
            }
            if (len > 9 && r.nextBoolean()) {
                b[9] = (byte) (r.nextBoolean() ? TCP : UDP);
                b[6] &= (byte) 0x40; // not a fragment
                b[7] = 0;
            }
            if (len > 3 && r.nextBoolean()) { // lengths that match, so the later checks are reached
                b[2] = (byte) (len >> 8);
                b[3] = (byte) len;
            }
            Checksums.partialInner(b, 0, len, r.nextLong() & 0xffff_ffffL); // must not throw
            // and through the decoder: GRE (checksum on) around the garbage, IP or Ethernet inside
            int greProto = switch (r.nextInt(4)) {
                case 0 -> 0x0800;
                case 1 -> 0x86DD;
                case 2 -> 0x6558;
                default -> 0x8100;
            };
            byte[] inner = java.util.Arrays.copyOf(b, len);
            byte[] g = gre(true, false, false, greProto, inner);
            g[4] ^= 0x01; // wrong over the captured bytes
            decode(ipv4(47, "10.0.0.1", "10.0.0.2", g)); // must not throw
        }
        // IHL past the packet, with a total length that matches
        byte[] shortOne = ipv4(TCP, "1.2.3.4", "5.6.7.8", new byte[20]);
        shortOne[0] = 0x4f;
        assertFalse(Checksums.partialInner(shortOne, 0, shortOne.length, 0));
        // an IPv6 extension header before TCP: not taken (Linux's pseudo-header would still match, but
        // this is a false 'wrong', never a false 'right')
        byte[] ext = filled(ipv6(TCP, "fd00::1", "fd00::2", tcp(1, 2, ascii("x"))), false);
        ext[6] = 0; // hop-by-hop
        assertFalse(Checksums.partialInner(ext, 0, ext.length, Checksums.sum(ext, 0, ext.length, 0)));
    }
}
