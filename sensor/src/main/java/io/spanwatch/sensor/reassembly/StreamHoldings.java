package io.spanwatch.sensor.reassembly;

/**
 * What one direction of a TCP connection holds between a segment's arrival and its delivery, and how
 * that is bounded: the pieces held ahead of a hole ({@link HeldPieces}), the bytes of discarded
 * segments kept aside ({@link AsideBytes}), the stream's own bounds and the worker's memcap, and the
 * eviction of the stream that has waited longest for a hole when the memcap is reached (the worker's
 * list of holders in {@link ReassemblyStats}). {@link TcpStream} extends it with the receiving host's
 * rules and the stream's interface; the split keeps one object per direction, as before.
 *
 * <p>Not thread-safe: used by the worker thread that owns its flow.
 */
abstract class StreamHoldings {
    final ReassemblyConfig config;
    final ReassemblyStats stats;
    final StreamListener listener;

    /** Stream offset of the next byte to deliver: bytes before it were delivered or given up. */
    long next;
    /** Highest stream offset the receiver acknowledged; -1 before an acknowledgement. */
    long ackedRel = -1;
    /** Packet time since which a hole (or acknowledged bytes not seen) waits; -1 when none does. */
    long holeSinceNanos = -1;
    /** Segments held ahead of a hole; null while none are (most streams never hold any). */
    HeldPieces ooo;
    /** Bytes of discarded segments kept aside; null while none are. */
    AsideBytes aside;
    /** Bytes held in {@link #ooo} and {@link #aside}. */
    long heldBytes;
    /** Whether a bound made this stream give up data. */
    boolean limitHit;
    private boolean streamLimitReported;
    private boolean memcapReported;
    /** Neighbours in the worker's list of streams holding segments, oldest first ({@link ReassemblyStats}). */
    StreamHoldings olderHolder;
    StreamHoldings newerHolder;
    private boolean holder;

    StreamHoldings(ReassemblyConfig config, ReassemblyStats stats, StreamListener listener) {
        this.config = config;
        this.stats = stats;
        this.listener = listener;
    }

    /**
     * Gives up the stream up to {@code upTo}: bytes the receiver acknowledged that only a discarded
     * segment supplied are delivered, everything else is a gap.
     */
    abstract void giveUpTo(long tsNanos, long upTo);

    /** Gives up the first hole and delivers what then follows without a break. */
    abstract void skipFirstHole(long tsNanos);

    /** Passes the FIN on once every byte before it was. */
    abstract void checkFin(long tsNanos);

    /** Returns the pieces held now, out of order and kept aside (bounded by {@link ReassemblyConfig#maxSegmentsPerStream}). */
    final int heldSegments() {
        return (ooo == null ? 0 : ooo.size()) + (aside == null ? 0 : aside.size());
    }

    /** Returns the bytes held now, out of order and kept aside (bounded by {@link ReassemblyConfig#maxBytesPerStream}). */
    final long heldBytes() {
        return heldBytes;
    }

    /**
     * Keeps aside the bytes of a discarded segment at stream offset {@code r}, where nothing is kept
     * yet, if that fits the stream's bounds without giving anything up; past {@link #next} only. Bytes
     * that start at {@link #next}, or right after bytes kept aside from there on, are the very ones
     * the stream waits for if the receiver took them, so
     * at the memcap they take room from the stream that has waited longest, as a held segment would
     * (under a flood of holes the memcap stays reached, and a stale view of the receiver would
     * otherwise lose them for good); other bytes are not kept when the memcap is reached.
     */
    final void keepAside(long tsNanos, long r, byte[] buf, int off, int len) {
        long from = Math.max(r, next);
        long end = r + len;
        if (from >= end || end - next > (1L << 30)) {
            return;
        }
        long[] cost = aside == null ? new long[] {1, end - from} : aside.cost(from, end);
        long pieces = cost[0];
        long bytes = cost[1];
        if (pieces == 0) {
            return;
        }
        long need = bytes + pieces * TcpStream.SEGMENT_OVERHEAD;
        boolean contiguous = from <= asideReach();
        if (heldBytes + bytes > config.maxBytesPerStream() || heldSegments() + pieces > config.maxSegmentsPerStream()
                || (stats.memUsed + need > stats.memcap && (!contiguous || !makeRoom(tsNanos, need)))) {
            stats.discardedNotKept++;
            return;
        }
        if (aside == null) {
            aside = new AsideBytes(this::charge);
            updateHolder();
        }
        aside.keep(r, from, end, buf, off);
    }

    /** Returns the end of the bytes kept aside that run on without a break from {@link #next}, or {@link #next}. */
    private long asideReach() {
        return aside == null ? next : aside.reach(next);
    }

    /** Frees {@code need} bytes under the memcap from the streams that have waited longest, never this one. */
    private boolean makeRoom(long tsNanos, long need) {
        while (stats.memUsed + need > stats.memcap) {
            StreamHoldings victim = stats.oldestHolder == this ? newerHolder : stats.oldestHolder;
            if (victim == null) {
                return false;
            }
            stats.memcapHits++;
            victim.giveUpHeld(tsNanos);
        }
        return true;
    }

    /** Drops kept-aside bytes the stream has passed. */
    final void pruneAside() {
        aside.prune(next);
        if (aside.isEmpty()) {
            aside = null;
            updateHolder();
        }
    }

    /**
     * Drops the bytes kept aside from stream offset {@code from} on (all of a piece that starts there
     * or later).
     *
     * @return true when there were any
     */
    private boolean dropAsideFrom(long from) {
        if (!aside.dropFrom(from)) {
            return false;
        }
        if (aside.isEmpty()) {
            aside = null;
            updateHolder();
        }
        return true;
    }

    final void dropAside() {
        if (aside != null) {
            aside.clear();
            aside = null;
            updateHolder();
        }
    }

    private static final int WITHIN = 0;
    private static final int MEMCAP = 1;
    private static final int STREAM_LIMIT = 2;

    /**
     * Brings what this stream holds back within its bounds and the worker's memcap after a merge:
     * bytes kept aside go first, then room is taken from the stream that has waited longest for a hole
     * (a flood of holes that never fill), then this stream gives up its own oldest holes. Splitting by
     * the overlap policy can add pieces too, so "last"-style policies stay bounded.
     *
     * <p>At the memcap, kept-aside bytes that run on from {@link #next} stay: they are the ones the
     * stream waits for if the receiver took them, and under a flood of holes the memcap is reached at
     * every reordering of a clean download, so dropping them first turned one segment a capture showed
     * late into a gap (AttackIT's ooo-flood on CI). They give way only to this stream's own bound.
     *
     * <p>Not even to that while they fill the whole first hole and the receiver acknowledged past it
     * ({@link #waitsForAcknowledgedAside}): the stream gives up that hole anyway when the bound is
     * met, so dropping them first made a gap of bytes the host took; using them at once would let a
     * decoy stand in for an accepted copy the capture shows late. So the stream waits out the gap
     * delay past its own bound, within the memcap, and then uses them as {@code checkHole} would. A
     * clean download at 10 MB/s holds more than the bound within that second (AttackIT's
     * pending-flood under load: a segment PAWS discarded because the capture showed it after a
     * retransmission the host took after it, 1,448 bytes lost).
     */
    final void enforceLimits(long tsNanos) {
        while (true) {
            int limit = overLimits();
            if (limit == WITHIN) {
                return;
            }
            if (limit == STREAM_LIMIT && aside != null && waitsForAcknowledgedAside()) {
                if (dropAsideFrom(asideReach())) {
                    stats.discardedNotKept++; // only those past the run the stream waits for
                    continue;
                }
                if (tsNanos - holeSinceNanos < config.gapAckDelayNanos()) {
                    return; // within the memcap: wait out the gap delay
                }
                skipFirstHole(tsNanos); // acknowledged long enough ago: used, as checkHole uses them
                continue;
            }
            if (limit == STREAM_LIMIT) {
                stats.streamLimitHits++;
            }
            if (aside != null && limit != MEMCAP) {
                stats.discardedNotKept++;
                dropAside();
                continue;
            }
            if (aside != null && dropAsideFrom(asideReach())) {
                stats.discardedNotKept++;
                continue;
            }
            if (limit == MEMCAP) {
                StreamHoldings victim = stats.oldestHolder;
                if (victim != null && victim != this) {
                    victim.giveUpHeld(tsNanos);
                    continue;
                }
            }
            if (ooo == null) {
                return;
            }
            limitHit = true;
            name(tsNanos, limit);
            skipFirstHole(tsNanos);
        }
    }

    /** Tells which bound this stream's holdings pass, if any, and counts the memcap (the caller counts the stream's own bound). */
    private int overLimits() {
        if (stats.memUsed > stats.memcap) {
            stats.memcapHits++;
            return MEMCAP;
        }
        if (heldBytes > config.maxBytesPerStream() || heldSegments() > config.maxSegmentsPerStream()) {
            return STREAM_LIMIT;
        }
        return WITHIN;
    }

    /**
     * Tells whether the first hole is filled, all of it, by bytes kept aside that run on from
     * {@link #next}, and the receiver acknowledged past it: those bytes are delivered once the hole
     * has waited the gap delay (unless an accepted copy comes first), so they are what the stream
     * waits for, not something to drop for room. Only then may the stream hold more than its own
     * bound ({@link #enforceLimits}).
     */
    final boolean waitsForAcknowledgedAside() {
        if (ooo == null || holeSinceNanos < 0) {
            return false;
        }
        long hole = ooo.firstStart();
        return ackedRel >= hole && asideReach() >= hole;
    }

    /**
     * Names the bound that made this stream give up data, the first time each one does:
     * {@code stream.reassembly_memcap} (all streams of the worker) or {@code stream.reassembly_ooo_limit}
     * (this stream's own bytes or segments).
     */
    private void name(long tsNanos, int limit) {
        if (limit == MEMCAP && !memcapReported) {
            memcapReported = true;
            listener.anomaly(tsNanos, "stream.reassembly_memcap");
        } else if (limit == STREAM_LIMIT && !streamLimitReported) {
            streamLimitReported = true;
            listener.anomaly(tsNanos, "stream.reassembly_ooo_limit");
        }
    }

    /**
     * Gives up every hole of this stream and hands on what it held, to free the worker's memory for
     * another stream (the memcap is reached and this stream has waited longest).
     */
    private void giveUpHeld(long tsNanos) {
        if (ooo == null) {
            // Only bytes kept aside. Those the receiver acknowledged for as long as a hole is waited for
            // are what it took: delivered, as checkHole would on the stream's next packet. Sooner, the
            // accepted copy may still be on its way (a capture shows an ACK before the data it covers),
            // and a flood that forces evictions would let a decoy stand in for it (review).
            long upTo = Math.min(asideReach(), ackedRel);
            if (upTo > next && holeSinceNanos >= 0 && tsNanos - holeSinceNanos >= config.gapAckDelayNanos()) {
                giveUpTo(tsNanos, upTo);
                checkFin(tsNanos);
            }
            if (aside != null) {
                stats.discardedNotKept++;
                dropAside();
            }
            return;
        }
        limitHit = true;
        stats.memcapEvictions++;
        name(tsNanos, MEMCAP);
        while (ooo != null) {
            skipFirstHole(tsNanos);
        }
        dropAside();
        checkFin(tsNanos);
    }

    /** Keeps this stream in the worker's list of holders exactly while it holds something. */
    final void updateHolder() {
        boolean holds = ooo != null || aside != null;
        if (holds && !holder) {
            stats.addHolder(this);
        } else if (!holds && holder) {
            stats.removeHolder(this);
        }
        holder = holds;
    }

    final void charge(long bytes, int pieces) {
        heldBytes += bytes;
        stats.memUsed += bytes + (long) pieces * TcpStream.SEGMENT_OVERHEAD;
    }

}
