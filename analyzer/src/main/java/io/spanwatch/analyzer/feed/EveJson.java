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
 * EVE webhooks, with long strings cut when the whole would pass {@link #MAX_PAYLOAD_BYTES}
 * ({@code eve.json} keeps them whole). Thread-safe: one event at a time.
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

    /**
     * Returns the event's JSON object, without the line end; when that is over {@link #MAX_PAYLOAD_BYTES},
     * the same object with every string cut to {@link #CUT_CHARS} characters (ending {@value #CUT_MARK}).
     */
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
        return n <= MAX_PAYLOAD_BYTES ? Arrays.copyOf(b, n) : cut(e);
    }

    /**
     * Largest payload sent whole: under Kafka's default record limit (1 MiB, broker and producer) and a
     * web server's usual request limit (nginx's 1 MB). Traffic sets the size of an event (a 64 KB URL, a
     * file name of 65,000 control characters, each written as six bytes): an alert of 1.1 MB was
     * refused by the broker and retried for ever, holding up every alert behind it (adversarial review).
     */
    static final int MAX_PAYLOAD_BYTES = 1_000_000;
    /** Characters a string keeps in a payload that had to be cut. */
    static final int CUT_CHARS = 1024;
    static final String CUT_MARK = "...[cut]";

    private byte[] cut(EveEvent e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try (com.fasterxml.jackson.core.JsonGenerator g = JSON.createGenerator(out, com.fasterxml.jackson.core.JsonEncoding.UTF8)) {
            writer.renderer().render(e, new Cutting(EveWriter.jsonFields(g)));
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return out.toByteArray();
    }

    private static final com.fasterxml.jackson.core.JsonFactory JSON = io.spanwatch.sensor.event.JsonEscapes.factory();

    /** Passes fields on, cutting long strings (at a character boundary, never inside a surrogate pair). */
    private record Cutting(io.spanwatch.sensor.event.FieldWriter to) implements io.spanwatch.sensor.event.FieldWriter {
        @Override
        public void startObject(String name) throws IOException {
            to.startObject(name);
        }

        @Override
        public void endObject() throws IOException {
            to.endObject();
        }

        @Override
        public void startArray(String name) throws IOException {
            to.startArray(name);
        }

        @Override
        public void endArray() throws IOException {
            to.endArray();
        }

        @Override
        public void string(String name, String value) throws IOException {
            if (value != null && value.length() > CUT_CHARS) {
                value = CefRenderer.cut(value, CUT_CHARS) + CUT_MARK;
            }
            to.string(name, value);
        }

        @Override
        public void number(String name, long value) throws IOException {
            to.number(name, value);
        }

        @Override
        public void decimal(String name, double value) throws IOException {
            to.decimal(name, value);
        }

        @Override
        public void bool(String name, boolean value) throws IOException {
            to.bool(name, value);
        }
    }
}
