package io.spanwatch.sensor.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Holds one request/response exchange on a connection as the parser fills it in. Owned by the
 * connection's thread; listeners may read it during callbacks and keep it after
 * {@link HttpListener#transactionDone}, when the parser no longer changes it.
 */
public final class HttpTransaction {
    /** A header as sent: name with its original case, value trimmed of surrounding whitespace. */
    public record Header(String name, String value) {
    }

    /** 0-based index of the transaction on its connection. */
    public final int txId;
    /** The HTTP/2 stream this transaction is, or -1 for HTTP/1. */
    public int http2StreamId = -1;

    // request
    public String method;
    public String uri;
    public String protocol;
    public String host;
    public String userAgent;
    public String referer;
    public String requestContentType;
    public final List<Header> requestHeaders = new ArrayList<>();
    /** Body bytes of the request as transferred (after removing chunked coding, before content decoding). */
    public long requestBodyLength;
    /** Packet time of the first byte of the request, nanoseconds; 0 when no request was seen. */
    public long requestTsNanos;
    public boolean requestSeen;
    public boolean requestComplete;

    // response
    /** Final status code, or 0 when no final response was seen. */
    public int status;
    public String statusMessage;
    public String responseProtocol;
    public String responseContentType;
    public final List<Header> responseHeaders = new ArrayList<>();
    /** Body bytes of the response as transferred (after removing chunked coding, before content decoding). */
    public long responseBodyLength;
    /** Packet time of the first byte of the final response, nanoseconds; 0 when none was seen. */
    public long responseTsNanos;
    public boolean responseSeen;
    public boolean responseComplete;
    /** Number of 1xx interim responses seen before the final one. */
    public int interimResponses;

    /** Whether some bytes of this transaction were lost (gap). */
    public boolean gaps;
    /**
     * The configuration key of the first limit this transaction met ({@code http.max-header-bytes},
     * {@code http.max-headers}, {@code http.max-pending}, {@code http.max-decoded-bytes},
     * {@code http.max-decompression-ratio}, {@code http.max-multipart-parts}), or null.
     */
    public String limitHit;

    // Parser bookkeeping: whether each half is over (complete or not), so transactionDone can be sent.
    boolean requestEnded;
    boolean responseEnded;
    /** The heads this transaction keeps, charged to the worker's {@link HttpMemory} until it is done. */
    HttpMemory.Holding held;

    public HttpTransaction(int txId) {
        this.txId = txId;
    }

    /** Records that this transaction met the limit set by configuration key {@code key} (the first one is kept). */
    void limitMet(String key) {
        if (limitHit == null) {
            limitHit = key;
        }
    }

    /** Returns the first request header with this name (case-insensitive), or null. */
    public String requestHeader(String name) {
        return find(requestHeaders, name);
    }

    /** Returns the first response header with this name (case-insensitive), or null. */
    public String responseHeader(String name) {
        return find(responseHeaders, name);
    }

    private static String find(List<Header> headers, String name) {
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }
}
