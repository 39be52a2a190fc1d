package io.spanwatch.analyzer.report;

/**
 * Escapes text for XHTML and SVG: everything from traffic (hosts, URLs, file names, signatures,
 * feed names) goes through {@link #text} before it reaches a report, so it is shown as text and
 * never read as markup. Characters XML cannot hold (controls, lone surrogates, U+FFFE/U+FFFF) and
 * characters that change how text around them reads (bidirectional overrides and isolates, which can
 * make {@code invoice\u202Efdp.exe} look like a PDF) are shown as visible {@code \\uXXXX} escapes.
 * Long values are cut with an ellipsis at {@code max} characters.
 */
final class Xml {
    private Xml() {
    }

    /** Returns {@code s} cut to at most {@code max} characters, the last an ellipsis; not escaped. */
    static String cut(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        int end = Math.max(1, max - 1);
        if (end > 1 && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--; // never half a pair
        }
        return s.substring(0, end) + "\u2026";
    }

    /** Returns {@code s} escaped for an element's text or an attribute value ({@code null} as the empty string). */
    static String text(String s) {
        return text(s, Integer.MAX_VALUE);
    }

    /** Returns {@code s} escaped, cut to at most {@code max} characters (counted before escaping) with an ellipsis. */
    static String text(String s, int max) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 16);
        int shown = 0;
        for (int i = 0; i < s.length(); i++) {
            if (shown >= max) {
                sb.append('\u2026');
                break;
            }
            char c = s.charAt(i);
            shown++;
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> {
                    if (io.spanwatch.analyzer.web.Html.hiddenPair(s, i)) {
                        sb.append(String.format("\\u%04X\\u%04X", (int) c, (int) s.charAt(++i))); // a tag character: invisible text
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (visible(c)) {
                        sb.append(c);
                    } else {
                        sb.append(String.format("\\u%04X", (int) c));
                    }
                }
            }
        }
        return sb.toString();
    }

    /**
     * Tells whether a char may appear as itself: no control, lone surrogate, non-character, nor one that
     * shows as nothing or changes the text around it ({@link io.spanwatch.sensor.event.EveText#hidden}:
     * bidi controls, zero-width spaces and joiners, the word joiner, the soft hyphen, the BOM, line
     * separators; the console shows the same ones escaped).
     */
    static boolean visible(char c) {
        if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || Character.isSurrogate(c) || c == 0xFFFE || c == 0xFFFF) {
            return false;
        }
        return !io.spanwatch.sensor.event.EveText.hidden(c);
    }
}
