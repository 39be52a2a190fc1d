package io.spanwatch.analyzer.feed;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveTime;
import io.spanwatch.sensor.event.IncidentEvent;
import java.nio.charset.StandardCharsets;

/**
 * Renders an incident (or an alert) as the subject and plain-text body of an e-mail for a person,
 * from the typed record. Stored in the outbox as {@code subject LF body}.
 *
 * <p>Everything from traffic is hostile: the subject keeps no control character (a CR or LF there
 * would start a new header; {@link FeedFields#isControl}: C0, DEL, C1 with NEL, U+2028 and U+2029)
 * and is cut to 200 characters; the body keeps line feeds and tabs and no other control character;
 * the mail goes out as {@code text/plain; charset=UTF-8}, so nothing in it is markup.
 */
final class MailRenderer {
    private final String sensorName;

    MailRenderer(String sensorName) {
        this.sensorName = sensorName;
    }

    /** Returns {@code subject LF body}, or null for an event mail does not carry. */
    byte[] render(EveEvent e, String eventId) {
        String subject;
        StringBuilder body = new StringBuilder(1024);
        switch (e) {
            case IncidentEvent i -> {
                subject = "[SpanWatch] Incident on " + i.host() + ": " + i.kind() + " (severity " + i.severity() + ")";
                body.append(flat(i.summary())).append("\n\n");
                line(body, "Host", i.host());
                line(body, "Kind", i.kind());
                line(body, "Severity", i.severity() + " (1 highest, 3 lowest)");
                line(body, "First seen", EveTime.format(i.firstSeenNanos()));
                line(body, "Last seen", EveTime.format(i.lastSeenNanos()));
                line(body, "Sensor", sensorName);
                line(body, "Event id", eventId);
                body.append("\nAlerts (").append(i.alerts().size()).append("):\n");
                for (IncidentEvent.Part p : i.alerts()) {
                    body.append("  - ").append(EveTime.format(p.tsNanos())).append("  ").append(flat(p.signature()));
                    if (p.category() != null) {
                        body.append(" [").append(flat(p.category())).append(']');
                    }
                    body.append('\n');
                    sub(body, "url", p.url());
                    sub(body, "sha256", p.sha256());
                    sub(body, "called", p.callbackHost());
                    if (p.flowId() != 0) {
                        sub(body, "flow_id", Long.toString(p.flowId()));
                    }
                }
            }
            case AlertEvent a -> {
                subject = "[SpanWatch] Alert: " + a.alert().signature() + " (severity " + a.alert().severity() + ")";
                FeedFields.Ends ends = FeedFields.ends(a);
                line(body, "Signature", a.alert().signature());
                line(body, "Category", a.alert().category());
                line(body, "Time", EveTime.format(a.tsNanos()));
                line(body, "Source", ends.srcIp() == null ? null : ends.srcIp() + (ends.srcPort() > 0 ? " port " + ends.srcPort() : ""));
                line(body, "Destination", ends.destIp() == null ? null
                        : ends.destIp() + (ends.destPort() > 0 ? " port " + ends.destPort() : ""));
                line(body, "URL", FeedFields.fullUrl(a.http(), a.header()));
                if (a.file() != null && a.file().info() != null) {
                    line(body, "File", a.file().info().filename());
                    line(body, "sha256", a.file().info().sha256());
                }
                FeedFields.Indicator ind = FeedFields.indicator(a);
                if (ind != null) {
                    line(body, "Indicator", ind.value() + " (" + ind.type() + (ind.feed() != null ? ", " + ind.feed() : "") + ")");
                }
                line(body, "Sensor", sensorName);
                line(body, "Event id", eventId);
            }
            default -> {
                return null;
            }
        }
        return (subject(subject) + "\n" + body(body.toString())).getBytes(StandardCharsets.UTF_8);
    }

    private static void line(StringBuilder sb, String name, String value) {
        if (value != null) {
            sb.append(String.format(java.util.Locale.ROOT, "%-12s", name + ":")).append(flat(value)).append('\n');
        }
    }

    private static void sub(StringBuilder sb, String name, String value) {
        if (value != null) {
            sb.append("      ").append(name).append(": ").append(flat(value)).append('\n');
        }
    }

    /** Makes a subject safe: control characters become spaces; at most 200 characters. */
    static String subject(String s) {
        return CefRenderer.cut(flat(s), 200);
    }

    /**
     * Makes one value of the body (from traffic, mostly) a single line: every control character,
     * LF too, becomes a space, so a URL or a signature cannot add a line such as a forged
     * {@code Sensor:} to the mail; text-direction characters are shown as {@code \\uXXXX}; at most
     * {@link #MAX_VALUE_CHARS} characters.
     */
    static String flat(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_VALUE_CHARS + 16));
        for (int i = 0; i < s.length(); i++) {
            if (i == MAX_VALUE_CHARS) {
                sb.append("... (").append(s.length()).append(" characters)");
                break;
            }
            char c = s.charAt(i);
            if (FeedFields.isControl(c)) {
                sb.append(' ');
            } else if (io.spanwatch.analyzer.web.Html.shownEscaped(c) || io.spanwatch.analyzer.web.Html.hiddenPair(s, i)
                    || i > 0 && Character.isLowSurrogate(c) && io.spanwatch.analyzer.web.Html.hiddenPair(s, i - 1)) {
                sb.append(String.format("\\u%04X", (int) c)); // a text-direction mark would reorder the text: shown, as the console shows it
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Most characters of one value in a mail's body: traffic sets a URL's length (60 KB ones were seen). */
    static final int MAX_VALUE_CHARS = 2000;

    /** Makes a body safe: CR and control characters other than LF and tab (NEL, U+2028 and U+2029 too) become spaces. */
    static String body(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(FeedFields.isControl(c) && c != '\n' && c != '\t' ? ' ' : c);
        }
        return sb.toString();
    }
}
