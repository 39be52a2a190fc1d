package io.spanwatch.analyzer.feed;

import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import io.spanwatch.sensor.event.EveWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Renders one event as its EVE JSON object, exactly as {@code eve.json} has it (the same
 * {@link EveWriter} and {@link EveRenderer} layout), for payloads that carry EVE: Kafka values and
 * EVE webhooks. Thread-safe: one event at a time.
 */
final class EveJson {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
    private final EveWriter writer;

    EveJson(String sensorName, boolean live) {
        try {
            this.writer = new EveWriter(buffer, sensorName, live);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the layout, for event ids ({@link io.spanwatch.analyzer.events.EventIds}). */
    EveRenderer renderer() {
        return writer.renderer();
    }

    /** Returns the event's JSON object, without the line end. */
    synchronized byte[] render(EveEvent e) {
        writer.accept(e);
        writer.flush();
        byte[] b = buffer.toByteArray();
        buffer.reset();
        int n = b.length;
        while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r')) {
            n--;
        }
        if (n == 0) {
            throw new IllegalStateException("event could not be rendered: " + e.eventType());
        }
        return Arrays.copyOf(b, n);
    }
}
