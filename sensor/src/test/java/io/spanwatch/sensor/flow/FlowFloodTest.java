package io.spanwatch.sensor.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FlowFloodTest {
    @Test
    void aFloodOfOnePacketFlowsKeepsTheTimeoutQueueBounded() {
        FlowConfig small = new FlowConfig(1000, 60, 600, 60, 30, 300, 30, 300, true);
        FlowTable t = new FlowTable(small, (f, r) -> { }, 1);
        long ts = 1_000_000_000_000L;
        for (int i = 0; i < 300_000; i++) {
            t.lookup(FlowTableTest.udp(i & 255, 1024 + (i >>> 8), 2, 53, ts + i * 1000L, -1));
            t.expire(ts + i * 1000L);
        }
        assertEquals(1000, t.size());
        assertEquals(299_000, t.evicted());
        assertTrue(t.queuedDeadlines() <= 2 * 1000 + 1024 + 1, "queued " + t.queuedDeadlines());
    }
}
