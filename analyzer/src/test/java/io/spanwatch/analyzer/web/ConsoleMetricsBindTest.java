package io.spanwatch.analyzer.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** ConsoleMetrics' guide: "Counted from the start ... so the console counts alike with and without --metrics". */
class ConsoleMetricsBindTest {
    @Test
    void answersCountedBeforeTheServedRegistryIsBoundAreNotLost() {
        ConsoleMetrics m = new ConsoleMetrics();
        m.responded(401); // the console serves before console --metrics binds its registry
        SimpleMeterRegistry served = new SimpleMeterRegistry();
        m.bindTo(served);
        m.responded(401);
        assertEquals(2.0, served.get("spanwatch.console.responses").tag("status", "401").meter().measure().iterator().next().getValue());
    }
}
