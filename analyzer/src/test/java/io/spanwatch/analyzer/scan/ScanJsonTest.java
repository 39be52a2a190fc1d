package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.event.HttpInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scan stage's JSON lines against files written by the earlier, Jackson-databind version
 * ({@code json-v1/}: a journal with add, reported and done lines, retro entries, tunnels, VLANs,
 * nulls and hostile strings; a verdict log; the events quarantined files were kept with; a quarantine
 * metadata file): each line is read, and written again byte for byte; the journal, the verdict log and
 * the quarantine open on them as before.
 */
class ScanJsonTest {
    private static final String DIR = "/io/spanwatch/analyzer/scan/json-v1/";

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ScanJsonTest.class.getResourceAsStream(DIR + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    /** Splits at LF; every fixture line ends with one. */
    private static List<byte[]> lines(byte[] file) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < file.length; i++) {
            if (file[i] == '\n') {
                out.add(Arrays.copyOfRange(file, start, i));
                start = i + 1;
            }
        }
        assertEquals(file.length, start, "the fixture ends with a LF");
        return out;
    }

    @Test
    void journalLinesOfTheOldVersionAreReadAndWrittenAgainByteForByte() throws Exception {
        List<byte[]> lines = lines(resource("queue.journal"));
        assertEquals(8, lines.size());
        int adds = 0;
        for (byte[] line : lines) {
            ScanJson.Line l = ScanJson.parseLine(line);
            assertNotNull(l, new String(line, StandardCharsets.UTF_8));
            byte[] again = l.entry() != null ? ScanJson.addLine(l.entry()) : ScanJson.markLine(l.op(), l.seq());
            assertArrayEquals(line, again, new String(line, StandardCharsets.UTF_8) + "\n" + new String(again, StandardCharsets.UTF_8));
            adds += "add".equals(l.op()) ? 1 : 0;
        }
        assertEquals(4, adds);
        ScanJournal.Entry first = ScanJson.parseLine(lines.get(0)).entry();
        assertEquals("a b\tc\n\u00fc\u0000.exe", first.info().filename());
        assertEquals("/a?b=c&d=\"e\"\\\u0001\u007f\u2028\ud83d\ude00", first.http().url());
        assertArrayEquals(new int[] {10, 20}, first.header().vlans());
        assertEquals("evil.example", first.header().tunnel().requestName());
        assertEquals(200000, first.header().counters().bytesToClient());
        assertEquals(List.of("gzip", "br"), first.info().contentEncodings());
        assertEquals(2, first.info().fileId());
        ScanJournal.Entry retro = ScanJson.parseLine(lines.get(2)).entry();
        assertEquals(List.of("Win.Test.EICAR_HDB-1", "Sig \"q\""), retro.retro().previousSignatures());
        assertNull(retro.http());
    }

    @Test
    void anHttp2TransactionKeepsItsStreamThroughTheJournal() throws Exception {
        ScanJournal.Entry a = ScanJson.parseLine(lines(resource("queue.journal")).get(0)).entry();
        HttpInfo h = a.http();
        HttpInfo h2 = new HttpInfo(h.txId(), h.hostname(), h.port(), h.url(), h.userAgent(), h.contentType(), h.method(), h.referer(),
                "HTTP/2", h.status(), h.length(), h.requestBodyLength(), h.requestContentType(), h.limitHit(), 7);
        ScanJournal.Entry e = new ScanJournal.Entry(a.seq(), a.tsNanos(), a.header(), h2, a.toServer(), a.info(), a.stored(),
                a.reported(), a.retro());
        byte[] line = ScanJson.addLine(e);
        ScanJournal.Entry back = ScanJson.parseLine(line).entry();
        assertEquals(h2, back.http());
        assertEquals(7, back.http().http2StreamId());
        assertArrayEquals(line, ScanJson.addLine(back));
        assertEquals(-1, a.http().http2StreamId(), "an HTTP/1 line of the old version has none");
    }

    @Test
    void aFileThatIsAnotherReadingOfItsBodyKeepsItThroughTheJournal() throws Exception {
        ScanJournal.Entry a = ScanJson.parseLine(lines(resource("queue.journal")).get(0)).entry();
        assertNull(a.info().reading(), "a line of the old version is a body's one reading");
        ScanJournal.Entry e = new ScanJournal.Entry(a.seq(), a.tsNanos(), a.header(), a.http(), a.toServer(),
                a.info().withReading("first_gzip_member"), a.stored(), a.reported(), a.retro());
        byte[] line = ScanJson.addLine(e);
        ScanJournal.Entry back = ScanJson.parseLine(line).entry();
        assertEquals("first_gzip_member", back.info().reading());
        assertEquals(e.info(), back.info());
        assertArrayEquals(line, ScanJson.addLine(back));
    }

    @Test
    void verdictLogLinesOfTheOldVersionAreReadAndWrittenAgainByteForByte() throws Exception {
        List<byte[]> lines = lines(resource("verdicts.jsonl"));
        assertEquals(4, lines.size());
        for (byte[] line : lines) {
            String text = new String(line, StandardCharsets.UTF_8);
            VerdictCache.Remembered r = ScanJson.parseRemembered(text);
            assertNotNull(r, text);
            assertArrayEquals(line, ScanJson.rememberedLine(r), text);
        }
        VerdictCache.Remembered infected = ScanJson.parseRemembered(new String(lines.get(1), StandardCharsets.UTF_8));
        assertEquals(List.of("Win.Test.EICAR_HDB-1", "X\u00e9"), infected.verdict().signatures());
        assertNull(infected.verdict().engineVersion());
        assertNull(infected.event().stored());
    }

    @Test
    void theEventAQuarantinedFileIsKeptWithIsTheOldOne() throws Exception {
        List<byte[]> kept = lines(resource("kept-events.jsonl"));
        List<byte[]> journal = lines(resource("queue.journal"));
        FileVerdict v = new FileVerdict("clamd", "1.4.6", "27000", "infected", List.of("Win.Test.EICAR_HDB-1"), 5, null, false);
        ScanJournal.Entry a = ScanJson.parseLine(journal.get(0)).entry();
        ScanJournal.Entry b = ScanJson.parseLine(journal.get(2)).entry();
        assertEquals(new String(kept.get(1), StandardCharsets.UTF_8), ScanJson.keptEvent(a.header(), a.http(), false, a.info(), v));
        assertEquals(new String(kept.get(0), StandardCharsets.UTF_8), ScanJson.keptEvent(b.header(), null, true, b.info(), v));
    }

    @Test
    void theJournalAndTheVerdictLogOfTheOldVersionOpenAsBefore(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("queue.journal"), resource("queue.journal"));
        Files.write(dir.resolve("verdicts.jsonl"), resource("verdicts.jsonl"));
        try (ScanJournal j = ScanJournal.open(dir, 100, 1 << 20)) {
            assertEquals(2, j.size(), "entries 1 and 2 are done");
            List<ScanJournal.Entry> waiting = j.load();
            assertEquals(List.of(3L, 4L), waiting.stream().map(ScanJournal.Entry::seq).toList());
            assertFalse(waiting.get(0).reported());
            assertTrue(waiting.get(1).reported(), "its reported line came after the add line");
            assertEquals("27001", waiting.get(0).retro().database());
        }
        try (VerdictCache c = VerdictCache.open(dir.resolve("verdicts.jsonl"), 1 << 20)) {
            assertEquals(3, c.size());
            String e3b0 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
            assertEquals(List.of("A"), c.get(e3b0, "27001").signatures(), "the latest line wins");
            assertNull(c.get(e3b0, "27000"));
            List<String> latest = new ArrayList<>();
            c.forEachSince(0, r -> latest.add(r.sha256() + " " + r.event().stored()));
            assertEquals(3, latest.size());
            assertTrue(latest.contains(e3b0 + " /out/files/e3/e3b0"), latest.toString());
        }
    }

    @Test
    void quarantineMetadataIsWrittenAsTheOldVersionWroteItAndItsFirstEventKept(@TempDir Path dir) throws Exception {
        String sha = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";
        Path file = dir.resolve("sample.bin");
        Files.writeString(file, "not malware, 33 bytes of a sample");
        Clock clock = Clock.fixed(Instant.parse("2026-01-02T03:04:05.123456789Z"), ZoneOffset.UTC);
        String first = new String(lines(resource("kept-events.jsonl")).get(1), StandardCharsets.UTF_8);
        String second = "{\"event_type\":\"alert\",\"n\":[1,2.5,-3e-7,null,true,{\"x\":\"\\u00e9\\\"\"}],"
                + "\"big\":123456789012345678901234567890}";
        byte[] old = resource("quarantine-meta.json");
        Path made = dir.resolve("made");
        Quarantine q = Quarantine.open(made, Quarantine.Limits.DEFAULTS, clock);
        q.add(file, sha, first, Instant.parse("2025-12-31T23:59:59.999999Z"));
        q.add(file, sha, second, Instant.parse("2026-01-01T00:00:00Z"));
        // the fixture is the old version's file but for the characters JsonEscapes writes escaped since
        // 2026-12-04 (a DEL and a U+2028 in the URL): the only change of its bytes
        assertArrayEquals(old, Files.readAllBytes(made.resolve("quarantine").resolve(sha + ".json")));

        // A folder the old version wrote: its entry is read, and a third sighting keeps the first event.
        Path kept = dir.resolve("kept").resolve("quarantine");
        Files.createDirectories(kept);
        Files.write(kept.resolve(sha + ".json"), old);
        Files.copy(file, kept.resolve(sha));
        Quarantine again = Quarantine.open(dir.resolve("kept"), Quarantine.Limits.DEFAULTS, clock);
        Quarantine.Entry e = again.get(sha).orElseThrow();
        assertEquals(2, e.count());
        assertEquals(Instant.parse("2025-12-31T23:59:59.999999Z"), e.firstSeen());
        again.add(file, sha, "{\"third\":3}", Instant.parse("2026-01-01T00:00:01Z"));
        assertEquals(3, again.get(sha).orElseThrow().count());
        String meta = Files.readString(kept.resolve(sha + ".json"));
        assertTrue(meta.contains("\"flowId\" : 123456789012345") && meta.contains("\"third\" : 3") && !meta.contains("big"), meta);
    }

    @Test
    void damagedLinesAreUnreadableAndUnknownFieldsIgnored() throws Exception {
        byte[] line = lines(resource("queue.journal")).get(0);
        for (int cut : new int[] {0, 1, 10, line.length / 2, line.length - 1}) {
            assertNull(ScanJson.parseLine(Arrays.copyOf(line, cut)), "cut at " + cut);
        }
        assertNull(ScanJson.parseLine("[1,2]".getBytes(StandardCharsets.UTF_8)));
        assertNull(ScanJson.parseLine("{\"op\":\"done\",\"seq\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
        assertNull(ScanJson.parseLine("{\"op\":\"add\",\"seq\":1,\"entry\":{\"info\":{\"size\":true}}}".getBytes(StandardCharsets.UTF_8)));
        ScanJson.Line l = ScanJson.parseLine("{\"op\":\"done\",\"later\":{\"a\":[1,{}]},\"seq\":7}".getBytes(StandardCharsets.UTF_8));
        assertEquals(new ScanJson.Line("done", 7, null), l);
        assertNull(ScanJson.parseRemembered("{\"sha256\":\"ab\",\"verdict\":{\"engine\":\"clamd\"}}"), "no result");
        assertNull(ScanJson.parseRemembered("{\"sha256\":\"ab\",\"verdict\":{\"result\":\"clean\"}} trailing"));
        VerdictCache.Remembered r = ScanJson.parseRemembered("{\"sha256\":\"ab\",\"verdict\":{\"result\":\"clean\",\"new\":1},\"event\":null}");
        assertEquals("clean", r.verdict().result());
        assertEquals(List.of(), r.verdict().signatures());
    }
}
