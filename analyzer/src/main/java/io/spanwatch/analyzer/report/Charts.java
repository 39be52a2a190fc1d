package io.spanwatch.analyzer.report;

import java.util.List;
import java.util.Locale;

/**
 * Draws a report's charts as inline SVG: no script, no external reference, no style element (only
 * presentation attributes), every label escaped by {@link Xml}. The same SVG goes into the HTML
 * (scaled to the page by its {@code viewBox}) and the PDF (drawn as vectors).
 */
final class Charts {
    static final String FONT = "Noto Sans, Segoe UI, Helvetica, Arial, sans-serif";
    static final String INK = "#1f2933";
    static final String MUTED = "#61707f";
    static final String GRID = "#e4e7eb";
    static final String TEAL = "#0f6e80";

    private Charts() {
    }

    /** One series of a chart: its name, colour and a value per column or row. */
    record Series(String name, String color, long[] values) {
    }

    /** One bar of a bar chart: its label, a value per series, and the text after the bar. */
    record Bar(String label, long[] values, String note) {
    }

    /** Returns the colour of an alert category. */
    static String color(String category) {
        return switch (category) {
            case "malware" -> "#c0392b";
            case "beacon" -> "#e67e22";
            case "reputation" -> "#8e44ad";
            case "correlation" -> "#2c7fb8";
            default -> "#7b8794";
        };
    }

    /** Draws stacked columns, one per label (a day), with a legend of the series. */
    static String columns(List<String> labels, List<Series> series, int width, int height, String empty) {
        Svg s = new Svg(width, height);
        int left = 38;
        int right = 8;
        int top = 26;
        int bottom = 34;
        int n = Math.max(1, labels.size());
        long max = 0;
        for (int i = 0; i < labels.size(); i++) {
            long sum = 0;
            for (Series se : series) {
                sum += se.values()[i];
            }
            max = Math.max(max, sum);
        }
        legend(s, series, left, 12);
        double plotH = height - top - bottom;
        long step = niceStep(max);
        long axisMax = max == 0 ? 1 : (max + step - 1) / step * step;
        for (long v = 0; v <= axisMax; v += step) {
            double y = top + plotH - plotH * v / axisMax;
            s.line(left, y, width - right, y, GRID, 1);
            s.text(left - 5, y + 3.5, Fmt.shortNum(v), 9, MUTED, "end", false);
        }
        double slot = (double) (width - left - right) / n;
        double bar = Math.max(2, Math.min(38, slot * 0.62));
        int every = Math.max(1, (int) Math.ceil(n / ((width - left - right) / 34.0)));
        for (int i = 0; i < labels.size(); i++) {
            double x = left + slot * i + (slot - bar) / 2;
            double y = top + plotH;
            for (Series se : series) {
                long v = se.values()[i];
                if (v > 0) {
                    double h = Math.max(1, plotH * v / axisMax);
                    y -= h;
                    s.rect(x, y, bar, h, se.color());
                }
            }
            if (i % every == 0) {
                s.text(left + slot * i + slot / 2, height - bottom + 14, labels.get(i), 9, MUTED, "middle", false);
            }
        }
        if (max == 0) {
            s.text(left + (width - left - right) / 2.0, top + plotH / 2, empty, 11, MUTED, "middle", false);
        }
        return s.end();
    }

    /** Draws horizontal bars, stacked by series, longest first as given, with a label before and a note after each. */
    static String bars(List<Bar> bars, List<Series> series, int width, String empty) {
        int rowH = 22;
        int top = series.size() > 1 ? 24 : 6;
        int height = top + Math.max(1, bars.size()) * rowH + 6;
        Svg s = new Svg(width, height);
        if (series.size() > 1) {
            legend(s, series, 4, 12);
        }
        int longestLabel = 0;
        for (Bar b : bars) {
            longestLabel = Math.max(longestLabel, b.label() == null ? 0 : b.label().length());
        }
        int labelW = (int) Math.max(width * 0.25, Math.min(width * 0.45, longestLabel * 5.7 + 12));
        int longest = 0;
        for (Bar b : bars) {
            longest = Math.max(longest, b.note() == null ? 0 : Math.min(60, b.note().length()));
        }
        int noteW = (int) Math.min(width * 0.4, longest * 5.0 + 10);
        double plotW = width - labelW - noteW - 8;
        long max = 1;
        for (Bar b : bars) {
            long sum = 0;
            for (long v : b.values()) {
                sum += v;
            }
            max = Math.max(max, sum);
        }
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            double y = top + i * rowH;
            s.text(labelW - 6, y + 14.5, Xml.cut(b.label(), (int) ((labelW - 8) / 5.7)), 10, INK, "end", false);
            double x = labelW;
            for (int k = 0; k < b.values().length; k++) {
                long v = b.values()[k];
                if (v > 0) {
                    double w = Math.max(1.5, plotW * v / max);
                    s.rect(x, y + 4, w, rowH - 8, series.get(k).color());
                    x += w;
                }
            }
            s.text(x + 5, y + 14.5, b.note(), 9.5, MUTED, "start", false);
        }
        if (bars.isEmpty()) {
            s.text(width / 2.0, top + 15, empty, 11, MUTED, "middle", false);
        }
        return s.end();
    }

    /**
     * Draws aligned rows of columns over the same labels (days), each row with its own scale: packets,
     * then drops, then flows with gaps, so a small number of drops is not lost beside millions of packets.
     */
    static String rows(List<String> labels, List<Series> rows, int width) {
        int rowH = 58;
        int left = 92;
        int right = 8;
        int height = rows.size() * rowH + 22;
        Svg s = new Svg(width, height);
        int n = Math.max(1, labels.size());
        double slot = (double) (width - left - right) / n;
        double bar = Math.max(2, Math.min(38, slot * 0.62));
        for (int r = 0; r < rows.size(); r++) {
            Series se = rows.get(r);
            long max = 0;
            long total = 0;
            for (long v : se.values()) {
                max = Math.max(max, v);
                total += v;
            }
            double base = r * rowH + rowH - 8;
            double plotH = rowH - 22;
            s.text(4, base - plotH + 8, se.name(), 10, INK, "start", true);
            s.text(4, base - plotH + 22, total == 0 ? "none" : Fmt.shortNum(total) + " in all", 9, total == 0 ? MUTED : se.color(),
                    "start", false);
            s.line(left, base, width - right, base, GRID, 1);
            for (int i = 0; i < labels.size(); i++) {
                long v = se.values()[i];
                double x = left + slot * i + (slot - bar) / 2;
                if (v > 0) {
                    double h = Math.max(1.5, plotH * v / max);
                    s.rect(x, base - h, bar, h, se.color());
                    s.text(x + bar / 2, base - h - 3, Fmt.shortNum(v), 8, MUTED, "middle", false);
                }
            }
        }
        int every = Math.max(1, (int) Math.ceil(n / ((width - left - right) / 34.0)));
        for (int i = 0; i < labels.size(); i += every) {
            s.text(left + slot * i + slot / 2, height - 6, labels.get(i), 9, MUTED, "middle", false);
        }
        return s.end();
    }

    /**
     * Draws one cell per hour, a row per day: traffic seen (teal), none (grey), none while a live
     * sensor was running (red: a dead mirror port), not yet (blank).
     *
     * @param state per hour: 0 not yet, 1 traffic, 2 no traffic, 3 no traffic while the sensor ran
     */
    static String hours(List<String> days, byte[][] state, int width) {
        int left = 64;
        int top = 16;
        int cellH = 13;
        int height = top + days.size() * (cellH + 3) + 22;
        Svg s = new Svg(width, height);
        double cellW = (width - left - 4) / 24.0;
        for (int h = 0; h < 24; h += 3) {
            s.text(left + cellW * h + cellW / 2, 11, String.format(Locale.ROOT, "%02d", h), 8.5, MUTED, "middle", false);
        }
        String[] fill = {"#ffffff", TEAL, "#d9dee3", "#c0392b"};
        for (int d = 0; d < days.size(); d++) {
            double y = top + d * (cellH + 3);
            s.text(left - 6, y + 10, days.get(d), 9, INK, "end", false);
            for (int h = 0; h < 24; h++) {
                int st = state[d][h];
                s.rect(left + cellW * h + 0.75, y, cellW - 1.5, cellH, fill[st]);
            }
        }
        double ly = height - 8;
        double lx = left;
        String[] names = {"traffic seen", "no traffic", "no traffic while the sensor ran"};
        for (int i = 0; i < names.length; i++) {
            s.rect(lx, ly - 8, 9, 9, fill[i + 1]);
            s.text(lx + 13, ly, names[i], 9, MUTED, "start", false);
            lx += 13 + names[i].length() * 5.2 + 16;
        }
        return s.end();
    }

    private static void legend(Svg s, List<Series> series, double x, double y) {
        for (Series se : series) {
            s.rect(x, y - 8, 9, 9, se.color());
            s.text(x + 13, y, se.name(), 9, MUTED, "start", false);
            x += 13 + se.name().length() * 5.2 + 14;
        }
    }

    /** Returns a step for about four grid lines: 1, 2 or 5 times a power of ten. */
    static long niceStep(long max) {
        if (max <= 4) {
            return 1;
        }
        double raw = max / 4.0;
        long pow = (long) Math.pow(10, Math.floor(Math.log10(raw)));
        for (long m : new long[] {1, 2, 5, 10}) {
            if (m * pow >= raw) {
                return m * pow;
            }
        }
        return 10 * pow;
    }

    /** Writes SVG elements; every text is escaped. */
    private static final class Svg {
        private final StringBuilder sb = new StringBuilder(4096);

        Svg(int width, int height) {
            sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"").append(width).append("\" height=\"")
                    .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                    .append("\" role=\"img\" font-family=\"").append(FONT).append("\">");
        }

        void rect(double x, double y, double w, double h, String fill) {
            sb.append("<rect x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" width=\"").append(f(w))
                    .append("\" height=\"").append(f(h)).append("\" fill=\"").append(fill).append("\"/>");
        }

        void line(double x1, double y1, double x2, double y2, String stroke, double w) {
            sb.append("<line x1=\"").append(f(x1)).append("\" y1=\"").append(f(y1)).append("\" x2=\"").append(f(x2))
                    .append("\" y2=\"").append(f(y2)).append("\" stroke=\"").append(stroke).append("\" stroke-width=\"")
                    .append(f(w)).append("\"/>");
        }

        void text(double x, double y, String text, double size, String fill, String anchor, boolean cut) {
            sb.append("<text x=\"").append(f(x)).append("\" y=\"").append(f(y)).append("\" font-size=\"").append(f(size))
                    .append("\" fill=\"").append(fill).append("\" text-anchor=\"").append(anchor).append("\">")
                    .append(Xml.text(text, cut ? 30 : 60)).append("</text>");
        }

        String end() {
            return sb.append("</svg>").toString();
        }

        private static String f(double v) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
    }
}
