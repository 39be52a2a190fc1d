/**
 * HTTP stage: turns the two reassembled byte streams of a TCP connection into transactions and
 * entity bodies, HTTP/1.x and HTTP/2 in cleartext (after the client's preface, a server's SETTINGS
 * sent first, or an {@code Upgrade: h2c} answered 101; {@link io.spanwatch.sensor.http.Http2Session}).
 *
 * <h2>Stage</h2>
 * After TCP reassembly, before file extraction and event output. {@link
 * io.spanwatch.sensor.http.HttpConnectionParser#probe} tells whether a new stream on any port is
 * HTTP; one {@link io.spanwatch.sensor.http.HttpConnectionParser} then reads that connection.
 *
 * <h2>In</h2>
 * Per direction, in order: {@code data} (bytes lent for the call), {@code gap} (bytes lost),
 * {@code end} (FIN/RST); then {@code close} once for the connection.
 *
 * <h2>Out</h2>
 * Through {@link io.spanwatch.sensor.http.HttpListener}: request and final-response heads,
 * one {@link io.spanwatch.sensor.http.BodySink} per entity (a whole body, or one part of a
 * {@code multipart/form-data} request or {@code multipart/byteranges} response) carrying the bytes a
 * browser would save (chunked coding removed, content codings gzip/x-gzip/deflate/br/zstd undone; where
 * receivers read a body differently, the reading that ends first is split off through
 * {@link io.spanwatch.sensor.http.BodySink#endReadingHere}, and a reading that runs beside the body (a
 * multipart part with its transfer encoding undone, the parts at PHP's boundary) is an entity of its
 * own named by {@link io.spanwatch.sensor.http.EntityInfo#reading()}), one
 * {@code transactionDone} per transaction in order, and named anomalies ({@code http.*}).
 *
 * <h2>Browser-compatible framing</h2>
 * Heads, framing and content codings are read as Chrome and Firefox read them, not as RFC 9112 asks
 * of a strict recipient: where the two differ, the reading that yields the bytes one of them saves
 * wins, and every trick is an anomaly. The README's "browser-compatible framing rules" give each rule
 * and the browser it follows; {@code HttpEvaderTest} checks them with the HTTP Evader variants.
 *
 * <h2>Parts</h2>
 * <ul>
 *   <li>{@code HttpConnectionParser}: request/response pairing (FIFO, pipelining), 1xx, tunnels, probe.</li>
 *   <li>{@code MessageReader}: the per-direction state machine (start line, headers, framing, resync);
 *       its base class {@code ReaderHoldings} what it holds (the line being gathered, the bytes sent
 *       behind a CONNECT) and their charge to {@code HttpMemory}; {@code LineBuffer} gathers its lines,
 *       {@code Http09Probe} a first response's first bytes.</li>
 *   <li>{@code Head}: one head read as browsers read it: lines, folding, status line, Transfer-Encoding,
 *       Content-Length, Content-Encoding.</li>
 *   <li>{@code ChunkLines}, {@code ChunkSize}: the lines between chunks and chunk sizes, read as
 *       Firefox's lenient decoder does.</li>
 *   <li>{@code Entity}: one body's pipeline: decoders, decompression limits, sink or multipart split.</li>
 *   <li>{@code GzipDecoder}, {@code DeflateDecoder}, {@code BrotliDecoder}, {@code ZstdDecoder}: streaming
 *       content decoders. zstd is SpanWatch's own push decoder (RFC 8878): {@code ZstdDecoder} frames
 *       the input and keeps the window ({@code ZstdWindow}), {@code ZstdBlock} decodes compressed blocks
 *       with the tables of {@code ZstdTables} read through {@code ZstdBits}; {@code Xxh64} checks the
 *       content checksum.</li>
 *   <li>{@code MultipartReader}: streaming multipart splitter.</li>
 *   <li>{@code StartLines}, {@code HeaderValues}: small parsers for start lines and header values.</li>
 *   <li>{@code HttpMemory}: one worker's budget for the heads its parsers hold.</li>
 *   <li>{@code Http2Session}: an HTTP/2 connection's frames and streams, each stream a transaction
 *       whose bodies go through {@code Entity} as HTTP/1's do; {@code Http2Direction} reads one direction's
 *       frames, {@code Hpack} decodes its header blocks.</li>
 * </ul>
 *
 * <h2>Limits</h2>
 * Configured through {@link io.spanwatch.sensor.http.HttpLimits} (defaults):
 * <ul>
 *   <li>head bytes per message, 64 KiB, and header fields per message, 1000: {@code http.header_too_long},
 *       {@code http.too_many_headers}; past them the head is still read to its end, up to 256 KiB for a
 *       response (Chrome's limit) and 1 MiB and 4 KiB for a request (Go's server), keeping only the fields
 *       that frame and name the body; past that, message
 *       abandoned, resync</li>
 *   <li>decoded bytes per body, 1 GiB: {@code http.decompression_limit}, entity ends incomplete</li>
 *   <li>decompression ratio, 1000:1 once 1 MiB was decoded: {@code http.decompression_limit}</li>
 *   <li>multipart parts per body, 1000: {@code http.multipart_too_many_parts}, later parts skipped</li>
 *   <li>requests awaiting a response, 1000: {@code http.too_many_pending}, oldest finished unanswered</li>
 *   <li>heads and decoder buffers held over all connections of a worker (heads being read or kept by
 *       transactions not yet done; raw input kept until the first decoded byte; brotli's queue and
 *       window; zstd's window, block being gathered, literals and tables), 64 MiB over all workers ({@link io.spanwatch.sensor.http.HttpMemory}):
 *       {@code http.memcap}, the oldest holding is given up (its head abandoned, its transaction's
 *       fields dropped and, if still unanswered, the transaction finished, or its decoding stopped)</li>
 * </ul>
 * A transaction that met a limit names its configuration key in {@code limitHit}.
 * Fixed: chunk-size line 4 KiB ({@code http.bad_chunk_size}), and empty lines before a first chunk
 * size kept for a plain-body replay, 4 KiB; raw bytes kept for pass-through until the first decoded
 * byte, 64 KiB; probe 2 KiB; a first response's first 8 bytes, to tell HTTP/0.9. Brotli: org.brotli:dec is a pull decoder that only
 * outputs once its window-sized ring buffer is full, so a {@code br} body holds back one window
 * (64 KiB to 16 MiB, as the stream declares) plus 32 KiB of encoded input; a push decoder would
 * remove that. zstd: a window over 8 MiB (RFC 9659) is refused ({@code http.zstd_window_too_large}),
 * so a {@code zstd} body holds at most 8 MiB plus two blocks (128 KiB each, in and out) and 150 KiB of
 * literals and tables; its ring grows with the decoded content, so a small body behind a large
 * declared window costs little. Memory per connection is therefore about two heads plus, per open
 * body, one decoder (zlib state and 8 KiB; for brotli up to two windows; for zstd a window) and a
 * multipart delimiter.
 *
 * <h2>Anomalies</h2>
 * {@code http.bad_request_line}, {@code http.request_line_invalid} (a request line whose target holds
 * control characters, still parsed; Suricata's name), {@code http.bad_status_line}, {@code http.status_line_junk},
 * {@code http.invalid_protocol}, {@code http.invalid_status}, {@code http.response_0_9},
 * {@code http.response_body_unexpected}, {@code http.unrequested_upgrade},
 * {@code http.bad_header_line}, {@code http.obs_fold}, {@code http.bare_cr},
 * {@code http.header_name_whitespace}, {@code http.header_nul}, {@code http.header_too_long},
 * {@code http.too_many_headers}, {@code http.bad_content_length},
 * {@code http.conflicting_content_length}, {@code http.chunked_with_content_length},
 * {@code http.invalid_transfer_encoding}, {@code http.te_chunked_junk}, {@code http.chunked_old_proto},
 * {@code http.chunked_body_not_chunked}, {@code http.bad_chunk_size}, {@code http.chunk_size_junk},
 * {@code http.chunk_size_signed}, {@code http.bad_chunk_terminator}, {@code http.chunked_unterminated},
 * {@code http.bad_content_range}, {@code http.unsupported_content_encoding},
 * {@code http.abnormal_ce_header}, {@code http.too_many_encoding_layers},
 * {@code http.content_decode_failed}, {@code http.content_truncated}, {@code http.content_crc_mismatch},
 * {@code http.content_trailing_data}, {@code http.gzip_reserved_flags},
 * {@code http.gzip_multiple_members}, {@code http.zstd_window_too_large},
 * {@code http.zstd_dictionary_required}, {@code http.decompression_limit},
 * {@code http.multipart_no_boundary}, {@code http.multipart_bad_delimiter},
 * {@code http.multipart_too_many_parts}, {@code http.multipart_unterminated},
 * {@code http.too_many_pending}, {@code http.memcap}; for HTTP/2 Suricata's names
 * {@code http2.invalid_client_magic}, {@code http2.invalid_frame_header}, {@code http2.invalid_frame_length},
 * {@code http2.invalid_frame_data}, {@code http2.invalid_header}, {@code http2.stream_id_reuse},
 * {@code http2.too_many_streams}, and {@code http2.framing_lost} (bytes lost outside a DATA payload),
 * {@code http2.push_disabled} (a PUSH_PROMISE the client refused).
 *
 * <h2>Threads</h2>
 * None of its own. One connection's parser, its transactions and its sinks are used by one thread
 * at a time (the thread that feeds the connection); listeners are called on that thread. Connections
 * share nothing but their worker's {@code HttpMemory}, used by that worker's thread only.
 */
package io.spanwatch.sensor.http;
