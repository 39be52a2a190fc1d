package io.spanwatch.sensor.event;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;

/**
 * Formats packet times as Suricata writes them in EVE JSON: {@code 2026-11-21T06:13:41.532140+0000}
 * (microseconds, UTC, offset without a colon), and reads them back.
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

    /**
     * Returns the EVE timestamp text for a time in microseconds since the epoch: the whole range of
     * EVE's four-digit years (nanoseconds reach only 1677 to 2262).
     */
    public static String formatMicros(long epochMicros) {
        StringBuilder sb = new StringBuilder(31);
        append(sb, Math.floorDiv(epochMicros, 1_000_000L), (int) Math.floorMod(epochMicros, 1_000_000L));
        return sb.toString();
    }

    /** Appends the EVE timestamp text for a time in nanoseconds since the epoch. */
    public static void append(StringBuilder sb, long epochNanos) {
        append(sb, Math.floorDiv(epochNanos, 1_000_000_000L), (int) (Math.floorMod(epochNanos, 1_000_000_000L) / 1000));
    }

    private static void append(StringBuilder sb, long secs, int micros) {
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

    /** Suricata's EVE timestamp layout; any fraction length, offset with or without a colon. */
    private static final DateTimeFormatter EVE = new DateTimeFormatterBuilder().append(DateTimeFormatter.ISO_LOCAL_DATE)
            .appendLiteral('T').appendPattern("HH:mm:ss").optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .optionalEnd().appendPattern("[XXX][XX][X]").toFormatter();

    /**
     * Returns the time of an EVE timestamp in nanoseconds since the epoch: SpanWatch's and Suricata's
     * layout ({@code 2026-11-21T06:13:41.532140+0000}), and ISO-8601 with {@code Z} or {@code +00:00}.
     *
     * @throws IllegalArgumentException naming the text when it is no timestamp
     */
    public static long parse(String text) {
        if (text.length() == 31 && text.charAt(10) == 'T' && text.charAt(19) == '.' && text.endsWith("+0000")) {
            long fast = parseUtcMicros(text);
            if (fast != Long.MIN_VALUE) {
                return fast;
            }
        }
        try {
            OffsetDateTime t = OffsetDateTime.parse(text, EVE);
            return t.toEpochSecond() * 1_000_000_000L + t.getNano();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not an EVE timestamp: " + text.substring(0, Math.min(40, text.length())));
        }
    }

    /** Reads exactly the layout {@link #format} writes, or returns {@code Long.MIN_VALUE}. */
    private static long parseUtcMicros(String t) {
        int y = digits(t, 0, 4);
        int mo = digits(t, 5, 2);
        int d = digits(t, 8, 2);
        int h = digits(t, 11, 2);
        int mi = digits(t, 14, 2);
        int s = digits(t, 17, 2);
        int us = digits(t, 20, 6);
        if ((y | mo | d | h | mi | s | us) < 0 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(13) != ':'
                || t.charAt(16) != ':' || mo < 1 || mo > 12 || d < 1 || d > LocalDate.of(y, mo, 1).lengthOfMonth()
                || h > 23 || mi > 59 || s > 59) {
            return Long.MIN_VALUE;
        }
        long days = LocalDate.of(y, mo, d).toEpochDay();
        return ((days * 86_400 + h * 3600L + mi * 60L + s) * 1_000_000L + us) * 1000L;
    }

    private static int digits(String t, int from, int n) {
        int v = 0;
        for (int i = from; i < from + n; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static StringBuilder pad(StringBuilder sb, int v, int width) {
        String s = Integer.toString(v);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(s);
    }
}
