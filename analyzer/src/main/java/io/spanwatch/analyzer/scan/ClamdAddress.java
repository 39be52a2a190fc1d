package io.spanwatch.analyzer.scan;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Names one clamd endpoint: a TCP {@code host:port} or an absolute unix socket path.
 *
 * <p>Accepted forms of {@link #parse(String)}: {@code host:port}, {@code [v6]:port}, {@code [v6]},
 * {@code host} (port {@value #DEFAULT_PORT}) and {@code /absolute/path/to/clamd.sock}. A bare IPv6
 * literal without brackets is refused, since its last group cannot be told from a port.
 *
 * @param host       TCP host name or address literal (without brackets); null for a unix socket
 * @param port       TCP port, 1 to 65535; 0 for a unix socket
 * @param unixSocket absolute socket path; null for TCP
 */
public record ClamdAddress(String host, int port, Path unixSocket) {
    /** clamd's customary TCP port. */
    public static final int DEFAULT_PORT = 3310;
    /** The endpoint used when none is configured. */
    public static final String DEFAULT = "127.0.0.1:" + DEFAULT_PORT;

    public ClamdAddress {
        if (unixSocket == null) {
            Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("clamd port out of range 1-65535: " + port);
            }
        } else if (host != null || port != 0 || !unixSocket.isAbsolute()) {
            throw new IllegalArgumentException("a clamd unix socket is an absolute path alone: " + unixSocket);
        }
    }

    /** Returns the TCP endpoint {@code host:port}. */
    public static ClamdAddress tcp(String host, int port) {
        return new ClamdAddress(host, port, null);
    }

    /** Returns the unix socket endpoint at {@code path} (absolute). */
    public static ClamdAddress unix(Path path) {
        return new ClamdAddress(null, 0, path);
    }

    /**
     * Parses an address as written on the command line or in the configuration.
     *
     * @throws IllegalArgumentException naming the text when it is not one of the accepted forms
     */
    public static ClamdAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty clamd address");
        }
        String s = text.strip();
        if (s.startsWith("/")) {
            return unix(Path.of(s));
        }
        String host;
        String portText = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                throw bad(text, "missing ']' after the IPv6 address");
            }
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw bad(text, "expected ':PORT' after ']'");
                }
                portText = rest.substring(1);
            }
            if (host.isEmpty() || host.indexOf(':') < 0) {
                throw bad(text, "brackets hold an IPv6 address");
            }
        } else {
            int colon = s.indexOf(':');
            if (colon >= 0 && s.indexOf(':', colon + 1) >= 0) {
                throw bad(text, "write an IPv6 address in brackets, as [v6]:port");
            }
            host = colon < 0 ? s : s.substring(0, colon);
            portText = colon < 0 ? null : s.substring(colon + 1);
            if (host.isEmpty()) {
                throw bad(text, "missing host");
            }
            if (host.chars().anyMatch(c -> Character.isWhitespace(c) || c == '/' || c == '[' || c == ']')) {
                throw bad(text, "not a host name (a unix socket path must be absolute)");
            }
        }
        int port = DEFAULT_PORT;
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw bad(text, "port is not a number");
            }
            if (port < 1 || port > 65535) {
                throw bad(text, "port out of range 1-65535");
            }
        }
        return tcp(host, port);
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("bad clamd address '" + text + "': " + why);
    }

    /** Tells whether this is a unix socket endpoint. */
    public boolean isUnix() {
        return unixSocket != null;
    }

    /** Returns the TCP socket address (unresolved names are resolved now). */
    InetSocketAddress inetSocketAddress() {
        if (isUnix()) {
            throw new IllegalStateException("not a TCP address: " + this);
        }
        return new InetSocketAddress(host, port);
    }

    /** Returns the address in the form {@link #parse} reads. */
    @Override
    public String toString() {
        if (isUnix()) {
            return unixSocket.toString();
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
