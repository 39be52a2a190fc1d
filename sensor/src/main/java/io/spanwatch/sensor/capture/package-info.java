/**
 * Capture: the first stage of the sensor. It turns a capture file (or, later, a live interface) into
 * a stream of link-layer frames.
 *
 * <p><b>In:</b> a path to a classic pcap (micro- or nanosecond, either byte order) or pcapng file
 * ({@link io.spanwatch.sensor.capture.CaptureFile}). <b>Out:</b> calls to
 * {@link io.spanwatch.sensor.capture.FrameSink#frame} with the packet time in nanoseconds, the link
 * type, and a view {@code (buf, off, capLen)} of the frame lent for the duration of the call, plus
 * {@link io.spanwatch.sensor.capture.CaptureStats} counters.
 *
 * <p><b>Limits:</b> a record larger than {@link io.spanwatch.sensor.capture.CaptureFile#MAX_CAPLEN}
 * (256 KiB) or a pcapng block larger than {@link io.spanwatch.sensor.capture.CaptureFile#MAX_BLOCK_BYTES}
 * is corruption; a file cut inside a record is read up to the cut. Both end the read, set
 * {@code truncated} in the stats and leave a {@code warning()} naming the file offset. Frames are lent
 * from one {@link io.spanwatch.sensor.capture.CaptureFile#DEFAULT_WINDOW_BYTES} (1 MiB) heap window,
 * refilled from the memory-mapped file; nothing is copied per frame. Problems found when opening a file
 * (missing, unreadable, empty, unknown magic, corrupt header, unsupported link type) are a
 * {@link io.spanwatch.sensor.capture.CaptureException} with a one-line message.
 *
 * <p><b>Threads:</b> {@code run} delivers every frame on the one capture thread that calls it;
 * {@code stop} and {@code stats} are safe from any thread. {@link io.spanwatch.sensor.capture.PcapWriter}
 * writes classic pcap files for tests and the demo-capture generator.
 */
package io.spanwatch.sensor.capture;
