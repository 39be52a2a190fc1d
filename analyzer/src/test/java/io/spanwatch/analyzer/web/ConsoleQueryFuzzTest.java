package io.spanwatch.analyzer.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.index.HostileQueries;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sends the hostile query set ({@link HostileQueries}: the fixed catalogue and seeded random mixes,
 * seed printed) to the real console over loopback, through every route that takes a query, and
 * hostile request targets and parameters beside them. Each answer is a 4xx with a JSON error that
 * says what is wrong, or a 200 within the sizes asked; never a 500; a page never gives a query back
 * as markup and always sends its Content-Security-Policy; and another client is served after each
 * one, and while a search is held. The class timeout stands for "every request returns"; nothing here
 * measures speed. Expensive but valid queries (every URL, leading wildcards, wide ranges) are
 * answered or refused too, their times printed.
 */
@Timeout(900)
class ConsoleQueryFuzzTest {
    @TempDir
    static java.nio.file.Path dir;
    static ConsoleFixture f;

    @BeforeAll
    static void start() throws Exception {
        // the default limits but the rate: every request here comes from one token, one after another
        f = new ConsoleFixture(dir, ConsoleFixture.rate(100_000), true, null);
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void everyHostileQueryIsA4xxWithAReasonOrABoundedAnswerAndTheConsoleGoesOn() throws Exception {
        long seed = Long.getLong("tests.seed", System.nanoTime());
        System.out.println("ConsoleQueryFuzzTest seed " + seed + " (replay with -Dtests.seed=" + seed + ")");
        List<String> queries = new ArrayList<>(HostileQueries.catalogue());
        queries.addAll(HostileQueries.random(seed, 300));
        int[] byStatus = new int[600];
        for (int i = 0; i < queries.size(); i++) {
            String query = queries.get(i);
            String what = HostileQueries.describe(query) + " (seed " + seed + ")";
            String route = switch (i % 4) {
                case 0 -> "/api/v1/events?size=5&q=" + q(query);
                case 1 -> "/api/v1/facets?field=src_ip&size=5&q=" + q(query);
                case 2 -> "/api/v1/histogram?buckets=20&q=" + q(query);
                default -> "/?size=5&q=" + q(query);
            };
            HttpResponse<String> res = f.get(route, f.readToken);
            int status = res.statusCode();
            byStatus[status]++;
            assertTrue(status == 200 || status == 400 || (status == 414 && route.length() > 8000), route.substring(0, Math.min(80,
                    route.length())) + " " + what + ": " + status + " " + res.body().substring(0, Math.min(300, res.body().length())));
            if (route.startsWith("/api/")) {
                JsonNode body = Response.JSON.readTree(res.body());
                if (status != 200) {
                    String error = body.path("error").asText();
                    assertFalse(error.isBlank() || error.equals("null") || error.contains("Exception") || error.contains("org.apache."),
                            "a refusal says what is wrong: " + what + ": " + error);
                } else {
                    assertBounded(route, body, what);
                }
            } else {
                assertTrue(res.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"), what);
                String page = res.body();
                assertFalse(page.contains("<script>alert") || page.contains("<img src=x") || page.contains("<svg onload")
                        || page.contains("</textarea><svg") || page.contains("<i onmouseover"), "the query came back as markup: " + what);
            }
            assertEquals(200, f.get("/api/v1/events?size=1&q=event_type:alert", f.actToken).statusCode(), "served after " + what);
        }
        System.out.printf("ConsoleQueryFuzzTest: %d queries: %d answered, %d refused (400), %d too long (414)%n", queries.size(),
                byStatus[200], byStatus[400], byStatus[414]);
    }

    @Test
    void expensiveButValidQueriesAreAnsweredOrRefused() throws Exception {
        for (String query : new String[] {"http.url:*", "http.url:*e*", "http.url:/(a|aa)*b/", "http.url:/.{1,1000}.{1,1000}.{1,1000}/",
            "http.url:/[^a]*a[^a]{0,300}/", "fileinfo.filename:/((((a*)*)*)*)*/", "http.url:abcdefghij~2", "http.hostname:*.example",
            "src_ip:0.0.0.0/0", "src_ip:::/0", "dest_port:[0 TO 65535]", "timestamp:[* TO *]", "\"file1 file2\"~100000",
            "http.url:" + "?".repeat(500)}) {
            long t0 = System.nanoTime();
            var res = f.get("/api/v1/events?size=5&q=" + URLEncoder.encode(query, StandardCharsets.UTF_8), f.readToken);
            System.out.printf("ConsoleQueryFuzzTest: %s -> %d in %d ms%n", HostileQueries.describe(query), res.statusCode(), (System.nanoTime() - t0) / 1_000_000);
            assertTrue(res.statusCode() == 200 || res.statusCode() == 400, query + ": " + res.statusCode() + " " + res.body().substring(0, Math.min(300, res.body().length())));
        }
    }

    private static void assertBounded(String route, JsonNode body, String what) {
        if (route.startsWith("/api/v1/events")) {
            assertTrue(body.path("events").size() <= 5 && body.path("total").asLong(-1) >= body.path("events").size(), what);
        } else if (route.startsWith("/api/v1/facets")) {
            assertTrue(body.path("buckets").size() <= 5, what);
        } else {
            assertTrue(body.path("buckets").size() <= 20, what);
        }
    }

    /**
     * Netty's decoder keeps 256 parameters and drops the rest without a word: a {@code q} after 256
     * others was lost and its search answered every event. An API route names the parameters it takes:
     * another one ({@code sort=}, a typo) or one given twice was ignored, and the answer looked like
     * what was asked.
     */
    @Test
    void parametersPastTheBoundUnknownOrRepeatedAreRefusedByName() throws Exception {
        String padding = "p=1&".repeat(300);
        HttpResponse<String> late = f.get("/api/v1/events?size=1&" + padding + "q=event_type:nothing", f.readToken);
        assertEquals(400, late.statusCode(), late.body());
        assertTrue(late.body().contains("more than 256 parameters"), late.body());
        assertEquals(400, f.get("/?" + padding + "q=event_type:nothing", f.readToken).statusCode(), "pages too");
        assertEquals(200, f.get("/?" + "p=1&".repeat(255) + "q=event_type:alert", f.readToken).statusCode(), "256 are taken");

        for (String[] c : new String[][] {{"/api/v1/events?q=*&sort=src_ip", "unknown parameter sort"},
            {"/api/v1/events?q=*&sise=5", "unknown parameter sise"}, {"/api/v1/events?q=a&q=b", "parameter q given 2 times"},
            {"/api/v1/facets?field=src_ip&field=dest_ip", "parameter field given 2 times"},
            {"/api/v1/histogram?buckets=5&interval=1s", "unknown parameter interval"},
            {"/api/v1/events/" + "0".repeat(32) + "?x=1", "unknown parameter x: this takes none"}}) {
            HttpResponse<String> res = f.get(c[0], f.readToken);
            assertEquals(400, res.statusCode(), c[0]);
            assertTrue(Response.JSON.readTree(res.body()).path("error").asText().startsWith(c[1]), c[0] + ": " + res.body());
        }
        assertEquals(200, f.get("/?q=event_type:alert&utm_source=mail", f.readToken).statusCode(), "pages take what their links carry");
    }

    /**
     * A search that runs out of time while it walks terms (leading wildcards) answers 200 with
     * {@code timed_out}, not a 500, on every route; and a search held on one worker does not keep
     * another client waiting.
     */
    @Test
    void aSearchStoppedOrHeldKeepsTheConsoleAnswering() throws Exception {
        String wildcards = q("http.url:*1* OR http.url:*2* OR http.url:*e* OR http.url:*x*");
        AtomicInteger asked = new AtomicInteger();
        try {
            f.console.index().queryTimeouts(() -> () -> asked.incrementAndGet() > 5); // a clock that runs out during the walk
            for (String route : List.of("/api/v1/events?q=", "/api/v1/facets?field=src_ip&q=", "/api/v1/histogram?q=")) {
                HttpResponse<String> res = f.get(route + wildcards, f.readToken);
                assertEquals(200, res.statusCode(), route + ": " + res.body());
                assertTrue(Response.JSON.readTree(res.body()).path("timed_out").asBoolean(), route + ": " + res.body());
                asked.set(0);
            }
            HttpResponse<String> page = f.get("/?q=" + wildcards, f.readToken);
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("hit its time limit"), "the page says so");

            // One search held inside the index until released: another client is answered meanwhile
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean first = new AtomicBoolean(true);
            f.console.index().queryTimeouts(() -> {
                boolean hold = first.getAndSet(false);
                return () -> {
                    if (hold) {
                        held.countDown();
                        try {
                            release.await(120, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return false;
                };
            });
            CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return f.get("/api/v1/events?q=" + wildcards, f.readToken);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(held.await(60, TimeUnit.SECONDS), "the first search is held");
            assertEquals(200, f.get("/api/v1/events?size=1&q=event_type:alert", f.actToken).statusCode(), "served while one is held");
            release.countDown();
            assertEquals(200, slow.get(60, TimeUnit.SECONDS).statusCode());
        } finally {
            f.console.index().queryTimeoutMillis(10_000);
        }
    }

    /**
     * Request targets no client library sends: raw bytes that are not UTF-8, NUL and control bytes,
     * broken percent escapes, a target or headers past the limits. Each is answered with a status that
     * says so (or read as text), never a 500 or a closed connection, and the next request is served.
     */
    @Test
    void hostileRequestTargetsAreAnsweredAndTheNextIsServed() throws Exception {
        String head = " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + f.readToken + "\r\nConnection: close\r\n";
        List<Object[]> cases = List.of(
                new Object[] {bytes("GET /api/v1/events?q=", new byte[] {(byte) 0xff, (byte) 0xfe, 'a'}, head + "\r\n"), "200"},
                new Object[] {bytes("GET /api/v1/events?q=a", new byte[] {0, 1, 0x1b}, head + "\r\n"), "200|400"},
                new Object[] {bytes("GET /api/v1/events?q=%C0%AF%ED%A0%80%FF", new byte[0], head + "\r\n"), "200"},
                new Object[] {bytes("GET /api/v1/events?q=%zz", new byte[0], head + "\r\n"), "400"},
                new Object[] {bytes("GET /api/v1/events?q=%", new byte[0], head + "\r\n"), "400"},
                new Object[] {bytes("GET /?q=%E0%A4%A", new byte[0], head + "\r\n"), "400"},
                new Object[] {bytes("GET /api/v1/events?q=" + "%28".repeat(3000), new byte[0], head + "\r\n"), "414"},
                new Object[] {bytes("GET /api/v1/events?q=a", new byte[0], head + "X-Pad: " + "x".repeat(20_000) + "\r\n\r\n"), "431"},
                new Object[] {bytes("GET /api/v1/events?q=a", new byte[0], head + "X-A: a\u0000b\r\n\r\n"), "400"});
        for (Object[] c : cases) {
            String[] answer = exchange((byte[]) c[0]);
            assertTrue(answer[0].matches((String) c[1]), new String((byte[]) c[0], StandardCharsets.ISO_8859_1).substring(0, 40) + ": "
                    + answer[0] + " " + answer[1]);
            if (!answer[0].equals("200")) {
                assertFalse(Response.JSON.readTree(answer[1]).path("error").asText().isBlank(), answer[1]);
            }
            assertEquals(200, f.get("/api/v1/events?size=1&q=event_type:alert", f.actToken).statusCode());
        }
    }

    private static byte[] bytes(String start, byte[] raw, String rest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(start.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(raw);
        out.writeBytes(rest.getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    /** Sends {@code raw} on a new connection and returns the response's status and body. */
    private static String[] exchange(byte[] raw) throws IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", f.server.address().getPort())) {
            s.setSoTimeout(60_000);
            s.getOutputStream().write(raw);
            return ConsoleSecurityTest.readResponse(new java.io.BufferedInputStream(s.getInputStream()));
        }
    }
}
