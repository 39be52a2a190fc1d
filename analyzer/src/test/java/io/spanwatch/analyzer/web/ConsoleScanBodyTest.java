package io.spanwatch.analyzer.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spanwatch.analyzer.scan.ClamdAddress;
import io.spanwatch.analyzer.scan.ClamdClient;
import io.spanwatch.analyzer.scan.ClamdPool;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scan service's answer to upload bodies Netty's multipart decoder refuses: a 400 "malformed
 * multipart body", never a 500. No clamd is needed (nothing gets as far as a scan); the pool points
 * at a port where none listens.
 */
class ConsoleScanBodyTest {
    @TempDir
    Path dir;

    @Test
    void bodiesTheDecoderRefusesAre400() throws Exception {
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            fields.append("--b\r\nContent-Disposition: form-data; name=\"f").append(i).append("\"\r\n\r\nv\r\n");
        }
        fields.append("--b--\r\n");
        String oneFile = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nx\r\n--b--\r\n";
        List<String[]> bad = List.of(
                new String[] {"multipart/form-data; boundary=b", fields.toString()},
                new String[] {"multipart/form-data; boundary=", oneFile},
                new String[] {"multipart/form-data; boundary=b; charset=bogus-charset", oneFile});
        ConsoleConfig cfg = new ConsoleConfig(2, 1000, 4096, 1 << 20, 5, Duration.ofHours(1), Duration.ofSeconds(10));
        try (ClamdPool nowhere = new ClamdPool(List.of(ClamdAddress.tcp("127.0.0.1", 1)), ClamdClient.Options.defaults());
             ConsoleFixture f = new ConsoleFixture(dir, cfg, true, nowhere)) {
            for (String[] b : bad) {
                HttpResponse<String> r = f.send(f.request("/api/v1/scan").header("Authorization", "Bearer " + f.actToken)
                        .header("Content-Type", b[0]).POST(HttpRequest.BodyPublishers.ofString(b[1])).build());
                assertEquals(400, r.statusCode(), b[0] + ": " + r.body());
                assertEquals("malformed multipart body", Response.JSON.readTree(r.body()).path("error").asText(), b[0]);
            }
        }
    }
}
