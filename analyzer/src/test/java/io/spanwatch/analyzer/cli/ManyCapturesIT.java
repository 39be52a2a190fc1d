package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.TestCaptures;
import io.spanwatch.analyzer.TestPaths;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A folder of rotated captures, more of them than the process may hold descriptors: the launcher's
 * {@code analyze} under {@code ulimit -n 256} reads 400 captures (one download each) and finds every
 * file. Each capture used to stay open from the header check to the end, two descriptors each.
 */
class ManyCapturesIT {
    @Test
    void moreCapturesThanDescriptorsAreAllRead(@TempDir Path tmp) throws Exception {
        int n = 400;
        List<String> args = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path p = tmp.resolve(String.format("rotated-%04d.pcap", i));
            try (PcapWriter w = PcapWriter.create(p, LinkType.ETHERNET, false)) {
                TrafficSynth t = new TrafficSynth(w, 1_700_000_000_000_000_000L + i * 1_000_000_000L);
                TestCaptures.download(t, "10.0.0.1", 20_000 + i, "/part" + i, ("part " + i + " of the rotated set\n").getBytes(StandardCharsets.US_ASCII));
            }
            args.add("'" + p + "'");
        }
        Path out = tmp.resolve("out");
        String launcher = TestPaths.repoRoot().resolve("spanwatch").toString();
        String cmd = "ulimit -n 256 && exec '" + launcher + "' analyze --set scan.enabled=false --set index.enabled=false --out '" + out + "' "
                + String.join(" ", args);
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("log").toFile()).start();
        assertTrue(p.waitFor(600, TimeUnit.SECONDS));
        String log = Files.readString(tmp.resolve("log"));
        assertEquals(0, p.exitValue(), log);
        Set<String> names = new HashSet<>();
        for (JsonNode f : EveLog.read(out.resolve("eve.json")).ofType("fileinfo")) {
            names.add(f.path("http").path("url").asText());
        }
        for (int i = 0; i < n; i++) {
            assertTrue(names.contains("/part" + i), "/part" + i + " of " + names.size() + " files");
        }
        System.out.println("ManyCapturesIT: " + n + " captures read under ulimit -n 256, " + names.size() + " files found");
    }
}
