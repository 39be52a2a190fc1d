package io.spanwatch.sensor.http;

import java.util.ArrayDeque;

/**
 * Parses both directions of one HTTP/1.x connection into transactions, entity bodies and anomalies,
 * reported to an {@link HttpListener}. Bytes arrive in order per direction from TCP reassembly, which
 * has already decided which side is the client.
 *
 * <p>Each direction is one {@link MessageReader} state machine; this class pairs requests with
 * responses first-in first-out (pipelining), skips 1xx interim responses, switches to tunnel mode
 * after {@code 101} or a 2xx answer to {@code CONNECT}, and reports each transaction through
 * {@link HttpListener#transactionDone} once, in transaction order, when both its halves are over.
 * Malformed input never throws: it becomes a named anomaly and parsing continues, resynchronising on
 * the next plausible start line when framing is lost.
 *
 * <p>Limits ({@link HttpLimits}, defaults in brackets), each reported by the named anomaly:
 * <ul>
 *   <li>head size [{@value HttpLimits#DEFAULT_MAX_HEADER_BYTES} bytes]: {@code http.header_too_long}</li>
 *   <li>header count [{@value HttpLimits#DEFAULT_MAX_HEADER_COUNT}]: {@code http.too_many_headers}</li>
 *   <li>decoded bytes per body [{@value HttpLimits#DEFAULT_MAX_DECODED_BYTES}] and decompression ratio
 *       [{@value HttpLimits#DEFAULT_MAX_DECOMPRESSION_RATIO} once
 *       {@value HttpLimits#DEFAULT_RATIO_MIN_DECODED_BYTES} bytes were decoded]: {@code http.decompression_limit}</li>
 *   <li>multipart parts per body [{@value HttpLimits#DEFAULT_MAX_MULTIPART_PARTS}]: {@code http.multipart_too_many_parts}</li>
 *   <li>requests waiting for a response [{@value HttpLimits#DEFAULT_MAX_PENDING_TRANSACTIONS}]: {@code http.too_many_pending}</li>
 *   <li>chunk-size line [{@value MessageReader#MAX_CHUNK_LINE} bytes, fixed]: {@code http.bad_chunk_size}</li>
 *   <li>brotli hold-back [one window as the stream declares, 64 KiB to 16 MiB, plus
 *       {@value BrotliDecoder#MARGIN} bytes, fixed by org.brotli:dec]; raw bytes kept for pass-through
 *       until the first decoded byte [{@value ContentDecoder#PROBE_MAX}, fixed]</li>
 *   <li>{@link #probe} looks at most [{@value #PROBE_LIMIT} bytes, fixed]</li>
 * </ul>
 *
 * <p>Not thread-safe: one connection's parser is used by one thread at a time.
 */
public final class HttpConnectionParser {

    /** What the first bytes of a stream look like. */
    public enum Probe {
        REQUEST, RESPONSE, NEED_MORE, NOT_HTTP,
        /**
         * A server's HTTP/2 preface, a SETTINGS frame, before any client byte: an HTTP/2 server that
         * speaks first (Go's, for one) on a connection with prior knowledge. The parser is then started
         * with {@link #http2FromStart}.
         */
        HTTP2_SERVER
    }

    /** A server preface's frame header: its length (byte 2) varies, the rest is fixed (probed on every new connection). */
    private static final byte[] SERVER_PREFACE_START = {0, 0, -1, Http2Session.SETTINGS, 0, 0, 0, 0, 0};

    /** Most bytes {@link #probe} waits for before deciding {@link Probe#NOT_HTTP}. */
    public static final int PROBE_LIMIT = 2048;

    private final HttpListener listener;
    private final HttpLimits limits;
    private final HttpMemory memory;
    private final MessageReader client;
    private final MessageReader server;
    /** Transactions not yet reported done, in txId order. */
    private final ArrayDeque<HttpTransaction> open = new ArrayDeque<>(2);
    /** Transactions whose request was read and whose final response has not started. */
    private final ArrayDeque<HttpTransaction> awaiting = new ArrayDeque<>(2);
    private int nextTxId;
    private boolean tunnel;
    /** The CONNECT transaction whose 2xx made the connection a tunnel ({@link #connectTunnel}), or null. */
    private HttpTransaction connectTx;
    private TunnelSink connectSink;
    /** The connection's HTTP/2 reader once it switched to HTTP/2 (prior knowledge or {@code Upgrade: h2c}). */
    private Http2Session h2;
    /**
     * Whether the server's direction is still HTTP/1 while the client's is HTTP/2: the client sent
     * its preface before the server's 101 to its {@code Upgrade: h2c} request came (a server reads
     * such a preface once it switched, so it works), until that 101.
     */
    private boolean serverHttp1;
    private boolean serverEnded;

    /** Creates a parser with a memory budget of its own (unbounded beyond {@code limits}). */
    public HttpConnectionParser(HttpListener listener, HttpLimits limits) {
        this(listener, limits, HttpMemory.unlimited());
    }

    /** Creates a parser that charges the heads it holds to {@code memory}, shared by one worker's connections. */
    public HttpConnectionParser(HttpListener listener, HttpLimits limits, HttpMemory memory) {
        this.listener = listener;
        this.limits = limits;
        this.memory = memory;
        this.client = new MessageReader(this, true);
        this.server = new MessageReader(this, false);
    }

    /** Takes the next in-order bytes of one direction; the buffer is lent for the call only. */
    public void data(boolean toServer, long tsNanos, byte[] buf, int off, int len) {
        if (len > 0) {
            if (http2Reads(toServer)) {
                h2.data(toServer, tsNanos, buf, off, len);
            } else {
                reader(toServer).data(tsNanos, buf, off, len);
            }
        }
    }

    /** Tells that {@code len} bytes of one direction were lost (negative: an unknown number). */
    public void gap(boolean toServer, long tsNanos, long len) {
        if (len != 0) {
            if (http2Reads(toServer)) {
                h2.gap(toServer, len);
            } else {
                reader(toServer).gap(len);
            }
        }
    }

    /** Tells that one direction ended (FIN or RST). */
    public void end(boolean toServer, long tsNanos) {
        reader(toServer).end();
        if (http2Reads(toServer)) {
            h2.end(toServer);
        }
        if (!toServer && !serverEnded) {
            serverEnded = true;
            // No response can come any more.
            while (!awaiting.isEmpty()) {
                awaiting.poll().responseEnded = true;
            }
            flush();
        }
    }

    /** Tells that the connection is gone: ends everything open and reports every unfinished transaction. */
    public void close(long tsNanos) {
        client.end();
        end(false, tsNanos);
        for (HttpTransaction t : open) {
            t.requestEnded = true;
            t.responseEnded = true;
        }
        flush();
        if (h2 != null) {
            h2.close();
        }
    }

    /** Tells whether the connection stopped being HTTP (101 to another protocol than h2c, or 2xx to CONNECT). */
    public boolean isTunnel() {
        return tunnel;
    }

    /**
     * Tells whether a stream starting with these bytes is HTTP/1.x: a request line up to {@code HTTP/}
     * and a digit, or a status line up to its 3-digit code. Leading CR/LF are skipped. A request line
     * that has not ended within {@value #PROBE_LIMIT} bytes, and is well formed so far, is HTTP when
     * its method is one of HTTP's own. Answers
     * {@link Probe#NEED_MORE} only while the bytes could still become HTTP and fewer than
     * {@value #PROBE_LIMIT} were given.
     */
    public static Probe probe(byte[] buf, int off, int len) {
        int end = off + len;
        int settings = serverPreface(buf, off, end);
        if (settings == StartLines.MATCH) {
            return Probe.HTTP2_SERVER;
        } else if (settings == StartLines.MORE) {
            return Probe.NEED_MORE;
        }
        int i = off;
        while (i < end && (buf[i] == '\r' || buf[i] == '\n')) {
            i++;
        }
        int status = StartLines.probeStatus(buf, i, end);
        if (status == StartLines.MATCH) {
            return Probe.RESPONSE;
        }
        int request = StartLines.probeRequest(buf, i, end);
        if (request == StartLines.MATCH) {
            return Probe.REQUEST;
        }
        if ((status == StartLines.MORE || request == StartLines.MORE) && len < PROBE_LIMIT) {
            return Probe.NEED_MORE;
        }
        // A request line longer than the probe (a long query string, a long path): decided on the
        // method, as Suricata's detection does; the parser applies the start-line limit from here.
        if (request == StartLines.MORE && StartLines.knownMethod(buf, i, end)) {
            return Probe.REQUEST;
        }
        return Probe.NOT_HTTP;
    }

    /**
     * Tells whether bytes begin an HTTP/2 server preface (RFC 9113 §3.4): a SETTINGS frame on stream 0,
     * without flags, of whole settings (at most 16), the first (when there is one) a setting HTTP/2
     * defines (1 to 9). MORE while fewer bytes than that tells fit.
     */
    static int serverPreface(byte[] b, int off, int end) {
        byte[] expect = SERVER_PREFACE_START;
        int n = Math.min(end - off, expect.length);
        for (int k = 0; k < n; k++) {
            if (k != 2 && b[off + k] != expect[k]) {
                return StartLines.NO;
            }
        }
        if (n > 2 && ((b[off + 2] & 0xff) % 6 != 0 || (b[off + 2] & 0xff) > 96)) {
            return StartLines.NO;
        }
        if (n < expect.length) {
            return StartLines.MORE;
        }
        if (b[off + 2] == 0) {
            return StartLines.MATCH;
        }
        if (end - off < expect.length + 2) {
            return StartLines.MORE;
        }
        int id = ((b[off + 9] & 0xff) << 8) | (b[off + 10] & 0xff);
        return id >= 1 && id <= 9 ? StartLines.MATCH : StartLines.NO;
    }

    /**
     * Starts the connection as HTTP/2 from its first byte (the server spoke first: {@link
     * Probe#HTTP2_SERVER}); the client's bytes must begin with the whole preface.
     */
    public void http2FromStart() {
        if (mayStartHttp2()) {
            startHttp2(null, false);
        }
    }

    // ---- used by MessageReader and Entity ----

    HttpListener listener() {
        return listener;
    }

    HttpLimits limits() {
        return limits;
    }

    HttpMemory memory() {
        return memory;
    }

    private HttpTransaction newTx() {
        HttpTransaction t = new HttpTransaction(nextTxId++);
        t.held = new TxHolding(t);
        return t;
    }

    /** What a transaction keeps; evicting it drops its header fields and, if it waits for an answer, finishes it unanswered. */
    private final class TxHolding extends HttpMemory.Holding {
        private final HttpTransaction tx;

        TxHolding(HttpTransaction tx) {
            this.tx = tx;
        }

        @Override
        protected void evict() {
            tx.requestHeaders.clear();
            tx.responseHeaders.clear();
            tx.limitMet("http.memcap");
            memory.release(this);
            listener.anomaly(tx, true, "http.memcap", "HTTP memory limit reached");
            if (awaiting.remove(tx)) {
                tx.responseEnded = true;
                flush();
            }
        }
    }

    HttpTransaction newRequestTx() {
        HttpTransaction t = newTx();
        open.add(t);
        if (serverEnded) {
            t.responseEnded = true;
        } else {
            awaiting.add(t);
            if (awaiting.size() > limits.maxPendingTransactions()) {
                HttpTransaction dropped = awaiting.poll();
                dropped.limitMet("http.max-pending");
                listener.anomaly(dropped, true, "http.too_many_pending",
                        "more than " + limits.maxPendingTransactions() + " requests without response");
                dropped.responseEnded = true;
                flush();
            }
        }
        return t;
    }

    /**
     * Makes the transaction of a head an HTTP/1 reader just read (a request's new one, or the one a
     * final response answers), fills it in from the head, moves the head's memory to it and tells the
     * listener.
     */
    HttpTransaction openTx(boolean toServer, Head head, StartLines.RequestLine requestLine, long ts, HttpMemory.Holding headHeld,
            String limitKey) {
        HttpTransaction t;
        if (toServer) {
            t = newRequestTx();
            head.fillRequest(t, requestLine, ts);
        } else {
            t = takeResponseTx();
            head.fillResponse(t, ts);
        }
        memory.transfer(headHeld, t.held);
        if (limitKey != null) {
            t.limitMet(limitKey);
        }
        if (toServer) {
            listener.requestHeaders(t);
        } else {
            listener.responseHeaders(t);
        }
        return t;
    }

    /** Returns the transaction a final response answers, creating one without request when none waits. */
    HttpTransaction takeResponseTx() {
        HttpTransaction t = awaiting.poll();
        if (t == null) {
            t = newTx();
            t.requestEnded = true;
            open.add(t);
        }
        return t;
    }

    /** Tells whether the response starting now may be HTTP/0.9: the listener allows it and it answers a request other than HEAD. */
    boolean acceptsHttp09() {
        HttpTransaction t = awaiting.peek();
        return t != null && !"HEAD".equals(t.method) && listener.acceptsHttp09();
    }

    /** Returns the transaction an HTTP/0.9 response (no status line, no headers) answers, told to the listener. */
    HttpTransaction http09Response(long tsNanos) {
        HttpTransaction t = takeResponseTx();
        t.status = 200;
        t.statusMessage = "";
        t.responseProtocol = "HTTP/0.9";
        t.responseTsNanos = tsNanos;
        t.responseSeen = true;
        listener.responseHeaders(t);
        return t;
    }

    void interimResponse() {
        HttpTransaction t = awaiting.peek();
        if (t != null) {
            t.interimResponses++;
        }
    }

    void requestEnded(HttpTransaction t) {
        t.requestEnded = true;
        flush();
    }

    void responseEnded(HttpTransaction t) {
        t.responseEnded = true;
        flush();
    }

    void enterTunnel() {
        tunnel = true;
        client.tunnel();
        server.tunnel();
    }

    /**
     * Switches the connection to HTTP/2: both HTTP/1 readers stop, and what follows in each direction
     * is HTTP/2's (the bytes left in the buffer a reader was reading come through {@link #tunnelData}).
     *
     * @param upgraded the request answered by {@code 101} with {@code Upgrade: h2c}, or null for prior knowledge
     * @param prefaceHeadRead whether the HTTP/1 reader read the client's preface up to its empty line
     */
    void startHttp2(HttpTransaction upgraded, boolean prefaceHeadRead) {
        h2 = new Http2Session(this, upgraded, prefaceHeadRead);
        client.tunnel();
        server.tunnel();
        listener.switchedProtocol("http2");
    }

    /**
     * Takes the client's preface, read by its HTTP/1 reader up to the empty line: the connection is
     * HTTP/2 with prior knowledge, or, while a request asking {@code Upgrade: h2c} waits for its
     * answer, the client switched early and the server's direction stays HTTP/1 until its 101.
     */
    void clientPreface() {
        for (HttpTransaction t : awaiting) {
            if (asksForH2c(t)) {
                h2 = new Http2Session(this, null, true);
                serverHttp1 = true;
                client.tunnel();
                listener.switchedProtocol("http2");
                return;
            }
        }
        startHttp2(null, true);
    }

    /** Switches to HTTP/2 after a 101 naming {@code h2c}: {@code upgraded}'s answer is stream 1's. */
    void upgradeToHttp2(HttpTransaction upgraded) {
        if (serverHttp1) {
            serverHttp1 = false;
            h2.upgraded(upgraded);
            server.tunnel();
        } else {
            byte[] held = heldPreface(client.heldStart()); // a preface begun before the 101, its head not read whole
            startHttp2(upgraded, false);
            if (held != null) {
                h2.data(true, upgraded.responseTsNanos, held, 0, held.length);
            }
        }
    }

    /** Returns the bytes of {@code text} when it begins the HTTP/2 preface, else null. */
    private static byte[] heldPreface(String text) {
        byte[] b = text == null ? new byte[0] : text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        return b.length > 0 && b.length <= Http2Session.PREFACE.length
                && java.util.Arrays.equals(b, 0, b.length, Http2Session.PREFACE, 0, b.length) ? b : null;
    }

    /**
     * Tells whether a request head just read is the start of the HTTP/2 connection preface
     * ({@code PRI * HTTP/2.0} and an empty line, RFC 9113 §3.4), sent with prior knowledge.
     */
    boolean http2Preface(StartLines.RequestLine rl, boolean noFields) {
        return "PRI".equals(rl.method()) && "*".equals(rl.target()) && "HTTP/2.0".equals(rl.version()) && noFields && mayStartHttp2();
    }

    /**
     * Tells whether a final response makes the connection leave HTTP/1: a 101, or a 2xx to CONNECT
     * (a CONNECT refused goes on as HTTP/1). A 101 to a request without Upgrade is
     * {@code http.unrequested_upgrade}.
     */
    boolean switchesProtocols(HttpTransaction t, int status) {
        boolean connect = "CONNECT".equals(t.method);
        if (status == 101 && t.requestSeen && t.requestHeader("Upgrade") == null) {
            listener.anomaly(t, false, "http.unrequested_upgrade", "101 Switching Protocols to a request without Upgrade");
        }
        if (status == 101 || (connect && status / 100 == 2)) {
            return true;
        }
        if (connect) {
            connectRefused();
        }
        return false;
    }

    /**
     * Leaves HTTP/1 after {@code t}'s final response: HTTP/2 when a 101 answers an h2c upgrade (it
     * names {@code h2c} in its Upgrade field, RFC 7540 §3.2, or names nothing to a request that asked
     * for it: curl switches on any 101 then), else a tunnel.
     */
    void switchProtocols(HttpTransaction t) {
        String upgrade = t.responseHeader("Upgrade");
        boolean h2c = upgrade != null ? "h2c".equalsIgnoreCase(upgrade.trim()) : asksForH2c(t);
        if (t.status == 101 && h2c && mayUpgradeToHttp2()) {
            upgradeToHttp2(t);
        } else {
            if ("CONNECT".equals(t.method) && t.status / 100 == 2) {
                connectTx = t;
            }
            enterTunnel();
        }
    }

    /** Receives the bytes of a tunnel a CONNECT opened, in each direction, as they come. */
    public interface TunnelSink {
        void data(boolean toServer, long ts, byte[] b, int off, int len);
    }

    /**
     * Hands the bytes of a tunnel a 2xx to CONNECT opens to {@code sink} (the connection tracker
     * reads what it carries: HTTP or TLS, as Zeek and Suricata do), instead of dropping them. Only the
     * bytes this parser still holds when the tunnel opens come through here; the tracker sends it
     * nothing after that ({@link #connectTunnel}).
     */
    public void onConnectTunnel(TunnelSink sink) {
        connectSink = sink;
    }

    /** Returns the CONNECT transaction whose 2xx made the connection a tunnel, or null. */
    public HttpTransaction connectTunnel() {
        return connectTx;
    }

    /** Tells whether a request asked to switch to HTTP/2 in cleartext ({@code h2c} among its Upgrade field's tokens). */
    static boolean asksForH2c(HttpTransaction t) {
        String upgrade = t.requestHeader("Upgrade");
        return upgrade != null && Head.tokens(upgrade).stream().anyMatch("h2c"::equalsIgnoreCase);
    }

    /** Tells whether a 101 may switch the connection to HTTP/2 now. */
    boolean mayUpgradeToHttp2() {
        return mayStartHttp2() || serverHttp1;
    }

    private boolean http2Reads(boolean toServer) {
        return h2 != null && (toServer || !serverHttp1);
    }

    /** Takes a direction's bytes after its HTTP/1 reader stopped: HTTP/2's, else dropped (a tunnel). */
    void tunnelData(boolean toServer, long ts, byte[] b, int off, int len) {
        if (http2Reads(toServer) && len > 0) {
            h2.data(toServer, ts, b, off, len);
        } else if (connectTx != null && connectSink != null && len > 0) {
            connectSink.data(toServer, ts, b, off, len);
        }
    }

    /** Tells whether an HTTP/1 reader may switch to HTTP/2 now: the connection has not already. */
    boolean mayStartHttp2() {
        return h2 == null && !tunnel;
    }

    /** Makes the transaction of one HTTP/2 stream, reported by {@link #http2Done} when the stream ends. */
    HttpTransaction newHttp2Tx() {
        return newTx();
    }

    void http2Done(HttpTransaction t) {
        memory.release(t.held);
        listener.transactionDone(t);
    }

    void connectRefused() {
        client.resumeAfterConnect();
    }

    private MessageReader reader(boolean toServer) {
        return toServer ? client : server;
    }

    private void flush() {
        while (!open.isEmpty() && open.peek().requestEnded && open.peek().responseEnded) {
            HttpTransaction t = open.poll();
            memory.release(t.held);
            listener.transactionDone(t);
        }
    }
}
