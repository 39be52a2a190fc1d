package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Checks that the heads HTTP parsers hold stay within one budget over all connections, however many
 * connections or pipelined requests an attacker opens, and that clean traffic arriving meanwhile is
 * still parsed whole.
 */
class HttpMemoryTest {
    private static final long CAP = 2 << 20;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A request whose head is about 50 KB: 800 fields of 60 bytes. */
    private static String bigRequest(int i) {
        StringBuilder sb = new StringBuilder("GET /flood/" + i + " HTTP/1.1\r\nHost: attacker\r\n");
        for (int k = 0; k < 800; k++) {
            sb.append("X-Pad-").append(k).append(": ").append("v".repeat(50)).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    @Test
    void pipelinedRequestsThatAreNeverAnsweredStayWithinTheBudget() {
        HttpMemory memory = new HttpMemory(CAP);
        RecordingListener flood = new RecordingListener();
        HttpConnectionParser attacker = new HttpConnectionParser(flood, HttpLimits.DEFAULTS, memory);
        for (int i = 0; i < 1000; i++) { // 50 MB of heads on one connection, none answered
            byte[] req = ascii(bigRequest(i));
            attacker.data(true, i, req, 0, req.length);
            assertTrue(memory.used() <= CAP, "held " + memory.used());
        }
        assertTrue(memory.evictions() > 900);
        assertTrue(flood.anomalies.contains("http.memcap"));
        // Evicted requests were finished unanswered, in order, and say which limit they met.
        assertTrue(flood.done.size() > 900);
        for (HttpTransaction t : flood.done) {
            assertEquals("http.memcap", t.limitHit);
            assertFalse(t.responseSeen);
            assertTrue(t.requestHeaders.isEmpty(), "its fields were let go");
        }
        // A clean connection after the flood: its exchange goes through whole.
        RecordingListener clean = new RecordingListener();
        HttpConnectionParser client = new HttpConnectionParser(clean, HttpLimits.DEFAULTS, memory);
        byte[] req = ascii("GET /file HTTP/1.1\r\nHost: example\r\nUser-Agent: curl\r\n\r\n");
        byte[] rsp = ascii("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"x\"\r\n\r\nhello");
        client.data(true, 0, req, 0, req.length);
        client.data(false, 0, rsp, 0, rsp.length);
        assertEquals(1, clean.done.size());
        assertEquals("example", clean.tx(0).host);
        assertEquals(200, clean.tx(0).status);
        assertEquals("hello", clean.sink(0).text());
        assertTrue(clean.sink(0).complete);
        assertTrue(clean.anomalies.isEmpty(), clean.anomalies.toString());
        attacker.close(0);
        client.close(0);
        assertEquals(0, memory.used(), "everything given back when the connections end");
    }

    @Test
    void manyConnectionsWithUnfinishedHeadsStayWithinTheBudget() {
        HttpMemory memory = new HttpMemory(CAP);
        List<RecordingListener> recs = new ArrayList<>();
        List<HttpConnectionParser> parsers = new ArrayList<>();
        for (int c = 0; c < 500; c++) { // each sends 50 KB of a head that never ends, the last line in pieces
            RecordingListener r = new RecordingListener();
            HttpConnectionParser p = new HttpConnectionParser(r, HttpLimits.DEFAULTS, memory);
            String head = bigRequest(c);
            byte[] part = ascii(head.substring(0, head.length() - 40));
            p.data(true, c, part, 0, part.length);
            byte[] piece = ascii("X-Slow: " + "s".repeat(4000));
            p.data(true, c, piece, 0, piece.length);
            recs.add(r);
            parsers.add(p);
            assertTrue(memory.used() <= CAP, "held " + memory.used());
        }
        assertTrue(memory.evictions() > 400);
        assertTrue(recs.get(0).anomalies.contains("http.memcap"), "the oldest heads were given up");
        assertFalse(recs.get(499).anomalies.contains("http.memcap"), "the newest is still being read");
        // The newest connection's head completes and is parsed as usual.
        byte[] rest = ascii("\r\n\r\n");
        parsers.get(499).data(true, 0, rest, 0, rest.length);
        parsers.get(499).close(0);
        HttpTransaction t = recs.get(499).tx(0);
        assertEquals("/flood/499", t.uri);
        assertEquals("attacker", t.host);
        assertTrue(t.requestHeaders.size() > 800);
        for (HttpConnectionParser p : parsers) {
            p.close(0);
        }
        assertEquals(0, memory.used());
    }

    @Test
    void brotliBodiesWithTheLargestWindowStayWithinTheBudget() {
        // Each body declares a 16 MiB window and sends more than that, so its decoder queues a window
        // of input and then makes its ring buffer: about 48 MiB each. Ten at once would be 480 MiB.
        long cap = 64L << 20;
        HttpMemory memory = new HttpMemory(cap);
        byte[] body = BrotliStreamingTest.storedBrotli(new byte[(16 << 20) + (64 << 10)], true);
        List<RecordingListener> recs = new ArrayList<>();
        List<HttpConnectionParser> parsers = new ArrayList<>();
        for (int c = 0; c < 10; c++) {
            RecordingListener r = new RecordingListener();
            r.keep = 0;
            HttpConnectionParser p = new HttpConnectionParser(r, HttpLimits.DEFAULTS, memory);
            byte[] req = ascii("GET /br/" + c + " HTTP/1.1\r\nHost: h\r\n\r\n");
            byte[] head = ascii("HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: " + body.length + "\r\n\r\n");
            p.data(true, 0, req, 0, req.length);
            p.data(false, 0, head, 0, head.length);
            for (int off = 0; off < body.length - 1; off += 65536) { // all but the last byte: the bodies stay open
                p.data(false, 0, body, off, Math.min(65536, body.length - 1 - off));
                assertTrue(memory.used() <= cap, "held " + memory.used());
            }
            recs.add(r);
            parsers.add(p);
        }
        assertTrue(memory.evictions() >= 8, "evictions " + memory.evictions());
        assertTrue(recs.get(0).anomalies.contains("http.memcap"));
        assertTrue(recs.get(9).anomalies.isEmpty(), "the newest is still decoded: " + recs.get(9).anomalies);
        assertTrue(recs.get(9).sink(0).total > 0, "and has produced bytes");
        for (HttpConnectionParser p : parsers) {
            p.close(0);
        }
        assertEquals(1, recs.get(0).sink(0).endCalls, "the evicted body ended once");
        assertFalse(recs.get(0).sink(0).complete);
        assertTrue(recs.get(0).sink(0).reason.contains("memory limit"), recs.get(0).sink(0).reason);
        assertEquals(0, memory.used());
    }

    @Test
    void connectionsThatEndMidLineGiveEverythingBack() {
        HttpMemory memory = new HttpMemory(CAP);
        for (String partial : new String[] {"GET /a HTTP/1.1\r\nHost: x\r\nX-Half: ", "GET /only-a-start-li", "junk without end",
            "HTTP/1.1 200 OK\r\nContent-Type: text/pl"}) {
            RecordingListener r = new RecordingListener();
            HttpConnectionParser p = new HttpConnectionParser(r, HttpLimits.DEFAULTS, memory);
            byte[] b = ascii(partial);
            p.data(!partial.startsWith("HTTP"), 0, b, 0, b.length);
            p.end(true, 0);
            p.close(0);
            assertEquals(0, memory.used(), "after " + partial);
        }
    }

    @Test
    void theChargedHoldingGivesUpWhenItIsTheOldest() {
        HttpMemory memory = new HttpMemory(1000);
        List<String> evicted = new ArrayList<>();
        HttpMemory.Holding a = holding("a", memory, evicted);
        HttpMemory.Holding b = holding("b", memory, evicted);
        assertTrue(memory.charge(a, 600));
        assertTrue(memory.charge(b, 300));
        assertTrue(memory.charge(b, 300), "a, the oldest, makes room");
        assertEquals(List.of("a"), evicted);
        assertEquals(600, memory.used());
        assertFalse(memory.charge(b, 500), "b is now the oldest: it gives up itself");
        memory.release(b);
        assertEquals(0, memory.used());
    }

    private static HttpMemory.Holding holding(String name, HttpMemory memory, List<String> evicted) {
        return new HttpMemory.Holding() {
            @Override
            protected void evict() {
                evicted.add(name);
                memory.release(this);
            }
        };
    }
}
