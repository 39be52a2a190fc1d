package io.spanwatch.analyzer.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.CliRun;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.TestCaptures;
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
 * beacon to a C2 name behind a shared address is reported by that name, while browsing other names
 * of that address at irregular times raises nothing; a listed domain alerts on {@code tls.sni}, an
 * SSLBL JA3 on {@code tls.ja3.hash} and an SSLBL certificate on {@code tls.fingerprint}.
 */
class TlsCorrelationTest {
    private static final long T0 = 1_710_223_200_000_000_000L;
    private static final long SECOND = 1_000_000_000L;
    /**
     * The JA3 of {@link TlsHellos#clientHello} with ALPN, written out by hand from its fields (which do
     * not depend on the seed or the name): MD5 of
     * {@code 771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,0-23-65281-10-11-35-16-13-51-45-43,29-23-24,0}.
     */
    private static final String HELLO_JA3 = "ac55c9ddca5ed14bcd43da074877e5f1";
    /**
     * Its JA4, also by hand: TLS 1.3 offered, a server name, 15 cipher suites and 11 extensions without
     * GREASE, ALPN {@code h2}; the suites' hash is the one of Chrome's same 15 suites in FoxIO's
     * examples ({@code 8daaf6152771}), then SHA-256 of
     * {@code 000a,000b,000d,0017,0023,002b,002d,0033,ff01_0403,0804,0401,0503,0805,0501,0806,0601}.
     */
    private static final String HELLO_JA4 = "t13d1511h2_8daaf6152771_9ced094328c9";

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
    void aBeaconOverTlsIsNamedByItsServerNameAndListedNamesAndFingerprintsAlert() throws Exception {
        Path pcap = dir.resolve("tls.pcap");
        Random rnd = new Random(20261204);
        byte[] cert = TestCaptures.selfSigned(dir.resolve("c2.p12"), "CN=cdn-sync.c2-over-tls.example");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, T0);
            // Once, TLS 1.2: the C2's certificate crosses in clear.
            TrafficSynth.Conn first = t.tcp("10.2.0.20", 39_999, "198.51.100.50", 443).handshake();
            first.send(true, TlsHellos.clientHello(7, "cdn-sync.c2-over-tls.example", "http/1.1"));
            first.send(false, TlsHellos.serverHello12(8, "http/1.1", cert));
            first.close();
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
        // abuse.ch SSL Blacklist: the JA3 of this capture's client hellos, and the C2's certificate.
        Files.writeString(feeds.resolve("ja3_fingerprints.csv"), "# ja3_md5,Firstseen,Lastseen,Listingreason\n"
                + HELLO_JA3 + ",2024-03-01 00:00:00,2024-03-10 00:00:00,Test implant\n");
        Files.writeString(feeds.resolve("sslblacklist.csv"), "# Listingdate,SHA1,Listingreason\n2024-03-10 07:44:46,"
                + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1").digest(cert)) + ",Test C&C\n");
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("analyze", "--out", out.toString(), "--set", "scan.enabled=false", "--set", "index.enabled=false",
                "--intel", feeds.resolve("domains.txt").toString(), "--intel", feeds.resolve("ja3_fingerprints.csv").toString(),
                "--intel", feeds.resolve("sslblacklist.csv").toString(), "--home-net", "10.0.0.0/8", pcap.toString());
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
        java.util.Map<String, Long> byField = new java.util.TreeMap<>();
        for (JsonNode a : listed) {
            byField.merge(a.path("reputation").path("field").asText(), 1L, Long::sum);
            assertEquals("10.2.0.20", a.path("src_ip").asText(), a.toString());
            assertEquals("to_server", a.path("direction").asText());
        }
        long c2 = tls.stream().filter(e -> e.path("tls").path("sni").asText().startsWith("cdn-sync.")).count();
        // The domain on every callback, the client's JA3 on every connection, the certificate once.
        assertEquals(java.util.Map.of("tls.sni", c2, "tls.ja3.hash", (long) tls.size(), "tls.fingerprint", 1L), byField);
        assertEquals(HELLO_JA3, tls.getFirst().path("tls").path("ja3").path("hash").asText());
        JsonNode callback = tls.stream().filter(e -> e.path("tls").path("sni").asText().startsWith("cdn-sync.")
                && e.path("tls").path("client_alpns").path(0).asText().equals("h2")).findFirst().orElseThrow();
        assertEquals(HELLO_JA4, callback.path("tls").path("ja4").asText(), callback.toString());
        JsonNode certAlert = listed.stream().filter(a -> a.path("reputation").path("field").asText().equals("tls.fingerprint")).findFirst()
                .orElseThrow();
        assertEquals("x509_sha1", certAlert.path("reputation").path("type").asText(), certAlert.toString());
    }
}
