package io.spanwatch.analyzer.correlate;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Scores how much one client/destination pair's callbacks look like a beacon, in the spirit of
 * RITA's scoring: the regularity of the time between callbacks (Bowley skew and median absolute
 * deviation about the median), the regularity of their data sizes, an interval histogram that
 * survives jitter and sleep windows, how steadily the pair called over its active time, and how
 * much of the observation window it covers. The README's "Correlation" section explains each part.
 *
 * <p>A pure function of its input: the same callbacks give the same score. Stateless and thread-safe.
 */
public final class BeaconScorer {
    /** Ratio of the widest to the narrowest interval the histogram's dominant band holds: ±50 % jitter fits. */
    static final double BAND_RATIO = 3.0;
    /** RITA's rule: a skew over an interquartile range under 10 s is noise, not shape. */
    static final double MIN_SKEW_IQR_MILLIS = 10_000;
    /** RITA's ideal number of consecutive hours with callbacks for the duration score. */
    static final int IDEAL_CONSISTENT_HOURS = 12;
    private static final long HOUR_MILLIS = 3_600_000L;

    /**
     * Weights of the regularity parts; they sum to 1. The interval histogram weighs most: it is
     * the part that tells jitter (bounded) from human irregularity (heavy-tailed).
     */
    static final double W_TS = 0.25;
    static final double W_DS = 0.125;
    static final double W_HIST = 0.375;
    static final double W_CONN = 0.25;
    /**
     * The score is regularity times persistence, persistence = {@code DUR_FLOOR + (1 - DUR_FLOOR) * dur_score}:
     * regular callbacks over a few minutes (a page refreshing itself) are not a beacon, however regular.
     */
    static final double DUR_FLOOR = 0.6;

    private BeaconScorer() {
    }

    /**
     * Holds a score and its parts.
     *
     * @param callbacks callbacks scored (requests closer than the burst gap are one callback)
     * @param intervalMillis median interval between callbacks
     * @param parts each part by its EVE name, in the order shown
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
        long[] t = new long[n];
        double[] s = new double[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (m > 0 && times[i] - times[i - 1] < burstGapMillis) {
                s[m - 1] += sizes[i];
            } else {
                t[m] = times[i];
                s[m] = sizes[i];
                m++;
            }
        }
        Map<String, Double> parts = new LinkedHashMap<>();
        if (m < Math.max(4, minCallbacks)) {
            return new Score(0, m, m > 1 ? median(intervals(t, m)) : 0, n > 0 ? times[0] : 0, n > 0 ? times[n - 1] : 0, parts);
        }
        double[] iv = intervals(t, m);
        double[] sortedIv = iv.clone();
        Arrays.sort(sortedIv);
        double tsSkew = skewScore(sortedIv, MIN_SKEW_IQR_MILLIS);
        double tsMadm = madmScore(sortedIv, 1000, 1);
        double tsScore = (tsSkew + tsMadm) / 2;

        double[] sortedSizes = Arrays.copyOf(s, m);
        Arrays.sort(sortedSizes);
        double dsSkew = skewScore(sortedSizes, 10);
        double dsMadm = madmScore(sortedSizes, 1, 0);
        double dsScore = (dsSkew + dsMadm) / 2;

        // Interval histogram: the share of intervals in the densest band [x, 3x]. Jitter up to ±50 %
        // keeps a beacon's intervals inside; a sleep window or a missed callback costs one interval.
        int bandCount = 0;
        int bandFrom = 0;
        for (int i = 0, j = 0; i < sortedIv.length; i++) {
            while (sortedIv[i] > sortedIv[j] * BAND_RATIO) {
                j++;
            }
            if (i - j + 1 > bandCount) {
                bandCount = i - j + 1;
                bandFrom = j;
            }
        }
        double histScore = (double) bandCount / iv.length;
        double dominant = sortedIv[bandFrom + bandCount / 2];

        // Connections against what the dominant interval predicts over the pair's active span.
        long span = t[m - 1] - t[0];
        double connScore = span <= 0 ? 0 : Math.min(1, bandCount * dominant / span);

        // RITA's duration: coverage of the window, or the longest run of hours with callbacks.
        double window = Math.max(1, windowEnd - windowStart);
        double coverage = Math.min(1, span / window);
        double consistency = Math.min(1, (double) longestHourRun(t, m, windowStart, windowEnd) / IDEAL_CONSISTENT_HOURS);
        double durScore = Math.max(coverage, consistency);

        double regularity = W_TS * tsScore + W_DS * dsScore + W_HIST * histScore + W_CONN * connScore;
        double persistence = DUR_FLOOR + (1 - DUR_FLOOR) * durScore;
        double score = regularity * persistence;
        parts.put("regularity", regularity);
        parts.put("persistence", persistence);
        parts.put("ts_score", tsScore);
        parts.put("ts_skew_score", tsSkew);
        parts.put("ts_madm_score", tsMadm);
        parts.put("ds_score", dsScore);
        parts.put("ds_skew_score", dsSkew);
        parts.put("ds_madm_score", dsMadm);
        parts.put("hist_score", histScore);
        parts.put("conn_score", connScore);
        parts.put("dur_score", durScore);
        parts.put("coverage", coverage);
        parts.put("consistency", consistency);
        return new Score(score, m, median(sortedIv), t[0], t[m - 1], parts);
    }

    private static double[] intervals(long[] t, int m) {
        double[] iv = new double[Math.max(0, m - 1)];
        for (int i = 1; i < m; i++) {
            iv[i - 1] = t[i] - t[i - 1];
        }
        return iv;
    }

    private static double median(double[] v) {
        if (v.length == 0) {
            return 0;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return quantile(s, 0.5);
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

    /** Returns the longest run of consecutive hours of the window that hold a callback. */
    private static int longestHourRun(long[] t, int m, long windowStart, long windowEnd) {
        long from = Math.min(windowStart, t[0]);
        int hours = (int) Math.min(100_000, (Math.max(windowEnd, t[m - 1]) - from) / HOUR_MILLIS + 1);
        boolean[] seen = new boolean[hours];
        for (int i = 0; i < m; i++) {
            seen[(int) Math.min(hours - 1, (t[i] - from) / HOUR_MILLIS)] = true;
        }
        int best = 0;
        int run = 0;
        for (boolean b : seen) {
            run = b ? run + 1 : 0;
            best = Math.max(best, run);
        }
        return best;
    }
}
