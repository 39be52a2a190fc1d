package io.spanwatch.analyzer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.capture.DemoCapture;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Writes the project's demo capture, analyses it like {@code analyze} and checks the result against
 * what the demo carried: a first run on a fresh machine that needs no capture of one's own.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Write a demo capture (made-up office HTTP traffic), analyse it and check what was extracted.")
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default ${DEFAULT-VALUE}).")
    Path out = Path.of("demo-out");

    @Option(names = "--clamd", paramLabel = "ADDRESS",
            description = "Scan with this clamd (host:port or unix socket) instead of starting a private one.")
    String clamd;

    @Override
    public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            err.println("spanwatch: output folder " + out + ": " + (Files.isRegularFile(out) ? "is a file, not a folder" : CliErrors.what(e)));
            return 1;
        }
        Path pcap = out.resolve("demo.pcap");
        List<DemoCapture.Expected> expected = DemoCapture.write(pcap);
        w.println("wrote demo capture " + pcap + " (" + Files.size(pcap) + " bytes, " + expected.size() + " files in it)");
        w.flush();
        List<String> analyze = new ArrayList<>(List.of("analyze", "--out", out.toString()));
        DemoClamd privateClamd = clamd == null ? startPrivateClamd(w) : null;
        if (clamd != null) {
            analyze.addAll(List.of("--clamd", clamd));
        } else if (privateClamd != null) {
            // The private clamd's limits (written by DemoClamd) are SpanWatch's own: 100M.
            analyze.addAll(List.of("--clamd", privateClamd.address().toString(), "--set", "clamd.max-file-bytes=100m", "--set",
                    "clamd.max-stream-bytes=100m"));
        }
        analyze.add(pcap.toString());
        Path eve = out.resolve("eve.json");
        long before = Files.isRegularFile(eve) ? Files.size(eve) : 0; // analyze appends: an earlier demo's events stay before this
        int status;
        try {
            status = Main.run(analyze.toArray(String[]::new));
        } finally {
            if (privateClamd != null) {
                privateClamd.close();
                w.println("stopped the private clamd");
            }
        }
        if (status != 0) {
            return status;
        }
        List<String> lines = linesFrom(eve, before);
        List<String> missing = check(lines, expected);
        w.println("demo check: " + (expected.size() - missing.size()) + "/" + expected.size() + " expected files found");
        missing.forEach(m -> w.println("  not found: " + m));
        verdicts(lines, w);
        w.println("try: jq -c 'select(.event_type==\"fileinfo\") | {url: .http.url, size: .fileinfo.size, sha256: .fileinfo.sha256,"
                + " verdict: .fileinfo.verdict.result}' " + out.resolve("eve.json"));
        w.println("console: ./spanwatch console --out " + out + " --auth none, then open http://127.0.0.1:8080/");
        w.flush();
        return missing.isEmpty() ? 0 : 1;
    }

    /** Starts a private clamd on the project's signatures when clamd is installed; says what it does either way. */
    private DemoClamd startPrivateClamd(PrintWriter w) {
        Path bin = DemoClamd.binary();
        Path rules = SensorSettings.defaultRulesDir();
        if (bin == null) {
            w.println("clamd is not installed (Debian: apt-get install clamav-daemon): files get interim verdicts from the project's"
                    + " hash signatures and wait in " + out.resolve("scan") + " for a clamd (spanwatch scan-queue)");
            w.flush();
            return null;
        }
        w.println("starting a private clamd (" + bin + ") on the project's signatures in " + rules + " ...");
        w.flush();
        try {
            DemoClamd d = DemoClamd.start(bin, rules, out.resolve("clamd"));
            w.println("clamd answers on " + d.address());
            return d;
        } catch (IOException e) {
            w.println("could not start clamd: " + e.getMessage() + "; going on without it (interim verdicts)");
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            w.flush();
        }
    }

    /** Returns the lines of {@code eve} past its first {@code offset} bytes: the events this run wrote. */
    static List<String> linesFrom(Path eve, long offset) throws IOException {
        byte[] all = Files.readAllBytes(eve);
        int from = (int) Math.min(offset, all.length);
        String text = new String(all, from, all.length - from, java.nio.charset.StandardCharsets.UTF_8);
        return text.lines().filter(l -> !l.isBlank()).toList();
    }

    /** Prints who gave the files' verdicts and the alerts raised, from the events of this run. */
    static void verdicts(List<String> lines, PrintWriter w) throws IOException {
        ObjectMapper json = new ObjectMapper();
        java.util.Map<String, Integer> byEngine = new java.util.TreeMap<>();
        List<String> alerts = new ArrayList<>();
        for (String line : lines) {
            JsonNode e = json.readTree(line);
            String type = e.path("event_type").asText();
            JsonNode v = e.path("fileinfo").path("verdict");
            if (("fileinfo".equals(type) || "verdict".equals(type)) && !v.isMissingNode()) {
                String key = v.path("engine").asText() + (v.path("interim").asBoolean() ? " (interim)" : "") + " " + v.path("result").asText();
                byEngine.merge(key, 1, Integer::sum);
            } else if ("alert".equals(type)) {
                alerts.add(e.path("alert").path("signature").asText() + " in " + e.path("http").path("hostname").asText()
                        + e.path("http").path("url").asText());
            }
        }
        w.println("verdicts: " + (byEngine.isEmpty() ? "none" : byEngine.entrySet().stream().map(x -> x.getValue() + " " + x.getKey())
                .collect(java.util.stream.Collectors.joining(", "))));
        alerts.forEach(a -> w.println("  alert: " + a));
    }

    /** Returns the expected files that no fileinfo event of {@code eve} matches (as {@link #check(List, List)}). */
    static List<String> check(Path eve, List<DemoCapture.Expected> expected) throws IOException {
        return check(linesFrom(eve, 0), expected);
    }

    /** Returns the expected files that no fileinfo event of {@code lines} matches (by sha256, or as a partial file by URL). */
    static List<String> check(List<String> lines, List<DemoCapture.Expected> expected) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> files = new ArrayList<>();
        for (String line : lines) {
            JsonNode e = json.readTree(line);
            if ("fileinfo".equals(e.path("event_type").asText())) {
                files.add(e);
            }
        }
        List<String> missing = new ArrayList<>();
        for (DemoCapture.Expected x : expected) {
            JsonNode hit = null;
            for (JsonNode f : files) {
                JsonNode fi = f.path("fileinfo");
                boolean match = x.complete() ? x.sha256().equals(fi.path("sha256").asText(null))
                        : x.uri().equals(f.path("http").path("url").asText(null)) && !"CLOSED".equals(fi.path("state").asText());
                if (match && x.direction().equals(f.path("direction").asText())) {
                    hit = f;
                    break;
                }
            }
            if (hit == null) {
                missing.add(x.direction() + " " + x.uri() + " (" + x.note() + ")");
            } else {
                files.remove(hit);
            }
        }
        return missing;
    }
}
