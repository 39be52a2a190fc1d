package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.reassembly.ReassemblyStats;
import io.spanwatch.sensor.reassembly.StreamListener;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * One direction's stream events (bytes, gaps, the FIN) held back while that direction's
 * acknowledgement says the other direction's bytes came first: the capture showed them in the
 * other order ({@link TcpConnection#packet}). Held until the other direction reaches the bytes
 * waited for, or the gap delay passes, then handed on in the order the stream gave them. Bounded per
 * direction and per worker ({@link ReassemblyStats#ackOrderRoom}); past the bound the wait ends.
 * Not thread-safe: owned by the connection's worker.
 */
final class AckOrderWait {
    /** One event kept while waiting: bytes, a gap of {@code gap} bytes, or the FIN. */
    private record Held(long ts, byte[] data, long gap, boolean fin) {
    }

    private final ReassemblyStats stats;
    private final int maxBytes;
    /** The events waiting; null when not waiting. */
    private ArrayDeque<Held> held;
    /** Stream bytes (data and gaps) held: delivered by the stream, not yet taken. */
    private long heldLen;
    /** Data bytes held. */
    private int heldBytes;
    /** The other direction's stream offset waited (or last waited) for, and since when (packet time). */
    private long waitFor;
    private long waitSince;

    AckOrderWait(ReassemblyStats stats, int maxBytes) {
        this.stats = stats;
        this.maxBytes = maxBytes;
    }

    boolean active() {
        return held != null;
    }

    /** Stream bytes held now (data and gaps). */
    long heldLen() {
        return heldLen;
    }

    /** Starts waiting for the other direction to reach {@code target}, unless it was waited for already or there is no room. */
    void start(long ts, long target) {
        if (target <= waitFor) {
            return; // waited for these bytes already, and stopped for a bound: not again
        }
        if (!stats.ackOrderRoom(maxBytes)) {
            stats.ackOrderLimitHits++;
            return;
        }
        held = new ArrayDeque<>();
        waitFor = target;
        waitSince = ts;
        stats.ackOrderWaits++;
    }

    /** Keeps a copy of bytes; false (counted) when they do not fit, and the caller ends the wait. */
    boolean holdData(long ts, byte[] buf, int off, int len) {
        if (!stats.holdAckOrder(heldBytes, len, maxBytes)) {
            return false;
        }
        held.add(new Held(ts, Arrays.copyOfRange(buf, off, off + len), 0, false));
        heldLen += len;
        heldBytes += len;
        return true;
    }

    void holdGap(long ts, long len) {
        held.add(new Held(ts, null, len, false));
        heldLen += len;
    }

    void holdFin(long ts) {
        held.add(new Held(ts, null, 0, true));
    }

    /** Tells whether the wait is over: the other direction is at {@code peerOffset}, or {@code delayNanos} passed. */
    boolean due(long peerOffset, long ts, long delayNanos) {
        return held != null && (peerOffset >= waitFor || ts - waitSince >= delayNanos);
    }

    /** Ends the wait: what waited goes to {@code to} now, in the order the stream gave it. */
    void release(StreamListener to) {
        ArrayDeque<Held> h = held;
        held = null;
        stats.releaseAckOrder(heldBytes);
        heldBytes = 0;
        for (Held e : h) {
            if (e.data != null) {
                heldLen -= e.data.length;
                to.data(e.ts, e.data, 0, e.data.length);
            } else if (e.gap > 0) {
                heldLen -= e.gap;
                to.gap(e.ts, e.gap);
            } else {
                to.fin(e.ts);
            }
        }
        heldLen = 0;
    }

    /** Forgets what waited (the connection is not analysed any further). */
    void drop() {
        if (held != null) {
            stats.releaseAckOrder(heldBytes);
            held = null;
            heldBytes = 0;
            heldLen = 0;
        }
    }
}
