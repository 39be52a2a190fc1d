package io.spanwatch.sensor.http;

/**
 * Receives what {@link HttpConnectionParser} reads from one TCP connection: transactions, entity
 * bodies and anomalies. Called on the thread that feeds the parser.
 */
public interface HttpListener {

    /** Tells that a request line and its headers were read; {@code tx} is filled in further later. */
    void requestHeaders(HttpTransaction tx);

    /** Tells that a final (non-1xx) response status line and its headers were read. */
    void responseHeaders(HttpTransaction tx);

    /**
     * Opens a sink for one entity: a whole message body, or one part of a {@code multipart/form-data}
     * request body. Bytes handed to the sink are the entity as a browser would save it: transfer
     * coding removed and content codings undone.
     *
     * @return the sink, or {@code null} to have the parser skip this entity's bytes
     */
    BodySink openBody(HttpTransaction tx, boolean toServer, EntityInfo info);

    /**
     * Tells that a transaction is over: its response is complete, or the connection ended first.
     * Called once per transaction, in transaction order.
     */
    void transactionDone(HttpTransaction tx);

    /**
     * Reports malformed or evasive HTTP. {@code name} is a stable dotted name such as
     * {@code http.bad_chunk_size}; {@code tx} may be null when no transaction applies.
     */
    void anomaly(HttpTransaction tx, boolean toServer, String name, String detail);

    /**
     * Tells whether the connection's first response may be HTTP/0.9, a body without status line
     * and headers: browsers take it so on the scheme's default port only (Chrome, Firefox), and a
     * sensor should only when it saw the connection from its handshake on, so that the response's
     * first bytes really are its first. Asked once, when that response starts.
     */
    default boolean acceptsHttp09() {
        return false;
    }

    /** Tells that the connection now carries another application protocol that is read on (Suricata's name: {@code http2}). */
    default void switchedProtocol(String appProto) {
    }
}
