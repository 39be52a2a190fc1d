package io.spanwatch.analyzer.scan;

import java.io.IOException;

/** Signals that a clamd exchange failed, and {@link Kind how}, so a pool can tell a dead endpoint from a bad answer. */
public final class ClamdException extends IOException {
    /** Names how an exchange failed. */
    public enum Kind {
        /** The connection could not be made or broke: the endpoint is taken out of a pool. */
        UNREACHABLE,
        /** No (complete) answer before the deadline: counted, and the endpoint is taken out of a pool. */
        TIMEOUT,
        /** The endpoint already has its maximum of exchanges in flight and none finished in time. */
        BUSY,
        /** clamd answered something this client does not understand. */
        PROTOCOL
    }

    private final Kind kind;

    public ClamdException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ClamdException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** Returns how the exchange failed. */
    public Kind kind() {
        return kind;
    }
}
