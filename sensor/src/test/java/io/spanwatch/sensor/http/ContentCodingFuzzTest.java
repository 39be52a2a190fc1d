package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spanwatch.sensor.fuzz.FuzzInput;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import org.brotli.dec.BrotliInputStream;

/**
 * Fuzzes the content decoders ({@code GzipDecoder}, {@code DeflateDecoder}, {@code BrotliDecoder},
 * alone and stacked) and their limits in {@code Entity}, through the parser: a response whose body is
 * the fuzz input. Input: codings (u8 index into {@link #CODINGS}), transfer framing (u8: Content-Length,
 * chunked, or until close), chunk size (u8), limits (u8), piece size for the second run (u8), body (rest).
 *
 * <p>Invariants: nothing throws; {@link HttpFuzzChecks#check} and the same recording whole and cut
 * (documented exceptions aside); decoded bytes never exceed the size limit, nor the ratio limit by more
 * than one decoder output chunk; when the JDK's gzip/zlib or Brotli's own stream reader decodes the
 * body, what the sink got is exactly that, or the start of it when a limit or a later failure stopped
 * decoding (never the raw bytes passed through as if the body were not encoded).
 */
public class ContentCodingFuzzTest {
    /** Content-Encoding values, in the order the codings were applied. */
    static final List<List<String>> CODINGS = List.of(List.of("gzip"), List.of("deflate"), List.of("br"),
            List.of("gzip", "br"), List.of("deflate", "gzip"), List.of("x-gzip"));
    /** Most bytes one decoder call hands on (ContentDecoder.OUT_CHUNK), the overshoot a ratio check allows. */
    private static final int CHUNK = 8 * 1024;
    private static final int REFERENCE_CAP = 4 << 20;

    @FuzzTest(maxDuration = "10s")
    void encodedBody(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        List<String> codings = CODINGS.get(in.below(CODINGS.size()));
        int framing = in.u8() % 3;
        int chunk = 1 + in.u8();
        HttpLimits limits = limits(in.u8());
        int piece = in.u8();
        byte[] body = in.rest();

        Script script = new Script().c("GET /f HTTP/1.1\r\nAccept-Encoding: gzip, deflate, br\r\n\r\n")
                .s(response(String.join(", ", codings), framing, chunk, body));
        if (framing == 2) {
            script.end(false);
        }
        script.close();
        long[] given = {0, Long.MAX_VALUE};
        RecordingListener whole = script.runOnce(limits);
        RecordingListener cut = script.runInPieces(limits, new int[] {0, piece});
        byte[] expected = reference(codings, body, (int) limits.maxDecodedBytes());
        for (RecordingListener r : List.of(whole, cut)) {
            HttpFuzzChecks.check(r, limits, given);
            long total = 0;
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            for (RecordingListener.Sink s : r.sinks) {
                total += s.total;
                got.writeBytes(s.bytes.toByteArray());
            }
            long ratioRoom = Math.max(limits.ratioMinDecodedBytes(), (long) limits.maxDecompressionRatio() * body.length) + CHUNK;
            assertTrue(total <= ratioRoom, "decoded " + total + " bytes from " + body.length + ", ratio limit "
                    + limits.maxDecompressionRatio() + " after " + limits.ratioMinDecodedBytes());
            if (expected != null) {
                byte[] g = got.toByteArray();
                if (stoppedEarly(r)) {
                    assertTrue(g.length <= expected.length, "more than the body decodes to");
                    assertArrayEquals(Arrays.copyOf(expected, g.length), g, "decoded bytes differ from the reference");
                } else {
                    assertArrayEquals(expected, g, "decoded bytes differ from the reference " + r.anomalies);
                }
            }
        }
        HttpFuzzChecks.assertSameRecording(whole, cut, "whole and cut into pieces of " + piece);
    }

    /**
     * Tells whether decoding stopped before the end of the body: a limit, or a failure past the part
     * the reference decoded (the reference stops one byte past the size limit), after which the sink
     * holds the start of the decoded body, how much of it depending on the cuts.
     */
    private static boolean stoppedEarly(RecordingListener r) {
        return r.anomalies.contains("http.decompression_limit") || r.anomalies.contains("http.content_decode_failed")
                || r.anomalies.contains("http.content_truncated");
    }

    /** Limits for decoding: 256 B to 32 KiB decoded per body, ratio 2 to 33 after 1 KiB; or 1 MiB at 1000:1. */
    private static HttpLimits limits(int pick) {
        if (pick == 255) {
            return new HttpLimits(65536, 100, 1 << 20, 1000, 64 << 10, 10, 10);
        }
        return new HttpLimits(65536, 100, 256L << (pick & 7), 2 + (pick >> 3), 1024, 10, 10);
    }

    static byte[] response(String encoding, int framing, int chunk, byte[] body) {
        String head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Encoding: " + encoding + "\r\n";
        return switch (framing) {
            case 0 -> Script.concat(head + "Content-Length: " + body.length + "\r\n\r\n", body);
            case 1 -> Script.concat(head + "Transfer-Encoding: chunked\r\n\r\n", chunked(body, chunk));
            default -> Script.concat(head + "Connection: close\r\n\r\n", body);
        };
    }

    static byte[] chunked(byte[] body, int chunk) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (int off = 0; off < body.length; off += chunk) {
            int n = Math.min(chunk, body.length - off);
            o.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            o.write(body, off, n);
            o.writeBytes(new byte[] {'\r', '\n'});
        }
        o.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return o.toByteArray();
    }

    /**
     * Decodes with the JDK and Brotli's own stream reader, the last coding to at most {@code cap + 1}
     * bytes (what is past the limit does not matter), inner ones to {@value #REFERENCE_CAP}; null when
     * one of them rejects the body.
     */
    static byte[] reference(List<String> codings, byte[] body, int cap) {
        byte[] b = body;
        try {
            for (int i = codings.size() - 1; i >= 0; i--) {
                String c = codings.get(i);
                InputStream raw = new ByteArrayInputStream(b);
                try (InputStream s = switch (c) {
                    case "gzip", "x-gzip" -> new GZIPInputStream(raw);
                    case "deflate" -> new InflaterInputStream(raw,
                            new Inflater(!(b.length >= 2 && DeflateDecoder.isZlibHeader(b[0] & 0xff, b[1] & 0xff))));
                    default -> new BrotliInputStream(raw);
                }) {
                    b = s.readNBytes(i == 0 ? cap + 1 : REFERENCE_CAP + 1);
                }
                if (i > 0 && b.length > REFERENCE_CAP) {
                    return null;
                }
            }
            return b;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Seeds: each coding of the decoding tests' texts, stacked, multi-member, with header fields, cut, and bombs. */
    public static Map<String, byte[]> seeds() {
        byte[] text = "The quick brown fox jumps over the lazy dog. ".repeat(40).getBytes(StandardCharsets.ISO_8859_1);
        byte[] gz = HttpContentDecodingTest.gzip(text);
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("gzip", seed(0, 0, 1, gz));
        seeds.put("gzip-chunked", seed(0, 1, 100, gz));
        seeds.put("gzip-two-members-and-junk", seed(0, 2, 1, Script.concat(gz, HttpContentDecodingTest.gzip(text), "junk")));
        seeds.put("gzip-header-fields", seed(0, 0, 1, Script.concat(new byte[] {0x1f, (byte) 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3,
            3, 0, 'a', 'b', 'c'}, "name\0comment\0", new byte[] {0x12, 0x34}, Arrays.copyOfRange(gz, 10, gz.length))));
        seeds.put("gzip-cut", seed(0, 0, 1, Arrays.copyOf(gz, gz.length / 2)));
        seeds.put("gzip-bomb", seed(0, 1, 200, HttpContentDecodingTest.gzip(new byte[200_000])));
        seeds.put("deflate-zlib", seed(1, 0, 1, HttpContentDecodingTest.deflate(text, false)));
        seeds.put("deflate-raw", seed(1, 1, 33, HttpContentDecodingTest.deflate(text, true)));
        seeds.put("br", seed(2, 0, 1, HttpContentDecodingTest.BR_HELLO));
        seeds.put("br-bomb", seed(2, 2, 1, HttpContentDecodingTest.BR_BOMB));
        seeds.put("gzip-then-br", seed(3, 1, 16, HttpContentDecodingTest.BR_OF_GZIP));
        seeds.put("deflate-then-gzip", seed(4, 0, 1, HttpContentDecodingTest.gzip(HttpContentDecodingTest.deflate(text, false))));
        seeds.put("x-gzip-not-gzip", seed(5, 0, 1, text));
        // HTTP Evader's tricks: reserved flag bits (Chrome ignores them), a cut trailer, junk after raw deflate
        byte[] reserved = gz.clone();
        reserved[3] |= 0x20;
        seeds.put("gzip-reserved-flags", seed(0, 1, 7, reserved));
        seeds.put("gzip-trailer-cut", seed(0, 0, 1, Arrays.copyOf(gz, gz.length - 4)));
        seeds.put("deflate-raw-then-junk", seed(1, 2, 1, Script.concat(HttpContentDecodingTest.deflate(text, true), "PK\3\4junk")));
        return seeds;
    }

    private static byte[] seed(int codings, int framing, int chunk, byte[] body) {
        return new FuzzInput.Writer().below(CODINGS.size(), codings).u8(framing).u8(chunk - 1).u8(framing == 2 ? 255 : 7)
                .u8(framing * 50 + 3).raw(body).toByteArray();
    }
}
