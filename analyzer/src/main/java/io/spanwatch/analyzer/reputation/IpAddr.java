package io.spanwatch.analyzer.reputation;

/**
 * Parses and formats IPv4 and IPv6 address literals without DNS and, for IPv4, without allocation.
 *
 * <p>An address is two longs: IPv4 in the top 32 bits of {@code hi} ({@code lo} zero), IPv6 as its
 * 128 bits, most significant first. IPv4 is the strict dotted quad (four decimal parts, no leading
 * zeros: {@code 010.0.0.1} could mean octal to some readers and is refused). IPv6 is RFC 4291 text:
 * hex groups, one {@code ::}, a trailing dotted quad; zone ids ({@code %eth0}) are refused.
 * Formatting follows RFC 5952 (lower case, longest zero run as {@code ::}, {@code ::ffff:a.b.c.d}).
 */
final class IpAddr {
    static final int NONE = 0;
    static final int V4 = 4;
    static final int V6 = 6;

    private IpAddr() {
    }

    /** Returns the IPv4 address in {@code s[from, to)} as an unsigned 32-bit value, or -1. */
    static long parseV4(CharSequence s, int from, int to) {
        long addr = 0;
        int parts = 0;
        int i = from;
        while (true) {
            int start = i;
            int v = 0;
            while (i < to && i - start < 4) {
                char c = s.charAt(i);
                if (c < '0' || c > '9') {
                    break;
                }
                v = v * 10 + (c - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s.charAt(start) == '0')) {
                return -1;
            }
            addr = addr << 8 | v;
            parts++;
            if (parts == 4) {
                return i == to ? addr : -1;
            }
            if (i >= to || s.charAt(i) != '.') {
                return -1;
            }
            i++;
        }
    }

    /** Returns the IPv4 address {@code s} as an unsigned 32-bit value, or -1. */
    static long parseV4(CharSequence s) {
        return parseV4(s, 0, s.length());
    }

    /** Parses the IPv6 address in {@code s[from, to)} into {@code out[0]} (high bits) and {@code out[1]}; false if it is not one. */
    static boolean parseV6(CharSequence s, int from, int to, long[] out) {
        if (to - from < 2) {
            return false;
        }
        int i = from;
        boolean gap = false;
        int head = 0;
        int tail = 0;
        long hHi = 0;
        long hLo = 0;
        long tHi = 0;
        long tLo = 0;
        if (s.charAt(i) == ':') {
            if (s.charAt(i + 1) != ':') {
                return false;
            }
            gap = true;
            i += 2;
        }
        while (i < to) {
            int start = i;
            int v = 0;
            int digits = 0;
            while (i < to && digits <= 4) {
                int d = Character.digit(s.charAt(i), 16);
                if (d < 0) {
                    break;
                }
                v = v << 4 | d;
                digits++;
                i++;
            }
            if (i < to && s.charAt(i) == '.') {
                long v4 = parseV4(s, start, to);
                if (v4 < 0) {
                    return false;
                }
                if (gap) {
                    tHi = tHi << 32 | tLo >>> 32;
                    tLo = tLo << 32 | v4;
                    tail += 2;
                } else {
                    hHi = hHi << 32 | hLo >>> 32;
                    hLo = hLo << 32 | v4;
                    head += 2;
                }
                i = to;
                break;
            }
            if (digits == 0 || digits > 4) {
                return false;
            }
            if (gap) {
                tHi = tHi << 16 | tLo >>> 48;
                tLo = tLo << 16 | v;
                tail++;
            } else {
                hHi = hHi << 16 | hLo >>> 48;
                hLo = hLo << 16 | v;
                head++;
            }
            if (head + tail > 8) {
                return false;
            }
            if (i == to) {
                break;
            }
            if (s.charAt(i) != ':') {
                return false;
            }
            i++;
            if (i < to && s.charAt(i) == ':') {
                if (gap) {
                    return false;
                }
                gap = true;
                i++;
            } else if (i == to) {
                return false;
            }
        }
        int groups = head + tail;
        if (gap ? groups > 7 : groups != 8) {
            return false;
        }
        for (int k = head; k < 8; k++) {
            hHi = hHi << 16 | hLo >>> 48;
            hLo <<= 16;
        }
        out[0] = hHi | tHi;
        out[1] = hLo | tLo;
        return true;
    }

    /** Parses an address of either family into {@code out}; returns {@link #V4}, {@link #V6} or {@link #NONE}. */
    static int parse(CharSequence s, int from, int to, long[] out) {
        long v4 = parseV4(s, from, to);
        if (v4 >= 0) {
            out[0] = v4 << 32;
            out[1] = 0;
            return V4;
        }
        return parseV6(s, from, to, out) ? V6 : NONE;
    }

    /** Returns the bits of a family. */
    static int bits(int family) {
        return family == V4 ? 32 : 128;
    }

    /** Clears the bits past {@code prefix} of an address in {@code a}. */
    static void mask(long[] a, int prefix) {
        a[0] &= maskOf(prefix);
        a[1] &= maskOf(prefix - 64);
    }

    /** Returns a mask of the top {@code n} bits of a long ({@code n} clamped to 0..64). */
    static long maskOf(int n) {
        return n <= 0 ? 0 : n >= 64 ? -1L : -1L << (64 - n);
    }

    /** Returns true when the IPv6 address is IPv4-mapped ({@code ::ffff:a.b.c.d}). */
    static boolean isV4Mapped(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == 0xffffL;
    }

    /** Formats an address in its canonical text. */
    static String format(int family, long hi, long lo) {
        StringBuilder b = new StringBuilder(family == V4 ? 15 : 39);
        if (family == V4) {
            appendV4(b, hi >>> 32);
            return b.toString();
        }
        if (isV4Mapped(hi, lo)) {
            b.append("::ffff:");
            appendV4(b, lo & 0xffffffffL);
            return b.toString();
        }
        int[] g = new int[8];
        for (int k = 0; k < 4; k++) {
            g[k] = (int) (hi >>> (48 - 16 * k)) & 0xffff;
            g[k + 4] = (int) (lo >>> (48 - 16 * k)) & 0xffff;
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int k = 0; k < 8; ) {
            if (g[k] != 0) {
                k++;
                continue;
            }
            int start = k;
            while (k < 8 && g[k] == 0) {
                k++;
            }
            if (k - start > bestLen) {
                bestStart = start;
                bestLen = k - start;
            }
        }
        for (int k = 0; k < 8; k++) {
            if (k == bestStart) {
                b.append("::");
                k += bestLen - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(g[k]));
        }
        return b.toString();
    }

    /** Formats a prefix as {@code address/length}. */
    static String formatPrefix(int family, long hi, long lo, int prefix) {
        return format(family, hi, lo) + "/" + prefix;
    }

    private static void appendV4(StringBuilder b, long v) {
        b.append(v >>> 24 & 0xff).append('.').append(v >>> 16 & 0xff).append('.').append(v >>> 8 & 0xff).append('.').append(v & 0xff);
    }

    /** Returns the address's bytes (4 or 16). */
    static byte[] toBytes(int family, long hi, long lo) {
        byte[] out = new byte[family == V4 ? 4 : 16];
        for (int k = 0; k < out.length; k++) {
            long w = k < 8 ? hi : lo;
            out[k] = (byte) (w >>> (56 - 8 * (k & 7)));
        }
        return out;
    }

    /** Reads 4 or 16 address bytes into {@code out}; returns the family. */
    static int fromBytes(byte[] b, int off, int len, long[] out) {
        long hi = 0;
        long lo = 0;
        for (int k = 0; k < len; k++) {
            long v = b[off + k] & 0xffL;
            if (k < 8) {
                hi |= v << (56 - 8 * k);
            } else {
                lo |= v << (56 - 8 * (k - 8));
            }
        }
        out[0] = hi;
        out[1] = lo;
        return len == 4 ? V4 : V6;
    }
}
