package io.spanwatch.analyzer.index;

/** Says why a query cannot be run (bad syntax, a value that does not fit its field); the console answers 400. */
public final class QueryException extends Exception {
    private static final long serialVersionUID = 1L;

    public QueryException(String message) {
        super(message);
    }

    public QueryException(String message, Throwable cause) {
        super(message, cause);
    }
}
