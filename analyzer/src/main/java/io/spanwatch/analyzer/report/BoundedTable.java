package io.spanwatch.analyzer.report;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Keeps at most {@code max} entries, in the order they came; an entry that would pass the bound is
 * not added but counted ({@link #refused}), so a report can say its table is incomplete.
 *
 * <p>Not thread-safe: a report is made on one thread.
 */
final class BoundedTable<K, V> {
    private final Map<K, V> map = new LinkedHashMap<>();
    private final int max;
    private long refused;

    BoundedTable(int max) {
        this.max = max;
    }

    /** Returns the entry of {@code key}, made by {@code make} if new and there is room, else null. */
    V get(K key, Function<K, V> make) {
        V v = map.get(key);
        if (v == null) {
            if (map.size() >= max) {
                refused++;
                return null;
            }
            v = make.apply(key);
            map.put(key, v);
        }
        return v;
    }

    /** Returns the entry of {@code key}, or null. */
    V peek(K key) {
        return map.get(key);
    }

    V remove(K key) {
        return map.remove(key);
    }

    Collection<V> values() {
        return map.values();
    }

    Map<K, V> map() {
        return map;
    }

    int size() {
        return map.size();
    }

    /** Returns how many new entries were refused because the table was full. */
    long refused() {
        return refused;
    }
}
