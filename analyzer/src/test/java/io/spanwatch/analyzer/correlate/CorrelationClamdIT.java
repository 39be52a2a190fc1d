package io.spanwatch.analyzer.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.TestPaths;
import io.spanwatch.analyzer.cli.Main;
import io.spanwatch.analyzer.scan.ClamdProxy;
import io.spanwatch.analyzer.scan.ClamdTestServer;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code analyze} on a capture of a download-then-callback infection (a host opens a page,
 * fetches a program with the EICAR string inside, which only clamd's body signature finds, then
 * calls a command server every minute ±20 % for five hours) against a real clamd on the project's
 * signatures ({@code rules/clamav}), reached through a relay ({@link ClamdProxy}) as it is (fast),
 * with every answer 3 s late (slow), and gone for 10 s after the page was scanned (down for a
 * while, then back: the program gets an interim verdict, and its final one later). With the
 * default reorder buffer the verdict finds its place in packet time; cut to 16 events, the
 * verdict comes after the callbacks have gone by, later the slower clamd is. One sensor worker,
 * so the requests come in packet order (the default buffer absorbs what several workers' skew does
 * to their order). The incident, the beacon alert and the rule alerts must be the same in all
 * four runs.
 */
class CorrelationClamdIT {
    private static final String HOST = "10.20.0.5";
    private static final long T0 = 1_710_230_400_000L; // ms, 2024-03-12 08:00 UTC
    private static final String URL = "http://files.example/invoice.exe";

    @TempDir
    static Path tmp;
    static ClamdTestServer clamd;
    static Path pcap;
    static String sha256;

    @BeforeAll
    static void start() throws Exception {
        String why = ClamdTestServer.unavailableReason();
        if (why != null) {
            System.out.println("CorrelationClamdIT SKIPPED: " + why);
            return;
        }
        Path db = tmp.resolve("db");
        ClamdTestServer.copyProjectSignatures(TestPaths.repoRoot().resolve("rules").resolve("clamav"), db);
        clamd = ClamdTestServer.start(db);
        pcap = tmp.resolve("infection.pcap");
        sha256 = writeCapture(pcap);
    }

    @AfterAll
    static void stop() throws Exception {
        if (clamd != null) {
            clamd.close();
        }
    }

    private static void exchange(TrafficSynth syn, int port, String server, String request, byte[] response) throws IOException {
        TrafficSynth.Conn c = syn.tcp(HOST, port, server, 80).handshake();
        c.send(true, request.getBytes(StandardCharsets.US_ASCII));
        c.send(false, response);
        c.close();
    }

    /** Writes the capture; returns the sha256 of the downloaded program. */
    private static String writeCapture(Path out) throws Exception {
        Random r = new Random(11);
        byte[] program = new byte[20_000];
        r.nextBytes(program);
        program[0] = 'M';
        program[1] = 'Z';
        System.arraycopy(ClamdTestServer.EICAR, 0, program, 100, ClamdTestServer.EICAR.length); // no hash signature knows it
        byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + program.length
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] download = new byte[head.length + program.length];
        System.arraycopy(head, 0, download, 0, head.length);
        System.arraycopy(program, 0, download, head.length, program.length);
        byte[] noContent = "HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try (PcapWriter w = PcapWriter.create(out, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, T0 * 1_000_000);
            byte[] page = ("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2000\r\n\r\n<html>"
                    + "x".repeat(1987) + "</html>").getBytes(StandardCharsets.US_ASCII);
            exchange(syn, 39_999, "203.0.113.10", "GET / HTTP/1.1\r\nHost: files.example\r\nUser-Agent: Mozilla/5.0\r\n\r\n", page);
            syn.advance(30_000_000_000L);
            exchange(syn, 40_000, "203.0.113.10", "GET /invoice.exe HTTP/1.1\r\nHost: files.example\r\nUser-Agent: Mozilla/5.0\r\n\r\n",
                    download);
            syn.advance(240_000_000_000L); // four minutes later the implant starts calling
            for (int i = 0; syn.now() < (T0 + 5 * 3_600_000L) * 1_000_000; i++) {
                exchange(syn, 41_000 + i, "203.0.113.66", "GET /poll HTTP/1.1\r\nHost: c2.example\r\nUser-Agent: Mozilla/5.0\r\n\r\n",
                        noContent);
                syn.advance((48_000 + r.nextInt(24_000)) * 1_000_000L);
            }
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(program));
    }

    private static EveLog analyze(String name, ClamdProxy proxy, int reorderEvents) {
        Path out = tmp.resolve(name);
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        try {
            assertEquals(0, Main.run("analyze", "--out", out.toString(), "--clamd", proxy.address().toString(),
                    "--set", "scan.threads=1", "--set", "sensor.workers=1", "--set", "correlate.reorder-events=" + reorderEvents,
                    "--set", "correlate.rules-dir=" + TestPaths.repoRoot().resolve("rules"),
                    "--set", "scan.rules-dir=" + TestPaths.repoRoot().resolve("rules").resolve("clamav"), pcap.toString()));
        } finally {
            System.setOut(old);
        }
        return EveLog.read(out.resolve("eve.json"));
    }

    /** Beacon and rule alerts and incidents, without what names the run (flow ids, capture path); sorted. */
    private static List<String> correlation(EveLog eve) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : eve.events) {
            String type = e.path("event_type").asText();
            String category = e.path("alert").path("category").asText();
            if ("incident".equals(type) || "alert".equals(type) && ("beacon".equals(category) || "correlation".equals(category))) {
                JsonNode c = e.deepCopy();
                c.findParents("flow_id").forEach(p -> ((ObjectNode) p).remove("flow_id"));
                ((ObjectNode) c).remove("pcap_filename");
                out.add(c.toString());
            }
        }
        out.sort(null);
        return out;
    }

    private static void assertTheIncident(String run, EveLog eve) {
        List<JsonNode> incidents = eve.ofType("incident");
        assertEquals(1, incidents.size(), run + ": one incident: " + incidents);
        JsonNode i = incidents.get(0).path("incident");
        assertEquals(HOST, i.path("host").asText(), run);
        assertEquals("download-then-callback", i.path("kind").asText(), run);
        assertEquals(sha256, i.path("alerts").get(0).path("sha256").asText(), run);
        assertEquals(URL, i.path("alerts").get(0).path("url").asText(), run);
        assertEquals("c2.example", i.path("alerts").get(1).path("callback_host").asText(), run + ": " + i);
        assertTrue(eve.ofType("alert").stream().anyMatch(a -> "malware".equals(a.path("alert").path("category").asText())
                && sha256.equals(a.path("fileinfo").path("sha256").asText())), run + ": clamd's verdict on the download");
    }

    @Test
    void theSameIncidentWhetherClamdIsFastSlowOrDownForAWhile() throws Exception {
        Assumptions.assumeTrue(clamd != null, "no clamd");
        EveLog inOrder;
        EveLog fast;
        EveLog slow;
        EveLog down;
        try (ClamdProxy p = ClamdProxy.start(clamd.tcpAddress())) {
            inOrder = analyze("in-order", p, CorrelateConfig.DEFAULT_REORDER_EVENTS);
            fast = analyze("fast", p, 16);
        }
        try (ClamdProxy p = ClamdProxy.start(clamd.tcpAddress()).slow(3_000)) {
            slow = analyze("slow", p, 16);
        }
        int downs;
        try (ClamdProxy p = ClamdProxy.start(clamd.tcpAddress()).downAfterFirstScan(10_000)) {
            down = analyze("down", p, 16);
            downs = p.downs();
        }
        assertTheIncident("in order", inOrder);
        assertTheIncident("fast", fast);
        assertTheIncident("slow", slow);
        assertTheIncident("down", down);
        assertEquals(1, downs, "clamd went away once");
        assertTrue(down.ofType("verdict").stream().anyMatch(v -> sha256.equals(v.path("fileinfo").path("sha256").asText())),
                "while clamd was away the download got an interim verdict, and its final one later: " + down.ofType("fileinfo").stream()
                        .filter(f -> sha256.equals(f.path("fileinfo").path("sha256").asText())).toList() + " "
                        + down.ofType("stats").stream().map(st -> st.path("stats").path("scan")).toList());
        List<String> expected = correlation(inOrder);
        assertTrue(expected.stream().anyMatch(s -> s.contains("\"category\":\"beacon\"")), "a beacon alert: " + expected);
        assertEquals(expected, correlation(fast), "clamd fast, its verdict late for a buffer of 16 events");
        assertEquals(expected, correlation(slow), "clamd slow");
        assertEquals(expected, correlation(down), "clamd down for a while");
        System.out.println("CorrelationClamdIT: " + expected.size() + " correlation events the same in 4 runs; callbacks gone by"
                + " before the verdict came (in order, fast, slow, down): " + callbacksBefore(inOrder) + ", " + callbacksBefore(fast)
                + ", " + callbacksBefore(slow) + ", " + callbacksBefore(down) + " of " + callbacks(inOrder));
    }

    private static long callbacks(EveLog eve) {
        return eve.ofType("http").stream().filter(h -> "c2.example".equals(h.path("http").path("hostname").asText())).count();
    }

    /** Returns how many callbacks went through the bus before clamd's verdict on the download did. */
    private static long callbacksBefore(EveLog eve) {
        long n = 0;
        for (JsonNode e : eve.events) {
            if ("alert".equals(e.path("event_type").asText()) && "malware".equals(e.path("alert").path("category").asText())) {
                return n;
            }
            n += "c2.example".equals(e.path("http").path("hostname").asText()) && "http".equals(e.path("event_type").asText()) ? 1 : 0;
        }
        return n;
    }
}
