package io.spanwatch.sensor.event;

import java.util.List;
import java.util.Map;

/**
 * Describes one alert ({@code event_type: alert}) with Suricata's fields and what raised it: a
 * malware verdict (with the file), a reputation hit, a beacon, or a correlation rule.
 *
 * <p>{@code src_ip}/{@code dest_ip} follow Suricata: the direction of the traffic that raised the
 * alert ({@code serverIsSource} for a download, whose sender is the server). A beacon alert is about
 * a client and a destination over many connections: its header has no flow ({@code flowId} 0).
 *
 * @param header the flow (or the client/destination pair), never null
 * @param serverIsSource whether {@code src_*} is the server
 * @param direction {@code to_server}, {@code to_client}, or null
 * @param http the transaction's {@code http} object, or null
 * @param file the file that raised it, or null; {@code verdict} is its scan verdict
 * @param reputation what a feed matched, or null
 * @param beacon the beacon's score, or null
 * @param retro set when the alert was found later than its traffic (retro-hunt, retro-scan), else null
 */
public record AlertEvent(long tsNanos, EventHeader header, boolean serverIsSource, String direction, Signature alert,
        HttpInfo http, FileEvent file, FileVerdict verdict, Reputation reputation, Beacon beacon, Retro retro)
        implements EveEvent {

    /** Alert categories, one per kind (DESIGN.md). */
    public static final String MALWARE = "malware";
    public static final String REPUTATION = "reputation";
    public static final String BEACON = "beacon";
    public static final String CORRELATION = "correlation";

    /**
     * Holds Suricata's {@code alert} object.
     *
     * @param severity 1 (highest) to 3
     * @param metadata Suricata's rule metadata: names to lists of values (may be empty)
     */
    public record Signature(String action, int gid, long signatureId, int rev, String signature, String category,
            int severity, Map<String, List<String>> metadata) {
        /** Describes an alert a passive sensor raised (action {@code allowed}, gid 1, rev 1). */
        public static Signature of(long signatureId, String signature, String category, int severity) {
            return new Signature("allowed", 1, signatureId, 1, signature, category, severity, Map.of());
        }
    }

    /**
     * Describes a reputation hit.
     *
     * @param indicator the indicator as the feed wrote it
     * @param type {@code ip}, {@code cidr}, {@code domain}, {@code url}, {@code md5}, {@code sha1} or {@code sha256}
     * @param feed the feed's file name
     * @param field the EVE field that matched, e.g. {@code http.hostname}
     * @param threat the feed's threat or malware name, or null
     */
    public record Reputation(String indicator, String type, String feed, String field, String threat) {
    }

    /**
     * Describes a beacon: an internal client calling one destination at regular intervals.
     *
     * @param host HTTP Host without port, or the server address when there was no Host
     * @param score 0 to 1
     * @param connections callbacks counted
     * @param intervalSeconds median interval between callbacks
     * @param parts the score's parts by name, in the order to show them
     */
    public record Beacon(String host, String destIp, int destPort, double score, long connections, double intervalSeconds,
            long firstSeenNanos, long lastSeenNanos, Map<String, Double> parts) {
    }

    /**
     * Marks an alert found after its traffic had passed: a retro-hunt hit (an indicator that arrived
     * later) or a retro-scan hit (a file found infected by newer signatures).
     *
     * @param detectedNanos when it was found
     * @param reason what made it found, e.g. {@code indicator added} or {@code database 27500}
     */
    public record Retro(long detectedNanos, String reason) {
    }

    @Override
    public String eventType() {
        return "alert";
    }
}
