package io.spanwatch.analyzer.reputation;

/**
 * Remembers which (flow, indicator) pairs already raised an alert, so each indicator alerts once
 * per flow however many events of the flow carry it. Bounded: at most {@code capacity} pairs, kept
 * as 64-bit fingerprints in a ring (arrival order) and an open-addressing table (linear probing,
 * backward-shift deletion); when full the oldest pair is forgotten ({@link #evictions()}), so a
 * flow older than the last {@code capacity} alerting pairs could alert again. Both start small and
 * double as pairs come, up to 24 bytes a pair at capacity.
 *
 * <p>Thread-safe (one lock; each call is a few array reads).
 */
final class AlertDedup {
    private final int capacity;
    private long[] ring;
    private long[] table;
    private int mask;
    private int head;
    private int size;
    private long suppressed;
    private long evictions;

    AlertDedup(int capacity) {
        this.capacity = capacity;
        ring = new long[Math.min(capacity, 1024)];
        table = new long[tableSize(ring.length)];
        mask = table.length - 1;
    }

    private static int tableSize(int pairs) {
        return Integer.highestOneBit(Math.max(4, pairs) * 2 - 1) << 1;
    }

    /** Doubles the ring (oldest first again) and the table, up to the capacity. */
    private void grow() {
        long[] r = new long[(int) Math.min(capacity, ring.length * 2L)];
        for (int i = 0; i < size; i++) {
            r[i] = ring[(head + i) % ring.length];
        }
        ring = r;
        head = 0;
        table = new long[tableSize(r.length)];
        mask = table.length - 1;
        for (int i = 0; i < size; i++) {
            int s = slot(r[i]);
            while (table[s] != 0) {
                s = (s + 1) & mask;
            }
            table[s] = r[i];
        }
    }

    /** Returns true the first time a (flow, indicator identity) pair is seen. */
    synchronized boolean first(long flowId, long identity) {
        long k = IntelSnapshot.mix(flowId, identity);
        if (k == 0) {
            k = 1;
        }
        int s = slot(k);
        while (table[s] != 0) {
            if (table[s] == k) {
                suppressed++;
                return false;
            }
            s = (s + 1) & mask;
        }
        if (size == ring.length && ring.length < capacity) {
            grow();
            s = slot(k);
            while (table[s] != 0) {
                s = (s + 1) & mask;
            }
        }
        if (size == ring.length) {
            long oldest = ring[head];
            head = (head + 1) % ring.length;
            size--;
            evictions++;
            delete(oldest);
            s = slot(k);
            while (table[s] != 0) {
                s = (s + 1) & mask;
            }
        }
        table[s] = k;
        ring[(head + size) % ring.length] = k;
        size++;
        return true;
    }

    synchronized long suppressed() {
        return suppressed;
    }

    synchronized long evictions() {
        return evictions;
    }

    synchronized int size() {
        return size;
    }

    private int slot(long k) {
        return (int) (k ^ k >>> 32) & mask;
    }

    private void delete(long k) {
        int i = slot(k);
        while (table[i] != k) {
            if (table[i] == 0) {
                return;
            }
            i = (i + 1) & mask;
        }
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            long x = table[j];
            if (x == 0) {
                break;
            }
            int h = slot(x);
            boolean movable = j > i ? h <= i || h > j : h <= i && h > j;
            if (movable) {
                table[i] = x;
                i = j;
            }
        }
        table[i] = 0;
    }
}
