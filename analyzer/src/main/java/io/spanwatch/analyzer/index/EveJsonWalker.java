package io.spanwatch.analyzer.index;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.spanwatch.sensor.event.FieldWriter;
import java.io.IOException;

/**
 * Walks one EVE JSON line (SpanWatch's or Suricata's) through a {@link FieldWriter} in the order it
 * is written: the same calls {@link io.spanwatch.sensor.event.EveRenderer} makes for a typed event,
 * so an imported line and a live event make the same document. {@code null} values are skipped;
 * integers too large for 64 bits are passed as text.
 *
 * <p>Thread-safe (the factory is shared; each call has its own parser).
 */
public final class EveJsonWalker {
    /** Nesting allowed in one line: EVE nests a few levels; a deeper line is not an event. */
    public static final int MAX_DEPTH = 32;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
                    .maxStringLength(IndexConfig.MAX_EVENT_BYTES).build())
            .build();

    private EveJsonWalker() {
    }

    /**
     * Walks {@code json[off, off+len)}, which must be one JSON object.
     *
     * @throws IOException when it is not one well-formed JSON object (what was walked so far is
     *         partial: the caller discards it)
     */
    public static void walk(byte[] json, int off, int len, FieldWriter w) throws IOException {
        try (JsonParser p = FACTORY.createParser(json, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            w.startObject(null);
            object(p, w);
            if (p.nextToken() != null) {
                throw new IOException("more than one JSON value on the line");
            }
        }
    }

    /** Walks an object's members up to and including its end. */
    private static void object(JsonParser p, FieldWriter w) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            value(p, p.nextToken(), name, w);
        }
        if (t != JsonToken.END_OBJECT) {
            throw new IOException("unterminated object");
        }
        w.endObject();
    }

    private static void value(JsonParser p, JsonToken t, String name, FieldWriter w) throws IOException {
        if (t == null) {
            throw new IOException("unexpected end of line");
        }
        switch (t) {
            case START_OBJECT -> {
                w.startObject(name);
                object(p, w);
            }
            case START_ARRAY -> {
                w.startArray(name);
                JsonToken item;
                while ((item = p.nextToken()) != JsonToken.END_ARRAY) {
                    value(p, item, null, w);
                }
                w.endArray();
            }
            case VALUE_STRING -> w.string(name, p.getText());
            case VALUE_NUMBER_INT -> {
                if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    w.string(name, p.getText());
                } else {
                    w.number(name, p.getLongValue());
                }
            }
            case VALUE_NUMBER_FLOAT -> w.decimal(name, p.getDoubleValue());
            case VALUE_TRUE -> w.bool(name, true);
            case VALUE_FALSE -> w.bool(name, false);
            case VALUE_NULL -> { }
            default -> throw new IOException("unexpected " + t);
        }
    }
}
