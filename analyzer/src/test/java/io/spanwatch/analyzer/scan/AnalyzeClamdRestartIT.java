package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.cli.Main;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills clamd while {@code analyze} works through a capture of many downloads and starts it again
 * later: the run waits for it, and every file ends with exactly one final verdict, every infected one
 * with an alert.
 */
class AnalyzeClamdRestartIT {

    @Test
    void clamdKilledDuringAnalyzeAndBackLaterGivesEveryFileOneFinalVerdict(@TempDir Path tmp) throws Exception {
        String why = ClamdTestServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "AnalyzeClamdRestartIT SKIPPED: " + why);
        int n = 600;
        Path pcap = tmp.resolve("many.pcap");
        Map<String, Boolean> infected = new HashMap<>();
        Random r = new Random(9);
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, 1_700_000_000_000_000_000L);
            for (int i = 0; i < n; i++) {
                byte[] body = new byte[5000 + r.nextInt(30_000)];
                r.nextBytes(body);
                boolean bad = i % 25 == 0;
                if (bad) {
                    System.arraycopy(ClamdTestServer.EICAR, 0, body, 64, ClamdTestServer.EICAR.length);
                }
                String uri = "/d/" + i;
                infected.put(uri, bad);
                io.spanwatch.analyzer.TestCaptures.download(syn, "10.2." + (i >> 8) + "." + (i & 255), 30_000 + i, uri, body);
            }
        }
        Path db = Files.createDirectories(tmp.resolve("db"));
        ClamdTestServer.writeEicarSignatures(db);
        Path socket = tmp.resolve("clamd.sock");
        ClamdTestServer[] clamd = {ClamdTestServer.start(db, Map.of("LocalSocket", socket.toString()))};
        Path out = tmp.resolve("out");
        AtomicInteger status = new AtomicInteger(-1);
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        try {
            Thread run = Thread.ofPlatform().start(() -> status.set(Main.run("analyze", "--out", out.toString(), "--clamd",
                    socket.toString(), "--set", "scan.threads=2", "--set", "clamd.max-in-flight=2", pcap.toString())));
            // wait until the run has met clamd and started queueing files, then kill clamd
            for (int i = 0; i < 300 && !Files.exists(out.resolve("scan").resolve("queue.journal")); i++) {
                Thread.sleep(100);
            }
            Thread.sleep(150);
            clamd[0].stop(); // killed mid-run
            Thread.sleep(60_000); // restarted a minute later
            clamd[0] = ClamdTestServer.start(db, Map.of("LocalSocket", socket.toString()));
            run.join(180_000);
        } finally {
            System.setOut(old);
            clamd[0].close();
        }
        assertEquals(0, status.get());
        EveLog eve = EveLog.read(out.resolve("eve.json"));
        Map<String, Integer> finals = new HashMap<>();
        Map<String, Integer> fileinfos = new HashMap<>();
        Map<String, Integer> alerts = new HashMap<>();
        int interim = 0;
        for (JsonNode e : eve.events) {
            String type = e.path("event_type").asText();
            String url = e.path("http").path("url").asText();
            JsonNode v = e.path("fileinfo").path("verdict");
            if ("fileinfo".equals(type)) {
                fileinfos.merge(url, 1, Integer::sum);
                interim += v.path("interim").asBoolean() ? 1 : 0;
            }
            if (("fileinfo".equals(type) || "verdict".equals(type)) && "clamd".equals(v.path("engine").asText())) {
                finals.merge(url, 1, Integer::sum);
            }
            if ("alert".equals(type)) {
                alerts.merge(url, 1, Integer::sum);
            }
        }
        for (Map.Entry<String, Boolean> f : infected.entrySet()) {
            assertEquals(1, fileinfos.getOrDefault(f.getKey(), 0), f.getKey());
            String url = f.getKey();
            assertEquals(1, finals.getOrDefault(url, 0), () -> url + ": one final verdict; its events: "
                    + eve.events.stream().filter(e -> url.equals(e.path("http").path("url").asText())).toList() + "; stats "
                    + eve.lastStats().path("scan") + " " + eve.lastStats().path("clamd"));
            assertEquals(f.getValue() ? 1 : 0, alerts.getOrDefault(f.getKey(), 0), f.getKey() + ": alerts");
        }
        System.out.println("AnalyzeClamdRestartIT: " + interim + " of " + n + " files waited for clamd to come back");
        assertTrue(eve.lastStats().path("scan").path("waiting").asLong() == 0);
    }

    @Test
    void filesLeftQueuedByOneRunAreFinishedByTheNextWithoutLossOrRepeats(@TempDir Path tmp) throws Exception {
        String why = ClamdTestServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "AnalyzeClamdRestartIT SKIPPED: " + why);
        Path pcap = tmp.resolve("demo.pcap");
        io.spanwatch.sensor.capture.DemoCapture.write(pcap);
        Path socket = tmp.resolve("clamd.sock");
        Path out = tmp.resolve("out");
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        try {
            // SpanWatch runs while clamd is down, and stops with every file queued
            assertEquals(0, Main.run("analyze", "--out", out.toString(), "--clamd", socket.toString(), pcap.toString()));
            Path db = Files.createDirectories(tmp.resolve("db"));
            ClamdTestServer.writeEicarSignatures(db);
            try (ClamdTestServer clamd = ClamdTestServer.start(db, Map.of("LocalSocket", socket.toString()))) {
                assertEquals(0, Main.run("scan-queue", "--out", out.toString(), "--clamd", socket.toString()));
                long verdicts = EveLog.read(out.resolve("eve.json")).ofType("verdict").size();
                assertEquals(0, Main.run("scan-queue", "--out", out.toString(), "--clamd", socket.toString(), "--wait", "1"));
                assertEquals(verdicts, EveLog.read(out.resolve("eve.json")).ofType("verdict").size(),
                        "a second pass finds nothing left to scan");
            }
        } finally {
            System.setOut(old);
        }
        EveLog eve = EveLog.read(out.resolve("eve.json"));
        long stored = eve.ofType("fileinfo").stream().filter(f -> f.path("fileinfo").path("stored").asBoolean()).count();
        assertEquals(stored, eve.ofType("verdict").size(), "each queued file got exactly one final verdict");
        assertTrue(eve.ofType("verdict").stream().allMatch(v -> "clamd".equals(v.path("fileinfo").path("verdict").path("engine")
                .asText())));
        assertTrue(eve.ofType("verdict").stream().anyMatch(v -> "infected".equals(v.path("fileinfo").path("verdict").path("result")
                .asText())), "the EICAR download's final verdict is infected");
    }
}
