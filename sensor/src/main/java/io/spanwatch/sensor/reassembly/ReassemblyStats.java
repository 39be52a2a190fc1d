package io.spanwatch.sensor.reassembly;

/**
 * Counts reassembly work and losses for one worker, and holds that worker's out-of-order memory
 * budget. Not thread-safe: read by other threads only after the worker stopped, or as racy
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

    public ReassemblyStats(long memcap) {
        this.memcap = memcap;
    }

    /** Returns out-of-order bytes held now. */
    public long memUsed() {
        return memUsed;
    }
}
