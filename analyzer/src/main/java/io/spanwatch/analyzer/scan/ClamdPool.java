package io.spanwatch.analyzer.scan;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Spreads scans over several clamd endpoints and keeps dead ones out until they answer again.
 *
 * <p><b>Choice.</b> A scan goes to the live endpoint with the fewest scans in flight, ties broken
 * round robin. An endpoint that cannot be reached is marked dead and the scan moves on to the next
 * live one; one that times out is marked dead and the scan ends as ERROR (a second full timeout
 * elsewhere would double the wait). When no endpoint is live, {@link #scan} returns at once with
 * ERROR {@code no clamd reachable}.
 *
 * <p><b>Recovery.</b> A dead endpoint is pinged after a backoff of {@value #MIN_BACKOFF_MILLIS} ms,
 * doubling after each failed ping up to {@value #MAX_BACKOFF_MILLIS} ms, on the pool's one health
 * thread; the first PONG brings it back.
 *
 * <p><b>Counters</b>: scans, infected, not scanned, errors (timeouts included), timeouts, bytes sent.
 *
 * <p>Thread-safe. Owns its clients: {@link #close()} closes them and the health thread.
 */
public final class ClamdPool implements AutoCloseable {
    /** First wait before a dead endpoint is pinged again. */
    public static final long MIN_BACKOFF_MILLIS = 1_000;
    /** Longest wait between pings of a dead endpoint. */
    public static final long MAX_BACKOFF_MILLIS = 60_000;
    /** Reason of the verdict given when no endpoint is live. */
    public static final String NO_CLAMD = "no clamd reachable";

    /**
     * Describes one endpoint's health at the moment it was read.
     *
     * @param address    the endpoint
     * @param alive      whether scans are sent to it
     * @param inFlight   scans in flight on it
     * @param failures   failed exchanges or pings since it last answered
     * @param lastError  what the last failure said; null while it answers
     * @param retryInMillis time until the next ping of a dead endpoint; 0 when alive
     */
    public record Health(ClamdAddress address, boolean alive, int inFlight, long failures, String lastError, long retryInMillis) { }

    private final List<Endpoint> endpoints;
    private final ScheduledExecutorService health;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong scans = new AtomicLong();
    private final AtomicLong infected = new AtomicLong();
    private final AtomicLong notScanned = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private volatile Runnable onRecovered = () -> { };

    /** Creates a pool of one client per address, all assumed live until they fail. */
    public ClamdPool(List<ClamdAddress> addresses, ClamdClient.Options options) {
        this(addresses.stream().map(a -> new ClamdClient(a, options)).toList());
    }

    /** Creates a pool of {@code clients}; takes ownership of them. */
    ClamdPool(List<ClamdClient> clients) {
        if (clients.isEmpty()) {
            throw new IllegalArgumentException("a clamd pool needs at least one endpoint");
        }
        this.endpoints = clients.stream().map(Endpoint::new).toList();
        this.health = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "clamd-health");
            t.setDaemon(true);
            return t;
        });
    }

    /** Scans {@code file} on a live endpoint; never throws and never waits once all endpoints are dead. */
    public Verdict scan(Path file) {
        scans.incrementAndGet();
        long t0 = System.nanoTime();
        List<Endpoint> tried = new ArrayList<>(endpoints.size());
        ClamdException last = null;
        Endpoint ep;
        while ((ep = pick(tried)) != null) {
            tried.add(ep);
            try {
                Verdict v = ep.client.scanOrThrow(file);
                ep.answered();
                switch (v.result()) {
                    case INFECTED -> infected.incrementAndGet();
                    case NOT_SCANNED -> notScanned.incrementAndGet();
                    case ERROR -> errors.incrementAndGet();
                    case CLEAN -> { }
                }
                return v;
            } catch (ClamdException e) {
                switch (e.kind()) {
                    case UNREACHABLE, BUSY -> {
                        if (e.kind() == ClamdException.Kind.UNREACHABLE) {
                            markDead(ep, e.getMessage());
                        }
                        last = e;
                    }
                    case TIMEOUT -> {
                        timeouts.incrementAndGet();
                        markDead(ep, e.getMessage());
                        return error(e.getMessage(), t0, ep);
                    }
                    case PROTOCOL -> {
                        return error(e.getMessage(), t0, ep);
                    }
                }
            } catch (IOException e) {
                return error(e.getMessage(), t0, ep);
            }
        }
        String reason = last == null ? NO_CLAMD
                : last.kind() == ClamdException.Kind.BUSY ? "all clamd endpoints busy: " + last.getMessage()
                : NO_CLAMD + ": " + last.getMessage();
        return error(reason, t0, tried.isEmpty() ? null : tried.getLast());
    }

    /**
     * Asks a live endpoint for its VERSION.
     *
     * @throws ClamdException (unreachable) when no endpoint answers
     */
    public ClamdVersion version() throws IOException {
        List<Endpoint> tried = new ArrayList<>();
        ClamdException last = null;
        Endpoint ep;
        while ((ep = pick(tried)) != null) {
            tried.add(ep);
            try {
                ClamdVersion v = ep.client.version();
                ep.answered();
                return v;
            } catch (ClamdException e) {
                if (e.kind() == ClamdException.Kind.TIMEOUT) {
                    timeouts.incrementAndGet(); // a silent clamd is counted however it is found out
                }
                if (e.kind() == ClamdException.Kind.UNREACHABLE || e.kind() == ClamdException.Kind.TIMEOUT) {
                    markDead(ep, e.getMessage());
                }
                last = e;
            }
        }
        throw new ClamdException(ClamdException.Kind.UNREACHABLE, last == null ? NO_CLAMD : NO_CLAMD + ": " + last.getMessage(), last);
    }

    /**
     * Runs {@code r} (on the health thread) whenever a dead endpoint answers its ping again, so that a
     * caller waiting for clamd can go on at once.
     */
    public void onRecovered(Runnable r) {
        this.onRecovered = r == null ? () -> { } : r;
    }

    /** Returns each endpoint's health, in configuration order. */
    public List<Health> health() {
        long now = System.nanoTime();
        return endpoints.stream().map(e -> e.health(now)).toList();
    }

    /** Returns the number of scans asked for. */
    public long scans() {
        return scans.get();
    }

    /** Returns the number of INFECTED verdicts. */
    public long infected() {
        return infected.get();
    }

    /** Returns the number of NOT_SCANNED verdicts. */
    public long notScanned() {
        return notScanned.get();
    }

    /** Returns the number of ERROR verdicts, timeouts included. */
    public long errors() {
        return errors.get();
    }

    /** Returns the number of scans that ran out of time. */
    public long timeouts() {
        return timeouts.get();
    }

    /** Returns the files clamd read through their descriptor (FILDES), over all endpoints. */
    public long filesPassed() {
        return endpoints.stream().mapToLong(e -> e.client.filesPassed()).sum();
    }

    /** Returns the bytes of files given to clamd (streamed or passed) over all endpoints. */
    public long bytes() {
        return endpoints.stream().mapToLong(e -> e.client.bytesSent()).sum();
    }

    /** Stops the health thread and closes every client. */
    @Override
    public void close() {
        health.shutdownNow();
        endpoints.forEach(e -> e.client.close());
    }

    /** Returns the live, untried endpoint with the fewest scans in flight, starting round robin; null if none. */
    private Endpoint pick(List<Endpoint> tried) {
        int n = endpoints.size();
        int start = Math.floorMod(next.getAndIncrement(), n);
        Endpoint best = null;
        for (int i = 0; i < n; i++) {
            Endpoint e = endpoints.get((start + i) % n);
            if (e.alive && !tried.contains(e) && (best == null || e.client.inFlight() < best.client.inFlight())) {
                best = e;
            }
        }
        return best;
    }

    private Verdict error(String reason, long t0, Endpoint ep) {
        errors.incrementAndGet();
        return Verdict.error(reason, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), ep == null ? null : ep.client.address().toString());
    }

    /** Takes {@code ep} out and schedules its first ping, unless it is already out. */
    private void markDead(Endpoint ep, String why) {
        synchronized (ep) {
            ep.failures++;
            ep.lastError = why;
            if (!ep.alive) {
                return;
            }
            ep.alive = false;
            ep.backoffMillis = MIN_BACKOFF_MILLIS;
            scheduleProbe(ep);
        }
    }

    private void scheduleProbe(Endpoint ep) {
        ep.retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ep.backoffMillis);
        if (!health.isShutdown()) {
            health.schedule(() -> probe(ep), ep.backoffMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Runs on the health thread: pings a dead endpoint; back in on PONG, else waits twice as long. */
    private void probe(Endpoint ep) {
        try {
            ep.client.ping();
            ep.answered();
            onRecovered.run();
        } catch (IOException e) {
            synchronized (ep) {
                if (ep.alive) {
                    // A scan brought it back meanwhile: this failure takes it out again from the start.
                    markDead(ep, e.getMessage());
                    return;
                }
                ep.failures++;
                ep.lastError = e.getMessage();
                ep.backoffMillis = Math.min(ep.backoffMillis * 2, MAX_BACKOFF_MILLIS);
                scheduleProbe(ep);
            }
        }
    }

    /** One endpoint and its health; the mutable fields are guarded by the endpoint's monitor. */
    private static final class Endpoint {
        final ClamdClient client;
        volatile boolean alive = true;
        volatile String lastError;
        volatile long failures;
        volatile long retryAtNanos;
        long backoffMillis = MIN_BACKOFF_MILLIS;

        Endpoint(ClamdClient client) {
            this.client = client;
        }

        synchronized void answered() {
            alive = true;
            failures = 0;
            lastError = null;
            backoffMillis = MIN_BACKOFF_MILLIS;
        }

        synchronized Health health(long now) {
            long retry = alive ? 0 : Math.max(0, TimeUnit.NANOSECONDS.toMillis(retryAtNanos - now));
            return new Health(client.address(), alive, client.inFlight(), failures, lastError, retry);
        }
    }
}
