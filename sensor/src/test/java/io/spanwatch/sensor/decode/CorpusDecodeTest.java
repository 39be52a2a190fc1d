package io.spanwatch.sensor.decode;

import static org.junit.jupiter.api.Assertions.*;

import io.spanwatch.sensor.capture.CaptureFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Reads every capture of the shared HTTP corpus (real traces from Zeek's and Suricata's test suites,
 * see the corpus README) and decodes every frame: nothing may throw, and each capture, all of them HTTP
 * over TCP, yields TCP segments. Skipped when the corpus folder is absent.
 */
class CorpusDecodeTest {
    /**
     * The captures of the corpus: {@code DIR/pcaps} for {@code -Dspanwatch.corpus=DIR} (as the
     * analyzer's CorpusTest reads it), else {@code ../shared/corpus/pcaps} beside the repository.
     */
    private static final Path CORPUS = System.getProperty("spanwatch.corpus") != null
            ? Path.of(System.getProperty("spanwatch.corpus")).resolve("pcaps") : besideRepository();

    private static Path besideRepository() {
        // Tests run in the module folder (sensor/); the repository is its parent, ../shared beside it.
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (java.nio.file.Files.isRegularFile(p.resolve("pom.xml")) && java.nio.file.Files.isDirectory(p.resolve("sensor"))) {
                return p.resolveSibling("shared").resolve("corpus").resolve("pcaps");
            }
        }
        return Path.of("..", "..", "shared", "corpus", "pcaps");
    }

    @Test
    void everyCorpusFrameDecodes() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(CORPUS),
                "corpus folder " + CORPUS + " not found: skipping (set -Dspanwatch.corpus=DIR, the folder holding pcaps/)");
        List<Path> pcaps;
        try (Stream<Path> s = Files.list(CORPUS)) {
            pcaps = s.filter(p -> p.toString().endsWith(".pcap") || p.toString().endsWith(".pcapng")).sorted().toList();
        }
        Assumptions.assumeFalse(pcaps.isEmpty(), "no captures in " + CORPUS + ": skipping");
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket out = new DecodedPacket();
        TreeMap<String, Integer> anomalies = new TreeMap<>();
        long frames = 0;
        for (Path p : pcaps) {
            long[] counts = new long[3]; // frames, tcp, tunnelled
            try (CaptureFile f = CaptureFile.open(p)) {
                f.run((ts, lt, buf, off, cap, wire) -> {
                    out.reset(buf, ts, wire);
                    try {
                        decoder.decode(lt, buf, off, cap, out);
                    } catch (RuntimeException e) {
                        throw new AssertionError(p + " frame " + (counts[0] + 1) + " made the decoder throw", e);
                    }
                    counts[0]++;
                    if (out.isTcp()) {
                        counts[1]++;
                    }
                    if (out.tunnelDepth > 0) {
                        counts[2]++;
                    }
                    if (out.anomaly != null) {
                        anomalies.merge(out.anomaly.eventName(), 1, Integer::sum);
                    }
                });
                assertEquals(counts[0], f.stats().packets());
            }
            frames += counts[0];
            assertTrue(counts[1] > 0, p + ": no TCP segment decoded out of " + counts[0] + " frames");
            if (p.getFileName().toString().contains("gre")) {
                assertTrue(counts[2] > 0, p + ": no tunnelled packet found in a GRE capture");
            }
        }
        System.out.println("CorpusDecodeTest: " + pcaps.size() + " captures, " + frames + " frames, anomalies "
                + anomalies);
    }
}
