package io.spanwatch.analyzer.scan;

/**
 * Sets the scan stage.
 *
 * @param threads scan threads (default {@value #DEFAULT_THREADS}): files scanned at once
 * @param maxRetryDelayMillis longest wait between tries while clamd is unreachable (default 10 s; when
 *     one try finds clamd back, every waiting file goes at once)
 * @param drainMillis how long {@code analyze} waits at the end for verdicts still to come (default
 *     {@value #DEFAULT_DRAIN_MILLIS} ms); files still waiting stay queued for the next run
 * @param maxAttempts failed exchanges with a reachable clamd (errors, timeouts) before a file's
 *     {@code error} verdict is final (default {@value #DEFAULT_MAX_ATTEMPTS}); waiting for an
 *     unreachable clamd counts no attempt
 * @param maxQueuedBytes bytes of files waiting for clamd (default 10 GiB); past it the file that has
 *     waited longest is given up: its verdict is {@code not_scanned} with the reason, and it is counted
 *     in {@code scan.dropped}
 */
public record ScanConfig(int threads, long maxRetryDelayMillis, long drainMillis, int maxAttempts, long maxQueuedBytes) {
    public static final int DEFAULT_THREADS = 4;
    public static final long DEFAULT_DRAIN_MILLIS = 120_000;
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final long DEFAULT_MAX_QUEUED_BYTES = 10L << 30;
    public static final long DEFAULT_MAX_RETRY_DELAY_MILLIS = 10_000;
    public static final ScanConfig DEFAULTS = new ScanConfig(DEFAULT_THREADS, DEFAULT_MAX_RETRY_DELAY_MILLIS, DEFAULT_DRAIN_MILLIS,
            DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_QUEUED_BYTES);

    /** Returns settings with the default number of attempts and queue budget. */
    public ScanConfig(int threads, long maxRetryDelayMillis, long drainMillis) {
        this(threads, maxRetryDelayMillis, drainMillis, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_QUEUED_BYTES);
    }

    public ScanConfig {
        if (threads < 1) {
            throw new IllegalArgumentException("scan.threads must be at least 1, got " + threads);
        }
    }
}
