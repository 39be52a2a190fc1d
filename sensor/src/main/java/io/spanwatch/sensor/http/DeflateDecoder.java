package io.spanwatch.sensor.http;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Undoes the {@code deflate} content coding, zlib-wrapped (RFC 1950, as specified) or raw (RFC 1951,
 * as some servers send it): the first two bytes decide. Bytes after the end of the stream are ignored
 * ({@code http.content_trailing_data}), as browsers ignore them.
 */
final class DeflateDecoder extends ContentDecoder {

    private Inflater inflater;
    private int firstByte = -1;
    private boolean done;
    private final byte[] out = new byte[OUT_CHUNK];

    DeflateDecoder(String coding, Out next, Host host) {
        super(coding, next, host);
    }

    /** Tells whether two bytes form a valid zlib header (method 8, window up to 32K, check bits). */
    static boolean isZlibHeader(int cmf, int flg) {
        return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
    }

    @Override
    boolean decode(byte[] buf, int off, int len) {
        if (len == 0) {
            return true;
        }
        if (done) {
            trailing();
            return true;
        }
        if (inflater == null) {
            if (firstByte < 0) {
                firstByte = buf[off] & 0xff;
                off++;
                len--;
                if (len == 0) {
                    return true;
                }
            }
            boolean zlib = isZlibHeader(firstByte, buf[off] & 0xff);
            if (zlib) {
                commit();
            }
            inflater = new Inflater(!zlib);
            if (!inflate(new byte[] {(byte) firstByte}, 0, 1)) {
                return false;
            }
            if (done || passingThrough()) {
                return true;
            }
        }
        return inflate(buf, off, len);
    }

    private boolean inflate(byte[] buf, int off, int len) {
        inflater.setInput(buf, off, len);
        try {
            while (true) {
                // Until the first decoded byte, ask for one byte at a time. zlib drops the output of a
                // call that fails, so a raw stream that decodes for a while and then breaks looked
                // "not deflate" (raw bytes passed through) when it came in one piece, and decoded and
                // cut short when it came in several (found by ContentCodingFuzzTest).
                int n = inflater.inflate(out, 0, producedOutput() ? out.length : 1);
                if (n > 0 && !emit(out, 0, n)) {
                    return false;
                }
                if (inflater.finished()) {
                    done = true;
                    if (inflater.getRemaining() > 0) {
                        trailing();
                    }
                    return true;
                }
                if (inflater.needsDictionary()) {
                    return malformed("preset dictionary required");
                }
                if (n == 0 && inflater.needsInput()) {
                    return true;
                }
            }
        } catch (DataFormatException e) {
            return malformed(String.valueOf(e.getMessage()));
        }
    }

    @Override
    boolean end() {
        if (done) {
            return true;
        }
        if (inflater == null && !producedOutput()) {
            return malformed("stream too short");
        }
        return truncated();
    }

    @Override
    void releaseBuffers() {
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
    }
}
