package io.spanwatch.analyzer.report;

import io.spanwatch.sensor.event.EveReader;
import java.io.IOException;

/**
 * Gives a report the events of a span of packet time as typed records: from {@code DIR/eve.json}
 * ({@link EveFileSource}) or from the Lucene index. Both hand the same records to the same
 * {@link Tally}, so the figures agree whatever the source.
 */
public interface EventSource {
    /** Names the source in the report: {@code eve.json} or {@code index}. */
    String name();

    /**
     * Hands every event with a time in {@code [fromNanos, toNanos)}, and every {@code stats} event
     * before {@code toNanos} (the baseline of counter differences), to {@code sink}.
     */
    void read(long fromNanos, long toNanos, Sink sink) throws IOException;

    /** Returns the times of the first and the last event, or null when there is none. */
    long[] span() throws IOException;

    /** Receives what a source reads. */
    interface Sink {
        void event(EveReader.Read event);

        /** A line that was read and is no EVE event (malformed, cut, too long). */
        void unreadable();

        /** A line of an event type SpanWatch does not write (Suricata's {@code dns}, ...). */
        void otherType();
    }
}
