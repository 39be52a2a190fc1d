package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.capture.CaptureFile;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 in cleartext from real stacks, captured on loopback with tcpdump ({@code .ci/captures/http2.sh}
 * makes them again): curl and nginx with prior knowledge, curl and Apache's mod_http2 after an
 * {@code Upgrade: h2c}, and nghttp2's server, which sends its SETTINGS before the client's preface.
 * The files: {@code dl.bin}, 40,000 bytes {@code (i * 7 + 3) % 251}; {@code page.html}, lines
 * {@code <p>spanwatch http2 test line N</p>} for N from 0 to 999, fetched gzip-coded; an upload of
 * 10,000 bytes {@code (i * 13 + 5) % 253}.
 */
class Http2PipelineTest {
    private static final byte[] DL = pattern(40_000, 7, 3, 251);
    private static final byte[] UP = pattern(10_000, 13, 5, 253);
    private static final byte[] PAGE;

    static {
        StringBuilder sb = new StringBuilder();
        for (int n = 0; n < 1000; n++) {
            sb.append("<p>spanwatch http2 test line ").append(n).append("</p>\n");
        }
        PAGE = sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] pattern(int n, int mul, int add, int mod) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ((i * mul + add) % mod);
        }
        return b;
    }

    private record Run(List<JsonNode> events, Pipeline.Summary summary) {
        List<JsonNode> of(String type) {
            return events.stream().filter(e -> type.equals(e.path("event_type").asText())).toList();
        }

        JsonNode file(byte[] content) {
            String sha = DemoCapture.sha256(content);
            return of("fileinfo").stream().filter(e -> sha.equals(e.path("fileinfo").path("sha256").asText())).findFirst()
                    .orElseThrow(() -> new AssertionError("no file " + sha + " in " + events));
        }
    }

    private static Run run(Path tmp, String capture) throws Exception {
        Path pcap = tmp.resolve(capture);
        try (var in = Http2PipelineTest.class.getResourceAsStream(capture)) {
            Files.copy(in, pcap);
        }
        Path out = tmp.resolve("out");
        Pipeline p = Pipeline.start(PipelineRegressionTest.config(out, ReassemblyConfig.DEFAULTS, null));
        try (CaptureFile f = CaptureFile.open(pcap)) {
            f.run(p::frame);
        }
        Pipeline.Summary s = p.finish();
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("eve.json"))) {
            JsonNode e = json.readTree(line);
            events.add(e);
            if ("http".equals(e.path("event_type").asText())) { // the typed event read back has its stream
                assertEquals(e.path("http").path("http2").path("stream_id").asInt(-1),
                        ((io.spanwatch.sensor.event.HttpEvent) io.spanwatch.sensor.event.EveReader.read(line).event()).http().http2StreamId());
            }
        }
        Run r = new Run(events, s);
        assertTrue(r.of("anomaly").isEmpty(), "anomalies: " + r.of("anomaly"));
        assertEquals(0, s.get("tcp.reassembly_gap_bytes"));
        for (JsonNode flow : r.of("flow")) {
            assertEquals("http2", flow.path("app_proto").asText(), flow.toString());
        }
        return r;
    }

    private static void assertHttp2Download(Run r, byte[] content, String url, boolean curl) {
        JsonNode f = r.file(content);
        assertEquals(url, f.path("http").path("url").asText());
        assertEquals("to_client", f.path("direction").asText());
        assertEquals("CLOSED", f.path("fileinfo").path("state").asText());
        assertEquals(content.length, f.path("fileinfo").path("size").asLong());
        JsonNode http = r.of("http").stream().filter(e -> url.equals(e.path("http").path("url").asText())
                && "HTTP/2".equals(e.path("http").path("protocol").asText())).findFirst().orElseThrow();
        assertEquals(200, http.path("http").path("status").asInt());
        assertTrue(http.path("http").path("http2").path("stream_id").asInt() % 2 == 1, "a client's stream: " + http);
        assertEquals(http.path("http").path("http2"), f.path("http").path("http2"), "the file's transaction");
        assertEquals("GET", http.path("http").path("http_method").asText());
        assertEquals("127.0.0.1", http.path("http").path("hostname").asText());
        assertEquals(curl, http.path("http").path("http_user_agent").asText().startsWith("curl/"));
    }

    @Test
    void priorKnowledgeCurlAndNginx(@TempDir Path tmp) throws Exception {
        Run r = run(tmp, "h2-prior-nginx.pcap");
        assertHttp2Download(r, DL, "/dl.bin", true);
        assertHttp2Download(r, PAGE, "/page.html", true);
        JsonNode up = r.file(UP);
        assertEquals("to_server", up.path("direction").asText());
        assertEquals("POST", up.path("http").path("http_method").asText());
        assertEquals(r.of("flow").size(), r.summary().get("app_layer.flow.http2"), "every flow counted as http2");
    }

    @Test
    void anUpgradeFromCurlToApache(@TempDir Path tmp) throws Exception {
        Run r = run(tmp, "h2c-upgrade-apache.pcap");
        assertHttp2Download(r, DL, "/dl.bin", true);
        assertHttp2Download(r, PAGE, "/page.html", true);
        // The HTTP/1.1 request that asked for the switch is its own transaction, answered 101.
        List<JsonNode> switched = r.of("http").stream().filter(e -> e.path("http").path("status").asInt() == 101).toList();
        assertEquals(2, switched.size());
        assertEquals("HTTP/1.1", switched.get(0).path("http").path("protocol").asText());
        assertTrue(switched.get(0).path("http").path("http2").isMissingNode(), "no stream for the HTTP/1.1 request");
        // After an upgrade, stream 1 answers the request that asked for it.
        assertEquals(1, r.file(DL).path("http").path("http2").path("stream_id").asInt());
    }

    @Test
    void aServerThatSpeaksFirst(@TempDir Path tmp) throws Exception {
        Run r = run(tmp, "h2-serverfirst-nghttpd.pcap");
        assertHttp2Download(r, DL, "/dl.bin", false);
        assertFalse(r.of("http").isEmpty());
    }
}
