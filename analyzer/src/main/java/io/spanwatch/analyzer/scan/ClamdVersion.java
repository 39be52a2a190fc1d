package io.spanwatch.analyzer.scan;

/**
 * Holds clamd's answer to {@code VERSION}, split into its parts.
 *
 * <p>clamd answers {@code ClamAV 1.4.6/27480/Mon Nov 24 09:25:02 2025} with the official databases
 * loaded, and just {@code ClamAV 1.4.6} when it runs a custom-only database (no daily.cvd to take a
 * version from).
 *
 * @param engineVersion   e.g. {@code 1.4.6}
 * @param databaseVersion e.g. {@code 27480}; null when the reply has no database part
 * @param databaseDate    e.g. {@code Mon Nov 24 09:25:02 2025}; null when the reply has no database part
 * @param raw             the reply as received, without its terminator
 */
public record ClamdVersion(String engineVersion, String databaseVersion, String databaseDate, String raw) {
    /** Stands for "not known yet": every part null. */
    static final ClamdVersion UNKNOWN = new ClamdVersion(null, null, null, "");

    /**
     * Parses a VERSION reply.
     *
     * @throws ClamdException (protocol) when the text does not start with {@code ClamAV }
     */
    public static ClamdVersion parse(String reply) throws ClamdException {
        String s = ClamdReply.stripTerminators(reply);
        if (!s.startsWith("ClamAV ")) {
            throw new ClamdException(ClamdException.Kind.PROTOCOL, "unexpected VERSION reply: " + ClamdReply.quote(s));
        }
        String[] parts = s.substring("ClamAV ".length()).split("/", 3);
        String engine = parts[0].strip();
        if (engine.isEmpty()) {
            throw new ClamdException(ClamdException.Kind.PROTOCOL, "VERSION reply without a version: " + ClamdReply.quote(s));
        }
        String db = parts.length > 1 && !parts[1].isBlank() ? parts[1].strip() : null;
        String date = parts.length > 2 && !parts[2].isBlank() ? parts[2].strip() : null;
        return new ClamdVersion(engine, db, date, s);
    }
}
