package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.scan.ClamdAddress;
import io.spanwatch.analyzer.scan.ClamdClient;
import io.spanwatch.analyzer.scan.ClamdPool;
import io.spanwatch.analyzer.scan.ClamdVersion;
import io.spanwatch.analyzer.scan.LocalClamd;
import io.spanwatch.analyzer.scan.Verdict;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
            description = "clamd address (host:port, [v6]:port, host, or unix socket path); repeatable for a pool. Default " + ClamdAddress.DEFAULT
                    + ", or the machine's clamd (its clamd.conf) when none answers there.")
    List<String> clamd = new ArrayList<>();

    @Option(names = "--parallel", paramLabel = "N", description = "Files scanned at once (default ${DEFAULT-VALUE}).")
    int parallel = 4;

    @Option(names = "--summary", description = "Print files/s and MB/s at the end.")
    boolean summary;

    @Option(names = "--quiet", description = "Print no line per file (with --summary: only the figures).")
    boolean quiet;

    @Option(names = "--timeout", paramLabel = "SECONDS",
            description = "Read timeout per file in seconds (default 30); connecting has 2 s more.")
    double timeoutSeconds = ClamdClient.Options.DEFAULT_READ_TIMEOUT.toSeconds();

    @Option(names = "--max-stream-bytes", paramLabel = "BYTES",
            description = "Send at most this much of a file (clamd's StreamMaxLength; default 25 MiB); a larger file is NOT_SCANNED unless infected.")
    long maxStreamBytes = ClamdClient.Options.DEFAULT_MAX_STREAM_BYTES;

    @Option(names = "--no-fdpass", description = "Stream files to a unix socket clamd (INSTREAM) instead of passing their descriptor (FILDES).")
    boolean noFdPass;

    @Option(names = "--max-file-bytes", paramLabel = "BYTES",
            description = "Largest file passed by descriptor (set to clamd's MaxFileSize; default 25 MiB); larger ones are streamed, cut.")
    long maxFileBytes = ClamdClient.Options.DEFAULT_MAX_FILE_BYTES;

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
            if (parallel < 1 || parallel > 256) {
                throw new IllegalArgumentException("--parallel must be 1 to 256: " + parallel);
            }
            if (maxStreamBytes < 1) {
                throw new IllegalArgumentException("--max-stream-bytes must be a positive number of bytes: " + maxStreamBytes);
            }
            if (maxFileBytes < 1) {
                throw new IllegalArgumentException("--max-file-bytes must be a positive number of bytes: " + maxFileBytes);
            }
            options = ClamdClient.Options.defaults().withMaxInFlight(parallel)
                    .withReadTimeout(Duration.ofMillis(Math.max(1, Math.round(timeoutSeconds * 1000))))
                    .withMaxStreamBytes(maxStreamBytes).withFdPass(!noFdPass).withMaxFileBytes(maxFileBytes);
            if (clamd.isEmpty() && !LocalClamd.accepts(addresses.getFirst())) { // as analyze: the machine's own clamd
                Optional<LocalClamd> local = LocalClamd.find(LocalClamd.MACHINE_CONFS);
                if (local.isPresent()) {
                    var parsed = spec.commandLine().getParseResult();
                    addresses = List.of(local.get().address());
                    options = local.get().limits(options, !parsed.hasMatchedOption("--max-file-bytes"), !parsed.hasMatchedOption("--max-stream-bytes"));
                    err.println("spanwatch scan: note: no clamd at " + ClamdAddress.DEFAULT + "; using this machine's clamd at "
                            + local.get().describe());
                }
            }
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
            long t0 = System.nanoTime();
            java.util.concurrent.ExecutorService exec = java.util.concurrent.Executors.newFixedThreadPool(parallel, r -> {
                Thread t = new Thread(r, "spanwatch-scan-cli");
                t.setDaemon(true);
                return t;
            });
            try {
                List<java.util.concurrent.Future<Verdict>> verdicts = new ArrayList<>();
                for (Path f : files) {
                    verdicts.add(Files.isRegularFile(f) ? exec.submit(() -> pool.scan(f)) : null);
                }
                long bytes = 0;
                for (int i = 0; i < files.size(); i++) {
                    Path f = files.get(i);
                    String line;
                    Verdict.Result r;
                    if (verdicts.get(i) == null) {
                        line = f + (Files.exists(f) ? ": ERROR (not a regular file)" : ": ERROR (no such file)");
                        r = Verdict.Result.ERROR;
                    } else {
                        Verdict v;
                        try {
                            v = verdicts.get(i).get();
                        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                            Thread.currentThread().interrupt();
                            err.println("spanwatch scan: interrupted");
                            return EXIT_ERROR;
                        }
                        bytes += Files.size(f);
                        r = v.result();
                        line = f + ": " + switch (r) {
                            case CLEAN -> "OK";
                            case INFECTED -> String.join(", ", v.signatures()) + " FOUND";
                            case NOT_SCANNED -> "NOT_SCANNED (" + v.reason() + ")";
                            case ERROR -> "ERROR (" + v.reason() + ")";
                        };
                    }
                    if (!quiet) {
                        out.println(line);
                    }
                    status = worse(status, r);
                }
                if (summary) {
                    double secs = (System.nanoTime() - t0) / 1e9;
                    out.printf(java.util.Locale.ROOT, "scanned %d files, %.1f MB in %.2f s: %.1f files/s, %.1f MB/s (%d in flight)%n",
                            files.size(), bytes / 1e6, secs, files.size() / secs, bytes / 1e6 / secs, parallel);
                }
                out.flush();
            } catch (IOException e) {
                err.println("spanwatch scan: " + e.getMessage());
                return EXIT_ERROR;
            } finally {
                exec.shutdownNow();
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
