package io.spanwatch.sensor.capture;

import static org.junit.jupiter.api.Assertions.*;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Captures read as streams: gzip and zstd files, named pipes, and captures cut or damaged inside their
 * compression. Each is compared with the same capture read as a plain file.
 */
class CompressedCaptureTest {
    @TempDir
    Path dir;

    /** The smallest window the reader accepts: several windows per test capture. */
    private static final int WINDOW = CaptureFile.MAX_BLOCK_BYTES + 8;

    record Rec(long ts, int linkType, byte[] data, int wireLen) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Rec r && r.ts == ts && r.linkType == linkType && Arrays.equals(r.data, data) && r.wireLen == wireLen;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(ts) ^ Arrays.hashCode(data);
        }
    }

    record Read(List<Rec> recs, CaptureStats stats, String warning) {
    }

    private static Read read(CaptureFile f) throws CaptureException {
        List<Rec> recs = new ArrayList<>();
        try (f) {
            f.run((ts, link, buf, off, capLen, wireLen) -> recs.add(new Rec(ts, link, Arrays.copyOfRange(buf, off, off + capLen), wireLen)));
            return new Read(recs, f.stats(), f.warning());
        }
    }

    /** A classic pcap of {@code n} frames of 60 to 9,000 random bytes (about 4.5 KB each on average). */
    private static byte[] classic(int n, long seed) throws IOException {
        Random r = new Random(seed);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(bos, LinkType.ETHERNET, false, ByteOrder.LITTLE_ENDIAN, 65535)) {
            for (int i = 0; i < n; i++) {
                byte[] f = new byte[60 + r.nextInt(9000)];
                r.nextBytes(f);
                w.write(1_700_000_000_000_000_000L + i * 1_000L, f, 0, f.length, f.length);
            }
        }
        return bos.toByteArray();
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(bos)) {
            z.write(b);
        }
        return bos.toByteArray();
    }

    static byte[] zstd(byte[] b) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZstdOutputStream z = new ZstdOutputStream(bos, 3)) {
            z.setChecksum(true); // as the zstd tool writes frames
            z.write(b);
        }
        return bos.toByteArray();
    }

    private Path write(String name, byte[] b) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    private Read plain(byte[] capture) throws IOException, CaptureException {
        return read(CaptureFile.open(write("plain-" + System.nanoTime() + ".pcap", capture), WINDOW));
    }

    @Test
    void aGzipOrZstdFileYieldsTheFramesOfThePlainFile() throws Exception {
        byte[] capture = classic(600, 1); // about 2.7 MB: several windows
        Read want = plain(capture);
        assertEquals(600, want.recs().size());
        for (String kind : List.of("gzip", "zstd")) {
            byte[] packed = kind.equals("gzip") ? gzip(capture) : zstd(capture);
            Path p = write("c.pcap." + kind, packed);
            CaptureFile f = CaptureFile.open(p, WINDOW);
            assertEquals(kind, f.compression());
            assertEquals(-1, f.size(), "a stream's size is known only at its end");
            assertEquals(packed.length, f.storedSize());
            Read got = read(f);
            assertEquals(want.recs(), got.recs(), kind);
            assertEquals(want.stats(), got.stats(), kind);
            assertNull(got.warning(), kind);
            assertEquals(packed.length, f.storedRead(), kind + ": every stored byte read");
        }
    }

    @Test
    void aGzipFileOfSeveralMembersIsReadToItsLastMember() throws Exception {
        // `cat a.pcap.gz b.gz > c.pcap.gz`, or a writer that flushes whole members: gzip(1) reads them all.
        byte[] capture = classic(200, 2);
        int cut = capture.length / 3;
        byte[] first = gzip(Arrays.copyOfRange(capture, 0, cut));
        byte[] second = gzip(Arrays.copyOfRange(capture, cut, capture.length));
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        assertEquals(plain(capture).recs(), read(CaptureFile.open(write("members.pcap.gz", both), WINDOW)).recs());
    }

    @Test
    void gzipsOwnFilesWithTheirNameAndCommentAreReadAndAWrongCrcIsNamed() throws Exception {
        byte[] capture = classic(150, 10);
        Path plainFile = write("named.pcap", capture);
        // gzip(1) keeps the file's name in the header (FNAME); the comment and header CRC by hand
        Process gz = new ProcessBuilder("gzip", "-k", "-f", plainFile.toString()).inheritIO().start();
        assertEquals(0, gz.waitFor(), "gzip");
        byte[] named = Files.readAllBytes(dir.resolve("named.pcap.gz"));
        assertEquals(8, named[3] & 0xff, "gzip wrote the name");
        Read want = plain(capture);
        assertEquals(want.recs(), read(CaptureFile.open(dir.resolve("named.pcap.gz"), WINDOW)).recs());
        byte[] packed = gzip(capture);
        ByteArrayOutputStream flagged = new ByteArrayOutputStream();
        flagged.write(packed, 0, 3);
        flagged.write(4 | 16 | 2); // FEXTRA, FCOMMENT, FHCRC
        flagged.write(packed, 4, 6);
        flagged.writeBytes(new byte[] {3, 0, 'a', 'b', 'c'}); // XLEN 3 and the extra field
        flagged.writeBytes("a comment\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        java.util.zip.CRC32 headerCrc = new java.util.zip.CRC32();
        headerCrc.update(flagged.toByteArray());
        flagged.write((int) headerCrc.getValue() & 0xff); // the header CRC, as gzip(1) checks it
        flagged.write((int) (headerCrc.getValue() >> 8) & 0xff);
        flagged.write(packed, 10, packed.length - 10);
        byte[] flaggedBytes = flagged.toByteArray();
        assertEquals(want.recs(), read(CaptureFile.open(write("flagged.pcap.gz", flaggedBytes), WINDOW)).recs());
        flaggedBytes[25] ^= 1; // the header CRC (10 + 2 + 3 + 10 bytes of header before it)
        Path badHeader = write("bad-header.pcap.gz", flaggedBytes);
        CaptureException e = assertThrows(CaptureException.class, () -> CaptureFile.open(badHeader, WINDOW));
        assertEquals(badHeader + ": cannot read its gzip data: gzip member 1 fails its header CRC (file offset 0)", e.getMessage());
        byte[] badCrc = packed.clone();
        badCrc[badCrc.length - 8] ^= 1;
        Path bad = write("bad-crc.pcap.gz", badCrc);
        Read got = read(CaptureFile.open(bad, WINDOW));
        assertEquals(want.recs(), got.recs(), "the frames themselves were whole");
        assertTrue(got.stats().truncated());
        assertTrue(got.warning().contains("gzip member 1 fails its CRC-32 check"), got.warning());
    }

    @Test
    void aPcapngStreamSkipsBlocksLargerThanTheWindow() throws Exception {
        Random r = new Random(3);
        PcapngBuilder ng = new PcapngBuilder().section(ByteOrder.BIG_ENDIAN).iface(LinkType.ETHERNET, 9, 0);
        for (int i = 0; i < 40; i++) {
            byte[] f = new byte[100 + r.nextInt(3000)];
            r.nextBytes(f);
            ng.epb(0, 1_000_000L * i, f, f.length);
            if (i % 10 == 3) {
                ng.block(0x0BAD, new byte[WINDOW + 4096 * i]); // an unknown block past the window: skipped
            }
        }
        byte[] capture = ng.bytes();
        Read want = plain(capture);
        assertEquals(40, want.recs().size());
        Read got = read(CaptureFile.open(write("big-blocks.pcapng.gz", gzip(capture)), WINDOW));
        assertEquals(want.recs(), got.recs());
        assertNull(got.warning());
        // and through a stream that hands out a few bytes at a time, as a pipe may
        Read trickled = read(CaptureFile.openStream(Path.of("pipe"), new Trickle(new ByteArrayInputStream(capture), 7), WINDOW));
        assertEquals(want.recs(), trickled.recs());
    }

    @Test
    void aStreamCutInsideARecordEndsLikeACutFile() throws Exception {
        byte[] capture = classic(100, 4);
        byte[] cutCapture = Arrays.copyOf(capture, capture.length - 1000);
        Read want = plain(cutCapture);
        Read got = read(CaptureFile.openStream(Path.of("cut"), new ByteArrayInputStream(cutCapture), WINDOW));
        assertEquals(want.recs(), got.recs());
        assertTrue(got.stats().truncated());
        assertTrue(got.warning().startsWith("cut: truncated at offset "), got.warning());
    }

    @Test
    void aCompressedFileCutShortKeepsEveryFrameBeforeTheCutAndSaysSo() throws Exception {
        byte[] capture = classic(400, 5);
        List<Rec> all = plain(capture).recs();
        for (String kind : List.of("gzip", "zstd")) {
            byte[] packed = kind.equals("gzip") ? gzip(capture) : zstd(capture);
            Path p = write("cut.pcap." + kind, Arrays.copyOf(packed, packed.length / 2));
            Read got = read(CaptureFile.open(p, WINDOW));
            assertTrue(got.recs().size() > 50, kind + ": the frames before the cut: " + got.recs().size());
            assertEquals(all.subList(0, got.recs().size()), got.recs(), kind + ": the frames read are the capture's first");
            assertTrue(got.stats().truncated(), kind);
            assertTrue(got.warning() != null && got.warning().startsWith(p + ": "), kind + ": " + got.warning());
        }
    }

    @Test
    void damagedCompressedDataStopsTheReadWithAWarningNeverAnException() throws Exception {
        byte[] capture = classic(300, 6);
        Random r = new Random(7);
        for (String kind : List.of("gzip", "zstd")) {
            for (int round = 0; round < 20; round++) {
                byte[] packed = kind.equals("gzip") ? gzip(capture) : zstd(capture);
                for (int i = 0; i < 4; i++) {
                    packed[100 + r.nextInt(packed.length - 100)] ^= (byte) (1 + r.nextInt(255));
                }
                Path p = write("damaged-" + round + ".pcap." + kind, packed);
                CaptureFile f;
                try {
                    f = CaptureFile.open(p, WINDOW);
                } catch (CaptureException e) {
                    assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
                    continue;
                }
                Read got = read(f);
                assertTrue(got.stats().truncated(), kind + " round " + round + ": damage found, " + got.recs().size() + " frames");
                assertTrue(got.warning().startsWith(p + ": "), got.warning());
            }
        }
    }

    @Test
    void otherCompressionsAndDamagedHeadsAreNamedAtOpen() throws Exception {
        record Case(String name, byte[] content, String says) {
        }
        byte[] text = "GET / HTTP/1.1\r\n\r\n".getBytes();
        List<Case> cases = List.of(
                new Case("c.pcap.xz", new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 1, 2}, ": xz-compressed; "),
                new Case("c.pcap.bz2", "BZh91AY&SY".getBytes(), ": bzip2-compressed; "),
                new Case("c.pcap.lz4", new byte[] {0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, (byte) 0xa7}, ": lz4-compressed; "),
                new Case("c.zip", new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0}, ": zip-compressed; "),
                new Case("text.gz", gzip(text), ": after gzip decompression: not a pcap or pcapng file (magic 0x47455420)"),
                new Case("empty.gz", gzip(new byte[0]), ": empty after gzip decompression (0 bytes)"),
                new Case("short.zst", zstd(new byte[] {(byte) 0xd4, (byte) 0xc3}), ": after zstd decompression: file of 2 bytes is too short"),
                new Case("garbage.gz", new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, (byte) 0xff, (byte) 0xff, 1, 2}, ": cannot read its gzip data: "));
        for (Case c : cases) {
            Path p = write(c.name(), c.content());
            CaptureException e = assertThrows(CaptureException.class, () -> CaptureFile.open(p, WINDOW), c.name());
            assertTrue(e.getMessage().startsWith(p + c.says()), c.name() + ": " + e.getMessage());
        }
    }

    @Test
    void aZstdFrameAskingForAHugeWindowIsRefused() throws Exception {
        byte[] capture = classic(20, 8);
        assertTrue(capture.length < 128 * 1024, "one raw block");
        // The same frame twice, written by hand: a window of 2^27 bytes (decoded) and of 2^30 (1 GiB of
        // native memory to decode; zstd(1) itself wants --long=30 for it).
        Read want = plain(capture);
        assertEquals(want.recs(), read(CaptureFile.open(write("window-27.pcap.zst", rawZstdFrame(27, capture)), WINDOW)).recs());
        Path p = write("window-30.pcap.zst", rawZstdFrame(30, capture));
        CaptureException e = assertThrows(CaptureException.class, () -> CaptureFile.open(p, WINDOW));
        assertTrue(e.getMessage().startsWith(p + ": cannot read its zstd data: "), e.getMessage());
    }

    /** A zstd frame (RFC 8878 §3.1.1) of one raw block holding {@code content}, declaring a window of 2^windowLog. */
    private static byte[] rawZstdFrame(int windowLog, byte[] content) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd});
        b.write(0); // frame header descriptor: no single segment, no checksum, no dictionary, no content size
        b.write((windowLog - 10) << 3); // window descriptor: exponent, no mantissa
        int header = 1 | content.length << 3; // last block, raw, its size
        b.write(header & 0xff);
        b.write(header >> 8 & 0xff);
        b.write(header >> 16 & 0xff);
        b.writeBytes(content);
        return b.toByteArray();
    }

    @Test
    void aNamedPipeIsReadAsAStream() throws Exception {
        Path fifo = dir.resolve("capture.fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mk.waitFor(), "mkfifo");
        byte[] capture = classic(300, 9);
        byte[] packed = gzip(capture);
        Thread writer = Thread.ofPlatform().start(() -> {
            try (OutputStream o = Files.newOutputStream(fifo)) {
                for (int at = 0; at < packed.length; at += 4096) {
                    o.write(packed, at, Math.min(4096, packed.length - at));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        CaptureFile f = CaptureFile.open(fifo, WINDOW);
        assertEquals(-1, f.storedSize(), "a pipe's size is not known");
        assertEquals("gzip", f.compression());
        Read got = read(f);
        writer.join();
        assertEquals(plain(capture).recs(), got.recs());
        assertNull(got.warning());
    }

    /** Hands out at most {@code most} bytes per read, as a pipe does. */
    static final class Trickle extends FilterInputStream {
        private final int most;

        Trickle(InputStream in, int most) {
            super(in);
            this.most = most;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, most));
        }
    }
}
