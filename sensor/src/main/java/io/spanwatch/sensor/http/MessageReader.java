package io.spanwatch.sensor.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the HTTP/1.x messages of one direction of a connection as one explicit state machine:
 *
 * <pre>
 * (FIRST_BYTES →) START_LINE → HEADERS → (no body) ───────────────────→ START_LINE
 *                      → FIXED_BODY ────────────────────────────────→ START_LINE
 *                      → CHUNK_SIZE ⇄ CHUNK_DATA → CHUNK_DATA_END ─┐
 *                          └─ size 0 → TRAILERS ─────────────────────→ START_LINE
 *                      → CLOSE_BODY (responses, until the direction ends)
 * any line state, on junk, an over-long head or a gap → RESYNC → HEADERS
 * CONNECT request → AWAIT_TUNNEL (bytes kept until the answer); 2xx to CONNECT or 101 → TUNNEL (bytes to the
 * connection: HTTP/2's, or a CONNECT tunnel's); end → CLOSED
 * </pre>
 *
 * Lines (start line, headers, chunk-size lines, trailers) are gathered in one buffer bounded by
 * {@link HttpLimits#maxHeaderBytes()} per head, and by {@value #MAX_CHUNK_LINE} bytes for chunk-size lines;
 * that buffer, the bytes sent behind a CONNECT and their charge to the worker's {@link HttpMemory} are
 * the base class's, {@link ReaderHoldings}.
 * A head's lines are read into fields and framing by {@link Head}, as browsers read them. Nothing here
 * throws on bad input; each problem is an anomaly and the state machine moves on.
 *
 * <p>Browser behaviours on top of RFC 9112 (the package guide lists them): a first response without
 * status line is HTTP/0.9 (FIRST_BYTES, {@code http.response_0_9}); lines between chunks are read by
 * {@link ChunkLines}; a body declared chunked that is not is read as a plain body
 * ({@code http.chunked_body_not_chunked}); a chunked body cut at a chunk boundary is complete
 * ({@code http.chunked_unterminated}); 1xx, 204, 205 and 304 responses and answers to HEAD have no body.
 */
final class MessageReader extends ReaderHoldings {

    enum State {
        FIRST_BYTES, START_LINE, HEADERS, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, CLOSE_BODY,
        RESYNC, AWAIT_TUNNEL, TUNNEL, CLOSED
    }

    /** Longest chunk-size line (with extensions) accepted before {@code http.bad_chunk_size}. */
    static final int MAX_CHUNK_LINE = 4096;

    /**
     * Bytes of a head read to its end past {@code http.max-header-bytes} and {@code http.max-headers},
     * keeping only the fields that frame and name the body ({@link #framing}): Chrome takes heads of up
     * to 256 KiB ({@code kMaxHeaderBufSize} in {@code http_stream_parser.cc}) and counts no fields,
     * curl 300 KiB, so a file behind a longer head than SpanWatch keeps is still a file (the fourth
     * evasion review hid a gzip body behind a 100 KB head and a chunked one behind 1,500 fields).
     */
    static final int BROWSER_HEAD_BYTES = 256 * 1024;
    /**
     * The same for a request head: Go's net/http server reads heads of up to 1 MiB
     * ({@code DefaultMaxHeaderBytes}) plus the 4,096 bytes of slack it allows ({@code initialReadLimitSize}),
     * more than any browser takes, so an upload behind a 600 KB head reaches a Go service (nginx,
     * Apache, Node and Tomcat refuse heads past 8 to 64 KiB with a 4xx, and their upload never lands).
     */
    static final int SERVER_HEAD_BYTES = (1 << 20) + 4096;

    private final boolean toServer;
    private final HttpLimits limits;

    private State state = State.START_LINE;

    // current message
    private int headBytes;
    private int headerCount;
    /** The limit key of the limit the head being read went past ({@code null}: none), from then on keeping framing fields only. */
    private String headLimit;
    /** Whether the last field line read past a limit was kept (its folded continuation lines go with it). */
    private boolean keptPastLimit;
    private long startTs;
    private StartLines.RequestLine requestLine;
    /** A response's first line from where its status line starts. */
    private String firstLine;
    /** The head's lines after the start line, each without its LF and the CR before it. */
    private final List<String> headLines = new ArrayList<>();
    /** The head of the message whose body is being read. */
    private Head head;
    private HttpTransaction tx;
    private Entity entity;
    private long remaining;
    private long lastTs;

    // this direction so far
    private boolean statusSeen;
    private boolean gapSeen;
    private boolean http09Checked;
    /** Whether the last response had no body, so that bytes before the next status line are its unexpected body. */
    private boolean afterNoBody;
    /** A first response's first bytes, while deciding whether it is HTTP/0.9; null otherwise. */
    private Http09Probe probe;

    private final ChunkLines chunks = new ChunkLines(this::anomaly);

    MessageReader(HttpConnectionParser conn, boolean toServer) {
        super(conn);
        this.toServer = toServer;
        this.limits = conn.limits();
    }

    void data(long ts, byte[] b, int off, int len) {
        lastTs = ts;
        int end = off + len;
        while (off < end) {
            switch (state) {
                case FIXED_BODY, CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, end - off);
                    body(b, off, n);
                    off += n;
                    remaining -= n;
                    if (remaining == 0) {
                        bodyRunDone();
                    }
                }
                case CLOSE_BODY -> {
                    body(b, off, end - off);
                    off = end;
                }
                case TUNNEL -> {
                    conn.tunnelData(toServer, ts, b, off, end - off);
                    off = end;
                }
                case CLOSED -> off = end;
                case AWAIT_TUNNEL -> {
                    keepEarly(ts, b, off, end - off);
                    off = end;
                }
                case FIRST_BYTES -> off = firstBytes(ts, b, off, end);
                case START_LINE -> {
                    if (line.isEmpty() && mayBeHttp09()) {
                        state = State.FIRST_BYTES;
                    } else {
                        off = lineBytes(ts, b, off, end);
                    }
                }
                default -> off = lineBytes(ts, b, off, end);
            }
        }
    }

    // ---- a connection's first response: status line or HTTP/0.9 ----

    /** Tells whether the response about to start may be HTTP/0.9: the direction's first, nothing lost, and the listener agrees. */
    private boolean mayBeHttp09() {
        if (toServer || statusSeen || gapSeen || http09Checked) {
            return false;
        }
        http09Checked = true;
        return conn.acceptsHttp09();
    }

    private int firstBytes(long ts, byte[] b, int off, int end) {
        if (probe == null) {
            probe = new Http09Probe(ts);
        }
        int next = probe.take(b, off, end);
        if (probe.full()) {
            decideFirst();
        }
        return next;
    }

    /**
     * Decides from a first response's first bytes (or all of it, when shorter) whether it has a
     * status line, skipping up to {@value StartLines#MAX_STATUS_JUNK} bytes of junk before it, or is
     * HTTP/0.9 and all body; then hands the bytes on.
     */
    private void decideFirst() {
        Http09Probe p = probe;
        probe = null;
        byte[] got = p.bytes();
        int n = p.length();
        long firstTs = p.ts;
        int at = StartLines.locateStatus(got, n);
        if (at < 0) {
            statusSeen = true;
            tx = conn.http09Response(firstTs);
            anomaly("http.response_0_9", "no status line: the whole response is its body (HTTP/0.9)");
            entity = Entity.plain(conn, tx, false);
            state = State.CLOSE_BODY;
            body(got, 0, n);
            return;
        }
        state = State.START_LINE;
        if (at > 0) {
            anomaly("http.status_line_junk", HeaderValues.excerpt(got, 0, at) + " before the status line");
        }
        data(firstTs, got, at, n - at);
    }


    // ---- lines ----

    /** Bytes of a head read to its end past the limits: what the receiver of this direction takes. */
    private int headReadBytes() {
        return toServer ? SERVER_HEAD_BYTES : BROWSER_HEAD_BYTES;
    }

    /** Takes the bytes of a line within the room the state gives it ({@link ReaderHoldings#gatherLine}). */
    private int lineBytes(long ts, byte[] b, int off, int end) {
        int room = switch (state) {
            case CHUNK_SIZE, CHUNK_DATA_END -> MAX_CHUNK_LINE;
            case RESYNC -> limits.maxHeaderBytes();
            case HEADERS -> Math.max(limits.maxHeaderBytes(), headReadBytes()) - headBytes;
            default -> limits.maxHeaderBytes() - headBytes;
        };
        return gatherLine(ts, b, off, end, room, state == State.RESYNC);
    }


    @Override
    void lineTooLong() {
        switch (state) {
            case START_LINE, HEADERS -> {
                anomaly("http.header_too_long", "head over " + (state == State.HEADERS ? Math.max(limits.maxHeaderBytes(), headReadBytes()) : limits.maxHeaderBytes()) + " bytes");
                // the transaction names the first limit its head met (past http.max-headers it was read on
                // for the fields that frame the body, up to headReadBytes())
                abortHead("header too long", state == State.HEADERS && headLimit != null ? headLimit : "http.max-header-bytes");
                // The head's holding went to its transaction; what resync keeps of the line is
                // charged again from the next bytes on.
                lineCharged = 0;
            }
            case TRAILERS -> {
                anomaly("http.header_too_long", "trailers over " + limits.maxHeaderBytes() + " bytes");
                if (tx != null) {
                    tx.limitMet("http.max-header-bytes");
                }
                finishMessage(true, null);
            }
            case CHUNK_SIZE, CHUNK_DATA_END -> {
                if (mayUnchunk()) {
                    unchunkLine("no line break within " + MAX_CHUNK_LINE + " bytes");
                    return; // the new state takes the bytes that did not fit
                }
                anomaly("http.bad_chunk_size", "chunk-size line over " + MAX_CHUNK_LINE + " bytes");
                finishMessage(false, "bad chunk size");
            }
            default -> throw new IllegalStateException("line too long in state " + state);
        }
        // Resync scans the over-long line whole, from what was gathered of it on: dropping that part
        // made finding a start line in it depend on where TCP segments were cut (found by
        // HttpParserFuzzTest).
        state = State.RESYNC;
    }

    @Override
    void onLine(String s, int rawLen) {
        switch (state) {
            case START_LINE -> {
                if (s.isEmpty()) {
                    return; // RFC 9112 §2.2: ignore empty lines before a request line; browsers before a status line
                }
                if (toServer) {
                    if (!startRequest(s, line.at(0), true)) {
                        anomaly("http.bad_request_line", HeaderValues.excerpt(s));
                        enterResync();
                        return;
                    }
                    headBytes = rawLen;
                } else {
                    int at = startResponse(s);
                    if (at < 0) {
                        return;
                    }
                    headBytes = rawLen - at;
                }
                hold(rawLen + HttpMemory.PER_LINE);
            }
            case RESYNC -> {
                int at = toServer ? StartLines.findRequest(s) : StartLines.findStatus(s);
                // The message starts when the bytes of its start line came, not those of the junk before.
                if (at >= 0 && (toServer ? startRequest(s.substring(at), line.at(at), false) : beginResponse(s.substring(at), line.at(at)))) {
                    headBytes = rawLen - at;
                    hold(rawLen + HttpMemory.PER_LINE);
                }
            }
            case HEADERS -> {
                headBytes += rawLen;
                if (!s.isEmpty() && !keepLine(s)) {
                    return; // past a limit: read to the head's end for the fields that frame the body
                }
                if (hold(rawLen + HttpMemory.PER_LINE)) {
                    headerLine(s);
                }
            }
            case CHUNK_SIZE, CHUNK_DATA_END -> chunkLine(s, rawLen);
            case TRAILERS -> {
                headBytes += rawLen;
                if (s.isEmpty()) {
                    finishMessage(true, null);
                }
            }
            default -> throw new IllegalStateException("line in state " + state);
        }
    }

    /** Parses a request line whose first byte came at {@code ts}; on success begins a message in state HEADERS. */
    private boolean startRequest(String s, long ts, boolean lenient) {
        requestLine = StartLines.request(s, lenient);
        if (requestLine == null) {
            return false;
        }
        begin(ts);
        if (requestLine.controls()) {
            anomaly("http.request_line_invalid", "control character in the request target: " + HeaderValues.excerpt(requestLine.target()));
        }
        return true;
    }

    /**
     * Finds the status line in a response's first non-empty line as browsers do ({@code http} after
     * at most four bytes of junk, or {@code ICY}), or else a strict status line anywhere in it; begins
     * the message and returns where it starts, or returns -1 and resynchronises.
     */
    private int startResponse(String s) {
        boolean unexpected = afterNoBody;
        afterNoBody = false;
        int at = StartLines.locateStatus(s);
        if (at > 0) {
            anomaly("http.status_line_junk", HeaderValues.excerpt(s.substring(0, at)) + " before the status line");
        } else if (at < 0) {
            at = StartLines.findStatus(s);
            String name = unexpected ? "http.response_body_unexpected" : at < 0 ? "http.bad_status_line" : "http.status_line_junk";
            anomaly(name, HeaderValues.excerpt(s));
            if (at < 0) {
                enterResync();
                return -1;
            }
        }
        beginResponse(s.substring(at), line.at(at));
        return at;
    }

    private boolean beginResponse(String statusLine, long ts) {
        firstLine = statusLine;
        statusSeen = true;
        afterNoBody = false;
        begin(ts);
        return true;
    }

    private void begin(long ts) {
        startTs = ts;
        headLines.clear();
        headerCount = 0;
        headLimit = null;
        state = State.HEADERS;
    }

    private void headerLine(String s) {
        if (s.isEmpty()) {
            headComplete();
            return;
        }
        headLines.add(s);
    }

    /**
     * Counts a line of the head and tells whether it is kept: every line within
     * {@code http.max-header-bytes} and {@code http.max-headers}; past either (named once,
     * {@code http.header_too_long} or {@code http.too_many_headers}) only the fields that frame and name
     * the body, and the folded lines that continue them, up to {@link #headReadBytes}.
     */
    private boolean keepLine(String s) {
        char c0 = s.charAt(0);
        boolean field = c0 != ' ' && c0 != '\t';
        if (field) {
            headerCount++;
        }
        if (headLimit == null) {
            if (headBytes > limits.maxHeaderBytes()) {
                headLimit = "http.max-header-bytes";
                anomaly("http.header_too_long", "head over " + limits.maxHeaderBytes() + " bytes: only the fields that frame the body kept");
            } else if (headerCount > limits.maxHeaderCount()) {
                headLimit = "http.max-headers";
                anomaly("http.too_many_headers", "more than " + limits.maxHeaderCount() + " header fields: only the fields that frame the body kept");
            } else {
                return true;
            }
        }
        if (field) {
            keptPastLimit = framing(s);
        }
        return keptPastLimit;
    }

    /**
     * Tells whether a field line names one of the fields that decide how the body is framed, coded,
     * named or ranged: {@code Content-*}, {@code Transfer-Encoding}, {@code Connection}, {@code Upgrade},
     * {@code Expect}, {@code Host}, {@code Trailer}. The name is read as the head's own parsing reads it
     * (up to the colon, white space before the colon dropped, case ignored).
     */
    static boolean framing(String line) {
        int colon = line.indexOf(':');
        if (colon < 0) {
            return false;
        }
        String name = line.substring(0, colon).strip();
        return name.regionMatches(true, 0, "content-", 0, 8) || name.equalsIgnoreCase("transfer-encoding")
                || name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("upgrade") || name.equalsIgnoreCase("expect")
                || name.equalsIgnoreCase("host") || name.equalsIgnoreCase("trailer");
    }

    // ---- chunked bodies ----

    private void chunkLine(String s, int rawLen) {
        boolean afterData = state == State.CHUNK_DATA_END;
        state = State.CHUNK_SIZE;
        switch (chunks.line(s, rawLen, afterData, entity != null && head != null)) {
            case SKIP -> {
                // the CRLF after chunk data, or an empty line Firefox skips
            }
            case DATA -> {
                remaining = chunks.size();
                state = State.CHUNK_DATA;
            }
            case LAST -> {
                state = State.TRAILERS;
                headBytes = 0;
            }
            case PLAIN -> unchunk(chunks.replay(), lastTs, "first chunk-size line " + HeaderValues.excerpt(s));
            case BAD -> {
                anomaly("http.bad_chunk_size", HeaderValues.excerpt(s));
                finishMessage(false, "bad chunk size");
                enterResync();
            }
        }
    }

    /** Tells whether the chunked body being read can still turn out not to be chunked: nothing of it was read as chunks. */
    private boolean mayUnchunk() {
        return state == State.CHUNK_SIZE && entity != null && head != null && chunks.uncommitted();
    }

    /** Reads the body as a plain one from the line being gathered on (see {@link #unchunk}). */
    private void unchunkLine(String why) {
        String raw = chunks.plain(line.partial());
        dropLine();
        unchunk(raw, lastTs, why);
    }


    /**
     * Reads a body declared chunked that does not start with a chunk size as a plain body, by its
     * Content-Length or until the end, as the browser that ignores the chunked header does (Chrome
     * with HTTP/1.0, Firefox where only Chrome took the header for chunked); replays the bytes read
     * as a size line.
     */
    private void unchunk(String raw, long ts, String why) {
        anomaly("http.chunked_body_not_chunked", why + "; read as a plain body");
        entity.discard();
        long length = head.contentLength;
        entity = length == 0 || (length < 0 && toServer) ? null
                : Entity.forHead(conn, tx, toServer, head, false, length, tx.status);
        if (entity == null) {
            finishMessage(true, null);
        } else if (length > 0) {
            remaining = length;
            state = State.FIXED_BODY;
        } else {
            state = State.CLOSE_BODY;
        }
        byte[] b = raw.getBytes(StandardCharsets.ISO_8859_1);
        if (b.length > 0) {
            data(ts, b, 0, b.length);
        }
    }

    // ---- heads ----

    private void headComplete() {
        if (toServer) {
            requestHead();
        } else {
            responseHead();
        }
    }

    private void reportHeadAnomalies() {
        head.reportTo(this::anomaly);
    }

    /** Reads the head's lines gathered so far (all of them, or those before it was cut short). */
    private void readHead() {
        head = toServer ? Head.request(requestLine.version(), headLines) : Head.response(firstLine, headLines);
    }

    /** Creates the message's transaction from its head, tells the listener and reports the head's anomalies. */
    private void openTx(String limitKey) {
        tx = conn.openTx(toServer, head, requestLine, startTs, held, limitKey != null ? limitKey : headLimit);
        reportHeadAnomalies();
    }

    private void requestHead() {
        readHead();
        if (conn.http2Preface(requestLine, headLines.isEmpty())) {
            resetMessage();
            conn.clientPreface();
            return;
        }
        openTx(null);
        if ("CONNECT".equals(tx.method)) {
            finishMessage(true, null);
            state = State.AWAIT_TUNNEL;
            return;
        }
        startBody(0);
    }

    private void responseHead() {
        readHead();
        int status = head.status;
        if (status >= 100 && status < 200 && status != 101) {
            reportHeadAnomalies();
            conn.interimResponse();
            resetMessage();
            state = State.START_LINE;
            afterNoBody = true;
            return;
        }
        openTx(null);
        if (conn.switchesProtocols(tx, status)) {
            HttpTransaction t = tx;
            finishMessage(true, null);
            conn.switchProtocols(t);
            return;
        }
        if ("HEAD".equals(tx.method) || status == 204 || status == 205 || status == 304) {
            finishMessage(true, null);
            afterNoBody = true;
            return;
        }
        startBody(status);
    }

    /**
     * Starts the body as its head frames it (RFC 9112 §6.3 as browsers apply it, see {@link Head}):
     * chunked, else by Content-Length, else a request has none and a response runs until the end.
     */
    private void startBody(int status) {
        long length = head.chunked ? -1 : head.contentLength;
        if (length == 0 || (length < 0 && toServer && !head.chunked)) {
            finishMessage(true, null);
            return;
        }
        entity = Entity.forHead(conn, tx, toServer, head, head.chunked, length, status);
        if (head.chunked) {
            chunks.start();
            state = State.CHUNK_SIZE;
        } else if (length > 0) {
            remaining = length;
            state = State.FIXED_BODY;
        } else {
            state = State.CLOSE_BODY;
        }
    }

    // ---- bodies ----

    private void body(byte[] b, int off, int n) {
        countBody(n);
        entity.data(b, off, n);
    }

    private void bodyGap(long n) {
        tx.gaps = true;
        countBody(Math.max(0, n));
        entity.gap(n);
    }

    private void countBody(long n) {
        if (toServer) {
            tx.requestBodyLength += n;
        } else {
            tx.responseBodyLength += n;
        }
    }

    private void bodyRunDone() {
        if (state == State.FIXED_BODY) {
            finishMessage(true, null);
        } else {
            state = State.CHUNK_DATA_END;
        }
    }

    /** Ends the current message: ends its entity and tells the connection which half of the tx is over. */
    private void finishMessage(boolean complete, String reason) {
        if (entity != null) {
            Entity e = entity;
            entity = null;
            e.end(complete, reason);
        }
        HttpTransaction t = tx;
        resetMessage();
        state = State.START_LINE;
        if (t == null) {
            return;
        }
        if (toServer) {
            t.requestComplete = complete;
            conn.requestEnded(t);
        } else {
            t.responseComplete = complete;
            conn.responseEnded(t);
        }
    }

    /** Gives up on a head that cannot be read whole; keeps pairing by still creating its transaction. */
    private void abortHead(String reason, String limitKey) {
        if (state != State.HEADERS) {
            resetMessage();
            return;
        }
        readHead();
        if (toServer || head.status >= 200 || head.status < 100 || head.status == 101) {
            openTx(limitKey);
            finishMessage(false, reason);
        } else {
            reportHeadAnomalies();
            resetMessage();
        }
    }

    /**
     * Gives up the head being read, or the line being gathered, because the worker's HTTP memory is
     * spent ({@code http.memcap}): like a head that is too long, but without keeping its fields.
     */
    @Override
    void giveUpForMemory() {
        anomaly("http.memcap", "HTTP memory limit reached");
        headLines.clear();
        conn.memory().release(held);
        lineCharged = 0;
        switch (state) {
            case START_LINE, HEADERS -> {
                line.clear();
                abortHead("memory limit", "http.memcap");
                enterResync();
            }
            case TRAILERS -> {
                if (tx != null) {
                    tx.limitMet("http.memcap");
                }
                finishMessage(true, null);
                enterResync();
            }
            case CHUNK_SIZE, CHUNK_DATA_END -> {
                finishMessage(false, "memory limit");
                enterResync();
            }
            case AWAIT_TUNNEL -> loseEarly(); // its charge went with the release above
            default -> line.free();
        }
    }

    private void resetMessage() {
        conn.memory().release(held);
        lineCharged = 0;
        tx = null;
        entity = null;
        head = null;
        requestLine = null;
        firstLine = null;
        headLines.clear();
        headerCount = 0;
        headLimit = null;
        headBytes = 0;
        remaining = 0;
    }

    private void enterResync() {
        state = State.RESYNC;
        dropLine();
        conn.memory().release(held);
    }

    // ---- direction events ----

    /** Tells that {@code len} bytes were lost here (negative: unknown). */
    void gap(long len) {
        gapSeen = true;
        if (state == State.FIRST_BYTES) {
            decideFirst();
        }
        switch (state) {
            case FIXED_BODY, CHUNK_DATA -> {
                if (len < 0) {
                    bodyGap(-1);
                    finishMessage(false, "gap of unknown length");
                    enterResync();
                    return;
                }
                long n = Math.min(len, remaining);
                bodyGap(n);
                remaining -= n;
                if (remaining == 0) {
                    bodyRunDone();
                }
                if (len > n) {
                    gap(len - n);
                }
            }
            case CLOSE_BODY -> bodyGap(len);
            case AWAIT_TUNNEL -> dropEarly(); // what follows cannot be joined to it
            case TUNNEL, CLOSED, FIRST_BYTES -> {
                // not HTTP any more
            }
            case RESYNC -> line.clear();
            case HEADERS -> {
                abortHead("gap in headers", null);
                enterResync();
            }
            case START_LINE -> enterResync();
            case CHUNK_SIZE, CHUNK_DATA_END, TRAILERS -> {
                tx.gaps = true;
                finishMessage(state == State.TRAILERS, "gap in chunked framing");
                enterResync();
            }
        }
    }

    /** Tells that this direction ended (FIN or RST). */
    void end() {
        if (state == State.FIRST_BYTES) {
            decideFirst();
        }
        if (!line.isEmpty() && mayUnchunk()) {
            unchunkLine("unterminated first chunk-size line");
        }
        switch (state) {
            case START_LINE -> {
                if (!toServer && !line.isEmpty()) {
                    endInStatusLine(line.partial());
                }
            }
            case HEADERS -> {
                if (!line.isEmpty()) {
                    headLines.add(line.partial()); // the head's last line, cut short: read for what it says
                }
                abortHead("connection closed in headers", null);
            }
            case FIXED_BODY, CHUNK_DATA -> finishMessage(false, "connection closed");
            case CHUNK_SIZE, CHUNK_DATA_END, TRAILERS -> {
                // Both browsers' downloads keep a chunked body cut at a chunk boundary.
                anomaly("http.chunked_unterminated", "connection closed before the end of the chunked body");
                finishMessage(true, null);
            }
            case CLOSE_BODY -> finishMessage(true, null);
            default -> {
                // no message open
            }
        }
        state = State.CLOSED;
        dropLine();
        conn.memory().release(held);
    }

    /** Reads a response's first line that the end of the direction cut: a status line begins a head cut short, else it is junk. */
    private void endInStatusLine(String s) {
        String text = s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        int at = StartLines.locateStatus(text);
        if (at < 0) {
            anomaly(afterNoBody ? "http.response_body_unexpected" : "http.bad_status_line", HeaderValues.excerpt(text));
            return;
        }
        beginResponse(text.substring(at), line.at(at));
        abortHead("connection closed in headers", null);
    }

    /**
     * Returns what this reader holds of a request not finished, its first line so far, or a request
     * line without fields read and what follows it so far (the HTTP/2 preface may be in it), or null.
     */
    String heldStart() {
        return state == State.START_LINE ? line.partial() : state == State.HEADERS && requestLine != null && headLines.isEmpty()
                ? requestLine.method() + " " + requestLine.target() + " " + requestLine.version() + "\r\n" + line.partial() : null;
    }

    /** Stops reading HTTP: the connection became a tunnel. */
    void tunnel() {
        boolean afterConnect = state == State.AWAIT_TUNNEL;
        long ets = earlyTs;
        byte[] e = takeEarly();
        if (tx != null || entity != null) {
            finishMessage(false, "connection switched protocols");
        } else {
            dropLine(); // a head or line begun: given up, its memory given back
            resetMessage();
        }
        if (state != State.CLOSED) {
            state = State.TUNNEL;
            if (afterConnect && e != null) {
                conn.tunnelData(toServer, ets, e, 0, e.length); // the tunnel's first bytes
            }
        }
    }

    /** Returns to reading requests after a CONNECT was refused; what the client sent behind it is read now. */
    void resumeAfterConnect() {
        if (state == State.AWAIT_TUNNEL) {
            state = State.START_LINE;
            long ets = earlyTs;
            byte[] e = takeEarly();
            if (e != null) {
                data(ets, e, 0, e.length);
            }
        }
    }

    @Override
    void anomaly(String name, String detail) {
        conn.listener().anomaly(tx, toServer, name, detail);
    }
}
