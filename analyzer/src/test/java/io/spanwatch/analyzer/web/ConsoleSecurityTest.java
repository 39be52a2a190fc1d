package io.spanwatch.analyzer.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may do what: tokens, roles, sessions, CSRF, origins, rate and size limits, headers, escaping. */
class ConsoleSecurityTest {
    @TempDir
    static Path dir;
    static ConsoleFixture f;

    @BeforeAll
    static void start() throws Exception {
        // a high rate so the other checks never meet the limit; the rate test has its own server
        ConsoleConfig cfg = new ConsoleConfig(4, 1000, 4096, 1 << 20, 5, Duration.ofHours(1), Duration.ofSeconds(10));
        f = new ConsoleFixture(dir, cfg, true, null);
    }

    @AfterAll
    static void stop() throws Exception {
        f.close();
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Logs in through the form and returns the session cookie and the page's CSRF token. */
    static String[] login(String token) throws Exception {
        HttpResponse<String> res = f.send(f.request("/login").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + q(token) + "&next=" + q("/alerts"))).build());
        assertEquals(303, res.statusCode());
        assertEquals("/alerts", res.headers().firstValue("location").orElse(""));
        String setCookie = res.headers().firstValue("set-cookie").orElseThrow();
        assertTrue(setCookie.contains("HttpOnly"), setCookie);
        assertTrue(setCookie.contains("SameSite=Strict"), setCookie);
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        HttpResponse<String> page = f.send(f.request("/alerts").header("Cookie", cookie).build());
        assertEquals(200, page.statusCode());
        Matcher m = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page.body());
        assertTrue(m.find(), "pages of a session carry its CSRF token");
        return new String[] {cookie, m.group(1)};
    }

    @Test
    void everyRequestNeedsAToken() throws Exception {
        HttpResponse<String> api = f.get("/api/v1/events", null);
        assertEquals(401, api.statusCode());
        assertEquals("Bearer", api.headers().firstValue("www-authenticate").orElse(""));
        HttpResponse<String> page = f.get("/?q=x", null);
        assertEquals(303, page.statusCode());
        assertTrue(page.headers().firstValue("location").orElse("").startsWith("/login?next="));
        assertEquals(401, f.get("/api/v1/events", "swt_not-a-real-token").statusCode());
        assertEquals(200, f.get("/api/v1/events", f.readToken).statusCode());
        assertEquals(200, f.get("/login", null).statusCode(), "the login page is open");
        HttpResponse<String> badLogin = f.send(f.request("/login").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=swt_wrong")).build());
        assertEquals(401, badLogin.statusCode());
        assertFalse(badLogin.headers().firstValue("set-cookie").isPresent());
    }

    @Test
    void theReadRoleCannotActAndTheActRoleCan() throws Exception {
        String id = f.firstId("event_type:alert");
        HttpRequest.Builder ack = f.request("/api/v1/alerts/" + id).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"ack\"}"));
        assertEquals(403, f.send(ack.copy().header("Authorization", "Bearer " + f.readToken).build()).statusCode());
        assertEquals(403, f.send(f.request("/api/v1/scan").header("Authorization", "Bearer " + f.readToken)
                .header("Content-Type", "multipart/form-data; boundary=x").POST(HttpRequest.BodyPublishers.ofString("--x--")).build()).statusCode());
        assertEquals(200, f.send(ack.copy().header("Authorization", "Bearer " + f.actToken).build()).statusCode());
    }

    @Test
    void formsNeedTheSessionsCsrfTokenAndTheConsolesOrigin() throws Exception {
        String[] s = login(f.actToken);
        String id = f.firstId("event_type:alert AND http.hostname:host0.example");
        HttpRequest.Builder form = f.request("/alerts/" + id).header("Cookie", s[0]).header("Content-Type", "application/x-www-form-urlencoded");
        assertEquals(403, f.send(form.copy().POST(HttpRequest.BodyPublishers.ofString("action=ack")).build()).statusCode(), "no CSRF token");
        assertEquals(403, f.send(form.copy().POST(HttpRequest.BodyPublishers.ofString("action=ack&csrf=forged")).build()).statusCode());
        assertEquals(403, f.send(form.copy().header("Origin", "http://attacker.example")
                .POST(HttpRequest.BodyPublishers.ofString("action=ack&csrf=" + q(s[1]))).build()).statusCode(), "another site");
        assertEquals(403, f.send(form.copy().header("Sec-Fetch-Site", "cross-site")
                .POST(HttpRequest.BodyPublishers.ofString("action=ack&csrf=" + q(s[1]))).build()).statusCode());
        assertFalse(f.console.alerts().get(id).acknowledged(), "nothing changed by a refused request");
        HttpResponse<String> ok = f.send(form.copy().POST(HttpRequest.BodyPublishers.ofString("action=ack&csrf=" + q(s[1])
                + "&back=" + q("https://attacker.example/"))).build());
        assertEquals(303, ok.statusCode());
        assertEquals("/events/" + id, ok.headers().firstValue("location").orElse(""), "never redirects off the console");
        assertTrue(f.console.alerts().get(id).acknowledged());
    }

    @Test
    void loggingInAgainFromASessionStartsANewOne() throws Exception {
        String[] first = login(f.readToken);
        HttpRequest.Builder again = f.request("/login").header("Cookie", first[0]).header("Content-Type", "application/x-www-form-urlencoded");
        HttpResponse<String> res = f.send(again.copy().POST(HttpRequest.BodyPublishers.ofString("token=" + q(f.actToken) + "&next=%2Falerts")).build());
        assertEquals(303, res.statusCode(), "the login form carries no CSRF token, and needs none");
        String cookie = res.headers().firstValue("set-cookie").orElseThrow();
        cookie = cookie.substring(0, cookie.indexOf(';'));
        assertFalse(cookie.equals(first[0]), "a new session id");
        assertEquals(200, f.send(f.request("/alerts").header("Cookie", cookie).build()).statusCode());
        assertEquals(303, f.send(f.request("/alerts").header("Cookie", first[0]).build()).statusCode(), "the old session ended");
        assertEquals(403, f.send(again.copy().header("Origin", "http://attacker.example")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + q(f.actToken))).build()).statusCode(), "another site still cannot");
    }

    @Test
    void aRevokedTokenEndsItsSessionsEvenWhenOneOfTheSameNameIsMade() throws Exception {
        String t = f.tokens.create("temp", Role.ACT);
        String[] s = login(t);
        assertEquals(200, f.send(f.request("/").header("Cookie", s[0]).build()).statusCode());
        assertTrue(f.tokens.revoke("temp"));
        String again = f.tokens.create("temp", Role.READ);
        assertEquals(401, f.get("/api/v1/events", t).statusCode());
        assertEquals(303, f.send(f.request("/").header("Cookie", s[0]).build()).statusCode(), "back to the login page");
        assertEquals(401, f.send(f.request("/api/v1/events").header("Cookie", s[0]).build()).statusCode());
        String id = f.firstId("event_type:alert");
        assertEquals(401, f.send(f.request("/api/v1/alerts/" + id).header("Cookie", s[0]).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"ack\"}")).build()).statusCode(), "nor acts with its old role");
        assertEquals(200, f.send(f.request("/").header("Cookie", login(again)[0]).build()).statusCode(), "the new token logs in");
    }

    @Test
    void aFormBodyWithABadEscapeIs400AndItsBufferIsReleased() throws Exception {
        HttpResponse<String> res = f.send(f.request("/login").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("a=%zz")).build());
        assertEquals(400, res.statusCode());
        java.util.concurrent.ExecutorService workers = java.util.concurrent.Executors.newSingleThreadExecutor();
        io.netty.channel.embedded.EmbeddedChannel ch = new io.netty.channel.embedded.EmbeddedChannel(new Router(f.console, workers));
        try {
            for (String path : List.of("/login", "/searches")) {
                ch.attr(RequestGate.MATCH).set(f.console.routes().find(io.netty.handler.codec.http.HttpMethod.POST, path));
                var req = new io.netty.handler.codec.http.DefaultFullHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                        io.netty.handler.codec.http.HttpMethod.POST, path, io.netty.buffer.Unpooled.copiedBuffer("a=%zz", StandardCharsets.UTF_8));
                req.headers().set("Content-Type", "application/x-www-form-urlencoded").set("Host", "127.0.0.1");
                ch.writeInbound(req);
                io.netty.handler.codec.http.FullHttpResponse out = ch.readOutbound();
                assertEquals(400, out.status().code(), path);
                out.release();
                assertEquals(0, req.refCnt(), path + ": the request's buffer is released");
            }
        } finally {
            ch.finishAndReleaseAll();
            workers.shutdownNow();
        }
    }

    @Test
    void everyResponseCarriesTheSecurityHeaders() throws Exception {
        String id = f.firstId("event_type:http");
        for (String path : List.of("/", "/?q=" + q("(broken"), "/events/" + id, "/alerts", "/searches", "/hosts/198.18.0.1",
                "/files/" + ConsoleFixture.EVIL_SHA, "/api/v1/events", "/no/such/page", "/static/console.css")) {
            HttpResponse<String> r = f.get(path, f.readToken);
            String csp = r.headers().firstValue("content-security-policy").orElse("");
            assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe"), path + ": " + csp);
            assertEquals("nosniff", r.headers().firstValue("x-content-type-options").orElse(""), path);
            assertEquals("DENY", r.headers().firstValue("x-frame-options").orElse(""), path);
        }
    }

    @Test
    void storedFilesGoOutOnlyAsAttachments() throws Exception {
        for (String path : List.of("/files/" + ConsoleFixture.EVIL_SHA + "/download", "/files/" + ConsoleFixture.EVIL_SHA + "/quarantine.zip")) {
            HttpResponse<byte[]> r = f.http.send(f.request(path).header("Authorization", "Bearer " + f.readToken).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode(), path);
            assertTrue(r.headers().firstValue("content-disposition").orElse("").startsWith("attachment; filename=\""), path);
            assertEquals("nosniff", r.headers().firstValue("x-content-type-options").orElse(""));
            assertFalse(r.headers().firstValue("content-type").orElse("").contains("html"));
        }
        int traversal = f.get("/files/..%2f..%2fetc%2fpasswd/download", f.readToken).statusCode();
        assertTrue(traversal == 400 || traversal == 404, "status " + traversal);
        assertEquals(400, f.get("/files/not-a-hash/download", f.readToken).statusCode());
        // A link followed in the browser: an answer it shows as a page, not JSON.
        for (String path : List.of("/files/" + "a".repeat(64), "/files/" + "a".repeat(64) + "/download", "/files/" + "a".repeat(64) + "/quarantine.zip")) {
            HttpResponse<String> missing = f.get(path, f.readToken);
            assertEquals(404, missing.statusCode(), path);
            assertTrue(missing.headers().firstValue("content-type").orElse("").startsWith("text/html"), path);
            assertTrue(missing.body().contains("a".repeat(64)), missing.body());
        }
        HttpResponse<String> style = f.get("/static/nope.css", f.readToken);
        assertEquals(404, style.statusCode());
        assertTrue(style.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
    }

    @Test
    void largeBodiesAreRefusedBeforeTheyAreRead() throws Exception {
        HttpResponse<String> r = f.send(f.request("/api/v1/alerts/x").header("Authorization", "Bearer " + f.actToken)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("x".repeat(10_000))).build());
        assertEquals(413, r.statusCode());
        HttpResponse<String> upload = f.send(f.request("/api/v1/scan").header("Authorization", "Bearer " + f.actToken)
                .header("Content-Type", "multipart/form-data; boundary=x").POST(HttpRequest.BodyPublishers.ofString("x".repeat(2 << 20))).build());
        assertEquals(413, upload.statusCode());
        // past the codec's limits: a request line too long is a 414, headers too large a 431 (RFC 9110, RFC 6585)
        String auth = "Authorization: Bearer " + f.readToken + "\r\n";
        assertEquals("414", rawExchange("GET /api/v1/events?q=" + "x".repeat(9_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "\r\n")[0]);
        assertEquals("431", rawExchange("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "X-Pad: " + "x".repeat(20_000) + "\r\n\r\n")[0]);
    }

    /** Sends {@code raw} on a new connection and returns the first response's status and body. */
    private static String[] rawExchange(String raw) throws IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", f.server.address().getPort())) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
            return readResponse(new java.io.BufferedInputStream(s.getInputStream()));
        }
    }

    /**
     * RFC 9112 §3.2: two Host headers, or none in HTTP/1.1, are a 400; a request target in absolute
     * form is served, its authority standing for the Host. The CSRF token is taken from the form
     * body or its header only, never from the URL (URLs end up in logs and Referer headers). A
     * redirect to a path with characters past ASCII goes out percent-encoded.
     */
    @Test
    void requestFramingAndWhereTheCsrfTokenMayComeFrom() throws Exception {
        String auth = "Authorization: Bearer " + f.readToken + "\r\n";
        assertEquals("400", rawExchange("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n" + auth + "\r\n")[0]);
        assertEquals("400", rawExchange("GET /api/v1/events HTTP/1.1\r\n" + auth + "\r\n")[0]);
        int port = f.server.address().getPort();
        assertEquals("200", rawExchange("GET http://127.0.0.1:" + port + "/api/v1/events?size=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
                + "Connection: close\r\n\r\n")[0]);

        // In absolute form the target's authority is the Host (RFC 9112 §3.2.2), for the Origin check too.
        String ackBody = "{\"action\":\"ack\"}";
        String act = "Authorization: Bearer " + f.actToken + "\r\nContent-Type: application/json\r\nContent-Length: " + ackBody.length()
                + "\r\nConnection: close\r\n";
        String alert = f.firstId("event_type:alert");
        assertEquals(200, f.send(f.request("/api/v1/alerts/" + alert).header("Authorization", "Bearer " + f.actToken)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"unack\"}")).build())
                .statusCode(), "another test may have acknowledged it");
        assertEquals("403", rawExchange("POST http://attacker.example/api/v1/alerts/" + alert + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nOrigin: http://127.0.0.1:" + port + "\r\n" + act + "\r\n" + ackBody)[0], "the Host header does not stand for the target");
        assertFalse(f.console.alerts().get(alert).acknowledged());
        assertEquals("200", rawExchange("POST http://127.0.0.1:" + port + "/api/v1/alerts/" + alert + " HTTP/1.1\r\nHost: other.example"
                + "\r\nOrigin: HTTP://127.0.0.1:" + port + "\r\n" + act + "\r\n" + ackBody)[0], "the target's authority is the Host");
        assertTrue(f.console.alerts().get(alert).acknowledged());

        String[] session = login(f.actToken);
        String id = f.firstId("event_type:alert");
        HttpRequest.Builder form = f.request("/alerts/" + id + "?csrf=" + q(session[1])).header("Cookie", session[0])
                .header("Content-Type", "application/x-www-form-urlencoded");
        assertEquals(403, f.send(form.copy().POST(HttpRequest.BodyPublishers.ofString("action=ack")).build()).statusCode(),
                "a token in the URL is not taken");
        HttpResponse<String> moved = f.send(f.request("/alerts/" + id).header("Cookie", session[0])
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("action=ack&csrf=" + q(session[1]) + "&back=" + q("/hosts/\u00e9t\u00e9"))).build());
        assertEquals(303, moved.statusCode());
        assertEquals("/hosts/%C3%A9t%C3%A9", moved.headers().firstValue("location").orElse(""));
    }

    /** Reads one response (status line, headers, Content-Length body) off {@code in}; returns status and body. */
    static String[] readResponse(java.io.InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            assertTrue(c >= 0, "a whole response: " + head);
            head.append((char) c);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        assertTrue(m.find(), head.toString());
        byte[] body = in.readNBytes(Integer.parseInt(m.group(1)));
        return new String[] {head.substring(9, 12), new String(body, StandardCharsets.UTF_8)};
    }

    /**
     * Pipelined requests get their answers in the order they were sent (RFC 9112 §9.3.2), whichever
     * worker finishes first; before, a search sent first was answered after the style sheet and the
     * 404 sent behind it (an adversarial review, three runs out of three).
     */
    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        for (int round = 0; round < 5; round++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", f.server.address().getPort())) {
                s.setSoTimeout(30_000);
                String auth = "Authorization: Bearer " + f.readToken + "\r\n";
                String host = "Host: 127.0.0.1\r\n";
                s.getOutputStream().write(("GET /api/v1/events?q=event_type:http&size=200 HTTP/1.1\r\n" + host + auth + "\r\n"
                        + "GET /static/console.css HTTP/1.1\r\n" + host + "\r\n"
                        + "GET /api/v1/events/nosuchid HTTP/1.1\r\n" + host + auth + "\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                java.io.InputStream in = new java.io.BufferedInputStream(s.getInputStream());
                String[] first = readResponse(in);
                String[] second = readResponse(in);
                String[] third = readResponse(in);
                assertEquals("200", first[0]);
                assertTrue(first[1].startsWith("{"), "the search first: " + first[1].substring(0, Math.min(80, first[1].length())));
                assertEquals("200", second[0]);
                assertFalse(second[1].startsWith("{"), "the style sheet second");
                assertEquals("404", third[0], "the unknown event last");
            }
        }
    }

    /** A request whose chunked body breaks off is a 400 that acts on nothing, and the connection is closed. */
    @Test
    void aRequestWithABrokenChunkedBodyIsRefusedAndClosesTheConnection() throws Exception {
        String id = f.firstId("event_type:alert");
        String json = "{\"action\":\"ack\"}";
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", f.server.address().getPort())) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(("POST /api/v1/alerts/" + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + f.actToken
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(json.length()) + "\r\n" + json + "\r\nzz\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            java.io.InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            String[] r = readResponse(in);
            assertEquals("400", r[0], r[1]);
            assertEquals(-1, in.read(), "closed after the refusal");
        }
    }

    /**
     * A client that is still sending a refused body must get the refusal, not a reset: the console
     * shuts down its side and drains the rest (a lingering close). Closing at once would make the kernel
     * answer the next segment with a reset, so the client's further writes fail and the answer can be
     * lost with them.
     */
    @Test
    void aRefusedBodyIsDrainedSoTheClientReadsTheRefusal() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", f.server.address().getPort())) {
            s.setSoTimeout(30_000);
            java.io.OutputStream out = s.getOutputStream();
            out.write(("POST /api/v1/scan HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + f.actToken
                    + "\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: " + (2 << 20) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] head = new byte[12];
            int n = 0;
            while (n < head.length) {
                int r = s.getInputStream().read(head, n, head.length - n);
                assertTrue(r > 0, "the refusal arrives before the body is sent");
                n += r;
            }
            assertEquals("HTTP/1.1 413", new String(head, StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 << 10];
            for (int i = 0; i < 8; i++) {
                Thread.sleep(20); // each write after the console has answered, as a slow client's would be
                out.write(chunk); // with a reset, these fail with "Connection reset" or "Broken pipe"
                out.flush();
            }
            byte[] rest = s.getInputStream().readAllBytes(); // ends with the console's FIN, not with a reset
            assertTrue(new String(rest, StandardCharsets.ISO_8859_1).contains("body larger than"), "the whole refusal is read");
        }
    }

    @Test
    void hostileEventFieldsAreTextOnly() throws Exception {
        String id = f.firstId("event_type:http AND http.http_refer:\"javascript:window.__pwned=5\"");
        for (String path : List.of("/", "/?q=" + q("event_type:http"), "/events/" + id, "/hosts/198.18.0.66", "/alerts?state=all",
                "/files/" + ConsoleFixture.EVIL_SHA)) {
            String html = f.get(path, f.readToken).body();
            assertFalse(html.contains("<script>window"), path);
            assertFalse(html.contains("<img src=x"), path);
            assertFalse(html.contains("<svg onload"), path);
            assertFalse(html.contains("\u202e"), path + ": a bidi override is shown, not applied");
            assertFalse(Pattern.compile("(href|src|action)=\"\\s*javascript:", Pattern.CASE_INSENSITIVE).matcher(html).find(), path);
            assertFalse(html.contains(" on") && Pattern.compile("<[^>]+\\son[a-z]+=", Pattern.CASE_INSENSITIVE).matcher(html).find(), path);
        }
        String event = f.get("/events/" + id, f.readToken).body();
        assertTrue(event.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;"), "the URL is shown, as text");
        assertTrue(event.contains("javascript:window.__pwned=5"), "the referer is shown, as text");
        assertTrue(event.contains("\\u202e"), "the bidi override is made visible");
    }

    @Test
    void requestsPastTheRateLimitAre429() throws Exception {
        ConsoleConfig slow = new ConsoleConfig(2, 2, 4096, 1 << 20, 5, Duration.ofHours(1), Duration.ofSeconds(10));
        try (ConsoleFixture g = new ConsoleFixture(dir.resolve("rate"), slow, true, null)) {
            int limited = 0;
            for (int i = 0; i < 12; i++) {
                HttpResponse<String> r = g.get("/api/v1/events?size=1", g.readToken);
                if (r.statusCode() == 429) {
                    limited++;
                    assertTrue(r.headers().firstValue("retry-after").isPresent());
                }
            }
            assertTrue(limited > 0, "12 quick requests at 2/s with bursts of 4");
            assertEquals(200, g.get("/api/v1/events?size=1", g.actToken).statusCode(), "the limit is per token");
        }
    }

    /** Sends {@code GET path} with {@code host} as the Host header (Java's client will not) and returns the status. */
    private static int statusWithHost(ConsoleFixture g, String path, String host, String token) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", g.server.address().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "Connection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(status.substring(9, 12));
        }
    }

    @Test
    void withoutAuthenticationOnlyTheConsolesOwnHostIsServed() throws Exception {
        ConsoleConfig cfg = new ConsoleConfig(2, 1000, 4096, 1 << 20, 5, Duration.ofHours(1), Duration.ofSeconds(10));
        try (ConsoleFixture g = new ConsoleFixture(dir.resolve("rebind"), cfg, false, null)) {
            int port = g.server.address().getPort();
            for (String host : List.of("127.0.0.1:" + port, "127.0.0.1", "localhost:" + port, "LocalHost", "[::1]:" + port)) {
                assertEquals(200, statusWithHost(g, "/api/v1/events?size=1", host, null), host);
            }
            for (String host : List.of("attacker.example", "attacker.example:" + port, "127.0.0.1:" + (port + 1), "localhost.attacker.example",
                    "127.0.0.1.nip.io:" + port, "")) {
                assertEquals(421, statusWithHost(g, "/api/v1/events?size=1", host, null), host);
                assertEquals(421, statusWithHost(g, "/searches", host, null), host);
            }
        }
        assertEquals(200, statusWithHost(f, "/api/v1/events?size=1", "console.example", f.readToken), "with tokens, any name");
    }

    @Test
    void withoutAuthenticationFormsStillNeedCsrf() throws Exception {
        ConsoleConfig cfg = new ConsoleConfig(2, 1000, 4096, 1 << 20, 5, Duration.ofHours(1), Duration.ofSeconds(10));
        try (ConsoleFixture g = new ConsoleFixture(dir.resolve("open"), cfg, false, null)) {
            HttpResponse<String> page = g.get("/searches", null);
            assertEquals(200, page.statusCode());
            String cookie = page.headers().firstValue("set-cookie").orElseThrow();
            assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
            HttpResponse<String> forged = g.send(g.request("/searches").header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("action=save&name=x&q=y")).build());
            assertEquals(403, forged.statusCode(), "a page on another site cannot post to a local console");
        }
    }

    /**
     * A program on the console's machine acts through the API of a console run with {@code --auth
     * none} by sending any bearer value (there are no tokens to check): no browser adds that header
     * to another site's request without a CORS preflight, which the console never grants.
     */
    @Test
    void withoutAuthenticationProgramsActWithAnyBearerValue() throws Exception {
        ConsoleConfig cfg = new ConsoleConfig(2, 1000, 4096, 1 << 20, 5, Duration.ofHours(1), Duration.ofSeconds(10));
        try (ConsoleFixture g = new ConsoleFixture(dir.resolve("program"), cfg, false, null)) {
            String id = g.firstId("event_type:alert");
            HttpRequest.Builder ack = g.request("/api/v1/alerts/" + id).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"ack\"}"));
            assertEquals(403, g.send(ack.copy().build()).statusCode(), "without a session's token or a bearer value");
            assertFalse(g.console.alerts().get(id).acknowledged());
            HttpResponse<String> preflight = g.send(g.request("/api/v1/alerts/" + id).header("Origin", "http://attacker.example")
                    .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "authorization")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
            assertTrue(preflight.headers().firstValue("access-control-allow-origin").isEmpty(), "no CORS grant: " + preflight.headers());
            assertEquals(403, g.send(ack.copy().header("Authorization", "Bearer local").header("Origin", "http://attacker.example").build())
                    .statusCode(), "another site's page, even with the header");
            assertEquals(200, g.send(ack.copy().header("Authorization", "Bearer local").build()).statusCode());
            assertTrue(g.console.alerts().get(id).acknowledged());
        }
    }
}
