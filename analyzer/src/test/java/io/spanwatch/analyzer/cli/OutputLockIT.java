package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.analyzer.TestPaths;
import io.spanwatch.sensor.capture.DemoCapture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real processes on one data folder (the launcher, and this JVM): whichever comes second is refused
 * with the first one's pid and command, and writes nothing.
 */
class OutputLockIT {
    @Test
    void aSecondProcessOnTheSameFolderIsRefusedAndToldWhoHoldsIt(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        Path out = tmp.resolve("out");
        // A first run leaves files waiting for clamd (none answers at port 1) ...
        assertEquals(0, AnalyzeCommandTest.run("analyze", "--clamd", "127.0.0.1:1", "--out", out.toString(), pcap.toString()).status());
        // ... which `scan-queue` then waits for, holding the folder, in a process of its own.
        Path launcher = TestPaths.repoRoot().resolve("spanwatch");
        Process holder = new ProcessBuilder(launcher.toString(), "scan-queue", "--clamd", "127.0.0.1:1", "--wait", "120", "--out",
                out.toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("holder.log").toFile()).start();
        try {
            Path lockFile = out.resolve(OutputLock.FILE);
            String note = "";
            // Up to 5 minutes: the first launcher start after a build makes the start-up cache first.
            for (int i = 0; i < 3000 && holder.isAlive() && !note.contains("pid " + holder.pid()); i++) {
                Thread.sleep(100);
                note = Files.exists(lockFile) ? Files.readString(lockFile, StandardCharsets.UTF_8) : "";
            }
            assertTrue(note.contains("pid " + holder.pid()), "the holder wrote its note: " + note + Files.readString(tmp.resolve("holder.log")));
            long eveBefore = Files.size(out.resolve("eve.json"));
            AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--out", out.toString(), pcap.toString());
            System.out.println("OutputLockIT refused: " + r.err().strip());
            assertEquals(1, r.status(), r.err());
            assertTrue(r.err().contains("in use by another SpanWatch process"), r.err());
            assertTrue(r.err().contains("pid " + holder.pid()) && r.err().contains("spanwatch scan-queue"), r.err());
            assertEquals(eveBefore, Files.size(out.resolve("eve.json")), "the refused run wrote no event");
        } finally {
            holder.destroy();
            holder.waitFor(30, TimeUnit.SECONDS);
        }
        // The other way round: this JVM holds the folder, the launcher is refused.
        try (OutputLock held = OutputLock.acquire(out, "spanwatch analyze (OutputLockIT)")) {
            Process second = new ProcessBuilder(launcher.toString(), "analyze", "--out", out.toString(), pcap.toString())
                    .redirectErrorStream(true).start();
            String text = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(second.waitFor(120, TimeUnit.SECONDS));
            assertEquals(1, second.exitValue(), text);
            assertTrue(text.contains("pid " + ProcessHandle.current().pid()) && text.contains("OutputLockIT"), text);
        }
    }
}
