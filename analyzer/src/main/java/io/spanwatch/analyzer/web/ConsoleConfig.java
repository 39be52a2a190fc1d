package io.spanwatch.analyzer.web;

import java.time.Duration;

/**
 * Holds the console's limits (config keys {@code console.*}, see {@code spanwatch config-keys}).
 *
 * @param threads requests worked on at once (searches and scans run off Netty's event loop, on these)
 * @param ratePerSecond requests per second per token, and per client address before it logs in; bursts of twice that
 * @param maxRequestBytes largest request body except uploads to the scan service
 * @param maxUploadBytes largest scan upload, all files together (clamd's own stream limit applies per file)
 * @param maxUploadFiles files in one scan upload
 * @param session how long a login lasts without use
 * @param queryTimeout how long one search may run before it answers with what it found
 */
public record ConsoleConfig(int threads, int ratePerSecond, int maxRequestBytes, long maxUploadBytes, int maxUploadFiles,
        Duration session, Duration queryTimeout) {
    public static final int DEFAULT_THREADS = 4;
    public static final int DEFAULT_RATE_PER_SECOND = 20;
    public static final int DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;
    public static final long DEFAULT_MAX_UPLOAD_BYTES = 25L << 20;
    public static final int DEFAULT_MAX_UPLOAD_FILES = 20;
    public static final Duration DEFAULT_SESSION = Duration.ofHours(12);
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(10);
    /** Sessions kept at once; the least recently used goes past it. */
    public static final int MAX_SESSIONS = 10_000;
    /** Scans of uploads running at once; more wait their turn (uploads are held on disk meanwhile). */
    public static final int MAX_SCANS_AT_ONCE = 4;

    public static final ConsoleConfig DEFAULTS = new ConsoleConfig(DEFAULT_THREADS, DEFAULT_RATE_PER_SECOND, DEFAULT_MAX_REQUEST_BYTES,
            DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_MAX_UPLOAD_FILES, DEFAULT_SESSION, DEFAULT_QUERY_TIMEOUT);
}
