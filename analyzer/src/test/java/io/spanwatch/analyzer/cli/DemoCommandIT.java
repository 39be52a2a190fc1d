package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spanwatch demo} as a newcomer runs it: with clamd installed it starts a private one on the
 * project's signatures, every file gets clamd's verdict and the EICAR download its alert, and clamd is
 * stopped afterwards; without clamd it says so and works on interim verdicts.
 */
class DemoCommandIT {
    @Test
    void withClamdInstalledTheDemoShowsClamdsVerdictsAndStopsItsClamd(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(DemoClamd.binary() != null, () -> {
            System.out.println("DemoCommandIT SKIPPED the clamd run: clamd is not installed (apt-get install clamav-daemon)");
            return "no clamd";
        });
        Path out = tmp.resolve("demo-out");
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("demo", "--out", out.toString());
        System.out.println("DemoCommandIT:\n" + r.out());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("starting a private clamd"), r.out());
        assertTrue(r.out().contains("demo check: 14/14 expected files found"), r.out());
        assertTrue(r.out().contains("stopped the private clamd"), r.out());
        EveLog eve = EveLog.read(out.resolve("eve.json"));
        for (JsonNode f : eve.ofType("fileinfo")) {
            if (f.path("fileinfo").path("stored").asBoolean()) {
                JsonNode v = f.path("fileinfo").path("verdict");
                assertEquals("clamd", v.path("engine").asText(), f.toString());
                assertFalse(v.path("interim").asBoolean(), f.toString());
            }
        }
        List<JsonNode> alerts = eve.ofType("alert");
        assertEquals(1, alerts.size(), alerts.toString());
        assertTrue(alerts.get(0).path("alert").path("signature").asText().startsWith("ClamAV SpanWatch.Test.EICAR"), alerts.toString());
        String dir = out.toAbsolutePath().toString();
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains(dir)),
                "no clamd of the demo is left running");
    }

    @Test
    void withoutClamdTheDemoSaysSoAndStillFindsEveryFile(@TempDir Path tmp) throws Exception {
        String old = System.getProperty(DemoClamd.BINARY_PROPERTY);
        System.setProperty(DemoClamd.BINARY_PROPERTY, tmp.resolve("no-clamd-here").toString());
        try {
            AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("demo", "--out", tmp.resolve("demo-out").toString());
            assertEquals(0, r.status(), r.out() + r.err());
            assertTrue(r.out().contains("clamd is not installed"), r.out());
            assertTrue(r.out().contains("demo check: 14/14 expected files found"), r.out());
        } finally {
            if (old == null) {
                System.clearProperty(DemoClamd.BINARY_PROPERTY);
            } else {
                System.setProperty(DemoClamd.BINARY_PROPERTY, old);
            }
        }
    }
}
