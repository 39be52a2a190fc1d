package io.spanwatch.sensor.pipeline;

/**
 * Keeps packet time for timeouts and event times, safe from one bad timestamp: a packet dated more
 * than {@link #MAX_JUMP_NANOS} after the clock does not move it, unless {@link #CONFIRMATIONS}
 * packets in a row agree on the new time (a capture that really resumes later, e.g. files of
 * different days). Without this, one frame dated years ahead would time out every flow at once.
 * That rule ({@link #observe}) is for live capture, where a frame cannot wait; frames of capture files
 * are dated by {@link TimeGate}, which looks at the frames after a step before deciding, and the
 * workers' clocks only follow the times decided ({@link #advanceTo}).
 *
 * <p>Not thread-safe: one per thread.
 */
final class PacketClock {
    /** Largest forward step one packet may make (1 hour). */
    static final long MAX_JUMP_NANOS = 3_600_000_000_000L;
    /** Packets in a row that must agree on a larger step before the clock takes it. */
    static final int CONFIRMATIONS = 16;

    private long now = Long.MIN_VALUE;
    private int agreeing;
    private long jumps;

    /** Takes a packet's time and returns whether the clock accepts it (false: an implausible jump). */
    boolean observe(long ts) {
        if (now == Long.MIN_VALUE || ts <= now) {
            if (now == Long.MIN_VALUE) {
                now = ts;
            }
            agreeing = 0;
            return true;
        }
        if (ts - now <= MAX_JUMP_NANOS) {
            now = ts;
            agreeing = 0;
            return true;
        }
        if (++agreeing >= CONFIRMATIONS) {
            now = ts;
            agreeing = 0;
            return true;
        }
        jumps++;
        return false;
    }

    /** Moves the clock to a time another thread vouches for (never backwards). */
    void advanceTo(long ts) {
        if (now == Long.MIN_VALUE || ts > now) {
            now = ts;
        }
    }

    /** Returns the current packet time (0 before the first packet). */
    long now() {
        return now == Long.MIN_VALUE ? 0 : now;
    }

    /** Returns how many packets carried a time the clock refused. */
    long jumps() {
        return jumps;
    }
}
