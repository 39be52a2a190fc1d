package io.spanwatch.sensor.pipeline;

import java.io.IOException;
import java.util.Map;

/**
 * A stage after the sensor that runs in the same process and writes through the sensor's event
 * writer (the scan stage). The pipeline drains it after the workers stopped and before the event
 * writer closes, adds its counters to {@code stats} events, and closes it last.
 */
public interface Stage {
    /** Finishes what can be finished (within the stage's own time limit). */
    void drain() throws InterruptedException;

    /** Adds the stage's counters to a stats map. */
    void addStats(Map<String, Long> stats);

    /** Stops the stage's threads and releases what it holds. */
    void close() throws IOException;

    /**
     * Returns what stopped one of the stage's own threads (out of memory, a bug no one caught), as an
     * exception whose message names the stage and what it left undone, or null. A stage whose thread
     * died still takes events (it counts them as dropped instead of waiting for the thread), so the
     * run ends; {@link Pipeline#finish} then fails with this after writing what was collected.
     */
    default Exception failure() {
        return null;
    }
}
