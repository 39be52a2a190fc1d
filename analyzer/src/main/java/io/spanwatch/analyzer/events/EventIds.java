package io.spanwatch.analyzer.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import io.spanwatch.sensor.event.FieldWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names an event by what it says: the id is the first 128 bits of a SHA-256 over the event's EVE
 * fields in order, as 32 lowercase hex digits. The same event always gets the same id, whether it is
 * computed from the typed record (as {@link EveRenderer} lays it out) or from its EVE JSON line as
 * written to {@code eve.json}, so a feed's receiver can drop a repeat and the console can name an
 * event it imported from a file. Two events differ in id whenever they differ in any field.
 *
 * <p>What is hashed (keep it stable: receivers and indexes store these ids): for each field in
 * order a tag byte ({@code O}/{@code o} object start/end, {@code A}/{@code a} array start/end,
 * {@code S} string, {@code N} whole number, {@code D} decimal, {@code T}/{@code F} booleans,
 * {@code Z} null), then the field's name (byte 0 for none, else byte 1, its UTF-8 length as 4 bytes
 * big-endian and its UTF-8 bytes), then the value: a string as its UTF-8 length and bytes, a whole
 * number as 8 bytes big-endian, a decimal as the 8 bytes of its IEEE 754 bits. A decimal that is not
 * finite is hashed as the string JSON writes for it ({@code "NaN"}). JSON text layout (spaces, escapes,
 * number spelling) does not matter; field order does.
 *
 * <p>Because {@code flow_id} is part of an event, as in Suricata a new analysis of the same capture
 * gives new flow ids and so new event ids; the same event re-sent (a feed's retry) keeps its id.
 *
 * <p>Thread-safe.
 */
public final class EventIds {
    /** Characters in an id. */
    public static final int LENGTH = 32;

    private static final JsonFactory JSON = new JsonFactory();

    private EventIds() {
    }

    /** Returns the id of {@code e} as {@code renderer} writes it (the renderer of the run's eve.json). */
    public static String of(EveEvent e, EveRenderer renderer) {
        Digest d = new Digest();
        try {
            renderer.render(e, d);
        } catch (IOException x) {
            throw new UncheckedIOException(x); // the digest writer does no I/O
        }
        return d.id();
    }

    /** Returns the id of one EVE JSON object (a line of eve.json, SpanWatch's or Suricata's). */
    public static String ofJson(byte[] json) throws IOException {
        Digest d = new Digest();
        try (JsonParser p = JSON.createParser(json)) {
            int depth = 0;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                // The name a value (or an object or array) has in its parent object; null in an array or at the root.
                String name = t == JsonToken.FIELD_NAME || t.isStructEnd() ? null : p.currentName();
                switch (t) {
                    case START_OBJECT -> {
                        d.startObject(name);
                        depth++;
                    }
                    case END_OBJECT -> {
                        d.endObject();
                        depth--;
                    }
                    case START_ARRAY -> {
                        d.startArray(name);
                        depth++;
                    }
                    case END_ARRAY -> {
                        d.endArray();
                        depth--;
                    }
                    case VALUE_STRING -> d.string(name, p.getText());
                    case VALUE_NUMBER_INT -> {
                        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                            d.string(name, p.getText());
                        } else {
                            d.number(name, p.getLongValue());
                        }
                    }
                    case VALUE_NUMBER_FLOAT -> d.decimal(name, p.getDoubleValue());
                    case VALUE_TRUE, VALUE_FALSE -> d.bool(name, t == JsonToken.VALUE_TRUE);
                    case VALUE_NULL -> d.nul(name);
                    default -> {
                        // FIELD_NAME: the name goes with the value that follows
                    }
                }
                if (depth == 0) {
                    break; // one object only
                }
            }
        }
        return d.id();
    }

    /** Returns the id of one EVE JSON object given as text. */
    public static String ofJson(String json) throws IOException {
        return ofJson(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Tells whether {@code s} looks like an id (32 lowercase hex digits). */
    public static boolean isId(String s) {
        if (s == null || s.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** Feeds the field stream to SHA-256 in the encoding the class guide describes. */
    private static final class Digest implements FieldWriter {
        private final MessageDigest md;
        private final byte[] eight = new byte[8];

        Digest() {
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JDK", e);
            }
        }

        String id() {
            return HexFormat.of().formatHex(md.digest(), 0, LENGTH / 2);
        }

        private void tag(char t, String name) {
            md.update((byte) t);
            if (name == null) {
                md.update((byte) 0);
            } else {
                md.update((byte) 1);
                bytes(name);
            }
        }

        private void bytes(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            long n = b.length;
            md.update((byte) (n >>> 24));
            md.update((byte) (n >>> 16));
            md.update((byte) (n >>> 8));
            md.update((byte) n);
            md.update(b);
        }

        private void long8(long v) {
            for (int i = 7; i >= 0; i--) {
                eight[i] = (byte) v;
                v >>>= 8;
            }
            md.update(eight);
        }

        @Override
        public void startObject(String name) {
            tag('O', name);
        }

        @Override
        public void endObject() {
            md.update((byte) 'o');
        }

        @Override
        public void startArray(String name) {
            tag('A', name);
        }

        @Override
        public void endArray() {
            md.update((byte) 'a');
        }

        @Override
        public void string(String name, String value) {
            tag('S', name);
            bytes(value);
        }

        @Override
        public void number(String name, long value) {
            tag('N', name);
            long8(value);
        }

        @Override
        public void decimal(String name, double value) {
            if (!Double.isFinite(value)) {
                string(name, Double.toString(value)); // Jackson writes "NaN", "Infinity", "-Infinity"
                return;
            }
            tag('D', name);
            long8(Double.doubleToLongBits(value == 0.0 ? 0.0 : value));
        }

        @Override
        public void bool(String name, boolean value) {
            tag(value ? 'T' : 'F', name);
        }

        void nul(String name) {
            tag('Z', name);
        }
    }
}
