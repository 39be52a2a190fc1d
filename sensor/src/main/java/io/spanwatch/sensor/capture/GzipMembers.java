package io.spanwatch.sensor.capture;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * The gzip members of a file in a row (RFC 1952), as {@code gzip -d} reads them, each checked by its
 * CRC-32 and length, and its header by its header CRC when it has one.
 *
 * <p>Not the JDK's {@link java.util.zip.GZIPInputStream}: that one takes bytes after a member that do
 * not parse as the next member's header for trailing garbage and ends quietly, so a damaged second
 * member, and every packet in it, vanished without a word. Here bytes after a member that start no
 * member are an error naming where they are ({@code gzip -d} warns of them too), and so is a file
 * that ends inside a member, with a reason that says so.
 *
 * <p>Not the HTTP body decoder ({@code http.GzipDecoder}) either: that one pushes decoded bytes into
 * the HTTP pipeline and is lenient as browsers are (trailing data ignored, a CRC mismatch only an
 * anomaly, reserved flags ignored), where a capture file is read as gzip(1) reads it, strictly, and
 * pulled by the capture reader.
 *
 * <p>Input is read in blocks of {@code 64 KiB}; the inflater's output goes straight to the caller's
 * array, so a member that inflates a thousandfold is never held.
 */
final class GzipMembers extends InputStream {
    private static final int FTEXT_FHCRC_FEXTRA_FNAME_FCOMMENT = 0x1f;
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final InputStream in;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    /** The CRC of the header being read (its low 16 bits are FHCRC), or null outside a header. */
    private CRC32 headerCrc;
    private final byte[] buf = new byte[64 * 1024];
    /** Input bytes in {@link #buf} not yet used: {@code [pos, lim)}. */
    private int pos;
    private int lim;
    /** Offset in the file of {@code buf[0]}. */
    private long bufStart;
    private int members;
    private boolean inMember;
    private boolean ended;
    private final byte[] one = new byte[1];

    GzipMembers(InputStream in) throws IOException {
        this.in = in;
        header(); // the first member's header: a file that is no gzip fails at once
    }

    @Override
    public int read() throws IOException {
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!ended) {
            if (!inMember) {
                if (!fill(1)) {
                    ended = true; // the file ends after a whole member
                    break;
                }
                header();
                continue;
            }
            if (inflater.needsInput()) {
                if (!fill(1)) {
                    throw new EOFException("the gzip data ends inside member " + members + " (file offset " + offset() + ")");
                }
                inflater.setInput(buf, pos, lim - pos);
            }
            int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (DataFormatException e) {
                throw new ZipException("gzip member " + members + " is damaged near file offset " + offset() + ": " + e.getMessage());
            }
            pos = lim - inflater.getRemaining();
            if (n > 0) {
                crc.update(b, off, n);
                return n;
            }
            if (inflater.finished()) {
                trailer();
            } else if (inflater.needsDictionary()) {
                throw new ZipException("gzip member " + members + " asks for a preset dictionary, which gzip does not have");
            }
        }
        return -1;
    }

    /** Reads a member's header (RFC 1952 §2.3); the magic must be there. */
    private void header() throws IOException {
        long at = offset();
        headerCrc = new CRC32();
        if (u8() != 0x1f || u8() != 0x8b) {
            throw new ZipException(members == 0 ? "not gzip data" : "the bytes after gzip member " + members + " (file offset " + at
                    + ") start no gzip member");
        }
        int method = u8();
        int flags = u8();
        if (method != 8) {
            throw new ZipException("gzip member " + (members + 1) + " uses compression method " + method + ", not deflate");
        }
        if ((flags & ~FTEXT_FHCRC_FEXTRA_FNAME_FCOMMENT) != 0) {
            throw new ZipException("gzip member " + (members + 1) + " has reserved flags set (" + flags + ")");
        }
        skip(6); // modification time, extra flags, operating system
        if ((flags & FEXTRA) != 0) {
            skip(u8() | u8() << 8);
        }
        if ((flags & FNAME) != 0) {
            while (u8() != 0) {
                // the original file name: not needed
            }
        }
        if ((flags & FCOMMENT) != 0) {
            while (u8() != 0) {
                // the comment
            }
        }
        if ((flags & FHCRC) != 0) {
            int want = (int) (headerCrc.getValue() & 0xffff);
            headerCrc = null;
            if ((u8() | u8() << 8) != want) { // gzip(1) and the JDK refuse it too
                throw new ZipException("gzip member " + (members + 1) + " fails its header CRC (file offset " + at + ")");
            }
        }
        headerCrc = null;
        members++;
        inMember = true;
        inflater.reset();
        crc.reset();
    }

    /** Checks a member's trailer: CRC-32 and length modulo 2^32 of what it inflated to. */
    private void trailer() throws IOException {
        long wantCrc = u32();
        long wantSize = u32();
        if (wantCrc != crc.getValue()) {
            throw new ZipException("gzip member " + members + " fails its CRC-32 check (damaged data before file offset " + offset() + ")");
        }
        if (wantSize != (inflater.getBytesWritten() & 0xffffffffL)) {
            throw new ZipException("gzip member " + members + " inflated to another length than its trailer says");
        }
        inMember = false;
    }

    /** Offset in the file of the next unused input byte. */
    private long offset() {
        return bufStart + pos;
    }

    /** Makes {@code n} input bytes available at {@link #pos}; false at the end of the file. */
    private boolean fill(int n) throws IOException {
        while (lim - pos < n) {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                bufStart += pos;
                lim -= pos;
                pos = 0;
            }
            int r = in.read(buf, lim, buf.length - lim);
            if (r < 0) {
                return false;
            }
            lim += r;
        }
        return true;
    }

    private int u8() throws IOException {
        if (!fill(1)) {
            throw new EOFException("the gzip data ends inside a member's " + (inMember ? "trailer" : "header") + " (file offset "
                    + offset() + ")");
        }
        int b = buf[pos++] & 0xff;
        if (headerCrc != null) {
            headerCrc.update(b);
        }
        return b;
    }

    private long u32() throws IOException {
        return (u8() | u8() << 8 | u8() << 16 | (long) u8() << 24) & 0xffffffffL;
    }

    private void skip(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            u8();
        }
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }
}
