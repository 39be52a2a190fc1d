package io.spanwatch.analyzer.reputation;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Sets the reputation stage. Every bound has a default here, a configuration key ({@code intel.*},
 * see {@code spanwatch config-keys}) and a counter.
 *
 * @param files feeds named one by one ({@code --intel FILE}); each must be readable at start
 * @param rulesDir the project's feeds ({@code rules/intel}), read at start when present
 * @param watchDir a folder of feeds watched for changes and reloaded, or null
 * @param debounce quiet time after the last change in {@code watchDir} before a reload (default 2 s)
 * @param maxIndicators indicators held, all feeds together (default 20 million); past it further
 *     indicators are dropped and counted in the feed's report
 * @param maxFeedBytes bytes read from one feed, after decompression (default 2 GiB); past it the
 *     rest is skipped and counted as malformed
 * @param maxLineBytes bytes of one line (default 64 KiB); a longer line is malformed
 * @param maxNamedProblems malformed or unsupported lines named per feed in its report and the log
 *     (default 20); all are counted
 * @param retroDays days of observations kept for retro-hunts (default 7); 0 turns the journal off
 * @param journalMaxDayBytes bytes of observations kept per day (default 256 MiB); past it further
 *     observations of that day are not kept and counted ({@code intel.journal_dropped})
 * @param dedupCapacity (flow, indicator) pairs remembered to raise one alert per indicator per flow
 *     (default 1 million); the oldest is forgotten first, counted in {@code intel.dedup_evictions}
 * @param downloads feeds fetched from URLs, each kept as a local copy
 * @param downloadInterval time between downloads of a feed (default 1 h)
 * @param downloadTimeout time one download may take (default 5 min)
 */
public record IntelConfig(List<Path> files, Path rulesDir, Path watchDir, Duration debounce, long maxIndicators, long maxFeedBytes,
        int maxLineBytes, int maxNamedProblems, int retroDays, long journalMaxDayBytes, int dedupCapacity, List<Download> downloads,
        Duration downloadInterval, Duration downloadTimeout) {
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofSeconds(2);
    public static final long DEFAULT_MAX_INDICATORS = 20_000_000;
    public static final long DEFAULT_MAX_FEED_BYTES = 2L << 30;
    public static final int DEFAULT_MAX_LINE_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_NAMED_PROBLEMS = 20;
    public static final int DEFAULT_RETRO_DAYS = 7;
    public static final long DEFAULT_JOURNAL_MAX_DAY_BYTES = 256L << 20;
    public static final int DEFAULT_DEDUP_CAPACITY = 1_000_000;
    public static final Duration DEFAULT_DOWNLOAD_INTERVAL = Duration.ofHours(1);
    public static final Duration DEFAULT_DOWNLOAD_TIMEOUT = Duration.ofMinutes(5);

    /** A feed to download: its URL and the file name of its local copy. */
    public record Download(URI url, String name) {
        public Download {
            String scheme = url.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
                throw new IllegalArgumentException("intel download " + url + ": only http and https URLs are fetched");
            }
            if (name == null || name.isBlank() || name.contains("/") || name.startsWith(".")) {
                throw new IllegalArgumentException("intel download " + url + ": bad local file name '" + name + "'");
            }
        }

        /** Parses {@code URL} or {@code NAME=URL}; the name defaults to the URL's last path segment. */
        public static Download parse(String spec) {
            String s = spec.strip();
            int eq = s.indexOf('=');
            int scheme = s.indexOf("://");
            String name = null;
            if (eq > 0 && (scheme < 0 || eq < scheme)) {
                name = s.substring(0, eq).strip();
                s = s.substring(eq + 1).strip();
            }
            URI u;
            try {
                u = URI.create(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("intel download " + spec + ": not a URL");
            }
            if (name == null) {
                String path = u.getPath() == null ? "" : u.getPath();
                while (path.endsWith("/")) {
                    path = path.substring(0, path.length() - 1);
                }
                String last = path.substring(path.lastIndexOf('/') + 1);
                name = (u.getHost() == null ? "feed" : u.getHost()) + (last.isEmpty() ? "" : "-" + last);
                name = name.replaceAll("[^A-Za-z0-9._-]", "_");
            }
            return new Download(u, name);
        }
    }

    public IntelConfig {
        files = List.copyOf(files);
        downloads = List.copyOf(downloads);
        if (maxLineBytes < 256) {
            throw new IllegalArgumentException("intel.max-line-bytes must be at least 256, got " + maxLineBytes);
        }
        if (retroDays < 0) {
            throw new IllegalArgumentException("intel.retro-days must not be negative, got " + retroDays);
        }
        if (dedupCapacity < 1) {
            throw new IllegalArgumentException("intel.dedup-capacity must be at least 1, got " + dedupCapacity);
        }
    }

    /** Returns the defaults with these feed files and folders. */
    public static IntelConfig of(List<Path> files, Path rulesDir, Path watchDir) {
        return new IntelConfig(files, rulesDir, watchDir, DEFAULT_DEBOUNCE, DEFAULT_MAX_INDICATORS, DEFAULT_MAX_FEED_BYTES,
                DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_NAMED_PROBLEMS, DEFAULT_RETRO_DAYS, DEFAULT_JOURNAL_MAX_DAY_BYTES,
                DEFAULT_DEDUP_CAPACITY, List.of(), DEFAULT_DOWNLOAD_INTERVAL, DEFAULT_DOWNLOAD_TIMEOUT);
    }

    /** Returns a copy with other downloads. */
    public IntelConfig withDownloads(List<Download> d, Duration interval) {
        return new IntelConfig(files, rulesDir, watchDir, debounce, maxIndicators, maxFeedBytes, maxLineBytes, maxNamedProblems, retroDays,
                journalMaxDayBytes, dedupCapacity, d, interval, downloadTimeout);
    }

    /** Returns a copy with another debounce. */
    public IntelConfig withDebounce(Duration d) {
        return new IntelConfig(files, rulesDir, watchDir, d, maxIndicators, maxFeedBytes, maxLineBytes, maxNamedProblems, retroDays,
                journalMaxDayBytes, dedupCapacity, downloads, downloadInterval, downloadTimeout);
    }
}
