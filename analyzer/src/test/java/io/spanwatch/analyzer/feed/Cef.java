package io.spanwatch.analyzer.feed;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses a CEF line as a SIEM does (ArcSight's rules), for tests: seven header fields and the extension. */
record Cef(List<String> header, Map<String, String> ext) {
    static Cef parse(String line) {
        int start = line.indexOf("CEF:");
        if (start < 0) {
            throw new IllegalArgumentException("no CEF in " + line);
        }
        String s = line.substring(start + 4);
        List<String> header = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0;
        while (header.size() < 7) {
            char c = s.charAt(i++);
            if (c == '\\') {
                char n = s.charAt(i++);
                if (n != '\\' && n != '|') {
                    throw new IllegalArgumentException("bad escape \\" + n + " in CEF header: " + line);
                }
                cur.append(n);
            } else if (c == '|') {
                header.add(cur.toString());
                cur.setLength(0);
            } else {
                if (raw(c)) {
                    throw new IllegalArgumentException("control character in CEF header: " + line);
                }
                cur.append(c);
            }
        }
        Map<String, String> ext = new LinkedHashMap<>();
        String rest = s.substring(i);
        String key = null;
        cur.setLength(0);
        int j = 0;
        while (j <= rest.length()) {
            // A key starts at the beginning or after a space: letters/digits then an unescaped '='.
            if (j == 0 || j < rest.length() && rest.charAt(j - 1) == ' ' && key != null) {
                int k = j;
                while (k < rest.length() && Character.isLetterOrDigit(rest.charAt(k))) {
                    k++;
                }
                if (k > j && k < rest.length() && rest.charAt(k) == '=') {
                    if (key != null) {
                        cur.setLength(cur.length() - 1); // the space before the key
                        ext.put(key, cur.toString());
                    }
                    key = rest.substring(j, k);
                    cur.setLength(0);
                    j = k + 1;
                    continue;
                }
            }
            if (j == rest.length()) {
                break;
            }
            char c = rest.charAt(j++);
            if (c == '\\') {
                char n = rest.charAt(j++);
                switch (n) {
                    case '\\' -> cur.append('\\');
                    case '=' -> cur.append('=');
                    case 'n' -> cur.append('\n');
                    case 'r' -> cur.append('\r');
                    default -> throw new IllegalArgumentException("bad escape \\" + n + " in CEF extension: " + line);
                }
            } else if (c == '=') {
                throw new IllegalArgumentException("unescaped = in a CEF value: " + line);
            } else if (raw(c)) {
                throw new IllegalArgumentException("raw control character or line break in CEF: " + line);
            } else {
                cur.append(c);
            }
        }
        if (key != null) {
            ext.put(key, cur.toString());
        }
        return new Cef(header, ext);
    }

    /** A character no CEF line may carry as it is: C0, DEL, C1 (NEL among them), U+2028, U+2029. */
    private static boolean raw(char c) {
        return c < 0x20 || c >= 0x7F && c <= 0x9F || c == '\u2028' || c == '\u2029';
    }
}
