package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spanwatch.sensor.fuzz.FuzzInput;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Fuzzes {@code ZstdDecoder}: once on its own, fed whole and in pieces, and once through the parser as
 * a response body ({@code zstd}, or {@code gzip, zstd}). Input: stacked (bool), transfer framing (u8:
 * Content-Length, chunked, until close), chunk size (u8), limits (u8, see
 * {@link HttpFuzzChecks#limits}), piece size (u8), body (rest).
 *
 * <p>Invariants: nothing throws; the lone decoder gives the same bytes, anomalies and ending whole and
 * in pieces (it decodes block by block whatever the cuts), never more than 128 KiB per block header,
 * and gives its memory back; through the parser, {@link HttpFuzzChecks#check} and the same recording
 * whole and cut.
 */
public class ZstdFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void zstdBody(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        boolean stacked = in.bool();
        int framing = in.u8() % 3;
        int chunk = 1 + in.u8();
        HttpLimits limits = HttpFuzzChecks.limits(in.u8() | 1 << 4); // room for the head
        int piece = 1 + in.u8();
        byte[] body = in.rest();

        ZstdDecoderTest.Run whole = ZstdDecoderTest.Run.of(body, new Random(0), Integer.MAX_VALUE);
        ZstdDecoderTest.Run cut = ZstdDecoderTest.Run.of(body, new Random(piece), piece);
        assertArrayEquals(whole.bytes(), cut.bytes(), "same bytes whole and in pieces of up to " + piece);
        assertEquals(whole.anomalies, cut.anomalies, "same anomalies whole and in pieces");
        assertEquals(whole.complete, cut.complete, "same ending whole and in pieces");
        assertTrue(whole.out.size() <= (long) (body.length / 3 + 1) * ZstdDecoder.MAX_BLOCK,
                whole.out.size() + " bytes from " + body.length);

        Script script = new Script().c("GET /z HTTP/1.1\r\nAccept-Encoding: gzip, zstd\r\n\r\n")
                .s(ContentCodingFuzzTest.response(stacked ? "gzip, zstd" : "zstd", framing, chunk, body));
        if (framing == 2) {
            script.end(false);
        }
        script.close();
        long[] given = {0, Long.MAX_VALUE};
        RecordingListener r1 = script.runOnce(limits);
        RecordingListener r2 = script.runInPieces(limits, new int[] {0, piece});
        for (RecordingListener r : List.of(r1, r2)) {
            HttpFuzzChecks.check(r, limits, given);
        }
        HttpFuzzChecks.assertSameRecording(r1, r2, "whole and cut into pieces of " + piece);
    }

    /** Seeds: the kept vectors (levels 1 to 19, several blocks, frames and skippable frames), stacked, cut, damaged, handmade frames. */
    public static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        int i = 0;
        for (ZstdDecoderTest.Vector v : ZstdDecoderTest.VECTORS) {
            byte[] z = v.encoded();
            seeds.put(v.name(), seed(false, i % 3, 100, z));
            if (i == 0) {
                seeds.put(v.name() + "-cut", seed(false, 0, 1, Arrays.copyOf(z, z.length / 2)));
                byte[] flipped = z.clone();
                flipped[z.length / 3] ^= 0x10;
                seeds.put(v.name() + "-flipped", seed(false, 1, 50, flipped));
            }
            i++;
        }
        byte[] gz = HttpContentDecodingTest.gzip("stacked: gzip then zstd ".repeat(20).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        // gzip inside a zstd frame of one raw block, made here
        byte[] frame = Script.concat(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0x20, (byte) gz.length,
            (byte) (1 | (gz.length << 3)), (byte) (gz.length >> 5), 0}, gz);
        seeds.put("gzip-in-raw-block", seed(true, 1, 30, frame));
        seeds.put("rle-bomb", seed(false, 2, 1, ZstdDecoderTest.rleBomb(40)));
        seeds.put("skippable-only", seed(false, 0, 1, ZstdDecoderTest.skippable(4, 20)));
        return seeds;
    }

    private static byte[] seed(boolean stacked, int framing, int chunk, byte[] body) {
        return new FuzzInput.Writer().bool(stacked).u8(framing).u8(chunk - 1).u8(framing == 2 ? 1 : 0).u8(framing * 60 + 7)
                .raw(body).toByteArray();
    }
}
