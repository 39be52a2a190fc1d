package io.spanwatch.analyzer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Finds the repository's own folders from a test's working directory. */
public final class TestPaths {
    private TestPaths() {
    }

    /** Returns the repository root (the folder holding {@code rules/clamav}). */
    public static Path repoRoot() {
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("rules").resolve("clamav")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root with rules/clamav not found above " + Paths.get("").toAbsolutePath());
    }
}
