package io.spanwatch.sensor.http;

/**
 * Bounds what one {@link HttpConnectionParser} may hold or produce. Each limit, when hit, is reported
 * as a named anomaly through {@link HttpListener#anomaly} and never silently.
 *
 * <ul>
 *   <li>{@code maxHeaderBytes} (default {@value #DEFAULT_MAX_HEADER_BYTES}): bytes of a start line plus
 *       its header block, and separately of a chunked trailer block or a multipart part's headers.
 *       Over it: {@code http.header_too_long}; a message head is still read to its end, up to
 *       {@link MessageReader#BROWSER_HEAD_BYTES} for a response (what Chrome takes) and
 *       {@link MessageReader#SERVER_HEAD_BYTES} for a request (what Go's server takes), keeping only the fields that frame
 *       and name the body; past that (and for trailers and part headers past the limit itself) the
 *       message is abandoned and the direction resyncs.</li>
 *   <li>{@code maxHeaderCount} (default {@value #DEFAULT_MAX_HEADER_COUNT}): header fields per message.
 *       Over it: {@code http.too_many_headers}, the later fields kept as past {@code maxHeaderBytes}.</li>
 *   <li>{@code maxDecodedBytes} (default {@value #DEFAULT_MAX_DECODED_BYTES}): bytes produced by undoing
 *       content codings of one body. Over it: {@code http.decompression_limit}, the entity ends
 *       incomplete. Bodies without content coding are not limited here (the file stage has its own).</li>
 *   <li>{@code maxDecompressionRatio} (default {@value #DEFAULT_MAX_DECOMPRESSION_RATIO}) checked once
 *       {@code ratioMinDecodedBytes} (default {@value #DEFAULT_RATIO_MIN_DECODED_BYTES}) were decoded:
 *       decoded bytes per encoded byte of one body. Over it: {@code http.decompression_limit}.</li>
 *   <li>{@code maxMultipartParts} (default {@value #DEFAULT_MAX_MULTIPART_PARTS}): parts of one
 *       multipart body that get a sink. Over it: {@code http.multipart_too_many_parts}, later parts
 *       are skipped.</li>
 *   <li>{@code maxPendingTransactions} (default {@value #DEFAULT_MAX_PENDING_TRANSACTIONS}): requests
 *       waiting for their response on one connection. Over it: {@code http.too_many_pending}, the oldest
 *       is finished without a response.</li>
 *   <li>{@code memcap} (default {@value #DEFAULT_MEMCAP}, shared out among the workers): heap for message
 *       heads over all connections, being read or kept by transactions not yet done ({@link HttpMemory}).
 *       Over it: {@code http.memcap}, the oldest holding is evicted.</li>
 * </ul>
 *
 * <p>Each transaction that met a limit names its configuration key in {@link HttpTransaction#limitHit}.
 */
public record HttpLimits(
        int maxHeaderBytes,
        int maxHeaderCount,
        long maxDecodedBytes,
        int maxDecompressionRatio,
        long ratioMinDecodedBytes,
        int maxMultipartParts,
        int maxPendingTransactions,
        long memcap) {

    public static final int DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_HEADER_COUNT = 1000;
    public static final long DEFAULT_MAX_DECODED_BYTES = 1L << 30;
    public static final int DEFAULT_MAX_DECOMPRESSION_RATIO = 1000;
    public static final long DEFAULT_RATIO_MIN_DECODED_BYTES = 1L << 20;
    public static final int DEFAULT_MAX_MULTIPART_PARTS = 1000;
    public static final int DEFAULT_MAX_PENDING_TRANSACTIONS = 1000;
    public static final long DEFAULT_MEMCAP = 64L << 20;

    /** The limits used when nothing is configured. */
    public static final HttpLimits DEFAULTS = new HttpLimits(
            DEFAULT_MAX_HEADER_BYTES,
            DEFAULT_MAX_HEADER_COUNT,
            DEFAULT_MAX_DECODED_BYTES,
            DEFAULT_MAX_DECOMPRESSION_RATIO,
            DEFAULT_RATIO_MIN_DECODED_BYTES,
            DEFAULT_MAX_MULTIPART_PARTS,
            DEFAULT_MAX_PENDING_TRANSACTIONS,
            DEFAULT_MEMCAP);

    /** Returns limits with the default {@link #memcap}. */
    public HttpLimits(int maxHeaderBytes, int maxHeaderCount, long maxDecodedBytes, int maxDecompressionRatio,
            long ratioMinDecodedBytes, int maxMultipartParts, int maxPendingTransactions) {
        this(maxHeaderBytes, maxHeaderCount, maxDecodedBytes, maxDecompressionRatio, ratioMinDecodedBytes, maxMultipartParts,
                maxPendingTransactions, DEFAULT_MEMCAP);
    }

    /** Checks that every limit is positive; the message names the offending component. */
    public HttpLimits {
        requirePositive("maxHeaderBytes", maxHeaderBytes);
        requirePositive("maxHeaderCount", maxHeaderCount);
        requirePositive("maxDecodedBytes", maxDecodedBytes);
        requirePositive("maxDecompressionRatio", maxDecompressionRatio);
        if (ratioMinDecodedBytes < 0) {
            throw new IllegalArgumentException("ratioMinDecodedBytes must be >= 0, was " + ratioMinDecodedBytes);
        }
        requirePositive("maxMultipartParts", maxMultipartParts);
        requirePositive("maxPendingTransactions", maxPendingTransactions);
        requirePositive("memcap", memcap);
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, was " + value);
        }
    }
}
