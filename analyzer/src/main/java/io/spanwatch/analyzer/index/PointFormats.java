package io.spanwatch.analyzer.index;

import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.time.Instant;

/**
 * Reads the values of point fields in queries, for Lucene's query parser: whole numbers (signed or
 * unsigned 64-bit, as indexed), decimals, and times. A value must be read whole ({@code 12ab} is an
 * error, not 12).
 */
final class PointFormats {
    private PointFormats() {
    }

    /** Base: parses the whole remaining text or fails, formats plainly. */
    private abstract static class Whole extends NumberFormat {
        @Override
        public Number parse(String source, ParsePosition pos) {
            String s = source.substring(pos.getIndex()).trim();
            Number n = s.isEmpty() ? null : read(s);
            if (n == null) {
                pos.setErrorIndex(pos.getIndex());
                return null;
            }
            pos.setIndex(source.length());
            return n;
        }

        abstract Number read(String s);

        @Override
        public StringBuffer format(double number, StringBuffer to, FieldPosition pos) {
            return to.append(number);
        }

        @Override
        public StringBuffer format(long number, StringBuffer to, FieldPosition pos) {
            return to.append(number);
        }
    }

    /** Whole numbers; values past {@code Long.MAX_VALUE} are read as unsigned (Suricata's flow ids). */
    static final class Integers extends Whole {
        @Override
        Number read(String s) {
            try {
                return DocumentBuilder.parseLong(s);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** Decimals. */
    static final class Decimals extends Whole {
        @Override
        Number read(String s) {
            try {
                double d = Double.parseDouble(s);
                return Double.isNaN(d) ? null : d;
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /**
     * Times, as microseconds: ISO 8601 or EVE text ({@code 2024-03-11T06:00:00Z},
     * {@code 2024-03-11T06:00:00.000000+0000}, {@code 2024-03-11}), or {@code now} with an optional
     * {@code -N} or {@code +N} and a unit {@code s}, {@code m}, {@code h}, {@code d}
     * ({@code now-24h}). A relative time outside years 0000 to 9999 (or past 64 bits) is an error,
     * "time out of range", not a wrapped-around time.
     */
    static final class Times extends Whole {
        private final java.time.Clock clock;

        Times(java.time.Clock clock) {
            this.clock = clock;
        }

        @Override
        Number read(String s) {
            if (s.startsWith("now")) {
                return relative(s);
            }
            long t = EveTimes.parseMicros(s);
            return t == EveTimes.INVALID ? null : t;
        }

        private Long relative(String s) {
            Instant now = clock.instant();
            long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
            if (s.length() == 3) {
                return micros;
            }
            char sign = s.charAt(3);
            if ((sign != '-' && sign != '+') || s.length() < 6) {
                return null;
            }
            long unit = switch (s.charAt(s.length() - 1)) {
                case 's' -> 1_000_000L;
                case 'm' -> 60_000_000L;
                case 'h' -> 3_600_000_000L;
                case 'd' -> 86_400_000_000L;
                default -> 0;
            };
            if (unit == 0) {
                return null;
            }
            long n;
            try {
                n = Long.parseLong(s.substring(4, s.length() - 1));
            } catch (NumberFormatException e) {
                return null;
            }
            try {
                long delta = Math.multiplyExact(n, unit);
                long t = sign == '-' ? Math.subtractExact(micros, delta) : Math.addExact(micros, delta);
                if (t >= EveTimes.MIN_MICROS && t <= EveTimes.MAX_MICROS) {
                    return t;
                }
            } catch (ArithmeticException e) {
                // past the longest time there is, as past year 9999
            }
            throw new IllegalArgumentException("time out of range (years 0000 to 9999): " + s);
        }

        @Override
        public StringBuffer format(long number, StringBuffer to, FieldPosition pos) {
            return to.append(EveTimes.format(number));
        }
    }
}
