package io.spanwatch.sensor.reassembly;

import java.util.Map;

/**
 * Reassembles one direction of a TCP connection into the bytes its receiving host accepted, for a
 * {@link StreamListener}.
 *
 * <p>In-order segments are passed through without a copy; segments ahead of a hole are copied and
 * held until the hole fills. Bytes already passed on are never replaced (the host has handed them to
 * its application; a later copy is a retransmission). Where a segment overlaps bytes still held, the
 * receiving host's {@link OverlapPolicy} decides which copy it keeps; overlapping bytes that differ
 * are reported as {@code stream.overlap_mismatch}, whichever copy wins.
 *
 * <p>Segments the host discards are not reassembled: those whose TCP timestamp is older than the last
 * one it accepted ({@link #timestamp}, PAWS of RFC 7323; anomaly {@code stream.pkt_invalid_timestamp})
 * and those that start beyond the window it advertised ({@link #ack}; anomaly
 * {@code stream.est_packet_out_of_window}). Their bytes are kept aside, within the same bounds, and
 * used only where the receiver later acknowledges bytes no accepted segment supplied, which shows the
 * sensor's view of its window or timestamps was stale (after loss on the mirror port, say); anomaly
 * {@code stream.discarded_data_used}. A receiver that acknowledges past the window it was seen to
 * advertise (a window update lost, or window scaling rewritten on the path) turns the window check off
 * for the stream.
 *
 * <p>Urgent data: the byte an urgent pointer marks is taken out of the stream as the receiver takes it
 * out of band ({@link UrgentMarks}; anomaly {@code stream.urgent_oob}, counted in
 * {@link ReassemblyStats#urgentOutOfBand}), unless {@link ReassemblyConfig#urgentOutOfBand()} is off.
 *
 * <p>A hole is given up as a gap when the receiver has acknowledged past it for longer than
 * {@link ReassemblyConfig#gapAckDelayNanos}, when the stream's bounds are reached, when the worker's
 * memcap is reached and this stream has waited longest, or when the stream ends; bytes after the gap
 * follow. Kept-aside bytes are dropped first when a bound is reached, so they never cause a gap;
 * those that fill the first hole and that the receiver acknowledged are waited for instead, as long
 * as a hole is (see {@code StreamHoldings#enforceLimits}).
 *
 * <p>Without a SYN the stream starts at the first segment seen (mid-stream pick-up). Sequence numbers
 * are unwrapped into 64-bit offsets from the stream's start, so wrap-around needs no special case.
 *
 * <p>What the stream holds meanwhile, its bounds and the memcap's evictions are {@link StreamHoldings}'s.
 *
 * <p>Not thread-safe: used by the worker thread that owns its flow.
 */
public final class TcpStream extends StreamHoldings {
    private static final long MASK = 0xFFFF_FFFFL;
    /**
     * Heap bytes one held piece costs at most besides its payload (tree entry, boxed key, array header,
     * and the extent record of a piece that is not a whole segment): charged against the memcap with
     * the payload, so a flood of tiny segments is bounded as well as one of large ones.
     */
    public static final int SEGMENT_OVERHEAD = 112;

    private final OverlapPolicy policy;

    private boolean started;
    private long base;
    /** The largest window the receiver of this direction advertised (bytes, scaled), or -1 while none was seen. */
    private long maxWindow = -1;
    private long finRel = -1;
    /** Stream offset where the segment that carried the FIN started; -1 without a FIN. */
    private long finSegStart = -1;
    private boolean finDelivered;
    /** Stream offset the acknowledgement taken last acknowledged, until {@link #echo} takes it; -1: none. */
    private long lastAck = -1;
    /** Bytes to take out of band when they are passed on; null until a segment marks one. */
    private UrgentMarks urgent;

    private long gapBytes;
    private boolean asideUseReported;
    private boolean closed;

    /** What the receiving host accepts: PAWS and its advertised window. */
    private final ReceiverView receiver = new ReceiverView();
    /** Stream offset from which data lies past the receiver's window ({@link Long#MAX_VALUE}: not checked), cached for the hot path. */
    private long windowLimit = Long.MAX_VALUE;

    public TcpStream(ReassemblyConfig config, ReassemblyStats stats, StreamListener listener) {
        this(config, stats, listener, config.policies().fallback());
    }

    /** Makes a stream whose receiving host resolves overlaps by {@code policy}. */
    public TcpStream(ReassemblyConfig config, ReassemblyStats stats, StreamListener listener, OverlapPolicy policy) {
        super(config, stats, listener);
        this.policy = policy;
    }

    /** Returns the receiving host's overlap policy. */
    public OverlapPolicy policy() {
        return policy;
    }

    /** Takes the sender's SYN: the stream starts right after its sequence number. */
    public void syn(long seq) {
        if (!started || (next == 0 && ooo == null && !finDelivered && !closed)) {
            // A SYN re-bases a stream that delivered nothing yet (e.g. one started by a stray segment).
            base = (seq + 1) & MASK;
            next = 0;
            started = true;
            if (aside != null) {
                dropAside();
            }
            receiver.rebase();
            windowLimit = Long.MAX_VALUE;
            urgent = null; // marks were offsets from the old start
        }
    }

    /**
     * Tells whether the receiving host resets the connection on a RST with this sequence number from
     * the sender, by its policy ({@link OverlapPolicy#resetAccepted}). Other RSTs are ignored (and
     * reported by the caller), so a forged RST, even one inside the window, cannot blind the sensor to
     * the rest of the connection, which the host goes on with.
     */
    public boolean acceptsReset(long seq) {
        return started && policy.resetAccepted(rel(seq), next, finDelivered ? finRel : -1,
                ooo != null && !ooo.isEmpty() ? ooo.lastEnd() : -1);
    }

    /** Tells whether a SYN or a segment started this stream. */
    public boolean started() {
        return started;
    }

    /** Turns the PAWS check on: both ends negotiated TCP timestamps (RFC 7323 §3.2). */
    public void useTimestamps() {
        receiver.timestamps = true;
    }

    /**
     * Checks the TCP timestamp of one of the sender's segments (not a RST, not a pure ACK) the way its
     * receiver does (PAWS, RFC 7323 §5.3): a timestamp older than the last one the receiver took means
     * the host discards the whole segment (data, FIN and acknowledgement), which is counted and
     * reported as {@code stream.pkt_invalid_timestamp}. A timestamp taken more than 24 days of packet
     * time ago rejects nothing.
     *
     * <p>The sensor sees packets in its capture point's order, not the host's: one flow's packets come
     * through several queues, and a run of segments can be seen after the run sent after it. So the
     * check leaves alone a segment whose bytes were all passed on (a retransmission, whatever its
     * timestamp), and only a segment that carries the stream on (its first byte at or before the next
     * one expected, its last past it) updates the receiver's timestamp (§4.3), and only when it starts
     * at or before the receiver's last acknowledgement (§4.3's Last.ACK.sent): such segments'
     * timestamps rise with their sequence numbers. A retransmission of old bytes carries a new
     * timestamp and would make the run sent before it look old (found by AttackIT on live curl/nginx
     * traffic). A TS.Recent of 0 rejects nothing, as on Linux and the BSDs.
     *
     * @param len the segment's payload length (a FIN counts one)
     * @return false when the segment is to be discarded ({@link #discarded} keeps its bytes aside)
     */
    public boolean timestamp(long tsNanos, long seq, int len, long tsval) {
        if (!receiver.timestamps || closed) {
            return true;
        }
        long r = started ? rel(seq) : 0;
        if (started && r + len <= next) {
            return true;
        }
        // TS.Recent follows a segment that carries the stream on and starts at or before what the
        // receiver last acknowledged (RFC 7323 §4.3, Linux's seq <= rcv_wup): one sent right behind
        // another before any acknowledgement does not move it, else a high timestamp there makes the
        // next real segment look old while the host takes it (an evasion review). Until the
        // receiver's acknowledgements are seen, in order is enough.
        boolean takes = !started || r <= next && (ackedRel < 0 || r <= ackedRel);
        if (!receiver.timestampOk(tsNanos, tsval, takes, policy.pawsTolerance(), r + len)) {
            stats.pawsRejected++;
            listener.anomaly(tsNanos, "stream.pkt_invalid_timestamp");
            return false;
        }
        return true;
    }

    /**
     * Takes the receiver's echo of the sender's timestamps (TSecr), sent with the acknowledgement
     * {@link #ack} just took. It never raises the PAWS check's timestamp (see {@link ReceiverView}); it
     * lowers it to the echo once the receiver acknowledged the segment the check took its timestamp
     * from, and where the receiver took what the check discarded.
     */
    public void echo(long tsNanos, long tsecr) {
        long ack = lastAck;
        lastAck = -1;
        if (receiver.timestamps && !closed && receiver.echo(tsNanos, tsecr, ack)) {
            stats.pawsEchoLowered++;
        }
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
        segment(tsNanos, seq, buf, off, len, fin, missing, -1);
    }

    /**
     * Takes one segment with its urgent pointer ({@code urgentPointer}, the TCP header's field when
     * the URG flag is set, -1 otherwise): the byte it marks is taken out of the stream (see the class
     * comment) if this direction's receiver accepts the segment.
     */
    public void segment(long tsNanos, long seq, byte[] buf, int off, int len, boolean fin, int missing, int urgentPointer) {
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
        if (r >= windowLimit && len > 0 && r + len > next) {
            // Starts at or past the receiver's window: the host drops it (Linux and BSD alike).
            stats.outOfWindow++;
            listener.anomaly(tsNanos, "stream.est_packet_out_of_window");
            keepAside(tsNanos, r, buf, off, len);
            return;
        }
        if (urgentPointer >= 0 && config.urgentOutOfBand()) {
            urgent(tsNanos, r, urgentPointer, len + missing, fin);
        }
        if (finRel >= 0 && !finDelivered && finSegStart > next && r <= finSegStart && r + len + missing > finRel) {
            // A segment that covers the one that brought the FIN and runs past it, while that one waits
            // out of order: the receiver keeps the newer (Linux's out-of-order queue replaces a
            // segment another covers, tcp_data_queue_ofo; BSD's tcp_reass drops it), and the FIN with it.
            // A FIN that came in order was taken at once, and stands.
            listener.anomaly(tsNanos, "stream.fin_replaced");
            finRel = -1;
            finSegStart = -1;
        }
        if (fin && finRel < 0) {
            if (r + len + missing < next) {
                // A FIN before bytes already delivered contradicts them: a stale or forged segment.
                // Taking it would end the stream at once and drop all that follows (found by TcpStreamFuzzTest).
                listener.anomaly(tsNanos, "stream.fin_out_of_window");
            } else {
                finRel = r + len + missing;
                finSegStart = r;
                if (ackedRel > finRel) {
                    ackedRel = finRel;
                }
            }
        }
        if (len > 0) {
            stats.segments++;
            if (r + len <= next) {
                stats.retransmitted++;
            } else if (r <= next && (ooo == null || r + len <= ooo.firstStart())) {
                // In order and overlapping nothing held: passed on as it is, then what it made contiguous.
                if (r < next) {
                    stats.retransmitted++;
                }
                int skip = (int) (next - r);
                deliver(tsNanos, buf, off + skip, len - skip);
                if (missing > 0) {
                    gap(tsNanos, missing);
                }
                drain(tsNanos);
            } else {
                if (r < next) {
                    stats.retransmitted++;
                }
                insert(tsNanos, r, buf, off, len);
                if (missing > 0 && next == r + len) {
                    gap(tsNanos, missing);
                    drain(tsNanos);
                }
            }
        } else if (missing > 0 && r == next) {
            gap(tsNanos, missing);
            drain(tsNanos);
        }
        if (ooo != null) {
            // What the segment made contiguous was passed on: the first hole may now be one that no
            // acknowledged kept-aside bytes fill, so the stream no longer waits past its own bound
            // (found by TcpStreamFuzzTest: 9 segments held, bound 7).
            enforceLimits(tsNanos);
        }
        checkHole(tsNanos);
        checkFin(tsNanos);
    }

    /**
     * Keeps aside the payload of a segment its receiver discards (see {@link #timestamp}): it is not
     * reassembled, but used where the receiver later acknowledges bytes no accepted segment supplied.
     */
    public void discarded(long tsNanos, long seq, byte[] buf, int off, int len) {
        if (closed || !started || len <= 0 || finDelivered) {
            return;
        }
        keepAside(tsNanos, rel(seq), buf, off, len);
        checkHole(tsNanos);
    }

    /** Takes an acknowledgement number sent by the other side (the receiver of this direction). */
    public void ack(long tsNanos, long ackSeq) {
        ack(tsNanos, ackSeq, -1);
    }

    /**
     * Takes an acknowledgement number and the window sent with it by the receiver of this direction.
     *
     * @param windowBytes the advertised window in bytes, scaled (RFC 7323 §2.3); -1 when unknown
     */
    public void ack(long tsNanos, long ackSeq, long windowBytes) {
        lastAck = -1;
        if (!started || closed) {
            return;
        }
        long r = rel(ackSeq);
        if (finRel >= 0 && r > finRel) {
            r = finRel; // the acknowledgement of a FIN covers its phantom byte, not data
        }
        boolean plausible = r - next < (1L << 30) && next - r < (1L << 30);
        lastAck = plausible ? r : -1;
        if (r > ackedRel && r - next < (1L << 30)) {
            ackedRel = r;
        }
        if (windowBytes > maxWindow) {
            maxWindow = windowBytes;
        }
        if (windowBytes >= 0 && plausible) {
            if (receiver.window(r, windowBytes)) {
                stats.windowChecksOff++;
            }
            windowLimit = receiver.windowLimit();
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
        while (ooo != null) {
            skipFirstHole(tsNanos);
        }
        long end = Math.max(ackedRel, finRel);
        if (started && end > next && end - next < (1L << 30)) {
            giveUpTo(tsNanos, end);
        }
        dropAside();
        checkFin(tsNanos);
        closed = true;
    }

    /**
     * Ends the stream without delivering anything more (the connection is not worth reassembling):
     * frees what is held and ignores later segments.
     */
    public void discard() {
        if (ooo != null) {
            ooo.clear();
            ooo = null;
        }
        dropAside();
        updateHolder();
        closed = true;
    }

    /**
     * Returns how many bytes past those delivered (or given up) an acknowledgement number from this
     * direction's receiver covers when the capture has shown none of this direction's bytes up to it
     * yet: bytes the receiver already had that are still to come. 0 when none, when bytes at or past
     * that number are held (a hole in this direction, which its own gap rules handle), or when the
     * number is not plausible for this stream.
     */
    public long ackedUnseen(long ackSeq) {
        if (!started || closed) {
            return 0;
        }
        long r = rel(ackSeq);
        if (finRel >= 0 && r > finRel) {
            r = finRel;
        }
        long d = r - next;
        if (d <= 0 || d >= (1L << 30)) {
            return 0;
        }
        if (ooo != null && ooo.lastEnd() >= r) {
            return 0;
        }
        return d;
    }

    /**
     * Tells whether an acknowledgement number its receiver sent covers bytes of this direction that
     * its sender cannot have sent: past every byte of it the capture showed (passed on, held, kept
     * aside, its FIN) and past the right edge of the window the receiver was seen to advertise. Every
     * stack drops a segment carrying such an acknowledgement (RFC 9293 §3.10.7.4, SEG.ACK > SND.NXT;
     * Linux's {@code tcp_ack}, {@code SKB_DROP_REASON_TCP_ACK_UNSENT_DATA}; the BSDs' {@code
     * tcp_input}, {@code dropafterack}). The window's edge bounds it rather than the last byte seen,
     * as in Suricata's {@code StreamTcpValidateAck}: a mirror port may show an acknowledgement before
     * the bytes it covers, or lose them. False while the window is not known.
     */
    public boolean acknowledgesUnsent(long ackSeq) {
        if (!started || closed || windowLimit == Long.MAX_VALUE) {
            return false;
        }
        long r = rel(ackSeq);
        long seen = Math.max(next, windowLimit);
        if (ooo != null) { // null while empty, as aside
            seen = Math.max(seen, ooo.lastEnd());
        }
        if (aside != null) {
            seen = Math.max(seen, aside.end());
        }
        // one more for a FIN's own sequence number, which may lie at the window's edge
        return r > Math.max(seen, finRel) + 1 && r - next < (1L << 30);
    }

    /**
     * Tells whether an acknowledgement number the receiver of this direction sent lies more than the
     * largest window it advertised behind the highest one it sent before: its peer (this direction's
     * sender) drops a segment carrying it, data and all, with a challenge ACK (RFC 5961 §5.2; Linux's
     * {@code tcp_ack} since 3.6, {@code SKB_DROP_REASON_TCP_TOO_OLD_ACK}). False while no acknowledgement
     * with a window was seen.
     */
    public boolean acknowledgesTooOld(long ackSeq) {
        if (!started || closed || ackedRel < 0 || maxWindow < 0) {
            return false;
        }
        int behind = (int) ((base + ackedRel - ackSeq) & MASK); // negative: at or after the highest
        return behind > maxWindow;
    }

    /** Tells whether bytes kept aside from a discarded segment were used: the sensor's view of the receiver was stale. */
    public boolean discardedDataUsed() {
        return asideUseReported;
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

    /** Tells whether the sender's FIN was reached. */
    public boolean finished() {
        return finDelivered;
    }

    /** Tells whether data past the receiver's advertised window is still discarded (see {@link #ack}). */
    boolean windowChecked() {
        return receiver.windowKnown();
    }

    private long rel(long seq) {
        long abs = (base + next) & MASK;
        int delta = (int) ((seq & MASK) - abs);
        return next + delta;
    }

    /**
     * Records the urgent mark of an accepted segment at stream offset {@code r} carrying {@code len}
     * bytes, by the receiver's policy ({@link UrgentMarks}).
     */
    private void urgent(long tsNanos, long r, int pointer, int len, boolean fin) {
        if (urgent == null) {
            urgent = new UrgentMarks(policy);
        }
        long u = urgent.marked(r, pointer, len);
        long finAt = fin && finRel < 0 ? r + len : finRel;
        if (u < 0 || u < next || finDelivered || finAt >= 0 && u >= finAt) {
            return; // nothing marked, already received in order, or a byte after the FIN
        }
        if (!urgent.add(u)) {
            listener.anomaly(tsNanos, "stream.urgent_limit"); // the byte stays inline
        }
    }

    private void deliver(long tsNanos, byte[] buf, int off, int len) {
        if (len <= 0) {
            return;
        }
        for (long u; urgent != null && (u = urgent.firstBefore(next + len)) >= 0; ) {
            // pass on the bytes before the urgent one, then step over it
            urgent.dropFirst();
            if (u < next) {
                continue; // behind what was passed on (cannot be: marks start at or past it); taken as gone
            }
            int k = (int) (u - next);
            passOn(tsNanos, buf, off, k);
            next++;
            stats.urgentOutOfBand++;
            listener.anomaly(tsNanos, "stream.urgent_oob");
            off += k + 1;
            len -= k + 1;
        }
        passOn(tsNanos, buf, off, len);
    }

    private void passOn(long tsNanos, byte[] buf, int off, int len) {
        if (len <= 0) {
            return;
        }
        next += len;
        listener.data(tsNanos, buf, off, len);
        if (aside != null) {
            pruneAside();
        }
    }

    private void gap(long tsNanos, long len) {
        next += len;
        if (urgent != null) {
            urgent.dropBefore(next); // a marked byte lost with the gap
        }
        gapBytes += len;
        stats.gaps++;
        stats.gapBytes += len;
        listener.gap(tsNanos, len);
        if (aside != null) {
            pruneAside();
        }
    }

    /** Delivers held segments that now start at or before {@link #next}. */
    private void drain(long tsNanos) {
        while (ooo != null) {
            long k = ooo.firstStart();
            if (k > next) {
                break;
            }
            byte[] d = ooo.pollFirst();
            if (ooo.isEmpty()) {
                ooo = null;
                updateHolder();
            }
            if (k + d.length > next) {
                int skip = (int) (next - k);
                deliver(tsNanos, d, skip, d.length - skip);
            }
        }
        holeSinceNanos = ooo == null && ackedRel <= next ? -1 : (holeSinceNanos < 0 ? tsNanos : holeSinceNanos);
    }

    /**
     * Takes a segment that overlaps held ones or lies ahead of a hole: what comes before the first held
     * piece goes straight through, the rest is merged with the held pieces by the receiver's policy.
     */
    private void insert(long tsNanos, long r, byte[] buf, int off, int len) {
        long end = r + len;
        long from = Math.max(r, next);
        if (r <= next) {
            long upTo = Math.min(end, ooo.firstStart());
            deliver(tsNanos, buf, off + (int) (next - r), (int) (upTo - next));
            from = upTo;
        } else {
            stats.outOfOrder++;
        }
        if (from < end) {
            if (holeSinceNanos < 0) {
                holeSinceNanos = tsNanos;
            }
            merge(tsNanos, r, end, from, buf, off);
            enforceLimits(tsNanos);
        }
        drain(tsNanos);
    }

    /** Merges bytes {@code [from, end)} of the segment {@code [r, end)} into the held pieces ({@link HeldPieces#merge}). */
    private void merge(long tsNanos, long r, long end, long from, byte[] buf, int off) {
        if (ooo == null) {
            ooo = new HeldPieces(policy, stats, listener, this::charge);
            updateHolder();
        }
        ooo.merge(tsNanos, r, end, from, buf, off);
    }

    /**
     * Gives up the stream up to {@code upTo}: where the receiver acknowledged bytes that only a
     * discarded segment supplied, those bytes are delivered (the receiver took them, so the sensor's
     * view was stale); everything else is a gap.
     */
    @Override
    void giveUpTo(long tsNanos, long upTo) {
        while (next < upTo) {
            long acked = Math.min(upTo, ackedRel);
            Map.Entry<Long, byte[]> w = aside == null || next >= acked ? null : aside.floor(next);
            if (w != null && w.getKey() + w.getValue().length > next) {
                long end = Math.min(w.getKey() + w.getValue().length, acked);
                int skip = (int) (next - w.getKey());
                stats.discardedBytesUsed += end - next;
                if (!asideUseReported) {
                    asideUseReported = true;
                    listener.anomaly(tsNanos, "stream.discarded_data_used");
                }
                receiver.resync(tsNanos); // the timestamp view may have been stale too
                deliver(tsNanos, w.getValue(), skip, (int) (end - next));
                continue;
            }
            long to = upTo;
            if (aside != null && next < acked) {
                Long h = aside.startAfter(next);
                if (h != null && h < Math.min(to, acked)) {
                    to = h;
                }
            }
            gap(tsNanos, to - next);
        }
    }

    @Override
    void skipFirstHole(long tsNanos) {
        if (ooo == null) {
            return;
        }
        giveUpTo(tsNanos, ooo.firstStart());
        drain(tsNanos);
    }

    private void checkHole(long tsNanos) {
        if (ooo == null && ackedRel <= next) {
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
        if (ooo != null) {
            if (ackedRel >= ooo.firstStart()) {
                skipFirstHole(tsNanos);
                enforceLimits(tsNanos); // the stream may have waited for it past its own bound
            }
        } else if (ackedRel > next) {
            giveUpTo(tsNanos, ackedRel);
            holeSinceNanos = -1;
        }
    }

    @Override
    void checkFin(long tsNanos) {
        if (!finDelivered && finRel >= 0 && next >= finRel && ooo == null) {
            finDelivered = true;
            dropAside();
            listener.fin(tsNanos);
        }
    }

}
