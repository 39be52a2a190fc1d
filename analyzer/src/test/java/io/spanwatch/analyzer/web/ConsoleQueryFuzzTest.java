package io.spanwatch.analyzer.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sends hostile and random queries to every route that takes one (events, facets, histogram, the
 * search page): each answer is a 200 or a 400 with a message, never a 500 or a hang, a query never
 * comes back unescaped in a page, and the console still answers afterwards. The queries are built
 * from Lucene's syntax with the pieces that break parsers and searchers: unbalanced and deep
 * nesting, leading wildcards, regular expressions that explode when determinized, huge ranges and
 * numbers, fuzzy and proximity operators, bad CIDRs, control and bidi characters, script payloads.
 */
class ConsoleQueryFuzzTest {
    @TempDir
    static java.nio.file.Path dir;
    static ConsoleFixture f;

    private static final String[] FIELDS = {"event_type", "src_ip", "dest_ip", "dest_port", "src_port", "timestamp", "http.hostname",
        "http.url", "http.http_user_agent", "fileinfo.filename", "fileinfo.sha256", "fileinfo.size", "alert.signature", "alert.severity",
        "flow_id", "community_id", "proto", "no.such.field", "", "*", "_id", "http.status"};
    private static final String[] VALUES = {"http", "alert", "10.0.0.0/8", "198.18.0.0/16", "203.0.113.1", "::1", "fc00::/7",
        "10.0.0.0/99", "1.2.3.4/-1", "999.999.999.999", "80", "-1", "99999999999999999999999", "1e308", "NaN", "now", "now-7d",
        "2026-03-11T06:00:00Z", "*", "?", "*.exe", "a*b?c", "\"a b\"~100000", "x~2", "x~", "/.*/", "/(a|aa)*b/",
        "/.{1,1000}.{1,1000}.{1,1000}/", "/[^a]*a[^a]{0,200}/", "/((((((((a*)*)*)*)*)*)*)*)/", "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "\u202egpj.exe", "\u0000", "\u0007\u001b[31m", "%00", "\\", "\\\\",
        "\"", "'", "é中😀", "[1 TO 9]", "{* TO *}", "[* TO now]", "[2026-13-01 TO now]", "[1.1.1.1 TO ::1]", "[10.0.0.1 TO 10.0.0.9]",
        ">5", ">=now-1h", "<0"};
    private static final String[] JOIN = {" AND ", " OR ", " ", " NOT ", " && ", " || ", " +", " -", "^2 ", "^-1 ", "^99999999999 "};

    @BeforeAll
    static void start() throws Exception {
        // the default limits but the rate: every query here comes from one token, one after another
        f = new ConsoleFixture(dir, ConsoleFixture.rate(100_000), true, null);
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    static List<String> queries(long seed, int n) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>(List.of("(".repeat(5000) + "a" + ")".repeat(5000), "(".repeat(5000), "a AND ".repeat(3000) + "a",
                "x".repeat(20_000), "*", "*:*", ":", "::", "\"", "AND", "NOT", "[", "]", "{", "}", "/", "//", "~", "^", "-", "+", "!",
                "src_ip:" + "1".repeat(400), "\"" + "a ".repeat(2000) + "\"~2", "dest_port:[-99999999999999999999 TO 99999999999999999999]"));
        for (int i = 0; i < n; i++) {
            StringBuilder q = new StringBuilder();
            int terms = 1 + r.nextInt(4);
            for (int t = 0; t < terms; t++) {
                if (t > 0) {
                    q.append(JOIN[r.nextInt(JOIN.length)]);
                }
                if (r.nextInt(6) == 0) {
                    q.append('(');
                }
                String field = FIELDS[r.nextInt(FIELDS.length)];
                if (!field.isEmpty()) {
                    q.append(field).append(':');
                }
                q.append(VALUES[r.nextInt(VALUES.length)]);
                if (r.nextInt(6) == 0) {
                    q.append(')');
                }
                if (r.nextInt(10) == 0) { // a random character anywhere
                    q.insert(r.nextInt(q.length() + 1), (char) r.nextInt(0x3000));
                }
            }
            out.add(q.toString());
        }
        return out;
    }

    @Test
    void everyQueryIsAnswered200Or400AndNeverReflected() throws Exception {
        long seed = Long.getLong("tests.seed", System.nanoTime());
        System.out.println("ConsoleQueryFuzzTest seed " + seed + " (replay with -Dtests.seed=" + seed + ")");
        int ok = 0;
        int bad = 0;
        List<String> qs = queries(seed, 400);
        for (int i = 0; i < qs.size(); i++) {
            String query = qs.get(i);
            String q = URLEncoder.encode(query, StandardCharsets.UTF_8);
            String route = switch (i % 4) {
                case 0 -> "/api/v1/events?size=5&q=" + q;
                case 1 -> "/api/v1/facets?field=dest_ip&q=" + q;
                case 2 -> "/api/v1/histogram?buckets=20&q=" + q;
                default -> "/?q=" + q;
            };
            var res = f.get(route, f.readToken);
            int status = res.statusCode();
            assertTrue(status == 200 || status == 400 || status == 414 && query.length() > 4000,
                    route + " (seed " + seed + ", query " + describe(query) + "): " + status + " " + excerpt(res.body()));
            if (status == 400 && route.startsWith("/api/")) {
                String msg = Response.JSON.readTree(res.body()).path("error").asText();
                assertFalse(msg.isBlank(), "a 400 says why: " + describe(query));
            }
            if (route.startsWith("/?")) {
                String body = res.body();
                assertFalse(body.contains("<script>alert(1)") || body.contains("<img src=x"), "the query came back as markup: " + describe(query));
            }
            if (status == 200) {
                ok++;
            } else {
                bad++;
            }
        }
        System.out.println("ConsoleQueryFuzzTest: " + qs.size() + " queries, " + ok + " answered, " + bad + " refused with a reason");
        assertEquals(200, f.get("/api/v1/events?size=1&q=" + URLEncoder.encode("event_type:alert", StandardCharsets.UTF_8),
                f.readToken).statusCode(), "still answering");
    }

    @Test
    void expensiveButValidQueriesAreAnsweredOrRefused() throws Exception {
        for (String query : new String[] {"http.url:*", "http.url:*e*", "http.url:/(a|aa)*b/", "http.url:/.{1,1000}.{1,1000}.{1,1000}/",
            "http.url:/[^a]*a[^a]{0,300}/", "fileinfo.filename:/((((a*)*)*)*)*/", "http.url:abcdefghij~2", "http.hostname:*.example",
            "src_ip:0.0.0.0/0", "src_ip:::/0", "dest_port:[0 TO 65535]", "timestamp:[* TO *]", "\"file1 file2\"~100000",
            "http.url:" + "?".repeat(500)}) {
            long t0 = System.nanoTime();
            var res = f.get("/api/v1/events?size=5&q=" + URLEncoder.encode(query, StandardCharsets.UTF_8), f.readToken);
            System.out.printf("ConsoleQueryFuzzTest: %s -> %d in %d ms%n", describe(query), res.statusCode(), (System.nanoTime() - t0) / 1_000_000);
            assertTrue(res.statusCode() == 200 || res.statusCode() == 400, query + ": " + res.statusCode() + " " + excerpt(res.body()));
        }
    }

    private static String describe(String q) {
        return q.length() > 120 ? "[" + q.length() + " chars] " + q.substring(0, 120) : q;
    }

    private static String excerpt(String s) {
        return s.length() > 300 ? s.substring(0, 300) : s;
    }
}
