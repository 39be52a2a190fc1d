package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.CaptureFile;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feeds the whole sensor pipeline damaged and re-cut traffic: it must never fail nor meet an internal
 * error (a RuntimeException a worker caught and counted in {@code internal.errors}), and the same
 * conversation cut into segments of any size must give the same files.
 */
class PipelineRobustnessTest {
    private static final long SEED = Long.getLong("tests.seed", System.nanoTime());
    private static final Pattern SHA = Pattern.compile("\"sha256\":\"([0-9a-f]{64})\"");

    record Frame(long ts, byte[] data) {
    }

    static List<Frame> frames(Path pcap) throws Exception {
        List<Frame> list = new ArrayList<>();
        try (CaptureFile f = CaptureFile.open(pcap)) {
            f.run((ts, link, buf, off, cap, wire) -> list.add(new Frame(ts, java.util.Arrays.copyOfRange(buf, off, off + cap))));
        }
        return list;
    }

    static String run(Path dir, List<Frame> frames) throws IOException {
        SensorConfig d = SensorConfig.defaults(dir, false);
        SensorConfig cfg = new SensorConfig("test", 2, d.queueBatches(), false, d.maxAnomalyEventsPerName(), d.flow(),
                d.reassembly(), d.http(), d.files());
        Pipeline p = Pipeline.start(cfg);
        for (Frame f : frames) {
            p.frame(f.ts(), LinkType.ETHERNET, f.data(), 0, f.data().length, f.data().length);
        }
        Pipeline.Summary sum = p.finish();
        String eve = Files.readString(dir.resolve("eve.json"));
        // A worker contains a bug met on one frame (counts it, drops the flow, goes on): for the
        // pipeline that is survival, for this test a failure.
        assertEquals(0, sum.get("internal.errors"), "internal errors (anomaly internal.exception.*): "
                + eve.lines().filter(l -> l.contains("internal.exception")).limit(3).toList());
        return eve;
    }

    static List<String> hashes(String eve) {
        List<String> l = new ArrayList<>();
        Matcher m = SHA.matcher(eve);
        while (m.find()) {
            l.add(m.group(1));
        }
        Collections.sort(l);
        return l;
    }

    @Test
    void damagedReorderedAndDuplicatedFramesNeverFailThePipeline(@TempDir Path tmp) throws Exception {
        System.out.println("PipelineRobustnessTest seed " + SEED + " (replay with -Dtests.seed=" + SEED + ")");
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        List<Frame> clean = frames(pcap);
        Random r = new Random(SEED);
        for (int round = 0; round < 12; round++) {
            List<Frame> mutated = new ArrayList<>();
            for (Frame f : clean) {
                byte[] b = f.data().clone();
                int kind = r.nextInt(20);
                if (kind == 0) {
                    b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1)); // truncated
                } else if (kind == 1) {
                    for (int i = 0; i < 1 + r.nextInt(4); i++) {
                        b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8)); // bit flips anywhere
                    }
                } else if (kind == 2) {
                    continue; // lost
                } else if (kind == 3) {
                    mutated.add(new Frame(f.ts(), b.clone())); // duplicated
                } else if (kind == 4 && b.length > 60) {
                    int from = 54 + r.nextInt(b.length - 54);
                    for (int i = from; i < b.length; i++) {
                        b[i] = (byte) r.nextInt(); // payload replaced with garbage
                    }
                }
                mutated.add(new Frame(f.ts(), b));
            }
            for (int i = 0; i < mutated.size(); i++) {
                if (r.nextInt(10) == 0) {
                    Collections.swap(mutated, i, Math.min(mutated.size() - 1, i + 1 + r.nextInt(6))); // reordered
                }
            }
            Path out = tmp.resolve("round" + round);
            String eve = run(out, mutated); // finish() rethrows any worker failure
            assertTrue(eve.contains("\"event_type\":\"stats\""), "seed " + SEED + " round " + round);
        }
    }

    @Test
    void aConversationCutAtEverySegmentSizeGivesTheSameFiles(@TempDir Path tmp) throws Exception {
        byte[] body = "The quick brown fox jumps over the lazy dog. ".repeat(20).getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(body);
        }
        byte[] zipped = gz.toByteArray();
        String hex = Integer.toHexString(zipped.length - 10);
        ByteArrayOutputStream resp = new ByteArrayOutputStream();
        resp.writeBytes(("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
                + hex + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        resp.write(zipped, 0, zipped.length - 10);
        resp.writeBytes("\r\na\r\n".getBytes(StandardCharsets.ISO_8859_1));
        resp.write(zipped, zipped.length - 10, 10);
        resp.writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        byte[] upload = "field=value&other=42".getBytes(StandardCharsets.US_ASCII);
        byte[] req = ("POST /form HTTP/1.1\r\nHost: x.example\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: " + upload.length + "\r\n\r\nfield=value&other=42").getBytes(StandardCharsets.ISO_8859_1);
        List<String> expected = new ArrayList<>(List.of(DemoCapture.sha256(body), DemoCapture.sha256(upload)));
        Collections.sort(expected);
        int max = Math.max(req.length, resp.size());
        for (int mss = 1; mss <= max; mss += mss < 64 ? 1 : 7) {
            Path pcap = tmp.resolve("seg.pcap");
            try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
                TrafficSynth t = new TrafficSynth(w, 1_700_000_000_000_000_000L);
                TrafficSynth.Conn c = t.tcp("10.0.0.1", 40000, "10.0.0.2", 80).handshake();
                c.mss = mss;
                c.send(true, req);
                c.send(false, resp.toByteArray());
                c.close();
            }
            Path out = tmp.resolve("mss" + mss);
            assertEquals(expected, hashes(run(out, frames(pcap))), "segment size " + mss);
        }
    }
}
