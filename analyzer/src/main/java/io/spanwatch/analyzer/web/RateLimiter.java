package io.spanwatch.analyzer.web;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Limits requests per key (a token's name, or a client address before login) with a token bucket:
 * {@code rate} requests a second on average, bursts of {@code 2 * rate}. At most
 * {@value #MAX_KEYS} keys are tracked (the least recently seen is forgotten, which only ever lets
 * more through). Thread-safe.
 */
public final class RateLimiter {
    static final int MAX_KEYS = 10_000;

    private final double rate;
    private final double burst;
    private final LinkedHashMap<String, double[]> buckets = new LinkedHashMap<>(64, 0.75f, true);

    public RateLimiter(int ratePerSecond) {
        this.rate = ratePerSecond;
        this.burst = 2.0 * ratePerSecond;
    }

    /** Takes one request for {@code key} at {@code nowNanos}; returns whether it may go on. */
    public synchronized boolean tryAcquire(String key, long nowNanos) {
        double[] b = buckets.get(key);
        if (b == null) {
            b = new double[] {burst, nowNanos};
            buckets.put(key, b);
            if (buckets.size() > MAX_KEYS) {
                Iterator<Map.Entry<String, double[]>> it = buckets.entrySet().iterator();
                it.next();
                it.remove();
            }
        }
        double elapsed = (nowNanos - b[1]) / 1e9;
        b[0] = Math.min(burst, b[0] + elapsed * rate);
        b[1] = nowNanos;
        if (b[0] < 1) {
            return false;
        }
        b[0] -= 1;
        return true;
    }

    /** Returns whole seconds until {@code key} may send again (for Retry-After). */
    public synchronized long retryAfterSeconds(String key) {
        double[] b = buckets.get(key);
        return b == null ? 0 : Math.max(1, (long) Math.ceil((1 - b[0]) / rate));
    }
}
