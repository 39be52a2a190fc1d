package io.spanwatch.sensor.capture;

/**
 * Counts what a capture source delivered and what it lost before SpanWatch saw it.
 *
 * @param packets frames delivered to the sink
 * @param bytes captured bytes delivered
 * @param kernelPackets packets the kernel received for this handle (libpcap {@code ps_recv}); 0 for files
 * @param kernelDrops packets dropped because the kernel buffer was full ({@code ps_drop})
 * @param ifDrops packets dropped by the interface or driver ({@code ps_ifdrop})
 * @param truncated true when a capture file ended inside a record (analysed up to the cut)
 */
public record CaptureStats(long packets, long bytes, long kernelPackets, long kernelDrops, long ifDrops,
        boolean truncated) {
}
