package io.spanwatch.analyzer.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scores synthetic request series: beacons (fixed, jittered ±10/30/50 %, jitter that only shortens,
 * sleep windows, keep-alive bursts, larger task answers now and then) must reach the default
 * threshold; noise (Poisson browsing, lognormal gaps, webmail-like semi-regular refresh, short
 * regular bursts) must stay under it. Series come from a seed printed once; replay with
 * {@code -Dtests.seed=N}.
 */
class BeaconScorerTest {
    private static final long H = 3_600_000L;
    private static final long DAY = 24 * H;
    private static final double T = CorrelateConfig.DEFAULT_THRESHOLD;
    private static long seed;

    @BeforeAll
    static void seed() {
        seed = Long.getLong("tests.seed", System.nanoTime());
        System.out.println("BeaconScorerTest seed " + seed + " (replay with -Dtests.seed=" + seed + ")");
    }

    private static BeaconScorer.Score score(List<Long> times, long windowStart, long windowEnd, long[] sizes) {
        long[] t = times.stream().mapToLong(Long::longValue).sorted().toArray();
        int[] s = new int[t.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = (int) sizes[i % sizes.length];
        }
        return BeaconScorer.score(t, s, t.length, CorrelateConfig.DEFAULT_BURST_GAP_MILLIS, windowStart, windowEnd,
                CorrelateConfig.DEFAULT_MIN_CALLBACKS);
    }

    /** Callbacks every {@code interval} ± {@code jitter} (a fraction) over {@code span}, skipping hours in {@code sleeps}. */
    private static List<Long> beacon(Random r, long interval, double jitterLow, double jitterHigh, long span, int sleepFrom,
            int sleepTo) {
        List<Long> out = new ArrayList<>();
        for (long t = r.nextLong(interval); t < span; ) {
            int hour = (int) (t % DAY / H);
            if (!(hour >= sleepFrom && hour < sleepTo)) {
                out.add(t);
            }
            t += (long) (interval * (1 + jitterLow + (jitterHigh - jitterLow) * r.nextDouble()));
        }
        return out;
    }

    private static void assertBeacon(String what, BeaconScorer.Score s) {
        assertTrue(s.score() >= T, what + ": score " + s.score() + " under " + T + " " + s.parts() + " (seed " + seed + ")");
    }

    private static void assertNoise(String what, BeaconScorer.Score s) {
        assertTrue(s.score() < T, what + ": score " + s.score() + " reaches " + T + " " + s.parts() + " (seed " + seed + ")");
    }

    @Test
    void fixedAndJitteredBeaconsScoreAboveTheThreshold() {
        Random r = new Random(seed);
        long[] sizes = {310, 310, 310, 4200, 310};
        for (long interval : new long[] {60_000, 300_000, 900_000, 3_600_000}) {
            for (double j : new double[] {0, 0.1, 0.3, 0.5}) {
                List<Long> t = beacon(r, interval, -j, j, DAY, 0, 0);
                assertBeacon(interval / 1000 + " s ±" + (int) (j * 100) + " %", score(t, 0, DAY, sizes));
            }
            List<Long> shorter = beacon(r, interval, -0.5, 0, DAY, 0, 0);
            assertBeacon(interval / 1000 + " s -50..0 %", score(shorter, 0, DAY, sizes));
        }
    }

    @Test
    void sleepWindowsAndLateStartDoNotHideABeacon() {
        Random r = new Random(seed + 1);
        long[] sizes = {128};
        assertBeacon("15 min ±50 %, sleeps 01-05", score(beacon(r, 900_000, -0.5, 0.5, DAY, 1, 5), 0, DAY, sizes));
        assertBeacon("1 min ±50 %, office hours only", score(beacon(r, 60_000, -0.5, 0.5, DAY, 18, 32), 0, DAY, sizes));
        // Starts 10 h before the end of a 24 h window (an infection mid-capture): 1 h ±10 %.
        List<Long> late = new ArrayList<>();
        for (long t : beacon(r, 3_600_000, -0.1, 0.1, 10 * H, 0, 0)) {
            late.add(14 * H + t);
        }
        assertBeacon("1 h ±10 %, 10 of 24 h", score(late, 0, DAY, sizes));
    }

    @Test
    void keepAliveRequestsAreCallbacksAndBurstsMerge() {
        Random r = new Random(seed + 2);
        List<Long> t = new ArrayList<>();
        for (long c : beacon(r, 60_000, -0.3, 0.3, 12 * H, 0, 0)) {
            t.add(c);
            t.add(c + 150); // a second request of the same callback (task fetch, then result) on the connection
        }
        BeaconScorer.Score s = score(t, 0, 12 * H, new long[] {16});
        assertBeacon("keep-alive 1 min ±30 % with two requests a callback", s);
        assertEquals(t.size() / 2, s.callbacks(), "requests 150 ms apart are one callback");
    }

    @Test
    void browsingAndWebmailStayUnderTheThreshold() {
        Random r = new Random(seed + 3);
        long[] sizes = {1105};
        for (int run = 0; run < 20; run++) {
            // Webmail tab: refreshes at lognormal gaps, median 90 s (sigma 0.7), for some hours.
            List<Long> mail = new ArrayList<>();
            for (long t = 0; t < 6 * H; t += (long) (90_000 * Math.exp(0.7 * r.nextGaussian()))) {
                mail.add(t);
            }
            assertNoise("webmail lognormal 90 s sigma 0.7, run " + run, score(mail, 0, 6 * H, sizes));
            // Browsing: Poisson page views (mean 20 min), each a burst of requests.
            List<Long> pages = new ArrayList<>();
            for (long t = 0; t < DAY; t += (long) (-1_200_000 * Math.log(1 - r.nextDouble()))) {
                for (int k = 0; k < 5; k++) {
                    pages.add(t + k * 80L);
                }
            }
            assertNoise("Poisson browsing, run " + run, score(pages, 0, DAY, new long[] {8000, 23000, 1200}));
            // Lognormal think times (median 30 s, sigma 1) within sessions.
            List<Long> think = new ArrayList<>();
            for (long t = 0; t < 2 * H; t += (long) (30_000 * Math.exp(r.nextGaussian()))) {
                think.add(t);
            }
            assertNoise("lognormal think times, run " + run, score(think, 0, DAY, new long[] {5000, 9000}));
        }
    }

    @Test
    void aShortRegularBurstIsNotABeacon() {
        List<Long> t = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            t.add(5 * H + i * 30_000L); // a page that refreshed itself every 30 s for 5 minutes
        }
        assertNoise("5 minutes of 30 s refreshes in a day", score(t, 0, DAY, new long[] {700}));
    }

    @Test
    void tooFewCallbacksScoreZero() {
        BeaconScorer.Score s = score(List.of(0L, 60_000L, 120_000L, 180_000L, 240_000L), 0, H, new long[] {1});
        assertEquals(0, s.score());
        assertEquals(5, s.callbacks());
    }

    @Test
    void scoreIsAPureFunctionOfTheSeries() {
        Random r = new Random(seed + 4);
        List<Long> t = beacon(r, 300_000, -0.3, 0.3, DAY, 0, 0);
        assertEquals(score(t, 0, DAY, new long[] {5}), score(new ArrayList<>(t), 0, DAY, new long[] {5}));
    }
}
