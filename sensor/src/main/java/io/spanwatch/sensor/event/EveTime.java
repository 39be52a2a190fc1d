package io.spanwatch.sensor.event;

import java.time.LocalDate;

/**
 * Formats packet times as Suricata writes them in EVE JSON: {@code 2026-11-21T06:13:41.532140+0000}
 * (microseconds, UTC, offset without a colon).
 */
public final class EveTime {
    private EveTime() {
    }

    /** Returns the EVE timestamp text for a time in nanoseconds since the epoch. */
    public static String format(long epochNanos) {
        StringBuilder sb = new StringBuilder(31);
        append(sb, epochNanos);
        return sb.toString();
    }

    /** Appends the EVE timestamp text for a time in nanoseconds since the epoch. */
    public static void append(StringBuilder sb, long epochNanos) {
        long secs = Math.floorDiv(epochNanos, 1_000_000_000L);
        long micros = Math.floorMod(epochNanos, 1_000_000_000L) / 1000;
        long days = Math.floorDiv(secs, 86400);
        int secOfDay = (int) Math.floorMod(secs, 86400);
        LocalDate d = LocalDate.ofEpochDay(days);
        pad(sb, d.getYear(), 4).append('-');
        pad(sb, d.getMonthValue(), 2).append('-');
        pad(sb, d.getDayOfMonth(), 2).append('T');
        pad(sb, secOfDay / 3600, 2).append(':');
        pad(sb, secOfDay / 60 % 60, 2).append(':');
        pad(sb, secOfDay % 60, 2).append('.');
        pad(sb, (int) micros, 6).append("+0000");
    }

    private static StringBuilder pad(StringBuilder sb, int v, int width) {
        String s = Integer.toString(v);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(s);
    }
}
