package io.spanwatch.sensor.pipeline;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Carries frames from the capture thread to one worker: records of a 20-byte header (capture time,
 * link type, captured and wire length) and the frame's bytes, back to back in 1 MiB of off-heap
 * memory. Batches are recycled through the worker's free list, so the steady state allocates nothing.
 * Owned by the capture thread until queued, then by the worker.
 *
 * <p>Why off-heap: the queue of batches is the live sensor's burst buffer (hundreds of MiB by
 * default), and it must not compete with flows, reassembly and files for the Java heap, which stays
 * under the launcher's cap. The memory of a batch is freed when the batch is no longer reachable.
 */
final class Batch {
    /** Bytes one batch holds, record headers included. */
    static final int CAPACITY_BYTES = 1 << 20;
    /** Bytes of a record header: ts (8), link type (4), captured length (4), wire length (4). */
    static final int HEADER_BYTES = 20;
    /** Largest frame a batch takes whole; longer frames are cut to it (capLen < wireLen). */
    static final int MAX_FRAME = CAPACITY_BYTES - HEADER_BYTES;

    private static final ValueLayout.OfLong TS = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    // Reading the same header from a byte[] copy of the batch, in the byte order it was written in.
    private static final VarHandle LONG_AT = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle INT_AT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());

    final MemorySegment data = Arena.ofAuto().allocate(CAPACITY_BYTES, 8);
    int count;
    int used;
    /** Capture time when the batch was sent, so an idle worker's clock still moves. */
    long now;
    /** Set on the last batch: the worker ends all flows and stops. */
    boolean last;
    /** The capture file or interface the frames come from, for the events they cause. */
    String source;

    /** Tells whether a frame of {@code capLen} bytes (at most {@link #MAX_FRAME}) still fits. */
    boolean fits(int capLen) {
        return used + HEADER_BYTES + capLen <= CAPACITY_BYTES;
    }

    /** Appends a frame; the caller has checked {@link #fits}. */
    void add(long tsNanos, int link, byte[] buf, int o, int capLen, int wireLen) {
        int at = used;
        data.set(TS, at, tsNanos);
        data.set(INT, at + 8, link);
        data.set(INT, at + 12, capLen);
        data.set(INT, at + 16, wireLen);
        MemorySegment.copy(buf, o, data, ValueLayout.JAVA_BYTE, at + HEADER_BYTES, capLen);
        count++;
        used = at + HEADER_BYTES + capLen;
    }

    /** Copies the records into {@code into} (at least {@link #used} bytes) for reading on the heap. */
    void copyTo(byte[] into) {
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, into, 0, used);
    }

    static long ts(byte[] records, int at) {
        return (long) LONG_AT.get(records, at);
    }

    static int linkType(byte[] records, int at) {
        return (int) INT_AT.get(records, at + 8);
    }

    static int capLen(byte[] records, int at) {
        return (int) INT_AT.get(records, at + 12);
    }

    static int wireLen(byte[] records, int at) {
        return (int) INT_AT.get(records, at + 16);
    }

    void clear() {
        count = 0;
        used = 0;
        now = 0;
        last = false;
        source = null;
    }
}
