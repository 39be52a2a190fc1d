package io.spanwatch.analyzer.events;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What the stages with a thread of their own (correlation, index) share about that thread dying.
 *
 * <p>Offline, a stage's queue makes the sensor's workers wait for room, so {@code analyze} loses no
 * event. A thread that died of an {@link Error} (out of memory, a stack overflow in a rule) makes no
 * room again: {@code queue.put} waited forever, and {@code analyze} hung with no message. So the
 * workers wait only while the thread lives ({@link #offerWhileAlive}); the thread keeps the error
 * for {@link io.spanwatch.sensor.pipeline.Stage#failure}, empties its queue and lets the error go on
 * (a live sensor's handler stops the capture, as for a worker's failure); the run ends, what was
 * collected is written, and {@code analyze} names the failure and exits with status 1.
 */
public final class StageThreads {
    /** How long a worker waits for room before it looks whether the stage's thread still runs. */
    private static final long LOOK_MILLIS = 100;

    private StageThreads() {
    }

    /**
     * Queues {@code item}, waiting for room as {@link BlockingQueue#put} does but only while
     * {@code consumer} runs. Returns false when the thread is gone (the item is not queued: the
     * caller counts it as dropped).
     */
    public static <T> boolean offerWhileAlive(BlockingQueue<T> queue, T item, Thread consumer) throws InterruptedException {
        while (!queue.offer(item, LOOK_MILLIS, TimeUnit.MILLISECONDS)) {
            if (!consumer.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Describes the death of {@code stage}'s thread for {@link io.spanwatch.sensor.pipeline.Stage#failure}
     * (made when asked, not when the thread dies: after an {@link OutOfMemoryError} there may be no
     * memory for it then). {@code dropped} is how many events the stage did not handle.
     */
    public static Exception stopped(String stage, Throwable cause, long dropped) {
        return new IllegalStateException(stage + " stopped: " + cause + "; " + dropped + " event" + (dropped == 1 ? "" : "s")
                + " not handled by it after that (the other outputs have them)", cause);
    }
}
