package io.spanwatch.analyzer.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.analyzer.TestPaths;
import io.spanwatch.analyzer.cli.Main;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the shared beacon captures ({@code ../shared/beacons}, ground truth in {@code truth.jsonl})
 * through {@code analyze} as the project is judged: every beacon pair alerted, no noise pair, no
 * allowlisted benign-periodic pair, and the incident of {@code killchain-12h} (its EICAR download
 * is found by the project's hash signatures, so no clamd is needed; the zip of {@code killchain-24h}
 * needs clamd, see {@code CorrelationClamdIT}). Then checks determinism: a second run gives the
 * same alerts and incidents, and the capture split in two and analysed as one run gives the same as
 * the whole. Says SKIPPED when the captures are not there.
 */
class BeaconCapturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CORPUS = TestPaths.repoRoot().resolve("..").resolve("shared").resolve("beacons").normalize();

    @TempDir
    Path tmp;

    private static void requireCorpus() {
        boolean there = Files.isRegularFile(CORPUS.resolve("truth.jsonl"));
        if (!there) {
            System.out.println("BeaconCapturesTest: SKIPPED, no beacon captures at " + CORPUS);
        }
        Assumptions.assumeTrue(there, "no beacon captures at " + CORPUS);
    }

    private Path allowlist(List<JsonNode> truth) throws IOException {
        Set<String> allow = new TreeSet<>();
        for (JsonNode t : truth) {
            if ("pair".equals(t.path("type").asText()) && "benign-periodic".equals(t.path("label").asText())) {
                allow.add(t.path("dst_host").asText());
            }
        }
        return Files.writeString(tmp.resolve("allowlist.txt"), String.join("\n", allow) + "\n");
    }

    private static List<JsonNode> truth() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(CORPUS.resolve("truth.jsonl"))) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    private List<JsonNode> analyze(String name, Path allow, Path... captures) throws IOException {
        Path out = tmp.resolve(name);
        List<String> args = new ArrayList<>(List.of("analyze", "--out", out.toString(), "--home-net", "198.18.0.0/16",
                "--allowlist", allow.toString(), "--set", "clamd.address=127.0.0.1:1", "--set", "scan.drain-seconds=0",
                "--set", "correlate.rules-dir=" + TestPaths.repoRoot().resolve("rules")));
        for (Path c : captures) {
            args.add(c.toString());
        }
        assertEquals(0, Main.run(args.toArray(new String[0])), "analyze " + name);
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("eve.json"))) {
            JsonNode e = JSON.readTree(line);
            String type = e.path("event_type").asText();
            if ("incident".equals(type) || "alert".equals(type)) {
                events.add(e);
            }
        }
        return events;
    }

    @Test
    void everyBeaconIsFoundAndNoNoiseOrAllowlistedPairIs() throws IOException {
        requireCorpus();
        List<JsonNode> truth = truth();
        Path allow = allowlist(truth);
        int found = 0;
        int beacons = 0;
        List<String> wrong = new ArrayList<>();
        for (JsonNode cap : truth) {
            if (!"capture".equals(cap.path("type").asText())) {
                continue;
            }
            String name = cap.path("capture").asText();
            Set<String> alerted = new HashSet<>();
            for (JsonNode e : analyze(name, allow, CORPUS.resolve(name))) {
                if ("beacon".equals(e.path("alert").path("category").asText())) {
                    alerted.add(e.path("src_ip").asText() + " " + e.path("beacon").path("host").asText().toLowerCase());
                }
            }
            for (JsonNode p : truth) {
                if (!"pair".equals(p.path("type").asText()) || !name.equals(p.path("capture").asText())) {
                    continue;
                }
                String key = p.path("src_ip").asText() + " " + p.path("dst_host").asText().toLowerCase();
                String label = p.path("label").asText();
                if ("beacon".equals(label)) {
                    beacons++;
                    if (alerted.contains(key)) {
                        found++;
                    } else {
                        wrong.add("missed beacon " + name + " " + key);
                    }
                } else if (alerted.contains(key)) {
                    wrong.add(label + " pair alerted " + name + " " + key);
                }
            }
        }
        System.out.println("BeaconCapturesTest: beacons " + found + "/" + beacons + " found; " + wrong);
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void sameCaptureSameResultAlsoWhenSplitInTwo() throws IOException {
        requireCorpus();
        Path allow = allowlist(truth());
        Path whole = CORPUS.resolve("killchain-12h.pcap");
        List<String> first = canonical(analyze("run1", allow, whole));
        List<String> second = canonical(analyze("run2", allow, whole));
        Path[] halves = split(whole);
        List<String> split = canonical(analyze("split", allow, halves[0], halves[1]));
        assertTrue(first.stream().anyMatch(s -> s.contains("\"event_type\":\"incident\"")), "the incident is found: " + first);
        assertEquals(first, second, "two runs of one capture");
        assertEquals(first, split, "the capture split in two, as one run");
        System.out.println("BeaconCapturesTest: " + first.size() + " alerts and incidents, the same in 3 runs");
    }

    /**
     * Alerts and incidents without what names the run: the capture file name, and the sensor's
     * {@code flow_id} (a per-process hash, as Suricata's); sorted.
     */
    private static List<String> canonical(List<JsonNode> events) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : events) {
            e.findParents("flow_id").forEach(p -> ((com.fasterxml.jackson.databind.node.ObjectNode) p).remove("flow_id"));
            ((com.fasterxml.jackson.databind.node.ObjectNode) e).remove("pcap_filename");
            out.add(e.toString());
        }
        out.sort(null);
        return out;
    }

    /** Splits a classic pcap in the middle of its packets into two pcaps with the same header. */
    private Path[] split(Path pcap) throws IOException {
        byte[] b = Files.readAllBytes(pcap);
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b2c3d4, buf.getInt(0), "a little-endian microsecond pcap");
        List<Integer> starts = new ArrayList<>();
        for (int off = 24; off + 16 <= b.length; off += 16 + buf.getInt(off + 8)) {
            starts.add(off);
        }
        int cut = starts.get(starts.size() / 2);
        Path a = tmp.resolve("a.pcap");
        Path c = tmp.resolve("b.pcap");
        Files.write(a, java.util.Arrays.copyOfRange(b, 0, cut));
        byte[] second = new byte[24 + b.length - cut];
        System.arraycopy(b, 0, second, 0, 24);
        System.arraycopy(b, cut, second, 24, b.length - cut);
        Files.write(c, second);
        return new Path[] {a, c};
    }
}
