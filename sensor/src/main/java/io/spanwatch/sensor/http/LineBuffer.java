package io.spanwatch.sensor.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Gathers a line that arrives in pieces, and remembers when its bytes arrived, so that a message
 * found in it starts at the packet time of its own first byte, however the line was cut into
 * segments. Owned by one {@link MessageReader} ({@link ReaderHoldings}), which bounds its length and
 * charges its capacity to the worker's {@link HttpMemory}; a whole line read in place only marks its
 * time here.
 */
final class LineBuffer {
    private byte[] buf;
    private int len;
    /** From {@code at[i]} on, the line's bytes came at {@code ts[i]}. */
    private int[] at = new int[4];
    private long[] ts = new long[4];
    private int marks;

    int length() {
        return len;
    }

    boolean isEmpty() {
        return len == 0;
    }

    /** Empties the line, keeping its buffer. */
    void clear() {
        len = 0;
    }

    /** Empties the line and lets its buffer go. */
    void free() {
        len = 0;
        buf = null;
    }

    /** Makes room for {@code n} more bytes; returns the buffer's capacity, to be charged. */
    int reserve(int n) {
        if (buf == null) {
            buf = new byte[Math.max(256, n)];
        } else if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
        return buf.length;
    }

    /** Adds bytes that came at {@code time}, after {@link #reserve(int)}. */
    void append(long time, byte[] b, int off, int n) {
        mark(time);
        System.arraycopy(b, off, buf, len, n);
        len += n;
    }

    /** Notes that the bytes about to be added came at {@code time} (for a line read in place: at its start). */
    void mark(long time) {
        if (len == 0) {
            marks = 0;
        }
        if (marks > 0 && ts[marks - 1] == time) {
            return;
        }
        if (marks == at.length) {
            at = Arrays.copyOf(at, marks * 2);
            ts = Arrays.copyOf(ts, marks * 2);
        }
        at[marks] = len;
        ts[marks++] = time;
    }

    /** Forgets the first {@code drop} bytes of the line (fewer than it holds). */
    void dropStart(int drop) {
        System.arraycopy(buf, drop, buf, 0, len - drop);
        len -= drop;
        int first = 0;
        while (first + 1 < marks && at[first + 1] <= drop) {
            first++;
        }
        marks -= first;
        System.arraycopy(at, first, at, 0, marks);
        System.arraycopy(ts, first, ts, 0, marks);
        at[0] = 0;
        for (int i = 1; i < marks; i++) {
            at[i] -= drop;
        }
    }

    /** Returns the packet time of the line's byte at {@code pos} (the line just read, or the one being read). */
    long at(int pos) {
        int i = marks - 1;
        while (i > 0 && at[i] > pos) {
            i--;
        }
        return ts[i];
    }

    /** Returns the complete line gathered, without its LF and a CR before it. */
    String text() {
        return text(buf, 0, len);
    }

    /** Returns what was gathered of a line not yet complete, as ISO-8859-1 text. */
    String partial() {
        return len == 0 ? "" : new String(buf, 0, len, StandardCharsets.ISO_8859_1);
    }

    /** Returns a line's text without its LF and a CR before it. */
    static String text(byte[] b, int off, int rawLen) {
        int n = rawLen - 1;
        if (n > 0 && b[off + n - 1] == '\r') {
            n--;
        }
        return new String(b, off, n, StandardCharsets.ISO_8859_1);
    }
}
