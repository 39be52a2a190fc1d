package io.spanwatch.analyzer.report;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Formats figures for people: thousands separated, sizes in binary units, times in the report's
 * zone, counted nouns in the singular or plural. English, {@link Locale#ROOT} digits.
 */
final class Fmt {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("EEE d MMM", Locale.ENGLISH);
    private static final DateTimeFormatter LONG_DAY = DateTimeFormatter.ofPattern("EEEE d MMMM yyyy", Locale.ENGLISH);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("EEE d MMM HH:mm", Locale.ENGLISH);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ENGLISH);

    private Fmt() {
    }

    static String n(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    /** Returns {@code 3 hosts}, {@code 1 host}, {@code no host}... with {@code plural} for more than one. */
    static String count(long v, String one, String many) {
        return v == 0 ? "no " + many : n(v) + " " + (v == 1 ? one : many);
    }

    /** Returns {@code 1 host} or {@code 3 hosts} (with a number for zero too). */
    static String num(long v, String one, String many) {
        return n(v) + " " + (v == 1 ? one : many);
    }

    static String bytes(long v) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double d = v;
        int u = 0;
        while (d >= 1024 && u < units.length - 1) {
            d /= 1024;
            u++;
        }
        return u == 0 ? v + " B" : String.format(Locale.ROOT, d >= 100 ? "%.0f %s" : "%.1f %s", d, units[u]);
    }

    /** Returns a large count short: {@code 874,649} as {@code 875k}, {@code 12,345,678} as {@code 12.3M}. */
    static String shortNum(long v) {
        if (v < 10_000) {
            return n(v);
        }
        if (v < 1_000_000) {
            return String.format(Locale.ROOT, "%.0fk", v / 1000.0);
        }
        if (v < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.1fM", v / 1_000_000.0);
        }
        return String.format(Locale.ROOT, "%.1fG", v / 1_000_000_000.0);
    }

    static String day(LocalDate d) {
        return DAY.format(d);
    }

    static String longDay(LocalDate d) {
        return LONG_DAY.format(d);
    }

    static String time(long nanos, ZoneId zone) {
        return nanos == 0 ? "-" : TIME.format(at(nanos, zone));
    }

    static String clock(long nanos, ZoneId zone) {
        return CLOCK.format(at(nanos, zone));
    }

    static ZonedDateTime at(long nanos, ZoneId zone) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)).atZone(zone);
    }

    /** Returns an interval as people say it: {@code 60 s}, {@code 5 min}, {@code 1.5 h}. */
    static String interval(double seconds) {
        if (seconds < 90) {
            return String.format(Locale.ROOT, "%.0f s", seconds);
        }
        if (seconds < 5400) {
            return String.format(Locale.ROOT, "%.0f min", seconds / 60);
        }
        return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
    }

    static String score(double s) {
        return String.format(Locale.ROOT, "%.2f", s);
    }

    /** Joins {@code a}, {@code a and b}, {@code a, b and c}; with more than {@code max}, {@code a, b and 3 more}. */
    static String list(List<String> items, int max) {
        if (items.isEmpty()) {
            return "";
        }
        if (items.size() > max) {
            return String.join(", ", items.subList(0, max)) + " and " + (items.size() - max) + " more";
        }
        if (items.size() == 1) {
            return items.get(0);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
    }
}
