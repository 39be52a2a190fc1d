package io.spanwatch.analyzer.web;

import io.spanwatch.analyzer.index.EventIndexReader;
import io.spanwatch.analyzer.index.IndexConfig;
import io.spanwatch.analyzer.index.IndexStage;
import io.spanwatch.analyzer.index.TestEvents;
import io.spanwatch.analyzer.scan.ClamdPool;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a console on 127.0.0.1 (a free port) over an index made from typed events: ordinary
 * downloads, infected ones with alerts, one download whose URL, Host, User-Agent, Referer,
 * content type and file name carry script payloads, and one TLS connection whose server name,
 * protocols and certificate names do. Tokens {@link #readToken} and {@link #actToken}.
 */
public final class ConsoleFixture implements AutoCloseable {
    /** The hostile download's fields; each payload sets {@code window.__pwned} if it ever runs. */
    public static final String EVIL_URL = "/<script>window.__pwned=1</script>?a=\"'><img src=x onerror=window.__pwned=2>";
    public static final String EVIL_HOST = "evil.example\"><script>window.__pwned=3</script>";
    public static final String EVIL_UA = "<svg onload=window.__pwned=4>Mozilla";
    public static final String EVIL_REFERER = "javascript:window.__pwned=5";
    public static final String EVIL_NAME = "invoice<script>window.__pwned=6</script>\u202egpj.exe";
    public static final String EVIL_SHA = "e".repeat(64);
    public static final String INCIDENT_HOST = "198.18.0.77";
    public static final String INCIDENT_SUMMARY = "198.18.0.77 downloaded <script>window.__pwned=14</script>.exe, then called "
            + "\"><img src=x onerror=window.__pwned=15>";
    public static final String EVIL_SNI = "tls.evil.example\"><script>window.__pwned=9</script>";

    public final Path dir;
    public final List<EveEvent> events = new ArrayList<>();
    public final String readToken;
    public final String actToken;
    public final Tokens tokens;
    public final Console console;
    public final ConsoleServer server;
    private final EventIndexReader reader;
    private final AlertStore alerts;
    public final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();

    public ConsoleFixture(Path dir, ConsoleConfig cfg, boolean auth, ClamdPool clamd) throws Exception {
        this(dir, cfg, auth, clamd, List.of());
    }

    /** The same console, its index holding {@code more} events after the fixture's own. */
    public ConsoleFixture(Path dir, ConsoleConfig cfg, boolean auth, ClamdPool clamd, List<EveEvent> more) throws Exception {
        this.dir = dir;
        long t0 = TestEvents.nanos("2026-03-11T06:00:00Z");
        for (int i = 0; i < 60; i++) {
            boolean infected = i % 20 == 0;
            events.addAll(TestEvents.download(100 + i, t0 + i * 30_000_000_000L, "198.18.0." + (i % 5 + 1), "203.0.113." + (i % 3 + 1), 80,
                    "host" + (i % 4) + ".example", "/dl/file" + i + ".exe", "Mozilla/5.0", "file" + i + ".exe", 500 + i,
                    infected ? TestEvents.EICAR_SHA256 : String.format("%064x", i + 1), infected));
        }
        events.addAll(TestEvents.download(999, t0 + 3_600_000_000_000L, "198.18.0.66", "203.0.113.66", 80, EVIL_HOST, EVIL_URL,
                EVIL_UA, EVIL_REFERER, "text/html\"><script>window.__pwned=8</script>", EVIL_NAME, 4242, EVIL_SHA, true));
        // A TLS connection whose server name and certificate names carry payloads too.
        events.add(new io.spanwatch.sensor.event.TlsEvent(t0 + 3_600_000_000_000L + 1_000_000L,
                TestEvents.header(998, "198.18.0.66", 50_998, "203.0.113.66", 443),
                new io.spanwatch.sensor.event.TlsInfo(EVIL_SNI, "TLS 1.2", io.spanwatch.sensor.event.TlsInfo.Fingerprint.of("771,4865,0-10,29,0"),
                        io.spanwatch.sensor.event.TlsInfo.Fingerprint.of("771,4865,65281"), "t12d\"><script>window.__pwned=13</script>",
                        List.of("h2\"><script>window.__pwned=10</script>"),
                        List.of(), new io.spanwatch.sensor.event.TlsInfo.Certificate("CN=<script>window.__pwned=11</script>",
                                "O=\"><img src=x onerror=window.__pwned=12>", "01", "aa:bb", "2026-01-01T00:00:00", "2027-01-01T00:00:00"))));
        // An incident of an internal host, its summary and parts hostile as the traffic they came from.
        events.add(new io.spanwatch.sensor.event.IncidentEvent(t0 + 7_200_000_000_000L, INCIDENT_HOST, "download-then-callback",
                t0 + 7_100_000_000_000L, t0 + 7_200_000_000_000L, 1, INCIDENT_SUMMARY, List.of(
                        new io.spanwatch.sensor.event.IncidentEvent.Part("SpanWatch malware download", "malware", t0 + 7_100_000_000_000L, 0,
                                EVIL_SHA, EVIL_URL, null),
                        new io.spanwatch.sensor.event.IncidentEvent.Part("SpanWatch beacon", "beacon", t0 + 7_200_000_000_000L, 0, null, null,
                                EVIL_HOST))));
        events.addAll(more);
        IndexStage stage = IndexStage.start(dir.resolve("index"), IndexConfig.DEFAULTS, new EveRenderer(TestEvents.SENSOR, false), false,
                Clock.systemUTC());
        events.forEach(stage::onEvent);
        stage.drain();
        stage.close();
        Files.createDirectories(dir.resolve("files"));
        Files.writeString(dir.resolve("files").resolve(EVIL_SHA), "<html><script>window.__pwned=7</script></html>");
        Files.createDirectories(dir.resolve("quarantine"));
        Files.writeString(dir.resolve("quarantine").resolve(EVIL_SHA), "<html><script>window.__pwned=7</script></html>");
        Files.writeString(dir.resolve("quarantine").resolve(EVIL_SHA + ".json"), "{\"sha256\":\"" + EVIL_SHA + "\"}");
        tokens = Tokens.open(dir.resolve("console").resolve("tokens"));
        readToken = tokens.create("reader", Role.READ);
        actToken = tokens.create("analyst", Role.ACT);
        reader = EventIndexReader.open(dir.resolve("index"));
        alerts = AlertStore.open(dir.resolve("console").resolve("alerts.jsonl"), Clock.systemUTC());
        Authenticator a = new Authenticator(auth ? tokens : null, new Sessions(cfg.session(), ConsoleConfig.MAX_SESSIONS, Clock.systemUTC()));
        console = new Console(dir, reader, cfg, a, alerts, SavedSearches.open(dir.resolve("console").resolve("searches.json"),
                Clock.systemUTC()), clamd, Clock.systemUTC());
        server = ConsoleServer.start(console, new InetSocketAddress("127.0.0.1", 0), null);
    }

    /**
     * Returns the defaults but the rate limit, set to {@code perSecond}: tests that send bursts of
     * requests with one token (the per-token limit, ConsoleSecurityTest tests it, would answer some
     * with a 429 depending on their order).
     */
    public static ConsoleConfig rate(int perSecond) {
        ConsoleConfig d = ConsoleConfig.DEFAULTS;
        return new ConsoleConfig(d.threads(), perSecond, d.maxRequestBytes(), d.maxUploadBytes(), d.maxUploadFiles(), d.session(),
                d.queryTimeout());
    }

    public String base() {
        return "http://127.0.0.1:" + server.address().getPort();
    }

    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30));
    }

    public HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    public HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
        return http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** Returns the id of the first event the query finds, through the API. */
    public String firstId(String query) throws Exception {
        var res = get("/api/v1/events?size=1&q=" + java.net.URLEncoder.encode(query, StandardCharsets.UTF_8), actToken);
        return Response.JSON.readTree(res.body()).path("events").path(0).path("id").asText();
    }

    @Override
    public void close() throws IOException {
        server.close();
        reader.close();
        alerts.close();
    }
}
