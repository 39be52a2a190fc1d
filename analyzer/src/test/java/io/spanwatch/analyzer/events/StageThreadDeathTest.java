package io.spanwatch.analyzer.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.analyzer.correlate.CorrelateConfig;
import io.spanwatch.analyzer.correlate.CorrelateStage;
import io.spanwatch.analyzer.index.IndexConfig;
import io.spanwatch.analyzer.index.IndexStage;
import io.spanwatch.analyzer.index.TestEvents;
import io.spanwatch.sensor.capture.CaptureFile;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import io.spanwatch.sensor.event.EveWriter;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.pipeline.Outputs;
import io.spanwatch.sensor.pipeline.Pipeline;
import io.spanwatch.sensor.pipeline.SensorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stage's own thread (correlation, index) that dies of an {@link Error} must not hang an offline
 * run. Offline, the workers wait for room in the stage's queue so that no event is lost; before
 * this, a dead correlation thread made no room again and {@code analyze} waited forever with no word.
 * Now the workers stop waiting for a thread that is gone, the other outputs get every event, and the
 * run ends by naming the failure ({@code Pipeline.finish} fails with it, so {@code analyze} prints it
 * and exits with status 1).
 *
 * <p>The errors are real errors thrown where such errors come from: a stage after correlation that
 * runs out of memory on an event the correlation thread raised, and an event whose rendering
 * overflows (a list that cannot be walked). The {@link Timeout}s only turn a hang into a failure.
 */
class StageThreadDeathTest {
    private static final long T0 = 1_710_230_000_000L; // ms

    @TempDir
    Path tmp;

    /** Throws {@link OutOfMemoryError} for every event raised on the correlation thread; passes the others. */
    private static final class OutOfMemoryOnCorrelation implements AnalyzerStage {
        final AtomicInteger thrown = new AtomicInteger();

        @Override
        public EveEvent onEvent(EveEvent e) {
            if (Thread.currentThread().getName().equals("spanwatch-correlate")) {
                thrown.incrementAndGet();
                throw new OutOfMemoryError("Java heap space (made by the test)");
            }
            return e;
        }
    }

    private static final class Count implements AnalyzerStage {
        final AtomicInteger http = new AtomicInteger();
        final AtomicInteger all = new AtomicInteger();

        @Override
        public EveEvent onEvent(EveEvent e) {
            all.incrementAndGet();
            if (e instanceof HttpEvent) {
                http.incrementAndGet();
            }
            return e;
        }
    }

    /**
     * Correlation with a 4-event queue and no rules (Esper contains what its listeners throw, even
     * errors; the beacon and incident alerts are raised outside it).
     */
    private static CorrelateStage correlation(EventBus bus) throws Exception {
        CorrelateConfig c = CorrelateConfig.defaults(null, false).withHomeNet(AddressSet.parse("10.0.0.0/8"));
        c = new CorrelateConfig(c.homeNet(), c.allowlists(), c.rulesDir(), c.threshold(), c.minCallbacks(), c.burstGapMillis(),
                c.windowMillis(), c.scoreIntervalMillis(), c.maxPairs(), c.maxCallbacks(), c.maxStored(),
                c.incidentWindowMillis(), c.maxHosts(), c.maxIncidentBytes(), 16, c.latenessMillis(), 4, false);
        return CorrelateStage.start(c, bus, new EveRenderer("test", false), p -> { });
    }

    /** The {@code i}th callback of a host polling c2.example once a minute. */
    private static HttpEvent request(int i) {
        EventHeader h = new EventHeader(i, new int[0], "10.1.2.3", 40000 + i, "192.0.2.7", 80, "TCP", true, 4, null, "http", null);
        HttpInfo http = new HttpInfo(0, "c2.example", -1, "/poll?" + i, "curl", "text/plain", "GET", null, "HTTP/1.1", 200, 16, 0, null);
        return new HttpEvent((T0 + i * 60_000L) * 1_000_000L, h, http);
    }

    private static long stat(AnalyzerStage s, String key) {
        Map<String, Long> m = new HashMap<>();
        s.addStats(m);
        return m.getOrDefault(key, 0L);
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aDeadCorrelationThreadNeitherBlocksTheWorkersNorGoesUnsaid() throws Exception {
        EventBus bus = new EventBus();
        CorrelateStage s = correlation(bus);
        OutOfMemoryOnCorrelation bomb = new OutOfMemoryOnCorrelation();
        Count out = new Count();
        bus.add(s).add(bomb).add(out);
        assertNull(bus.failure());
        int n = 2_000; // 500 times the queue: with put() the 5th event after the thread died waited forever
        for (int i = 0; i < n; i++) {
            bus.accept(request(i));
        }
        bus.inputEnded();
        bus.drain();
        assertEquals(1, bomb.thrown.get(), "the first beacon alert (at the first hourly scoring) ended the thread");
        assertEquals(n, out.http.get(), "the outputs after correlation got every event");
        Exception f = bus.failure();
        assertNotNull(f, "the bus names the dead stage");
        assertTrue(f.getMessage().startsWith("correlation stopped: java.lang.OutOfMemoryError: Java heap space (made by the test); "),
                f.getMessage());
        assertTrue(f.getCause() instanceof OutOfMemoryError, String.valueOf(f.getCause()));
        long dropped = stat(s, "correlate.queue_drops");
        assertTrue(dropped > 0 && dropped < n, "the events after its death are counted as not correlated: " + dropped);
        assertTrue(f.getMessage().contains(" events not handled by it"), f.getMessage());
        bus.close();
    }

    /** A list that overflows the stack when walked, as a deep enough structure would. */
    private static final class Overflowing extends AbstractList<String> {
        @Override
        public String get(int index) {
            throw new StackOverflowError("made by the test");
        }

        @Override
        public int size() {
            return 1;
        }
    }

    private static FileEvent hostileFile(int i) {
        EventHeader h = new EventHeader(i, new int[0], "10.1.2.3", 40000 + i, "192.0.2.7", 80, "TCP", true, 4, null, "http", null);
        HttpInfo http = new HttpInfo(0, "files.example", -1, "/f", "curl", "application/octet-stream", "GET", null, "HTTP/1.1", 200, 68,
                0, null);
        FileInfo fi = new FileInfo("/f", 68, "m", "s1", "a".repeat(64), "application/x-dosexec", "CLOSED", false, 0, true, null, false,
                null, new Overflowing(), -1, -1, -1, false, null, false, 1);
        return new FileEvent((T0 + i * 1_000L) * 1_000_000L, h, http, false, fi, null);
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aDeadIndexThreadNeitherBlocksTheWorkersNorGoesUnsaid() throws Exception {
        IndexConfig small = new IndexConfig(true, 4, java.time.Duration.ofDays(30), Long.MAX_VALUE, 16, java.time.Duration.ofSeconds(5),
                100, 2, 2);
        Clock clock = Clock.fixed(Instant.ofEpochMilli(T0), ZoneOffset.UTC);
        IndexStage index = IndexStage.start(tmp.resolve("index"), small, new EveRenderer(TestEvents.SENSOR, false), false, clock);
        try {
            index.onEvent(request(0));
            index.onEvent(new FileInfoEvent(hostileFile(1), null, false));
            int n = 1_000;
            for (int i = 2; i < n; i++) {
                index.onEvent(request(i)); // with put() the 5th after the thread died waited forever
            }
            index.drain();
            Exception f = index.failure();
            assertNotNull(f, "the stage names its dead thread");
            assertTrue(f.getMessage().startsWith("indexing stopped: java.lang.StackOverflowError: made by the test; "), f.getMessage());
            assertTrue(stat(index, "index.dropped") > 0, "the events after its death are counted as dropped");
        } finally {
            index.close();
        }
    }

    /** Passes a copy of the first {@code fileinfo} event whose rendering overflows the stack, the others as they are. */
    private static final class Overflow implements AnalyzerStage {
        final AtomicInteger changed = new AtomicInteger();

        @Override
        public EveEvent onEvent(EveEvent e) {
            if (e instanceof FileInfoEvent fe && changed.compareAndSet(0, 1)) {
                FileEvent f = fe.file();
                FileInfo i = f.info();
                FileInfo hostile = new FileInfo(i.filename(), i.size(), i.md5(), i.sha1(), i.sha256(), i.mimetype(), i.state(), i.gaps(),
                        i.missingBytes(), i.stored(), i.storedSha256(), i.storeCutoff(), i.truncatedReason(), new Overflowing(),
                        i.rangeStart(), i.rangeEnd(), i.rangeTotal(), i.assembled(), i.formField(), i.spoolLimit(), i.fileId());
                return new FileInfoEvent(new FileEvent(f.tsNanos(), f.header(), f.http(), f.toServer(), hostile, f.stored()), fe.verdict(),
                        fe.lateVerdict());
            }
            return e;
        }
    }

    /**
     * The whole offline run: the demo capture through the pipeline, the index's thread dying on the
     * first file (its queue holds 4 events, the demo has some 35). The run ends; every event is in
     * eve.json; finish fails naming the stage, with the figures of the run, as for a worker's failure.
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anOfflineRunWhoseIndexingDiedEndsAndSaysSo() throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        Path outDir = Files.createDirectories(tmp.resolve("out"));
        SensorConfig config = SensorConfig.defaults(outDir, false);
        EveWriter writer = EveWriter.open(outDir.resolve("eve.json"), config.sensorName(), false);
        IndexConfig small = new IndexConfig(true, 4, java.time.Duration.ofDays(30), Long.MAX_VALUE, 16, java.time.Duration.ofSeconds(5),
                100, 2, 2);
        IndexStage index = IndexStage.start(outDir.resolve("index"), small, writer.renderer(), false, Clock.systemUTC());
        EventBus bus = new EventBus();
        Count seen = new Count();
        Overflow overflow = new Overflow();
        bus.add(seen).add(AnalyzerStage.output(writer)).add(overflow).add(index);
        Outputs outputs = new Outputs(bus, f -> bus.accept(new FileInfoEvent(f, null, false)), bus, writer);
        Pipeline p = Pipeline.start(config, outputs);
        try (CaptureFile c = CaptureFile.open(pcap)) {
            p.source(c.name());
            c.run(p);
        }
        Pipeline.OutputFailed failed = assertThrows(Pipeline.OutputFailed.class, p::finish);
        assertTrue(failed.getMessage().startsWith("indexing stopped: java.lang.StackOverflowError: made by the test; "), failed.getMessage());
        assertNotNull(failed.summary(), "the figures of the run are still there");
        assertEquals(1, overflow.changed.get());
        List<String> lines = Files.readAllLines(outDir.resolve("eve.json"));
        assertEquals(seen.all.get(), lines.size(), "every event is in eve.json");
        assertTrue(seen.all.get() > 20, "the demo's events: " + seen.all.get());
        String stats = lines.get(lines.size() - 1);
        assertTrue(stats.contains("\"event_type\":\"stats\"") && !stats.contains("\"index.dropped\":0,"),
                "the stats event counts what was not indexed: " + stats);
    }
}
