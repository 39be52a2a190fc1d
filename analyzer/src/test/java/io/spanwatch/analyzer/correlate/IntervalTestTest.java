package io.spanwatch.analyzer.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the interval test's statistics: the order-statistics p-value against simulation and
 * against reference values of an independent integration, the normal distribution's helpers, that
 * the evidence is a valid p-value under the null it names (random arrivals as regular as the null
 * show evidence of k decades at most 10^-k of the time), and how strays are left out. Random parts
 * print their seed; replay with {@code -Dtests.seed=N}.
 */
class IntervalTestTest {
    private static long seed;

    @BeforeAll
    static void seed() {
        seed = Long.getLong("tests.seed", System.nanoTime());
        System.out.println("IntervalTestTest seed " + seed + " (replay with -Dtests.seed=" + seed + ")");
    }

    @Test
    void normalHelpersAgreeWithTables() {
        assertEquals(1.959964, IntervalTest.inverseCdf(0.975), 1e-6);
        assertEquals(-3.090232, IntervalTest.inverseCdf(0.001), 1e-6);
        assertEquals(0, IntervalTest.inverseCdf(0.5), 1e-9);
        assertEquals(Math.log(0.5), IntervalTest.logSf(0), 1e-7);
        assertEquals(Math.log(0.02275013), IntervalTest.logSf(2), 1e-6);
        assertEquals(Math.log(1 - 0.02275013), IntervalTest.logSf(-2), 1e-7);
        assertEquals(Math.log(2.866516e-7), IntervalTest.logSf(5), 1e-6);
    }

    /**
     * Reference values of {@code P(X(b) - X(a) <= u)} from an independent adaptive integration
     * (SciPy's {@code quad} at relative tolerance 1e-10 of the same order-statistics integrand).
     */
    @Test
    void pValueAgreesWithAnIndependentIntegration() {
        double[][] ref = {
            {9, 1, 9, 1.57, 0.0270888566589},
            {23, 1, 23, 1.57, 1.5323425864705986e-05},
            {23, 1, 21, 1.57, 0.0007024725713248636},
            {50, 2, 45, 2.0, 0.0011418302794152667},
            {23, 2, 23, 1.0, 5.635970410866569e-08},
            {256, 1, 248, 3.5, 0.00012635133810215545},
            {256, 2, 250, 3.8, 0.012244899784679169},
            {6, 1, 6, 0.3, 5.8666722936796666e-05},
        };
        for (double[] r : ref) {
            double p = IntervalTest.spreadProbability((int) r[0], (int) r[1], (int) r[2], r[3]);
            assertEquals(r[4], p, r[4] * 0.01, () -> "m=" + r[0] + " a=" + r[1] + " b=" + r[2] + " u=" + r[3]);
        }
    }

    @Test
    void pValueAgreesWithSimulation() {
        Random r = new Random(seed);
        int[][] cases = {{6, 1, 6}, {12, 1, 11}, {30, 2, 28}};
        double[] us = {1.2, 1.8, 2.6};
        int trials = 100_000;
        for (int c = 0; c < cases.length; c++) {
            int m = cases[c][0];
            int a = cases[c][1];
            int b = cases[c][2];
            double sim = simulated(r, m, a, b, us[c], trials);
            double p = IntervalTest.spreadProbability(m, a, b, us[c]);
            double se = Math.sqrt(p * (1 - p) / trials);
            assertEquals(p, sim, 5 * se + 1e-4, "m=" + m + " a=" + a + " b=" + b + " (seed " + seed + ")");
        }
    }

    /** Returns the share of {@code trials} samples of {@code m} standard normals with {@code X(b) - X(a) <= u}. */
    private static double simulated(Random r, int m, int a, int b, double u, int trials) {
        double[] x = new double[m];
        int hits = 0;
        for (int t = 0; t < trials; t++) {
            for (int i = 0; i < m; i++) {
                x[i] = r.nextGaussian();
            }
            Arrays.sort(x);
            hits += x[b - 1] - x[a - 1] <= u ? 1 : 0;
        }
        return hits / (double) trials;
    }

    /** Draws {@code m} intervals from the null (lognormal, sigma {@link IntervalTest#SIGMA_RANDOM}), median 90 s. */
    private static double[] nullIntervals(Random r, int m) {
        double[] d = new double[m];
        for (int i = 0; i < m; i++) {
            d[i] = 90_000 * Math.exp(IntervalTest.SIGMA_RANDOM * r.nextGaussian());
        }
        return d;
    }

    @Test
    void theNearGridAgreesWithTheFixedGridAndWithSimulationInside() {
        // Where the fixed grid is fine (few intervals, or the band's lower end at the first), both agree.
        int[][] cases = {{30, 8, 30}, {50, 2, 45}, {40, 11, 30}, {256, 1, 248}};
        double[] us = {1.3, 2.0, 0.9, 3.5};
        for (int c = 0; c < cases.length; c++) {
            int[] k = cases[c];
            double fixed = IntervalTest.spreadProbability(k[0], k[1], k[2], us[c]);
            double near = IntervalTest.spreadProbabilityNear(k[0], k[1], k[2], us[c]);
            assertEquals(fixed, near, fixed * 0.01, "m=" + k[0] + " a=" + k[1] + " b=" + k[2]);
        }
        // Hundreds of intervals, the band from the lower quartile or the median: against simulation.
        Random r = new Random(seed + 3);
        int[][] inner = {{400, 101, 400}, {600, 301, 600}, {300, 76, 225}};
        double[] innerU = {3.0, 2.45, 1.27};
        int trials = 20_000;
        for (int c = 0; c < inner.length; c++) {
            int m = inner[c][0];
            double sim = simulated(r, m, inner[c][1], inner[c][2], innerU[c], trials);
            double p = IntervalTest.spreadProbabilityNear(m, inner[c][1], inner[c][2], innerU[c]);
            double se = Math.sqrt(p * (1 - p) / trials);
            assertTrue(sim > 0.005 && sim < 0.5, "a case in the tail but not too far: " + sim);
            assertEquals(sim, p, 4 * se + 1e-4, "m=" + m + " a=" + inner[c][1] + " b=" + inner[c][2] + " (seed " + seed + ")");
        }
    }

    @Test
    void binomialTailAgreesWithItsTermsSummed() {
        int[][] nk = {{10, 3}, {200, 50}, {1500, 700}, {1500, 40}, {2000, 1990}};
        double[] qs = {0.3, 0.2, 0.5, 0.01, 0.999};
        for (int c = 0; c < nk.length; c++) {
            int n = nk[c][0];
            int k = nk[c][1];
            double q = qs[c];
            double sum = 0;
            for (int i = 0; i <= k; i++) {
                double logTerm = 0;
                for (int f = 0; f < i; f++) {
                    logTerm += Math.log(n - f) - Math.log(f + 1);
                }
                sum += Math.exp(logTerm + i * Math.log(q) + (n - i) * Math.log1p(-q));
            }
            assertEquals(Math.log(sum), IntervalTest.logBinomialCdf(n, k, q), 1e-9 + Math.abs(Math.log(sum)) * 1e-9,
                    "n=" + n + " k=" + k + " q=" + q);
        }
    }

    @Test
    void aTimerWithManyExtraRequestsOrAChangedSleepIsFoundByARobustBand() {
        Random r = new Random(seed + 4);
        // Check-ins every 5 min +-20 %; two in five are tasked, and the result follows 10-90 s later:
        // 40 % of the intervals are short and as many callbacks shortened, far past one short stray.
        java.util.List<Double> tasked = new java.util.ArrayList<>();
        double prev = 0;
        double t = 0;
        for (int i = 0; i < 150; i++) {
            t += 300_000 * (0.8 + 0.4 * r.nextDouble());
            tasked.add(t - prev);
            prev = t;
            if (r.nextDouble() < 0.4) {
                double result = t + 10_000 + 80_000 * r.nextDouble();
                tasked.add(result - prev);
                prev = result;
            }
        }
        double[] d = tasked.stream().mapToDouble(Double::doubleValue).toArray();
        IntervalTest.Result res = IntervalTest.test(d, d.length);
        assertTrue(res.evidence() >= 5, "tasked check-ins: " + res);
        assertTrue(res.shortStrays() > IntervalTest.MAX_SHORT_STRAYS, res.toString());
        // A sleep changed part-way: 30 s +-20 % for 2 h, then 30 min +-20 % for 10 h (20 long intervals).
        double[] e = new double[260];
        for (int i = 0; i < e.length; i++) {
            e[i] = (i < 240 ? 30_000 : 1_800_000) * (0.8 + 0.4 * r.nextDouble());
        }
        IntervalTest.Result res2 = IntervalTest.test(e, e.length);
        assertTrue(res2.evidence() >= 5, "sleep changed: " + res2);
        assertTrue(res2.longStrays() > IntervalTest.MAX_LONG_STRAYS, res2.toString());
    }

    @Test
    void evidenceIsAValidPValueUnderTheNull() {
        Random r = new Random(seed + 1);
        int trials = 4_000;
        for (int m : new int[] {5, 12, 40, 300, 1000}) {
            int over1 = 0;
            int over2 = 0;
            for (int t = 0; t < trials; t++) {
                double e = IntervalTest.test(nullIntervals(r, m), m).evidence();
                over1 += e >= 1 ? 1 : 0;
                over2 += e >= 2 ? 1 : 0;
            }
            // A valid p-value: P(evidence >= k) <= 10^-k (binomial slack of 4 standard errors).
            assertTrue(over1 <= trials * 0.1 + 4 * Math.sqrt(trials * 0.09), m + " intervals: " + over1 + " of " + trials
                    + " with 1 decade (seed " + seed + ")");
            assertTrue(over2 <= trials * 0.01 + 4 * Math.sqrt(trials * 0.0099), m + " intervals: " + over2 + " of " + trials
                    + " with 2 decades (seed " + seed + ")");
        }
    }

    @Test
    void aSleepWindowIsOneLongStrayAndASecondRequestOneShortStray() {
        Random r = new Random(seed + 2);
        double[] d = new double[40];
        for (int i = 0; i < d.length; i++) {
            d[i] = 900_000 * (0.9 + 0.2 * r.nextDouble());
        }
        d[20] = 4 * 3_600_000; // asleep 4 hours
        IntervalTest.Result sleep = IntervalTest.test(d, d.length);
        assertEquals(1, sleep.longStrays(), sleep.toString());
        assertEquals(0, sleep.shortStrays(), sleep.toString());
        assertTrue(sleep.evidence() >= 10, sleep.toString());
        d[30] = 5_000; // a result posted 5 s after a callback
        IntervalTest.Result second = IntervalTest.test(d, d.length);
        assertEquals(1, second.shortStrays(), second.toString());
        assertTrue(second.evidence() >= 10, second.toString());
        assertTrue(second.band() < 1.3, "the band holds the others: " + second);
    }

    @Test
    void aFixedTimerIsDecisiveAndFewRandomIntervalsAreNot() {
        double[] fixed = {60_000, 60_001, 59_999, 60_000, 60_002};
        assertEquals(IntervalTest.MAX_EVIDENCE, IntervalTest.test(fixed, fixed.length).evidence(), 1e-9);
        double[] random = {12_000, 300_000, 45_000, 1_200_000, 80_000, 30_000};
        assertTrue(IntervalTest.test(random, random.length).evidence() < 0.5);
        assertEquals(0, IntervalTest.test(new double[] {1, 2}, 2).evidence());
    }
}
