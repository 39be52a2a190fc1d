package io.spanwatch.sensor.http;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Holds what one zstd frame decoded, as far back as a match may reach: a ring of the frame's window
 * plus one block, so that a block is decoded in place and handed on from there. The ring grows with
 * the frame's content (a small body behind a large declared window costs little) and only wraps once
 * it reached its full size. Checking offsets and lengths is the caller's job; the copies here stay
 * within the ring whatever they are given. Not thread-safe.
 */
final class ZstdWindow {
    private static final int MIN_SIZE = 64 * 1024;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    byte[] ring = new byte[0];
    /** Size of the ring in use for this frame (at most {@code ring.length}). */
    int cap;
    /** Size the ring may grow to in this frame: its window plus one block. */
    private int full;
    /**
     * Whether a match may write up to 7 bytes past its end: those ring slots hold bytes older than the
     * window by then (the ring has one block, at least 16 bytes, more than the window) or none yet.
     */
    private boolean overshoot;
    /** Where the next byte goes. */
    int pos;
    /** Bytes decoded in this frame. */
    long produced;

    /** Starts a frame whose window and largest block are given; keeps the ring allocated. */
    void begin(int windowSize, int blockMax) {
        full = windowSize + blockMax;
        overshoot = blockMax >= 16;
        cap = Math.min(ring.length, full);
        pos = 0;
        produced = 0;
    }

    /**
     * Returns the ring size needed before up to {@code bound} more bytes may be written, or 0 when the
     * ring in use has room (growing {@link #cap} within the allocated ring when it can).
     */
    int sizeFor(int bound) {
        if (cap == full || pos + bound <= cap) {
            return 0;
        }
        int size = (int) Math.min(full, Math.max(Math.max(2L * cap, (long) pos + bound), MIN_SIZE));
        if (size <= ring.length) {
            cap = size;
            return 0;
        }
        return size;
    }

    /** Replaces the ring by a larger one; the frame has not wrapped yet, so its bytes are {@code [0, pos)}. */
    void grow(int size) {
        ring = Arrays.copyOf(ring, size);
        cap = size;
    }

    /** Appends {@code len} bytes of {@code src} from {@code off}. */
    void put(byte[] src, int off, int len) {
        produced += len;
        while (len > 0) {
            int n = room(len);
            System.arraycopy(src, off, ring, pos, n);
            off += n;
            len -= n;
            advance(n);
        }
    }

    /** Appends {@code len} copies of {@code b}. */
    void fill(byte b, int len) {
        produced += len;
        while (len > 0) {
            int n = room(len);
            Arrays.fill(ring, pos, pos + n, b);
            len -= n;
            advance(n);
        }
    }

    /** Appends {@code len} bytes copied from {@code offset} (1 to what the ring holds) bytes back, overlapping as LZ77 does. */
    void match(int offset, int len) {
        produced += len;
        int src = pos - offset;
        if (src < 0) {
            src += cap;
        }
        while (len > 0) {
            int n = Math.min(room(len), cap - src);
            if (offset >= 8 && overshoot && pos + n + 8 <= cap && src + n + 8 <= cap) {
                // Eight bytes at a time (each word read is written already, offset >= 8), past the end by up to 7.
                for (int i = 0; i < n; i += 8) {
                    LONGS.set(ring, pos + i, (long) LONGS.get(ring, src + i));
                }
            } else if (offset >= n) {
                System.arraycopy(ring, src, ring, pos, n);
            } else if (offset == 1) {
                Arrays.fill(ring, pos, pos + n, ring[src]);
            } else {
                for (int i = 0; i < n; i++) {
                    ring[pos + i] = ring[src + i];
                }
            }
            len -= n;
            src += n;
            if (src == cap) {
                src = 0;
            }
            advance(n);
        }
    }

    /** Returns how many of {@code len} bytes fit before the end of the ring; none would be a caller's bug (no room made). */
    private int room(int len) {
        int n = Math.min(len, cap - pos);
        if (n <= 0) {
            throw new IllegalStateException("zstd window has no room: position " + pos + " of " + cap);
        }
        return n;
    }

    /** Moves past {@code n} written bytes; wraps only once the ring has its full size (until then it grows instead). */
    private void advance(int n) {
        pos += n;
        if (pos == cap && cap == full) {
            pos = 0;
        }
    }

    /** Lets the ring go. */
    void release() {
        ring = new byte[0];
        cap = 0;
        full = 0;
        pos = 0;
    }
}
