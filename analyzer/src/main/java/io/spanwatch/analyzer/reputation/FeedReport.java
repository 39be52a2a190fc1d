package io.spanwatch.analyzer.reputation;

import java.util.List;

/**
 * Says how one feed file loaded.
 *
 * @param name the file name (what alerts call the feed)
 * @param path where it was read from
 * @param format the format recognised from its content ({@link FeedFormat#id()})
 * @param indicators indicators taken in
 * @param duplicates indicators the feed listed more than once (kept once)
 * @param malformed lines (or objects) that could not be read
 * @param unsupported well-formed entries of a kind SpanWatch does not match (a STIX pattern with
 *     {@code AND}, an e-mail address in a MISP export, a Zeek {@code Intel::EMAIL}...)
 * @param dropped indicators left out because {@code intel.max-indicators} was reached
 * @param problems the first malformed or unsupported lines, each as {@code line N: why}
 * @param error why the file could not be read at all, or null
 * @param keptPrevious true when it could not be read and its previous version stays in force
 */
public record FeedReport(String name, String path, String format, long indicators, long duplicates, long malformed,
        long unsupported, long dropped, List<String> problems, String error, boolean keptPrevious) {

    /** Returns a one-line summary for logs and the command line. */
    public String summary() {
        if (error != null) {
            return name + ": " + error + (keptPrevious ? " (previous version kept)" : "");
        }
        StringBuilder b = new StringBuilder(name).append(" (").append(format).append("): ").append(indicators).append(" indicators");
        if (duplicates > 0) {
            b.append(", ").append(duplicates).append(" duplicates");
        }
        if (malformed > 0) {
            b.append(", ").append(malformed).append(" malformed");
        }
        if (unsupported > 0) {
            b.append(", ").append(unsupported).append(" unsupported");
        }
        if (dropped > 0) {
            b.append(", ").append(dropped).append(" dropped (intel.max-indicators)");
        }
        return b.toString();
    }
}
