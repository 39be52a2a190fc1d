package io.spanwatch.analyzer.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Renders a report's {@link Figures} as one XHTML document: read in a browser as it is, and turned
 * into the PDF by {@link ReportPdf}. No script, no external resource, no link built from traffic: a
 * Content-Security-Policy meta tag allows nothing but the document's own style sheet (by its hash),
 * and every value from traffic goes through {@link Xml#text}. Charts are inline SVG ({@link Charts}).
 *
 * <p>Stateless; thread-safe.
 */
final class ReportHtml {
    static final String CSS = css();
    /** Rows of the long tables; the JSON has them all. */
    static final int MAX_ROWS = 200;
    private static final int HALF = 340;
    private static final int FULL = 700;

    private ReportHtml() {
    }

    private static String css() {
        try (InputStream in = ReportHtml.class.getResourceAsStream("report.css")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("report.css missing from the build", e);
        }
    }

    /** Returns the Content-Security-Policy of every report: nothing but the style sheet, by its hash. */
    static String csp() {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(CSS.getBytes(StandardCharsets.UTF_8));
            return "default-src 'none'; style-src 'sha256-" + Base64.getEncoder().encodeToString(h)
                    + "'; img-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String render(Figures f) {
        StringBuilder sb = new StringBuilder(64 * 1024);
        String title = title(f);
        sb.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(Xml.text(csp())).append("\"/>")
                .append("<meta name=\"referrer\" content=\"no-referrer\"/>")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
                .append("<title>").append(Xml.text(title)).append("</title><style>").append(CSS).append("</style></head><body>")
                .append("<div class=\"sheet\">");
        header(sb, f, title);
        Sections.charts(sb, f);
        Sections.incidents(sb, f);
        Sections.tables(sb, f);
        Sections.coverage(sb, f);
        sb.append("<div class=\"foot\">Made by SpanWatch on ").append(Xml.text(f.generated().toString().replace('T', ' ')
                .replaceAll("\\.\\d+Z$", "Z"))).append(" from ").append(Xml.text(f.source())).append(". Every figure is in ")
                .append(Xml.text(f.period().fileName())).append(".json beside this report.</div>");
        sb.append("</div></body></html>\n");
        return sb.toString();
    }

    static String title(Figures f) {
        ReportPeriod p = f.period();
        return switch (p.kind()) {
            case WEEK -> "Weekly threat report, " + p.label();
            case MONTH -> "Monthly threat report, " + p.label();
            case RANGE -> "Threat report, " + p.label();
            case ASSESSMENT -> "Threat assessment, " + p.label();
        };
    }

    /** Returns the span in words: {@code Monday 11 March 2024 to Sunday 17 March 2024}. */
    static String span(ReportPeriod p) {
        LocalDate last = p.to().toLocalDate().minusDays(1);
        return Fmt.longDay(p.from().toLocalDate()) + (last.equals(p.from().toLocalDate()) ? "" : " to " + Fmt.longDay(last));
    }

    private static void header(StringBuilder sb, Figures f, String title) {
        ReportPeriod p = f.period();
        sb.append("<div class=\"brand\">SpanWatch</div><h1>").append(Xml.text(title)).append("</h1>");
        sb.append("<div class=\"sub\">").append(Xml.text(span(p))).append(" (").append(Xml.text(zoneName(p.zone())))
                .append(")");
        if (!f.sensors().isEmpty()) {
            sb.append(" &#183; sensor ").append(Xml.text(Fmt.list(f.sensors(), 3)));
        }
        sb.append(" &#183; ").append(f.live() ? "live capture" : f.totals().events() == 0 ? "no events" : "capture files")
                .append("</div>");
        banner(sb, f);
        kpis(sb, f);
        sb.append("<h2>Summary</h2><ul class=\"summary\">");
        for (String s : Prose.summary(f)) {
            sb.append("<li>").append(Xml.text(s)).append("</li>");
        }
        sb.append("</ul>");
        List<String> todo = Prose.actions(f, 8);
        if (!todo.isEmpty()) {
            sb.append("<h2>What to do now</h2><ul class=\"todo\">");
            for (String s : todo) {
                sb.append("<li>").append(Xml.text(s)).append("</li>");
            }
            sb.append("</ul>");
        }
    }

    private static String zoneName(ZoneId z) {
        return "UTC".equals(z.getId()) || "Z".equals(z.getId()) ? "UTC" : "time zone " + z.getId();
    }

    private static void banner(StringBuilder sb, Figures f) {
        int infected = f.hosts().infected().size();
        long incidents = f.totals().incidents();
        int beaconing = f.hosts().beaconing().size();
        String cls;
        String text;
        if (incidents > 0 || infected > 0) {
            cls = "bad";
            List<String> parts = new ArrayList<>();
            if (incidents > 0) {
                parts.add(Fmt.num(incidents, "incident needs", "incidents need") + " action now");
            }
            if (infected > 0) {
                parts.add(Fmt.num(infected, "internal host", "internal hosts") + (Prose.senders(f).isEmpty() ? " received malware"
                        : " had malware (received or sent it)"));
            }
            if (beaconing > 0) {
                parts.add(Fmt.num(beaconing, "host", "hosts") + " beaconing");
            }
            text = String.join("; ", parts) + ".";
        } else if (beaconing > 0 || f.reputationHits() > 0) {
            cls = "warn";
            text = beaconing > 0 ? Fmt.num(beaconing, "internal host calls", "internal hosts call")
                    + " out like a bot; no malware download was seen." : "Traffic matched threat-intelligence feeds; no malware download was seen.";
        } else if (f.totals().events() == 0) {
            cls = "warn";
            text = "No events in this period: SpanWatch saw nothing to judge.";
        } else {
            cls = "";
            text = "No infected host, no beacon, no incident in this period.";
        }
        sb.append("<div class=\"banner ").append(cls).append("\">").append(Xml.text(text)).append("</div>");
    }

    private static void kpis(StringBuilder sb, Figures f) {
        Figures p = f.previous();
        sb.append("<div class=\"kpis\">");
        kpi(sb, f, f.hosts().infected().size(), p == null ? null : (long) p.hosts().infected().size(),
                Prose.senders(f).isEmpty() ? "internal hosts received malware" : "internal hosts had malware (received or sent it)");
        kpi(sb, f, f.malwareDownloads(), p == null ? null : p.malwareDownloads(), "malware downloads");
        kpi(sb, f, f.hosts().beaconing().size(), p == null ? null : (long) p.hosts().beaconing().size(), "hosts beaconing (calling back)");
        kpi(sb, f, f.reputationHits(), p == null ? null : p.reputationHits(), "reputation hits");
        kpi(sb, f, f.totals().incidents(), p == null ? null : p.totals().incidents(), "incidents");
        sb.append("</div>");
    }

    private static void kpi(StringBuilder sb, Figures f, long v, Long before, String label) {
        sb.append("<div class=\"kpi").append(v > 0 ? " hot" : "").append("\"><div class=\"v\">").append(Fmt.n(v))
                .append("</div><div class=\"l\">").append(Xml.text(label)).append("</div>");
        if (before != null) {
            long d = v - before;
            String word = Prose.before(f.period());
            sb.append("<div class=\"d\">");
            if (d > 0) {
                sb.append("<span class=\"up\">+").append(Fmt.n(d)).append("</span> from ").append(Fmt.n(before));
            } else if (d < 0) {
                sb.append("<span class=\"down\">&#8722;").append(Fmt.n(-d)).append("</span> from ").append(Fmt.n(before));
            } else {
                sb.append("same as ").append(Xml.text(word));
            }
            sb.append("</div>");
        }
        sb.append("</div>");
    }

    /** Returns the figures' days as chart labels ({@code Mon 11}); a long period's labels carry the month. */
    static List<String> dayLabels(Figures f) {
        List<String> out = new ArrayList<>();
        boolean longPeriod = f.period().days().size() > 7;
        for (LocalDate d : f.period().days()) {
            out.add(longPeriod ? d.getDayOfMonth() + "/" + d.getMonthValue() : Fmt.day(d).substring(0, 3) + " " + d.getDayOfMonth());
        }
        return out;
    }

    static int half() {
        return HALF;
    }

    static int full() {
        return FULL;
    }

    /** Appends one chart with its title and a note under the title (or none). */
    static void chart(StringBuilder sb, String title, String note, String svg) {
        sb.append("<div class=\"keep\"><div class=\"chart-title\">").append(Xml.text(title)).append("</div>");
        if (note != null) {
            sb.append("<div class=\"chart-note\">").append(Xml.text(note)).append("</div>");
        }
        sb.append(svg).append("</div>");
    }
}
