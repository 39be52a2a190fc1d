package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.index.EventIndexReader;
import io.spanwatch.analyzer.index.EventSearcher;
import io.spanwatch.analyzer.index.IndexConfig;
import io.spanwatch.analyzer.index.IndexStage;
import io.spanwatch.analyzer.index.TestEvents;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.event.EveRenderer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spanwatch console}'s refusals, {@code spanwatch token}, {@code spanwatch index}, and analyze's live indexing. */
class ConsoleCommandTest {
    @Test
    void authNoneAndPlainHttpAreRefusedOffLoopback(@TempDir Path tmp) {
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("console", "--out", tmp.toString(), "--listen", "0.0.0.0:0", "--auth", "none");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("--auth none is allowed only on a loopback address"), r.err());
        r = AnalyzeCommandTest.run("console", "--out", tmp.toString(), "--listen", "0.0.0.0:0");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("--tls-cert"), r.err());
        r = AnalyzeCommandTest.run("console", "--out", tmp.toString(), "--listen", "127.0.0.1:0", "--tls-cert", tmp.resolve("none.pem").toString(),
                "--tls-key", tmp.resolve("none.key").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("cannot use"), r.err());
        r = AnalyzeCommandTest.run("console", "--out", tmp.toString(), "--listen", "nonsense");
        assertEquals(1, r.status());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        // a mistyped folder is named, not served empty (nor made)
        Path typo = tmp.resolve("sensr");
        r = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> AnalyzeCommandTest.run("console", "--out", typo.toString(), "--listen", "127.0.0.1:0", "--auth", "none"),
                "it served an empty console");
        assertEquals(1, r.status());
        assertEquals("spanwatch console: " + typo + " does not exist (--out names the data folder of an analyze or sensor run)",
                r.err().strip());
        assertFalse(Files.exists(typo));
    }

    @Test
    void tokensAreMadeListedAndRevoked(@TempDir Path tmp) throws Exception {
        AnalyzeCommandTest.Run made = AnalyzeCommandTest.run("token", "create", "--out", tmp.toString(), "--name", "alice", "--role", "act");
        assertEquals(0, made.status(), made.err());
        String token = made.out().strip();
        assertTrue(token.startsWith("swt_") && token.length() > 40);
        String file = Files.readString(tmp.resolve("console").resolve("tokens"));
        assertFalse(file.contains(token), "only the hash is kept");
        assertTrue(Files.getPosixFilePermissions(tmp.resolve("console").resolve("tokens")).toString().equals("[OWNER_READ, OWNER_WRITE]"));
        assertEquals(1, AnalyzeCommandTest.run("token", "create", "--out", tmp.toString(), "--name", "alice").status(), "names are unique");
        assertEquals(1, AnalyzeCommandTest.run("token", "create", "--out", tmp.toString(), "--name", "bob", "--role", "admin").status());
        AnalyzeCommandTest.Run list = AnalyzeCommandTest.run("token", "list", "--out", tmp.toString());
        assertTrue(list.out().startsWith("alice\tact\t"), list.out());
        assertEquals(0, AnalyzeCommandTest.run("token", "revoke", "--out", tmp.toString(), "alice").status());
        assertEquals(1, AnalyzeCommandTest.run("token", "revoke", "--out", tmp.toString(), "alice").status());
        assertEquals("", AnalyzeCommandTest.run("token", "list", "--out", tmp.toString()).out());
    }

    @Test
    void analyzeIndexesEveryEventItWritesAndIndexImportsTheSame(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        Path out = tmp.resolve("out");
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--out", out.toString(), "--set", "scan.enabled=false", pcap.toString());
        assertEquals(0, r.status(), r.err());
        int lines = EveLog.read(out.resolve("eve.json")).events.size();
        try (EventIndexReader idx = EventIndexReader.open(out.resolve("index")); EventSearcher s = idx.acquire()) {
            assertEquals(lines, s.size(), "every EVE line is in the index");
        }
        Path other = tmp.resolve("imported");
        AnalyzeCommandTest.Run imp = AnalyzeCommandTest.run("index", "--out", other.toString(), out.resolve("eve.json").toString());
        assertEquals(0, imp.status(), imp.err());
        assertTrue(imp.out().startsWith("indexed " + lines + " events from 1 file"), imp.out());
        assertEquals("", imp.err(), "quiet without a terminal");
        // From standard input, gzip-compressed (as zcat or ssh would pipe a rotated file), into a new folder
        Path piped = tmp.resolve("piped");
        java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(zipped)) {
            z.write(Files.readAllBytes(out.resolve("eve.json")));
        }
        java.io.InputStream oldIn = System.in;
        AnalyzeCommandTest.Run fromStdin;
        try {
            System.setIn(new java.io.ByteArrayInputStream(zipped.toByteArray()));
            fromStdin = AnalyzeCommandTest.run("index", "--out", piped.toString(), "-");
        } finally {
            System.setIn(oldIn);
        }
        assertEquals(0, fromStdin.status(), fromStdin.err());
        assertTrue(fromStdin.out().startsWith("indexed " + lines + " events from 1 file"), fromStdin.out());
        try (EventIndexReader idx = EventIndexReader.open(piped.resolve("index")); EventSearcher s = idx.acquire()) {
            assertEquals(lines, s.size(), "every line from standard input is in the index");
        }
        AnalyzeCommandTest.Run twice = AnalyzeCommandTest.run("index", "--out", piped.toString(), "-", "-");
        assertEquals(1, twice.status());
        assertTrue(twice.err().contains("standard input (-) can be read once only"), twice.err());
        AnalyzeCommandTest.Run missing = AnalyzeCommandTest.run("index", "--out", other.toString(), tmp.resolve("nope.json").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("nope.json: no such file"), missing.err());

        // A file of no events (pretty-printed EVE, or the wrong file) fails; what the terminal gets of a
        // line is escaped: a parser's message quotes it, and ESC c would reset the terminal (review)
        Path junk = tmp.resolve("junk.json");
        Files.writeString(junk, "abc\u001bc\u001b7\u202eevil\u009b2J\u0007\n{\n  \"timestamp\": \"2026-03-11T06:00:00Z\"\n}\n");
        AnalyzeCommandTest.Run none = AnalyzeCommandTest.run("index", "--out", other.toString(), junk.toString());
        assertEquals(1, none.status(), none.err());
        assertTrue(none.err().contains("no line of the input was an EVE event"), none.err());
        assertTrue(none.err().contains("skipped 4 lines"), none.err());
        assertTrue(none.err().contains("junk.json:1: not an EVE JSON event: ") && none.err().contains("abc\\u001Bc"), none.err());
        assertTrue(none.err().chars().noneMatch(c -> c == 0x1b || c == 0x202e || c == 0x9b || c == 0x07), none.err());
        assertEquals("a\\u001Bb\\u202Ec\\u000A", IndexCommand.shown("a\u001bb\u202ec\n"));

        // A gzip cut short: an error naming the file, and what was indexed before it is said, not hidden
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(gz)) {
            for (int i = 0; i < 20_000; i++) {
                z.write(("{\"timestamp\":\"2026-03-11T06:00:00.000000+0000\",\"event_type\":\"flow\",\"n\":" + i + ",\"r\":\""
                        + Integer.toHexString(i * 0x9E3779B1) + "\"}\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
        }
        byte[] whole = gz.toByteArray();
        Path cut = tmp.resolve("cut.json.gz");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
        AnalyzeCommandTest.Run partial = AnalyzeCommandTest.run("index", "--out", tmp.resolve("partial").toString(), cut.toString());
        assertEquals(1, partial.status(), partial.err());
        assertTrue(partial.err().contains("cut.json.gz: "), partial.err());
        assertTrue(partial.err().contains("events indexed before the error stay in the index"), partial.err());
    }

    @Test
    void anImportIntoADayAnotherProcessWritesSaysSo(@TempDir Path tmp) throws Exception {
        long t = TestEvents.nanos("2026-03-11T06:00:00Z");
        java.util.List<io.spanwatch.sensor.event.EveEvent> events = TestEvents.download(1, t, "198.18.0.1", "203.0.113.1", 80,
                "a.example", "/a.exe", "curl/8", "a.exe", 10, "a".repeat(64), false);
        Path eve = tmp.resolve("eve.json");
        Files.write(eve, events.stream().map(TestEvents::line).toList());
        // a live index stage holds the day open, as a running sensor does
        IndexStage live = IndexStage.start(tmp.resolve("out").resolve("index"), IndexConfig.DEFAULTS,
                new EveRenderer(TestEvents.SENSOR, true), true, java.time.Clock.systemUTC());
        try {
            live.onEvent(events.get(0));
            live.drain();
            AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("index", "--out", tmp.resolve("out").toString(), eve.toString());
            assertEquals(1, r.status(), r.err());
            assertTrue(r.err().contains("is being written by another process (a sensor or analyze running on " + tmp.resolve("out")),
                    r.err());
        } finally {
            live.close();
        }
    }
}
