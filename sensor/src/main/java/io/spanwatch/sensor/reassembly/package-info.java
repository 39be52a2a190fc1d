/**
 * TCP reassembly: the fourth stage of the sensor. It turns each direction of a TCP connection into
 * in-order bytes for the application layer.
 *
 * <p><b>In:</b> segments (sequence number, payload, FIN) and acknowledgement numbers of one direction,
 * from the worker's TCP tracking. <b>Out:</b> calls to a
 * {@link io.spanwatch.sensor.reassembly.StreamListener}: in-order data (passed through without a copy
 * when it arrives in order), gaps of known length, the FIN, and anomalies such as
 * {@code stream.overlap_mismatch}.
 *
 * <p><b>Policy:</b> first copy wins for overlapping bytes; a difference is an anomaly. A hole is given
 * up as a gap when the receiver acknowledged past it for over a second of packet time, when a bound is
 * reached, or at the end of the connection; reassembly carries on after the gap. Without a SYN the
 * stream starts at the first data segment (mid-stream pick-up). RSTs that do not fit the stream are
 * ignored and reported ({@code stream.rst_ignored}), so one forged RST cannot blind the sensor. Once
 * the FIN was passed on, bytes past it are reported ({@code stream.data_after_fin}) and not delivered;
 * a FIN before bytes already delivered is ignored and reported ({@code stream.fin_out_of_window}).
 *
 * <p><b>Limits</b> ({@link io.spanwatch.sensor.reassembly.ReassemblyConfig}): out-of-order bytes per
 * direction (default 4 MiB) and segments per direction (default 2048); out-of-order bytes per worker
 * (default 128 MiB over all workers), each held segment counted with
 * {@value io.spanwatch.sensor.reassembly.TcpStream#SEGMENT_OVERHEAD} bytes of bookkeeping. A stream at
 * its own bound gives up its oldest hole as a gap ({@code tcp.stream_depth_limit_hits}, anomaly
 * {@code stream.reassembly_ooo_limit}); at the memcap, the stream of the worker that has waited longest
 * for a hole gives up everything it holds ({@code tcp.reassembly_memcap_hits},
 * {@code tcp.reassembly_memcap_evictions}, anomaly {@code stream.reassembly_memcap}), so a flood of
 * holes that never fill cannot make a reordering on another connection a gap. Streams that gave up
 * data are flagged in the flow event ({@code tcp.reassembly_limit}); missed bytes are in
 * {@code tcp.missed_bytes_*}.
 *
 * <p><b>Threads:</b> a stream is used only by the worker that owns its flow; the budget in
 * {@link io.spanwatch.sensor.reassembly.ReassemblyStats} is per worker.
 */
package io.spanwatch.sensor.reassembly;
