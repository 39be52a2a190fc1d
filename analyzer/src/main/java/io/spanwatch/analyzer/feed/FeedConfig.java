package io.spanwatch.analyzer.feed;

import io.spanwatch.analyzer.events.HomeNet;

/**
 * Holds the settings every feed shares (config keys {@code feed.*}; see {@code spanwatch config-keys}).
 *
 * @param outbox the outbox's bound, segment size and fsync interval
 * @param timeoutMillis connect and read timeout of one delivery ({@code feed.timeout-ms})
 * @param retryMinMillis first wait after a failed delivery
 * @param retryMaxMillis longest wait between retries ({@code feed.retry-max-ms})
 * @param drainMillis how long the end of a run waits for deliveries ({@code feed.drain-seconds})
 * @param homeNet the internal networks ({@code home-net}): a record's key is the internal host it is about
 */
public record FeedConfig(Outbox.Options outbox, int timeoutMillis, long retryMinMillis, long retryMaxMillis, long drainMillis,
        HomeNet homeNet) {
    /** Connect and read timeout by default. */
    public static final int DEFAULT_TIMEOUT_MILLIS = 10_000;
    /** First retry wait by default. */
    public static final long DEFAULT_RETRY_MIN_MILLIS = 1_000;
    /** Longest retry wait by default. */
    public static final long DEFAULT_RETRY_MAX_MILLIS = 60_000;
    /** Wait for deliveries at the end of a run, by default. */
    public static final long DEFAULT_DRAIN_MILLIS = 10_000;

    public static final FeedConfig DEFAULTS = new FeedConfig(Outbox.Options.DEFAULTS, DEFAULT_TIMEOUT_MILLIS,
            DEFAULT_RETRY_MIN_MILLIS, DEFAULT_RETRY_MAX_MILLIS, DEFAULT_DRAIN_MILLIS, HomeNet.DEFAULTS);

    public FeedConfig {
        if (timeoutMillis < 1 || retryMinMillis < 1 || retryMaxMillis < retryMinMillis || drainMillis < 0 || homeNet == null) {
            throw new IllegalArgumentException("bad feed settings");
        }
    }

    /** Returns these settings on the default home networks. */
    public FeedConfig(Outbox.Options outbox, int timeoutMillis, long retryMinMillis, long retryMaxMillis, long drainMillis) {
        this(outbox, timeoutMillis, retryMinMillis, retryMaxMillis, drainMillis, HomeNet.DEFAULTS);
    }

    /** Returns these settings with another drain time. */
    public FeedConfig withDrainMillis(long millis) {
        return new FeedConfig(outbox, timeoutMillis, retryMinMillis, retryMaxMillis, millis, homeNet);
    }

    /** Returns these settings with another first retry wait (tests). */
    public FeedConfig withRetryMillis(long min, long max) {
        return new FeedConfig(outbox, timeoutMillis, min, max, drainMillis, homeNet);
    }
}
