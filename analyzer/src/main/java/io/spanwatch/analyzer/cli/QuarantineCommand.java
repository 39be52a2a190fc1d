package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.scan.Quarantine;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Lists the infected files kept in a data folder's quarantine, or exports them for an analyst as a
 * zip encrypted with the password {@code infected}.
 */
@Command(name = "quarantine", mixinStandardHelpOptions = true,
        description = "List the quarantined (infected) files of DIR, or export them as a zip with the password 'infected'.")
public final class QuarantineCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The data folder of an analyze or sensor run.")
    Path dir;

    @Option(names = "--export", paramLabel = "ZIP", description = "Write the files (all, or the SHA256 given) to this zip.")
    Path zip;

    @Parameters(arity = "0..*", paramLabel = "SHA256", description = "Files to export (default: all).")
    List<String> sha256s = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String notFolder = CliErrors.notADataFolder(dir);
        if (notFolder != null) {
            err.println("spanwatch: " + notFolder);
            return 1;
        }
        if (zip != null && Files.isDirectory(zip)) {
            err.println("spanwatch: --export " + zip + ": is a folder; name the zip file to write");
            return 1;
        }
        if (zip != null && Files.isRegularFile(zip) && !isZip(zip)) {
            // an earlier export is replaced; any other file was overwritten too (a mistyped name lost its contents)
            err.println("spanwatch: --export " + zip + ": a file that is no zip is there; name the zip file to write");
            return 1;
        }
        if (!Files.isDirectory(dir.resolve("quarantine"))) {
            err.println("spanwatch: no quarantine in " + dir + " (expected " + dir.resolve("quarantine") + ")");
            return 1;
        }
        Quarantine q;
        try {
            // Listing and exporting change nothing: retention is the running sensor's, with its configuration.
            q = Quarantine.openReadOnly(dir);
        } catch (IOException e) {
            err.println("spanwatch: cannot read the quarantine in " + dir + ": " + CliErrors.what(e));
            return 1;
        }
        try {
            if (zip != null) {
                int n;
                try {
                    n = sha256s.isEmpty() ? q.exportAll(zip) : q.export(sha256s, zip);
                } catch (IOException e) {
                    err.println("spanwatch: cannot write " + zip + ": " + CliErrors.what(e));
                    return 1;
                }
                out.println("exported " + n + " files to " + zip + " (password: infected)");
            } else {
                for (Quarantine.Entry e : q.entries()) {
                    out.printf(Locale.ROOT, "%s %10d bytes  seen %d times, first %s, last %s%n", e.sha256(), e.size(), e.count(),
                            e.firstSeen(), e.lastSeen());
                }
            }
            q.warnings().forEach(w -> err.println("spanwatch: warning: " + w));
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("spanwatch: quarantine in " + dir + ": " + e.getMessage());
            return 1;
        }
    }

    /** Whether {@code f} starts as a zip archive does (a local file header, or the end record of an empty archive). */
    private static boolean isZip(java.nio.file.Path f) {
        try (java.io.InputStream in = Files.newInputStream(f)) {
            byte[] head = in.readNBytes(4);
            return head.length == 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 && head[3] == 4 || head[2] == 5 && head[3] == 6);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
