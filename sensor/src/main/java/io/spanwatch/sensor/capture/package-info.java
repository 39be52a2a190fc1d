/**
 * Capture: the first stage of the sensor. It turns a capture file or a live interface into a stream
 * of link-layer frames, handed in capture order, on the capture thread, to a
 * {@link io.spanwatch.sensor.capture.FrameSink} (in practice the pipeline, which decodes and
 * dispatches them).
 *
 * <p><b>In:</b> a path to a classic pcap (micro- or nanosecond, either byte order) or pcapng file
 * ({@link io.spanwatch.sensor.capture.CaptureFile}, read without pcap4j, by {@code pread} into a heap
 * window: {@code PositionalReader}), or
 * an interface name ({@link io.spanwatch.sensor.capture.LiveCapture}, libpcap through pcap4j, which is
 * used for capture only: frames are never parsed into pcap4j {@code Packet} objects). <b>Out:</b>
 * {@code (timestamp ns, link type, bytes, captured length, wire length)} per frame, the bytes lent for
 * the call only, plus {@link io.spanwatch.sensor.capture.CaptureStats}.
 *
 * <p><b>Limits:</b> a file record larger than {@link io.spanwatch.sensor.capture.CaptureFile#MAX_CAPLEN}
 * (256 KiB) or a pcapng block larger than {@link io.spanwatch.sensor.capture.CaptureFile#MAX_BLOCK_BYTES}
 * is corruption; a file cut inside a record is read up to the cut. Both end the read, set
 * {@code truncated} in the stats and leave a {@code warning()} naming the file offset. File frames are
 * lent from one {@link io.spanwatch.sensor.capture.CaptureFile#DEFAULT_WINDOW_BYTES} (1 MiB) heap
 * window; nothing is copied per frame. Live capture limits (snaplen, kernel buffer, read timeout) are
 * {@code LiveCapture.Options}; what the kernel drops is counted in {@code kernelDrops} and
 * {@code ifDrops}, never silent. Problems opening a source (missing file, corrupt header, unsupported
 * link type, missing interface, no capture permission, no libpcap, bad BPF) are a
 * {@link io.spanwatch.sensor.capture.CaptureException} with a one-line message.
 *
 * <p><b>Threads:</b> {@code run} blocks its caller and calls the sink on that thread; {@code stop} and
 * {@code stats} are safe from any thread. The sink must not block on a live capture.
 */
package io.spanwatch.sensor.capture;
