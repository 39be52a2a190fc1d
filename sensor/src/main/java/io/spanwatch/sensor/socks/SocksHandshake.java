package io.spanwatch.sensor.socks;

import io.spanwatch.sensor.flow.AppTunnel;
import io.spanwatch.sensor.flow.Flow;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a SOCKS 4, 4a or 5 handshake from the first bytes of both directions of a TCP connection and
 * says whether, and where, tunnelled data follows.
 *
 * <p>SOCKS 4 (and 4a): request {@code 04 CMD PORT IP USERID 00 [HOST 00]}, reply {@code 00 STATUS PORT
 * IP} (8 bytes; status 90 granted, 91-93 refused); BIND has a second reply. SOCKS 5 (RFC 1928):
 * greeting {@code 05 N METHODS}, choice {@code 05 METHOD}; for method 2 the username/password exchange
 * of RFC 1929; request and reply {@code 05 CMD|REP 00 ATYP ADDR PORT} with ATYP 1 (IPv4), 3 (name) or
 * 4 (IPv6); BIND has a second reply, UDP ASSOCIATE carries nothing on the connection. A client may
 * send its request (and data) before the answers come; each direction is read on its own.
 *
 * <p>Stateless: {@link #parse} reads both directions from their starts every time it is called.
 */
public final class SocksHandshake {
    /** What the bytes so far show. */
    public enum State {
        /** Not a SOCKS handshake: let other recognisers look at the bytes. */
        NOT_SOCKS,
        /** Could still be SOCKS: call again with more bytes. */
        NEED_MORE,
        /** SOCKS, but no tunnel to follow: refused, an unreadable method, UDP ASSOCIATE or a malformed part. */
        CLOSED,
        /** SOCKS with a tunnel: the client's data starts at {@code clientData}, the server's at {@code serverData}. */
        ESTABLISHED
    }

    /**
     * The outcome of one parse.
     *
     * @param target what the client asked for and the answer (null unless CLOSED or ESTABLISHED)
     * @param anomaly the anomaly name when a part after recognition did not parse, else null
     */
    public record Result(State state, int clientData, int serverData, AppTunnel target, String anomaly) {
    }

    /** Most bytes of a user or host name (SOCKS 4/4a: NUL-terminated; SOCKS 5: one length byte). */
    public static final int MAX_NAME = 255;

    private static final Result NOT = new Result(State.NOT_SOCKS, 0, 0, null, null);
    private static final Result MORE = new Result(State.NEED_MORE, 0, 0, null, null);
    private static final int NEED = -1;
    private static final int BAD = -2;
    private static final int V4_REPLY_LEN = 8;
    private static final int V4_GRANTED = 0x5a;
    private static final int METHOD_NONE = 0;
    private static final int METHOD_USER_PASS = 2;
    private static final int NO_ACCEPTABLE = 0xff;
    private static final String[] V5_STATUS = {"succeeded", "general_failure", "not_allowed", "network_unreachable",
        "host_unreachable", "connection_refused", "ttl_expired", "command_not_supported", "address_type_not_supported"};
    private static final String[] V4_STATUS = {"succeeded", "rejected", "no_identd", "identd_mismatch"};
    private static final String[] COMMANDS = {null, "connect", "bind", "udp_associate"};

    private SocksHandshake() {
    }

    /**
     * Reads the client's first {@code clientLen} bytes and the server's first {@code serverLen} bytes
     * (either array may be null when its length is 0).
     */
    public static Result parse(byte[] client, int clientLen, byte[] server, int serverLen) {
        if (clientLen == 0) {
            // A SOCKS client speaks first, but a mirror port may show the answer before the request.
            return serverLen > 0 && server[0] != 0 && server[0] != 5 ? NOT : MORE;
        }
        return switch (client[0]) {
            case 4 -> v4(client, clientLen, server, serverLen);
            case 5 -> v5(client, clientLen, server, serverLen);
            default -> NOT;
        };
    }

    // ---- SOCKS 4 and 4a ----

    private static Result v4(byte[] c, int cl, byte[] s, int sl) {
        // Check the answer as soon as it shows (a mirror port may deliver it before the request's end).
        if ((sl >= 1 && s[0] != 0) || (sl >= 2 && ((s[1] & 0xff) < V4_GRANTED || (s[1] & 0xff) > V4_GRANTED + 3))) {
            return NOT;
        }
        if (cl < 2) {
            return MORE;
        }
        int cmd = c[1];
        if (cmd != 1 && cmd != 2) {
            return NOT;
        }
        if (cl < 8) {
            return MORE;
        }
        int port = u16(c, 2);
        boolean named = c[4] == 0 && c[5] == 0 && c[6] == 0 && c[7] != 0; // 4a: 0.0.0.x, the name follows
        int userEnd = nulTerminated(c, 8, cl, false);
        if (userEnd == BAD) {
            return NOT;
        }
        if (userEnd == NEED) {
            return MORE;
        }
        int p = userEnd + 1;
        String name = null;
        if (named) {
            int nameEnd = nulTerminated(c, p, cl, true);
            if (nameEnd == BAD || nameEnd == p) {
                return NOT;
            }
            if (nameEnd == NEED) {
                return MORE;
            }
            name = new String(c, p, nameEnd - p, StandardCharsets.US_ASCII);
            p = nameEnd + 1;
        }
        if (sl < V4_REPLY_LEN) {
            return MORE;
        }
        int status = s[1] & 0xff;
        AppTunnel t = new AppTunnel("socks", 4, COMMANDS[cmd], V4_STATUS[status - V4_GRANTED], named ? null : ip(c, 4, 4),
                name, port, ip(s, 4, 4), u16(s, 2));
        if (status != V4_GRANTED) {
            return closed(t, null);
        }
        int q = V4_REPLY_LEN;
        if (cmd == 2) { // BIND: the second reply comes when the peer has connected
            if (sl < 2 * V4_REPLY_LEN) {
                return MORE;
            }
            int second = s[q + 1] & 0xff;
            if (s[q] != 0 || second < V4_GRANTED || second > V4_GRANTED + 3) {
                return closed(t, "socks.reply_malformed");
            }
            if (second != V4_GRANTED) {
                return closed(withStatus(t, V4_STATUS[second - V4_GRANTED]), null);
            }
            q += V4_REPLY_LEN;
        }
        return new Result(State.ESTABLISHED, p, q, t, null);
    }

    // ---- SOCKS 5 ----

    private static Result v5(byte[] c, int cl, byte[] s, int sl) {
        if (sl >= 1 && s[0] != 5) {
            return NOT;
        }
        if (cl < 2) {
            return MORE;
        }
        int n = c[1] & 0xff;
        if (n == 0) {
            return NOT;
        }
        for (int i = 2; i < Math.min(cl, 2 + n); i++) {
            int m = c[i] & 0xff;
            if (m > 9 && (m < 0x80 || m == NO_ACCEPTABLE)) { // IANA-assigned methods 0-9, private 0x80-0xFE
                return NOT;
            }
        }
        if (cl < 2 + n || sl < 2) {
            return MORE;
        }
        int method = s[1] & 0xff;
        if (s[0] != 5 || (method != NO_ACCEPTABLE && !offered(c, n, method))) {
            return NOT;
        }
        // From here on this is SOCKS 5.
        if (method == NO_ACCEPTABLE) {
            return closed(v5("no_acceptable_methods"), null);
        }
        int p = 2 + n;
        int q = 2;
        if (method == METHOD_USER_PASS) {
            if (cl < p + 2) {
                return MORE;
            }
            int user = c[p + 1] & 0xff;
            if (cl < p + 3 + user) {
                return MORE;
            }
            int pass = c[p + 2 + user] & 0xff;
            if (c[p] != 1 || user == 0) {
                return closed(v5(null), "socks.request_malformed");
            }
            if (cl < p + 3 + user + pass || sl < q + 2) {
                return MORE;
            }
            p += 3 + user + pass;
            if (s[q] != 1 && s[q] != 5) { // RFC 1929 says 1; some servers answer with 5
                return closed(v5(null), "socks.reply_malformed");
            }
            if (s[q + 1] != 0) {
                return closed(v5("auth_failed"), null);
            }
            q += 2;
        } else if (method != METHOD_NONE) {
            // GSSAPI and the rest wrap every later message in their own encapsulation.
            return closed(v5("method_" + method), null);
        }
        if (cl < p + 4) {
            return MORE;
        }
        int cmd = c[p + 1];
        Address req = address(c, p + 3, cl);
        if (c[p] != 5 || cmd < 1 || cmd > 3 || req == Address.BAD) {
            return closed(v5(null), "socks.request_malformed");
        }
        if (req == Address.NEED) {
            return MORE;
        }
        AppTunnel t = new AppTunnel("socks", 5, COMMANDS[cmd], null, req.host, req.name, req.port, null, -1);
        // CONNECT and UDP ASSOCIATE have one reply; BIND a second one when the peer has connected.
        for (int reply = 0; reply < (cmd == 2 ? 2 : 1); reply++) {
            if (sl < q + 4) {
                return MORE;
            }
            Address bound = address(s, q + 3, sl);
            if (s[q] != 5 || bound == Address.BAD) {
                return closed(t, "socks.reply_malformed");
            }
            if (bound == Address.NEED) {
                return MORE;
            }
            int rep = s[q + 1] & 0xff;
            t = new AppTunnel("socks", 5, COMMANDS[cmd], rep < V5_STATUS.length ? V5_STATUS[rep] : "status_" + rep, req.host,
                    req.name, req.port, bound.host != null ? bound.host : bound.name, bound.port);
            if (rep != 0 || cmd == 3) {
                return closed(t, null); // refused, or UDP ASSOCIATE: the datagrams do not use this connection
            }
            q = bound.end;
        }
        return new Result(State.ESTABLISHED, req.end, q, t, null);
    }

    private static boolean offered(byte[] c, int n, int method) {
        for (int i = 2; i < 2 + n; i++) {
            if ((c[i] & 0xff) == method) {
                return true;
            }
        }
        return false;
    }

    /** An address (text form, or a host name) and port read from a SOCKS 5 request or reply, and where it ends. */
    private record Address(String host, String name, int port, int end) {
        static final Address NEED = new Address(null, null, 0, -1);
        static final Address BAD = new Address(null, null, 0, -2);
    }

    /** Reads ATYP at {@code at}, then the address and port. */
    private static Address address(byte[] b, int at, int len) {
        int type = b[at];
        int p = at + 1;
        return switch (type) {
            case 1 -> len < p + 6 ? Address.NEED : new Address(ip(b, p, 4), null, u16(b, p + 4), p + 6);
            case 4 -> len < p + 18 ? Address.NEED : new Address(ip(b, p, 16), null, u16(b, p + 16), p + 18);
            case 3 -> {
                if (len < p + 1) {
                    yield Address.NEED;
                }
                int n = b[p] & 0xff;
                if (n == 0) {
                    yield Address.BAD;
                }
                if (len < p + 1 + n + 2) {
                    yield Address.NEED;
                }
                for (int i = p + 1; i < p + 1 + n; i++) {
                    if (b[i] < 0x21 || b[i] > 0x7e) {
                        yield Address.BAD;
                    }
                }
                yield new Address(null, new String(b, p + 1, n, StandardCharsets.US_ASCII), u16(b, p + 1 + n), p + 3 + n);
            }
            default -> Address.BAD;
        };
    }

    /**
     * Returns the index of the NUL ending a name that starts at {@code from}, {@link #NEED} when it may
     * still come, {@link #BAD} when the bytes cannot be a user name (printable ASCII) or a host name
     * (letters, digits, '-', '.', '_').
     */
    private static int nulTerminated(byte[] b, int from, int len, boolean host) {
        for (int i = from; i < len; i++) {
            int ch = b[i] & 0xff;
            if (ch == 0) {
                return i;
            }
            if (i - from >= MAX_NAME) {
                return BAD;
            }
            boolean ok = host ? Character.isLetterOrDigit(ch) && ch < 0x80 || ch == '-' || ch == '.' || ch == '_'
                    : ch >= 0x20 && ch < 0x7f;
            if (!ok) {
                return BAD;
            }
        }
        return NEED;
    }

    /** A SOCKS 5 session that ended before a request was read. */
    private static AppTunnel v5(String status) {
        return new AppTunnel("socks", 5, null, status, null, null, 0, null, -1);
    }

    private static Result closed(AppTunnel t, String anomaly) {
        return new Result(State.CLOSED, 0, 0, t, anomaly);
    }

    private static AppTunnel withStatus(AppTunnel t, String status) {
        return new AppTunnel(t.protocol(), t.version(), t.command(), status, t.requestHost(), t.requestName(),
                t.requestPort(), t.boundHost(), t.boundPort());
    }

    private static String ip(byte[] b, int at, int n) {
        return Flow.ipText(Arrays.copyOfRange(b, at, at + n));
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }
}
