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
 * the raw bytes can be passed through. That copy and the buffers a decoder grows are charged to the
 * worker's {@link HttpMemory}: without room there, or when this decoder is the oldest holding while
 * another needs room, decoding stops ({@code http.memcap}) and the entity ends incomplete. Not
 * thread-safe; owned by one {@link Entity}, which calls {@link #release} exactly once.
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

        /** Returns the budget the decoder's buffers are charged to (its worker's HTTP memory). */
        HttpMemory memory();

        /**
         * Tells that the bytes {@code from} has handed on so far are the whole content as one kind of
         * receiver reads it ({@code reading}, a {@link BodySink} reading), while decoding goes on for
         * the others; comes before the next decoded byte.
         */
        default void readingEnds(ContentDecoder from, String reading) {
        }
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
    /** The raw copy and the decoder's buffers, charged to the worker's HTTP memory. */
    private final HttpMemory.Holding held = new HttpMemory.Holding() {
        @Override
        protected void evict() {
            stopForMemory();
        }
    };
    private boolean outOfMemory;
    private boolean trailingReported;

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
            case "zstd" -> new ZstdDecoder(coding, next, host);
            default -> null;
        };
    }

    /** Takes the next encoded bytes (lent for the call only); returns false when the entity must stop. */
    final boolean feed(byte[] buf, int off, int len) {
        if (outOfMemory) {
            return false;
        }
        if (passthrough) {
            return next.data(buf, off, len);
        }
        if (!produced && !probeOverflow) {
            if (probeLen + len > PROBE_MAX) {
                probeOverflow = true;
                dropProbe();
            } else {
                if (probeLen + len > probe.length) {
                    int size = Math.max(probe.length * 2, probeLen + len);
                    if (!hold(size - probe.length)) {
                        return false;
                    }
                    probe = Arrays.copyOf(probe, size);
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

    /** Frees native memory and buffers and gives their charge back; called exactly once. */
    final void release() {
        releaseBuffers();
        probe = null;
        host.memory().release(held);
    }

    /** Frees the decoder's own native memory and buffers. */
    abstract void releaseBuffers();

    /** Charges {@code n} more bytes of buffers to the worker's HTTP memory; without room, stops decoding and returns false. */
    final boolean hold(long n) {
        if (host.memory().charge(held, n)) {
            return true;
        }
        stopForMemory();
        return false;
    }

    /** Gives back the charge of {@code n} bytes of buffers let go. */
    final void unhold(long n) {
        host.memory().uncharge(held, n);
    }

    /** Tells whether decoding stopped for lack of memory; decode must then stop handling the current call. */
    final boolean outOfMemory() {
        return outOfMemory;
    }

    /** Stops decoding and gives the memory back: the entity ends incomplete ({@code http.memcap}). */
    private void stopForMemory() {
        if (outOfMemory) {
            return;
        }
        outOfMemory = true;
        releaseBuffers();
        probe = null;
        host.memory().release(held);
        host.anomaly("http.memcap", coding + ": HTTP memory limit reached while decoding");
        host.decodeStopped(coding + " decoding stopped: memory limit");
    }

    private void dropProbe() {
        if (probe != null) {
            unhold(probe.length - 256L);
            probe = null;
        }
    }

    /** Hands decoded bytes on. */
    final boolean emit(byte[] buf, int off, int len) {
        if (len == 0) {
            return true;
        }
        if (!produced) {
            produced = true;
            dropProbe();
        }
        return next.data(buf, off, len);
    }

    /**
     * Handles malformed input: passes the raw bytes seen so far through when nothing was decoded yet
     * and no signature of the coding was seen, else stops. Returns what {@link #decode} or {@link #end}
     * should return.
     */
    final boolean malformed(String detail) {
        return giveUp("http.content_decode_failed", detail, committed);
    }

    /**
     * Handles a stream this decoder will not decode (a parameter past a limit, a feature it lacks):
     * reports {@code name} and passes the raw bytes seen so far through when nothing was decoded yet,
     * as for a coding SpanWatch does not know, else stops. Returns what {@link #decode} should return.
     */
    final boolean refuse(String name, String detail) {
        return giveUp(name, detail, false);
    }

    private boolean giveUp(String name, String detail, boolean mustStop) {
        if (passthrough) {
            return true; // already passing this call's bytes through
        }
        if (!produced && !mustStop && !probeOverflow) {
            passthrough = true;
            host.anomaly(name, coding + ": " + detail + "; raw bytes passed through");
            byte[] raw = probe;
            int n = probeLen;
            dropProbe();
            return n == 0 || next.data(raw, 0, n);
        }
        host.anomaly(name, coding + ": " + detail);
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

    /** Tells the host that what was handed on so far is the whole content as {@code reading} reads it. */
    final void readingEnds(String reading) {
        host.readingEnds(this, reading);
    }

    /** Reports an anomaly of this body. */
    final void anomaly(String name, String detail) {
        host.anomaly(name, detail);
    }

    /** Notes that bytes follow the end of the coded stream; they are ignored, as browsers ignore them. */
    final void trailing() {
        if (!trailingReported) {
            trailingReported = true;
            host.anomaly("http.content_trailing_data", coding + ": bytes after the end of the stream ignored");
        }
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
