package io.spanwatch.sensor.event;

/**
 * Describes one TLS handshake ({@code event_type: tls}), written once the server's hello was read,
 * or when the connection ended without one.
 *
 * @param tsNanos time of the ClientHello
 */
public record TlsEvent(long tsNanos, EventHeader header, TlsInfo tls) implements EveEvent {
    @Override
    public String eventType() {
        return "tls";
    }
}
