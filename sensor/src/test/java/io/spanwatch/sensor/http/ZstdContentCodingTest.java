package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Checks {@code Content-Encoding: zstd} through the HTTP parser: bodies split at every offset and byte
 * by byte, chunked, stacked with gzip either way, refused windows, damage and limits. Uses the zstd
 * bodies kept in the test resources, so it runs without the zstd command.
 */
class ZstdContentCodingTest {

    private static Script response(String encoding, byte[] body) {
        return new Script()
                .c("GET /f HTTP/1.1\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n\r\n")
                .s(Script.concat("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Encoding: " + encoding
                        + "\r\nContent-Length: " + body.length + "\r\n\r\n", body));
    }

    /** Wraps {@code data} (at most 255 bytes) in a zstd frame of one raw block: single segment, no checksum. */
    static byte[] rawFrame(byte[] data) {
        int h = 1 | data.length << 3;
        return Script.concat(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0x20, (byte) data.length,
            (byte) h, (byte) (h >> 8), (byte) (h >> 16)}, data);
    }

    private static ZstdDecoderTest.Vector vector(String name) {
        return ZstdDecoderTest.VECTORS.stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void decodedAtEverySplit() {
        ZstdDecoderTest.Vector v = vector("text-2k-l19");
        RecordingListener r = response("zstd", v.encoded()).runAll();
        assertEquals(List.of(), r.anomalies);
        assertArrayEquals(v.content().get(), r.sink(0).bytes.toByteArray());
        assertTrue(r.sink(0).complete);
        assertEquals(List.of("zstd"), r.sink(0).info.contentEncodings());
    }

    @Test
    void chunkedFramesAndSkippableFrames() {
        ZstdDecoderTest.Vector v = vector("frames-and-skippable");
        byte[] body = ContentCodingFuzzTest.chunked(v.encoded(), 97);
        RecordingListener r = new Script().c("GET /f HTTP/1.1\r\n\r\n")
                .s(Script.concat("HTTP/1.1 200 OK\r\nContent-Encoding: ZSTD\r\nTransfer-Encoding: chunked\r\n\r\n", body))
                .runAll();
        assertEquals(List.of(), r.anomalies);
        assertArrayEquals(v.content().get(), r.sink(0).bytes.toByteArray());
        assertTrue(r.sink(0).complete);
    }

    @Test
    void stackedWithGzipEitherWay() {
        byte[] text = "stacked codings: the file is what is left when both are undone. ".repeat(30).getBytes(StandardCharsets.US_ASCII);
        // gzip applied first, then zstd: "gzip, zstd"
        byte[] gz = HttpContentDecodingTest.gzip(text);
        assertTrue(gz.length < 256);
        RecordingListener r = response("gzip, zstd", rawFrame(gz)).runAll();
        assertEquals(List.of(), r.anomalies);
        assertArrayEquals(text, r.sink(0).bytes.toByteArray());
        // zstd applied first, then gzip: "zstd, gzip"
        ZstdDecoderTest.Vector v = vector("lines-140k-l19");
        r = response("zstd, gzip", HttpContentDecodingTest.gzip(v.encoded())).runOnce(HttpLimits.DEFAULTS);
        assertEquals(List.of(), r.anomalies);
        assertArrayEquals(v.content().get(), r.sink(0).bytes.toByteArray());
        assertTrue(r.sink(0).complete);
    }

    @Test
    void windowOverTheHttpLimitKeepsTheRawBytes() {
        // Window descriptor exponent 14: 16 MiB; then a raw block.
        byte[] frame = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0x00, 14 << 3, 1 | 2 << 3, 0, 0, 'h', 'i'};
        RecordingListener r = response("zstd", frame).runAll();
        assertEquals(List.of("http.zstd_window_too_large"), r.anomalies);
        assertArrayEquals(frame, r.sink(0).bytes.toByteArray());
        // 8 MiB (exponent 13) is within the limit.
        frame[5] = 13 << 3;
        r = response("zstd", frame).runAll();
        assertEquals(List.of(), r.anomalies);
        assertEquals("hi", r.sink(0).text());
    }

    @Test
    void damagedMidwayEndsIncomplete() {
        ZstdDecoderTest.Vector v = vector("lines-140k-l19");
        byte[] z = v.encoded();
        byte[] cut = Arrays.copyOf(z, z.length - 100);
        RecordingListener r = response("zstd", cut).runOnce(HttpLimits.DEFAULTS);
        assertEquals(List.of("http.content_truncated"), r.anomalies);
        assertFalse(r.sink(0).complete);
        byte[] got = r.sink(0).bytes.toByteArray();
        assertTrue(got.length >= 128 * 1024, "the first block was handed on: " + got.length);
        assertArrayEquals(Arrays.copyOf(v.content().get(), got.length), got);
    }

    @Test
    void decompressionLimitsApply() {
        byte[] bomb = ZstdDecoderTest.rleBomb(200); // 25 MiB from 806 bytes
        RecordingListener r = response("zstd", bomb).runOnce(HttpLimits.DEFAULTS);
        assertEquals(List.of("http.decompression_limit"), r.anomalies);
        assertFalse(r.sink(0).complete);
        long ratioRoom = HttpLimits.DEFAULT_RATIO_MIN_DECODED_BYTES + ContentDecoder.OUT_CHUNK;
        assertTrue(r.sink(0).total <= Math.max(ratioRoom, 1000L * bomb.length + ContentDecoder.OUT_CHUNK), "decoded " + r.sink(0).total);
        HttpLimits small = new HttpLimits(65536, 100, 100_000, 1_000_000, 1 << 30, 10, 10);
        r = response("zstd", bomb).runOnce(small);
        assertEquals(100_000, r.sink(0).total);
        assertEquals(List.of("http.decompression_limit"), r.anomalies);
    }
}
