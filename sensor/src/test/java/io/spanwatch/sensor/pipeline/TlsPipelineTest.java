package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import io.spanwatch.sensor.tls.TlsNames;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real TLS handshakes, made by the JDK's own TLS engine (client and server, a key pair made by
 * {@code keytool}), carried in captures this test writes, through the whole pipeline: the {@code tls}
 * event names the server name, the version the server chose and the JA3/JA3S fingerprints, the flow
 * is {@code app_proto: tls}, and a hello split into one-byte segments or picked up without the TCP
 * handshake reads the same.
 */
class TlsPipelineTest {
    private static SSLContext context;
    private static X509Certificate serverCert;

    @BeforeAll
    static void keyPair(@TempDir Path tmp) throws Exception {
        KeyStore store = io.spanwatch.sensor.tls.CertificatesTest.keyStore(tmp, "CN=files.example");
        serverCert = (X509Certificate) store.getCertificate("k");
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        TrustManager trustAll = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), new TrustManager[] {trustAll}, null);
    }

    /** The bytes each side sent, in the order they were sent: client, server, client, ... */
    record Flight(boolean fromClient, byte[] bytes) {
    }

    /** Runs a handshake between two engines of the JDK and returns what went over the wire. */
    static List<Flight> handshake(String serverName, String protocol, String... alpn) throws Exception {
        SSLEngine client = context.createSSLEngine(serverName, 443);
        client.setUseClientMode(true);
        SSLParameters cp = client.getSSLParameters();
        cp.setServerNames(List.of(new SNIHostName(serverName)));
        cp.setProtocols(new String[] {protocol});
        cp.setApplicationProtocols(alpn);
        client.setSSLParameters(cp);
        SSLEngine server = context.createSSLEngine();
        server.setUseClientMode(false);
        SSLParameters sp = server.getSSLParameters();
        sp.setApplicationProtocols(alpn.length > 0 ? new String[] {alpn[alpn.length - 1]} : new String[0]);
        server.setSSLParameters(sp);
        List<Flight> wire = new ArrayList<>();
        client.beginHandshake();
        server.beginHandshake();
        ByteArrayOutputStream toServer = new ByteArrayOutputStream();
        ByteArrayOutputStream toClient = new ByteArrayOutputStream();
        ByteBuffer app = ByteBuffer.allocate(1 << 17);
        for (int round = 0; round < 20 && !(done(client) && done(server) && toServer.size() == 0 && toClient.size() == 0); round++) {
            for (SSLEngine e : new SSLEngine[] {client, server}) {
                ByteArrayOutputStream inbound = e == client ? toClient : toServer;
                ByteBuffer in = ByteBuffer.wrap(inbound.toByteArray());
                while (in.hasRemaining()) {
                    app.clear();
                    SSLEngineResult r = e.unwrap(in, app);
                    runTasks(e);
                    if (r.bytesConsumed() == 0) {
                        break;
                    }
                }
                inbound.reset();
                inbound.write(in.array(), in.position(), in.remaining());
                ByteArrayOutputStream sent = new ByteArrayOutputStream();
                while (true) {
                    ByteBuffer net = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
                    SSLEngineResult r = e.wrap(ByteBuffer.allocate(0), net);
                    runTasks(e);
                    sent.write(net.array(), 0, net.position());
                    if (r.bytesProduced() == 0) {
                        break;
                    }
                }
                if (sent.size() > 0) {
                    wire.add(new Flight(e == client, sent.toByteArray()));
                    (e == client ? toServer : toClient).writeBytes(sent.toByteArray());
                }
            }
        }
        assertTrue(done(client) && done(server), "the JDK's engines finished their handshake");
        return wire;
    }

    private static boolean done(SSLEngine e) {
        var s = e.getHandshakeStatus();
        return s == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING || s == SSLEngineResult.HandshakeStatus.FINISHED;
    }

    private static void runTasks(SSLEngine e) {
        for (Runnable t; (t = e.getDelegatedTask()) != null; ) {
            t.run();
        }
    }

    interface Writer {
        void write(TrafficSynth t) throws Exception;
    }

    static List<JsonNode> run(Path tmp, String name, Writer writer) throws Exception {
        Path pcap = tmp.resolve(name + ".pcap");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            writer.write(new TrafficSynth(w, 1_700_000_000_000_000_000L));
        }
        return PipelineRegressionTest.runEvents(tmp.resolve(name), pcap);
    }

    static List<JsonNode> of(List<JsonNode> events, String type) {
        return events.stream().filter(e -> e.path("event_type").asText().equals(type)).toList();
    }

    private static void assertTls(JsonNode e, String sni, String version, List<String> clientAlpns) {
        JsonNode t = e.path("tls");
        assertEquals("tls", e.path("app_proto").asText(), e.toString());
        assertEquals("10.0.0.5", e.path("src_ip").asText(), "the client is the source: " + e);
        assertEquals(443, e.path("dest_port").asInt());
        assertEquals(sni, t.path("sni").asText(), e.toString());
        assertEquals(version, t.path("version").asText(), e.toString());
        String ja3 = t.path("ja3").path("string").asText();
        assertTrue(ja3.startsWith("771,"), "a JDK client offers legacy_version TLS 1.2: " + ja3);
        assertEquals(TlsNames.md5(ja3), t.path("ja3").path("hash").asText());
        assertTrue(ja3.split(",", -1)[2].startsWith("0-") || ja3.split(",", -1)[2].contains("-0-"), "server_name (0) is among the extensions: " + ja3);
        String ja3s = t.path("ja3s").path("string").asText();
        assertTrue(ja3s.startsWith("771,"), ja3s);
        assertEquals(TlsNames.md5(ja3s), t.path("ja3s").path("hash").asText());
        List<String> offered = new ArrayList<>();
        t.path("client_alpns").forEach(a -> offered.add(a.asText()));
        assertEquals(clientAlpns, offered);
    }

    @Test
    void tls13AndTls12HandshakesOfTheJdkAreNamedAsSuricataNamesThem(@TempDir Path tmp) throws Exception {
        List<Flight> v13 = handshake("files.example", "TLSv1.3", "h2", "http/1.1");
        List<Flight> v12 = handshake("legacy.example", "TLSv1.2", "http/1.1");
        List<JsonNode> events = run(tmp, "tls", t -> {
            int port = 50_000;
            for (List<Flight> h : List.of(v13, v12)) {
                TrafficSynth.Conn c = t.tcp("10.0.0.5", port++, "10.0.0.1", 443).handshake();
                for (Flight f : h) {
                    c.send(f.fromClient(), f.bytes());
                }
                c.send(true, new byte[] {23, 3, 3, 0, 5, 1, 2, 3, 4, 5}); // application data after the handshake
                c.close();
            }
        });
        List<JsonNode> tls = of(events, "tls");
        assertEquals(2, tls.size(), events.toString());
        assertTls(tls.get(0), "files.example", "TLS 1.3", List.of("h2", "http/1.1"));
        // TLS 1.3 sends the server's choice encrypted (EncryptedExtensions); TLS 1.2 in its hello.
        assertFalse(tls.get(0).path("tls").has("server_alpns"), tls.get(0).toString());
        assertTls(tls.get(1), "legacy.example", "TLS 1.2", List.of("http/1.1"));
        assertEquals("http/1.1", tls.get(1).path("tls").path("server_alpns").path(0).asText());
        // TLS 1.2 sends the server's certificate in clear: described as Suricata describes it.
        JsonNode t12 = tls.get(1).path("tls");
        assertEquals("CN=files.example", t12.path("subject").asText(), t12.toString());
        assertEquals("CN=files.example", t12.path("issuerdn").asText(), "self-signed");
        assertEquals(hex(java.security.MessageDigest.getInstance("SHA-1").digest(serverCert.getEncoded()), "%02x"),
                t12.path("fingerprint").asText());
        assertEquals(hex(serverCert.getSerialNumber().toByteArray(), "%02X"), t12.path("serial").asText());
        java.time.format.DateTimeFormatter utc = java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss")
                .withZone(java.time.ZoneOffset.UTC);
        assertEquals(utc.format(serverCert.getNotBefore().toInstant()), t12.path("notbefore").asText());
        assertEquals(utc.format(serverCert.getNotAfter().toInstant()), t12.path("notafter").asText());
        assertFalse(tls.get(0).path("tls").has("fingerprint"), "TLS 1.3 sends it encrypted");
        for (JsonNode f : of(events, "flow")) {
            assertEquals("tls", f.path("app_proto").asText(), f.toString());
        }
        assertTrue(of(events, "anomaly").isEmpty(), events.toString());
        JsonNode stats = of(events, "stats").getLast().path("stats");
        assertEquals(2, stats.path("app_layer").path("flow").path("tls").asInt(), stats.toString());
        assertEquals(2, stats.path("app_layer").path("tx").path("tls").asInt());
    }

    private static String hex(byte[] b, String format) {
        List<String> parts = new ArrayList<>();
        for (byte x : b) {
            parts.add(String.format(format, x & 0xFF));
        }
        return String.join(":", parts);
    }

    @Test
    void aHelloInOneByteSegmentsOrWithoutTheTcpHandshakeReadsTheSame(@TempDir Path tmp) throws Exception {
        List<Flight> h = handshake("split.example", "TLSv1.3", "h2");
        List<JsonNode> events = run(tmp, "split", t -> {
            TrafficSynth.Conn c = t.tcp("10.0.0.5", 50_100, "10.0.0.1", 443).handshake();
            c.mss = 1;
            c.send(true, h.getFirst().bytes());
            c.mss = 1448;
            for (Flight f : h.subList(1, h.size())) {
                c.send(f.fromClient(), f.bytes());
            }
            c.close();
            // A ClientHello larger than the first bytes kept to recognise a protocol, in one segment
            // (a capture of segmentation offload sees such frames): padded to 6,000 bytes (RFC 7685).
            TrafficSynth.Conn big = t.tcp("10.0.0.5", 50_102, "10.0.0.1", 443).handshake();
            big.mss = 65_000;
            big.send(true, padded(h.getFirst().bytes(), 6000));
            big.mss = 1448;
            for (Flight f : h.subList(1, h.size())) {
                big.send(f.fromClient(), f.bytes());
            }
            big.close();
            // Picked up mid-way: no SYN, the ClientHello is the first segment seen.
            TrafficSynth.Conn m = t.tcp("10.0.0.5", 50_101, "10.0.0.1", 443);
            for (Flight f : h) {
                m.send(f.fromClient(), f.bytes());
            }
        });
        List<JsonNode> tls = of(events, "tls");
        assertEquals(3, tls.size(), events.toString());
        for (JsonNode e : tls) {
            assertTls(e, "split.example", "TLS 1.3", List.of("h2"));
        }
    }

    /**
     * Returns the ClientHello record {@code hello} grown to {@code size} bytes by a padding extension
     * (21, RFC 7685) added last: the record, handshake and extension lengths are set to fit.
     */
    static byte[] padded(byte[] hello, int size) {
        int add = size - hello.length;
        int pad = add - 4;
        byte[] out = java.util.Arrays.copyOf(hello, size);
        out[hello.length] = 0;
        out[hello.length + 1] = 21;
        out[hello.length + 2] = (byte) (pad >> 8);
        out[hello.length + 3] = (byte) pad;
        int recordLen = ((hello[3] & 0xFF) << 8 | (hello[4] & 0xFF)) + add;
        out[3] = (byte) (recordLen >> 8);
        out[4] = (byte) recordLen;
        int msgLen = ((hello[6] & 0xFF) << 16 | (hello[7] & 0xFF) << 8 | (hello[8] & 0xFF)) + add;
        out[6] = (byte) (msgLen >> 16);
        out[7] = (byte) (msgLen >> 8);
        out[8] = (byte) msgLen;
        // The extensions' length is the last field before them: find it by walking the hello.
        int p = 9 + 2 + 32;
        p += 1 + (out[p] & 0xFF);
        p += 2 + ((out[p] & 0xFF) << 8 | (out[p + 1] & 0xFF));
        p += 1 + (out[p] & 0xFF);
        int extLen = ((out[p] & 0xFF) << 8 | (out[p + 1] & 0xFF)) + add;
        out[p] = (byte) (extLen >> 8);
        out[p + 1] = (byte) extLen;
        return out;
    }

    @Test
    void aClientHelloTheServerRefusesIsLoggedWithoutAVersion(@TempDir Path tmp) throws Exception {
        List<Flight> h = handshake("refused.example", "TLSv1.3");
        List<JsonNode> events = run(tmp, "refused", t -> {
            TrafficSynth.Conn c = t.tcp("10.0.0.5", 50_200, "10.0.0.1", 443).handshake();
            c.send(true, h.getFirst().bytes());
            c.send(false, new byte[] {21, 3, 3, 0, 2, 2, 40}); // alert: handshake_failure
            c.close();
        });
        JsonNode t = of(events, "tls").getFirst().path("tls");
        assertEquals("refused.example", t.path("sni").asText());
        assertEquals(TlsNames.UNDETERMINED, t.path("version").asText());
        assertFalse(t.has("ja3s"), t.toString());
    }

    @Test
    void tlsThroughASocks5ProxyNamesTheProxysDestination(@TempDir Path tmp) throws Exception {
        List<Flight> h = handshake("proxied.example", "TLSv1.2", "http/1.1");
        List<JsonNode> events = run(tmp, "socks", t -> {
            TrafficSynth.Conn c = t.tcp("10.0.0.5", 50_400, "10.0.0.1", 443).handshake();
            c.send(true, new byte[] {5, 1, 0});
            c.send(false, new byte[] {5, 0});
            c.send(true, new byte[] {5, 1, 0, 3, 15, 'p', 'r', 'o', 'x', 'i', 'e', 'd', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', 1, (byte) 0xBB});
            c.send(false, new byte[] {5, 0, 0, 1, 10, 0, 0, 1, (byte) 0x9c, 0x40});
            for (Flight f : h) {
                c.send(f.fromClient(), f.bytes());
            }
            c.close();
        });
        JsonNode e = of(events, "tls").getFirst();
        assertEquals("proxied.example", e.path("tls").path("sni").asText(), e.toString());
        assertEquals("TLS 1.2", e.path("tls").path("version").asText());
        assertEquals("CN=files.example", e.path("tls").path("subject").asText(), "the server's certificate, after the SOCKS reply");
        assertEquals("proxied.example", e.path("socks").path("request").path("name").asText());
    }

    @Test
    void tlsThroughAConnectTunnelNamesItsTarget(@TempDir Path tmp) throws Exception {
        // How browsers reach HTTPS sites through an explicit proxy: CONNECT, 200, then TLS.
        List<Flight> h = handshake("proxied.example", "TLSv1.3", "h2");
        List<JsonNode> events = run(tmp, "connect", t -> {
            TrafficSynth.Conn c = t.tcp("10.0.0.5", 50_600, "10.0.0.1", 3128).handshake();
            c.send(true, "CONNECT proxied.example:443 HTTP/1.1\r\nHost: proxied.example:443\r\nUser-Agent: test\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            c.send(false, "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            for (Flight f : h) {
                c.send(f.fromClient(), f.bytes());
            }
            c.close();
        });
        JsonNode e = of(events, "tls").getFirst();
        assertEquals("proxied.example", e.path("tls").path("sni").asText(), e.toString());
        assertEquals("TLS 1.3", e.path("tls").path("version").asText());
        assertEquals("proxied.example", e.path("http_connect").path("request").path("name").asText(), e.toString());
        assertEquals(443, e.path("http_connect").path("request").path("port").asInt());
        assertEquals("CONNECT", of(events, "http").getFirst().path("http").path("http_method").asText());
        assertTrue(of(events, "anomaly").isEmpty(), "the TLS records are not read as HTTP: " + of(events, "anomaly"));
    }

    @Test
    void aServerAnsweringBeforeTheHelloIsSeenLeavesOnlyTheClientsSide(@TempDir Path tmp) throws Exception {
        List<Flight> h = handshake("early.example", "TLSv1.3", "h2");
        List<JsonNode> events = run(tmp, "early", t -> {
            // Picked up mid-way, the server's flight comes first in the capture (more than a probe holds),
            // then the ClientHello: the server's records cannot be framed from their start.
            TrafficSynth.Conn c = t.tcp("10.0.0.5", 50_500, "10.0.0.1", 443);
            byte[] junk = new byte[9000];
            java.util.Arrays.fill(junk, (byte) 0x17);
            c.send(false, junk);
            c.send(true, h.getFirst().bytes());
            c.send(false, h.get(1).bytes());
            c.close();
        });
        JsonNode e = of(events, "tls").getFirst().path("tls");
        assertEquals("early.example", e.path("sni").asText(), e.toString());
        assertEquals(TlsNames.UNDETERMINED, e.path("version").asText(), "no ServerHello read at the wrong place: " + e);
        assertTrue(of(events, "anomaly").isEmpty(), events.toString());
    }

    @Test
    void httpAfterBytesThatOnlyLookLikeTlsIsStillHttp(@TempDir Path tmp) throws Exception {
        List<JsonNode> events = run(tmp, "nottls", t -> {
            TrafficSynth.Conn c = t.tcp("10.0.0.5", 50_300, "10.0.0.1", 80).handshake();
            c.send(true, "GET /a HTTP/1.1\r\nHost: x.example\r\n\r\n".getBytes());
            c.send(false, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc".getBytes());
            c.close();
            // A handshake record whose first message is not a ClientHello: not TLS to this sensor.
            TrafficSynth.Conn d = t.tcp("10.0.0.5", 50_301, "10.0.0.1", 443).handshake();
            d.send(true, new byte[] {22, 3, 1, 0, 4, 2, 0, 0, 0});
            d.close();
            // Picked up mid-way, the other side's first two bytes could still begin a ClientHello: the
            // request is recognised all the same (a peer cannot hide a request by sending two bytes).
            TrafficSynth.Conn m = t.tcp("10.0.0.5", 50_302, "10.0.0.1", 80);
            m.send(false, new byte[] {22, 3});
            m.send(true, "GET /b HTTP/1.1\r\nHost: y.example\r\n\r\n".getBytes());
            m.close();
        });
        assertTrue(of(events, "tls").isEmpty(), events.toString());
        assertEquals(List.of("/a", "/b"), of(events, "http").stream().map(e -> e.path("http").path("url").asText()).sorted().toList());
    }
}
