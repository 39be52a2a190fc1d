package io.spanwatch.sensor.event;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Text shown for bytes that came from traffic. The typed events keep an HTTP header's value (host,
 * target, user agent, referer, content types) as it crossed the wire, one character per byte
 * (ISO-8859-1), because reputation matches those bytes; every rendering (EVE, CEF, ECS, a report)
 * shows them as Suricata's EVE does ({@code SCJbSetStringFromBytes}): bytes that are valid UTF-8 as
 * their text, so a raw {@code Host: bücher.example} reads {@code bücher.example} and not
 * {@code bÃ¼cher.example}; any other value as its ASCII bytes with every byte from 0x80 up written as
 * {@code \xNN} (lower-case hex). Control characters stay: the destination's own escaping deals with
 * them (JSON escapes them as {@code \}{@code u00NN}).
 *
 * <p>{@link #raw} turns such a text back into the bytes, for events read back from EVE (a report
 * from {@code eve.json}, Suricata's own included). {@link #display} writes {@code \xNN} only in an
 * all-ASCII text and only for bytes that are not valid UTF-8 together, so a text with a character
 * past ASCII, or whose escapes would make valid UTF-8, holds a literal backslash, {@code x} and two hex
 * digits, and reads back as it is. What stays ambiguous is Suricata's ambiguity too: an ASCII value
 * that held such literal escapes of bytes that are not valid UTF-8 reads back as those bytes.
 */
public final class EveText {
    private EveText() {
    }

    /** The text of {@code latin1}'s bytes as EVE shows it; null stays null. */
    public static String display(String latin1) {
        if (latin1 == null || !bytes(latin1)) {
            return latin1;
        }
        String text = utf8(latin1);
        if (text != null) {
            return text;
        }
        StringBuilder b = new StringBuilder(latin1.length() + 16);
        for (int i = 0; i < latin1.length(); i++) {
            char c = latin1.charAt(i);
            if (c < 0x80) {
                b.append(c);
            } else {
                b.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
            }
        }
        return b.toString();
    }

    /**
     * The bytes (one character each) that {@link #display} shows as {@code text}: its UTF-8, with each
     * {@code \xNN} as the byte NN; null stays null.
     */
    public static String raw(String text) {
        if (text == null || ascii(text) && text.indexOf('\\') < 0) {
            return text;
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        if (!ascii(text)) {
            // display writes escapes in all-ASCII texts only: these backslashes are the value's own
            return new String(utf8, StandardCharsets.ISO_8859_1);
        }
        StringBuilder b = new StringBuilder(utf8.length);
        for (int i = 0; i < utf8.length; i++) {
            int c = utf8[i] & 0xFF;
            if (c == '\\' && i + 3 < utf8.length && utf8[i + 1] == 'x' && hex(utf8[i + 2]) >= 0 && hex(utf8[i + 3]) >= 0) {
                int v = hex(utf8[i + 2]) << 4 | hex(utf8[i + 3]);
                if (v >= 0x80) { // display writes only these so; a literal "\x41" stays as it is
                    b.append((char) v);
                    i += 3;
                    continue;
                }
            }
            b.append((char) c);
        }
        String bytes = b.toString();
        // escapes that make valid UTF-8 are not display's (it would have shown the text): literal
        return bytes.length() < utf8.length && utf8(bytes) != null ? text : bytes;
    }

    /**
     * The text of {@code latin1}'s bytes when they are valid UTF-8, else {@code latin1} as it is (its
     * bytes as ISO-8859-1 characters), as browsers read a raw 8-bit file name and as a raw UTF-8 host
     * name means its text; a string that is already text (a char past U+00FF) and null stay as they are.
     */
    public static String utf8IfValid(String latin1) {
        if (latin1 == null || !bytes(latin1)) {
            return latin1;
        }
        String text = utf8(latin1);
        return text != null ? text : latin1;
    }

    /**
     * Tells whether {@code s} holds bytes that decoding could change: a char from 0x80 up, none past
     * 0xFF (a char past it means text made here, not bytes read off the wire).
     */
    private static boolean bytes(String s) {
        boolean high = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0xFF) {
                return false;
            }
            high |= c >= 0x80;
        }
        return high;
    }

    /** The text of {@code latin1}'s bytes when they are valid UTF-8 (strictly: no overlong forms, no surrogates), else null. */
    private static String utf8(String latin1) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(latin1.getBytes(StandardCharsets.ISO_8859_1)))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static int hex(byte b) {
        return b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
    }

    /**
     * Tells whether a code point shows as nothing, or changes how the text around it shows, where a
     * person reads a value: Unicode's format characters (category Cf: the bidirectional marks,
     * embeddings, overrides and isolates, the zero-width space and joiners, the word joiner, the soft
     * hyphen, the byte-order mark, the tag characters U+E0000 to U+E007F) and the line and paragraph
     * separators, and the rest of Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt:
     * the combining grapheme joiner U+034F, the Hangul fillers U+115F, U+1160, U+3164 and U+FFA0, the
     * Khmer inherent vowels U+17B4 and U+17B5, the Mongolian variation selectors U+180B to U+180F, the
     * variation selectors U+FE00 to U+FE0F and U+E0100 to U+E01EF, U+FFF0 to U+FFF8 and the rest of
     * U+E0000 to U+E0FFF), which a renderer draws as nothing too. {@code pay\u200Bpal.example} looks like
     * {@code paypal.example} and is another name; {@code invoice\u202Egpj.exe} looks like a JPEG. The
     * console, the report and mails show them as {@code \\uXXXX}; JSON keeps them, as data.
     */
    public static boolean hidden(int cp) {
        return Character.getType(cp) == Character.FORMAT || cp == 0x2028 || cp == 0x2029 || cp == 0x034F || cp == 0x115F
                || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0 || cp == 0x17B4 || cp == 0x17B5 || cp >= 0x180B && cp <= 0x180F
                || cp >= 0xFE00 && cp <= 0xFE0F || cp >= 0xFFF0 && cp <= 0xFFF8 || cp >= 0xE0000 && cp <= 0xE0FFF;
    }

    /** Cuts {@code s} to at most {@code max} characters (null stays null), never inside a surrogate pair. */
    public static String cut(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        return s.substring(0, Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max);
    }

    /**
     * The Host as a URL's authority: the characters that end or divide an authority ({@code @ / ? #})
     * percent-encoded, everything else as it is (shown as the rest of the event shows it), so that a Host of
     * {@code login.bank.example@evil.example} cannot make {@code evil.example} the URL's host for whoever
     * parses it (a SIEM reading {@code url.full}); found by an adversarial review.
     */
    public static String urlAuthority(String host) {
        StringBuilder sb = new StringBuilder(host.length() + 8);
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            // a backslash ends no authority for RFC 3986, and for WHATWG's parsers it comes before any '@'
            if (c == '@' || c == '/' || c == '?' || c == '#') {
                sb.append('%').append(Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
