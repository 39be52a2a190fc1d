package io.spanwatch.analyzer.scan;

/**
 * Sets the scan stage.
 *
 * @param threads scan threads (default {@value #DEFAULT_THREADS}): files scanned at once
 * @param maxRetryDelayMillis longest wait between tries while clamd is unreachable (default
 *     {@value #DEFAULT_MAX_RETRY_DELAY_MILLIS} ms; the wait starts at {@value #MIN_RETRY_DELAY_MILLIS} ms
 *     and doubles; when clamd is back, every waiting file goes at once)
 * @param drainMillis how long {@code analyze} waits at the end for verdicts still to come (default
 *     {@value #DEFAULT_DRAIN_MILLIS} ms); files still waiting stay queued for the next run
 * @param maxAttempts failed exchanges with a reachable clamd (errors, timeouts) before a file's
 *     {@code error} verdict is final (default {@value #DEFAULT_MAX_ATTEMPTS}); waiting for an
 *     unreachable clamd counts no attempt
 * @param maxQueuedBytes bytes of files waiting for clamd (default 10 GiB); past it the file that has
 *     waited longest is given up: its verdict is {@code not_scanned} with the reason, and it is counted
 *     in {@code scan.dropped}
 * @param queueMemoryBytes estimated heap of the waiting files' events held in memory (default 32 MiB);
 *     more waiting files stay only in the journal until there is room
 * @param queueMemoryEntries waiting files held in memory (default {@value #DEFAULT_QUEUE_MEMORY_ENTRIES})
 * @param verdictCacheBytes estimated heap of the verdicts remembered by sha256 (default 32 MiB)
 * @param retroDays how many days back a retro-scan reaches when clamd's database version changes
 *     (default {@value #DEFAULT_RETRO_DAYS}; 0: no retro-scan)
 */
public record ScanConfig(int threads, long maxRetryDelayMillis, long drainMillis, int maxAttempts, long maxQueuedBytes,
        long queueMemoryBytes, int queueMemoryEntries, long verdictCacheBytes, int retroDays) {
    public static final int DEFAULT_THREADS = 4;
    public static final long DEFAULT_DRAIN_MILLIS = 120_000;
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final long DEFAULT_MAX_QUEUED_BYTES = 10L << 30;
    public static final long MIN_RETRY_DELAY_MILLIS = 500;
    public static final long DEFAULT_MAX_RETRY_DELAY_MILLIS = 60_000;
    public static final long DEFAULT_QUEUE_MEMORY_BYTES = 32L << 20;
    public static final int DEFAULT_QUEUE_MEMORY_ENTRIES = 20_000;
    public static final long DEFAULT_VERDICT_CACHE_BYTES = 32L << 20;
    public static final int DEFAULT_RETRO_DAYS = 7;
    public static final ScanConfig DEFAULTS = new ScanConfig(DEFAULT_THREADS, DEFAULT_MAX_RETRY_DELAY_MILLIS, DEFAULT_DRAIN_MILLIS,
            DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_QUEUED_BYTES);

    /** Returns settings with the default number of attempts, budgets and retro-scan. */
    public ScanConfig(int threads, long maxRetryDelayMillis, long drainMillis) {
        this(threads, maxRetryDelayMillis, drainMillis, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_QUEUED_BYTES);
    }

    /** Returns settings with the default memory budgets and retro-scan. */
    public ScanConfig(int threads, long maxRetryDelayMillis, long drainMillis, int maxAttempts, long maxQueuedBytes) {
        this(threads, maxRetryDelayMillis, drainMillis, maxAttempts, maxQueuedBytes, DEFAULT_QUEUE_MEMORY_BYTES,
                DEFAULT_QUEUE_MEMORY_ENTRIES, DEFAULT_VERDICT_CACHE_BYTES, DEFAULT_RETRO_DAYS);
    }

    public ScanConfig {
        if (threads < 1) {
            throw new IllegalArgumentException("scan.threads must be at least 1, got " + threads);
        }
        if (queueMemoryEntries < 1 || queueMemoryBytes < 1) {
            throw new IllegalArgumentException("the scan queue's memory budget must be at least one entry");
        }
        if (retroDays < 0) {
            throw new IllegalArgumentException("scan.retro-days must not be negative, got " + retroDays);
        }
    }

    /** Returns a copy with the queue's memory budget set. */
    public ScanConfig withQueueMemory(long bytes, int entries) {
        return new ScanConfig(threads, maxRetryDelayMillis, drainMillis, maxAttempts, maxQueuedBytes, bytes, entries, verdictCacheBytes,
                retroDays);
    }

    /** Returns a copy with the verdict cache's budget set. */
    public ScanConfig withVerdictCacheBytes(long bytes) {
        return new ScanConfig(threads, maxRetryDelayMillis, drainMillis, maxAttempts, maxQueuedBytes, queueMemoryBytes,
                queueMemoryEntries, bytes, retroDays);
    }

    /** Returns a copy with the retro-scan reach set (0: none). */
    public ScanConfig withRetroDays(int days) {
        return new ScanConfig(threads, maxRetryDelayMillis, drainMillis, maxAttempts, maxQueuedBytes, queueMemoryBytes,
                queueMemoryEntries, verdictCacheBytes, days);
    }
}
