package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks what the HTTP fuzz targets share: the invariants of one parser run and the comparison of
 * runs over the same bytes cut differently.
 */
final class HttpFuzzChecks {

    private HttpFuzzChecks() {
    }

    /**
     * Returns limits picked by one byte: odd bytes the defaults, even ones small limits (head 64 B to
     * 8 KiB, up to 61 headers, 64 KiB decoded per body at a ratio of at most 10 after 4 KiB, 3 parts,
     * 3 pending requests) that fuzzing reaches.
     */
    static HttpLimits limits(int pick) {
        if ((pick & 1) != 0) {
            return HttpLimits.DEFAULTS;
        }
        return new HttpLimits(64 << ((pick >> 1) & 7), 1 + (pick >> 4) * 4, 64 << 10, 10, 4 << 10, 3, 3);
    }

    /**
     * Checks one run, after {@link HttpConnectionParser#close}: every transaction is reported done once
     * and in order, every sink ended once with nothing after, body counters stay within the bytes
     * given, decoded bodies within the limit, multipart parts within their count, anomalies named.
     *
     * @param given bytes given per direction ([0] to the server, [1] to the client), gaps included
     */
    static void check(RecordingListener rec, HttpLimits limits, long[] given) {
        // HTTP/1 transactions are done in order; HTTP/2 streams in the order they end, each once.
        int nextHttp1 = 0;
        Set<Integer> ids = new HashSet<>();
        for (HttpTransaction t : rec.done) {
            assertTrue(ids.add(t.txId), "transaction done twice: " + t.txId);
            if (!"HTTP/2".equals(t.protocol)) {
                assertTrue(t.txId >= nextHttp1, "HTTP/1 transactions done in order");
                nextHttp1 = t.txId + 1;
            }
        }
        Set<HttpTransaction> known = new HashSet<>(rec.done);
        long up = 0;
        long down = 0;
        for (HttpTransaction t : rec.done) {
            assertTrue(t.requestBodyLength >= 0 && t.responseBodyLength >= 0, "negative body length");
            up += t.requestBodyLength;
            down += t.responseBodyLength;
        }
        assertTrue(up <= given[0], "request bodies " + up + " from " + given[0] + " bytes");
        assertTrue(down <= given[1], "response bodies " + down + " from " + given[1] + " bytes");
        for (RecordingListener.Sink s : rec.sinks) {
            assertTrue(known.contains(s.tx), "sink of a transaction never reported done: " + s.describe());
            assertEquals(1, s.endCalls, "sink ends once: " + s.describe());
            assertFalse(s.late, "bytes after the end or empty data: " + s.describe());
            assertTrue(s.total <= given[s.toServer ? 0 : 1] || !s.info.contentEncodings().isEmpty(),
                    "entity larger than what was sent: " + s.describe());
            if (decoded(s.info)) {
                assertTrue(s.total <= limits.maxDecodedBytes(), "decoded past the limit: " + s.describe());
            }
            if (s.info.multipartPart()) {
                assertTrue(s.info.partIndex() < limits.maxMultipartParts(), "part past the limit: " + s.describe());
            }
        }
        for (String a : rec.anomalies) {
            assertTrue(a.startsWith("http.") || a.startsWith("http2."), a);
        }
    }

    /** Tells whether an entity's content codings are undone (all of them known), so that the decoding limits apply. */
    static boolean decoded(EntityInfo info) {
        return !info.contentEncodings().isEmpty() && info.contentEncodings().stream()
                .allMatch(c -> c.equals("gzip") || c.equals("x-gzip") || c.equals("deflate") || c.equals("br") || c.equals("zstd"));
    }

    /**
     * Asserts that two runs over the same bytes cut differently recorded the same. Documented
     * exceptions: how much a content decoder produces before it fails depends on the cuts (zlib drops
     * the output of the call that fails), and so does where a decompression ratio is first exceeded;
     * runs with those anomalies must agree on everything but the sinks and the decoding anomalies (one
     * run may fail to decode where the other first stopped at the ratio limit, and see a later gzip
     * member or not).
     */
    static void assertSameRecording(RecordingListener whole, RecordingListener cut, String how) {
        if (cutDependent(whole) || cutDependent(cut)) {
            assertEquals(withoutBodies(whole.events), withoutBodies(cut.events), how);
        } else {
            assertEquals(whole.transcript(), cut.transcript(), how);
        }
    }

    private static boolean cutDependent(RecordingListener r) {
        return r.anomalies.contains("http.content_decode_failed") || r.anomalies.contains("http.decompression_limit");
    }

    private static List<String> withoutBodies(List<String> events) {
        return events.stream().filter(e -> !e.startsWith("open ") && !e.startsWith("anomaly http.decompression_limit")
                && !e.startsWith("anomaly http.content_") && !e.startsWith("anomaly http.gzip_")).toList();
    }
}
