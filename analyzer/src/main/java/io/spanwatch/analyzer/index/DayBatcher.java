package io.spanwatch.analyzer.index;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups the lines an import reads by the UTC day of their {@code timestamp} into batches of one day
 * each, so that the indexing threads write one day at a time even when the input is shuffled across
 * many days (each event to another day would touch another day's Lucene buffers, out of the CPU's
 * caches, and past {@link IndexConfig#importOpenDays} close and reopen a day).
 *
 * <p>The day is only a hint, read from a line that starts {@code {"timestamp":"...",} (as SpanWatch
 * and Suricata write) by {@link #day}; a line it cannot tell goes to a batch of its own, and the
 * indexing thread parses every line in full and puts it in the day its {@code timestamp} says
 * whatever batch it came in. So the batches only change the order in which lines are indexed.
 *
 * <p>Limits: a day's lines are handed over ({@link Sink#accept}) when they reach
 * {@link #BATCH_BYTES}, when no line of that day came for {@link #IDLE_LINES} lines (the input has
 * moved on, as in a file in time order), and, largest first, while all days together take more than
 * {@code maxPendingBytes} of heap (their arrays, which grow by doubling); {@link #finish} hands over
 * the rest.
 *
 * <p>Not thread-safe: the importer's reading thread owns it.
 */
final class DayBatcher {
    /** Bytes of lines after which a batch is handed over. */
    static final int BATCH_BYTES = (1 << 20) - (1 << 16);
    /** Lines read without one for a day after which its lines are handed over. */
    static final int IDLE_LINES = 1 << 14;
    /** The key of lines whose day {@link #day} cannot tell. */
    static final long NO_DAY = Long.MIN_VALUE;
    private static final byte[] TIMESTAMP = "\"timestamp\"".getBytes(StandardCharsets.US_ASCII);
    /** Longest timestamp text read for a hint ({@code 2026-11-21T06:13:41.532140+0000} is 31). */
    private static final int MAX_TIME_CHARS = 40;

    /**
     * Lines of one day (or of lines whose day was not told), packed: line {@code i} is
     * {@code buf[ends[i-1], ends[i])}, from {@code files[i]} (an index into the importer's files) at
     * line number {@code lines[i]}.
     */
    record Batch(byte[] buf, int[] ends, int[] files, long[] lines, int count) {
    }

    /** Takes a batch (the importer's queue, which may block). */
    interface Sink {
        void accept(Batch b) throws InterruptedException;
    }

    private final long maxPendingBytes;
    private final Sink sink;
    private final Map<Long, Part> parts = new HashMap<>();
    private long pendingBytes;
    private long linesRead;

    DayBatcher(long maxPendingBytes, Sink sink) {
        this.maxPendingBytes = maxPendingBytes;
        this.sink = sink;
    }

    /** Adds the line {@code src[off, off+len)} (without its line end), line {@code line} of file {@code file}. */
    void add(byte[] src, int off, int len, int file, long line) throws InterruptedException {
        long day = day(src, off, len);
        Part p = parts.get(day);
        long before = 0;
        if (p == null) {
            p = new Part();
            parts.put(day, p);
        } else {
            before = p.bytes();
        }
        p.add(src, off, len, file, line);
        p.lastLine = ++linesRead;
        pendingBytes += p.bytes() - before;
        if (p.len >= BATCH_BYTES) {
            send(day);
        }
        while (pendingBytes > maxPendingBytes) {
            send(largest());
        }
        if ((linesRead & (IDLE_LINES - 1)) == 0) {
            for (Map.Entry<Long, Part> e : new ArrayList<>(parts.entrySet())) {
                if (linesRead - e.getValue().lastLine >= IDLE_LINES) {
                    send(e.getKey());
                }
            }
        }
    }

    /** Hands over every line not handed over yet, day by day in time order. */
    void finish() throws InterruptedException {
        List<Long> days = new ArrayList<>(parts.keySet());
        Collections.sort(days);
        for (long day : days) {
            send(day);
        }
    }

    private long largest() {
        long found = NO_DAY;
        long most = -1;
        for (Map.Entry<Long, Part> e : parts.entrySet()) {
            if (e.getValue().bytes() > most) {
                most = e.getValue().bytes();
                found = e.getKey();
            }
        }
        return found;
    }

    private void send(long day) throws InterruptedException {
        Part p = parts.remove(day);
        pendingBytes -= p.bytes();
        sink.accept(new Batch(p.buf, p.ends, p.files, p.lines, p.count));
    }

    /**
     * Returns the UTC day (days since the epoch) of the line {@code b[off, off+len)} when it is a JSON
     * object whose first member is a {@code timestamp} text without escapes that {@link EveTimes} reads;
     * else {@link #NO_DAY}.
     */
    static long day(byte[] b, int off, int len) {
        int end = off + len;
        int i = skipSpace(b, off, end);
        if (i == end || b[i] != '{') {
            return NO_DAY;
        }
        i = skipSpace(b, i + 1, end);
        if (end - i < TIMESTAMP.length || !Arrays.equals(b, i, i + TIMESTAMP.length, TIMESTAMP, 0, TIMESTAMP.length)) {
            return NO_DAY;
        }
        i = skipSpace(b, i + TIMESTAMP.length, end);
        if (i == end || b[i] != ':') {
            return NO_DAY;
        }
        i = skipSpace(b, i + 1, end);
        if (i == end || b[i] != '"') {
            return NO_DAY;
        }
        int start = ++i;
        while (i < end && i - start <= MAX_TIME_CHARS && b[i] != '"' && b[i] != '\\') {
            i++;
        }
        if (i == end || b[i] != '"') {
            return NO_DAY;
        }
        long micros = EveTimes.parseMicros(new String(b, start, i - start, StandardCharsets.ISO_8859_1));
        return micros == EveTimes.INVALID ? NO_DAY : EveTimes.epochDay(micros);
    }

    private static int skipSpace(byte[] b, int i, int end) {
        while (i < end && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) {
            i++;
        }
        return i;
    }

    /** The lines of one day not handed over yet (its arrays start small: a shuffled input may hold thousands of days). */
    private static final class Part {
        byte[] buf = new byte[256];
        int len;
        int[] ends = new int[8];
        int[] files = new int[8];
        long[] lines = new long[8];
        int count;
        long lastLine;

        /** Returns the heap its arrays take. */
        long bytes() {
            return buf.length + ends.length * (long) (Integer.BYTES + Integer.BYTES + Long.BYTES);
        }

        void add(byte[] src, int off, int n, int file, long line) {
            if (len + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
            }
            System.arraycopy(src, off, buf, len, n);
            len += n;
            if (count == ends.length) {
                ends = Arrays.copyOf(ends, count * 2);
                files = Arrays.copyOf(files, count * 2);
                lines = Arrays.copyOf(lines, count * 2);
            }
            ends[count] = len;
            files[count] = file;
            lines[count] = line;
            count++;
        }
    }
}
