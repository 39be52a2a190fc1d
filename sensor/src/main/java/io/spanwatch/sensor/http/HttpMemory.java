package io.spanwatch.sensor.http;

/**
 * Bounds the heap that the HTTP parsers of one worker hold, over all their connections: heads being
 * read (header fields and a line arriving in pieces), the heads kept by transactions until they are
 * done (a request waiting for its answer keeps its head), and the buffers of content decoders (input
 * kept until the first decoded byte, brotli's queue and window); and the TLS hellos being gathered
 * ({@link io.spanwatch.sensor.tls.HelloReader}). Per connection those are bounded by
 * {@link HttpLimits#maxHeaderBytes()}, {@link HttpLimits#maxPendingTransactions()} and the decoders'
 * own limits, but a flood of connections or of pipelined requests would multiply that; this budget
 * does not.
 *
 * <p>Each holding is charged an estimate of what it keeps (its bytes plus {@value #PER_LINE} per
 * header field for the objects). Holdings are kept oldest first; when a charge passes the cap, the
 * oldest other holdings are evicted until it fits (a head being read is given up and its direction
 * resynchronises; a transaction drops the header fields it kept and, if it still waits for its answer,
 * is finished unanswered; a decoder stops and its entity ends incomplete), each as the anomaly
 * {@code http.memcap}. A flood therefore evicts itself
 * while short-lived heads of other connections get through. When the holding charged is itself the
 * oldest, it is the one to give up.
 *
 * <p>Not thread-safe: one per worker, used by its thread only.
 */
public final class HttpMemory {
    /** Heap bytes estimated per header field besides its text (a header record and two strings). */
    static final int PER_LINE = 100;

    private final long cap;
    private long used;
    private long peak;
    private long evictions;
    private Holding oldest;
    private Holding newest;

    /** Creates a budget of {@code cap} bytes. */
    public HttpMemory(long cap) {
        if (cap <= 0) {
            throw new IllegalArgumentException("cap must be > 0, was " + cap);
        }
        this.cap = cap;
    }

    /** Returns a budget that never evicts (one parser on its own, tests). */
    static HttpMemory unlimited() {
        return new HttpMemory(Long.MAX_VALUE);
    }

    /** Returns the bytes held now. */
    public long used() {
        return used;
    }

    /** Returns the most bytes held at once. */
    public long peak() {
        return peak;
    }

    /** Returns how many holdings were evicted to make room. */
    public long evictions() {
        return evictions;
    }

    /** Something a parser keeps (for a head; a TLS reader for a hello); charged while it is listed. */
    public abstract static class Holding {
        long bytes;
        boolean listed;
        Holding older;
        Holding newer;

        /** Gives up what is held, to make room for another holding; must end with {@link #release}. */
        protected abstract void evict();
    }

    /**
     * Charges {@code n} more bytes to {@code h} (listing it as the newest if it was not listed) and
     * evicts the oldest other holdings while the cap is passed. Returns false when {@code h} is itself
     * the oldest and the cap is still passed: the caller then gives up what it holds and calls
     * {@link #release}.
     */
    public boolean charge(Holding h, long n) {
        listAsNewest(h);
        h.bytes += n;
        used += n;
        peak = Math.max(peak, used);
        while (used > cap) {
            Holding victim = oldest;
            if (victim == h) {
                return false;
            }
            evictions++;
            victim.evict();
            release(victim); // in case evict did not
        }
        return true;
    }

    /**
     * Moves what {@code from} holds to {@code to} (a head now kept by its transaction), without
     * evicting anything: the bytes were already held.
     */
    void transfer(Holding from, Holding to) {
        long b = from.listed ? from.bytes : 0;
        release(from);
        if (b == 0) {
            return;
        }
        listAsNewest(to);
        to.bytes += b;
        used += b;
    }

    /** Takes {@code n} bytes off {@code h} (a buffer it let go), without unlisting it. */
    void uncharge(Holding h, long n) {
        if (h.listed) {
            long k = Math.min(n, h.bytes);
            h.bytes -= k;
            used -= k;
        }
    }

    /** Lists {@code h} as the newest holding unless it is listed already. */
    private void listAsNewest(Holding h) {
        if (h.listed) {
            return;
        }
        h.listed = true;
        h.older = newest;
        h.newer = null;
        if (newest != null) {
            newest.newer = h;
        } else {
            oldest = h;
        }
        newest = h;
    }

    /** Gives back everything {@code h} holds and unlists it. */
    public void release(Holding h) {
        if (!h.listed) {
            return;
        }
        used -= h.bytes;
        h.bytes = 0;
        h.listed = false;
        if (h.older != null) {
            h.older.newer = h.newer;
        } else {
            oldest = h.newer;
        }
        if (h.newer != null) {
            h.newer.older = h.older;
        } else {
            newest = h.older;
        }
        h.older = null;
        h.newer = null;
    }
}
