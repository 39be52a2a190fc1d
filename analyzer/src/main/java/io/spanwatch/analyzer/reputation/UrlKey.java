package io.spanwatch.analyzer.reputation;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Normalises URLs so that one resource has one spelling (after RFC 3986 §6.2.2 and the WHATWG URL
 * standard where they agree):
 * <ol>
 *   <li>the fragment ({@code #...}) and any user info ({@code user:pass@}) are dropped: neither
 *       travels in an HTTP request;
 *   <li>the scheme and host are lower-cased, a trailing dot of the host dropped, an international
 *       host converted to punycode, an IP literal written canonically ({@code [2001:db8::1]});
 *   <li>the port is dropped when it is the scheme's default (http and ws 80, https and wss 443,
 *       ftp 21), and written without leading zeros otherwise;
 *   <li>percent-encoded unreserved characters ({@code A-Z a-z 0-9 - . _ ~}) are decoded, the hex
 *       digits of other escapes upper-cased, and characters that may not appear raw (controls, space,
 *       {@code " < > \ ^ ` { | }}, non-ASCII as UTF-8) encoded;
 *   <li>dot segments are removed from the path (RFC 3986 §5.2.4) and an empty path is {@code /};
 *   <li>an empty query ({@code ?} alone) is dropped; otherwise the query is kept as it is, parameter
 *       order included.
 * </ol>
 * A URL written without a scheme (Zeek Intel {@code Intel::URL}: {@code host/path}) keeps no scheme
 * and matches an observed URL of any scheme; its default port is 80.
 */
public final class UrlKey {
    private UrlKey() {
    }

    /** Returns the key of a URL indicator, or throws with the reason it is not a URL. */
    static String normalize(String raw) throws IndicatorException {
        String s = raw.strip();
        int hash = s.indexOf('#');
        if (hash >= 0) {
            s = s.substring(0, hash);
        }
        int sep = s.indexOf("://");
        String scheme = null;
        int authStart = 0;
        if (sep >= 0) {
            scheme = s.substring(0, sep).toLowerCase(Locale.ROOT);
            if (!validScheme(scheme)) {
                throw new IndicatorException("not a URL scheme: " + clip(scheme));
            }
            authStart = sep + 3;
        }
        int authEnd = authStart;
        while (authEnd < s.length() && s.charAt(authEnd) != '/' && s.charAt(authEnd) != '?') {
            authEnd++;
        }
        StringBuilder b = new StringBuilder(s.length() + 8);
        if (scheme != null) {
            b.append(scheme).append("://");
        }
        authority(s.substring(authStart, authEnd), scheme, b);
        int q = s.indexOf('?', authEnd);
        String path = s.substring(authEnd, q < 0 ? s.length() : q);
        if (path.isEmpty()) {
            b.append('/');
        } else {
            b.append(removeDotSegments(encoding(path)));
        }
        if (q >= 0 && q + 1 < s.length()) {
            b.append('?').append(encoding(s.substring(q + 1)));
        }
        return b.toString();
    }

    /**
     * Returns the key of an observed HTTP request (host without port, the port or -1, the request
     * target) as seen on the wire, or null when the target names no resource ({@code *}, authority
     * form). The host and target are as the sensor hands them over, one char a byte
     * (ISO-8859-1): the bytes of a raw non-ASCII path are percent-encoded as they are (a client's
     * raw UTF-8 {@code /€} is the indicator's {@code /%E2%82%AC}), a raw UTF-8 host is read as UTF-8.
     */
    static String observed(String host, int port, String target) {
        if (target == null || target.isEmpty()) {
            return null;
        }
        try {
            if (target.charAt(0) == '/') {
                if (host == null || host.isBlank()) {
                    return null;
                }
                String w = io.spanwatch.sensor.event.EveText.utf8IfValid(host);
                String h = w.indexOf(':') >= 0 && !w.startsWith("[") ? "[" + w + "]" : w;
                return normalize("http://" + h + (port > 0 ? ":" + port : "") + octets(target));
            }
            int sep = target.indexOf("://");
            if (sep > 0 && validScheme(target.substring(0, sep).toLowerCase(Locale.ROOT))) {
                int end = authorityEnd(target, sep + 3);
                return normalize(target.substring(0, sep + 3) + io.spanwatch.sensor.event.EveText.utf8IfValid(target.substring(sep + 3, end))
                        + octets(target.substring(end)));
            }
        } catch (IndicatorException e) {
            return null;
        }
        return null;
    }

    /**
     * Returns the host of an absolute-form request target ({@code GET http://evil.example/x}),
     * without user info and port ({@code [...]} kept around an IPv6 literal), or null for any other
     * target. A server takes the target's host over the Host header (RFC 9112 §3.2.2).
     */
    public static String targetHost(String target) {
        if (target == null || target.isEmpty() || target.charAt(0) == '/') {
            return null;
        }
        int sep = target.indexOf("://");
        if (sep <= 0 || !validScheme(target.substring(0, sep).toLowerCase(Locale.ROOT))) {
            return null;
        }
        String auth = target.substring(sep + 3, authorityEnd(target, sep + 3));
        auth = auth.substring(auth.lastIndexOf('@') + 1);
        if (auth.startsWith("[")) {
            int close = auth.indexOf(']');
            return close < 0 ? null : auth.substring(0, close + 1);
        }
        int colon = auth.lastIndexOf(':');
        String h = colon < 0 ? auth : auth.substring(0, colon);
        return h.isEmpty() ? null : h;
    }

    private static int authorityEnd(String s, int from) {
        int end = from;
        while (end < s.length() && s.charAt(end) != '/' && s.charAt(end) != '?' && s.charAt(end) != '#') {
            end++;
        }
        return end;
    }

    /** Percent-encodes the chars U+0080 to U+00FF of a wire string as the bytes they stand for. */
    static String octets(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80 && c <= 0xff) {
                b = ensure(b, s, i);
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    /**
     * Returns the key without its scheme ({@code host[:port]/path}), as scheme-less indicators are
     * stored: their default port is 80, so port 80 is left out and another scheme's default port is
     * written out.
     */
    static String withoutScheme(String key) {
        int sep = key.indexOf("://");
        if (sep < 0) {
            return key;
        }
        String scheme = key.substring(0, sep);
        String rest = key.substring(sep + 3);
        int slash = rest.indexOf('/');
        String auth = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash);
        if (hasPort(auth)) {
            return auth.endsWith(":80") ? auth.substring(0, auth.length() - 3) + path : rest;
        }
        int p = defaultPort(scheme);
        return p > 0 && p != 80 ? auth + ":" + p + path : rest;
    }

    private static boolean hasPort(String auth) {
        int colon = auth.lastIndexOf(':');
        return colon > auth.lastIndexOf(']');
    }

    private static void authority(String auth, String scheme, StringBuilder b) throws IndicatorException {
        int at = auth.lastIndexOf('@');
        if (at >= 0) {
            auth = auth.substring(at + 1);
        }
        String host;
        String port = null;
        if (auth.startsWith("[")) {
            int close = auth.indexOf(']');
            if (close < 0) {
                throw new IndicatorException("unclosed [ in URL host");
            }
            long[] a = new long[2];
            if (!IpAddr.parseV6(auth, 1, close, a)) {
                throw new IndicatorException("not an IPv6 address in URL host");
            }
            host = "[" + IpAddr.format(IpAddr.V6, a[0], a[1]) + "]";
            if (close + 1 < auth.length()) {
                if (auth.charAt(close + 1) != ':') {
                    throw new IndicatorException("junk after URL host");
                }
                port = auth.substring(close + 2);
            }
        } else {
            int colon = auth.lastIndexOf(':');
            String h = colon >= 0 ? auth.substring(0, colon) : auth;
            port = colon >= 0 ? auth.substring(colon + 1) : null;
            if (h.endsWith(".")) {
                h = h.substring(0, h.length() - 1);
            }
            if (h.isEmpty()) {
                throw new IndicatorException("URL without a host");
            }
            long v4 = IpAddr.parseV4(h);
            if (v4 >= 0) {
                host = IpAddr.format(IpAddr.V4, v4 << 32, 0);
            } else {
                host = DomainName.ascii(h);
                for (int i = 0; i < host.length(); i++) {
                    char c = host.charAt(i);
                    if (c <= ' ' || c == 0x7f || "<>\"{}|\\^`%".indexOf(c) >= 0) {
                        throw new IndicatorException("character '" + DomainName.printable(c) + "' not allowed in a URL host");
                    }
                }
            }
        }
        b.append(host);
        if (port != null && !port.isEmpty()) {
            int p = 0;
            for (int i = 0; i < port.length(); i++) {
                char c = port.charAt(i);
                if (c < '0' || c > '9' || p > 65535) {
                    throw new IndicatorException("not a port number in URL: " + clip(port));
                }
                p = p * 10 + (c - '0');
            }
            if (p > 65535) {
                throw new IndicatorException("port number out of range in URL: " + clip(port));
            }
            if (p != defaultPort(scheme == null ? "http" : scheme)) {
                b.append(':').append(p);
            }
        }
    }

    static int defaultPort(String scheme) {
        return switch (scheme) {
            case "http", "ws" -> 80;
            case "https", "wss" -> 443;
            case "ftp" -> 21;
            default -> -1;
        };
    }

    private static boolean validScheme(String s) {
        if (s.isEmpty() || s.charAt(0) < 'a' || s.charAt(0) > 'z') {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /** Decodes escaped unreserved characters, upper-cases other escapes, encodes what may not appear raw. */
    static String encoding(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && hex(s, i + 1) >= 0 && hex(s, i + 2) >= 0) {
                int v = hex(s, i + 1) << 4 | hex(s, i + 2);
                b = ensure(b, s, i);
                if (unreserved(v)) {
                    b.append((char) v);
                } else {
                    b.append('%').append(Character.toUpperCase(s.charAt(i + 1))).append(Character.toUpperCase(s.charAt(i + 2)));
                }
                i += 2;
            } else if (c <= ' ' || c >= 0x7f || "\"<>\\^`{|}".indexOf(c) >= 0) {
                b = ensure(b, s, i);
                int end = Character.isHighSurrogate(c) && i + 1 < s.length() ? i + 2 : i + 1;
                for (byte x : s.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    b.append('%').append(Character.toUpperCase(Character.forDigit(x >> 4 & 0xf, 16)))
                            .append(Character.toUpperCase(Character.forDigit(x & 0xf, 16)));
                }
                i = end - 1;
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    private static StringBuilder ensure(StringBuilder b, String s, int upTo) {
        if (b != null) {
            return b;
        }
        StringBuilder n = new StringBuilder(s.length() + 16);
        n.append(s, 0, upTo);
        return n;
    }

    private static int hex(String s, int i) {
        return i < s.length() ? Character.digit(s.charAt(i), 16) : -1;
    }

    private static boolean unreserved(int v) {
        return v >= 'A' && v <= 'Z' || v >= 'a' && v <= 'z' || v >= '0' && v <= '9' || v == '-' || v == '.' || v == '_' || v == '~';
    }

    /** Removes {@code .} and {@code ..} segments (RFC 3986 §5.2.4) from a path that starts with {@code /}. */
    static String removeDotSegments(String path) {
        if (path.indexOf('.') < 0) {
            return path;
        }
        StringBuilder out = new StringBuilder(path.length());
        String in = path;
        while (!in.isEmpty()) {
            if (in.startsWith("../")) {
                in = in.substring(3);
            } else if (in.startsWith("./")) {
                in = in.substring(2);
            } else if (in.startsWith("/./")) {
                in = in.substring(2);
            } else if (in.equals("/.")) {
                in = "/";
            } else if (in.startsWith("/../")) {
                in = in.substring(3);
                cutLastSegment(out);
            } else if (in.equals("/..")) {
                in = "/";
                cutLastSegment(out);
            } else if (in.equals(".") || in.equals("..")) {
                in = "";
            } else {
                int next = in.indexOf('/', in.charAt(0) == '/' ? 1 : 0);
                String seg = next < 0 ? in : in.substring(0, next);
                out.append(seg);
                in = next < 0 ? "" : in.substring(next);
            }
        }
        return out.length() == 0 ? "/" : out.toString();
    }

    private static void cutLastSegment(StringBuilder out) {
        int slash = out.lastIndexOf("/");
        out.setLength(Math.max(0, slash));
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
