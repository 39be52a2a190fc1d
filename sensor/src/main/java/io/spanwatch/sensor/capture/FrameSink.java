package io.spanwatch.sensor.capture;

/**
 * Receives link-layer frames from a capture source, in capture order, on the capture thread.
 *
 * <p>The buffer is lent for the duration of the call only: an implementation that keeps bytes past
 * the return copies them.
 */
@FunctionalInterface
public interface FrameSink {

    /**
     * Takes one frame.
     *
     * @param tsNanos packet time, nanoseconds since the Unix epoch (UTC)
     * @param linkType the capture's data link type (a {@code DLT_}/{@code LINKTYPE_} value, see {@link LinkType})
     * @param buf bytes of the frame, valid only during this call
     * @param off offset of the first byte of the frame in {@code buf}
     * @param capLen number of captured bytes
     * @param wireLen length of the frame on the wire (at least {@code capLen} unless the source is broken)
     */
    void frame(long tsNanos, int linkType, byte[] buf, int off, int capLen, int wireLen);
}
