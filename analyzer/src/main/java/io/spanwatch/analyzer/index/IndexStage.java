package io.spanwatch.analyzer.index;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.spanwatch.analyzer.events.AnalyzerStage;
import io.spanwatch.analyzer.events.StageThreads;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import io.spanwatch.sensor.event.EveWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.document.Document;

/**
 * Indexes every event that passes the event bus into {@code DIR/index} (see the package guide).
 * Events wait in a bounded queue ({@link IndexConfig#queueEvents}) for one indexing thread, which
 * renders each event once through {@link EveRenderer} into both its EVE JSON line (the stored source,
 * the same bytes the EVE writer writes, and so the same id) and its Lucene document.
 *
 * <p>Never blocks capture: live, an event that finds the queue full is dropped and counted
 * ({@code index.dropped}, and {@code index/dropped.json}, which the console shows); offline the
 * worker waits, so {@code analyze} indexes every event. New events are committed every
 * {@link IndexConfig#commitInterval} (live; offline at the end), which is when the console sees
 * them; retention runs at start and every minute.
 *
 * <p>Threads: {@link #onEvent} on any thread; one daemon thread {@code spanwatch-index} does the rest.
 */
public final class IndexStage implements AnalyzerStage {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(IndexStage.class);
    private static final JsonFactory JSON = io.spanwatch.sensor.event.JsonEscapes.factory();
    private static final long RETENTION_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Put behind the last events by {@link #inputEnded} and {@link #close}, so the thread acts without waiting out its poll. */
    private static final EveEvent WAKE = new io.spanwatch.sensor.event.StatsEvent(0, 0, Map.of());

    private final EventIndexWriter writer;
    private final EveRenderer renderer;
    private final boolean live;
    private final IndexConfig config;
    private final IndexCounters counters;
    private final BlockingQueue<EveEvent> queue;
    private final Thread thread;
    private volatile boolean closing;
    /** The error that ended the indexing thread, or null. */
    private volatile Throwable died;
    /** Set by {@link #inputEnded}: write the buffered segment once the queue is empty. */
    private volatile boolean flushWhenIdle;
    /** Events queued, and events done with (indexed or failed): drain waits until they are equal. */
    private final java.util.concurrent.atomic.AtomicLong queued = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();

    private IndexStage(EventIndexWriter writer, EveRenderer renderer, boolean live, IndexConfig config, IndexCounters counters) {
        this.writer = writer;
        this.renderer = renderer;
        this.live = live;
        this.config = config;
        this.counters = counters;
        this.queue = new ArrayBlockingQueue<>(config.queueEvents());
        this.thread = new Thread(this::run, "spanwatch-index");
        thread.setDaemon(true);
    }

    /**
     * Opens the index under {@code indexDir}, applies retention and starts the indexing thread.
     *
     * @param renderer the EVE writer's layout ({@link EveWriter#renderer()}), so sources equal the EVE lines
     */
    public static IndexStage start(Path indexDir, IndexConfig config, EveRenderer renderer, boolean live, Clock clock)
            throws IOException {
        IndexCounters counters = new IndexCounters();
        EventIndexWriter w = EventIndexWriter.open(indexDir, config, counters, clock);
        try {
            w.applyRetention();
        } catch (IOException e) {
            LOG.warn("index retention failed: {}", e.toString());
        }
        IndexStage s = new IndexStage(w, renderer, live, config, counters);
        s.thread.start();
        return s;
    }

    public IndexCounters counters() {
        return counters;
    }

    @Override
    public EveEvent onEvent(EveEvent e) {
        if (closing || died != null) {
            counters.dropped.incrementAndGet();
            return e;
        }
        if (live) {
            if (queue.offer(e)) {
                queued.incrementAndGet();
            } else {
                counters.dropped.incrementAndGet();
            }
        } else {
            try {
                if (StageThreads.offerWhileAlive(queue, e, thread)) {
                    queued.incrementAndGet();
                } else {
                    counters.dropped.incrementAndGet(); // the thread died (failure()): nothing indexes any more
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                counters.dropped.incrementAndGet();
            }
        }
        return e;
    }

    private void run() {
        try {
            indexAll();
        } catch (Error e) {
            // Out of memory or worse: the thread cannot go on. The workers stop waiting for it
            // (StageThreads), the run ends and names this; a live sensor's handler stops it.
            died = e;
            queue.clear();
            // what was queued and not indexed, the event in hand included (the wake-ups are not counted)
            long left = queued.get() - done.get();
            counters.dropped.addAndGet(left);
            done.addAndGet(left);
            throw e;
        }
    }

    @Override
    public Exception failure() {
        Throwable d = died;
        return d == null ? null : StageThreads.stopped("indexing", d, counters.dropped.get() + queued.get() - done.get());
    }

    private void indexAll() {
        DocumentBuilder builder = new DocumentBuilder(writer.schema(), counters);
        ByteArrayOutputStream json = new ByteArrayOutputStream(4096);
        long commitEvery = config.commitInterval().toNanos();
        long lastCommit = System.nanoTime();
        long lastRetention = lastCommit;
        boolean pending = false;
        while (true) {
            EveEvent e;
            try {
                e = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ie) {
                break;
            }
            if (e != null && e != WAKE) {
                index(e, builder, json);
                done.incrementAndGet();
                pending = true;
            } else if (closing && queue.isEmpty()) {
                break;
            }
            if (flushWhenIdle && queue.isEmpty()) {
                flushWhenIdle = false;
                write("flush", writer::flush);
            }
            long now = System.nanoTime();
            if (live && pending && now - lastCommit >= commitEvery) {
                write("commit", writer::commit);
                pending = false;
                lastCommit = now;
            }
            if (now - lastRetention >= RETENTION_EVERY_NANOS) {
                lastRetention = now;
                try {
                    writer.applyRetention();
                } catch (IOException ex) {
                    LOG.warn("index retention failed: {}", ex.toString());
                }
            }
        }
    }

    private void index(EveEvent e, DocumentBuilder builder, ByteArrayOutputStream json) {
        try {
            json.reset();
            builder.reset();
            try (JsonGenerator g = JSON.createGenerator(json, JsonEncoding.UTF8)) {
                renderer.render(e, new TeeFieldWriter(EveWriter.jsonFields(g), builder));
            }
            byte[] line = json.toByteArray();
            Document doc = builder.finish(EventIds.of(line, 0, line.length), line, 0, line.length);
            writer.add(doc, builder.timestamp(), null);
        } catch (IOException | RuntimeException ex) {
            if (counters.errors.incrementAndGet() <= 5) {
                LOG.warn("event not indexed", ex);
            }
        }
    }

    /** What the thread does to the writer besides adding: a flush or a commit. */
    private interface WriterStep {
        void run() throws IOException;
    }

    /** Runs {@code step}; a failure is counted and logged (the first five), and indexing goes on. */
    private void write(String what, WriterStep step) {
        try {
            step.run();
        } catch (IOException | RuntimeException ex) {
            if (counters.errors.incrementAndGet() <= 5) {
                LOG.warn("index {} failed", what, ex);
            }
        }
    }

    /**
     * Starts writing the buffered segment as soon as the thread has indexed what is queued, while
     * the other stages drain: the final commit then writes only the events raised after this.
     */
    @Override
    public void inputEnded() {
        flushWhenIdle = true;
        queue.offer(WAKE);
    }

    /**
     * Waits until every queued event is indexed. Does not commit: the pipeline's final stats event
     * comes after the drain, and {@link #close} commits once for both (one flush of the last segment
     * instead of two: the flush runs after the capture is read, so its wall time counts whole).
     */
    @Override
    public void drain() throws InterruptedException {
        while (done.get() < queued.get() && thread.isAlive()) {
            Thread.sleep(5);
        }
    }

    @Override
    public void addStats(Map<String, Long> stats) {
        counters.addTo(stats);
        stats.put("index.queue", queued.get() - done.get()); // events not yet indexed (not the wake-ups)
        stats.put("index.fields_over_limit", writer.schema().overLimit());
    }

    /** Indexes what is still queued, commits and closes the index. */
    @Override
    public void close() throws IOException {
        closing = true;
        queue.offer(WAKE); // when the queue is full the thread is busy and sees closing when it empties
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.close();
    }
}
