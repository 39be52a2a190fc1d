package io.spanwatch.sensor.capture;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review of aabf0f3: a stream must read like the same bytes as a plain file. Each test shows one defect. */
class CaptureInputReviewTest {
    @TempDir
    Path dir;

    private static final int WINDOW = CaptureFile.MAX_BLOCK_BYTES + 8;

    record Read(int frames, CaptureStats stats, String warning) {
    }

    private static Read read(CaptureFile f) throws CaptureException {
        int[] n = {0};
        try (f) {
            f.run((ts, link, buf, off, capLen, wireLen) -> n[0]++);
            return new Read(n[0], f.stats(), f.warning());
        }
    }

    /** A pcapng of {@code n} packets of 1,000 random bytes; {@code ends} gets each block's end offset. */
    private static byte[] pcapng(int n, List<Integer> ends) {
        Random r = new Random(n);
        PcapngBuilder ng = new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN).iface(LinkType.ETHERNET, -1, 0);
        for (int i = 0; i < n; i++) {
            byte[] d = new byte[1000];
            r.nextBytes(d);
            ng.epb(0, i, d, d.length);
            if (ends != null) {
                ends.add(ng.bytes().length);
            }
        }
        return ng.bytes();
    }

    /**
     * A gzip pcapng that lacks its last bytes (a download or copy cut short, the gzip trailer missing):
     * every packet is there, yet open() refuses the capture because the cut lies inside the 64 KiB
     * head read at open. The same cut further in gives frames and a warning; README: "a capture cut
     * short or damaged inside its compression is analysed up to the damage with a warning".
     */
    @Test
    void aSmallGzipPcapngCutShortIsReadWithAWarningNotRefused() throws Exception {
        byte[] capture = pcapng(20, null); // 21 KB: all of it inside the head
        byte[] packed = CompressedCaptureTest.gzip(capture);
        Path p = dir.resolve("small.pcapng.gz");
        Files.write(p, Arrays.copyOf(packed, packed.length - 4)); // the ISIZE field gone
        Read got = read(CaptureFile.open(p, WINDOW));
        assertEquals(20, got.frames());
        assertTrue(got.stats().truncated());
    }

    /**
     * The same for zstd, cut after its second block: the frames of the whole blocks before the cut are
     * read, with a warning. (zstd decodes whole blocks, as the zstd tool does: a cut inside the first
     * block leaves nothing decodable, and that file is refused with the decoder's reason.)
     */
    @Test
    void aZstdPcapngCutInsideItsHeadIsReadWithAWarningNotRefused() throws Exception {
        byte[] capture = pcapng(2000, null); // 2 MB of random payloads: raw blocks of 128 KiB
        byte[] packed = CompressedCaptureTest.zstd(capture);
        Path p = dir.resolve("cut.pcapng.zst");
        Files.write(p, Arrays.copyOf(packed, 300_000));
        Read got = read(CaptureFile.open(p, WINDOW));
        assertTrue(got.frames() > 200, "the frames before the cut: " + got.frames());
        assertTrue(got.stats().truncated());
        Path early = dir.resolve("cut-early.pcapng.zst");
        Files.write(early, Arrays.copyOf(packed, 30_000));
        CaptureException e = assertThrows(CaptureException.class, () -> CaptureFile.open(early, WINDOW));
        assertEquals(early + ": cannot read its zstd data: Truncated source", e.getMessage());
    }

    /** A gzip file whose trailer is cut is refused with a message ending in "null" (EOFException's message). */
    @Test
    void aCutGzipFileIsNamedWithAReasonNotNull() throws Exception {
        Path p = dir.resolve("head-only.pcap.gz");
        Files.write(p, new byte[] {0x1f, (byte) 0x8b, 8, 0}); // cut inside the gzip header
        CaptureException e = assertThrows(CaptureException.class, () -> CaptureFile.open(p, WINDOW));
        assertFalse(e.getMessage().endsWith(": null"), e.getMessage());
    }

    /**
     * The stream's header check sees only the 64 KiB head, the plain file's all blocks before the first
     * packet: a pcapng whose first interface has an unsupported link type and whose supported one comes
     * after a large block (a Decryption Secrets Block of TLS keys, say) is read as a file and refused
     * as the same file gzip-compressed, or on a pipe.
     */
    @Test
    void aStreamAcceptsThePcapngThePlainFileAccepts() throws Exception {
        byte[] frame = new byte[200];
        new Random(1).nextBytes(frame);
        byte[] capture = new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN)
                .iface(147, -1, 0) // LINKTYPE_USER0: not decodable
                .block(0x0000000A, new byte[80_000]) // a Decryption Secrets Block, past the head
                .iface(LinkType.ETHERNET, -1, 0)
                .epb(1, 1, frame, frame.length)
                .bytes();
        Path plain = dir.resolve("c.pcapng");
        Files.write(plain, capture);
        assertEquals(1, read(CaptureFile.open(plain, WINDOW)).frames(), "the plain file");
        Path gz = dir.resolve("c.pcapng.gz");
        Files.write(gz, CompressedCaptureTest.gzip(capture));
        assertEquals(1, read(CaptureFile.open(gz, WINDOW)).frames(), "the same bytes gzip-compressed");
    }

    /**
     * A gzip file of two members whose second member's header is damaged: the JDK's GZIPInputStream
     * takes what follows a member and does not parse as a header for trailing garbage and ends the
     * stream, so half the capture is dropped with truncated=false and no warning.
     */
    @Test
    void aDamagedSecondGzipMemberIsNotTakenForTheEnd() throws Exception {
        List<Integer> ends = new ArrayList<>();
        byte[] capture = pcapng(40, ends);
        int split = ends.get(19); // members split between whole blocks, as a writer flushing members does
        byte[] first = CompressedCaptureTest.gzip(Arrays.copyOf(capture, split));
        byte[] second = CompressedCaptureTest.gzip(Arrays.copyOfRange(capture, split, capture.length));
        second[0] = 0; // one damaged byte: the second member's magic
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        Path p = dir.resolve("members.pcapng.gz");
        Files.write(p, both);
        Read got = read(CaptureFile.open(p, WINDOW));
        assertEquals(20, got.frames(), "the first member's frames");
        assertTrue(got.stats().truncated(), "damage inside the compression must be flagged; warning: " + got.warning());
    }
}
