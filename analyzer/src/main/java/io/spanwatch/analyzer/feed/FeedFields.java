package io.spanwatch.analyzer.feed;

import io.spanwatch.analyzer.events.HomeNet;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.IncidentEvent;
import java.net.InetAddress;

/**
 * Derives the values several renderings of an alert share (CEF, ECS, mail): who the product is, the
 * event's source and destination as EVE has them, the full URL of a transaction, the indicator that
 * matched and the internal host an event is about; and which characters no rendering lets through as
 * they are.
 */
final class FeedFields {
    static final String VENDOR = "SpanWatch";
    static final String PRODUCT = "SpanWatch";
    static final String VERSION = "0.1.0";

    private FeedFields() {
    }

    /** Source and destination of an alert as its EVE event has them (Suricata's direction). */
    record Ends(String srcIp, int srcPort, String destIp, int destPort) {
    }

    static Ends ends(AlertEvent a) {
        EventHeader h = a.header();
        if (h == null || h.clientIp() == null) {
            return new Ends(null, 0, null, 0);
        }
        int cp = h.hasPorts() ? h.clientPort() : 0;
        int sp = h.hasPorts() ? h.serverPort() : 0;
        return a.serverIsSource() ? new Ends(h.serverIp(), sp, h.clientIp(), cp) : new Ends(h.clientIp(), cp, h.serverIp(), sp);
    }

    /**
     * Returns the transaction's URL as a browser would show it: {@code http://host[:port]/path?query},
     * or the request target itself when it is already absolute (a proxy request). Null without a URL.
     */
    static String fullUrl(HttpInfo h, EventHeader header) {
        if (h == null || h.url() == null) {
            return null;
        }
        String u = h.urlText(); // text, as EVE shows header bytes
        if (u.regionMatches(true, 0, "http://", 0, 7) || u.regionMatches(true, 0, "https://", 0, 8)) {
            return u;
        }
        String host = h.hostnameText();
        int port = h.port();
        if (host == null || host.isEmpty()) {
            host = header != null ? header.serverIp() : null;
            port = header != null ? header.serverPort() : -1;
            if (host != null && host.indexOf(':') >= 0) {
                host = "[" + host + "]";
            }
        }
        if (host == null) {
            return u;
        }
        return "http://" + io.spanwatch.sensor.event.EveText.urlAuthority(host) + (port > 0 && port != 80 ? ":" + port : "") + (u.startsWith("/") ? "" : "/") + u;
    }

    /** The indicator an alert is about and its type, or null. */
    record Indicator(String value, String type, String feed) {
    }

    /**
     * Returns what matched: a reputation hit's indicator; for malware the file's sha256; for a beacon
     * the host it calls; null for a correlation alert.
     */
    static Indicator indicator(AlertEvent a) {
        if (a.reputation() != null) {
            AlertEvent.Reputation r = a.reputation();
            return new Indicator(r.indicator(), r.type(), r.feed());
        }
        if (a.beacon() != null) {
            return new Indicator(a.beacon().host(), isIp(a.beacon().host()) ? "ip" : "domain", null);
        }
        if (a.file() != null && a.file().info() != null) {
            String sha = a.file().info().sha256() != null ? a.file().info().sha256() : a.file().info().storedSha256();
            if (sha != null) {
                return new Indicator(sha, "sha256", null);
            }
        }
        return null;
    }

    /**
     * Returns a record's key: the internal host the event is about ({@link HomeNet#internalHost}), else
     * its client address (an event between two external hosts), else empty.
     */
    static String recordKey(EveEvent e, HomeNet homeNet) {
        String host = homeNet.internalHost(e);
        if (host == null && e.header() != null) {
            host = e.header().clientIp();
        }
        return host == null ? "" : host;
    }

    /** Tells whether a text is an IP address literal (never resolves a name). */
    static boolean isIp(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        if (s.indexOf(':') >= 0) {
            return s.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
        }
        return s.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9') && s.chars().filter(c -> c == '.').count() == 3;
    }

    /**
     * Tells whether a character is a control character or a line break: C0 (U+0000-U+001F), DEL, C1
     * (U+0080-U+009F, with NEL, U+0085, a line break to many parsers) and the line and paragraph
     * separators U+2028 and U+2029. Renderings of lines turn these into spaces (or escape them).
     */
    static boolean isControl(char c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029';
    }

    /** Maps SpanWatch's severity (1 highest to 3, as Suricata) to CEF's 0 to 10. */
    static int cefSeverity(int severity) {
        if (severity <= 1) {
            return 9;
        }
        return severity == 2 ? 6 : 3;
    }

    /** Maps SpanWatch's severity to a syslog severity: 1 critical (2), 2 warning (4), 3 and lower notice (5). */
    static int syslogSeverity(int severity) {
        if (severity <= 1) {
            return 2;
        }
        return severity == 2 ? 4 : 5;
    }
}
