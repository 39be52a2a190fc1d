package io.spanwatch.analyzer.scan;

import io.spanwatch.sensor.files.CountingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.UnresolvedAddressException;
import java.util.List;
import xyz.capybara.clamav.ClamavClient;
import xyz.capybara.clamav.ClamavException;
import xyz.capybara.clamav.CommunicationException;
import xyz.capybara.clamav.ScanFailureException;
import xyz.capybara.clamav.commands.scan.result.ScanResult;

/**
 * Speaks to a TCP clamd through clamav-client, which opens a blocking, interruptible
 * {@code SocketChannel} per call and has no timeouts of its own (the caller's deadline interrupts it).
 * The library's first call on an instance also sends {@code nVERSIONCOMMANDS}; its results are turned
 * into {@link ClamdReply} here, and its ERROR text goes through {@link ClamdReply#parse}. clamd hangs
 * up on a stream past its StreamMaxLength while the library is still writing, so the library mostly
 * sees a broken pipe instead of the {@code size limit exceeded} reply: a connection that breaks after
 * the library took data from the stream is reported as {@link ClamdReply.Kind#SIZE_LIMIT}.
 */
final class LibraryTransport implements ClamdTransport {
    private static final String SCAN_FAILURE_PREFIX = "Scan failure: ";

    private final ClamdAddress address;
    private final ClamavClient client;

    LibraryTransport(ClamdAddress address) {
        this.address = address;
        this.client = new ClamavClient(address.host(), address.port());
    }

    @Override
    public ClamdReply instream(InputStream data) throws IOException {
        // the bytes the library took from the stream: more than none means it had connected
        CountingInputStream counted = new CountingInputStream(data);
        ScanResult r;
        try {
            r = client.scan(counted);
        } catch (ClamavException e) {
            if (e.getCause() instanceof ScanFailureException f) {
                String msg = f.getMessage() == null ? "" : f.getMessage();
                return ClamdReply.parse(msg.startsWith(SCAN_FAILURE_PREFIX) ? msg.substring(SCAN_FAILURE_PREFIX.length()) : msg);
            }
            if (e.getCause() instanceof CommunicationException && counted.count() > 0 && !Thread.currentThread().isInterrupted()) {
                // clamd read part of the stream and hung up: what it does past StreamMaxLength. The
                // library was still writing, so its "size limit exceeded" reply is lost to a broken pipe.
                return new ClamdReply(ClamdReply.Kind.SIZE_LIMIT, List.of(),
                        "closed the connection after " + counted.count() + " bytes of the stream (" + describe(e.getCause().getCause() != null ? e.getCause().getCause() : e.getCause()) + ")");
            }
            throw translate(e);
        } catch (UnresolvedAddressException e) {
            throw translate(e);
        }
        if (r instanceof ScanResult.VirusFound found) {
            return ClamdReply.found(found.getFoundViruses().values().stream().flatMap(c -> c.stream()).distinct().toList());
        }
        return ClamdReply.OK;
    }

    @Override
    public String version() throws IOException {
        try {
            return ClamdReply.stripTerminators(client.version());
        } catch (ClamavException | UnresolvedAddressException e) {
            throw translate(e);
        }
    }

    @Override
    public void ping() throws IOException {
        try {
            client.ping();
        } catch (ClamavException | UnresolvedAddressException e) {
            throw translate(e);
        }
    }

    /** Returns a {@link ClamdException} saying what went wrong. */
    private ClamdException translate(RuntimeException e) {
        Throwable cause = e instanceof ClamavException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof CommunicationException || cause instanceof UnresolvedAddressException) {
            Throwable io = cause.getCause() != null ? cause.getCause() : cause;
            return new ClamdException(ClamdException.Kind.UNREACHABLE, address + ": " + describe(io), io);
        }
        return new ClamdException(ClamdException.Kind.PROTOCOL, address + ": " + describe(cause), cause);
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
