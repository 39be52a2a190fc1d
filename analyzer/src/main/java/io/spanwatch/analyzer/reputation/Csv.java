package io.spanwatch.analyzer.reputation;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Splits CSV records as the threat feeds write them (RFC 4180 with the habits of abuse.ch and MISP):
 * fields optionally in double quotes, {@code ""} for a quote inside, spaces after a separator
 * skipped ({@code "a", "b"} as ThreatFox writes it), and a quoted field may run over several lines
 * (MISP comments; at most {@link #MAX_RECORD_LINES}). Also reads header lines, commented
 * ({@code # id,dateadded,url}) or not, into column positions keyed by a loose name: lower case,
 * letters and digits only, so {@code dst_ip}, {@code DstIP} and {@code "dst_ip"} are all
 * {@code dstip}.
 */
final class Csv {
    /** Lines a quoted field may span after the record's first (a MISP comment of several lines). */
    static final int MAX_RECORD_LINES = 64;

    private Csv() {
    }

    /** Splits one record; returns null when a quoted field is still open at the end of the text. */
    static List<String> split(String line, char sep) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (true) {
            while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t') && line.charAt(i) != sep) {
                i++;
            }
            if (i < n && line.charAt(i) == '"') {
                StringBuilder f = new StringBuilder();
                i++;
                while (true) {
                    if (i >= n) {
                        return null;
                    }
                    char c = line.charAt(i);
                    if (c == '"') {
                        if (i + 1 < n && line.charAt(i + 1) == '"') {
                            f.append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    f.append(c);
                    i++;
                }
                // Junk between the closing quote and the separator is kept, as most readers do.
                int end = line.indexOf(sep, i);
                if (end < 0) {
                    end = n;
                }
                f.append(line.substring(i, end).strip());
                out.add(f.toString());
                i = end;
            } else {
                int end = line.indexOf(sep, i);
                if (end < 0) {
                    end = n;
                }
                out.add(line.substring(i, end).strip());
                i = end;
            }
            if (i >= n) {
                return out;
            }
            i++; // the separator
            if (i == n) {
                out.add("");
                return out;
            }
        }
    }

    /**
     * Reads a whole record starting with {@code first}, taking more lines while a quoted field is
     * open, at most {@link #MAX_RECORD_LINES} more and {@code maxRecordChars} in all. Returns null
     * when the field does not close within them; the lines it took are then given back to
     * {@code lines} to be read again as records, so one stray quote costs one line, not the rest of
     * the feed. Each line is scanned once per record it is tried in (at most
     * {@link #MAX_RECORD_LINES} + 1 times), never the whole record again per line.
     */
    static List<String> record(String first, FeedLines lines, char sep, int maxRecordChars) throws IOException {
        if (!openAtEnd(first, sep, false)) {
            return split(first, sep);
        }
        int firstLine = lines.lineNumber();
        StringBuilder b = new StringBuilder(first);
        List<String> taken = new ArrayList<>();
        String next;
        while (taken.size() < MAX_RECORD_LINES && b.length() <= maxRecordChars && (next = lines.next()) != null) {
            taken.add(next);
            b.append('\n').append(next);
            if (!openAtEnd(next, sep, true)) {
                return split(b.toString(), sep);
            }
        }
        lines.unread(taken, firstLine + 1);
        return null;
    }

    /**
     * Returns whether a quoted field is still open at the end of {@code line}, read as
     * {@link #split} reads it: from the start of a field, or from inside a quoted field when
     * {@code inQuotes} (the line continues a record).
     */
    static boolean openAtEnd(String line, char sep, boolean inQuotes) {
        boolean quoted = inQuotes;
        boolean fieldStart = !inQuotes;
        int n = line.length();
        for (int i = 0; i < n; i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < n && line.charAt(i + 1) == '"') {
                        i++;
                    } else {
                        quoted = false;
                    }
                }
            } else if (c == sep) {
                fieldStart = true;
            } else if (fieldStart && c != ' ' && c != '\t') {
                quoted = c == '"';
                fieldStart = false;
            }
        }
        return quoted;
    }

    /** Returns the loose form of a column name: lower case, letters and digits only. */
    static String loose(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = Character.toLowerCase(name.charAt(i));
            if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Returns a header line's columns by loose name (first position wins), or null when it is not a CSV header. */
    static Map<String, Integer> header(String line) {
        String t = line.strip();
        boolean commented = t.startsWith("#");
        if (commented) {
            t = t.substring(1).strip();
        }
        if (t.indexOf(',') < 0) {
            return null;
        }
        List<String> names = split(t, ',');
        if (names == null) {
            return null;
        }
        Map<String, Integer> cols = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String k = loose(names.get(i));
            if (k.isEmpty() || k.length() > 40) {
                return null;
            }
            cols.putIfAbsent(k, i);
        }
        return cols;
    }

    /** Returns the field at a column, or null when the column is absent or the record too short. */
    static String field(List<String> record, Map<String, Integer> cols, String looseName) {
        Integer i = cols.get(looseName);
        return i == null || i >= record.size() ? null : record.get(i);
    }

    /** Returns the first column of several spellings present in the header, or null. */
    static String pick(Map<String, Integer> cols, String... looseNames) {
        for (String n : looseNames) {
            if (cols.containsKey(n)) {
                return n;
            }
        }
        return null;
    }

    static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }
}
