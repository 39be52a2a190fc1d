package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.cli.Main;
import io.spanwatch.sensor.capture.DemoCapture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code analyze} against a real clamd loaded with the project's own signatures
 * ({@code rules/clamav}): every EICAR download must raise an alert with a ClamAV signature, however
 * it was hidden (chunking, gzip, HTTP evasions of the corpus), and clean files none.
 */
class ScanAlertsIT {
    /** Corpus captures that carry the EICAR test file. */
    static final Set<String> EICAR_CAPTURES = Set.of("sv-evader-000.pcap", "sv-evader-036.pcap", "sv-evader-096.pcap",
            "sv-evader-114.pcap", "sv-evader-240.pcap", "sv-evader-366.pcap", "sv-output-eve-fileinfo-eicar.pcap");

    @TempDir
    static Path tmp;
    static ClamdTestServer clamd;

    @BeforeAll
    static void start() throws Exception {
        String why = ClamdTestServer.unavailableReason();
        if (why != null) {
            System.out.println("ScanAlertsIT SKIPPED: " + why);
            return;
        }
        Path db = tmp.resolve("db");
        ClamdTestServer.copyProjectSignatures(repoRoot().resolve("rules").resolve("clamav"), db);
        clamd = ClamdTestServer.start(db);
    }

    @AfterAll
    static void stop() throws Exception {
        if (clamd != null) {
            clamd.close();
        }
    }

    static Path repoRoot() {
        return io.spanwatch.analyzer.TestPaths.repoRoot();
    }

    static EveLog analyze(Path out, Path... captures) {
        List<String> args = new ArrayList<>(List.of("analyze", "--out", out.toString(), "--clamd", clamd.unixSocket().toString(),
                "--set", "scan.rules-dir=" + repoRoot().resolve("rules").resolve("clamav")));
        for (Path c : captures) {
            args.add(c.toString());
        }
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        try {
            assertEquals(0, Main.run(args.toArray(String[]::new)));
        } finally {
            System.setOut(old);
        }
        return EveLog.read(out.resolve("eve.json"));
    }

    @Test
    void theDemoCapturesEicarDownloadRaisesOneClamavAlert() throws Exception {
        Assumptions.assumeTrue(clamd != null, "no clamd");
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        EveLog eve = analyze(tmp.resolve("demo"), pcap);
        List<JsonNode> alerts = eve.ofType("alert");
        assertEquals(1, alerts.size(), alerts.toString());
        JsonNode a = alerts.get(0);
        assertTrue(a.path("alert").path("signature").asText().startsWith("ClamAV SpanWatch.Test.EICAR"), a.toString());
        assertEquals("/get?id=4711", a.path("http").path("url").asText());
        assertEquals("clamd", a.path("fileinfo").path("verdict").path("engine").asText());
        for (JsonNode f : eve.ofType("fileinfo")) {
            JsonNode v = f.path("fileinfo").path("verdict");
            assertTrue(v.has("result"), f.toString());
            if (!"infected".equals(v.path("result").asText()) && f.path("fileinfo").path("stored").asBoolean()) {
                assertEquals("clean", v.path("result").asText(), f.toString());
            }
        }
    }

    @Test
    void everyEicarDownloadOfTheCorpusRaisesAnAlertAndCleanFilesNone() throws IOException {
        Assumptions.assumeTrue(clamd != null, "no clamd");
        Path corpus = io.spanwatch.analyzer.corpus.CorpusTestAccess.corpusDir().resolve("pcaps");
        if (!Files.isDirectory(corpus)) {
            System.out.println("ScanAlertsIT corpus part SKIPPED: no corpus at " + corpus);
            Assumptions.abort("no corpus");
        }
        int withAlert = 0;
        try (Stream<Path> pcaps = Files.list(corpus)) {
            for (Path pcap : pcaps.sorted().toList()) {
                String name = pcap.getFileName().toString();
                EveLog eve = analyze(tmp.resolve("corpus-" + name), pcap);
                long alerts = eve.ofType("alert").stream()
                        .filter(a -> a.path("alert").path("signature").asText().startsWith("ClamAV ")).count();
                if (EICAR_CAPTURES.contains(name)) {
                    assertTrue(alerts >= 1, name + ": no ClamAV alert for its EICAR download");
                    withAlert++;
                } else {
                    assertEquals(0, alerts, name + ": alert on a clean capture");
                }
            }
        }
        System.out.println("ScanAlertsIT: " + withAlert + "/" + EICAR_CAPTURES.size() + " EICAR captures raised an alert");
        assertEquals(EICAR_CAPTURES.size(), withAlert);
    }
}
