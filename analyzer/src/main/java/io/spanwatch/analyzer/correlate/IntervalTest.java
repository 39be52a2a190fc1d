package io.spanwatch.analyzer.correlate;

/**
 * Tests whether the intervals between a pair's callbacks are more regular than random arrivals
 * could make them, and says by how much: the evidence, in decades ({@code -log10} of a p-value).
 *
 * <p><b>Statistic.</b> A timer with jitter up to ±J sleeps between {@code P(1-J)} and
 * {@code P(1+J)}: its intervals lie in a band whose ends differ by a factor of at most
 * {@code (1+J)/(1-J)} (3 at ±50 %), however many callbacks there are. Random arrivals spread out
 * as their number grows. So the statistic is the width {@code u} of the band that holds the
 * intervals, on a log scale: {@code ln(d(b) / d(a))} for the {@code a}-th shortest and the
 * {@code b}-th shortest of {@code m} intervals, leaving out {@code j = a-1} short strays and
 * {@code k = m-b} long ones (a sleep window or a missed callback makes one long interval; a
 * second request a few seconds after a callback makes one short one).
 *
 * <p><b>Null.</b> Random arrivals are intervals drawn independently from a lognormal with
 * {@code sigma} = {@value #SIGMA_RANDOM} on the log scale (a coefficient of variation of 0.8).
 * That is more regular than Poisson arrivals (sigma 1.28), human think times (about 1) or
 * visits at uniformly random times, so it is the hardest random traffic to tell from a timer
 * (a webmail tab refreshing itself at lognormal gaps). The p-value is exact for it: the
 * probability that the spread between two order statistics of {@code m} independent normals is
 * at most {@code u / sigma}, an integral over the lower one (its density times a binomial tail
 * for the others), computed on a fixed grid ({@link #spreadProbability}). No table, no
 * simulation, and it holds for any number of intervals: few intervals need a tight band, many
 * intervals show regularity even at ±50 % jitter.
 *
 * <p><b>Strays.</b> Every choice of strays is tried, and each is charged by a weighted Bonferroni
 * correction so the result is still a valid p-value: leaving out none costs a factor 2, leaving
 * out {@code j} short and {@code k} long intervals costs {@code 2^(2+j+k)}. At most
 * {@value #MAX_SHORT_STRAYS} short and {@value #MAX_LONG_STRAYS} long strays, and the band must
 * hold at least three quarters of the intervals.
 *
 * <p><b>Robust bands.</b> Those weights leave 3/2048 unused; it pays, in equal shares, for five
 * bands that leave out a fixed share of the intervals, as RITA's quartile-based statistics
 * ignore the outer quarters: the shortest quarter, the shortest half, the longest quarter, the
 * longest half, or the shortest and the longest quarter ({@link #ROBUST}, each charged
 * 5 × 2048 / 3, about 3.5 decades). They find timers whose series holds many extra or
 * missing callbacks: a result posted seconds to minutes after each tasked check-in, one
 * callback in five missed, a sleep that changed part-way. Their p-value is computed on a grid
 * around where the band's lower end lies ({@link #spreadProbabilityNear}), since with hundreds
 * of intervals an inner order statistic is too narrow for the fixed grid.
 *
 * <p>At most the latest {@value #MAX_INTERVALS} intervals are tested (any stretch of a renewal
 * process is a fair sample; more intervals would not change a decision). A pure function:
 * stateless and thread-safe.
 */
final class IntervalTest {
    /** Log-scale spread of the most regular random arrivals the test must not call a timer. */
    static final double SIGMA_RANDOM = 0.7;
    /** Latest intervals tested. */
    static final int MAX_INTERVALS = CorrelateConfig.DEFAULT_MAX_CALLBACKS;
    /** Short intervals the band may leave out. */
    static final int MAX_SHORT_STRAYS = 1;
    /** Long intervals the band may leave out. */
    static final int MAX_LONG_STRAYS = 8;
    /** Evidence is capped here (a p-value of 1e-12: a fixed timer). */
    static final double MAX_EVIDENCE = 12;
    /** A (charged) p-value of this or more is no evidence: under one decade counts as none, and is not computed exactly. */
    static final double MIN_P = 0.1;
    /** Robust bands: the quarters of the intervals each leaves out, {short, long}. */
    private static final int[][] ROBUST = {{1, 0}, {2, 0}, {0, 1}, {0, 2}, {1, 1}};
    /** Charge of each robust band: the five share the 3/2048 the stray options leave. */
    static final double ROBUST_CHARGE = 5 * 2048 / 3.0;
    /**
     * A robust band is computed exactly only when a normal approximation of its p-value, times
     * this, could be under {@link #MIN_P} after the charge (the approximation only screens).
     */
    private static final double SCREEN_SLACK = 1e-3;
    /** The smallest p-value worth finding: under it the evidence is capped anyway. */
    private static final double MIN_CHARGED_P = 1e-12;

    /** Integration grid over the lower order statistic, in standard deviations. */
    private static final double X_FROM = -9;
    private static final double X_TO = 3;
    private static final int STEPS = 600;
    private static final double H = (X_TO - X_FROM) / STEPS;
    private static final double[] LOG_CDF = new double[STEPS + 1];
    private static final double[] LOG_SF = new double[STEPS + 1];
    private static final double[] LOG_PDF = new double[STEPS + 1];
    /** Integrand nodes below e^-30 are left out. */
    private static final double NEGLIGIBLE = -30;
    private static final double TABLE_FROM = X_FROM;
    private static final int TABLE_PER_UNIT = 1024;
    /** {@code ln S(x)} from -9 to 21 (the grid plus any spread tested), for {@link #tableLogSf}. */
    private static final double[] LOG_SF_TABLE = new double[30 * TABLE_PER_UNIT + 1];

    /** {@link #medianSpread} of every option, by intervals, short strays and long strays. */
    private static final double[][][] MEDIAN_SPREAD = new double[MAX_INTERVALS + 1][MAX_SHORT_STRAYS + 1][MAX_LONG_STRAYS + 1];

    /** Median and standard deviation of the spread of each robust band ({@link #ROBUST}), by intervals. */
    private static final double[][] ROBUST_MEDIAN = new double[MAX_INTERVALS + 1][];
    private static final double[][] ROBUST_SD = new double[MAX_INTERVALS + 1][];

    /** {@code ln n!} for every count of intervals tested. */
    private static final double[] LOG_FACTORIAL = new double[MAX_INTERVALS + 1];

    static {
        for (int i = 2; i < LOG_FACTORIAL.length; i++) {
            LOG_FACTORIAL[i] = LOG_FACTORIAL[i - 1] + Math.log(i);
        }
        for (int m = 3; m <= MAX_INTERVALS; m++) {
            for (int j = 0; j <= MAX_SHORT_STRAYS; j++) {
                for (int k = 0; k <= MAX_LONG_STRAYS && m - k > 1 + j; k++) {
                    MEDIAN_SPREAD[m][j][k] = medianSpread(m, 1 + j, m - k);
                }
            }
        }
        for (int m = 3; m <= MAX_INTERVALS; m++) {
            ROBUST_MEDIAN[m] = new double[ROBUST.length];
            ROBUST_SD[m] = new double[ROBUST.length];
            for (int r = 0; r < ROBUST.length; r++) {
                int a = 1 + ROBUST[r][0] * m / 4;
                int b = m - ROBUST[r][1] * m / 4;
                ROBUST_MEDIAN[m][r] = medianSpread(m, a, b);
                ROBUST_SD[m][r] = spreadDeviation(m, a, b);
            }
        }
        for (int i = 0; i < LOG_SF_TABLE.length; i++) {
            LOG_SF_TABLE[i] = logSf(TABLE_FROM + i / (double) TABLE_PER_UNIT);
        }
        for (int i = 0; i <= STEPS; i++) {
            double x = X_FROM + i * H;
            LOG_CDF[i] = logSf(-x);
            LOG_SF[i] = logSf(x);
            LOG_PDF[i] = -0.5 * x * x - 0.5 * Math.log(2 * Math.PI);
        }
    }

    private IntervalTest() {
    }

    /**
     * Holds the outcome: the evidence in decades, the strays left out, and the band the other
     * intervals fill (ratio of its longest to its shortest interval).
     */
    record Result(double evidence, int shortStrays, int longStrays, double band, int tested, double medianMillis) {
    }

    /**
     * Tests intervals.
     *
     * @param intervals intervals between callbacks in time order (ms, each positive); the latest
     *     {@value #MAX_INTERVALS} are used
     * @param n how many of {@code intervals} are filled
     */
    static Result test(double[] intervals, int n) {
        int m = Math.min(n, MAX_INTERVALS);
        if (m < 3) {
            return new Result(0, 0, 0, Double.NaN, m, Double.NaN);
        }
        double[] l = new double[m];
        for (int i = 0; i < m; i++) {
            l[i] = Math.log(Math.max(1, intervals[n - m + i]));
        }
        java.util.Arrays.sort(l);
        int minInBand = Math.max(3, (3 * m + 3) / 4);
        Best best = new Best(Math.exp(l[m - 1] - l[0]));
        for (int j = 0; j <= MAX_SHORT_STRAYS; j++) {
            for (int k = 0; k <= MAX_LONG_STRAYS; k++) {
                int a = 1 + j;
                int b = m - k;
                if (b - a + 1 < minInBand) {
                    break;
                }
                double charge = j == 0 && k == 0 ? 2 : Math.scalb(1.0, 2 + j + k);
                if (charge * MIN_CHARGED_P >= best.p) {
                    continue; // cannot beat what is found already
                }
                double u = (l[b - 1] - l[a - 1]) / SIGMA_RANDOM;
                if (u >= MEDIAN_SPREAD[m][j][k] || charge * lowerBound(m, a, b, u, MEDIAN_SPREAD[m][j][k]) >= MIN_P) {
                    continue; // the charged p-value is 0.1 or more: less than one decade, which counts as none
                }
                best.offer(charge * spreadProbability(m, a, b, u), j, k, Math.exp(l[b - 1] - l[a - 1]));
            }
        }
        for (int r = 0; r < ROBUST.length; r++) {
            int j = ROBUST[r][0] * m / 4;
            int k = ROBUST[r][1] * m / 4;
            int a = 1 + j;
            int b = m - k;
            if (j <= MAX_SHORT_STRAYS && k <= MAX_LONG_STRAYS || b - a + 1 < 3 || ROBUST_CHARGE * MIN_CHARGED_P >= best.p) {
                continue; // the stray options cover it, too few intervals, or it cannot beat what is found
            }
            double u = (l[b - 1] - l[a - 1]) / SIGMA_RANDOM;
            // Screened by the normal approximation of the spread: most bands of random arrivals are
            // wider than the median, and the others rarely in its far tail.
            if (u >= ROBUST_MEDIAN[m][r] || ROBUST_CHARGE * SCREEN_SLACK
                    * Math.exp(logSf((ROBUST_MEDIAN[m][r] - u) / ROBUST_SD[m][r])) >= MIN_P) {
                continue;
            }
            best.offer(ROBUST_CHARGE * spreadProbabilityNear(m, a, b, u), j, k, Math.exp(l[b - 1] - l[a - 1]));
        }
        double evidence = best.p >= MIN_P ? 0 : Math.min(MAX_EVIDENCE, -Math.log10(Math.max(best.p, Double.MIN_NORMAL)));
        double median = (Math.exp(l[(m - 1) / 2]) + Math.exp(l[m / 2])) / 2;
        return new Result(evidence, evidence > 0 ? best.j : 0, evidence > 0 ? best.k : 0, best.band, m, median);
    }

    /** Holds the smallest charged p-value found so far and the band that gave it. */
    private static final class Best {
        double p = 1;
        int j;
        int k;
        double band;

        Best(double band) {
            this.band = band;
        }

        void offer(double p, int j, int k, double band) {
            if (p < this.p) {
                this.p = p;
                this.j = j;
                this.k = k;
                this.band = band;
            }
        }
    }

    /**
     * Returns a lower bound of {@link #spreadProbability}: the chance that the band
     * {@code [c, c+u]} centred where ranks {@code a..b} are expected ({@code centre}) holds all but
     * at most {@code a-1} values below it and {@code m-b} above it, which puts {@code X(b) - X(a)}
     * within {@code u}. A few terms of a multinomial, so a pair whose intervals are plainly
     * irregular costs no integral.
     */
    static double lowerBound(int m, int a, int b, double u, double spread) {
        double centre = inverseCdf((b - 0.375) / (m + 0.25)) - spread / 2;
        double c = centre - u / 2;
        double logBelow = logSf(-c);
        double logAbove = logSf(c + u);
        double inside = 1 - Math.exp(logBelow) - Math.exp(logAbove);
        if (inside <= 0) {
            return 0;
        }
        double logInside = Math.log(inside);
        double sum = 0;
        double logM = logFactorial(m);
        for (int i = 0; i < a; i++) {
            for (int k = 0; k <= m - b; k++) {
                sum += Math.exp(logM - logFactorial(i) - logFactorial(k) - logFactorial(m - i - k) + i * logBelow + k * logAbove
                        + (m - i - k) * logInside);
            }
        }
        return sum;
    }

    private static double logFactorial(int n) {
        return n < LOG_FACTORIAL.length ? LOG_FACTORIAL[n] : logFactorialSlow(n);
    }

    private static double logFactorialSlow(int n) {
        double r = 0;
        for (int i = 2; i <= n; i++) {
            r += Math.log(i);
        }
        return r;
    }

    /** Approximates the median of {@code X(b) - X(a)} for {@code m} standard normals (Blom's plotting positions). */
    static double medianSpread(int m, int a, int b) {
        return inverseCdf((b - 0.375) / (m + 0.25)) - inverseCdf((a - 0.375) / (m + 0.25));
    }

    /**
     * Returns {@code P(X(b) - X(a) <= u)} for the order statistics {@code a < b} (from 1) of
     * {@code m} independent standard normals: the integral over {@code x} of the density of
     * {@code X(a)} at {@code x} times the probability that at most {@code m-b} of the
     * {@code m-a} values above it lie beyond {@code x+u} (each does with probability
     * {@code S(x+u)/S(x)}, independently). Simpson's rule on [-9, 3] in steps of 0.02; relative
     * error well under 1 % wherever the result is above 1e-12.
     */
    static double spreadProbability(int m, int a, int b, double u) {
        if (u <= 0) {
            return 0;
        }
        int n = m - a; // values above X(a)
        int maxBeyond = m - b;
        double logCoef = Math.log(m) + logChoose(m - 1, a - 1);
        double logChooseMax = logChoose(n, maxBeyond);
        double sum = 0;
        for (int s = 0; s <= STEPS; s++) {
            double logDensity = logCoef + (a - 1) * LOG_CDF[s] + n * LOG_SF[s] + LOG_PDF[s];
            if (logDensity < NEGLIGIBLE) {
                continue; // the whole grid's nodes this small add up to less than 1e-13
            }
            // Chance of each value above X(a) = x to lie beyond x+u: S(x+u)/S(x), never above 1.
            double logBeyond = Math.min(0, tableLogSf(X_FROM + s * H + u) - LOG_SF[s]);
            double beyond = Math.exp(logBeyond);
            double logInside = Math.log(1 - beyond); // log1p is no more exact here, where n x beyond matters, and slower
            if (logChooseMax + maxBeyond * logBeyond + (n - maxBeyond) * logInside < NEGLIGIBLE
                    && beyond * n > maxBeyond) {
                continue; // past the mode of the binomial its largest term is this one, and it is negligible
            }
            // P(at most maxBeyond of n beyond): the binomial terms by recurrence from the first.
            double term = Math.exp(n * logInside);
            double ratio = beyond / Math.max(Double.MIN_NORMAL, 1 - beyond);
            double tail = term;
            for (int i = 0; i < maxBeyond; i++) {
                term *= (n - i) / (double) (i + 1) * ratio;
                tail += term;
            }
            double w = s == 0 || s == STEPS ? 1 : (s & 1) == 1 ? 4 : 2;
            sum += w * Math.exp(logDensity) * Math.min(1, tail);
        }
        return Math.min(1, sum * H / 3);
    }

    /**
     * Approximates the standard deviation of {@code X(b) - X(a)} for {@code m} standard normals
     * (the asymptotic covariance of sample quantiles); only to screen the robust bands.
     */
    static double spreadDeviation(int m, int a, int b) {
        double pa = (a - 0.375) / (m + 0.25);
        double pb = (b - 0.375) / (m + 0.25);
        double xa = inverseCdf(pa);
        double xb = inverseCdf(pb);
        double fa = Math.exp(-0.5 * xa * xa) / Math.sqrt(2 * Math.PI);
        double fb = Math.exp(-0.5 * xb * xb) / Math.sqrt(2 * Math.PI);
        double var = (pa * (1 - pa) / (fa * fa) + pb * (1 - pb) / (fb * fb) - 2 * pa * (1 - pb) / (fa * fb)) / m;
        return Math.sqrt(Math.max(var, 1e-12));
    }

    /**
     * Returns {@code P(X(b) - X(a) <= u)} as {@link #spreadProbability} does, on a grid of
     * {@value #NEAR_STEPS} steps over 12 standard deviations either side of where {@code X(a)}
     * is expected, and with the binomial tail summed from its largest term (so hundreds of values
     * beyond neither underflow nor cost a term each).
     */
    static double spreadProbabilityNear(int m, int a, int b, double u) {
        if (u <= 0) {
            return 0;
        }
        int n = m - a;
        int maxBeyond = m - b;
        double pa = (a - 0.375) / (m + 0.25);
        double centre = inverseCdf(pa);
        double sd = Math.sqrt(pa * (1 - pa) / m) / (Math.exp(-0.5 * centre * centre) / Math.sqrt(2 * Math.PI));
        double from = Math.max(X_FROM, centre - 12 * sd);
        double to = Math.min(X_TO + 6, centre + 12 * sd);
        double h = (to - from) / NEAR_STEPS;
        double logCoef = Math.log(m) + logChoose(m - 1, a - 1);
        double sum = 0;
        for (int s = 0; s <= NEAR_STEPS; s++) {
            double x = from + s * h;
            double logSfX = logSf(x);
            double logDensity = logCoef + (a - 1) * logSf(-x) + n * logSfX - 0.5 * x * x - 0.5 * Math.log(2 * Math.PI);
            if (logDensity < NEGLIGIBLE) {
                continue;
            }
            double q = Math.exp(Math.min(0, logSf(x + u) - logSfX)); // each value above x lies beyond x+u
            double w = s == 0 || s == NEAR_STEPS ? 1 : (s & 1) == 1 ? 4 : 2;
            sum += w * Math.exp(logDensity + logBinomialCdf(n, maxBeyond, q));
        }
        return Math.min(1, sum * h / 3);
    }

    /** Grid steps of {@link #spreadProbabilityNear} (even, for Simpson's rule). */
    private static final int NEAR_STEPS = 400;

    /** Returns {@code ln P(B <= k)} for {@code B} binomial with {@code n} trials of probability {@code q}. */
    static double logBinomialCdf(int n, int k, double q) {
        if (k >= n || q <= 0) {
            return 0;
        }
        if (q >= 1) {
            return Double.NEGATIVE_INFINITY;
        }
        int mode = (int) Math.min(n, Math.floor((n + 1) * q));
        int top = Math.min(k, mode); // the largest term of the tail
        double logTop = logFactorial(n) - logFactorial(top) - logFactorial(n - top) + top * Math.log(q) + (n - top) * Math.log1p(-q);
        double sum = 1;
        double term = 1;
        for (int i = top; i > 0; i--) { // below the largest term, the terms fall
            term *= i / (double) (n - i + 1) * ((1 - q) / q);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        term = 1;
        for (int i = top; i < k; i++) { // past the mode, up to k, they fall too
            term *= (n - i) / (double) (i + 1) * (q / (1 - q));
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return logTop + Math.log(sum);
    }

    /** Returns {@link #logSf} from a table (linear between points 1/1024 apart; error under 1e-7). */
    private static double tableLogSf(double x) {
        double f = (x - TABLE_FROM) * TABLE_PER_UNIT;
        if (f <= 0) {
            return LOG_SF_TABLE[0];
        }
        int i = (int) f;
        if (i >= LOG_SF_TABLE.length - 1) {
            return logSf(x);
        }
        double frac = f - i;
        return LOG_SF_TABLE[i] + (LOG_SF_TABLE[i + 1] - LOG_SF_TABLE[i]) * frac;
    }

    private static double logChoose(int n, int k) {
        double r = 0;
        for (int i = 0; i < k; i++) {
            r += Math.log(n - i) - Math.log(i + 1);
        }
        return r;
    }

    /**
     * Returns {@code ln S(x)}, the log of the standard normal's upper tail {@code 1 - Phi(x)}, from
     * the complementary error function (Chebyshev fit, relative error under 1.2e-7 everywhere).
     */
    static double logSf(double x) {
        double z = x / Math.sqrt(2);
        double a = Math.abs(z);
        double t = 1 / (1 + 0.5 * a);
        double logErfc = Math.log(t) - a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223
                + t * 0.17087277))))))));
        if (z >= 0) {
            return logErfc - Math.log(2);
        }
        return Math.log1p(-0.5 * Math.exp(logErfc)); // S(x) = 1 - erfc(|z|)/2 for x < 0
    }

    /** Returns the standard normal quantile (Acklam's rational approximation, relative error about 1e-9). */
    static double inverseCdf(double p) {
        if (p <= 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (p >= 1) {
            return Double.POSITIVE_INFINITY;
        }
        double q;
        double r;
        if (p < 0.02425) {
            q = Math.sqrt(-2 * Math.log(p));
            return (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00) * q
                    - 2.549732539343734e+00) * q + 4.374664141464968e+00) * q + 2.938163982698783e+00)
                    / ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00) * q
                    + 3.754408661907416e+00) * q + 1);
        }
        if (p > 1 - 0.02425) {
            return -inverseCdf(1 - p);
        }
        q = p - 0.5;
        r = q * q;
        return (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02) * r
                + 1.383577518672690e+02) * r - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q
                / (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02) * r
                + 6.680131188771972e+01) * r - 1.328068155288572e+01) * r + 1);
    }
}
