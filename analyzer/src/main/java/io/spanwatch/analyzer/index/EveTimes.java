package io.spanwatch.analyzer.index;

import io.spanwatch.sensor.event.EveTime;
import java.time.LocalDate;

/**
 * Reads the times events and queries carry as microseconds since the epoch (the precision of EVE):
 * Suricata's {@code 2026-11-21T06:13:41.532140+0000}, ISO 8601 with {@code Z} or {@code +01:00}, and
 * shorter forms ({@code 2026-11-21T06:13}, {@code 2026-11-21}, taken as UTC), from year 0000 to 9999
 * in UTC, all of which it formats again. Hand-written because
 * it runs for every indexed event and Java's ISO parser rejects Suricata's offset without a colon.
 */
public final class EveTimes {
    private EveTimes() {
    }

    /** Returned by {@link #parseMicros} for text that is not a time. */
    public static final long INVALID = Long.MIN_VALUE;
    /** The earliest time read: 0000-01-01T00:00:00Z (EVE's years have four digits). */
    public static final long MIN_MICROS = LocalDate.of(0, 1, 1).toEpochDay() * 86_400_000_000L;
    /** The latest time read: 9999-12-31T23:59:59.999999Z. */
    public static final long MAX_MICROS = LocalDate.of(10_000, 1, 1).toEpochDay() * 86_400_000_000L - 1;

    /** Returns the time as microseconds since the epoch, or {@link #INVALID}. */
    public static long parseMicros(CharSequence s) {
        int n = s.length();
        if (n < 10 || s.charAt(4) != '-' || s.charAt(7) != '-') {
            return INVALID;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31) {
            return INVALID;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (java.time.DateTimeException e) {
            return INVALID;
        }
        int i = 10;
        long secs = 0;
        long micros = 0;
        if (i < n && (s.charAt(i) == 'T' || s.charAt(i) == ' ')) {
            if (n < i + 6 || s.charAt(i + 3) != ':') {
                return INVALID;
            }
            int h = digits(s, i + 1, 2);
            int m = digits(s, i + 4, 2);
            if (h < 0 || h > 23 || m < 0 || m > 59) {
                return INVALID;
            }
            secs = h * 3600L + m * 60L;
            i += 6;
            if (i < n && s.charAt(i) == ':') {
                int sec = digits(s, i + 1, 2);
                if (sec < 0 || sec > 60) {
                    return INVALID;
                }
                secs += sec;
                i += 3;
                if (i < n && (s.charAt(i) == '.' || s.charAt(i) == ',')) {
                    i++;
                    int start = i;
                    long scale = 100_000;
                    while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                        micros += (s.charAt(i) - '0') * scale;
                        scale /= 10;
                        i++;
                    }
                    if (i == start) {
                        return INVALID;
                    }
                }
            }
        }
        long offsetSecs = 0;
        if (i < n) {
            char c = s.charAt(i);
            if (c == 'Z' || c == 'z') {
                i++;
            } else if (c == '+' || c == '-') {
                int oh = digits(s, i + 1, 2);
                int j = i + 3;
                if (j < n && s.charAt(j) == ':') {
                    j++;
                }
                int om = digits(s, j, 2);
                if (oh < 0 || om < 0 || oh > 18 || om > 59) {
                    return INVALID;
                }
                offsetSecs = (oh * 3600L + om * 60L) * (c == '-' ? -1 : 1);
                i = j + 2;
            }
        }
        if (i != n) {
            return INVALID;
        }
        long t = ((epochDay * 86_400L + secs - offsetSecs) * 1_000_000L) + micros;
        return t < MIN_MICROS || t > MAX_MICROS ? INVALID : t; // an offset can carry year 0000 or 9999 past four digits
    }

    /** Returns the epoch day (UTC) of a time in microseconds. */
    public static long epochDay(long micros) {
        return Math.floorDiv(micros, 86_400_000_000L);
    }

    /** Formats microseconds as EVE writes times. */
    public static String format(long micros) {
        return EveTime.formatMicros(micros);
    }

    /** Formats microseconds as ISO 8601 UTC to the second ({@code 2026-11-21T06:13:41Z}), for queries. */
    public static String formatIso(long micros) {
        return java.time.Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L)).toString();
    }

    private static int digits(CharSequence s, int off, int len) {
        if (off + len > s.length()) {
            return -1;
        }
        int v = 0;
        for (int i = off; i < off + len; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
