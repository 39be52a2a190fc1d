package io.spanwatch.analyzer.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Runs the {@code spanwatch} command line: parses the subcommand and exits with its status
 * (0 success, 1 failure named on stderr, 2 bad usage).
 */
@Command(name = "spanwatch", mixinStandardHelpOptions = true, version = "SpanWatch 0.1.0",
        description = "Passive network threat-monitoring sensor for a switch mirror (SPAN) port.")
public final class Main implements Runnable {
    /**
     * The subcommands, in the order the usage lists them. Not in the annotation: picocli then builds
     * the model of every one (options, mixins, nested subcommands) before running any. On this machine
     * the command line took 0.19-0.36 s to build with all of them and 0.15-0.26 s with the one named
     * ({@link #commandLine(String...)}); most of either is picocli's own first use, whose Java 5 class
     * files the launcher's start-up cache cannot hold.
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(AnalyzeCommand.class, SensorCommand.class, ScanCommand.class, DemoCommand.class,
            ConfigKeysCommand.class, QuarantineCommand.class, ScanQueueCommand.class, FeedCommand.class, IndexCommand.class,
            ConsoleCommand.class, TokenCommand.class, ReportCommand.class, TrainCommand.class);

    /** The subcommands that read capture files (see {@link #main}). */
    private static final Set<String> READS_CAPTURES = Set.of("analyze", "demo", "train-cache");

    public static void main(String[] args) {
        if (args.length > 0 && READS_CAPTURES.contains(args[0])) {
            // A core is idle while picocli builds the command's model (its first use takes 0.15-0.3 s):
            // the first capture read binds its native calls meanwhile instead of after.
            Thread.ofPlatform().daemon().name("spanwatch-start").start(io.spanwatch.sensor.capture.CaptureFile::bindNativeReads);
        }
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit status (for tests). */
    public static int run(String... args) {
        CommandLine cl = commandLine(args);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            String m = ex.getMessage();
            cmd.getErr().println("spanwatch: " + (m == null || m.isBlank()
                    ? "internal error (" + ex.getClass().getName() + "); please report it with the command line" : m));
            return 1;
        });
        return cl.execute(args);
    }

    /** The command line with every subcommand (the usage, help, and a subcommand misspelt, which picocli names the nearest of). */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for {@code args}: only the subcommand their first word names (by name or alias),
     * or every subcommand when it names none. Either parses {@code args} alike.
     */
    static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new Main());
        String first = args.length > 0 ? args[0] : "";
        Class<?> named = null;
        for (Class<?> c : SUBCOMMANDS) {
            Command a = c.getAnnotation(Command.class);
            if (a.name().equals(first) || Arrays.asList(a.aliases()).contains(first)) {
                named = c;
                break;
            }
        }
        for (Class<?> c : named != null ? List.<Class<?>>of(named) : SUBCOMMANDS) {
            // built as a command line of its own, which applies its model transformer (ScanQueueCommand
            // hides options with one); picocli's addSubcommand(Class) would not
            cl.addSubcommand(new CommandLine(c));
        }
        return cl;
    }

    @Override
    public void run() {
        commandLine().usage(System.err);
    }
}
