package io.spanwatch.analyzer.reputation;

import java.util.Arrays;

/**
 * Stores address prefixes (IPv4 or IPv6, one trie per family) in a path-compressed binary trie
 * held in primitive arrays: no object per node. A node is its prefix (one long, two for IPv6) and
 * four ints side by side (two child indexes, the first entry of its value chain or -1 for a branch
 * node, the prefix length), so a step down the trie touches two cache lines. With {@code n}
 * prefixes there are at most {@code 2n - 1} nodes: 24 bytes a node for IPv4, 32 for IPv6, so a
 * million IPv4 addresses take about 48 MiB.
 *
 * <p>The first 16 bits are a direct index (DIR-16, as routers split their tables): prefixes of 16
 * bits or more live in one sub-trie per value of their first 16 bits, shorter ones in a trie of
 * their own. A million random IPv4 addresses then sit about 4 levels deep instead of 20, which
 * makes both lookups and loading several times faster. The index costs 256 KiB per trie.
 *
 * <p>{@link #insert} is for the single thread that builds a snapshot; once built the trie is only
 * read, by any number of threads.
 */
final class PrefixTrie {
    private static final int LEFT = 0;
    private static final int RIGHT = 1;
    private static final int HEAD = 2;
    private static final int LEN = 3;
    private static final int STRIDE = 4;

    private final int bits;
    private long[] hi;
    private long[] lo;
    /** Per node, {@link #STRIDE} ints: left child, right child, chain head, prefix length. */
    private int[] node;
    private int size;
    /** Sub-trie roots by the first 16 bits; the last slot is the root of the prefixes shorter than 16. */
    private final int[] roots;

    PrefixTrie(int bits, int capacity) {
        this.bits = bits;
        int c = Math.max(4, capacity);
        hi = new long[c];
        lo = bits > 64 ? new long[c] : null;
        node = new int[c * STRIDE];
        roots = new int[INDEXED + 1];
        Arrays.fill(roots, -1);
    }

    private static final int INDEX_BITS = 16;
    private static final int INDEXED = 1 << INDEX_BITS;

    /** Returns the root slot a prefix belongs under. */
    private static int rootOf(long h, int plen) {
        return plen < INDEX_BITS ? INDEXED : (int) (h >>> (64 - INDEX_BITS));
    }

    /** Returns the number of nodes. */
    int size() {
        return size;
    }

    /** Returns the bytes the arrays hold. */
    long bytes() {
        return (8L + (lo != null ? 8 : 0) + 4L * STRIDE) * hi.length + 4L * roots.length;
    }

    int head(int n) {
        return node[n * STRIDE + HEAD];
    }

    void setHead(int n, int entry) {
        node[n * STRIDE + HEAD] = entry;
    }

    int prefixLength(int n) {
        return node[n * STRIDE + LEN];
    }

    long hi(int n) {
        return hi[n];
    }

    long lo(int n) {
        return lo != null ? lo[n] : 0;
    }

    private int child(int n, int b) {
        return node[n * STRIDE + b];
    }

    /**
     * Returns the node for a prefix, creating it (with an empty value chain) when missing. The
     * address must already be masked to {@code plen} bits.
     */
    int insert(long h, long l, int plen) {
        int r = rootOf(h, plen);
        if (roots[r] < 0) {
            roots[r] = newNode(h, l, plen);
            return roots[r];
        }
        int parent = -1;
        int parentSide = 0;
        int n = roots[r];
        while (true) {
            int nlen = prefixLength(n);
            int common = Math.min(commonBits(h, l, n), Math.min(nlen, plen));
            if (common < nlen) {
                int top;
                int leaf;
                if (common == plen) {
                    top = newNode(h, l, plen);
                    leaf = top;
                } else {
                    top = newNode(h & IpAddr.maskOf(common), l & IpAddr.maskOf(common - 64), common);
                    leaf = newNode(h, l, plen);
                    setChild(top, bit(h, l, common), leaf);
                }
                setChild(top, bit(hi[n], lo(n), common), n);
                if (parent < 0) {
                    roots[r] = top;
                } else {
                    setChild(parent, parentSide, top);
                }
                return leaf;
            }
            if (plen == nlen) {
                return n;
            }
            int b = bit(h, l, nlen);
            int c = child(n, b);
            if (c < 0) {
                int leaf = newNode(h, l, plen);
                setChild(n, b, leaf);
                return leaf;
            }
            parent = n;
            parentSide = b;
            n = c;
        }
    }

    /** Returns the node holding exactly this prefix with a value, or -1. */
    int find(long h, long l, int plen) {
        int n = roots[rootOf(h, plen)];
        while (n >= 0) {
            int nlen = prefixLength(n);
            if (nlen > plen || !matches(n, h, l, nlen)) {
                return -1;
            }
            if (nlen == plen) {
                return head(n) >= 0 ? n : -1;
            }
            n = child(n, bit(h, l, nlen));
        }
        return -1;
    }

    /** Returns the shortest prefix with a value that contains the address, or -1. */
    int first(long h, long l) {
        int n = first(roots[INDEXED], h, l);
        return n >= 0 ? n : first(roots[(int) (h >>> (64 - INDEX_BITS))], h, l);
    }

    private int first(int n, long h, long l) {
        while (n >= 0) {
            int base = n * STRIDE;
            int nlen = node[base + LEN];
            if (!matches(n, h, l, nlen)) {
                return -1;
            }
            if (node[base + HEAD] >= 0) {
                return n;
            }
            if (nlen == bits) {
                return -1;
            }
            n = node[base + bit(h, l, nlen)];
        }
        return -1;
    }

    /** Writes every node with a value whose prefix contains the address, shortest first; returns how many. */
    int collect(long h, long l, int[] out) {
        int count = collect(roots[INDEXED], h, l, out, 0);
        return collect(roots[(int) (h >>> (64 - INDEX_BITS))], h, l, out, count);
    }

    private int collect(int n, long h, long l, int[] out, int count) {
        while (n >= 0) {
            int nlen = prefixLength(n);
            if (!matches(n, h, l, nlen)) {
                break;
            }
            if (head(n) >= 0) {
                out[count++] = n;
            }
            if (nlen == bits) {
                break;
            }
            n = child(n, bit(h, l, nlen));
        }
        return count;
    }

    /** Calls {@code visitor} for every node with a value. */
    void forEach(java.util.function.IntConsumer visitor) {
        for (int i = 0; i < size; i++) {
            if (head(i) >= 0) {
                visitor.accept(i);
            }
        }
    }

    /** Drops unused capacity once the trie is complete. */
    void trim() {
        int c = Math.max(1, size);
        hi = Arrays.copyOf(hi, c);
        if (lo != null) {
            lo = Arrays.copyOf(lo, c);
        }
        node = Arrays.copyOf(node, c * STRIDE);
    }

    private boolean matches(int n, long h, long l, int nlen) {
        if (((h ^ hi[n]) & IpAddr.maskOf(nlen)) != 0) {
            return false;
        }
        return nlen <= 64 || ((l ^ lo[n]) & IpAddr.maskOf(nlen - 64)) == 0;
    }

    private int commonBits(long h, long l, int n) {
        long x = h ^ hi[n];
        if (x != 0) {
            return Long.numberOfLeadingZeros(x);
        }
        if (lo == null) {
            return 64;
        }
        return 64 + Long.numberOfLeadingZeros(l ^ lo[n]);
    }

    private static int bit(long h, long l, int index) {
        return index < 64 ? (int) (h >>> (63 - index)) & 1 : (int) (l >>> (127 - index)) & 1;
    }

    private void setChild(int n, int b, int c) {
        node[n * STRIDE + b] = c;
    }

    private int newNode(long h, long l, int plen) {
        if (size == hi.length) {
            int c = size + (size >> 1) + 16;
            hi = Arrays.copyOf(hi, c);
            if (lo != null) {
                lo = Arrays.copyOf(lo, c);
            }
            node = Arrays.copyOf(node, c * STRIDE);
        }
        int n = size++;
        hi[n] = h;
        if (lo != null) {
            lo[n] = l;
        }
        int base = n * STRIDE;
        node[base + LEFT] = -1;
        node[base + RIGHT] = -1;
        node[base + HEAD] = -1;
        node[base + LEN] = plen;
        return n;
    }
}
