package io.spanwatch.analyzer.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.analyzer.cli.Main;
import io.spanwatch.analyzer.events.EventIds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Feeds real rsyslog (Debian's rsyslogd, and rsyslog-gnutls for TLS with a client certificate
 * required) started by the test on loopback ports: every alert of an offline run arrives once over
 * TCP and over TLS as valid RFC 5424 + CEF, hostile URLs intact; a receiver stopped and started again
 * mid-run loses nothing and gets nothing twice.
 */
class SyslogFeedTest {
    private static final Pattern RFC5424 = Pattern.compile(
            "<(\\d{1,3})>1 (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z) (\\S{1,255}) spanwatch - (alert|incident) - (CEF:0\\|.*)");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    @BeforeAll
    static void pki() throws Exception {
        if (Rsyslog.missing(true) == null) {
            Rsyslog.makePki(tmp.resolve("pki"));
        }
    }

    private static void assume(boolean tls) {
        String why = Rsyslog.missing(tls);
        if (why != null) {
            System.out.println("SyslogFeedTest SKIPPED: " + why);
        }
        Assumptions.assumeTrue(why == null, why);
    }

    private static String tlsParams() {
        Path pki = tmp.resolve("pki");
        return "?ca=" + pki.resolve("ca.pem") + "&cert=" + pki.resolve("client.pem") + "&key=" + pki.resolve("client.key");
    }

    /** Returns how often each externalId was stored, checking every message is RFC 5424 with valid CEF. */
    private static Map<String, Cef> parse(List<String> lines, Map<String, Integer> counts) {
        Map<String, Cef> byId = new HashMap<>();
        for (String l : lines) {
            Matcher m = RFC5424.matcher(l);
            assertTrue(m.matches(), "not RFC 5424 with CEF: " + l);
            Cef c = Cef.parse(m.group(5));
            String id = c.ext().get("externalId");
            assertTrue(EventIds.isId(id), l);
            counts.merge(id, 1, Integer::sum);
            byId.put(id, c);
        }
        return byId;
    }

    @Test
    void everyAlertOfARunArrivesOnceOverTcpAndTls() throws Exception {
        assume(true);
        Path pcap = tmp.resolve("alerts.pcap");
        AlertCapture.write(pcap, 12);
        try (Rsyslog tcp = Rsyslog.start(tmp.resolve("rs-tcp"), false); Rsyslog tls = Rsyslog.start(tmp.resolve("pki/rs-tls"), true)) {
            Path out = tmp.resolve("run");
            int status = Main.run("analyze", "--out", out.toString(), "--clamd", "127.0.0.1:" + Rsyslog.freePort(), "--set",
                    "feed.drain-seconds=300", // the end of the run waits for every delivery, however loaded the machine
                    "--feed", "syslog+tcp://127.0.0.1:" + tcp.port,
                    "--feed", "syslog+tls://127.0.0.1:" + tls.port + tlsParams(), pcap.toString());
            assertEquals(0, status);
            Map<String, JsonNode> alerts = new HashMap<>();
            for (String line : Files.readAllLines(out.resolve("eve.json"))) {
                JsonNode e = JSON.readTree(line);
                if (e.path("event_type").asText().equals("alert")) {
                    alerts.put(EventIds.ofJson(line), e);
                }
            }
            assertEquals(12, alerts.size(), "one alert per EICAR download");
            for (Rsyslog r : List.of(tcp, tls)) {
                List<String> lines = r.await(alerts.size());
                Map<String, Integer> counts = new HashMap<>();
                Map<String, Cef> got = parse(lines, counts);
                assertEquals(alerts.keySet(), counts.keySet(), r.dir.toString());
                counts.forEach((id, n) -> assertEquals(1, n, "alert " + id + " stored " + n + " times in " + r.dir));
                for (Map.Entry<String, JsonNode> a : alerts.entrySet()) {
                    Cef c = got.get(a.getKey());
                    JsonNode http = a.getValue().path("http");
                    assertEquals("http://" + http.path("hostname").asText() + http.path("url").asText(), c.ext().get("request"));
                    assertEquals(http.path("http_user_agent").asText(), c.ext().get("requestClientApplication"));
                    assertEquals(a.getValue().path("src_ip").asText(), c.ext().get("src"));
                    assertEquals(a.getValue().path("alert").path("signature").asText(), c.header().get(5));
                }
            }
            System.out.println("SyslogFeedTest: " + alerts.size() + " alerts, each stored once by rsyslog over TCP and over TLS");
        }
    }

    @Test
    void udpCarriesEachAlertAsOneDatagram() throws Exception {
        assume(false);
        try (Rsyslog r = Rsyslog.startUdp(tmp.resolve("rs-udp"))) {
            FeedSpec spec = FeedSpec.parse("syslog+udp://127.0.0.1:" + r.port + "?facility=local0");
            try (FeedStage feed = Feeds.open(spec, tmp.resolve("udp"), FeedConfig.DEFAULTS, "udp-test", false, null).start()) {
                for (int i = 0; i < 5; i++) {
                    feed.onEvent(FeedEvents.malware(i, true));
                }
                feed.drain();
            }
            List<String> lines = r.await(5);
            Map<String, Integer> counts = new HashMap<>();
            parse(lines, counts);
            assertEquals(5, counts.size());
            assertTrue(lines.get(0).startsWith("<130>1 "), lines.get(0)); // local0 (16) * 8 + critical (2)
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aReceiverStoppedMidRunLosesNothingAndGetsNothingTwice(boolean tls) throws Exception {
        assume(tls);
        Path rsDir = tls ? tmp.resolve("pki/rs-restart-tls") : tmp.resolve("rs-restart-tcp");
        Path out = tmp.resolve("restart-" + tls);
        try (Rsyslog r = Rsyslog.start(rsDir, tls)) {
            FeedSpec spec = FeedSpec.parse((tls ? "syslog+tls" : "syslog+tcp") + "://127.0.0.1:" + r.port + (tls ? tlsParams() : ""));
            FeedConfig cfg = FeedConfig.DEFAULTS.withRetryMillis(100, 400).withDrainMillis(60_000);
            try (FeedStage feed = Feeds.open(spec, out, cfg, "restart-test", false, null).start()) {
                for (int i = 0; i < 20; i++) {
                    feed.onEvent(FeedEvents.malware(i, true));
                }
                assertEquals(20, r.await(20).size());
                r.stop();
                for (int i = 20; i < 50; i++) {
                    feed.onEvent(i % 10 == 0 ? FeedEvents.incident(i) : FeedEvents.malware(i, i % 2 == 0));
                }
                // Deliveries fail while it is down; wait for a few failed attempts, then bring it back.
                for (int i = 0; i < 300 && feed.lastError() == null; i++) {
                    Thread.sleep(50);
                }
                assertTrue(feed.lastError() != null, "a delivery should have failed while rsyslog was down");
                assertEquals(30, feed.pending());
                r.start();
                feed.drain();
                assertEquals(0, feed.pending(), feed.lastError());
            }
            List<String> lines = r.await(50);
            Map<String, Integer> counts = new HashMap<>();
            parse(lines, counts);
            assertEquals(50, counts.size());
            counts.forEach((id, n) -> assertEquals(1, n, "event " + id + " stored " + n + " times"));
            System.out.println("SyslogFeedTest: rsyslog " + (tls ? "TLS" : "TCP") + " stopped after 20 of 50 events: all 50 stored once");
        }
    }
}
