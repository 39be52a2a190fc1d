package io.spanwatch.analyzer.reputation;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches feeds from URLs into local copies, on a schedule, with the JDK's HTTP client. Each copy
 * keeps the server's {@code Last-Modified} and {@code ETag} beside it (a hidden {@code .NAME.http}
 * file), sent back as {@code If-Modified-Since} and {@code If-None-Match}: an unchanged feed costs a
 * {@code 304} and no reload. A new copy is downloaded to a hidden part file, must be a recognisable
 * feed ({@link FeedFormat}), and then replaces the old copy in one rename; a failed or unrecognisable
 * download leaves the previous copy in force and is logged and counted.
 *
 * <p>Bounds: {@code maxBytes} per download (a larger body is abandoned), the configured timeout per
 * request (and at most 30 s to connect: a server that does not answer must not hold a sensor's
 * start). One daemon thread runs the schedule.
 */
final class FeedDownloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FeedDownloader.class);

    /** What became of one download. */
    enum Result { UPDATED, NOT_MODIFIED, FAILED }

    private final List<IntelConfig.Download> downloads;
    private final Path dir;
    private final Duration timeout;
    private final long maxBytes;
    private final int maxLineBytes;
    private final HttpClient client;
    private ScheduledExecutorService timer;
    final AtomicLong updated = new AtomicLong();
    final AtomicLong notModified = new AtomicLong();
    final AtomicLong failed = new AtomicLong();

    FeedDownloader(List<IntelConfig.Download> downloads, Path dir, Duration timeout, long maxBytes, int maxLineBytes) {
        this.downloads = List.copyOf(downloads);
        this.dir = dir;
        this.timeout = timeout;
        this.maxBytes = maxBytes;
        this.maxLineBytes = maxLineBytes;
        Duration connect = timeout.compareTo(Duration.ofSeconds(30)) < 0 ? timeout : Duration.ofSeconds(30);
        this.client = HttpClient.newBuilder().connectTimeout(connect).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** Fetches every feed once; returns true when at least one copy changed. */
    boolean fetchAll() {
        boolean changed = false;
        for (IntelConfig.Download d : downloads) {
            changed |= fetch(d) == Result.UPDATED;
        }
        return changed;
    }

    /** Runs {@link #fetchAll} every {@code interval}, then {@code onChange} when a copy changed. */
    synchronized void schedule(Duration interval, Runnable onChange) {
        if (downloads.isEmpty() || timer != null) {
            return;
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("intel-download").daemon().unstarted(r));
        long ms = Math.max(1000, interval.toMillis());
        timer.scheduleWithFixedDelay(() -> {
            if (fetchAll()) {
                onChange.run();
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Fetches one feed into its local copy. */
    Result fetch(IntelConfig.Download d) {
        Path dest = dir.resolve(d.name());
        Path metaFile = dir.resolve("." + d.name() + ".http");
        Path part = dir.resolve("." + d.name() + ".part");
        try {
            Files.createDirectories(dir);
            Properties meta = new Properties();
            if (Files.isRegularFile(dest) && Files.isRegularFile(metaFile)) {
                try (Reader r = Files.newBufferedReader(metaFile, StandardCharsets.UTF_8)) {
                    meta.load(r);
                }
            }
            HttpRequest.Builder rb = HttpRequest.newBuilder(d.url()).timeout(timeout).GET().header("User-Agent", "SpanWatch intel");
            if ("http".equalsIgnoreCase(d.url().getScheme())) {
                rb.version(HttpClient.Version.HTTP_1_1); // no h2c upgrade asked in the clear (see WebhookTransport)
            }
            if (meta.getProperty("last-modified") != null) {
                rb.header("If-Modified-Since", meta.getProperty("last-modified"));
            }
            if (meta.getProperty("etag") != null) {
                rb.header("If-None-Match", meta.getProperty("etag"));
            }
            HttpResponse<InputStream> resp = client.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = resp.body()) {
                if (resp.statusCode() == 304) {
                    notModified.incrementAndGet();
                    LOG.info("intel download {}: not modified", d.url());
                    return Result.NOT_MODIFIED;
                }
                if (resp.statusCode() != 200) {
                    return fail(d, "HTTP status " + resp.statusCode());
                }
                long n = copy(body, part);
                if (n < 0) {
                    Files.deleteIfExists(part);
                    return fail(d, "larger than intel.max-feed-bytes (" + maxBytes + ")");
                }
            }
            try (FeedLines in = FeedLines.open(part, maxBytes, maxLineBytes)) {
                FeedFormat.recognise(in);
            } catch (IndicatorException e) {
                Files.deleteIfExists(part);
                return fail(d, "the download is not a feed: " + e.getMessage());
            }
            Files.move(part, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Properties next = new Properties();
            resp.headers().firstValue("Last-Modified").ifPresent(v -> next.setProperty("last-modified", v));
            resp.headers().firstValue("ETag").ifPresent(v -> next.setProperty("etag", v));
            next.setProperty("url", d.url().toString());
            try (Writer w = Files.newBufferedWriter(metaFile, StandardCharsets.UTF_8)) {
                next.store(w, "SpanWatch intel download state");
            }
            updated.incrementAndGet();
            LOG.info("intel download {}: new copy {}", d.url(), dest);
            return Result.UPDATED;
        } catch (IOException e) {
            return fail(d, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(d, "interrupted");
        }
    }

    private long copy(InputStream in, Path part) throws IOException {
        long n = 0;
        byte[] buf = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(part)) {
            int r;
            while ((r = in.read(buf)) > 0) {
                n += r;
                if (n > maxBytes) {
                    return -1;
                }
                out.write(buf, 0, r);
            }
        }
        return n;
    }

    private Result fail(IntelConfig.Download d, String why) {
        failed.incrementAndGet();
        LOG.error("intel download {}: {}; the previous copy (if any) stays in force", d.url(), why);
        return Result.FAILED;
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
        client.close();
    }
}
