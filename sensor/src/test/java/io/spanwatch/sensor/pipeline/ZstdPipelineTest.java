package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import io.spanwatch.sensor.http.ZstdCli;
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

/**
 * Serves files with {@code Content-Encoding: zstd} (and {@code gzip, zstd}) in a capture this test
 * writes, runs the whole pipeline over it and checks that the stored files are the originals, and that
 * damaged zstd bodies cost no internal error.
 */
class ZstdPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] EICAR = DemoCapture.EICAR.getBytes(StandardCharsets.US_ASCII);

    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(o)) {
            g.write(data);
        }
        return o.toByteArray();
    }

    /** A 700 KB "installer": text, structured and random parts, over several zstd blocks. */
    private static byte[] installer() {
        Random r = new Random(9);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes("MZ installer stub; this program cannot be run in DOS mode.\r\n".repeat(2000).getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 40_000; i++) {
            o.writeBytes(new byte[] {(byte) i, (byte) (i >> 8), 0, 0, (byte) r.nextInt(4), 0x7f, 0, (byte) r.nextInt()});
        }
        byte[] noise = new byte[200_000];
        r.nextBytes(noise);
        o.writeBytes(noise);
        return o.toByteArray();
    }

    private static void serve(TrafficSynth syn, int port, String path, String headers, byte[] body) throws Exception {
        TrafficSynth.Conn c = syn.tcp("10.7.0.2", port, "10.7.0.1", 80).handshake();
        c.send(true, ("GET " + path + " HTTP/1.1\r\nHost: files.example\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        c.send(false, PipelineRegressionTest.concat(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n" + headers
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), body));
        c.close();
    }

    @Test
    void zstdCodedDownloadsAreStoredDecoded(@TempDir Path tmp) throws Exception {
        ZstdCli.require();
        byte[] eicar = PipelineRegressionTest.concat(EICAR, new byte[0]);
        byte[] installer = installer();
        byte[] stacked = "a text file sent gzip then zstd coded\n".repeat(500).getBytes(StandardCharsets.US_ASCII);
        byte[] damaged = ZstdCli.file(installer, "-3");
        Random r = new Random(5);
        for (int i = 0; i < 40; i++) {
            damaged[200 + r.nextInt(damaged.length - 200)] ^= (byte) (1 << r.nextInt(8));
        }
        Path pcap = tmp.resolve("zstd.pcap");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, 1_700_000_000_000_000_000L);
            serve(syn, 40_001, "/eicar.com", "Content-Encoding: zstd\r\n", ZstdCli.file(eicar, "-19"));
            serve(syn, 40_002, "/setup.exe", "Content-Encoding: zstd\r\n", ZstdCli.stream(installer, "-3"));
            serve(syn, 40_003, "/notes.txt", "Content-Encoding: gzip, zstd\r\n", ZstdCli.file(gzip(stacked), "-1"));
            serve(syn, 40_004, "/broken.exe", "Content-Encoding: zstd\r\n", damaged);
        }
        Path out = tmp.resolve("out");
        Pipeline.Summary s = PipelineRegressionTest.run(out, PipelineRegressionTest.config(out, ReassemblyConfig.DEFAULTS, null), pcap);
        assertEquals(0, s.get("internal.errors"), "internal errors");
        List<JsonNode> files = new ArrayList<>();
        List<String> anomalies = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("eve.json"))) {
            JsonNode e = JSON.readTree(line);
            if (e.path("event_type").asText().equals("fileinfo")) {
                files.add(e);
            } else if (e.path("event_type").asText().equals("anomaly")) {
                anomalies.add(e.path("anomaly").path("event").asText());
            }
        }
        for (byte[] original : List.of(eicar, installer, stacked)) {
            String sha = DemoCapture.sha256(original);
            JsonNode fi = files.stream().filter(f -> f.path("fileinfo").path("sha256").asText().equals(sha)).findFirst()
                    .orElseThrow(() -> new AssertionError("no fileinfo with sha256 " + sha + " in " + files));
            assertEquals("CLOSED", fi.path("fileinfo").path("state").asText(), fi.toString());
            assertArrayEquals(original, Files.readAllBytes(out.resolve("files").resolve(sha)), "stored bytes of " + fi.path("fileinfo").path("filename"));
        }
        JsonNode broken = files.stream().filter(f -> f.path("fileinfo").path("filename").asText().endsWith("broken.exe")).findFirst()
                .orElseThrow(() -> new AssertionError("no fileinfo for the damaged body: " + files));
        assertEquals("TRUNCATED", broken.path("fileinfo").path("state").asText(), broken.toString());
        assertTrue(anomalies.contains("http.content_decode_failed") || anomalies.contains("http.content_crc_mismatch"), anomalies.toString());
    }
}
