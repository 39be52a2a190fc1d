package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spanwatch.sensor.fuzz.FuzzInput;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fuzzes the chunked transfer coding of {@code MessageReader}: a request or a response whose body, as
 * sent, is the fuzz input, followed by one more plain message. Input: direction (u8), limits (u8, see
 * {@link HttpFuzzChecks#limits}), piece size for the second run (u8), the chunked body (rest).
 *
 * <p>Invariants: nothing throws; {@link HttpFuzzChecks#check}; the same recording whole and cut; and
 * when a strict chunked decoder written here (RFC 9112 §7.1: hex size, optional extensions, CRLF
 * everywhere, trailers) reads the input as exactly one chunked body, the parser delivers exactly its
 * bytes as a complete entity and then reads the next message.
 */
public class ChunkedFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void chunkedBody(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        boolean request = in.bool();
        HttpLimits limits = HttpFuzzChecks.limits(in.u8());
        int piece = in.u8();
        byte[] body = in.rest();
        Script script = new Script();
        if (request) {
            script.c(Script.concat("POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", body))
                    .c("GET /next HTTP/1.1\r\n\r\n")
                    .s("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        } else {
            script.c("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n")
                    .s(Script.concat("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", body))
                    .s("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        }
        script.close();
        long[] given = {Long.MAX_VALUE, Long.MAX_VALUE};
        RecordingListener whole = script.runOnce(limits);
        HttpFuzzChecks.check(whole, limits, given);
        RecordingListener cut = script.runInPieces(limits, new int[] {piece, piece});
        HttpFuzzChecks.check(cut, limits, given);
        HttpFuzzChecks.assertSameRecording(whole, cut, "whole and cut into pieces of " + piece);

        byte[] expected = strictDechunk(body);
        if (expected == null) {
            return;
        }
        HttpTransaction first = whole.tx(0);
        assertTrue(request ? first.requestComplete : first.responseComplete, "a well-formed chunked body is complete");
        assertEquals(expected.length, request ? first.requestBodyLength : first.responseBodyLength, "body length");
        byte[] got = whole.sinks.stream().filter(s -> s.tx == first && s.toServer == request).findFirst()
                .map(s -> s.bytes.toByteArray()).orElse(new byte[0]);
        assertArrayEquals(expected, got, "dechunked bytes");
        HttpTransaction second = whole.tx(1);
        assertEquals(request ? "/next" : "/b", second.uri, "the message after the chunked body");
        assertEquals(2, second.responseBodyLength, "the message after the chunked body");
    }

    /**
     * Decodes a chunked body strictly; returns null unless the input is exactly one chunked body with
     * short lines (size lines under 1,000 bytes, trailers under 64 bytes in all, below every head limit).
     */
    static byte[] strictDechunk(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int[] pos = {0};
        while (true) {
            String line = crlfLine(b, pos, 1000);
            if (line == null) {
                return null;
            }
            int semi = line.indexOf(';');
            String hex = semi < 0 ? line : line.substring(0, semi);
            if (hex.isEmpty() || !hex.chars().allMatch(c -> "0123456789abcdefABCDEF".indexOf(c) >= 0)
                    || hex.replaceFirst("^0+", "").length() > 15) {
                return null;
            }
            long size = Long.parseLong(hex, 16);
            if (size == 0) {
                int trailerStart = pos[0];
                String t;
                do {
                    t = crlfLine(b, pos, 64);
                    if (t == null || pos[0] - trailerStart >= 64) {
                        return null;
                    }
                } while (!t.isEmpty());
                return pos[0] == b.length ? out.toByteArray() : null;
            }
            if (b.length - pos[0] < size + 2 || b[(int) (pos[0] + size)] != '\r' || b[(int) (pos[0] + size + 1)] != '\n') {
                return null;
            }
            out.write(b, pos[0], (int) size);
            pos[0] += (int) size + 2;
        }
    }

    /** Reads a line ending in CRLF without other CR or LF, at most {@code max} bytes; null if there is none. */
    private static String crlfLine(byte[] b, int[] pos, int max) {
        for (int i = pos[0]; i < b.length && i - pos[0] < max; i++) {
            if (b[i] == '\n') {
                return null;
            }
            if (b[i] == '\r') {
                if (i + 1 >= b.length || b[i + 1] != '\n') {
                    return null;
                }
                String s = new String(b, pos[0], i - pos[0], StandardCharsets.ISO_8859_1);
                pos[0] = i + 2;
                return s;
            }
        }
        return null;
    }

    /** Seeds: the demo's chunked gzip response body, and chunked bodies with extensions, trailers, odd sizes. */
    public static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        byte[] text = "chunked body text ".repeat(30).getBytes(StandardCharsets.ISO_8859_1);
        seeds.put("response-gzip-chunks", seed(false, 1, 0, ContentCodingFuzzTest.chunked(HttpContentDecodingTest.gzip(text), 100)));
        seeds.put("request-one-byte-chunks", seed(true, 1, 3, ContentCodingFuzzTest.chunked("hello".getBytes(StandardCharsets.ISO_8859_1), 1)));
        seeds.put("extensions-trailers", seed(false, 0, 5, "5;name=value;q=\"x\"\r\nhello\r\n000A\r\n0123456789\r\n0;last\r\nX-T: 1\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1)));
        seeds.put("bad-size", seed(true, 1, 1, "fffffffffffffffff\r\nx\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
        seeds.put("bare-lf", seed(false, 1, 2, "3\nabc\n0\n\n".getBytes(StandardCharsets.ISO_8859_1)));
        // HTTP Evader's tricks, read as Firefox does: junk around sizes, signed sizes, empty lines, no CRLF after data
        seeds.put("firefox-sizes", seed(false, 1, 3, (" \t5 x\r\nhello\r\n\r\n-fffffffffffffffb\r\nworld\n0x5;e\r\nagain"
                + "\r\n+3\r\nabc0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
        seeds.put("not-chunked-after-all", seed(false, 1, 4, "\r\nthis body was never chunked\r\n".getBytes(StandardCharsets.ISO_8859_1)));
        seeds.put("size-one-over", seed(true, 1, 0, "6\r\nhello\r\n6\r\nworld\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
        return seeds;
    }

    private static byte[] seed(boolean request, int limits, int piece, byte[] body) {
        return new FuzzInput.Writer().bool(request).u8(limits).u8(piece).raw(body).toByteArray();
    }
}
