package io.spanwatch.analyzer.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code spanwatch analyze} on every capture of the shared corpus (real captures from Zeek's and
 * Suricata's test suites) and checks that every required expected file is found, as the corpus
 * README defines the rows. Skipped, saying so, when {@code ../shared/corpus} is not beside the
 * repository (set {@code -Dspanwatch.corpus=DIR} to point elsewhere).
 */
class CorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path corpusDir() {
        String prop = System.getProperty("spanwatch.corpus");
        if (prop != null) {
            return Paths.get(prop);
        }
        Path here = Paths.get("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            Path c = p.resolve("shared").resolve("corpus");
            if (Files.isRegularFile(c.resolve("expected.jsonl"))) {
                return c;
            }
        }
        return here.getParent().getParent().resolve("shared").resolve("corpus");
    }

    @Test
    void everyRequiredFileOfTheCorpusIsFound(@TempDir Path tmp) throws IOException {
        Path corpus = corpusDir();
        if (!Files.isRegularFile(corpus.resolve("expected.jsonl"))) {
            System.out.println("CorpusTest SKIPPED: no corpus at " + corpus + " (../shared/corpus beside the repository)");
            Assumptions.abort("no corpus at " + corpus);
        }
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(corpus.resolve("expected.jsonl"))) {
            if (!line.isBlank()) {
                rows.add(JSON.readTree(line));
            }
        }
        Map<String, List<JsonNode>> byPcap = new LinkedHashMap<>();
        for (JsonNode r : rows) {
            byPcap.computeIfAbsent(r.get("pcap").asText(), k -> new ArrayList<>()).add(r);
        }
        int required = 0;
        int matched = 0;
        int optionalMatched = 0;
        int optional = 0;
        List<String> misses = new ArrayList<>();
        List<String> internalErrors = new ArrayList<>();
        try (var pcaps = Files.list(corpus.resolve("pcaps"))) {
            for (Path pcap : pcaps.sorted().toList()) {
                String name = pcap.getFileName().toString();
                Path out = tmp.resolve(name);
                int status = runQuiet("analyze", "--out", out.toString(), "--sensor-name", "corpus", pcap.toString());
                assertEquals(0, status, "analyze " + name);
                EveLog eve = EveLog.read(out.resolve("eve.json"));
                long internal = eve.lastStats().path("internal").path("errors").asLong();
                if (internal != 0) {
                    internalErrors.add(name + ": " + internal);
                }
                List<JsonNode> files = new ArrayList<>(eve.ofType("fileinfo"));
                List<JsonNode> expect = byPcap.getOrDefault(name, List.of());
                for (JsonNode row : expect) {
                    boolean isOptional = isOptional(row, expect);
                    JsonNode hit = find(row, files);
                    if (isOptional) {
                        optional++;
                        if (hit != null) {
                            optionalMatched++;
                            files.remove(hit);
                        }
                        continue;
                    }
                    required++;
                    if (hit != null) {
                        matched++;
                        files.remove(hit);
                    } else {
                        misses.add(name + " " + row.path("direction").asText() + " " + row.path("granularity").asText() + " "
                                + row.path("uri").asText() + " size=" + row.path("size").asText() + " state="
                                + row.path("state").asText() + " hash=" + hash(row));
                    }
                }
            }
        }
        System.out.println("CorpusTest: required " + matched + "/" + required + " matched (optional " + optionalMatched
                + "/" + optional + ")");
        misses.forEach(m -> System.out.println("  missing: " + m));
        assertEquals(required, matched, "required " + matched + "/" + required + " matched; missing:\n" + String.join("\n", misses));
        assertEquals(List.of(), internalErrors, "internal errors (a worker caught a bug on a frame and dropped its flow)");
        assertTrue(required > 0);
    }

    /** Whole multipart request bodies, and single 206 bodies whose assembled file is listed too. */
    static boolean isOptional(JsonNode row, List<JsonNode> all) {
        String gran = row.path("granularity").asText();
        if (!"body".equals(gran)) {
            return false;
        }
        String uri = row.path("uri").asText();
        String dir = row.path("direction").asText();
        for (JsonNode o : all) {
            if (o == row || !uri.equals(o.path("uri").asText())) {
                continue;
            }
            String og = o.path("granularity").asText();
            if ("request".equals(dir) && "mime-part".equals(og)) {
                return true;
            }
            if ("response".equals(dir) && row.path("status").asInt() == 206 && "assembled-range".equals(og)) {
                return true;
            }
        }
        return false;
    }

    static String hash(JsonNode row) {
        JsonNode d = row.get("decoded_sha256");
        if (d != null && !d.isNull()) {
            return d.asText();
        }
        JsonNode s = row.get("sha256");
        return s == null || s.isNull() ? null : s.asText();
    }

    static JsonNode find(JsonNode row, List<JsonNode> files) {
        String state = row.path("state").asText();
        String uri = row.path("uri").isNull() ? null : row.path("uri").asText();
        String dir = "request".equals(row.path("direction").asText()) ? "to_server" : "to_client";
        if ("gap".equals(state)) {
            for (JsonNode f : files) {
                JsonNode fi = f.path("fileinfo");
                boolean partial = fi.path("gaps").asBoolean() || "TRUNCATED".equals(fi.path("state").asText());
                // A row without a URI is a response its source could not pair with a request: any
                // partial file in that direction stands for it.
                boolean sameUri = uri == null || uri.equals(f.path("http").path("url").asText(null));
                if (partial && dir.equals(f.path("direction").asText()) && sameUri) {
                    return f;
                }
            }
            return null;
        }
        String h = hash(row);
        for (JsonNode f : files) {
            JsonNode fi = f.path("fileinfo");
            if (h != null) {
                if (h.equals(fi.path("sha256").asText(null))) {
                    return f;
                }
            } else if (Objects.equals(uri, f.path("http").path("url").asText(null))
                    && fi.path("size").asLong() == row.path("size").asLong() && "CLOSED".equals(fi.path("state").asText())) {
                return f;
            }
        }
        return null;
    }

    static int runQuiet(String... args) {
        PrintStream oldOut = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            return Main.run(args);
        } finally {
            System.setOut(oldOut);
        }
    }
}
