package io.spanwatch.analyzer.index;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Counts what indexing did and gave up, for {@code stats} events ({@code index.*}) and summaries. */
public final class IndexCounters {
    /** Events added to the index. */
    public final AtomicLong indexed = new AtomicLong();
    /** Events not indexed because the queue was full (live only). */
    public final AtomicLong dropped = new AtomicLong();
    /** Events that could not be indexed (no time, a bug, an I/O error). */
    public final AtomicLong errors = new AtomicLong();
    /** Values not indexed because they did not fit their field's kind. */
    public final AtomicLong conflicts = new AtomicLong();
    /** Keywords cut to {@link IndexConfig#MAX_TERM_BYTES}. */
    public final AtomicLong truncated = new AtomicLong();
    /** Days dropped by retention (age or size). */
    public final AtomicLong daysDropped = new AtomicLong();
    /** Days whose writer was opened (a day closed to open another, then written again, counts again). */
    public final AtomicLong daysOpened = new AtomicLong();
    /** Commits made. */
    public final AtomicLong commits = new AtomicLong();
    /** Days whose writer Lucene had closed after a failed write (a full disk) and that were opened again from their last commit. */
    public final AtomicLong writerFailures = new AtomicLong();

    /** Adds the counters under {@code index.}. */
    public void addTo(Map<String, Long> stats) {
        stats.put("index.events", indexed.get());
        stats.put("index.dropped", dropped.get());
        stats.put("index.errors", errors.get());
        stats.put("index.field_conflicts", conflicts.get());
        stats.put("index.terms_truncated", truncated.get());
        stats.put("index.days_dropped", daysDropped.get());
        stats.put("index.days_opened", daysOpened.get());
        stats.put("index.commits", commits.get());
        stats.put("index.writer_failures", writerFailures.get());
    }
}
