package io.spanwatch.analyzer.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.TestCaptures;
import io.spanwatch.analyzer.TestPaths;
import io.spanwatch.analyzer.cli.Main;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slow beacon on an idle network, the whole capture: one host calling out every two hours (±10 %),
 * ten frames a callback, nothing else. Packet time refused a step of over an hour until 16 frames in
 * a row agreed, so each callback after the first was dated at the end of the one before and the
 * timer never showed: no alert. It is one beacon alert now, at the timer's interval, as soon as its
 * callbacks are evidence enough.
 */
class QuietBeaconTest {
    private static final long T0 = 1_710_230_000_000_000_000L; // 2024-03-12T07:53:20Z
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aHostCallingOutEveryTwoHoursOnAnIdleNetworkIsABeacon(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("quiet.pcap");
        Random rnd = new Random(7);
        int callbacks = 11;
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, T0);
            for (int i = 0; i < callbacks; i++) {
                TestCaptures.download(t, "10.0.0.5", 40_000 + i, "/c?id=" + i, "{}".getBytes(StandardCharsets.US_ASCII));
                t.advance((long) (7_200 * (0.9 + 0.2 * rnd.nextDouble())) * SECOND);
            }
        }
        Path out = tmp.resolve("out");
        assertEquals(0, Main.run("analyze", "--out", out.toString(), "--home-net", "10.0.0.0/8", "--set", "scan.enabled=false",
                "--set", "correlate.rules-dir=" + TestPaths.repoRoot().resolve("rules"), pcap.toString()));
        EveLog eve = EveLog.read(out.resolve("eve.json"));
        List<JsonNode> beacons = eve.ofType("alert").stream().filter(a -> a.path("alert").path("category").asText().equals("beacon")).toList();
        assertEquals(1, beacons.size(), beacons.toString());
        JsonNode b = beacons.getFirst().path("beacon");
        assertEquals("10.0.0.5", beacons.getFirst().path("src_ip").asText());
        // alerted at the first hourly checkpoint where the evidence suffices, once in the window
        int seen = b.path("connections").asInt();
        assertTrue(seen >= 6 && seen <= callbacks, b.toString());
        double interval = b.path("interval_s").asDouble();
        assertTrue(interval > 6_480 && interval < 7_920, "median interval " + interval);
    }
}
