package io.spanwatch.analyzer.feed;

/**
 * Reports a delivery that did not complete: how many of the batch's first records the receiver is
 * known to have ({@link #delivered}), and whether the receiver refused the next one for good (a
 * webhook answering 400): such a record is counted as rejected and skipped, never retried.
 */
final class DeliveryException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int delivered;
    private final boolean rejected;

    DeliveryException(String message, int delivered, boolean rejected, Throwable cause) {
        super(message, cause);
        this.delivered = delivered;
        this.rejected = rejected;
    }

    DeliveryException(String message, int delivered, Throwable cause) {
        this(message, delivered, false, cause);
    }

    /** Returns how many of the batch's first records were delivered. */
    int delivered() {
        return delivered;
    }

    /** Tells whether the record after those delivered was refused for good. */
    boolean rejected() {
        return rejected;
    }
}
