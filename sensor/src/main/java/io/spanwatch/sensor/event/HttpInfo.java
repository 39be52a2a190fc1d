package io.spanwatch.sensor.event;

import io.spanwatch.sensor.http.HttpTransaction;

/**
 * Holds the {@code http} object of an event, copied from an {@link HttpTransaction} on its worker
 * thread (the transaction may still change after a file of it closes). Header values are the bytes
 * that crossed the wire, one character per byte; renderings show them through the {@code ...Text()}
 * methods ({@link EveText#display}).
 */
public record HttpInfo(int txId, String hostname, int port, String url, String userAgent, String contentType, String method,
        String referer, String protocol, int status, long length, long requestBodyLength, String requestContentType, String limitHit,
        int http2StreamId) {

    /** Describes an HTTP/1 transaction (no HTTP/2 stream: {@code http2StreamId} -1). */
    public HttpInfo(int txId, String hostname, int port, String url, String userAgent, String contentType, String method,
            String referer, String protocol, int status, long length, long requestBodyLength, String requestContentType,
            String limitHit) {
        this(txId, hostname, port, url, userAgent, contentType, method, referer, protocol, status, length, requestBodyLength,
                requestContentType, limitHit, -1);
    }

    /** Describes a transaction that met no limit. */
    public HttpInfo(int txId, String hostname, int port, String url, String userAgent, String contentType, String method,
            String referer, String protocol, int status, long length, long requestBodyLength, String requestContentType) {
        this(txId, hostname, port, url, userAgent, contentType, method, referer, protocol, status, length, requestBodyLength,
                requestContentType, null);
    }

    // The header values as events show them (EveText#display): the components keep the bytes.

    /** {@link #hostname} as text ({@link EveText#display}). */
    public String hostnameText() {
        return EveText.display(hostname);
    }

    /** {@link #url} as text ({@link EveText#display}). */
    public String urlText() {
        return EveText.display(url);
    }

    /** {@link #userAgent} as text ({@link EveText#display}). */
    public String userAgentText() {
        return EveText.display(userAgent);
    }

    /** {@link #contentType} as text ({@link EveText#display}). */
    public String contentTypeText() {
        return EveText.display(contentType);
    }

    /** {@link #referer} as text ({@link EveText#display}). */
    public String refererText() {
        return EveText.display(referer);
    }

    /** {@link #requestContentType} as text ({@link EveText#display}). */
    public String requestContentTypeText() {
        return EveText.display(requestContentType);
    }

    /** Copies what an event shows of a transaction; call on the connection's worker thread. */
    public static HttpInfo of(HttpTransaction tx) {
        String host = tx.host;
        String hostname = host;
        int port = -1;
        if (host != null) {
            int colon = host.lastIndexOf(':');
            int bracket = host.lastIndexOf(']');
            if (colon > bracket && colon > 0) {
                hostname = host.substring(0, colon);
                try {
                    port = Integer.parseInt(host.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
        }
        return new HttpInfo(tx.txId, hostname, port, tx.uri, tx.userAgent, tx.responseContentType, tx.method, tx.referer,
                tx.protocol != null ? tx.protocol : tx.responseProtocol, tx.status, tx.responseBodyLength,
                tx.requestBodyLength, tx.requestContentType, tx.limitHit, tx.http2StreamId);
    }
}
