package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spanwatch.sensor.http.HttpConnectionParser.Probe;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Checks recognising HTTP from the first bytes of a stream, for every prefix length. */
class HttpProbeTest {

    private static Probe probe(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return HttpConnectionParser.probe(b, 0, b.length);
    }

    /** Every proper prefix needs more; the whole answers {@code expected}. */
    private static void assertPrefixes(String s, Probe expected) {
        for (int i = 0; i < s.length(); i++) {
            assertEquals(Probe.NEED_MORE, probe(s.substring(0, i)), "prefix " + i + " of " + s);
        }
        assertEquals(expected, probe(s));
        assertEquals(expected, probe(s + " trailing bytes"));
    }

    @Test
    void requests() {
        assertPrefixes("GET / HTTP/1", Probe.REQUEST);
        assertPrefixes("\r\n\r\nPOST /a?b=c HTTP/1", Probe.REQUEST);
        assertPrefixes("PROPFIND /dav/ HTTP/1", Probe.REQUEST);
        assertPrefixes("VERSION-CONTROL /x HTTP/1", Probe.REQUEST);
        assertPrefixes("M-SEARCH * HTTP/1", Probe.REQUEST);
        assertPrefixes("HEAD / HTTP/2", Probe.REQUEST);
        assertPrefixes("CONNECT example.com:443 HTTP/1", Probe.REQUEST);
    }

    @Test
    void responses() {
        assertPrefixes("HTTP/1.1 200", Probe.RESPONSE);
        assertPrefixes("\nHTTP/1.10 404", Probe.RESPONSE);
        assertPrefixes("HTTP/1.0 101", Probe.RESPONSE);
    }

    @Test
    void notHttp() {
        assertEquals(Probe.NOT_HTTP, probe("\u0016\u0003\u0001\u0002\u0000"));
        assertEquals(Probe.NOT_HTTP, probe("SSH-2.0-OpenSSH_9.6\r\n"));
        assertEquals(Probe.NOT_HTTP, probe("get / HTTP/1.1"));
        assertEquals(Probe.NOT_HTTP, probe("GET  / HTTP/1.1"));
        assertEquals(Probe.NOT_HTTP, probe("GET / FTP/1.1"));
        assertEquals(Probe.NOT_HTTP, probe("HTTP/1.1 2x0"));
        assertEquals(Probe.NOT_HTTP, probe("HTTP/x"));
        assertEquals(Probe.NOT_HTTP, probe("220 mail.example.com ESMTP\r\n"));
        assertEquals(Probe.NOT_HTTP, probe("GET /\u0000 HTTP/1.1"));
        assertEquals(Probe.NOT_HTTP, probe("A".repeat(40) + " / HTTP/1.1"));
    }

    @Test
    void needMoreIsBounded() {
        String longTarget = "XYZZY /" + "a".repeat(HttpConnectionParser.PROBE_LIMIT);
        assertEquals(Probe.NOT_HTTP, probe(longTarget));
        assertEquals(Probe.NEED_MORE, probe("GET /" + "a".repeat(100)));
        assertEquals(Probe.NOT_HTTP, probe("\r\n".repeat(HttpConnectionParser.PROBE_LIMIT)));
        assertEquals(Probe.NEED_MORE, probe(""));
    }

    @Test
    void offsetsAreHonoured() {
        byte[] b = "xxGET / HTTP/1.1yy".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(Probe.REQUEST, HttpConnectionParser.probe(b, 2, 14));
        assertEquals(Probe.NEED_MORE, HttpConnectionParser.probe(b, 2, 3));
    }

    /**
     * A request line longer than the probe (a long query string) is HTTP when its method is HTTP's:
     * waiting for the version would give up on it, and the request, its URL and any upload with it
     * would be lost.
     */
    @Test
    void aLongRequestLineIsDecidedOnItsMethod() {
        String query = "a=" + "%41b".repeat(HttpConnectionParser.PROBE_LIMIT);
        for (String method : new String[] {"GET", "POST", "PUT", "PROPFIND", "VERSION-CONTROL"}) {
            assertEquals(Probe.REQUEST, probe(method + " /upload?" + query), method);
            assertEquals(Probe.REQUEST, probe(method + " http://files.example/upload?" + query), method);
        }
        // still bounded by what a request line may hold: a space or control byte before the version
        assertEquals(Probe.NOT_HTTP, probe("GET /" + "a".repeat(HttpConnectionParser.PROBE_LIMIT) + "\r\n"));
        assertEquals(Probe.NOT_HTTP, probe("GET /a b" + "c".repeat(HttpConnectionParser.PROBE_LIMIT)));
        assertEquals(Probe.NOT_HTTP, probe("GET  /" + "a".repeat(HttpConnectionParser.PROBE_LIMIT)));
        // methods that are not HTTP's wait no longer than before
        assertEquals(Probe.NOT_HTTP, probe("get /" + "a".repeat(HttpConnectionParser.PROBE_LIMIT)));
        assertEquals(Probe.NOT_HTTP, probe("GETX /" + "a".repeat(HttpConnectionParser.PROBE_LIMIT)));
        // a version cut at the probe's end is still a request line under way
        String cut = "GET /" + "a".repeat(HttpConnectionParser.PROBE_LIMIT) + " HT";
        assertEquals(Probe.REQUEST, probe(cut));
    }
}
