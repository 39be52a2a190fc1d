package io.spanwatch.analyzer.events;

import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EventSink;
import io.spanwatch.sensor.pipeline.Stage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Passes every event through the analyzer stages in order (see the package guide). Also the
 * {@link Stage} the sensor's pipeline drains and closes: it drains, counts and closes its stages in
 * order, the first stage first.
 *
 * <p>Thread-safe once built; the list of stages is fixed by {@link #add} before the first event.
 */
public final class EventBus implements EventSink, Stage {
    private final List<AnalyzerStage> stages = new ArrayList<>();
    private volatile AnalyzerStage[] order = new AnalyzerStage[0];

    /** Adds a stage after those already added; call before the first event. */
    public EventBus add(AnalyzerStage stage) {
        stages.add(stage);
        order = stages.toArray(new AnalyzerStage[0]);
        return this;
    }

    @Override
    public void accept(EveEvent event) {
        pass(event, 0);
    }

    /** Lets an event that {@code holder} held back go on, to the stages after it. */
    public void resume(AnalyzerStage holder, EveEvent event) {
        AnalyzerStage[] o = order;
        for (int i = 0; i < o.length; i++) {
            if (o[i] == holder) {
                pass(event, i + 1);
                return;
            }
        }
        throw new IllegalArgumentException("not a stage of this bus: " + holder);
    }

    private void pass(EveEvent e, int from) {
        AnalyzerStage[] o = order;
        for (int i = from; i < o.length && e != null; i++) {
            e = o[i].onEvent(e);
        }
    }

    /** Tells every stage that the sensor's workers have finished ({@link AnalyzerStage#inputEnded}). */
    public void inputEnded() {
        for (AnalyzerStage s : order) {
            s.inputEnded();
        }
    }

    @Override
    public void drain() throws InterruptedException {
        for (AnalyzerStage s : order) {
            s.drain();
        }
    }

    /** Returns the first stage's failure ({@link Stage#failure}), or null. */
    @Override
    public Exception failure() {
        for (AnalyzerStage s : order) {
            Exception f = s.failure();
            if (f != null) {
                return f;
            }
        }
        return null;
    }

    @Override
    public void addStats(Map<String, Long> stats) {
        for (AnalyzerStage s : order) {
            s.addStats(stats);
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (AnalyzerStage s : order) {
            try {
                s.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
