package io.spanwatch.sensor.reassembly;

/**
 * Keeps the stream offsets of the bytes a direction's receiver takes out of band (TCP urgent data),
 * so that {@link TcpStream} steps over them when it passes the stream on.
 *
 * <p>Every current stack reads the urgent pointer as BSD did, marking the byte after the urgent one,
 * and, unless the application asked for urgent data inline ({@code SO_OOBINLINE}, which HTTP clients
 * and servers never do), takes that one byte out of the stream for {@code recv(MSG_OOB)}: the
 * application never sees it (RFC 6093 §3). A decoy byte marked urgent would otherwise shift or
 * corrupt what the sensor extracts. The receiver's policy decides the details:
 * <ul>
 * <li>Linux ({@code linux}, {@code old-linux}) keeps one mark per direction, the latest one past what
 * it has received in order (a later mark replaces an earlier one still ahead, {@code tcp_check_urg}),
 * takes the byte whenever it arrives, and reads a zero pointer as marking the segment's first byte;
 * <li>the BSD-derived stacks (every other policy, Windows included) ignore a zero pointer and take the
 * byte out only when it lies in the segment that carries the pointer ({@code tcp_pulloutofband}); marks
 * of segments held out of order wait side by side, at most {@value #MAX_MARKS} per direction (anomaly
 * {@code stream.urgent_limit} past that, the byte then staying inline).
 * </ul>
 * Marks at or past the sender's FIN, or before what the receiver already has in order, are ignored by
 * both.
 *
 * <p>Not thread-safe: owned by its stream.
 */
final class UrgentMarks {
    /** Most marks a BSD-derived receiver's direction waits to take out at once; Linux keeps one. */
    static final int MAX_MARKS = 16;

    private final boolean linux;
    /** Stream offsets of the marked bytes, ascending; {@link #count} of them. */
    private final long[] marks;
    private int count;

    UrgentMarks(OverlapPolicy receiver) {
        this.linux = receiver.isLinux();
        this.marks = new long[linux ? 1 : MAX_MARKS];
    }

    /**
     * Returns the stream offset of the byte a segment at {@code r} carrying {@code len} bytes marks
     * with urgent pointer {@code pointer}, or -1 when this receiver takes nothing out for it.
     */
    long marked(long r, int pointer, int len) {
        if (pointer == 0) {
            return linux ? r : -1;
        }
        return pointer > len && !linux ? -1 : r + pointer - 1;
    }

    /** Records a mark; false when it could not be kept (the byte stays inline). */
    boolean add(long u) {
        if (linux) {
            if (count == 0 || u > marks[0]) {
                marks[0] = u; // a later mark replaces one still ahead; an earlier or equal one is no news
                count = 1;
            }
            return true;
        }
        int i = 0;
        while (i < count && marks[i] < u) {
            i++;
        }
        if (i < count && marks[i] == u) {
            return true;
        }
        if (count == marks.length) {
            return false;
        }
        System.arraycopy(marks, i, marks, i + 1, count - i);
        marks[i] = u;
        count++;
        return true;
    }

    /** Returns the lowest mark below {@code end}, or -1. */
    long firstBefore(long end) {
        return count > 0 && marks[0] < end ? marks[0] : -1;
    }

    /** Forgets the lowest mark (its byte was stepped over). */
    void dropFirst() {
        count--;
        System.arraycopy(marks, 1, marks, 0, count);
    }

    /** Forgets the marks below {@code offset} (their bytes were lost in a gap). */
    void dropBefore(long offset) {
        while (count > 0 && marks[0] < offset) {
            dropFirst();
        }
    }
}
