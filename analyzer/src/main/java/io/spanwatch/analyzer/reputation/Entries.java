package io.spanwatch.analyzer.reputation;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Holds the indicators of a snapshot as parallel arrays, one slot per (key, feed) entry: its type,
 * feed, description ({@link IntelMeta}, interned), the next entry of the same key, and where the
 * indicator's text as the feed wrote it is kept. Text equal to the key's canonical spelling (the
 * usual case) is not kept at all; other text goes, length-prefixed, into one byte array. About 15
 * bytes an entry besides such text.
 *
 * <p>Filled by one building thread, then only read.
 */
final class Entries {
    private byte[] type;
    private char[] feed;
    private int[] meta;
    private int[] next;
    private int[] textOff;
    private int count;
    private byte[] text = new byte[256];
    private int textLen;
    private final List<IntelMeta> metas = new ArrayList<>();
    private Map<IntelMeta, Integer> metaIndex = new HashMap<>();

    Entries(int capacity) {
        int c = Math.max(16, capacity);
        type = new byte[c];
        feed = new char[c];
        meta = new int[c];
        next = new int[c];
        textOff = new int[c];
    }

    int size() {
        return count;
    }

    /** Adds an entry; {@code written} is null when the feed wrote the canonical spelling. Returns its index. */
    int add(IndicatorType t, int feedIndex, IntelMeta m, String written, int nextEntry) {
        if (count == type.length) {
            int c = count + (count >> 1) + 16;
            type = Arrays.copyOf(type, c);
            feed = Arrays.copyOf(feed, c);
            meta = Arrays.copyOf(meta, c);
            next = Arrays.copyOf(next, c);
            textOff = Arrays.copyOf(textOff, c);
        }
        int e = count++;
        type[e] = (byte) t.ordinal();
        feed[e] = (char) feedIndex;
        meta[e] = internMeta(m);
        next[e] = nextEntry;
        textOff[e] = written == null ? -1 : putText(written);
        return e;
    }

    IndicatorType type(int e) {
        return IndicatorType.ofOrdinal(type[e]);
    }

    int feed(int e) {
        return feed[e];
    }

    IntelMeta meta(int e) {
        int m = meta[e];
        return m < 0 ? IntelMeta.NONE : metas.get(m);
    }

    int next(int e) {
        return next[e];
    }

    /** Returns the text the feed wrote, or null when it is the key's canonical spelling. */
    String written(int e) {
        int o = textOff[e];
        if (o < 0) {
            return null;
        }
        int len = 0;
        int shift = 0;
        byte b;
        do {
            b = text[o++];
            len |= (b & 0x7f) << shift;
            shift += 7;
        } while (b < 0);
        return new String(text, o, len, StandardCharsets.UTF_8);
    }

    /** Returns the number of distinct descriptions. */
    int metaCount() {
        return metas.size();
    }

    /** Drops unused capacity and the interning map once the entries are complete. */
    void trim() {
        type = Arrays.copyOf(type, count);
        feed = Arrays.copyOf(feed, count);
        meta = Arrays.copyOf(meta, count);
        next = Arrays.copyOf(next, count);
        textOff = Arrays.copyOf(textOff, count);
        text = Arrays.copyOf(text, textLen);
        metaIndex = null;
    }

    /** Returns the bytes the arrays hold (descriptions not counted). */
    long bytes() {
        return type.length * 15L + text.length;
    }

    private int internMeta(IntelMeta m) {
        if (m == null || m.equals(IntelMeta.NONE)) {
            return -1;
        }
        Integer i = metaIndex.get(m);
        if (i == null) {
            i = metas.size();
            metas.add(m);
            metaIndex.put(m, i);
        }
        return i;
    }

    private int putText(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int need = textLen + b.length + 5;
        if (need > text.length) {
            long c = Math.max(need, text.length + (long) (text.length >> 1));
            if (c > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("indicator text exceeds 2 GiB");
            }
            text = Arrays.copyOf(text, (int) c);
        }
        int o = textLen;
        int v = b.length;
        while (v >= 0x80) {
            text[textLen++] = (byte) (v | 0x80);
            v >>>= 7;
        }
        text[textLen++] = (byte) v;
        System.arraycopy(b, 0, text, textLen, b.length);
        textLen += b.length;
        return o;
    }
}
