package io.spanwatch.sensor.http;

/**
 * Builds the entropy decoding tables of zstd (RFC 8878 §4): FSE tables from a table description or a
 * predefined distribution, and Huffman tables from a tree description. Every count, accuracy, weight
 * and symbol read from the stream is checked against the bound the RFC (or, where it is silent, the
 * reference decoder that browsers embed) sets, so a hostile description fails with a
 * {@link ZstdException} and never indexes out of a table.
 */
final class ZstdTables {

    /** Largest literals length, match length and offset codes. */
    static final int MAX_LL = 35;
    static final int MAX_ML = 52;
    static final int MAX_OF = 31;
    /** Largest accuracy logs of those tables, and of the table of Huffman weights. */
    static final int LL_LOG = 9;
    static final int ML_LOG = 9;
    static final int OF_LOG = 8;
    private static final int WEIGHTS_LOG = 6;
    /** Longest Huffman code the reference decoder takes (the RFC says 11; its decoder takes 12). */
    static final int MAX_HUFFMAN_BITS = 12;

    static final int[] LL_BASE = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40,
        48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536};
    static final int[] LL_BITS = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9,
        10, 11, 12, 13, 14, 15, 16};
    static final int[] ML_BASE = new int[MAX_ML + 1];
    static final int[] ML_BITS = new int[MAX_ML + 1];

    static {
        int[] base = {35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539};
        int[] bits = {1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        for (int c = 0; c <= MAX_ML; c++) {
            ML_BASE[c] = c < 32 ? c + 3 : base[c - 32];
            ML_BITS[c] = c < 32 ? 0 : bits[c - 32];
        }
    }

    /** RFC 8878 §3.1.1.3.2.2's default distributions. */
    static final Fse LL_DEFAULT = predefined(6, 4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3,
            2, 1, 1, 1, 1, 1, -1, -1, -1, -1);
    static final Fse ML_DEFAULT = predefined(6, 1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1);
    static final Fse OF_DEFAULT = predefined(5, 1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
            -1, -1, -1, -1, -1);

    private ZstdTables() {
    }

    private static Fse predefined(int log, int... dist) {
        Fse t = new Fse(log);
        short[] norm = new short[dist.length];
        for (int i = 0; i < dist.length; i++) {
            norm[i] = (short) dist[i];
        }
        try {
            t.build(norm, dist.length, log);
        } catch (ZstdException e) {
            throw new ExceptionInInitializerError(e.getMessage());
        }
        return t;
    }

    /** Returns the position of the highest set bit of {@code v} (> 0). */
    static int highBit(int v) {
        return 31 - Integer.numberOfLeadingZeros(v);
    }

    /** One FSE decoding table: per state, its symbol, the bits to read for the next state and the base they add to. */
    static final class Fse {
        final byte[] symbol;
        final byte[] bits;
        final int[] base;
        int log;
        private final short[] norm = new short[256];
        private final int[] next = new int[256];

        Fse(int maxLog) {
            symbol = new byte[1 << maxLog];
            bits = new byte[1 << maxLog];
            base = new int[1 << maxLog];
        }

        /** Makes the table yield {@code sym} for ever, reading no bits (RLE mode). */
        void rle(int sym) {
            log = 0;
            symbol[0] = (byte) sym;
            bits[0] = 0;
            base[0] = 0;
        }

        /**
         * Reads an FSE table description (RFC 8878 §4.1.1) from {@code buf[off, end)} and builds the table;
         * returns the bytes it took.
         */
        int read(byte[] buf, int off, int end, int maxLog, int maxSymbol) throws ZstdException {
            long bitPos = 0;
            int acc = forward(buf, off, end, bitPos, 4) + 5;
            bitPos += 4;
            if (acc > maxLog) {
                throw new ZstdException("FSE accuracy log " + acc + " over " + maxLog);
            }
            int remaining = (1 << acc) + 1;
            int threshold = 1 << acc;
            int nbBits = acc + 1;
            int sym = 0;
            boolean previousZero = false;
            while (remaining > 1 && sym <= maxSymbol) {
                if (previousZero) {
                    int zeros = sym;
                    int repeat;
                    do {
                        repeat = forward(buf, off, end, bitPos, 2);
                        bitPos += 2;
                        zeros += repeat;
                        if (zeros > maxSymbol + 1 || bitPos > 8L * (end - off)) {
                            throw new ZstdException("FSE description runs past its symbols");
                        }
                    } while (repeat == 3);
                    while (sym < zeros) {
                        norm[sym++] = 0;
                    }
                    if (sym > maxSymbol) {
                        break;
                    }
                }
                int max = (2 * threshold - 1) - remaining;
                int v = forward(buf, off, end, bitPos, nbBits);
                int count;
                if ((v & (threshold - 1)) < max) {
                    count = v & (threshold - 1);
                    bitPos += nbBits - 1;
                } else {
                    count = v & (2 * threshold - 1);
                    if (count >= threshold) {
                        count -= max;
                    }
                    bitPos += nbBits;
                }
                count--;
                remaining -= count < 0 ? -count : count;
                norm[sym++] = (short) count;
                previousZero = count == 0;
                while (remaining < threshold) {
                    nbBits--;
                    threshold >>= 1;
                }
            }
            if (remaining != 1) {
                throw new ZstdException("FSE probabilities do not add up");
            }
            long used = (bitPos + 7) >> 3;
            if (used > end - off) {
                throw new ZstdException("FSE description longer than its block");
            }
            build(norm, sym, acc);
            return (int) used;
        }

        /** Builds the table for the normalized counts of symbols 0 to {@code symbols - 1} (RFC 8878 §4.1.1). */
        void build(short[] counts, int symbols, int acc) throws ZstdException {
            int size = 1 << acc;
            int high = size - 1;
            for (int s = 0; s < symbols; s++) {
                if (counts[s] == -1) {
                    if (high < 0) {
                        throw new ZstdException("FSE table over-full");
                    }
                    symbol[high--] = (byte) s;
                    next[s] = 1;
                } else {
                    next[s] = counts[s];
                }
            }
            int step = (size >> 1) + (size >> 3) + 3;
            int mask = size - 1;
            int pos = 0;
            for (int s = 0; s < symbols; s++) {
                for (int i = 0; i < counts[s]; i++) {
                    symbol[pos] = (byte) s;
                    do {
                        pos = (pos + step) & mask;
                    } while (pos > high);
                }
            }
            if (pos != 0) {
                throw new ZstdException("FSE table not filled");
            }
            for (int u = 0; u < size; u++) {
                int s = symbol[u] & 0xff;
                int n = next[s]++;
                int nb = acc - highBit(n);
                bits[u] = (byte) nb;
                base[u] = (n << nb) - size;
            }
            log = acc;
        }
    }

    /** Reads {@code n} (at most 25) bits at {@code bitPos} of the forward stream {@code buf[off, end)}; zeros past its end. */
    private static int forward(byte[] buf, int off, int end, long bitPos, int n) {
        long byteAt = off + (bitPos >> 3);
        int v = 0;
        for (int i = 0; i < 4; i++) {
            long at = byteAt + i;
            if (at < end) {
                v |= (buf[(int) at] & 0xff) << (8 * i);
            }
        }
        return (v >>> (int) (bitPos & 7)) & ((1 << n) - 1);
    }

    /** One Huffman decoding table over {@code maxBits} bits: per {@code maxBits}-bit prefix, its symbol and its code length. */
    static final class Huffman {
        final byte[] symbol = new byte[1 << MAX_HUFFMAN_BITS];
        final byte[] length = new byte[1 << MAX_HUFFMAN_BITS];
        int maxBits;
        private final byte[] weights = new byte[256];
        private final Fse weightTable = new Fse(WEIGHTS_LOG);
        private final ZstdBits bits = new ZstdBits();

        /** Reads a Huffman tree description (RFC 8878 §4.2.1) at {@code buf[off, end)}; returns the bytes it took. */
        int read(byte[] buf, int off, int end) throws ZstdException {
            if (off >= end) {
                throw new ZstdException("missing Huffman tree description");
            }
            int header = buf[off] & 0xff;
            int n;
            int used;
            if (header < 128) {
                used = 1 + header;
                if (header == 0 || used > end - off) {
                    throw new ZstdException("Huffman weights longer than the literals");
                }
                int streamStart = off + 1 + weightTable.read(buf, off + 1, off + used, WEIGHTS_LOG, 255);
                n = fseWeights(buf, streamStart, off + used);
            } else {
                n = header - 127;
                used = 1 + (n + 1) / 2;
                if (used > end - off) {
                    throw new ZstdException("Huffman weights longer than the literals");
                }
                for (int i = 0; i < n; i++) {
                    int b = buf[off + 1 + i / 2] & 0xff;
                    weights[i] = (byte) ((i & 1) == 0 ? b >> 4 : b & 15);
                }
            }
            build(n);
            return used;
        }

        /** Decodes the FSE-compressed weights of {@code buf[start, end)} with two interleaved states; returns their number. */
        private int fseWeights(byte[] buf, int start, int end) throws ZstdException {
            bits.init(buf, start, end);
            Fse t = weightTable;
            int[] states = {bits.read(t.log), bits.read(t.log)};
            int n = 0;
            for (int k = 0; ; k ^= 1) {
                if (n > 253) {
                    throw new ZstdException("more than 255 Huffman weights");
                }
                int s = states[k];
                weights[n++] = t.symbol[s];
                states[k] = t.base[s] + bits.read(t.bits[s]);
                if (bits.overflowed()) {
                    // The last update read past the start: the other state holds the final weight.
                    weights[n++] = t.symbol[states[k ^ 1]];
                    return n;
                }
            }
        }

        /** Completes the {@code n} weights read with the implied last one and fills the decoding table. */
        private void build(int n) throws ZstdException {
            int total = 0;
            int[] rank = new int[MAX_HUFFMAN_BITS + 2];
            for (int i = 0; i < n; i++) {
                int w = weights[i] & 0xff;
                if (w > MAX_HUFFMAN_BITS) {
                    throw new ZstdException("Huffman weight " + w);
                }
                if (w > 0) {
                    total += 1 << (w - 1);
                }
            }
            if (total == 0) {
                throw new ZstdException("Huffman tree without symbols");
            }
            int max = highBit(total) + 1;
            if (max > MAX_HUFFMAN_BITS) {
                throw new ZstdException("Huffman code longer than " + MAX_HUFFMAN_BITS + " bits");
            }
            int rest = (1 << max) - total;
            if (Integer.bitCount(rest) != 1) {
                throw new ZstdException("Huffman weights do not complete a tree");
            }
            weights[n] = (byte) (highBit(rest) + 1);
            int symbols = n + 1;
            for (int i = 0; i < symbols; i++) {
                rank[weights[i] & 0xff]++;
            }
            if (rank[1] < 2 || (rank[1] & 1) != 0) {
                throw new ZstdException("Huffman tree with an odd number of longest codes");
            }
            // Codes go to the lowest weights first, symbols in order within a weight: where each weight starts.
            int[] start = rank; // reused: rank[w] becomes the first table index of weight w
            int pos = 0;
            for (int w = 1; w <= max; w++) {
                int count = start[w];
                start[w] = pos;
                pos += count << (w - 1);
            }
            for (int s = 0; s < symbols; s++) {
                int w = weights[s];
                if (w > 0) {
                    int span = 1 << (w - 1);
                    java.util.Arrays.fill(symbol, start[w], start[w] + span, (byte) s);
                    java.util.Arrays.fill(length, start[w], start[w] + span, (byte) (max + 1 - w));
                    start[w] += span;
                }
            }
            maxBits = max;
        }
    }
}
