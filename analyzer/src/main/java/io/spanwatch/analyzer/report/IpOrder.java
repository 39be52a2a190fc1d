package io.spanwatch.analyzer.report;

import java.util.Comparator;

/**
 * Orders addresses as people read them: IPv4 by number ({@code 198.18.1.9} before {@code 198.18.1.10}),
 * then IPv6 and anything else by text.
 */
enum IpOrder implements Comparator<String> {
    INSTANCE;

    @Override
    public int compare(String a, String b) {
        long x = v4(a);
        long y = v4(b);
        if (x >= 0 && y >= 0) {
            return Long.compare(x, y);
        }
        if (x >= 0 || y >= 0) {
            return x >= 0 ? -1 : 1;
        }
        return a.compareTo(b);
    }

    /** Returns an IPv4 literal as a number, or -1. */
    private static long v4(String s) {
        long v = 0;
        int parts = 0;
        int n = -1;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                n = (n < 0 ? 0 : n * 10) + (c - '0');
                if (n > 255) {
                    return -1;
                }
            } else if (c == '.' && n >= 0) {
                v = v << 8 | n;
                parts++;
                n = -1;
            } else {
                return -1;
            }
        }
        return parts == 4 ? v : -1;
    }
}
