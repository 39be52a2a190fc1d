package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 in cleartext, prior knowledge and {@code Upgrade: h2c}, written by Netty's frame writer and
 * HPACK encoder and read by {@link HttpConnectionParser}: every stream a transaction, every body an
 * entity as a browser saves it, however the bytes are split.
 */
class Http2SessionTest {

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    private static Http2Headers get(String path) {
        return new DefaultHttp2Headers().method("GET").scheme("http").path(path).authority("files.example:8080")
                .add("user-agent", "curl/8.5.0").add("referer", "http://start.example/");
    }

    private static Http2Headers ok(String type) {
        return new DefaultHttp2Headers().status("200").add("content-type", type).add("server", "nginx");
    }

    /** One direction's bytes in order, with the other's in between: a conversation. */
    private record Part(boolean toServer, byte[] bytes) {
    }

    /** Feeds the parts, each split at random points (seed), and closes. */
    private static RecordingListener run(List<Part> parts, long seed) {
        RecordingListener l = new RecordingListener();
        HttpConnectionParser p = new HttpConnectionParser(l, HttpLimits.DEFAULTS);
        Random r = new Random(seed);
        long ts = 1_000_000;
        for (Part part : parts) {
            int off = 0;
            while (off < part.bytes.length) {
                int n = seed == 0 ? part.bytes.length - off : Math.min(part.bytes.length - off, 1 + r.nextInt(40));
                byte[] lent = new byte[n + 4];
                System.arraycopy(part.bytes, off, lent, 2, n);
                p.data(part.toServer, ts++, lent, 2, n);
                java.util.Arrays.fill(lent, (byte) 'Z');
                off += n;
            }
        }
        p.close(ts);
        return l;
    }

    private static RecordingListener.Sink sinkOf(RecordingListener l, String uri, boolean toServer) {
        for (RecordingListener.Sink s : l.sinks) {
            if (uri.equals(s.tx.uri) && s.toServer == toServer) {
                return s;
            }
        }
        throw new AssertionError("no " + (toServer ? "upload" : "download") + " of " + uri + ":\n" + l.transcript());
    }

    private static HttpTransaction txOf(RecordingListener l, String uri) {
        for (HttpTransaction t : l.done) {
            if (uri.equals(t.uri)) {
                return t;
            }
        }
        throw new AssertionError("no transaction " + uri + ":\n" + l.transcript());
    }

    @Test
    void priorKnowledgeStreamsInterleavedWithPushAndAnUploadGiveEveryBody() throws Exception {
        byte[] big = random(70_000, 1); // several DATA frames of at most 16,384 bytes
        byte[] page = "<html>hello http2</html>".repeat(500).getBytes(StandardCharsets.ISO_8859_1);
        byte[] pushed = random(5_000, 2);
        byte[] upload = random(20_000, 3);
        byte[] gz = gzip(page);
        H2Writer c = new H2Writer();
        H2Writer s = new H2Writer();
        List<Part> parts = new ArrayList<>();
        parts.add(new Part(true, c.preface().settings().headers(1, get("/big.bin"), true).headers(3, get("/page.html")
                .add("accept-encoding", "gzip"), true).bytes()));
        int mark = s.settings().settingsAck().size();
        s.headers(1, ok("application/octet-stream").add("content-length", "70000"), false)
                .data(1, java.util.Arrays.copyOfRange(big, 0, 30_000), false)
                .headers(3, ok("text/html").add("content-encoding", "gzip"), false)
                .data(3, java.util.Arrays.copyOfRange(gz, 0, gz.length / 2), 17, false) // padded
                .push(3, 2, get("/pushed.js"))
                .data(1, java.util.Arrays.copyOfRange(big, 30_000, big.length), 255, true)
                .headers(2, ok("application/javascript"), false).data(2, pushed, true)
                .data(3, java.util.Arrays.copyOfRange(gz, gz.length / 2, gz.length), false)
                .headers(3, new DefaultHttp2Headers().add("x-trailer", "1"), true);
        parts.add(new Part(false, s.bytes()));
        int cMark = c.size();
        c.settingsAck().headers(5, new DefaultHttp2Headers().method("POST").scheme("http").path("/upload")
                .authority("files.example:8080").add("content-type", "application/octet-stream"), false)
                .data(5, upload, true);
        parts.add(new Part(true, java.util.Arrays.copyOfRange(c.bytes(), cMark, c.size())));
        int sMark = s.size();
        s.headers(5, new DefaultHttp2Headers().status("201"), true);
        parts.add(new Part(false, java.util.Arrays.copyOfRange(s.bytes(), sMark, s.size())));
        assertTrue(mark > 0);

        String first = null;
        for (long seed : new long[] {0, 1, 2, 3, 4, 5}) {
            RecordingListener l = run(parts, seed);
            assertTrue(l.anomalies.isEmpty(), l.transcript());
            assertEquals(4, l.done.size(), l.transcript());
            HttpTransaction t1 = txOf(l, "/big.bin");
            assertEquals("GET", t1.method);
            assertEquals("HTTP/2", t1.protocol);
            assertEquals("files.example:8080", t1.host);
            assertEquals("curl/8.5.0", t1.userAgent);
            assertEquals("http://start.example/", t1.referer);
            assertEquals(200, t1.status);
            assertEquals("HTTP/2", t1.responseProtocol);
            assertEquals("application/octet-stream", t1.responseContentType);
            assertEquals(70_000, t1.responseBodyLength);
            assertTrue(t1.requestComplete && t1.responseComplete);
            assertArrayEquals(big, sinkOf(l, "/big.bin", false).bytes.toByteArray());
            assertEquals(70_000, sinkOf(l, "/big.bin", false).info.declaredLength());
            RecordingListener.Sink html = sinkOf(l, "/page.html", false);
            assertArrayEquals(page, html.bytes.toByteArray(), "gzip undone");
            assertEquals(List.of("gzip"), html.info.contentEncodings());
            assertTrue(html.complete);
            assertArrayEquals(pushed, sinkOf(l, "/pushed.js", false).bytes.toByteArray());
            assertEquals(200, txOf(l, "/pushed.js").status);
            assertArrayEquals(upload, sinkOf(l, "/upload", true).bytes.toByteArray());
            assertEquals(201, txOf(l, "/upload").status);
            assertEquals(4, l.sinks.size());
            String transcript = l.transcript().replaceAll("(req|resp)Ts=\\d+", "");
            if (first == null) {
                first = transcript;
            } else {
                assertEquals(first, transcript, "split " + seed);
            }
        }
    }

    @Test
    void anUpgradeToH2cAnswersTheUpgradedRequestOnStreamOne() throws Exception {
        byte[] body = random(40_000, 9);
        String request = "GET /setup.exe HTTP/1.1\r\nHost: dl.example\r\nUser-Agent: curl/7.88.1\r\n"
                + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n";
        String switching = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
        H2Writer c = new H2Writer();
        H2Writer s = new H2Writer();
        byte[] serverFirst = s.settings().headers(1, ok("application/x-msdownload"), false).data(1, body, true).bytes();
        byte[] clientAfter = c.preface().settings().settingsAck().headers(3, get("/second"), true).bytes();
        int mark = s.size();
        // The server's encoder goes on with the same table for stream 3's answer.
        s.headers(3, ok("text/plain"), false).data(3, "two".getBytes(StandardCharsets.ISO_8859_1), true);
        List<Part> all = List.of(
                new Part(true, request.getBytes(StandardCharsets.ISO_8859_1)),
                new Part(false, concat(switching.getBytes(StandardCharsets.ISO_8859_1), serverFirst)),
                new Part(true, clientAfter),
                new Part(false, java.util.Arrays.copyOfRange(s.bytes(), mark, s.size())));
        for (long seed : new long[] {0, 7, 8}) {
            RecordingListener l = run(all, seed);
            assertTrue(l.anomalies.isEmpty(), l.transcript());
            assertEquals(3, l.done.size(), l.transcript());
            HttpTransaction upgrade = l.done.get(0);
            assertEquals(101, upgrade.status);
            assertEquals("HTTP/1.1", upgrade.protocol);
            HttpTransaction t = l.done.stream().filter(x -> "HTTP/2".equals(x.protocol) && "/setup.exe".equals(x.uri))
                    .findFirst().orElseThrow(() -> new AssertionError(l.transcript()));
            assertEquals(200, t.status);
            assertEquals("dl.example", t.host);
            assertEquals("curl/7.88.1", t.userAgent);
            assertArrayEquals(body, sinkOf(l, "/setup.exe", false).bytes.toByteArray());
            assertEquals("two", sinkOf(l, "/second", false).text());
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void aLossInsideDataIsAGapInThatBodyAndTheFramesGoOn() {
        byte[] body = random(50_000, 4);
        H2Writer c = new H2Writer().preface().settings().headers(1, get("/a"), true).headers(3, get("/b"), true);
        H2Writer s = new H2Writer().settings();
        s.headers(1, ok("application/octet-stream"), false);
        int dataStart = s.size() + 9; // the first DATA frame's payload
        s.data(1, body, true).headers(3, ok("text/plain"), false).data(3, "after".getBytes(StandardCharsets.ISO_8859_1), true);
        byte[] sb = s.bytes();
        RecordingListener l = new RecordingListener();
        HttpConnectionParser p = new HttpConnectionParser(l, HttpLimits.DEFAULTS);
        byte[] cb = c.bytes();
        p.data(true, 1, cb, 0, cb.length);
        p.data(false, 2, sb, 0, dataStart + 1000);
        p.gap(false, 3, 2000);
        p.data(false, 4, sb, dataStart + 3000, sb.length - dataStart - 3000);
        p.close(5);
        RecordingListener.Sink a = sinkOf(l, "/a", false);
        assertEquals(List.of(2000L), a.gaps);
        assertEquals(48_000, a.total);
        assertTrue(txOf(l, "/a").gaps);
        assertEquals("after", sinkOf(l, "/b", false).text());
        assertTrue(l.anomalies.isEmpty(), l.transcript());
    }

    @Test
    void aLossOutsideDataStopsThatDirectionAndEndsItsBodiesIncomplete() {
        H2Writer c = new H2Writer().preface().settings().headers(1, get("/a"), true);
        H2Writer s = new H2Writer().settings().headers(1, ok("text/plain"), false)
                .data(1, "first".getBytes(StandardCharsets.ISO_8859_1), false);
        int cut = s.size();
        s.data(1, "second".getBytes(StandardCharsets.ISO_8859_1), true);
        byte[] sb = s.bytes();
        RecordingListener l = new RecordingListener();
        HttpConnectionParser p = new HttpConnectionParser(l, HttpLimits.DEFAULTS);
        p.data(true, 1, c.bytes(), 0, c.bytes().length);
        p.data(false, 2, sb, 0, cut);
        p.gap(false, 3, 4); // inside the next frame header
        p.data(false, 4, sb, cut + 4, sb.length - cut - 4);
        p.close(5);
        assertTrue(l.anomalies.contains("http2.framing_lost"), l.transcript());
        RecordingListener.Sink a = sinkOf(l, "/a", false);
        assertEquals("first", a.text());
        assertFalse(a.complete);
        assertEquals(1, l.done.size());
        assertTrue(l.done.get(0).gaps);
    }

    @Test
    void aResetStreamEndsItsBodyIncompleteAndOthersGoOn() {
        H2Writer c = new H2Writer().preface().settings().headers(1, get("/a"), true).headers(3, get("/b"), true);
        H2Writer s = new H2Writer().settings().headers(1, ok("text/plain"), false)
                .data(1, "part".getBytes(StandardCharsets.ISO_8859_1), false).reset(1, 8)
                .headers(3, ok("text/plain"), false).data(3, "whole".getBytes(StandardCharsets.ISO_8859_1), true);
        RecordingListener l = run(List.of(new Part(true, c.bytes()), new Part(false, s.bytes())), 0);
        RecordingListener.Sink a = sinkOf(l, "/a", false);
        assertFalse(a.complete);
        assertEquals("stream reset", a.reason);
        assertFalse(txOf(l, "/a").responseComplete);
        assertTrue(sinkOf(l, "/b", false).complete);
    }

    @Test
    void headersLargerThanAFrameComeInContinuationFrames() {
        String cookie = "k=" + "c".repeat(30_000); // Netty splits the block at 16,384 bytes
        H2Writer c = new H2Writer().preface().settings().headers(1, get("/a").add("cookie", cookie), true);
        H2Writer s = new H2Writer().settings().headers(1, ok("text/plain"), false).data(1, new byte[] {'x'}, true);
        RecordingListener l = run(List.of(new Part(true, c.bytes()), new Part(false, s.bytes())), 3);
        assertTrue(l.anomalies.isEmpty(), l.transcript());
        assertEquals(cookie, txOf(l, "/a").requestHeader("cookie"));
        assertEquals("x", sinkOf(l, "/a", false).text());
    }

    @Test
    void aMissingContinuationAndABadPrefaceStopTheirDirection() {
        H2Writer s = new H2Writer().settings();
        byte[] headersNoEnd = {0, 0, 1, Http2Session.HEADERS, 0, 0, 0, 0, 1, (byte) 0x88}; // no END_HEADERS
        byte[] data = {0, 0, 1, Http2Session.DATA, 1, 0, 0, 0, 1, 'x'};
        RecordingListener l = run(List.of(new Part(true, new H2Writer().preface().settings().headers(1, get("/a"), true).bytes()),
                new Part(false, concat(concat(s.bytes(), headersNoEnd), data))), 0);
        assertTrue(l.anomalies.contains("http2.invalid_frame_header"), l.transcript());
        assertEquals(1, l.done.size());
        assertEquals(0, l.done.get(0).status);

        // An HTTP/1 reader stops at the preface's empty line; what follows must be the rest of it.
        byte[] wrong = "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        RecordingListener m = run(List.of(new Part(true, wrong)), 0);
        assertEquals(List.of("http2.invalid_client_magic"), m.anomalies);
    }

    @Test
    void aHeaderBlockThatIsNotHpackStopsThatDirectionOnly() {
        byte[] bad = {0, 0, 1, Http2Session.HEADERS, Http2Session.END_HEADERS | Http2Session.END_STREAM, 0, 0, 0, 3, (byte) 0x80};
        H2Writer c = new H2Writer().preface().settings().headers(1, get("/a"), true);
        H2Writer s = new H2Writer().settings().headers(1, ok("text/plain"), false).data(1, "body".getBytes(StandardCharsets.ISO_8859_1), true);
        RecordingListener l = run(List.of(new Part(true, concat(c.bytes(), bad)), new Part(false, s.bytes())), 0);
        assertTrue(l.anomalies.contains("http2.invalid_header"), l.transcript());
        assertEquals("body", sinkOf(l, "/a", false).text(), "the server's direction went on");
    }

    @Test
    void openStreamsAreBoundedAndTheOldestEndsFirst() {
        HttpLimits limits = new HttpLimits(HttpLimits.DEFAULT_MAX_HEADER_BYTES, HttpLimits.DEFAULT_MAX_HEADER_COUNT,
                HttpLimits.DEFAULT_MAX_DECODED_BYTES, HttpLimits.DEFAULT_MAX_DECOMPRESSION_RATIO,
                HttpLimits.DEFAULT_RATIO_MIN_DECODED_BYTES, HttpLimits.DEFAULT_MAX_MULTIPART_PARTS, 3);
        H2Writer c = new H2Writer().preface().settings();
        for (int i = 0; i < 5; i++) {
            c.headers(1 + 2 * i, get("/s" + i), true);
        }
        RecordingListener l = new RecordingListener();
        HttpConnectionParser p = new HttpConnectionParser(l, limits);
        byte[] cb = c.bytes();
        p.data(true, 1, cb, 0, cb.length);
        assertEquals(2, l.done.size(), l.transcript());
        assertEquals("/s0", l.done.get(0).uri);
        assertEquals("http.max-pending", l.done.get(0).limitHit);
        assertTrue(l.anomalies.contains("http2.too_many_streams"));
        p.close(2);
        assertEquals(5, l.done.size());
    }

    @Test
    void theTablesAndBlocksAreChargedToTheWorkersBudget() {
        HttpMemory memory = new HttpMemory(8_000);
        RecordingListener l = new RecordingListener();
        HttpConnectionParser p = new HttpConnectionParser(l, HttpLimits.DEFAULTS, memory);
        H2Writer c = new H2Writer().preface().settings();
        for (int i = 0; i < 20; i++) {
            c.headers(1 + 2 * i, get("/s" + i).add("x-fill-" + i, "f".repeat(1500)), true);
        }
        byte[] cb = c.bytes();
        p.data(true, 1, cb, 0, cb.length);
        assertTrue(l.anomalies.contains("http.memcap"), l.transcript());
        assertTrue(memory.peak() <= 8_000 + 20_000, "peak " + memory.peak());
        p.close(2);
        assertEquals(0, memory.used(), l.transcript());
    }

    @Test
    void aConnectStreamCarriesATunnelNotFiles() {
        Http2Headers connect = new DefaultHttp2Headers().method("CONNECT").authority("chat.example:443");
        Http2Headers websocket = new DefaultHttp2Headers().method("CONNECT").add(":protocol", "websocket").scheme("http")
                .path("/chat").authority("chat.example");
        H2Writer c = new H2Writer().preface().settings().headers(1, connect, false).data(1, random(3000, 5), false)
                .headers(3, websocket, false).data(3, random(500, 6), true).headers(5, get("/after"), true);
        H2Writer s = new H2Writer().settings().headers(1, ok("application/octet-stream"), false).data(1, random(2000, 7), true)
                .headers(3, ok("text/plain"), false).data(3, random(200, 8), true).headers(5, ok("text/plain"), false)
                .data(5, "file".getBytes(StandardCharsets.ISO_8859_1), true);
        RecordingListener l = run(List.of(new Part(true, c.bytes()), new Part(false, s.bytes())), 0);
        assertEquals(1, l.sinks.size(), l.transcript());
        assertEquals("file", sinkOf(l, "/after", false).text());
        assertEquals("chat.example:443", txOf(l, "chat.example:443").uri);
        assertEquals("CONNECT", txOf(l, "/chat").method);
        assertEquals(3, l.done.size());
    }

    @Test
    void aClientThatSendsItsPrefaceBeforeThe101IsFollowed() throws Exception {
        // A server reads the preface once it switched, so a client need not wait for the 101 (an
        // evasion review's capture did not): the server's direction stays HTTP/1 until the 101.
        byte[] body = random(30_000, 12);
        String request = "GET /early.bin HTTP/1.1\r\nHost: dl.example\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n";
        byte[] client = concat(request.getBytes(StandardCharsets.ISO_8859_1), new H2Writer().preface().settings().bytes());
        byte[] server = concat("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1), new H2Writer().settings().headers(1, ok("application/octet-stream"), false)
                .data(1, body, true).bytes());
        for (long seed : new long[] {0, 21, 22}) {
            RecordingListener l = run(List.of(new Part(true, client), new Part(false, server)), seed);
            assertTrue(l.anomalies.isEmpty(), l.transcript());
            assertEquals(2, l.done.size(), l.transcript());
            assertEquals(101, l.done.get(0).status);
            HttpTransaction t = l.done.get(1);
            assertEquals("HTTP/2", t.protocol);
            assertEquals("/early.bin", t.uri);
            assertEquals(200, t.status);
            assertArrayEquals(body, l.sinks.get(0).bytes.toByteArray());
        }
    }
}
