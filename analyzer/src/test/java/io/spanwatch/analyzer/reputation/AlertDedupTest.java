package io.spanwatch.analyzer.reputation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One alert per indicator per flow, within a bound that forgets the oldest pair first. */
class AlertDedupTest {
    private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

    @Test
    void firstTimeOnlyAndOldestForgottenFirst() {
        AlertDedup d = new AlertDedup(3);
        assertTrue(d.first(1, 100));
        assertFalse(d.first(1, 100));
        assertTrue(d.first(2, 100), "another flow");
        assertTrue(d.first(1, 101), "another indicator");
        assertTrue(d.first(3, 100));
        assertEquals(1, d.evictions());
        assertTrue(d.first(1, 100), "the oldest pair was forgotten");
        assertFalse(d.first(3, 100));
        assertEquals(3, d.size());
        assertEquals(2, d.suppressed());
    }

    @Test
    void agreesWithAModelUnderRandomUse() {
        System.out.println("AlertDedupTest seed " + SEED + " (replay with -Dtests.seed=" + SEED + ")");
        Random r = new Random(SEED);
        int cap = 1 + r.nextInt(5000); // past the first 1024 the tables grow
        AlertDedup d = new AlertDedup(cap);
        ArrayDeque<Long> order = new ArrayDeque<>();
        Set<Long> model = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            long flow = r.nextInt(cap * 2);
            long k = IntelSnapshot.mix(flow, 7);
            k = k == 0 ? 1 : k;
            boolean expect = !model.contains(k);
            assertEquals(expect, d.first(flow, 7), "step " + i);
            if (expect) {
                if (order.size() == cap) {
                    model.remove(order.removeFirst());
                }
                order.addLast(k);
                model.add(k);
            }
        }
    }
}
