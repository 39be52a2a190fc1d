package io.spanwatch.sensor.reassembly;

/**
 * Tracks what the receiving host of one direction accepts, as far as the packets show it: the
 * sender's latest timestamp it took (TS.Recent, for PAWS, RFC 7323 §5) and the right edge of the
 * largest window it advertised. Offsets are the stream's (see {@link TcpStream}).
 *
 * <p>Both views err on the side of taking data. TS.Recent only rises from segments that carry the
 * stream on in the sensor's view, whose timestamps rise with their sequence numbers, and that start at
 * or before the receiver's last acknowledgement (RFC 7323 §4.3's Last.ACK.sent, Linux's
 * {@code rcv_wup}; see {@link TcpStream#timestamp}); the receiver's own echo (TSecr) is not used to raise it, since a
 * capture point's order differs from the host's (packets of one flow reach a mirror port or a tap
 * through several queues) and segments sent before the echoed one may still be seen after it. The
 * echo lowers it, though: once the receiver acknowledges the segment whose timestamp the sensor took,
 * its echo is its own TS.Recent (RFC 7323 §4.3), which may be older than what the sensor took (the
 * host saw the segments in another order, or delayed its acknowledgement; a forged segment with a
 * future timestamp). So a timestamp the host never took cannot make a run of real segments look old
 * for longer than one acknowledgement (found by AttackIT: a clean download lost to a run of rejected
 * segments under a flood). The window edge is the largest ever advertised, and a receiver seen to
 * acknowledge past it turns the window check off.
 */
final class ReceiverView {
    /** RFC 7323 §5.5: a timestamp last accepted this long ago (packet time) no longer rejects anything. */
    static final long PAWS_IDLE_NANOS = 24L * 86_400 * 1_000_000_000L;
    private static final long MASK = 0xFFFF_FFFFL;

    /** Whether both ends negotiated timestamps, so the PAWS check applies. */
    boolean timestamps;
    private long tsRecent;
    /** Packet time TS.Recent was last set; -1 while there is none. */
    private long tsRecentAt = -1;
    /** Stream offset just past the segment TS.Recent was taken from. */
    private long tsRecentEnd;
    /** The receiver's latest echo (TSecr), or -1. */
    private long lastEcho = -1;
    /** Stream offset just past the largest window the receiver advertised, or -1 while unknown. */
    private long windowEdge = -1;
    private boolean windowCheck = true;

    /**
     * Tells whether a segment carrying timestamp {@code tsval} passes PAWS, allowing it to be
     * {@code tolerance} ticks old; when it passes and {@code takes} (it carries the stream on from at
     * or before the receiver's last acknowledgement) it becomes TS.Recent (§4.3). A TS.Recent of 0
     * rejects nothing: Linux ({@code tcp_paws_check}) and the BSDs skip the check while it is 0, since
     * some stacks send 0 in their first segments.
     */
    boolean timestampOk(long tsNanos, long tsval, boolean takes, int tolerance, long end) {
        tsval &= MASK;
        boolean valid = tsRecentAt >= 0 && tsNanos - tsRecentAt <= PAWS_IDLE_NANOS && tsRecent != 0;
        int age = valid ? (int) (tsval - tsRecent) : 0;
        if (age < -tolerance) {
            return false;
        }
        if (takes && (!valid || age >= 0)) {
            tsRecent = tsval;
            tsRecentAt = tsNanos;
            tsRecentEnd = end;
        }
        return true;
    }

    /**
     * Takes the receiver's echo of the sender's timestamps, sent with an acknowledgement up to stream
     * offset {@code ack} (-1: unknown): when that acknowledges the segment TS.Recent came from and
     * the echo is older, the receiver's TS.Recent is the echo, and the check follows it.
     *
     * @return true when TS.Recent was lowered
     */
    boolean echo(long tsNanos, long tsecr, long ack) {
        lastEcho = tsecr & MASK;
        if (ack >= 0 && tsRecentAt >= 0 && ack >= tsRecentEnd && (int) (lastEcho - tsRecent) < 0) {
            tsRecent = lastEcho;
            tsRecentAt = tsNanos;
            return true;
        }
        return false;
    }

    /**
     * Lowers TS.Recent to the receiver's last echo after the receiver was seen to take bytes the PAWS
     * check had discarded: the echo is what the host had taken then, so the check cannot go on
     * rejecting what the host takes (say after a forged segment with a far-future timestamp).
     */
    void resync(long tsNanos) {
        if (lastEcho >= 0 && tsRecentAt >= 0 && (int) (lastEcho - tsRecent) < 0) {
            tsRecent = lastEcho;
            tsRecentAt = tsNanos;
        }
    }

    /**
     * Takes an acknowledgement at stream offset {@code ack} with {@code windowBytes} of window.
     *
     * @return true when the receiver acknowledged past the window it was seen to offer: a window update
     *     went missing, or the path rewrote window scaling, so the window check is turned off
     */
    boolean window(long ack, long windowBytes) {
        if (!windowCheck) {
            return false;
        }
        if (windowEdge >= 0 && ack > windowEdge) {
            windowCheck = false;
            return true;
        }
        windowEdge = Math.max(windowEdge, ack + windowBytes);
        return false;
    }

    /** Returns the offset from which data lies past the receiver's window (the host drops it), or {@link Long#MAX_VALUE}. */
    long windowLimit() {
        return windowCheck && windowEdge >= 0 ? windowEdge : Long.MAX_VALUE;
    }

    /** Tells whether the window check is on and has a window to check against. */
    boolean windowKnown() {
        return windowCheck && windowEdge >= 0;
    }

    /** Forgets the window after the stream was re-based (its offsets changed). */
    void rebase() {
        windowEdge = -1;
        tsRecentEnd = 0;
    }
}
