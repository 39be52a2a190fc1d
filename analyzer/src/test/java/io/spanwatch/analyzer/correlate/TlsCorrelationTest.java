package io.spanwatch.analyzer.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.CliRun;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TlsHellos;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS seen only through its handshakes, through {@code spanwatch analyze}: callbacks over TLS
 * count for the server name the client asked for (as an HTTP request's count for its Host), so a
 * beacon to a C2 name behind a shared address is reported by that name, and a listed domain alerts
 * on {@code tls.sni}, while browsing the same address at irregular times raises nothing.
 */
class TlsCorrelationTest {
    private static final long T0 = 1_710_223_200_000_000_000L;
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;

    /** One TLS 1.3 connection from {@code client} to {@code server}:443 naming {@code name}. */
    private static void connect(TrafficSynth t, String client, int port, String server, String name, long seed) throws Exception {
        TrafficSynth.Conn c = t.tcp(client, port, server, 443).handshake();
        c.send(true, TlsHellos.clientHello(seed, name, "h2", "http/1.1"));
        c.send(false, TlsHellos.serverHello13(seed + 1));
        c.send(true, new byte[] {23, 3, 3, 0, 40, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40});
        c.close();
    }

    @Test
    void aBeaconOverTlsIsNamedByItsServerNameAndAListedNameAlerts() throws Exception {
        Path pcap = dir.resolve("tls.pcap");
        Random rnd = new Random(20261204);
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, T0);
            long now = T0;
            int port = 40_000;
            long nextBeacon = T0;
            long nextBrowse = T0 + 7 * SECOND;
            // Three hours: a callback every 5 minutes (jitter +-5 %) to c2 on a shared address, and a
            // person on the same host browsing two other names of that address at irregular times, so
            // the address alone shows no timer.
            while (now < T0 + 3 * 3600 * SECOND) {
                if (nextBeacon <= nextBrowse) {
                    t.advance(nextBeacon - t.now());
                    connect(t, "10.2.0.20", port++, "198.51.100.50", "cdn-sync.c2-over-tls.example", port);
                    nextBeacon += (long) (300 * SECOND * (0.95 + 0.1 * rnd.nextDouble()));
                } else {
                    t.advance(Math.max(0, nextBrowse - t.now()));
                    connect(t, "10.2.0.20", port++, "198.51.100.50", rnd.nextBoolean() ? "www.shop.example" : "static.shop.example", port);
                    nextBrowse += (long) (SECOND * Math.exp(3 + 3 * rnd.nextDouble()));
                }
                now = t.now();
                if (port > 60_000) {
                    port = 40_000;
                }
            }
        }
        Path feeds = Files.createDirectory(dir.resolve("feeds"));
        Files.writeString(feeds.resolve("domains.txt"), "c2-over-tls.example\n");
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("analyze", "--out", out.toString(), "--set", "scan.enabled=false", "--set", "index.enabled=false",
                "--intel", feeds.resolve("domains.txt").toString(), "--home-net", "10.0.0.0/8", pcap.toString());
        assertEquals(0, r.status(), r.output());
        EveLog eve = EveLog.read(out.resolve("eve.json"));
        List<JsonNode> tls = eve.ofType("tls");
        assertTrue(tls.size() > 36, "a tls event per connection: " + tls.size());
        List<JsonNode> alerts = eve.ofType("alert");
        List<JsonNode> beacons = alerts.stream().filter(a -> "beacon".equals(a.path("alert").path("category").asText())).toList();
        assertEquals(1, beacons.size(), "one beacon, from the C2's client: " + beacons);
        JsonNode b = beacons.getFirst();
        assertEquals("10.2.0.20", b.path("src_ip").asText(), b.toString());
        assertEquals("cdn-sync.c2-over-tls.example", b.path("beacon").path("host").asText(), b.toString());
        assertEquals("tls", b.path("app_proto").asText(), b.toString());
        List<JsonNode> listed = alerts.stream().filter(a -> "reputation".equals(a.path("alert").path("category").asText())).toList();
        assertTrue(!listed.isEmpty(), "the listed domain alerts: " + alerts);
        for (JsonNode a : listed) {
            assertEquals("tls.sni", a.path("reputation").path("field").asText(), a.toString());
            assertEquals("10.2.0.20", a.path("src_ip").asText());
            assertEquals("to_server", a.path("direction").asText());
        }
    }
}
