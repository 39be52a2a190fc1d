package io.spanwatch.sensor.files;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Remembers files already stored, by a fingerprint of their first {@link #PREFIX_BYTES} bytes, so a
 * file that crosses the wire again can be compared byte for byte with the stored copy instead of being
 * hashed again: web traffic repeats the same scripts, images and downloads all day. The fingerprint
 * only picks a candidate; a file takes the candidate's hashes only when every one of its bytes was
 * found equal to the stored copy, so a fingerprint collision (chance or crafted) costs time, never a
 * wrong hash.
 *
 * <p>Bounded: at most {@value #DEFAULT_MAX_ENTRIES} files (least recently used are forgotten) and
 * {@value #MAX_PER_PREFIX} per fingerprint. Thread-safe.
 */
public final class KnownContent {
    /** Bytes of a file's start that make its fingerprint; smaller files are always hashed. */
    public static final int PREFIX_BYTES = 4096;
    public static final int DEFAULT_MAX_ENTRIES = 100_000;
    static final int MAX_PER_PREFIX = 8;

    /** A stored file and its hashes. */
    public record Known(long size, String md5, String sha1, String sha256, Path path) {
    }

    private final int maxEntries;
    private final LinkedHashMap<Long, List<Known>> byPrefix = new LinkedHashMap<>(1024, 0.75f, true);
    private int entries;

    /** Files whose hashes were taken from a verified stored copy. */
    public final AtomicLong verified = new AtomicLong();
    /** Bytes not hashed thanks to verified copies. */
    public final AtomicLong verifiedBytes = new AtomicLong();
    /** Verifications that found a difference and fell back to hashing. */
    public final AtomicLong mismatches = new AtomicLong();

    public KnownContent(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** Returns a fingerprint of {@code PREFIX_BYTES} bytes (not a cryptographic hash). */
    public static long fingerprint(byte[] b, int off) {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < PREFIX_BYTES; i += 8) {
            long v = ((long) b[off + i] << 56) | ((long) (b[off + i + 1] & 0xFF) << 48) | ((long) (b[off + i + 2] & 0xFF) << 40)
                    | ((long) (b[off + i + 3] & 0xFF) << 32) | ((long) (b[off + i + 4] & 0xFF) << 24)
                    | ((b[off + i + 5] & 0xFF) << 16) | ((b[off + i + 6] & 0xFF) << 8) | (b[off + i + 7] & 0xFF);
            h = (h ^ v) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return h;
    }

    /**
     * Returns the best candidate for a file starting with the fingerprinted prefix: one of the expected
     * size when it is known ({@code expectedSize >= 0}), else the one stored most recently; or null.
     */
    public synchronized Known candidate(long fingerprint, long expectedSize) {
        List<Known> list = byPrefix.get(fingerprint);
        if (list == null || list.isEmpty()) {
            return null;
        }
        if (expectedSize >= 0) {
            for (int i = list.size() - 1; i >= 0; i--) {
                if (list.get(i).size() == expectedSize) {
                    return list.get(i);
                }
            }
            return null;
        }
        return list.get(list.size() - 1);
    }

    /** Remembers a stored file. */
    public synchronized void add(long fingerprint, Known k) {
        List<Known> list = byPrefix.computeIfAbsent(fingerprint, x -> new ArrayList<>(2));
        for (Known o : list) {
            if (o.sha256().equals(k.sha256())) {
                return;
            }
        }
        if (list.size() >= MAX_PER_PREFIX) {
            list.remove(0);
            entries--;
        }
        list.add(k);
        entries++;
        Iterator<Map.Entry<Long, List<Known>>> it = byPrefix.entrySet().iterator();
        while (entries > maxEntries && it.hasNext()) {
            Map.Entry<Long, List<Known>> e = it.next();
            if (e.getKey() == fingerprint) {
                continue;
            }
            entries -= e.getValue().size();
            it.remove();
        }
    }

    /** Returns the number of files remembered. */
    public synchronized int size() {
        return entries;
    }
}
