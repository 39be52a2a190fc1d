package io.spanwatch.analyzer.index;

import org.apache.lucene.queryparser.flexible.core.QueryNodeException;
import org.apache.lucene.queryparser.flexible.core.nodes.QueryNode;
import org.apache.lucene.queryparser.flexible.standard.builders.RegexpQueryNodeBuilder;
import org.apache.lucene.queryparser.flexible.standard.builders.StandardQueryBuilder;
import org.apache.lucene.queryparser.flexible.standard.nodes.RegexpQueryNode;
import org.apache.lucene.search.Query;
import org.apache.lucene.util.automaton.RegExp;

/**
 * Builds a regular expression query ({@code http.url:/.*\.exe/}) only when its automaton stays
 * small: Lucene builds the automaton when the query is made, and a repeat writes its operand out
 * once per count, so {@code a{99999}} takes seconds and {@code a{2147483647}} or
 * {@code .{0,1000}{0,1000}} the whole heap, before the determinization limit (Lucene's 10,000 steps
 * of work, kept) is ever reached. The expression is parsed first (Lucene's own {@link RegExp}, cheap:
 * no automaton) and refused when it is longer than {@link #MAX_CHARS}, would be written out to more
 * than {@link #MAX_POSITIONS} positions (a character or class is one position, a repeat multiplies its
 * operand's by its count, {@code {n,}} by n + 1), or to more than {@link #MAX_STARS} unbounded repeats
 * ({@code *}, {@code +}, {@code {n,}}): their cost grows with the square of their number, and
 * {@code (.*){1000}}, 1,000 positions, took 0.85 s to build (100 stars 16 ms, 30 stars 1.7 ms). One
 * query's expressions together may use {@link #MAX_QUERY_POSITIONS} and {@link #MAX_QUERY_STARS}, so
 * that many small ones in one query (an 8 KiB query holds hundreds) cannot add up either.
 *
 * <p>A refusal is an {@link IllegalArgumentException}, which the parser reports as a bad query.
 * One builder per parse (it adds up the query's expressions); not thread-safe.
 */
final class BoundedRegexpBuilder implements StandardQueryBuilder {
    /** Longest regular expression accepted (also bounds the recursion of Lucene's parser and of the walk). */
    static final int MAX_CHARS = 1_000;
    /** Most positions a regular expression may be written out to. */
    static final int MAX_POSITIONS = 1_000;
    /** Most unbounded repeats a regular expression may be written out to. */
    static final int MAX_STARS = 50;
    /** Most positions of all the regular expressions of one query. */
    static final int MAX_QUERY_POSITIONS = 4 * MAX_POSITIONS;
    /** Most unbounded repeats of all the regular expressions of one query. */
    static final int MAX_QUERY_STARS = 4 * MAX_STARS;

    private final RegexpQueryNodeBuilder lucene = new RegexpQueryNodeBuilder();
    private long queryPositions;
    private long queryStars;

    @Override
    public Query build(QueryNode node) throws QueryNodeException {
        long[] cost = check(((RegexpQueryNode) node).getText().toString());
        queryPositions += cost[0];
        queryStars += cost[1];
        if (queryPositions > MAX_QUERY_POSITIONS || queryStars > MAX_QUERY_STARS) {
            throw new IllegalArgumentException("regular expressions too large together: one query's may be written out to "
                    + MAX_QUERY_POSITIONS + " positions and " + MAX_QUERY_STARS + " unbounded repeats in all");
        }
        return lucene.build(node);
    }

    /**
     * Throws when {@code regexp} is too long or would be written out too large; returns its positions
     * and unbounded repeats.
     */
    static long[] check(String regexp) {
        if (regexp.length() > MAX_CHARS) {
            throw new IllegalArgumentException("regular expression longer than " + MAX_CHARS + " characters");
        }
        RegExp e = new RegExp(regexp, RegExp.ALL);
        long positions = positions(e);
        if (positions > MAX_POSITIONS) {
            throw new IllegalArgumentException("regular expression too large: repeats write it out to more than "
                    + MAX_POSITIONS + " positions; use smaller counts");
        }
        long stars = stars(e);
        if (stars > MAX_STARS) {
            throw new IllegalArgumentException("regular expression too large: more than " + MAX_STARS
                    + " unbounded repeats (*, +, {n,}) once written out; use fewer");
        }
        return new long[] {positions, stars};
    }

    /** Returns the positions {@code e} is written out to, saturating just past the bound. */
    private static long positions(RegExp e) {
        long n = switch (e.kind) {
            case REGEXP_REPEAT_MIN -> positions(e.exp1) * ((long) e.min + 1);
            case REGEXP_REPEAT_MINMAX -> positions(e.exp1) * Math.max(1L, e.max);
            case REGEXP_STRING -> e.s.length();
            default -> Math.max(1L, (e.exp1 == null ? 0 : positions(e.exp1)) + (e.exp2 == null ? 0 : positions(e.exp2)));
        };
        return Math.min(n, MAX_POSITIONS + 1L);
    }

    /** Returns the unbounded repeats {@code e} is written out to, saturating just past the bound. */
    private static long stars(RegExp e) {
        long n = switch (e.kind) {
            case REGEXP_REPEAT -> 1 + stars(e.exp1);
            case REGEXP_REPEAT_MIN -> 1 + stars(e.exp1) * ((long) e.min + 1);
            case REGEXP_REPEAT_MINMAX -> stars(e.exp1) * Math.max(1L, e.max);
            default -> (e.exp1 == null ? 0 : stars(e.exp1)) + (e.exp2 == null ? 0 : stars(e.exp2));
        };
        return Math.min(n, MAX_STARS + 1L);
    }
}
