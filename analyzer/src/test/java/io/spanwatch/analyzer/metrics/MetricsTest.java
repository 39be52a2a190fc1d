package io.spanwatch.analyzer.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.ReadmeNames;
import io.spanwatch.analyzer.TestPaths;
import io.spanwatch.analyzer.cli.Main;
import io.spanwatch.analyzer.events.AnalyzerStage;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.event.IncidentEvent;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serves the metrics of a real run (the stats of an offline analysis with a feed) over HTTP, checks
 * names, values and labels, and checks that every metric the dashboards in {@code dashboards/} query
 * is one SpanWatch serves.
 */
class MetricsTest {
    @TempDir
    Path tmp;

    /** Flattens a stats object of EVE back into dotted names. */
    static void flatten(String prefix, JsonNode n, Map<String, Long> out) {
        n.fields().forEachRemaining(e -> {
            if (e.getValue().isObject()) {
                flatten(prefix + e.getKey() + ".", e.getValue(), out);
            } else {
                out.put(prefix + e.getKey(), e.getValue().asLong());
            }
        });
    }

    private Map<String, Long> statsOfARun() throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        Path bad = tmp.resolve("bad.pcap"); // one IPv4 packet cut short: a decode anomaly
        try (PcapWriter w = PcapWriter.create(bad, LinkType.ETHERNET, false)) {
            byte[] f = new byte[14 + 12];
            f[12] = 0x08;
            f[14] = 0x45;
            w.write(1_763_800_100_000_000_000L, f);
        }
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Path out = tmp.resolve("run");
        assertEquals(0, Main.run("analyze", "--out", out.toString(), "--clamd", "127.0.0.1:" + closed, "--set", "feed.drain-seconds=0",
                "--feed", "webhook+http://127.0.0.1:" + closed + "/hook?name=soc", pcap.toString(), bad.toString()));
        Map<String, Long> stats = new TreeMap<>();
        flatten("", EveLog.read(out.resolve("eve.json")).lastStats(), stats);
        assertTrue(stats.containsKey("feed.soc.appended"), stats.keySet().toString());
        return stats;
    }

    private static String get(InetSocketAddress a, String path, String method) throws Exception {
        try (HttpClient c = HttpClient.newHttpClient()) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path))
                    .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
            }
            return r.statusCode() + "\n" + r.body();
        }
    }

    @Test
    void servesTheRunsCountersAndTheDashboardsFindEveryMetricTheyQuery() throws Exception {
        Map<String, Long> stats = statsOfARun();
        try (Metrics m = Metrics.start(new InetSocketAddress("127.0.0.1", 0), "metrics-test")) {
            m.bindStats(() -> stats);
            AnalyzerStage events = m.stage();
            EventHeader h = new EventHeader(1, new int[0], "10.0.0.1", 5000, "10.0.0.2", 80, "TCP", true, 4, null, "http", null);
            events.onEvent(new AlertEvent(1, h, true, null, AlertEvent.Signature.of(1, "a", AlertEvent.MALWARE, 1), null, null, null, null,
                    null, null));
            events.onEvent(new AlertEvent(2, h, true, null, AlertEvent.Signature.of(2, "b", AlertEvent.MALWARE, 1), null, null, null, null,
                    null, null));
            events.onEvent(new AlertEvent(3, h, true, null, AlertEvent.Signature.of(3, "c", AlertEvent.BEACON, 2), null, null, null, null,
                    null, null));
            events.onEvent(new IncidentEvent(4, "10.0.0.1", "k", 1, 4, 1, "s", List.of()));
            FileInfo fi = new FileInfo("f", 1, null, null, null, null, "CLOSED", false, 0, true, null, false, null, List.of(), -1, -1, -1,
                    false, null);
            events.onEvent(new FileInfoEvent(new FileEvent(5, h, null, false, fi, null), new FileVerdict("clamd", "1", "2", "clean",
                    List.of(), 42, null, false), false));

            String[] r = get(m.address(), "/metrics", "GET").split("\n", 2);
            assertEquals("200", r[0]);
            Scrape s = new Scrape(r[1]);
            assertEquals(stats.get("capture.packets"), (long) s.value("spanwatch_capture_packets_total", "sensor=\"metrics-test\""));
            assertEquals(stats.get("capture.bytes"), (long) s.value("spanwatch_capture_bytes_total"));
            assertEquals(0, s.value("spanwatch_capture_kernel_drops_total")); // a capture file has no kernel: 0, still served
            assertEquals(stats.get("file.total"), (long) s.value("spanwatch_files_extracted_total"));
            assertEquals(stats.get("app_layer.tx.http"), (long) s.value("spanwatch_http_transactions_total"));
            assertEquals(stats.get("flow.total"), (long) s.value("spanwatch_flows_total"));
            long anomalies = stats.entrySet().stream().filter(e -> e.getKey().startsWith("anomaly.")
                    && !e.getKey().equals("anomaly.events_suppressed")).mapToLong(Map.Entry::getValue).sum();
            assertTrue(anomalies >= 1, stats.toString());
            assertEquals(anomalies, (long) s.value("spanwatch_anomalies_total"));
            assertTrue(s.names.contains("spanwatch_anomalies_by_event_total"));
            assertEquals(2, s.value("spanwatch_alerts_total", "category=\"malware\""));
            assertEquals(1, s.value("spanwatch_alerts_total", "category=\"beacon\""));
            assertEquals(0, s.value("spanwatch_alerts_total", "category=\"reputation\""));
            assertEquals(1, s.value("spanwatch_incidents_total", "severity=\"1\""));
            assertEquals(1, s.value("spanwatch_clamd_scan_duration_seconds_count"));
            assertEquals(0.042, s.value("spanwatch_clamd_scan_duration_seconds_sum"), 1e-9);
            assertEquals(1, s.value("spanwatch_clamd_scan_duration_seconds_bucket", "le=\"0.1\""));
            assertEquals(stats.get("feed.soc.pending"), (long) s.value("spanwatch_feed_outbox_records", "feed=\"soc\""));
            assertEquals(stats.get("feed.soc.appended"), (long) s.value("spanwatch_feed_appended_total", "feed=\"soc\""));
            assertTrue(s.value("spanwatch_feed_outbox_records", "feed=\"soc\"") >= 1, "the demo's alert waits for the webhook");
            assertTrue(s.names.contains("jvm_memory_used_bytes"));
            assertTrue(s.names.contains("jvm_gc_pause_seconds_count") || s.names.contains("jvm_gc_memory_allocated_bytes_total"));
            for (String n : s.names) {
                assertFalse(n.contains("bytes_bytes") || n.contains("total_total"), n);
            }

            // What `console --metrics` serves besides (its own process): the console's meters, from the console's own class.
            Set<String> console = consoleMetricNames();
            assertTrue(console.contains("spanwatch_console_responses_total"), console.toString());
            Set<String> all = new TreeSet<>(s.names);
            all.addAll(console);

            Map<String, Set<String>> dashboards = Scrape.dashboardMetrics(TestPaths.repoRoot().resolve("dashboards"));
            assertEquals(6, dashboards.size(), dashboards.keySet().toString());
            int queried = 0;
            for (Map.Entry<String, Set<String>> d : dashboards.entrySet()) {
                for (String metric : d.getValue()) {
                    assertTrue(d.getKey().equals("spanwatch-console.json") ? console.contains(metric) || metric.startsWith("jvm_")
                            || metric.startsWith("process_") : s.names.contains(metric),
                            d.getKey() + " queries " + metric + ", which SpanWatch does not serve");
                    queried++;
                }
            }
            System.out.println("MetricsTest: " + all.size() + " metric names served (" + console.size() + " by the console); the 6 dashboards query "
                    + queried + " (all served)");

            // The READMEs name what is served, and the README's metrics table lists every SpanWatch metric.
            Set<String> named = new TreeSet<>();
            assertEquals(List.of(), ReadmeNames.unservedMetrics(n -> all.contains(n) || all.contains(n + "_count"), named),
                    "metrics the READMEs name that SpanWatch does not serve");
            Set<String> ours = new TreeSet<>();
            for (String n : all) {
                if (n.startsWith("spanwatch_")) {
                    ours.add(all.contains(n.replaceFirst("_(bucket|count|sum|max)$", "") + "_count")
                            ? n.replaceFirst("_(bucket|count|sum|max)$", "") : n);
                }
            }
            assertEquals(Set.of(), ReadmeNames.unnamed(ours, named), "metrics served that no README names");

            assertTrue(get(m.address(), "/", "GET").startsWith("404"));
            assertTrue(get(m.address(), "/metrics", "POST").startsWith("405"));
        }
    }

    /** The names a console's metrics take in Prometheus text. */
    private static Set<String> consoleMetricNames() {
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry r = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        try {
            new io.spanwatch.analyzer.web.ConsoleMetrics().bindTo(r);
            return new Scrape(r.scrape()).names;
        } finally {
            r.close();
        }
    }

    @Test
    void dashboardsAreImportableGrafanaJson() throws Exception {
        ObjectMapper json = new ObjectMapper();
        for (String name : Scrape.dashboardMetrics(TestPaths.repoRoot().resolve("dashboards")).keySet()) {
            JsonNode d = json.readTree(TestPaths.repoRoot().resolve("dashboards").resolve(name).toFile());
            assertTrue(d.path("id").isNull(), name + ": id must be null");
            assertTrue(d.path("uid").asText().startsWith("spanwatch-"), name);
            assertFalse(d.path("title").asText().isEmpty(), name);
            assertTrue(d.path("schemaVersion").asInt() >= 36, name + ": Grafana 10 schema");
            assertEquals("DS_PROMETHEUS", d.path("__inputs").get(0).path("name").asText(), name);
            assertEquals("${DS_PROMETHEUS}", d.path("templating").path("list").get(0).path("current").path("value").asText(), name);
            assertTrue(d.path("panels").size() >= 4, name);
            for (JsonNode p : d.path("panels")) {
                assertEquals("${datasource}", p.path("datasource").path("uid").asText(), name + " panel " + p.path("title"));
                assertTrue(p.path("targets").size() >= 1, name + " panel " + p.path("title"));
                assertTrue(p.path("gridPos").path("w").asInt() > 0, name);
            }
        }
    }
}
