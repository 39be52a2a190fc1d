package io.spanwatch.sensor.event;

import java.util.Map;

/**
 * Carries the counters of every stage at one moment ({@code event_type: stats}). Dotted names
 * ({@code capture.kernel_drops}) nest into objects in EVE.
 *
 * @param counters counter values by dotted name; not copied, so pass a map nobody changes later
 */
public record StatsEvent(long tsNanos, long uptimeSeconds, Map<String, Long> counters) implements EveEvent {
    @Override
    public String eventType() {
        return "stats";
    }

    @Override
    public EventHeader header() {
        return null;
    }
}
