package io.spanwatch.analyzer.reputation;

import io.spanwatch.sensor.event.EveText;
import java.net.IDN;
import java.nio.charset.StandardCharsets;

/**
 * Normalises domain names for matching: ASCII lower case, no trailing dot, international names as
 * their punycode (IDNA 2003, {@link IDN#toASCII}), since HTTP carries them that way; a name already
 * in punycode is taken as given.
 *
 * <p>An indicator name must have at least two labels, each 1–63 letters, digits, hyphens or
 * underscores, 253 characters at most, and a last label that is not all digits (that would be a
 * mistyped address). A leading {@code *.} or {@code .} (wildcard spellings) is dropped: every
 * domain indicator covers its subdomains anyway.
 */
final class DomainName {
    static final int MAX_LENGTH = 253;

    private DomainName() {
    }

    /** Returns the normalised indicator name, or throws with the reason it is not one. */
    static String normalize(String raw) throws IndicatorException {
        String s = raw.strip();
        if (s.startsWith("*.")) {
            s = s.substring(2);
        } else if (s.startsWith(".")) {
            s = s.substring(1);
        }
        s = ascii(stripDot(s));
        if (s.isEmpty()) {
            throw new IndicatorException("empty domain name");
        }
        if (s.length() > MAX_LENGTH) {
            throw new IndicatorException("domain name longer than 253 characters");
        }
        int labels = 0;
        int start = 0;
        boolean lastAllDigits = true;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                int n = i - start;
                if (n == 0) {
                    throw new IndicatorException("empty label in domain name");
                }
                if (n > 63) {
                    throw new IndicatorException("domain label longer than 63 characters");
                }
                labels++;
                lastAllDigits = true;
                for (int k = start; k < i; k++) {
                    char d = s.charAt(k);
                    if (d < '0' || d > '9') {
                        lastAllDigits = false;
                    }
                }
                start = i + 1;
            } else if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                throw new IndicatorException("character '" + printable(c) + "' not allowed in a domain name");
            }
        }
        if (labels < 2) {
            throw new IndicatorException("a single-label name would match a whole top-level domain");
        }
        if (lastAllDigits) {
            throw new IndicatorException("not a domain name (numeric top-level label)");
        }
        return s;
    }

    /** Returns an observed host name (Host header, SNI) as lower-case ASCII bytes, or null when it is empty. */
    static byte[] observedKey(String host) {
        if (host == null) {
            return null;
        }
        String s = stripDot(EveText.utf8IfValid(host.strip())); // a raw UTF-8 Host means its text
        if (s.isEmpty()) {
            return null;
        }
        boolean plain = true;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                plain = false;
                break;
            }
        }
        if (!plain) {
            try {
                s = ascii(s);
            } catch (IndicatorException e) {
                return s.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.UTF_8);
            }
        }
        byte[] b = new byte[s.length()];
        for (int i = 0; i < b.length; i++) {
            char c = s.charAt(i);
            b[i] = (byte) (c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        return b;
    }

    private static String stripDot(String s) {
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** Returns the name in lower-case ASCII, converting international names to punycode. */
    static String ascii(String s) throws IndicatorException {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                try {
                    s = IDN.toASCII(s, IDN.ALLOW_UNASSIGNED);
                } catch (IllegalArgumentException e) {
                    throw new IndicatorException("not a valid international domain name");
                }
                break;
            }
        }
        return s.toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Returns a char of a feed's text as a log line may show it: controls as {@code \\xNN}; C1
     * controls (terminal escapes such as CSI), bidirectional overrides and marks, and line separators
     * as {@code \\uXXXX}, so a hostile feed line cannot rewrite the operator's terminal or reorder a
     * message.
     */
    static String printable(char c) {
        if (c < 0x20 || c == 0x7f) {
            return String.format("\\x%02x", (int) c);
        }
        if (c >= 0x80 && c <= 0x9f || io.spanwatch.sensor.event.JsonEscapes.isBidiControl(c) || c == 0x2028 || c == 0x2029) {
            return String.format("\\u%04X", (int) c);
        }
        return String.valueOf(c);
    }
}
