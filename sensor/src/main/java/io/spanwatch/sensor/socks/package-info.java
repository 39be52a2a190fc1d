/**
 * SOCKS: an application-layer tunnel between TCP reassembly and HTTP. It recognises a SOCKS 4, 4a or
 * 5 handshake (RFC 1928, RFC 1929) at the start of a TCP connection, on any port, from its content,
 * and says where the tunnelled bytes start in each direction, so that what the proxy carries (HTTP,
 * with its files) is analysed as if it were the connection's own, as Zeek does.
 *
 * <p><b>In:</b> the first bytes of both directions of a connection, as the worker buffered them while
 * deciding what the connection carries. <b>Out:</b> a {@link io.spanwatch.sensor.socks.SocksHandshake.Result}:
 * not SOCKS, need more bytes, SOCKS with no tunnel to follow (refused, GSSAPI, UDP associate,
 * malformed), or established with the offsets of the tunnelled data and the destination as a
 * {@link io.spanwatch.sensor.flow.AppTunnel} for the flow's events.
 *
 * <p><b>Recognition:</b> the client's greeting or request must parse (version, command, a method list
 * of valid method codes, NUL-terminated user and host names of printable characters) and the server's
 * first answer must agree with it (SOCKS 5: version 5 and one of the offered methods, or "none
 * acceptable"; SOCKS 4: version 0 and status 90-93). Only then is a connection SOCKS; a later part that
 * does not parse is the anomaly {@code socks.request_malformed} or {@code socks.reply_malformed}.
 *
 * <p><b>Limits:</b> the handshake must fit the bytes the worker keeps while probing a connection
 * (4 KiB per direction); names are at most 255 bytes. Stateless and allocation-light: the worker calls
 * {@link io.spanwatch.sensor.socks.SocksHandshake#parse} again as bytes arrive, on its own thread.
 */
package io.spanwatch.sensor.socks;
