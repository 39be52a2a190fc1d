/**
 * TLS: the handshake's clear part, between TCP reassembly and the events. A connection whose side
 * starts with a ClientHello record (on any port, after a SOCKS handshake, or at a segment start of a
 * connection picked up mid-way) is TLS; {@code HelloReader} reads each direction up to its hello,
 * and a TLS 1.2 (or earlier) server's Certificate message after it, as Suricata's and Zeek's TLS
 * parsers do. Nothing past that is read: TLS 1.3 encrypts the rest, and the sensor does not decrypt.
 *
 * <p><b>In:</b> one direction's reassembled bytes, in any cut, from the worker's
 * {@code TcpConnection}. <b>Out:</b> a {@link io.spanwatch.sensor.tls.HelloReader.Hello} per
 * direction (versions, ciphers, extensions, groups, point formats, server name, ALPN, signature
 * algorithms) and the server's
 * certificates as DER; {@code TlsNames} turns them into what Suricata's EVE {@code tls} object says
 * (version names, JA3, JA3S and JA4), {@code Certificates} describes the leaf certificate (subject, issuer,
 * serial, fingerprint, validity); the worker writes one {@link io.spanwatch.sensor.event.TlsEvent} a
 * connection and stops reassembling it. Malformed framing ends a direction's reading with an anomaly
 * named as Suricata names it ({@code tls.invalid_record_length}, {@code tls.invalid_handshake_message},
 * ...).
 *
 * <p><b>Limits:</b> a record at most 2^14 + 2,048 bytes (TLS's own bound), a message gathered at most
 * 64 KiB ({@link io.spanwatch.sensor.tls.HelloReader#MAX_HELLO}); what is being gathered is charged to
 * the worker's application-layer budget ({@code http.memcap}), oldest holding evicted first
 * ({@code tls.memcap}). Every length read from the traffic is checked against what holds it before
 * use. Certificates up to 4 KiB are described once per fingerprint and kept, 1,024 a worker.
 *
 * <p><b>Threads:</b> readers are per connection and used by the worker thread that owns the flow;
 * {@code Certificates} keeps its parser and cache per thread; {@code TlsNames} is stateless.
 */
package io.spanwatch.sensor.tls;
