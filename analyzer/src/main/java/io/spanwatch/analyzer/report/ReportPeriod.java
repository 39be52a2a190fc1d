package io.spanwatch.analyzer.report;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names the span of packet time a report covers, in the report's time zone: an ISO week (Monday
 * 00:00 to the next Monday 00:00), a calendar month, a range of days, or an assessment (every day
 * with events, for a first deployment). {@code from} is inclusive, {@code to} exclusive.
 *
 * @param label the period as people write it: {@code 2024-W11}, {@code 2024-03}, {@code 2024-03-11 to 2024-03-13}
 * @param fileName the reports' base name under {@code DIR/reports}
 */
public record ReportPeriod(Kind kind, String label, String fileName, ZonedDateTime from, ZonedDateTime to) {
    /** What kind of span a period is. */
    public enum Kind {
        WEEK, MONTH, RANGE, ASSESSMENT
    }

    private static final Pattern WEEK = Pattern.compile("(\\d{4})-W(\\d{2})");
    private static final Pattern MONTH = Pattern.compile("(\\d{4})-(\\d{2})");
    /** Longest period a report covers: a day is a column of the charts and a row of the capture table. */
    public static final int MAX_DAYS = 3700;

    /**
     * Returns the ISO week {@code YYYY-Www} (ISO-8601: weeks start on Monday, week 1 holds the
     * year's first Thursday).
     *
     * @throws IllegalArgumentException naming the text when it is no such week
     */
    public static ReportPeriod week(String text, ZoneId zone) {
        Matcher m = WEEK.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("--week " + text + ": expected YYYY-Www, e.g. 2024-W11");
        }
        int year = Integer.parseInt(m.group(1));
        int week = Integer.parseInt(m.group(2));
        LocalDate jan4 = LocalDate.of(year, 1, 4);
        long weeks = jan4.range(IsoFields.WEEK_OF_WEEK_BASED_YEAR).getMaximum();
        if (week < 1 || week > weeks) {
            throw new IllegalArgumentException("--week " + text + ": " + year + " has weeks 1 to " + weeks);
        }
        LocalDate monday = jan4.with(IsoFields.WEEK_OF_WEEK_BASED_YEAR, week).with(DayOfWeek.MONDAY);
        return ofWeek(monday, zone);
    }

    /** Returns the ISO week that holds {@code day}. */
    public static ReportPeriod weekOf(LocalDate day, ZoneId zone) {
        return ofWeek(day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)), zone);
    }

    private static ReportPeriod ofWeek(LocalDate monday, ZoneId zone) {
        String label = String.format(Locale.ROOT, "%04d-W%02d", monday.get(IsoFields.WEEK_BASED_YEAR),
                monday.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
        return new ReportPeriod(Kind.WEEK, label, label, monday.atStartOfDay(zone), monday.plusWeeks(1).atStartOfDay(zone));
    }

    /**
     * Returns the calendar month {@code YYYY-MM}.
     *
     * @throws IllegalArgumentException naming the text when it is no month
     */
    public static ReportPeriod month(String text, ZoneId zone) {
        Matcher m = MONTH.matcher(text);
        int mo = m.matches() ? Integer.parseInt(m.group(2)) : 0;
        if (mo < 1 || mo > 12) {
            throw new IllegalArgumentException("--month " + text + ": expected YYYY-MM, e.g. 2024-03");
        }
        YearMonth ym = YearMonth.of(Integer.parseInt(m.group(1)), mo);
        String label = ym.toString();
        return new ReportPeriod(Kind.MONTH, label, label, ym.atDay(1).atStartOfDay(zone), ym.plusMonths(1).atDay(1).atStartOfDay(zone));
    }

    /**
     * Returns the days {@code from} to {@code to}, both included ({@code YYYY-MM-DD}).
     *
     * @throws IllegalArgumentException naming the option when a date is malformed, the range is empty or too long
     */
    public static ReportPeriod range(String from, String to, ZoneId zone) {
        LocalDate f = date("--from", from);
        LocalDate t = date("--to", to);
        if (t.isBefore(f)) {
            throw new IllegalArgumentException("--to " + to + " is before --from " + from);
        }
        if (ChronoUnit.DAYS.between(f, t) >= MAX_DAYS) {
            throw new IllegalArgumentException("--from " + from + " --to " + to + ": at most " + MAX_DAYS + " days");
        }
        String label = f.equals(t) ? f.toString() : f + " to " + t;
        String file = f.equals(t) ? f.toString() : f + "_" + t;
        return new ReportPeriod(Kind.RANGE, label, file, f.atStartOfDay(zone), t.plusDays(1).atStartOfDay(zone));
    }

    /** Returns the assessment of a first deployment: every day from the first event's to the last event's. */
    public static ReportPeriod assessment(Instant first, Instant last, ZoneId zone) {
        LocalDate f = first.atZone(zone).toLocalDate();
        LocalDate t = last.atZone(zone).toLocalDate();
        if (ChronoUnit.DAYS.between(f, t) >= MAX_DAYS) {
            f = t.minusDays(MAX_DAYS - 1);
        }
        String label = f.equals(t) ? f.toString() : f + " to " + t;
        return new ReportPeriod(Kind.ASSESSMENT, label, "assessment-" + t, f.atStartOfDay(zone), t.plusDays(1).atStartOfDay(zone));
    }

    private static LocalDate date(String option, String text) {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(option + " " + text + ": expected a date YYYY-MM-DD");
        }
    }

    /**
     * Returns the period just before, for the trend: the week or month before, the same number of
     * days before a range; an assessment has none (null).
     */
    public ReportPeriod previous() {
        ZoneId zone = from.getZone();
        return switch (kind) {
            case WEEK -> weekOf(from.toLocalDate().minusWeeks(1), zone);
            case MONTH -> month(YearMonth.from(from.toLocalDate()).minusMonths(1).toString(), zone);
            case RANGE -> {
                long days = days().size();
                LocalDate f = from.toLocalDate().minusDays(days);
                yield range(f.toString(), from.toLocalDate().minusDays(1).toString(), zone);
            }
            case ASSESSMENT -> null;
        };
    }

    /** Returns the zone the period's days and hours are counted in. */
    public ZoneId zone() {
        return from.getZone();
    }

    /** Returns the days of the period, in order. */
    public List<LocalDate> days() {
        List<LocalDate> out = new ArrayList<>();
        for (LocalDate d = from.toLocalDate(); d.isBefore(to.toLocalDate()); d = d.plusDays(1)) {
            out.add(d);
        }
        return out;
    }

    /** Returns the number of hours of the period (a day of a clock change has 23 or 25). */
    public long hours() {
        return Duration.between(from, to).toHours();
    }

    /** Tells whether a packet time (nanoseconds since the epoch) is inside. */
    public boolean contains(long nanos) {
        return nanos >= fromNanos() && nanos < toNanos();
    }

    public long fromNanos() {
        return nanos(from);
    }

    public long toNanos() {
        return nanos(to);
    }

    private static long nanos(ZonedDateTime t) {
        return t.toEpochSecond() * 1_000_000_000L;
    }

    /** Returns the day index of a packet time inside the period (0 for its first day). */
    public int dayIndex(long nanos) {
        LocalDate d = Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L)).atZone(zone()).toLocalDate();
        return (int) ChronoUnit.DAYS.between(from.toLocalDate(), d);
    }

    /** Returns the hour index of a packet time inside the period (0 for its first hour). */
    public int hourIndex(long nanos) {
        return (int) ((nanos - fromNanos()) / 3_600_000_000_000L);
    }

    /** Checks the zone name of a {@code report.time-zone} or {@code --time-zone}. */
    public static ZoneId zone(String name) {
        try {
            return ZoneId.of(name);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("time zone " + name + ": not a zone (e.g. UTC, Europe/Berlin, +02:00)");
        }
    }
}
