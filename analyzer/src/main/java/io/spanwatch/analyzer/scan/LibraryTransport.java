package io.spanwatch.analyzer.scan;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.UnresolvedAddressException;
import xyz.capybara.clamav.ClamavClient;
import xyz.capybara.clamav.ClamavException;
import xyz.capybara.clamav.CommunicationException;
import xyz.capybara.clamav.ScanFailureException;
import xyz.capybara.clamav.commands.scan.result.ScanResult;

/**
 * Speaks to a TCP clamd through clamav-client, which opens a blocking, interruptible
 * {@code SocketChannel} per call and has no timeouts of its own (the caller's deadline interrupts it).
 * The library's first call on an instance also sends {@code nVERSIONCOMMANDS}; its results are turned
 * into {@link ClamdReply} here, and its ERROR text goes through {@link ClamdReply#parse}.
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
        ScanResult r;
        try {
            r = client.scan(data);
        } catch (ClamavException e) {
            if (e.getCause() instanceof ScanFailureException f) {
                String msg = f.getMessage() == null ? "" : f.getMessage();
                return ClamdReply.parse(msg.startsWith(SCAN_FAILURE_PREFIX) ? msg.substring(SCAN_FAILURE_PREFIX.length()) : msg);
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
