package io.spanwatch.sensor.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The eight-bytes-at-a-time sum against RFC 1071's worked example and a word-by-word sum. */
class ChecksumsTest {
    @Test
    void theRfc1071ExampleSumsToItsResult() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2
        byte[] b = {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7};
        assertEquals(0xddf2, Checksums.fold(Checksums.sum(b, 0, b.length, 0)));
    }

    @Test
    void anyLengthAndOffsetSumsAsWordByWord() {
        Random r = new Random(5);
        for (int round = 0; round < 2_000; round++) {
            byte[] b = new byte[1 + r.nextInt(3_000)];
            r.nextBytes(b);
            int off = r.nextInt(b.length);
            int len = r.nextInt(b.length - off + 1);
            long naive = 0;
            for (int i = 0; i < len; i += 2) {
                naive += ((b[off + i] & 0xff) << 8) | (i + 1 < len ? b[off + i + 1] & 0xff : 0);
            }
            assertEquals(Checksums.fold(naive), Checksums.fold(Checksums.sum(b, off, len, 0)), "length " + len + " at " + off);
        }
    }

    /**
     * A packet as Linux hands it to a capture before the NIC finishes its checksum: the TCP checksum
     * field holds the pseudo-header's folded sum. It is not judged; a wrong one otherwise is.
     */
    @Test
    void aPartialChecksumIsNotJudgedAndAWrongOneIs() {
        byte[] tcp = Frames.tcp(40000, 80, 1000, 2000, 0x18, Frames.ascii("hello"), 0);
        byte[] ip = Frames.ipv4(6, "10.0.0.1", "10.0.0.2", tcp);
        // IPv4 header checksum, as a host computes it
        int h = ~Checksums.fold(Checksums.sum(ip, 0, 20, 0)) & 0xffff;
        ip[10] = (byte) (h >> 8);
        ip[11] = (byte) h;
        long pseudo = Checksums.sum(ip, 12, 8, 0) + 6 + tcp.length;
        int partial = Checksums.fold(pseudo);
        ip[20 + 16] = (byte) (partial >> 8);
        ip[20 + 17] = (byte) partial;
        assertEquals(Checksums.UNKNOWN, Checksums.tcp(decode(ip)));
        int full = ~Checksums.fold(Checksums.sum(ip, 20, tcp.length, pseudo - partial)) & 0xffff;
        ip[20 + 16] = (byte) (full >> 8);
        ip[20 + 17] = (byte) full;
        assertEquals(Checksums.VALID, Checksums.tcp(decode(ip)));
        ip[20 + 17] ^= 1;
        assertEquals(Checksums.INVALID, Checksums.tcp(decode(ip)));
    }

    private static DecodedPacket decode(byte[] ip) {
        DecodedPacket p = new DecodedPacket();
        p.reset(ip, 1, ip.length);
        new PacketDecoder().decode(io.spanwatch.sensor.capture.LinkType.RAW, ip, 0, ip.length, p);
        return p;
    }
}
