package io.spanwatch.sensor.http;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Computes XXH64 (seed 0) over bytes given piece by piece: the content checksum of a zstd frame
 * (RFC 8878 §3.1.1 keeps its low 32 bits). Not thread-safe.
 */
final class Xxh64 {
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;
    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private long v1;
    private long v2;
    private long v3;
    private long v4;
    private long total;
    private final byte[] stripe = new byte[32];
    private int held;

    Xxh64() {
        reset();
    }

    /** Starts a new digest. */
    void reset() {
        v1 = P1 + P2;
        v2 = P2;
        v3 = 0;
        v4 = -P1;
        total = 0;
        held = 0;
    }

    /** Adds {@code len} bytes of {@code buf} from {@code off}. */
    void update(byte[] buf, int off, int len) {
        total += len;
        int end = off + len;
        if (held > 0) {
            int n = Math.min(32 - held, len);
            System.arraycopy(buf, off, stripe, held, n);
            held += n;
            off += n;
            if (held < 32) {
                return;
            }
            stripes(stripe, 0, 32);
            held = 0;
        }
        int whole = (end - off) & ~31;
        stripes(buf, off, whole);
        off += whole;
        if (off < end) {
            System.arraycopy(buf, off, stripe, 0, end - off);
            held = end - off;
        }
    }

    private void stripes(byte[] b, int off, int len) {
        long a1 = v1;
        long a2 = v2;
        long a3 = v3;
        long a4 = v4;
        for (int end = off + len; off < end; off += 32) {
            a1 = round(a1, le64(b, off));
            a2 = round(a2, le64(b, off + 8));
            a3 = round(a3, le64(b, off + 16));
            a4 = round(a4, le64(b, off + 24));
        }
        v1 = a1;
        v2 = a2;
        v3 = a3;
        v4 = a4;
    }

    /** Returns the digest of the bytes added since the last {@link #reset}. */
    long digest() {
        long h;
        if (total >= 32) {
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = merge(h, v1);
            h = merge(h, v2);
            h = merge(h, v3);
            h = merge(h, v4);
        } else {
            h = P5;
        }
        h += total;
        int i = 0;
        for (; i + 8 <= held; i += 8) {
            h ^= round(0, le64(stripe, i));
            h = Long.rotateLeft(h, 27) * P1 + P4;
        }
        if (i + 4 <= held) {
            h ^= (le32(stripe, i)) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            i += 4;
        }
        for (; i < held; i++) {
            h ^= (stripe[i] & 0xffL) * P5;
            h = Long.rotateLeft(h, 11) * P1;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(long acc, long input) {
        acc += input * P2;
        acc = Long.rotateLeft(acc, 31);
        return acc * P1;
    }

    private static long merge(long acc, long v) {
        acc ^= round(0, v);
        return acc * P1 + P4;
    }

    private static long le64(byte[] b, int i) {
        return (long) LE64.get(b, i);
    }

    private static long le32(byte[] b, int i) {
        return (b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16 | (b[i + 3] & 0xffL) << 24;
    }
}
