package io.spanwatch.analyzer.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.scan.ClamdClient;
import io.spanwatch.analyzer.scan.ClamdPool;
import io.spanwatch.analyzer.scan.ClamdTestServer;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's scan service ({@code POST /api/v1/scan}) against a real clamd on the project's test
 * signatures: several files in one upload, verdicts in order, a file past clamd's stream limit is an
 * error (never clean), the file-count limit. Skipped, saying so, without clamd.
 */
class ConsoleScanIT {
    @TempDir
    Path dir;

    private static byte[] multipart(String boundary, List<String[]> files) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String[] f : files) {
            b.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + f[0]
                    + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            b.writeBytes(f[1].getBytes(StandardCharsets.ISO_8859_1));
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        b.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }

    @Test
    void scansUploadsWithThePipelinesClamd() throws Exception {
        String why = ClamdTestServer.unavailableReason();
        if (why != null) {
            System.out.println("ConsoleScanIT: SKIPPED: " + why);
        }
        assumeTrue(why == null);
        Path db = dir.resolve("db");
        ClamdTestServer.writeEicarSignatures(db);
        try (ClamdTestServer clamd = ClamdTestServer.start(db);
             ClamdPool pool = new ClamdPool(List.of(clamd.tcpAddress()), ClamdClient.Options.defaults().withMaxStreamBytes(1000))) {
            ConsoleConfig cfg = new ConsoleConfig(2, 1000, 4096, 1 << 20, 3, Duration.ofHours(1), Duration.ofSeconds(10));
            try (ConsoleFixture f = new ConsoleFixture(dir.resolve("out"), cfg, true, pool)) {
                String eicar = new String(ClamdTestServer.EICAR, StandardCharsets.ISO_8859_1);
                byte[] body = multipart("b0undary", List.of(new String[] {"clean.txt", "hello world"},
                        new String[] {"../../etc/<x>evil.com", eicar}, new String[] {"big.bin", "A".repeat(5000)}));
                HttpResponse<String> r = f.send(f.request("/api/v1/scan").header("Authorization", "Bearer " + f.actToken)
                        .header("Content-Type", "multipart/form-data; boundary=b0undary").POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build());
                assertEquals(200, r.statusCode(), r.body());
                JsonNode v = Response.JSON.readTree(r.body());
                assertEquals(3, v.size());
                assertEquals("clean", v.path(0).path("status").asText());
                assertEquals(HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest("hello world".getBytes(StandardCharsets.US_ASCII))), v.path(0).path("sha256").asText());
                assertEquals("infected", v.path(1).path("status").asText());
                assertEquals("../../etc/<x>evil.com", v.path(1).path("filename").asText(), "the client's name, as data");
                assertTrue(v.path(1).path("signature").asText().startsWith("SpanWatch.Test.EICAR"), v.toString());
                assertEquals("error", v.path(2).path("status").asText(), "past the stream limit is never clean");
                assertTrue(!v.path(2).path("reason").asText().isBlank());
                byte[] four = multipart("b", List.of(new String[] {"1", "a"}, new String[] {"2", "b"}, new String[] {"3", "c"},
                        new String[] {"4", "d"}));
                HttpResponse<String> tooMany = f.send(f.request("/api/v1/scan").header("Authorization", "Bearer " + f.actToken)
                        .header("Content-Type", "multipart/form-data; boundary=b").POST(HttpRequest.BodyPublishers.ofByteArray(four)).build());
                assertEquals(400, tooMany.statusCode());
                HttpResponse<String> notMultipart = f.send(f.request("/api/v1/scan").header("Authorization", "Bearer " + f.actToken)
                        .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("x")).build());
                assertEquals(400, notMultipart.statusCode());
            }
        }
    }
}
