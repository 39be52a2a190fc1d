package io.spanwatch.sensor.event;

/**
 * Describes one finished HTTP transaction ({@code event_type: http}).
 *
 * @param tsNanos time of the request (of the response when no request was seen)
 */
public record HttpEvent(long tsNanos, EventHeader header, HttpInfo http) implements EveEvent {
    @Override
    public String eventType() {
        return "http";
    }
}
