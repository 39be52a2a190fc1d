package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Feeds random and mutated traffic, with random gaps and ends, and checks that nothing throws and
 * every sink ends once. The seed is printed; rerun one with {@code -Dhttp.seed=N}.
 */
class HttpGarbageTest {

    private static final String[] PIECES = {
        "GET / HTTP/1.1\r\n", "POST /u HTTP/1.1\r\n", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 100 Continue\r\n\r\n",
        "HTTP/1.1 206 Partial\r\n", "Content-Length: 5\r\n", "Content-Length: 99999999999999999999\r\n",
        "Transfer-Encoding: chunked\r\n", "Content-Encoding: gzip\r\n", "Content-Encoding: br, deflate\r\n",
        "Content-Type: multipart/form-data; boundary=zz\r\n", "Content-Type: multipart/byteranges; boundary=zz\r\n",
        "Content-Range: bytes 1-2/3\r\n", "\r\n", "\n", "5\r\nhello\r\n", "0\r\n\r\n", "ffffffffffffffffff\r\n",
        "--zz\r\n", "--zz--\r\n", "Content-Disposition: form-data; name=x; filename*=UTF-8''%zz\r\n",
        "\u001f\u008b\u0008\u0000", "x", "CONNECT a:1 HTTP/1.1\r\n", "HEAD / HTTP/1.0\r\n", " folded\r\n",
    };

    @Test
    void randomTrafficNeverThrows() {
        long seed = Long.getLong("http.seed", System.nanoTime());
        System.out.println("HttpGarbageTest seed " + seed);
        Random rnd = new Random(seed);
        HttpLimits small = new HttpLimits(512, 20, 64 << 10, 20, 1024, 3, 4);
        byte[] gz = HttpContentDecodingTest.gzip("compressed body ".repeat(50).getBytes(StandardCharsets.ISO_8859_1));
        for (int conn = 0; conn < 3000; conn++) {
            RecordingListener r = new RecordingListener();
            HttpConnectionParser p = new HttpConnectionParser(r, rnd.nextBoolean() ? small : HttpLimits.DEFAULTS);
            int steps = 1 + rnd.nextInt(40);
            for (int s = 0; s < steps; s++) {
                boolean up = rnd.nextBoolean();
                int what = rnd.nextInt(20);
                if (what == 0) {
                    p.gap(up, s, rnd.nextInt(3) == 0 ? -1 : rnd.nextInt(100) + 1);
                } else if (what == 1) {
                    p.end(up, s);
                } else {
                    byte[] b = what < 6 ? randomBytes(rnd) : what < 8 ? mutatedGzipResponse(rnd, gz) : mutatedPieces(rnd);
                    int off = rnd.nextInt(b.length + 1);
                    p.data(up, s, b, 0, off);
                    p.data(up, s, b, off, b.length - off);
                }
            }
            p.close(steps);
            for (RecordingListener.Sink sink : r.sinks) {
                assertEquals(1, sink.endCalls, "seed " + seed + ": " + sink.describe());
            }
        }
    }

    private static byte[] mutatedGzipResponse(Random rnd, byte[] gz) {
        byte[] b = Script.concat("HTTP/1.1 200 OK\r\nContent-Encoding: " + (rnd.nextBoolean() ? "gzip" : "deflate, gzip")
                + "\r\nContent-Length: " + gz.length + "\r\n\r\n", gz);
        for (int i = rnd.nextInt(4); i > 0; i--) {
            b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
        return b;
    }

    private static byte[] randomBytes(Random rnd) {
        byte[] b = new byte[rnd.nextInt(200)];
        rnd.nextBytes(b);
        return b;
    }

    private static byte[] mutatedPieces(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + rnd.nextInt(12);
        for (int i = 0; i < n; i++) {
            sb.append(PIECES[rnd.nextInt(PIECES.length)]);
        }
        byte[] b = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        for (int i = rnd.nextInt(3); i > 0 && b.length > 0; i--) {
            b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
        return b;
    }
}
