package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.event.EveWriter;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.HttpInfo;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills and restarts a real clamd while files are being scanned, and restarts the scan stage itself
 * mid-queue: every file must end with exactly one final verdict, none lost, none twice, and every
 * infected file with an alert.
 */
class ScanRestartIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    record Made(FileEvent event, boolean infected) {
    }

    List<Made> makeFiles(int n, Random r) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("files"));
        List<Made> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean infected = i % 10 == 0;
            byte[] content = new byte[2000 + r.nextInt(20_000)];
            r.nextBytes(content);
            if (infected) {
                System.arraycopy(ClamdTestServer.EICAR, 0, content, 100, ClamdTestServer.EICAR.length);
            }
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
            Path p = dir.resolve(sha);
            Files.write(p, content);
            FileInfo fi = new FileInfo("f" + i, content.length, "m" + i, "s" + i, sha, "application/octet-stream", "CLOSED", false,
                    0, true, sha, false, null, List.of(), -1, -1, -1, false, null);
            EventHeader h = new EventHeader(i, new int[0], "10.0.0.1", 40000 + i, "10.0.0.2", 80, "TCP", true, 4, "1:" + i, "http",
                    null);
            HttpInfo http = new HttpInfo(0, "h", -1, "/f" + i, null, null, "GET", null, "HTTP/1.1", 200, content.length, 0, null);
            list.add(new Made(new FileEvent(1_700_000_000_000_000_000L + i, h, http, false, fi, p), infected));
        }
        return list;
    }

    static List<JsonNode> events(ByteArrayOutputStream... outs) throws Exception {
        List<JsonNode> list = new ArrayList<>();
        for (ByteArrayOutputStream out : outs) {
            for (String l : out.toString(StandardCharsets.UTF_8).split("\n")) {
                if (!l.isBlank()) {
                    list.add(JSON.readTree(l));
                }
            }
        }
        return list;
    }

    /** Checks that each file has exactly one final verdict and each infected file an alert. */
    static void assertEveryFileOnce(List<Made> files, List<JsonNode> events) {
        Map<String, Integer> finals = new HashMap<>();
        Map<String, Integer> fileinfos = new HashMap<>();
        Map<String, Integer> alerts = new HashMap<>();
        for (JsonNode e : events) {
            String type = e.path("event_type").asText();
            String url = e.path("http").path("url").asText();
            JsonNode v = e.path("fileinfo").path("verdict");
            if ("fileinfo".equals(type)) {
                fileinfos.merge(url, 1, Integer::sum);
            }
            if (("fileinfo".equals(type) || "verdict".equals(type)) && "clamd".equals(v.path("engine").asText())
                    && !v.path("interim").asBoolean()) {
                finals.merge(url, 1, Integer::sum);
                assertTrue(v.path("result").asText().matches("clean|infected"), e.toString());
            }
            if ("alert".equals(type) && e.path("alert").path("signature").asText().startsWith("ClamAV ")) {
                alerts.merge(url, 1, Integer::sum);
            }
        }
        for (Made m : files) {
            String url = m.event().http().url();
            assertEquals(1, fileinfos.getOrDefault(url, 0), url + ": one fileinfo event");
            assertEquals(1, finals.getOrDefault(url, 0), url + ": one final clamd verdict");
            assertEquals(m.infected() ? 1 : 0, alerts.getOrDefault(url, 0), url + ": alerts");
        }
    }

    @Test
    void clamdKilledAndRestartedMidScanLosesNothingAndScansNothingTwice() throws Exception {
        String why = ClamdTestServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "ScanRestartIT SKIPPED: " + why);
        Path db = Files.createDirectories(tmp.resolve("db"));
        ClamdTestServer.writeEicarSignatures(db);
        Path socket = tmp.resolve("clamd.sock");
        ClamdTestServer clamd = ClamdTestServer.start(db, Map.of("LocalSocket", socket.toString()));
        List<Made> files = makeFiles(120, new Random(5));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EveWriter eve = new EveWriter(out, "t", false);
        ClamdClient.Options opts = ClamdClient.Options.defaults().withReadTimeout(Duration.ofSeconds(10));
        try (ClamdPool pool = new ClamdPool(List.of(ClamdAddress.unix(socket)), opts)) {
            ScanStage stage = ScanStage.start(eve, new ClamdScanner(pool), null, new ScanConfig(4, 1000, 1000), tmp.resolve("scan"));
            for (int i = 0; i < 60; i++) {
                stage.fileClosed(files.get(i).event());
            }
            clamd.stop(); // killed while files are in flight
            for (int i = 60; i < files.size(); i++) {
                stage.fileClosed(files.get(i).event());
            }
            Thread.sleep(3000);
            assertTrue(stage.waiting() > 0, "files wait while clamd is away");
            clamd = ClamdTestServer.start(db, Map.of("LocalSocket", socket.toString()));
            assertEquals(0, stage.awaitFinal(120_000), "every file got its final verdict once clamd was back");
            stage.close();
        } finally {
            clamd.close();
        }
        eve.flush();
        assertEveryFileOnce(files, events(out));
    }

    @Test
    void aRestartOfSpanwatchMidQueueResumesWhereItStopped() throws Exception {
        String why = ClamdTestServer.unavailableReason();
        Assumptions.assumeTrue(why == null, () -> "ScanRestartIT SKIPPED: " + why);
        Path db = Files.createDirectories(tmp.resolve("db"));
        ClamdTestServer.writeEicarSignatures(db);
        List<Made> files = makeFiles(80, new Random(6));
        ClamdTestServer clamd = ClamdTestServer.start(db);
        ByteArrayOutputStream out1 = new ByteArrayOutputStream();
        ByteArrayOutputStream out2 = new ByteArrayOutputStream();
        try (ClamdPool pool = new ClamdPool(List.of(clamd.unixSocket()), ClamdClient.Options.defaults())) {
            EveWriter eve1 = new EveWriter(out1, "t", false);
            ScanStage first = ScanStage.start(eve1, new ClamdScanner(pool), null, new ScanConfig(1, 1000, 1000), tmp.resolve("scan"));
            for (Made m : files) {
                first.fileClosed(m.event());
            }
            Thread.sleep(50);
            first.close(); // SpanWatch stops with most files still queued
            eve1.flush();
            EveWriter eve2 = new EveWriter(out2, "t", false);
            ScanStage second = ScanStage.start(eve2, new ClamdScanner(pool), null, ScanConfig.DEFAULTS, tmp.resolve("scan"));
            assertFalse(second.waiting() == 0 && events(out1).size() < files.size(), "the queue survived the restart");
            assertEquals(0, second.awaitFinal(120_000));
            second.close();
            eve2.flush();
        } finally {
            clamd.close();
        }
        assertEveryFileOnce(files, events(out1, out2));
    }
}
