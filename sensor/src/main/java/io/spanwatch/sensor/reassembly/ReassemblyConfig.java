package io.spanwatch.sensor.reassembly;

/**
 * Sets the reassembly bounds and the receiving hosts' overlap policies.
 *
 * @param maxBytesPerStream out-of-order bytes held for one direction of one connection (default
 *     {@value #DEFAULT_MAX_BYTES_PER_STREAM}); when reached, the oldest hole is given up as a gap
 * @param maxSegmentsPerStream out-of-order segments held for one direction (default
 *     {@value #DEFAULT_MAX_SEGMENTS_PER_STREAM})
 * @param memcap out-of-order bytes held by all streams together, shared out evenly among the workers,
 *     each held segment counted with {@link TcpStream#SEGMENT_OVERHEAD} bytes more (default
 *     {@value #DEFAULT_MEMCAP}); when reached, the stream that has waited longest for a hole gives up
 *     what it holds
 * @param gapAckDelayNanos how long a hole the receiver has already acknowledged is waited for before
 *     it is declared a gap (default 1 s), so that a mirror port's reordering is not mistaken for loss
 * @param policies which {@link OverlapPolicy} each receiving host follows, by address (default: all
 *     {@link OverlapPolicy#DEFAULT}, as Suricata)
 * @param checksumValidation whether segments with a wrong IPv4 header or TCP checksum are discarded as
 *     their receiver discards them, once their sender was seen sending a right one (default on, as
 *     Suricata's {@code stream.checksum-validation}); see {@code TcpConnection}
 * @param urgentOutOfBand whether the byte a segment's urgent pointer marks is taken out of the stream,
 *     as Linux, the BSDs and Windows do for applications that did not ask for it inline (default on;
 *     off: kept inline, as Suricata's default {@code stream.reassembly.urgent.policy: inline}, for a
 *     network whose firewall clears the urgent flag before the hosts); see {@link TcpStream}
 */
public record ReassemblyConfig(int maxBytesPerStream, int maxSegmentsPerStream, long memcap, long gapAckDelayNanos,
        HostPolicies policies, boolean checksumValidation, boolean urgentOutOfBand) {
    public static final int DEFAULT_MAX_BYTES_PER_STREAM = 4 << 20;
    public static final int DEFAULT_MAX_SEGMENTS_PER_STREAM = 2048;
    public static final long DEFAULT_MEMCAP = 128L << 20;
    public static final ReassemblyConfig DEFAULTS = new ReassemblyConfig(DEFAULT_MAX_BYTES_PER_STREAM,
            DEFAULT_MAX_SEGMENTS_PER_STREAM, DEFAULT_MEMCAP, 1_000_000_000L);

    public ReassemblyConfig {
        if (policies == null) {
            throw new IllegalArgumentException("reassembly policies missing");
        }
    }

    /** Returns bounds with every host following {@link OverlapPolicy#DEFAULT}. */
    public ReassemblyConfig(int maxBytesPerStream, int maxSegmentsPerStream, long memcap, long gapAckDelayNanos) {
        this(maxBytesPerStream, maxSegmentsPerStream, memcap, gapAckDelayNanos, HostPolicies.DEFAULTS);
    }

    /** Returns bounds with these host policies, checksums validated and urgent bytes taken out of band. */
    public ReassemblyConfig(int maxBytesPerStream, int maxSegmentsPerStream, long memcap, long gapAckDelayNanos, HostPolicies policies) {
        this(maxBytesPerStream, maxSegmentsPerStream, memcap, gapAckDelayNanos, policies, true, true);
    }

    /** Returns these bounds with other host policies. */
    public ReassemblyConfig withPolicies(HostPolicies p) {
        return new ReassemblyConfig(maxBytesPerStream, maxSegmentsPerStream, memcap, gapAckDelayNanos, p, checksumValidation,
                urgentOutOfBand);
    }

    /** Returns these settings with checksum validation on or off. */
    public ReassemblyConfig withChecksumValidation(boolean on) {
        return new ReassemblyConfig(maxBytesPerStream, maxSegmentsPerStream, memcap, gapAckDelayNanos, policies, on, urgentOutOfBand);
    }

    /** Returns these settings with urgent bytes taken out of band or kept inline. */
    public ReassemblyConfig withUrgentOutOfBand(boolean on) {
        return new ReassemblyConfig(maxBytesPerStream, maxSegmentsPerStream, memcap, gapAckDelayNanos, policies, checksumValidation, on);
    }
}
