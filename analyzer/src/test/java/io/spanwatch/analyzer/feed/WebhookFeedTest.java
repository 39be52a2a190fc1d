package io.spanwatch.analyzer.feed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.spanwatch.analyzer.cli.Main;
import io.spanwatch.analyzer.events.EventIds;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feeds a webhook server the test runs (the JDK's HttpServer on loopback): EVE bodies equal to the
 * eve.json lines, HMAC-SHA256 signatures, ECS documents, retries after 5xx, a 4xx skipped, and a
 * receiver that is down for a whole offline run getting every alert once from {@code spanwatch feed}.
 */
class WebhookFeedTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** One request the server received. */
    record Hit(Map<String, String> headers, byte[] body) {
    }

    /** A webhook receiver: answers each POST with {@code status.getAsInt()} and keeps what it was sent. */
    static final class Receiver implements AutoCloseable {
        final List<Hit> hits = Collections.synchronizedList(new ArrayList<>());
        final HttpServer server;

        Receiver(int port, IntSupplier status) throws Exception {
            this(port, status, null);
        }

        /** With {@code tls}, an HTTPS server presenting that context's certificate. */
        Receiver(int port, IntSupplier status, javax.net.ssl.SSLContext tls) throws Exception {
            if (tls != null) {
                com.sun.net.httpserver.HttpsServer s = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1", port), 0);
                s.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
                server = s;
            } else {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
            }
            server.createContext("/hook", ex -> {
                byte[] body = ex.getRequestBody().readAllBytes();
                int s = status.getAsInt();
                if (s == 200) {
                    Map<String, String> h = new HashMap<>();
                    ex.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), v.get(0)));
                    hits.add(new Hit(h, body));
                }
                ex.sendResponseHeaders(s, -1);
                ex.close();
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private Map<String, String> alertLines(Path out) throws Exception {
        Map<String, String> alerts = new HashMap<>();
        for (String line : Files.readAllLines(out.resolve("eve.json"))) {
            if (JSON.readTree(line).path("event_type").asText().equals("alert")) {
                alerts.put(EventIds.ofJson(line), line);
            }
        }
        return alerts;
    }

    private static int run(String... args) {
        return Main.run(args);
    }

    @Test
    void everyAlertIsPostedOnceAsItsEveLineSigned() throws Exception {
        Path pcap = tmp.resolve("a.pcap");
        AlertCapture.write(pcap, 6);
        Path secret = tmp.resolve("hook.key");
        Files.writeString(secret, "s3cr3t-shared\n");
        try (Receiver r = new Receiver(0, () -> 200)) {
            Path out = tmp.resolve("run");
            assertEquals(0, run("analyze", "--out", out.toString(), "--clamd", "127.0.0.1:" + Rsyslog.freePort(), "--set",
                    "feed.drain-seconds=300", "--feed", "webhook+http://127.0.0.1:" + r.port() + "/hook?secret-file=" + secret, pcap.toString()));
            Map<String, String> alerts = alertLines(out);
            assertEquals(6, alerts.size());
            assertEquals(6, r.hits.size());
            for (Hit h : r.hits) {
                String id = h.headers().get("x-spanwatch-event-id");
                assertTrue(alerts.containsKey(id), id);
                assertArrayEquals(alerts.get(id).getBytes(StandardCharsets.UTF_8), h.body(), "body is the eve.json line");
                assertEquals(WebhookTransport.signature("s3cr3t-shared".getBytes(StandardCharsets.UTF_8), h.body()),
                        h.headers().get("x-spanwatch-signature"));
                assertEquals("alert", h.headers().get("x-spanwatch-event"));
                assertEquals("application/json", h.headers().get("content-type"));
                assertNull(h.headers().get("upgrade"), "no h2c upgrade asked of a receiver in the clear");
            }
            assertEquals(6, r.hits.stream().map(h -> h.headers().get("x-spanwatch-event-id")).distinct().count());
        }
    }

    @Test
    void ecsDocumentsCarryTheAlertUnderEcsNames() throws Exception {
        try (Receiver r = new Receiver(0, () -> 200)) {
            FeedSpec spec = FeedSpec.parse("webhook+http://127.0.0.1:" + r.port() + "/hook?format=ecs");
            try (FeedStage f = Feeds.open(spec, tmp, FeedConfig.DEFAULTS.withDrainMillis(300_000), "ecs-sensor", true, null).start()) {
                f.onEvent(FeedEvents.malware(1, true));
                f.onEvent(FeedEvents.reputation(2));
                f.onEvent(FeedEvents.incident(3));
                f.drain();
            }
            assertEquals(3, r.hits.size());
            JsonNode m = JSON.readTree(r.hits.get(0).body());
            assertEquals("alert", m.path("event").path("kind").asText());
            assertEquals(r.hits.get(0).headers().get("x-spanwatch-event-id"), m.path("event").path("id").asText());
            assertEquals(FeedEvents.HOSTILE_SIG, m.path("rule").path("name").asText());
            assertEquals("2100001", m.path("rule").path("id").asText());
            assertEquals("203.0.113.2", m.path("source").path("ip").asText());
            assertEquals("10.1.0.2", m.path("destination").path("ip").asText());
            assertEquals(FeedEvents.HOSTILE_URL + 1, m.path("url").path("original").asText());
            assertEquals(FeedEvents.HOSTILE_UA, m.path("user_agent").path("original").asText());
            assertEquals(String.format("%064x", 1), m.path("file").path("hash").path("sha256").asText());
            assertEquals("ecs-sensor", m.path("observer").path("name").asText());
            assertEquals("tcp", m.path("network").path("transport").asText());
            assertEquals("6", m.path("network").path("iana_number").asText());
            JsonNode rep = JSON.readTree(r.hits.get(1).body());
            assertEquals("url", rep.path("threat").path("indicator").path("type").asText());
            assertEquals("http://evil.example:8080/gate.php|a=b", rep.path("threat").path("enrichments").get(0).path("matched")
                    .path("atomic").asText());
            assertEquals("evil.example", rep.path("url").path("domain").asText());
            assertEquals(8080, rep.path("url").path("port").asInt());
            JsonNode inc = JSON.readTree(r.hits.get(2).body());
            assertEquals("download-then-callback", inc.path("rule").path("name").asText());
            assertEquals(2, inc.path("spanwatch").path("incident").path("alerts").size());
        }
    }

    @Test
    void httpsTrustsTheOperatorsCaOnly() throws Exception {
        String why = Rsyslog.missing(true);
        org.junit.jupiter.api.Assumptions.assumeTrue(why == null, why);
        Path pki = tmp.resolve("pki");
        Rsyslog.makePki(pki);
        Process p = new ProcessBuilder("openssl", "pkcs12", "-export", "-in", "server.pem", "-inkey", "server.key", "-out", "server.p12",
                "-passout", "pass:test").directory(pki.toFile()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(pki.resolve("server.p12"))) {
            ks.load(in, "test".toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, "test".toCharArray());
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        try (Receiver r = new Receiver(0, () -> 200, ctx)) {
            String base = "webhook+https://127.0.0.1:" + r.port() + "/hook";
            FeedConfig cfg = FeedConfig.DEFAULTS.withRetryMillis(50, 100).withDrainMillis(60_000);
            // Without the CA the JDK's roots do not trust the test's certificate: nothing is delivered, all waits.
            try (FeedStage f = Feeds.open(FeedSpec.parse(base), tmp.resolve("a"), cfg, "s", false, null).start()) {
                f.onEvent(FeedEvents.malware(1, false));
                for (int i = 0; i < 600 && f.lastError() == null; i++) {
                    Thread.sleep(50); // until the first attempt has failed
                }
                assertEquals(1, f.pending());
                assertTrue(f.lastError() != null && f.lastError().contains("SSL"), String.valueOf(f.lastError()));
            }
            assertEquals(0, r.hits.size());
            try (FeedStage f = Feeds.open(FeedSpec.parse(base + "?ca=" + pki.resolve("ca.pem")), tmp.resolve("a"), cfg, "s", false, null)
                    .start()) {
                f.drain();
                assertEquals(0, f.pending(), f.lastError());
            }
            assertEquals(1, r.hits.size());
        }
    }

    @Test
    void serverErrorsAreRetriedAndARefusedRecordIsSkipped() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        // The first two calls fail with 503 (retried); the third event is refused with 400 (skipped) once.
        try (Receiver r = new Receiver(0, () -> {
            int n = calls.incrementAndGet();
            return n <= 2 ? 503 : n == 5 ? 400 : 200;
        })) {
            FeedSpec spec = FeedSpec.parse("webhook+http://127.0.0.1:" + r.port() + "/hook");
            FeedConfig cfg = FeedConfig.DEFAULTS.withRetryMillis(50, 200).withDrainMillis(300_000);
            Map<String, Long> stats = new HashMap<>();
            try (FeedStage f = Feeds.open(spec, tmp, cfg, "s", false, null).start()) {
                for (int i = 0; i < 5; i++) {
                    f.onEvent(FeedEvents.malware(i, false));
                }
                f.drain();
                f.addStats(stats);
            }
            assertEquals(4, r.hits.size(), "5 events, one refused");
            String p = "feed." + spec.name() + ".";
            assertEquals(1, stats.get(p + "rejected"));
            assertEquals(2, stats.get(p + "failures"));
            assertEquals(4, stats.get(p + "delivered"));
            assertEquals(0, stats.get(p + "pending"));
        }
    }

    @Test
    void aReceiverDownForAWholeRunGetsEverythingOnceFromSpanwatchFeed() throws Exception {
        Path pcap = tmp.resolve("a.pcap");
        AlertCapture.write(pcap, 8);
        int port = Rsyslog.freePort(); // nothing listens there during the run
        Path out = tmp.resolve("run");
        PrintStream oldErr = System.err;
        ByteArrayOutputStream errText = new ByteArrayOutputStream();
        System.setErr(new PrintStream(errText, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = run("analyze", "--out", out.toString(), "--clamd", "127.0.0.1:" + Rsyslog.freePort(), "--set",
                    "feed.drain-seconds=1", "--feed", "webhook+http://127.0.0.1:" + port + "/hook", pcap.toString());
        } finally {
            System.setErr(oldErr);
        }
        assertEquals(0, status, "a receiver that is down does not fail the analysis");
        assertTrue(errText.toString(StandardCharsets.UTF_8).contains("8 wait in"), errText.toString(StandardCharsets.UTF_8));
        Map<String, String> alerts = alertLines(out);
        assertEquals(8, alerts.size());

        // A --feed whose name no outbox has (the receiver moved) says where the events wait, instead of
        // making an empty outbox of its own and saying that nothing waits
        ByteArrayOutputStream moved = new ByteArrayOutputStream();
        System.setErr(new PrintStream(moved, true, StandardCharsets.UTF_8));
        try {
            status = run("feed", "--out", out.toString(), "--feed", "webhook+http://127.0.0.1:" + Rsyslog.freePort() + "/hook");
        } finally {
            System.setErr(oldErr);
        }
        assertEquals(1, status, "nothing was delivered while 8 events wait");
        String why = moved.toString(StandardCharsets.UTF_8);
        assertTrue(why.contains("no outbox named") && why.contains(FeedSpec.parse("webhook+http://127.0.0.1:" + port + "/hook").name())
                && why.contains("name=NAME"), why);
        try (var dirs = Files.list(out.resolve(Feeds.OUTBOX))) {
            assertEquals(1, dirs.count(), "no outbox made for it");
        }
        try (Receiver r = new Receiver(port, () -> 200)) {
            PrintStream oldOut = System.out;
            ByteArrayOutputStream outText = new ByteArrayOutputStream();
            System.setOut(new PrintStream(outText, true, StandardCharsets.UTF_8));
            try {
                assertEquals(0, run("feed", "--out", out.toString()));
            } finally {
                System.setOut(oldOut);
            }
            assertTrue(outText.toString(StandardCharsets.UTF_8).contains(": 8 delivered, 0 waiting"), outText.toString(StandardCharsets.UTF_8));
            assertEquals(8, r.hits.size());
            for (Hit h : r.hits) {
                assertArrayEquals(alerts.get(h.headers().get("x-spanwatch-event-id")).getBytes(StandardCharsets.UTF_8), h.body());
            }
            assertEquals(0, run("feed", "--out", out.toString()), "nothing left: a second run delivers nothing");
            assertEquals(8, r.hits.size());
        }
    }
}
