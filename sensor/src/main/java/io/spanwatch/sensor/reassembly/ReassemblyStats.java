package io.spanwatch.sensor.reassembly;

/**
 * Counts reassembly work and losses for one worker, and holds that worker's out-of-order memory
 * budget and the list of its streams holding segments, so that a stream short of room can take it
 * from the one that has waited longest. Not thread-safe: read by other threads only after the worker stopped, or as racy
 * snapshots for stats.
 */
public final class ReassemblyStats {
    final long memcap;
    long memUsed;

    public long segments;
    public long outOfOrder;
    public long retransmitted;
    public long overlaps;
    public long overlapMismatches;
    public long gaps;
    public long gapBytes;
    public long streamLimitHits;
    public long memcapHits;
    /** Streams that gave up what they held to make room for another (the memcap was reached). */
    public long memcapEvictions;
    /** Overlaps where the receiver's policy kept the later copy and its bytes differed. */
    public long overlapsReplaced;
    /** Segments discarded for a wrong IPv4 header or TCP checksum (their sender sent right ones before). */
    public long invalidChecksums;
    /** Bytes an urgent pointer took out of a stream (out of band). */
    public long urgentOutOfBand;
    /** Segments discarded for a TCP timestamp older than the receiver's (PAWS, RFC 7323). */
    public long pawsRejected;
    /** Times the receiver's echo (TSecr) lowered the PAWS check's timestamp to the one the receiver took. */
    public long pawsEchoLowered;
    /** Segments discarded for acknowledging bytes their receiver cannot have sent (see {@code TcpStream.acknowledgesUnsent}). */
    public long invalidAcks;
    /** Segments discarded for starting at or past the receiver's advertised window. */
    public long outOfWindow;
    /** Streams whose window check was turned off: the receiver acknowledged past the window it was seen to offer. */
    public long windowChecksOff;
    /** Discarded segments whose bytes could not be kept aside within the bounds, or were dropped for room. */
    public long discardedNotKept;
    /** Bytes of discarded segments used because the receiver acknowledged them and no other copy came. */
    public long discardedBytesUsed;
    /**
     * Times one direction's bytes waited for the other direction's bytes they acknowledge (the
     * capture took a reply before its request); see {@code TcpConnection}.
     */
    public long ackOrderWaits;
    /** Waits not begun, or ended early, because of their bounds (bytes per connection, the memcap). */
    public long ackOrderLimitHits;
    /** Bytes waiting that way now; they count against the memcap with the out-of-order bytes. */
    public long ackOrderHeld;

    /** Streams holding out-of-order segments, in the order they started to (the oldest hole first). */
    StreamHoldings oldestHolder;
    StreamHoldings newestHolder;

    public ReassemblyStats(long memcap) {
        this.memcap = memcap;
    }

    void addHolder(StreamHoldings s) {
        s.olderHolder = newestHolder;
        s.newerHolder = null;
        if (newestHolder != null) {
            newestHolder.newerHolder = s;
        } else {
            oldestHolder = s;
        }
        newestHolder = s;
    }

    void removeHolder(StreamHoldings s) {
        if (s.olderHolder != null) {
            s.olderHolder.newerHolder = s.newerHolder;
        } else if (oldestHolder == s) {
            oldestHolder = s.newerHolder;
        }
        if (s.newerHolder != null) {
            s.newerHolder.olderHolder = s.olderHolder;
        } else if (newestHolder == s) {
            newestHolder = s.olderHolder;
        }
        s.olderHolder = null;
        s.newerHolder = null;
    }

    /** Tells whether {@code bytes} more can wait for their acknowledged peer bytes within the memcap. */
    public boolean ackOrderRoom(long bytes) {
        return memUsed + ackOrderHeld + bytes <= memcap;
    }

    /**
     * Charges {@code bytes} more that wait for their acknowledged peer bytes, held by one holder that
     * already has {@code holding} and may have {@code max} at most: false, and a limit hit counted,
     * when they do not fit there or within the memcap.
     */
    public boolean holdAckOrder(long holding, long bytes, long max) {
        if (holding + bytes > max || !ackOrderRoom(bytes)) {
            ackOrderLimitHits++;
            return false;
        }
        ackOrderHeld += bytes;
        return true;
    }

    /** Gives back bytes charged by {@link #holdAckOrder}. */
    public void releaseAckOrder(long bytes) {
        ackOrderHeld -= bytes;
    }

    /** Returns out-of-order bytes held now. */
    public long memUsed() {
        return memUsed;
    }
}
