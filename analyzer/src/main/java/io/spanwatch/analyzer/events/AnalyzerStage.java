package io.spanwatch.analyzer.events;

import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.pipeline.Stage;
import java.io.IOException;
import java.util.Map;

/**
 * Sees every event on its way through the {@link EventBus}. Called on many threads at once:
 * implementations are thread-safe and never block for long. {@link Stage#drain} runs after the
 * sensor's workers and the scan stage finished (a stage with events still to raise raises them
 * there); {@link Stage#close} after the final {@code stats} event.
 */
public interface AnalyzerStage extends Stage {
    /**
     * Takes one event; returns it (or a changed copy) to pass it on, or null to hold it back (a
     * stage that holds an event lets it go on later with {@link EventBus#resume}).
     */
    EveEvent onEvent(EveEvent e);

    /**
     * Says, once, that the sensor's workers have finished: what comes now are the events the scan
     * stage and the stages' drains still raise. Called before any drain, so a stage can start its
     * final work (the index writes its buffered segment) while the others drain. Must not block.
     */
    default void inputEnded() {
    }

    @Override
    default void drain() throws InterruptedException {
    }

    @Override
    default void addStats(Map<String, Long> stats) {
    }

    @Override
    default void close() throws IOException {
    }

    /** Makes a stage that only looks at events (an output: the EVE writer, the index, a feed). */
    static AnalyzerStage output(io.spanwatch.sensor.event.EventSink sink) {
        return e -> {
            sink.accept(e);
            return e;
        };
    }
}
