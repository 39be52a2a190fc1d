package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.cli.Main;
import io.spanwatch.sensor.capture.DemoCapture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scan line of analyze's summary adds up: the files clamd scanned now and those whose verdict an
 * earlier scan of the same content gave are both counted, as the infected ones are.
 */
class ScanSummaryTest {
    @Test
    void filesKnownFromAnEarlierScanAreCountedBesideThoseScannedNow(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        Path out = tmp.resolve("out");
        try (FakeClamd clamd = FakeClamd.tcp(FakeClamd.Mode.INFECTED)) {
            String first = analyze(out, clamd, pcap);
            long files = EveLog.read(out.resolve("eve.json")).ofType("fileinfo").stream()
                    .filter(f -> f.path("fileinfo").path("stored").asBoolean())
                    .map(f -> f.path("fileinfo").path("sha256").asText()).distinct().count();
            assertTrue(first.contains("scan: " + files + " files scanned by clamd, " + files + " infected"), first);
            // the same files again: every verdict comes from the first run's, kept in DIR/scan
            String second = analyze(out, clamd, pcap);
            assertTrue(second.contains("scan: 0 files scanned by clamd and " + files + " known from an earlier scan, " + files
                    + " infected"), second);
        }
    }

    private static String analyze(Path out, FakeClamd clamd, Path pcap) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        System.setOut(new PrintStream(text, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run("analyze", "--out", out.toString(), "--clamd", clamd.address().toString(), pcap.toString()));
        } finally {
            System.setOut(old);
        }
        return text.toString(StandardCharsets.UTF_8);
    }
}
