package io.spanwatch.analyzer.reputation;

/**
 * Reports that reputation data could not be set up: a feed that cannot be read at all at start, a
 * bad download URL. The message names the file or URL and the problem, fit for one line of output.
 */
public final class IntelException extends Exception {
    private static final long serialVersionUID = 1L;

    public IntelException(String message) {
        super(message);
    }

    public IntelException(String message, Throwable cause) {
        super(message, cause);
    }
}
