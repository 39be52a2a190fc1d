package io.spanwatch.analyzer;

import io.spanwatch.analyzer.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs the {@code spanwatch} command line in the test's JVM and captures what it prints.
 *
 * @param status the exit status
 * @param output standard output and standard error together
 */
public record CliRun(int status, String output) {
    /** Runs {@code spanwatch ARGS...}. */
    public static CliRun of(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        System.setOut(new PrintStream(sink, true));
        System.setErr(new PrintStream(sink, true));
        try {
            return new CliRun(Main.run(args), sink.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
