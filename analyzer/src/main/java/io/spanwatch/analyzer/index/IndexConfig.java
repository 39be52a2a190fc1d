package io.spanwatch.analyzer.index;

import java.time.Duration;

/**
 * Holds the index's limits and intervals (config keys {@code index.*}, see {@code spanwatch config-keys}).
 *
 * @param enabled whether {@code analyze} and {@code sensor} index their events
 * @param queueEvents events waiting for the indexing thread; live, an event past it is dropped and counted
 * @param retention how long a day is kept after both its day and its last write passed
 * @param maxBytes the most all days together may take on disk; the oldest days are dropped past it
 * @param ramBufferMb memory Lucene buffers before it writes a segment
 * @param commitInterval how often new events are committed (and so become searchable by {@code console})
 * @param maxFields distinct fields indexed at most (see {@link FieldSchema})
 * @param maxOpenDays days with an open writer at once (older events of a live run go to days long closed)
 * @param importOpenDays days with an open writer at once during an import ({@code spanwatch index}), which
 *        may read events of many days in any order; each open day holds a few file descriptors
 */
public record IndexConfig(boolean enabled, int queueEvents, Duration retention, long maxBytes, int ramBufferMb,
        Duration commitInterval, int maxFields, int maxOpenDays, int importOpenDays) {

    public static final int DEFAULT_QUEUE_EVENTS = 20_000;
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);
    public static final long DEFAULT_MAX_BYTES = 50L << 30;
    public static final int DEFAULT_RAM_BUFFER_MB = 32;
    public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_MAX_FIELDS = 2000;
    public static final int DEFAULT_MAX_OPEN_DAYS = 3;
    /** A year and then some: an import shuffled across that many days never closes and reopens one. */
    public static final int DEFAULT_IMPORT_OPEN_DAYS = 400;
    /** Bytes of a keyword kept in the index; longer values are cut there (the stored source keeps them whole). */
    public static final int MAX_TERM_BYTES = 4096;
    /** Bytes of one EVE line an import reads; longer lines are skipped and counted. */
    public static final int MAX_EVENT_BYTES = 1 << 20;

    public static final IndexConfig DEFAULTS = new IndexConfig(true, DEFAULT_QUEUE_EVENTS, DEFAULT_RETENTION, DEFAULT_MAX_BYTES,
            DEFAULT_RAM_BUFFER_MB, DEFAULT_COMMIT_INTERVAL, DEFAULT_MAX_FIELDS, DEFAULT_MAX_OPEN_DAYS,
            DEFAULT_IMPORT_OPEN_DAYS);

    public IndexConfig {
        if (queueEvents < 1 || ramBufferMb < 1 || maxFields < 1 || maxOpenDays < 1 || importOpenDays < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("index limits must be positive");
        }
        if (retention.isNegative() || retention.isZero() || commitInterval.isNegative() || commitInterval.isZero()) {
            throw new IllegalArgumentException("index retention and commit interval must be positive");
        }
    }
}
