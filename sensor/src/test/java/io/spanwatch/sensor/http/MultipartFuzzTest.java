package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spanwatch.sensor.fuzz.DemoTraffic;
import io.spanwatch.sensor.fuzz.FuzzInput;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fuzzes {@code MultipartReader}: a {@code multipart/form-data} upload whose body is the fuzz input.
 * Input: boundary (u8 length 1..70, then one u8 per character, mapped onto RFC 2046's boundary
 * characters), chunked or Content-Length (u8), limits (u8, see {@link HttpFuzzChecks#limits}; heads always fit), piece
 * size for the second run (u8), body (rest).
 *
 * <p>Invariants: nothing throws; {@link HttpFuzzChecks#check} (every part ends once, parts within the
 * limit); the same recording whole and cut; every part's bytes are a piece of the body, the parts in
 * order and not overlapping.
 */
public class MultipartFuzzTest {
    private static final String BCHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'()+_,-./:=?";

    @FuzzTest(maxDuration = "10s")
    void formData(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        StringBuilder boundary = new StringBuilder();
        for (int n = 1 + in.u8() % 70; n > 0; n--) {
            boundary.append(BCHARS.charAt(in.u8() % BCHARS.length()));
        }
        boolean chunked = in.bool();
        HttpLimits limits = HttpFuzzChecks.limits(in.u8() | 0x1e); // room for the head: 8 KiB, 5 headers or more
        int piece = in.u8();
        byte[] body = in.rest();
        String head = "POST /upload HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=\"" + boundary + "\"\r\n";
        byte[] message = chunked ? Script.concat(head + "Transfer-Encoding: chunked\r\n\r\n", ContentCodingFuzzTest.chunked(body, 200))
                : Script.concat(head + "Content-Length: " + body.length + "\r\n\r\n", body);
        Script script = new Script().c(message).s("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n").close();
        long[] given = {body.length, Long.MAX_VALUE};
        RecordingListener whole = script.runOnce(limits);
        RecordingListener cut = script.runInPieces(limits, new int[] {piece});
        for (RecordingListener r : new RecordingListener[] {whole, cut}) {
            HttpFuzzChecks.check(r, limits, given);
            int from = 0;
            for (RecordingListener.Sink s : r.sinks) {
                if (!s.info.multipartPart() || s.total == 0) {
                    continue;
                }
                byte[] part = s.bytes.toByteArray();
                int at = indexOf(body, part, from);
                assertTrue(at >= 0, "part " + s.info.partIndex() + " (" + part.length + " bytes) is not in the body after offset " + from);
                from = at + part.length;
            }
        }
        HttpFuzzChecks.assertSameRecording(whole, cut, "whole and cut into pieces of " + piece);
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        for (int i = from; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    /** Seeds: the demo's upload (its big parts shortened), and bodies with an empty part, bare LF, preamble and epilogue. */
    public static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        String demoBoundary = "----spanwatchdemo7MA4YWxkTrZu0gW";
        byte[] upload = DemoTraffic.conversations().stream().filter(c -> c.clientPort() == 51003).findFirst().orElseThrow()
                .pieces().stream().filter(DemoTraffic.Piece::toServer).map(DemoTraffic.Piece::bytes).findFirst().orElseThrow();
        String text = new String(upload, StandardCharsets.ISO_8859_1);
        String body = text.substring(text.indexOf("\r\n\r\n") + 4);
        seeds.put("demo-upload-start", seed(demoBoundary, false, 1, 0, body.substring(0, Math.min(body.length(), 1200))));
        seeds.put("two-parts-and-empty", seed("XyZ", true, 0, 7, "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
                + "one\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\n"
                + "two\r\n--XyZ\r\n\r\n\r\n--XyZ--\r\nepilogue"));
        seeds.put("bare-lf", seed("b", false, 1, 1, "--b\nContent-Disposition: form-data; name=x\n\nabc\n--b--\n"));
        seeds.put("many-parts", seed("q", false, 0, 3, "--q\r\n\r\n1\r\n".repeat(6) + "--q--"));
        return seeds;
    }

    private static byte[] seed(String boundary, boolean chunked, int limits, int piece, String body) {
        FuzzInput.Writer w = new FuzzInput.Writer().u8(boundary.length() - 1);
        for (char c : boundary.toCharArray()) {
            w.u8(BCHARS.indexOf(c));
        }
        return w.bool(chunked).u8(limits).u8(piece).raw(body.getBytes(StandardCharsets.ISO_8859_1)).toByteArray();
    }
}
