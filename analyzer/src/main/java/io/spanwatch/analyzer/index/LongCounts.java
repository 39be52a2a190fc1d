package io.spanwatch.analyzer.index;

import java.util.HashMap;
import java.util.Map;

/**
 * Counts occurrences of long values without boxing each one (a facet of a numeric field over
 * millions of events): an open-addressing table of keys and counts that grows as values come.
 * It holds one entry per distinct value seen, as the exact facet it serves needs; the values are
 * those of the events a query matched.
 *
 * <p>Not thread-safe: one per collector.
 */
final class LongCounts {
    private long[] keys = new long[64];
    private long[] counts = new long[64];
    private int size;

    /** Adds {@code n} to the count of {@code key}. */
    void add(long key, long n) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (counts[i] != 0) {
            if (keys[i] == key) {
                counts[i] += n;
                return;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        counts[i] = n;
        if (++size * 2 > keys.length) {
            grow();
        }
    }

    private void grow() {
        long[] k = keys;
        long[] c = counts;
        keys = new long[k.length * 2];
        counts = new long[k.length * 2];
        size = 0;
        for (int i = 0; i < k.length; i++) {
            if (c[i] != 0) {
                add(k[i], c[i]);
            }
        }
    }

    private static int mix(long v) {
        long h = v * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** Returns the counts as a map from value to count. */
    Map<Long, Long> toMap() {
        Map<Long, Long> m = new HashMap<>(size * 2);
        for (int i = 0; i < keys.length; i++) {
            if (counts[i] != 0) {
                m.put(keys[i], counts[i]);
            }
        }
        return m;
    }
}
