package io.spanwatch.sensor.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Reads an HTTP/2 connection in cleartext (RFC 9113): after the client's connection preface sent
 * with prior knowledge, or after an HTTP/1.1 {@code Upgrade: h2c} that the server accepted with 101.
 * Each stream is one transaction, reported to the same {@link HttpListener} as HTTP/1 ones (protocol
 * {@code HTTP/2}), with its request and response bodies as entities: DATA frames are the transferred
 * bytes, content codings are undone and multipart uploads split as for HTTP/1. A server push
 * (PUSH_PROMISE) is a transaction whose request the server wrote. Transactions are done in the order
 * their streams end, not in stream order.
 *
 * <p>Per direction: the preface (client), frame headers, DATA payloads passed on as they arrive
 * (padding stepped over), header blocks gathered over HEADERS or PUSH_PROMISE and their CONTINUATION
 * frames then decoded with that direction's {@link Hpack}, SETTINGS for the peer's header table size,
 * RST_STREAM; other frames are stepped over. HTTP/2 has nothing to resynchronise on: a lost byte
 * inside a DATA payload is a gap in that body and the frame goes on, but a loss anywhere else, a
 * header block that is not valid HPACK, or a frame sequence no receiver accepts (a CONTINUATION
 * missing, a frame header that is no frame) stops the direction: its open halves end incomplete, the
 * other direction goes on. Anomalies take Suricata's HTTP/2 event names, prefixed {@code http2.}.
 *
 * <p>Bounds: a header block gathered up to four times {@code http.max-header-bytes} (its fields kept
 * up to {@code http.max-header-bytes}: a larger block is still decoded for the header table), control
 * frames read up to {@value #MAX_CONTROL_BYTES} bytes (SETTINGS setting by setting, whole), open streams
 * at most {@code http.max-pending} (the oldest is ended first: {@code http2.too_many_streams}); the
 * header tables ({@link Hpack}) and blocks being gathered are charged to the worker's
 * {@link HttpMemory}, whose eviction stops the connection's HTTP/2 reading ({@code http.memcap}).
 */
final class Http2Session {
    /** The client connection preface (RFC 9113 §3.4). */
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    /** The bytes of the preface after its HTTP/1-shaped head, which an HTTP/1 reader stops at. */
    static final int PREFACE_HEAD = 18;
    /** Bytes of a SETTINGS, GOAWAY or other control frame read; the rest of a longer one is stepped over. */
    static final int MAX_CONTROL_BYTES = 4096;
    private static final int FRAME_HEADER = 9;

    static final int DATA = 0;
    static final int HEADERS = 1;
    static final int PRIORITY = 2;
    static final int RST_STREAM = 3;
    static final int SETTINGS = 4;
    static final int PUSH_PROMISE = 5;
    static final int PING = 6;
    static final int GOAWAY = 7;
    static final int WINDOW_UPDATE = 8;
    static final int CONTINUATION = 9;

    static final int END_STREAM = 0x1;
    static final int ACK = 0x1;
    static final int END_HEADERS = 0x4;
    static final int PADDED = 0x8;
    static final int PRIORITY_FLAG = 0x20;

    private static final int SETTINGS_HEADER_TABLE_SIZE = 1;
    /** SETTINGS frames of one side not acknowledged yet that are remembered; an older one is taken as acknowledged. */
    private static final int MAX_UNACKNOWLEDGED_SETTINGS = 16;

    private final HttpConnectionParser conn;
    private final HttpLimits limits;
    private final Dir client;
    private final Dir server;
    /** Open streams, oldest first. */
    private final LinkedHashMap<Integer, Stream> streams = new LinkedHashMap<>();
    /** Header tables and blocks being gathered, charged to the worker's budget. */
    private final HttpMemory.Holding held = new HttpMemory.Holding() {
        @Override
        protected void evict() {
            conn.memory().release(this);
            conn.listener().anomaly(null, true, "http.memcap", "HTTP memory limit reached: HTTP/2 reading stopped");
            client.stop(null, null);
            server.stop(null, null);
        }
    };

    /**
     * Starts reading HTTP/2.
     *
     * @param upgraded the HTTP/1.1 request the server switched protocols for (its response is stream
     *     1's), or null for prior knowledge
     * @param prefaceHeadRead whether the client's preface up to its empty line was read already (by the
     *     HTTP/1 reader, which stops there); otherwise the client's bytes start with the whole preface
     */
    Http2Session(HttpConnectionParser conn, HttpTransaction upgraded, boolean prefaceHeadRead) {
        this.conn = conn;
        this.limits = conn.limits();
        this.client = new Dir(true, prefaceHeadRead ? PREFACE_HEAD : 0);
        this.server = new Dir(false, PREFACE.length);
        if (upgraded != null) {
            upgraded(upgraded);
        }
    }

    /** Takes the HTTP/1.1 request a 101 switched protocols for: its answer comes on stream 1. */
    void upgraded(HttpTransaction upgraded) {
        Stream early = streams.get(1);
        if (early != null) { // a client that switched early and opened stream 1 itself: not the upgraded request's
            conn.listener().anomaly(early.tx, true, "http2.stream_id_reuse", "stream 1 opened before the 101");
            endHalf(early, true, false, "stream 1 is the upgraded request's");
            endHalf(early, false, false, "stream 1 is the upgraded request's");
        }
        Stream s = open(1);
        HttpTransaction t = s.tx;
        t.method = upgraded.method;
        t.uri = upgraded.uri;
        t.host = upgraded.host;
        t.userAgent = upgraded.userAgent;
        t.referer = upgraded.referer;
        t.requestContentType = upgraded.requestContentType;
        t.requestTsNanos = upgraded.requestTsNanos;
        t.requestSeen = upgraded.requestSeen;
        t.requestComplete = upgraded.requestComplete;
        s.requestHeadSeen = true;
        s.requestEnded = true; // its body, if any, went in HTTP/1.1 before the switch: the 101's transaction has it
        keep(t, upgraded.requestHeaders, true);
        if (streams.get(1) == s) {
            conn.listener().requestHeaders(t);
        }
        http1Settings(upgraded.requestHeader("HTTP2-Settings"));
    }

    /**
     * Applies the client's settings sent in the upgrade request's {@code HTTP2-Settings} field
     * (base64url of a SETTINGS payload, RFC 7540 §3.2.1), which the 101 acknowledged: the header table
     * size the server's encoder may use. Unreadable: {@code http2.invalid_http1_settings} (Suricata's name).
     */
    private void http1Settings(String value) {
        if (value == null) {
            return;
        }
        byte[] b;
        try {
            b = java.util.Base64.getUrlDecoder().decode(value.trim().replace('+', '-').replace('/', '_').replace("=", ""));
        } catch (IllegalArgumentException e) {
            b = null;
        }
        if (b == null || b.length % 6 != 0) {
            conn.listener().anomaly(null, true, "http2.invalid_http1_settings", "HTTP2-Settings is not a SETTINGS payload");
            return;
        }
        for (int i = 0; i + 6 <= b.length; i += 6) {
            if ((((b[i] & 0xff) << 8) | (b[i + 1] & 0xff)) == SETTINGS_HEADER_TABLE_SIZE) {
                server.allow(((b[i + 2] & 0xffL) << 24) | ((b[i + 3] & 0xff) << 16) | ((b[i + 4] & 0xff) << 8) | (b[i + 5] & 0xff));
            }
        }
    }

    void data(boolean toServer, long ts, byte[] b, int off, int len) {
        dir(toServer).data(ts, b, off, off + len);
    }

    void gap(boolean toServer, long len) {
        dir(toServer).gap(len);
    }

    /** One direction ended (FIN or RST): its open halves end, incomplete unless their stream ended. */
    void end(boolean toServer) {
        Dir d = dir(toServer);
        if (!d.stopped) {
            d.stop(null, "connection closed");
        }
    }

    /** The connection is gone: every stream is done. */
    void close() {
        end(true);
        end(false);
        for (Stream s : new ArrayList<>(streams.values())) {
            endHalf(s, true, false, "connection closed");
            endHalf(s, false, false, "connection closed");
        }
        conn.memory().release(held);
    }

    private Dir dir(boolean toServer) {
        return toServer ? client : server;
    }

    // ---- streams ----

    private static final class Stream {
        final int id;
        final HttpTransaction tx;
        Entity request;
        Entity response;
        boolean requestHeadSeen;
        boolean responseHeadSeen;
        boolean requestEnded;
        boolean responseEnded;
        /** A CONNECT stream (RFC 9113 §8.5, RFC 8441): its DATA is a tunnel's bytes, no entity. */
        boolean tunnel;
        /** The content-length each head declared for a body that must match it, or -1. */
        long requestDeclared = -1;
        long responseDeclared = -1;

        Stream(int id, HttpTransaction tx) {
            this.id = id;
            this.tx = tx;
        }
    }

    private Stream open(int id) {
        while (streams.size() >= limits.maxPendingTransactions()) {
            Stream oldest = streams.values().iterator().next();
            oldest.tx.limitMet("http.max-pending");
            conn.listener().anomaly(oldest.tx, true, "http2.too_many_streams",
                    "more than " + limits.maxPendingTransactions() + " open streams");
            endHalf(oldest, true, false, "too many streams");
            endHalf(oldest, false, false, "too many streams");
        }
        HttpTransaction t = conn.newHttp2Tx();
        t.protocol = "HTTP/2";
        t.http2StreamId = id;
        Stream s = new Stream(id, t);
        streams.put(id, s);
        // A direction that stopped carries no more of any stream.
        s.requestEnded = client.stopped;
        s.responseEnded = server.stopped;
        return s;
    }

    private void endHalf(Stream s, boolean toServer, boolean complete, String reason) {
        if (toServer ? s.requestEnded : s.responseEnded) {
            return;
        }
        Entity e = toServer ? s.request : s.response;
        if (toServer) {
            s.requestEnded = true;
            s.request = null;
            s.tx.requestComplete = complete && s.requestHeadSeen;
        } else {
            s.responseEnded = true;
            s.response = null;
            s.tx.responseComplete = complete && s.responseHeadSeen;
        }
        if (e != null) {
            e.end(complete, reason);
        }
        if (s.requestEnded && s.responseEnded && streams.remove(s.id) != null) {
            conn.http2Done(s.tx);
        }
    }

    /**
     * Ends a half at END_STREAM: complete, unless its DATA differ from the content-length its head
     * declared, which makes the message malformed (RFC 9113 §8.1.1): nghttp2 (curl) and browsers
     * fail such a stream rather than save it. {@code http2.content_length_mismatch}.
     */
    private void endStream(Stream s, boolean toServer) {
        long declared = toServer ? s.requestDeclared : s.responseDeclared;
        long got = toServer ? s.tx.requestBodyLength : s.tx.responseBodyLength;
        if (declared >= 0 && got != declared && !(toServer ? s.requestEnded : s.responseEnded)) {
            conn.listener().anomaly(s.tx, toServer, "http2.content_length_mismatch",
                    got + " bytes of DATA for a content-length of " + declared);
            endHalf(s, toServer, false, "DATA differ from content-length");
            return;
        }
        endHalf(s, toServer, true, null);
    }

    /** A decoded header block of a HEADERS frame (and its CONTINUATIONs). */
    private void headers(Dir d, int id, List<HttpTransaction.Header> fields, boolean cut, boolean endStream, long ts) {
        boolean toServer = d.toServer;
        Stream s = streams.get(id);
        if (s == null) {
            if (toServer && id <= d.lastStream) {
                return; // the trailers of a stream already done
            }
            s = open(id);
            if (toServer) {
                d.lastStream = id;
            } else {
                s.requestEnded = true; // a response to a request not seen: none can follow it
            }
        }
        HttpTransaction t = s.tx;
        if (cut) {
            t.limitMet("http.max-header-bytes");
            conn.listener().anomaly(t, toServer, "http.header_too_long", "header block past the limits");
        }
        if (toServer ? !s.requestHeadSeen : !s.responseHeadSeen) {
            if (toServer) {
                request(s, fields, ts, endStream);
            } else if (!response(s, fields, ts, endStream)) {
                return; // an interim (1xx) response: the final one follows
            }
        }
        // Later blocks are trailers: nothing of them is kept.
        if (endStream) {
            endStream(s, toServer);
        }
    }

    private void request(Stream s, List<HttpTransaction.Header> fields, long ts, boolean endStream) {
        HttpTransaction t = s.tx;
        s.requestHeadSeen = true;
        t.method = HeaderValues.first(fields, ":method");
        // A plain CONNECT names only its target (:authority); an extended one (RFC 8441) a :path too.
        String path = HeaderValues.first(fields, ":path");
        t.uri = "CONNECT".equals(t.method) && path == null ? HeaderValues.first(fields, ":authority") : path;
        String authority = HeaderValues.first(fields, ":authority");
        t.host = authority != null ? authority : HeaderValues.first(fields, "host");
        t.userAgent = HeaderValues.first(fields, "user-agent");
        t.referer = HeaderValues.first(fields, "referer");
        t.requestContentType = HeaderValues.mediaType(HeaderValues.first(fields, "content-type"));
        t.requestTsNanos = ts;
        t.requestSeen = true;
        keep(t, fields, true);
        if (streams.get(s.id) != s || s.requestEnded) {
            return; // keeping the fields took the last of the budget: this connection's reading ended
        }
        conn.listener().requestHeaders(t);
        Head head = Head.http2(fields, false, (name, detail) -> conn.listener().anomaly(t, true, name, detail));
        s.tunnel = "CONNECT".equals(t.method);
        if (!endStream && !s.requestEnded && !s.tunnel) { // (keeping the fields may have stopped the direction)
            s.request = Entity.forHead(conn, t, true, head, false, head.contentLength, 0);
            s.requestDeclared = declaredLength(fields);
        }
    }

    /** Reads a response head; returns false for an interim (1xx) one. */
    private boolean response(Stream s, List<HttpTransaction.Header> fields, long ts, boolean endStream) {
        HttpTransaction t = s.tx;
        String statusText = HeaderValues.first(fields, ":status");
        int status = statusText != null && statusText.length() == 3 ? (int) HeaderValues.digits(statusText) : -1;
        if (status < 100) {
            conn.listener().anomaly(t, false, "http2.invalid_header", "response without a valid :status");
            status = 0;
        } else if (status < 200) {
            t.interimResponses++;
            return false;
        }
        s.responseHeadSeen = true;
        t.status = status;
        t.statusMessage = "";
        t.responseProtocol = "HTTP/2";
        t.responseContentType = HeaderValues.mediaType(HeaderValues.first(fields, "content-type"));
        t.responseTsNanos = ts;
        t.responseSeen = true;
        keep(t, fields, false);
        if (streams.get(s.id) != s || s.responseEnded) {
            return true; // keeping the fields took the last of the budget: this connection's reading ended
        }
        conn.listener().responseHeaders(t);
        Head head = Head.http2(fields, true, (name, detail) -> conn.listener().anomaly(t, false, name, detail));
        if (!endStream && !s.responseEnded && !s.tunnel) {
            s.response = Entity.forHead(conn, t, false, head, false, head.contentLength, status);
            // A HEAD request's answer and 204/304 declare the length of a body they do not carry.
            boolean bodiless = "HEAD".equals(t.method) || status == 204 || status == 304;
            s.responseDeclared = bodiless ? -1 : declaredLength(fields);
        }
        return true;
    }

    /**
     * The content-length a body must match: one field of digits only. Several fields or a list are
     * not checked (Go's client ignores them and saves the body whole; nghttp2 refuses the stream).
     */
    private static long declaredLength(List<HttpTransaction.Header> fields) {
        long v = -1;
        int n = 0;
        for (HttpTransaction.Header f : fields) {
            if (f.name().equalsIgnoreCase("content-length")) {
                n++;
                v = HeaderValues.digits(f.value());
            }
        }
        return n == 1 ? v : -1;
    }

    /** Keeps a head's fields in its transaction, charged to the worker's budget as HTTP/1 heads are. */
    private void keep(HttpTransaction t, List<HttpTransaction.Header> fields, boolean request) {
        long bytes = 0;
        for (HttpTransaction.Header h : fields) {
            bytes += h.name().length() + h.value().length() + HttpMemory.PER_LINE;
        }
        if (conn.memory().charge(t.held, bytes)) {
            (request ? t.requestHeaders : t.responseHeaders).addAll(fields);
        } else {
            conn.memory().release(t.held);
            t.limitMet("http.memcap");
            conn.listener().anomaly(t, !request, "http.memcap", "HTTP memory limit reached");
        }
    }

    /** A PUSH_PROMISE: the server opens stream {@code promised} with the request it would answer. */
    private void promise(int promised, List<HttpTransaction.Header> fields, long ts) {
        if (promised == 0 || (promised & 1) != 0 || streams.containsKey(promised)) {
            conn.listener().anomaly(null, false, "http2.stream_id_reuse", "PUSH_PROMISE for stream " + promised);
            return;
        }
        Stream s = open(promised);
        request(s, fields, ts, true);
        if (streams.get(promised) == s) { // (keeping the fields may have stopped the direction and ended it)
            s.tx.requestComplete = true;
            s.requestEnded = true;
        }
    }

    private void charge(long n) {
        if (n == 0) {
            return;
        }
        if (n < 0) {
            conn.memory().uncharge(held, -n);
            return;
        }
        if (!conn.memory().charge(held, n)) {
            held.evict();
        }
    }

    /** One side's SETTINGS frame (or several merged) waiting for the other side's ACKs. */
    private static final class Pending {
        /** Its header table size, -1 when it had none. */
        long tableSize;
        int acks = 1;

        Pending(long tableSize) {
            this.tableSize = tableSize;
        }
    }

    // ---- one direction ----

    private final class Dir {
        final boolean toServer;
        final Hpack hpack = new Hpack();
        /** How much of the preface was matched (the server sends none: starts at its length). */
        int prefaceAt;
        boolean stopped;
        /** Highest client stream id opened (streams are opened in increasing order). */
        int lastStream;

        final byte[] header = new byte[FRAME_HEADER];
        int headerLen;
        int type;
        int flags;
        int streamId;
        /** Payload bytes of the current frame not read yet. */
        long left;
        /** DATA: whether the pad length byte is next; the padding still to step over at the end. */
        boolean padLengthNext;
        int padding;
        /** The payload kept of a frame read whole (headers, control), and how much of it. */
        byte[] payload = new byte[0];
        int payloadLen;
        /** A header block being gathered over HEADERS/PUSH_PROMISE and CONTINUATION frames. */
        byte[] block = new byte[0];
        int blockLen;
        int blockStream = -1;
        int blockType;
        boolean blockEndStream;
        int promised;
        long ts;
        /**
         * The header table size of each SETTINGS frame the other side sent that this side (whose
         * encoder it binds) has not acknowledged yet, oldest first; -1 for a frame without one.
         */
        final java.util.ArrayDeque<Pending> unacknowledged = new java.util.ArrayDeque<>();
        /** A SETTINGS frame being read: the last header table size in it (-1: none yet), a setting's bytes so far. */
        long settingsTableSize = -1;
        final byte[] setting = new byte[6];
        int settingLen;

        Dir(boolean toServer, int prefaceAt) {
            this.toServer = toServer;
            this.prefaceAt = prefaceAt;
        }

        void data(long ts, byte[] b, int off, int end) {
            this.ts = ts;
            while (off < end && !stopped) {
                if (prefaceAt < PREFACE.length) {
                    if (b[off] != PREFACE[prefaceAt]) {
                        stop("http2.invalid_client_magic", "the client's first bytes are not the HTTP/2 preface");
                        return;
                    }
                    prefaceAt++;
                    off++;
                } else if (headerLen < FRAME_HEADER) {
                    int n = Math.min(FRAME_HEADER - headerLen, end - off);
                    System.arraycopy(b, off, header, headerLen, n);
                    headerLen += n;
                    off += n;
                    if (headerLen == FRAME_HEADER) {
                        frameStart();
                    }
                } else {
                    off = payload(b, off, end);
                }
                if (headerLen == FRAME_HEADER && left == 0 && !stopped) {
                    frameEnd();
                }
            }
        }

        void gap(long len) {
            if (stopped || len == 0) {
                return;
            }
            if (prefaceAt == PREFACE.length && headerLen == FRAME_HEADER && type == DATA && !padLengthNext && len > 0
                    && len <= left - padding) {
                // Inside a DATA payload: a hole in that body, and the framing goes on.
                Stream s = streams.get(streamId);
                Entity e = s == null ? null : toServer ? s.request : s.response;
                if (s != null && !(toServer ? s.requestEnded : s.responseEnded)) {
                    s.tx.gaps = true;
                    if (toServer) { // the lost bytes are body bytes sent, as HTTP/1 counts them
                        s.tx.requestBodyLength += len;
                    } else {
                        s.tx.responseBodyLength += len;
                    }
                }
                if (e != null) {
                    e.gap(len);
                }
                left -= len;
                if (left == 0) {
                    frameEnd();
                }
                return;
            }
            stop("http2.framing_lost", "bytes lost outside a DATA payload: the frames that follow cannot be found");
        }

        /** Stops reading this direction: names why (unless null), ends its open halves incomplete. */
        void stop(String anomaly, String reason) {
            if (stopped) {
                return;
            }
            stopped = true;
            if (anomaly != null) {
                conn.listener().anomaly(null, toServer, anomaly, reason);
            }
            charge(-(payload.length + block.length));
            payload = new byte[0];
            block = new byte[0];
            for (Stream s : new ArrayList<>(streams.values())) {
                if (anomaly != null && !(toServer ? s.requestEnded : s.responseEnded)) {
                    s.tx.gaps = true;
                }
                endHalf(s, toServer, false, reason != null ? reason : "HTTP/2 reading stopped");
            }
        }

        private void frameStart() {
            left = ((header[0] & 0xffL) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
            type = header[3] & 0xff;
            flags = header[4] & 0xff;
            streamId = ((header[5] & 0x7f) << 24) | ((header[6] & 0xff) << 16) | ((header[7] & 0xff) << 8) | (header[8] & 0xff);
            payloadLen = 0;
            padding = 0;
            padLengthNext = false;
            if (blockStream >= 0 && (type != CONTINUATION || streamId != blockStream)) {
                stop("http2.invalid_frame_header", "a header block's CONTINUATION is missing");
                return;
            }
            switch (type) {
                case DATA -> {
                    if (streamId == 0) {
                        stop("http2.invalid_frame_header", "DATA on stream 0");
                        return;
                    }
                    padLengthNext = (flags & PADDED) != 0;
                    if (padLengthNext && left == 0) {
                        stop("http2.invalid_frame_data", "PADDED DATA without room for its pad length");
                        return;
                    }
                }
                case HEADERS, PUSH_PROMISE, CONTINUATION -> {
                    if (streamId == 0 || (type == CONTINUATION && blockStream < 0)) {
                        stop("http2.invalid_frame_header", "header frame on stream 0 or CONTINUATION without a block");
                        return;
                    }
                    if ((type == CONTINUATION ? blockLen : 0) + left > maxBlockBytes()) {
                        stop("http.header_too_long", "header block of more than " + maxBlockBytes() + " bytes");
                        return;
                    }
                    reserve((int) left);
                }
                case SETTINGS -> {
                    if (streamId != 0) {
                        stop("http2.invalid_frame_header", "SETTINGS on stream " + streamId);
                        return;
                    }
                    settingsTableSize = -1;
                    settingLen = 0;
                }
                default -> reserve((int) Math.min(left, MAX_CONTROL_BYTES));
            }
        }

        private void reserve(int n) {
            if (payload.length < n) {
                charge(n - payload.length);
                if (!stopped) {
                    payload = new byte[n];
                }
            }
        }

        private int payload(byte[] b, int off, int end) {
            if (type == DATA) {
                if (padLengthNext) {
                    padding = b[off++] & 0xff;
                    left--;
                    padLengthNext = false;
                    if (padding > left) { // a connection error (RFC 9113 §6.1): the client takes nothing more
                        stop("http2.invalid_frame_data", "padding as long as the frame or longer");
                        return end;
                    }
                    return off;
                }
                int n = (int) Math.min(end - off, left - padding);
                if (n > 0) {
                    Stream s = streams.get(streamId);
                    if (s != null && !(toServer ? s.requestEnded : s.responseEnded)) {
                        if (toServer) {
                            s.tx.requestBodyLength += n;
                        } else {
                            s.tx.responseBodyLength += n;
                        }
                        Entity e = toServer ? s.request : s.response;
                        if (e != null) {
                            e.data(b, off, n);
                        }
                    }
                    left -= n;
                    return off + n;
                }
                int skip = (int) Math.min(end - off, left); // padding
                left -= skip;
                return off + skip;
            }
            if (type == SETTINGS) { // read setting by setting: a SETTINGS frame may be as long as a frame may
                int n = (int) Math.min(end - off, left);
                for (int i = 0; i < n; i++) {
                    setting[settingLen++] = b[off + i];
                    if (settingLen == setting.length) {
                        settingLen = 0;
                        if ((((setting[0] & 0xff) << 8) | (setting[1] & 0xff)) == SETTINGS_HEADER_TABLE_SIZE) {
                            settingsTableSize = ((setting[2] & 0xffL) << 24) | ((setting[3] & 0xff) << 16)
                                    | ((setting[4] & 0xff) << 8) | (setting[5] & 0xff);
                        }
                    }
                }
                left -= n;
                return off + n;
            }
            int n = (int) Math.min(end - off, left);
            int keep = Math.min(n, payload.length - payloadLen);
            System.arraycopy(b, off, payload, payloadLen, keep);
            payloadLen += keep;
            left -= n;
            return off + n;
        }

        private void frameEnd() {
            headerLen = 0;
            switch (type) {
                case DATA -> {
                    if ((flags & END_STREAM) != 0) {
                        Stream s = streams.get(streamId);
                        if (s != null) {
                            endStream(s, toServer);
                        }
                    }
                }
                case HEADERS, PUSH_PROMISE -> {
                    int at = 0;
                    int pad = 0;
                    if ((flags & PADDED) != 0) {
                        pad = payloadLen > 0 ? payload[at++] & 0xff : 0;
                    }
                    if (type == HEADERS && (flags & PRIORITY_FLAG) != 0) {
                        at += 5;
                    }
                    if (type == PUSH_PROMISE) {
                        promised = at + 4 <= payloadLen ? ((payload[at] & 0x7f) << 24) | ((payload[at + 1] & 0xff) << 16)
                                | ((payload[at + 2] & 0xff) << 8) | (payload[at + 3] & 0xff) : 0;
                        at += 4;
                    }
                    if (at + pad > payloadLen) {
                        stop("http2.invalid_frame_length", "header frame shorter than its padding and fields");
                        return;
                    }
                    blockStream = streamId;
                    blockType = type;
                    blockEndStream = (flags & END_STREAM) != 0;
                    blockLen = 0;
                    append(at, payloadLen - pad);
                }
                case CONTINUATION -> append(0, payloadLen);
                case SETTINGS -> {
                    if ((flags & ACK) != 0) {
                        // This side acknowledges the other's oldest unacknowledged SETTINGS: its header
                        // table size binds this side's encoder from here (RFC 7541 §4.2, as nghttp2 applies it).
                        Pending p = unacknowledged.peek();
                        if (p != null && --p.acks == 0) {
                            unacknowledged.poll();
                            if (p.tableSize >= 0) {
                                allow(p.tableSize);
                            }
                        }
                        announcePending();
                    } else {
                        Dir other = dir(!toServer); // whose encoder this table size binds
                        other.unacknowledged.add(new Pending(settingsTableSize));
                        if (other.unacknowledged.size() > MAX_UNACKNOWLEDGED_SETTINGS) {
                            // Too many waiting: the two oldest wait as one, for both their ACKs; the
                            // table then stays larger for a while, never smaller than the encoder's.
                            Pending first = other.unacknowledged.poll();
                            Pending second = other.unacknowledged.peek();
                            second.acks += first.acks;
                            if (second.tableSize < 0) {
                                second.tableSize = first.tableSize;
                            }
                        }
                        other.announcePending();
                    }
                }
                case RST_STREAM -> {
                    Stream s = streams.get(streamId);
                    if (s != null) {
                        endHalf(s, true, false, "stream reset");
                        endHalf(s, false, false, "stream reset");
                    }
                }
                default -> {
                    // PRIORITY, PING, GOAWAY, WINDOW_UPDATE and unknown types change nothing read here.
                }
            }
            if ((type == HEADERS || type == PUSH_PROMISE || type == CONTINUATION) && (flags & END_HEADERS) != 0 && !stopped) {
                decodeBlock();
            }
        }

        /** Lets the encoder use a larger table the other side announced before its acknowledgement comes. */
        void announcePending() {
            long most = -1;
            for (Pending p : unacknowledged) {
                most = Math.max(most, p.tableSize);
            }
            if (most >= 0) {
                hpack.announce(most);
            }
        }

        /** Binds this side's encoder to a table size: entries the table lets go are given back to the budget. */
        void allow(long tableSize) {
            int before = hpack.tableBytes();
            hpack.allow(tableSize);
            charge(hpack.tableBytes() - before);
        }

        /**
         * Most bytes of one header block gathered: four times {@code http.max-header-bytes}, so a block
         * over the limit is still decoded for the header table (its fields are cut at the limit) and
         * the connection's later heads stay readable, as HTTP/1 reads on after a head too long.
         */
        private long maxBlockBytes() {
            return 4L * limits.maxHeaderBytes() + 256;
        }

        private void append(int from, int to) {
            int n = to - from;
            if (blockLen + n > block.length) {
                int size = (int) Math.max(blockLen + n, Math.min(maxBlockBytes(), block.length * 2L));
                charge(size - block.length);
                if (stopped) {
                    return; // the budget had no room
                }
                block = java.util.Arrays.copyOf(block, size);
            }
            System.arraycopy(payload, from, block, blockLen, n);
            blockLen += n;
        }

        private void decodeBlock() {
            int id = blockStream;
            blockStream = -1;
            int len = blockLen;
            blockLen = 0;
            int before = hpack.tableBytes();
            Hpack.Block decoded;
            try {
                decoded = hpack.decode(block, 0, len, limits.maxHeaderCount(), limits.maxHeaderBytes());
            } catch (Hpack.HpackException e) {
                stop("http2.invalid_header", "header block: " + e.getMessage());
                return;
            }
            charge(hpack.tableBytes() - before);
            if (stopped) {
                return; // the budget had no room: this connection's HTTP/2 reading ended
            }
            if (blockType == PUSH_PROMISE) {
                if (!toServer) {
                    promise(promised, decoded.fields(), ts);
                }
            } else {
                headers(this, id, decoded.fields(), decoded.cut(), blockEndStream, ts);
            }
            // Gathering buffers are given back between blocks once they grew past a frame's usual size.
            if (block.length > 16384) {
                charge(-block.length);
                block = new byte[0];
            }
            if (payload.length > 16384) {
                charge(-payload.length);
                payload = new byte[0];
            }
        }
    }
}
