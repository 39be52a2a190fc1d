package io.spanwatch.analyzer.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.analyzer.metrics.Scrape;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scrapes a live sensor with a real Prometheus (Debian's prometheus): {@code ./spanwatch sensor
 * --metrics} captures on a veth pair into a network namespace the test makes, the namespace sends a
 * known number of packets, and Prometheus, scraping every second, must report exactly that many in
 * {@code spanwatch_capture_packets_total}; every metric the dashboards query must be among the series
 * Prometheus stored. Needs root, iproute2 and prometheus; skips with the reason otherwise.
 */
class PrometheusLiveIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DATAGRAMS = 1000;
    private static final int UDP_PORT = 9999;

    private static LiveNet net;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void setUp() throws Exception {
        if (LiveNet.which("prometheus") == null) {
            System.out.println("PrometheusLiveIT SKIPPED: prometheus is missing (Debian: prometheus)");
            return;
        }
        net = LiveNet.createOrSkip("PrometheusLiveIT", "fdpm");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static JsonNode api(HttpClient http, int port, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private static double query(HttpClient http, int port, String expr) throws Exception {
        JsonNode res = api(http, port, "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)).path("data").path("result");
        return res.isEmpty() ? -1 : res.get(0).path("value").get(1).asDouble();
    }

    @Test
    void prometheusCountsEveryPacketTheNamespaceSent() throws Exception {
        Assumptions.assumeTrue(net != null, "PrometheusLiveIT: needs root, iproute2 and prometheus");
        // The filter keeps the datagrams and the short packet, not the host's ICMP answers to them (rate-limited, so uncounted).
        int metricsPort = freePort();
        int promPort = freePort();
        Path out = tmp.resolve("out");
        LiveSensor sensor = new LiveSensor(List.of("--interface", net.linkA, "--out", out.toString(),
                "--bpf", "udp dst port " + UDP_PORT + " or (ip and len < 40)", "--sensor-name", "prom-it", "--metrics", "127.0.0.1:" + metricsPort,
                "--feed", "webhook+http://127.0.0.1:" + freePort() + "/hook?name=soc", "--set", "feed.drain-seconds=0"));
        Process prom = null;
        LiveSensor console = null;
        try (HttpClient http = HttpClient.newHttpClient()) {
            assertTrue(sensor.awaitCapturing(), () -> "sensor did not start: " + sensor.output());
            // the console over the sensor's index, with its own metrics (the console dashboard's)
            int consolePort = freePort();
            int consoleMetricsPort = freePort();
            console = LiveSensor.console(List.of("--out", out.toString(), "--listen", "127.0.0.1:" + consolePort, "--auth", "none",
                    "--metrics", "127.0.0.1:" + consoleMetricsPort));
            LiveSensor c = console;
            assertTrue(console.awaitCapturing(), () -> "console did not start: " + c.output());
            Path conf = tmp.resolve("prometheus.yml");
            Files.writeString(conf, """
                    global:
                      scrape_interval: 1s
                    scrape_configs:
                      - job_name: spanwatch
                        static_configs:
                          - targets: ["127.0.0.1:%d", "127.0.0.1:%d"]
                    """.formatted(metricsPort, consoleMetricsPort));
            prom = new ProcessBuilder("prometheus", "--config.file=" + conf, "--storage.tsdb.path=" + tmp.resolve("tsdb"),
                    "--web.listen-address=127.0.0.1:" + promPort).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
            boolean up = false;
            for (int i = 0; i < 600 && !up; i++) {
                Thread.sleep(100);
                try {
                    up = query(http, promPort, "sum(up{job=\"spanwatch\"})") == 2;
                } catch (IOException e) {
                    // not listening yet
                }
            }
            assertTrue(up, () -> "Prometheus never scraped the sensor: " + readQuietly(tmp.resolve("prometheus.log")));

            // The namespace sends the datagrams and one IPv4 packet cut short (a decode anomaly) to the host end.
            LiveNet.sh("ip netns exec " + net.netns + " python3 -c \"\nimport socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                    + "for i in range(" + DATAGRAMS + "):\n    s.sendto(b'spanwatch %d' % i, ('" + net.addrA + "', " + UDP_PORT + "))\n"
                    + "r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\nr.bind(('" + net.linkB + "', 0))\n"
                    + "r.send(b'\\xff' * 6 + b'\\x02' * 6 + b'\\x08\\x00' + b'\\x45' + b'\\x00' * 11)\n\"");
            int expected = DATAGRAMS + 1;
            double got = -1;
            for (int i = 0; i < 600 && got != expected; i++) {
                Thread.sleep(100);
                got = query(http, promPort, "spanwatch_capture_packets_total{sensor=\"prom-it\"}");
            }
            assertEquals(expected, (long) got, "packets Prometheus scraped from the sensor");
            assertEquals(0, (long) query(http, promPort, "spanwatch_capture_kernel_drops_total{sensor=\"prom-it\"}"));
            double anomalies = -1;
            for (int i = 0; i < 100 && anomalies < 1; i++) {
                Thread.sleep(100);
                anomalies = query(http, promPort, "sum(spanwatch_anomalies_by_event_total{sensor=\"prom-it\"})");
            }
            assertTrue(anomalies >= 1, "the truncated packet's anomaly");

            // one search and one unknown page on the console, which Prometheus then has from the console's target
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + consolePort + "/api/v1/events?q=*:*")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + consolePort + "/api/v1/nothing")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            double answered = -1;
            for (int i = 0; i < 100 && answered < 1; i++) {
                Thread.sleep(100);
                answered = query(http, promPort, "spanwatch_console_responses_total{sensor=\"console\",status=\"404\"}");
            }
            assertEquals(1, (long) answered, "the console's 404, scraped by Prometheus");
            assertTrue(query(http, promPort, "spanwatch_console_search_duration_seconds_count{sensor=\"console\"}") >= 1);

            Set<String> stored = new HashSet<>();
            api(http, promPort, "/api/v1/label/__name__/values").path("data").forEach(n -> stored.add(n.asText()));
            for (Map.Entry<String, Set<String>> d : Scrape.dashboardMetrics(SensorLiveIT.repoRoot().resolve("dashboards")).entrySet()) {
                for (String m : d.getValue()) {
                    assertTrue(stored.contains(m), d.getKey() + " queries " + m + ", which Prometheus did not get from the sensor or the console");
                }
            }
            System.out.println("PrometheusLiveIT: Prometheus scraped spanwatch_capture_packets_total = " + (long) got + " (" + expected
                    + " sent); " + stored.stream().filter(n -> n.startsWith("spanwatch_")).count()
                    + " spanwatch_* series names stored, every dashboard metric among them");
        } finally {
            if (console != null) {
                console.stop();
            }
            if (prom != null) {
                prom.destroy();
                prom.waitFor(30, TimeUnit.SECONDS);
            }
            assertTrue(sensor.stop(), "sensor did not stop");
        }
        assertEquals(0, sensor.process.exitValue(), () -> "sensor exit status; output: " + sensor.output());
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
