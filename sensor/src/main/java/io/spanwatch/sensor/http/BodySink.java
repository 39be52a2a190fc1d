package io.spanwatch.sensor.http;

/**
 * Takes the bytes of one entity in order. {@link #end} is called exactly once, after which no other
 * method is called. The buffer passed to {@link #data} is lent for the call only.
 */
public interface BodySink {

    /** Takes the next decoded bytes of the entity. */
    void data(byte[] buf, int off, int len);

    /**
     * Tells that {@code len} bytes of the entity are missing here (packet loss or a capture cut), or
     * an unknown number when {@code len} is negative. Bytes after the gap follow with {@link #data}.
     */
    void gap(long len);

    /** Ends the entity: {@code complete} is false when it was cut short (connection ended, limit hit, decode error). */
    void end(boolean complete, String reason);
}
