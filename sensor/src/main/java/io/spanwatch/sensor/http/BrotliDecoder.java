package io.spanwatch.sensor.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.brotli.dec.BrotliInputStream;

/**
 * Undoes the {@code br} content coding (RFC 7932) with org.brotli:dec.
 *
 * <p>That decoder pulls its input, treats a read of nothing as the end of the stream, and produces no
 * output until its ring buffer (one window, {@code 1 << WBITS} bytes) is full or the stream ends. So
 * it cannot wait for the next segment: this class runs it only while at least
 * {@link #lookahead lookahead(WBITS)} = window + {@value #MARGIN} encoded bytes are queued (or the body
 * has ended), and asks for at most {@value #READ_CHUNK} decoded bytes at a time. It therefore holds
 * back up to one window plus one segment of encoded input (window 64 KiB to 16 MiB, read from the
 * stream's first byte; bodies smaller than that are decoded when they end), on top of the decoder's
 * own ring buffer of one window. A metadata block longer than the margin makes decoding fail midway
 * (the entity ends incomplete). A push decoder would remove the hold-back; see the package guide.
 * The queue and the ring buffer are charged to the worker's {@link HttpMemory}: a window of 16 MiB
 * costs up to three times that while it streams.
 */
final class BrotliDecoder extends ContentDecoder {

    static final int MARGIN = 32 * 1024;
    static final int READ_CHUNK = 4 * 1024;

    /** Encoded bytes that must be queued before the decoder may run; -1 until the first byte is seen. */
    private int lookahead = -1;

    private byte[] queue = new byte[4 * 1024];
    private int qStart;
    private int qEnd;
    private BrotliInputStream stream;
    private boolean streamDone;
    private final byte[] out = new byte[READ_CHUNK];

    private final InputStream source = new InputStream() {
        @Override
        public int read() {
            return qStart < qEnd ? queue[qStart++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0; // not the end: the decoder asks for nothing now and then
            }
            int n = Math.min(len, qEnd - qStart);
            if (n <= 0) {
                return -1;
            }
            System.arraycopy(queue, qStart, b, off, n);
            qStart += n;
            return n;
        }
    };

    BrotliDecoder(String coding, Out next, Host host) {
        super(coding, next, host);
    }

    @Override
    boolean decode(byte[] buf, int off, int len) {
        if (streamDone) {
            return !outOfMemory();
        }
        if (qEnd + len > queue.length) {
            int live = qEnd - qStart;
            if (live + len <= queue.length && qStart > 0) {
                System.arraycopy(queue, qStart, queue, 0, live);
            } else {
                // Doubling, but never much past what the decoder waits for (one window and the margin).
                int doubled = lookahead > 0 ? Math.min(queue.length * 2, lookahead + READ_CHUNK) : queue.length * 2;
                int size = Math.max(doubled, live + len);
                if (!hold(size - queue.length)) {
                    return false;
                }
                byte[] bigger = new byte[size];
                System.arraycopy(queue, qStart, bigger, 0, live);
                queue = bigger;
            }
            qStart = 0;
            qEnd = live;
        }
        System.arraycopy(buf, off, queue, qEnd, len);
        qEnd += len;
        if (lookahead < 0) {
            int wbits = windowBits(queue[qStart] & 0xff);
            if (wbits < 0) {
                return malformed("large-window or reserved WBITS");
            }
            lookahead = lookahead(wbits);
        }
        return run(false);
    }

    private boolean run(boolean inputEnded) {
        try {
            while (!streamDone && (inputEnded || qEnd - qStart >= lookahead)) {
                if (stream == null) {
                    if (!hold(lookahead - MARGIN)) { // its ring buffer: one window
                        return false;
                    }
                    stream = new BrotliInputStream(source);
                }
                // The first read asks for one byte: org.brotli:dec loses what a read had decoded when it
                // then fails, and a stream that decodes at all is brotli, never raw bytes to pass through
                // (found by ContentCodingFuzzTest: a body corrupt after its first 300 decoded bytes).
                int n = stream.read(out, 0, producedOutput() ? out.length : 1);
                if (n < 0) {
                    streamDone = true;
                } else if (!emit(out, 0, n)) {
                    return false;
                }
            }
            if (queue != null && queue.length > 2 * lookahead && qEnd - qStart < lookahead) {
                int size = Math.max(lookahead, qEnd - qStart);
                unhold(queue.length - size);
                queue = Arrays.copyOfRange(queue, qStart, qStart + size);
                qEnd -= qStart;
                qStart = 0;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            // org.brotli:dec reports corrupt or short input as IOException or BrotliRuntimeException.
            streamDone = true;
            if (inputEnded && producedOutput()) {
                return truncated();
            }
            return malformed(e.getCause() != null ? String.valueOf(e.getCause().getMessage()) : String.valueOf(e.getMessage()));
        }
    }

    /** Returns the window size exponent encoded in a stream's first byte (RFC 7932 §9.1), or -1 for large-window streams. */
    static int windowBits(int first) {
        if ((first & 1) == 0) {
            return 16;
        }
        int n = (first >> 1) & 7;
        if (n != 0) {
            return 17 + n;
        }
        int m = (first >> 4) & 7;
        if (m == 1) {
            return -1;
        }
        return m == 0 ? 17 : 8 + m;
    }

    /** Returns how many encoded bytes must be queued before the decoder may run for a window of {@code 1 << wbits}. */
    static int lookahead(int wbits) {
        return (1 << Math.max(wbits, 16)) + MARGIN;
    }

    @Override
    boolean end() {
        return run(true);
    }

    @Override
    void releaseBuffers() {
        streamDone = true;
        stream = null;
        queue = null;
    }
}
