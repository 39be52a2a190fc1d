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
}
