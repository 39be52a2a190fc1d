package io.spanwatch.analyzer.index;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Quiets Lucene's start-up note that the JDK's incubating vector module is not enabled: SpanWatch
 * does not use vector search, and the note would be printed by every command that opens the index.
 */
public final class LuceneLogging {
    /** Held so the logger (and its level) is not collected. */
    private static final Logger VECTORIZATION = Logger.getLogger("org.apache.lucene.internal.vectorization");

    static {
        VECTORIZATION.setLevel(Level.SEVERE);
    }

    private LuceneLogging() {
    }

    /** Applies the levels (once; later calls do nothing); called before anything opens an index. */
    public static void init() {
        // the static initialiser did it
    }
}
