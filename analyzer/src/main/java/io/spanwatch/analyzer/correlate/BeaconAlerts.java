package io.spanwatch.analyzer.correlate;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EventHeader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Makes the {@code alert} event of a beacon: category {@code beacon}, {@code src_ip} the internal client. */
final class BeaconAlerts {
    /** The beacon alert's signature and id (SpanWatch's own range, 9,100,000 and up). */
    static final String SIGNATURE = "SpanWatch beacon: periodic callbacks from an internal host";
    static final long SIGNATURE_ID = 9_100_001L;
    /** The signature of a beacon found on a server address whose callbacks rotate over host names. */
    static final String ROTATION_SIGNATURE = "SpanWatch beacon: periodic callbacks rotating over host names of one address";
    static final long ROTATION_SIGNATURE_ID = 9_100_002L;

    private BeaconAlerts() {
    }

    static AlertEvent of(BeaconTracker.Pair p, BeaconScorer.Score s, long atMillis) {
        return of(p, s, atMillis, p.key().host(), List.of());
    }

    /**
     * Makes the alert of a beacon to {@code host}; {@code names}, when not empty, are the host names
     * whose callbacks to one address made it (a rotation, found on the address pair {@code p}): the
     * alert's metadata lists them under {@code names_on_address}.
     */
    static AlertEvent of(BeaconTracker.Pair p, BeaconScorer.Score s, long atMillis, String host, List<String> names) {
        EventHeader h = EventHeader.pair(p.key().client(), p.destIp(), p.destPort(), p.proto(), p.ipVersion(), p.appProto());
        // Severity: 2; a beacon with a near-perfect score (a fixed timer) is 1.
        int severity = s.score() >= 0.95 ? 1 : 2;
        Map<String, List<String>> meta = new LinkedHashMap<>();
        if (p.capped()) {
            meta.put("limit_hit", List.of("correlate.beacon.max-callbacks"));
        }
        if (!names.isEmpty()) {
            meta.put("names_on_address", names);
        }
        AlertEvent.Signature sig = names.isEmpty()
                ? new AlertEvent.Signature("allowed", 1, SIGNATURE_ID, 1, SIGNATURE, AlertEvent.BEACON, severity, meta)
                : new AlertEvent.Signature("allowed", 1, ROTATION_SIGNATURE_ID, 1, ROTATION_SIGNATURE, AlertEvent.BEACON, severity, meta);
        AlertEvent.Beacon b = new AlertEvent.Beacon(host, p.destIp(), p.destPort(), s.score(), s.callbacks(),
                s.intervalMillis() / 1000.0, s.firstMillis() * 1_000_000, s.lastMillis() * 1_000_000, s.parts());
        return new AlertEvent(atMillis * 1_000_000, h, false, null, sig, null, null, null, null, b, null);
    }
}
