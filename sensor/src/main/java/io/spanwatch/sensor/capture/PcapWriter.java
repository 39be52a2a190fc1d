package io.spanwatch.sensor.capture;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes frames to a classic pcap file, with micro- or nanosecond timestamps, any link type and either
 * byte order. Used by tests and by the demo-capture generator.
 *
 * <p>Not thread-safe. The writer takes ownership of the stream it is given and closes it in
 * {@link #close}.
 */
public final class PcapWriter implements AutoCloseable {
    /** Snap length written in the file header when none is given. */
    public static final int DEFAULT_SNAPLEN = 262144;

    private final OutputStream out;
    private final boolean nanos;
    private final ByteBuffer header;

    /**
     * Starts a capture on {@code out} (takes ownership) and writes the file header.
     *
     * @param nanos nanosecond timestamps (magic {@code a1b23c4d}) rather than microseconds
     * @param order byte order of every header field
     */
    public PcapWriter(OutputStream out, int linkType, boolean nanos, ByteOrder order, int snaplen) throws IOException {
        this.out = out;
        this.nanos = nanos;
        this.header = ByteBuffer.allocate(24).order(order);
        header.putInt(nanos ? CaptureFile.PCAP_MAGIC_NANO : CaptureFile.PCAP_MAGIC_MICRO)
                .putShort((short) 2).putShort((short) 4)
                .putInt(0).putInt(0)
                .putInt(snaplen).putInt(linkType);
        out.write(header.array(), 0, 24);
    }

    /** Creates (or replaces) a little-endian pcap file at {@code path}. */
    public static PcapWriter create(Path path, int linkType, boolean nanos) throws IOException {
        return new PcapWriter(new BufferedOutputStream(Files.newOutputStream(path), 1 << 16), linkType, nanos,
                ByteOrder.LITTLE_ENDIAN, DEFAULT_SNAPLEN);
    }

    /** Appends one record; the timestamp is cut to microseconds in a microsecond file. */
    public void write(long tsNanos, byte[] buf, int off, int capLen, int wireLen) throws IOException {
        long sec = Math.floorDiv(tsNanos, 1_000_000_000L);
        long frac = Math.floorMod(tsNanos, 1_000_000_000L);
        header.clear();
        header.putInt((int) sec).putInt((int) (nanos ? frac : frac / 1000)).putInt(capLen).putInt(wireLen);
        out.write(header.array(), 0, 16);
        out.write(buf, off, capLen);
    }

    /** Appends one whole frame (captured length = wire length). */
    public void write(long tsNanos, byte[] frame) throws IOException {
        write(tsNanos, frame, 0, frame.length, frame.length);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
