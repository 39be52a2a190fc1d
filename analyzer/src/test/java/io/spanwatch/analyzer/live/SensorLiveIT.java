package io.spanwatch.analyzer.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
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
 * Proves live capture end to end: a network namespace of the test's own with a real nginx serving
 * files, a veth pair to it, {@code ./spanwatch sensor} capturing on the near end, curl downloading
 * every file (keep-alive, gzip, HTTP/1.0), then SIGINT: the sensor must exit 0 and have written a
 * {@code fileinfo} event with the sha256 of every file served. Between the downloads {@code eve.json} is
 * rotated as logrotate does it (renamed, then SIGHUP): the sensor goes on in a new {@code eve.json},
 * and the two files together hold every event.
 *
 * <p>Runs in Maven's integration-test phase, after the distribution is packaged, so it starts the real
 * launcher. Needs root, iproute2, nginx and curl; skips with the reason printed otherwise. Traffic
 * stays on the veth pair (addresses from the benchmarking range 198.18.0.0/15).
 */
class SensorLiveIT {
    private static final int PORT = 8080;

    private static LiveNet net;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void setUp() throws Exception {
        net = LiveNet.createOrSkip("SensorLiveIT", "swl");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void sensorFindsEveryDownloadedFileBySha256() throws Exception {
        Assumptions.assumeTrue(net != null, "SensorLiveIT: needs root, iproute2, nginx and curl");
        Path www = tmp.resolve("www");
        Files.createDirectories(www);
        Random r = new Random(7);
        Map<String, String> served = new HashMap<>();
        served.put("big.bin", LiveNet.write(www.resolve("big.bin"), LiveNet.random(r, 3 << 20)));
        served.put("tool.exe", LiveNet.write(www.resolve("tool.exe"), LiveNet.random(r, 700_000)));
        served.put("page.html", LiveNet.write(www.resolve("page.html"), LiveNet.text(r, 200_000, "<!DOCTYPE html><html><body>")));
        served.put("data.json", LiveNet.write(www.resolve("data.json"), LiveNet.text(r, 60_000, "{\"k\":[")));
        served.put("small.txt", LiveNet.write(www.resolve("small.txt"), LiveNet.text(r, 900, "hello ")));
        net.startNginx(tmp, www, PORT, "");

        Path out = tmp.resolve("out");
        LiveSensor sensor = new LiveSensor(List.of("--interface", net.linkA, "--out", out.toString(), "--bpf", "tcp port " + PORT,
                "--sensor-name", "live-it"));
        assertTrue(sensor.awaitCapturing(), () -> "sensor did not start: " + sensor.output());
        Thread.sleep(500);

        String base = "http://" + net.addrB + ":" + PORT + "/";
        // One keep-alive connection for several files, gzip for text, and an HTTP/1.0 download.
        LiveNet.sh("curl -fsS -o /dev/null -o /dev/null -o /dev/null " + base + "big.bin " + base + "small.txt " + base + "tool.exe");
        Thread.sleep(1000);
        Path rotated = out.resolve("eve.json.1");
        Files.move(out.resolve("eve.json"), rotated);
        LiveNet.sh("kill -HUP " + sensor.process.pid()); // the launcher execs the JVM: its pid is the sensor's
        for (int i = 0; i < 300 && !sensor.output().contains("opened again"); i++) {
            Thread.sleep(100);
        }
        assertTrue(sensor.output().contains("eve.json opened again"), () -> "no reopen on SIGHUP: " + sensor.output());
        assertTrue(sensor.process.isAlive(), "SIGHUP must not stop the sensor");
        LiveNet.sh("curl -fsS --compressed -o /dev/null -o /dev/null " + base + "page.html " + base + "data.json");
        LiveNet.sh("curl -fsS -0 -o /dev/null " + base + "small.txt");
        Thread.sleep(1000);
        assertTrue(sensor.stop(), "sensor did not stop"); // SIGTERM to the JVM under the launcher
        assertEquals(0, sensor.process.exitValue(), () -> "sensor exit status; output: " + sensor.output());

        EveLog eve = EveLog.read(out.resolve("eve.json"));
        EveLog before = EveLog.read(rotated); // every line whole: a line cut at the rotation would not parse
        List<String> shas = java.util.stream.Stream.concat(before.ofType("fileinfo").stream(), eve.ofType("fileinfo").stream())
                .map(f -> f.path("fileinfo").path("sha256").asText("")).toList();
        List<String> after = eve.ofType("fileinfo").stream().map(f -> f.path("fileinfo").path("sha256").asText("")).toList();
        assertTrue(after.contains(served.get("page.html")), "downloaded after the rotation, so in the new eve.json: " + after);
        for (Map.Entry<String, String> e : served.entrySet()) {
            assertTrue(shas.contains(e.getValue()), "served " + e.getKey() + " sha256 " + e.getValue() + " not in " + shas);
            assertTrue(Files.isRegularFile(out.resolve("files").resolve(e.getValue())), "stored " + e.getKey());
        }
        JsonNode stats = eve.lastStats();
        System.out.println("SensorLiveIT: " + shas.size() + " files; capture " + stats.path("capture"));
        assertTrue(stats.path("capture").path("kernel_packets").asLong() > 0);
        assertEquals(0, stats.path("capture").path("sensor_queue_drops").asLong());
        assertTrue(before.ofType("http").size() + eve.ofType("http").size() >= 6);
        assertEquals(1, stats.path("eve").path("reopens").asLong());
    }

    static Path repoRoot() {
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("spanwatch")) && Files.isDirectory(p.resolve("sensor"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root with ./spanwatch not found above " + Paths.get("").toAbsolutePath());
    }
}
