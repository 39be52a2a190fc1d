package io.spanwatch.sensor.http;

import java.nio.charset.StandardCharsets;

/**
 * Recognises HTTP/1.x request and status lines, in whole lines and in stream prefixes. A method is
 * an upper-case token ({@code A-Z}, then {@code A-Z - _}, at most {@value #MAX_METHOD} characters),
 * which covers RFC 9110 and WebDAV methods; a version is {@code HTTP/} digits {@code .} digits, so
 * {@code HTTP/1.10} passes.
 */
final class StartLines {

    static final int MAX_METHOD = 32;
    /** Bytes of junk browsers skip before a response's status line (Chrome's slop). */
    static final int MAX_STATUS_JUNK = 4;

    /** A parsed request line; {@code controls} when its target holds control characters (lenient parsing only). */
    record RequestLine(String method, String target, String version, boolean controls) {
    }

    /** A parsed status line. */
    record StatusLine(String version, int status, String reason) {
    }

    private StartLines() {
    }

    /** Parses a whole request line (CRLF removed), or returns null; a target with control characters is not one. */
    static RequestLine request(String s) {
        return request(s, false);
    }

    /**
     * Parses a whole request line (CRLF removed), or returns null. With {@code allowControls} a
     * target holding control characters (C0, DEL) is still a target, flagged: web servers refuse it,
     * but a client and a server that are both the attacker's (malware and its command server) agree
     * on anything, and dropping the line would hide its host and target from the log and from
     * reputation. libhtp takes such a target too. Resynchronisation stays strict, so junk is not
     * taken for a request.
     */
    static RequestLine request(String s, boolean allowControls) {
        int n = s.length();
        while (n > 0 && (s.charAt(n - 1) == ' ' || s.charAt(n - 1) == '\t')) {
            n--;
        }
        int sp1 = s.indexOf(' ');
        if (sp1 <= 0 || sp1 > MAX_METHOD || !isMethod(s, 0, sp1)) {
            return null;
        }
        int sp2 = s.lastIndexOf(' ', n - 1);
        if (sp2 <= sp1) {
            return null;
        }
        String version = s.substring(sp2 + 1, n);
        if (versionLength(version, 0) != version.length()) {
            return null;
        }
        String target = s.substring(sp1 + 1, sp2).trim();
        if (target.isEmpty()) {
            return null;
        }
        boolean controls = false;
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                if (!allowControls) {
                    return null;
                }
                controls = true;
            }
        }
        return new RequestLine(s.substring(0, sp1), target, version, controls);
    }

    /** Parses a whole status line (CRLF removed), or returns null. */
    static StatusLine status(String s) {
        int v = versionLength(s, 0);
        if (v < 0 || v + 4 > s.length() || s.charAt(v) != ' ') {
            return null;
        }
        int i = v + 1;
        if (!isDigit(s.charAt(i)) || !isDigit(s.charAt(i + 1)) || !isDigit(s.charAt(i + 2))) {
            return null;
        }
        if (i + 3 < s.length() && s.charAt(i + 3) != ' ' && s.charAt(i + 3) != '\t') {
            return null;
        }
        int status = Integer.parseInt(s.substring(i, i + 3));
        if (status < 100) {
            return null;
        }
        String reason = i + 3 < s.length() ? s.substring(i + 4).trim() : "";
        return new StatusLine(s.substring(0, v), status, reason);
    }

    /** Returns the length of an {@code HTTP/d+.d+} version at {@code from}, or -1. */
    static int versionLength(String s, int from) {
        if (!s.startsWith("HTTP/", from)) {
            return -1;
        }
        int i = from + 5;
        int major = i;
        while (i < s.length() && isDigit(s.charAt(i))) {
            i++;
        }
        if (i == major || i - major > 3 || i >= s.length() || s.charAt(i) != '.') {
            return -1;
        }
        int minor = ++i;
        while (i < s.length() && isDigit(s.charAt(i))) {
            i++;
        }
        return i == minor || i - minor > 3 ? -1 : i - from;
    }

    /** Tells whether a whole word is an {@code HTTP/d+.d+} version. */
    static boolean isVersion(String v) {
        return versionLength(v, 0) == v.length();
    }

    /**
     * Returns where a status line starts in a response's first line as browsers find it: {@code http}
     * in any case at one of the first five positions (Chrome skips up to four bytes of junk, Firefox
     * looks for {@code HTTP/1.} within the first eleven bytes), or {@code ICY } at the start
     * (Firefox); -1 when neither.
     */
    static int locateStatus(String line) {
        int max = Math.min(MAX_STATUS_JUNK, line.length() - 4);
        for (int i = 0; i <= max; i++) {
            if (line.regionMatches(true, i, "http", 0, 4)) {
                return i;
            }
        }
        return line.regionMatches(true, 0, "ICY ", 0, 4) ? 0 : -1;
    }

    /** {@link #locateStatus(String)} over a response stream's first {@code len} bytes. */
    static int locateStatus(byte[] b, int len) {
        return locateStatus(new String(b, 0, len, StandardCharsets.ISO_8859_1));
    }

    private static boolean isMethod(String s, int from, int to) {
        char first = s.charAt(from);
        if (first < 'A' || first > 'Z') {
            return false;
        }
        for (int i = from + 1; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z') && c != '-' && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /**
     * Finds a request line inside a line that may begin with other bytes (resynchronisation): tries
     * every position where a method could start.
     */
    static int findRequest(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c >= 'A' && c <= 'Z' && (i == 0 || !isMethodChar(line.charAt(i - 1))) && request(line.substring(i)) != null) {
                return i;
            }
        }
        return -1;
    }

    /** Finds a status line inside a line that may begin with other bytes (resynchronisation). */
    static int findStatus(String line) {
        for (int i = line.indexOf("HTTP/"); i >= 0; i = line.indexOf("HTTP/", i + 1)) {
            if (status(line.substring(i)) != null) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isMethodChar(char c) {
        return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
    }

    // ---- stream prefixes (probe) ----

    static final int MATCH = 1;
    static final int MORE = 0;
    static final int NO = -1;

    /** Tells whether bytes at {@code i} begin a status line: MATCH, MORE (prefix so far fits) or NO. */
    static int probeStatus(byte[] b, int i, int end) {
        byte[] lit = {'H', 'T', 'T', 'P', '/'};
        for (byte l : lit) {
            if (i == end) {
                return MORE;
            }
            if (b[i++] != l) {
                return NO;
            }
        }
        int r = probeDigits(b, i, end, 3);
        if (r <= 0) {
            return r == 0 ? MORE : NO;
        }
        i = r;
        if (i == end) {
            return MORE;
        }
        if (b[i++] != '.') {
            return NO;
        }
        r = probeDigits(b, i, end, 3);
        if (r <= 0) {
            return r == 0 ? MORE : NO;
        }
        i = r;
        if (i == end) {
            return MORE;
        }
        if (b[i++] != ' ') {
            return NO;
        }
        for (int k = 0; k < 3; k++) {
            if (i == end) {
                return MORE;
            }
            if (!isDigit((char) b[i++])) {
                return NO;
            }
        }
        return MATCH;
    }

    /** Returns the index after 1..max digits (stopping at a non-digit), 0 when the input ends, -1 on no digit. */
    private static int probeDigits(byte[] b, int i, int end, int max) {
        int start = i;
        while (i < end && isDigit((char) b[i])) {
            if (i - start == max) {
                return -1;
            }
            i++;
        }
        if (i == end) {
            return 0;
        }
        return i == start ? -1 : i;
    }

    /**
     * Methods of RFC 9110, RFC 5789 and WebDAV (RFC 4918, 3253, 5323): the start patterns Suricata's
     * HTTP detection matches. A stream that starts with one of these and a space is taken for HTTP
     * even when its request line is too long to reach the version in a probe.
     */
    private static final java.util.Set<String> KNOWN_METHODS = java.util.Set.of(
            "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
            "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "REPORT",
            "CHECKOUT", "UNCHECKOUT", "CHECKIN", "UPDATE", "LABEL", "MERGE", "MKWORKSPACE", "MKACTIVITY",
            "VERSION-CONTROL", "BASELINE-CONTROL");

    /** Tells whether bytes at {@code i} start with one of {@link #KNOWN_METHODS} and a space. */
    static boolean knownMethod(byte[] b, int i, int end) {
        int sp = i;
        while (sp < end && sp - i <= MAX_METHOD && b[sp] != ' ') {
            sp++;
        }
        return sp < end && b[sp] == ' ' && KNOWN_METHODS.contains(new String(b, i, sp - i, StandardCharsets.ISO_8859_1));
    }

    /** Tells whether bytes at {@code i} begin a request line up to {@code HTTP/} and a digit. */
    static int probeRequest(byte[] b, int i, int end) {
        int start = i;
        while (true) {
            if (i == end) {
                return MORE;
            }
            char c = (char) (b[i] & 0xff);
            if (c == ' ' && i > start) {
                break;
            }
            boolean ok = i == start ? c >= 'A' && c <= 'Z' : isMethodChar(c);
            if (!ok || i - start >= MAX_METHOD) {
                return NO;
            }
            i++;
        }
        i++;
        int target = i;
        while (true) {
            if (i == end) {
                return MORE;
            }
            int c = b[i] & 0xff;
            if (c == ' ' && i > target) {
                break;
            }
            if (c <= 0x20 || c == 0x7f) {
                return NO;
            }
            i++;
        }
        i++;
        byte[] lit = {'H', 'T', 'T', 'P', '/'};
        for (byte l : lit) {
            if (i == end) {
                return MORE;
            }
            if (b[i++] != l) {
                return NO;
            }
        }
        if (i == end) {
            return MORE;
        }
        return isDigit((char) b[i]) ? MATCH : NO;
    }
}
