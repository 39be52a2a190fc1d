package io.spanwatch.sensor.event;

import java.util.List;

/**
 * Joins what one internal host did into one story ({@code event_type: incident}, a SpanWatch
 * addition to EVE), e.g. a malware download followed by callbacks to a command server.
 *
 * @param tsNanos when the incident was recognised (packet time)
 * @param host the internal host
 * @param kind e.g. {@code download-then-callback}
 * @param severity 1 (highest) to 3, as alerts
 * @param summary one sentence for a person
 * @param alerts the alerts it joins, in time order
 */
public record IncidentEvent(long tsNanos, String host, String kind, long firstSeenNanos, long lastSeenNanos, int severity,
        String summary, List<Part> alerts) implements EveEvent {

    /**
     * Names one alert an incident joins.
     *
     * @param flowId the alert's flow, 0 when none
     * @param sha256 for a file: its sha256, else null
     * @param url for a file: where it came from, else null
     * @param callbackHost for a callback: the host called, else null
     */
    public record Part(String signature, String category, long tsNanos, long flowId, String sha256, String url,
            String callbackHost) {
    }

    @Override
    public String eventType() {
        return "incident";
    }

    @Override
    public EventHeader header() {
        return null;
    }
}
