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
 * no automaton) and refused when it is longer than {@link #MAX_CHARS} or would be written out to
 * more than {@link #MAX_POSITIONS} positions (a character or class is one position, a repeat
 * multiplies its operand's by its count, {@code {n,}} by n + 1).
 *
 * <p>A refusal is an {@link IllegalArgumentException}, which the parser reports as a bad query.
 * Stateless.
 */
final class BoundedRegexpBuilder implements StandardQueryBuilder {
    /** Longest regular expression accepted (also bounds the recursion of Lucene's parser and of the walk). */
    static final int MAX_CHARS = 1_000;
    /** Most positions a regular expression may be written out to. */
    static final int MAX_POSITIONS = 1_000;

    private final RegexpQueryNodeBuilder lucene = new RegexpQueryNodeBuilder();

    @Override
    public Query build(QueryNode node) throws QueryNodeException {
        check(((RegexpQueryNode) node).getText().toString());
        return lucene.build(node);
    }

    /** Throws when {@code regexp} is too long or would be written out too large. */
    static void check(String regexp) {
        if (regexp.length() > MAX_CHARS) {
            throw new IllegalArgumentException("regular expression longer than " + MAX_CHARS + " characters");
        }
        if (positions(new RegExp(regexp, RegExp.ALL)) > MAX_POSITIONS) {
            throw new IllegalArgumentException("regular expression too large: repeats write it out to more than "
                    + MAX_POSITIONS + " positions; use smaller counts");
        }
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
}
