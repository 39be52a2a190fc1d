package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.TestCaptures;
import io.spanwatch.analyzer.cli.Main;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retro-scan with a real clamd whose database has a version (an unsigned {@code daily.cud} made with
 * sigtool, as a signed daily.cvd would carry one): a file found clean under version 27001 raises an
 * alert marked retro in the next run after clamd reloads version 27002, which knows it. Skipped, with
 * the reason printed, without clamd or sigtool.
 */
class RetroScanIT {
    private static final String MARKER = "SPANWATCH-RETRO-SCAN-TEST-MARKER";

    @TempDir
    Path tmp;

    /** Builds {@code daily.cud} of {@code version} with one body signature on {@code hexBody} into {@code db}. */
    static void daily(Path db, int version, String name, String text) throws Exception {
        Path work = Files.createDirectories(db.resolveSibling("cud-" + version));
        Files.writeString(work.resolve("COPYING"), "test database of SpanWatch's RetroScanIT\n");
        Files.writeString(work.resolve("daily.ndb"), name + ":0:*:" + HexFormat.of().formatHex(text.getBytes(StandardCharsets.US_ASCII))
                + "\n");
        Process p = new ProcessBuilder("sigtool", "--build=daily.cud", "--unsigned", "--cvd-version=" + version, "--datadir=" + work)
                .directory(work.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().write("spanwatch-test\n".getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && Files.isRegularFile(work.resolve("daily.cud")), "sigtool: " + out);
        Path tmpCopy = db.resolve(".daily.cud.new");
        Files.copy(work.resolve("daily.cud"), tmpCopy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmpCopy, db.resolve("daily.cud"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static int analyze(Path out, ClamdTestServer clamd, Path pcap) {
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        try {
            return Main.run("analyze", "--out", out.toString(), "--clamd", clamd.unixSocket().toString(), pcap.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void aFileCleanUnderOneDatabaseIsARetroAlertUnderTheNext() throws Exception {
        String why = ClamdTestServer.unavailableReason();
        if (why == null && LiveTools.which("sigtool") == null) {
            why = "sigtool is missing (Debian: clamav)";
        }
        if (why != null) {
            System.out.println("RetroScanIT SKIPPED: " + why);
        }
        Assumptions.assumeTrue(why == null, why);
        Path db = Files.createDirectories(tmp.resolve("db"));
        ClamdTestServer.writeEicarSignatures(db);
        daily(db, 27001, "SpanWatch.Test.Unrelated-1", "NOTHING-IN-THIS-TEST-CARRIES-THIS");
        Path first = tmp.resolve("first.pcap");
        Path second = tmp.resolve("second.pcap");
        byte[] later = ("harmless today; " + MARKER + " known tomorrow").getBytes(StandardCharsets.US_ASCII);
        byte[] plain = new byte[5000];
        new Random(1).nextBytes(plain);
        try (PcapWriter w = PcapWriter.create(first, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, 1_700_000_000_000_000_000L);
            TestCaptures.download(syn, "10.1.0.5", 40_000, "/later.txt", later);
            TestCaptures.download(syn, "10.1.0.6", 40_001, "/plain.bin", plain);
        }
        try (PcapWriter w = PcapWriter.create(second, LinkType.ETHERNET, false)) {
            TestCaptures.download(new TrafficSynth(w, 1_700_000_100_000_000_000L), "10.1.0.7", 40_002, "/other.bin", new byte[300]);
        }
        Path out = tmp.resolve("out");
        String[] firstSeen = new String[1];
        try (ClamdTestServer clamd = ClamdTestServer.start(db)) {
            assertEquals(0, analyze(out, clamd, first));
            EveLog one = EveLog.read(out.resolve("eve.json"));
            assertEquals(0, one.ofType("alert").size(), "clean under 27001");
            firstSeen[0] = one.ofType("fileinfo").stream().filter(f -> "/later.txt".equals(f.path("http").path("url").asText()))
                    .findFirst().orElseThrow().path("timestamp").asText();
            assertTrue(one.ofType("fileinfo").stream().allMatch(f -> "27001".equals(f.path("fileinfo").path("verdict")
                    .path("database_version").asText())), "verdicts name clamd's database version");

            daily(db, 27002, "SpanWatch.Test.Retro-1", MARKER);
            try (ClamdClient c = new ClamdClient(clamd.unixSocket(), ClamdClient.Options.defaults())) {
                clamd.reload();
                for (int i = 0; i < 300 && !"27002".equals(c.version().databaseVersion()); i++) {
                    Thread.sleep(100);
                }
                assertEquals("27002", c.version().databaseVersion());
            }
            assertEquals(0, analyze(out, clamd, second)); // the next run finds clamd on a newer database
        }
        List<JsonNode> alerts = EveLog.read(out.resolve("eve.json")).ofType("alert");
        System.out.println("RetroScanIT alerts: " + alerts);
        assertEquals(1, alerts.size(), alerts.toString());
        JsonNode a = alerts.get(0);
        assertEquals("ClamAV SpanWatch.Test.Retro-1.UNOFFICIAL", a.path("alert").path("signature").asText());
        assertEquals("/later.txt", a.path("http").path("url").asText());
        JsonNode meta = a.path("alert").path("metadata");
        assertEquals("true", meta.path("retro").path(0).asText());
        assertEquals("27002", meta.path("database_version").path(0).asText());
        assertEquals("27001", meta.path("previous_database_version").path(0).asText());
        assertEquals(firstSeen[0], a.path("timestamp").asText(), "timed as the download it is about");
        assertTrue(a.path("retro").path("reason").asText().contains("27002"), a.toString());
        assertTrue(a.path("retro").has("detected"), a.toString());
    }

    /** Finds tools on the PATH the way the live tests do. */
    static final class LiveTools {
        static String which(String name) throws IOException {
            for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
                if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
                    return d + "/" + name;
                }
            }
            return null;
        }
    }
}
