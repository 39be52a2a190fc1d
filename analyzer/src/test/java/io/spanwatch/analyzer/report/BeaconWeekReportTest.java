package io.spanwatch.analyzer.report;

import io.spanwatch.analyzer.events.HomeNet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.analyzer.scan.ClamdTestServer;
import io.spanwatch.sensor.event.EveTime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The weekly report over the public beacon captures ({@code ../shared/beacons}, all in week
 * 2024-W11), analysed into one folder with a real clamd on the project's signatures: the report's
 * infected hosts are exactly the internal hosts of the malware alerts and include both incident hosts
 * of the ground truth, its beaconing hosts are exactly the beacon alerts' sources, its totals and
 * incidents equal the events, the PDF has at least two pages naming every infected host, and the
 * HTML has at least two charts and no script. Runs when the captures and clamd are there; says
 * SKIPPED and why otherwise.
 */
class BeaconWeekReportTest {
    static final String HOME_NET = "198.18.0.0/16";
    static final List<String> CAPTURES = List.of("office-24h.pcap", "killchain-12h.pcap", "night-8h.pcap", "busy-6h.pcap",
            "killchain-24h.pcap");

    @Test
    void theWeekOfTheBeaconCaptures(@TempDir Path tmp) throws Exception {
        Path home = Path.of(System.getProperty("spanwatch.home", ".."));
        Path beacons = home.resolve("../shared/beacons").normalize();
        if (!Files.isRegularFile(beacons.resolve("truth.jsonl"))) {
            System.out.println("BeaconWeekReportTest: SKIPPED: " + beacons + " is not there");
            return;
        }
        if (ClamdTestServer.unavailableReason() != null) {
            System.out.println("BeaconWeekReportTest: SKIPPED: " + ClamdTestServer.unavailableReason());
            return;
        }
        Path out = tmp.resolve("out");
        // The benign periodic destinations allowlisted, as an operator would list them (check-beacons.py does the same).
        Set<String> allow = new TreeSet<>();
        Set<String> truthBeaconHosts = new TreeSet<>();
        ObjectMapper truthJson = new ObjectMapper();
        for (String line : Files.readAllLines(beacons.resolve("truth.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode t = truthJson.readTree(line);
            if ("pair".equals(t.path("type").asText()) && "benign-periodic".equals(t.path("label").asText())) {
                allow.add(t.path("dst_host").asText());
            } else if ("pair".equals(t.path("type").asText()) && "beacon".equals(t.path("label").asText())) {
                truthBeaconHosts.add(t.path("src_ip").asText());
            }
        }
        Path allowlist = tmp.resolve("allowlist.txt");
        Files.writeString(allowlist, "# destinations the operator knows are benign\n" + String.join("\n", allow) + "\n");
        try (ClamdTestServer clamd = ClamdTestServer.start(home.resolve("rules/clamav"),
                Map.of("StreamMaxLength", "25M", "MaxFileSize", "25M"))) {
            List<String> args = new ArrayList<>(List.of("analyze", "--out", out.toString(), "--clamd", clamd.tcpAddress().toString(),
                    "--home-net", HOME_NET, "--allowlist", allowlist.toString(), "--sensor-name", "beacons"));
            CAPTURES.forEach(c -> args.add(beacons.resolve(c).toString()));
            assertEquals(0, EveReaderTest.quiet(args.toArray(String[]::new)), "analyze");
        }
        assertEquals(0, EveReaderTest.quiet("report", "--out", out.toString(), "--week", "2024-W11", "--home-net", HOME_NET), "report");

        ObjectMapper json = new ObjectMapper();
        long from = EveTime.parse("2024-03-11T00:00:00Z");
        long to = EveTime.parse("2024-03-18T00:00:00Z");
        Set<String> malwareHosts = new TreeSet<>();
        Set<String> beaconSources = new TreeSet<>();
        long events = 0;
        long alerts = 0;
        long files = 0;
        long incidents = 0;
        HomeNet net = new HomeNet(HOME_NET);
        for (String line : Files.readAllLines(out.resolve("eve.json"), StandardCharsets.UTF_8)) {
            JsonNode e = json.readTree(line);
            long t = EveTime.parse(e.path("timestamp").asText());
            if (t < from || t >= to) {
                continue;
            }
            events++;
            switch (e.path("event_type").asText()) {
                case "alert" -> {
                    alerts++;
                    String category = e.path("alert").path("category").asText();
                    String src = e.path("src_ip").asText();
                    String dest = e.path("dest_ip").asText();
                    if ("malware".equals(category)) {
                        // a file alert goes from the file's sender to its receiver: the receiver, else the sender, if internal
                        malwareHosts.add(net.contains(dest) ? dest : src);
                    } else if ("beacon".equals(category)) {
                        beaconSources.add(src);
                    }
                }
                case "fileinfo" -> files++;
                case "incident" -> incidents++;
                default -> {
                }
            }
        }
        Set<String> truthIncidentHosts = new TreeSet<>();
        for (String line : Files.readAllLines(beacons.resolve("truth.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode t = json.readTree(line);
            if ("incident".equals(t.path("type").asText())) {
                truthIncidentHosts.add(t.path("host").asText());
            }
        }
        JsonNode r = json.readTree(out.resolve("reports/2024-W11.json").toFile());
        Set<String> infected = strings(r.path("hosts").path("infected"));
        Set<String> beaconing = strings(r.path("hosts").path("beaconing"));
        System.out.printf("BeaconWeekReportTest: infected %s, beaconing %s, incidents %d, alerts %d, events %d, files %d, malware_downloads %d%n",
                infected, beaconing, r.path("incidents").asLong(), r.path("totals").path("alerts").asLong(),
                r.path("totals").path("events").asLong(), r.path("totals").path("files").asLong(), r.path("malware_downloads").asLong());
        assertEquals(malwareHosts, infected, "infected hosts are exactly the hosts of the malware alerts");
        assertTrue(infected.containsAll(truthIncidentHosts), "both incident hosts of the truth are infected: " + truthIncidentHosts);
        assertEquals(beaconSources, beaconing, "beaconing hosts are exactly the beacon alerts' sources");
        assertEquals(truthBeaconHosts, beaconing, "with the benign periodic destinations allowlisted: the clients of the truth's beacon pairs");
        assertEquals(alerts, r.path("totals").path("alerts").asLong());
        assertEquals(events, r.path("totals").path("events").asLong());
        assertEquals(files, r.path("totals").path("files").asLong());
        assertEquals(incidents, r.path("incidents").asLong());
        assertEquals(incidents, r.path("totals").path("incidents").asLong());
        assertEquals("2024-W11", r.path("week").asText());
        try (PDDocument pdf = Loader.loadPDF(out.resolve("reports/2024-W11.pdf").toFile())) {
            assertTrue(pdf.getNumberOfPages() >= 2, "pages: " + pdf.getNumberOfPages());
            String text = new PDFTextStripper().getText(pdf);
            for (String host : infected) {
                assertTrue(text.contains(host), "the PDF names " + host);
            }
            System.out.println("BeaconWeekReportTest: PDF of " + pdf.getNumberOfPages() + " pages");
        }
        String html = Files.readString(out.resolve("reports/2024-W11.html"), StandardCharsets.UTF_8);
        int charts = html.split("<svg ", -1).length - 1;
        assertTrue(charts >= 2, "charts: " + charts);
        assertFalse(html.toLowerCase(java.util.Locale.ROOT).contains("<script"), "no script");
        ReportDocumentsTest.png(out.resolve("reports/2024-W11.pdf"), "beacons-2024-W11-page1");
        // the same figures from eve.json and from the index analyze wrote beside it
        ReportConfig config = ReportConfig.defaults(net);
        ReportPeriod week = ReportPeriod.week("2024-W11", java.time.ZoneId.of("UTC"));
        java.time.Instant now = java.time.Instant.now();
        Map<String, Object> fromFile = ReportJson.tree(Reports.figures(new EveFileSource(out.resolve("eve.json"), 1 << 20), week, config,
                now), true);
        if (IndexSource.present(out.resolve("index"))) {
            Map<String, Object> fromIndex = ReportJson.tree(Reports.figures(new IndexSource(out.resolve("index")), week, config, now), true);
            fromFile.remove("source");
            fromIndex.remove("source");
            assertEquals(fromFile.toString(), fromIndex.toString(), "eve.json and the index give the same figures");
            System.out.println("BeaconWeekReportTest: eve.json and the index agree; the report read " + r.path("source").asText());
        } else {
            System.out.println("BeaconWeekReportTest: no index beside eve.json; the index comparison SKIPPED");
        }
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new TreeSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
