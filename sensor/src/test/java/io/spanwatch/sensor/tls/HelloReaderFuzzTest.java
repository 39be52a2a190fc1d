package io.spanwatch.sensor.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spanwatch.sensor.capture.TlsHellos;
import io.spanwatch.sensor.fuzz.FuzzInput;
import io.spanwatch.sensor.http.HttpMemory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Fuzzes {@link HelloReader} with one direction's bytes. Input: flags (u8: bit 0 the client's
 * direction), a budget (u16 × 16 bytes), a chunk size (u8), then the bytes.
 *
 * <p>Invariants: nothing throws; the state only leaves {@code NEED_MORE} once; a read hello is the
 * kind the direction sends and its names lie within the bytes; what the reader says does not depend
 * on how the bytes were cut (all at once, in chunks, byte by byte), unless the budget stopped one of
 * the readings ({@code tls.memcap}); the budget never holds more than its cap, and nothing once the
 * reader is done and closed.
 */
public class HelloReaderFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void direction(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        boolean client = (in.u8() & 1) != 0;
        long cap = 16L * (1 + in.u16());
        int chunk = 1 + in.u8();
        byte[] wire = in.rest();
        HttpMemory memory = new HttpMemory(cap);
        HelloReader whole = read(client, wire, wire.length, memory);
        HelloReader pieces = read(client, wire, chunk, memory);
        HelloReader bytes = read(client, wire, 1, new HttpMemory(Long.MAX_VALUE));
        assertTrue(memory.peak() <= cap + HelloReader.MAX_HELLO, "the budget's peak " + memory.peak() + " against " + cap);
        for (HelloReader r : new HelloReader[] {whole, pieces, bytes}) {
            HelloReader.Hello h = r.hello();
            if (r.state() == HelloReader.State.DONE && !"tls.invalid_certificate".equals(r.anomaly())) {
                assertNotNull(h, "a reading that is done has its hello");
            }
            if (h != null) {
                assertEquals(client, h.client());
                assertTrue(h.serverName() == null || h.serverName().length() <= wire.length);
                assertTrue(r.certificates().isEmpty() || !client, "only a server sends certificates");
            }
            r.close();
        }
        assertEquals(0, memory.used(), "closed readers hold nothing");
        if (!"tls.memcap".equals(whole.anomaly()) && !"tls.memcap".equals(pieces.anomaly())) {
            same(whole, pieces);
        }
        if (!"tls.memcap".equals(whole.anomaly())) {
            same(whole, bytes);
        }
    }

    private static HelloReader read(boolean client, byte[] wire, int chunk, HttpMemory memory) {
        HelloReader r = new HelloReader(client, memory);
        HelloReader.State last = r.state();
        for (int off = 0; off < wire.length && r.state() == HelloReader.State.NEED_MORE; off += chunk) {
            last = r.feed(wire, off, Math.min(chunk, wire.length - off));
        }
        assertEquals(last, r.state());
        return r;
    }

    private static void same(HelloReader a, HelloReader b) {
        assertEquals(a.state(), b.state(), "the state does not depend on the cut");
        assertEquals(a.anomaly(), b.anomaly());
        HelloReader.Hello x = a.hello();
        HelloReader.Hello y = b.hello();
        assertEquals(x == null, y == null);
        if (x != null) {
            assertEquals(x.legacyVersion(), y.legacyVersion());
            assertArrayEquals(x.ciphers(), y.ciphers());
            assertArrayEquals(x.extensions(), y.extensions());
            assertArrayEquals(x.versions(), y.versions());
            assertEquals(x.serverName(), y.serverName());
            assertEquals(x.alpn(), y.alpn());
            assertArrayEquals(x.signatureAlgorithms(), y.signatureAlgorithms());
            assertTrue(Objects.equals(TlsNames.ja3(x), TlsNames.ja3(y)));
            assertEquals(TlsNames.ja4(x), TlsNames.ja4(y)); // and never fails, whatever the hello held
        }
        List<byte[]> ca = a.certificates();
        List<byte[]> cb = b.certificates();
        assertEquals(ca.size(), cb.size());
        for (int i = 0; i < ca.size(); i++) {
            assertArrayEquals(ca.get(i), cb.get(i));
        }
    }

    /** Seeds: a browser's ClientHello, TLS 1.3 and TLS 1.2 server flights (with a certificate), and an alert. */
    public static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("client-hello", seed(true, 7, TlsHellos.clientHello(1, "files.example", "h2", "http/1.1")));
        seeds.put("server-13", seed(false, 1, TlsHellos.serverHello13(2)));
        seeds.put("server-12-certificate", seed(false, 3, TlsHellos.serverHello12(3, "http/1.1", "not really DER".getBytes(),
                "a second one".getBytes())));
        seeds.put("alert", seed(false, 1, new byte[] {21, 3, 3, 0, 2, 2, 40}));
        return seeds;
    }

    private static byte[] seed(boolean client, int chunk, byte[] wire) {
        return new FuzzInput.Writer().u8(client ? 1 : 0).u16(4096).u8(chunk - 1).raw(wire).toByteArray();
    }
}
