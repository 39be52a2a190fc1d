package io.spanwatch.sensor.capture;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptureFileTest {
    @TempDir
    Path dir;

    /** One frame as the sink saw it (bytes copied, as a sink that keeps them must). */
    record Rec(long ts, int linkType, byte[] data, int wireLen) {
    }

    static final class Collect implements FrameSink {
        final List<Rec> recs = new ArrayList<>();

        @Override
        public void frame(long tsNanos, int linkType, byte[] buf, int off, int capLen, int wireLen) {
            recs.add(new Rec(tsNanos, linkType, Arrays.copyOfRange(buf, off, off + capLen), wireLen));
        }
    }

    private static List<Rec> readAll(CaptureFile f) throws CaptureException {
        Collect c = new Collect();
        f.run(c);
        return c.recs;
    }

    private Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static byte[] frame(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] classic(boolean nanos, ByteOrder order, int linkType, long[] ts, byte[][] frames,
            int[] wire) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(bos, linkType, nanos, order, 65535)) {
            for (int i = 0; i < frames.length; i++) {
                w.write(ts[i], frames[i], 0, frames[i].length, wire[i]);
            }
        }
        return bos.toByteArray();
    }

    @Test
    void classicRoundTripMicroAndNanoBothByteOrders() throws Exception {
        long[] ts = {1_700_000_000_123_456_789L, 1_700_000_001_000_000_001L, 4_000_000_000_999_999_999L};
        byte[][] frames = {frame(60, 1), frame(1514, 2), frame(0, 3)};
        int[] wire = {60, 9000, 0};
        for (boolean nanos : new boolean[] {false, true}) {
            for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
                Path p = write("rt-" + nanos + order + ".pcap", classic(nanos, order, LinkType.ETHERNET, ts, frames, wire));
                try (CaptureFile f = CaptureFile.open(p)) {
                    assertFalse(f.isPcapng());
                    List<Rec> recs = readAll(f);
                    assertEquals(3, recs.size());
                    for (int i = 0; i < 3; i++) {
                        long expect = nanos ? ts[i] : ts[i] / 1000 * 1000;
                        assertEquals(expect, recs.get(i).ts(), "timestamp " + i + " nanos=" + nanos + " " + order);
                        assertEquals(LinkType.ETHERNET, recs.get(i).linkType());
                        assertArrayEquals(frames[i], recs.get(i).data());
                        assertEquals(wire[i], recs.get(i).wireLen());
                    }
                    CaptureStats s = f.stats();
                    assertEquals(3, s.packets());
                    assertEquals(60 + 1514, s.bytes());
                    assertFalse(s.truncated());
                    assertNull(f.warning());
                }
            }
        }
    }

    /**
     * A "modified" pcap (magic a1b2cd34) of Kuznetsov's patched tcpdump, written here field by field:
     * 24-byte records whose last 8 bytes (interface index, protocol, packet type, pad) are not data.
     */
    private static byte[] modified(ByteOrder order, int linkType, long[] tsMicros, byte[][] frames, int[] wire) {
        int size = 24;
        for (byte[] f : frames) {
            size += 24 + f.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(order);
        b.putInt(CaptureFile.PCAP_MAGIC_MODIFIED).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(linkType);
        for (int i = 0; i < frames.length; i++) {
            b.putInt((int) (tsMicros[i] / 1_000_000)).putInt((int) (tsMicros[i] % 1_000_000)).putInt(frames[i].length).putInt(wire[i]);
            b.putInt(2 + i).putShort((short) 0x0800).put((byte) 4).put((byte) 0); // ifindex, protocol, pkt_type (outgoing), pad
            b.put(frames[i]);
        }
        return b.array();
    }

    @Test
    void modifiedPcapRecordsCarryEightBytesMoreInBothByteOrders() throws Exception {
        int n = 400;
        Random rnd = new Random(11);
        long[] ts = new long[n];
        byte[][] frames = new byte[n][];
        int[] wire = new int[n];
        for (int i = 0; i < n; i++) {
            ts[i] = 1_100_000_000_000_000L + 1_000_003L * i;
            frames[i] = frame(i == 77 ? CaptureFile.MAX_CAPLEN : rnd.nextInt(1600), 100 + i);
            wire[i] = frames[i].length + (i % 3);
        }
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            byte[] content = modified(order, LinkType.ETHERNET, ts, frames, wire);
            Path p = write("modified-" + order + ".pcap", content);
            // small windows, so records and their longer headers cross window edges
            try (CaptureFile f = CaptureFile.open(p, CaptureFile.MAX_BLOCK_BYTES + 64)) {
                assertFalse(f.isPcapng());
                List<Rec> recs = readAll(f);
                assertEquals(n, recs.size(), order.toString());
                for (int i = 0; i < n; i++) {
                    check(recs.get(i), ts[i] * 1000, LinkType.ETHERNET, frames[i], wire[i]);
                }
                assertFalse(f.stats().truncated());
                assertNull(f.warning());
            }
            // read as a stream (a pipe or a compressed file takes that path)
            try (CaptureFile f = CaptureFile.openStream(p, new java.io.ByteArrayInputStream(content), CaptureFile.MAX_BLOCK_BYTES + 64)) {
                List<Rec> recs = readAll(f);
                assertEquals(n, recs.size());
                check(recs.get(n - 1), ts[n - 1] * 1000, LinkType.ETHERNET, frames[n - 1], wire[n - 1]);
            }
            // cut inside the last record's 24-byte header: read up to the cut, which is named
            int lastHeader = content.length - 24 - frames[n - 1].length;
            Path cut = write("modified-cut-" + order + ".pcap", Arrays.copyOf(content, lastHeader + 20));
            try (CaptureFile f = CaptureFile.open(cut)) {
                assertEquals(n - 1, readAll(f).size());
                assertTrue(f.stats().truncated());
                assertTrue(f.warning().contains("record header needs 24 bytes, 20 left"), f.warning());
            }
        }
    }

    @Test
    void manyFramesAcrossSmallWindows() throws Exception {
        Random rnd = new Random(7);
        int n = 3000;
        long[] ts = new long[n];
        byte[][] frames = new byte[n][];
        int[] wire = new int[n];
        for (int i = 0; i < n; i++) {
            ts[i] = 1_000_000_000L * i + i;
            frames[i] = frame(i == 1234 ? CaptureFile.MAX_CAPLEN : rnd.nextInt(2000), i);
            wire[i] = frames[i].length;
        }
        Path p = write("many.pcap", classic(true, ByteOrder.LITTLE_ENDIAN, LinkType.RAW, ts, frames, wire));
        try (CaptureFile f = CaptureFile.open(p, CaptureFile.MAX_BLOCK_BYTES + 64)) {
            List<Rec> recs = readAll(f);
            assertEquals(n, recs.size());
            for (int i = 0; i < n; i++) {
                assertArrayEquals(frames[i], recs.get(i).data(), "frame " + i);
                assertEquals(ts[i], recs.get(i).ts());
            }
            assertFalse(f.stats().truncated());
        }
    }

    @Test
    void truncatedClassicFileIsReadUpToTheCut() throws Exception {
        long[] ts = {1, 2, 3};
        byte[][] frames = {frame(100, 1), frame(200, 2), frame(300, 3)};
        byte[] whole = classic(false, ByteOrder.BIG_ENDIAN, LinkType.ETHERNET, ts, frames, new int[] {100, 200, 300});
        int lastStart = 24 + 16 + 100 + 16 + 200;
        for (int cut = lastStart + 1; cut < whole.length; cut++) {
            Path p = write("cut.pcap", Arrays.copyOf(whole, cut));
            try (CaptureFile f = CaptureFile.open(p)) {
                List<Rec> recs = readAll(f);
                assertEquals(2, recs.size(), "cut at " + cut);
                assertTrue(f.stats().truncated());
                assertEquals(2, f.stats().packets());
                assertTrue(f.warning().contains("truncated at offset " + lastStart), f.warning());
            }
        }
        Path headerOnly = write("header.pcap", Arrays.copyOf(whole, 24));
        try (CaptureFile f = CaptureFile.open(headerOnly)) {
            assertTrue(readAll(f).isEmpty());
            assertFalse(f.stats().truncated());
        }
    }

    /**
     * A file cut short after it was opened (a capture rotated or truncated by another program while it
     * is read): the frames before the cut are delivered, the read stops with a warning naming the
     * offset, and nothing is thrown (a mapped file read past its new end would have killed the thread
     * with SIGBUS's InternalError).
     */
    @Test
    void aFileShortenedWhileReadEndsTheReadWithAWarning() throws Exception {
        int n = 1000; // 1 MB, three windows of the smallest size
        long[] ts = new long[n];
        byte[][] frames = new byte[n][];
        int[] wire = new int[n];
        for (int i = 0; i < n; i++) {
            ts[i] = 1_000_000_000L * i;
            frames[i] = frame(1000, i);
            wire[i] = 1000;
        }
        Path p = write("shrinks.pcap", classic(false, ByteOrder.LITTLE_ENDIAN, LinkType.ETHERNET, ts, frames, wire));
        int window = CaptureFile.MAX_BLOCK_BYTES + 64; // the smallest window: the cut falls in a later one
        long keep = CaptureFile.MAX_BLOCK_BYTES + 64 + 10 * 1016L + 100;
        try (CaptureFile f = CaptureFile.open(p, window)) {
            try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(p.toFile(), "rw")) {
                raf.setLength(keep);
            }
            List<Rec> recs = readAll(f);
            long whole = (keep - 24) / 1016;
            assertEquals(whole, recs.size(), "the frames wholly before the cut");
            for (int i = 0; i < recs.size(); i++) {
                assertArrayEquals(frames[i], recs.get(i).data(), "frame " + i);
            }
            assertTrue(f.stats().truncated());
            assertTrue(f.warning().contains("read error at offset " + keep), f.warning());
        }
    }

    @Test
    void absurdCaplenEndsTheReadWithTheOffset() throws Exception {
        long[] ts = {1, 2, 3};
        byte[][] frames = {frame(100, 1), frame(200, 2), frame(300, 3)};
        byte[] b = classic(false, ByteOrder.LITTLE_ENDIAN, LinkType.ETHERNET, ts, frames, new int[] {100, 200, 300});
        int second = 24 + 16 + 100;
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(second + 8, 300_000);
        try (CaptureFile f = CaptureFile.open(write("absurd.pcap", b))) {
            assertEquals(1, readAll(f).size());
            assertTrue(f.stats().truncated());
            assertTrue(f.warning().contains("corrupt record at offset " + second), f.warning());
            assertTrue(f.warning().contains("300000"), f.warning());
        }
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(second + 8, -5);
        try (CaptureFile f = CaptureFile.open(write("negative.pcap", b))) {
            assertEquals(1, readAll(f).size());
            assertTrue(f.stats().truncated());
        }
    }

    @Test
    void pcapngWithTwoInterfacesSeveralSectionsAndBlockKinds() throws Exception {
        byte[] a = frame(61, 1);
        byte[] b = frame(42, 2);
        byte[] c = frame(33, 3);
        byte[] d = frame(20, 4);
        long sec = 1_700_000_000L;
        byte[] file = new PcapngBuilder()
                .section(ByteOrder.LITTLE_ENDIAN)
                .iface(LinkType.ETHERNET, -1, 0)          // microseconds by default
                .iface(LinkType.RAW, 9, 0)                // nanoseconds
                .block(4, new byte[] {0, 0, 0, 0})        // name resolution block: skipped
                .epb(0, sec * 1_000_000 + 123_456, a, 1500)
                .block(0x0bad, new byte[100])             // unknown block: skipped
                .epb(1, sec * 1_000_000_000 + 7, b, 42)
                .pb(1, sec * 1_000_000_000 + 9, c)
                .spb(d)
                .section(ByteOrder.BIG_ENDIAN)
                .iface(LinkType.LINUX_SLL, 0x80 | 20, 10)  // 2^-20 s, offset 10 s
                .iface(LinkType.NULL, 3, 0)               // milliseconds
                .epb(0, (sec << 20) | (1 << 19), a, 61)   // half a second
                .epb(1, sec * 1000 + 5, b, 42)
                .bytes();
        try (CaptureFile f = CaptureFile.open(write("two.pcapng", file))) {
            assertTrue(f.isPcapng());
            List<Rec> recs = readAll(f);
            assertEquals(6, recs.size());
            check(recs.get(0), sec * 1_000_000_000 + 123_456_000, LinkType.ETHERNET, a, 1500);
            check(recs.get(1), sec * 1_000_000_000 + 7, LinkType.RAW, b, 42);
            check(recs.get(2), sec * 1_000_000_000 + 9, LinkType.RAW, c, 33);
            check(recs.get(3), sec * 1_000_000_000 + 9, LinkType.ETHERNET, d, 20); // SPB: interface 0, previous time
            check(recs.get(4), (sec + 10) * 1_000_000_000 + 500_000_000, LinkType.LINUX_SLL, a, 61);
            check(recs.get(5), sec * 1_000_000_000 + 5_000_000, LinkType.NULL, b, 42);
            assertFalse(f.stats().truncated());
            assertEquals(6, f.stats().packets());
        }
        // cut anywhere inside the last block: the first five survive
        int lastLen = 12 + 20 + 44 + 12; // block frame, EPB fields, 42 bytes padded, comment + end options
        for (int cut = file.length - lastLen + 1; cut < file.length; cut++) {
            try (CaptureFile f = CaptureFile.open(write("cut.pcapng", Arrays.copyOf(file, cut)))) {
                assertEquals(5, readAll(f).size(), "cut at " + cut);
                assertTrue(f.stats().truncated());
                assertTrue(f.warning().contains("offset " + (file.length - lastLen)), f.warning());
            }
        }
    }

    @Test
    void offsetsPastTwoGibibytes() throws Exception {
        // a sparse file: a skipped 2.5 GiB custom block sits between two packets, so the second packet and
        // the corrupt record after it live past 2^31 without the test writing gigabytes
        long gap = 5L << 29;
        byte[] head = new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN).iface(LinkType.ETHERNET, 9, 0)
                .epb(0, 11, frame(64, 1), 64).bytes();
        byte[] tail = new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN).iface(LinkType.RAW, 9, 0)
                .epb(0, 22, frame(80, 2), 80).epbRaw(0, 500_000, new byte[0]).bytes();
        Path p = dir.resolve("sparse.pcapng");
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            raf.write(head);
            ByteBuffer custom = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(0x00000bad).putInt((int) gap);
            raf.write(custom.array());
            raf.seek(head.length + gap - 4);
            raf.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) gap).array());
            raf.write(tail);
        }
        assertTrue(Files.size(p) > (1L << 31) + 1000);
        try (CaptureFile f = CaptureFile.open(p)) {
            List<Rec> recs = readAll(f);
            assertEquals(2, recs.size(), f.warning());
            check(recs.get(0), 11, LinkType.ETHERNET, frame(64, 1), 64);
            check(recs.get(1), 22, LinkType.RAW, frame(80, 2), 80);
            long corruptAt = head.length + gap + tail.length - 32; // the last block, 32 bytes long
            assertTrue(f.warning().contains("offset " + corruptAt), f.warning());
        }
    }

    private static void check(Rec r, long ts, int linkType, byte[] data, int wire) {
        assertEquals(ts, r.ts());
        assertEquals(linkType, r.linkType());
        assertArrayEquals(data, r.data());
        assertEquals(wire, r.wireLen());
    }

    @Test
    void pcapngCorruptBlocksEndTheRead() throws Exception {
        byte[] pastBlock = new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN).iface(LinkType.ETHERNET, -1, 0)
                .epb(0, 1, frame(10, 1), 10).epbRaw(0, 100, frame(8, 2)).bytes();
        try (CaptureFile f = CaptureFile.open(write("past.pcapng", pastBlock))) {
            assertEquals(1, readAll(f).size());
            assertTrue(f.stats().truncated());
            assertTrue(f.warning().contains("past the end of its block"), f.warning());
        }
        byte[] noIface = new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN).iface(LinkType.ETHERNET, -1, 0)
                .epb(3, 1, frame(10, 1), 10).bytes();
        try (CaptureFile f = CaptureFile.open(write("noiface.pcapng", noIface))) {
            assertEquals(0, readAll(f).size());
            assertTrue(f.warning().contains("interface 3"), f.warning());
        }
        byte[] badLen = new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN).iface(LinkType.ETHERNET, -1, 0).bytes();
        badLen = Arrays.copyOf(badLen, badLen.length + 12);
        ByteBuffer.wrap(badLen).order(ByteOrder.LITTLE_ENDIAN).putInt(badLen.length - 12, 6).putInt(badLen.length - 8, 13);
        try (CaptureFile f = CaptureFile.open(write("badlen.pcapng", badLen))) {
            assertEquals(0, readAll(f).size());
            assertTrue(f.stats().truncated());
            assertTrue(f.warning().contains("block length 13"), f.warning());
        }
    }

    @Test
    void stopEndsTheRunEarly() throws Exception {
        byte[][] frames = {frame(10, 1), frame(10, 2), frame(10, 3)};
        Path p = write("stop.pcap", classic(false, ByteOrder.LITTLE_ENDIAN, 1, new long[3], frames, new int[] {10, 10, 10}));
        try (CaptureFile f = CaptureFile.open(p)) {
            int[] seen = {0};
            f.run((ts, lt, buf, off, cap, wire) -> {
                seen[0]++;
                f.stop();
            });
            assertEquals(1, seen[0]);
            assertEquals(1, f.stats().packets());
        }
    }

    @Test
    void clearErrorsForBadFiles() throws Exception {
        assertMessage(dir.resolve("nope.pcap"), "nope.pcap: no such file");
        assertMessage(write("empty.pcap", new byte[0]), "empty.pcap: empty file");
        assertMessage(dir, "is a directory");
        assertMessage(write("text.pcap", "hello world, not a capture".getBytes()),
                "text.pcap: not a pcap or pcapng file (magic 0x68656c6c)");
        assertMessage(write("tiny.pcap", new byte[] {1, 2}), "too short");
        byte[] good = classic(false, ByteOrder.LITTLE_ENDIAN, LinkType.ETHERNET, new long[0], new byte[0][], new int[0]);
        assertMessage(write("short.pcap", Arrays.copyOf(good, 20)), "short.pcap: corrupt header");
        byte[] v3 = good.clone();
        v3[4] = 3;
        assertMessage(write("v3.pcap", v3), "corrupt header: pcap version 3");
        // LINKTYPE_USER0: private to whoever wrote the capture
        byte[] user0 = classic(false, ByteOrder.BIG_ENDIAN, 147, new long[0], new byte[0][], new int[0]);
        assertMessage(write("user0.pcap", user0), "user0.pcap: unsupported link type linktype 147");
        byte[] ngUser0 = new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN).iface(147, -1, 0)
                .epb(0, 0, frame(10, 1), 10).bytes();
        assertMessage(write("user0.pcapng", ngUser0), "unsupported link type linktype 147");
        byte[] badBom = new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN).bytes();
        badBom[8] = 0x55;
        assertMessage(write("bom.pcapng", badBom), "bom.pcapng: corrupt header: pcapng byte-order magic");
        byte[] shortNg = Arrays.copyOf(badBom, 16);
        assertMessage(write("shortng.pcapng", shortNg), "corrupt header");
    }

    private static void assertMessage(Path p, String expected) {
        CaptureException e = assertThrows(CaptureException.class, () -> CaptureFile.open(p).close());
        assertTrue(e.getMessage().contains(expected), "message was: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        assertTrue(e.getMessage().startsWith(p.toString()), "names the file: " + e.getMessage());
    }
}
