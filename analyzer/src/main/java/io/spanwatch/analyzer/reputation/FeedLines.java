package io.spanwatch.analyzer.reputation;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Reads a feed file line by line, with bounds. A gzip or zip file (recognised by its first bytes,
 * as abuse.ch serves its dumps) is decompressed on the fly; of a zip, the first file is read. A line
 * is UTF-8 (a byte-order mark is skipped, invalid bytes become U+FFFD) ending in LF or CRLF; a
 * line longer than {@code maxLineBytes} is skipped and reported by {@link #tooLong()}. Reading stops
 * after {@code maxBytes} decompressed bytes, reported by {@link #truncated()}.
 *
 * <p>Owns the stream it opens; one thread.
 */
final class FeedLines implements Closeable {
    private final InputStream in;
    private final int maxLineBytes;
    private final BoundedInput limited;
    private final byte[] chunk = new byte[1 << 16];
    private int pos;
    private int lim;
    private boolean eof;
    private byte[] buf = new byte[256];
    private int lineNumber;
    private boolean tooLong;
    private boolean first = true;

    private FeedLines(InputStream raw, long maxBytes, int maxLineBytes) {
        this.limited = new BoundedInput(raw, maxBytes);
        this.in = limited;
        this.maxLineBytes = maxLineBytes;
    }

    /** Opens a feed file; throws when it cannot be opened or its compression is broken. */
    static FeedLines open(Path file, long maxBytes, int maxLineBytes) throws IOException {
        return new FeedLines(decompressed(file), maxBytes, maxLineBytes);
    }

    /** Reads lines from a stream (takes ownership). */
    static FeedLines of(InputStream in, long maxBytes, int maxLineBytes) {
        return new FeedLines(in, maxBytes, maxLineBytes);
    }

    /** Returns the file's content, decompressed when it is gzip or zip. */
    static InputStream decompressed(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            raw.mark(4);
            int b0 = raw.read();
            int b1 = raw.read();
            int b2 = raw.read();
            int b3 = raw.read();
            raw.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                return new GZIPInputStream(raw, 1 << 16);
            }
            if (b0 == 'P' && b1 == 'K' && b2 == 3 && b3 == 4) {
                ZipInputStream z = new ZipInputStream(raw);
                ZipEntry e;
                while ((e = z.getNextEntry()) != null && e.isDirectory()) {
                    // skip folders
                }
                if (e == null) {
                    z.close();
                    throw new IOException("zip archive holds no file");
                }
                return z;
            }
            return raw;
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** Returns the next line without its end, or null at the end of the file. */
    String next() throws IOException {
        tooLong = false;
        int n = 0;
        boolean any = false;
        while (true) {
            if (pos == lim) {
                lim = eof ? -1 : in.read(chunk, 0, chunk.length);
                pos = 0;
                if (lim <= 0) {
                    eof = true;
                    lim = 0;
                    break;
                }
            }
            any = true;
            int nl = pos;
            while (nl < lim && chunk[nl] != '\n') {
                nl++;
            }
            int take = Math.min(nl - pos, maxLineBytes - n);
            if (take < nl - pos) {
                tooLong = true;
            }
            if (take > 0) {
                if (n + take > buf.length) {
                    buf = java.util.Arrays.copyOf(buf, Math.min(maxLineBytes, Math.max(n + take, buf.length * 2)));
                }
                System.arraycopy(chunk, pos, buf, n, take);
                n += take;
            }
            if (nl < lim) {
                pos = nl + 1;
                break;
            }
            pos = lim;
        }
        if (!any) {
            return null;
        }
        lineNumber++;
        int len = n;
        if (len > 0 && buf[len - 1] == '\r' && !tooLong) {
            len--;
        }
        int off = 0;
        if (first) {
            first = false;
            if (len >= 3 && (buf[0] & 0xff) == 0xef && (buf[1] & 0xff) == 0xbb && (buf[2] & 0xff) == 0xbf) {
                off = 3;
            }
        }
        return tooLong ? "" : new String(buf, off, len - off, StandardCharsets.UTF_8);
    }

    /** Returns the number of the line {@link #next} returned last (1-based). */
    int lineNumber() {
        return lineNumber;
    }

    /** Returns true when the last line was longer than the bound (it was returned empty). */
    boolean tooLong() {
        return tooLong;
    }

    /** Returns true when reading stopped at the byte bound. */
    boolean truncated() {
        return limited.hit();
    }

    /** Returns the stream under the line reader, for formats read whole (JSON). */
    InputStream stream() {
        return in;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
