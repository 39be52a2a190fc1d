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
}
