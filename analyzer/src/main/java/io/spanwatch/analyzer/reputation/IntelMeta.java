package io.spanwatch.analyzer.reputation;

/**
 * Holds what a feed says about an indicator besides its value, carried into the alert. Every part
 * is optional (null, or -1 for the confidence). Instances are interned per snapshot, so indicators
 * of one feed that share their description share one object.
 *
 * @param threat the kind of threat as the feed names it ({@code botnet_cc}, {@code malware_download},
 *     a Suricata iprep category, a MISP category, STIX indicator types)
 * @param malware the malware family ({@code QakBot})
 * @param confidence the feed's confidence as it gives it (ThreatFox and STIX 0–100, Suricata iprep
 *     score 1–127), or -1
 * @param tags the feed's tags, comma-separated as written
 * @param description a free-text description (Zeek {@code meta.desc}, STIX {@code name}, MISP comment,
 *     Spamhaus SBL id)
 * @param source who reported it (Zeek {@code meta.source}, MISP event info)
 */
public record IntelMeta(String threat, String malware, int confidence, String tags, String description, String source) {
    /** Carries nothing. */
    public static final IntelMeta NONE = new IntelMeta(null, null, -1, null, null, null);

    /** Returns a description with blank and placeholder parts ({@code None}, {@code n/a}, {@code -}) left out. */
    public static IntelMeta of(String threat, String malware, int confidence, String tags, String description, String source) {
        IntelMeta m = new IntelMeta(clean(threat), clean(malware), confidence < 0 ? -1 : confidence, clean(tags), clean(description),
                clean(source));
        return m.equals(NONE) ? NONE : m;
    }

    private static String clean(String s) {
        if (s == null) {
            return null;
        }
        String t = s.strip();
        return switch (t) {
            case "", "None", "none", "null", "n/a", "N/A", "-", "(empty)" -> null;
            default -> t;
        };
    }
}
