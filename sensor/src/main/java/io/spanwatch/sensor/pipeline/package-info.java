/**
 * Pipeline: runs the sensor's stages on threads. {@link io.spanwatch.sensor.pipeline.Pipeline} takes
 * frames from a capture source on the capture thread, decodes just enough to hash each flow
 * symmetrically (the innermost flow of a tunnelled frame; fragments are put back together first and
 * each further subframe of an 802.11 A-MSDU becomes a frame of its own), and hands frames in batches
 * of up to 1 MiB to one of several {@link io.spanwatch.sensor.pipeline.Worker}s, so each flow stays on
 * one worker. A worker runs decode, flows, TCP reassembly ({@link io.spanwatch.sensor.pipeline.TcpConnection},
 * one {@code TcpSide} per direction;
 * the segments a receiving host throws away whole, such as a bad checksum or an acknowledgement of
 * bytes never sent, in {@code ReceiverDiscards}),
 * a SOCKS handshake when a connection starts with one ({@link io.spanwatch.sensor.socks}), HTTP
 * detection and parsing, and file extraction ({@link io.spanwatch.sensor.pipeline.HttpGlue}) for its flows.
 *
 * <p><b>Limits:</b> batches of 1 MiB (off the Java heap) queued, one pool any worker may draw on
 * (at least 4 per worker): {@link io.spanwatch.sensor.pipeline.SensorConfig#DEFAULT_QUEUE_BATCHES} reading a
 * file, where the capture thread waits when a queue is full (nothing is dropped), and
 * {@link io.spanwatch.sensor.pipeline.SensorConfig#DEFAULT_LIVE_QUEUE_BATCHES} capturing live, where
 * the queue absorbs bursts and the capture thread never waits: a batch its worker cannot take is
 * dropped and counted in {@code capture.sensor_queue_drops}. Anomaly events are capped per name and worker
 * ({@link io.spanwatch.sensor.pipeline.SensorConfig#DEFAULT_MAX_ANOMALY_EVENTS}); past the cap they
 * are only counted ({@code anomaly.events_suppressed}).
 *
 * <p><b>Threads:</b> one capture thread, {@code workers} worker threads (default: one per core). The
 * event writer, file store and range assembler are shared and thread-safe; everything else belongs
 * to one thread. All timeouts run on packet time; each batch carries the capture's latest time so
 * idle workers still expire flows.
 */
package io.spanwatch.sensor.pipeline;
