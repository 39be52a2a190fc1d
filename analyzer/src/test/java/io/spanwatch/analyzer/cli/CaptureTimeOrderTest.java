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
}
