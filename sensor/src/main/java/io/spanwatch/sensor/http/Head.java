package io.spanwatch.sensor.http;

import io.spanwatch.sensor.http.HttpTransaction.Header;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads one message head as the browsers read it, and decides from it how the body is framed and
 * which content codings it carries. Where Chrome and Firefox read a head differently, the reading
 * that delivers the body a browser would save wins (the README's "browser-compatible framing
 * rules" lists each case and which browser it follows):
 *
 * <ul>
 *   <li>Lines: the reader splits the head at LF (one CR before it removed); here each line is split
 *       again at every bare CR, as Chrome does ({@code http.bare_cr}). A segment that starts with
 *       space or tab continues the previous header when that one had a name and a colon
 *       ({@code http.obs_fold}); other segments without a usable name are skipped
 *       ({@code http.bad_header_line}). Whitespace between a name and its colon is dropped, as Chrome
 *       does ({@code http.header_name_whitespace}). A NUL byte is kept as a plain character
 *       ({@code http.header_nul}); Chrome rejects such a head, Firefox only a value that holds one.</li>
 *   <li>Status line: {@code HTTP} in any case, or {@code ICY} (Firefox), up to the first CR. The code
 *       is the digits after the first space (spaces skipped); none means 200, as in Chrome
 *       ({@code http.invalid_status}); an odd version is {@code http.invalid_protocol}.</li>
 *   <li>Transfer-Encoding: chunked when Chrome sees a comma element {@code chunked} and a version of
 *       at least 1.1 (first digit after the slash, first digit after the dot), or when Firefox sees a
 *       {@code chunked} token among space, tab and comma separated tokens and a status line it takes
 *       for HTTP/1.x, 2 or ICY (any version from 1.0). Junk around {@code chunked} is
 *       {@code http.te_chunked_junk}, chunked with an older version {@code http.chunked_old_proto},
 *       a value without {@code chunked} {@code http.invalid_transfer_encoding} (ignored, as by
 *       browsers).</li>
 *   <li>Content-Length: every value of every Content-Length header (comma separated, empty ones
 *       included) must be the same, else the response has no usable length
 *       ({@code http.conflicting_content_length}; both browsers refuse it, the body is then read
 *       until the connection closes); the value is decimal digits, leading zeros allowed, else
 *       ignored ({@code http.bad_content_length}).</li>
 *   <li>Content-Encoding: the values of all headers, cut at spaces, tabs and commas, as Firefox
 *       does; {@code gzip}, {@code x-gzip}, {@code deflate}, {@code br} and {@code zstd} are undone in reverse,
 *       {@code identity} and unknown codings skipped ({@code http.unsupported_content_encoding}),
 *       a list that is not one coding per comma element is {@code http.abnormal_ce_header}, more
 *       than {@value #MAX_CODINGS} codings {@code http.too_many_encoding_layers}.</li>
 * </ul>
 */
final class Head {

    /** Receives the anomalies found while reading a head. */
    interface Report {
        void anomaly(String name, String detail);
    }

    /** Most content codings undone per body (Firefox stops at 16 as well). */
    static final int MAX_CODINGS = 16;

    private static final boolean[] TOKEN = new boolean[128];
    private static final int TE = 1;
    private static final int CL = 2;
    private static final int CE = 4;

    static {
        for (char c = 0x21; c < 0x7f; c++) {
            TOKEN[c] = "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
        }
    }

    final List<Header> headers = new ArrayList<>();
    /** The protocol as written: the status line's first word, or the request line's version. */
    String version;
    int status;
    String reason = "";
    boolean chunked;
    /** Content-Length, or -1 when absent, unreadable or conflicting. */
    long contentLength = -1;
    boolean hasContentLength;
    final List<String> codings = new ArrayList<>(2);
    /** Which of Transfer-Encoding, Content-Length and Content-Encoding the head has ({@link #TE}, {@link #CL}, {@link #CE}). */
    private int framingHeaders;

    /** Anomalies found, as name and detail pairs, until {@link #reportTo} hands them on (once the transaction exists). */
    private final List<String> found = new ArrayList<>(2);
    private final Report report = (name, detail) -> {
        found.add(name);
        found.add(detail);
    };

    private Head() {
    }

    /** Hands the anomalies found in this head on, once. */
    void reportTo(Report to) {
        for (int i = 0; i < found.size(); i += 2) {
            to.anomaly(found.get(i), found.get(i + 1));
        }
        found.clear();
    }

    /**
     * Reads a response head.
     *
     * @param first the status line from where {@code HTTP} (or {@code ICY}) starts, with whatever
     *     followed it before the LF
     * @param lines the header lines, each without its LF and the CR before it
     */
    static Head response(String first, List<String> lines) {
        Head h = new Head();
        int cr = first.indexOf('\r');
        String statusLine = cr < 0 ? first : first.substring(0, cr);
        h.statusLine(statusLine);
        List<String> segments = new ArrayList<>(lines.size() + 1);
        boolean bareCr = cr >= 0;
        if (cr >= 0) {
            bareCr |= split(first.substring(cr + 1), segments);
        }
        for (String line : lines) {
            bareCr |= split(line, segments);
        }
        h.headers(segments, bareCr, nul(first));
        h.framing(chromeAtLeast11(statusLine), firefoxAtLeast10(statusLine), true);
        return h;
    }

    /** Reads a request head: {@code version} is the request line's; framing follows the same rules, any version may be chunked. */
    static Head request(String version, List<String> lines) {
        Head h = new Head();
        h.version = version;
        List<String> segments = new ArrayList<>(lines.size());
        boolean bareCr = false;
        for (String line : lines) {
            bareCr |= split(line, segments);
        }
        h.headers(segments, bareCr, false);
        h.framing(true, true, false);
        return h;
    }

    /**
     * Reads the fields of an HTTP/2 head (RFC 9113 §8.3): Content-Length and Content-Encoding as for
     * HTTP/1, no transfer coding (DATA frames frame the body). Fields a receiver treats as malformed
     * (a name with capitals, a connection-specific field such as {@code transfer-encoding}) are
     * {@code http2.invalid_header} and otherwise ignored. Anomalies go to {@code to} at once.
     */
    static Head http2(List<Header> fields, boolean response, Report to) {
        Head h = new Head();
        h.version = "HTTP/2";
        for (Header f : fields) {
            String name = f.name();
            if (!name.equals(name.toLowerCase(Locale.ROOT))) {
                h.report.anomaly("http2.invalid_header", "field name with capitals: " + HeaderValues.excerpt(name));
            }
            switch (name.toLowerCase(Locale.ROOT)) {
                case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade" ->
                        h.report.anomaly("http2.invalid_header", "connection-specific field " + HeaderValues.excerpt(name));
                default -> {
                    if (!name.startsWith(":")) {
                        h.headers.add(f);
                        h.framingHeaders |= framingHeader(name) & (CL | CE);
                    }
                }
            }
        }
        if ((h.framingHeaders & CL) != 0) {
            h.contentLength(response);
        }
        if ((h.framingHeaders & CE) != 0) {
            h.contentEncoding();
        }
        h.reportTo(to);
        return h;
    }

    /** Reads only the header fields of a head cut short (a limit or the connection's end); no framing, no anomalies. */
    static List<Header> fields(List<String> lines) {
        Head h = new Head();
        List<String> segments = new ArrayList<>(lines.size());
        for (String line : lines) {
            split(line, segments);
        }
        h.headers(segments, false, false);
        return h.headers;
    }

    /** Fills in a transaction's request half from this head and its request line. */
    void fillRequest(HttpTransaction t, StartLines.RequestLine requestLine, long ts) {
        t.method = requestLine.method();
        t.uri = requestLine.target();
        t.protocol = requestLine.version();
        t.requestHeaders.addAll(headers);
        t.host = HeaderValues.first(headers, "Host");
        t.userAgent = HeaderValues.first(headers, "User-Agent");
        t.referer = HeaderValues.first(headers, "Referer");
        t.requestContentType = HeaderValues.mediaType(HeaderValues.first(headers, "Content-Type"));
        t.requestTsNanos = ts;
        t.requestSeen = true;
    }

    /** Fills in a transaction's response half from this head. */
    void fillResponse(HttpTransaction t, long ts) {
        t.status = status;
        t.statusMessage = reason;
        t.responseProtocol = version;
        t.responseHeaders.addAll(headers);
        t.responseContentType = HeaderValues.mediaType(HeaderValues.first(headers, "Content-Type"));
        t.responseTsNanos = ts;
        t.responseSeen = true;
    }

    // ---- status line ----

    private void statusLine(String s) {
        int sp = s.indexOf(' ');
        version = sp < 0 ? s : s.substring(0, sp);
        if (!StartLines.isVersion(version)) {
            report.anomaly("http.invalid_protocol", HeaderValues.excerpt(version));
        }
        if (sp < 0) {
            status = 200;
            report.anomaly("http.invalid_status", "no status code; 200 assumed");
            return;
        }
        int i = sp + 1;
        while (i < s.length() && s.charAt(i) == ' ') {
            i++;
        }
        int digits = i;
        long code = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            code = Math.min(Integer.MAX_VALUE, code * 10 + (s.charAt(i) - '0'));
            i++;
        }
        if (i == digits) {
            status = 200;
            report.anomaly("http.invalid_status", "no status code; 200 assumed: " + HeaderValues.excerpt(s));
            return;
        }
        status = (int) code;
        boolean ended = i == s.length() || s.charAt(i) == ' ' || s.charAt(i) == '\t';
        if (i - digits != 3 || code < 100 || code > 599 || !ended || i > sp + 4) {
            report.anomaly("http.invalid_status", HeaderValues.excerpt(s));
        }
        reason = trimLws(s.substring(i));
    }

    /**
     * Tells whether Chrome takes this status line for HTTP/1.1 or later: {@code http} (any case),
     * {@code /}, a digit, and a digit after the first dot, compared as one digit each.
     */
    static boolean chromeAtLeast11(String s) {
        if (s.length() < 6 || !s.regionMatches(true, 0, "http", 0, 4) || s.charAt(4) != '/') {
            return false;
        }
        int dot = s.indexOf('.', 5);
        if (dot < 0 || dot + 1 >= s.length() || !isDigit(s.charAt(5)) || !isDigit(s.charAt(dot + 1))) {
            return false;
        }
        int major = s.charAt(5) - '0';
        return major > 1 || (major == 1 && s.charAt(dot + 1) >= '1');
    }

    /**
     * Tells whether Firefox reads this status line as HTTP/1.0 or later (and so honours chunked):
     * {@code HTTP/1.}, {@code HTTP/2} or {@code HTTP/3} with the word {@code HTTP} in upper case, or
     * {@code ICY }. Other lines are HTTP/0.9 to Firefox, which then reads no header at all.
     */
    static boolean firefoxAtLeast10(String s) {
        if (s.regionMatches(true, 0, "ICY ", 0, 4)) {
            return true;
        }
        return s.startsWith("HTTP") && (s.regionMatches(true, 0, "HTTP/1.", 0, 7)
                || s.regionMatches(true, 0, "HTTP/2", 0, 6) || s.regionMatches(true, 0, "HTTP/3", 0, 6));
    }

    // ---- header fields ----

    /** Adds the CR-separated, non-empty segments of a line; returns whether it held a bare CR. */
    private static boolean split(String line, List<String> out) {
        int cr = line.indexOf('\r');
        if (cr < 0) {
            if (!line.isEmpty()) {
                out.add(line);
            }
            return false;
        }
        int from = 0;
        while (from <= line.length()) {
            int to = line.indexOf('\r', from);
            if (to < 0) {
                to = line.length();
            }
            if (to > from) {
                out.add(line.substring(from, to));
            }
            from = to + 1;
        }
        return true;
    }

    private void headers(List<String> segments, boolean bareCr, boolean nulBefore) {
        boolean continuable = false;
        boolean foldReported = false;
        boolean nul = nulBefore;
        List<String> assembled = new ArrayList<>(segments.size());
        for (String seg : segments) {
            nul |= nul(seg);
            if (continuable && isLws(seg.charAt(0))) {
                if (!foldReported) {
                    foldReported = true;
                    report.anomaly("http.obs_fold", "obsolete header line folding");
                }
                int last = assembled.size() - 1;
                assembled.set(last, assembled.get(last) + " " + seg.substring(firstNonLws(seg)));
                continue;
            }
            assembled.add(seg);
            continuable = seg.indexOf(':') > 0 && !isLws(seg.charAt(0));
        }
        if (bareCr) {
            report.anomaly("http.bare_cr", "bare CR taken as a line break in the head");
        }
        if (nul) {
            report.anomaly("http.header_nul", "NUL byte in the head");
        }
        boolean spaceReported = false;
        for (String line : assembled) {
            int colon = line.indexOf(':');
            if (colon <= 0 || isLws(line.charAt(0))) {
                report.anomaly("http.bad_header_line", HeaderValues.excerpt(line));
                continue;
            }
            int nameEnd = colon;
            while (isLws(line.charAt(nameEnd - 1))) {
                nameEnd--;
            }
            if (!isToken(line, nameEnd)) {
                report.anomaly("http.bad_header_line", HeaderValues.excerpt(line));
                continue;
            }
            if (nameEnd != colon && !spaceReported) {
                spaceReported = true;
                report.anomaly("http.header_name_whitespace", "whitespace between header name and colon: " + HeaderValues.excerpt(line));
            }
            String name = line.substring(0, nameEnd);
            framingHeaders |= framingHeader(name);
            int a = colon + 1;
            int b = line.length();
            while (a < b && isLws(line.charAt(a))) {
                a++;
            }
            while (b > a && isLws(line.charAt(b - 1))) {
                b--;
            }
            headers.add(new Header(name, line.substring(a, b)));
        }
    }

    /** Returns the bit of {@link #framingHeaders} for this header name, or 0. */
    private static int framingHeader(String name) {
        return switch (name.length()) {
            case 17 -> name.equalsIgnoreCase("Transfer-Encoding") ? TE : 0;
            case 14 -> name.equalsIgnoreCase("Content-Length") ? CL : 0;
            case 16 -> name.equalsIgnoreCase("Content-Encoding") ? CE : 0;
            default -> 0;
        };
    }

    // ---- framing ----

    private void framing(boolean chrome11, boolean firefox10, boolean response) {
        if ((framingHeaders & TE) != 0) {
            transferEncoding(values("Transfer-Encoding"), chrome11, firefox10, response);
        }
        if ((framingHeaders & CL) != 0) {
            contentLength(response);
        }
        if (chunked && hasContentLength) {
            report.anomaly("http.chunked_with_content_length", "Transfer-Encoding chunked and Content-Length both sent; chunked used");
        }
        if ((framingHeaders & CE) != 0) {
            contentEncoding();
        }
    }

    private void transferEncoding(List<String> te, boolean chrome11, boolean firefox10, boolean response) {
        boolean chromeSees = false;
        boolean firefoxSees = false;
        for (String v : te) {
            for (String element : elements(v)) {
                chromeSees |= element.equalsIgnoreCase("chunked");
            }
            for (String token : tokens(v)) {
                firefoxSees |= token.equalsIgnoreCase("chunked");
            }
        }
        String all = HeaderValues.excerpt(String.join(", ", te));
        chunked = (chromeSees && chrome11) || (firefoxSees && firefox10);
        if (chunked) {
            if (te.size() != 1 || !te.getFirst().equalsIgnoreCase("chunked")) {
                report.anomaly("http.te_chunked_junk", "Transfer-Encoding " + all + " taken as chunked");
            }
            if (response && !chrome11) {
                report.anomaly("http.chunked_old_proto", "chunked with " + HeaderValues.excerpt(version));
            }
        } else if (chromeSees || firefoxSees) {
            report.anomaly("http.chunked_old_proto", "chunked ignored with " + HeaderValues.excerpt(version));
        } else {
            report.anomaly("http.invalid_transfer_encoding", "Transfer-Encoding " + all + " ignored");
        }
    }

    private void contentLength(boolean response) {
        String first = null;
        boolean conflict = false;
        long firstValid = -1;
        for (Header h : headers) {
            if (!h.name().equalsIgnoreCase("Content-Length")) {
                continue;
            }
            hasContentLength = true;
            List<String> values = h.value().isEmpty() ? List.of("") : elements(h.value());
            for (String v : values) {
                if (first == null) {
                    first = v;
                } else if (!first.equals(v)) {
                    conflict = true;
                }
                if (firstValid < 0) {
                    firstValid = HeaderValues.digits(v);
                }
            }
        }
        if (first == null) {
            return;
        }
        if (conflict) {
            report.anomaly("http.conflicting_content_length", "Content-Length values differ; "
                    + (response ? "none used" : "first valid one used"));
            contentLength = response ? -1 : firstValid;
            return;
        }
        contentLength = HeaderValues.digits(first);
        if (contentLength < 0) {
            report.anomaly("http.bad_content_length", HeaderValues.excerpt(first));
        }
    }

    private void contentEncoding() {
        boolean abnormal = false;
        for (Header h : headers) {
            if (!h.name().equalsIgnoreCase("Content-Encoding")) {
                continue;
            }
            for (String element : elements(h.value())) {
                if (tokens(element).size() != 1) {
                    abnormal = true;
                }
            }
            for (String token : tokens(h.value())) {
                String c = token.toLowerCase(Locale.ROOT);
                switch (c) {
                    case "gzip", "x-gzip", "deflate", "br", "zstd" -> {
                        if (codings.size() == MAX_CODINGS) {
                            report.anomaly("http.too_many_encoding_layers", "more than " + MAX_CODINGS + " content codings");
                            return;
                        }
                        codings.add(c);
                    }
                    case "identity" -> {
                        // nothing to undo
                    }
                    default -> report.anomaly("http.unsupported_content_encoding",
                            "content coding " + HeaderValues.excerpt(token) + " ignored");
                }
            }
        }
        if (abnormal) {
            report.anomaly("http.abnormal_ce_header", "Content-Encoding is not one coding per comma-separated element");
        }
    }

    // ---- small parsers ----

    /** Returns the values of every header with this name, in order. */
    private List<String> values(String name) {
        List<String> out = new ArrayList<>(1);
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                out.add(h.value());
            }
        }
        return out;
    }

    /** Splits at commas outside double quotes, as Chrome splits header values; trims spaces and tabs; keeps empty elements. */
    static List<String> elements(String v) {
        List<String> out = new ArrayList<>(2);
        boolean quoted = false;
        int from = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(trimLws(v.substring(from, i)));
                from = i + 1;
            }
        }
        out.add(trimLws(v.substring(from)));
        return out;
    }

    /** Splits at spaces, tabs and commas, dropping empty tokens, as Firefox reads codings. */
    static List<String> tokens(String v) {
        List<String> out = new ArrayList<>(2);
        int i = 0;
        int n = v.length();
        while (i < n) {
            while (i < n && isSep(v.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !isSep(v.charAt(i))) {
                i++;
            }
            if (i > start) {
                out.add(v.substring(start, i));
            }
        }
        return out;
    }

    /** Tells whether the first {@code n} characters of {@code s} are a token (RFC 9110 §5.6.2), at least one. */
    static boolean isToken(String s, int n) {
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 128 || !TOKEN[c]) {
                return false;
            }
        }
        return n > 0;
    }

    private static boolean nul(String s) {
        return s.indexOf('\0') >= 0;
    }

    private static boolean isLws(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isSep(char c) {
        return c == ' ' || c == '\t' || c == ',';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int firstNonLws(String s) {
        int i = 0;
        while (i < s.length() && isLws(s.charAt(i))) {
            i++;
        }
        return i;
    }

    static String trimLws(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && isLws(s.charAt(a))) {
            a++;
        }
        while (b > a && isLws(s.charAt(b - 1))) {
            b--;
        }
        return a == 0 && b == s.length() ? s : s.substring(a, b);
    }
}
