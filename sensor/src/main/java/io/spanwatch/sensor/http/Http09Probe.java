package io.spanwatch.sensor.http;

/**
 * Gathers the first {@value #BYTES} bytes of a connection's first response, enough to tell, as
 * Chrome does, whether it starts with a status line (after at most four bytes of junk) or is
 * HTTP/0.9, all body. Holds at most {@value #BYTES} bytes, once per connection.
 */
final class Http09Probe {

    /** Bytes read before deciding: four of junk and {@code http}, as Chrome. */
    static final int BYTES = 8;

    private final byte[] got = new byte[BYTES];
    private int len;
    /** When the first byte came. */
    final long ts;

    Http09Probe(long ts) {
        this.ts = ts;
    }

    /** Takes bytes from {@code b[off..end)} until it holds {@value #BYTES}; returns where it stopped. */
    int take(byte[] b, int off, int end) {
        int n = Math.min(BYTES - len, end - off);
        System.arraycopy(b, off, got, len, n);
        len += n;
        return off + n;
    }

    boolean full() {
        return len == BYTES;
    }

    /** The bytes taken: the first {@link #length()} of the array. */
    byte[] bytes() {
        return got;
    }

    int length() {
        return len;
    }
}
