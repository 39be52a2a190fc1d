package io.spanwatch.sensor.reassembly;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Segments a stream holds ahead of a hole, by stream offset, each piece with the extent of the
 * segment that supplied it, so that later overlaps are resolved by the receiving host's
 * {@link OverlapPolicy} (Novak and Sturges' target-based reassembly). Pieces never overlap; a piece
 * partly replaced is split. Every piece added or taken is charged to the stream's {@link HeldLedger}.
 * Not thread-safe: owned by the stream.
 */
final class HeldPieces {
    /**
     * Held bytes and the extent of the segment that supplied them. A segment held whole is kept as
     * its bare bytes, which are their own extent: the common case needs no more.
     */
    private record Piece(byte[] data, long segStart, long segEnd) {
    }

    /** Bare bytes or {@link Piece}s by stream offset. */
    private final TreeMap<Long, Object> pieces = new TreeMap<>();
    private final OverlapPolicy policy;
    private final ReassemblyStats stats;
    private final StreamListener listener;
    private final HeldLedger ledger;

    HeldPieces(OverlapPolicy policy, ReassemblyStats stats, StreamListener listener, HeldLedger ledger) {
        this.policy = policy;
        this.stats = stats;
        this.listener = listener;
        this.ledger = ledger;
    }

    /** Returns the bytes of a held value (bare bytes or a {@link Piece}). */
    private static byte[] bytes(Object held) {
        return held instanceof Piece p ? p.data() : (byte[]) held;
    }

    /** Returns the value holding bytes {@code d} at {@code k} that segment {@code [segStart, segEnd)} supplied. */
    private static Object held(long k, byte[] d, long segStart, long segEnd) {
        return segStart == k && segEnd == k + d.length ? d : new Piece(d, segStart, segEnd);
    }

    boolean isEmpty() {
        return pieces.isEmpty();
    }

    int size() {
        return pieces.size();
    }

    /** Stream offset of the first piece; the set is not empty. */
    long firstStart() {
        return pieces.firstKey();
    }

    /** End of the highest piece (the right edge of the receiver's SACK blocks); the set is not empty. */
    long lastEnd() {
        Map.Entry<Long, Object> last = pieces.lastEntry();
        return last.getKey() + bytes(last.getValue()).length;
    }

    /** Takes the first piece out and returns its bytes (it starts at {@link #firstStart}). */
    byte[] pollFirst() {
        byte[] d = bytes(pieces.pollFirstEntry().getValue());
        ledger.charge(-d.length, -1);
        return d;
    }

    /** Lets go of every piece. */
    void clear() {
        long n = 0;
        for (Object v : pieces.values()) {
            n += bytes(v).length;
        }
        ledger.charge(-n, -pieces.size());
        pieces.clear();
    }

    /**
     * Merges bytes {@code [from, end)} of the segment {@code [r, end)} (its payload at {@code buf[off]})
     * into the held pieces: gaps between them are filled, and where it overlaps one the policy decides,
     * from the two segments' extents, whose bytes stay. A piece partly replaced is split, so each piece
     * keeps the extent of the segment that supplied it.
     */
    void merge(long tsNanos, long r, long end, long from, byte[] buf, int off) {
        long cursor = from;
        while (cursor < end) {
            Map.Entry<Long, Object> floor = pieces.floorEntry(cursor);
            byte[] pd = floor == null ? null : bytes(floor.getValue());
            if (pd != null && floor.getKey() + pd.length > cursor) {
                long k = floor.getKey();
                Piece piece = floor.getValue() instanceof Piece x ? x : null;
                long oldStart = piece != null ? piece.segStart() : k;
                long oldEnd = piece != null ? piece.segEnd() : k + pd.length;
                long ovEnd = Math.min(end, k + pd.length);
                int n = (int) (ovEnd - cursor);
                int at = off + (int) (cursor - r);
                stats.overlaps++;
                boolean differ = !Arrays.equals(pd, (int) (cursor - k), (int) (cursor - k) + n, buf, at, at + n);
                if (differ) {
                    stats.overlapMismatches++;
                    listener.anomaly(tsNanos, "stream.overlap_mismatch");
                }
                // The new copy takes over where the policy says so; with the same bytes only its extent
                // matters (for later overlaps), and with the same extent too nothing changes.
                if ((differ || r != oldStart || end != oldEnd) && policy.newWins(r, end, oldStart, oldEnd)) {
                    if (differ) {
                        stats.overlapsReplaced++;
                    }
                    replace(k, pd, oldStart, oldEnd, cursor, ovEnd, buf, at, r, end);
                }
                cursor = ovEnd;
                continue;
            }
            Map.Entry<Long, Object> higher = pieces.higherEntry(cursor);
            long pieceEnd = higher != null && higher.getKey() < end ? higher.getKey() : end;
            byte[] d = Arrays.copyOfRange(buf, off + (int) (cursor - r), off + (int) (pieceEnd - r));
            pieces.put(cursor, held(cursor, d, r, end));
            ledger.charge(d.length, 1);
            cursor = pieceEnd;
        }
    }

    /**
     * Gives bytes {@code [from, to)} of the piece {@code pd} held at {@code k} (from segment
     * {@code [oldStart, oldEnd)}) the bytes at {@code buf[at]} and extent of segment {@code [segStart, segEnd)}.
     */
    private void replace(long k, byte[] pd, long oldStart, long oldEnd, long from, long to, byte[] buf, int at, long segStart,
            long segEnd) {
        long pEnd = k + pd.length;
        if (from == k && to == pEnd) {
            System.arraycopy(buf, at, pd, 0, pd.length);
            pieces.put(k, held(k, pd, segStart, segEnd));
            return;
        }
        if (from > k) {
            pieces.put(k, held(k, Arrays.copyOf(pd, (int) (from - k)), oldStart, oldEnd)); // the left part keeps its extent
        } else {
            pieces.remove(k);
            ledger.charge(0, -1);
        }
        pieces.put(from, held(from, Arrays.copyOfRange(buf, at, at + (int) (to - from)), segStart, segEnd));
        ledger.charge(0, 1);
        if (to < pEnd) {
            pieces.put(to, held(to, Arrays.copyOfRange(pd, (int) (to - k), pd.length), oldStart, oldEnd));
            ledger.charge(0, 1);
        }
    }
}
