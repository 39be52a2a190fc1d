package io.spanwatch.analyzer.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads Prometheus text for tests, and the metric names SpanWatch's dashboards query. */
public final class Scrape {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)");
    private static final Pattern METRIC_IN_EXPR = Pattern.compile("\\b((?:spanwatch|jvm|process|system)_[a-z0-9_]+)\\b");

    /** Samples: "name{labels}" to value. */
    public final Map<String, Double> samples = new LinkedHashMap<>();
    public final Set<String> names = new TreeSet<>();

    public Scrape(String text) {
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (m.find()) {
                names.add(m.group(1));
                samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
            }
        }
    }

    /** Returns the value of the one sample of {@code name} whose labels contain every {@code label="value"} given. */
    public double value(String name, String... labels) {
        List<Double> found = new ArrayList<>();
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            String k = e.getKey();
            if (!k.equals(name) && !k.startsWith(name + "{")) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= k.contains(l);
            }
            if (all) {
                found.add(e.getValue());
            }
        }
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples of " + name + " " + List.of(labels) + "; names served: " + names);
        }
        return found.get(0);
    }

    /** Returns every metric name the dashboards under {@code dir} query, by dashboard file. */
    public static Map<String, Set<String>> dashboardMetrics(Path dir) throws IOException {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            for (Path p : ds) {
                Set<String> names = new TreeSet<>();
                collect(json.readTree(p.toFile()), names);
                out.put(p.getFileName().toString(), names);
            }
        }
        return out;
    }

    private static void collect(JsonNode n, Set<String> names) {
        if (n.isObject()) {
            n.fields().forEachRemaining(e -> {
                if ((e.getKey().equals("expr") || e.getKey().equals("definition")) && e.getValue().isTextual()) {
                    Matcher m = METRIC_IN_EXPR.matcher(e.getValue().asText());
                    while (m.find()) {
                        names.add(m.group(1));
                    }
                } else {
                    collect(e.getValue(), names);
                }
            });
        } else if (n.isArray()) {
            n.forEach(c -> collect(c, names));
        }
    }
}
