/**
 * Capture stage: the first stage of the sensor. It reads link-layer frames from a live interface or a
 * capture file and hands them, in capture order and on the capture thread, to a {@link
 * io.spanwatch.sensor.capture.FrameSink} (in practice the decode stage).
 *
 * <p>In: an interface name or a file path. Out: {@code (timestamp ns, link type, bytes, captured
 * length, wire length)} per frame, plus {@link io.spanwatch.sensor.capture.CaptureStats}.
 *
 * <p>{@link io.spanwatch.sensor.capture.LiveCapture} captures with libpcap through pcap4j. Its limits
 * (snaplen, kernel buffer, read timeout) are constants and {@code LiveCapture.Options}; what the kernel
 * drops is counted in {@code CaptureStats.kernelDrops} and {@code ifDrops}, never silent. pcap4j is used
 * for capture only: frames are not parsed into pcap4j {@code Packet} objects.
 *
 * <p>Threads: {@code run} blocks its caller and calls the sink on that thread; {@code stop} and
 * {@code stats} are safe from any thread. The sink must not block: a live capture never waits for
 * later stages, and while the sink runs the kernel buffer fills.
 */
package io.spanwatch.sensor.capture;
