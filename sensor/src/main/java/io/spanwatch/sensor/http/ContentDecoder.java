package io.spanwatch.sensor.http;

import java.util.Arrays;

/**
 * Undoes one content coding as bytes arrive, writing decoded bytes to the next stage. Bad input
 * never throws: when the body was evidently not encoded (no decoded byte yet and no format signature
 * such as a gzip or zlib header seen) it switches to passing the raw bytes through
 * ({@code http.content_decode_failed}); otherwise it reports the failure to its {@link Host} and
 * returns false so the entity ends incomplete. How many decoded bytes precede a failure midway can
 * depend on segmentation (zlib drops the output of the call that fails).
 *
 * <p>Keeps a copy of the raw input until the first decoded byte, at most {@value #PROBE_MAX} bytes, so
 * the raw bytes can be passed through. Not thread-safe; owned by one {@link Entity}, which calls
 * {@link #release} exactly once.
 */
abstract class ContentDecoder {

    /** Receives bytes; returns false when it wants no more (limit hit or ended). */
    interface Out {
        boolean data(byte[] buf, int off, int len);
    }

    /** Receives what went wrong while decoding. */
    interface Host {
        void anomaly(String name, String detail);

        /** Records why decoding stopped; the entity ends incomplete with this reason. */
        void decodeStopped(String reason);
    }

    static final int PROBE_MAX = 64 * 1024;
    static final int OUT_CHUNK = 8 * 1024;

    final String coding;
    private final Out next;
    private final Host host;
    private byte[] probe = new byte[256];
    private int probeLen;
    private boolean probeOverflow;
    private boolean produced;
    private boolean passthrough;
    private boolean committed;

    ContentDecoder(String coding, Out next, Host host) {
        this.coding = coding;
        this.next = next;
        this.host = host;
    }

    /** Returns a decoder for a coding name (lower case), or null when the coding is not supported. */
    static ContentDecoder forCoding(String coding, Out next, Host host) {
        return switch (coding) {
            case "gzip", "x-gzip" -> new GzipDecoder(coding, next, host);
            case "deflate" -> new DeflateDecoder(coding, next, host);
            case "br" -> new BrotliDecoder(coding, next, host);
            default -> null;
        };
    }

    /** Takes the next encoded bytes (lent for the call only); returns false when the entity must stop. */
    final boolean feed(byte[] buf, int off, int len) {
        if (passthrough) {
            return next.data(buf, off, len);
        }
        if (!produced && !probeOverflow) {
            if (probeLen + len > PROBE_MAX) {
                probeOverflow = true;
                probe = null;
            } else {
                if (probeLen + len > probe.length) {
                    probe = Arrays.copyOf(probe, Math.max(probe.length * 2, probeLen + len));
                }
                System.arraycopy(buf, off, probe, probeLen, len);
                probeLen += len;
            }
        }
        return decode(buf, off, len);
    }

    /** Tells that the encoded input is complete; returns false when the stream was cut short or bad. */
    final boolean finish() {
        return passthrough || end();
    }

    /** Undoes the coding of these bytes. */
    abstract boolean decode(byte[] buf, int off, int len);

    /** Flushes at the end of input. */
    abstract boolean end();

    /** Frees native memory and buffers; called exactly once. */
    abstract void release();

    /** Hands decoded bytes on. */
    final boolean emit(byte[] buf, int off, int len) {
        if (len == 0) {
            return true;
        }
        if (!produced) {
            produced = true;
            probe = null;
        }
        return next.data(buf, off, len);
    }

    /**
     * Handles malformed input: passes the raw bytes seen so far through when nothing was decoded yet,
     * else stops. Returns what {@link #decode} or {@link #end} should return.
     */
    final boolean malformed(String detail) {
        if (passthrough) {
            return true; // already passing this call's bytes through
        }
        if (!produced && !committed && !probeOverflow) {
            passthrough = true;
            host.anomaly("http.content_decode_failed", coding + ": " + detail + "; raw bytes passed through");
            byte[] raw = probe;
            int n = probeLen;
            probe = null;
            return n == 0 || next.data(raw, 0, n);
        }
        host.anomaly("http.content_decode_failed", coding + ": " + detail);
        host.decodeStopped(coding + " decode failed: " + detail);
        return false;
    }

    /**
     * Tells that the input carries this coding's own signature (a gzip or zlib header), so later
     * errors end the entity instead of passing raw bytes through.
     */
    final void commit() {
        committed = true;
    }

    /** Handles input that ended inside the compressed stream. */
    final boolean truncated() {
        host.anomaly("http.content_truncated", coding + " stream ends early");
        host.decodeStopped("truncated " + coding + " stream");
        return false;
    }

    /** Tells whether raw bytes are being passed through; decode must then stop handling the current call. */
    final boolean passingThrough() {
        return passthrough;
    }

    final boolean producedOutput() {
        return produced;
    }
}
