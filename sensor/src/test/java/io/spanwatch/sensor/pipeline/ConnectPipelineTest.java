package io.spanwatch.sensor.pipeline;

import static io.spanwatch.sensor.decode.Frames.ascii;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.pipeline.SocksPipelineTest.Handshake;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP inside a tunnel an HTTP proxy opened for a CONNECT (RFC 9110 §9.3.6), as Zeek and Suricata
 * read it: after the proxy's 2xx, what the tunnel carries is probed like a connection of its own, so a
 * file downloaded through it is extracted, and the events name the CONNECT's target
 * ({@code http_connect}); a refused CONNECT leaves the connection plain HTTP. TLS through such a
 * tunnel: {@code TlsPipelineTest}.
 */
class ConnectPipelineTest {

    private static JsonNode first(List<JsonNode> events, String type, String method) {
        return events.stream().filter(e -> e.path("event_type").asText().equals(type))
                .filter(e -> method == null || e.path("http").path("http_method").asText().equals(method)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " " + method + " event in " + events));
    }

    /** A counter of the last stats event, by its dotted name (0 when absent). */
    private static long stat(List<JsonNode> events, String name) {
        JsonNode s = events.stream().filter(e -> e.path("event_type").asText().equals("stats")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no stats event")).path("stats");
        for (String part : name.split("\\.")) {
            s = s.path(part);
        }
        return s.asLong(0);
    }

    private static byte[] body(String name) {
        byte[] b = new byte[40_000];
        new Random(name.hashCode()).nextBytes(b);
        return b;
    }

    @Test
    void aFileDownloadedThroughAConnectTunnelIsExtracted(@TempDir Path tmp) throws Exception {
        byte[] body = body("c1");
        List<JsonNode> events = SocksPipelineTest.run(tmp, "c1", 3128, Handshake.of(
                ascii("CONNECT files.example:80 HTTP/1.1\r\nHost: files.example:80\r\nProxy-Authorization: Basic c2VjcmV0\r\n\r\n"),
                ascii("HTTP/1.1 200 Connection established\r\n\r\n")), body);
        JsonNode connect = first(events, "http", "CONNECT");
        assertEquals("files.example:80", connect.path("http").path("url").asText(), connect.toString());
        JsonNode file = first(events, "fileinfo", null);
        assertEquals(DemoCapture.sha256(body), file.path("fileinfo").path("sha256").asText(), file.toString());
        for (JsonNode e : List.of(first(events, "http", "GET"), file, first(events, "flow", null))) {
            assertEquals("http", e.path("app_proto").asText(), e.toString());
            JsonNode t = e.path("http_connect");
            assertEquals("files.example", t.path("request").path("name").asText(), e.toString());
            assertEquals(80, t.path("request").path("port").asInt());
            assertEquals("connect", t.path("command").asText());
            assertEquals("succeeded", t.path("status").asText());
            assertTrue(t.path("version").isMissingNode(), "no version for CONNECT: " + t);
        }
        assertEquals("files.example", first(events, "http", "GET").path("http").path("hostname").asText());
        assertEquals(1, stat(events, "app_layer.http.connect_tunnels"));
        assertEquals(1, stat(events, "app_layer.flow.http"), "one HTTP flow, not two");
        assertFalse(events.toString().contains("c2VjcmV0"), "no proxy credentials in the events");
    }

    @Test
    void anAddressTargetAndAnIpv6Literal(@TempDir Path tmp) throws Exception {
        byte[] body = body("c6");
        List<JsonNode> events = SocksPipelineTest.run(tmp, "c6", 8080, Handshake.of(
                ascii("CONNECT [2001:db8::80]:8443 HTTP/1.1\r\nHost: [2001:db8::80]:8443\r\n\r\n"),
                ascii("HTTP/1.0 200 OK\r\nProxy-Agent: test\r\n\r\n")), body);
        JsonNode t = first(events, "fileinfo", null).path("http_connect");
        assertEquals("2001:db8::80", t.path("request").path("host").asText(), t.toString());
        assertTrue(t.path("request").path("name").isMissingNode());
        assertEquals(8443, t.path("request").path("port").asInt());
        assertEquals(DemoCapture.sha256(body), first(events, "fileinfo", null).path("fileinfo").path("sha256").asText());
    }

    @Test
    void aRefusedConnectLeavesPlainHttp(@TempDir Path tmp) throws Exception {
        byte[] body = body("c407");
        List<JsonNode> events = SocksPipelineTest.run(tmp, "c407", 3128, Handshake.of(
                ascii("CONNECT files.example:443 HTTP/1.1\r\nHost: files.example:443\r\n\r\n"),
                ascii("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")), body);
        JsonNode file = first(events, "fileinfo", null);
        assertEquals(DemoCapture.sha256(body), file.path("fileinfo").path("sha256").asText(), file.toString());
        assertTrue(file.path("http_connect").isMissingNode(), file.toString());
        assertEquals(0, stat(events, "app_layer.http.connect_tunnels"));
    }

    @Test
    void targetsAreReadAsTheyStandAndHostileOnesAreNotRepeated() {
        assertEquals(new io.spanwatch.sensor.flow.AppTunnel("http_connect", 0, "connect", "succeeded", null, "a.example", 443, null, -1),
                io.spanwatch.sensor.flow.AppTunnel.ofConnect("a.example:443"));
        assertEquals("192.0.2.7", io.spanwatch.sensor.flow.AppTunnel.ofConnect("192.0.2.7:80").requestHost());
        assertEquals("2001:db8::1", io.spanwatch.sensor.flow.AppTunnel.ofConnect("[2001:db8::1]:443").requestHost());
        assertEquals(-1, io.spanwatch.sensor.flow.AppTunnel.ofConnect("a.example").requestPort(), "no port");
        assertEquals(-1, io.spanwatch.sensor.flow.AppTunnel.ofConnect("a.example:99999x").requestPort());
        assertEquals(-1, io.spanwatch.sensor.flow.AppTunnel.ofConnect("a.example:99999").requestPort(), "past 65,535");
        assertEquals("999.1.1.1", io.spanwatch.sensor.flow.AppTunnel.ofConnect("999.1.1.1:80").requestName(), "not an address: a name");
        io.spanwatch.sensor.flow.AppTunnel long_ = io.spanwatch.sensor.flow.AppTunnel.ofConnect("a".repeat(300) + ".example:443");
        assertEquals(null, long_.requestName());
        assertEquals(443, long_.requestPort());
        assertEquals(null, io.spanwatch.sensor.flow.AppTunnel.ofConnect("<script>alert(1)</script> x:80").requestName());
    }
}
