package io.spanwatch.analyzer.reputation;

import java.util.Arrays;

/**
 * Maps byte-string keys (normalised domain names, normalised URLs, raw digests) to the first entry
 * of a value chain, in flat arrays: the keys one after the other in one byte array, an offset, a
 * hash and a chain head per key, and an open-addressing slot array (linear probing, at most half
 * full). About 20 bytes a key besides the key's own bytes; no object per key.
 *
 * <p>Keys get dense ids in the order they were added. {@link #add} is for the single thread that
 * builds a snapshot; once built the table is only read, by any number of threads.
 */
final class ByteTable {
    private final int seed;
    private byte[] blob;
    private int blobLen;
    private int[] offsets;
    private int[] hashes;
    private int[] heads;
    private int count;
    private int[] slots;

    ByteTable(int seed, int expectedKeys, int expectedBytes) {
        this.seed = seed;
        int n = Math.max(16, expectedKeys);
        blob = new byte[Math.max(64, expectedBytes)];
        offsets = new int[n + 1];
        hashes = new int[n];
        heads = new int[n];
        slots = new int[tableSize(n)];
    }

    /** Returns the number of keys. */
    int size() {
        return count;
    }

    /** Returns the bytes the table holds. */
    long bytes() {
        return blob.length + 4L * (offsets.length + hashes.length + heads.length + slots.length);
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
            int id = slots[s] - 1;
            if (id < 0) {
                return -1;
            }
            if (hashes[id] == h && keyEquals(id, k, from, len)) {
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
        if (count == hashes.length) {
            int c = count + (count >> 1) + 16;
            offsets = Arrays.copyOf(offsets, c + 1);
            hashes = Arrays.copyOf(hashes, c);
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
        hashes[id] = h;
        heads[id] = -1;
        if (count * 2 > slots.length) {
            rehash(slots.length * 2);
        } else {
            place(id);
        }
        return id;
    }

    /** Drops unused capacity once the table is complete. */
    void trim() {
        blob = Arrays.copyOf(blob, blobLen);
        offsets = Arrays.copyOf(offsets, count + 1);
        hashes = Arrays.copyOf(hashes, count);
        heads = Arrays.copyOf(heads, count);
        int want = tableSize(count);
        if (want < slots.length) {
            rehash(want);
        }
    }

    private void rehash(int size) {
        slots = new int[size];
        for (int id = 0; id < count; id++) {
            place(id);
        }
    }

    private void place(int id) {
        int mask = slots.length - 1;
        int s = hashes[id] & mask;
        while (slots[s] != 0) {
            s = (s + 1) & mask;
        }
        slots[s] = id + 1;
    }

    private static int tableSize(int keys) {
        int t = Integer.highestOneBit(Math.max(8, keys) * 2 - 1) << 1;
        return Math.max(16, t);
    }
}
