package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Describes what one connection sends (data per direction, gaps, ends) and replays it whole, split in
 * two at every offset of every data step, and byte by byte, checking that all runs record the same.
 */
final class Script {

    private record Step(char kind, boolean toServer, byte[] bytes, long len, long ts) {
    }

    private final List<Step> steps = new ArrayList<>();
    private long ts = 1000;
    private boolean http09;

    /** Lets the connection's first response be HTTP/0.9 (see {@link HttpListener#acceptsHttp09}). */
    Script http09() {
        http09 = true;
        return this;
    }

    /** Adds client-to-server bytes (ISO-8859-1 text). */
    Script c(String s) {
        return c(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    Script c(byte[] b) {
        steps.add(new Step('d', true, b, 0, ts++));
        return this;
    }

    /** Adds server-to-client bytes (ISO-8859-1 text). */
    Script s(String s) {
        return s(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    Script s(byte[] b) {
        steps.add(new Step('d', false, b, 0, ts++));
        return this;
    }

    Script gap(boolean toServer, long len) {
        steps.add(new Step('g', toServer, null, len, ts++));
        return this;
    }

    Script end(boolean toServer) {
        steps.add(new Step('e', toServer, null, 0, ts++));
        return this;
    }

    Script close() {
        steps.add(new Step('c', false, null, 0, ts++));
        return this;
    }

    /** Runs once with whole steps and returns the recording, without the split checks. */
    RecordingListener runOnce(HttpLimits limits) {
        return run(limits, -1, 0, false);
    }

    /** Runs whole, split at every offset and byte by byte; asserts equal transcripts; returns the whole run. */
    RecordingListener runAll(HttpLimits limits) {
        return runAll(limits, true);
    }

    /** As {@link #runAll(HttpLimits)}, splitting the client's data steps too only when {@code splitClient}. */
    RecordingListener runAll(HttpLimits limits, boolean splitClient) {
        RecordingListener whole = run(limits, -1, 0, false);
        String expected = whole.transcript();
        for (int i = 0; i < steps.size(); i++) {
            Step st = steps.get(i);
            if (st.kind != 'd' || (st.toServer && !splitClient)) {
                continue;
            }
            int n = st.bytes.length;
            int stride = n > 4000 ? n / 997 + 1 : 1;
            for (int k = 1; k < n; k += stride) {
                String got = run(limits, i, k, false).transcript();
                assertEquals(expected, got, "step " + i + " split at " + k);
            }
        }
        assertEquals(expected, run(limits, -1, 0, true).transcript(), "byte by byte");
        for (RecordingListener.Sink s : whole.sinks) {
            assertEquals(1, s.endCalls, "every sink ends once: " + s.describe());
            assertFalse(s.late, "no bytes after end: " + s.describe());
        }
        return whole;
    }

    /** Runs whole, at every split and byte by byte, handing each run to {@code check} (for results that may vary). */
    void forEachRun(HttpLimits limits, java.util.function.Consumer<RecordingListener> check) {
        check.accept(run(limits, -1, 0, false));
        for (int i = 0; i < steps.size(); i++) {
            Step st = steps.get(i);
            if (st.kind == 'd') {
                for (int k = 1; k < st.bytes.length; k++) {
                    check.accept(run(limits, i, k, false));
                }
            }
        }
        check.accept(run(limits, -1, 0, true));
    }

    /**
     * Runs whole, byte by byte and split in two at about {@code splits} offsets of each data step;
     * asserts equal transcripts; returns the whole run (for inputs too long to split everywhere).
     */
    RecordingListener runSampled(HttpLimits limits, int splits) {
        RecordingListener whole = run(limits, -1, 0, false);
        String expected = whole.transcript();
        for (int i = 0; i < steps.size(); i++) {
            Step st = steps.get(i);
            if (st.kind == 'd') {
                int stride = st.bytes.length / splits + 1;
                for (int k = 1; k < st.bytes.length; k += stride) {
                    assertEquals(expected, run(limits, i, k, false).transcript(), "step " + i + " split at " + k);
                }
            }
        }
        assertEquals(expected, run(limits, -1, 0, true).transcript(), "byte by byte");
        return whole;
    }

    RecordingListener runAll() {
        return runAll(HttpLimits.DEFAULTS);
    }

    private RecordingListener run(HttpLimits limits, int splitStep, int splitAt, boolean byteByByte) {
        return run(limits, (step, at, n) -> byteByByte ? at + 1 : step == splitStep && at < splitAt ? splitAt : n);
    }

    /** Runs once with data step {@code i} fed in pieces of {@code pieces[i]} bytes (0 or absent: whole). */
    RecordingListener runInPieces(HttpLimits limits, int[] pieces) {
        return run(limits, (step, at, n) -> step < pieces.length && pieces[step] > 0 ? Math.min(n, at + pieces[step]) : n);
    }

    /** Says where the piece of data step {@code step} that starts at {@code at} ends ({@code n}: the step's length). */
    private interface Cuts {
        int end(int step, int at, int n);
    }

    private RecordingListener run(HttpLimits limits, Cuts cuts) {
        RecordingListener rec = new RecordingListener();
        rec.http09 = http09;
        HttpConnectionParser p = new HttpConnectionParser(rec, limits);
        for (int i = 0; i < steps.size(); i++) {
            Step st = steps.get(i);
            switch (st.kind) {
                case 'd' -> {
                    // Copy into a scratch buffer that is wiped after each call: the parser must not keep it.
                    int n = st.bytes.length;
                    for (int at = 0; at < n; ) {
                        int end = cuts.end(i, at, n);
                        feed(p, st, at, end - at);
                        at = end;
                    }
                }
                case 'g' -> p.gap(st.toServer, st.ts, st.len);
                case 'e' -> p.end(st.toServer, st.ts);
                default -> p.close(st.ts);
            }
        }
        return rec;
    }

    private static void feed(HttpConnectionParser p, Step st, int off, int len) {
        byte[] lent = new byte[len + 6];
        System.arraycopy(st.bytes, off, lent, 3, len);
        p.data(st.toServer, st.ts, lent, 3, len);
        java.util.Arrays.fill(lent, (byte) 'Z');
    }

    static byte[] concat(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o : parts) {
            byte[] b = o instanceof byte[] bytes ? bytes : o.toString().getBytes(StandardCharsets.ISO_8859_1);
            out.writeBytes(b);
        }
        return out.toByteArray();
    }
}
