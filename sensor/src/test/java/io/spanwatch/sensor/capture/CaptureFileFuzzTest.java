package io.spanwatch.sensor.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spanwatch.sensor.decode.Frames;
import io.spanwatch.sensor.fuzz.DemoTraffic;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;

/**
 * Fuzzes {@link CaptureFile} (classic pcap and pcapng, plain, gzip- or zstd-compressed) with any file
 * content: the input is the file.
 *
 * <p>Invariants: opening fails only with a {@link CaptureException} whose message names the file;
 * reading never throws; every frame handed out lies inside the lent buffer, has a non-negative
 * captured length within {@link CaptureFile#MAX_CAPLEN} and a supported link type (classic) or the
 * interface's; the statistics count exactly the frames and bytes handed out, never more bytes than an
 * uncompressed file holds; a read that stopped early says why and is flagged truncated.
 */
public class CaptureFileFuzzTest {
    private final Path file;

    public CaptureFileFuzzTest() {
        try {
            file = Files.createTempFile("spanwatch-fuzz", ".pcap");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void removeFile() throws IOException {
        Files.deleteIfExists(file);
    }

    @FuzzTest(maxDuration = "10s")
    void anyFile(byte[] data) throws IOException {
        Files.write(file, data);
        CaptureFile f;
        try {
            f = CaptureFile.open(file);
        } catch (CaptureException e) {
            assertNotNull(e.getMessage());
            assertTrue(e.getMessage().startsWith(file.toString()), "message names the file: " + e.getMessage());
            return;
        }
        try (f) {
            long[] seen = new long[2];
            try {
                f.run((ts, linkType, buf, off, capLen, wireLen) -> {
                    assertTrue(off >= 0 && capLen >= 0 && off + capLen <= buf.length, "frame outside its buffer");
                    assertTrue(capLen <= CaptureFile.MAX_CAPLEN, "caplen " + capLen);
                    assertTrue(f.isPcapng() || LinkType.isSupported(linkType), "link type " + linkType);
                    seen[0]++;
                    seen[1] += capLen;
                });
            } catch (CaptureException e) {
                assertTrue(e.getMessage().startsWith(file.toString()), "message names the file: " + e.getMessage());
            }
            CaptureStats stats = f.stats();
            assertEquals(seen[0], stats.packets(), "packets counted");
            assertEquals(seen[1], stats.bytes(), "bytes counted");
            if (f.compression() == null) { // a compressed file holds more than its length, as it should
                assertTrue(seen[1] <= data.length, "more frame bytes than the file holds");
            }
            assertEquals(f.warning() != null, stats.truncated(), "a warning exactly when the read stopped early: " + f.warning());
        }
    }

    /** Seeds: the demo capture's first frames as classic pcap (both byte orders, micro and nano) and as pcapng. */
    public static Map<String, byte[]> seeds() {
        List<DemoTraffic.Frame> demo = DemoTraffic.frames();
        List<DemoTraffic.Frame> first = demo.subList(0, 6);
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("demo-le-micro", classic(first, ByteOrder.LITTLE_ENDIAN, false));
        seeds.put("demo-be-nano", classic(first, ByteOrder.BIG_ENDIAN, true));
        PcapngBuilder ng = new PcapngBuilder().section(ByteOrder.LITTLE_ENDIAN).iface(LinkType.ETHERNET, 9, 0)
                .iface(LinkType.RAW, 0x80 | 20, 1);
        for (DemoTraffic.Frame fr : first) {
            ng.epb(0, fr.tsNanos(), fr.bytes(), fr.bytes().length);
        }
        ng.block(5, new byte[8]).spb(first.get(1).bytes()).pb(1, 7, new byte[20])
                .section(ByteOrder.BIG_ENDIAN).iface(LinkType.LINUX_SLL, -1, 0).epb(0, 9, new byte[30], 60);
        seeds.put("demo-pcapng", ng.bytes());
        seeds.put("pcapng-cut-block", java.util.Arrays.copyOf(ng.bytes(), 200));
        // compressed captures: the gzip member reader and libzstd behind the same reader
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        ByteArrayOutputStream zst = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream g = new java.util.zip.GZIPOutputStream(gz);
                com.github.luben.zstd.ZstdOutputStream z = new com.github.luben.zstd.ZstdOutputStream(zst, 3)) {
            g.write(seeds.get("demo-le-micro"));
            z.setChecksum(true);
            z.write(ng.bytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        seeds.put("demo-gzip", gz.toByteArray());
        seeds.put("pcapng-zstd", zst.toByteArray());
        return seeds;
    }

    private static byte[] classic(List<DemoTraffic.Frame> frames, ByteOrder order, boolean nanos) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (PcapWriter w = new PcapWriter(bos, LinkType.ETHERNET, nanos, order, 65535)) {
            for (DemoTraffic.Frame f : frames) {
                w.write(f.tsNanos(), f.bytes());
            }
            w.write(0, Frames.ethTcp4(Frames.ascii("x")), 0, 20, 54);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }
}
