package io.spanwatch.analyzer.live;

import java.util.concurrent.locks.LockSupport;

/** Paces the injection of frames at a number per second, checking the clock every 256 frames. */
final class Pacer {
    private final long start = System.nanoTime();
    private final int rate;
    private long sent;

    Pacer(int rate) {
        this.rate = rate;
    }

    /** Counts one frame sent, and waits when the frames so far are ahead of the rate. */
    void sent() {
        if (++sent % 256 == 0) {
            long wait = start + sent * 1_000_000_000L / rate - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }
}
