package io.spanwatch.analyzer.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The top of {@link LongCounts} against a sort of every value, with many ties and many distinct values. */
class LongCountsTest {
    @Test
    void topIsTheHeadOfAFullSortByCountThenValue() {
        Random rnd = new Random(20261204);
        for (int round = 0; round < 20; round++) {
            LongCounts a = new LongCounts();
            LongCounts b = new LongCounts();
            Map<Long, Long> expected = new HashMap<>();
            int distinct = 1 + rnd.nextInt(round % 2 == 0 ? 50 : 200_000);
            int adds = rnd.nextInt(300_000);
            for (int i = 0; i < adds; i++) {
                long v = rnd.nextInt(distinct) - distinct / 2L + (rnd.nextBoolean() ? Long.MIN_VALUE / 2 : 0);
                (i % 2 == 0 ? a : b).add(v, 1);
                expected.merge(v, 1L, Long::sum);
            }
            a.addAll(b); // as collectors of two slices merge
            List<Map.Entry<Long, Long>> sorted = new ArrayList<>(expected.entrySet());
            sorted.sort(Comparator.comparing(Map.Entry<Long, Long>::getValue).reversed().thenComparing(Map.Entry::getKey));
            for (int size : new int[] {0, 1, 10, 1000}) {
                int[] slots = a.top(size);
                assertEquals(Math.min(size, sorted.size()), slots.length, "round " + round + " size " + size);
                for (int i = 0; i < slots.length; i++) {
                    assertEquals(sorted.get(i).getKey(), a.key(slots[i]), "round " + round + " rank " + i);
                    assertEquals(sorted.get(i).getValue(), a.count(slots[i]));
                }
            }
        }
    }
}
