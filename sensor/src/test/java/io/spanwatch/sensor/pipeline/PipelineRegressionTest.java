package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import io.spanwatch.sensor.files.FileConfig;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pins down bugs found in review, each with the traffic that showed it. */
class PipelineRegressionTest {
    private static final long T0 = 1_700_000_000_000_000_000L;

    static Pipeline.Summary run(Path out, SensorConfig cfg, Path pcap) throws Exception {
        Pipeline p = Pipeline.start(cfg);
        for (PipelineRobustnessTest.Frame f : PipelineRobustnessTest.frames(pcap)) {
            p.frame(f.ts(), LinkType.ETHERNET, f.data(), 0, f.data().length, f.data().length);
        }
        return p.finish();
    }

    /** Runs {@code pcap} with the default reassembly into {@code out}, with no internal error; returns the events of its eve.json. */
    static List<JsonNode> runEvents(Path out, Path pcap) throws Exception {
        Pipeline.Summary s = run(out, config(out, ReassemblyConfig.DEFAULTS, null), pcap);
        assertEquals(0, s.get("internal.errors"));
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("eve.json"))) {
            events.add(json.readTree(line));
        }
        return events;
    }

    static SensorConfig config(Path out, ReassemblyConfig r, FileConfig files) {
        SensorConfig d = SensorConfig.defaults(out, false);
        return new SensorConfig("test", 1, d.queueBatches(), false, d.maxAnomalyEventsPerName(), d.flow(), r, d.http(),
                files == null ? d.files() : files);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void connectionsFoundNotHttpGiveBackTheirReassemblyMemory(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("a.pcap");
        byte[] body = new byte[20_000];
        new Random(1).nextBytes(body);
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, T0);
            for (int i = 0; i < 50; i++) {
                // TLS-like: not HTTP; the server's segments arrive 3, 1, 2 (reordering, no loss)
                TrafficSynth.Conn c = syn.tcp("10.0.0.1", 20_000 + i, "10.0.0.2", 443).handshake();
                byte[] hello = new byte[200];
                hello[0] = 0x16;
                hello[1] = 3;
                c.send(true, hello);
                byte[] srv = new byte[3 * 1448];
                srv[0] = 0x16;
                srv[1] = 3;
                List<byte[]> segs = c.segments(false, srv);
                c.write(segs.get(2));
                c.write(segs.get(0));
                c.write(segs.get(1));
                c.write(c.ack(true));
                c.close();
            }
            TrafficSynth.Conn c = syn.tcp("10.0.0.1", 40_000, "10.0.0.3", 80).handshake();
            c.send(true, "GET /f.bin HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            List<byte[]> segs = c.segments(false, concat(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII), body));
            c.write(segs.get(0));
            c.write(segs.get(2));
            c.write(segs.get(1));
            for (int i = 3; i < segs.size(); i++) {
                c.write(segs.get(i));
            }
            c.write(c.ack(true));
            c.close();
        }
        Path out = tmp.resolve("out");
        Pipeline.Summary s = run(out, config(out, new ReassemblyConfig(4 << 20, 2048, 64 << 10, 1_000_000_000L), null), pcap);
        assertEquals(0, s.get("tcp.reassembly_memuse"));
        assertEquals(0, s.get("tcp.reassembly_memcap_hits"));
        assertTrue(Files.readString(out.resolve("eve.json")).contains("\"sha256\":\"" + DemoCapture.sha256(body) + "\""));
    }

    /**
     * The first request of a connection with a request line longer than the probe (5,000 bytes of
     * query string, in MSS-sized segments, and in 1-byte segments): the connection is still HTTP, the
     * URL is whole and the body it uploads is extracted. It was given up as not HTTP.
     */
    @Test
    void aFirstRequestLineLongerThanTheProbeIsStillHttp(@TempDir Path tmp) throws Exception {
        byte[] upload = new byte[5_000];
        new Random(3).nextBytes(upload);
        String target = "/up?q=" + "x".repeat(5_000);
        Path pcap = tmp.resolve("long.pcap");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, T0);
            for (int mss : new int[] {1448, 1}) {
                TrafficSynth.Conn c = syn.tcp("10.0.0.1", 40_000 + mss, "10.0.0.3", 80).handshake();
                byte[] request = concat(("POST " + target + " HTTP/1.1\r\nHost: files.example\r\n"
                        + "Content-Type: application/octet-stream\r\nContent-Length: " + upload.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII), upload);
                for (int off = 0; off < request.length; off += mss) { // each segment acknowledged alone
                    c.send(true, java.util.Arrays.copyOfRange(request, off, Math.min(request.length, off + mss)));
                }
                c.send(false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                c.close();
            }
        }
        Path out = tmp.resolve("out");
        Pipeline.Summary s = run(out, config(out, ReassemblyConfig.DEFAULTS, null), pcap);
        assertEquals(0, s.get("internal.errors"));
        assertEquals(2, s.get("app_layer.flow.http"));
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        int http = 0;
        int uploads = 0;
        for (String line : Files.readAllLines(out.resolve("eve.json"))) {
            var e = json.readTree(line);
            switch (e.path("event_type").asText()) {
                case "http" -> {
                    http++;
                    assertEquals(target, e.path("http").path("url").asText());
                    assertEquals("POST", e.path("http").path("http_method").asText());
                    assertEquals("files.example", e.path("http").path("hostname").asText());
                }
                case "fileinfo" -> {
                    if (e.path("direction").asText().equals("to_server")) {
                        uploads++;
                        assertEquals(DemoCapture.sha256(upload), e.path("fileinfo").path("sha256").asText(),
                                "upload from port " + e.path("src_port") + ": " + e.path("fileinfo").path("truncated_reason"));
                    }
                }
                default -> { }
            }
        }
        assertEquals(2, http);
        assertEquals(2, uploads);
    }

    @Test
    void oneFrameDatedYearsAheadDoesNotEndTheOtherFlows(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("t.pcap");
        byte[] body = new byte[30_000];
        new Random(2).nextBytes(body);
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, T0);
            TrafficSynth.Conn c = syn.tcp("10.0.0.1", 40_000, "10.0.0.3", 80).handshake();
            c.send(true, "GET /f.bin HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            List<byte[]> segs = c.segments(false, concat(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII), body));
            for (int i = 0; i < 10; i++) {
                c.write(segs.get(i));
            }
            long before = syn.now();
            syn.advance(10L * 365 * 86_400 * 1_000_000_000L);
            syn.udp("10.9.9.9", 5353, "224.0.0.251", 5353, new byte[20]);
            syn.advance(before - syn.now());
            for (int i = 10; i < segs.size(); i++) {
                c.write(segs.get(i));
            }
            c.write(c.ack(true));
            c.close();
        }
        Path out = tmp.resolve("out");
        Pipeline.Summary s = run(out, config(out, ReassemblyConfig.DEFAULTS, null), pcap);
        assertEquals(1, s.get("decoder.timestamp_jumps"));
        assertEquals(0, s.get("flow.timeouts"));
        assertTrue(Files.readString(out.resolve("eve.json")).contains("\"sha256\":\"" + DemoCapture.sha256(body) + "\""));
    }

    @Test
    void dataOnASynIsTheStreamStart(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("tfo.pcap");
        byte[] body = "fast open body".getBytes(StandardCharsets.US_ASCII);
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, T0);
            TrafficSynth.Conn c = syn.tcp("10.0.0.1", 40_000, "10.0.0.3", 80);
            byte[] get = "GET /tfo HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            c.write(c.segment(true, TrafficSynth.SYN, 1000, 0, get)); // TCP Fast Open: the request rides on the SYN
            c.write(c.segment(false, TrafficSynth.SYN | TrafficSynth.ACK, 5000, 1001 + get.length, new byte[0]));
            c.write(c.segment(true, TrafficSynth.ACK, 1001 + get.length, 5001, new byte[0]));
            byte[] resp = concat(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                    body);
            c.write(c.segment(false, TrafficSynth.ACK | TrafficSynth.PSH, 5001, 1001 + get.length, resp));
        }
        Path out = tmp.resolve("out");
        run(out, config(out, ReassemblyConfig.DEFAULTS, null), pcap);
        String eve = Files.readString(out.resolve("eve.json"));
        assertTrue(eve.contains("\"url\":\"/tfo\""), eve);
        assertTrue(eve.contains("\"sha256\":\"" + DemoCapture.sha256(body) + "\""), eve);
    }

    @Test
    void aDownloadWhosePacketsWereFragmentedIsExtracted(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("whole.pcap");
        byte[] body = new byte[40_000];
        new Random(4).nextBytes(body);
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, T0);
            TrafficSynth.Conn c = syn.tcp("10.0.0.1", 40_000, "10.0.0.3", 80).handshake();
            c.send(true, "GET /frag.bin HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            c.send(false, concat(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                    body));
            c.close();
        }
        // Every IPv4 packet over 600 bytes is cut into fragments of 576 data bytes, the last sent first.
        Path fragmented = tmp.resolve("frag.pcap");
        try (PcapWriter w = PcapWriter.create(fragmented, LinkType.ETHERNET, false)) {
            for (PipelineRobustnessTest.Frame f : PipelineRobustnessTest.frames(pcap)) {
                byte[] fr = f.data();
                if (fr.length > 14 + 600) {
                    List<byte[]> parts = new java.util.ArrayList<>(io.spanwatch.sensor.decode.Fragments.fragment4(fr, 576));
                    java.util.Collections.reverse(parts);
                    for (byte[] part : parts) {
                        w.write(f.ts(), part);
                    }
                } else {
                    w.write(f.ts(), fr);
                }
            }
        }
        Path out = tmp.resolve("out");
        Pipeline.Summary s = run(out, config(out, ReassemblyConfig.DEFAULTS, null), fragmented);
        assertTrue(s.get("defrag.ipv4.reassembled") + s.get("defrag.ipv6.reassembled") > 20, "datagrams put back together: " + s.get("defrag.ipv4.reassembled") + " + " + s.get("defrag.ipv6.reassembled"));
        assertTrue(Files.readString(out.resolve("eve.json")).contains("\"sha256\":\"" + DemoCapture.sha256(body) + "\""));
    }

    @Test
    void manyDownloadsAtOnceStayWithinTheSpoolMemoryBudget(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("open.pcap");
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(z)) {
            g.write(new byte[300 << 10]);
        }
        byte[] gz = z.toByteArray();
        byte[] part = java.util.Arrays.copyOf(gz, gz.length - 8); // the body never ends
        int n = 300;
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, T0);
            for (int i = 0; i < n; i++) {
                TrafficSynth.Conn c = syn.tcp("10.1." + (i >> 8) + "." + (i & 255), 30_000 + i, "10.0.0.3", 80).handshake();
                c.send(true, "GET /z HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                c.send(false, concat("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 100000\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII), part));
            }
        }
        Path out = tmp.resolve("out");
        long budget = 4L << 20;
        FileConfig files = new FileConfig(out, FileConfig.DEFAULT_MAX_STORE_BYTES, FileConfig.DEFAULT_SPOOL_MEMORY_BYTES, true,
                16, budget);
        Pipeline.Summary s = run(out, config(out, ReassemblyConfig.DEFAULTS, files), pcap);
        assertTrue(s.get("file.spool_memory_peak") <= budget, "peak " + s.get("file.spool_memory_peak"));
        assertEquals(0, s.get("file.spool_memory"));
        assertEquals(n, s.get("file.truncated"));
        try (var left = Files.list(out.resolve("files").resolve(".tmp"))) {
            assertEquals(0, left.count(), "no temporary files left");
        }

        // The same traffic with room for only 100 files open at once: the rest are skipped and named.
        Path out2 = tmp.resolve("out2");
        FileConfig few = new FileConfig(out2, FileConfig.DEFAULT_MAX_STORE_BYTES, FileConfig.DEFAULT_SPOOL_MEMORY_BYTES, true, 16,
                budget, 100);
        Pipeline.Summary s2 = run(out2, config(out2, ReassemblyConfig.DEFAULTS, few), pcap);
        assertEquals(100, s2.get("file.truncated"));
        assertEquals(n - 100, s2.get("file.open_limit_skipped"));
        assertEquals(n - 100, s2.get("anomaly.file.too_many_open"));
        assertEquals(0, s2.get("file.open"));
    }
}
