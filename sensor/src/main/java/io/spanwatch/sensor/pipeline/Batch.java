package io.spanwatch.sensor.pipeline;

/**
 * Carries frames from the capture thread to one worker: their bytes copied back to back into one
 * array, with per-frame metadata. Batches are recycled through the worker's free list, so the steady
 * state allocates nothing. Owned by the capture thread until queued, then by the worker.
 */
final class Batch {
    /** Bytes of frames one batch holds. */
    static final int CAPACITY_BYTES = 1 << 20;
    /** Frames one batch holds. */
    static final int CAPACITY_FRAMES = 4096;

    final byte[] data = new byte[CAPACITY_BYTES];
    final long[] ts = new long[CAPACITY_FRAMES];
    final int[] off = new int[CAPACITY_FRAMES];
    final int[] len = new int[CAPACITY_FRAMES];
    final int[] wire = new int[CAPACITY_FRAMES];
    final int[] linkType = new int[CAPACITY_FRAMES];
    int count;
    int used;
    /** Capture time when the batch was sent, so an idle worker's clock still moves. */
    long now;
    /** Set on the last batch: the worker ends all flows and stops. */
    boolean last;
    /** The capture file or interface the frames come from, for the events they cause. */
    String source;

    boolean fits(int capLen) {
        return count < CAPACITY_FRAMES && used + capLen <= CAPACITY_BYTES;
    }

    void add(long tsNanos, int link, byte[] buf, int o, int capLen, int wireLen) {
        System.arraycopy(buf, o, data, used, capLen);
        ts[count] = tsNanos;
        off[count] = used;
        len[count] = capLen;
        wire[count] = wireLen;
        linkType[count] = link;
        count++;
        used += capLen;
    }

    void clear() {
        count = 0;
        used = 0;
        now = 0;
        last = false;
        source = null;
    }
}
