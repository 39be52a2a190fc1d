package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.analyzer.TestCaptures;
import io.spanwatch.analyzer.TestPaths;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's {@code analyze} on a terminal (a pseudo-terminal made by {@code script}) redraws a
 * progress line; with its output in a file it prints the summary only.
 */
class ProgressIT {
    @Test
    void aTerminalGetsAProgressLineAFileDoesNot(@TempDir Path tmp) throws Exception {
        Path script = Path.of("/usr/bin/script");
        Assumptions.assumeTrue(Files.isExecutable(script), () -> {
            System.out.println("ProgressIT SKIPPED: no /usr/bin/script (Debian: bsdutils) to make a terminal");
            return "no script";
        });
        Path pcap = tmp.resolve("many.pcap");
        byte[] body = new byte[400_000];
        new Random(3).nextBytes(body);
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, 1_700_000_000_000_000_000L);
            for (int i = 0; i < 400; i++) {
                body[0] = (byte) i;
                body[1] = (byte) (i >> 8);
                TestCaptures.download(t, "10.0.0.1", 20_000 + i, "/f" + i, body);
            }
        }
        String launcher = TestPaths.repoRoot().resolve("spanwatch").toString();
        String analyze = launcher + " analyze --set scan.enabled=false --out " + tmp.resolve("tty") + " " + pcap;
        Process p = new ProcessBuilder(script.toString(), "-qec", analyze, "/dev/null").redirectErrorStream(true).start();
        String onTty = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), onTty);
        System.out.println("ProgressIT on a terminal: " + onTty.replace("\r", "\\r"));
        assertTrue(onTty.contains("\r") && onTty.contains("many.pcap: ") && onTty.contains(" MB/s, ") && onTty.contains(" left"), onTty);

        Process q = new ProcessBuilder(launcher, "analyze", "--set", "scan.enabled=false", "--out", tmp.resolve("file").toString(),
                pcap.toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("log").toFile()).start();
        assertTrue(q.waitFor(300, TimeUnit.SECONDS));
        String inFile = Files.readString(tmp.resolve("log"));
        assertEquals(0, q.exitValue(), inFile);
        assertFalse(inFile.contains("\r"), inFile);
        assertTrue(inFile.contains("packets "), inFile);
    }
}
