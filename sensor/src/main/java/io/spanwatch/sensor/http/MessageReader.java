package io.spanwatch.sensor.http;

import io.spanwatch.sensor.http.HttpTransaction.Header;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads the HTTP/1.x messages of one direction of a connection as one explicit state machine:
 *
 * <pre>
 * START_LINE → HEADERS → (no body) ─────────────────────────────────→ START_LINE
 *                      → FIXED_BODY ────────────────────────────────→ START_LINE
 *                      → CHUNK_SIZE ⇄ CHUNK_DATA → CHUNK_DATA_END ─┐
 *                          └─ size 0 → TRAILERS ─────────────────────→ START_LINE
 *                      → CLOSE_BODY (responses, until the direction ends)
 * any line state, on junk, an over-long head or a gap → RESYNC → HEADERS
 * CONNECT request → AWAIT_TUNNEL; 2xx to CONNECT or 101 → TUNNEL (bytes ignored); end → CLOSED
 * </pre>
 *
 * Lines (start line, headers, chunk-size lines, trailers) are gathered in one buffer bounded by
 * {@link HttpLimits#maxHeaderBytes()} per head, and by {@value #MAX_CHUNK_LINE} bytes for chunk-size lines.
 * Nothing here throws on bad input; each problem is an anomaly and the state machine moves on.
 */
final class MessageReader {

    enum State {
        START_LINE, HEADERS, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, TRAILERS, CLOSE_BODY,
        RESYNC, AWAIT_TUNNEL, TUNNEL, CLOSED
    }

    private enum Framing { NONE, FIXED, CHUNKED, CLOSE }

    /** Longest chunk-size line (with extensions) accepted before {@code http.bad_chunk_size}. */
    static final int MAX_CHUNK_LINE = 4096;

    private final HttpConnectionParser conn;
    private final boolean toServer;
    private final HttpLimits limits;

    private State state = State.START_LINE;
    /** Gathers a line that arrives in pieces; null while none does (a whole line is read in place). */
    private byte[] line;
    /** What this direction holds for a head (fields read, a line in pieces), charged to the worker's {@link HttpMemory}. */
    private final HttpMemory.Holding held = new HttpMemory.Holding() {
        @Override
        void evict() {
            giveUpForMemory();
        }
    };
    /** Bytes of {@link #line} charged to {@link #held}. */
    private int lineCharged;
    private int lineLen;
    /** Packet times of the line's bytes: from {@code markAt[i]} on, they came at {@code markTs[i]}. */
    private int[] markAt = new int[4];
    private long[] markTs = new long[4];
    private int marks;

    // current message
    private int headBytes;
    private int headerCount;
    private long startTs;
    private StartLines.RequestLine requestLine;
    private StartLines.StatusLine statusLine;
    private final List<Header> headers = new ArrayList<>();
    private boolean foldReported;
    private HttpTransaction tx;
    private Entity entity;
    private long remaining;
    private long contentLength;

    MessageReader(HttpConnectionParser conn, boolean toServer) {
        this.conn = conn;
        this.toServer = toServer;
        this.limits = conn.limits();
    }

    State state() {
        return state;
    }

    void data(long ts, byte[] b, int off, int len) {
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
                case TUNNEL, CLOSED, AWAIT_TUNNEL -> off = end;
                default -> off = lineBytes(ts, b, off, end);
            }
        }
    }

    // ---- lines ----

    private int lineBytes(long ts, byte[] b, int off, int end) {
        int lf = off;
        while (lf < end && b[lf] != '\n') {
            lf++;
        }
        boolean complete = lf < end;
        int n = (complete ? lf + 1 : end) - off;
        int room = switch (state) {
            case CHUNK_SIZE, CHUNK_DATA_END -> MAX_CHUNK_LINE;
            case RESYNC -> limits.maxHeaderBytes();
            default -> limits.maxHeaderBytes() - headBytes;
        };
        if (lineLen + n > room) {
            if (state != State.RESYNC) {
                lineTooLong();
                return off; // now in RESYNC, which takes these bytes
            }
            // Resync keeps scanning with only the last `room` bytes of an over-long line, counted over
            // what it gathered and these bytes together: keeping the last `room` bytes of each call
            // instead made finding a start line at the end of the line depend on where TCP segments
            // happened to be cut (found by HttpParserFuzzTest).
            int drop = lineLen + n - room;
            if (drop < lineLen) {
                dropLineStart(drop);
            } else {
                off += drop - lineLen;
                n -= drop - lineLen;
                lineLen = 0;
            }
        }
        if (lineLen == 0 && complete) {
            markTime(ts);
            onLine(lineText(b, off, n), n); // the whole line is here: read it in place
            return off + n;
        }
        markTime(ts);
        if (line == null) {
            line = new byte[Math.max(256, n)];
        } else if (lineLen + n > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, lineLen + n));
        }
        if (line.length > lineCharged) {
            int more = line.length - lineCharged;
            lineCharged = line.length;
            if (!hold(more)) {
                return off + n; // given up: these bytes go with what was gathered
            }
        }
        System.arraycopy(b, off, line, lineLen, n);
        lineLen += n;
        if (complete) {
            int raw = lineLen;
            String s = lineText(line, 0, raw);
            lineLen = 0;
            dropLine(); // a connection at rest holds no line buffer
            onLine(s, raw);
        }
        return off + n;
    }

    /** Notes that the bytes about to be added to the line came at {@code ts}. */
    private void markTime(long ts) {
        if (lineLen == 0) {
            marks = 0;
        }
        if (marks > 0 && markTs[marks - 1] == ts) {
            return;
        }
        if (marks == markAt.length) {
            markAt = Arrays.copyOf(markAt, marks * 2);
            markTs = Arrays.copyOf(markTs, marks * 2);
        }
        markAt[marks] = lineLen;
        markTs[marks++] = ts;
    }

    /** Removes the first {@code drop} bytes of the line (fewer than it holds), keeping their times right. */
    private void dropLineStart(int drop) {
        System.arraycopy(line, drop, line, 0, lineLen - drop);
        lineLen -= drop;
        int first = 0;
        while (first + 1 < marks && markAt[first + 1] <= drop) {
            first++;
        }
        marks -= first;
        System.arraycopy(markAt, first, markAt, 0, marks);
        System.arraycopy(markTs, first, markTs, 0, marks);
        markAt[0] = 0;
        for (int i = 1; i < marks; i++) {
            markAt[i] -= drop;
        }
    }

    /** Returns the packet time of the line's byte at {@code pos} (the line just read, or the one being read). */
    private long timeAt(int pos) {
        int i = marks - 1;
        while (i > 0 && markAt[i] > pos) {
            i--;
        }
        return markTs[i];
    }

    /** Returns a line's text without its LF and a CR before it. */
    private static String lineText(byte[] b, int off, int rawLen) {
        int len = rawLen - 1;
        if (len > 0 && b[off + len - 1] == '\r') {
            len--;
        }
        return new String(b, off, len, StandardCharsets.ISO_8859_1);
    }

    private void lineTooLong() {
        switch (state) {
            case START_LINE, HEADERS -> {
                anomaly("http.header_too_long", "head over " + limits.maxHeaderBytes() + " bytes");
                abortHead("header too long", "http.max-header-bytes");
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

    private void onLine(String s, int rawLen) {
        switch (state) {
            case START_LINE -> {
                if (s.isEmpty()) {
                    return; // RFC 9112 §2.2: ignore empty lines before a request line
                }
                if (!startLine(s, timeAt(0))) {
                    anomaly(toServer ? "http.bad_request_line" : "http.bad_status_line", excerpt(s));
                    enterResync();
                    return;
                }
                headBytes = rawLen;
                hold(rawLen + HttpMemory.PER_LINE);
            }
            case RESYNC -> {
                int at = toServer ? StartLines.findRequest(s) : StartLines.findStatus(s);
                // The message starts when the bytes of its start line came, not those of the junk before.
                if (at >= 0 && startLine(s.substring(at), timeAt(at))) {
                    headBytes = rawLen - at;
                    hold(rawLen + HttpMemory.PER_LINE);
                }
            }
            case HEADERS -> {
                headBytes += rawLen;
                if (hold(rawLen + HttpMemory.PER_LINE)) {
                    headerLine(s);
                }
            }
            case CHUNK_SIZE -> chunkSize(s);
            case CHUNK_DATA_END -> {
                if (s.isEmpty()) {
                    state = State.CHUNK_SIZE;
                } else {
                    anomaly("http.bad_chunk_terminator", "expected CRLF after chunk data: " + excerpt(s));
                    finishMessage(false, "bad chunk terminator");
                    enterResync();
                }
            }
            case TRAILERS -> {
                headBytes += rawLen;
                if (s.isEmpty()) {
                    finishMessage(true, null);
                }
            }
            default -> throw new IllegalStateException("line in state " + state);
        }
    }

    /** Parses a start line whose first byte came at {@code ts}; on success begins a message in state HEADERS. */
    private boolean startLine(String s, long ts) {
        if (toServer) {
            requestLine = StartLines.request(s);
            if (requestLine == null) {
                return false;
            }
        } else {
            statusLine = StartLines.status(s);
            if (statusLine == null) {
                return false;
            }
        }
        startTs = ts;
        headers.clear();
        headerCount = 0;
        foldReported = false;
        state = State.HEADERS;
        return true;
    }

    private void headerLine(String s) {
        if (s.isEmpty()) {
            headComplete();
            return;
        }
        char c0 = s.charAt(0);
        if (c0 == ' ' || c0 == '\t') {
            if (!foldReported) {
                foldReported = true;
                anomaly("http.obs_fold", "obsolete header line folding");
            }
            if (!headers.isEmpty()) {
                Header last = headers.removeLast();
                headers.add(new Header(last.name(), (last.value() + " " + s.trim()).trim()));
            }
            return;
        }
        int colon = s.indexOf(':');
        String name = colon > 0 ? s.substring(0, colon) : "";
        if (name.isEmpty() || !isToken(name)) {
            anomaly("http.bad_header_line", excerpt(s));
            return;
        }
        if (++headerCount > limits.maxHeaderCount()) {
            anomaly("http.too_many_headers", "more than " + limits.maxHeaderCount() + " header fields");
            abortHead("too many headers", "http.max-headers");
            enterResync();
            return;
        }
        headers.add(new Header(name, s.substring(colon + 1).trim()));
    }

    private static boolean isToken(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= 0x20 || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    private void chunkSize(String s) {
        int semi = s.indexOf(';');
        String hex = (semi < 0 ? s : s.substring(0, semi)).strip();
        long size = 0;
        boolean ok = !hex.isEmpty();
        int significant = 0;
        for (int i = 0; ok && i < hex.length(); i++) {
            int d = Character.digit(hex.charAt(i), 16);
            if (d < 0 || hex.charAt(i) > 'f') {
                ok = false;
            } else if (size > 0 || d > 0) {
                ok = ++significant <= 15;
                size = size << 4 | d;
            }
        }
        if (!ok) {
            anomaly("http.bad_chunk_size", excerpt(s));
            finishMessage(false, "bad chunk size");
            enterResync();
        } else if (size == 0) {
            state = State.TRAILERS;
            headBytes = 0;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
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

    private void requestHead() {
        tx = conn.newRequestTx();
        fillRequest(tx);
        conn.memory().transfer(held, tx.held);
        conn.listener().requestHeaders(tx);
        if ("CONNECT".equals(tx.method)) {
            finishMessage(true, null);
            state = State.AWAIT_TUNNEL;
            return;
        }
        startBody(framing(), 0);
    }

    private void fillRequest(HttpTransaction t) {
        t.method = requestLine.method();
        t.uri = requestLine.target();
        t.protocol = requestLine.version();
        t.requestHeaders.addAll(headers);
        t.host = HeaderValues.first(headers, "Host");
        t.userAgent = HeaderValues.first(headers, "User-Agent");
        t.referer = HeaderValues.first(headers, "Referer");
        t.requestContentType = HeaderValues.mediaType(HeaderValues.first(headers, "Content-Type"));
        t.requestTsNanos = startTs;
        t.requestSeen = true;
    }

    private void responseHead() {
        int status = statusLine.status();
        if (status < 200 && status != 101) {
            conn.interimResponse();
            resetMessage();
            state = State.START_LINE;
            return;
        }
        tx = conn.takeResponseTx();
        fillResponse(tx);
        conn.memory().transfer(held, tx.held);
        conn.listener().responseHeaders(tx);
        boolean connect = "CONNECT".equals(tx.method);
        if (status == 101 || (connect && status / 100 == 2)) {
            finishMessage(true, null);
            conn.enterTunnel();
            return;
        }
        if (connect) {
            conn.connectRefused();
        }
        if ("HEAD".equals(tx.method) || status == 204 || status == 304) {
            finishMessage(true, null);
            return;
        }
        startBody(framing(), status);
    }

    private void fillResponse(HttpTransaction t) {
        t.status = statusLine.status();
        t.statusMessage = statusLine.reason();
        t.responseProtocol = statusLine.version();
        t.responseHeaders.addAll(headers);
        t.responseContentType = HeaderValues.mediaType(HeaderValues.first(headers, "Content-Type"));
        t.responseTsNanos = startTs;
        t.responseSeen = true;
    }

    /** Decides body framing (RFC 9112 §6.3) and sets {@link #contentLength} for FIXED. */
    private Framing framing() {
        List<String> te = HeaderValues.listValues(headers, "Transfer-Encoding");
        contentLength = contentLength();
        boolean hasLength = HeaderValues.first(headers, "Content-Length") != null;
        if (!te.isEmpty()) {
            boolean chunked = te.getLast().equals("chunked");
            if (chunked && hasLength) {
                anomaly("http.chunked_with_content_length", "Transfer-Encoding chunked and Content-Length both sent; chunked used");
            }
            if (chunked) {
                if (te.size() > 1) {
                    anomaly("http.unsupported_transfer_encoding", "Transfer-Encoding " + String.join(", ", te));
                }
                return Framing.CHUNKED;
            }
            anomaly("http.bad_transfer_encoding", "Transfer-Encoding " + String.join(", ", te) + " does not end in chunked");
            return toServer ? Framing.NONE : Framing.CLOSE;
        }
        if (contentLength >= 0) {
            return Framing.FIXED;
        }
        return toServer ? Framing.NONE : Framing.CLOSE;
    }

    /**
     * Returns the Content-Length, or -1 when absent or unreadable. Repeated equal values are fine; of
     * different values the first is used ({@code http.conflicting_content_length}).
     */
    private long contentLength() {
        List<String> values = HeaderValues.listValues(headers, "Content-Length");
        long first = -1;
        boolean conflict = false;
        for (String v : values) {
            long n = HeaderValues.digits(v);
            if (n < 0) {
                anomaly("http.bad_content_length", excerpt(v));
            } else if (first < 0) {
                first = n;
            } else if (n != first) {
                conflict = true;
            }
        }
        if (conflict) {
            anomaly("http.conflicting_content_length", "Content-Length values " + values + "; first used");
        }
        return first;
    }

    private void startBody(Framing framing, int status) {
        if (framing == Framing.NONE || (framing == Framing.FIXED && contentLength == 0)) {
            finishMessage(true, null);
            return;
        }
        entity = newEntity(framing == Framing.CHUNKED, framing == Framing.FIXED ? contentLength : -1, status);
        switch (framing) {
            case FIXED -> {
                remaining = contentLength;
                state = State.FIXED_BODY;
            }
            case CHUNKED -> state = State.CHUNK_SIZE;
            default -> state = State.CLOSE_BODY;
        }
    }

    private Entity newEntity(boolean chunked, long declared, int status) {
        String type = HeaderValues.mediaType(HeaderValues.first(headers, "Content-Type"));
        List<String> codings = new ArrayList<>(HeaderValues.listValues(headers, "Content-Encoding"));
        codings.removeIf(c -> c.equals("identity"));
        long[] range = {-1, -1, -1};
        String contentRange = HeaderValues.first(headers, "Content-Range");
        if (status == 206 && contentRange != null) {
            long[] r = HeaderValues.contentRange(contentRange);
            if (r == null) {
                anomaly("http.bad_content_range", excerpt(contentRange));
            } else {
                range = r;
            }
        }
        MultipartReader.Mode mode = null;
        if (toServer && "multipart/form-data".equals(type)) {
            mode = MultipartReader.Mode.FORM_DATA;
        } else if (!toServer && status == 206 && "multipart/byteranges".equals(type)) {
            mode = MultipartReader.Mode.BYTERANGES;
        }
        String boundary = null;
        if (mode != null) {
            Map<String, String> p = HeaderValues.params(HeaderValues.first(headers, "Content-Type"));
            boundary = p.get("boundary");
            if (boundary == null || boundary.isEmpty() || boundary.length() > 200) {
                anomaly("http.multipart_no_boundary", "multipart body without a usable boundary");
                mode = null;
            }
        }
        EntityInfo info = new EntityInfo(HeaderValues.filename(HeaderValues.first(headers, "Content-Disposition")),
                type, declared, List.copyOf(codings), chunked, range[0], range[1], range[2], false, null, -1);
        return new Entity(conn, tx, toServer, info, codings, mode, boundary);
    }

    // ---- bodies ----

    private void body(byte[] b, int off, int n) {
        if (toServer) {
            tx.requestBodyLength += n;
        } else {
            tx.responseBodyLength += n;
        }
        entity.data(b, off, n);
    }

    private void bodyGap(long n) {
        tx.gaps = true;
        if (n > 0) {
            if (toServer) {
                tx.requestBodyLength += n;
            } else {
                tx.responseBodyLength += n;
            }
        }
        entity.gap(n);
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
        if (toServer) {
            tx = conn.newRequestTx();
            fillRequest(tx);
            conn.memory().transfer(held, tx.held);
            markLimit(limitKey);
            conn.listener().requestHeaders(tx);
            finishMessage(false, reason);
        } else if (statusLine.status() >= 200 || statusLine.status() == 101) {
            tx = conn.takeResponseTx();
            fillResponse(tx);
            conn.memory().transfer(held, tx.held);
            markLimit(limitKey);
            conn.listener().responseHeaders(tx);
            finishMessage(false, reason);
        } else {
            resetMessage();
        }
    }

    private void markLimit(String limitKey) {
        if (limitKey != null) {
            tx.limitMet(limitKey);
        }
    }

    /**
     * Charges {@code n} more bytes of what this direction holds to the worker's budget; when the
     * budget has no room even after evicting older holdings, gives up what it holds and returns false.
     */
    private boolean hold(long n) {
        if (conn.memory().charge(held, n)) {
            return true;
        }
        giveUpForMemory();
        return false;
    }

    /**
     * Gives up the head being read, or the line being gathered, because the worker's HTTP memory is
     * spent ({@code http.memcap}): like a head that is too long, but without keeping its fields.
     */
    private void giveUpForMemory() {
        anomaly("http.memcap", "HTTP memory limit reached");
        headers.clear();
        conn.memory().release(held);
        lineCharged = 0;
        switch (state) {
            case START_LINE, HEADERS -> {
                lineLen = 0;
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
            default -> {
                lineLen = 0;
                line = null;
            }
        }
    }

    /** Lets the line buffer go and gives its charge back. */
    private void dropLine() {
        line = null;
        if (lineCharged > 0) {
            conn.memory().uncharge(held, lineCharged);
            lineCharged = 0;
        }
    }

    private void resetMessage() {
        conn.memory().release(held);
        lineCharged = 0;
        tx = null;
        entity = null;
        requestLine = null;
        statusLine = null;
        headers.clear();
        headerCount = 0;
        headBytes = 0;
        remaining = 0;
    }

    private void enterResync() {
        state = State.RESYNC;
        lineLen = 0;
        dropLine();
        conn.memory().release(held);
    }

    // ---- direction events ----

    /** Tells that {@code len} bytes were lost here (negative: unknown). */
    void gap(long len) {
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
            case TUNNEL, CLOSED, AWAIT_TUNNEL -> {
                // not HTTP any more
            }
            case RESYNC -> lineLen = 0;
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
        switch (state) {
            case HEADERS -> abortHead("connection closed in headers", null);
            case FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END -> finishMessage(false, "connection closed");
            case TRAILERS, CLOSE_BODY -> finishMessage(true, null);
            default -> {
                // no message open
            }
        }
        state = State.CLOSED;
        lineLen = 0;
        dropLine();
        conn.memory().release(held);
    }

    /** Stops reading HTTP: the connection became a tunnel. */
    void tunnel() {
        if (tx != null || entity != null) {
            finishMessage(false, "connection switched protocols");
        }
        if (state != State.CLOSED) {
            state = State.TUNNEL;
        }
    }

    /** Returns to reading requests after a CONNECT was refused. */
    void resumeAfterConnect() {
        if (state == State.AWAIT_TUNNEL) {
            state = State.START_LINE;
        }
    }

    private void anomaly(String name, String detail) {
        conn.listener().anomaly(tx, toServer, name, detail);
    }

    private static String excerpt(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return HeaderValues.excerpt(b, 0, b.length);
    }
}
