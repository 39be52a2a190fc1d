package io.spanwatch.sensor.capture;

import static org.junit.jupiter.api.Assertions.*;

import io.spanwatch.sensor.decode.Frames;
import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cuts small pcap and pcapng files at every byte and flips random bits in them: opening may fail only
 * with a {@link CaptureException}, and reading never throws. The seed is printed; replay with
 * {@code -Dtests.seed=N}.
 */
class CaptureFileRobustnessTest {
    @TempDir
    Path dir;

    private static long seed;

    @BeforeAll
    static void pickSeed() {
        String given = System.getProperty("tests.seed");
        seed = given != null && !given.isBlank() ? Long.parseLong(given.trim()) : new Random().nextLong();
        System.out.println("CaptureFileRobustnessTest seed: " + seed + " (replay with -Dtests.seed=" + seed + ")");
    }

    private static byte[] classic(ByteOrder order, boolean nanos) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(bos, LinkType.ETHERNET, nanos, order, 65535)) {
            w.write(1_000_000_000L, Frames.ethTcp4(Frames.ascii("one")));
            w.write(2_000_000_000L, Frames.ethTcp4(Frames.ascii("two two")));
            w.write(3_000_000_000L, Frames.ethTcp4(new byte[0]));
        }
        return bos.toByteArray();
    }

    private static byte[] pcapng(ByteOrder second) {
        return new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN).iface(LinkType.ETHERNET, 9, 0)
                .iface(LinkType.RAW, 0x80 | 10, 0).epb(0, 5, Frames.ethTcp4(Frames.ascii("a")), 60)
                .block(5, new byte[8]).spb(Frames.ethTcp4(Frames.ascii("b"))).pb(1, 7, new byte[20])
                .section(second).iface(LinkType.NULL, -1, 3).epb(0, 9, new byte[30], 30).bytes();
    }

    /** Opens and reads {@code content}; returns the packets read, or -1 when open refused the file. */
    private long readQuietly(byte[] content, String what) throws Exception {
        Path p = dir.resolve("f.bin");
        Files.write(p, content);
        CaptureFile f;
        try {
            f = CaptureFile.open(p);
        } catch (CaptureException e) {
            assertFalse(e.getMessage().contains("\n"), "one-line message");
            return -1;
        }
        try (f) {
            f.run((ts, lt, buf, off, cap, wire) -> {
                assertTrue(off >= 0 && cap >= 0 && off + cap <= buf.length, "frame inside its buffer");
            });
            return f.stats().packets();
        } catch (RuntimeException | CaptureException e) {
            throw new AssertionError("reading threw on " + what + " (seed " + seed + "): "
                    + HexFormat.of().formatHex(content), e);
        }
    }

    @Test
    void everyCut() throws Exception {
        byte[][] files = {classic(ByteOrder.LITTLE_ENDIAN, false), classic(ByteOrder.BIG_ENDIAN, true),
            pcapng(ByteOrder.BIG_ENDIAN), pcapng(ByteOrder.LITTLE_ENDIAN)};
        for (byte[] whole : files) {
            long last = -1;
            for (int cut = 0; cut <= whole.length; cut++) {
                long n = readQuietly(java.util.Arrays.copyOf(whole, cut), "cut at " + cut);
                assertTrue(n >= last || n == -1, "more bytes never give fewer packets");
                last = Math.max(last, n);
            }
            assertEquals(whole == files[0] || whole == files[1] ? 3 : 4, last);
        }
    }

    @Test
    void randomBitFlips() throws Exception {
        Random rnd = new Random(seed);
        byte[][] files = {classic(ByteOrder.LITTLE_ENDIAN, false), pcapng(ByteOrder.BIG_ENDIAN)};
        for (byte[] whole : files) {
            for (int round = 0; round < 400; round++) {
                byte[] b = whole.clone();
                int flips = 1 + rnd.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
                readQuietly(b, "bit flip round " + round);
            }
        }
    }
}
