package io.spanwatch.analyzer.feed;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.IncidentEvent;
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
 * other control character become a space. In extension values {@code \} becomes {@code \\},
 * {@code =} becomes {@code \=}, LF becomes {@code \n} and CR {@code \r}; a pipe is left as it is;
 * other control characters become a space. Values are cut to CEF's lengths (1023 characters for
 * {@code request}, {@code requestClientApplication}, {@code fname}, {@code msg} and the rest of the
 * strings, 4000 for {@code cs1}) before escaping, never inside a character.
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
        String cef;
        int severity;
        String msgId;
        switch (e) {
            case AlertEvent a -> {
                cef = alert(a, eventId);
                severity = a.alert().severity();
                msgId = "alert";
            }
            case IncidentEvent i -> {
                cef = incident(i, eventId);
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
        AlertEvent.Signature s = a.alert();
        StringBuilder sb = header(Long.toString(s.signatureId()), s.signature(), FeedFields.cefSeverity(s.severity()));
        ext(sb, "rt", Long.toString(a.tsNanos() / 1_000_000));
        ext(sb, "externalId", eventId);
        ext(sb, "cat", s.category());
        ext(sb, "act", s.action());
        FeedFields.Ends ends = FeedFields.ends(a);
        ext(sb, "src", ends.srcIp());
        if (ends.srcPort() > 0) {
            ext(sb, "spt", Integer.toString(ends.srcPort()));
        }
        ext(sb, "dst", ends.destIp());
        if (ends.destPort() > 0) {
            ext(sb, "dpt", Integer.toString(ends.destPort()));
        }
        if (a.header() != null) {
            ext(sb, "proto", a.header().proto() == null ? null : a.header().proto().toUpperCase(Locale.ROOT));
            ext(sb, "app", a.header().appProto());
        }
        HttpInfo h = a.http();
        if (h != null) {
            ext(sb, "request", FeedFields.fullUrl(h, a.header()));
            ext(sb, "requestMethod", h.method());
            ext(sb, "requestClientApplication", h.userAgent());
            ext(sb, "dhost", h.hostname());
        }
        if (a.file() != null && a.file().info() != null) {
            FileInfo f = a.file().info();
            ext(sb, "fname", f.filename());
            ext(sb, "fsize", Long.toString(f.size()));
            ext(sb, "fileHash", f.sha256() != null ? f.sha256() : f.storedSha256());
            ext(sb, "fileType", f.mimetype());
        }
        if (a.beacon() != null) {
            AlertEvent.Beacon b = a.beacon();
            ext(sb, "dhost", h == null ? b.host() : null);
            ext(sb, "cnt", Long.toString(b.connections()));
            ext(sb, "cfp1Label", "beaconScore");
            ext(sb, "cfp1", String.format(Locale.ROOT, "%.4f", b.score()));
            ext(sb, "start", Long.toString(b.firstSeenNanos() / 1_000_000));
            ext(sb, "end", Long.toString(b.lastSeenNanos() / 1_000_000));
        }
        FeedFields.Indicator ind = FeedFields.indicator(a);
        if (ind != null) {
            ext(sb, "cs1Label", "indicator");
            ext(sb, "cs1", ind.value(), 4000);
            ext(sb, "cs2Label", "indicatorType");
            ext(sb, "cs2", ind.type());
            if (ind.feed() != null) {
                ext(sb, "cs3Label", "feed");
                ext(sb, "cs3", ind.feed());
            }
        }
        if (a.header() != null && a.header().communityId() != null) {
            ext(sb, "cs4Label", "communityId");
            ext(sb, "cs4", a.header().communityId());
        }
        if (a.header() != null && a.header().hasFlow()) {
            ext(sb, "cn1Label", "flowId");
            ext(sb, "cn1", Long.toString(a.header().flowId()));
        }
        ext(sb, "dvchost", sensorName);
        return sb.toString();
    }

    /** Returns the CEF line of an incident. */
    String incident(IncidentEvent i, String eventId) {
        StringBuilder sb = header("incident-" + i.kind(), i.summary(), FeedFields.cefSeverity(i.severity()));
        ext(sb, "rt", Long.toString(i.tsNanos() / 1_000_000));
        ext(sb, "externalId", eventId);
        ext(sb, "cat", "incident");
        ext(sb, "src", i.host());
        ext(sb, "start", Long.toString(i.firstSeenNanos() / 1_000_000));
        ext(sb, "end", Long.toString(i.lastSeenNanos() / 1_000_000));
        ext(sb, "cnt", Integer.toString(i.alerts().size()));
        ext(sb, "msg", i.summary());
        ext(sb, "cs5Label", "incidentKind");
        ext(sb, "cs5", i.kind());
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
        ext(sb, "cs6Label", "alerts");
        ext(sb, "cs6", parts.toString(), 4000);
        ext(sb, "dvchost", sensorName);
        return sb.toString();
    }

    private static StringBuilder header(String signatureId, String name, int severity) {
        StringBuilder sb = new StringBuilder(512);
        sb.append("CEF:0|").append(FeedFields.VENDOR).append('|').append(FeedFields.PRODUCT).append('|')
                .append(FeedFields.VERSION).append('|');
        headerValue(sb, signatureId);
        sb.append('|');
        headerValue(sb, name == null ? "" : cut(name, 512));
        sb.append('|').append(severity).append('|');
        return sb;
    }

    /** Appends a header field value: {@code \} and {@code |} escaped, control characters as spaces. */
    static void headerValue(StringBuilder sb, String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' || c == '|') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7F) {
                sb.append(' ');
            } else {
                sb.append(c);
            }
        }
    }

    private static void ext(StringBuilder sb, String key, String value) {
        ext(sb, key, value, MAX);
    }

    private static void ext(StringBuilder sb, String key, String value, int max) {
        if (value == null || value.isEmpty()) {
            return;
        }
        if (sb.charAt(sb.length() - 1) != '|') {
            sb.append(' ');
        }
        sb.append(key).append('=');
        extensionValue(sb, cut(value, max));
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
                default -> sb.append(c < 0x20 || c == 0x7F ? ' ' : c);
            }
        }
    }

    /** Cuts a string to at most {@code max} characters without splitting a surrogate pair. */
    static String cut(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = max;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }
}
