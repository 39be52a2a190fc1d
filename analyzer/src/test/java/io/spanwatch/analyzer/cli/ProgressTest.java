package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.DemoCapture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What analyze's progress line says, and that it stays off when the output is not a terminal. */
class ProgressTest {
    @Test
    void theLineNamesTheCaptureBytesRateFilesAndTimeLeft() {
        Progress p = Progress.start(false, new PrintWriter(new StringWriter()), 1_000_000_000L, 2,
                () -> Map.of("file.total", 1234L, "scan.waiting", 56L));
        p.capture(1, "b.pcap", 400_000_000L, () -> 100_000_000L);
        String line = p.line();
        assertTrue(line.startsWith("[2/2] b.pcap: 500 of 1000 MB (50%), "), line);
        assertTrue(line.contains(" MB/s, 1234 files, ") && line.endsWith(" left"), line);
        p.draining();
        assertTrue(p.line().contains("waiting for clamd's verdicts on 56 of them"), p.line());
        p.close();
    }

    @Test
    void withoutATerminalAnalyzePrintsOnlyTheSummary(@TempDir Path tmp) throws Exception {
        assertFalse(Progress.onTerminal(), "tests run with their output in pipes");
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--out", tmp.resolve("out").toString(), pcap.toString());
        assertEquals(0, r.status(), r.err());
        assertFalse(r.err().contains("\r") || r.out().contains("\r"), "no progress line: " + r.err());
    }
}
