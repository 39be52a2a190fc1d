package io.spanwatch.sensor.pipeline;

import static io.spanwatch.sensor.decode.Frames.cat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import io.spanwatch.sensor.event.EveReader;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests whose header values are not plain ASCII, through the whole pipeline: raw UTF-8 (scripts
 * and malware send it), bytes that are not UTF-8, and control characters in the request target.
 * EVE must show them as Suricata does (UTF-8 as its text, other bytes as {@code \xNN}), reading the
 * line back must give the bytes again, and a target with control characters must not hide the
 * request (its host and target are what reputation matches).
 */
class HeaderBytesPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] BODY = "a file body\n".repeat(20).getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path tmp;
    static List<String> lines;
    static List<JsonNode> events;

    @BeforeAll
    static void run() throws Exception {
        Path pcap = tmp.resolve("bytes.pcap");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, 1_700_000_000_000_000_000L);
            request(t, 40_001, ("GET /caf\u00e9/\u6587\u4ef6.bin HTTP/1.1\r\nHost: B\u00fccher.example\r\n"
                    + "User-Agent: Mozilla \u2028 \u202e evil\r\nReferer: http://x/\u00e9\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            request(t, 40_002, "GET /caf\u00e9/\u0080\u00c0\u00af.bin HTTP/1.1\r\nHost: b\u00fccher.example\r\nUser-Agent: UA \u00ff\u00fe\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            request(t, 40_003, "GET /a\u0001b\u007f.bin HTTP/1.1\r\nHost: ctl.example\r\nUser-Agent: A\u001b[31mred\u0000z\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            request(t, 40_004, "GET /\u00e9t\u00e9/\u6587\u4ef6.bin HTTP/1.1\r\nHost: h.example\r\n\r\n".getBytes(StandardCharsets.UTF_8));
            request(t, 40_005, "GET /\u00e9t\u00e9.bin HTTP/1.1\r\nHost: h.example\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        Path out = tmp.resolve("out");
        Pipeline.Summary s = PipelineRegressionTest.run(out, PipelineRegressionTest.config(out, ReassemblyConfig.DEFAULTS, null), pcap);
        assertEquals(0, s.get("internal.errors"));
        lines = Files.readAllLines(out.resolve("eve.json"), StandardCharsets.UTF_8);
        events = new ArrayList<>();
        for (String line : lines) {
            events.add(JSON.readTree(line));
        }
    }

    private static void request(TrafficSynth t, int port, byte[] head) throws Exception {
        TrafficSynth.Conn c = t.tcp("10.0.0.1", port, "10.0.0.2", 80).handshake();
        c.send(true, head);
        c.send(false, cat(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + BODY.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII), BODY));
        c.close();
    }

    private static JsonNode http(int port) {
        return events.stream().filter(e -> e.path("event_type").asText().equals("http") && e.path("src_port").asInt() == port)
                .findFirst().orElseThrow(() -> new AssertionError("no http event from port " + port + " in " + events)).path("http");
    }

    private static HttpInfo readBack(int port) throws Exception {
        for (String line : lines) {
            if (line.contains("\"event_type\":\"http\"") && line.contains("\"src_port\":" + port + ",")) {
                return ((HttpEvent) EveReader.read(line).event()).http();
            }
        }
        throw new AssertionError("no http line from port " + port);
    }

    @Test
    void utf8HeadersShowAsTheirText() throws Exception {
        JsonNode h = http(40_001);
        assertEquals("B\u00fccher.example", h.path("hostname").asText(), h.toString());
        assertEquals("/caf\u00e9/\u6587\u4ef6.bin", h.path("url").asText());
        assertEquals("Mozilla \u2028 \u202e evil", h.path("http_user_agent").asText());
        assertEquals("http://x/\u00e9", h.path("http_refer").asText());
        // read back from EVE, the typed event holds the bytes that crossed the wire again
        HttpInfo back = readBack(40_001);
        assertEquals(new String("/caf\u00e9/\u6587\u4ef6.bin".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1), back.url());
        assertEquals(new String("B\u00fccher.example".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1), back.hostname());
    }

    @Test
    void bytesThatAreNotUtf8ShowAsSuricataEscapesThem() throws Exception {
        JsonNode h = http(40_002);
        assertEquals("b\\xfccher.example", h.path("hostname").asText(), h.toString());
        assertEquals("/caf\\xe9/\\x80\\xc0\\xaf.bin", h.path("url").asText());
        assertEquals("UA \\xff\\xfe", h.path("http_user_agent").asText());
        HttpInfo back = readBack(40_002);
        assertEquals("/caf\u00e9/\u0080\u00c0\u00af.bin", back.url());
        assertEquals("b\u00fccher.example", back.hostname());
        assertEquals("UA \u00ff\u00fe", back.userAgent());
    }

    @Test
    void aTargetWithControlCharactersIsStillTheRequest() {
        JsonNode h = http(40_003);
        assertEquals("ctl.example", h.path("hostname").asText(), h.toString());
        assertEquals("GET", h.path("http_method").asText());
        assertEquals("/a\u0001b\u007f.bin", h.path("url").asText());
        assertEquals("A\u001b[31mred\u0000z", h.path("http_user_agent").asText());
        assertTrue(events.stream().anyMatch(e -> e.path("anomaly").path("event").asText().equals("http.request_line_invalid")
                && e.path("src_port").asInt() == 40_003), "anomaly http.request_line_invalid");
        assertFalse(events.stream().anyMatch(e -> e.path("anomaly").path("event").asText().equals("http.bad_request_line")));
        JsonNode file = events.stream().filter(e -> e.path("event_type").asText().equals("fileinfo") && e.path("dest_port").asInt() == 40_003)
                .findFirst().orElseThrow().path("fileinfo");
        assertEquals(DemoCapture.sha256(BODY), file.path("sha256").asText());
    }

    private static String fileName(int clientPort) {
        return events.stream().filter(e -> e.path("event_type").asText().equals("fileinfo") && e.path("dest_port").asInt() == clientPort)
                .findFirst().orElseThrow(() -> new AssertionError("no fileinfo to port " + clientPort)).path("fileinfo").path("filename").asText();
    }

    @Test
    void aFileNamedByItsUrlTakesTheUrlAsShown() {
        assertEquals("/\u00e9t\u00e9/\u6587\u4ef6.bin", fileName(40_004));
        assertEquals("/\\xe9t\\xe9.bin", fileName(40_005));
        assertEquals("/a\u0001b\u007f.bin", fileName(40_003));
    }

    @Test
    void eveLinesAreUtf8JsonWithControlCharactersEscaped() {
        for (String line : lines) {
            for (int i = 0; i < line.length(); i++) {
                assertTrue(line.charAt(i) >= 0x20, () -> "raw control character in " + line);
            }
        }
    }
}
