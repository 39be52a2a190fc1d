package io.spanwatch.sensor.event;

/**
 * Is one event of SpanWatch's output, as a typed, immutable record. Every rendering of an event
 * (EVE JSON by {@link EveWriter}, a Lucene document, an Esper event, a CEF line, a report row) is
 * made from this record; {@link EveRenderer} lays out its EVE fields once for all of them.
 *
 * <p>Records are safe to hand from one thread to another and to keep.
 */
public sealed interface EveEvent permits FlowEvent, HttpEvent, TlsEvent, FileInfoEvent, AnomalyEvent, StatsEvent, AlertEvent,
        IncidentEvent {
    /** Returns the event's time: packet time, as nanoseconds since the epoch. */
    long tsNanos();

    /** Returns the EVE {@code event_type}. */
    String eventType();

    /** Returns the flow's header fields, or null for an event about no flow (stats, incident). */
    EventHeader header();
}
