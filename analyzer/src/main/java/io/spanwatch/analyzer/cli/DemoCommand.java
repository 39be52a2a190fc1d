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

    @Override
    public Integer call() throws Exception {
        PrintWriter w = spec.commandLine().getOut();
        Files.createDirectories(out);
        Path pcap = out.resolve("demo.pcap");
        List<DemoCapture.Expected> expected = DemoCapture.write(pcap);
        w.println("wrote demo capture " + pcap + " (" + Files.size(pcap) + " bytes, " + expected.size() + " files in it)");
        w.flush();
        int status = Main.run("analyze", "--out", out.toString(), pcap.toString());
        if (status != 0) {
            return status;
        }
        List<String> missing = check(out.resolve("eve.json"), expected);
        w.println("demo check: " + (expected.size() - missing.size()) + "/" + expected.size() + " expected files found");
        missing.forEach(m -> w.println("  not found: " + m));
        w.println("try: jq -c 'select(.event_type==\"fileinfo\") | {url: .http.url, size: .fileinfo.size, sha256: .fileinfo.sha256,"
                + " state: .fileinfo.state}' " + out.resolve("eve.json"));
        w.println("console: ./spanwatch console --out " + out + " --auth none, then open http://127.0.0.1:8080/");
        w.flush();
        return missing.isEmpty() ? 0 : 1;
    }

    /** Returns the expected files that no fileinfo event matches (by sha256, or as a partial file by URL). */
    static List<String> check(Path eve, List<DemoCapture.Expected> expected) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> files = new ArrayList<>();
        for (String line : Files.readAllLines(eve)) {
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
