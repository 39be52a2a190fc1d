package io.spanwatch.analyzer.reputation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.CliRun;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spanwatch analyze --intel}: every kind of indicator alerts through the whole pipeline, naming its client; retro-hunt across runs. */
class ReputationAnalyzeTest {
    private static final long T0 = 1_710_137_621_000_000_000L;
    private static final byte[] PAYLOAD = "MZ pretend payload\n".repeat(40).getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    /** Writes HTTP GETs (client, server, host, path, body) and one UDP datagram. */
    private static void capture(Path pcap, long start, String[][] gets, String[] udp) throws Exception {
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, start);
            int port = 40000;
            for (String[] g : gets) {
                byte[] body = g[4].getBytes(StandardCharsets.US_ASCII);
                TrafficSynth.Conn c = t.tcp(g[0], port++, g[1], 80).handshake();
                c.send(true, ("GET " + g[3] + " HTTP/1.1\r\nHost: " + g[2] + "\r\nUser-Agent: test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                c.send(false, ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                c.send(false, body);
                c.close();
                t.advance(1_000_000_000L);
            }
            if (udp != null) {
                t.udp(udp[0], 123, udp[1], 123, new byte[48]);
            }
        }
    }

    private static List<JsonNode> events(Path eve, String type) {
        return EveLog.read(eve).ofType(type);
    }

    @Test
    void everyKindOfIndicatorAlertsAndNamesItsClient() throws Exception {
        Path pcap = dir.resolve("a.pcap");
        String body = new String(PAYLOAD, StandardCharsets.US_ASCII);
        capture(pcap, T0, new String[][] {
            {"10.1.0.5", "203.0.113.7", "c2.evil.example", "/gate.php", "ok"},
            {"10.1.0.5", "203.0.113.8", "dl.example", "/x/../payload.bin", body},
            {"10.1.0.6", "198.51.100.9", "notes-evil.example", "/", "fine"},
        }, new String[] {"10.1.0.7", "203.0.113.99"});
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(PAYLOAD));
        Path feeds = Files.createDirectory(dir.resolve("feeds"));
        Feeds.write(feeds, "domains.txt", "evil.example\n");
        Feeds.write(feeds, "feodo.csv", "# \"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n"
                + "\"2024-03-10 07:44:46\",\"203.0.113.99\",\"123\",\"online\",\"2024-03-10\",\"QakBot\"\n");
        Feeds.write(feeds, "urlhaus.csv", "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"
                + "\"1\",\"2024-03-10 09:51:07\",\"http://DL.example/payload.bin\",\"online\",\"\",\"malware_download\",\"exe\",\"l\",\"r\"\n");
        Feeds.write(feeds, "hashes.txt", sha + "\n");
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("analyze", "--out", out.toString(), "--set", "scan.enabled=false", "--intel", feeds.resolve("domains.txt").toString(),
                "--intel", feeds.resolve("feodo.csv").toString(), "--intel", feeds.resolve("urlhaus.csv").toString(), "--intel",
                feeds.resolve("hashes.txt").toString(), "--home-net", "10.0.0.0/8", pcap.toString());
        assertEquals(0, r.status(), r.output());
        List<JsonNode> alerts = events(out.resolve("eve.json"), "alert");
        assertEquals(4, alerts.size(), alerts.toString());
        for (JsonNode a : alerts) {
            assertEquals("reputation", a.path("alert").path("category").asText());
            assertTrue(a.path("retro").isMissingNode());
        }
        JsonNode domain = find(alerts, "evil.example");
        assertEquals("domain", domain.path("reputation").path("type").asText());
        assertEquals("http.hostname", domain.path("reputation").path("field").asText());
        assertEquals("domains.txt", domain.path("reputation").path("feed").asText());
        assertEquals("10.1.0.5", domain.path("src_ip").asText());
        assertEquals("c2.evil.example", domain.path("http").path("hostname").asText());
        JsonNode url = find(alerts, "http://DL.example/payload.bin");
        assertEquals("http.url", url.path("reputation").path("field").asText());
        assertEquals("malware_download", url.path("reputation").path("threat").asText());
        JsonNode file = find(alerts, sha);
        assertEquals("fileinfo.sha256", file.path("reputation").path("field").asText());
        assertEquals("203.0.113.8", file.path("src_ip").asText(), "a download's alert flows from the server");
        assertEquals("10.1.0.5", file.path("dest_ip").asText());
        assertEquals(sha, file.path("fileinfo").path("sha256").asText());
        JsonNode ip = find(alerts, "203.0.113.99");
        assertEquals("QakBot", ip.path("reputation").path("threat").asText());
        assertEquals("dest_ip", ip.path("reputation").path("field").asText());
        assertEquals("10.1.0.7", ip.path("src_ip").asText());
        for (JsonNode f : events(out.resolve("eve.json"), "flow")) {
            boolean bad = !f.path("src_ip").asText().equals("10.1.0.6");
            assertEquals(bad, f.path("flow").path("alerted").asBoolean(), f.toString());
        }
        JsonNode stats = events(out.resolve("eve.json"), "stats").getLast().path("stats").path("intel");
        assertEquals(4, stats.path("alerts").asLong());
        assertEquals(4, stats.path("indicators").asLong());
    }

    @Test
    void aMispFeedFolderGivenToIntelAlertsOnItsDomainUrlAndFileHash() throws Exception {
        Path pcap = dir.resolve("misp.pcap");
        capture(pcap, T0, new String[][] {
            {"10.2.0.5", "203.0.113.17", "c2.misp-feed.example", "/gate.php", "ok"},
            {"10.2.0.6", "203.0.113.18", "dl.example", "/drop/payload.bin", new String(PAYLOAD, StandardCharsets.US_ASCII)},
            {"10.2.0.7", "198.51.100.19", "context.example", "/", "fine"},
        }, null);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(PAYLOAD));
        String uuid = "5f3a1b2c-0000-4000-8000-00000000e0a1";
        Path feed = Files.createDirectory(dir.resolve("misp-feed"));
        Feeds.write(feed, "manifest.json", "{\"" + uuid + "\": {\"Orgc\": {\"name\": \"Test CERT\", \"uuid\": \"" + uuid
                + "\"}, \"Tag\": [{\"colour\": \"#ffffff\", \"name\": \"tlp:white\"}], \"analysis\": \"2\", \"date\": \"2024-03-11\","
                + " \"info\": \"Dropper campaign\", \"threat_level_id\": \"2\", \"timestamp\": \"1710137621\"}}\n");
        Feeds.write(feed, "hashes.csv", "d41d8cd98f00b204e9800998ecf8427e," + uuid + "\n");
        Feeds.write(feed, uuid + ".json", "{\"Event\": {\"Attribute\": [\n"
                + "{\"category\": \"Network activity\", \"comment\": \"C2\", \"to_ids\": true, \"type\": \"domain\", \"value\": \"misp-feed.example\"},\n"
                + "{\"category\": \"Payload delivery\", \"to_ids\": \"1\", \"type\": \"filename|sha256\", \"value\": \"payload.bin|" + sha + "\"},\n"
                + "{\"category\": \"Network activity\", \"to_ids\": false, \"type\": \"domain\", \"value\": \"context.example\"}\n"
                + "], \"Object\": [{\"name\": \"url\", \"meta-category\": \"network\", \"Attribute\": [\n"
                + "{\"category\": \"Payload delivery\", \"object_relation\": \"url\", \"to_ids\": true, \"type\": \"url\", \"value\": \"http://dl.example/drop/payload.bin\"}\n"
                + "]}], \"Tag\": [{\"name\": \"tlp:white\"}], \"date\": \"2024-03-11\", \"info\": \"Dropper campaign\", \"uuid\": \"" + uuid + "\"}}\n");
        Path out = dir.resolve("out");
        CliRun r = CliRun.of("analyze", "--out", out.toString(), "--set", "scan.enabled=false", "--intel", feed.toString(), "--home-net",
                "10.0.0.0/8", pcap.toString());
        assertEquals(0, r.status(), r.output());
        List<JsonNode> alerts = events(out.resolve("eve.json"), "alert");
        assertEquals(3, alerts.size(), alerts.toString());
        JsonNode domain = find(alerts, "misp-feed.example");
        assertEquals("domain", domain.path("reputation").path("type").asText());
        assertEquals("http.hostname", domain.path("reputation").path("field").asText());
        assertEquals(uuid + ".json", domain.path("reputation").path("feed").asText(), "the event's file is the feed");
        assertEquals("Network activity", domain.path("reputation").path("threat").asText(), "the attribute's category");
        assertEquals("10.2.0.5", domain.path("src_ip").asText());
        JsonNode url = find(alerts, "http://dl.example/drop/payload.bin");
        assertEquals("http.url", url.path("reputation").path("field").asText());
        assertEquals("Payload delivery", url.path("reputation").path("threat").asText());
        JsonNode file = find(alerts, sha);
        assertEquals("fileinfo.sha256", file.path("reputation").path("field").asText());
        assertEquals("10.2.0.6", file.path("dest_ip").asText());
        JsonNode stats = events(out.resolve("eve.json"), "stats").getLast().path("stats").path("intel");
        assertEquals(3, stats.path("indicators").asLong());
        assertEquals(0, stats.path("indicators_malformed").asLong(), "manifest.json and hashes.csv are not malformed");
        assertEquals(0, stats.path("feeds_unreadable").asLong());
    }

    @Test
    void aLaterRunHuntsEarlierTlsHandshakesForTheirNameJa3AndCertificate() throws Exception {
        byte[] cert = io.spanwatch.analyzer.TestCaptures.selfSigned(dir.resolve("c2.p12"), "CN=late-tls.example");
        Path first = dir.resolve("tls-first.pcap");
        byte[] hello = io.spanwatch.sensor.capture.TlsHellos.clientHello(5, "late-tls.example", "http/1.1");
        try (PcapWriter w = PcapWriter.create(first, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, T0);
            TrafficSynth.Conn c = t.tcp("10.1.0.11", 40_100, "203.0.113.70", 443).handshake();
            c.send(true, hello);
            c.send(false, io.spanwatch.sensor.capture.TlsHellos.serverHello12(6, "http/1.1", cert));
            c.close();
        }
        Path second = dir.resolve("tls-second.pcap");
        capture(second, T0 + 3_600_000_000_000L, new String[][] {{"10.1.0.10", "203.0.113.60", "other.example", "/", "y"}}, null);
        Path out = dir.resolve("out");
        assertEquals(0, CliRun.of("analyze", "--out", out.toString(), "--set", "scan.enabled=false", first.toString()).status());
        JsonNode tls = events(out.resolve("eve.json"), "tls").getFirst().path("tls");
        assertTrue(events(out.resolve("eve.json"), "alert").isEmpty());

        String sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(cert));
        Path feeds = Files.createDirectory(dir.resolve("late-feeds"));
        Files.writeString(feeds.resolve("names.txt"), "late-tls.example\n");
        Files.writeString(feeds.resolve("sslbl.csv"), "# Listingdate,SHA1,Listingreason\n2024-03-11 00:00:00," + sha1 + ",Late C&C\n");
        Files.writeString(feeds.resolve("ja3.csv"), "# ja3_md5,Firstseen,Lastseen,Listingreason\n" + tls.path("ja3").path("hash").asText()
                + ",2024-03-11 00:00:00,2024-03-11 00:00:00,Late implant\n");
        CliRun r = CliRun.of("analyze", "--out", out.toString(), "--set", "scan.enabled=false", "--intel", feeds.resolve("names.txt").toString(),
                "--intel", feeds.resolve("sslbl.csv").toString(), "--intel", feeds.resolve("ja3.csv").toString(), second.toString());
        assertEquals(0, r.status(), r.output());
        List<JsonNode> alerts = events(out.resolve("eve.json"), "alert");
        java.util.Set<String> fields = new java.util.TreeSet<>();
        for (JsonNode a : alerts) {
            assertEquals("10.1.0.11", a.path("src_ip").asText(), "the earlier run's client: " + a);
            assertTrue(a.path("retro").path("reason").asText().contains("indicator added"), a.toString());
            assertEquals("tls", a.path("app_proto").asText());
            fields.add(a.path("reputation").path("field").asText());
        }
        assertEquals(java.util.Set.of("tls.sni", "tls.ja3.hash", "tls.fingerprint"), fields, alerts.toString());
    }

    private static JsonNode find(List<JsonNode> alerts, String indicator) {
        return alerts.stream().filter(a -> a.path("reputation").path("indicator").asText().equals(indicator)).findFirst()
                .orElseThrow(() -> new AssertionError("no alert for " + indicator + " in " + alerts));
    }

    @Test
    void aLaterRunHuntsTheEarlierTrafficForNewIndicators() throws Exception {
        Path first = dir.resolve("first.pcap");
        capture(first, T0, new String[][] {{"10.1.0.9", "203.0.113.50", "late.example", "/beacon", "x"}}, null);
        Path second = dir.resolve("second.pcap");
        capture(second, T0 + 3_600_000_000_000L, new String[][] {{"10.1.0.10", "203.0.113.60", "other.example", "/", "y"}}, null);
        Path out = dir.resolve("out");
        assertEquals(0, CliRun.of("analyze", "--out", out.toString(), "--set", "scan.enabled=false", first.toString()).status());
        assertTrue(events(out.resolve("eve.json"), "alert").isEmpty());

        Path feed = Feeds.write(dir, "late.txt", "late.example\n");
        CliRun r = CliRun.of("analyze", "--out", out.toString(), "--set", "scan.enabled=false", "--intel", feed.toString(), second.toString());
        assertEquals(0, r.status(), r.output());
        List<JsonNode> alerts = events(out.resolve("eve.json"), "alert");
        assertEquals(1, alerts.size(), alerts.toString());
        JsonNode a = alerts.get(0);
        assertEquals("late.example", a.path("reputation").path("indicator").asText());
        assertEquals("10.1.0.9", a.path("src_ip").asText(), "the earlier run's client");
        assertEquals("2024-03-11T06:13:41", a.path("timestamp").asText().substring(0, 19), "the original event's time");
        assertTrue(a.path("retro").path("reason").asText().contains("late.txt"));
        JsonNode http = events(out.resolve("eve.json"), "http").get(0);
        assertEquals(http.path("flow_id").asLong(), a.path("flow_id").asLong());
        assertEquals(http.path("community_id").asText(), a.path("community_id").asText());

        r = CliRun.of("analyze", "--out", out.toString(), "--set", "scan.enabled=false", "--intel", feed.toString(), second.toString());
        assertEquals(0, r.status(), r.output());
        assertEquals(1, events(out.resolve("eve.json"), "alert").size(), "a known indicator is not hunted again");
    }

    @Test
    void badIntelInputIsOneLineAndExitOne() throws Exception {
        Path pcap = dir.resolve("a.pcap");
        capture(pcap, T0, new String[][] {{"10.1.0.5", "203.0.113.7", "a.example", "/", "ok"}}, null);
        CliRun r = CliRun.of("analyze", "--out", dir.resolve("o1").toString(), "--intel", dir.resolve("missing.txt").toString(), pcap.toString());
        assertEquals(1, r.status());
        assertTrue(r.output().contains("intel feed") && r.output().contains("missing.txt") && r.output().contains("no such file"), r.output());
        assertTrue(!Files.exists(dir.resolve("o1").resolve("eve.json")), "nothing written before the feeds are read");
        r = CliRun.of("analyze", "--out", dir.resolve("o2").toString(), "--home-net", "10.0.0.0/33", pcap.toString());
        assertEquals(1, r.status());
        assertTrue(r.output().contains("home-net"), r.output());
        r = CliRun.of("analyze", "--out", dir.resolve("o3").toString(), "--set", "intel.download=ftp://x.example/f", pcap.toString());
        assertEquals(1, r.status());
        assertTrue(r.output().contains("intel.download"), r.output());
    }
}
