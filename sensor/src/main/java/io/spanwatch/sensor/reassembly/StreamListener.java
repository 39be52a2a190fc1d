package io.spanwatch.sensor.reassembly;

/** Receives one direction of a TCP connection as in-order bytes, gaps and its end. */
public interface StreamListener {

    /** Takes the next in-order bytes; the buffer is lent for the call only. */
    void data(long tsNanos, byte[] buf, int off, int len);

    /** Tells that {@code len} bytes are missing at this point of the stream. */
    void gap(long tsNanos, long len);

    /** Tells that the sender closed this direction (FIN reached in order). */
    void fin(long tsNanos);

    /** Reports a stream anomaly by its stable name (e.g. {@code stream.overlap_mismatch}). */
    void anomaly(long tsNanos, String name);
}
