package io.spanwatch.sensor.http;

/**
 * Signals a zstd frame that breaks RFC 8878, or that SpanWatch will not decode (the message says how).
 * Thrown and caught inside the zstd decoder only, which turns it into an anomaly; it carries no stack
 * trace, as hostile input may cause one per body.
 */
final class ZstdException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The anomaly of a frame refused rather than malformed; null for malformed input. */
    final String refusal;

    ZstdException(String message) {
        this(null, message);
    }

    ZstdException(String refusal, String message) {
        super(message, null, false, false);
        this.refusal = refusal;
    }
}
