package io.spanwatch.analyzer.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.HttpInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Checks that the reorder buffer (a queue for events in order, a heap for late ones) gives events
 * back in the same order as one heap would, for nearly sorted input with late events and ties,
 * with adds and polls interleaved. Random input from a printed seed; replay with {@code -Dtests.seed=N}.
 */
class ReorderBufferTest {
    @Test
    void givesTheOrderOfOneHeap() {
        long seed = Long.getLong("tests.seed", System.nanoTime());
        Random r = new Random(seed);
        for (int run = 0; run < 200; run++) {
            ReorderBuffer buffer = new ReorderBuffer();
            PriorityQueue<ReorderBuffer.Held> heap = new PriorityQueue<>();
            List<EveEvent> fromBuffer = new ArrayList<>();
            List<EveEvent> fromHeap = new ArrayList<>();
            long t = 1_000_000_000L;
            long seq = 0;
            for (int i = 0; i < 500; i++) {
                t += r.nextInt(3) * 1_000_000L; // ties happen
                long ts = r.nextInt(10) == 0 ? t - r.nextInt(50) * 1_000_000L : t; // a late one now and then
                EventHeader h = new EventHeader(r.nextInt(4), new int[0], "10.0.0.1", 1, "192.0.2.1", 80, "TCP", true, 4, null,
                        "http", null);
                HttpEvent e = new HttpEvent(ts, h, new HttpInfo(r.nextInt(3), "h", -1, "/", "ua", null, "GET", null, "HTTP/1.1", 200,
                        0, 0, null));
                buffer.add(e);
                heap.add(new ReorderBuffer.Held(ts, e.eventType().hashCode(), h.flowId(), e.http().txId(), seq++, e));
                if (r.nextInt(3) == 0) {
                    fromBuffer.add(buffer.poll().event());
                    fromHeap.add(heap.poll().event());
                }
            }
            while (!heap.isEmpty()) {
                assertEquals(heap.size(), buffer.size());
                fromBuffer.add(buffer.poll().event());
                fromHeap.add(heap.poll().event());
            }
            assertNull(buffer.poll());
            assertEquals(fromHeap, fromBuffer, "seed " + seed + " run " + run);
        }
    }
}
