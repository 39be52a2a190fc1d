package io.spanwatch.sensor.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * Which characters SpanWatch's JSON writes as {@code \}{@code uXXXX} escapes beyond what JSON
 * requires: DEL and the C1 controls (NEL among them), the line and paragraph separators U+2028 and
 * U+2029, and the bidirectional marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F,
 * U+202A to U+202E, U+2066 to U+2069).
 *
 * <p>The values are the same to every JSON reader; the lines are not the same to everything else that
 * reads them. Python's {@code str.splitlines} and many log shippers end a line at NEL, U+2028 and
 * U+2029, so a URL carrying one split an {@code eve.json} line in two; and an override in a file name
 * reverses what {@code less}, {@code grep} or a SIEM's raw view shows of the rest of the line.
 * Suricata writes these raw; escaping them costs a reader nothing.
 */
public final class JsonEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private static final JsonEscapes INSTANCE = new JsonEscapes();
    private static final SerializableString[] LOW = new SerializableString[0xA0];
    /** U+2000 to U+206F: the separators and text-direction characters among them (made once each: traffic decides how many). */
    private static final SerializableString[] PUNCTUATION = new SerializableString[0x70];
    private static final SerializableString ARABIC_MARK = escape(0x061C);
    private final int[] ascii;

    static {
        for (int c = 0x80; c < 0xA0; c++) {
            LOW[c] = escape(c);
        }
        for (int c = 0x2000; c < 0x2070; c++) {
            PUNCTUATION[c - 0x2000] = escaped(c) ? escape(c) : null;
        }
    }

    private JsonEscapes() {
        ascii = standardAsciiEscapesForJSON();
        ascii[0x7F] = ESCAPE_STANDARD;
    }

    /** Returns a JSON factory whose generators use these escapes. */
    public static JsonFactory factory() {
        // Characters past the BMP are written as their two escaped halves, as Jackson does by default.
        // Not JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8: in jackson-core 2.20.1 it joins a lone
        // high half with the next high half (U+D800 U+D800 U+DE00 came out as U+10000 U+DE00), and EVE
        // imported from elsewhere can hold lone halves.
        return new JsonFactoryBuilder().characterEscapes(INSTANCE).build();
    }

    /** Tells whether {@code c} is written escaped (beyond the C0 controls, quote and backslash JSON escapes). */
    public static boolean escaped(int c) {
        return c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0x2028 || c == 0x2029 || isBidiControl(c);
    }

    /** Tells whether {@code c} is one of Unicode's bidirectional formatting characters. */
    public static boolean isBidiControl(int c) {
        return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
    }

    @Override
    public int[] getEscapeCodesForAscii() {
        return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
        if (ch < 0xA0) {
            return LOW[ch];
        }
        if (ch >= 0x2000 && ch < 0x2070) {
            return PUNCTUATION[ch - 0x2000];
        }
        return ch == 0x061C ? ARABIC_MARK : null;
    }

    private static SerializableString escape(int c) {
        return new SerializedString(String.format("\\u%04X", c)); // as Jackson writes the C0 controls
    }
}
