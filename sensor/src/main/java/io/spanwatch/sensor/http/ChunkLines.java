package io.spanwatch.sensor.http;

/**
 * Reads the lines of a chunked body that come between its chunks, as the more lenient of Chrome and
 * Firefox does: the chunk-size lines ({@link ChunkSize}), the CRLF after each chunk's data, which
 * Firefox does not require ({@code http.bad_chunk_terminator}), and empty lines where a size is
 * expected, which Firefox skips. Tells its {@link MessageReader} what to do with each line.
 *
 * <p>Until the first size is read, the body may turn out not to be chunked at all (a header only one
 * browser takes for chunked): then the lines read so far are handed back to be replayed as a plain
 * body. The empty lines kept for that are bounded by {@value MessageReader#MAX_CHUNK_LINE} bytes. One
 * instance per direction, reset for each body; not thread-safe.
 */
final class ChunkLines {

    /** What the line just read asks for. */
    enum Action {
        /** Nothing: an empty line. */
        SKIP,
        /** Read {@link #size()} bytes of chunk data. */
        DATA,
        /** The last chunk: trailers follow. */
        LAST,
        /** No browser reads a size here: the body is broken. */
        BAD,
        /** The body is not chunked: read {@link #replay()} and what follows as a plain body. */
        PLAIN
    }

    private final Head.Report report;
    /** Whether a size was read (or too much was skipped), so the body can no longer be read as not chunked. */
    private boolean committed;
    /** Empty lines skipped before the first size, replayed when the body turns out not to be chunked. */
    private StringBuilder prefix;
    private boolean terminatorReported;
    private long size;
    private String replay;

    ChunkLines(Head.Report report) {
        this.report = report;
    }

    /** Starts a new chunked body. */
    void start() {
        committed = false;
        prefix = null;
        terminatorReported = false;
    }

    /** Tells whether nothing of the body was read as chunks yet, so that it may still be read as a plain body. */
    boolean uncommitted() {
        return !committed;
    }

    /**
     * Reads one line (without its line break; {@code rawLen} counts it). {@code afterData} tells that
     * the line follows chunk data; {@code mayBePlain} that the body may still turn out not to be chunked.
     */
    Action line(String s, int rawLen, boolean afterData, boolean mayBePlain) {
        if (s.isEmpty()) {
            if (!afterData) {
                terminator("empty line where a chunk size was expected");
                if (!committed) {
                    prefix = prefix == null ? new StringBuilder() : prefix;
                    prefix.append(rawLen == 2 ? "\r\n" : "\n");
                    committed = prefix.length() > MessageReader.MAX_CHUNK_LINE;
                }
            }
            return Action.SKIP;
        }
        if (afterData) {
            terminator("chunk data not followed by CRLF: " + HeaderValues.excerpt(s));
        }
        ChunkSize cs = ChunkSize.parse(s);
        if (cs.size() < 0) {
            if (mayBePlain && !committed) {
                replay = gathered(s + (rawLen - s.length() == 2 ? "\r\n" : "\n"));
                committed = true;
                return Action.PLAIN;
            }
            return Action.BAD;
        }
        committed = true;
        prefix = null;
        switch (cs.oddity()) {
            case JUNK -> report.anomaly("http.chunk_size_junk", "chunk size read past junk: " + HeaderValues.excerpt(s));
            case SIGNED -> report.anomaly("http.chunk_size_signed", "negative chunk size wrapped to " + cs.size() + ": "
                    + HeaderValues.excerpt(s));
            default -> {
                // a plain size
            }
        }
        size = cs.size();
        return size == 0 ? Action.LAST : Action.DATA;
    }

    /**
     * Gives up reading the body as chunks before a whole first size line came (it is too long, or the
     * body ended): returns what to replay as a plain body, the skipped lines and {@code partial}.
     */
    String plain(String partial) {
        committed = true;
        return gathered(partial);
    }

    long size() {
        return size;
    }

    /** Returns the bytes to read as a plain body after {@link Action#PLAIN}, as ISO-8859-1 text. */
    String replay() {
        String r = replay;
        replay = null;
        return r;
    }

    private String gathered(String tail) {
        String r = prefix == null ? tail : prefix + tail;
        prefix = null;
        return r;
    }

    private void terminator(String detail) {
        if (!terminatorReported) {
            terminatorReported = true;
            report.anomaly("http.bad_chunk_terminator", detail);
        }
    }
}
