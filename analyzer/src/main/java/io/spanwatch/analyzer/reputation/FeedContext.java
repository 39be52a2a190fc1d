package io.spanwatch.analyzer.reputation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Collects what one feed file yields: its indicators go into the snapshot being built; malformed
 * and unsupported lines are counted, and the first few are kept with their line number and reason
 * for the report and the log. Used by the one thread that reads the feed.
 */
final class FeedContext {
    final String name;
    final String path;
    final SnapshotBuilder builder;
    final int feed;
    final int maxProblems;
    /** Suricata iprep categories read so far in this load: id to {short name, description}. */
    final Map<Integer, String[]> iprepCategories;
    String format = "unknown";
    long indicators;
    long duplicates;
    long malformed;
    long unsupported;
    long dropped;
    final List<String> problems = new ArrayList<>();

    FeedContext(String name, String path, SnapshotBuilder builder, int feed, int maxProblems, Map<Integer, String[]> iprepCategories) {
        this.name = name;
        this.path = path;
        this.builder = builder;
        this.feed = feed;
        this.maxProblems = maxProblems;
        this.iprepCategories = iprepCategories;
    }

    /** Adds a value the feed lists; a value that is not an indicator is counted as malformed. */
    void indicator(int line, Indicators.Hint hint, String value, IntelMeta meta) {
        try {
            switch (Indicators.add(builder, hint, value, feed, meta)) {
                case ADDED -> indicators++;
                case DUPLICATE -> duplicates++;
                case DROPPED -> dropped++;
            }
        } catch (IndicatorException e) {
            if (e.unsupported()) {
                unsupported(line, e.getMessage() + ": " + clip(value));
            } else {
                malformed(line, e.getMessage() + ": " + clip(value));
            }
        }
    }

    /** Counts a line that could not be read. */
    void malformed(int line, String why) {
        malformed++;
        problem(line, why);
    }

    /** Counts an entry of a kind that is not matched. */
    void unsupported(int line, String why) {
        unsupported++;
        problem(line, "unsupported: " + why);
    }

    private void problem(int line, String why) {
        if (problems.size() < maxProblems) {
            problems.add((line > 0 ? "line " + line + ": " : "") + why);
        }
    }

    /** Returns the report of a feed that was read. */
    FeedReport report() {
        return new FeedReport(name, path, format, indicators, duplicates, malformed, unsupported, dropped, List.copyOf(problems), null,
                false);
    }

    /** Shortens a value for a message and makes control characters visible. */
    static String clip(String s) {
        String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        StringBuilder b = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            b.append(DomainName.printable(t.charAt(i)));
        }
        return b.toString();
    }
}
