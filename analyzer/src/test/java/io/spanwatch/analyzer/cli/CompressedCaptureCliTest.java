package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdOutputStream;
import io.spanwatch.sensor.capture.DemoCapture;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code analyze} of gzip- and zstd-compressed captures yields every file the plain capture does; a
 * compression it cannot read, and standard input named twice, are one clear line and exit 1.
 * (Standard input itself, through the launcher: {@code StdinCaptureIT}.)
 */
class CompressedCaptureCliTest {
    @Test
    void aCompressedCaptureYieldsEveryFileOfThePlainOne(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        List<DemoCapture.Expected> expected = DemoCapture.write(pcap);
        byte[] plain = Files.readAllBytes(pcap);
        Path gz = tmp.resolve("demo.pcap.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write(plain);
        }
        Path zst = tmp.resolve("demo-pcap.zst");
        try (OutputStream o = new ZstdOutputStream(Files.newOutputStream(zst), 19)) {
            o.write(plain);
        }
        for (Path p : List.of(gz, zst)) {
            Path out = tmp.resolve("out-" + p.getFileName());
            AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--set", "scan.enabled=false", "--out", out.toString(),
                    p.toString());
            assertEquals(0, r.status(), r.err());
            assertEquals(List.of(), DemoCommand.check(out.resolve("eve.json"), expected), p.toString());
        }
    }

    @Test
    void whatCannotBeReadIsOneClearLine(@TempDir Path tmp) throws Exception {
        Path xz = tmp.resolve("capture.pcap.xz");
        Files.write(xz, new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 0, 4});
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--out", tmp.resolve("o1").toString(), xz.toString());
        assertEquals(1, r.status());
        assertEquals("spanwatch: " + xz + ": xz-compressed; SpanWatch reads pcap and pcapng, plain, gzip- or zstd-compressed: "
                + "decompress it first", r.err().strip());
        r = AnalyzeCommandTest.run("analyze", "--out", tmp.resolve("o2").toString(), "-", "-");
        assertEquals(1, r.status());
        assertEquals("spanwatch: standard input (-) is named more than once among the captures", r.err().strip());
    }

    @Test
    void progressOfAPipeShowsWhatWasReadWithoutAShareOrTimeLeft() {
        Progress p = Progress.start(false, new PrintWriter(new StringWriter()), -1, 1, () -> Map.of("file.total", 7L));
        p.capture(0, "-", 0, () -> 250_000_000L);
        String line = p.line();
        assertTrue(line.startsWith("-: 250 MB read, ") && line.endsWith(" MB/s, 7 files"), line);
        p.close();
    }
}
