package io.spanwatch.sensor.event;

/**
 * Receives every closed file. The sensor's default writes its {@code fileinfo} event at once; the
 * analyzer's scan stage takes the files instead and writes the events with verdicts. Called on
 * worker threads: implementations are thread-safe and must not block for long.
 */
@FunctionalInterface
public interface FileListener {
    void fileClosed(FileEvent file);
}
