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
            double[] x = new double[m];
            int hits = 0;
            for (int t = 0; t < trials; t++) {
                for (int i = 0; i < m; i++) {
                    x[i] = r.nextGaussian();
                }
                Arrays.sort(x);
                if (x[b - 1] - x[a - 1] <= us[c]) {
                    hits++;
                }
            }
            double sim = hits / (double) trials;
            double p = IntervalTest.spreadProbability(m, a, b, us[c]);
            double se = Math.sqrt(p * (1 - p) / trials);
            assertEquals(p, sim, 5 * se + 1e-4, "m=" + m + " a=" + a + " b=" + b + " (seed " + seed + ")");
        }
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
    void evidenceIsAValidPValueUnderTheNull() {
        Random r = new Random(seed + 1);
        int trials = 4_000;
        for (int m : new int[] {5, 12, 40, 300}) {
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
