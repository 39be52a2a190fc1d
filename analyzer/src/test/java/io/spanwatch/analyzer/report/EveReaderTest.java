package io.spanwatch.analyzer.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.analyzer.cli.Main;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveReader;
import io.spanwatch.sensor.event.EveWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads EVE lines back into typed events and renders them again: every line of the project's own
 * captures (flow, http, fileinfo, anomaly, stats, alert) and the report's synthetic events of every
 * kind (beacon and reputation alerts, incidents, late verdicts) come out byte for byte as they went
 * in. Malformed lines are errors, other event types are null.
 */
class EveReaderTest {
    @Test
    void everyLineOfTheProjectsCapturesRoundTrips(@TempDir Path tmp) throws Exception {
        Path demo = tmp.resolve("demo.pcap");
        DemoCapture.write(demo);
        Path extra = tmp.resolve("extra.pcap");
        try (PcapWriter w = PcapWriter.create(extra, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, 1_700_000_200_000_000_000L);
            byte[] echo = "0001000aabcdefgh".getBytes(StandardCharsets.US_ASCII);
            t.icmp("10.1.0.5", "10.1.0.1", 8, 0, echo);
            t.icmp("10.1.0.1", "10.1.0.5", 0, 0, echo);
            TrafficSynth.Conn c = t.tcp("2001:db8::5", 40001, "2001:db8::80", 80).handshake();
            c.send(true, "GET /v6.txt HTTP/1.1\r\nHost: v6.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            c.send(false, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".getBytes(StandardCharsets.US_ASCII));
            c.close();
            // A gzip body of two members: its first member is a fileinfo with a reading of its own.
            java.io.ByteArrayOutputStream members = new java.io.ByteArrayOutputStream();
            for (String m : List.of("first member\n", "second member\n")) {
                java.io.ByteArrayOutputStream one = new java.io.ByteArrayOutputStream();
                try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(one)) {
                    z.write(m.repeat(30).getBytes(StandardCharsets.US_ASCII));
                }
                members.writeBytes(one.toByteArray());
            }
            TrafficSynth.Conn g = t.tcp("10.1.0.5", 40003, "10.1.0.10", 80).handshake();
            g.send(true, "GET /m.txt HTTP/1.1\r\nHost: gz.example\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            g.send(false, ("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + members.size() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            g.send(false, members.toByteArray());
            g.close();
            // A TLS 1.2 handshake with a name in raw UTF-8 (its text in EVE, its bytes again when read back).
            TrafficSynth.Conn tls = t.tcp("10.1.0.5", 40002, "10.1.0.9", 443).handshake();
            tls.send(true, io.spanwatch.sensor.capture.TlsHellos.clientHello(1, "caf\u00e9.example", "http/1.1"));
            tls.send(false, io.spanwatch.sensor.capture.TlsHellos.serverHello12(2, "http/1.1"));
            tls.close();
            byte[] broken = new byte[26];
            broken[12] = 0x08;
            broken[14] = 0x45;
            t.raw(broken);
        }
        Path out = tmp.resolve("out");
        assertEquals(0, quiet("analyze", "--out", out.toString(), "--sensor-name", "rt", "--clamd", "127.0.0.1:1", demo.toString(),
                extra.toString()));
        List<String> lines = Files.readAllLines(out.resolve("eve.json"), StandardCharsets.UTF_8);
        Set<String> types = new TreeSet<>();
        for (String line : lines) {
            EveReader.Read r = EveReader.read(line);
            types.add(r.event().eventType());
            assertEquals(line, render(r.event(), r.sensor(), r.live()), "read and rendered again");
        }
        assertTrue(types.containsAll(List.of("flow", "http", "tls", "fileinfo", "alert", "anomaly", "stats")), types.toString());
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"reading\":\"first_gzip_member\"")), "a file with a reading went round");
    }

    @Test
    void eventsOfEveryKindRoundTrip() throws Exception {
        List<EveEvent> all = TallyTest.events();
        for (EveEvent e : all) {
            String line = render(e, "sensor-1", false);
            EveReader.Read r = EveReader.read(line);
            assertEquals(e.eventType(), r.event().eventType());
            assertEquals(e.tsNanos() / 1000, r.event().tsNanos() / 1000);
            assertEquals(line, render(r.event(), r.sensor(), r.live()));
        }
        String live = render(all.get(1), "span-dc1", true);
        EveReader.Read r = EveReader.read(live);
        assertTrue(r.live() && "span-dc1".equals(r.sensor()));
        assertEquals(live, render(r.event(), r.sensor(), r.live()));
    }

    @Test
    void numbersOlderWritersQuoteAreReadAsNumbers() throws Exception {
        // Suricata 6 wrote some numbers as strings: the index takes such a line, and so must a report read from it
        EveReader.Read r = EveReader.read("{\"timestamp\":\"2024-03-12T10:00:00.000100+0000\",\"flow_id\":1111,"
                + "\"event_type\":\"alert\",\"src_ip\":\"192.168.1.50\",\"src_port\":51000,\"dest_ip\":\"203.0.113.77\","
                + "\"dest_port\":\"80\",\"proto\":\"TCP\",\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2024897,"
                + "\"rev\":3,\"signature\":\"ET MALWARE Win32/Emotet CnC Activity\",\"category\":\"A Network Trojan was detected\","
                + "\"severity\":1},\"http\":{\"hostname\":\"c2.example\",\"url\":\"/gate.php\",\"http_method\":\"POST\","
                + "\"status\":\"200\",\"length\":12},\"app_proto\":\"http\"}");
        String again = render(r.event(), r.sensor(), r.live());
        assertTrue(again.contains("\"dest_port\":80,") && again.contains("\"status\":200,"), again);
        assertThrows(EveReader.EveFormatException.class, () -> EveReader.read("{\"timestamp\":\"2024-03-11T00:00:00.000000+0000\","
                + "\"event_type\":\"http\",\"http\":{\"status\":\"OK\"}}"), "a string that is no number is still an error");
    }

    @Test
    void malformedLinesAreErrorsAndOtherTypesNull() throws Exception {
        assertNull(EveReader.read("{\"timestamp\":\"2024-03-11T00:00:00.000000+0000\",\"event_type\":\"dns\",\"dns\":{\"rrname\":\"x\"}}"));
        assertNull(EveReader.read("{\"timestamp\":\"2024-03-11T00:00:00Z\",\"event_type\":\"smb\"}"), "Suricata's ISO form");
        for (String bad : new String[] {"", "[]", "not json", "{\"event_type\":\"flow\"}", "{\"timestamp\":\"yesterday\",\"event_type\":\"flow\"}",
            "{\"timestamp\":\"2024-03-11T00:00:00.000000+0000\",\"event_type\":\"flow\"}",
            "{\"timestamp\":\"2024-03-11T00:00:00.000000+0000\",\"event_type\":\"http\",\"src_port\":\"80\"}",
            "{\"timestamp\":\"2024-03-11T00:00:00.000000+0000\",\"event_type\":\"tls\"}",
            "{\"timestamp\":\"2024-03-11T00:00:00.000000+0000\",\"event_type\":\"tls\",\"tls\":{\"client_alpns\":[1]}}",
            "{\"timestamp\":\"2024-03-11T00:00:00.000000+0000\",\"event_type\":\"alert\",\"alert\":[]}",
            "{\"timestamp\":\"2024-03-11T00:00:00.000000+0000\",\"event_type\":\"stats\",\"stats\":{}} trailing",
            "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}"}) {
            assertThrows(EveReader.EveFormatException.class, () -> EveReader.read(bad), bad.length() > 80 ? bad.substring(0, 80) : bad);
        }
    }

    static String render(EveEvent e, String sensor, boolean live) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (EveWriter w = new EveWriter(buf, sensor, live)) {
            w.accept(e);
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    static int quiet(String... args) {
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
