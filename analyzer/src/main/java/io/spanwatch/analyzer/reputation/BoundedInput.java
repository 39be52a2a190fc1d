package io.spanwatch.analyzer.reputation;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Ends a stream after a number of bytes and remembers whether more were there: a feed is read up
 * to {@code intel.max-feed-bytes}, a journal file up to where it ended when a scan began.
 */
final class BoundedInput extends FilterInputStream {
    private long left;
    private boolean hit;

    BoundedInput(InputStream in, long max) {
        super(in);
        this.left = max;
    }

    /** Returns true when the bound was reached and the stream had more. */
    boolean hit() {
        return hit;
    }

    @Override
    public int read() throws IOException {
        if (left <= 0) {
            hit |= super.read() >= 0;
            return -1;
        }
        int b = super.read();
        if (b >= 0) {
            left--;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
            hit |= super.read() >= 0;
            return -1;
        }
        int n = super.read(b, off, (int) Math.min(len, left));
        if (n > 0) {
            left -= n;
        }
        return n;
    }
}
