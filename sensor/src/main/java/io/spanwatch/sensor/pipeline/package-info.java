/**
 * Pipeline: runs the sensor's stages on threads. {@link io.spanwatch.sensor.pipeline.Pipeline} takes
 * frames from a capture source on the capture thread, decodes just enough to hash each flow
 * symmetrically, and hands frames in batches of up to 1 MiB to one of several
 * {@link io.spanwatch.sensor.pipeline.Worker}s, so each flow stays on one worker. A worker runs decode,
 * flows, TCP reassembly ({@link io.spanwatch.sensor.pipeline.TcpConnection}), HTTP detection and
 * parsing, and file extraction ({@link io.spanwatch.sensor.pipeline.HttpGlue}) for its flows.
 *
 * <p><b>Limits:</b> {@link io.spanwatch.sensor.pipeline.SensorConfig#DEFAULT_QUEUE_BATCHES} batches
 * of up to 1 MiB queued, shared out among the workers (at least 4 each). Reading a file, the
 * capture thread waits when a queue is full (nothing is
 * dropped); capturing live it waits at most 50 ms for a worker that fell behind (the kernel's capture
 * buffer holds what arrives meanwhile), then drops the batch and counts it in
 * {@code capture.sensor_queue_drops}, and does not wait for that worker again until it caught up. Anomaly events are capped per name and worker
 * ({@link io.spanwatch.sensor.pipeline.SensorConfig#DEFAULT_MAX_ANOMALY_EVENTS}); past the cap they
 * are only counted ({@code anomaly.events_suppressed}).
 *
 * <p><b>Threads:</b> one capture thread, {@code workers} worker threads (default: one per core). The
 * event writer, file store and range assembler are shared and thread-safe; everything else belongs
 * to one thread. All timeouts run on packet time; each batch carries the capture's latest time so
 * idle workers still expire flows.
 */
package io.spanwatch.sensor.pipeline;
