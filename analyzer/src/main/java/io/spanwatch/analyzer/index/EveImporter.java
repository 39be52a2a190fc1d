package io.spanwatch.analyzer.index;

import io.spanwatch.sensor.capture.Decompression;
import io.spanwatch.sensor.files.CountingInputStream;
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
import org.apache.lucene.document.Document;

/**
 * Imports EVE JSON files (SpanWatch's or Suricata's, plain, gzip or zstd) into the index: one event per
 * line, each walked through the same {@link DocumentBuilder} live indexing uses, its line kept as
 * the stored source and its id made from the line ({@link EventIds}). An event already in the index
 * (the same line imported before, or indexed live) is replaced, not doubled.
 *
 * <p>A line that is not one JSON object with a readable {@code timestamp}, or is longer than
 * {@link IndexConfig#MAX_EVENT_BYTES}, is skipped and counted; the first such line (in the order of
 * the files and their lines) is named in the result. An unreadable file is an {@link IOException}
 * naming it (files before it stay imported).
 *
 * <p>Lines are indexed in batches of one day each ({@link DayBatcher}), which hold at most a
 * sixteenth of the heap before they are handed over, so that an input shuffled across many days is
 * written one day at a time. Threads: the calling thread reads and batches lines; {@code threads}
 * workers parse and index them.
 */
public final class EveImporter {
    /** Heap an id of {@link IdSet} takes at most. */
    private static final int ID_BYTES = 12;
    private static final DayBatcher.Batch END = new DayBatcher.Batch(new byte[0], new int[0], new int[0], new long[0], 0);

    private final EventIndexWriter writer;
    private final int threads;
    private final long maxPendingBytes;
    private final AtomicLong bytesRead = new AtomicLong();
    /** Bytes of the files as stored (compressed or not) read so far: what progress is measured in. */
    private final AtomicLong storedRead = new AtomicLong();
    private final AtomicLong lines = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** The files of the running import, in order (a batch names them by their index). */
    private volatile List<Path> files = List.of();
    /** What {@link #STDIN} reads in the running import. */
    private volatile InputStream stdin = System.in;
    /** The first skipped line, by file then line; guarded by {@code this}. */
    private String firstProblem;
    private int firstProblemFile;
    private long firstProblemLine;

    public EveImporter(EventIndexWriter writer, int threads) {
        this(writer, threads, Math.clamp(Runtime.getRuntime().maxMemory() / 16, 4L << 20, 256L << 20));
    }

    /** Makes an importer whose lines waiting to be indexed take at most {@code maxPendingBytes} (tests set it small). */
    EveImporter(EventIndexWriter writer, int threads, long maxPendingBytes) {
        this.writer = writer;
        this.threads = Math.max(1, threads);
        this.maxPendingBytes = maxPendingBytes;
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

    /** Returns the bytes of the input read so far, decompressed. */
    public long bytesRead() {
        return bytesRead.get();
    }

    /** Returns the bytes of the files as stored read so far (compressed bytes of a compressed file); any thread. */
    public long storedRead() {
        return storedRead.get();
    }

    /** Returns the events indexed so far. */
    public long lines() {
        return lines.get();
    }

    /** Returns the batches of lines handed to the indexing threads so far. */
    long batches() {
        return batches.get();
    }

    /** Names standard input among the files ({@code -}, as {@code analyze} takes a capture). */
    public static final Path STDIN = Path.of("-");

    /** Imports {@code files} in order, commits, and returns what was done; {@link #STDIN} reads {@code System.in}. */
    public Result run(List<Path> files) throws IOException, InterruptedException {
        return run(files, System.in);
    }

    /** Imports {@code files} in order ({@link #STDIN} reads {@code stdin}, which is left open), commits, and returns what was done. */
    public Result run(List<Path> files, InputStream stdin) throws IOException, InterruptedException {
        this.stdin = stdin;
        long t0 = System.nanoTime();
        long indexedBefore = writer.counters().indexed.get();
        this.files = List.copyOf(files);
        BlockingQueue<DayBatcher.Batch> queue = new ArrayBlockingQueue<>(threads * 2);
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> work(queue), "spanwatch-import-" + i);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
        DayBatcher batcher = new DayBatcher(maxPendingBytes, b -> {
            batches.incrementAndGet();
            queue.put(b);
        });
        try {
            for (int i = 0; i < files.size() && failure.get() == null; i++) {
                read(i, batcher);
            }
        } finally {
            try {
                batcher.finish(); // also when a file could not be read: the lines before it stay imported
            } finally {
                for (int i = 0; i < workers.size(); i++) {
                    queue.put(END);
                }
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
        writer.commit(threads);
        String problem;
        synchronized (this) {
            problem = firstProblem;
        }
        return new Result(lines.get(), writer.counters().indexed.get() - indexedBefore, skipped.get(), bytesRead.get(),
                (System.nanoTime() - t0) / 1e9, problem);
    }

    /** Reads the lines of file {@code fileIndex} into {@code batcher}; stops early when a worker failed. */
    private void read(int fileIndex, DayBatcher batcher) throws IOException, InterruptedException {
        Path file = files.get(fileIndex);
        // gzip (every member, each checked: a damaged one fails the import instead of ending the file
        // quietly) or zstd, as logrotate leaves a sensor's EVE; recognised by the first bytes
        long storedSeen = 0;
        InputStream source = file.equals(STDIN) ? new java.io.FilterInputStream(stdin) {
            @Override
            public void close() {
                // standard input stays open: it is not this importer's
            }
        } : Files.newInputStream(file);
        try (CountingInputStream stored = new CountingInputStream(source);
                InputStream raw = new BufferedInputStream(stored, 1 << 16);
                InputStream in = Decompression.decompressing(raw)) {
            byte[] chunk = new byte[1 << 16];
            // the start of a line that goes on in the next chunk
            byte[] carry = new byte[1 << 12];
            int carried = 0;
            long lineNo = 1;
            boolean tooLong = false;
            int n;
            while ((n = in.read(chunk)) > 0 && failure.get() == null) {
                bytesRead.addAndGet(n);
                storedRead.addAndGet(stored.count() - storedSeen);
                storedSeen = stored.count();
                int i = 0;
                while (i < n) {
                    int nl = i;
                    while (nl < n && chunk[nl] != '\n') {
                        nl++;
                    }
                    // bytes i..nl belong to the current line
                    int take = nl - i;
                    if (!tooLong && carried + take > IndexConfig.MAX_EVENT_BYTES) {
                        tooLong = true;
                        carried = 0;
                    } else if (!tooLong && (nl == n || carried > 0)) {
                        if (carried + take > carry.length) {
                            carry = Arrays.copyOf(carry, Math.max(carry.length * 2, carried + take));
                        }
                        System.arraycopy(chunk, i, carry, carried, take);
                        carried += take;
                    }
                    if (nl == n) {
                        break; // the line goes on in the next chunk
                    }
                    if (tooLong) {
                        skip(fileIndex, lineNo, "line longer than " + IndexConfig.MAX_EVENT_BYTES + " bytes");
                        tooLong = false;
                    } else if (carried > 0) {
                        batcher.add(carry, 0, carried, fileIndex, lineNo);
                        carried = 0;
                    } else {
                        batcher.add(chunk, i, take, fileIndex, lineNo);
                    }
                    lineNo++;
                    i = nl + 1;
                }
            }
            if (tooLong) {
                skip(fileIndex, lineNo, "line longer than " + IndexConfig.MAX_EVENT_BYTES + " bytes");
            } else if (carried > 0) {
                batcher.add(carry, 0, carried, fileIndex, lineNo);
            }
        } catch (IOException e) {
            throw new IOException(name(file) + ": " + e.getMessage(), e);
        }
    }

    /** Names an input in messages: its path, or {@code standard input} for {@link #STDIN}. */
    private static String name(Path file) {
        return file.equals(STDIN) ? "standard input" : file.toString();
    }

    private void skip(int fileIndex, long line, String why) {
        skipped.incrementAndGet();
        synchronized (this) {
            if (firstProblem == null || fileIndex < firstProblemFile || (fileIndex == firstProblemFile && line < firstProblemLine)) {
                firstProblem = name(files.get(fileIndex)) + ":" + line + ": " + why;
                firstProblemFile = fileIndex;
                firstProblemLine = line;
            }
        }
    }

    /** Indexes batches until {@link #END}; after a failure, takes the rest without indexing them, so the reader never waits. */
    private void work(BlockingQueue<DayBatcher.Batch> queue) {
        DocumentBuilder builder = new DocumentBuilder(writer.schema(), writer.counters());
        try {
            DayBatcher.Batch b;
            while ((b = queue.take()) != END) {
                if (failure.get() != null) {
                    continue;
                }
                try {
                    int start = 0;
                    for (int i = 0; i < b.count(); i++) {
                        int end = b.ends()[i];
                        line(b, start, end, b.files()[i], b.lines()[i], builder);
                        start = end;
                    }
                } catch (IOException | RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Returns the offset of the first byte in {@code b[start, end)} that is not part of well-formed
     * UTF-8 (RFC 3629: no overlong forms, no encoded surrogates, nothing past U+10FFFF), or -1.
     */
    static int invalidUtf8(byte[] b, int start, int end) {
        int i = start;
        while (i < end) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int need;
            int min;
            int max = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                min = c == 0xE0 ? 0xA0 : 0x80;
                max = c == 0xED ? 0x9F : 0xBF;
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                min = c == 0xF0 ? 0x90 : 0x80;
                max = c == 0xF4 ? 0x8F : 0xBF;
            } else {
                return i;
            }
            if (i + need >= end) {
                return i; // cut short by the line's end
            }
            int second = b[i + 1] & 0xFF;
            if (second < min || second > max) {
                return i;
            }
            for (int k = 2; k <= need; k++) {
                if ((b[i + k] & 0xC0) != 0x80) {
                    return i;
                }
            }
            i += need + 1;
        }
        return -1;
    }

    private void line(DayBatcher.Batch b, int start, int end, int fileIndex, long lineNo, DocumentBuilder builder) throws IOException {
        byte[] buf = b.buf();
        while (end > start && (buf[end - 1] == '\r' || buf[end - 1] == ' ' || buf[end - 1] == '\t')) {
            end--;
        }
        while (start < end && (buf[start] == ' ' || buf[start] == '\t')) {
            start++;
        }
        if (end - start >= 3 && buf[start] == (byte) 0xEF && buf[start + 1] == (byte) 0xBB && buf[start + 2] == (byte) 0xBF) {
            start += 3; // a byte-order mark (an editor's, or files joined with cat): not part of the event, nor of its id
        }
        if (start == end) {
            return;
        }
        lines.incrementAndGet();
        int bad = invalidUtf8(buf, start, end);
        if (bad >= 0) {
            // Jackson's reader takes overlong forms (C0 BC as '<') and encoded surrogates, which no writer of
            // the source could then write back (the API answered 500): the line is refused whole (review)
            skip(fileIndex, lineNo, "not valid UTF-8 at byte " + (bad - start + 1));
            return;
        }
        builder.reset();
        try {
            EveJsonWalker.walk(buf, start, end - start, builder);
        } catch (IOException e) {
            skip(fileIndex, lineNo, "not an EVE JSON event: " + e.getMessage().lines().findFirst().orElse(""));
            return;
        }
        if (builder.timestamp() == EveTimes.INVALID) {
            skip(fileIndex, lineNo, "no readable timestamp");
            return;
        }
        byte[] id = EventIds.of(buf, start, end - start);
        Document doc = builder.finish(id, buf, start, end - start);
        writer.add(doc, builder.timestamp(), id);
    }
}
