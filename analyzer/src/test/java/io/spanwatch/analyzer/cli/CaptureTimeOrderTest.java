package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.TestCaptures;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import io.spanwatch.sensor.event.EveTime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several captures are read in the order of their first packets, not of their names: packet time
 * never runs back, so a capture dated before the ones read already was handled at the time they
 * reached (a download dated after the callbacks it led to). Captures that overlap in time are read
 * one after the other, with a warning naming the one that begins early.
 */
class CaptureTimeOrderTest {
    private static final long T0 = 1_710_230_000_000_000_000L; // 2024-03-12T07:53:20Z
    private static final long MINUTE = 60_000_000_000L;

    private static int nextPort = 20_000;

    /** A capture of downloads of {@code uris}, the i-th at T0 + {@code minutes[i]}, each from a client port of its own. */
    private static Path capture(Path p, String[] uris, long[] minutes) throws Exception {
        try (PcapWriter w = PcapWriter.create(p, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, T0 + minutes[0] * MINUTE);
            for (int i = 0; i < uris.length; i++) {
                t.advance(T0 + minutes[i] * MINUTE - t.now());
                TestCaptures.download(t, "10.0.0.1", nextPort++, uris[i], ("body of " + uris[i] + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        }
        return p;
    }

    /** The time of each fileinfo event by its URL. */
    private static Map<String, Long> fileTimes(Path out) {
        Map<String, Long> m = new HashMap<>();
        for (JsonNode f : EveLog.read(out.resolve("eve.json")).ofType("fileinfo")) {
            m.put(f.path("http").path("url").asText(), EveTime.parse(f.path("timestamp").asText()));
        }
        return m;
    }

    @Test
    void capturesNamedOutOfTimeOrderAreReadInTimeOrder(@TempDir Path tmp) throws Exception {
        Path late = capture(tmp.resolve("a-late.pcap"), new String[] {"/late"}, new long[] {120});
        Path early = capture(tmp.resolve("b-early.pcap"), new String[] {"/early"}, new long[] {0});
        Path out = tmp.resolve("out");
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--set", "scan.enabled=false", "--out", out.toString(), late.toString(),
                early.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("spanwatch: note: reading the captures in the order of their first packets: " + early
                + " (2024-03-12T07:53:20Z), " + late + " (2024-03-12T09:53:20Z)"), r.err());
        assertFalse(r.err().contains("overlap"), r.err());
        Map<String, Long> t = fileTimes(out);
        assertTrue(t.get("/early") < T0 + MINUTE, "the early download keeps its own time: " + t);
        assertTrue(t.get("/late") >= T0 + 120 * MINUTE, t.toString());
    }

    @Test
    void capturesInTimeOrderAreReadAsGivenWithoutANote(@TempDir Path tmp) throws Exception {
        Path one = capture(tmp.resolve("z-one.pcap"), new String[] {"/one"}, new long[] {0});
        Path two = capture(tmp.resolve("a-two.pcap"), new String[] {"/two"}, new long[] {30});
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--set", "scan.enabled=false", "--out", tmp.resolve("out").toString(),
                one.toString(), two.toString());
        assertEquals(0, r.status(), r.err());
        assertFalse(r.err().contains("note: reading the captures"), r.err());
    }

    @Test
    void overlappingCapturesAreReadOneAfterTheOtherWithAWarning(@TempDir Path tmp) throws Exception {
        Path tapA = capture(tmp.resolve("tap-a.pcap"), new String[] {"/a0", "/a10"}, new long[] {0, 10});
        Path tapB = capture(tmp.resolve("tap-b.pcap"), new String[] {"/b5"}, new long[] {5});
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--set", "scan.enabled=false", "--out", tmp.resolve("out").toString(),
                tapB.toString(), tapA.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("spanwatch: warning: " + tapB + " begins at 2024-03-12T07:58:20Z, before the captures read so far end"
                + " (2024-03-12T08:03:20Z): they overlap in time"), r.err());
        assertEquals(3, fileTimes(tmp.resolve("out")).size(), "every download still extracted");
    }
    @Test
    void anOverlapAfterTheFirstCapturesOwnGapIsWarnedOf(@TempDir Path tmp) throws Exception {
        // The first capture ends with a short download two hours after the one before: its frames wait
        // for the frames after them until the capture ends (TimeGate), and the time reached was read
        // before they were let go: the second capture, begun an hour in, was read as of 10:03 unwarned.
        Path quiet = capture(tmp.resolve("quiet.pcap"), new String[] {"/q0", "/q130"}, new long[] {0, 130});
        Path other = capture(tmp.resolve("other.pcap"), new String[] {"/o60"}, new long[] {60});
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--set", "scan.enabled=false", "--out", tmp.resolve("out").toString(),
                quiet.toString(), other.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("spanwatch: warning: " + other + " begins at 2024-03-12T08:53:20Z, before the captures read so far end"
                + " (2024-03-12T10:03:20Z): they overlap in time"), r.err());
    }

    @Test
    void aCaptureWithoutAPacketKeepsItsPlaceAndChangesNothing(@TempDir Path tmp) throws Exception {
        // The README: "ties, and captures without a packet, in the order above". A capture cut before its
        // first packet (a rotated file opened and never written) has no time to sort by: it stays where it
        // was given, and captures otherwise in time order are read as given, without a note.
        Path one = capture(tmp.resolve("1.pcap"), new String[] {"/one"}, new long[] {0});
        Path empty = tmp.resolve("2.pcap");
        PcapWriter.create(empty, LinkType.ETHERNET, false).close();
        Path three = capture(tmp.resolve("3.pcap"), new String[] {"/three"}, new long[] {30});
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--set", "scan.enabled=false", "--out", tmp.resolve("out").toString(),
                one.toString(), empty.toString(), three.toString());
        assertEquals(0, r.status(), r.err());
        assertFalse(r.err().contains("note: reading the captures"), r.err());

        java.io.StringWriter sw = new java.io.StringWriter();
        java.io.PrintWriter err = new java.io.PrintWriter(sw);
        AnalyzeCommand.Checked a = new AnalyzeCommand.Checked(Path.of("a"), 1, 2 * MINUTE);
        AnalyzeCommand.Checked none = new AnalyzeCommand.Checked(Path.of("none"), 1, Long.MIN_VALUE);
        AnalyzeCommand.Checked b = new AnalyzeCommand.Checked(Path.of("b"), 1, MINUTE);
        assertEquals(java.util.List.of(b, none, a), AnalyzeCommand.inTimeOrder(java.util.List.of(a, none, b), err),
                "the two with packets change places; the one without stays in the middle");
        assertEquals(java.util.List.of(a, none), AnalyzeCommand.inTimeOrder(java.util.List.of(a, none), err));
        assertEquals(java.util.List.of(none, b, a), AnalyzeCommand.inTimeOrder(java.util.List.of(none, a, b), err));
    }
    @Test
    void aCaptureOfALaterDayIsDatedByItsOwnPacketsWhateverTheWorkers(@TempDir Path tmp) throws Exception {
        // Packet time refused a jump of over an hour until 16 packets in a row agreed, on the reader and on
        // each worker: the first packets of a capture taken a day after the one read before were dated at
        // that one's end. Whether a short download was depended on which worker its flow hashed to (with
        // one worker, on a one-CPU machine, always).
        long day = 24 * 60;
        Path first = capture(tmp.resolve("day1.pcap"), new String[] {"/day1"}, new long[] {0});
        // later downloads in the same capture: its first frames come in one batch with them, and are not
        // dated by the batch's end (the shared beacon captures' EICAR download was dated 1.5 h late so)
        Path next = capture(tmp.resolve("day2.pcap"), new String[] {"/day2", "/day2-later", "/day2-latest"},
                new long[] {day, day + 30, day + 55});
        for (String workers : new String[] {"1", "2", "3"}) {
            Path out = tmp.resolve("out-" + workers);
            AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("analyze", "--workers", workers, "--set", "scan.enabled=false", "--out",
                    out.toString(), next.toString(), first.toString());
            assertEquals(0, r.status(), r.err());
            Map<String, Long> t = fileTimes(out);
            assertTrue(t.get("/day1") < T0 + MINUTE, workers + " workers: " + t);
            assertTrue(t.get("/day2") >= T0 + day * MINUTE && t.get("/day2") < T0 + (day + 1) * MINUTE,
                    workers + " workers: the next day's download at its own time: " + t);
            assertTrue(t.get("/day2-later") >= T0 + (day + 30) * MINUTE && t.get("/day2-later") < T0 + (day + 31) * MINUTE,
                    workers + " workers: " + t);
        }
    }
}
