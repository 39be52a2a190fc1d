package io.spanwatch.sensor.reassembly;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reassembles one direction of a TCP connection into in-order bytes for a {@link StreamListener}.
 *
 * <p>In-order segments are passed through without a copy; segments ahead of a hole are copied and
 * held until the hole fills. Retransmitted bytes already delivered are dropped (first copy wins);
 * bytes overlapping a held segment are compared and a difference is reported as
 * {@code stream.overlap_mismatch}, the held copy winning. A hole is given up as a gap when the
 * receiver has acknowledged past it for longer than {@link ReassemblyConfig#gapAckDelayNanos}, when
 * the stream's or the worker's bounds are reached, or when the stream ends; bytes after the gap follow.
 *
 * <p>Without a SYN the stream starts at the first segment seen (mid-stream pick-up). Sequence numbers
 * are unwrapped into 64-bit offsets from the stream's start, so wrap-around needs no special case.
 *
 * <p>Not thread-safe: used by the worker thread that owns its flow.
 */
public final class TcpStream {
    private static final long MASK = 0xFFFF_FFFFL;

    private final ReassemblyConfig config;
    private final ReassemblyStats stats;
    private final StreamListener listener;

    private boolean started;
    private long base;
    private long next;
    private long finRel = -1;
    private boolean finDelivered;
    private long ackedRel = -1;
    private long holeSinceNanos = -1;
    private final TreeMap<Long, byte[]> ooo = new TreeMap<>();
    private long oooBytes;
    private long gapBytes;
    private boolean limitHit;
    private boolean closed;

    public TcpStream(ReassemblyConfig config, ReassemblyStats stats, StreamListener listener) {
        this.config = config;
        this.stats = stats;
        this.listener = listener;
    }

    /** Takes the sender's SYN: the stream starts right after its sequence number. */
    public void syn(long seq) {
        if (!started || (next == 0 && ooo.isEmpty() && !finDelivered && !closed)) {
            // A SYN re-bases a stream that delivered nothing yet (e.g. one started by a stray segment).
            base = (seq + 1) & MASK;
            next = 0;
            started = true;
        }
    }

    /**
     * Tells whether a RST with this sequence number belongs to the stream: the stream has started and
     * the number is near the next expected byte. Other RSTs are ignored, so a forged or stray RST
     * cannot blind the sensor to the rest of the connection.
     */
    public boolean acceptsReset(long seq) {
        if (!started) {
            return false;
        }
        long r = rel(seq);
        return r >= next - (1L << 20) && r <= next + (16L << 20);
    }

    /** Tells whether a SYN or a segment started this stream. */
    public boolean started() {
        return started;
    }

    /** Takes one segment of this direction, with its payload (possibly empty) and FIN flag. */
    public void segment(long tsNanos, long seq, byte[] buf, int off, int len, boolean fin) {
        segment(tsNanos, seq, buf, off, len, fin, 0);
    }

    /**
     * Takes one segment whose last {@code missing} payload bytes the capture cut off (snaplen): when
     * the segment is in order, those bytes become a gap at once, since no copy of them will come.
     */
    public void segment(long tsNanos, long seq, byte[] buf, int off, int len, boolean fin, int missing) {
        if (closed) {
            return;
        }
        if (!started) {
            if (len == 0) {
                return; // a bare FIN or ACK says nothing about where the data starts
            }
            base = seq & MASK;
            next = 0;
            started = true;
        }
        long r = rel(seq);
        if (finDelivered && r + len + missing > next) {
            // The listener was told the sender closed this direction (fin), so nothing may follow it:
            // bytes past the FIN are reported, not delivered (found by TcpStreamFuzzTest).
            listener.anomaly(tsNanos, "stream.data_after_fin");
            return;
        }
        if (fin && finRel < 0) {
            if (r + len + missing < next) {
                // A FIN before bytes already delivered contradicts them (first copy wins): a stale or
                // forged segment. Taking it would end the stream at once and drop all that follows
                // (found by TcpStreamFuzzTest).
                listener.anomaly(tsNanos, "stream.fin_out_of_window");
            } else {
                finRel = r + len + missing;
                if (ackedRel > finRel) {
                    ackedRel = finRel;
                }
            }
        }
        if (len > 0) {
            stats.segments++;
            if (r + len <= next) {
                stats.retransmitted++;
            } else if (r <= next) {
                if (r < next) {
                    stats.retransmitted++;
                }
                int skip = (int) (next - r);
                deliver(tsNanos, buf, off + skip, len - skip);
                if (missing > 0 && next == r + len) {
                    gap(tsNanos, missing);
                }
                drain(tsNanos);
            } else {
                hold(tsNanos, r, buf, off, len);
            }
        } else if (missing > 0 && r == next) {
            gap(tsNanos, missing);
            drain(tsNanos);
        }
        checkHole(tsNanos);
        checkFin(tsNanos);
    }

    /** Takes an acknowledgement number sent by the other side (the receiver of this direction). */
    public void ack(long tsNanos, long ackSeq) {
        if (!started || closed) {
            return;
        }
        long r = rel(ackSeq);
        if (finRel >= 0 && r > finRel) {
            r = finRel; // the acknowledgement of a FIN covers its phantom byte, not data
        }
        if (r > ackedRel && r - next < (1L << 30)) {
            ackedRel = r;
        }
        checkHole(tsNanos);
    }

    /**
     * Ends the stream: held segments are delivered with gaps between them, bytes acknowledged or
     * announced by a FIN but never seen become a gap, and a FIN is passed on. Frees held memory.
     */
    public void flush(long tsNanos) {
        if (closed) {
            return;
        }
        while (!ooo.isEmpty()) {
            skipFirstHole(tsNanos);
        }
        long end = Math.max(ackedRel, finRel);
        if (started && end > next && end - next < (1L << 30)) {
            gap(tsNanos, end - next);
        }
        checkFin(tsNanos);
        closed = true;
    }

    /**
     * Ends the stream without delivering anything more (the connection is not worth reassembling):
     * frees what is held and ignores later segments.
     */
    public void discard() {
        if (!ooo.isEmpty()) {
            release((int) oooBytes);
            ooo.clear();
        }
        closed = true;
    }

    /** Returns the bytes given up as gaps so far. */
    public long gapBytes() {
        return gapBytes;
    }

    /** Tells whether a per-stream or memory bound forced a gap. */
    public boolean limitHit() {
        return limitHit;
    }

    /** Returns the number of bytes delivered or skipped so far (the next expected stream offset). */
    public long offset() {
        return next;
    }

    /** Returns the out-of-order segments held now (bounded by {@link ReassemblyConfig#maxSegmentsPerStream}). */
    int heldSegments() {
        return ooo.size();
    }

    /** Returns the out-of-order bytes held now (bounded by {@link ReassemblyConfig#maxBytesPerStream}). */
    long heldBytes() {
        return oooBytes;
    }

    /** Tells whether the sender's FIN was reached. */
    public boolean finished() {
        return finDelivered;
    }

    private long rel(long seq) {
        long abs = (base + next) & MASK;
        int delta = (int) ((seq & MASK) - abs);
        return next + delta;
    }

    private void deliver(long tsNanos, byte[] buf, int off, int len) {
        if (len <= 0) {
            return;
        }
        next += len;
        listener.data(tsNanos, buf, off, len);
    }

    private void gap(long tsNanos, long len) {
        next += len;
        gapBytes += len;
        stats.gaps++;
        stats.gapBytes += len;
        listener.gap(tsNanos, len);
    }

    /** Delivers held segments that now start at or before {@link #next}. */
    private void drain(long tsNanos) {
        while (!ooo.isEmpty()) {
            Map.Entry<Long, byte[]> e = ooo.firstEntry();
            long k = e.getKey();
            if (k > next) {
                break;
            }
            byte[] d = e.getValue();
            ooo.pollFirstEntry();
            release(d.length);
            if (k + d.length > next) {
                int skip = (int) (next - k);
                deliver(tsNanos, d, skip, d.length - skip);
            }
        }
        holeSinceNanos = ooo.isEmpty() && ackedRel <= next ? -1 : (holeSinceNanos < 0 ? tsNanos : holeSinceNanos);
    }

    private void hold(long tsNanos, long r, byte[] buf, int off, int len) {
        stats.outOfOrder++;
        while (!ooo.isEmpty() && overLimits(r, len)) {
            limitHit = true;
            skipFirstHole(tsNanos);
            if (r <= next) {
                int skip = (int) (next - r);
                if (skip < len) {
                    deliver(tsNanos, buf, off + skip, len - skip);
                    drain(tsNanos);
                }
                return;
            }
        }
        if (overLimits(r, len)) {
            // Nothing held and still no room: give up the hole before this segment at once.
            limitHit = true;
            gap(tsNanos, r - next);
            deliver(tsNanos, buf, off, len);
            return;
        }
        if (holeSinceNanos < 0) {
            holeSinceNanos = tsNanos;
        }
        long cursor = r;
        long end = r + len;
        while (cursor < end) {
            Map.Entry<Long, byte[]> floor = ooo.floorEntry(cursor);
            if (floor != null && floor.getKey() + floor.getValue().length > cursor) {
                long k = floor.getKey();
                byte[] d = floor.getValue();
                long ovEnd = Math.min(end, k + d.length);
                compareOverlap(tsNanos, d, (int) (cursor - k), buf, off + (int) (cursor - r), (int) (ovEnd - cursor));
                cursor = ovEnd;
                continue;
            }
            Map.Entry<Long, byte[]> higher = ooo.higherEntry(cursor);
            long pieceEnd = higher != null && higher.getKey() < end ? higher.getKey() : end;
            byte[] piece = Arrays.copyOfRange(buf, off + (int) (cursor - r), off + (int) (pieceEnd - r));
            ooo.put(cursor, piece);
            oooBytes += piece.length;
            stats.memUsed += piece.length;
            cursor = pieceEnd;
        }
    }

    private void compareOverlap(long tsNanos, byte[] held, int heldOff, byte[] buf, int off, int len) {
        stats.overlaps++;
        if (!Arrays.equals(held, heldOff, heldOff + len, buf, off, off + len)) {
            stats.overlapMismatches++;
            listener.anomaly(tsNanos, "stream.overlap_mismatch");
        }
    }

    /** Tells whether holding {@code len} bytes at {@code r} could break a bound (and counts the hit). */
    private boolean overLimits(long r, int len) {
        if (stats.memUsed + len > stats.memcap) {
            stats.memcapHits++;
            return true;
        }
        // A segment is held as one piece per hole it fills between segments already held: one more
        // than the held segments starting inside it, at most. Counting it as one let the held segments
        // exceed their bound (found by TcpStreamFuzzTest).
        int pieces = 1 + ooo.subMap(r, false, r + len, false).size();
        if (oooBytes + len > config.maxBytesPerStream() || ooo.size() + pieces > config.maxSegmentsPerStream()) {
            stats.streamLimitHits++;
            return true;
        }
        return false;
    }

    private void skipFirstHole(long tsNanos) {
        Map.Entry<Long, byte[]> first = ooo.firstEntry();
        if (first == null) {
            return;
        }
        if (first.getKey() > next) {
            gap(tsNanos, first.getKey() - next);
        }
        drain(tsNanos);
    }

    private void checkHole(long tsNanos) {
        if (ooo.isEmpty() && ackedRel <= next) {
            holeSinceNanos = -1;
            return;
        }
        if (holeSinceNanos < 0) {
            holeSinceNanos = tsNanos;
            return;
        }
        if (tsNanos - holeSinceNanos < config.gapAckDelayNanos()) {
            return;
        }
        if (!ooo.isEmpty()) {
            if (ackedRel >= ooo.firstKey()) {
                skipFirstHole(tsNanos);
            }
        } else if (ackedRel > next) {
            gap(tsNanos, ackedRel - next);
            holeSinceNanos = -1;
        }
    }

    private void checkFin(long tsNanos) {
        if (!finDelivered && finRel >= 0 && next >= finRel && ooo.isEmpty()) {
            finDelivered = true;
            listener.fin(tsNanos);
        }
    }

    private void release(int n) {
        oooBytes -= n;
        stats.memUsed -= n;
    }
}
