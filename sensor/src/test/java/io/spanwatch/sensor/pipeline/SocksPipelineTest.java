package io.spanwatch.sensor.pipeline;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads a file over HTTP through SOCKS 4, 4a and 5 proxies (on 1080 and on other ports), as
 * captures this test makes, and checks through the whole pipeline that the file is extracted, that
 * the http and fileinfo events name the proxy's destination, and that refused or non-SOCKS
 * connections are told apart.
 */
class SocksPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The messages of one side of the handshake, in order: client, server, client, ... */
    record Handshake(List<byte[]> messages) {
        static Handshake of(byte[]... m) {
            return new Handshake(List.of(m));
        }
    }

    static List<JsonNode> run(Path tmp, String name, int proxyPort, Handshake h, byte[] body) throws Exception {
        Path pcap = tmp.resolve(name + ".pcap");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, 1_700_000_000_000_000_000L);
            TrafficSynth.Conn c = t.tcp("10.0.0.5", 50_000, "10.0.0.1", proxyPort).handshake();
            boolean client = true;
            for (byte[] m : h.messages()) {
                c.send(client, m);
                client = !client;
            }
            if (body != null) {
                c.send(true, ascii("GET /" + name + ".bin HTTP/1.1\r\nHost: files.example\r\n\r\n"));
                c.send(false, cat(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n"), body));
            }
            c.close();
        }
        return PipelineRegressionTest.runEvents(tmp.resolve(name), pcap);
    }

    private static JsonNode first(List<JsonNode> events, String type) {
        return events.stream().filter(e -> e.path("event_type").asText().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " event in " + events));
    }

    private static byte[] body(String name) {
        byte[] b = new byte[30_000];
        new Random(name.hashCode()).nextBytes(b);
        return b;
    }

    /** Asserts the file came out, with the SOCKS destination on the http, fileinfo and flow events. */
    private static void assertTunnelled(List<JsonNode> events, byte[] body, int version, String field, String dest, int port) {
        JsonNode file = first(events, "fileinfo");
        assertEquals(DemoCapture.sha256(body), file.path("fileinfo").path("sha256").asText(), file.toString());
        for (String type : new String[] {"http", "fileinfo", "flow"}) {
            JsonNode e = first(events, type);
            assertEquals("http", e.path("app_proto").asText(), type);
            assertEquals("10.0.0.1", e.path(type.equals("fileinfo") ? "src_ip" : "dest_ip").asText(), "the proxy stays the peer: " + e);
            JsonNode socks = e.path("socks");
            assertEquals(version, socks.path("version").asInt(), e.toString());
            assertEquals("connect", socks.path("command").asText());
            assertEquals("succeeded", socks.path("status").asText());
            assertEquals(dest, socks.path("request").path(field).asText(), e.toString());
            assertEquals(port, socks.path("request").path("port").asInt());
        }
    }

    @Test
    void socks4ConnectOnItsPort(@TempDir Path tmp) throws Exception {
        byte[] body = body("s4");
        List<JsonNode> events = run(tmp, "s4", 1080, Handshake.of(cat(bytes(4, 1), u16(80), addr("93.184.216.34"), ascii("bob"), bytes(0)),
                cat(bytes(0, 0x5a), u16(0), bytes(0, 0, 0, 0))), body);
        assertTunnelled(events, body, 4, "host", "93.184.216.34", 80);
    }

    @Test
    void socks4aOnTorsPort(@TempDir Path tmp) throws Exception {
        byte[] body = body("s4a");
        List<JsonNode> events = run(tmp, "s4a", 9050, Handshake.of(cat(bytes(4, 1), u16(8080), bytes(0, 0, 0, 1), bytes(0),
                ascii("files.example"), bytes(0)), cat(bytes(0, 0x5a), u16(0), bytes(0, 0, 0, 0))), body);
        assertTunnelled(events, body, 4, "name", "files.example", 8080);
    }

    @Test
    void socks5StepByStepOnAnotherPort(@TempDir Path tmp) throws Exception {
        byte[] body = body("s5");
        List<JsonNode> events = run(tmp, "s5", 8888, Handshake.of(bytes(5, 2, 0, 2), bytes(5, 0),
                cat(bytes(5, 1, 0, 3, 13), ascii("files.example"), u16(80)), cat(bytes(5, 0, 0, 1), addr("10.0.0.1"), u16(40_000))),
                body);
        assertTunnelled(events, body, 5, "name", "files.example", 80);
        assertEquals("10.0.0.1", first(events, "http").path("socks").path("bound").path("host").asText());
    }

    @Test
    void socks5WithPasswordAndIpv6Destination(@TempDir Path tmp) throws Exception {
        byte[] body = body("s5auth");
        List<JsonNode> events = run(tmp, "s5auth", 1080, Handshake.of(bytes(5, 1, 2), bytes(5, 2),
                cat(bytes(1, 4), ascii("user"), bytes(6), ascii("secret")), bytes(1, 0),
                cat(bytes(5, 1, 0, 4), addr("2001:db8::80"), u16(80)), cat(bytes(5, 0, 0, 1), addr("0.0.0.0"), u16(0))), body);
        assertTunnelled(events, body, 5, "host", io.spanwatch.sensor.flow.Flow.ipText(addr("2001:db8::80")), 80);
        assertFalse(events.toString().contains("secret"), "no password in the events");
    }

    @Test
    void refusedSocksCarriesNoHttpButSaysWhy(@TempDir Path tmp) throws Exception {
        List<JsonNode> events = run(tmp, "refused", 1080, Handshake.of(bytes(5, 1, 0), bytes(5, 0),
                cat(bytes(5, 1, 0, 1), addr("192.0.2.9"), u16(80)), cat(bytes(5, 5, 0, 1), addr("0.0.0.0"), u16(0))), null);
        JsonNode flow = first(events, "flow");
        assertEquals("socks", flow.path("app_proto").asText());
        assertEquals("connection_refused", flow.path("socks").path("status").asText());
        assertTrue(events.stream().noneMatch(e -> e.path("event_type").asText().equals("http")));
    }

    @Test
    void aSocksLikeGreetingAnsweredInHttpIsHttp(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("fake.pcap");
        byte[] body = body("fake");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, 1_700_000_000_000_000_000L);
            TrafficSynth.Conn c = t.tcp("10.0.0.5", 50_001, "10.0.0.1", 1080).handshake();
            c.send(true, bytes(5, 1, 0));
            c.send(false, cat(ascii("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n"), body));
            c.close();
        }
        Path out = tmp.resolve("fake");
        PipelineRegressionTest.run(out, PipelineRegressionTest.config(out, ReassemblyConfig.DEFAULTS, null), pcap);
        JsonNode file = null;
        for (String line : Files.readAllLines(out.resolve("eve.json"))) {
            JsonNode e = JSON.readTree(line);
            assertFalse(e.has("socks"), line);
            file = e.path("event_type").asText().equals("fileinfo") ? e : file;
        }
        assertTrue(file != null && file.path("app_proto").asText().equals("http"), String.valueOf(file));
        assertEquals(DemoCapture.sha256(body), file.path("fileinfo").path("sha256").asText());
    }
}
