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
                TrafficSynth.Conn c = syn.tcp("10.2." + (i >> 8) + "." + (i & 255), 30_000 + i, "10.0.0.9", 80).handshake();
                c.send(true, ("GET " + uri + " HTTP/1.1\r\nHost: files\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                byte[] head = ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                byte[] all = new byte[head.length + body.length];
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(body, 0, all, head.length, body.length);
                c.send(false, all);
                c.close();
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
            Thread.sleep(8000); // "a minute later", shortened
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
}
