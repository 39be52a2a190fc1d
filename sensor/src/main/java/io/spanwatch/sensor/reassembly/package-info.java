/**
 * TCP reassembly: the fourth stage of the sensor. It turns each direction of a TCP connection into
 * the in-order bytes its receiving host accepted, for the application layer.
 *
 * <p><b>In:</b> segments (sequence number, payload, FIN), their TCP timestamps, and the acknowledgement
 * numbers, windows and timestamp echoes of the receiver, from the worker's TCP tracking, which also
 * says whether timestamps were negotiated and scales the windows. <b>Out:</b> calls to a
 * {@link io.spanwatch.sensor.reassembly.StreamListener}: in-order data (passed through without a copy
 * when it arrives in order), gaps of known length, the FIN, and anomalies such as
 * {@code stream.overlap_mismatch}.
 *
 * <p><b>Policy:</b> bytes passed on are never replaced. Overlaps among bytes held out of order are
 * resolved by the receiving host's {@link io.spanwatch.sensor.reassembly.OverlapPolicy} (Suricata's
 * target-based policies), chosen per receiver address by {@link io.spanwatch.sensor.reassembly.HostPolicies};
 * a difference is an anomaly whichever copy wins. Segments the host discards are not reassembled: a
 * TCP timestamp older than the last one it took (PAWS, RFC 7323; {@code stream.pkt_invalid_timestamp})
 * or a start past its advertised window ({@code stream.est_packet_out_of_window}); their bytes are kept
 * aside and used only where the receiver acknowledges bytes no accepted segment supplied
 * ({@code stream.discarded_data_used}). A hole is given up as a gap when the receiver acknowledged
 * past it for over a second of packet time, when a bound is reached, or at the end of the connection;
 * reassembly carries on after the gap. Without a SYN the stream starts at the first data segment
 * (mid-stream pick-up). A RST resets only where the receiver's policy takes one (RFC 5961 §3 for
 * current stacks: the next byte expected, {@link io.spanwatch.sensor.reassembly.TcpStream#acceptsReset});
 * others are ignored and reported ({@code stream.rst_ignored}), so one forged RST cannot blind the sensor. Once the FIN was passed on,
 * bytes past it are reported ({@code stream.data_after_fin}) and not delivered; a FIN before bytes
 * already delivered is ignored and reported ({@code stream.fin_out_of_window}); a FIN waiting out of
 * order is forgotten when a segment covers its own and runs past it ({@code stream.fin_replaced}). The
 * byte an urgent pointer marks is taken out of the stream, as the receiver takes it out of band
 * ({@link io.spanwatch.sensor.reassembly.UrgentMarks}, {@code stream.urgent_oob}).
 *
 * <p><b>Limits</b> ({@link io.spanwatch.sensor.reassembly.ReassemblyConfig}): out-of-order bytes per
 * direction (default 4 MiB) and pieces per direction (default 2048), pieces split by an overlap policy
 * and bytes kept aside included; out-of-order bytes per worker (default 128 MiB over all workers),
 * each held piece counted with {@value io.spanwatch.sensor.reassembly.TcpStream#SEGMENT_OVERHEAD} bytes
 * of bookkeeping. Kept-aside bytes are dropped first when a bound is reached
 * ({@code tcp.discarded_not_kept}), except at the memcap those that run on from the next expected
 * byte, which are the ones the stream waits for; an evicted stream delivers those the receiver
 * acknowledged as long ago as a hole is waited for. Where they fill the whole first hole and the
 * receiver acknowledged past it, the stream's own bound waits for them as long as a hole is waited
 * for (within the memcap), since that bound would give up that very hole next. A stream at its own bound gives up its oldest hole as a gap
 * ({@code tcp.stream_depth_limit_hits}, anomaly {@code stream.reassembly_ooo_limit}); at the memcap,
 * the stream of the worker that has waited longest for a hole gives up everything it holds
 * ({@code tcp.reassembly_memcap_hits}, {@code tcp.reassembly_memcap_evictions}, anomaly
 * {@code stream.reassembly_memcap}), so a flood of holes that never fill cannot make a reordering on
 * another connection a gap. Streams that gave up data are flagged in the flow event
 * ({@code tcp.reassembly_limit}); missed bytes are in {@code tcp.missed_bytes_*}. Urgent marks waiting
 * per direction: one for a Linux receiver, {@value io.spanwatch.sensor.reassembly.UrgentMarks#MAX_MARKS}
 * for others ({@code stream.urgent_limit} past that, the byte staying inline).
 *
 * <p><b>Classes:</b> {@link io.spanwatch.sensor.reassembly.TcpStream} is one direction and its rules,
 * on {@code StreamHoldings}, which holds its bytes between arrival and delivery and enforces the
 * bounds and the memcap's evictions; it keeps the pieces held ahead of a hole in {@code HeldPieces} (with the extent of the segment
 * each came from, for the overlap policy), the bytes of discarded segments in {@code AsideBytes}, and
 * urgent marks in {@code UrgentMarks}; what the receiving host accepts (PAWS, its window) is
 * {@code ReceiverView}. Held pieces and kept-aside bytes are charged to the stream through a
 * {@code HeldLedger}.
 *
 * <p><b>Threads:</b> a stream is used only by the worker that owns its flow; the budget in
 * {@link io.spanwatch.sensor.reassembly.ReassemblyStats} is per worker. {@link io.spanwatch.sensor.reassembly.HostPolicies}
 * is immutable and shared.
 */
package io.spanwatch.sensor.reassembly;
