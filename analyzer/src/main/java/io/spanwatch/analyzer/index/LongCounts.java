package io.spanwatch.analyzer.index;

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

    /** Adds every count of {@code other}. */
    void addAll(LongCounts other) {
        for (int i = 0; i < other.keys.length; i++) {
            if (other.counts[i] != 0) {
                add(other.keys[i], other.counts[i]);
            }
        }
    }

    /** The value in {@code slot} (one {@link #top} returned). */
    long key(int slot) {
        return keys[slot];
    }

    /** The count in {@code slot}. */
    long count(int slot) {
        return counts[slot];
    }

    /**
     * Returns the slots of the {@code size} highest counts, highest first, ties by value (ascending),
     * choosing with a heap of {@code size} entries: nothing is boxed per distinct value.
     */
    int[] top(int size) {
        int n = Math.min(size, this.size);
        if (n <= 0) {
            return new int[0];
        }
        // a min-heap of slots: its head is the least kept (lowest count, then greatest value)
        int[] heap = new int[n];
        int used = 0;
        for (int i = 0; i < keys.length; i++) {
            if (counts[i] == 0) {
                continue;
            }
            if (used < n) {
                heap[used] = i;
                up(heap, used++);
            } else if (less(heap[0], i)) {
                heap[0] = i;
                down(heap, n);
            }
        }
        int[] out = new int[n];
        for (int k = n - 1; k >= 0; k--) {
            out[k] = heap[0];
            heap[0] = heap[k];
            down(heap, k);
        }
        return out;
    }

    /** Whether slot {@code a} ranks below slot {@code b}. */
    private boolean less(int a, int b) {
        return counts[a] != counts[b] ? counts[a] < counts[b] : keys[a] > keys[b];
    }

    private void up(int[] h, int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(h[i], h[parent])) {
                return;
            }
            int t = h[i];
            h[i] = h[parent];
            h[parent] = t;
            i = parent;
        }
    }

    private void down(int[] h, int n) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            if (l >= n) {
                return;
            }
            int m = l + 1 < n && less(h[l + 1], h[l]) ? l + 1 : l;
            if (!less(h[m], h[i])) {
                return;
            }
            int t = h[i];
            h[i] = h[m];
            h[m] = t;
            i = m;
        }
    }
}
