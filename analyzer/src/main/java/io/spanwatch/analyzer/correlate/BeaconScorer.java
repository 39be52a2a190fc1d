package io.spanwatch.analyzer.correlate;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Scores how much one client/destination pair's callbacks look like a beacon, in the spirit of
 * RITA's scoring but with a decision rule that is sound for small samples: the timing part is the
 * evidence ({@link IntervalTest}) that the intervals are more regular than random arrivals could
 * make them for that many callbacks, the size part is RITA's data-size regularity, and the
 * duration part is RITA's coverage of the observation window or run of hours with callbacks.
 *
 * <pre>
 * score       = ts_score × persistence × (0.9 + 0.1 × ds_score)
 * ts_score    = min(1, ts_evidence / 5)          ts_evidence = -log10 p of the interval test
 * persistence = 0.7 + 0.3 × dur_score            dur_score = max(coverage, consistency)
 * </pre>
 *
 * So at the default threshold 0.8 a pair that called steadily all day with regular sizes needs a
 * p-value of 1e-4 against the most regular random arrivals; a pair active for a few hours needs
 * more, and a burst of minutes is never a beacon however regular. Sizes can lower the score by a
 * tenth, never raise it: constant sizes are common in benign traffic (304 answers). Requests
 * closer than the burst gap are one callback, unless the pair spends most of its time requesting
 * that fast (a timer of a second or two), when each request is one. The README's "Beacons: how it
 * decides" explains each part.
 *
 * <p>A pure function of its input: the same callbacks give the same score. Stateless and thread-safe.
 */
public final class BeaconScorer {
    /** Evidence (decades) at which the timing part is full. */
    static final double FULL_EVIDENCE = 5;
    /** RITA's ideal number of consecutive hours with callbacks for the duration score. */
    static final int IDEAL_CONSISTENT_HOURS = 12;
    /** Persistence of a pair active for no time at all; a pair active all window (or 12 h) has 1. */
    static final double DUR_FLOOR = 0.7;
    /** Size factor of a pair whose sizes are all different; constant sizes give 1. */
    static final double SIZE_FLOOR = 0.9;
    /** A silence longer than this many median intervals (and than an hour) ends a run of activity. */
    static final double SILENCE_INTERVALS = 3;
    private static final long HOUR_MILLIS = 3_600_000L;
    /** Time a pair must spend requesting faster than the burst gap before its requests count one by one. */
    static final long FAST_MIN_MILLIS = 600_000L;
    /** Median bytes of a request and its answer over which requests faster than the burst gap are a transfer. */
    static final int FAST_MAX_BYTES = 65_536;

    /** Names of the score's parts in the {@code beacon} object, in the order written. */
    public static final java.util.List<String> PARTS = java.util.List.of("ts_score", "ts_evidence", "ts_band", "ts_tested",
            "ts_strays_short", "ts_strays_long", "ts_merged", "ds_score", "ds_skew_score", "ds_madm_score", "persistence", "dur_score",
            "coverage", "consistency");

    private BeaconScorer() {
    }

    /**
     * Holds a score and its parts.
     *
     * @param callbacks callbacks scored (requests closer than the burst gap are one callback)
     * @param intervalMillis median interval between callbacks
     * @param parts each part by its EVE name, in the order of {@link #PARTS} (empty when the score is 0
     *     for too few callbacks or no timing evidence)
     */
    public record Score(double score, int callbacks, double intervalMillis, long firstMillis, long lastMillis,
            Map<String, Double> parts) {
    }

    /**
     * Scores sorted request times.
     *
     * @param times request times in ms, sorted ascending; {@code n} of them are used
     * @param sizes bytes of each request and its answer, same order
     * @param burstGapMillis requests closer than this to the one before are one callback
     * @param windowStart start of the observation window (ms)
     * @param windowEnd end of the observation window (ms)
     * @param minCallbacks fewer callbacks than this score 0
     */
    public static Score score(long[] times, int[] sizes, int n, long burstGapMillis, long windowStart, long windowEnd,
            int minCallbacks) {
        return score(times, sizes, n, burstGapMillis, windowStart, windowEnd, minCallbacks, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /**
     * Scores sorted request times of a pair that made requests before them which the caller no
     * longer keeps (dropped for the per-pair bound): those count for the duration part only.
     *
     * @param earlierFirst the earliest of those requests within the window (ms), {@code Long.MAX_VALUE} for none
     * @param earlierRunStart where the run of activity they make up to {@code times[0]} starts (ms),
     *     {@code Long.MAX_VALUE} for none
     */
    public static Score score(long[] times, int[] sizes, int n, long burstGapMillis, long windowStart, long windowEnd,
            int minCallbacks, long earlierFirst, long earlierRunStart) {
        // The callbacks: requests closer than the burst gap are one (a page and its assets, a
        // check-in and its result). A pair that spends most of its time making requests faster
        // than that (a timer of a second or two) would be one long callback, so its requests count
        // one by one: the gaps under the burst gap add up to more than half its span, and to more
        // than FAST_MIN_MILLIS (a page load is never that). Not when its requests are large: back
        // to back, they are a download in parts, paced by the transfer, not a timer that sleeps.
        boolean merge = true;
        if (n > 1) {
            long fast = 0;
            for (int i = 1; i < n; i++) {
                long gap = times[i] - times[i - 1];
                fast += gap < burstGapMillis ? gap : 0;
            }
            merge = fast * 2 <= times[n - 1] - times[0] || fast < FAST_MIN_MILLIS || medianSize(sizes, n) > FAST_MAX_BYTES;
        }
        Series chosen = Series.of(times, sizes, n, merge ? burstGapMillis : 0);
        Map<String, Double> parts = new LinkedHashMap<>();
        long[] t = chosen.t;
        double[] s = chosen.s;
        int m = chosen.m;
        long first = n > 0 ? Math.min(times[0], earlierFirst) : 0;
        if (m < Math.max(4, minCallbacks)) {
            return new Score(0, m, median(chosen.intervals()), first, n > 0 ? times[n - 1] : 0, parts);
        }
        IntervalTest.Result ts = IntervalTest.test(chosen.intervals(), m - 1);
        double evidence = ts.evidence();
        double median = ts.medianMillis();
        if (evidence == 0) {
            return new Score(0, m, median, first, t[m - 1], parts); // no timing evidence: the other parts cannot help
        }
        double tsScore = Math.min(1, evidence / FULL_EVIDENCE);

        double[] sortedSizes = Arrays.copyOf(s, m);
        Arrays.sort(sortedSizes);
        double dsSkew = skewScore(sortedSizes, 10);
        double dsMadm = madmScore(sortedSizes, 1, 0);
        double dsScore = (dsSkew + dsMadm) / 2;

        // RITA's duration: coverage of the window, or the longest run of activity (no silence
        // longer than a few intervals or an hour) against 12 hours. Requests the caller dropped
        // before t[0] count: a fast timer keeps only its latest minutes of times.
        long span = t[m - 1] - first;
        double window = Math.max(1, windowEnd - windowStart);
        double coverage = Math.min(1, span / window);
        double consistency = Math.min(1, longestRunMillis(t, m, Math.max(HOUR_MILLIS, SILENCE_INTERVALS * median),
                Math.min(t[0], earlierRunStart)) / (double) (IDEAL_CONSISTENT_HOURS * HOUR_MILLIS));
        double durScore = Math.max(coverage, consistency);
        double persistence = DUR_FLOOR + (1 - DUR_FLOOR) * durScore;

        double score = tsScore * persistence * (SIZE_FLOOR + (1 - SIZE_FLOOR) * dsScore);
        parts.put("ts_score", tsScore);
        parts.put("ts_evidence", evidence);
        parts.put("ts_band", ts.band());
        parts.put("ts_tested", (double) ts.tested());
        parts.put("ts_strays_short", (double) ts.shortStrays());
        parts.put("ts_strays_long", (double) ts.longStrays());
        parts.put("ts_merged", merge ? 1.0 : 0.0);
        parts.put("ds_score", dsScore);
        parts.put("ds_skew_score", dsSkew);
        parts.put("ds_madm_score", dsMadm);
        parts.put("persistence", persistence);
        parts.put("dur_score", durScore);
        parts.put("coverage", coverage);
        parts.put("consistency", consistency);
        return new Score(score, m, median, first, t[m - 1], parts);
    }

    /** Holds callback times and sizes: requests closer than a gap merged into the first of them. */
    private record Series(long[] t, double[] s, int m) {
        static Series of(long[] times, int[] sizes, int n, long gapMillis) {
            long[] t = new long[n];
            double[] s = new double[n];
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (m > 0 && times[i] - times[i - 1] < gapMillis) {
                    s[m - 1] += sizes[i];
                } else {
                    t[m] = times[i];
                    s[m] = sizes[i];
                    m++;
                }
            }
            return new Series(t, s, m);
        }

        double[] intervals() {
            double[] iv = new double[Math.max(0, m - 1)];
            for (int i = 1; i < m; i++) {
                iv[i - 1] = t[i] - t[i - 1];
            }
            return iv;
        }
    }

    /**
     * Returns the longest stretch (ms) of callbacks with no silence longer than {@code silence} ms;
     * the first stretch starts at {@code from} (at or before {@code t[0]}).
     */
    private static long longestRunMillis(long[] t, int m, double silence, long from) {
        long best = t[0] - from;
        for (int i = 1; i < m; i++) {
            if (t[i] - t[i - 1] > silence) {
                from = t[i];
            }
            best = Math.max(best, t[i] - from);
        }
        return best;
    }

    private static double median(double[] v) {
        if (v.length == 0) {
            return 0;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return quantile(s, 0.5);
    }

    private static double medianSize(int[] sizes, int n) {
        int[] s = Arrays.copyOf(sizes, n);
        Arrays.sort(s);
        return (s[(n - 1) / 2] + (double) s[n / 2]) / 2;
    }

    /** Quantile of sorted values, interpolated between ranks. */
    static double quantile(double[] sorted, double p) {
        double k = (sorted.length - 1) * p;
        int f = (int) Math.floor(k);
        int c = Math.min(f + 1, sorted.length - 1);
        return sorted[f] + (sorted[c] - sorted[f]) * (k - f);
    }

    /** Returns 1 - |Bowley skew| of sorted values; a spread under {@code minIqr} counts as no skew (RITA). */
    static double skewScore(double[] sorted, double minIqr) {
        double q1 = quantile(sorted, 0.25);
        double q2 = quantile(sorted, 0.5);
        double q3 = quantile(sorted, 0.75);
        double den = q3 - q1;
        double skew = 0;
        if (den >= minIqr && q2 != q1 && q2 != q3) {
            skew = (q1 + q3 - 2 * q2) / den;
        }
        return 1 - Math.min(1, Math.abs(skew));
    }

    /**
     * Returns (median - MAD) / median of sorted values, RITA's MADM score, 0 at worst; {@code dflt}
     * when the median is under {@code minMedian} (too small to divide by).
     */
    static double madmScore(double[] sorted, double minMedian, double dflt) {
        double med = quantile(sorted, 0.5);
        if (med < minMedian) {
            return dflt;
        }
        double[] dev = new double[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            dev[i] = Math.abs(sorted[i] - med);
        }
        Arrays.sort(dev);
        double mad = quantile(dev, 0.5);
        return Math.max(0, (med - mad) / med);
    }
}
