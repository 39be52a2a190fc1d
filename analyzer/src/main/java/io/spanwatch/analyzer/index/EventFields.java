package io.spanwatch.analyzer.index;

import java.util.Set;

/** Names the index's own fields and the EVE fields that free text (a query without a field) searches. */
public final class EventFields {
    private EventFields() {
    }

    /** The event's time ({@link FieldKind#TIME}): the index sort, newest first. */
    public static final String TIMESTAMP = "timestamp";
    /** The event id: 16 bytes, as a term (found by id, replaced on import). Not stored: it is the hash of the source. */
    public static final String ID = "_id";
    /** The first 8 bytes of the id as a number (doc values): the tie-break of the sort, cheaper to sort than bytes. */
    public static final String TIEBREAK = "_tb";
    /** The event's EVE JSON, stored. */
    public static final String SOURCE = "_source";
    /** Analysed text of {@link #TEXT_FIELDS}: what a query term without a field searches. */
    public static final String TEXT = "_text";

    /**
     * The EVE fields copied into {@link #TEXT}: URLs, hosts, user agents, referers, file names,
     * signatures, TLS server names, certificate names and client fingerprints (JA3, JA4), and the hashes and indicators an analyst pastes.
     */
    public static final Set<String> TEXT_FIELDS = Set.of(
            "http.url", "http.hostname", "http.http_user_agent", "http.http_refer",
            "fileinfo.filename", "files.filename", "alert.signature", "verdict.signatures", "fileinfo.verdict.signatures",
            "fileinfo.sha256", "fileinfo.md5", "fileinfo.sha1", "files.sha256",
            "reputation.indicator", "beacon.host", "incident.summary", "anomaly.event", "tls.sni", "tls.subject", "tls.issuerdn",
            "tls.ja3.hash", "tls.ja4");
}
