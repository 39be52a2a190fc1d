package io.spanwatch.analyzer.scan;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Parses clamd's reply to a scan command; both transports (TCP through clamav-client, unix socket)
 * end up here, so a reply means the same whichever way it came.
 *
 * <p>Replies understood, one per NUL- or LF-terminated message, after {@code stream: } (INSTREAM) or
 * {@code fd[N]: } (FILDES):
 * <ul>
 *   <li>{@code stream: OK}</li>
 *   <li>{@code stream: NAME FOUND}, several of them with all-match scanning; with
 *       {@code ExtendedDetectionInfo} the name carries {@code (hash:size)}, which is dropped</li>
 *   <li>{@code stream: TEXT ERROR} or {@code TEXT ERROR}; {@code INSTREAM size limit exceeded.} is
 *       {@link Kind#SIZE_LIMIT}: clamd stopped reading because the stream passed its {@code StreamMaxLength}</li>
 * </ul>
 * A signature found wins over an error in the same reply. Anything else is a protocol error.
 *
 * @param kind       what the reply says
 * @param signatures the names found, in reply order; empty unless {@link Kind#FOUND}
 * @param error      clamd's error text without the {@code ERROR} word; null unless ERROR or SIZE_LIMIT
 */
public record ClamdReply(Kind kind, List<String> signatures, String error) {
    /** Names what a scan reply says. */
    public enum Kind { OK, FOUND, ERROR, SIZE_LIMIT }

    /** How much of a reply an error message quotes. */
    private static final int QUOTE_LIMIT = 200;
    /** What a reply names before the verdict: {@code stream: } (INSTREAM) or {@code fd[N]: } (FILDES). */
    private static final Pattern SOURCE = Pattern.compile("(?:stream|fd\\[\\d+\\]): ");
    private static final Pattern EXTENDED_INFO = Pattern.compile("\\([0-9a-fA-F]+:\\d+\\)$");

    public ClamdReply {
        signatures = List.copyOf(signatures);
    }

    static final ClamdReply OK = new ClamdReply(Kind.OK, List.of(), null);

    /** Returns a FOUND reply naming {@code names}. */
    static ClamdReply found(List<String> names) {
        return new ClamdReply(Kind.FOUND, names, null);
    }

    /**
     * Parses the full text clamd sent before closing (terminators included or not).
     *
     * @throws ClamdException (protocol) when no message in it is a scan result
     */
    public static ClamdReply parse(String text) throws ClamdException {
        List<String> found = new ArrayList<>();
        String error = null;
        boolean ok = false;
        for (String raw : text.split("[\0\n]")) {
            String m = raw.strip();
            if (m.isEmpty()) {
                continue;
            }
            java.util.regex.Matcher src = SOURCE.matcher(m);
            String body = src.lookingAt() ? m.substring(src.end()) : m;
            if (body.endsWith(" FOUND")) {
                String name = body.substring(0, body.length() - " FOUND".length()).strip();
                name = EXTENDED_INFO.matcher(name).replaceFirst("");
                if (!name.isEmpty() && !found.contains(name)) {
                    found.add(name);
                }
            } else if (body.equals("OK") || body.endsWith(": OK")) {
                ok = true;
            } else if (body.endsWith(" ERROR") || body.equals("ERROR")) {
                error = body.substring(0, body.length() - "ERROR".length()).strip();
            } else {
                throw new ClamdException(ClamdException.Kind.PROTOCOL, "unexpected clamd reply: " + quote(text));
            }
        }
        if (!found.isEmpty()) {
            return found(found);
        }
        if (error != null) {
            boolean limit = error.contains("size limit exceeded");
            return new ClamdReply(limit ? Kind.SIZE_LIMIT : Kind.ERROR, List.of(), error.isEmpty() ? "ERROR" : error);
        }
        if (ok) {
            return OK;
        }
        throw new ClamdException(ClamdException.Kind.PROTOCOL, "empty clamd reply");
    }

    /** Returns {@code s} without trailing NUL and LF terminators and surrounding blanks. */
    static String stripTerminators(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\0' || s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end).strip();
    }

    /** Returns {@code s} quoted for an error message, NULs shown as {@code \0}, cut at 200 characters. */
    static String quote(String s) {
        String q = s.replace("\0", "\\0").replace("\n", "\\n");
        return "'" + (q.length() > QUOTE_LIMIT ? q.substring(0, QUOTE_LIMIT) + "..." : q) + "'";
    }
}
