package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spanwatch demo} run again in the same folder says what this run found, not what the runs before it found too. */
class DemoCommandTest {
    @Test
    void aSecondDemoInTheSameFolderChecksAndCountsItsOwnEvents(@TempDir Path tmp) {
        String out = tmp.resolve("demo-out").toString();
        // a clamd address where none answers: no private clamd, interim verdicts
        AnalyzeCommandTest.Run first = AnalyzeCommandTest.run("demo", "--out", out, "--clamd", "127.0.0.1:1");
        AnalyzeCommandTest.Run second = AnalyzeCommandTest.run("demo", "--out", out, "--clamd", "127.0.0.1:1");
        assertEquals(0, second.status(), second.out() + second.err());
        assertEquals(said(first.out()), said(second.out()), "eve.json holds both runs; the second demo speaks of its own");
        assertTrue(second.out().contains("demo check: 14/14 expected files found"), second.out());
    }

    /** The demo's own lines about the verdicts and the alerts. */
    private static List<String> said(String out) {
        return out.lines().filter(l -> l.startsWith("verdicts: ") || l.startsWith("  alert: ")).toList();
    }
}
