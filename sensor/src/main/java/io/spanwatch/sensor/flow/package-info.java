/**
 * Flows: the third stage of the sensor. It groups decoded packets into flows and ends them.
 *
 * <p><b>In:</b> {@link io.spanwatch.sensor.decode.DecodedPacket}s from the decode stage.
 * <b>Out:</b> the {@link io.spanwatch.sensor.flow.Flow} each packet belongs to, with its direction
 * (originator or responder) and packet/byte counters; ended flows go to a
 * {@link io.spanwatch.sensor.flow.FlowTable.Listener} with a reason ({@code timeout}, {@code forced},
 * {@code shutdown}, or {@code tcp_reuse} when a new SYN reuses a closed connection's ports), which
 * writes the {@code flow} event. {@link io.spanwatch.sensor.flow.CommunityId} computes Community ID v1.
 *
 * <p><b>Key:</b> both addresses, both ports, IP protocol and up to two VLAN ids
 * ({@link io.spanwatch.sensor.flow.FlowKey}), in a canonical order so both directions find one flow.
 *
 * <p><b>Limits</b> ({@link io.spanwatch.sensor.flow.FlowConfig}): at most
 * {@link io.spanwatch.sensor.flow.FlowConfig#DEFAULT_MAX_FLOWS} flows over all tables, shared out
 * evenly; when a table is full, its least recently useful flow (flows that never showed a conversation
 * go first, least recently seen first) ends with reason {@code forced}, {@code "evicted": true} in
 * its event and the {@code flow.evicted} counter. Idle timeouts on packet time: TCP new 60 s, established 600 s, closed
 * 60 s; UDP new 30 s, established 300 s; others 30/300 s (Suricata's defaults).
 *
 * <p><b>Threads:</b> one table per worker thread; a flow and everything attached to it is only touched
 * by that worker. The capture thread spreads flows over workers with
 * {@link io.spanwatch.sensor.flow.FlowKey#symmetricHash}.
 */
package io.spanwatch.sensor.flow;
