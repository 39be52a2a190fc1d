package io.spanwatch.analyzer.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 in cleartext, live: a real nginx with an {@code http2} listener (prior knowledge) in a
 * namespace of the test's own; nghttp2's client downloading two files multiplexed on one connection,
 * curl a gzip-coded page and an upload (WebDAV PUT); and {@code ./spanwatch sensor} capturing on the veth
 * pair. Every file must come out with its sha256, its transaction as {@code HTTP/2} and its flow as
 * {@code http2}.
 *
 * <p>Needs root, iproute2, nginx, curl and nghttp; skips with the reason printed otherwise. Traffic stays on
 * the veth pair.
 */
class Http2LiveIT {
    private static final int PORT = 8082;

    private static LiveNet net;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void setUp() throws Exception {
        net = LiveNet.createOrSkip("Http2LiveIT", "swh");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void sensorFindsEveryFileCrossingHttp2() throws Exception {
        Assumptions.assumeTrue(net != null, "Http2LiveIT: needs root, iproute2, nginx and curl");
        Assumptions.assumeTrue(LiveNet.which("nghttp") != null, "Http2LiveIT: needs nghttp (Debian: nghttp2-client)");
        Path www = tmp.resolve("www");
        Files.createDirectories(www);
        Random r = new Random(11);
        Map<String, String> files = new HashMap<>();
        files.put("big.bin", LiveNet.write(www.resolve("big.bin"), LiveNet.random(r, 2 << 20)));
        files.put("tool.exe", LiveNet.write(www.resolve("tool.exe"), LiveNet.random(r, 300_000)));
        files.put("page.txt", LiveNet.write(www.resolve("page.txt"), LiveNet.text(r, 150_000, "hello over http2 ")));
        Path upload = tmp.resolve("upload.bin");
        files.put("upload", LiveNet.write(upload, LiveNet.random(r, 30_000)));
        // Uploads go to WebDAV PUT, which reads the whole body before it answers (a POST to a static
        // file is refused at once, and nginx then resets the stream while curl may still be sending).
        net.startNginx(tmp, www, PORT, "listen " + net.addrB + ":" + (PORT + 1) + " http2;\n"
                + "location /up/ { dav_methods PUT; create_full_put_path on; client_max_body_size 10m; }");

        Path out = tmp.resolve("out");
        LiveSensor sensor = new LiveSensor(List.of("--interface", net.linkA, "--out", out.toString(), "--bpf",
                "tcp port " + (PORT + 1), "--sensor-name", "live-h2"));
        assertTrue(sensor.awaitCapturing(), () -> "sensor did not start: " + sensor.output());
        Thread.sleep(500);

        String base = "http://" + net.addrB + ":" + (PORT + 1) + "/";
        // Two downloads multiplexed on one connection by nghttp2's client (its streams interleave, and
        // the second head goes through the header tables the first filled), then a gzip-coded page and
        // an upload with curl. (curl 7.88 cannot reuse a prior-knowledge connection: "Error in the
        // HTTP2 framing layer", with or without --parallel.)
        LiveNet.sh("nghttp -n " + base + "big.bin " + base + "tool.exe");
        LiveNet.sh("curl -fsS --http2-prior-knowledge --compressed -o /dev/null " + base + "page.txt");
        LiveNet.sh("curl -fsS --http2-prior-knowledge -o /dev/null -H 'Content-Type: application/octet-stream' -T "
                + upload + " " + base + "up/upload.bin");
        Thread.sleep(1000);
        assertTrue(sensor.stop(), "sensor did not stop");
        assertEquals(0, sensor.process.exitValue(), () -> "sensor exit status; output: " + sensor.output());

        assertEquals(files.get("upload"), LiveNet.write(tmp.resolve("stored.bin"), Files.readAllBytes(www.resolve("up/upload.bin"))),
                "nginx stored the upload whole");
        EveLog eve = EveLog.read(out.resolve("eve.json"));
        List<String> shas = eve.ofType("fileinfo").stream().map(f -> f.path("fileinfo").path("sha256").asText("")).toList();
        for (Map.Entry<String, String> e : files.entrySet()) {
            assertTrue(shas.contains(e.getValue()), "sent " + e.getKey() + " sha256 " + e.getValue() + " not in " + shas);
            assertTrue(Files.isRegularFile(out.resolve("files").resolve(e.getValue())), "stored " + e.getKey());
        }
        for (JsonNode f : eve.ofType("fileinfo")) {
            assertEquals("CLOSED", f.path("fileinfo").path("state").asText(), f.toString());
        }
        List<JsonNode> http = eve.ofType("http");
        assertTrue(http.size() >= 4, "http events: " + http);
        for (JsonNode h : http) {
            assertEquals("HTTP/2", h.path("http").path("protocol").asText(), h.toString());
        }
        for (JsonNode flow : eve.ofType("flow")) {
            assertEquals("http2", flow.path("app_proto").asText(), flow.toString());
        }
        assertTrue(eve.ofType("anomaly").isEmpty(), "anomalies: " + eve.ofType("anomaly"));
        JsonNode stats = eve.lastStats();
        System.out.println("Http2LiveIT: " + shas.size() + " files; app_layer " + stats.path("app_layer"));
        long flows = eve.ofType("flow").size();
        assertEquals(3, flows, "three curl runs, one connection each");
        assertEquals(flows, stats.path("app_layer").path("flow").path("http2").asLong());
    }
}
