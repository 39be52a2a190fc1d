package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mirror port can hand over a reply before the request it answers. The reply's acknowledgement
 * number shows it: it covers request bytes not yet seen. These captures put the server's first
 * segment(s) ahead of the request and check, through the whole pipeline, that the request and its
 * response still make one transaction with the URL and file name, that a request the capture lost
 * does not keep the response from being extracted, and that the wait is bounded.
 */
class AckOrderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = 1_700_000_000_000_000_000L;

    private record Run(Pipeline.Summary summary, List<JsonNode> events) {
        List<JsonNode> of(String type) {
            return events.stream().filter(e -> e.path("event_type").asText().equals(type)).toList();
        }
    }

    private interface Traffic {
        void write(TrafficSynth.Conn c, byte[] request, byte[] response) throws Exception;
    }

    private static Run run(Path tmp, byte[] body, Traffic traffic) throws Exception {
        Files.createDirectories(tmp);
        Path pcap = tmp.resolve("a.pcap");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, T0);
            TrafficSynth.Conn c = syn.tcp("10.0.0.5", 51_000, "10.0.0.1", 80).handshake();
            byte[] request = "GET /rbr.bin HTTP/1.1\r\nHost: files.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            byte[] response = PipelineRegressionTest.concat(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), body);
            traffic.write(c, request, response);
            c.close();
        }
        Path out = tmp.resolve("out");
        Pipeline.Summary s = PipelineRegressionTest.run(out, PipelineRegressionTest.config(out, ReassemblyConfig.DEFAULTS, null), pcap);
        assertEquals(0, s.get("internal.errors"));
        assertEquals(0, s.get("tcp.ack_order_held_bytes"), "nothing left waiting");
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("eve.json"))) {
            events.add(JSON.readTree(line));
        }
        return new Run(s, events);
    }

    private static byte[] body(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void aReplyCapturedBeforeItsRequestIsPairedWithIt(@TempDir Path tmp) throws Exception {
        byte[] body = body(5_000);
        Run r = run(tmp, body, (c, request, response) -> {
            List<byte[]> req = c.segments(true, request);
            List<byte[]> resp = c.segments(false, response); // acknowledge the whole request
            c.write(resp.get(0));
            for (byte[] s : req) {
                c.write(s);
            }
            for (int i = 1; i < resp.size(); i++) {
                c.write(resp.get(i));
            }
            c.write(c.ack(true));
        });
        assertEquals(1, r.summary().get("tcp.ack_order_waits"));
        assertEquals(0, r.summary().get("tcp.reassembly_gap"));
        assertEquals(1, r.of("http").size(), r.of("http").toString());
        JsonNode http = r.of("http").get(0).path("http");
        assertEquals("/rbr.bin", http.path("url").asText());
        assertEquals(200, http.path("status").asInt());
        assertEquals(1, r.of("fileinfo").size());
        JsonNode file = r.of("fileinfo").get(0).path("fileinfo");
        assertEquals(DemoCapture.sha256(body), file.path("sha256").asText());
        assertEquals("/rbr.bin", file.path("filename").asText());
        assertTrue(r.of("anomaly").isEmpty(), r.of("anomaly").toString());
    }

    @Test
    void aRequestTheCaptureLostDoesNotHoldTheResponseBack(@TempDir Path tmp) throws Exception {
        byte[] body = body(20_000);
        Run r = run(tmp, body, (c, request, response) -> {
            c.segments(true, request); // acknowledged by the server, never captured
            for (byte[] s : c.segments(false, response)) {
                c.write(s);
                c.write(c.ack(true));
            }
        });
        assertEquals(1, r.summary().get("tcp.ack_order_waits"));
        assertEquals(1, r.of("fileinfo").size());
        assertEquals(DemoCapture.sha256(body), r.of("fileinfo").get(0).path("fileinfo").path("sha256").asText());
    }

    /**
     * A reply segment the capture lost, acknowledged by the client, then the next request and its
     * reply: the client's request acknowledges unseen reply bytes, yet it is the reply's own hole (in
     * the middle: bytes after it were seen; at the end: given up when the stream ends), and the next
     * request and its reply still pair.
     */
    @Test
    void aHoleInTheRepliesDirectionKeepsTheNextExchangePaired(@TempDir Path tmp) throws Exception {
        for (boolean lastLost : new boolean[] {false, true}) {
            Path dir = tmp.resolve(lastLost ? "last" : "middle");
            byte[] first = body(20_000);
            byte[] second = body(1_000);
            Run r = run(dir, first, (c, request, response) -> {
                c.send(true, request);
                List<byte[]> resp = c.segments(false, response);
                for (int i = 0; i < resp.size(); i++) {
                    if (i != (lastLost ? resp.size() - 1 : 5)) {
                        c.write(resp.get(i));
                    }
                }
                c.write(c.ack(true));
                c.send(true, "GET /after-gap.bin HTTP/1.1\r\nHost: files.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                c.send(false, PipelineRegressionTest.concat(("HTTP/1.1 200 OK\r\nContent-Length: " + second.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), second));
            });
            JsonNode after = r.of("fileinfo").stream()
                    .filter(e -> e.path("fileinfo").path("sha256").asText().equals(DemoCapture.sha256(second)))
                    .findFirst().orElseThrow(() -> new AssertionError(r.of("fileinfo").toString()));
            assertEquals("/after-gap.bin", after.path("fileinfo").path("filename").asText(), "last lost: " + lastLost);
            assertEquals("/after-gap.bin", after.path("http").path("url").asText(), "last lost: " + lastLost);
        }
    }

    @Test
    void theWaitIsBoundedInBytes(@TempDir Path tmp) throws Exception {
        byte[] body = body(TcpConnection.ACK_ORDER_MAX_BYTES * 2);
        Run r = run(tmp, body, (c, request, response) -> {
            List<byte[]> req = c.segments(true, request);
            List<byte[]> resp = c.segments(false, response);
            for (byte[] s : resp) { // the whole reply first: more than a wait may hold
                c.write(s);
            }
            for (byte[] s : req) {
                c.write(s);
            }
            c.write(c.ack(true));
        });
        assertEquals(1, r.summary().get("tcp.ack_order_waits"));
        assertEquals(1, r.summary().get("tcp.ack_order_limit_hits"));
        assertTrue(r.of("anomaly").stream().anyMatch(e -> e.path("anomaly").path("event").asText().equals("stream.ack_order_limit")),
                r.of("anomaly").toString());
        // taken as a reply without its request, as before there was a wait
        JsonNode file = r.of("fileinfo").stream().filter(e -> e.path("fileinfo").path("size").asLong() == body.length)
                .findFirst().orElseThrow(() -> new AssertionError(r.of("fileinfo").toString()));
        assertEquals(DemoCapture.sha256(body), file.path("fileinfo").path("sha256").asText());
    }
}
