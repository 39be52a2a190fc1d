package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.analyzer.TestPaths;
import io.spanwatch.sensor.capture.DemoCapture;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's {@code analyze} reading a capture as a pipeline hands it over: gzip-compressed on
 * standard input ({@code analyze -}, as {@code tcpdump -w - | spanwatch analyze -}), and through a
 * shell's process substitution ({@code analyze <(zcat x.pcap.gz)}, a pipe under {@code /dev/fd}).
 */
class StdinCaptureIT {
    @Test
    void aCaptureOnStandardInputOrThroughAPipeYieldsEveryFile(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        List<DemoCapture.Expected> expected = DemoCapture.write(pcap);
        Path gz = tmp.resolve("demo.pcap.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(Files.readAllBytes(pcap));
        }
        String launcher = TestPaths.repoRoot().resolve("spanwatch").toString();

        Path stdinOut = tmp.resolve("stdin");
        Process p = new ProcessBuilder(launcher, "analyze", "--set", "scan.enabled=false", "--out", stdinOut.toString(), "-")
                .redirectInput(gz.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("stdin.log").toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        String log = Files.readString(tmp.resolve("stdin.log"));
        assertEquals(0, p.exitValue(), log);
        assertEquals(List.of(), DemoCommand.check(stdinOut.resolve("eve.json"), expected), log);

        Path pipeOut = tmp.resolve("pipe");
        String cmd = "exec '" + launcher + "' analyze --set scan.enabled=false --out '" + pipeOut + "' <(zcat '" + gz + "')";
        Process q = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("pipe.log").toFile())
                .start();
        assertTrue(q.waitFor(300, TimeUnit.SECONDS));
        log = Files.readString(tmp.resolve("pipe.log"));
        assertEquals(0, q.exitValue(), log);
        assertEquals(List.of(), DemoCommand.check(pipeOut.resolve("eve.json"), expected), log);
        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "root:x:0:0:root:/root:/bin/bash\n");
        Process r = new ProcessBuilder(launcher, "analyze", "--set", "scan.enabled=false", "--out", tmp.resolve("text").toString(), "-")
                .redirectInput(text.toFile())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("text.log").toFile()).start();
        assertTrue(r.waitFor(300, TimeUnit.SECONDS));
        log = Files.readString(tmp.resolve("text.log"));
        assertEquals(1, r.exitValue(), log);
        // a pipe is opened at its turn (see AnalyzeCommand.Checked): the error comes once the run started
        assertTrue(log.contains("spanwatch: standard input: not a pcap or pcapng file (magic 0x726f6f74)\n"), log);
        System.out.println("StdinCaptureIT: standard input and a process substitution each yielded the demo's " + expected.size()
                + " files");
    }
}
