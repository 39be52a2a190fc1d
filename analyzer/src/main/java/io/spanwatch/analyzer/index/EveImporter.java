package io.spanwatch.analyzer.index;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import org.apache.lucene.document.Document;

/**
 * Imports EVE JSON files (SpanWatch's or Suricata's, plain or gzip) into the index: one event per
 * line, each walked through the same {@link DocumentBuilder} live indexing uses, its line kept as
 * the stored source and its id made from the line ({@link EventIds}). An event already in the index
 * (the same line imported before, or indexed live) is replaced, not doubled.
 *
 * <p>A line that is not one JSON object with a readable {@code timestamp}, or is longer than
 * {@link IndexConfig#MAX_EVENT_BYTES}, is skipped and counted; the first such line is named in the
 * result. An unreadable file is an {@link IOException} naming it (files before it stay imported).
 *
 * <p>Threads: the calling thread reads lines into batches of about 1 MiB; {@code threads} workers
 * parse and index them.
 */
public final class EveImporter {
    private static final int BATCH_BYTES = 1 << 20;
    /** Heap an id of {@link IdSet} takes at most. */
    private static final int ID_BYTES = 12;
    private static final Batch END = new Batch(null, 0, new byte[0], new int[0], 0, 0);

    private final EventIndexWriter writer;
    private final int threads;
    private final AtomicLong bytesRead = new AtomicLong();
    private final AtomicLong lines = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicReference<String> firstProblem = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    public EveImporter(EventIndexWriter writer, int threads) {
        this.writer = writer;
        this.threads = Math.max(1, threads);
        // an import owns the process: a quarter of the heap for Lucene's buffers (all open days together, at least the
        // configured buffer), and an eighth for the ids of the events of the open days (IdSet, 12 bytes an id at most)
        long heap = Runtime.getRuntime().maxMemory();
        writer.ramBufferMb(Math.max(writer.config().ramBufferMb(), Math.min(1024, heap / 4 / (1 << 20))));
        writer.bulk(heap / 8 / ID_BYTES);
    }

    /**
     * What an import did.
     *
     * @param firstProblem the first skipped line ({@code FILE:LINE: why}), or null
     */
    public record Result(long lines, long events, long skipped, long bytes, double seconds, String firstProblem) {
    }

    /** Lines of one file, packed: line {@code i} is {@code buf[ends[i-1], ends[i])}. */
    private record Batch(Path file, long firstLine, byte[] buf, int[] ends, int count, int len) {
    }

    /** Returns the bytes of the input read so far (for a progress bar). */
    public long bytesRead() {
        return bytesRead.get();
    }

    /** Returns the events indexed so far. */
    public long lines() {
        return lines.get();
    }

    /** Imports {@code files} in order, commits, and returns what was done. */
    public Result run(List<Path> files) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        long indexedBefore = writer.counters().indexed.get();
        BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(threads * 2);
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> work(queue), "spanwatch-import-" + i);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
        try {
            for (Path f : files) {
                read(f, queue);
                if (failure.get() != null) {
                    break;
                }
            }
        } finally {
            for (int i = 0; i < workers.size(); i++) {
                queue.put(END);
            }
            for (Thread t : workers) {
                t.join();
            }
        }
        Throwable f = failure.get();
        if (f instanceof IOException io) {
            throw io;
        } else if (f != null) {
            throw new IOException("import failed: " + f, f);
        }
        writer.commit();
        return new Result(lines.get(), writer.counters().indexed.get() - indexedBefore, skipped.get(), bytesRead.get(),
                (System.nanoTime() - t0) / 1e9, firstProblem.get());
    }

    private void read(Path file, BlockingQueue<Batch> queue) throws IOException, InterruptedException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            InputStream in = raw;
            raw.mark(2);
            if (raw.read() == 0x1f && raw.read() == 0x8b) {
                raw.reset();
                in = new GZIPInputStream(raw, 1 << 16);
            } else {
                raw.reset();
            }
            byte[] buf = new byte[BATCH_BYTES];
            int[] ends = new int[4096];
            int count = 0;
            int len = 0;
            int lineStart = 0;
            long lineNo = 1;
            long firstLine = 1;
            boolean tooLong = false;
            byte[] chunk = new byte[1 << 16];
            int n;
            while ((n = in.read(chunk)) > 0) {
                bytesRead.addAndGet(n);
                int i = 0;
                while (i < n) {
                    int nl = i;
                    while (nl < n && chunk[nl] != '\n') {
                        nl++;
                    }
                    // bytes i..nl belong to the current line
                    if (!tooLong) {
                        int take = nl - i;
                        if (len - lineStart + take > IndexConfig.MAX_EVENT_BYTES) {
                            tooLong = true;
                        } else {
                            if (len + take > buf.length) {
                                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + take));
                            }
                            System.arraycopy(chunk, i, buf, len, take);
                            len += take;
                        }
                    }
                    if (nl == n) {
                        break; // the line goes on in the next chunk
                    }
                    i = nl + 1;
                    if (tooLong) {
                        // kept as an empty line, so later lines keep their numbers
                        skip(file, lineNo, "line longer than " + IndexConfig.MAX_EVENT_BYTES + " bytes");
                        tooLong = false;
                        len = lineStart;
                    }
                    if (count == ends.length) {
                        ends = Arrays.copyOf(ends, count * 2);
                    }
                    ends[count++] = len;
                    lineStart = len;
                    lineNo++;
                    if (len > BATCH_BYTES - (BATCH_BYTES >> 4)) {
                        queue.put(new Batch(file, firstLine, buf, ends, count, len));
                        buf = new byte[BATCH_BYTES];
                        ends = new int[4096];
                        count = 0;
                        len = 0;
                        lineStart = 0;
                        firstLine = lineNo;
                    }
                }
            }
            if (tooLong) {
                skip(file, lineNo, "line longer than " + IndexConfig.MAX_EVENT_BYTES + " bytes");
            } else if (len > lineStart) {
                if (count == ends.length) {
                    ends = Arrays.copyOf(ends, count + 1);
                }
                ends[count++] = len;
            }
            if (count > 0) {
                queue.put(new Batch(file, firstLine, buf, ends, count, len));
            }
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private void skip(Path file, long line, String why) {
        skipped.incrementAndGet();
        firstProblem.compareAndSet(null, file + ":" + line + ": " + why);
    }

    private void work(BlockingQueue<Batch> queue) {
        DocumentBuilder builder = new DocumentBuilder(writer.schema(), writer.counters());
        try {
            Batch b;
            while ((b = queue.take()) != END) {
                int start = 0;
                for (int i = 0; i < b.count(); i++) {
                    int end = b.ends()[i];
                    line(b, start, end, b.firstLine() + i, builder);
                    start = end;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            failure.compareAndSet(null, e);
            queue.clear();
        }
    }

    private void line(Batch b, int start, int end, long lineNo, DocumentBuilder builder) throws IOException {
        byte[] buf = b.buf();
        while (end > start && (buf[end - 1] == '\r' || buf[end - 1] == ' ' || buf[end - 1] == '\t')) {
            end--;
        }
        while (start < end && (buf[start] == ' ' || buf[start] == '\t')) {
            start++;
        }
        if (start == end) {
            return;
        }
        lines.incrementAndGet();
        builder.reset();
        try {
            EveJsonWalker.walk(buf, start, end - start, builder);
        } catch (IOException e) {
            skip(b.file(), lineNo, "not an EVE JSON event: " + e.getMessage().lines().findFirst().orElse(""));
            return;
        }
        if (builder.timestamp() == EveTimes.INVALID) {
            skip(b.file(), lineNo, "no readable timestamp");
            return;
        }
        byte[] id = EventIds.of(buf, start, end - start);
        Document doc = builder.finish(id, buf, start, end - start);
        writer.add(doc, builder.timestamp(), id);
    }
}
