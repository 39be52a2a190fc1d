package io.spanwatch.sensor.http;

import java.util.Arrays;

/**
 * What one direction's {@link MessageReader} holds besides the message it reads, and how that is
 * bounded: the line being gathered ({@link LineBuffer}; a whole line is read in place, a line that
 * comes in pieces is gathered within the room the reader's state gives it), the bytes a client sent
 * behind its CONNECT before the proxy answered (at most {@value #EARLY_MAX}), and their charge, with
 * the head's fields the reader keeps, to the worker's {@link HttpMemory} ({@link #held}), whose
 * eviction makes the reader give up what it holds ({@link #giveUpForMemory}). {@link MessageReader}
 * extends it with the state machine; the split keeps one object per direction, as before.
 *
 * <p>Not thread-safe: used by the thread that feeds the connection.
 */
abstract class ReaderHoldings {
    final HttpConnectionParser conn;
    /** Gathers a line that arrives in pieces (a whole line is read in place), with its packet times. */
    final LineBuffer line = new LineBuffer();
    /** What this direction holds for a head (fields read, a line in pieces), charged to the worker's {@link HttpMemory}. */
    final HttpMemory.Holding held = new HttpMemory.Holding() {
        @Override
        protected void evict() {
            giveUpForMemory();
        }
    };
    /** Bytes of {@link #line} charged to {@link #held}. */
    int lineCharged;

    /**
     * What a client sent right behind its CONNECT, before the proxy answered (a pipelined request, an
     * upload, a ClientHello), charged to {@link #held}: the tunnel's first bytes after a 2xx, read as
     * HTTP again after a refusal (libhtp holds them the same way). Dropped, named, past
     * {@link #EARLY_MAX} or after a gap.
     */
    private byte[] early;
    private int earlyLen;
    /** When the first of {@link #early} came. */
    long earlyTs;
    private boolean earlyLost;
    static final int EARLY_MAX = 256 * 1024;

    ReaderHoldings(HttpConnectionParser conn) {
        this.conn = conn;
    }

    /**
     * Gives up the head being read, or the line being gathered, because the worker's HTTP memory is
     * spent ({@code http.memcap}).
     */
    abstract void giveUpForMemory();

    /** Reads a whole line, {@code rawLen} bytes as they came, its LF included. */
    abstract void onLine(String s, int rawLen);

    /** Gives up a line longer than its room allows and moves to resync, which takes what follows. */
    abstract void lineTooLong();

    /** Names an anomaly of the message being read. */
    abstract void anomaly(String name, String detail);

    /**
     * Takes the bytes of a line from {@code b[off..end)} up to and with its LF, at most {@code room}
     * bytes with what was gathered of it ({@code resync}: keeping the last {@code room}); returns
     * where it stopped.
     */
    final int gatherLine(long ts, byte[] b, int off, int end, int room, boolean resync) {
        int lf = off;
        while (lf < end && b[lf] != '\n') {
            lf++;
        }
        boolean complete = lf < end;
        int n = (complete ? lf + 1 : end) - off;
        int lineLen = line.length();
        if (lineLen + n > room) {
            if (!resync) {
                lineTooLong();
                return off; // now in RESYNC, which takes these bytes
            }
            // Resync keeps scanning with only the last `room` bytes of an over-long line, counted over
            // what it gathered and these bytes together: keeping the last `room` bytes of each call
            // instead made finding a start line at the end of the line depend on where TCP segments
            // happened to be cut (found by HttpParserFuzzTest).
            int drop = lineLen + n - room;
            if (drop < lineLen) {
                line.dropStart(drop);
            } else {
                off += drop - lineLen;
                n -= drop - lineLen;
                line.clear();
            }
        }
        if (line.isEmpty() && complete) {
            line.mark(ts);
            onLine(LineBuffer.text(b, off, n), n); // the whole line is here: read it in place
            return off + n;
        }
        int capacity = line.reserve(n);
        if (capacity > lineCharged) {
            int more = capacity - lineCharged;
            lineCharged = capacity;
            if (!hold(more)) {
                return off + n; // given up: these bytes go with what was gathered
            }
        }
        line.append(ts, b, off, n);
        if (complete) {
            int raw = line.length();
            String s = line.text();
            dropLine(); // a connection at rest holds no line buffer
            onLine(s, raw);
        }
        return off + n;
    }

    /**
     * Charges {@code n} more bytes of what this direction holds to the worker's budget; when the
     * budget has no room even after evicting older holdings, gives up what it holds and returns false.
     */
    final boolean hold(long n) {
        if (conn.memory().charge(held, n)) {
            return true;
        }
        giveUpForMemory();
        return false;
    }

    /** Empties the line, lets its buffer go and gives its charge back. */
    final void dropLine() {
        line.free();
        if (lineCharged > 0) {
            conn.memory().uncharge(held, lineCharged);
            lineCharged = 0;
        }
    }

    /** Keeps bytes sent behind a CONNECT until the proxy answers (see {@link #early}). */
    final void keepEarly(long ts, byte[] b, int off, int len) {
        if (earlyLost || len <= 0) {
            return;
        }
        if (earlyLen + len > EARLY_MAX) {
            anomaly("http.connect_early_data_limit", "more than " + EARLY_MAX + " bytes sent before the proxy answered CONNECT");
            dropEarly();
            return;
        }
        if (!hold(len)) {
            return; // the memory limit gave them up (giveUpForMemory)
        }
        if (early == null || earlyLen + len > early.length) {
            early = Arrays.copyOf(early == null ? new byte[0] : early, Math.min(EARLY_MAX, Math.max(earlyLen + len, 2 * earlyLen + 1024)));
        }
        if (earlyLen == 0) {
            earlyTs = ts;
        }
        System.arraycopy(b, off, early, earlyLen, len);
        earlyLen += len;
    }

    /** Gives up the bytes kept behind a CONNECT, and those that follow them, until the answer. */
    final void dropEarly() {
        if (earlyLen > 0) {
            conn.memory().uncharge(held, earlyLen);
        }
        loseEarly();
    }

    /** Hands over the bytes kept behind a CONNECT: their charge is given back, the caller reads them. */
    final byte[] takeEarly() {
        byte[] e = earlyLen > 0 ? Arrays.copyOf(early, earlyLen) : null;
        if (earlyLen > 0) {
            conn.memory().uncharge(held, earlyLen);
        }
        early = null;
        earlyLen = 0;
        earlyLost = false;
        return e;
    }

    /** Forgets the bytes kept behind a CONNECT, whose charge was given back already, and those that follow them. */
    final void loseEarly() {
        early = null;
        earlyLen = 0;
        earlyLost = true;
    }
}
