package io.spanwatch.analyzer.reputation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the STIX 2.1 patterns that name indicators one by one: comparisons with {@code =} (and
 * {@code ISSUBSET} for address ranges), joined by {@code OR} inside an observation or between
 * observations, with optional parentheses:
 * {@code [ipv4-addr:value = '198.51.100.7' OR domain-name:value = 'evil.example']}. Each comparison
 * alone identifies the threat, so each is one indicator. Anything that needs several observations at
 * once ({@code AND}, {@code FOLLOWEDBY}), other operators ({@code !=}, {@code LIKE},
 * {@code MATCHES}, {@code IN}, {@code NOT}) or qualifiers ({@code WITHIN}, {@code REPEATS},
 * {@code START}/{@code STOP}) makes the whole pattern unsupported: matching a part of it would raise
 * alerts the pattern does not mean. Parentheses and brackets nest at most {@link #MAX_DEPTH} deep (a
 * deeper pattern is malformed; real ones nest two or three levels).
 */
final class StixPattern {
    /** Deepest nesting of parentheses and brackets read (the parser recurses once per level). */
    static final int MAX_DEPTH = 64;

    /** One comparison: an object path ({@code domain-name:value}), its operator and the value. */
    record Comparison(String path, String op, String value) {
        /** Returns how the value is matched, or null when the path is not one SpanWatch observes. */
        Indicators.Hint hint() {
            String p = path.toLowerCase(Locale.ROOT).replace("'", "");
            if (op.equals("ISSUBSET")) {
                return p.equals("ipv4-addr:value") || p.equals("ipv6-addr:value") ? Indicators.Hint.IP : null;
            }
            return switch (p) {
                case "ipv4-addr:value", "ipv6-addr:value", "network-traffic:dst_ref.value", "network-traffic:src_ref.value" ->
                        Indicators.Hint.IP;
                case "domain-name:value" -> Indicators.Hint.DOMAIN;
                case "url:value" -> Indicators.Hint.URL;
                case "file:hashes.md5" -> Indicators.Hint.MD5;
                case "file:hashes.sha-1", "file:hashes.sha1" -> Indicators.Hint.SHA1;
                case "file:hashes.sha-256", "file:hashes.sha256" -> Indicators.Hint.SHA256;
                case "x509-certificate:hashes.sha-1", "x509-certificate:hashes.sha1" -> Indicators.Hint.X509_SHA1;
                default -> null;
            };
        }
    }

    private final String text;
    private int pos;
    private int depth;

    private StixPattern(String text) {
        this.text = text;
    }

    /** Returns the comparisons of a pattern, or throws with the reason it is not supported. */
    static List<Comparison> parse(String pattern) throws IndicatorException {
        StixPattern p = new StixPattern(pattern);
        List<Comparison> out = new ArrayList<>();
        p.expression(out, false);
        p.skipSpace();
        if (p.pos < p.text.length()) {
            throw p.unsupported();
        }
        if (out.isEmpty()) {
            throw new IndicatorException("empty pattern");
        }
        return out;
    }

    /** expr := term (OR term)*, where a term is an observation [...] or (expr); inside [...] terms are comparisons. */
    private void expression(List<Comparison> out, boolean inside) throws IndicatorException {
        term(out, inside);
        while (true) {
            skipSpace();
            if (!keyword("OR")) {
                return;
            }
            term(out, inside);
        }
    }

    private void term(List<Comparison> out, boolean inside) throws IndicatorException {
        skipSpace();
        if (pos >= text.length()) {
            throw new IndicatorException("pattern ends early");
        }
        char c = text.charAt(pos);
        if (c == '(' || !inside && c == '[') {
            if (++depth > MAX_DEPTH) {
                throw new IndicatorException("pattern nested deeper than " + MAX_DEPTH + " levels");
            }
            pos++;
            expression(out, inside || c == '[');
            expect(c == '(' ? ')' : ']');
            depth--;
        } else if (inside) {
            out.add(comparison());
        } else {
            throw unsupported();
        }
    }

    private Comparison comparison() throws IndicatorException {
        skipSpace();
        int start = pos;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\'' && pos > start && text.charAt(pos - 1) == '.') {
                int close = text.indexOf('\'', pos + 1);
                if (close < 0) {
                    throw new IndicatorException("unclosed quote in object path");
                }
                pos = close + 1;
            } else if (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == ':' || c == '.' || c == '*' || c == '[' && pos > start
                    || c == ']' && pos > start && text.lastIndexOf('[', pos) > start) {
                pos++;
            } else {
                break;
            }
        }
        String path = text.substring(start, pos);
        if (path.isEmpty() || path.indexOf(':') < 0) {
            throw new IndicatorException("not an object path: " + FeedContext.clip(path));
        }
        skipSpace();
        String op;
        if (pos < text.length() && text.charAt(pos) == '=') {
            pos++;
            op = "=";
        } else if (keyword("ISSUBSET")) {
            op = "ISSUBSET";
        } else {
            throw unsupported();
        }
        skipSpace();
        if (pos >= text.length() || text.charAt(pos) != '\'') {
            throw new IndicatorException("comparison value is not a string");
        }
        pos++;
        StringBuilder v = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw new IndicatorException("unclosed string in pattern");
            }
            char c = text.charAt(pos++);
            if (c == '\\' && pos < text.length()) {
                v.append(text.charAt(pos++));
            } else if (c == '\'') {
                break;
            } else {
                v.append(c);
            }
        }
        return new Comparison(path, op, v.toString());
    }

    private boolean keyword(String k) {
        skipSpace();
        int end = pos + k.length();
        if (end <= text.length() && text.regionMatches(pos, k, 0, k.length())
                && (end == text.length() || !Character.isLetterOrDigit(text.charAt(end)))) {
            pos = end;
            return true;
        }
        return false;
    }

    private void expect(char c) throws IndicatorException {
        skipSpace();
        if (pos >= text.length()) {
            throw new IndicatorException("pattern ends early, '" + c + "' expected");
        }
        if (text.charAt(pos) != c) {
            throw unsupported();
        }
        pos++;
    }

    private IndicatorException unsupported() {
        skipSpace();
        String rest = text.substring(pos);
        String word = rest.isEmpty() ? "the end" : rest.split("[\\s\\[\\]()']", 2)[0];
        if (word.isEmpty()) {
            word = rest.substring(0, 1);
        }
        return new IndicatorException("pattern with " + FeedContext.clip(word) + " (only = and OR of them are matched)", true);
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }
}
