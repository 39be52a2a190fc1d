package io.spanwatch.sensor.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.brotli.dec.BrotliInputStream;

/**
 * Undoes the {@code br} content coding (RFC 7932) with org.brotli:dec.
 *
 * <p>That decoder pulls its input and treats a read of nothing as the end of the stream, so it cannot
 * wait for the next segment. This class therefore runs it only while at least {@value #LOOKAHEAD}
 * encoded bytes are queued (or the body has ended), and asks for at most {@value #READ_CHUNK} decoded
 * bytes at a time: it holds back up to {@value #LOOKAHEAD} encoded bytes plus one segment. A brotli
 * metadata block longer than the look-ahead makes decoding fail midway (entity ends incomplete).
 * The decoder itself allocates a ring buffer of up to the stream's window size (at most 16 MiB).
 */
final class BrotliDecoder extends ContentDecoder {

    static final int LOOKAHEAD = 32 * 1024;
    static final int READ_CHUNK = 4 * 1024;

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
            return true;
        }
        if (qEnd + len > queue.length) {
            int live = qEnd - qStart;
            if (live + len <= queue.length && qStart > 0) {
                System.arraycopy(queue, qStart, queue, 0, live);
            } else {
                byte[] bigger = new byte[Math.max(queue.length * 2, live + len)];
                System.arraycopy(queue, qStart, bigger, 0, live);
                queue = bigger;
            }
            qStart = 0;
            qEnd = live;
        }
        System.arraycopy(buf, off, queue, qEnd, len);
        qEnd += len;
        return run(false);
    }

    private boolean run(boolean inputEnded) {
        try {
            while (!streamDone && (inputEnded || qEnd - qStart >= LOOKAHEAD)) {
                if (stream == null) {
                    stream = new BrotliInputStream(source);
                }
                int n = stream.read(out, 0, out.length);
                if (n < 0) {
                    streamDone = true;
                } else if (!emit(out, 0, n)) {
                    return false;
                }
            }
            if (qEnd - qStart < LOOKAHEAD && queue.length > 2 * LOOKAHEAD) {
                queue = Arrays.copyOfRange(queue, qStart, qStart + Math.max(LOOKAHEAD, qEnd - qStart));
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
            return malformed(String.valueOf(e.getMessage()));
        }
    }

    @Override
    boolean end() {
        return run(true);
    }

    @Override
    void release() {
        stream = null;
        queue = null;
    }
}
