package io.spanwatch.sensor.event;

/**
 * Describes one anomaly ({@code event_type: anomaly}): a malformed packet, a stream that broke a
 * rule, an application-layer protocol violation, or a limit that was hit.
 *
 * @param header the flow, or a header with only the packet's addresses ({@link EventHeader#packet})
 *        for a packet no flow was made for, or null when not even those could be read
 * @param type {@code decode}, {@code stream}, {@code applayer} or {@code internal}
 * @param event the anomaly's stable name, e.g. {@code decoder.ipv4.trunc_pkt}
 */
public record AnomalyEvent(long tsNanos, EventHeader header, String type, String event) implements EveEvent {
    @Override
    public String eventType() {
        return "anomaly";
    }
}
