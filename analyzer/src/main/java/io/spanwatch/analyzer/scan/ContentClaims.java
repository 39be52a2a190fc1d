package io.spanwatch.analyzer.scan;

import io.spanwatch.sensor.event.FileVerdict;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * Keeps the content (sha256) {@link ScanStage}'s scan threads scan now, each with the latch its
 * thread opens when done, so that two copies of one file closing at once are scanned once, not once
 * per thread: the second waits for the first's verdict and reads it from the {@link VerdictCache}.
 * Thread-safe.
 */
final class ContentClaims {
    /** Content (sha256) a scan thread is scanning now, with the latch it opens when done. */
    private final ConcurrentHashMap<String, CountDownLatch> scanning = new ConcurrentHashMap<>();
    private final VerdictCache cache;
    /** The database version clamd reports now: a verdict remembered under another does not count. */
    private final DatabaseWatch db;

    ContentClaims(VerdictCache cache, DatabaseWatch db) {
        this.cache = cache;
        this.db = db;
    }

    /**
     * Returns the verdict another scan thread just found for the same content, after waiting for its
     * scan to end; or null once this thread has claimed the content (under {@code mine}) and is to
     * scan it. Two copies of one file closing at once are so scanned once, not once per thread.
     */
    FileVerdict sameContentVerdict(String sha, CountDownLatch mine) {
        while (true) {
            CountDownLatch other = scanning.putIfAbsent(sha, mine);
            if (other == null) {
                return null;
            }
            try {
                other.await(); // the other scan ends within the scanner's own timeouts
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt(); // closing: the caller's scan gives up at once
                return null;
            }
            FileVerdict v = db.known() ? cache.get(sha, db.current()) : null;
            if (v != null) {
                return v;
            }
            // the other scan found no final verdict (clamd away, an error): claim the content
        }
    }

    /** Ends the claim {@code claim} on {@code sha}: the threads waiting for it look for its verdict. */
    void release(String sha, CountDownLatch claim) {
        scanning.remove(sha, claim);
        claim.countDown();
    }
}
