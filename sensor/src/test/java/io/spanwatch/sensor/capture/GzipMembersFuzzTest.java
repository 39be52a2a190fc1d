package io.spanwatch.sensor.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Fuzzes {@link GzipMembers} against the JDK's gzip reader. The input is used twice: as the content
 * of a gzip file of up to four members (written by the JDK), which must decode to exactly that
 * content, read in pieces of any size; and as a gzip file itself, which must either decode to what
 * the JDK decodes it to (when the JDK reads it whole and nothing follows its last member) or fail
 * with an {@link IOException}, never another exception.
 */
public class GzipMembersFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void membersDecodeAsTheJdkDoes(byte[] data) throws IOException {
        int members = data.length == 0 ? 1 : 1 + (data[0] & 3);
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        int at = 0;
        for (int m = 0; m < members; m++) {
            int end = m == members - 1 ? data.length : Math.min(data.length, at + data.length / members);
            try (GZIPOutputStream z = new GZIPOutputStream(packed)) {
                z.write(data, at, end - at);
            }
            at = end;
        }
        int piece = 1 + (data.length == 0 ? 0 : data[data.length - 1] & 0xff);
        assertArrayEquals(data, readAll(new GzipMembers(new ByteArrayInputStream(packed.toByteArray())), piece), "members decoded");

        byte[] jdk;
        try (InputStream z = new GZIPInputStream(new ByteArrayInputStream(data))) {
            jdk = z.readAllBytes();
        } catch (IOException | RuntimeException e) {
            jdk = null; // the JDK refuses it: ours may refuse it too, with an IOException
        }
        byte[] ours;
        try {
            ours = readAll(new GzipMembers(new ByteArrayInputStream(data)), piece);
        } catch (IOException e) {
            ours = null;
        }
        if (ours != null) {
            assertTrue(jdk != null, "decoded what the JDK refuses");
            assertArrayEquals(jdk, ours, "decoded otherwise than the JDK");
        }
    }

    private static byte[] readAll(GzipMembers in, int piece) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[piece];
        int n;
        try (in) {
            while ((n = in.read(buf, 0, buf.length)) >= 0) {
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    /** Seeds: text, repeated bytes, and a gzip file of two members. */
    public static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put("text", "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        byte[] same = new byte[3000];
        Arrays.fill(same, (byte) 'a');
        seeds.put("repeated", same);
        ByteArrayOutputStream two = new ByteArrayOutputStream();
        try {
            for (String part : new String[] {"first member\n", "second member\n"}) {
                try (GZIPOutputStream z = new GZIPOutputStream(two)) {
                    z.write(part.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        seeds.put("two-members", two.toByteArray());
        return seeds;
    }
}
