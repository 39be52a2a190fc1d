package io.spanwatch.analyzer.scan;

/**
 * Decides when the scan threads may try clamd while it is unreachable: one try at a time, after a
 * wait that starts at {@code minMillis} and doubles after each try that finds no clamd, up to
 * {@code maxMillis}. While clamd answers the gate is open and every thread scans.
 *
 * <p>Without it every file waiting retried on its own backoff, so a sensor with thousands of files
 * queued tried clamd thousands of times a minute while it was down. With it the tries while clamd is
 * down are bounded by time alone: at most one per wait, whatever the queue holds.
 *
 * <p>Failures are counted once per outage step: a try that began before the gate last changed (another
 * thread's scan already in flight when clamd went away) does not double the wait again. Thread-safe.
 */
final class ClamdGate {
    private final long minMillis;
    private final long maxMillis;
    private boolean down;
    private boolean probing;
    private long waitMillis;
    private long nextTryNanos;
    /** Changes whenever the gate opens or closes or its wait grows. */
    private long epoch;
    private long tries;
    private long outages;
    private boolean closed;

    ClamdGate(long minMillis, long maxMillis) {
        this.minMillis = minMillis;
        this.maxMillis = Math.max(minMillis, maxMillis);
    }

    /**
     * Waits for this thread's turn: returns at once while clamd answers; while it is unreachable,
     * runs {@code beforeWaiting} once (outside the lock) before the first wait, waits for the next try
     * and returns {@code true} to the one thread that makes it (which must call {@link #tried} after).
     *
     * @throws InterruptedException when interrupted or {@link #close closed}
     */
    boolean awaitTurn(Runnable beforeWaiting) throws InterruptedException {
        boolean ran = false;
        while (true) {
            synchronized (this) {
                if (closed) {
                    throw new InterruptedException("gate closed");
                }
                if (!down) {
                    return false;
                }
                long left = nextTryNanos - System.nanoTime();
                if (!probing && left <= 0) {
                    probing = true;
                    tries++;
                    return true;
                }
                if (ran) {
                    wait(probing ? 1000 : Math.max(1, left / 1_000_000L));
                    continue;
                }
            }
            beforeWaiting.run();
            ran = true;
        }
    }

    /** Ends a try that {@link #awaitTurn} granted. */
    synchronized void tried() {
        probing = false;
        notifyAll();
    }

    /** Returns the gate's state now, to be handed back to {@link #unreachable} after a try. */
    synchronized long epoch() {
        return epoch;
    }

    /**
     * Records that a try begun at {@code epochAtStart} found no clamd: closes the gate, or doubles its
     * wait (up to the cap). Returns true when this closed an open gate (clamd just went away).
     */
    synchronized boolean unreachable(long epochAtStart) {
        if (epochAtStart != epoch) {
            return false;
        }
        epoch++;
        boolean wentDown = !down;
        if (wentDown) {
            down = true;
            outages++;
            waitMillis = minMillis;
        } else {
            waitMillis = Math.min(maxMillis, waitMillis * 2);
        }
        nextTryNanos = System.nanoTime() + waitMillis * 1_000_000L;
        notifyAll();
        return wentDown;
    }

    /** Records that clamd answered; opens the gate. Returns true when it had been closed. */
    synchronized boolean reachable() {
        boolean wasDown = down;
        if (wasDown) {
            epoch++;
            down = false;
            waitMillis = 0;
            notifyAll();
        }
        return wasDown;
    }

    /** Tells whether clamd is taken to be unreachable. */
    synchronized boolean isDown() {
        return down;
    }

    /** Returns the wait between tries now: 0 while clamd answers. */
    synchronized long waitMillis() {
        return down ? waitMillis : 0;
    }

    /** Returns the tries made while clamd was unreachable. */
    synchronized long tries() {
        return tries;
    }

    /** Returns how often clamd went from reachable to unreachable. */
    synchronized long outages() {
        return outages;
    }

    /** Wakes every waiting thread for good (stage shutting down). */
    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
