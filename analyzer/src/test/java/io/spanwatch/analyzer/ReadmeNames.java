package io.spanwatch.analyzer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the names the READMEs use (configuration keys, command options, metric names) so that tests
 * can hold them against what the code has: a name the code no longer knows is stale documentation.
 */
public final class ReadmeNames {
    /** A backticked span of the text. */
    private static final Pattern CODE = Pattern.compile("`([^`\n]+)`");
    /** A metric name, or the {@code _suffix} shorthand the README's metrics table writes after a full name. */
    private static final Pattern METRIC = Pattern.compile("`(spanwatch_[a-z0-9_]+|_[a-z0-9_]+)(?:\\{[a-z,]*\\})?`");

    /** The repository's documents that name keys, options and metrics. */
    public static final List<String> DOCUMENTS = List.of("README.md", "systemd/README.md");

    private ReadmeNames() {
    }

    /** A line of a document, named {@code FILE:LINE} for messages. */
    public record Line(String where, String text) {
    }

    /**
     * Returns the lines of the documents, a shell line continued with a trailing backslash joined to
     * the lines that continue it (named by its first line).
     */
    public static List<Line> lines() throws IOException {
        List<Line> out = new ArrayList<>();
        for (String doc : DOCUMENTS) {
            List<String> text = Files.readAllLines(TestPaths.repoRoot().resolve(doc), StandardCharsets.UTF_8);
            for (int i = 0; i < text.size(); i++) {
                int first = i;
                StringBuilder b = new StringBuilder(text.get(i));
                while (b.toString().endsWith("\\") && i + 1 < text.size()) {
                    b.setLength(b.length() - 1);
                    b.append(' ').append(text.get(++i).strip());
                }
                out.add(new Line(doc + ":" + (first + 1), b.toString()));
            }
        }
        return out;
    }

    /** Returns the contents of every backticked span of a line. */
    public static List<String> codeSpans(String line) {
        List<String> out = new ArrayList<>();
        Matcher m = CODE.matcher(line);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /**
     * Returns the metric names the documents give that {@code served} does not serve, each with where
     * it stands, after resolving the table's shorthand: {@code _suffix} after
     * {@code spanwatch_stage_name_total} is the served name that a prefix of that name and the suffix
     * make ({@code _evicted_total} after {@code spanwatch_flows_total} is {@code spanwatch_flows_evicted_total}).
     * Every metric name found is added to {@code named}.
     */
    public static List<String> unservedMetrics(Predicate<String> served, Set<String> named) throws IOException {
        List<String> problems = new ArrayList<>();
        for (Line line : lines()) {
            String last = null;
            Matcher m = METRIC.matcher(line.text());
            while (m.find()) {
                String name = m.group(1);
                if (name.startsWith("spanwatch_")) {
                    last = name;
                    named.add(name);
                    if (!served.test(name)) {
                        problems.add(line.where() + ": " + name);
                    }
                } else if (last != null) {
                    String resolved = null;
                    String[] parts = last.split("_");
                    for (int i = 2; i < parts.length && resolved == null; i++) {
                        String candidate = String.join("_", List.of(parts).subList(0, i)) + name;
                        if (served.test(candidate)) {
                            resolved = candidate;
                        }
                    }
                    if (resolved == null) {
                        problems.add(line.where() + ": " + name + " (after " + last + ")");
                    } else {
                        named.add(resolved);
                    }
                }
            }
        }
        return problems;
    }

    /** Returns the names of {@code all} that no line names, sorted. */
    public static Set<String> unnamed(Set<String> all, Set<String> named) {
        Set<String> out = new TreeSet<>(all);
        out.removeAll(named);
        return out;
    }
}
