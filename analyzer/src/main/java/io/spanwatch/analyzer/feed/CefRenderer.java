package io.spanwatch.analyzer.feed;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.IncidentEvent;
import io.spanwatch.sensor.event.JsonEscapes;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Renders an alert or incident as an RFC 5424 syslog message carrying a CEF line, from the typed
 * record. The README's "Feeds" section has the mapping table.
 *
 * <p>CEF escaping (ArcSight's CEF standard): in the seven header fields {@code \} becomes {@code \\}
 * and {@code |} becomes {@code \|}; a header field cannot hold a line break, so CR, LF and every
 * other control character ({@link FeedFields#isControl}: C0, DEL, C1 with NEL, U+2028 and U+2029)
 * become a space. In extension values {@code \} becomes {@code \\}, {@code =} becomes {@code \=},
 * LF becomes {@code \n} and CR {@code \r}; a pipe is left as it is; other control characters become
 * a space. Values are cut to CEF's lengths (1023 characters for {@code request},
 * {@code requestClientApplication}, {@code fname}, {@code msg} and the rest of the strings, 4000 for
 * {@code cs1}) before escaping, never inside a character.
 *
 * <p>Syslog: {@code <PRI>1 TIMESTAMP HOSTNAME spanwatch - MSGID - CEF:0|...}; PRI is the feed's
 * facility times 8 plus the severity (SpanWatch's 1, 2, 3 as critical, warning, notice); TIMESTAMP
 * is the event's packet time in RFC 3339 with microseconds and {@code Z}; HOSTNAME the sensor name
 * (printable ASCII, at most 255); MSGID {@code alert} or {@code incident}; no structured data and
 * no BOM (most CEF parsers take the message as it comes).
 *
 * <p>Immutable and thread-safe.
 */
final class CefRenderer {
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final int MAX = 1023;

    private final String sensorName;
    private final int facility;

    CefRenderer(String sensorName, int facility) {
        this.sensorName = sensorName;
        this.facility = facility;
    }

    /** Returns the syslog facility number for a name ({@code local0}..{@code local7}, {@code user}, ...), or -1. */
    static int facility(String name) {
        String[] names = {"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp"};
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        if (name.matches("local[0-7]")) {
            return 16 + (name.charAt(5) - '0');
        }
        return -1;
    }

    /** Returns the whole syslog message (without transport framing), or null for an event the feed does not carry. */
    byte[] syslog(EveEvent e, String eventId) {
        byte[] whole = syslog(e, eventId, MAX);
        // Traffic sets most values' length: cut them shorter until the whole message fits what every
        // receiver takes (rsyslog's default 8 KiB cut a longer one, and over TCP read its rest as a new
        // message that traffic could make look like a forged one; adversarial review).
        for (int max = 256; whole != null && whole.length > MAX_MESSAGE_BYTES && max >= 32; max /= 4) {
            whole = syslog(e, eventId, max);
        }
        return whole;
    }

    /** Most bytes of a syslog message: under rsyslog's default 8,096 and RFC 5425's 8,192 that receivers must take. */
    static final int MAX_MESSAGE_BYTES = 8000;

    private byte[] syslog(EveEvent e, String eventId, int max) {
        String cef;
        int severity;
        String msgId;
        switch (e) {
            case AlertEvent a -> {
                cef = alert(a, eventId, max);
                severity = a.alert().severity();
                msgId = "alert";
            }
            case IncidentEvent i -> {
                cef = incident(i, eventId, max);
                severity = i.severity();
                msgId = "incident";
            }
            default -> {
                return null;
            }
        }
        StringBuilder sb = new StringBuilder(cef.length() + 100);
        sb.append('<').append(facility * 8 + FeedFields.syslogSeverity(severity)).append(">1 ");
        sb.append(RFC3339.format(Instant.ofEpochSecond(0, e.tsNanos()))).append(' ');
        sb.append(hostname(sensorName)).append(" spanwatch - ").append(msgId).append(" - ");
        sb.append(cef);
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Makes a syslog HOSTNAME: printable US-ASCII without spaces, at most 255, {@code -} when empty. */
    static String hostname(String name) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length() && sb.length() < 255; i++) {
            char c = name.charAt(i);
            sb.append(c > 32 && c < 127 ? c : '_');
        }
        return sb.isEmpty() ? "-" : sb.toString();
    }

    /** Returns the CEF line of an alert. */
    String alert(AlertEvent a, String eventId) {
        return alert(a, eventId, MAX);
    }

    /** Returns the CEF line of an alert, values cut to {@code max} characters. */
    String alert(AlertEvent a, String eventId, int max) {
        AlertEvent.Signature s = a.alert();
        Line cef = header(Long.toString(s.signatureId()), s.signature(), FeedFields.cefSeverity(s.severity()), max);
        cef.ext("rt", Long.toString(a.tsNanos() / 1_000_000));
        cef.ext("externalId", eventId);
        cef.ext("cat", s.category());
        cef.ext("act", s.action());
        FeedFields.Ends ends = FeedFields.ends(a);
        cef.ext("src", ends.srcIp());
        if (ends.srcPort() > 0) {
            cef.ext("spt", Integer.toString(ends.srcPort()));
        }
        cef.ext("dst", ends.destIp());
        if (ends.destPort() > 0) {
            cef.ext("dpt", Integer.toString(ends.destPort()));
        }
        if (a.header() != null) {
            cef.ext("proto", a.header().proto() == null ? null : a.header().proto().toUpperCase(Locale.ROOT));
            cef.ext("app", a.header().appProto());
        }
        HttpInfo h = a.http();
        if (h != null) {
            cef.ext("request", FeedFields.fullUrl(h, a.header()));
            cef.ext("requestMethod", io.spanwatch.sensor.event.EveText.display(h.method()));
            cef.ext("requestClientApplication", h.userAgentText());
            cef.ext("dhost", h.hostnameText());
        }
        if (a.file() != null && a.file().info() != null) {
            FileInfo f = a.file().info();
            cef.ext("fname", f.filename());
            cef.ext("fsize", Long.toString(f.size()));
            cef.ext("fileHash", f.sha256() != null ? f.sha256() : f.storedSha256());
            cef.ext("fileType", f.mimetype());
        }
        if (a.beacon() != null) {
            AlertEvent.Beacon b = a.beacon();
            cef.ext("dhost", h == null ? b.host() : null);
            cef.ext("cnt", Long.toString(b.connections()));
            cef.ext("cfp1Label", "beaconScore");
            cef.ext("cfp1", String.format(Locale.ROOT, "%.4f", b.score()));
            cef.ext("start", Long.toString(b.firstSeenNanos() / 1_000_000));
            cef.ext("end", Long.toString(b.lastSeenNanos() / 1_000_000));
        }
        FeedFields.Indicator ind = FeedFields.indicator(a);
        if (ind != null) {
            cef.ext("cs1Label", "indicator");
            cef.ext("cs1", ind.value(), 4000);
            cef.ext("cs2Label", "indicatorType");
            cef.ext("cs2", ind.type());
            if (ind.feed() != null) {
                cef.ext("cs3Label", "feed");
                cef.ext("cs3", ind.feed());
            }
        }
        if (a.header() != null && a.header().communityId() != null) {
            cef.ext("cs4Label", "communityId");
            cef.ext("cs4", a.header().communityId());
        }
        if (a.header() != null && a.header().hasFlow()) {
            cef.ext("cn1Label", "flowId");
            cef.ext("cn1", Long.toString(a.header().flowId()));
        }
        cef.ext("dvchost", sensorName);
        return cef.toString();
    }

    /** Returns the CEF line of an incident. */
    String incident(IncidentEvent i, String eventId) {
        return incident(i, eventId, MAX);
    }

    private String incident(IncidentEvent i, String eventId, int max) {
        Line cef = header("incident-" + i.kind(), i.summary(), FeedFields.cefSeverity(i.severity()), max);
        cef.ext("rt", Long.toString(i.tsNanos() / 1_000_000));
        cef.ext("externalId", eventId);
        cef.ext("cat", "incident");
        cef.ext("src", i.host());
        cef.ext("start", Long.toString(i.firstSeenNanos() / 1_000_000));
        cef.ext("end", Long.toString(i.lastSeenNanos() / 1_000_000));
        cef.ext("cnt", Integer.toString(i.alerts().size()));
        cef.ext("msg", i.summary());
        cef.ext("cs5Label", "incidentKind");
        cef.ext("cs5", i.kind());
        StringBuilder parts = new StringBuilder();
        for (IncidentEvent.Part p : i.alerts()) {
            if (!parts.isEmpty()) {
                parts.append("; ");
            }
            parts.append(p.signature());
            if (p.url() != null) {
                parts.append(" url ").append(p.url());
            }
            if (p.sha256() != null) {
                parts.append(" sha256 ").append(p.sha256());
            }
            if (p.callbackHost() != null) {
                parts.append(" callback ").append(p.callbackHost());
            }
        }
        cef.ext("cs6Label", "alerts");
        cef.ext("cs6", parts.toString(), 4000);
        cef.ext("dvchost", sensorName);
        return cef.toString();
    }

    private static Line header(String signatureId, String name, int severity, int max) {
        Line line = new Line(max);
        StringBuilder sb = line.sb;
        sb.append("CEF:0|").append(FeedFields.VENDOR).append('|').append(FeedFields.PRODUCT).append('|')
                .append(FeedFields.VERSION).append('|');
        headerValue(sb, signatureId);
        sb.append('|');
        headerValue(sb, name == null ? "" : cut(name, Math.min(512, max)));
        sb.append('|').append(severity).append('|');
        return line;
    }

    /**
     * Appends a header field value: {@code \} and {@code |} escaped, control characters as spaces,
     * text-direction characters shown ({@link #bidi}).
     */
    static void headerValue(StringBuilder sb, String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' || c == '|') {
                sb.append('\\').append(c);
            } else if (JsonEscapes.isBidiControl(c)) {
                bidi(sb, c);
            } else if (FeedFields.isControl(c)) {
                sb.append(' ');
            } else {
                sb.append(c);
            }
        }
    }

    /**
     * Builds one CEF line: the header, then the extensions, one space between two. Whether an
     * extension is the first is kept in a flag, not read from the text: a value may end in {@code |},
     * which the header's end does too.
     */
    private static final class Line {
        private final StringBuilder sb = new StringBuilder(512);
        private final int max;
        private boolean hasExtension;

        /** @param max the most characters of any value (1023, CEF's; less when the message would be too long) */
        Line(int max) {
            this.max = max;
        }

        /** Appends {@code key=value} (the value cut to the line's most); nothing for a null or empty value. */
        void ext(String key, String value) {
            ext(key, value, max);
        }

        /** Appends {@code key=value}, the value cut to {@code max} characters; nothing for a null or empty value. */
        void ext(String key, String value, int max) {
            if (value == null || value.isEmpty()) {
                return;
            }
            if (hasExtension) {
                sb.append(' ');
            }
            hasExtension = true;
            sb.append(key).append('=');
            extensionValue(sb, cut(value, this.max == MAX ? max : Math.min(max, this.max))); // a tight line cuts every value
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }

    /** Appends an extension value: {@code \}, {@code =} and line breaks escaped, other controls as spaces. */
    static void extensionValue(StringBuilder sb, String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '=' -> sb.append("\\=");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (JsonEscapes.isBidiControl(c)) {
                        bidi(sb, c);
                    } else {
                        sb.append(FeedFields.isControl(c) ? ' ' : c);
                    }
                }
            }
        }
    }

    /**
     * Appends a text-direction character (an override, embedding, isolate or mark) as the six
     * characters <code>&#92;u202E</code>, its backslash escaped as CEF wants: a reader gets the text
     * <code>&#92;u202E</code>, as the console, mails and reports show it. Written as it is, it would reverse
     * what a SIEM's raw view shows of the rest of the line (<code>invoice&#92;u202Efdp.exe</code> looks like a
     * PDF), and dropped, the analyst would not know it was there.
     */
    private static void bidi(StringBuilder sb, char c) {
        sb.append("\\\\u").append(String.format("%04X", (int) c));
    }

    /** Cuts a string to at most {@code max} characters without splitting a surrogate pair. */
    static String cut(String s, int max) {
        return io.spanwatch.sensor.event.EveText.cut(s, max);
    }
}
