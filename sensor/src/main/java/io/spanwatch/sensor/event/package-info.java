/**
 * Events: the sensor's output, as typed records ({@link io.spanwatch.sensor.event.EveEvent}: flow, http,
 * fileinfo, anomaly, stats, and the analyzer's alert and incident), handed to an
 * {@link io.spanwatch.sensor.event.EventSink}. {@link io.spanwatch.sensor.event.EveRenderer} lays out
 * their EVE fields once for every rendering; {@link io.spanwatch.sensor.event.EveWriter} writes Suricata-style EVE
 * JSON, one event per line, to {@code eve.json}: {@code flow}, {@code http}, {@code fileinfo},
 * {@code anomaly} and {@code stats}.
 *
 * <p>Every event starts with one shared header: {@code timestamp} (packet time,
 * {@code 2026-11-21T06:13:41.532140+0000} as Suricata writes it, see
 * {@link io.spanwatch.sensor.event.EveTime}), {@code flow_id}, {@code event_type}, {@code vlan},
 * {@code src_ip}, {@code src_port}, {@code dest_ip}, {@code dest_port} (client to server),
 * {@code proto}, {@code ip_v}, {@code community_id}, {@code app_proto}, {@code host} and {@code sensor}. The
 * {@code http} object is written by one method and reused inside {@code fileinfo}. Field names are
 * snake_case and stable; new fields are only ever added.
 *
 * <p><b>Threads:</b> the writer is shared by all workers; each event is written whole under its lock
 * into a 1 MiB buffer.
 */
package io.spanwatch.sensor.event;
