package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.sensor.capture.DemoCapture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnalyzeCommandTest {
    private static final Pattern EVE_TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+0000");

    record Run(int status, String out, String err) {
    }

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            int status = Main.run(args);
            return new Run(status, out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void demoCaptureYieldsEveryFileItCarries(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        List<DemoCapture.Expected> expected = DemoCapture.write(pcap);
        Path out = tmp.resolve("out");
        Run r = run("analyze", "--out", out.toString(), "--sensor-name", "test", pcap.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(List.of(), DemoCommand.check(out.resolve("eve.json"), expected));

        EveLog eve = EveLog.read(out.resolve("eve.json"));
        for (JsonNode e : eve.events) {
            assertTrue(EVE_TIME.matcher(e.path("timestamp").asText()).matches(), e.toString());
            assertEquals("test", e.path("sensor").asText());
        }
        for (JsonNode f : eve.ofType("fileinfo")) {
            JsonNode fi = f.path("fileinfo");
            assertTrue(f.path("community_id").asText().startsWith("1:"), f.toString());
            assertEquals("http", f.path("app_proto").asText());
            assertTrue(fi.has("filename") && fi.has("size") && fi.has("state") && fi.has("gaps") && fi.has("stored"), f.toString());
            if ("CLOSED".equals(fi.path("state").asText())) {
                String sha = fi.path("sha256").asText();
                assertEquals(64, sha.length());
                assertEquals(32, fi.path("md5").asText().length());
                assertEquals(40, fi.path("sha1").asText().length());
                assertTrue(Files.isRegularFile(out.resolve("files").resolve(sha)), "stored " + sha);
                assertEquals(fi.path("size").asLong(), Files.size(out.resolve("files").resolve(sha)));
            }
            String dir = f.path("direction").asText();
            assertTrue(dir.equals("to_server") || dir.equals("to_client"));
        }
        // the EICAR download is named by its Content-Disposition and sniffed from its content
        JsonNode eicar = eve.ofType("fileinfo").stream()
                .filter(f -> DemoCapture.sha256(DemoCapture.EICAR.getBytes()).equals(f.path("fileinfo").path("sha256").asText()))
                .findFirst().orElseThrow();
        assertEquals("eicar.com", eicar.path("fileinfo").path("filename").asText());
        assertEquals("/get?id=4711", eicar.path("http").path("url").asText());
        // as in Suricata, the sender of a file is src: the server for a download
        assertEquals("198.51.100.7", eicar.path("src_ip").asText());
        assertEquals(80, eicar.path("src_port").asInt());
        assertEquals("192.168.10.23", eicar.path("dest_ip").asText());
        // uploads are to_server
        JsonNode notes = eve.ofType("fileinfo").stream().filter(f -> "notes.txt".equals(f.path("fileinfo").path("filename").asText()))
                .findFirst().orElseThrow();
        assertEquals("to_server", notes.path("direction").asText());
        assertEquals("192.168.10.23", notes.path("src_ip").asText());
        // flows and stats
        assertFalse(eve.ofType("flow").isEmpty());
        for (JsonNode f : eve.ofType("flow")) {
            JsonNode flow = f.path("flow");
            assertTrue(flow.has("pkts_toserver") && flow.has("bytes_toclient") && flow.has("start") && flow.has("end")
                    && flow.has("state") && flow.has("reason"), f.toString());
        }
        JsonNode stats = eve.lastStats();
        assertTrue(stats.path("decoder").path("pkts").asLong() > 0);
        assertEquals(stats.path("decoder").path("pkts").asLong(), stats.path("capture").path("packets").asLong());
        assertTrue(r.out().contains("packets"));
        // the lost segment: a TRUNCATED file with a gap and no hash
        JsonNode lost = eve.ofType("fileinfo").stream()
                .filter(f -> "/tools/setup.exe".equals(f.path("http").path("url").asText())).findFirst().orElseThrow();
        assertEquals("TRUNCATED", lost.path("fileinfo").path("state").asText());
        assertTrue(lost.path("fileinfo").path("gaps").asBoolean());
        assertFalse(lost.path("fileinfo").has("sha256"));
        assertEquals(1448, lost.path("fileinfo").path("missing_bytes").asLong());
    }

    @Test
    void withoutClamdEveryFileHasAnInterimVerdictAndTheEicarDownloadStillAlerts(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        List<DemoCapture.Expected> expected = DemoCapture.write(pcap);
        Path out = tmp.resolve("out");
        Path rules = io.spanwatch.analyzer.TestPaths.repoRoot().resolve("rules").resolve("clamav");
        Run r = run("analyze", "--out", out.toString(), "--clamd", "127.0.0.1:1", "--set", "scan.rules-dir=" + rules,
                pcap.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("waiting for clamd"), r.out());
        EveLog eve = EveLog.read(out.resolve("eve.json"));
        assertEquals(List.of(), DemoCommand.check(out.resolve("eve.json"), expected));
        for (JsonNode f : eve.ofType("fileinfo")) {
            JsonNode v = f.path("fileinfo").path("verdict");
            assertEquals("builtin-hash", v.path("engine").asText(), f.toString());
            if (f.path("fileinfo").path("stored").asBoolean()) {
                assertTrue(v.path("interim").asBoolean(), f.toString());
            }
        }
        List<JsonNode> alerts = eve.ofType("alert");
        assertEquals(1, alerts.size());
        assertTrue(alerts.get(0).path("alert").path("signature").asText().startsWith("SpanWatch hash SpanWatch.Test.EICAR"));
        assertTrue(java.nio.file.Files.size(out.resolve("scan").resolve("queue.journal")) > 0, "files wait for clamd");
        assertTrue(java.nio.file.Files.isRegularFile(out.resolve("quarantine")
                .resolve(DemoCapture.sha256(DemoCapture.EICAR.getBytes()))), "the EICAR file is in quarantine");
    }

    @Test
    void missingCaptureIsOneClearLineAndExitOne(@TempDir Path tmp) {
        Path missing = tmp.resolve("nope.pcap");
        Run r = run("analyze", "--out", tmp.resolve("out").toString(), missing.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains(missing.toString()), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void corruptHeaderIsOneClearLineAndExitOne(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.pcap");
        Files.write(bad, "this is not a capture file at all".getBytes());
        Run r = run("analyze", "--out", tmp.resolve("out").toString(), bad.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains(bad.toString()), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void truncatedCaptureIsAnalysedUpToTheCutWithAWarning(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        byte[] all = Files.readAllBytes(pcap);
        Path cut = tmp.resolve("cut.pcap");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 700));
        Path out = tmp.resolve("out");
        Run r = run("analyze", "--out", out.toString(), cut.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("truncated"), r.err());
        EveLog eve = EveLog.read(out.resolve("eve.json"));
        assertTrue(eve.ofType("fileinfo").size() >= 10);
        assertEquals(1, eve.lastStats().path("capture").path("truncated_file").asLong());
    }

    @Test
    void badUsageExitsTwo() {
        assertEquals(2, run("analyze").status());
    }

    /**
     * An output folder on a disk that is full (a tmpfs of the test's own, nearly filled; root only, as
     * CI runs): the run fails with the reason, and the figures of what it analysed still reach the
     * terminal. Before, a failed eve.json took the summary with it.
     */
    @Test
    void aFullDiskStillShowsWhatWasAnalysedAndFails(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "aFullDiskStillShowsWhatWasAnalysedAndFails: mounting a small tmpfs needs root");
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        Path mnt = tmp.resolve("small");
        Files.createDirectories(mnt);
        int rc = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.toString()).inheritIO().start().waitFor();
        org.junit.jupiter.api.Assumptions.assumeTrue(rc == 0, "could not mount a tmpfs");
        try {
            long free = Files.getFileStore(mnt).getUsableSpace();
            Files.write(mnt.resolve("filler"), new byte[(int) (free - (8 << 10))]);
            Run r = run("analyze", "--out", mnt.resolve("out").toString(), "--set", "scan.enabled=false", "--no-progress",
                    pcap.toString());
            assertEquals(1, r.status(), r.out() + r.err());
            assertTrue(r.err().contains("No space left on device"), r.err());
            assertTrue(r.out().contains("http transactions") && r.out().contains("packets "), "the run's figures: " + r.out());
            assertFalse(r.out().contains("packets 0 "), r.out());
        } finally {
            new ProcessBuilder("umount", "-l", mnt.toString()).inheritIO().start().waitFor();
        }
    }
}
