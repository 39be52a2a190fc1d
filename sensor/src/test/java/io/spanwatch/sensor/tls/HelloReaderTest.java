package io.spanwatch.sensor.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Reads ClientHello and ServerHello messages built here field by field (RFC 8446 §4.1.2-4.1.3), in
 * any split across records and calls, and checks the fingerprints against the JA3 reference: the
 * example of Salesforce's JA3 README, {@code 769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0},
 * whose MD5 the README gives as {@code ada70206e40642a3e4461f35503241d5}.
 */
class HelloReaderTest {
    static final int GREASE_A = 0x0A0A;
    static final int GREASE_B = 0x3A3A;

    // -- building hellos --------------------------------------------------------------------------

    static byte[] u8(int v) {
        return new byte[] {(byte) v};
    }

    static byte[] u16(int v) {
        return new byte[] {(byte) (v >> 8), (byte) v};
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    static byte[] u16s(int... v) {
        byte[] out = new byte[v.length * 2];
        for (int i = 0; i < v.length; i++) {
            out[2 * i] = (byte) (v[i] >> 8);
            out[2 * i + 1] = (byte) v[i];
        }
        return out;
    }

    static byte[] vec16(byte[] body) {
        return cat(u16(body.length), body);
    }

    static byte[] vec8(byte[] body) {
        return cat(u8(body.length), body);
    }

    static byte[] ext(int type, byte[] body) {
        return cat(u16(type), vec16(body));
    }

    static byte[] sni(String name) {
        return ext(0, vec16(cat(u8(0), vec16(name.getBytes(StandardCharsets.ISO_8859_1)))));
    }

    static byte[] alpn(String... protocols) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String p : protocols) {
            b.writeBytes(vec8(p.getBytes(StandardCharsets.US_ASCII)));
        }
        return ext(16, vec16(b.toByteArray()));
    }

    static byte[] handshake(int type, byte[] body) {
        return cat(u8(type), new byte[] {(byte) (body.length >> 16), (byte) (body.length >> 8), (byte) body.length}, body);
    }

    static byte[] clientHello(int version, int[] ciphers, byte[]... extensions) {
        return handshake(1, cat(u16(version), new byte[32], vec8(new byte[32]), vec16(u16s(ciphers)), vec8(u8(0)),
                vec16(cat(extensions))));
    }

    static byte[] serverHello(int version, int cipher, byte[]... extensions) {
        return handshake(2, cat(u16(version), new byte[32], vec8(new byte[32]), u16(cipher), u8(0), vec16(cat(extensions))));
    }

    /** Puts {@code message} in handshake records of at most {@code max} bytes of body each. */
    static byte[] records(byte[] message, int max) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int off = 0; off < message.length; off += max) {
            int n = Math.min(max, message.length - off);
            b.writeBytes(cat(u8(22), u16(0x0301), u16(n), Arrays.copyOfRange(message, off, off + n)));
        }
        return b.toByteArray();
    }

    /** The ClientHello of the JA3 README's example, with GREASE values JA3 leaves out, named {@code host}. */
    static byte[] referenceClientHello(String host) {
        return clientHello(0x0301, new int[] {GREASE_A, 47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4},
                ext(GREASE_B, new byte[0]), sni(host), ext(10, vec16(u16s(GREASE_A, 23, 24, 25))), ext(11, vec8(u8(0))),
                alpn("h2", "http/1.1"));
    }

    static HelloReader read(boolean client, byte[] wire, int chunk) {
        HelloReader r = new HelloReader(client);
        for (int off = 0; off < wire.length && r.state() == HelloReader.State.NEED_MORE; off += chunk) {
            r.feed(wire, off, Math.min(chunk, wire.length - off));
        }
        return r;
    }

    // -- tests ------------------------------------------------------------------------------------

    @Test
    void theJa3ReadmeExampleGivesItsStringAndHashWhateverTheSplit() {
        byte[] hello = referenceClientHello("files.example");
        for (int recordMax : new int[] {16384, 100, 7, 1}) {
            byte[] wire = records(hello, recordMax);
            assertEquals(Boolean.TRUE, HelloReader.startsClientHello(wire, 0, wire.length));
            for (int chunk : new int[] {wire.length, 1, 3, 1448}) {
                HelloReader r = read(true, wire, chunk);
                assertEquals(HelloReader.State.DONE, r.state(), "records of " + recordMax + ", calls of " + chunk);
                HelloReader.Hello h = r.hello();
                assertEquals("files.example", h.serverName());
                assertEquals(List.of("h2", "http/1.1"), h.alpn());
                String ja3 = TlsNames.ja3(h);
                // The README's example, then this hello's ALPN extension (16) after its three.
                assertEquals("769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11-16,23-24-25,0", ja3);
            }
        }
        // Without the ALPN extension the string is the README's, and so is its hash.
        byte[] plain = clientHello(0x0301, new int[] {GREASE_A, 47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4},
                ext(GREASE_B, new byte[0]), sni("a.example"), ext(10, vec16(u16s(GREASE_A, 23, 24, 25))), ext(11, vec8(u8(0))));
        String ja3 = TlsNames.ja3(read(true, records(plain, 16384), 5).hello());
        assertEquals("769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0", ja3);
        assertEquals("ada70206e40642a3e4461f35503241d5", TlsNames.md5(ja3));
    }

    @Test
    void aTls13ServerHelloNamesTheVersionItChoseAndItsJa3s() {
        byte[] hello = serverHello(0x0303, 0x1301, ext(43, u16(0x0304)), ext(51, cat(u16(29), vec16(new byte[32]))));
        HelloReader r = read(false, records(hello, 16384), 2);
        assertEquals(HelloReader.State.DONE, r.state());
        assertEquals("TLS 1.3", TlsNames.version(TlsNames.negotiated(r.hello())));
        assertEquals("771,4865,43-51", TlsNames.ja3s(r.hello()));
        byte[] tls12 = serverHello(0x0303, 0xC02F, ext(0xFF01, u8(0)), alpn("http/1.1"));
        HelloReader r12 = read(false, records(tls12, 16384), 1);
        assertEquals("TLS 1.2", TlsNames.version(TlsNames.negotiated(r12.hello())));
        assertEquals(List.of("http/1.1"), r12.hello().alpn());
        assertEquals("771,49199,65281-16", TlsNames.ja3s(r12.hello()));
    }

    @Test
    void aTls12ServerSendsItsCertificatesAfterItsHelloInAnySplit() {
        byte[] leaf = "leaf certificate DER".getBytes(StandardCharsets.US_ASCII);
        byte[] ca = "intermediate DER".getBytes(StandardCharsets.US_ASCII);
        byte[] u24 = {0, 0, (byte) leaf.length};
        byte[] certs = cat(new byte[] {0, 0, (byte) (leaf.length + ca.length + 6)}, u24, leaf, new byte[] {0, 0, (byte) ca.length}, ca);
        byte[] flight = cat(serverHello(0x0303, 0xC02F), handshake(11, certs), handshake(14, new byte[0]));
        for (int recordMax : new int[] {16384, 50, 1}) {
            for (int chunk : new int[] {1, 7, 4096}) {
                HelloReader r = read(false, records(flight, recordMax), chunk);
                assertEquals(HelloReader.State.DONE, r.state());
                assertEquals(2, r.certificates().size(), "records of " + recordMax + ", calls of " + chunk);
                assertArrayEquals(leaf, r.certificates().get(0));
                assertArrayEquals(ca, r.certificates().get(1));
                assertNull(r.anomaly());
            }
        }
        // A resumed session: ChangeCipherSpec follows the hello, and there is no certificate.
        HelloReader resumed = read(false, cat(records(serverHello(0x0303, 0xC02F), 100), new byte[] {20, 3, 3, 0, 1, 1}), 3);
        assertEquals(HelloReader.State.DONE, resumed.state());
        assertTrue(resumed.certificates().isEmpty());
        // TLS 1.3: nothing after the hello is read.
        HelloReader v13 = read(false, records(cat(serverHello(0x0303, 0x1301, ext(43, u16(0x0304))), handshake(11, certs)), 16384), 1);
        assertEquals(HelloReader.State.DONE, v13.state());
        assertTrue(v13.certificates().isEmpty());
        // A certificate list whose length lies: the hello stands, the anomaly is named.
        byte[] lying = cat(serverHello(0x0303, 0xC02F), handshake(11, cat(new byte[] {0, 1, 0}, u24, leaf)));
        HelloReader bad = read(false, records(lying, 16384), 5);
        assertEquals(HelloReader.State.DONE, bad.state());
        assertTrue(bad.certificates().isEmpty());
        assertEquals("tls.invalid_certificate", bad.anomaly());
        // A chain just under the bound, then more: read the same whether the bytes come whole or one by one.
        byte[] bigCert = new byte[HelloReader.MAX_HELLO - 4 - 3 - 3 - 130];
        byte[] bigList = cat(new byte[] {(byte) ((bigCert.length + 3) >> 16), (byte) ((bigCert.length + 3) >> 8), (byte) (bigCert.length + 3)},
                new byte[] {(byte) (bigCert.length >> 16), (byte) (bigCert.length >> 8), (byte) bigCert.length}, bigCert);
        byte[] nearBound = records(cat(serverHello(0x0303, 0xC02F), handshake(11, bigList), handshake(12, new byte[600])), 16384);
        HelloReader oneGo = read(false, nearBound, nearBound.length);
        HelloReader byByte = read(false, nearBound, 1);
        assertEquals(1, oneGo.certificates().size(), "the whole chain fits the bound");
        assertEquals(oneGo.certificates().size(), byByte.certificates().size());
        assertEquals(oneGo.state(), byByte.state());
        // A chain larger than is gathered: the hello alone.
        HelloReader big = read(false, cat(records(serverHello(0x0303, 0xC02F), 100),
                records(cat(u8(11), new byte[] {1, 0, 0}), 100)), 64);
        assertEquals(HelloReader.State.DONE, big.state());
        assertTrue(big.certificates().isEmpty());
    }

    @Test
    void helloesBeingGatheredShareTheWorkersBudgetAndTheOldestGoesFirst() {
        io.spanwatch.sensor.http.HttpMemory memory = new io.spanwatch.sensor.http.HttpMemory(3000);
        byte[] wire = records(referenceClientHello("slow.example"), 16384);
        // A first connection sends half its hello and stalls; a second one needs the room.
        HelloReader stalled = new HelloReader(true, memory);
        stalled.feed(wire, 0, wire.length / 2);
        assertEquals(HelloReader.State.NEED_MORE, stalled.state());
        long stalledHolds = memory.used();
        assertTrue(stalledHolds > 0);
        HelloReader[] others = new HelloReader[6];
        for (int i = 0; i < others.length; i++) {
            others[i] = new HelloReader(true, memory);
            others[i].feed(wire, 0, wire.length);
            assertEquals(HelloReader.State.DONE, others[i].state(), "connection " + i + " gets through");
        }
        assertEquals(stalledHolds, memory.used(), "done readers hold nothing");
        HelloReader[] held = new HelloReader[8];
        for (int i = 0; i < held.length; i++) {
            held[i] = new HelloReader(true, memory);
            held[i].feed(wire, 0, wire.length - 1); // all wait for their last byte
        }
        assertTrue(stalled.evicted(), "the oldest holding went first");
        assertEquals("tls.memcap", stalled.anomaly());
        assertTrue(memory.used() <= 3000);
        assertEquals(HelloReader.State.NEED_MORE, held[held.length - 1].state(), "the newest still gathers");
        held[held.length - 1].feed(wire, wire.length - 1, 1);
        assertEquals(HelloReader.State.DONE, held[held.length - 1].state());
        for (HelloReader r : held) {
            r.close();
        }
        stalled.close();
        assertEquals(0, memory.used(), "closing gives everything back");
        // One hello larger than the whole budget stops itself.
        HelloReader alone = new HelloReader(true, new io.spanwatch.sensor.http.HttpMemory(100));
        alone.feed(wire, 0, wire.length);
        assertEquals(HelloReader.State.INVALID, alone.state());
        assertEquals("tls.memcap", alone.anomaly());
    }

    @Test
    void versionsAreNamedAsSuricataNamesThem() {
        assertEquals("SSLv3", TlsNames.version(0x0300));
        assertEquals("TLSv1", TlsNames.version(0x0301));
        assertEquals("TLS 1.1", TlsNames.version(0x0302));
        assertEquals("TLS 1.3 draft-28", TlsNames.version(0x7F1C));
        assertEquals("TLS 1.3 draft-<16", TlsNames.version(0x7F01));
        assertEquals("TLS 1.3 draft-23-fb", TlsNames.version(0xFB17));
        assertEquals("0x0305", TlsNames.version(0x0305));
        for (int v = 0; v < 0x10000; v++) {
            assertEquals((v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF), TlsNames.grease(v), Integer.toHexString(v));
        }
    }

    @Test
    void anAlertInPlaceOfTheServerHelloEndsTheReadingWithoutOne() {
        HelloReader r = read(false, cat(u8(21), u16(0x0303), u16(2), new byte[] {2, 40}), 1);
        assertEquals(HelloReader.State.NO_HELLO, r.state());
        assertNull(r.hello());
    }

    @Test
    void lengthsThatLieAreNamedAnomalies() {
        byte[] good = referenceClientHello("x.example");
        // A record longer than TLS allows.
        assertInvalid(cat(u8(22), u16(0x0301), u16(HelloReader.MAX_RECORD + 1)), "tls.invalid_record_length");
        assertInvalid(cat(u8(22), u16(0x0301), u16(0)), "tls.invalid_record_length");
        assertInvalid(cat(u8(22), u16(0x0201), u16(5)), "tls.invalid_record_version");
        assertInvalid(cat(u8(23), u16(0x0303), u16(5)), "tls.invalid_record_type");
        // A hello claiming more than the largest hello read.
        assertInvalid(records(cat(u8(1), new byte[] {1, 0, 0}), 100), "tls.invalid_handshake_message");
        // An extension whose length runs past its list.
        byte[] bad = good.clone();
        int sniAt = new String(bad, StandardCharsets.ISO_8859_1).indexOf(new String(sni("x.example"), StandardCharsets.ISO_8859_1));
        assertTrue(sniAt > 0);
        bad[sniAt + 3] = (byte) 0xFF;
        assertInvalid(records(bad, 16384), "tls.invalid_handshake_message");
        // The server's first message is not a ServerHello.
        HelloReader r = read(false, records(handshake(11, new byte[10]), 100), 4);
        assertEquals(HelloReader.State.INVALID, r.state());
        assertEquals("tls.invalid_handshake_message", r.anomaly());
    }

    @Test
    void randomBytesNeverThrowAndAsciiIsNeverAClientHello() {
        Random rnd = new Random(20261204);
        byte[] good = records(referenceClientHello("r.example"), 300);
        for (int i = 0; i < 20_000; i++) {
            byte[] b;
            if (i % 2 == 0) {
                b = new byte[rnd.nextInt(600)];
                rnd.nextBytes(b);
            } else {
                b = good.clone(); // a real hello with a few bytes changed
                for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
            }
            HelloReader r = read(true, b, 1 + rnd.nextInt(64));
            assertTrue(r.state() != HelloReader.State.DONE || r.hello() != null);
            HelloReader.startsClientHello(b, 0, b.length);
        }
        for (String s : new String[] {"GET / HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", "SSH-2.0-OpenSSH_9.6\r\n", "\u0016\u0003"}) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            assertNotEquals(Boolean.TRUE, HelloReader.startsClientHello(b, 0, b.length), s);
        }
        byte[] two = {22, 3};
        assertNull(HelloReader.startsClientHello(two, 0, 2), "too few bytes to tell");
        assertFalse(HelloReader.startsClientHello(records(serverHello(0x0303, 1), 100), 0, 20), "a ServerHello is not a ClientHello");
    }

    @Test
    void aHostNameIsKeptAsItsBytes() {
        String raw = new String("b\u00fccher.example".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        HelloReader r = read(true, records(referenceClientHello(raw), 16384), 16384);
        assertArrayEquals("b\u00fccher.example".getBytes(StandardCharsets.UTF_8), r.hello().serverName().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void assertInvalid(byte[] wire, String anomaly) {
        HelloReader r = read(true, wire, 3);
        assertEquals(HelloReader.State.INVALID, r.state(), anomaly);
        assertEquals(anomaly, r.anomaly());
    }
}
