package io.spanwatch.sensor.reassembly;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Bytes of segments the receiving host discarded, kept aside by stream offset (first copy kept;
 * pieces never overlap) for the case the receiver later acknowledges them ({@link TcpStream}: anomaly
 * {@code stream.discarded_data_used}). Every piece kept or let go is charged to the stream's
 * {@link HeldLedger}. Not thread-safe: owned by the stream.
 */
final class AsideBytes {
    private final TreeMap<Long, byte[]> pieces = new TreeMap<>();
    private final HeldLedger ledger;
    /** Where the pieces that run on without a break from the stream's next byte last ended; -1: not yet. */
    private long reach = -1;

    AsideBytes(HeldLedger ledger) {
        this.ledger = ledger;
    }

    boolean isEmpty() {
        return pieces.isEmpty();
    }

    int size() {
        return pieces.size();
    }

    /** End of the highest piece kept; the set is not empty. */
    long end() {
        Map.Entry<Long, byte[]> last = pieces.lastEntry();
        return last.getKey() + last.getValue().length;
    }

    /**
     * Returns the end of the pieces that run on without a break from {@code next}, or {@code next}.
     * Worked out when asked, from where it last ended: a piece kept while it lay past {@code next}
     * joins the run once the stream reaches it. The run only loses pieces at its start (passed) or
     * past its end ({@link #dropFrom}), so the last end stays good while at or past {@code next}.
     */
    long reach(long next) {
        long r = Math.max(next, reach);
        for (Map.Entry<Long, byte[]> e = pieces.floorEntry(r); e != null && e.getKey() + e.getValue().length > r;
                e = pieces.floorEntry(r)) {
            r = e.getKey() + e.getValue().length;
        }
        reach = r;
        return r;
    }

    /** Returns what keeping bytes {@code [from, end)} would add where nothing is kept yet: pieces and bytes. */
    long[] cost(long from, long end) {
        long pieces = 0;
        long bytes = 0;
        for (long cursor = from; cursor < end; ) {
            long[] span = span(cursor, end);
            if (span[1] > 0) {
                pieces++;
                bytes += span[1] - span[0];
            }
            cursor = span[2];
        }
        return new long[] {pieces, bytes};
    }

    /**
     * Keeps bytes {@code [from, end)} where nothing is kept yet, from the segment at stream offset
     * {@code r} whose payload starts at {@code buf[off]}.
     */
    void keep(long r, long from, long end, byte[] buf, int off) {
        for (long cursor = from; cursor < end; ) {
            long[] span = span(cursor, end);
            if (span[1] > 0) {
                put(span[0], Arrays.copyOfRange(buf, off + (int) (span[0] - r), off + (int) (span[1] - r)));
            }
            cursor = span[2];
        }
    }

    /**
     * Returns, from {@code cursor} towards {@code end}: the start and end of the next run of bytes not
     * kept yet (end 0 when the cursor is inside a kept piece), and where to look next.
     */
    private long[] span(long cursor, long end) {
        Map.Entry<Long, byte[]> floor = pieces.floorEntry(cursor);
        if (floor != null && floor.getKey() + floor.getValue().length > cursor) {
            return new long[] {cursor, 0, Math.min(end, floor.getKey() + floor.getValue().length)};
        }
        Long higher = pieces.higherKey(cursor);
        long stop = higher != null && higher < end ? higher : end;
        return new long[] {cursor, stop, stop};
    }

    /** Keeps {@code bytes} at stream offset {@code at}, where nothing is kept yet ({@link #span}). */
    private void put(long at, byte[] bytes) {
        pieces.put(at, bytes);
        ledger.charge(bytes.length, 1);
    }

    /** Returns the piece that starts at or before {@code at}, or null. */
    Map.Entry<Long, byte[]> floor(long at) {
        return pieces.floorEntry(at);
    }

    /** Returns where the first piece after {@code at} starts, or null. */
    Long startAfter(long at) {
        return pieces.higherKey(at);
    }

    /** Lets go of the pieces that end at or before {@code next} (the stream has passed them). */
    void prune(long next) {
        while (!pieces.isEmpty()) {
            Map.Entry<Long, byte[]> first = pieces.firstEntry();
            if (first.getKey() + first.getValue().length > next) {
                return;
            }
            pieces.pollFirstEntry();
            ledger.charge(-first.getValue().length, -1);
        }
    }

    /**
     * Lets go of the pieces that start at or after {@code from}.
     *
     * @return true when there were any
     */
    boolean dropFrom(long from) {
        Map<Long, byte[]> tail = pieces.tailMap(from, true);
        if (tail.isEmpty()) {
            return false;
        }
        long bytes = 0;
        for (byte[] b : tail.values()) {
            bytes += b.length;
        }
        ledger.charge(-bytes, -tail.size());
        tail.clear();
        return true;
    }

    /** Lets go of every piece. */
    void clear() {
        long bytes = 0;
        for (byte[] b : pieces.values()) {
            bytes += b.length;
        }
        ledger.charge(-bytes, -pieces.size());
        pieces.clear();
    }
}
