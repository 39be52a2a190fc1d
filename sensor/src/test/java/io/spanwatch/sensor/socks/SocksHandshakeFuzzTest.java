package io.spanwatch.sensor.socks;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spanwatch.sensor.fuzz.FuzzInput;
import io.spanwatch.sensor.socks.SocksHandshake.Result;
import io.spanwatch.sensor.socks.SocksHandshake.State;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fuzzes {@link SocksHandshake} with the first bytes of both directions. Input: client bytes (byte
 * string), then the server's (the rest).
 *
 * <p>Invariants: nothing throws; offsets of tunnelled data lie inside the bytes; a tunnel or a closed
 * session names what was asked; and every shorter view of the same bytes (as the worker sees them while
 * they arrive) either needs more or says the same, never a different tunnel.
 */
public class SocksHandshakeFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void handshake(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        byte[] c = in.bytes(4096);
        byte[] s = in.rest();
        Result whole = SocksHandshake.parse(c, c.length, s, s.length);
        assertTrue(whole.clientData() >= 0 && whole.clientData() <= c.length, "client offset " + whole.clientData());
        assertTrue(whole.serverData() >= 0 && whole.serverData() <= s.length, "server offset " + whole.serverData());
        if (whole.state() == State.ESTABLISHED || whole.state() == State.CLOSED) {
            assertNotNull(whole.target(), "a SOCKS session says what it is");
        }
        int step = Math.max(1, (c.length + s.length) / 64);
        for (int cl = 0; cl <= c.length; cl += step) {
            for (int sl = 0; sl <= s.length; sl += step) {
                Result r = SocksHandshake.parse(Arrays.copyOf(c, cl), cl, Arrays.copyOf(s, sl), sl);
                if (r.state() == State.NEED_MORE || r.equals(whole)) {
                    continue;
                }
                assertNotEquals(State.ESTABLISHED, r.state(), "a prefix " + cl + "/" + sl + " opened another tunnel: " + r);
                assertEquals(whole.state(), r.state(), "prefix " + cl + "/" + sl + ": " + r + ", whole: " + whole);
            }
        }
    }

    /** Seeds: the handshakes of the unit tests, whole. */
    public static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        byte[] get = ascii("GET / HTTP/1.1\r\nHost: files.example\r\n\r\n");
        seeds.put("socks4", seed(cat(SocksHandshakeTest.v4Connect("93.184.216.34", 80, "bob"), get), SocksHandshakeTest.v4Reply(0x5a)));
        seeds.put("socks4a", seed(SocksHandshakeTest.v4aConnect("files.example", 80), SocksHandshakeTest.v4Reply(0x5a)));
        seeds.put("socks5", seed(cat(bytes(5, 2, 0, 2), SocksHandshakeTest.v5Name("files.example", 80), get),
                cat(bytes(5, 0), SocksHandshakeTest.v5Reply(0))));
        seeds.put("socks5-auth", seed(cat(bytes(5, 1, 2, 1, 4), ascii("user"), bytes(6), ascii("secret"),
                SocksHandshakeTest.v5Ip("2001:db8::80", 443)), cat(bytes(5, 2, 1, 0), SocksHandshakeTest.v5Reply(0))));
        seeds.put("socks5-bind", seed(cat(bytes(5, 1, 0, 5, 2, 0, 1), addr("10.0.0.1"), u16(20)),
                cat(bytes(5, 0), SocksHandshakeTest.v5Reply(0), SocksHandshakeTest.v5Reply(0))));
        return seeds;
    }

    private static byte[] seed(byte[] client, byte[] server) {
        return new FuzzInput.Writer().bytes(client).raw(server).toByteArray();
    }
}
