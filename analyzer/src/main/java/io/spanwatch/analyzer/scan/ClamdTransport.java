package io.spanwatch.analyzer.scan;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Speaks clamd's protocol over one kind of socket. Every method blocks, opens its own connection and
 * closes it before returning, and must give up promptly when its thread is interrupted (an
 * interruptible channel is closed by the interrupt): {@link ClamdClient} bounds them with deadlines.
 */
interface ClamdTransport {
    /** Sends {@code data} to the end with INSTREAM and returns the parsed reply; does not close {@code data}. */
    ClamdReply instream(InputStream data) throws IOException;

    /** Returns the VERSION reply without its terminator. */
    String version() throws IOException;

    /** Sends PING and returns normally on PONG. */
    void ping() throws IOException;

    /** Tells whether {@link #fildes} can be used: a local unix socket where descriptors can be passed. */
    default boolean passesFiles() {
        return false;
    }

    /**
     * Has clamd read {@code file} itself through its descriptor (FILDES) and returns the parsed reply.
     *
     * @throws UnsupportedOperationException unless {@link #passesFiles()}
     */
    default ClamdReply fildes(Path file) throws IOException {
        throw new UnsupportedOperationException("FILDES needs a local unix socket");
    }
}
