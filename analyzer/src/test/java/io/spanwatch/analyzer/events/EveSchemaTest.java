package io.spanwatch.analyzer.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.spanwatch.analyzer.cli.Main;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveWriter;
import io.spanwatch.sensor.event.IncidentEvent;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks SpanWatch's events against Suricata's own EVE schema ({@code etc/schema.json}, kept as test
 * data): every event of the project's own captures, and an alert and incident of every kind, must
 * validate except for SpanWatch's extra fields, and every extra field must be listed in the README's
 * table "EVE fields SpanWatch adds". Also Suricata's conventions the schema cannot express: {@code host}
 * on every event, {@code flow.alerted} on every flow an alert named, {@code file_id} on stored files.
 */
class EveSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Event types Suricata writes; SpanWatch's own ({@code verdict}, {@code incident}) must be listed in the README. */
    private static final Set<String> SURICATA_TYPES = Set.of("flow", "http", "tls", "fileinfo", "alert", "anomaly", "stats");
    private static Schema schema;
    private static Set<String> listedExtras;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = EveSchemaTest.class.getResourceAsStream("/eve/suricata-eve-schema.json")) {
            schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
        }
        listedExtras = readmeExtras(Path.of(System.getProperty("spanwatch.home", "..")).resolve("README.md"));
    }

    /** Reads the first column of the README's table of EVE fields SpanWatch adds. */
    static Set<String> readmeExtras(Path readme) throws Exception {
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        int at = text.indexOf("#### EVE fields SpanWatch adds");
        assertTrue(at >= 0, "README.md has the section \"EVE fields SpanWatch adds\"");
        Set<String> out = new HashSet<>();
        Matcher row = Pattern.compile("(?m)^\\| ([^|]+) \\|").matcher(text.substring(at));
        Pattern field = Pattern.compile("`([a-z0-9_.]+)`");
        while (row.find()) {
            Matcher f = field.matcher(row.group(1));
            while (f.find()) {
                out.add(f.group(1));
            }
        }
        return out;
    }

    @Test
    void eventsOfTheProjectsCapturesAreSuricataEve(@TempDir Path tmp) throws Exception {
        Path demo = tmp.resolve("demo.pcap");
        DemoCapture.write(demo);
        Path mixed = tmp.resolve("mixed.pcap");
        writeMixed(mixed);
        Path out = tmp.resolve("out");
        int status = run("analyze", "--out", out.toString(), "--sensor-name", "schema-test", "--clamd", "127.0.0.1:1",
                demo.toString(), mixed.toString());
        assertEquals(0, status);
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("eve.json"), StandardCharsets.UTF_8)) {
            events.add(JSON.readTree(line));
        }
        Set<String> types = new TreeSet<>();
        events.forEach(e -> types.add(e.path("event_type").asText()));
        assertTrue(types.containsAll(List.of("flow", "http", "tls", "fileinfo", "alert", "anomaly", "stats")), "types: " + types);
        assertConform(events);

        Set<Long> alerted = new HashSet<>();
        events.stream().filter(e -> "alert".equals(e.path("event_type").asText()) && e.has("flow_id"))
                .forEach(e -> alerted.add(e.path("flow_id").asLong()));
        assertFalse(alerted.isEmpty(), "the demo's EICAR download raises an alert on its flow");
        boolean icmp = false;
        boolean ipv6 = false;
        for (JsonNode e : events) {
            String type = e.path("event_type").asText();
            if ("flow".equals(type)) {
                assertEquals(alerted.contains(e.path("flow_id").asLong()), e.path("flow").path("alerted").asBoolean(),
                        "flow.alerted says whether an alert named the flow: " + e);
                if ("ICMP".equals(e.path("proto").asText())) {
                    icmp = true;
                    assertEquals(8, e.path("icmp_type").asInt(), e.toString());
                    assertEquals(0, e.path("response_icmp_type").asInt(), e.toString());
                }
            }
            if (e.path("src_ip").asText().contains(":")) {
                ipv6 = true;
                assertTrue(e.path("src_ip").asText().matches("([0-9a-f]{4}:){7}[0-9a-f]{4}"), "Suricata's IPv6 text: " + e);
            }
            JsonNode fi = e.path("fileinfo");
            if ("fileinfo".equals(type) && fi.path("stored").asBoolean()) {
                assertTrue(fi.path("file_id").asLong() > 0, "stored file with file_id: " + e);
            }
        }
        assertTrue(icmp && ipv6, "the mixed capture gave an ICMP flow and IPv6 events");
        List<String> versions = events.stream().filter(e -> "tls".equals(e.path("event_type").asText()))
                .map(e -> e.path("tls").path("sni").asText() + " " + e.path("tls").path("version").asText()).sorted().toList();
        assertEquals(List.of("tls12.example TLS 1.2", "tls13.example TLS 1.3"), versions);
        JsonNode cert = events.stream().filter(e -> "tls12.example".equals(e.path("tls").path("sni").asText())).findFirst().orElseThrow()
                .path("tls");
        assertEquals("C=ZZ, O=Schema Test, CN=tls12.example", cert.path("subject").asText(), "in the certificate's order, as Suricata: " + cert);
        assertTrue(cert.path("fingerprint").asText().matches("([0-9a-f]{2}:){19}[0-9a-f]{2}"), cert.toString());
        assertTrue(events.stream().anyMatch(e -> "http".equals(e.path("event_type").asText())
                && "socks.x.org".equals(e.path("socks").path("request").path("name").asText())), "the SOCKS download's http event");
        assertTrue(events.stream().anyMatch(e -> "fileinfo".equals(e.path("event_type").asText())
                && "connect.x.org".equals(e.path("http_connect").path("request").path("name").asText())), "the CONNECT download's fileinfo event");
        assertTrue(events.stream().anyMatch(e -> "first_gzip_member".equals(e.path("fileinfo").path("reading").asText())),
                "the first gzip member's fileinfo event");
    }

    @Test
    void alertsAndIncidentsOfEveryKindAreSuricataEve() throws Exception {
        EventHeader flow = new EventHeader(7, new int[] {100}, "10.0.0.5", 50000, "192.0.2.9", 80, "TCP", true, 4,
                "1:abc=", "http", "x.pcap", new io.spanwatch.sensor.event.FlowCounters(10, 12, 900, 40_000, 1_700_000_000_000_000_000L));
        EventHeader pair = EventHeader.pair("10.0.0.5", "192.0.2.9", 80, "TCP", 4, "http");
        long t = 1_700_000_100_000_000_000L;
        var http = new io.spanwatch.sensor.event.HttpInfo(0, "c2.example", -1, "/gate.php", "Mozilla/4.0", "text/html", "POST",
                null, "HTTP/1.1", 200, 48, 120, "application/octet-stream");
        Map<String, Double> parts = new LinkedHashMap<>();
        parts.put("interval_score", 0.91);
        parts.put("size_score", 0.8);
        List<EveEvent> all = List.of(
                new AlertEvent(t, flow, false, "to_server", AlertEvent.Signature.of(9_100_001, "SpanWatch reputation: domain c2.example",
                        AlertEvent.REPUTATION, 1), http, null, null,
                        new AlertEvent.Reputation("c2.example", "domain", "urlhaus.csv", "http.hostname", "Emotet"), null, null),
                new AlertEvent(t, flow, false, "to_server", AlertEvent.Signature.of(9_100_002, "SpanWatch reputation: 192.0.2.9",
                        AlertEvent.REPUTATION, 2), null, null, null,
                        new AlertEvent.Reputation("192.0.2.0/24", "cidr", "drop.txt", "dest_ip", null), null,
                        new AlertEvent.Retro(t + 3_600_000_000_000L, "indicator added")),
                new AlertEvent(t, pair, false, null, AlertEvent.Signature.of(9_200_001, "SpanWatch beacon: 10.0.0.5 -> c2.example",
                        AlertEvent.BEACON, 2), null, null, null, null,
                        new AlertEvent.Beacon("c2.example", "192.0.2.9", 80, 0.93, 120, 300.2, t - 36_000_000_000_000L, t, parts), null),
                new IncidentEvent(t, "10.0.0.5", "download-then-callback", t - 600_000_000_000L, t, 1,
                        "10.0.0.5 downloaded malware and then called c2.example.", List.of(
                                new IncidentEvent.Part("ClamAV Win.Test.EICAR_HDB-1", AlertEvent.MALWARE, t - 600_000_000_000L, 7,
                                        "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", "/d/a.exe", null),
                                new IncidentEvent.Part("SpanWatch beacon", AlertEvent.BEACON, t, 0, null, null, "c2.example"))));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (EveWriter w = new EveWriter(buf, "schema-test", false)) {
            all.forEach(w::accept);
        }
        List<JsonNode> events = new ArrayList<>();
        for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
            events.add(JSON.readTree(line));
        }
        assertEquals(all.size(), events.size());
        assertConform(events);
        assertFalse(events.get(2).has("src_port"), "a beacon is about a client, not one of its ports: " + events.get(2));
    }

    /** Fails on any schema error but an extra field, on an extra field the README does not list, and on a missing host. */
    private static void assertConform(List<JsonNode> events) {
        List<String> problems = new ArrayList<>();
        Set<String> unlisted = new TreeSet<>();
        for (JsonNode e : events) {
            if (!e.path("host").isTextual()) {
                problems.add("no host: " + e);
            }
            for (Error err : schema.validate(e)) {
                if ("additionalProperties".equals(err.getKeyword())) {
                    String path = path(err) + err.getProperty();
                    if (!listed(path)) {
                        unlisted.add(path);
                    }
                } else {
                    problems.add(err.getKeyword() + " at " + err.getInstanceLocation() + ": " + err.getMessage() + " in " + e);
                }
            }
            String type = e.path("event_type").asText();
            if (!SURICATA_TYPES.contains(type) && !listed(type)) {
                unlisted.add("event type " + type);
            }
        }
        assertEquals(List.of(), problems.subList(0, Math.min(10, problems.size())), problems.size() + " schema errors");
        assertEquals(Set.of(), unlisted, "fields not in the README's table \"EVE fields SpanWatch adds\"");
    }

    /** Returns the dotted path of the object holding an extra field, with a trailing dot (array indices left out). */
    private static String path(Error err) {
        StringBuilder sb = new StringBuilder();
        var loc = err.getInstanceLocation();
        for (int i = 0; i < loc.getNameCount(); i++) {
            Object el = loc.getElement(i);
            if (el instanceof String s) {
                sb.append(s).append('.');
            }
        }
        return sb.toString();
    }

    private static boolean listed(String path) {
        return listedExtras.contains(path);
    }

    /** Writes ICMP echo request and reply, an IPv6 HTTP download, one through SOCKS, UDP datagrams and a broken IPv4 frame. */
    private static void writeMixed(Path pcap) throws Exception {
        byte[] certificate = io.spanwatch.analyzer.TestCaptures.selfSigned(pcap.resolveSibling("server.p12"), "CN=tls12.example, O=Schema Test, C=ZZ");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, 1_700_000_200_000_000_000L);
            byte[] echo = "0001000aabcdefgh".getBytes(StandardCharsets.US_ASCII);
            t.icmp("10.1.0.5", "10.1.0.1", 8, 0, echo);
            t.icmp("10.1.0.1", "10.1.0.5", 0, 0, echo);
            byte[] body = "ipv6 body\n".repeat(50).getBytes(StandardCharsets.US_ASCII);
            TrafficSynth.Conn c = t.tcp("2001:db8::5", 40001, "2001:db8::80", 80).handshake();
            c.send(true, "GET /v6.txt HTTP/1.1\r\nHost: v6.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            c.send(false, ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            c.send(false, body);
            c.close();
            // An HTTP download through a SOCKS 5 proxy: its events carry the socks object.
            TrafficSynth.Conn s = t.tcp("10.1.0.5", 40002, "10.1.0.8", 1080).handshake();
            s.send(true, new byte[] {5, 1, 0});
            s.send(false, new byte[] {5, 0});
            s.send(true, new byte[] {5, 1, 0, 3, 11, 's', 'o', 'c', 'k', 's', '.', 'x', '.', 'o', 'r', 'g', 0, 80});
            s.send(false, new byte[] {5, 0, 0, 1, 10, 1, 0, 8, (byte) 0x9c, 0x40});
            s.send(true, "GET /via-socks.txt HTTP/1.1\r\nHost: socks.x.org\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.send(false, ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.send(false, body);
            s.close();
            // The same through an HTTP proxy's CONNECT tunnel: its events carry the http_connect object.
            TrafficSynth.Conn p = t.tcp("10.1.0.5", 40012, "10.1.0.8", 3128).handshake();
            p.send(true, "CONNECT connect.x.org:80 HTTP/1.1\r\nHost: connect.x.org:80\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            p.send(false, "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            p.send(true, "GET /via-connect.txt HTTP/1.1\r\nHost: connect.x.org\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            p.send(false, ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            p.send(false, body);
            p.close();
            // A gzip body of two members: the first member alone is a fileinfo with a reading.
            byte[] members = concat(gzip("first member\n".repeat(20)), gzip("second member\n".repeat(20)));
            TrafficSynth.Conn g = t.tcp("10.1.0.5", 40013, "10.1.0.10", 80).handshake();
            g.send(true, "GET /members.txt HTTP/1.1\r\nHost: gz.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            g.send(false, ("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + members.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            g.send(false, members);
            g.close();
            // TLS 1.3 and TLS 1.2 handshakes: tls events.
            TrafficSynth.Conn tls = t.tcp("10.1.0.5", 40003, "10.1.0.9", 443).handshake();
            tls.send(true, io.spanwatch.sensor.capture.TlsHellos.clientHello(1, "tls13.example", "h2", "http/1.1"));
            tls.send(false, io.spanwatch.sensor.capture.TlsHellos.serverHello13(2));
            tls.close();
            TrafficSynth.Conn tls12 = t.tcp("10.1.0.5", 40004, "10.1.0.9", 443).handshake();
            tls12.send(true, io.spanwatch.sensor.capture.TlsHellos.clientHello(3, "tls12.example", "http/1.1"));
            tls12.send(false, io.spanwatch.sensor.capture.TlsHellos.serverHello12(4, "http/1.1", certificate));
            tls12.close();
            t.udp("10.1.0.5", 53000, "10.1.0.53", 53, new byte[] {1, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
            t.udp("10.1.0.53", 53, "10.1.0.5", 53000, new byte[] {1, 2, (byte) 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0});
            byte[] broken = new byte[14 + 12];
            broken[12] = 0x08; // IPv4 with a header cut short: a decode anomaly
            broken[14] = 0x45;
            t.raw(broken);
        }
    }

    private static byte[] gzip(String text) throws java.io.IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(o)) {
            z.write(text.getBytes(StandardCharsets.US_ASCII));
        }
        return o.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static int run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        System.setOut(new PrintStream(sink, true));
        System.setErr(new PrintStream(sink, true));
        try {
            return Main.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
