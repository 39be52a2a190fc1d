package io.spanwatch.sensor.event;

import java.time.LocalDate;

/**
 * Formats packet times as Suricata writes them in EVE JSON: {@code 2026-11-21T06:13:41.532140+0000}
 * (microseconds, UTC, offset without a colon).
 */
public final class EveTime {
    private EveTime() {
    }

    /**
     * The text of the last second formatted, up to its fraction ({@code 2026-11-21T06:13:41.}):
     * events come many to a second, and the date part costs more than the rest. Immutable, so
     * threads that race on it at worst format a second again.
     */
    private record Second(long secs, String text) {
    }

    private static volatile Second last = new Second(Long.MIN_VALUE, "");

    /** Returns the EVE timestamp text for a time in nanoseconds since the epoch. */
    public static String format(long epochNanos) {
        StringBuilder sb = new StringBuilder(31);
        append(sb, epochNanos);
        return sb.toString();
    }

    /** Appends the EVE timestamp text for a time in nanoseconds since the epoch. */
    public static void append(StringBuilder sb, long epochNanos) {
        long secs = Math.floorDiv(epochNanos, 1_000_000_000L);
        int micros = (int) (Math.floorMod(epochNanos, 1_000_000_000L) / 1000);
        Second s = last;
        if (s.secs() != secs) {
            StringBuilder head = new StringBuilder(20);
            long days = Math.floorDiv(secs, 86400);
            int secOfDay = (int) Math.floorMod(secs, 86400);
            LocalDate d = LocalDate.ofEpochDay(days);
            pad(head, d.getYear(), 4).append('-');
            pad(head, d.getMonthValue(), 2).append('-');
            pad(head, d.getDayOfMonth(), 2).append('T');
            pad(head, secOfDay / 3600, 2).append(':');
            pad(head, secOfDay / 60 % 60, 2).append(':');
            pad(head, secOfDay % 60, 2).append('.');
            s = new Second(secs, head.toString());
            last = s;
        }
        sb.append(s.text());
        for (int div = 100_000; div > 0; div /= 10) {
            sb.append((char) ('0' + micros / div % 10));
        }
        sb.append("+0000");
    }

    private static StringBuilder pad(StringBuilder sb, int v, int width) {
        String s = Integer.toString(v);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(s);
    }
}
