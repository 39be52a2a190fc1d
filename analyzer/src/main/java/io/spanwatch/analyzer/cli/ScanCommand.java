package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.scan.ClamdAddress;
import io.spanwatch.analyzer.scan.ClamdClient;
import io.spanwatch.analyzer.scan.ClamdPool;
import io.spanwatch.analyzer.scan.ClamdVersion;
import io.spanwatch.analyzer.scan.Verdict;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Scans files on demand through the same clamd pool the pipeline uses and prints one line per file,
 * as clamdscan does: {@code PATH: OK}, {@code PATH: NAME FOUND}, {@code PATH: NOT_SCANNED (reason)},
 * {@code PATH: ERROR (reason)}, after one line naming the engine and database.
 */
@Command(name = "scan", mixinStandardHelpOptions = true,
        description = "Scan files with clamd and print one line per file.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every file clean", "1:a signature was found", "2:a file could not be (fully) scanned, or bad usage"})
public final class ScanCommand implements Callable<Integer> {
    static final int EXIT_CLEAN = 0;
    static final int EXIT_INFECTED = 1;
    static final int EXIT_ERROR = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--clamd", paramLabel = "ADDRESS",
            description = "clamd address (host:port, [v6]:port, host, or unix socket path); repeatable for a pool. Default " + ClamdAddress.DEFAULT + ".")
    List<String> clamd = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "Read timeout per file in seconds (default 30); connecting has 2 s more.")
    double timeoutSeconds = ClamdClient.Options.DEFAULT_READ_TIMEOUT.toSeconds();

    @Option(names = "--max-stream-bytes", paramLabel = "BYTES",
            description = "Send at most this much of a file (clamd's StreamMaxLength; default 25 MiB); a larger file is NOT_SCANNED unless infected.")
    long maxStreamBytes = ClamdClient.Options.DEFAULT_MAX_STREAM_BYTES;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files to scan.")
    List<Path> files;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<ClamdAddress> addresses = new ArrayList<>();
        ClamdClient.Options options;
        try {
            for (String a : clamd.isEmpty() ? List.of(ClamdAddress.DEFAULT) : clamd) {
                addresses.add(ClamdAddress.parse(a));
            }
            if (!(timeoutSeconds > 0) || timeoutSeconds > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("--timeout must be a positive number of seconds: " + timeoutSeconds);
            }
            options = ClamdClient.Options.defaults()
                    .withReadTimeout(Duration.ofMillis(Math.max(1, Math.round(timeoutSeconds * 1000))))
                    .withMaxStreamBytes(maxStreamBytes);
        } catch (IllegalArgumentException e) {
            err.println("spanwatch scan: " + e.getMessage());
            return EXIT_ERROR;
        }
        int status = EXIT_CLEAN;
        try (ClamdPool pool = new ClamdPool(addresses, options)) {
            try {
                ClamdVersion v = pool.version();
                out.println("clamd " + v.engineVersion() + ", database "
                        + (v.databaseVersion() == null ? "(custom, no version)" : v.databaseVersion() + " (" + v.databaseDate() + ")"));
            } catch (IOException e) {
                err.println("spanwatch scan: " + e.getMessage());
            }
            for (Path f : files) {
                String line;
                Verdict.Result r;
                if (!Files.exists(f)) {
                    line = f + ": ERROR (no such file)";
                    r = Verdict.Result.ERROR;
                } else if (!Files.isRegularFile(f)) {
                    line = f + ": ERROR (not a regular file)";
                    r = Verdict.Result.ERROR;
                } else {
                    Verdict v = pool.scan(f);
                    r = v.result();
                    line = f + ": " + switch (r) {
                        case CLEAN -> "OK";
                        case INFECTED -> String.join(", ", v.signatures()) + " FOUND";
                        case NOT_SCANNED -> "NOT_SCANNED (" + v.reason() + ")";
                        case ERROR -> "ERROR (" + v.reason() + ")";
                    };
                }
                out.println(line);
                out.flush();
                status = worse(status, r);
            }
        }
        return status;
    }

    /** Returns the exit status after one more result: a find outranks trouble, trouble outranks clean. */
    private static int worse(int status, Verdict.Result r) {
        return switch (r) {
            case INFECTED -> EXIT_INFECTED;
            case ERROR, NOT_SCANNED -> status == EXIT_INFECTED ? EXIT_INFECTED : EXIT_ERROR;
            case CLEAN -> status;
        };
    }
}
