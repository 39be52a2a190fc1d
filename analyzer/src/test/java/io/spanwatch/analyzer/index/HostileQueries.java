package io.spanwatch.analyzer.index;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Makes the hostile query set the searcher, parser and console tests share: a fixed catalogue, one
 * entry per way a query can abuse Lucene's syntax or the fields it names (each group is a class of
 * input an adversarial review tried), and random mixes of its pieces from a seed the caller prints.
 */
public final class HostileQueries {
    private HostileQueries() {
    }

    /** The fixed catalogue, by class of input. */
    public static List<String> catalogue() {
        List<String> q = new ArrayList<>();
        // Syntax abuse: unbalanced quotes, parentheses, brackets, operators alone, escapes at the end
        q.addAll(List.of("\"", "\"\"\"", "a:\"b", "(", ")", "((a)", "(a))", "[", "]", "{", "}", "[1 TO", "dest_port:[1 TO",
                "dest_port:[1 TO 5", "AND", "OR", "NOT", "a AND", "OR a", "a NOT", "&&", "||", "!", "+", "-", "+-a", "~", "^", ":", "::",
                "a:", ":a", "a:b:c", "\\", "a\\", "\\\\", "\\\"", "event_type:\\\"", "/", "//", "/abc", "http.url:/dl*", "a\"b\"c",
                "((((", "))))", "a ((b) OR", "a) OR (b"));
        // Deep nesting, thousands of clauses, overlong text
        q.add("(".repeat(3000) + "a" + ")".repeat(3000));
        q.add("(".repeat(5000));
        q.add("NOT ".repeat(2000) + "a");
        q.add("+(".repeat(2000) + "a" + ")".repeat(2000));
        q.add("a OR ".repeat(1600) + "a");
        q.add("a ".repeat(4000));
        q.add("event_type:x OR ".repeat(500) + "a");
        q.add("x".repeat(EventQueryParser.MAX_QUERY_CHARS + 1));
        q.add("\"" + "a ".repeat(3000) + "\"~2");
        // Wildcards: leading, everything, many of them
        q.addAll(List.of("*", "**", "?", "*:*", "*:x", "*:*^5", "NOT *:*", "-*", "(*:* OR *:*)", "*a", "?a*", "http.url:*exe",
                "http.url:*", "http.url:*e*x*e*", "http.url:" + "*a".repeat(1000), "http.url:" + "?".repeat(2000),
                "fileinfo.size:*", "timestamp:*", "src_ip:*", "_id:*", "_text:*", "_source:*"));
        // Regular expressions that explode when written out or determinized, and broken ones
        q.addAll(List.of("http.url:/(a|aa)*b/", "http.url:/a{1,99999}/", "http.url:/a{2147483647}/", "http.url:/.*.*.*/",
                "http.url:/(.*){1000}/", "http.url:/.{0,1000}{0,1000}/", "http.url:/[^a]*a[^a]{0,200}/", "http.url:/.*a.{20}/",
                "http.url:/((((((((a*)*)*)*)*)*)*)*)/", "http.url:/~(a)/", "http.url:/~(.*a.*)&~(.*b.*)/", "http.url:/<1-99999999999999999999>/",
                "http.url:/<5-1>/", "http.url:/@/", "http.url:/#/", "http.url:/[/", "http.url:/(/", "http.url:/a{5,1}/",
                "http.url:/" + "(a|b)".repeat(150) + "/", "http.url:/" + "a".repeat(1001) + "/", "_text:/.*/",
                "http.url:/(.*){40}/ OR http.url:/(.*){40}/ OR http.url:/(.*){40}/ OR http.url:/(.*){40}/ OR http.url:/(.*){40}/"));
        // Fuzzy, proximity, boosts
        q.addAll(List.of("x~", "x~2", "x~5", "x~0.5", "x~-1", "x~99999999999999999999", "http.url:x~2~2", "a".repeat(3000) + "~2",
                "http.url:abcdefghijklmnopqrstuvwxyz~2", "\"a b\"~100000", "\"a b\"~99999999999", "\"a b\"~-5", "\"a b\"~0.5",
                "a^0", "a^-1", "a^1e40", "a^NaN", "a^99999999999999999999", "(a)^2^3", "http.url:x^", "\"a\"^2~3"));
        // Ranges: open, reversed, garbage bounds, on strings, numbers, times and addresses
        q.addAll(List.of("dest_port:[1 TO *]", "dest_port:[* TO *]", "dest_port:{* TO *}", "dest_port:[5 TO 1]", "dest_port:[a TO b]",
                "dest_port:[1 TO]", "dest_port:[TO 5]", "dest_port:[1 TO 5}", "dest_port:[-99999999999999999999 TO 99999999999999999999]",
                "dest_port:99999999999999999999", "dest_port:NaN", "dest_port:1e3", "dest_port>", "dest_port>=*", "dest_port<<1",
                "fileinfo.size:[1.5 TO 2]", "fileinfo.size:1e308", "flow_id:18446744073709551615", "flow_id:18446744073709551616",
                "http.hostname:[a TO z]", "http.hostname:{* TO m}", "event_type:[* TO *]", "*:[1 TO *]", "*>5", "*<x", "*:{* TO now}", "http.url:[\\u0000 TO \\uffff]"));
        // Times reversed, absurd, malformed
        q.addAll(List.of("timestamp:[now TO now-1d]", "timestamp:[0000-01-01 TO 9999-12-31]", "timestamp:[999999-01-01 TO *]",
                "timestamp:NaN", "timestamp:[NaN TO NaN]", "timestamp:[-1 TO 5]", "timestamp:now-99999999999d",
                "timestamp:now+9223372036854775807s", "timestamp:now-", "timestamp:now-1y", "timestamp:2024-02-30", "timestamp>now",
                "timestamp<0000-01-01", "timestamp:[2024-03-11T06:00:00+99:00 TO *]", "timestamp:\"2024-03-11T06:00:00.99999999999999Z\"",
                "timestamp:2024-03-11T25:00:00Z", "timestamp:[0000-01-01T00:00:00+18:00 TO *]", "timestamp:[* TO 9999-12-31T23:59:59-18:00]"));
        // Addresses: malformed CIDR, zone ids, mapped IPv6, names (never resolved), ranges and patterns
        q.addAll(List.of("src_ip:10.0.0.0/33", "src_ip:\"10.0.0.0/33\"", "src_ip:\"fe80::1%eth0\"", "src_ip:\"fe80::1%25eth0/64\"",
                "src_ip:\"::ffff:1.2.3.4/100\"", "src_ip:\"::ffff:1.2.3.4/129\"", "src_ip:\"1.2.3.4/-1\"", "src_ip:\"1.2.3.4/\"",
                "src_ip:\"/8\"", "src_ip:\"999.1.1.1/8\"", "src_ip:\"1.2.3/24\"", "src_ip:\"1.2.3.4/99999999999\"", "src_ip:\"01.2.3.4\"",
                "src_ip:\"1.2.3.4.5\"", "src_ip:\"[::1]\"", "src_ip:localhost", "src_ip:\"example.com\"", "src_ip:\"::1::1\"",
                "src_ip:[10.0.0.9 TO 10.0.0.1]", "src_ip:[* TO ::]", "src_ip:{:: TO *}", "src_ip:{* TO *}", "src_ip:[foo TO bar]",
                "src_ip:10.*.1.*", "src_ip:1*", "src_ip:10.0.0.1~2", "src_ip:/10.*/", "src_ip:\"1.2.3.4 5.6.7.8\"",
                "dest_ip:\"" + "1:".repeat(40) + "1\""));
        // Fields: unknown, dotted, escaped, Unicode, the index's own
        q.addAll(List.of("no.such.field:1", "a\\.b:1", "a\\:b:c", "é.中:x", "\u0000:x", "_source:x", "_tb:1", "_tb:[1 TO 2]", "_id:xyz",
                "_id:[a TO b]", "_id:a*", "_text:x", ".:x", "..:x", "a..b:x", "http.:x", "http:x", "\\*:x", "f".repeat(300) + ":x"));
        // Control, NUL, bidi, lone surrogates, markup
        q.addAll(List.of("\u0000", "a\u0000b", "http.url:\u0001\u0002", "\u001b[31m", "\u202egpj.exe", "\ud800", "a\udc00b", "\uffff",
                "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "</textarea><svg onload=alert(1)>", "javascript:alert(1)"));
        return q;
    }

    /** Pieces the random mixes are made of: fields, values and joiners. */
    private static final String[] FIELDS = {"event_type", "src_ip", "dest_ip", "dest_port", "timestamp", "http.hostname", "http.url",
        "fileinfo.size", "fileinfo.sha256", "flow_id", "_id", "no.such", "", "*"};
    private static final String[] VALUES = {"http", "*", "?", "*x*", "10.0.0.0/8", "\"10.0.0.0/99\"", "::1", "80", "-1", "1e400", "NaN",
        "now-1d", "[1 TO *]", "{* TO now}", "[z TO a]", "/(a|aa)*b/", "/a{1,5000}/", "x~2", "\"a b\"~9", "\u0000", "\u202e",
        "<i onmouseover=x>", "(", ")", "\"", "\\", "[", "}"};
    private static final String[] JOINERS = {" AND ", " OR ", " ", " NOT ", " && ", " || ", " +", " -", "^2 ", "^-1 "};

    /** Returns {@code n} random mixes of the pieces; the same seed gives the same queries. */
    public static List<String> random(long seed, int n) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder q = new StringBuilder();
            for (int t = 0, terms = 1 + r.nextInt(5); t < terms; t++) {
                if (t > 0) {
                    q.append(JOINERS[r.nextInt(JOINERS.length)]);
                }
                if (r.nextInt(5) == 0) {
                    q.append('(');
                }
                String field = FIELDS[r.nextInt(FIELDS.length)];
                q.append(field.isEmpty() ? "" : field + ":").append(VALUES[r.nextInt(VALUES.length)]);
                if (r.nextInt(5) == 0) {
                    q.append(')');
                }
            }
            if (r.nextInt(4) == 0) { // a random character anywhere, from the whole BMP
                q.insert(r.nextInt(q.length() + 1), (char) r.nextInt(0x10000));
            }
            out.add(q.toString());
        }
        return out;
    }

    /** Returns {@code n} strings of Lucene's syntax characters and a few letters, for the parser alone. */
    public static List<String> syntaxSoup(long seed, int n) {
        String alphabet = "()[]{}\"'\\/:*?~^+-!&| \t\n.,<>@#=0123456789abcxyzTO\u0000\u00e9\u202e";
        Random r = new Random(seed);
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder s = new StringBuilder();
            for (int j = 0, len = r.nextInt(60); j < len; j++) {
                s.append(r.nextInt(10) == 0 ? " TO " : r.nextInt(10) == 0 ? "src_ip:" : String.valueOf(alphabet.charAt(r.nextInt(alphabet.length()))));
            }
            out.add(s.toString());
        }
        return out;
    }

    /** Returns a query for a message: short, with its length when cut. */
    public static String describe(String q) {
        String shown = q.length() > 100 ? q.substring(0, 100) + "... [" + q.length() + " chars]" : q;
        StringBuilder out = new StringBuilder();
        shown.chars().forEach(c -> out.append(c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x2000 && c < 0x2070) || Character.isSurrogate((char) c)
                ? String.format("\\u%04x", c) : String.valueOf((char) c)));
        return out.toString();
    }
}
