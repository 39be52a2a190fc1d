package io.spanwatch.analyzer.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spanwatch.sensor.event.EveEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventBusTest {
    /** Records the calls the bus makes to it, under its name. */
    private record Recorder(String name, List<String> calls) implements AnalyzerStage {
        @Override
        public EveEvent onEvent(EveEvent e) {
            return e;
        }

        @Override
        public void inputEnded() {
            calls.add(name + ".inputEnded");
        }

        @Override
        public void drain() {
            calls.add(name + ".drain");
        }

        @Override
        public void close() {
            calls.add(name + ".close");
        }
    }

    @Test
    void everyStageHearsTheInputEndedBeforeTheFirstDrainsAndThenDrainsAndClosesInOrder() throws Exception {
        List<String> calls = new ArrayList<>();
        EventBus bus = new EventBus().add(new Recorder("a", calls)).add(new Recorder("b", calls));
        bus.inputEnded();
        bus.drain();
        bus.close();
        assertEquals(List.of("a.inputEnded", "b.inputEnded", "a.drain", "b.drain", "a.close", "b.close"), calls);
    }
}
