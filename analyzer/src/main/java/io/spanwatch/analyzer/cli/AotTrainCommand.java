package io.spanwatch.analyzer.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Runs the work the {@code spanwatch} launcher's start-up cache is trained on (hidden): the demo,
 * then an import of its events repeated to {@link #DEFAULT_EVENTS} distinct ones (each round with
 * other flow ids). The demo alone indexes a few dozen events, too few for the JVM to profile
 * Lucene's indexing and flushing; with the import in the training, {@code spanwatch index} and the
 * live index of {@code analyze} start with those profiles (measured in the README's Console figures).
 */
@Command(name = "aot-train", hidden = true, description = "Run the launcher's start-up cache training (demo, then an import).")
public final class AotTrainCommand implements Callable<Integer> {
    /** Events the training import indexes. */
    static final int DEFAULT_EVENTS = 30_000;
    private static final Pattern FLOW_ID = Pattern.compile("\"flow_id\":(\\d+)");

    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Scratch folder for the training's outputs.")
    Path out;

    @Option(names = "--events", paramLabel = "N", description = "Events the import indexes (default ${DEFAULT-VALUE}).")
    int events = DEFAULT_EVENTS;

    @Override
    public Integer call() throws Exception {
        Path demo = out.resolve("demo");
        int status = Main.run("demo", "--out", demo.toString());
        if (status != 0) {
            return status;
        }
        Path eve = out.resolve("train-eve.json");
        if (repeat(demo.resolve("eve.json"), eve, events) == 0) {
            spec.commandLine().getErr().println("spanwatch aot-train: the demo wrote no events");
            return 1;
        }
        return Main.run("index", "--out", out.resolve("import").toString(), eve.toString());
    }

    /** Returns the unsigned 64-bit flow id {@code id} plus {@code shift} (wrapping), or {@code id} when it is not one. */
    private static String shifted(String id, long shift) {
        try {
            return Long.toUnsignedString(Long.parseUnsignedLong(id) + shift);
        } catch (NumberFormatException e) {
            return id;
        }
    }

    /** Writes {@code n} lines to {@code dst}: the lines of {@code src} over and over, each round with other flow ids. */
    static int repeat(Path src, Path dst, int n) throws IOException {
        List<String> lines = Files.readAllLines(src, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) {
            return 0;
        }
        int written = 0;
        try (BufferedWriter w = Files.newBufferedWriter(dst, StandardCharsets.UTF_8)) {
            for (long round = 0; written < n; round++) {
                for (String l : lines) {
                    if (written >= n) {
                        break;
                    }
                    long shift = round * 1_000_003L;
                    w.write(round == 0 ? l : FLOW_ID.matcher(l).replaceAll(m -> "\"flow_id\":" + shifted(m.group(1), shift)));
                    w.write('\n');
                    written++;
                }
            }
        }
        return written;
    }
}
