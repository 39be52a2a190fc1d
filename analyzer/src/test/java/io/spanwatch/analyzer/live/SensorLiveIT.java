package io.spanwatch.analyzer.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves live capture end to end: a network namespace of the test's own with a real nginx serving
 * files, a veth pair to it, {@code ./spanwatch sensor} capturing on the near end, curl downloading
 * every file (keep-alive, gzip, HTTP/1.0), then SIGINT: the sensor must exit 0 and have written a
 * {@code fileinfo} event with the sha256 of every file served.
 *
 * <p>Runs in Maven's integration-test phase, after the distribution is packaged, so it starts the real
 * launcher. Needs root, iproute2, nginx and curl; skips with the reason printed otherwise. Traffic
 * stays on the veth pair (addresses from the benchmarking range 198.18.0.0/15).
 */
class SensorLiveIT {
    private static final String ID = String.format(Locale.ROOT, "%05x", ThreadLocalRandom.current().nextInt(1 << 20));
    private static final String NETNS = "swl" + ID;
    private static final String LINK_A = "swl" + ID + "a";
    private static final String LINK_B = "swl" + ID + "b";
    private static final int PORT = 8080;

    private static String skip;
    private static boolean created;
    private static Process nginx;
    private static String addrA;
    private static String addrB;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void setUp() throws Exception {
        if (!"0".equals(run("id", "-u").strip())) {
            skip = "not root: cannot create network namespaces or capture";
        } else if (which("ip") == null) {
            skip = "iproute2 (ip) is missing";
        } else if (which("nginx") == null) {
            skip = "nginx is missing (Debian: nginx-light)";
        } else if (which("curl") == null) {
            skip = "curl is missing";
        }
        if (skip != null) {
            System.out.println("SensorLiveIT SKIPPED: " + skip);
            return;
        }
        int subnet = ThreadLocalRandom.current().nextInt(1 << 15) * 4;
        addrA = "198." + (18 + (subnet >> 16)) + "." + ((subnet >> 8) & 0xFF) + "." + ((subnet & 0xFF) + 1);
        addrB = "198." + (18 + (subnet >> 16)) + "." + ((subnet >> 8) & 0xFF) + "." + ((subnet & 0xFF) + 2);
        sh("ip netns add " + NETNS);
        created = true;
        sh("ip link add " + LINK_A + " type veth peer name " + LINK_B);
        sh("ip link set " + LINK_B + " netns " + NETNS);
        sh("ip addr add " + addrA + "/30 dev " + LINK_A);
        sh("ip link set " + LINK_A + " up");
        // Real segments, not 64 KiB super-frames: the sensor must see what a mirror port would deliver.
        sh("ethtool -K " + LINK_A + " tso off gso off gro off 2>/dev/null || true");
        sh("ip netns exec " + NETNS + " ip addr add " + addrB + "/30 dev " + LINK_B);
        sh("ip netns exec " + NETNS + " ip link set " + LINK_B + " up");
        sh("ip netns exec " + NETNS + " ip link set lo up");
        sh("ip netns exec " + NETNS + " sh -c 'ethtool -K " + LINK_B + " tso off gso off gro off 2>/dev/null || true'");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (nginx != null) {
            nginx.destroy();
            nginx.waitFor(10, TimeUnit.SECONDS);
        }
        if (created) {
            sh("ip netns exec " + NETNS + " pkill -f 'nginx.*" + NETNS + "' || true");
            sh("ip link del " + LINK_A + " 2>/dev/null || true");
            sh("ip netns del " + NETNS + " 2>/dev/null || true");
        }
    }

    @Test
    void sensorFindsEveryDownloadedFileBySha256() throws Exception {
        Assumptions.assumeTrue(skip == null, () -> "SensorLiveIT: " + skip);
        Path www = tmp.resolve("www");
        Files.createDirectories(www);
        Random r = new Random(7);
        Map<String, String> served = new HashMap<>();
        served.put("big.bin", write(www.resolve("big.bin"), random(r, 3 << 20)));
        served.put("tool.exe", write(www.resolve("tool.exe"), random(r, 700_000)));
        served.put("page.html", write(www.resolve("page.html"), text(r, 200_000, "<!DOCTYPE html><html><body>")));
        served.put("data.json", write(www.resolve("data.json"), text(r, 60_000, "{\"k\":[")));
        served.put("small.txt", write(www.resolve("small.txt"), text(r, 900, "hello ")));
        startNginx(www);

        Path out = tmp.resolve("out");
        Path launcher = repoRoot().resolve("spanwatch");
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "sensor", "--interface", LINK_A, "--out", out.toString(),
                "--bpf", "tcp port " + PORT, "--sensor-name", "live-it");
        pb.redirectErrorStream(true);
        Process sensor = pb.start();
        List<String> log = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader br = new BufferedReader(new InputStreamReader(sensor.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = br.readLine()) != null; ) {
                    synchronized (log) {
                        log.add(line);
                    }
                    if (line.contains("capturing on")) {
                        ready.countDown();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        reader.start();
        assertTrue(ready.await(120, TimeUnit.SECONDS), () -> "sensor did not start: " + log);
        Thread.sleep(500);

        String base = "http://" + addrB + ":" + PORT + "/";
        // One keep-alive connection for several files, gzip for text, and an HTTP/1.0 download.
        sh("curl -fsS -o /dev/null -o /dev/null -o /dev/null " + base + "big.bin " + base + "small.txt " + base + "tool.exe");
        sh("curl -fsS --compressed -o /dev/null -o /dev/null " + base + "page.html " + base + "data.json");
        sh("curl -fsS -0 -o /dev/null " + base + "small.txt");
        Thread.sleep(1000);
        sensor.toHandle().descendants().forEach(ProcessHandle::destroy); // SIGTERM to the JVM under the launcher
        sensor.destroy();
        assertTrue(sensor.waitFor(60, TimeUnit.SECONDS), "sensor did not stop");
        reader.join(5000);
        assertEquals(0, sensor.exitValue(), () -> "sensor exit status; output: " + log);

        EveLog eve = EveLog.read(out.resolve("eve.json"));
        List<String> shas = eve.ofType("fileinfo").stream().map(f -> f.path("fileinfo").path("sha256").asText("")).toList();
        for (Map.Entry<String, String> e : served.entrySet()) {
            assertTrue(shas.contains(e.getValue()), "served " + e.getKey() + " sha256 " + e.getValue() + " not in " + shas);
            assertTrue(Files.isRegularFile(out.resolve("files").resolve(e.getValue())), "stored " + e.getKey());
        }
        JsonNode stats = eve.lastStats();
        System.out.println("SensorLiveIT: " + shas.size() + " files; capture " + stats.path("capture"));
        assertTrue(stats.path("capture").path("kernel_packets").asLong() > 0);
        assertEquals(0, stats.path("capture").path("sensor_queue_drops").asLong());
        assertTrue(eve.ofType("http").size() >= 6);
    }

    private static void startNginx(Path www) throws Exception {
        Path conf = tmp.resolve("nginx.conf");
        Files.writeString(conf, """
                daemon off;
                user root;
                worker_processes 1;
                pid %s/nginx.pid;
                error_log %s/error.log;
                # %s
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path %s/body;
                    proxy_temp_path %s/proxy;
                    fastcgi_temp_path %s/fastcgi;
                    uwsgi_temp_path %s/uwsgi;
                    scgi_temp_path %s/scgi;
                    types { text/html html; application/json json; text/plain txt; application/octet-stream bin exe; }
                    gzip on;
                    gzip_types text/plain application/json;
                    gzip_min_length 100;
                    server {
                        listen %s:%d;
                        root %s;
                    }
                }
                """.formatted(tmp, tmp, NETNS, tmp, tmp, tmp, tmp, tmp, addrB, PORT, www));
        nginx = new ProcessBuilder("ip", "netns", "exec", NETNS, "nginx", "-c", conf.toString(), "-p", tmp.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("nginx.out").toFile()).start();
        for (int i = 0; i < 100; i++) {
            if (sh("ip netns exec " + NETNS + " bash -c 'exec 3<>/dev/tcp/" + addrB + "/" + PORT + "' 2>/dev/null") == 0) {
                return;
            }
            if (!nginx.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("nginx did not start: " + Files.readString(tmp.resolve("nginx.out")));
    }

    static Path repoRoot() {
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("spanwatch")) && Files.isDirectory(p.resolve("sensor"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root with ./spanwatch not found above " + Paths.get("").toAbsolutePath());
    }

    private static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static byte[] text(Random r, int n, String start) {
        StringBuilder sb = new StringBuilder(start);
        String[] w = {"alpha", "beta", "gamma", "delta", "mirror", "port", "sensor", "file"};
        while (sb.length() < n) {
            sb.append(w[r.nextInt(w.length)]).append(' ');
        }
        sb.setLength(n);
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static String write(Path p, byte[] b) throws Exception {
        Files.write(p, b);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static int sh(String cmd) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", cmd).redirectErrorStream(true).start();
        String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = p.waitFor();
        if (status != 0 && !cmd.contains("|| true") && !cmd.contains("/dev/tcp")) {
            throw new IllegalStateException("command failed (" + status + "): " + cmd + "\n" + outText);
        }
        return status;
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return s;
    }

    private static String which(String name) throws Exception {
        for (String dir : new String[] {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return dir + "/" + name;
            }
        }
        return null;
    }
}
