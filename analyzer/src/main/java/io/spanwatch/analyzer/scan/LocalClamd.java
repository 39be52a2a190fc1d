package io.spanwatch.analyzer.scan;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The machine's own clamd, as its {@code clamd.conf} describes it: where it listens and the size
 * limits it scans by. Used when nothing names a clamd and none answers at {@link ClamdAddress#DEFAULT}:
 * Debian's and Ubuntu's clamav-daemon listen on a Unix socket only ({@code LocalSocket
 * /var/run/clamav/clamd.ctl}, no TCP), so the default address never reaches them, while clamdscan
 * finds them by reading that file. SpanWatch does the same.
 *
 * <p>Only a file clamd itself would load counts: one with the {@code Example} line left in is the
 * unedited sample, which clamd refuses. Sizes are clamd's: a number with an optional {@code K},
 * {@code M} or {@code G} (powers of 1024). The last occurrence of an option wins, as in clamd.
 *
 * @param conf            the clamd.conf read
 * @param address         where that clamd listens: its {@code LocalSocket}, else its TCP socket
 * @param maxFileSize     its {@code MaxFileSize}, when the file sets it
 * @param streamMaxLength its {@code StreamMaxLength}, when the file sets it
 * @param user            its {@code User} (who clamd runs as, so who owns its socket), or "" when unset
 */
public record LocalClamd(Path conf, ClamdAddress address, OptionalLong maxFileSize, OptionalLong streamMaxLength, String user) {
    /** Where clamd.conf lives: Debian and Ubuntu, Fedora and RHEL (clamd@scan), FreeBSD and source builds. */
    public static final List<Path> MACHINE_CONFS = List.of(Path.of("/etc/clamav/clamd.conf"), Path.of("/etc/clamd.d/scan.conf"),
            Path.of("/usr/local/etc/clamd.conf"));
    /** Longest wait to connect while probing (a local socket or loopback answers at once or not at all). */
    static final int PROBE_MILLIS = 1000;
    private static final long MAX_CONF_BYTES = 1 << 20;

    /**
     * The first of {@code confs} that exists, is a clamd.conf clamd would load, is trusted
     * ({@link #trustedConf}) and names a socket that is trusted ({@link #trustedSocket}) and accepts a
     * connection now; empty when there is none.
     */
    public static Optional<LocalClamd> find(List<Path> confs) {
        return find(confs, trustedOwners());
    }

    /** {@link #find(List)} with the users (besides a clamd.conf's {@code User}) trusted to own a conf or a socket. */
    static Optional<LocalClamd> find(List<Path> confs, java.util.Set<String> owners) {
        for (Path c : confs) {
            Optional<LocalClamd> l = read(c, owners);
            if (l.isPresent() && trustedSocket(l.get(), owners) && accepts(l.get().address())) {
                return l;
            }
        }
        return Optional.empty();
    }

    /** root and the user SpanWatch runs as: who may own the clamd.conf SpanWatch follows. */
    static java.util.Set<String> trustedOwners() {
        return java.util.Set.copyOf(java.util.List.of("root", System.getProperty("user.name", "root"))); // one when run as root
    }

    /** Reads one clamd.conf; empty when it is missing, unreadable, too large, untrusted or names no socket. */
    static Optional<LocalClamd> read(Path conf, java.util.Set<String> owners) {
        try {
            if (!Files.isRegularFile(conf) || Files.size(conf) > MAX_CONF_BYTES || !trustedConf(conf, owners)) {
                return Optional.empty();
            }
            return parse(conf, Files.readString(conf, java.nio.charset.StandardCharsets.ISO_8859_1));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether a clamd.conf may choose where SpanWatch sends every extracted file (by descriptor: the
     * clamd it names reads them all) and whose verdicts it believes: owned by {@code owners} and
     * writable by its owner alone. A file others may write would let any local user point SpanWatch at
     * a socket of their own, read the captured files and answer "clean". Without POSIX attributes
     * (not a Unix file system) the file is taken as it is.
     */
    static boolean trustedConf(Path conf, java.util.Set<String> owners) throws IOException {
        java.nio.file.attribute.PosixFileAttributes a;
        try {
            a = Files.readAttributes(conf, java.nio.file.attribute.PosixFileAttributes.class);
        } catch (UnsupportedOperationException e) {
            return true;
        }
        return owners.contains(a.owner().getName()) && !a.permissions().contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
                && !a.permissions().contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
    }

    /**
     * Whether the Unix socket a clamd.conf names belongs to that clamd: owned by {@code owners} or the
     * conf's {@code User} (clamd creates the socket after dropping to that user; Debian's is
     * {@code clamav}). A socket some other user bound (a {@code LocalSocket} in {@code /tmp}, taken
     * while clamd was down) is not one. A TCP address is taken as the conf names it.
     */
    static boolean trustedSocket(LocalClamd l, java.util.Set<String> owners) {
        if (!l.address().isUnix()) {
            return true;
        }
        try {
            String owner = Files.getOwner(l.address().unixSocket(), java.nio.file.LinkOption.NOFOLLOW_LINKS).getName();
            return owners.contains(owner) || owner.equals(l.user());
        } catch (UnsupportedOperationException e) {
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** Parses clamd.conf text; empty when clamd would refuse it ({@code Example}) or it names no socket. */
    static Optional<LocalClamd> parse(Path conf, String text) {
        Map<String, String> options = new HashMap<>();
        for (String line : text.split("\r?\n")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] kv = t.split("\\s+", 2);
            options.put(kv[0].toLowerCase(Locale.ROOT), kv.length > 1 ? unquote(kv[1].strip()) : "");
        }
        if (options.containsKey("example")) {
            return Optional.empty();
        }
        ClamdAddress address = null;
        String socket = options.get("localsocket");
        if (socket != null && socket.startsWith("/")) {
            address = ClamdAddress.unix(Path.of(socket));
        } else if (options.containsKey("tcpsocket")) {
            int port = parsePort(options.get("tcpsocket"));
            if (port > 0) {
                String host = options.getOrDefault("tcpaddr", "127.0.0.1");
                address = ClamdAddress.tcp(host.isEmpty() || host.equals("0.0.0.0") ? "127.0.0.1" : host, port);
            }
        }
        if (address == null) {
            return Optional.empty();
        }
        return Optional.of(new LocalClamd(conf, address, size(options.get("maxfilesize")), size(options.get("streammaxlength")),
                options.getOrDefault("user", "")));
    }

    /** Whether something accepts a connection at {@code a} within {@link #PROBE_MILLIS}. */
    public static boolean accepts(ClamdAddress a) {
        if (a.isUnix()) {
            if (!Files.exists(a.unixSocket())) {
                return false;
            }
            // Not blocking: a blocking connect to a socket whose listener accepts no more (a wedged clamd
            // with its queue full, MaxConnectionQueueLength 15 on Debian) waits for good. Without blocking
            // such a connect fails at once (EAGAIN), as does one to anything but a listening socket.
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.configureBlocking(false);
                if (ch.connect(UnixDomainSocketAddress.of(a.unixSocket()))) {
                    return true;
                }
                try (java.nio.channels.Selector sel = java.nio.channels.Selector.open()) {
                    ch.register(sel, java.nio.channels.SelectionKey.OP_CONNECT);
                    return sel.select(PROBE_MILLIS) > 0 && ch.finishConnect();
                }
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(a.host(), a.port()), PROBE_MILLIS);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** clamd's size syntax, or empty when absent or not a size (clamd would refuse the file then). */
    static OptionalLong size(String v) {
        if (v == null || v.isEmpty()) {
            return OptionalLong.empty();
        }
        char last = Character.toUpperCase(v.charAt(v.length() - 1));
        int shift = switch (last) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 0;
        };
        String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
        if (digits.isEmpty() || digits.length() > 12 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalLong.empty();
        }
        long n = Long.parseLong(digits);
        if (n == 0 || n > Long.MAX_VALUE >> shift) {
            return OptionalLong.empty(); // 0 is "no limit" in clamd: SpanWatch keeps its own then
        }
        return OptionalLong.of(n << shift);
    }

    private static int parsePort(String v) {
        if (v == null || v.isEmpty() || v.length() > 5 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        int p = Integer.parseInt(v);
        return p >= 1 && p <= 65535 ? p : -1;
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    /**
     * {@code o} with this clamd's limits for those not set otherwise: {@code MaxFileSize} as the largest
     * file passed by descriptor, and the smaller of {@code StreamMaxLength} and {@code MaxFileSize} as
     * the most streamed of a file (what the README asks an operator to set).
     */
    public ClamdClient.Options limits(ClamdClient.Options o, boolean maxFileUnset, boolean maxStreamUnset) {
        if (maxFileUnset && maxFileSize.isPresent()) {
            o = o.withMaxFileBytes(maxFileSize.getAsLong());
        }
        if (maxStreamUnset && (streamMaxLength.isPresent() || maxFileSize.isPresent())) {
            o = o.withMaxStreamBytes(Math.min(streamMaxLength.orElse(Long.MAX_VALUE), maxFileSize.orElse(Long.MAX_VALUE)));
        }
        return o;
    }

    /** What to say about this clamd: its address, the file that named it and the limits taken. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        maxFileSize.ifPresent(n -> parts.add("MaxFileSize " + n + " bytes"));
        streamMaxLength.ifPresent(n -> parts.add("StreamMaxLength " + n + " bytes"));
        return address + " (named by " + conf + (parts.isEmpty() ? "" : "; " + String.join(", ", parts)) + ")";
    }
}
