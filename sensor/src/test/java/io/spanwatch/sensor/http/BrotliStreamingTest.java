package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Checks that brotli bodies larger than the decoder's look-ahead are decoded as they arrive. The
 * stream is built here from RFC 7932's uncompressed meta-blocks (§9.2), so no encoder is needed.
 */
class BrotliStreamingTest {

    /** Writes bits least significant first, as RFC 7932 §2 packs them. */
    private static final class BitWriter {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int cur;
        int n;

        void bits(int value, int count) {
            for (int i = 0; i < count; i++) {
                cur |= ((value >> i) & 1) << n;
                if (++n == 8) {
                    out.write(cur);
                    cur = 0;
                    n = 0;
                }
            }
        }

        void align() {
            if (n > 0) {
                bits(0, 8 - n);
            }
        }
    }

    /** Encodes data as brotli: window 16, meta-blocks of at most 16 KiB stored uncompressed, then an empty last one. */
    static byte[] storedBrotli(byte[] data) {
        return storedBrotli(data, false);
    }

    /** Encodes data as {@link #storedBrotli(byte[])} does, with a window of 16 MiB if {@code window24}. */
    static byte[] storedBrotli(byte[] data, boolean window24) {
        BitWriter w = new BitWriter();
        if (window24) {
            w.bits(1, 1);
            w.bits(7, 3); // WBITS: 17 + 7
        } else {
            w.bits(0, 1); // WBITS: 16
        }
        for (int off = 0; off < data.length; off += 16384) {
            int len = Math.min(16384, data.length - off);
            w.bits(0, 1); // ISLAST
            w.bits(0, 2); // MNIBBLES: 4
            w.bits(len - 1, 16); // MLEN - 1
            w.bits(1, 1); // ISUNCOMPRESSED
            w.align();
            w.out.write(data, off, len);
        }
        w.bits(1, 1); // ISLAST
        w.bits(1, 1); // ISLASTEMPTY
        w.align();
        return w.out.toByteArray();
    }

    @Test
    void windowBitsFromTheFirstByte() {
        assertEquals(16, BrotliDecoder.windowBits(0x00));
        assertEquals(22, BrotliDecoder.windowBits(0x1b)); // python brotli default (lgwin 22)
        assertEquals(24, BrotliDecoder.windowBits(0x0f));
        assertEquals(17, BrotliDecoder.windowBits(0x01));
        assertEquals(10, BrotliDecoder.windowBits(0x21));
        assertEquals(-1, BrotliDecoder.windowBits(0x11)); // large-window brotli
    }

    @Test
    void largeBodyDecodesAtEverySplit() {
        byte[] data = new byte[100_000];
        new Random(7).nextBytes(data);
        byte[] br = storedBrotli(data);
        RecordingListener r = new Script()
                .c("GET /big HTTP/1.1\r\n\r\n")
                .s(Script.concat("HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: " + br.length + "\r\n\r\n", br))
                .runAll();
        assertEquals(java.util.List.of(), r.anomalies);
        assertArrayEquals(data, r.sink(0).bytes.toByteArray());
        assertTrue(r.sink(0).complete);
    }

    @Test
    void bytesFlowBeforeTheBodyEnds() {
        byte[] data = new byte[200_000];
        new Random(8).nextBytes(data);
        byte[] br = storedBrotli(data);
        RecordingListener r = new RecordingListener();
        HttpConnectionParser p = new HttpConnectionParser(r, HttpLimits.DEFAULTS);
        byte[] req = "GET / HTTP/1.1\r\n\r\n".getBytes();
        byte[] head = ("HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: " + br.length + "\r\n\r\n").getBytes();
        p.data(true, 1, req, 0, req.length);
        p.data(false, 2, head, 0, head.length);
        int half = br.length / 2;
        for (int off = 0; off < half; off += 1460) {
            p.data(false, 3, br, off, Math.min(1460, half - off));
        }
        long midway = r.sink(0).total;
        assertTrue(midway > half - BrotliDecoder.lookahead(16) - 16384, "decoded " + midway + " of " + half + " sent");
        p.data(false, 4, br, half, br.length - half);
        assertEquals(data.length, r.sink(0).total);
        assertTrue(r.sink(0).complete);
    }
}
