package io.spanwatch.analyzer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Runs the {@code spanwatch} command line: parses the subcommand and exits with its status
 * (0 success, 1 failure named on stderr, 2 bad usage).
 */
@Command(name = "spanwatch", mixinStandardHelpOptions = true, version = "SpanWatch 0.1.0",
        description = "Passive network threat-monitoring sensor for a switch mirror (SPAN) port.",
        subcommands = {AnalyzeCommand.class, SensorCommand.class, ScanCommand.class, DemoCommand.class, ConfigKeysCommand.class, QuarantineCommand.class, ScanQueueCommand.class,
            FeedCommand.class, IndexCommand.class, ConsoleCommand.class, TokenCommand.class, ReportCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit status (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            String m = ex.getMessage();
            cmd.getErr().println("spanwatch: " + (m == null || m.isBlank()
                    ? "internal error (" + ex.getClass().getName() + "); please report it with the command line" : m));
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }
}
