package io.spanwatch.sensor.http;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Reads a zstd backward bit stream (RFC 8878 §4.1, §4.2.2): the stream is read from its last byte,
 * whose highest set bit marks where the data ends, towards its first, each value little-endian. Bits
 * asked for beyond the start of the stream read as zeros and are counted, so a caller can tell a stream
 * read exactly to its start ({@link #exhausted}) from one read past it ({@link #overflowed}).
 *
 * <p>Keeps 64 bits in a container that is refilled from the stream as it empties; every array access
 * stays inside the slice given to {@link #init}. Not thread-safe; reused for every stream of a block.
 */
final class ZstdBits {
    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private byte[] src;
    private int start;
    /** Index of the container's lowest byte; bytes below it are not loaded yet. */
    private int ptr;
    /** The 64 bits at {@code ptr}; read from the top. */
    long container;
    /** Bits of the container already read (past 64: read beyond the start of the stream). */
    int consumed;

    /** Starts reading the stream {@code buf[off, end)}; refuses an empty one or one without its end mark. */
    void init(byte[] buf, int off, int end) throws ZstdException {
        if (end <= off) {
            throw new ZstdException("empty bit stream");
        }
        int last = buf[end - 1] & 0xff;
        if (last == 0) {
            throw new ZstdException("bit stream without its end mark");
        }
        src = buf;
        start = off;
        int mark = 8 - (31 - Integer.numberOfLeadingZeros(last));
        int len = end - off;
        if (len >= 8) {
            ptr = end - 8;
            container = (long) LE64.get(buf, ptr);
            consumed = mark;
        } else {
            ptr = off;
            long c = 0;
            for (int i = end - 1; i >= off; i--) {
                c = (c << 8) | (buf[i] & 0xff);
            }
            container = c;
            consumed = mark + (8 - len) * 8;
        }
    }

    /** Moves the container down the stream so that at least 57 unread bits are in it, where the stream has them. */
    void reload() {
        if (consumed > 64) {
            return; // read past the start already
        }
        if (ptr - start >= 8) {
            ptr -= consumed >>> 3;
            consumed &= 7;
            container = (long) LE64.get(src, ptr);
        } else if (ptr > start) {
            int n = Math.min(consumed >>> 3, ptr - start);
            ptr -= n;
            consumed -= n * 8;
            container = (long) LE64.get(src, ptr);
        }
    }

    /** Returns the next {@code n} bits (0 to 32) without reading them; call {@link #reload} first when fewer may be left. */
    int peek(int n) {
        if (n == 0 || consumed >= 64) {
            return 0;
        }
        return (int) ((container << consumed) >>> (64 - n));
    }

    /** Reads {@code n} bits (0 to 31). */
    int read(int n) {
        if (consumed + n > 64) {
            reload();
            if (consumed >= 64) {
                consumed += n;
                return 0; // past the start: zeros
            }
        }
        // Two shifts so that n = 0 yields 0 without a branch.
        int v = (int) (((container << consumed) >>> 1) >>> (63 - n));
        consumed += n;
        return v;
    }

    /** Tells whether more bits were read than the stream holds. */
    boolean overflowed() {
        reload();
        return ptr == start && consumed > 64;
    }

    /** Tells whether every bit of the stream was read, and no more. */
    boolean exhausted() {
        reload();
        return ptr == start && consumed == 64;
    }
}
