package io.spanwatch.sensor.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.http.EntityInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSinkTest {
    private static final long SEED = Long.getLong("tests.seed", System.nanoTime());
    private static final EntityInfo PLAIN = new EntityInfo(null, null, -1, List.of(), false, -1, -1, -1, false, null, -1);

    @TempDir
    Path dir;
    FileStore store;
    KnownContent known;

    @BeforeEach
    void setUp() throws Exception {
        store = FileStore.open(new FileConfig(dir, FileConfig.DEFAULT_MAX_STORE_BYTES, 64 << 10, true, 16, 1 << 20));
        known = new KnownContent(1000);
    }

    FileInfo feed(byte[] content, Random r, long gapAt) {
        FileInfo[] out = new FileInfo[1];
        assertTrue(store.tryOpenFile());
        FileSink s = new FileSink(store, known, PLAIN, "f", null, fi -> out[0] = fi);
        int off = 0;
        while (off < content.length) {
            int n = Math.min(content.length - off, 1 + r.nextInt(3000));
            if (gapAt >= off && gapAt < off + n) {
                s.data(content, off, (int) (gapAt - off));
                s.gap(n - (gapAt - off));
            } else {
                s.data(content, off, n);
            }
            off += n;
        }
        s.end(true, null);
        return out[0];
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    /** Feeds {@code content} in random pieces, splitting off a reading after its first {@code at} bytes; returns [reading, whole]. */
    List<FileInfo> feedWithReading(byte[] content, int at, Random r) {
        List<FileInfo> out = new java.util.ArrayList<>();
        assertTrue(store.tryOpenFile());
        FileSink s = new FileSink(store, known, PLAIN, "f", null, out::add);
        feedRange(s, content, 0, at, r);
        s.endReadingHere("first_gzip_member");
        feedRange(s, content, at, content.length, r);
        s.end(true, null);
        return out;
    }

    private static void feedRange(FileSink s, byte[] content, int from, int to, Random r) {
        for (int off = from; off < to; ) {
            int n = Math.min(to - off, 1 + r.nextInt(3000));
            s.data(content, off, n);
            off += n;
        }
    }

    @Test
    void aReadingSplitOffMidwayIsAFileOfItsOwnAndTheWholeGoesOn() throws Exception {
        Random r = new Random(SEED);
        byte[] content = new byte[400_000];
        r.nextBytes(content);
        // Split points: inside the prefix compared with stored copies (PROBE), within the in-memory
        // spool (64 KiB here), past it (spooled on disk); each once as new content and once as a
        // repeat being compared with its stored copy (VERIFY).
        for (int at : new int[] {100, 30_000, 300_000}) {
            for (boolean repeat : new boolean[] {false, true}) {
                byte[] c = content.clone();
                c[c.length - 1] ^= (byte) (at + (repeat ? 1 : 0)); // a content of its own for each round
                if (repeat) {
                    FileInfo first = feed(c, r, -1);
                    assertEquals(sha256(c), first.sha256());
                }
                List<FileInfo> got = feedWithReading(c, at, r);
                String where = "split at " + at + (repeat ? ", a repeat" : "");
                assertEquals(2, got.size(), where);
                FileInfo part = got.get(0);
                FileInfo whole = got.get(1);
                byte[] head = java.util.Arrays.copyOf(c, at);
                assertEquals("first_gzip_member", part.reading(), where);
                assertEquals(at, part.size(), where);
                assertEquals("CLOSED", part.state(), where);
                assertEquals(sha256(head), part.sha256(), where);
                assertEquals(md5(head), part.md5(), where);
                assertTrue(part.stored(), where);
                assertArrayEquals(head, Files.readAllBytes(store.filesDir().resolve(part.sha256())), where);
                assertNull(whole.reading(), where);
                assertEquals(sha256(c), whole.sha256(), where);
                assertEquals(md5(c), whole.md5(), where);
                assertTrue(whole.stored(), where);
                assertArrayEquals(c, Files.readAllBytes(store.filesDir().resolve(whole.sha256())), where);
            }
        }
        assertEquals(0, store.errors.get());
        assertEquals(0, store.open.get(), "the reading took no open file of its own");
        try (var tmp = Files.list(store.filesDir().resolve(".tmp"))) {
            assertEquals(0, tmp.count(), "no spool left behind");
        }
    }

    @Test
    void eachReadingIsSplitOffOnceWhereItFirstEnds() throws Exception {
        // A body repeating its trick (many lines that start with the delimiter) costs one copy per
        // reading: the first place a receiver ends the body is its file.
        List<FileInfo> out = new java.util.ArrayList<>();
        assertTrue(store.tryOpenFile());
        FileSink s = new FileSink(store, known, PLAIN, "f", null, out::add);
        byte[] b = new byte[1000];
        new Random(SEED).nextBytes(b);
        for (int i = 0; i < 5; i++) {
            s.data(b, i * 200, 200);
            s.endReadingHere("delimiter_prefix");
        }
        s.endReadingHere("bare_lf_dropped");
        s.end(true, null);
        assertEquals(3, out.size());
        assertEquals("delimiter_prefix", out.get(0).reading());
        assertEquals(sha256(java.util.Arrays.copyOf(b, 200)), out.get(0).sha256());
        assertEquals("bare_lf_dropped", out.get(1).reading());
        assertEquals(sha256(b), out.get(1).sha256());
        assertNull(out.get(2).reading());
    }

    @Test
    void noReadingIsSplitOffAnEmptyOrGappedFile() throws Exception {
        List<FileInfo> out = new java.util.ArrayList<>();
        assertTrue(store.tryOpenFile());
        FileSink empty = new FileSink(store, known, PLAIN, "f", null, out::add);
        empty.endReadingHere("first_gzip_member");
        empty.data(new byte[] {1, 2, 3}, 0, 3);
        empty.end(true, null);
        assertEquals(1, out.size());
        assertNull(out.get(0).reading());
        out.clear();
        assertTrue(store.tryOpenFile());
        FileSink gapped = new FileSink(store, known, PLAIN, "f", null, out::add);
        gapped.data(new byte[5000], 0, 5000);
        gapped.gap(100);
        gapped.data(new byte[] {1}, 0, 1);
        gapped.endReadingHere("first_gzip_member");
        gapped.end(true, null);
        assertEquals(1, out.size());
        assertEquals("TRUNCATED", out.get(0).state());
    }

    @Test
    void repeatedAndLookAlikeFilesGetTheirOwnExactHashes() throws Exception {
        System.out.println("FileSinkTest seed " + SEED);
        Random r = new Random(SEED);
        byte[] original = new byte[300_000];
        r.nextBytes(original);
        FileInfo first = feed(original, r, -1);
        assertEquals(sha256(original), first.sha256());
        assertEquals(1, known.size());

        FileInfo again = feed(original, r, -1);
        assertEquals(first.sha256(), again.sha256());
        assertEquals(first.md5(), again.md5());
        assertEquals(first.sha1(), again.sha1());
        assertEquals(1, known.verified.get(), "the repeat was verified against the stored copy, not hashed");
        assertTrue(again.stored());

        // Same first 4 KiB, different later, longer, shorter: each gets the hash of its own bytes.
        for (int round = 0; round < 20; round++) {
            byte[] other;
            switch (round % 3) {
                case 0 -> {
                    other = original.clone();
                    other[KnownContent.PREFIX_BYTES + r.nextInt(other.length - KnownContent.PREFIX_BYTES)] ^= 1;
                }
                case 1 -> {
                    other = java.util.Arrays.copyOf(original, original.length + 1 + r.nextInt(5000));
                    other[other.length - 1] = 7;
                }
                default -> other = java.util.Arrays.copyOf(original, KnownContent.PREFIX_BYTES + r.nextInt(original.length
                        - KnownContent.PREFIX_BYTES));
            }
            FileInfo fi = feed(other, r, -1);
            assertEquals(sha256(other), fi.sha256(), "round " + round);
            assertEquals(md5(other), fi.md5(), "round " + round);
            assertEquals(other.length, fi.size());
            assertTrue(fi.stored());
            assertArrayEquals(other, Files.readAllBytes(dir.resolve("files").resolve(fi.sha256())), "stored bytes, round " + round);
        }
        assertTrue(known.mismatches.get() > 0);
    }

    @Test
    void aGapInARepeatedFileMakesItTruncatedWithoutHashes() throws Exception {
        Random r = new Random(SEED + 1);
        byte[] original = new byte[100_000];
        r.nextBytes(original);
        feed(original, r, -1);
        FileInfo fi = feed(original, r, 50_000);
        assertEquals("TRUNCATED", fi.state());
        assertTrue(fi.gaps());
        assertNull(fi.sha256());
        assertTrue(fi.stored());
        byte[] onDisk = Files.readAllBytes(dir.resolve("files").resolve(fi.storedSha256()));
        assertEquals(original.length, onDisk.length);
        assertArrayEquals(java.util.Arrays.copyOf(original, 50_000), java.util.Arrays.copyOf(onDisk, 50_000));
    }

    @Test
    void aRepeatCutShortIsTruncatedAndStoredAsSeen() throws Exception {
        Random r = new Random(SEED + 2);
        byte[] original = new byte[80_000];
        r.nextBytes(original);
        feed(original, r, -1);
        FileInfo[] out = new FileInfo[1];
        assertTrue(store.tryOpenFile());
        FileSink s = new FileSink(store, known, PLAIN, "f", null, fi -> out[0] = fi);
        s.data(original, 0, 30_000);
        s.end(false, "connection closed");
        assertEquals("TRUNCATED", out[0].state());
        assertFalse(out[0].gaps());
        assertEquals(sha256(java.util.Arrays.copyOf(original, 30_000)), out[0].storedSha256());
    }

    @Test
    void filesPastTheSpoolOnDiskAreHashedButNotStoredAndSaySo() throws Exception {
        // 1 MiB of spool on disk for all files in progress; each file is 700 KB, so the second one to
        // spill while the first is still open does not fit.
        FileStore small = FileStore.open(new FileConfig(dir.resolve("small"), FileConfig.DEFAULT_MAX_STORE_BYTES, 4096, true, 16,
                1 << 20, 100, 1 << 20));
        Random r = new Random(3);
        byte[] a = new byte[700_000];
        byte[] b = new byte[700_000];
        r.nextBytes(a);
        r.nextBytes(b);
        FileInfo[] out = new FileInfo[2];
        FileSink sa = new FileSink(small, null, PLAIN, "a", null, fi -> out[0] = fi);
        FileSink sb = new FileSink(small, null, PLAIN, "b", null, fi -> out[1] = fi);
        for (FileSink s : new FileSink[] {sa, sb}) { // a is still open while b streams
            byte[] content = s == sa ? a : b;
            for (int off = 0; off < content.length; off += 1000) {
                s.data(content, off, Math.min(1000, content.length - off));
                assertTrue(small.diskInUse() <= 1 << 20, "spooled on disk " + small.diskInUse());
            }
        }
        sa.end(true, null);
        sb.end(true, null);
        assertTrue(out[0].stored() && !out[0].spoolLimit());
        assertEquals(sha256(a), out[0].sha256());
        assertFalse(out[1].stored());
        assertTrue(out[1].spoolLimit());
        assertEquals("CLOSED", out[1].state(), "the file was seen whole");
        assertEquals(sha256(b), out[1].sha256(), "and hashed whole");
        assertEquals(1, small.spoolDiskLimitHits.get());
        assertEquals(0, small.diskInUse(), "every spool gave its room back");
        assertTrue(small.diskPeak() <= 1 << 20);
        try (var left = Files.list(dir.resolve("small").resolve("files").resolve(".tmp"))) {
            assertEquals(0, left.count(), "no temporary file left behind");
        }
    }

    /** A store whose spools keep at most 1 byte in memory, so the memory budget counts the sinks' buffers. */
    private FileStore tightStore(long budget) throws Exception {
        return FileStore.open(new FileConfig(dir.resolve("tight"), FileConfig.DEFAULT_MAX_STORE_BYTES, 1, true, 16, budget, 100));
    }

    @Test
    void hashingBuffersComeFromTheSharedMemoryBudget() throws Exception {
        // Many files open at once must not each hold a 32 KiB buffer beyond the budget: past it they
        // are hashed as bytes come, with the same result.
        long budget = 100 << 10;
        // Spools go straight to disk (1 byte in memory at most): what the budget counts is the buffers.
        FileStore tight = tightStore(budget);
        Random r = new Random(4);
        int files = 20;
        byte[][] content = new byte[files][80_000];
        FileSink[] sinks = new FileSink[files];
        FileInfo[] out = new FileInfo[files];
        for (int i = 0; i < files; i++) {
            r.nextBytes(content[i]);
            int k = i;
            sinks[i] = new FileSink(tight, known, PLAIN, "f" + i, null, fi -> out[k] = fi);
        }
        for (int off = 0; off < 80_000; off += 1448) {
            for (int i = 0; i < files; i++) {
                sinks[i].data(content[i], off, Math.min(1448, 80_000 - off));
            }
            assertTrue(tight.memoryInUse() <= budget, "in memory " + tight.memoryInUse());
        }
        for (int i = 0; i < files; i++) {
            sinks[i].end(true, null);
            assertEquals(sha256(content[i]), out[i].sha256());
            assertEquals(md5(content[i]), out[i].md5());
            assertTrue(out[i].stored());
        }
        assertTrue(tight.memoryPeak() >= FileSink.STAGE_BYTES && tight.memoryPeak() <= budget, "peak " + tight.memoryPeak());
        assertEquals(0, tight.memoryInUse(), "every buffer went back to the budget");
    }

    @Test
    void repeatsComparedAtOnceTakeTheirWindowsFromTheSharedMemoryBudget() throws Exception {
        // Each repeat being compared with its stored copy holds a read window of STAGE_BYTES: past the
        // budget a repeat is hashed instead, with the same hashes, and every window goes back.
        long budget = 100 << 10;
        FileStore tight = tightStore(budget);
        Random r = new Random(5);
        byte[] content = new byte[200_000];
        r.nextBytes(content);
        FileInfo[] first = new FileInfo[1];
        FileSink s0 = new FileSink(tight, known, PLAIN, "first", null, fi -> first[0] = fi);
        s0.data(content, 0, content.length);
        s0.end(true, null);
        assertEquals(0, tight.memoryInUse());
        int files = 10;
        FileSink[] sinks = new FileSink[files];
        FileInfo[] out = new FileInfo[files];
        for (int i = 0; i < files; i++) {
            int k = i;
            sinks[i] = new FileSink(tight, known, PLAIN, "f" + i, null, fi -> out[k] = fi);
        }
        for (int off = 0; off < content.length; off += 1448) {
            for (int i = 0; i < files; i++) {
                sinks[i].data(content, off, Math.min(1448, content.length - off));
            }
            assertTrue(tight.memoryInUse() <= budget, "in memory " + tight.memoryInUse());
        }
        for (int i = 0; i < files; i++) {
            sinks[i].end(true, null);
            assertEquals(first[0].sha256(), out[i].sha256());
            assertEquals(first[0].md5(), out[i].md5());
            assertEquals(first[0].sha1(), out[i].sha1());
        }
        long verified = known.verified.get();
        assertTrue(verified >= 1 && verified < files, "some repeats compared, the rest hashed: " + verified);
        assertEquals(0, tight.memoryInUse(), "every window went back to the budget");
    }

    @Test
    void aStoredCopyCutShortWhileARepeatIsComparedMakesAGapNotAFault() throws Exception {
        // The repeat matches the stored copy for 60,000 bytes, then the copy is cut to 10,000 bytes
        // (by hand, or a full disk) and the repeat differs: the 50,000 bytes that cannot be read back
        // are a gap, the file is truncated without md5/sha1, and the worker goes on.
        Random r = new Random(SEED + 6);
        byte[] original = new byte[150_000];
        r.nextBytes(original);
        FileInfo first = feed(original, r, -1);
        Path copy = dir.resolve("files").resolve(first.sha256());
        FileInfo[] out = new FileInfo[1];
        assertTrue(store.tryOpenFile());
        FileSink s = new FileSink(store, known, PLAIN, "f", null, fi -> out[0] = fi);
        s.data(original, 0, 60_000);
        try (var ch = java.nio.channels.FileChannel.open(copy, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(10_000);
        }
        byte[] rest = java.util.Arrays.copyOfRange(original, 60_000, original.length);
        rest[0] ^= 1;
        s.data(rest, 0, rest.length);
        s.end(true, null);
        assertEquals(1, known.mismatches.get());
        assertEquals("TRUNCATED", out[0].state());
        assertTrue(out[0].gaps());
        assertEquals(50_000, out[0].missingBytes());
        assertEquals(original.length, out[0].size());
        assertNull(out[0].md5());
        assertEquals(0, store.memoryInUse());
    }
}
