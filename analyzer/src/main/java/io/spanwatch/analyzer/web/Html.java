package io.spanwatch.analyzer.web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Builds HTML where every value is text: {@link #text} escapes markup characters and shows control
 * and bidirectional-override characters as visible {@code \\uXXXX} (so a file name cannot pose as
 * another with U+202E), {@link #attr} does the same for a quoted attribute. Only the console's own
 * fixed markup goes in through {@link #raw}. Nothing from traffic ever becomes markup, a URL the
 * page links to, a style or a script.
 *
 * <p>Not thread-safe; one per page.
 */
public final class Html {
    private final StringBuilder sb = new StringBuilder(8192);

    /** Appends fixed markup of the console (never a value). */
    public Html raw(String markup) {
        sb.append(markup);
        return this;
    }

    /** Appends {@code value} as text. */
    public Html text(String value) {
        escape(sb, value);
        return this;
    }

    /** Appends {@code value} as the text of a quoted attribute. */
    public Html attr(String value) {
        escape(sb, value);
        return this;
    }

    /** Appends a link to a path of this console (built from {@link #path}/{@link #query} parts) with {@code text} as its text. */
    public Html link(String href, String text) {
        sb.append("<a href=\"");
        escape(sb, href);
        sb.append("\">");
        escape(sb, text);
        sb.append("</a>");
        return this;
    }

    @Override
    public String toString() {
        return sb.toString();
    }

    /** Escapes {@code s} for HTML text or a double- or single-quoted attribute. */
    public static void escape(StringBuilder out, String s) {
        if (s == null) {
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                case '`' -> out.append("&#96;");
                default -> {
                    if (hiddenPair(s, i)) {
                        out.append("\\u").append(String.format("%04x", (int) c)).append("\\u").append(String.format("%04x", (int) s.charAt(++i)));
                    } else if (shownEscaped(c)) {
                        out.append("\\u").append(String.format("%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }

    /**
     * Whether {@link #escape} shows {@code c} as {@code \\uXXXX}: control characters but newline and tab,
     * and the characters that show as nothing or change how the text around them shows
     * ({@link io.spanwatch.sensor.event.EveText#hidden}: line and paragraph separators, text-direction
     * characters, zero-width spaces and joiners, the soft hyphen, the byte-order mark). A tag character
     * (U+E0000 to U+E007F, a surrogate pair) is shown as its two halves' escapes ({@link #hiddenPair}).
     */
    public static boolean shownEscaped(char c) {
        return (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c <= 0x9f) || io.spanwatch.sensor.event.EveText.hidden(c);
    }

    /** Whether {@code s} holds at {@code i} a surrogate pair whose character is {@link io.spanwatch.sensor.event.EveText#hidden}. */
    public static boolean hiddenPair(String s, int i) {
        if (i + 1 >= s.length() || !Character.isHighSurrogate(s.charAt(i)) || !Character.isLowSurrogate(s.charAt(i + 1))) {
            return false;
        }
        return io.spanwatch.sensor.event.EveText.hidden(Character.toCodePoint(s.charAt(i), s.charAt(i + 1)));
    }

    /**
     * Whether {@code s} comes back as it is when a page writes it into one of its forms: no character
     * {@link #escape} shows escaped, and no newline or tab (browsers rewrite line breaks).
     */
    static boolean formSafe(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (shownEscaped(c) || c == '\n' || c == '\t' || hiddenPair(s, i)) {
                return false;
            }
        }
        return true;
    }

    /** Returns {@code s} escaped (see {@link #escape}). */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s == null ? 0 : s.length() + 16);
        escape(b, s);
        return b.toString();
    }

    /** Returns {@code s} encoded as one path segment. */
    public static String path(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Returns {@code s} encoded as a query parameter value. */
    public static String query(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
