package io.spanwatch.analyzer.reputation;

import java.util.Arrays;

/**
 * Stores address prefixes (IPv4 or IPv6, one trie per family) in a path-compressed binary trie
 * held in parallel primitive arrays: no object per node. A node is its prefix (two longs, the
 * second only for IPv6), its length, two child indexes and the first entry of its value chain
 * (-1 for a branch node). With {@code n} prefixes there are at most {@code 2n - 1} nodes: about 21
 * bytes a node for IPv4, 29 for IPv6, so a million IPv4 addresses take about 42 MiB.
 *
 * <p>{@link #insert} is for the single thread that builds a snapshot; once built the trie is only
 * read, by any number of threads.
 */
final class PrefixTrie {
    private final int bits;
    private long[] hi;
    private long[] lo;
    private byte[] len;
    private int[] left;
    private int[] right;
    private int[] head;
    private int size;
    private int root = -1;

    PrefixTrie(int bits, int capacity) {
        this.bits = bits;
        int c = Math.max(4, capacity);
        hi = new long[c];
        lo = bits > 64 ? new long[c] : null;
        len = new byte[c];
        left = new int[c];
        right = new int[c];
        head = new int[c];
    }

    /** Returns the number of nodes. */
    int size() {
        return size;
    }

    /** Returns the bytes the arrays hold. */
    long bytes() {
        long per = 8L + (lo != null ? 8 : 0) + 1 + 4 + 4 + 4;
        return per * hi.length;
    }

    int head(int node) {
        return head[node];
    }

    void setHead(int node, int entry) {
        head[node] = entry;
    }

    int prefixLength(int node) {
        return len[node] & 0xff;
    }

    long hi(int node) {
        return hi[node];
    }

    long lo(int node) {
        return lo != null ? lo[node] : 0;
    }

    /**
     * Returns the node for a prefix, creating it (with an empty value chain) when missing. The
     * address must already be masked to {@code plen} bits.
     */
    int insert(long h, long l, int plen) {
        if (root < 0) {
            root = newNode(h, l, plen);
            return root;
        }
        int parent = -1;
        boolean parentRight = false;
        int node = root;
        while (true) {
            int nlen = len[node] & 0xff;
            int common = Math.min(commonBits(h, l, node), Math.min(nlen, plen));
            if (common < nlen) {
                int n;
                int leaf;
                if (common == plen) {
                    n = newNode(h, l, plen);
                    leaf = n;
                } else {
                    n = newNode(h & IpAddr.maskOf(common), l & IpAddr.maskOf(common - 64), common);
                    leaf = newNode(h, l, plen);
                    setChild(n, bit(h, l, common), leaf);
                }
                setChild(n, bit(hi[node], lo(node), common), node);
                if (parent < 0) {
                    root = n;
                } else {
                    setChild(parent, parentRight ? 1 : 0, n);
                }
                return leaf;
            }
            if (plen == nlen) {
                return node;
            }
            int b = bit(h, l, nlen);
            int c = b == 0 ? left[node] : right[node];
            if (c < 0) {
                int leaf = newNode(h, l, plen);
                setChild(node, b, leaf);
                return leaf;
            }
            parent = node;
            parentRight = b == 1;
            node = c;
        }
    }

    /** Returns the node holding exactly this prefix with a value, or -1. */
    int find(long h, long l, int plen) {
        int node = root;
        while (node >= 0) {
            int nlen = len[node] & 0xff;
            if (nlen > plen || !matches(node, h, l, nlen)) {
                return -1;
            }
            if (nlen == plen) {
                return head[node] >= 0 ? node : -1;
            }
            node = bit(h, l, nlen) == 0 ? left[node] : right[node];
        }
        return -1;
    }

    /** Returns the shortest prefix with a value that contains the address, or -1. */
    int first(long h, long l) {
        int node = root;
        while (node >= 0) {
            int nlen = len[node] & 0xff;
            if (!matches(node, h, l, nlen)) {
                return -1;
            }
            if (head[node] >= 0) {
                return node;
            }
            if (nlen == bits) {
                return -1;
            }
            node = bit(h, l, nlen) == 0 ? left[node] : right[node];
        }
        return -1;
    }

    /** Writes every node with a value whose prefix contains the address, shortest first; returns how many. */
    int collect(long h, long l, int[] out) {
        int n = 0;
        int node = root;
        while (node >= 0) {
            int nlen = len[node] & 0xff;
            if (!matches(node, h, l, nlen)) {
                break;
            }
            if (head[node] >= 0) {
                out[n++] = node;
            }
            if (nlen == bits) {
                break;
            }
            node = bit(h, l, nlen) == 0 ? left[node] : right[node];
        }
        return n;
    }

    /** Calls {@code visitor} for every node with a value. */
    void forEach(java.util.function.IntConsumer visitor) {
        for (int i = 0; i < size; i++) {
            if (head[i] >= 0) {
                visitor.accept(i);
            }
        }
    }

    /** Drops unused capacity once the trie is complete. */
    void trim() {
        hi = Arrays.copyOf(hi, Math.max(1, size));
        if (lo != null) {
            lo = Arrays.copyOf(lo, Math.max(1, size));
        }
        len = Arrays.copyOf(len, Math.max(1, size));
        left = Arrays.copyOf(left, Math.max(1, size));
        right = Arrays.copyOf(right, Math.max(1, size));
        head = Arrays.copyOf(head, Math.max(1, size));
    }

    private boolean matches(int node, long h, long l, int nlen) {
        if (((h ^ hi[node]) & IpAddr.maskOf(nlen)) != 0) {
            return false;
        }
        return nlen <= 64 || ((l ^ lo[node]) & IpAddr.maskOf(nlen - 64)) == 0;
    }

    private int commonBits(long h, long l, int node) {
        long x = h ^ hi[node];
        if (x != 0) {
            return Long.numberOfLeadingZeros(x);
        }
        if (lo == null) {
            return 64;
        }
        return 64 + Long.numberOfLeadingZeros(l ^ lo[node]);
    }

    private static int bit(long h, long l, int index) {
        return index < 64 ? (int) (h >>> (63 - index)) & 1 : (int) (l >>> (127 - index)) & 1;
    }

    private void setChild(int node, int b, int child) {
        if (b == 0) {
            left[node] = child;
        } else {
            right[node] = child;
        }
    }

    private int newNode(long h, long l, int plen) {
        if (size == hi.length) {
            int c = size + (size >> 1) + 16;
            hi = Arrays.copyOf(hi, c);
            if (lo != null) {
                lo = Arrays.copyOf(lo, c);
            }
            len = Arrays.copyOf(len, c);
            left = Arrays.copyOf(left, c);
            right = Arrays.copyOf(right, c);
            head = Arrays.copyOf(head, c);
        }
        int n = size++;
        hi[n] = h;
        if (lo != null) {
            lo[n] = l;
        }
        len[n] = (byte) plen;
        left[n] = -1;
        right[n] = -1;
        head[n] = -1;
        return n;
    }
}
