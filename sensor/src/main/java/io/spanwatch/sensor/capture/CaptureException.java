package io.spanwatch.sensor.capture;

/**
 * Reports a capture source that cannot be opened or read. The message is one line that names the
 * file or interface and what is wrong, fit to print at the CLI as it is.
 */
public final class CaptureException extends Exception {
    private static final long serialVersionUID = 1L;

    public CaptureException(String message) {
        super(message);
    }

    public CaptureException(String message, Throwable cause) {
        super(message, cause);
    }
}
