package io.spanwatch.analyzer.report;

import io.spanwatch.sensor.event.IncidentEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * Bounds text from traffic on its way into a report's figures, and makes it safe for plain text.
 * A host name, URL, file name, signature, feed, threat or sensor name is kept to {@link #MAX_CHARS}
 * characters, an incident's summary to {@link #MAX_SUMMARY_CHARS} and its joined alerts to
 * {@link #MAX_INCIDENT_PARTS}; the rest is cut with an ellipsis. The events a report reads may be
 * anyone's ({@code spanwatch index} imports foreign EVE files), and each value shows in the JSON, the
 * HTML, the PDF and the mail, often several in one sentence, so each is bounded once, where it enters.
 *
 * <p>Stateless; thread-safe.
 */
final class Texts {
    /** Longest host, URL, file name, signature, feed or sensor name kept. */
    static final int MAX_CHARS = 512;
    /** Longest incident summary kept. */
    static final int MAX_SUMMARY_CHARS = 1024;
    /** Alerts of one incident kept (its timeline). */
    static final int MAX_INCIDENT_PARTS = 100;

    private Texts() {
    }

    /** Returns {@code s} cut to {@link #MAX_CHARS} characters with an ellipsis (null stays null). */
    static String bound(String s) {
        return Xml.cut(s, MAX_CHARS);
    }

    /** Returns the incident with every text bounded and at most {@link #MAX_INCIDENT_PARTS} alerts. */
    static IncidentEvent bound(IncidentEvent i) {
        List<IncidentEvent.Part> parts = new ArrayList<>();
        if (i.alerts() != null) {
            for (IncidentEvent.Part p : i.alerts().subList(0, Math.min(MAX_INCIDENT_PARTS, i.alerts().size()))) {
                parts.add(new IncidentEvent.Part(bound(p.signature()), bound(p.category()), p.tsNanos(), p.flowId(), bound(p.sha256()),
                        bound(p.url()), bound(p.callbackHost())));
            }
        }
        return new IncidentEvent(i.tsNanos(), bound(i.host()), bound(i.kind()), i.firstSeenNanos(), i.lastSeenNanos(), i.severity(),
                Xml.cut(i.summary(), MAX_SUMMARY_CHARS), List.copyOf(parts));
    }

    /**
     * Returns {@code s} for plain text (a mail body): characters that would act rather than show
     * (controls, including ESC and the C1 set of terminal escapes, line and paragraph separators,
     * lone surrogates, bidirectional overrides and isolates) as visible {@code \\uXXXX}, as
     * {@link Xml#text} shows them in the HTML.
     */
    static String plain(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                    && !io.spanwatch.analyzer.web.Html.hiddenPair(s, i); // a hidden pair's halves are shown escaped, one by one
            if (pair || Xml.visible(c)) {
                if (sb != null) {
                    sb.append(c);
                    if (pair) {
                        sb.append(s.charAt(i + 1));
                    }
                }
                if (pair) {
                    i++;
                }
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            sb.append(String.format("\\u%04X", (int) c));
        }
        return sb == null ? s : sb.toString();
    }
}
