package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import io.spanwatch.sensor.event.FileListener;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the pipeline in live mode, where the capture thread must not be held up for long. */
class PipelineLiveTest {
    @TempDir
    Path dir;

    @Test
    void aWorkerBehindForAMomentLosesNothing() throws Exception {
        // One worker with the smallest queue. It stops at the first file it closes until the capture
        // thread has been waiting for it; the frames of that moment must wait (the kernel's buffer
        // would hold them), not be dropped.
        SensorConfig d = SensorConfig.defaults(dir, true);
        SensorConfig cfg = new SensorConfig("test", 1, 2, true, d.maxAnomalyEventsPerName(), d.flow(), d.reassembly(), d.http(),
                d.files());
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean stalled = new AtomicBoolean();
        Pipeline p = Pipeline.start(cfg, eve -> (FileListener) file -> {
            if (stalled.compareAndSet(false, true)) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            eve.fileinfo(file, null);
        });
        TrafficSynth synth = new TrafficSynth(new PcapWriter(OutputStream.nullOutputStream(), LinkType.ETHERNET, true,
                ByteOrder.LITTLE_ENDIAN, PcapWriter.DEFAULT_SNAPLEN), 0);
        List<byte[]> frames = new ArrayList<>();
        TrafficSynth.Conn web = synth.tcp("10.0.0.1", 40000, "10.0.0.2", 80);
        frames.add(web.segment(true, TrafficSynth.SYN, 100, 0, new byte[0]));
        frames.add(web.segment(false, TrafficSynth.SYN | TrafficSynth.ACK, 500, 101, new byte[0]));
        byte[] req = "GET /f HTTP/1.1\r\nHost: h\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] rsp = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".getBytes(StandardCharsets.US_ASCII);
        frames.add(web.segment(true, TrafficSynth.ACK, 101, 501, req));
        frames.add(web.segment(false, TrafficSynth.ACK, 501, 101 + req.length, rsp));
        long ts = 1_700_000_000_000_000_000L;
        for (byte[] f : frames) {
            p.frame(ts, LinkType.ETHERNET, f, 0, f.length, f.length);
            ts += 1000;
        }
        Thread.sleep(150);
        p.tick(); // sends the pending batch: the worker closes the file and stops
        for (int i = 0; i < 3000 && !stalled.get(); i++) {
            Thread.sleep(10);
        }
        assertTrue(stalled.get(), "the worker was held up");
        TrafficSynth.Conn bulk = synth.tcp("10.0.0.3", 40001, "10.0.0.4", 80);
        byte[] ack = bulk.segment(true, TrafficSynth.ACK, 1000, 2000, new byte[0]);
        int bulkFrames = 12 * Batch.CAPACITY_FRAMES; // more than the queue and the free batches hold
        Thread capture = Thread.currentThread();
        Thread releaser = new Thread(() -> {
            // Let the worker go once the capture thread waits for it.
            while (release.getCount() > 0) {
                if (capture.getState() == Thread.State.TIMED_WAITING) {
                    release.countDown();
                }
                Thread.onSpinWait();
            }
        });
        releaser.setDaemon(true);
        releaser.start();
        for (int i = 0; i < bulkFrames; i++) {
            p.frame(ts, LinkType.ETHERNET, ack, 0, ack.length, ack.length);
            ts += 1000;
        }
        release.countDown();
        Pipeline.Summary s = p.finish();
        assertEquals(0, s.get("capture.sensor_queue_drops"));
        assertEquals(frames.size() + bulkFrames, s.get("decoder.pkts"));
        assertEquals(1, s.get("file.closed"));
    }
}
