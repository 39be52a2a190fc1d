package io.spanwatch.sensor.flow;

/**
 * Describes the far end of an application-layer tunnel a flow carries, such as the destination a
 * SOCKS proxy was asked to connect to; events of the flow show it (EVE extension object named by
 * {@link #protocol}). The flow's own addresses stay those of the connection to the proxy.
 *
 * @param protocol {@code socks}, or {@code http_connect} (a tunnel an HTTP proxy opened for a CONNECT)
 * @param version protocol version (SOCKS 4 or 5; 4a is version 4 with a {@code requestName}); 0 for
 *     {@code http_connect} (not shown)
 * @param command what was asked: {@code connect}, {@code bind} or {@code udp_associate}
 * @param status the answer ({@code succeeded}, {@code rejected}, {@code connection_refused}, ...),
 *     or null while none was seen
 * @param requestHost the address asked for (text form), or null when a name was asked for
 * @param requestName the host name asked for (SOCKS 4a, SOCKS 5 domain), or null
 * @param requestPort the port asked for, -1 when the request named none (not shown)
 * @param boundHost the address the proxy reported (text form), or null
 * @param boundPort the port the proxy reported, -1 when none was seen
 */
public record AppTunnel(String protocol, int version, String command, String status, String requestHost,
        String requestName, int requestPort, String boundHost, int boundPort) {

    /**
     * Describes a CONNECT's target ({@code host:port}, {@code [v6]:port}; RFC 9110 §9.3.6) as the
     * tunnel's far end: an address literal as {@code host}, a name as {@code name} (neither when it is
     * empty, longer than 255 characters or holds spaces or control characters); a port that is
     * missing, not a number or past 65,535 is -1 (not shown).
     */
    public static AppTunnel ofConnect(String authority) {
        String a = authority == null ? "" : authority.trim();
        String host = a;
        int port = -1;
        int colon = a.lastIndexOf(':');
        int bracket = a.lastIndexOf(']');
        if (colon > bracket && colon >= 0) {
            host = a.substring(0, colon);
            String p = a.substring(colon + 1);
            if (!p.isEmpty() && p.length() <= 5 && p.chars().allMatch(Character::isDigit) && Integer.parseInt(p) <= 65_535) {
                port = Integer.parseInt(p);
            }
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty() || host.length() > 255 || !host.chars().allMatch(ch -> ch > 0x20 && ch < 0x7F)) {
            // not a host a proxy resolves (DNS names end at 253): not repeated on every event
            return new AppTunnel("http_connect", 0, "connect", "succeeded", null, null, port, null, -1);
        }
        boolean literal = host.indexOf(':') >= 0 || isDottedQuad(host);
        return new AppTunnel("http_connect", 0, "connect", "succeeded", literal ? host : null, literal ? null : host, port, null, -1);
    }

    private static boolean isDottedQuad(String h) {
        String[] parts = h.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }
}
