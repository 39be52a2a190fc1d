package io.spanwatch.analyzer.scan;

import static io.spanwatch.analyzer.scan.HashSignaturesTest.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuarantineTest {
    private static final Instant T0 = Instant.parse("2026-11-21T06:13:41.532140Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now;

        ManualClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** Writes a file under {@code DIR/files/<sha256>} as the sensor's file store does; returns its sha256. */
    private String stored(String content) throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        String sha = hex("SHA-256", b);
        Path files = Files.createDirectories(data.resolve("files"));
        Files.write(files.resolve(sha), b);
        return sha;
    }

    private Path file(String sha) {
        return data.resolve("files").resolve(sha);
    }

    private static String event(String sha, String signature) {
        return "{\"timestamp\":\"2026-11-21T06:13:41.532140+0000\",\"event_type\":\"alert\","
                + "\"alert\":{\"signature\":\"" + signature + "\"},\"fileinfo\":{\"sha256\":\"" + sha + "\"}}";
    }

    @Test
    void theMetadataEscapesLineBreaksAndTextDirectionAsEveJsonDoes() throws IOException {
        // the sidecar goes into the analyst's quarantine zip: a raw U+202E would reverse what a viewer shows (review)
        Quarantine q = Quarantine.open(data, Quarantine.Limits.DEFAULTS, new ManualClock(T0));
        String sha = stored("payload hostile");
        q.add(file(sha), sha, event(sha, "invoice\u202Efdp.exe\u2028next"), T0).orElseThrow();
        String raw = Files.readString(q.directory().resolve(sha + ".json"), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(raw.contains("invoice\\u202Efdp.exe\\u2028next"), raw);
        assertFalse(raw.contains("\u202E") || raw.contains("\u2028"), raw);
        assertEquals("invoice\u202Efdp.exe\u2028next", JSON.readTree(raw).at("/event/alert/signature").asText());
    }

    @Test
    void keepsFileAndMetadataAndCountsRepeats() throws IOException {
        ManualClock clock = new ManualClock(T0.plusSeconds(5));
        Quarantine q = Quarantine.open(data, Quarantine.Limits.DEFAULTS, clock);
        String sha = stored("payload one");
        Optional<Quarantine.Entry> e = q.add(file(sha), sha.toUpperCase(), event(sha, "First"), T0);
        assertTrue(e.isPresent());
        Path bin = q.directory().resolve(sha);
        assertArrayEquals(Files.readAllBytes(file(sha)), Files.readAllBytes(bin));
        // Same file system here, so the quarantine holds a hard link, not a copy.
        assertTrue(Files.isSameFile(file(sha), bin));
        assertEquals(2, ((Number) Files.getAttribute(bin, "unix:nlink")).intValue());

        clock.advance(Duration.ofMinutes(1));
        Quarantine.Entry again = q.add(file(sha), sha, event(sha, "Second"), T0.plusSeconds(60)).orElseThrow();
        assertEquals(2, again.count());
        assertEquals(T0, again.firstSeen());
        assertEquals(T0.plusSeconds(60), again.lastSeen());
        assertEquals(T0.plusSeconds(5), again.quarantinedAt());

        JsonNode meta = JSON.readTree(q.directory().resolve(sha + ".json").toFile());
        assertEquals(sha, meta.get("sha256").asText());
        assertEquals(11, meta.get("size").asLong());
        assertEquals(2, meta.get("count").asLong());
        assertEquals("2026-11-21T06:13:41.532140+0000", meta.get("first_seen").asText());
        assertEquals("2026-11-21T06:14:41.532140+0000", meta.get("last_seen").asText());
        assertEquals("First", meta.at("/event/alert/signature").asText());
        assertEquals("Second", meta.at("/last_event/alert/signature").asText());
        assertEquals(1, q.added.get());
        assertEquals(1, q.repeated.get());

        // Reopening reads the same entries back.
        Quarantine reopened = Quarantine.open(data, Quarantine.Limits.DEFAULTS, clock);
        assertEquals(q.entries(), reopened.entries());
        assertEquals(List.of(), reopened.warnings());
    }

    @Test
    void copiesWhenTheFileIsElsewhere() throws IOException {
        Quarantine q = Quarantine.open(data);
        Path other = Files.createDirectories(data.resolve("elsewhere")).resolve("f");
        Files.writeString(other, "x");
        String sha = hex("SHA-256", "x".getBytes(StandardCharsets.UTF_8));
        q.add(other, sha, "{}", T0);
        Files.delete(other);
        assertEquals("x", Files.readString(q.directory().resolve(sha)));
    }

    @Test
    void rejectsBadInputBeforeChangingAnything() throws IOException {
        Quarantine q = Quarantine.open(data);
        String sha = stored("abc");
        assertThrows(IllegalArgumentException.class, () -> q.add(file(sha), "abc", "{}", T0));
        assertThrows(IllegalArgumentException.class, () -> q.add(file(sha), sha, "{not json", T0));
        assertThrows(IllegalArgumentException.class, () -> q.add(file(sha), sha, "[1,2]", T0));
        assertEquals(List.of(), q.entries());
        try (var ds = Files.list(q.directory())) {
            assertEquals(0, ds.count());
        }
        Path zip = data.resolve("x.zip");
        assertThrows(IllegalArgumentException.class, () -> q.export(List.of(sha), zip));
        assertFalse(Files.exists(zip));
    }

    @Test
    void retentionRemovesOldestFirstByCountBytesAndAge() throws IOException {
        ManualClock clock = new ManualClock(T0);
        Quarantine.Limits limits = new Quarantine.Limits(3, 100, Duration.ofDays(10));
        Quarantine q = Quarantine.open(data, limits, clock);
        List<String> shas = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String sha = stored("file number " + i); // 13 bytes each
            shas.add(sha);
            q.add(file(sha), sha, event(sha, "S" + i), T0);
            clock.advance(Duration.ofHours(1));
        }
        // Count: only the three most recently updated remain.
        assertEquals(shas.subList(2, 5), q.entries().stream().map(Quarantine.Entry::sha256).toList());
        assertEquals(2, q.removedByRetention.get());
        assertFalse(Files.exists(q.directory().resolve(shas.get(0))));
        assertFalse(Files.exists(q.directory().resolve(shas.get(0) + ".json")));

        // Seeing file 2 again makes it the most recent, so file 3 is the next to go.
        q.add(file(shas.get(2)), shas.get(2), event(shas.get(2), "again"), T0);
        clock.advance(Duration.ofHours(1));
        String big = stored("x".repeat(80));
        q.add(file(big), big, event(big, "big"), T0);
        // Four files, 119 bytes: file 3 goes for the count, file 4 for the bytes (106 > 100).
        assertEquals(List.of(shas.get(2), big),
                q.entries().stream().map(Quarantine.Entry::sha256).toList());
        assertTrue(q.totalBytes() <= 100);

        // A file larger than the byte limit alone is refused.
        String huge = stored("y".repeat(101));
        assertEquals(Optional.empty(), q.add(file(huge), huge, "{}", T0));
        assertEquals(1, q.rejectedTooLarge.get());
        assertFalse(Files.exists(q.directory().resolve(huge)));

        // Age: after 10 days without updates both go on prune().
        clock.advance(Duration.ofDays(10).minusMinutes(30));
        assertEquals(1, q.prune(), "file 2 was updated an hour before big");
        clock.advance(Duration.ofHours(1));
        assertEquals(1, q.prune());
        assertEquals(List.of(), q.entries());
        assertEquals(0, q.totalBytes());
    }

    @Test
    void openRemovesLeftoversAndAppliesLimits() throws IOException {
        ManualClock clock = new ManualClock(T0);
        Quarantine q = Quarantine.open(data, Quarantine.Limits.DEFAULTS, clock);
        String a = stored("a");
        String b = stored("b");
        q.add(file(a), a, "{}", T0);
        q.add(file(b), b, "{}", T0);
        Path dir = q.directory();
        Files.delete(dir.resolve(b + ".json"));             // crash before the metadata
        Files.writeString(dir.resolve(".tmp-1-0"), "junk");  // crash mid-write
        Quarantine reopened = Quarantine.open(data, Quarantine.Limits.DEFAULTS, clock);
        assertEquals(List.of(a), reopened.entries().stream().map(Quarantine.Entry::sha256).toList());
        assertFalse(Files.exists(dir.resolve(b)));
        assertFalse(Files.exists(dir.resolve(".tmp-1-0")));
        assertEquals(2, reopened.warnings().size(), reopened.warnings().toString());

        clock.advance(Quarantine.DEFAULT_MAX_AGE.plusSeconds(1));
        assertEquals(List.of(), Quarantine.open(data, Quarantine.Limits.DEFAULTS, clock).entries());
    }

    @Test
    void listingAndExportingNeverDeleteNorPrune() throws Exception {
        // Entries far older than the default age limit, as a sensor configured to keep them longer wrote them.
        ManualClock clock = new ManualClock(Instant.now().minus(Duration.ofDays(400)));
        Quarantine q = Quarantine.open(data, new Quarantine.Limits(10, 1 << 20, Duration.ofDays(1000)), clock);
        String a = stored("a");
        String b = stored("b");
        q.add(file(a), a, event(a, "A"), T0);
        q.add(file(b), b, event(b, "B"), T0);
        Path dir = q.directory();
        // A running sensor's addition in progress: its temporary file, and a file whose metadata is not written yet.
        Files.writeString(dir.resolve(".tmp-4242-7"), "being written");
        String c = stored("c");
        Files.copy(file(c), dir.resolve(c));
        List<Path> before = listing(dir);

        Quarantine view = Quarantine.openReadOnly(data);
        assertEquals(Set.of(a, b), view.entries().stream().map(Quarantine.Entry::sha256).collect(java.util.stream.Collectors.toSet()));
        assertThrows(IllegalStateException.class, view::prune);
        Path zip = data.resolve("export.zip");
        assertEquals(0, io.spanwatch.analyzer.cli.Main.run("quarantine", "--out", data.toString()));
        assertEquals(0, io.spanwatch.analyzer.cli.Main.run("quarantine", "--out", data.toString(), "--export", zip.toString()));
        assertTrue(Files.size(zip) > 0);
        assertEquals(before, listing(dir), "the command removed nothing");
        assertEquals(0, io.spanwatch.analyzer.cli.Main.run("quarantine", "--out", data.toString(), "--export", zip.toString()),
                "an earlier export is replaced");
        Path notes = Files.writeString(data.resolve("notes.txt"), "the analyst's notes\n");
        assertEquals(1, io.spanwatch.analyzer.cli.Main.run("quarantine", "--out", data.toString(), "--export", notes.toString()),
                "a file that is no zip is not overwritten");
        assertEquals("the analyst's notes\n", Files.readString(notes));

        // An entry the sensor's retention removes between listing and export is left out, not an error.
        Files.delete(dir.resolve(b + ".json"));
        Files.delete(dir.resolve(b));
        assertEquals(1, view.exportAll(data.resolve("second.zip")));
        assertTrue(view.warnings().stream().anyMatch(w -> w.startsWith(b)), view.warnings().toString());
    }

    private static List<Path> listing(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(Path::getFileName).sorted().toList();
        }
    }

    @Test
    void exportsAZipOnlyThePasswordOpens() throws Exception {
        Quarantine q = Quarantine.open(data);
        String eicarSha = hex("SHA-256", HashSignaturesTest.EICAR);
        Path eicar = Files.createDirectories(data.resolve("files")).resolve(eicarSha);
        Files.write(eicar, HashSignaturesTest.EICAR);
        q.add(eicar, eicarSha, event(eicarSha, "SpanWatch.Test.EICAR-MD5"), T0);
        String other = stored("second quarantined file\n".repeat(100));
        q.add(file(other), other, event(other, "Other"), T0);

        Path zip = data.resolve("out").resolve("export.zip");
        Files.createDirectories(zip.getParent());
        assertEquals(2, q.exportAll(zip));
        Path one = data.resolve("out").resolve("one.zip");
        assertEquals(1, q.export(List.of(other), one));

        // The JDK cannot read encrypted zips at all (it refuses the central directory).
        ZipException jdk = assertThrows(ZipException.class, () -> new ZipFile(zip.toFile()).close());
        assertTrue(jdk.getMessage().contains("encrypted"), jdk.getMessage());
        // No plain EICAR bytes in the archive, so a scanner on the analyst's machine leaves it alone.
        assertEquals(-1, indexOf(Files.readAllBytes(zip), "EICAR-STANDARD".getBytes(StandardCharsets.US_ASCII)));

        // zip4j with the password reads back exactly what went in; without one it refuses.
        try (net.lingala.zip4j.ZipFile z = new net.lingala.zip4j.ZipFile(zip.toFile(), "infected".toCharArray())) {
            assertTrue(z.isEncrypted());
            Set<String> names = new java.util.TreeSet<>();
            z.getFileHeaders().forEach(h -> {
                assertTrue(h.isEncrypted(), h.getFileName());
                assertEquals(net.lingala.zip4j.model.enums.EncryptionMethod.ZIP_STANDARD, h.getEncryptionMethod());
                names.add(h.getFileName());
            });
            assertEquals(Set.of(eicarSha + ".bin", eicarSha + ".json", other + ".bin", other + ".json"), names);
            try (InputStream in = z.getInputStream(z.getFileHeader(eicarSha + ".bin"))) {
                assertArrayEquals(HashSignaturesTest.EICAR, in.readAllBytes());
            }
        }
        try (net.lingala.zip4j.ZipFile z = new net.lingala.zip4j.ZipFile(zip.toFile())) {
            assertThrows(net.lingala.zip4j.exception.ZipException.class,
                    () -> z.extractAll(data.resolve("nopass").toString()));
        }

        Path unzip = findTool("unzip");
        if (unzip == null) {
            System.out.println("QuarantineTest: SKIPPED the unzip checks: no unzip on PATH (apt-get install unzip)");
        } else {
            Result ok = run(unzip.toString(), "-P", "infected", "-t", zip.toString());
            assertEquals(0, ok.exit, ok.output);
            assertTrue(ok.output.contains("No errors detected"), ok.output);
            Result wrong = run(unzip.toString(), "-P", "wrong", "-t", zip.toString());
            assertNotEquals(0, wrong.exit, wrong.output);
            assertTrue(wrong.output.contains("incorrect password"), wrong.output);
            // Without -P, unzip asks for a password; with no terminal it gets none and skips the entries.
            Result none = run(unzip.toString(), "-t", zip.toString());
            assertNotEquals(0, none.exit, none.output);
            Path outDir = data.resolve("unzipped");
            Result x = run(unzip.toString(), "-P", "infected", "-q", one.toString(), "-d", outDir.toString());
            assertEquals(0, x.exit, x.output);
            assertArrayEquals(Files.readAllBytes(file(other)), Files.readAllBytes(outDir.resolve(other + ".bin")));
            JsonNode meta = JSON.readTree(outDir.resolve(other + ".json").toFile());
            assertEquals("Other", meta.at("/event/alert/signature").asText());
        }
        Path sevenZip = findTool("7z");
        if (sevenZip == null) {
            System.out.println("QuarantineTest: SKIPPED the 7-Zip check: no 7z on PATH (apt-get install p7zip-full)");
        } else {
            Result ok = run(sevenZip.toString(), "t", "-pinfected", zip.toString());
            assertEquals(0, ok.exit, ok.output);
            Result wrong = run(sevenZip.toString(), "t", "-pwrong", zip.toString());
            assertNotEquals(0, wrong.exit, wrong.output);
        }
    }

    private record Result(int exit, String output) {
    }

    private static Result run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + String.join(" ", cmd));
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static Path findTool(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String d : path.split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
