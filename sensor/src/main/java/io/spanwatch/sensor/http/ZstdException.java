package io.spanwatch.sensor.http;

/**
 * Signals a zstd frame that breaks RFC 8878 (the message says how). Thrown and caught inside the zstd
 * decoder only, which turns it into an anomaly; it carries no stack trace, as hostile input may cause
 * one per body.
 */
final class ZstdException extends Exception {
    private static final long serialVersionUID = 1L;

    ZstdException(String message) {
        super(message, null, false, false);
    }
}
