package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A body that two kinds of receiver read differently gives a file for each reading: a gzip download
 * of two members (browsers save the first member, gzip(1) and Go all of them) and a multipart upload
 * whose part ends in a bare LF (Wireshark keeps the LF, PHP and Go drop it). Both tricks hide the
 * malware from a sensor that hashes only one reading; here each reading is hashed, stored and
 * numbered, through the whole pipeline.
 */
class ReadingsPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] EICAR = DemoCapture.EICAR.getBytes(StandardCharsets.US_ASCII);

    private static byte[] gzip(byte[] data) throws Exception {
        return ZstdPipelineTest.gzip(data);
    }

    @Test
    void eachReadingOfABodyIsAFileOfItsOwn(@TempDir Path tmp) throws Exception {
        byte[] cover = new byte[300_000]; // past the in-memory spool: the first reading is copied from disk
        new Random(3).nextBytes(cover);
        byte[] installer = new byte[200_000];
        new Random(4).nextBytes(installer);
        byte[] twoMembers = PipelineRegressionTest.concat(gzip(EICAR), gzip(cover));
        byte[] bigMembers = PipelineRegressionTest.concat(gzip(installer), gzip(cover));
        String upload = "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"eicar.com\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n" + DemoCapture.EICAR + "\n--b0undary--\r\n";
        Path pcap = tmp.resolve("readings.pcap");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, 1_700_000_000_000_000_000L);
            int port = 41_000;
            for (byte[] body : List.of(twoMembers, bigMembers)) {
                TrafficSynth.Conn c = syn.tcp("10.8.0.2", port++, "10.8.0.1", 80).handshake();
                c.send(true, "GET /update.bin HTTP/1.1\r\nHost: files.example\r\nAccept-Encoding: gzip\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                c.send(false, PipelineRegressionTest.concat(("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
                        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), body));
                c.close();
            }
            TrafficSynth.Conn u = syn.tcp("10.8.0.2", port, "10.8.0.1", 80).handshake();
            u.send(true, ("POST /upload.php HTTP/1.1\r\nHost: files.example\r\nContent-Type: multipart/form-data; boundary=b0undary\r\n"
                    + "Content-Length: " + upload.length() + "\r\n\r\n" + upload).getBytes(StandardCharsets.US_ASCII));
            u.send(false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
            u.close();
        }
        Path out = tmp.resolve("out");
        Pipeline.Summary s = run(out, pcap);
        List<JsonNode> files = fileinfos(out);
        assertEquals(7, files.size(), "two readings of each of three bodies, and the upload's answer: " + files.size());
        assertFile(out, files, EICAR, "first_gzip_member");
        assertFile(out, files, PipelineRegressionTest.concat(EICAR, cover), null);
        assertFile(out, files, installer, "first_gzip_member");
        assertFile(out, files, PipelineRegressionTest.concat(installer, cover), null);
        assertFile(out, files, EICAR, "bare_lf_dropped");
        assertFile(out, files, PipelineRegressionTest.concat(EICAR, new byte[] {'\n'}), null);
        for (JsonNode a : files) {
            for (JsonNode b : files) {
                if (a != b && a.path("flow_id").equals(b.path("flow_id"))) {
                    assertEquals(a.path("tx_id"), b.path("tx_id"), "both readings belong to the one transaction");
                    assertNotEquals(a.path("fileinfo").path("file_id"), b.path("fileinfo").path("file_id"), "each file its own number");
                }
            }
        }
        assertEquals(7, s.get("file.closed"), "every reading counted as a closed file");
    }

    /**
     * A part sent quoted-printable (Go undoes it) or base64 (Django does) is a file as sent and a file
     * decoded, {@code reading: transfer_decoded}, each counted once.
     */
    @Test
    void aTransferEncodedPartIsAlsoAFileDecoded(@TempDir Path tmp) throws Exception {
        StringBuilder qp = new StringBuilder();
        for (byte b : EICAR) {
            qp.append(String.format("=%02X", b & 0xFF));
            if (qp.length() % 72 == 0) {
                qp.append("=\r\n");
            }
        }
        String b64 = java.util.Base64.getMimeEncoder().encodeToString(EICAR);
        String upload = "--b0undary\r\nContent-Disposition: form-data; name=\"a\"; filename=\"a.com\"\r\n"
                + "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp + "\r\n"
                + "--b0undary\r\nContent-Disposition: form-data; name=\"b\"; filename=\"b.com\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n--b0undary--\r\n";
        Path pcap = tmp.resolve("cte.pcap");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, 1_700_000_000_000_000_000L);
            TrafficSynth.Conn u = syn.tcp("10.8.0.2", 41_000, "10.8.0.1", 80).handshake();
            u.send(true, ("POST /upload HTTP/1.1\r\nHost: files.example\r\nContent-Type: multipart/form-data; boundary=b0undary\r\n"
                    + "Content-Length: " + upload.length() + "\r\n\r\n" + upload).getBytes(StandardCharsets.US_ASCII));
            u.send(false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
            u.close();
        }
        Path out = tmp.resolve("out");
        Pipeline.Summary s = run(out, pcap);
        List<JsonNode> files = fileinfos(out);
        assertEquals(5, files.size(), "two readings of each of two parts, and the answer");
        assertFile(out, files, qp.toString().getBytes(StandardCharsets.US_ASCII), null);
        assertFile(out, files, b64.getBytes(StandardCharsets.US_ASCII), null);
        assertEquals(2, files.stream().filter(f -> DemoCapture.sha256(EICAR).equals(f.path("fileinfo").path("sha256").asText())
                && "transfer_decoded".equals(f.path("fileinfo").path("reading").asText())).count());
        assertFile(out, files, EICAR, "transfer_decoded");
        assertEquals(5, s.get("file.total"), "each reading counted once");
        assertEquals(5, s.get("file.closed"));
    }

    /** Runs the pipeline over {@code pcap} into {@code out}; no internal error. */
    private static Pipeline.Summary run(Path out, Path pcap) throws Exception {
        Pipeline.Summary s = PipelineRegressionTest.run(out, PipelineRegressionTest.config(out, ReassemblyConfig.DEFAULTS, null), pcap);
        assertEquals(0, s.get("internal.errors"), "internal errors");
        return s;
    }

    private static List<JsonNode> fileinfos(Path out) throws Exception {
        List<JsonNode> files = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("eve.json"))) {
            JsonNode e = JSON.readTree(line);
            if (e.path("event_type").asText().equals("fileinfo")) {
                files.add(e);
            }
        }
        return files;
    }

    private static void assertFile(Path out, List<JsonNode> files, byte[] content, String reading) throws Exception {
        String sha = DemoCapture.sha256(content);
        JsonNode fi = files.stream().map(f -> f.path("fileinfo"))
                .filter(f -> f.path("sha256").asText().equals(sha) && f.path("reading").asText(null) == null == (reading == null)
                        && (reading == null || reading.equals(f.path("reading").asText())))
                .findFirst().orElseThrow(() -> new AssertionError("no fileinfo of " + content.length + " bytes, reading " + reading
                        + ", sha256 " + sha));
        assertEquals("CLOSED", fi.path("state").asText(), fi.toString());
        assertEquals(content.length, fi.path("size").asLong(), fi.toString());
        assertTrue(fi.path("stored").asBoolean(), fi.toString());
        assertArrayEquals(content, Files.readAllBytes(out.resolve("files").resolve(sha)), "stored bytes of " + fi);
    }
}
