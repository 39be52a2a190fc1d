package io.spanwatch.analyzer.reputation;

/**
 * Says why a value is not a usable indicator ({@code "not an IP address"}); the loader counts it
 * and names it with the feed's file and line. Carries no stack trace: feeds can hold many.
 */
final class IndicatorException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean unsupported;

    IndicatorException(String reason) {
        this(reason, false);
    }

    /** With {@code unsupported}: well-formed, but of a kind SpanWatch does not match. */
    IndicatorException(String reason, boolean unsupported) {
        super(reason, null, false, false);
        this.unsupported = unsupported;
    }

    boolean unsupported() {
        return unsupported;
    }
}
