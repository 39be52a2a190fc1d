package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.TestCaptures;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code analyze DIR}, as Suricata's {@code -r DIR}: the folder's files oldest first, its other files
 * passed over with a note, its subfolders and hidden files left alone.
 */
class CaptureFolderTest {
    private static void capture(Path p, int i, long modifiedMillis) throws Exception {
        try (PcapWriter w = PcapWriter.create(p, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, 1_700_000_000_000_000_000L + i * 1_000_000_000L);
            TestCaptures.download(t, "10.0.0.1", 20_000 + i, "/part" + i, ("part " + i + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        Files.setLastModifiedTime(p, FileTime.fromMillis(modifiedMillis));
    }

    @Test
    void aFolderIsReadOldestFirstAndItsOtherFilesArePassedOver(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("rotated"));
        long t0 = 1_700_000_000_000L;
        // names in the opposite order of their writing: the modification time decides
        capture(dir.resolve("c.pcap"), 0, t0);
        capture(dir.resolve("b.pcap"), 1, t0 + 60_000);
        Path plain = tmp.resolve("a-plain.pcap");
        capture(plain, 2, t0);
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve("a.pcap.gz")))) {
            o.write(Files.readAllBytes(plain));
        }
        Files.setLastModifiedTime(dir.resolve("a.pcap.gz"), FileTime.fromMillis(t0 + 120_000));
        Files.writeString(dir.resolve("SHA256SUMS"), "not a capture\n");
        Files.writeString(dir.resolve(".hidden.pcap"), "left alone\n");
        Files.createDirectory(dir.resolve("older"));
        capture(dir.resolve("older").resolve("z.pcap"), 3, t0 - 60_000);

        Path out = tmp.resolve("out");
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--set", "scan.enabled=false", "--out", out.toString(), dir.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("spanwatch: note: skipped " + dir.resolve("SHA256SUMS") + ": not a pcap or pcapng file (magic 0x6e6f7420)",
                r.err().strip());
        List<String> urls = new ArrayList<>();
        for (JsonNode f : EveLog.read(out.resolve("eve.json")).ofType("fileinfo")) {
            urls.add(f.path("http").path("url").asText());
        }
        assertEquals(List.of("/part0", "/part1", "/part2"), urls.stream().sorted().toList(), "the subfolder's capture is not read");
        assertEquals(List.of(dir.resolve("c.pcap"), dir.resolve("b.pcap"), dir.resolve("a.pcap.gz"), dir.resolve("SHA256SUMS")),
                AnalyzeCommand.folder(dir), "oldest first; the notes file was written last");
    }

    @Test
    void aFolderWithoutACaptureIsAnError(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("notes"));
        Files.writeString(dir.resolve("readme.txt"), "hello\n");
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--out", tmp.resolve("out").toString(), dir.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().strip().endsWith("spanwatch: " + dir + ": a folder without a capture file (1 file, none a pcap or pcapng)"),
                r.err());
    }
}
