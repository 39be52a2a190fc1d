package io.spanwatch.analyzer.corpus;

import java.nio.file.Path;

/** Lets tests of other packages find the shared corpus the way {@link CorpusTest} does. */
public final class CorpusTestAccess {
    private CorpusTestAccess() {
    }

    public static Path corpusDir() {
        return CorpusTest.corpusDir();
    }
}
