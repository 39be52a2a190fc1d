package io.spanwatch.sensor.capture;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Recognises a compressed file by its first bytes, not its name (as Wireshark and {@code file(1)} do),
 * and undoes gzip and zstd: for captures ({@link CaptureInput}) and for EVE files imported into the
 * index. gzip goes through {@link GzipMembers} (every member, each checked), zstd through libzstd
 * (the zstd-jni binding the Kafka client already ships) with windows up to
 * {@link #ZSTD_WINDOW_LOG_MAX}. Other compressions are recognised only to be named in the error.
 */
public final class Decompression {
    /** Largest zstd window accepted, as a power of two: 128 MiB, what the zstd tool decodes without {@code --long}. */
    public static final int ZSTD_WINDOW_LOG_MAX = 27;
    /** Most bytes asked of the zstd decoder at once (see {@link #open}). */
    static final int ZSTD_READ_BYTES = 8 * 1024;
    /** Bytes {@link #detect} needs to see. */
    public static final int MAGIC_BYTES = 6;

    private Decompression() {
    }

    /** The compressions recognised by their first bytes. */
    public enum Compression {
        GZIP("gzip", true, 0x1f, 0x8b),
        ZSTD("zstd", true, 0x28, 0xb5, 0x2f, 0xfd),
        XZ("xz", false, 0xfd, '7', 'z', 'X'),
        BZIP2("bzip2", false, 'B', 'Z', 'h'),
        LZ4("lz4", false, 0x04, 0x22, 0x4d, 0x18),
        ZIP("zip", false, 'P', 'K', 3, 4);

        /** Its usual name ("gzip"). */
        public final String label;
        /** Whether SpanWatch undoes it. */
        public final boolean readable;
        private final int[] magic;

        Compression(String label, boolean readable, int... magic) {
            this.label = label;
            this.readable = readable;
            this.magic = magic;
        }

        /** The compression whose magic {@code b} (of {@code n} bytes) starts with, or null. */
        public static Compression of(byte[] b, int n) {
            for (Compression c : values()) {
                if (n >= c.magic.length) {
                    boolean match = true;
                    for (int i = 0; i < c.magic.length && match; i++) {
                        match = (b[i] & 0xff) == c.magic[i];
                    }
                    if (match) {
                        return c;
                    }
                }
            }
            return null;
        }
    }

    /** The compression {@code in} starts with, or null; {@code in} must support mark and reset and is left where it was. */
    public static Compression detect(InputStream in) throws IOException {
        in.mark(MAGIC_BYTES);
        byte[] magic = new byte[MAGIC_BYTES];
        int m = in.readNBytes(magic, 0, MAGIC_BYTES);
        in.reset();
        return Compression.of(magic, m);
    }

    /**
     * Undoes {@code c} (a readable one) over {@code in}.
     *
     * @throws IOException when the data does not start as {@code c} says, or zstd cannot be loaded here
     */
    public static InputStream open(Compression c, InputStream in) throws IOException {
        if (c == Compression.GZIP) {
            return new GzipMembers(in);
        }
        if (c != Compression.ZSTD) {
            throw new IllegalArgumentException(c.label + " is not undone here");
        }
        com.github.luben.zstd.ZstdInputStreamNoFinalizer z;
        try {
            z = new com.github.luben.zstd.ZstdInputStreamNoFinalizer(in);
        } catch (LinkageError e) { // no libzstd for this platform in the binding
            throw new IOException("zstd cannot be loaded here (" + e + "): decompress it first", e);
        }
        z.setLongMax(ZSTD_WINDOW_LOG_MAX);
        // zstd-jni fills a read whole and, when the data breaks off, throws away what it had decoded for
        // that read: small reads keep all but the last few KiB before a cut
        return new FilterInputStream(z) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, ZSTD_READ_BYTES));
            }
        };
    }

    /**
     * Returns {@code in} decompressed when it starts with gzip or zstd, else {@code in} itself;
     * {@code in} must support mark and reset.
     *
     * @throws IOException naming a compression SpanWatch does not undo (xz, bzip2, lz4, zip)
     */
    public static InputStream decompressing(InputStream in) throws IOException {
        Compression c = detect(in);
        if (c == null) {
            return in;
        }
        if (!c.readable) {
            throw new IOException(c.label + "-compressed; SpanWatch undoes gzip and zstd: decompress it first");
        }
        return open(c, in);
    }
}
