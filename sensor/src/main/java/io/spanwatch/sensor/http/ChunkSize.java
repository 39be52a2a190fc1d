package io.spanwatch.sensor.http;

/**
 * Reads a chunk-size line as the more lenient of Chrome and Firefox does, which is Firefox's
 * {@code strtoul(line, 16)} after cutting the line at the first {@code ;} (chunk extensions):
 * leading white space ({@code SP HT VT FF CR}), an optional sign, an optional {@code 0x}, then at
 * least one hex digit; whatever follows the digits is ignored. Chrome accepts a subset (hex digits
 * and trailing spaces only). A NUL byte before the extensions is refused, as both do (Firefox then
 * never finds the line's end); Chrome cuts the extensions off first and so takes a NUL in them.
 *
 * <p>A minus sign negates the value in the width of the C {@code unsigned long}: Firefox on 64-bit
 * Linux and macOS takes {@code -fffffffffffffffb} for 5, Firefox on Windows (32-bit {@code long})
 * takes {@code -fffffffb} for 5; either wrap that yields a size is used. Sizes up to
 * {@link Long#MAX_VALUE} are taken (Chrome's limit; Firefox stops at 4 GiB).
 */
final class ChunkSize {

    /** What a size line held besides hex digits and extensions. */
    enum Oddity { NONE, JUNK, SIGNED }

    private static final long TWO_32 = 1L << 32;

    private long size = -1;
    private Oddity oddity = Oddity.NONE;

    private ChunkSize() {
    }

    /** Reads a size line without its line break; {@link #size()} is -1 when no browser reads a size in it. */
    static ChunkSize parse(String line) {
        ChunkSize r = new ChunkSize();
        int semi = line.indexOf(';');
        int n = semi < 0 ? line.length() : semi;
        int nul = line.indexOf('\0');
        if (nul >= 0 && nul < n) {
            return r;
        }
        int i = 0;
        while (i < n && isSpace(line.charAt(i))) {
            i++;
        }
        boolean junk = i > 0;
        boolean negative = false;
        if (i < n && (line.charAt(i) == '+' || line.charAt(i) == '-')) {
            negative = line.charAt(i) == '-';
            junk = true;
            i++;
        }
        if (i + 2 < n && line.charAt(i) == '0' && (line.charAt(i + 1) | 0x20) == 'x' && hex(line.charAt(i + 2)) >= 0) {
            junk = true;
            i += 2;
        }
        int digits = i;
        long v = 0;
        boolean overflow = false;
        while (i < n && hex(line.charAt(i)) >= 0) {
            if (Long.compareUnsigned(v, 0x0fffffffffffffffL) > 0) {
                overflow = true; // past ULONG_MAX: strtoul reports ERANGE
            }
            v = v << 4 | hex(line.charAt(i));
            i++;
        }
        if (i == digits || overflow) {
            return r;
        }
        for (int k = i; k < n; k++) {
            if (line.charAt(k) != ' ') {
                junk = true;
                break;
            }
        }
        if (negative) {
            long wrapped64 = -v; // 2^64 - v, as an unsigned 64-bit value
            if (Long.compareUnsigned(wrapped64, TWO_32) < 0) {
                r.size = wrapped64;
            } else if (Long.compareUnsigned(v, TWO_32) < 0) {
                r.size = (TWO_32 - v) % TWO_32;
            } else {
                return r;
            }
            r.oddity = Oddity.SIGNED;
            return r;
        }
        if (v < 0) {
            return r; // past Long.MAX_VALUE
        }
        r.size = v;
        r.oddity = junk ? Oddity.JUNK : Oddity.NONE;
        return r;
    }

    long size() {
        return size;
    }

    Oddity oddity() {
        return oddity;
    }

    private static int hex(char c) {
        return c < 0x80 ? Character.digit(c, 16) : -1;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == 0x0b || c == '\f' || c == '\r' || c == '\n';
    }
}
