package io.spanwatch.sensor.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spanwatch.sensor.fuzz.DemoTraffic;
import io.spanwatch.sensor.fuzz.FuzzInput;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fuzzes {@link HttpConnectionParser} with both directions of a connection. Input: limits (u8, see
 * {@link HttpFuzzChecks#limits}; with its two low bits set the listener also accepts HTTP/0.9), then steps until the input ends (u8: bit 0 the direction, the rest
 * the kind): data (u8 piece size for the second run, 0 whole; byte string), a gap (u8 flag for an
 * unknown length, else u16 bytes), the end of the direction. The connection is closed at the end.
 *
 * <p>The script runs twice, once with every step whole and once with the data cut into pieces of the
 * given sizes. Invariants: nothing throws; each run satisfies {@link HttpFuzzChecks#check}
 * (transactions reported once and in order, sinks ended once, counters within the bytes given,
 * limits kept); both runs record the same.
 */
public class HttpParserFuzzTest {
    private static final int STEPS = 128;

    @FuzzTest(maxDuration = "10s")
    void conversation(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        int pick = in.u8();
        HttpLimits limits = HttpFuzzChecks.limits(pick);
        Script script = new Script();
        if ((pick & 3) == 3) {
            script.http09(); // default limits, and a first response without status line is HTTP/0.9
        }
        int[] pieces = new int[STEPS + 1];
        long[] given = new long[2];
        for (int step = 0; step < STEPS && in.more(); step++) {
            int code = in.u8();
            boolean toServer = (code & 1) == 0;
            int d = toServer ? 0 : 1;
            switch ((code >>> 1) % 5) {
                case 0, 1, 2 -> {
                    pieces[step] = in.u8();
                    byte[] b = in.bytes(8192);
                    given[d] += b.length;
                    if (toServer) {
                        script.c(b);
                    } else {
                        script.s(b);
                    }
                }
                case 3 -> {
                    long len = in.bool() ? -1 : in.u16();
                    given[d] += Math.max(0, len);
                    script.gap(toServer, len);
                }
                default -> script.end(toServer);
            }
        }
        script.close();
        RecordingListener whole = script.runOnce(limits);
        HttpFuzzChecks.check(whole, limits, given);
        RecordingListener cut = script.runInPieces(limits, pieces);
        HttpFuzzChecks.check(cut, limits, given);
        HttpFuzzChecks.assertSameRecording(whole, cut, "whole and cut into pieces");
    }

    /**
     * Seeds: the demo's connections as reassembled (bytes past a budget become gaps of the same
     * length, so framing stays intact), and small conversations of what the demo lacks.
     */
    public static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        for (DemoTraffic.Conversation c : DemoTraffic.conversations()) {
            FuzzInput.Writer w = new FuzzInput.Writer().u8(1);
            int budget = 6000;
            int steps = 0;
            long[] pendingGap = new long[2];
            for (DemoTraffic.Piece p : c.pieces()) {
                int d = p.toServer() ? 0 : 1;
                if (p.bytes() != null && p.bytes().length <= budget) {
                    steps += gapSteps(w, d, pendingGap);
                    w.u8(d).u8(steps % 7 == 0 ? 0 : 1 + steps % 50).bytes(p.bytes());
                    budget -= p.bytes().length;
                    steps++;
                } else {
                    pendingGap[d] += p.bytes() != null ? p.bytes().length : p.gap();
                }
                if (steps >= STEPS - 4) {
                    break;
                }
            }
            gapSteps(w, 0, pendingGap);
            gapSteps(w, 1, pendingGap);
            seeds.put("demo-" + c.clientPort(), w.toByteArray());
        }
        seeds.put("connect-tunnel", text(1, "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n",
                "HTTP/1.1 200 Connection established\r\n\r\n", "\u0016\u0003\u0001\u0002\u0000\u0001"));
        seeds.put("upgrade-head-304", text(0, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                + "HEAD /h HTTP/1.0\r\n\r\nGET /c HTTP/1.1\r\nIf-None-Match: \"x\"\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nHTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"
                + "HTTP/1.1 101 Switching Protocols\r\n\r\n"));
        seeds.put("chunked-trailers-fold", text(1, "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-A: one\r\n two\r\n\r\n"
                + "3;ext=1\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        String ranges = "--BB\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/8\r\n\r\nab\r\n"
                + "--BB\r\nContent-Range: bytes 4-5/8\r\n\r\nef\r\n--BB--\r\n";
        seeds.put("byteranges", text(1, "GET /r HTTP/1.1\r\nRange: bytes=0-1,4-5\r\n\r\n",
                "HTTP/1.1 206 Partial Content\r\nContent-Type: multipart/byteranges; boundary=BB\r\nContent-Length: "
                + ranges.length() + "\r\n\r\n" + ranges));
        // HTTP Evader's tricks: heads and bodies as browsers read them
        seeds.put("http09", text(3, "GET /old HTTP/1.1\r\n\r\n", "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR no status line\r\n\r\n"));
        seeds.put("browser-heads", text(1, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n",
                "xx HTTP/1.1 200 ok\r\nConnection: keep-alive\rTransfer-Encoding: x chunked\r\nContent-Encoding: identity,\r\n"
                + "X-Folded: a\r\n b\r\nContent-Length : 9\r\n\r\n 5 x\r\nhello\r\n\r\n-fffffffb\n12345\n0\r\n\r\n"
                + "HTTP/1.0 200 ok\r\nTransfer-Encoding: chunked\r\nContent-Length: 004\r\nContent-Length: 4, 4\r\n\r\nplain"
                + "HTTP/1.1 204 No Content\r\n\r\nbody after 204\r\nHTTP/1.1 200 ok\r\nContent-Length: 2\r\n\r\nok"));
        // HTTP/2 in cleartext, written by Netty: prior knowledge with a gzip body and an upload, and an h2c upgrade
        io.netty.handler.codec.http2.Http2Headers get = new io.netty.handler.codec.http2.DefaultHttp2Headers().method("GET")
                .scheme("http").path("/a").authority("h2.example").add("user-agent", "fuzz");
        io.netty.handler.codec.http2.Http2Headers post = new io.netty.handler.codec.http2.DefaultHttp2Headers().method("POST")
                .scheme("http").path("/up").authority("h2.example").add("content-type", "multipart/form-data; boundary=XY");
        io.netty.handler.codec.http2.Http2Headers ok = new io.netty.handler.codec.http2.DefaultHttp2Headers().status("200")
                .add("content-encoding", "gzip");
        byte[] gz = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x4b, 0x4c, 0x4a, 6, 0, (byte) 0xc2, 0x41, 0x24, 0x35, 3, 0, 0, 0};
        byte[] form = "--XY\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\r\nhello\r\n--XY--\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        seeds.put("http2-prior-knowledge", bytes(1, new H2Writer().preface().settings().headers(1, get, true)
                .headers(3, post, false).data(3, form, true).bytes(), new H2Writer().settings().settingsAck()
                .headers(1, ok, false).data(1, gz, 3, true).headers(3, new io.netty.handler.codec.http2.DefaultHttp2Headers()
                        .status("204"), true).push(1, 2, get).headers(2, ok, false).data(2, gz, true).reset(3, 0).bytes()));
        seeds.put("http2-upgrade", bytes(1, ("GET /u HTTP/1.1\r\nHost: h2.example\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                concat("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                        new H2Writer().settings().headers(1, ok, false).data(1, gz, true).bytes()),
                new H2Writer().preface().settings().settingsAck().bytes()));
        return seeds;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Like {@link #text}, of bytes. */
    private static byte[] bytes(int limits, byte[]... turns) {
        FuzzInput.Writer w = new FuzzInput.Writer().u8(limits);
        for (int i = 0; i < turns.length; i++) {
            w.u8(i % 2).u8(i % 2 == 0 ? 0 : 7).bytes(turns[i]);
        }
        return w.toByteArray();
    }

    /** Writes gap steps for what was skipped in one direction; returns how many. */
    private static int gapSteps(FuzzInput.Writer w, int d, long[] pendingGap) {
        int n = 0;
        while (pendingGap[d] > 0) {
            int len = (int) Math.min(pendingGap[d], 0xffff);
            w.u8(d | 3 << 1).bool(false).u16(len);
            pendingGap[d] -= len;
            n++;
        }
        return n;
    }

    /** A conversation of alternating client and server texts, client first, with the given limits byte. */
    private static byte[] text(int limits, String... turns) {
        FuzzInput.Writer w = new FuzzInput.Writer().u8(limits);
        for (int i = 0; i < turns.length; i++) {
            w.u8(i % 2).u8(i % 2 == 0 ? 0 : 7).bytes(turns[i].getBytes(StandardCharsets.ISO_8859_1));
        }
        return w.toByteArray();
    }
}
