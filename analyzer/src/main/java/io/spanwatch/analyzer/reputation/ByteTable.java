package io.spanwatch.analyzer.reputation;

import java.util.Arrays;

/**
 * Maps byte-string keys (normalised domain names, normalised URLs, raw digests) to the first entry
 * of a value chain, in flat arrays: the keys one after the other in one byte array, an offset and a
 * chain head per key, and an open-addressing slot array (linear probing, at most half full) whose
 * slots hold the key's hash beside its id, so a probe that misses reads one slot and nothing else.
 * About 24 bytes a key besides the key's own bytes; no object per key.
 *
 * <p>Keys get dense ids in the order they were added. {@link #add} is for the single thread that
 * builds a snapshot; once built the table is only read, by any number of threads.
 */
final class ByteTable {
    private final int seed;
    private byte[] blob;
    private int blobLen;
    private int[] offsets;
    private int[] heads;
    private int count;
    /** Per slot: the key's hash in the high 32 bits, its id + 1 in the low 32 (0: empty). */
    private long[] slots;

    ByteTable(int seed, int expectedKeys, int expectedBytes) {
        this.seed = seed;
        int n = Math.max(16, expectedKeys);
        blob = new byte[Math.max(64, expectedBytes)];
        offsets = new int[n + 1];
        heads = new int[n];
        slots = new long[tableSize(n)];
    }

    /** Returns the number of keys. */
    int size() {
        return count;
    }

    /** Returns the bytes the table holds. */
    long bytes() {
        return blob.length + 4L * (offsets.length + heads.length) + 8L * slots.length;
    }

    int head(int id) {
        return heads[id];
    }

    void setHead(int id, int entry) {
        heads[id] = entry;
    }

    /** Returns a copy of key {@code id}'s bytes. */
    byte[] key(int id) {
        return Arrays.copyOfRange(blob, offsets[id], offsets[id + 1]);
    }

    /** Returns true when key {@code id} equals {@code k[from, from+len)}. */
    boolean keyEquals(int id, byte[] k, int from, int len) {
        int o = offsets[id];
        return offsets[id + 1] - o == len && Arrays.equals(blob, o, o + len, k, from, from + len);
    }

    /** Returns the hash of {@code k[from, from+len)} used by this table. */
    int hash(byte[] k, int from, int len) {
        long h = seed ^ (len * 0x9E3779B97F4A7C15L);
        for (int i = from; i < from + len; i++) {
            h = (h ^ (k[i] & 0xff)) * 0x100000001B3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (int) h;
    }

    /** Returns the id of a key given its {@link #hash}, or -1. */
    int find(byte[] k, int from, int len, int h) {
        int mask = slots.length - 1;
        for (int s = h & mask; ; s = (s + 1) & mask) {
            long slot = slots[s];
            if (slot == 0) {
                return -1;
            }
            int id = (int) slot - 1;
            if ((int) (slot >>> 32) == h && keyEquals(id, k, from, len)) {
                return id;
            }
        }
    }

    /** Returns the id of a key, or -1. */
    int find(byte[] k) {
        return find(k, 0, k.length, hash(k, 0, k.length));
    }

    /** Returns the id of a key, adding it (with an empty chain) when missing. */
    int add(byte[] k, int from, int len) {
        int h = hash(k, from, len);
        int id = find(k, from, len, h);
        if (id >= 0) {
            return id;
        }
        if (count == heads.length) {
            int c = count + (count >> 1) + 16;
            offsets = Arrays.copyOf(offsets, c + 1);
            heads = Arrays.copyOf(heads, c);
        }
        if (blobLen + len > blob.length) {
            long c = Math.max((long) blobLen + len, blob.length + (blob.length >> 1) + 64L);
            if (c > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("indicator keys exceed 2 GiB");
            }
            blob = Arrays.copyOf(blob, (int) c);
        }
        System.arraycopy(k, from, blob, blobLen, len);
        id = count++;
        offsets[id] = blobLen;
        blobLen += len;
        offsets[id + 1] = blobLen;
        heads[id] = -1;
        if (count * 2 > slots.length) {
            rehash(slots.length * 2);
        }
        place(slots, (long) h << 32 | (id + 1L));
        return id;
    }

    /** Drops unused capacity once the table is complete. */
    void trim() {
        blob = Arrays.copyOf(blob, blobLen);
        offsets = Arrays.copyOf(offsets, count + 1);
        heads = Arrays.copyOf(heads, count);
        int want = tableSize(count);
        if (want < slots.length) {
            rehash(want);
        }
    }

    private void rehash(int size) {
        long[] next = new long[size];
        for (long slot : slots) {
            if (slot != 0) {
                place(next, slot);
            }
        }
        slots = next;
    }

    private static void place(long[] table, long slot) {
        int mask = table.length - 1;
        int s = (int) (slot >>> 32) & mask;
        while (table[s] != 0) {
            s = (s + 1) & mask;
        }
        table[s] = slot;
    }

    private static int tableSize(int keys) {
        int t = Integer.highestOneBit(Math.max(8, keys) * 2 - 1) << 1;
        return Math.max(16, t);
    }
}
