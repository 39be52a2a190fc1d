package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Checks content codings: gzip, deflate (zlib and raw), br, stacked, broken, truncated, and a zip bomb per coding. */
class HttpContentDecodingTest {

    // Brotli vectors: there is no brotli encoder in Java, so these were made once with Debian's
    // python3-brotli 1.0.9 (brotli.compress, default quality) and pasted here as hex.
    /** brotli.compress(b"Hello, brotli world! " * 20) */
    static final byte[] BR_HELLO = hex(
            "1ba301a01c09762ce4171a273435ac415890e8a658995cb3bd85a4ad85288b0c16c5dd61d20c");
    private static final String HELLO = "Hello, brotli world! ".repeat(20);
    /** brotli.compress(b"\0" * (16 << 20)): 27 bytes that decode to 16 MiB. */
    static final byte[] BR_BOMB = hex("cbffff3ff82700e2b14020f7fe8fffff7ff04f00c4611180eefddf");
    /** brotli.compress(gzip.compress(b"stacked gzip then br " * 10, mtime=0)), i.e. "Content-Encoding: gzip, br". */
    static final byte[] BR_OF_GZIP = hex("8b15801f8b08000000000002032b2e494cce4e4d5148afca2c5028c948cd53482a52281eca82000a5a0e34d200000003");
    private static final String STACKED = "stacked gzip then br ".repeat(10);

    private static final String TEXT = "The quick brown fox jumps over the lazy dog. ".repeat(40);

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    static byte[] deflate(byte[] data, boolean raw) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, raw);
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    static byte[] zeros(int n) {
        return new byte[n];
    }

    private static Script response(String encoding, byte[] body) {
        return new Script()
                .c("GET /f HTTP/1.1\r\nAccept-Encoding: gzip, deflate, br\r\n\r\n")
                .s(Script.concat("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: " + encoding
                        + "\r\nContent-Length: " + body.length + "\r\n\r\n", body));
    }

    private static Script chunkedResponse(String encoding, byte[] body) {
        int half = body.length / 2;
        return new Script()
                .c("GET /f HTTP/1.1\r\n\r\n")
                .s(Script.concat("HTTP/1.1 200 OK\r\nContent-Encoding: " + encoding + "\r\nTransfer-Encoding: chunked\r\n\r\n",
                        Integer.toHexString(half) + "\r\n", java.util.Arrays.copyOfRange(body, 0, half), "\r\n",
                        Integer.toHexString(body.length - half) + "\r\n", java.util.Arrays.copyOfRange(body, half, body.length),
                        "\r\n0\r\n\r\n"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void gzipAndXGzip() {
        for (String enc : List.of("gzip", "x-gzip", "GZIP")) {
            byte[] body = gzip(bytes(TEXT));
            RecordingListener r = response(enc, body).runAll();
            assertEquals(List.of(), r.anomalies, enc);
            assertEquals(TEXT, r.sink(0).text());
            assertTrue(r.sink(0).complete);
            assertEquals(List.of(enc.toLowerCase()), r.sink(0).info.contentEncodings());
            assertEquals(body.length, r.tx(0).responseBodyLength, "transferred length, before decoding");
        }
    }

    @Test
    void gzipInChunkedBody() {
        RecordingListener r = chunkedResponse("gzip", gzip(bytes(TEXT))).runAll();
        assertEquals(TEXT, r.sink(0).text());
        assertTrue(r.sink(0).complete);
    }

    @Test
    void gzipWithSeveralMembersAndTrailingGarbage() {
        byte[] body = Script.concat(gzip(bytes("first member, ")), gzip(bytes("second member")), new byte[] {0, 0, 0, 0, 'x'});
        RecordingListener r = response("gzip", body).runAll();
        // Browsers keep only the first member (split off as a reading of its own, before the second's
        // first byte); gzip(1), Go and urllib3 decode them all; both tricks are named.
        assertEquals(List.of("http.gzip_multiple_members", "http.content_trailing_data"), r.anomalies);
        assertEquals("first member, second member", r.sink(0).text());
        assertEquals(List.of(BodySink.FIRST_GZIP_MEMBER + "@14"), r.sink(0).readings);
        assertTrue(r.sink(0).complete);
    }

    @Test
    void gzipMembersThatAddNothingSplitNoReading() {
        // An empty first member (browsers save an empty file: nothing to report) and an empty second
        // member (the first member is the whole content either way) give the body one reading.
        for (byte[] body : List.of(Script.concat(gzip(new byte[0]), gzip(bytes("payload"))),
                Script.concat(gzip(bytes("payload")), gzip(new byte[0])))) {
            RecordingListener r = response("gzip", body).runAll();
            assertEquals("payload", r.sink(0).text());
            assertEquals(List.of(), r.sink(0).readings);
            assertEquals(List.of("http.gzip_multiple_members"), r.anomalies);
        }
    }

    @Test
    void gzipMembersUnderAnotherCodingSplitOnlyWhenGzipGivesTheContent() {
        byte[] members = Script.concat(gzip(bytes("first, ")), gzip(bytes("second")));
        // "gzip, deflate": deflate was applied last, so it is undone first and gzip yields the content.
        RecordingListener inner = response("gzip, deflate", deflate(members, false)).runAll();
        assertEquals("first, second", inner.sink(0).text());
        assertEquals(List.of(BodySink.FIRST_GZIP_MEMBER + "@7"), inner.sink(0).readings);
        // "gzip, gzip" of two outer members: the outer gzip's first member ends inside the inner
        // stream, which is no file of its own for anyone.
        byte[] inside = gzip(bytes("whole content"));
        int cut = inside.length / 2;
        byte[] outer = Script.concat(gzip(java.util.Arrays.copyOf(inside, cut)),
                gzip(java.util.Arrays.copyOfRange(inside, cut, inside.length)));
        RecordingListener stacked = response("gzip, gzip", outer).runAll();
        assertEquals("whole content", stacked.sink(0).text());
        assertEquals(List.of(), stacked.sink(0).readings);
    }

    @Test
    void gzipHeaderWithNameExtraCommentAndHeaderCrc() {
        byte[] plain = gzip(bytes("payload"));
        // flags FHCRC|FEXTRA|FNAME|FCOMMENT = 0x1e; the optional fields come right after the 10-byte header
        byte[] head = {0x1f, (byte) 0x8b, 8, 0x1e, 0, 0, 0, 0, 0, 3};
        byte[] optional = Script.concat(new byte[] {3, 0, 'a', 'b', 'c'}, "name.txt\0", "a comment\0", new byte[] {0x12, 0x34});
        byte[] body = Script.concat(head, optional, java.util.Arrays.copyOfRange(plain, 10, plain.length));
        RecordingListener r = response("gzip", body).runAll();
        assertEquals(List.of(), r.anomalies);
        assertEquals("payload", r.sink(0).text());
    }

    @Test
    void deflateZlibAndRaw() {
        for (boolean raw : new boolean[] {false, true}) {
            RecordingListener r = response("deflate", deflate(bytes(TEXT), raw)).runAll();
            assertEquals(List.of(), r.anomalies, "raw=" + raw);
            assertEquals(TEXT, r.sink(0).text());
            assertTrue(r.sink(0).complete);
        }
    }

    @Test
    void brotli() {
        RecordingListener r = response("br", BR_HELLO).runAll();
        assertEquals(List.of(), r.anomalies);
        assertEquals(HELLO, r.sink(0).text());
        assertTrue(r.sink(0).complete);
    }

    @Test
    void stackedCodingsAreUndoneInReverse() {
        RecordingListener r = response("gzip, br", BR_OF_GZIP).runAll();
        assertEquals(List.of(), r.anomalies);
        assertEquals(STACKED, r.sink(0).text());
        assertEquals(List.of("gzip", "br"), r.sink(0).info.contentEncodings());

        byte[] deflateThenGzip = gzip(deflate(bytes(TEXT), false));
        RecordingListener r2 = new Script()
                .c("GET / HTTP/1.1\r\n\r\n")
                .s(Script.concat("HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Encoding: identity, gzip\r\nContent-Length: "
                        + deflateThenGzip.length + "\r\n\r\n", deflateThenGzip))
                .runAll();
        assertEquals(TEXT, r2.sink(0).text());
        assertEquals(List.of("deflate", "gzip"), r2.sink(0).info.contentEncodings());
    }

    @Test
    void labelledGzipButPlainIsPassedThrough() {
        for (String enc : List.of("gzip", "deflate", "br", "zstd")) {
            RecordingListener r = response(enc, bytes("<html>not compressed at all</html>")).runAll();
            assertEquals(List.of("http.content_decode_failed"), r.anomalies, enc);
            assertEquals("<html>not compressed at all</html>", r.sink(0).text(), enc);
            assertTrue(r.sink(0).complete, enc);
        }
    }

    @Test
    void unsupportedCodingIsPassedThrough() {
        // dcb and dcz (RFC 9842 shared dictionaries) need a dictionary from an earlier response: not decoded.
        for (String enc : List.of("dcz", "dcb", "compress")) {
            RecordingListener r = response(enc, bytes("opaque")).runAll();
            assertEquals(List.of("http.unsupported_content_encoding"), r.anomalies, enc);
            assertEquals("opaque", r.sink(0).text(), enc);
        }
    }

    @Test
    void corruptMidwayEndsIncomplete() {
        byte[] body = gzip(bytes(TEXT));
        for (int i = 30; i < body.length - 8; i++) {
            body[i] ^= (byte) 0x55;
        }
        // How much decodes before the error depends on segmentation; the outcome must not.
        response("gzip", body).forEachRun(HttpLimits.DEFAULTS, r -> {
            assertTrue(r.anomalies.contains("http.content_decode_failed"), r.anomalies.toString());
            assertTrue(r.tx(0).responseComplete, "the message itself was framed completely");
            if (!r.sinks.isEmpty()) { // nothing decoded before the error: no sink at all
                assertFalse(r.sink(0).complete);
                assertTrue(r.sink(0).reason.startsWith("gzip decode failed"), r.sink(0).reason);
            }
        });
    }

    @Test
    void rawDeflateThatBreaksLaterIsDecodedNotPassedThrough() {
        // Regression (ContentCodingFuzzTest): in one piece, zlib dropped everything the failing call had
        // decoded, so the body looked not deflated at all and its raw bytes were passed through.
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(bytes(TEXT));
        byte[] buf = new byte[8192];
        int n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
        d.end();
        byte[] body = Script.concat(java.util.Arrays.copyOf(buf, n), new byte[] {0x07}); // then a block of reserved type
        response("deflate", body).forEachRun(HttpLimits.DEFAULTS, r -> {
            assertTrue(r.anomalies.contains("http.content_decode_failed"), r.anomalies.toString());
            assertFalse(r.sink(0).complete);
            assertTrue(TEXT.startsWith(r.sink(0).text()), "the start of the text, not raw bytes: " + r.sink(0).describe());
        });
    }

    @Test
    void truncatedStreamDeliversWhatItHasAndEndsIncomplete() {
        byte[] full = gzip(bytes(TEXT));
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 20);
        RecordingListener r = response("gzip", cut).runAll();
        assertEquals(List.of("http.content_truncated"), r.anomalies);
        assertFalse(r.sink(0).complete);
        assertEquals("truncated gzip stream", r.sink(0).reason);
        assertTrue(TEXT.startsWith(r.sink(0).text()));

        // A brotli stream that decodes to something and then stops short. (One that stops before its
        // first output byte cannot be told from a mislabelled body and is passed through raw.)
        byte[] brCut = java.util.Arrays.copyOf(BR_BOMB, BR_BOMB.length - 6);
        HttpLimits roomy = new HttpLimits(65536, 100, 1L << 30, 1_000_000, 0, 10, 10);
        RecordingListener rb = response("br", brCut).runAll(roomy);
        assertEquals(List.of("http.content_truncated"), rb.anomalies);
        assertFalse(rb.sink(0).complete, rb.transcript());
        assertEquals("truncated br stream", rb.sink(0).reason);
        assertTrue(rb.sink(0).total > 0);
    }

    @Test
    void gapInEncodedBodyEndsTheEntityButNotTheFraming() {
        byte[] body = gzip(bytes(TEXT));
        RecordingListener r = new Script()
                .c("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n")
                .s(Script.concat("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + body.length + "\r\n\r\n",
                        java.util.Arrays.copyOf(body, 40)))
                .gap(false, 20)
                .s(Script.concat(java.util.Arrays.copyOfRange(body, 60, body.length), "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz"))
                .runAll();
        assertFalse(r.sink(0).complete);
        assertEquals("gap in content-encoded body", r.sink(0).reason);
        assertEquals(2, r.done.size());
        assertEquals("z", r.sink(1).text());
    }

    // ---- zip bombs: a small body inflating past the limit ends incomplete, memory stays bounded ----

    private static final HttpLimits ONE_MIB = new HttpLimits(65536, 100, 1 << 20, 1_000_000, 0, 10, 10);

    private static void assertBombStopped(RecordingListener r, long limit) {
        assertTrue(r.anomalies.contains("http.decompression_limit"), r.anomalies.toString());
        RecordingListener.Sink s = r.sink(0);
        assertFalse(s.complete);
        assertTrue(s.reason.startsWith("decompression limit"), s.reason);
        assertTrue(s.tx.limitHit != null && s.tx.limitHit.startsWith("http.max-deco"), "flagged for the http event: " + s.tx.limitHit);
        assertTrue(s.total <= limit, "delivered " + s.total);
        assertEquals(1, s.endCalls);
    }

    @Test
    void gzipBomb() {
        byte[] bomb = gzip(zeros(64 << 20));
        assertTrue(bomb.length < 100_000);
        RecordingListener r = response("gzip", bomb).runOnce(ONE_MIB);
        assertBombStopped(r, 1 << 20);
        assertEquals(1 << 20, r.sink(0).total);
        response("gzip", bomb).runOnce(HttpLimits.DEFAULTS);
        assertBombStopped(response("gzip", bomb).runOnce(HttpLimits.DEFAULTS), 2L << 30);
    }

    @Test
    void deflateBomb() {
        for (boolean raw : new boolean[] {false, true}) {
            byte[] bomb = deflate(zeros(64 << 20), raw);
            assertBombStopped(response("deflate", bomb).runOnce(ONE_MIB), 1 << 20);
        }
    }

    @Test
    void brotliBomb() {
        assertBombStopped(response("br", BR_BOMB).runOnce(ONE_MIB), 1 << 20);
        // default limits: the ratio limit (1000:1 after 1 MiB) fires long before 1 GiB
        RecordingListener r = response("br", BR_BOMB).runOnce(HttpLimits.DEFAULTS);
        assertBombStopped(r, 2 << 20);
    }

    @Test
    void ratioLimitFiresOnGzip() {
        HttpLimits ratio = new HttpLimits(65536, 100, 1L << 30, 50, 64 * 1024, 10, 10);
        RecordingListener r = response("gzip", gzip(zeros(8 << 20))).runOnce(ratio);
        assertBombStopped(r, 8 << 20);
        assertTrue(r.sink(0).reason.contains("ratio"), r.sink(0).reason);
    }

    @Test
    void bombLimitIsIndependentOfSegmentation() {
        byte[] bomb = gzip(zeros(1 << 20));
        HttpLimits quarter = new HttpLimits(65536, 100, 256 << 10, 1_000_000, 0, 10, 10);
        RecordingListener r = response("gzip", bomb).runAll(quarter);
        assertBombStopped(r, 256 << 10);
        assertEquals(256 << 10, r.sink(0).total);
    }

    @Test
    void gzipCrcMismatchIsReportedAndDataKept() {
        byte[] body = gzip(bytes("checksummed"));
        body[body.length - 8] ^= 1; // CRC32 in the trailer
        RecordingListener r = response("gzip", body).runAll();
        assertEquals(List.of("http.content_crc_mismatch"), r.anomalies);
        assertEquals("checksummed", r.sink(0).text());
        assertTrue(r.sink(0).complete);
    }

    @Test
    void gzipRequestBody() {
        byte[] body = gzip(bytes("{\"a\":1}"));
        RecordingListener r = new Script()
                .c(Script.concat("POST /api HTTP/1.1\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: "
                        + body.length + "\r\n\r\n", body))
                .close()
                .runAll();
        assertEquals("{\"a\":1}", r.sink(0).text());
        assertTrue(r.sink(0).toServer);
        assertEquals("application/json", r.tx(0).requestContentType);
    }
}
