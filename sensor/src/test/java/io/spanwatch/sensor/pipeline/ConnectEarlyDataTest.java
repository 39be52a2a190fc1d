package io.spanwatch.sensor.pipeline;

import static io.spanwatch.sensor.decode.Frames.ascii;
import static io.spanwatch.sensor.decode.Frames.cat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CONNECT tunnels whose bytes do not wait for the proxy's answer, or whose answer carries framing it
 * must not have: a request or an upload pipelined behind the CONNECT (Squid forwards such early bytes
 * once the tunnel is up, libhtp holds them), the tunnel's first bytes in the segment of the 200, a
 * request cut at the switch, a 200 with Content-Length or chunked (a 2xx to CONNECT has no body, RFC
 * 9110 §6.4.1), and a refused CONNECT whose pipelined request is then read as HTTP. Written by a
 * review of the CONNECT change; the pipelined ones failed before the early bytes were kept.
 */
class ConnectEarlyDataTest {
    private static List<JsonNode> run(Path tmp, String name, List<Object[]> sends) throws Exception {
        Path pcap = tmp.resolve(name + ".pcap");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, 1_700_000_000_000_000_000L);
            TrafficSynth.Conn c = t.tcp("10.0.0.5", 50_000, "10.0.0.1", 3128).handshake();
            for (Object[] s : sends) {
                c.send((Boolean) s[0], (byte[]) s[1]);
            }
            c.close();
        }
        return PipelineRegressionTest.runEvents(tmp.resolve(name), pcap);
    }

    private static byte[] body() {
        byte[] b = new byte[20_000];
        new Random(7).nextBytes(b);
        return b;
    }

    /** Asserts the first file is {@code body}, downloaded from {@code url}. */
    private static void assertFile(List<JsonNode> events, byte[] body, String url) {
        assertEquals(DemoCapture.sha256(body), fileSha(events));
        assertEquals(url, events.stream().filter(e -> e.path("event_type").asText().equals("fileinfo"))
                .findFirst().orElseThrow().path("http").path("url").asText(), events.toString());
    }

    private static String fileSha(List<JsonNode> events) {
        return events.stream().filter(e -> e.path("event_type").asText().equals("fileinfo"))
                .map(e -> e.path("fileinfo").path("sha256").asText()).findFirst().orElse("no fileinfo in " + events);
    }

    /** A client that sends its tunnelled request right behind the CONNECT (Squid forwards such early bytes). */
    @Test
    void aRequestPipelinedBehindTheConnectIsRead(@TempDir Path tmp) throws Exception {
        byte[] body = body();
        List<JsonNode> events = run(tmp, "pipe", List.of(
                new Object[] {true, ascii("CONNECT files.example:80 HTTP/1.1\r\nHost: files.example:80\r\n\r\n"
                        + "GET /evil.bin HTTP/1.1\r\nHost: files.example\r\n\r\n")},
                new Object[] {false, ascii("HTTP/1.1 200 Connection established\r\n\r\n")},
                new Object[] {false, cat(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n"), body)}));
        assertFile(events, body, "/evil.bin");
    }

    /** A 2xx to CONNECT has no body whatever its Content-Length says (RFC 9110 §6.4.1, §8.6). */
    @Test
    void aContentLengthOnThe200IsIgnored(@TempDir Path tmp) throws Exception {
        byte[] body = body();
        List<JsonNode> events = run(tmp, "cl", List.of(
                new Object[] {true, ascii("CONNECT files.example:80 HTTP/1.1\r\nHost: files.example:80\r\n\r\n")},
                new Object[] {false, ascii("HTTP/1.1 200 Connection established\r\nContent-Length: 9\r\n\r\n")},
                new Object[] {true, ascii("GET /evil.bin HTTP/1.1\r\nHost: files.example\r\n\r\n")},
                new Object[] {false, cat(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n"), body)}));
        assertFile(events, body, "/evil.bin");
    }

    /** The proxy sends the 200 and the tunnelled response in one segment (the request was pipelined). */
    @Test
    void tunnelBytesInTheSegmentOfThe200(@TempDir Path tmp) throws Exception {
        byte[] body = body();
        List<JsonNode> events = run(tmp, "same", List.of(
                new Object[] {true, ascii("CONNECT files.example:80 HTTP/1.1\r\nHost: files.example:80\r\n\r\n"
                        + "GET /evil.bin HTTP/1.1\r\nHost: files.example\r\n\r\n")},
                new Object[] {false, cat(ascii("HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n"), body)}));
        assertFile(events, body, "/evil.bin");
    }

    /** A 2xx to CONNECT with Transfer-Encoding: chunked: no body either. */
    @Test
    void aChunkedTransferEncodingOnThe200IsIgnored(@TempDir Path tmp) throws Exception {
        byte[] body = body();
        List<JsonNode> events = run(tmp, "te", List.of(
                new Object[] {true, ascii("CONNECT files.example:80 HTTP/1.1\r\nHost: files.example:80\r\n\r\n")},
                new Object[] {false, ascii("HTTP/1.1 200 Connection established\r\nTransfer-Encoding: chunked\r\n\r\n")},
                new Object[] {true, ascii("GET /evil.bin HTTP/1.1\r\nHost: files.example\r\n\r\n")},
                new Object[] {false, cat(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n"), body)}));
        assertFile(events, body, "/evil.bin");
    }

    /** HTTP/1.0 client, 200 then a TLS-less HTTP/1.1 request split over segments right at the switch. */
    @Test
    void requestSplitAcrossSegmentsAtTheSwitch(@TempDir Path tmp) throws Exception {
        byte[] body = body();
        List<JsonNode> events = run(tmp, "split", List.of(
                new Object[] {true, ascii("CONNECT files.example:80 HTTP/1.1\r\nHost: files.example:80\r\n\r\nGE")},
                new Object[] {false, ascii("HTTP/1.1 200 Connection established\r\n\r\n")},
                new Object[] {true, ascii("T /evil.bin HTTP/1.1\r\nHost: files.example\r\n\r\n")},
                new Object[] {false, cat(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n"), body)}));
        assertFile(events, body, "/evil.bin");
    }

    /** An upload pipelined behind the CONNECT (Squid forwards early bytes): its file is extracted. */
    @Test
    void anUploadPipelinedBehindTheConnectIsExtracted(@TempDir Path tmp) throws Exception {
        byte[] body = body();
        List<JsonNode> events = run(tmp, "up", List.of(
                new Object[] {true, cat(ascii("CONNECT files.example:80 HTTP/1.1\r\nHost: files.example:80\r\n\r\n"
                        + "POST /up HTTP/1.1\r\nHost: files.example\r\nContent-Length: " + body.length + "\r\n\r\n"), body)},
                new Object[] {false, ascii("HTTP/1.1 200 Connection established\r\n\r\n")},
                new Object[] {false, ascii("HTTP/1.1 204 No Content\r\n\r\n")}));
        assertEquals(DemoCapture.sha256(body), fileSha(events));
    }

    /** A refused CONNECT with a request pipelined behind it: the connection stays HTTP and that request is read. */
    @Test
    void aRequestPipelinedBehindARefusedConnectIsReadAsHttp(@TempDir Path tmp) throws Exception {
        byte[] body = body();
        List<JsonNode> events = run(tmp, "refused", List.of(
                new Object[] {true, ascii("CONNECT files.example:443 HTTP/1.1\r\nHost: files.example:443\r\n\r\n"
                        + "GET http://files.example/evil.bin HTTP/1.1\r\nHost: files.example\r\n\r\n")},
                new Object[] {false, cat(ascii("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: "
                        + body.length + "\r\n\r\n"), body)}));
        assertEquals(DemoCapture.sha256(body), fileSha(events));
        JsonNode file = events.stream().filter(e -> e.path("event_type").asText().equals("fileinfo")).findFirst().orElseThrow();
        assertEquals("http://files.example/evil.bin", file.path("http").path("url").asText(), file.toString());
        assertTrue(file.path("http_connect").isMissingNode(), file.toString());
    }
}
