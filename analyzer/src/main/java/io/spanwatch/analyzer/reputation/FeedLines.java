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
 * is UTF-8 (a byte-order mark is skipped, invalid bytes become U+FFFD; UTF-16 with a byte-order
 * mark is read as its UTF-8) ending in LF, CRLF or a lone CR (old Mac tools); a
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
    /** The last line ended in CR: an LF right after it belongs to that end (CRLF). */
    private boolean skipLf;
    private byte[] buf = new byte[256];
    private int lineNumber;
    private int current;
    private final java.util.ArrayDeque<Replay> replay = new java.util.ArrayDeque<>();
    private boolean tooLong;
    private String longStart;
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

    /** Returns the file's content, decompressed when it is gzip or zip, as UTF-8 when it is UTF-16 with a byte-order mark. */
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
                return utf8(new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16));
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
                return utf8(new BufferedInputStream(z, 1 << 16));
            }
            return utf8(raw);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /**
     * Returns {@code in} (which must support mark) as it is, or re-encoded as UTF-8 when it starts
     * with a UTF-16 byte-order mark: lists saved by Windows tools (PowerShell 5's {@code >} and
     * {@code Out-File}, Notepad's "Unicode") are UTF-16. Takes ownership.
     */
    private static InputStream utf8(InputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 == 0xff && b1 == 0xfe || b0 == 0xfe && b1 == 0xff) {
            return new Utf16AsUtf8(new java.io.InputStreamReader(in, StandardCharsets.UTF_16));
        }
        return in;
    }

    /** Re-encodes the characters of a reader as UTF-8 bytes; owns the reader. */
    private static final class Utf16AsUtf8 extends InputStream {
        private final java.io.Reader reader;
        private final char[] chars = new char[8192];
        private int carry = -1;
        private byte[] bytes = new byte[0];
        private int pos;

        Utf16AsUtf8(java.io.Reader reader) {
            this.reader = reader;
        }

        private boolean fill() throws IOException {
            while (pos == bytes.length) {
                int off = 0;
                if (carry >= 0) {
                    chars[0] = (char) carry;
                    carry = -1;
                    off = 1;
                }
                int n = reader.read(chars, off, chars.length - off);
                if (n < 0) {
                    if (off == 0) {
                        return false;
                    }
                    n = 0;
                } else if (n > 0 && Character.isHighSurrogate(chars[off + n - 1])) {
                    carry = chars[off + n - 1];
                    n--;
                }
                bytes = new String(chars, 0, off + n).getBytes(StandardCharsets.UTF_8);
                pos = 0;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            return fill() ? bytes[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, bytes.length - pos);
            System.arraycopy(bytes, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }

    /** A line given back by {@link #unread}, with its number. */
    private record Replay(int number, String text) {
    }

    /**
     * Gives lines back to be returned again by {@link #next}, in order, before any other: a reader
     * that took lines ahead and found it should not have (an unterminated quoted CSV field).
     * {@code firstNumber} is the line number of the first.
     */
    void unread(java.util.List<String> lines, int firstNumber) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            replay.addFirst(new Replay(firstNumber + i, lines.get(i)));
        }
    }

    /** Returns the next line without its end, or null at the end of the file. */
    String next() throws IOException {
        tooLong = false;
        longStart = null;
        Replay again = replay.pollFirst();
        if (again != null) {
            current = again.number();
            return again.text();
        }
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
            if (skipLf) {
                skipLf = false;
                if (chunk[pos] == '\n') {
                    pos++;
                    continue;
                }
            }
            any = true;
            int nl = pos;
            while (nl < lim && chunk[nl] != '\n' && chunk[nl] != '\r') {
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
                skipLf = chunk[nl] == '\r';
                pos = nl + 1;
                break;
            }
            pos = lim;
        }
        if (!any) {
            return null;
        }
        lineNumber++;
        current = lineNumber;
        int len = n;
        int off = 0;
        if (first) {
            first = false;
            if (len >= 3 && (buf[0] & 0xff) == 0xef && (buf[1] & 0xff) == 0xbb && (buf[2] & 0xff) == 0xbf) {
                off = 3;
            }
        }
        if (tooLong) {
            longStart = new String(buf, off, len - off, StandardCharsets.UTF_8);
            return "";
        }
        longStart = null;
        return new String(buf, off, len - off, StandardCharsets.UTF_8);
    }

    /**
     * Returns the first {@code maxLineBytes} of the last line when it was too long (else null): a
     * minified JSON document is one long line, and its format shows in its start.
     */
    String longLineStart() {
        return longStart;
    }

    /** Returns the number of the line {@link #next} returned last (1-based). */
    int lineNumber() {
        return current;
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
