package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.TestCaptures;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review of aabf0f3/bac93a0 at the command line. Each test shows one defect. */
class CaptureInputReviewCliTest {

    /** A classic pcap of one HTTP download of {@code uri}. */
    private static byte[] download(Path tmp, int i, String uri) throws Exception {
        Path p = tmp.resolve("dl-" + i + ".pcap");
        try (PcapWriter w = PcapWriter.create(p, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, 1_700_000_000_000_000_000L + i * 1_000_000_000L);
            TestCaptures.download(t, "10.0.0.1", 20_000 + i, uri, (uri + " body\n").getBytes(StandardCharsets.US_ASCII));
        }
        return Files.readAllBytes(p);
    }

    /** The classic little-endian microsecond pcap {@code pcap} as a pcapng (SHB, IDB, EPBs), as dumpcap writes. */
    private static byte[] toPcapng(byte[] pcap) {
        ByteBuffer in = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
        int link = in.getInt(20);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        block(out, 0x0a0d0d0a, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(0x1a2b3c4d).putShort((short) 1)
                .putShort((short) 0).putLong(-1L).array());
        block(out, 1, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putShort((short) link).putShort((short) 0).putInt(262144)
                .array());
        for (int at = 24; at + 16 <= pcap.length;) {
            long ts = (in.getInt(at) & 0xffffffffL) * 1_000_000L + (in.getInt(at + 4) & 0xffffffffL);
            int cap = in.getInt(at + 8);
            int wire = in.getInt(at + 12);
            ByteBuffer b = ByteBuffer.allocate(20 + ((cap + 3) & ~3)).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(0).putInt((int) (ts >>> 32)).putInt((int) ts).putInt(cap).putInt(wire).put(pcap, at + 16, cap);
            block(out, 6, b.array());
            at += 16 + cap;
        }
        return out.toByteArray();
    }

    private static void block(ByteArrayOutputStream out, int type, byte[] body) {
        int len = 12 + body.length;
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(type).putInt(len).put(body).putInt(len);
        out.writeBytes(b.array());
    }

    private static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(o)) {
            z.write(b);
        }
        return o.toByteArray();
    }

    private static List<String> urls(Path out) throws Exception {
        List<String> urls = new ArrayList<>();
        for (JsonNode f : EveLog.read(out.resolve("eve.json")).ofType("fileinfo")) {
            urls.add(f.path("http").path("url").asText());
        }
        return urls.stream().sorted().toList();
    }

    /**
     * A rotated pcapng.gz whose last bytes are missing (the gzip trailer: its packets are all there) is
     * refused at the header check: in a folder it is "skipped" with a note whose reason is "null", and
     * its download is lost; README promises such a capture "is analysed up to the damage with a warning".
     */
    @Test
    void aFolderKeepsTheFramesOfAShortPcapngGzipCutShort(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("rotated"));
        Files.write(dir.resolve("a.pcap"), download(tmp, 0, "/part0"));
        Files.setLastModifiedTime(dir.resolve("a.pcap"), FileTime.fromMillis(1_700_000_000_000L));
        byte[] packed = gzip(toPcapng(download(tmp, 1, "/part1")));
        Files.write(dir.resolve("b.pcapng.gz"), Arrays.copyOf(packed, packed.length - 4));
        Files.setLastModifiedTime(dir.resolve("b.pcapng.gz"), FileTime.fromMillis(1_700_000_060_000L));
        Path out = tmp.resolve("out");
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--set", "scan.enabled=false", "--out", out.toString(), dir.toString());
        assertEquals(List.of("/part0", "/part1"), urls(out), r.err());
    }

    /** The same file named on the command line stops analyze before anything is read (exit 1). */
    @Test
    void aShortPcapngGzipCutShortOnTheCommandLineIsAnalysedWithAWarning(@TempDir Path tmp) throws Exception {
        Path good = tmp.resolve("a.pcap");
        Files.write(good, download(tmp, 0, "/part0"));
        Path cut = tmp.resolve("b.pcapng.gz");
        byte[] packed = gzip(toPcapng(download(tmp, 1, "/part1")));
        Files.write(cut, Arrays.copyOf(packed, packed.length - 4));
        Path out = tmp.resolve("out");
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--set", "scan.enabled=false", "--out", out.toString(), good.toString(),
                cut.toString());
        assertEquals(0, r.status(), r.err());
    }

    /**
     * Two named pipes fed one after the other ({@code analyze p1 p2 & cat a.pcap > p1; cat b.pcap > p2}):
     * analyze opens every capture, and reads its head, before reading any; the writer of p1 blocks on a
     * full pipe, p2 never gets its writer, and analyze waits in open(p2) for ever.
     */
    @Test
    void pipesFedOneAfterTheOtherDoNotDeadlock(@TempDir Path tmp) throws Exception {
        Path p1 = tmp.resolve("p1");
        Path p2 = tmp.resolve("p2");
        for (Path p : List.of(p1, p2)) {
            assertEquals(0, new ProcessBuilder("mkfifo", p.toString()).inheritIO().start().waitFor());
        }
        // a capture larger than a pipe's 64 KiB buffer
        byte[] big = download(tmp, 0, "/part0");
        ByteArrayOutputStream bigger = new ByteArrayOutputStream();
        bigger.writeBytes(big);
        byte[] pad = new byte[16 + 1000];
        ByteBuffer.wrap(pad).order(ByteOrder.LITTLE_ENDIAN).putInt(1_700_000_100).putInt(0).putInt(1000).putInt(1000);
        for (int i = 0; i < 200; i++) {
            bigger.writeBytes(pad);
        }
        byte[] first = bigger.toByteArray();
        byte[] second = download(tmp, 1, "/part1");
        Thread writer = Thread.ofPlatform().daemon(true).start(() -> {
            try {
                Files.write(p1, first);
                Files.write(p2, second);
            } catch (Exception e) {
                // p1's reader gone: cleanup
            }
        });
        Path out = tmp.resolve("out");
        CompletableFuture<AnalyzeCommandTest.Run> run = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).start(() -> run.complete(
                AnalyzeCommandTest.run("analyze", "--set", "scan.enabled=false", "--out", out.toString(), p1.toString(), p2.toString())));
        try {
            AnalyzeCommandTest.Run r = run.get(30, TimeUnit.SECONDS);
            assertEquals(0, r.status(), r.err());
            assertEquals(List.of("/part0", "/part1"), urls(out));
        } catch (TimeoutException e) {
            // unblock both sides: a writer for p2 (analyze then finds it empty), which fails p1's writer
            try (OutputStream o = Files.newOutputStream(p2)) {
                o.flush();
            }
            try {
                run.get(30, TimeUnit.SECONDS);
                writer.join(30_000);
            } catch (Exception ignored) {
                // cleanup only
            }
            throw new AssertionError("analyze p1 p2 hung in open(p2) while p1's writer waited for it to read p1", e);
        }
    }
}
