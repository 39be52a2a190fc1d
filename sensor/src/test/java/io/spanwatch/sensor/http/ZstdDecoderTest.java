package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Checks {@link ZstdDecoder} against the real {@code zstd} command: varied inputs, levels, windows,
 * checksums, concatenated and skippable frames, each fed in random segment sizes from one byte up;
 * and against damaged input (bit flips, cuts at every block boundary), which must end in an anomaly,
 * never an exception.
 */
class ZstdDecoderTest {

    /** Feeds encoded bytes to a lone decoder in pieces and records what comes out. */
    static final class Run implements ContentDecoder.Host {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final List<String> anomalies = new ArrayList<>();
        String stopped;
        boolean complete;
        final HttpMemory memory;
        long peakHeld;

        Run(HttpMemory memory) {
            this.memory = memory;
        }

        @Override
        public void anomaly(String name, String detail) {
            anomalies.add(name);
        }

        @Override
        public void decodeStopped(String reason) {
            if (stopped == null) {
                stopped = reason;
            }
        }

        @Override
        public HttpMemory memory() {
            return memory;
        }

        static Run of(byte[] encoded, Random r, int maxPiece) {
            return of(encoded, r, maxPiece, HttpMemory.unlimited());
        }

        static Run of(byte[] encoded, Random r, int maxPiece, HttpMemory memory) {
            Run run = new Run(memory);
            ZstdDecoder d = new ZstdDecoder("zstd", (b, o, l) -> {
                run.out.write(b, o, l);
                return true;
            }, run);
            boolean go = true;
            for (int off = 0; off < encoded.length && go; ) {
                int n = Math.min(encoded.length - off, maxPiece <= 1 ? 1 : 1 + r.nextInt(maxPiece));
                go = d.feed(encoded, off, n);
                run.peakHeld = Math.max(run.peakHeld, memory.used());
                off += n;
            }
            run.complete = go && d.finish();
            d.release();
            assertEquals(0, memory.used(), "memory given back");
            return run;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** Words drawn from a small vocabulary: compresses with Huffman literals and many matches. */
    static byte[] text(int size, long seed) {
        String[] words = ("the of and to in is was that for on are with as his they be at one have this from or had by hot word "
                + "but what some we can out other were all there when up use your how said an each she which do their time if "
                + "will way about many then them write would like so these her long make thing see him two has look more day "
                + "could go come did number sound no most people my over know water than call first who may down side been now "
                + "find zstandard window literals sequences offsets huffman entropy").split(" ");
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(size + 32);
        while (sb.length() < size) {
            sb.append(words[r.nextInt(words.length)]).append(r.nextInt(12) == 0 ? ".\n" : " ");
        }
        return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.US_ASCII), size);
    }

    /** Structured binary: counters, small fields, runs and a little noise. */
    static byte[] binary(int size, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[size];
        for (int i = 0; i + 16 <= size; i += 16) {
            int v = i / 16;
            b[i] = (byte) v;
            b[i + 1] = (byte) (v >> 8);
            b[i + 2] = (byte) (v >> 16);
            b[i + 4] = (byte) r.nextInt(4);
            b[i + 8] = (byte) (r.nextInt(16) == 0 ? r.nextInt() : 0x7f);
            b[i + 12] = (byte) r.nextInt();
        }
        return b;
    }

    /** Lines drawn from a dozen: compresses to little, over several blocks (repeat offsets, repeated tables). */
    static byte[] lines(int size, long seed) {
        Random r = new Random(seed);
        String[] some = new String[12];
        for (int i = 0; i < some.length; i++) {
            some[i] = new String(text(20 + r.nextInt(40), seed + i), StandardCharsets.US_ASCII).trim() + "\n";
        }
        StringBuilder sb = new StringBuilder(size + 64);
        while (sb.length() < size) {
            sb.append(some[r.nextInt(some.length)]);
        }
        return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.US_ASCII), size);
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static Map<String, byte[]> inputs() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("empty", new byte[0]);
        m.put("one byte", new byte[] {'x'});
        m.put("text 10k", text(10_000, 1));
        m.put("binary 200k", binary(200_000, 2));
        m.put("random 150k", random(150_000, 3));
        m.put("text 128k-1", text(131_071, 4));
        m.put("text 128k", text(131_072, 5));
        m.put("text 128k+1", text(131_073, 6));
        m.put("mixed 256k+3", cat(text(131_072, 7), random(1000, 8), binary(131_075 - 1000, 9)));
        return m;
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    private static void assertDecodes(byte[] expected, byte[] zst, String what) {
        Random r = new Random(what.hashCode());
        for (int piece : new int[] {Integer.MAX_VALUE, 1, 7, 1460, 70_000}) {
            if (piece == 1 && zst.length > 400_000) {
                continue;
            }
            Run run = Run.of(zst, r, piece);
            assertEquals(List.of(), run.anomalies, what + ", pieces up to " + piece);
            assertTrue(run.complete, what + ": " + run.stopped);
            assertArrayEquals(expected, run.bytes(), what + ", pieces up to " + piece);
        }
    }

    /** A body made once with the zstd command and kept in the test resources, so that it is decoded even where the command is missing. */
    record Vector(String name, Supplier<byte[]> content, Function<byte[], byte[]> encode) {
        byte[] encoded() {
            try (InputStream in = ZstdDecoderTest.class.getResourceAsStream("zstd/" + name + ".zst")) {
                if (in == null) {
                    throw new AssertionError("missing test resource zstd/" + name + ".zst: run with -Dzstd.vectors=write");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static final List<Vector> VECTORS = List.of(
            new Vector("text-2k-l19", () -> text(2000, 101), b -> ZstdCli.file(b, "-19", "--check")),
            new Vector("lines-140k-l19", () -> lines(140_000, 102), b -> ZstdCli.file(b, "-19", "--check")),
            new Vector("binary-20k-l3-piped", () -> binary(20_000, 103), b -> ZstdCli.stream(b, "-3", "--no-check")),
            new Vector("frames-and-skippable", () -> cat(text(3000, 104), random(300, 105)),
                    b -> cat(skippable(2, 6), ZstdCli.file(Arrays.copyOf(b, 3000), "-1"), skippable(9, 0),
                            ZstdCli.stream(Arrays.copyOfRange(b, 3000, b.length), "-5"))));

    @Test
    @EnabledIfSystemProperty(named = "zstd.vectors", matches = "write")
    void writeVectors() throws IOException {
        ZstdCli.require();
        Path dir = Path.of("src/test/resources/io/spanwatch/sensor/http/zstd");
        Files.createDirectories(dir);
        for (Vector v : VECTORS) {
            Files.write(dir.resolve(v.name() + ".zst"), v.encode().apply(v.content().get()));
        }
    }

    @Test
    void decodesTheKeptVectors() {
        for (Vector v : VECTORS) {
            assertDecodes(v.content().get(), v.encoded(), v.name());
        }
    }

    @Test
    void decodesWhatTheCommandEncodesAtEachLevel() {
        ZstdCli.require();
        for (Map.Entry<String, byte[]> in : inputs().entrySet()) {
            for (String level : new String[] {"-1", "-3", "-19"}) {
                for (String check : new String[] {"--check", "--no-check"}) {
                    byte[] zst = ZstdCli.file(in.getValue(), level, check);
                    assertDecodes(in.getValue(), zst, in.getKey() + " " + level + " " + check);
                    byte[] piped = ZstdCli.stream(in.getValue(), level, check);
                    assertDecodes(in.getValue(), piped, in.getKey() + " " + level + " " + check + " piped");
                }
            }
        }
    }

    @Test
    void decodesMultiMegabyteBodiesWithLargeWindows() {
        ZstdCli.require();
        // 6 MiB that repeats at 3 MiB distance: matches reach far back into the window.
        byte[] half = cat(text(2 << 20, 11), binary(1 << 20, 12));
        byte[] big = cat(half, half);
        assertDecodes(big, ZstdCli.file(big, "-3"), "6 MiB level 3");
        assertDecodes(big, ZstdCli.file(big, "-19"), "6 MiB level 19 (8 MiB window)");
        assertDecodes(big, ZstdCli.file(big, "--long"), "6 MiB --long (window cut to the content)");
        assertDecodes(big, ZstdCli.stream(big, "-19", "--zstd=wlog=23"), "6 MiB piped, 8 MiB window");
        byte[] nine = cat(big, text(3 << 20, 13));
        assertDecodes(nine, ZstdCli.stream(nine, "-1", "--zstd=wlog=23"), "9 MiB piped, 8 MiB window, wraps");
    }

    @Test
    void smallWindowsWrapOften() {
        ZstdCli.require();
        for (int n : new int[] {2, 13, 40, 1500}) {
            byte[] t = text(n, n);
            assertDecodes(t, ZstdCli.file(t, "-19"), n + " bytes, single segment (window = content size)");
        }
        byte[] t = cat(text(300_000, 24), binary(100_000, 25));
        assertDecodes(t, ZstdCli.stream(t, "-3", "--zstd=wlog=10"), "1 KiB window");
        assertDecodes(t, ZstdCli.stream(t, "-19", "--zstd=wlog=11"), "2 KiB window, level 19");
        assertDecodes(t, ZstdCli.stream(t, "-1", "--zstd=wlog=17"), "128 KiB window");
    }

    @Test
    void refusesWindowsOverEightMebibytes() {
        ZstdCli.require();
        byte[] data = text(100_000, 21);
        for (String[] opts : new String[][] {{"--ultra", "-22"}, {"--long=24"}, {"-1", "--zstd=wlog=24"}}) {
            byte[] zst = ZstdCli.stream(data, opts);
            assertArrayEquals(data, ZstdCli.decompress(zst), "the command itself decodes it");
            Run run = Run.of(zst, new Random(1), 1000);
            assertEquals(List.of("http.zstd_window_too_large"), run.anomalies, String.join(" ", opts));
            assertArrayEquals(zst, run.bytes(), "nothing decoded yet: the raw bytes are kept, as for an unknown coding");
            assertTrue(run.complete);
        }
        // Single segment: the window is the content size, 9 MiB here.
        byte[] nine = text(9 << 20, 22);
        byte[] zst = ZstdCli.file(nine, "-1", "--ultra", "--zstd=wlog=25");
        Run run = Run.of(zst, new Random(2), 1 << 16);
        assertEquals(List.of("http.zstd_window_too_large"), run.anomalies);
        assertArrayEquals(zst, run.bytes());
        // Exactly 8 MiB is allowed.
        byte[] eight = text(8 << 20, 23);
        assertDecodes(eight, ZstdCli.file(eight, "-1", "--ultra", "--zstd=wlog=25"), "8 MiB single segment");
        // A later frame over the limit: the first frame's bytes are kept, the entity ends incomplete.
        Run second = Run.of(cat(ZstdCli.file(data, "-3"), ZstdCli.stream(data, "--long=24")), new Random(3), 5000);
        assertEquals(List.of("http.zstd_window_too_large"), second.anomalies);
        assertArrayEquals(data, second.bytes());
        assertFalse(second.complete);
    }

    @Test
    void concatenatedAndSkippableFrames() {
        ZstdCli.require();
        byte[] a = text(50_000, 31);
        byte[] b = binary(70_000, 32);
        byte[] zst = cat(skippable(0, 10), ZstdCli.file(a, "-3"), skippable(7, 0), skippable(15, 300_000),
                ZstdCli.stream(b, "-1", "--no-check"), ZstdCli.file(new byte[0]), skippable(3, 5));
        assertArrayEquals(cat(a, b), ZstdCli.decompress(zst), "the command agrees");
        assertDecodes(cat(a, b), zst, "frames and skippable frames");
        assertDecodes(new byte[0], skippable(1, 100), "a skippable frame alone");
    }

    static byte[] skippable(int nibble, int size) {
        byte[] f = new byte[8 + size];
        f[0] = (byte) (0x50 + nibble);
        f[1] = 0x2a;
        f[2] = 0x4d;
        f[3] = 0x18;
        f[4] = (byte) size;
        f[5] = (byte) (size >> 8);
        f[6] = (byte) (size >> 16);
        new Random(size).nextBytes(Arrays.copyOfRange(f, 8, f.length));
        Arrays.fill(f, 8, f.length, (byte) 0xfd);
        return f;
    }

    /** A frame of RLE blocks: window 128 KiB, no content size, {@code blocks} blocks of 128 KiB of 'A'. */
    static byte[] rleBomb(int blocks) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0x00, 7 << 3});
        for (int i = 0; i < blocks; i++) {
            int h = (i == blocks - 1 ? 1 : 0) | 1 << 1 | (128 * 1024) << 3;
            o.writeBytes(new byte[] {(byte) h, (byte) (h >> 8), (byte) (h >> 16), 'A'});
        }
        return o.toByteArray();
    }

    @Test
    void handcraftedFrames() {
        // RLE blocks, checked by hand: 3 blocks of 128 KiB
        Run run = Run.of(rleBomb(3), new Random(3), 5);
        assertTrue(run.complete, run.stopped);
        byte[] as = new byte[3 * 128 * 1024];
        Arrays.fill(as, (byte) 'A');
        assertArrayEquals(as, run.bytes());
        // A frame that needs dictionary 7: descriptor DID flag 1, window byte, id, then a raw block.
        byte[] dict = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0x01, 0x00, 7, 1 | 0 << 1 | 2 << 3, 0, 0, 'h', 'i'};
        run = Run.of(dict, new Random(4), 3);
        assertEquals(List.of("http.zstd_dictionary_required"), run.anomalies);
        assertArrayEquals(dict, run.bytes(), "raw bytes kept");
        assertTrue(run.complete);
        // Dictionary id 0 means none: decoded.
        byte[] noDict = dict.clone();
        noDict[6] = 0;
        run = Run.of(noDict, new Random(5), 3);
        assertTrue(run.complete, run.stopped);
        assertEquals("hi", run.out.toString(StandardCharsets.US_ASCII));
        // Reserved bit of the descriptor
        byte[] reserved = noDict.clone();
        reserved[4] |= 8;
        run = Run.of(reserved, new Random(6), 100);
        assertEquals(List.of("http.content_decode_failed"), run.anomalies);
        assertFalse(run.complete);
        // Reserved block type
        byte[] badType = noDict.clone();
        badType[7] = (byte) (1 | 3 << 1 | 2 << 3);
        run = Run.of(badType, new Random(7), 100);
        assertEquals(List.of("http.content_decode_failed"), run.anomalies);
        // Not zstd at all: passed through raw, as for the other codings.
        byte[] plain = "plain text, not zstd".getBytes(StandardCharsets.US_ASCII);
        run = Run.of(plain, new Random(8), 3);
        assertEquals(List.of("http.content_decode_failed"), run.anomalies);
        assertArrayEquals(plain, run.bytes());
        assertTrue(run.complete);
        // Bytes after the last frame
        run = Run.of(cat(noDict, "junk".getBytes(StandardCharsets.US_ASCII)), new Random(9), 2);
        assertEquals(List.of("http.content_trailing_data"), run.anomalies);
        assertEquals("hi", run.out.toString(StandardCharsets.US_ASCII));
        assertTrue(run.complete);
        // Declared content size 3 for 2 bytes: single segment, FCS 1 byte.
        byte[] fcs = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0x20, 3, 1 | 0 << 1 | 2 << 3, 0, 0, 'h', 'i'};
        run = Run.of(fcs, new Random(10), 100);
        assertEquals(List.of("http.content_decode_failed"), run.anomalies);
        assertFalse(run.complete);
    }

    @Test
    void checksumMismatchIsNamedAndTheDataKept() {
        ZstdCli.require();
        byte[] data = text(40_000, 41);
        byte[] zst = ZstdCli.file(data, "-3", "--check");
        zst[zst.length - 1] ^= 0x55;
        Run run = Run.of(zst, new Random(1), 999);
        assertEquals(List.of("http.content_crc_mismatch"), run.anomalies);
        assertArrayEquals(data, run.bytes());
        assertTrue(run.complete);
    }

    @Test
    void memoryIsChargedAndBounded() {
        ZstdCli.require();
        byte[] data = cat(text(3 << 20, 51), binary(1 << 20, 52));
        byte[] zst = ZstdCli.stream(data, "-3"); // 2 MiB window, no content size
        Run run = Run.of(zst, new Random(1), 1460);
        assertArrayEquals(data, run.bytes());
        long window = 2 << 20;
        assertTrue(run.peakHeld >= window, "window charged: " + run.peakHeld);
        assertTrue(run.peakHeld <= window + 4 * 128 * 1024 + ZstdBlock.TABLE_BYTES + ContentDecoder.PROBE_MAX,
                "at most the window, one block in and one out, literals and tables: " + run.peakHeld);
        // A small body behind a large declared window costs what it decodes to, not the window.
        Run small = Run.of(ZstdCli.stream(text(5000, 53), "-19"), new Random(2), 1460);
        assertTrue(small.complete);
        assertTrue(small.peakHeld < 512 * 1024, "small body held " + small.peakHeld);
        // Without room: http.memcap, the entity ends incomplete.
        Run starved = Run.of(zst, new Random(3), 1460, new HttpMemory(1 << 20));
        assertTrue(starved.anomalies.contains("http.memcap"), starved.anomalies.toString());
        assertFalse(starved.complete);
    }

    /** Returns the offsets at which each block header of a one-frame body starts, and the offset past its end. */
    static List<Integer> blockStarts(byte[] zst) {
        int d = zst[4] & 0xff;
        boolean single = (d & 0x20) != 0;
        int fcs = (d >> 6) == 0 ? (single ? 1 : 0) : 1 << (d >> 6);
        int did = (d & 3) == 3 ? 4 : d & 3;
        int p = 5 + (single ? 0 : 1) + did + fcs;
        List<Integer> starts = new ArrayList<>();
        while (true) {
            starts.add(p);
            int h = (zst[p] & 0xff) | (zst[p + 1] & 0xff) << 8 | (zst[p + 2] & 0xff) << 16;
            p += 3 + (((h >> 1) & 3) == 1 ? 1 : h >>> 3);
            if ((h & 1) != 0) {
                starts.add(p);
                return starts;
            }
        }
    }

    @Test
    void cutsAtEveryBlockBoundaryEndTruncated() {
        ZstdCli.require();
        byte[] data = cat(text(400_000, 61), random(140_000, 62), binary(300_000, 63));
        byte[] zst = ZstdCli.file(data, "-3", "--check");
        List<Integer> starts = blockStarts(zst);
        assertTrue(starts.size() > 6, "several blocks: " + starts);
        for (int s : starts) {
            for (int cut : new int[] {s - 1, s, s + 1, s + 3, s + 4}) {
                if (cut <= 0 || cut >= zst.length) {
                    continue;
                }
                Run run = Run.of(Arrays.copyOf(zst, cut), new Random(cut), 3000);
                assertFalse(run.complete, "cut at " + cut);
                assertEquals(List.of("http.content_truncated"), run.anomalies, "cut at " + cut);
                byte[] got = run.bytes();
                assertArrayEquals(Arrays.copyOf(data, got.length), got, "a prefix of the content, cut at " + cut);
            }
        }
    }

    @Test
    void bitFlipsEndInAnAnomalyOrTheRightBytes() {
        ZstdCli.require();
        byte[] data = cat(text(150_000, 71), binary(60_000, 72));
        byte[] zst = ZstdCli.file(data, "-19", "--check");
        Random r = new Random(73);
        int wrongButQuiet = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] bad = zst.clone();
            int flips = 1 + r.nextInt(3);
            for (int f = 0; f < flips; f++) {
                int at = 4 + r.nextInt(bad.length - 4);
                bad[at] ^= (byte) (1 << r.nextInt(8));
            }
            Run run = Run.of(bad, r, 1 + r.nextInt(5000));
            if (run.anomalies.isEmpty()) {
                assertTrue(run.complete);
                if (!Arrays.equals(data, run.bytes())) {
                    wrongButQuiet++;
                }
            } else if (!run.complete) {
                byte[] got = run.bytes();
                assertTrue(got.length <= data.length, "more bytes than the content");
            }
        }
        assertEquals(0, wrongButQuiet, "damaged bodies that decoded to other bytes without an anomaly (the checksum must catch them)");
    }
}
