package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live capture with a stuck consumer: the capture thread must never wait for the workers, a lagging
 * worker may draw on the whole shared batch pool (not a fixed share), and what does not fit is dropped
 * and counted, never lost silently.
 */
class PipelineLiveQueueTest {

    @Test
    void aStuckWorkerNeverBlocksTheCaptureThreadAndDropsAreCounted(@TempDir Path tmp) throws Exception {
        // One keep-alive connection: a small download, then many large ones. The listener stalls the
        // worker at the first closed file, so every later frame of the connection has to queue.
        Path pcap = tmp.resolve("one-flow.pcap");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, true)) {
            TrafficSynth t = new TrafficSynth(w, 1_700_000_000_000_000_000L);
            TrafficSynth.Conn c = t.tcp("10.0.0.5", 40000, "10.0.0.80", 80).handshake();
            byte[] big = new byte[2 << 20];
            new java.util.Random(3).nextBytes(big);
            for (int i = 0; i < 12; i++) {
                c.send(true, ("GET /f" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                byte[] body = i == 0 ? "small".getBytes(StandardCharsets.US_ASCII) : big;
                c.send(false, ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                c.send(false, body);
            }
            c.close();
        }
        List<PipelineRobustnessTest.Frame> frames = PipelineRobustnessTest.frames(pcap);

        SensorConfig d = SensorConfig.defaults(tmp.resolve("out"), true);
        int poolBatches = 8;
        SensorConfig cfg = new SensorConfig("test", 2, poolBatches, true, d.maxAnomalyEventsPerName(), d.flow(),
                d.reassembly(), d.http(), d.files());
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stalled = new CountDownLatch(1);
        java.nio.file.Files.createDirectories(cfg.files().outDir());
        io.spanwatch.sensor.event.EveWriter eve = io.spanwatch.sensor.event.EveWriter.open(
                cfg.files().outDir().resolve("eve.json"), "test", true);
        Pipeline p = Pipeline.start(cfg, new Outputs(eve, file -> {
            stalled.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            eve.accept(new io.spanwatch.sensor.event.FileInfoEvent(file, null, false));
        }, null, eve));

        // The first batch holds the small body: its worker stalls there while the capture thread feeds
        // the other 20-odd MiB of the connection, all for that same worker.
        Thread capture = Thread.ofPlatform().name("test-capture").start(() -> {
            for (PipelineRobustnessTest.Frame f : frames) {
                p.frame(f.ts(), LinkType.ETHERNET, f.data(), 0, f.data().length, f.data().length);
            }
        });
        capture.join(TimeUnit.SECONDS.toMillis(60));
        assertFalse(capture.isAlive(), "the capture thread returned although the worker is stuck");
        assertTrue(stalled.await(60, TimeUnit.SECONDS), "the worker reached the first file and stalled");

        Map<String, Long> stuck = p.stats();
        long queued = stuck.get("capture.sensor_queue_batches");
        long drops = stuck.get("capture.sensor_queue_drops");
        assertTrue(queued > poolBatches / 2 + 2, "the stuck worker holds more than an even share of the pool: " + queued);
        assertTrue(drops > 0, "frames that did not fit were counted as dropped");
        assertEquals((long) (poolBatches + 2) * Batch.CAPACITY_BYTES, stuck.get("capture.sensor_queue_bytes_reserved"));

        release.countDown();
        Pipeline.Summary sum = p.finish();
        assertEquals(frames.size(), sum.get("decoder.pkts") + sum.get("capture.sensor_queue_drops"),
                "every frame was either analysed or counted as dropped");
        System.out.println("PipelineLiveQueueTest: " + frames.size() + " frames, " + queued + " batches queued behind the "
                + "stuck worker, " + sum.get("capture.sensor_queue_drops") + " frames dropped");
    }
}
