package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import org.junit.jupiter.api.Assumptions;
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
        Path pcap = oneConnection(tmp, 12, 3);
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
        Pipeline p = Pipeline.start(cfg, new Outputs(eve, stallAtFirstFile(eve, stalled, release), null, eve));

        // The first batch holds the small body: its worker stalls there while the capture thread feeds
        // the other 20-odd MiB of the connection, all for that same worker.
        boolean proc = java.nio.file.Files.exists(Path.of("/proc/thread-self/stat"));
        int niceBefore = proc ? ThreadNiceTest.niceOfThisThread() : 0; // the capture thread starts with this thread's
        Thread capture = Thread.ofPlatform().name("test-capture").start(() -> {
            p.favourCaptureThread(); // as the sensor command does before its capture
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
        // The thread that fed the frames was favoured (by 10 where permitted: CI's root has CAP_SYS_NICE) and says so.
        long nice = stuck.get("capture.thread_nice");
        int favoured = Math.max(-20, niceBefore - Pipeline.CAPTURE_NICE);
        if (!proc) {
            assertEquals(0, nice, "not Linux: not known");
        } else if (ThreadNiceTest.mayFavour(favoured)) {
            assertEquals(favoured, nice, "the capture thread's nice value, from " + niceBefore);
        } else {
            assertEquals(niceBefore, nice, "not permitted: left alone");
        }

        release.countDown();
        Pipeline.Summary sum = p.finish();
        assertEquals(frames.size(), sum.get("decoder.pkts") + sum.get("capture.sensor_queue_drops"),
                "every frame was either analysed or counted as dropped");
        System.out.println("PipelineLiveQueueTest: " + frames.size() + " frames, " + queued + " batches queued behind the "
                + "stuck worker, " + sum.get("capture.sensor_queue_drops") + " frames dropped");
    }

    /**
     * Reading a file, the pool is made as the capture thread needs it: a small capture reserves no more
     * than a batch per worker, and a large one with a stuck worker stops at the pool's bound and waits
     * (nothing dropped) instead of making more.
     */
    @Test
    void readingAFileMakesBatchesOnlyAsNeededUpToTheBound(@TempDir Path tmp) throws Exception {
        Path pcap = oneConnection(tmp, 8, 4);
        List<PipelineRobustnessTest.Frame> frames = PipelineRobustnessTest.frames(pcap);
        SensorConfig d = SensorConfig.defaults(tmp.resolve("out"), false);
        int poolBatches = 8;
        SensorConfig cfg = new SensorConfig("test", 2, poolBatches, false, d.maxAnomalyEventsPerName(), d.flow(),
                d.reassembly(), d.http(), d.files());
        java.nio.file.Files.createDirectories(cfg.files().outDir());
        io.spanwatch.sensor.event.EveWriter eve = io.spanwatch.sensor.event.EveWriter.open(
                cfg.files().outDir().resolve("eve.json"), "test", false);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stalled = new CountDownLatch(1);
        Pipeline p = Pipeline.start(cfg, new Outputs(eve, stallAtFirstFile(eve, stalled, release), null, eve));
        assertEquals(0L, p.stats().get("capture.sensor_queue_bytes_reserved"), "nothing reserved before the first frame");
        PipelineRobustnessTest.Frame first = frames.get(0);
        p.frame(first.ts(), LinkType.ETHERNET, first.data(), 0, first.data().length, first.data().length);
        assertEquals((long) Batch.CAPACITY_BYTES, p.stats().get("capture.sensor_queue_bytes_reserved"), "one batch for one frame");

        boolean proc = java.nio.file.Files.exists(Path.of("/proc/thread-self/stat"));
        int niceBefore = proc ? ThreadNiceTest.niceOfThisThread() : 0; // the capture thread starts with this thread's
        Thread capture = Thread.ofPlatform().name("test-capture").start(() -> {
            for (PipelineRobustnessTest.Frame f : frames.subList(1, frames.size())) {
                p.frame(f.ts(), LinkType.ETHERNET, f.data(), 0, f.data().length, f.data().length);
            }
        });
        assertTrue(stalled.await(60, TimeUnit.SECONDS), "the worker reached the first file and stalled");
        // The stuck worker's queue takes the whole pool; then the capture thread waits for a batch.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (p.stats().get("capture.sensor_queue_bytes_reserved") < (long) (poolBatches + 2) * Batch.CAPACITY_BYTES
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(capture.isAlive(), "reading a file, the capture thread waits for the stuck worker");
        assertEquals((long) (poolBatches + 2) * Batch.CAPACITY_BYTES, p.stats().get("capture.sensor_queue_bytes_reserved"),
                "no batch beyond the pool's bound (sensor.queue-batches + one per worker)");
        release.countDown();
        capture.join(TimeUnit.SECONDS.toMillis(60));
        assertFalse(capture.isAlive());
        Pipeline.Summary sum = p.finish();
        assertEquals(0L, sum.get("capture.sensor_queue_drops"), "reading a file drops nothing");
        assertEquals(frames.size(), sum.get("decoder.pkts"), "every frame analysed");
    }

    /**
     * One keep-alive connection: a small download, then {@code downloads - 1} of 2 MiB each, so that a
     * worker stalled at the first file has every later frame of the connection queued behind it.
     */
    private static Path oneConnection(Path tmp, int downloads, long seed) throws java.io.IOException {
        Path pcap = tmp.resolve("one-flow.pcap");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, true)) {
            TrafficSynth t = new TrafficSynth(w, 1_700_000_000_000_000_000L);
            TrafficSynth.Conn c = t.tcp("10.0.0.5", 40000, "10.0.0.80", 80).handshake();
            byte[] big = new byte[2 << 20];
            new java.util.Random(seed).nextBytes(big);
            for (int i = 0; i < downloads; i++) {
                c.send(true, ("GET /f" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                byte[] body = i == 0 ? "small".getBytes(StandardCharsets.US_ASCII) : big;
                c.send(false, ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                c.send(false, body);
            }
            c.close();
        }
        return pcap;
    }

    /** A file listener that stalls the worker at the first closed file until {@code release}. */
    private static io.spanwatch.sensor.event.FileListener stallAtFirstFile(
            io.spanwatch.sensor.event.EveWriter eve, CountDownLatch stalled, CountDownLatch release) {
        return file -> {
            stalled.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            eve.accept(new io.spanwatch.sensor.event.FileInfoEvent(file, null, false));
        };
    }

    @Test
    void theCaptureThreadIsFavouredBeforeTheFirstFrameWhenAsked(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(java.nio.file.Files.exists(Path.of("/proc/thread-self/stat")), "needs Linux /proc");
        for (boolean live : new boolean[] {true, false}) {
            Path out = tmp.resolve(live ? "live" : "file");
            SensorConfig d = SensorConfig.defaults(out, live);
            SensorConfig cfg = new SensorConfig("test", 2, 8, live, d.maxAnomalyEventsPerName(), d.flow(), d.reassembly(), d.http(), d.files());
            java.nio.file.Files.createDirectories(out);
            io.spanwatch.sensor.event.EveWriter eve = io.spanwatch.sensor.event.EveWriter.open(out.resolve("eve.json"), "test", live);
            Pipeline p = Pipeline.start(cfg, Outputs.sensorOnly(eve));
            assertNull(p.stats().get("capture.thread_nice"), "not said before the capture thread is known");
            int[] seen = new int[2];
            Thread capture = Thread.ofPlatform().start(() -> {
                seen[0] = ThreadNiceTest.niceOfThisThread();
                p.favourCaptureThread();
                seen[1] = ThreadNiceTest.niceOfThisThread();
            });
            capture.join();
            Long said = p.stats().get("capture.thread_nice");
            if (!live) {
                assertNull(said, "reading files: no capture thread to favour");
                assertEquals(seen[0], seen[1]);
            } else {
                assertEquals(seen[1], said.intValue(), "stats say the capture thread's nice value before any frame");
                int favoured = Math.max(-20, seen[0] - Pipeline.CAPTURE_NICE);
                assertEquals(ThreadNiceTest.mayFavour(favoured) ? favoured : seen[0], seen[1]);
            }
            p.finish();
        }
    }
}
