package io.spanwatch.sensor.fuzz;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Reads a fuzz input front to back as a sequence of small fields, so that a fuzz target can turn raw
 * bytes into a script of operations. Past the end every number reads as 0 and every byte string as
 * empty, so any input is a valid script. {@link Writer} writes the same fields, for seed inputs.
 */
public final class FuzzInput {
    private final byte[] data;
    private int pos;

    public FuzzInput(byte[] data) {
        this.data = data;
    }

    /** Tells whether unread bytes are left. */
    public boolean more() {
        return pos < data.length;
    }

    /** Returns an unsigned byte. */
    public int u8() {
        return pos < data.length ? data[pos++] & 0xff : 0;
    }

    /** Returns an unsigned 16-bit big-endian number. */
    public int u16() {
        return u8() << 8 | u8();
    }

    /** Returns a 32-bit big-endian number. */
    public int i32() {
        return u16() << 16 | u16();
    }

    public boolean bool() {
        return (u8() & 1) != 0;
    }

    /** Returns a number in {@code [0, n)}, from one byte when {@code n <= 256}, else from two. */
    public int below(int n) {
        return (n <= 256 ? u8() : u16()) % n;
    }

    /** Returns a byte string: a 16-bit length (cut to {@code max} and to what is left), then the bytes. */
    public byte[] bytes(int max) {
        int n = Math.min(Math.min(u16(), max), data.length - pos);
        byte[] b = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return b;
    }

    /** Returns every unread byte. */
    public byte[] rest() {
        byte[] b = Arrays.copyOfRange(data, pos, data.length);
        pos = data.length;
        return b;
    }

    /** Writes fields that {@link FuzzInput} reads back in the same order. */
    public static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Writer u8(int v) {
            out.write(v);
            return this;
        }

        public Writer u16(int v) {
            return u8(v >>> 8).u8(v);
        }

        public Writer i32(int v) {
            return u16(v >>> 16).u16(v);
        }

        public Writer bool(boolean v) {
            return u8(v ? 1 : 0);
        }

        /** Writes {@code v} for a {@link FuzzInput#below(int) below(n)}. */
        public Writer below(int n, int v) {
            if (v < 0 || v >= n) {
                throw new IllegalArgumentException(v + " is not below " + n);
            }
            return n <= 256 ? u8(v) : u16(v);
        }

        /** Writes a length-prefixed byte string (at most 65,535 bytes). */
        public Writer bytes(byte[] b) {
            if (b.length > 0xffff) {
                throw new IllegalArgumentException("byte string of " + b.length + " bytes");
            }
            u16(b.length);
            out.writeBytes(b);
            return this;
        }

        /** Writes bytes without a length, for {@link FuzzInput#rest()}. */
        public Writer raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        public byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
