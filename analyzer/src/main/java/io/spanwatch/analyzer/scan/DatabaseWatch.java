package io.spanwatch.analyzer.scan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * Knows which signature database clamd runs: the version clamd reports now (from VERSION or a
 * verdict, never from a file of an earlier run), and the newest version ever seen on the data folder
 * ({@code scan/}{@value #FILE}), whose change is what starts a retro-scan. Versions are compared as
 * numbers (daily.cvd's); other text counts as newer when it differs.
 *
 * <p>Thread-safe.
 */
final class DatabaseWatch {
    /** Name of the file under the scan folder that keeps the newest database version seen. */
    static final String FILE = "database-version";

    private final Path file;
    private volatile String current;
    private volatile boolean known;
    private String newest;

    /** Reads the newest version seen so far from {@code scanDir}; a file that cannot be read counts as none. */
    DatabaseWatch(Path scanDir) {
        this.file = scanDir.resolve(FILE);
        String v = null;
        try {
            if (Files.isRegularFile(file)) {
                v = Files.readString(file, StandardCharsets.UTF_8).strip();
            }
        } catch (IOException | RuntimeException e) {
            v = null;
        }
        this.newest = v == null || v.isEmpty() ? null : v;
    }

    /** Tells whether clamd's current version is known yet (no remembered verdict counts before). */
    boolean known() {
        return known;
    }

    /** Returns the version clamd reports now; null for a custom-only database (or before it is known). */
    String current() {
        return current;
    }

    /** Tells whether {@code version} differs from the current one (or none is known). */
    boolean changes(String version) {
        return !known || !Objects.equals(version, current);
    }

    /**
     * Takes the version clamd reports now. Returns the newest version seen before when this one is
     * newer still (a retro-scan is due), else null; the first version ever seen on the folder starts
     * nothing. A newer version is written down at once.
     *
     * @throws IOException when the version cannot be written down (it is still taken)
     */
    synchronized String observe(String version) throws IOException {
        current = version;
        known = true;
        if (version == null || !isNewer(version, newest)) {
            return null;
        }
        String previous = newest;
        newest = version;
        Path tmp = file.resolveSibling(FILE + ".new");
        Files.writeString(tmp, version + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return previous;
    }

    /** Tells whether version {@code a} is newer than {@code b} (numbers compared as numbers; null is oldest). */
    static boolean isNewer(String a, String b) {
        if (b == null) {
            return true;
        }
        try {
            return Long.parseLong(a.strip()) > Long.parseLong(b.strip());
        } catch (NumberFormatException e) {
            return !a.equals(b);
        }
    }
}
