package io.spanwatch.sensor.socks;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import io.spanwatch.sensor.flow.AppTunnel;
import io.spanwatch.sensor.flow.Flow;
import io.spanwatch.sensor.socks.SocksHandshake.Result;
import io.spanwatch.sensor.socks.SocksHandshake.State;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Reads SOCKS 4, 4a and 5 handshakes, whole and with both directions cut at every length (the answer
 * must be "need more" until the handshake is there, then the same), refusals, malformed parts, and
 * other protocols that must not be taken for SOCKS.
 */
class SocksHandshakeTest {
    private static final byte[] HTTP = ascii("GET / HTTP/1.1\r\nHost: files.example\r\n\r\n");
    private static final byte[] HTTP_OK = ascii("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");

    static byte[] v4Connect(String ip, int port, String user) {
        return cat(bytes(4, 1), u16(port), addr(ip), ascii(user), bytes(0));
    }

    static byte[] v4aConnect(String name, int port) {
        return cat(bytes(4, 1), u16(port), bytes(0, 0, 0, 1), ascii("alice"), bytes(0), ascii(name), bytes(0));
    }

    static byte[] v4Reply(int status) {
        return cat(bytes(0, status), u16(0), bytes(0, 0, 0, 0));
    }

    static byte[] v5Name(String name, int port) {
        return cat(bytes(5, 1, 0, 3, name.length()), ascii(name), u16(port));
    }

    static byte[] v5Ip(String ip, int port) {
        byte[] a = addr(ip);
        return cat(bytes(5, 1, 0, a.length == 4 ? 1 : 4), a, u16(port));
    }

    static byte[] v5Reply(int rep) {
        return cat(bytes(5, rep, 0, 1), addr("192.0.2.1"), u16(4321));
    }

    /** Parses whole, then with each direction cut at every length, and checks the cuts only ever need more. */
    private static Result parseAllCuts(byte[] c, byte[] s) {
        Result whole = SocksHandshake.parse(c, c.length, s, s.length);
        for (int cl = 0; cl <= c.length; cl++) {
            for (int sl = 0; sl <= s.length; sl++) {
                Result r = SocksHandshake.parse(Arrays.copyOf(c, cl), cl, Arrays.copyOf(s, sl), sl);
                if (r.state() == State.NEED_MORE || r.equals(whole)) {
                    continue;
                }
                // A cut may only decide earlier in the ways the whole would: a refusal or "not SOCKS" that the
                // bytes seen already prove; never a different tunnel.
                assertNotEquals(State.ESTABLISHED, r.state(), "cut " + cl + "/" + sl + " established early: " + r);
                assertEquals(whole.state(), r.state(), "cut " + cl + "/" + sl + ": " + r + " vs " + whole);
            }
        }
        return whole;
    }

    @Test
    void socks4ConnectThenData() {
        byte[] c = cat(v4Connect("93.184.216.34", 80, "bob"), HTTP);
        byte[] s = cat(v4Reply(0x5a), HTTP_OK);
        Result r = parseAllCuts(c, s);
        assertEquals(State.ESTABLISHED, r.state());
        assertEquals(c.length - HTTP.length, r.clientData());
        assertEquals(8, r.serverData());
        assertEquals(new AppTunnel("socks", 4, "connect", "succeeded", "93.184.216.34", null, 80, "0.0.0.0", 0), r.target());
    }

    @Test
    void socks4aNamesTheHost() {
        Result r = parseAllCuts(cat(v4aConnect("files.example", 8080), HTTP), cat(v4Reply(0x5a), HTTP_OK));
        assertEquals(State.ESTABLISHED, r.state());
        assertNull(r.target().requestHost());
        assertEquals("files.example", r.target().requestName());
        assertEquals(8080, r.target().requestPort());
    }

    @Test
    void socks4RefusalsAndBind() {
        for (int status = 0x5b; status <= 0x5d; status++) {
            Result r = parseAllCuts(v4Connect("10.0.0.1", 80, ""), v4Reply(status));
            assertEquals(State.CLOSED, r.state());
            assertNotEquals("succeeded", r.target().status());
            assertNull(r.anomaly());
        }
        byte[] bind = cat(bytes(4, 2), u16(20), addr("10.0.0.1"), bytes(0));
        Result r = parseAllCuts(bind, cat(v4Reply(0x5a), v4Reply(0x5a), HTTP_OK));
        assertEquals(State.ESTABLISHED, r.state());
        assertEquals(16, r.serverData());
        assertEquals("bind", r.target().command());
    }

    @Test
    void socks5WithoutAuthenticationSentAllAtOnce() {
        byte[] c = cat(bytes(5, 2, 0, 2), v5Name("files.example", 80), HTTP);
        byte[] s = cat(bytes(5, 0), v5Reply(0), HTTP_OK);
        Result r = parseAllCuts(c, s);
        assertEquals(State.ESTABLISHED, r.state());
        assertEquals(c.length - HTTP.length, r.clientData());
        assertEquals(s.length - HTTP_OK.length, r.serverData());
        assertEquals(new AppTunnel("socks", 5, "connect", "succeeded", null, "files.example", 80, "192.0.2.1", 4321), r.target());
    }

    @Test
    void socks5WithUsernameAndPasswordAndIpv6() {
        byte[] auth = cat(bytes(1, 4), ascii("user"), bytes(6), ascii("secret"));
        byte[] c = cat(bytes(5, 1, 2), auth, v5Ip("2001:db8::80", 443), HTTP);
        byte[] s = cat(bytes(5, 2), bytes(1, 0), v5Reply(0), HTTP_OK);
        Result r = parseAllCuts(c, s);
        assertEquals(State.ESTABLISHED, r.state());
        assertEquals(Flow.ipText(addr("2001:db8::80")), r.target().requestHost());
        assertEquals(443, r.target().requestPort());
        Result denied = parseAllCuts(cat(bytes(5, 1, 2), auth), cat(bytes(5, 2), bytes(1, 1)));
        assertEquals(State.CLOSED, denied.state());
        assertEquals("auth_failed", denied.target().status());
    }

    @Test
    void socks5RefusalsUdpAssociateAndOpaqueMethods() {
        Result refused = parseAllCuts(cat(bytes(5, 1, 0), v5Ip("10.0.0.9", 80)), cat(bytes(5, 0), v5Reply(5)));
        assertEquals(State.CLOSED, refused.state());
        assertEquals("connection_refused", refused.target().status());
        Result none = parseAllCuts(bytes(5, 1, 2), bytes(5, 0xff));
        assertEquals(State.CLOSED, none.state());
        assertEquals("no_acceptable_methods", none.target().status());
        byte[] udp = cat(bytes(5, 3, 0, 1), addr("0.0.0.0"), u16(0));
        assertEquals(State.CLOSED, parseAllCuts(cat(bytes(5, 1, 0), udp), cat(bytes(5, 0), v5Reply(0))).state());
        Result gssapi = parseAllCuts(bytes(5, 2, 0, 1), bytes(5, 1));
        assertEquals(State.CLOSED, gssapi.state());
        assertEquals("method_1", gssapi.target().status());
    }

    @Test
    void malformedPartsAfterRecognitionAreAnomalies() {
        Result badRequest = SocksHandshake.parse(cat(bytes(5, 1, 0), bytes(5, 9, 0, 1), new byte[6]), 13, bytes(5, 0), 2);
        assertEquals(State.CLOSED, badRequest.state());
        assertEquals("socks.request_malformed", badRequest.anomaly());
        byte[] c = cat(bytes(5, 1, 0), v5Ip("10.0.0.9", 80));
        byte[] s = cat(bytes(5, 0), bytes(5, 0, 0, 7), new byte[10]);
        Result badReply = SocksHandshake.parse(c, c.length, s, s.length);
        assertEquals("socks.reply_malformed", badReply.anomaly());
        byte[] emptyName = cat(bytes(5, 1, 0), bytes(5, 1, 0, 3, 0), u16(80));
        assertEquals("socks.request_malformed", SocksHandshake.parse(emptyName, emptyName.length, bytes(5, 0), 2).anomaly());
    }

    @Test
    void otherProtocolsAreNotSocks() {
        byte[][][] pairs = {
            {HTTP, HTTP_OK},
            {ascii("SSH-2.0-OpenSSH_9.6\r\n"), ascii("SSH-2.0-OpenSSH_9.6\r\n")},
            {cat(bytes(0x16, 3, 1, 0, 0xc8, 1), new byte[200]), cat(bytes(0x16, 3, 3), new byte[90])},
            {new byte[0], ascii("220 mail.example ESMTP\r\n")},
            {bytes(5, 1, 0), ascii("HTTP/1.1 400 Bad Request\r\n\r\n")}, // a greeting, answered by HTTP
            {bytes(5, 1, 0), bytes(5, 2)},                                 // a method the client did not offer
            {bytes(5, 1, 0x40), bytes(5, 0)},                              // an unassigned method
            {cat(bytes(4, 1), u16(80), addr("10.0.0.1"), ascii("bob"), bytes(0)), bytes(4, 0x5a, 0, 0, 0, 0, 0, 0)},
            {cat(bytes(4, 1), u16(80), addr("10.0.0.1"), bytes('b', 1, 'b', 0)), v4Reply(0x5a)}, // control byte in the user
            {cat(bytes(4, 9), u16(80), addr("10.0.0.1"), bytes(0)), v4Reply(0x5a)},
        };
        for (byte[][] p : pairs) {
            Result r = SocksHandshake.parse(p[0], p[0].length, p[1], p[1].length);
            assertEquals(State.NOT_SOCKS, r.state(), new String(p[0], java.nio.charset.StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void randomBytesNeverThrowAndAreRarelySocks() {
        long seed = Long.getLong("tests.seed", System.nanoTime());
        System.out.println("SocksHandshakeTest seed " + seed + " (replay with -Dtests.seed=" + seed + ")");
        Random rnd = new Random(seed);
        int established = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] c = new byte[rnd.nextInt(40)];
            byte[] s = new byte[rnd.nextInt(40)];
            rnd.nextBytes(c);
            rnd.nextBytes(s);
            if (c.length > 0 && rnd.nextBoolean()) {
                c[0] = (byte) (4 + rnd.nextInt(2));
            }
            if (s.length > 0 && rnd.nextBoolean()) {
                s[0] = (byte) (rnd.nextBoolean() ? 0 : 5);
            }
            Result r = SocksHandshake.parse(c, c.length, s, s.length);
            assertTrue(r.clientData() <= c.length && r.serverData() <= s.length, "offsets inside the bytes (seed " + seed + ")");
            if (r.state() == State.ESTABLISHED) {
                established++;
            }
        }
        assertTrue(established < 20, established + " random pairs taken for SOCKS tunnels (seed " + seed + ")");
    }
}
