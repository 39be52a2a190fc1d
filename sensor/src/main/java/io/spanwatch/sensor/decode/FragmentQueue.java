package io.spanwatch.sensor.decode;

import io.spanwatch.sensor.decode.Defragmenter.Limits;
import io.spanwatch.sensor.decode.Defragmenter.Output;
import io.spanwatch.sensor.decode.Defragmenter.Peer;
import io.spanwatch.sensor.decode.Defragmenter.Policy;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Holds one datagram that {@link Defragmenter} is putting back together (the kernels' fragment
 * queue): the first fragment's link-layer and IP headers, the pieces of payload held by offset, the
 * end once the last fragment came, and for a {@link Policy#LINUX} destination the runs of fragments
 * as Linux keeps them. Tells how a new fragment meets what is held (an overlap, a duplicate, an end
 * that conflicts, a datagram too long), puts its bytes among the pieces by the destination's
 * {@link Policy}, and builds the whole datagram once it is complete. The bytes it holds are counted
 * in {@link #bytes}, which the defragmenter charges to its memcap; it names an overlap whose bytes
 * differ ({@code defrag.overlap_mismatch}) and returns how many there were, for the defragmenter's
 * counter.
 *
 * <p>Not thread-safe: used by the capture thread, like its defragmenter.
 */
final class FragmentQueue {
    final long firstTs;
    final int linkType;
    byte[] head;          // link-layer bytes and IP header of the first fragment (offset 0), or null
    int ipOffInHead;      // where the IP header starts in head
    int prevNextOffInHead; // IPv6: byte naming the Fragment header, in head
    int transportProto;
    /** Length fields of the tunnel headers in head, relative to its start; null when not tunnelled. */
    int[] encap;
    final TreeMap<Integer, byte[]> parts = new TreeMap<>();
    int total = -1;
    long bytes;
    final int version;

    /** How long the destination keeps this datagram, at most the configured timeout. */
    final long timeoutNanos;
    /** How the destination resolves overlaps. */
    final Policy policy;
    /** {@link Policy#LINUX}: the runs of fragments held, start to end, as Linux keeps them. */
    TreeMap<Integer, Integer> runs;
    /** {@link Policy#LINUX}: start of the last run and end of the fragment that arrived last at the end. */
    int lastRunStart = -1;
    int tailEnd = -1;
    /** The end of the highest bytes held or announced (Linux's {@code q.len}). */
    int knownEnd;
    /** The destination's limits on an incomplete datagram. */
    final Limits limits;
    /** Linux's {@code ipfrag_max_dist}: the fragments counted from this datagram's source, or null when not counted. */
    Peer peer;
    /** The source's count when this datagram's last fragment came ({@code qp->rid}). */
    int rid;

    FragmentQueue(long firstTs, int linkType, int version, long timeoutNanos, Policy policy, Limits limits) {
        this.firstTs = firstTs;
        this.timeoutNanos = timeoutNanos;
        this.linkType = linkType;
        this.version = version;
        this.policy = policy;
        this.limits = limits;
    }

    static final int ACCEPTED = 0;
    static final int DUPLICATE = 1;
    static final int OVERLAP = 2;

    /**
     * Tells whether a BSD or old-Linux host drops this IPv4 fragment alone for where it ends: an empty
     * one; once the last fragment is held, FreeBSD ({@code ip_reass}, {@code ipq_maxoff}) drops a
     * non-final fragment that ends at or past the datagram's end and a last one that ends elsewhere;
     * Linux before 4.19 ({@code ip_frag_queue}) a non-final one past the end and a last one that ends
     * elsewhere or before bytes already held.
     */
    boolean endConflicts(boolean more, int offset, int end) {
        if (end == offset) {
            return true;
        }
        if (policy == Policy.BSD) {
            return total >= 0 && (more ? end >= total : end != total);
        }
        return linuxEndConflicts(more, end);
    }

    /**
     * Linux's check of where a fragment ends ({@code ip_frag_queue}, {@code ip6_frag_queue}): a
     * non-final one past the end of a datagram whose last fragment is held; a last one that ends
     * before bytes already held or elsewhere than an earlier last one.
     */
    boolean linuxEndConflicts(boolean more, int end) {
        return more ? total >= 0 && end > total : end < knownEnd || total >= 0 && end != total;
    }

    /**
     * Places {@code [offset, end)} among the runs of a Linux host's queue ({@code inet_frag_queue_insert}):
     * past the fragment that arrived last at the end it joins that run (starting where it ended) or
     * starts a new one, overlapping it is an overlap; below it, inside one run it is a duplicate,
     * touching any run otherwise an overlap, and elsewhere a run of its own (which nothing joins later).
     */
    int linuxRuns(int offset, int end) {
        if (runs == null) {
            runs = new TreeMap<>();
        }
        if (tailEnd < 0 || tailEnd < end) {
            if (tailEnd >= 0 && offset < tailEnd) {
                return OVERLAP;
            }
            if (tailEnd >= 0 && offset == tailEnd) {
                runs.put(lastRunStart, end);
            } else {
                runs.put(offset, end);
                lastRunStart = offset;
            }
            tailEnd = end;
            return ACCEPTED;
        }
        Map.Entry<Integer, Integer> floor = runs.floorEntry(offset);
        if (floor != null && floor.getValue() > offset) {
            return end <= floor.getValue() ? DUPLICATE : OVERLAP;
        }
        Integer higher = runs.higherKey(offset);
        if (higher != null && higher < end) {
            return OVERLAP;
        }
        runs.put(offset, end);
        return ACCEPTED;
    }

    /**
     * Takes out of the pieces held the bytes the new fragment {@code [offset, offset + len)} wins
     * over by the destination's policy ({@link Policy#newWins}), so that {@link #insert} puts the new
     * bytes there; what is left of such a piece past the fragment starts where the fragment ends, as
     * the BSDs trim a fragment they overlap. Returns how many of those bytes differed.
     */
    int giveWay(long ts, byte[] b, int off, int offset, int len, DecodedPacket p, Output out) {
        int end = offset + len;
        int mismatches = 0;
        Map.Entry<Integer, byte[]> e = parts.floorEntry(offset);
        if (e == null || e.getKey() + e.getValue().length <= offset) {
            e = parts.higherEntry(offset);
        }
        while (e != null && e.getKey() < end) {
            int qs = e.getKey();
            byte[] q = e.getValue();
            Map.Entry<Integer, byte[]> next = parts.higherEntry(qs);
            if (policy.newWins(qs, offset)) {
                int from = Math.max(qs, offset);
                int to = Math.min(qs + q.length, end);
                if (!Arrays.equals(q, from - qs, to - qs, b, off + from - offset, off + to - offset)) {
                    mismatches++;
                    out.anomaly(ts, "defrag.overlap_mismatch", p);
                }
                parts.remove(qs);
                bytes -= q.length;
                if (qs < offset) {
                    keep(qs, Arrays.copyOfRange(q, 0, offset - qs));
                }
                if (qs + q.length > end) {
                    keep(end, Arrays.copyOfRange(q, end - qs, q.length));
                }
            }
            e = next;
        }
        return mismatches;
    }

    private void keep(int at, byte[] piece) {
        parts.put(at, piece);
        bytes += piece.length;
    }

    /** Tells whether {@code [offset, offset + len)} overlaps bytes held. */
    boolean overlaps(int offset, int len) {
        Map.Entry<Integer, byte[]> floor = parts.floorEntry(offset);
        if (floor != null && floor.getKey() + floor.getValue().length > offset) {
            return true;
        }
        Integer higher = parts.higherKey(offset);
        return higher != null && higher < offset + len;
    }

    /** Tells whether the bytes held at {@code [offset, offset + len)} are all there and equal to {@code b[off..]}. */
    boolean sameBytes(byte[] b, int off, int offset, int len) {
        int cursor = offset;
        while (cursor < offset + len) {
            Map.Entry<Integer, byte[]> e = parts.floorEntry(cursor);
            if (e == null || e.getKey() + e.getValue().length <= cursor) {
                return false;
            }
            int end = Math.min(offset + len, e.getKey() + e.getValue().length);
            if (!Arrays.equals(e.getValue(), cursor - e.getKey(), end - e.getKey(), b, off + cursor - offset, off + end - offset)) {
                return false;
            }
            cursor = end;
        }
        return true;
    }

    /**
     * Puts the fragment's bytes where no piece holds any yet (bytes held stay: what must give way did,
     * {@link #giveWay}); returns how many of the pieces it overlaps hold other bytes.
     */
    int insert(long ts, byte[] b, int off, int offset, int len, DecodedPacket p, Output out) {
        int cursor = offset;
        int end = offset + len;
        int mismatches = 0;
        while (cursor < end) {
            Map.Entry<Integer, byte[]> floor = parts.floorEntry(cursor);
            if (floor != null && floor.getKey() + floor.getValue().length > cursor) {
                int k = floor.getKey();
                byte[] d = floor.getValue();
                int ovEnd = Math.min(end, k + d.length);
                if (!Arrays.equals(d, cursor - k, ovEnd - k, b, off + (cursor - offset), off + (ovEnd - offset))) {
                    mismatches++;
                    out.anomaly(ts, "defrag.overlap_mismatch", p);
                }
                cursor = ovEnd;
                continue;
            }
            Map.Entry<Integer, byte[]> higher = parts.higherEntry(cursor);
            int pieceEnd = higher != null && higher.getKey() < end ? higher.getKey() : end;
            byte[] piece = Arrays.copyOfRange(b, off + (cursor - offset), off + (pieceEnd - offset));
            parts.put(cursor, piece);
            bytes += piece.length;
            cursor = pieceEnd;
        }
        return mismatches;
    }

    /** Tells whether the pieces held cover the datagram from its start to its end, as the destination judges it. */
    boolean complete() {
        int next = 0;
        for (Map.Entry<Integer, byte[]> e : parts.entrySet()) {
            if (e.getKey() > next) {
                return false;
            }
            next = Math.max(next, e.getKey() + e.getValue().length);
        }
        // ip_reass and frag6_input: the fragment held last in the chain must be the last one, so bytes
        // held past the end (a non-final fragment that came before the last, or one past 65,535 bytes)
        // keep a BSD host's datagram from ever completing
        return policy == Policy.BSD ? next == total : next >= total;
    }

    /**
     * Tells whether an IPv6 host discards this fragment for the length of the datagram it would make
     * (RFC 8200 §4.5): Linux ({@code ip6_frag_queue}) when its offset and length pass 65,535 bytes, the
     * BSDs ({@code frag6_input}) and others when the unfragmentable part's extension headers (known
     * from the first fragment) do too.
     */
    boolean ipv6TooLong(DecodedPacket p, int offset, int len) {
        int unfragmentable = 0;
        if (policy != Policy.LINUX) {
            if (head != null) {
                unfragmentable = head.length - ipOffInHead - 40;
            } else if (offset == 0) {
                unfragmentable = p.fragHdrOff - p.ipOff - 40;
            }
        }
        return unfragmentable + offset + len > Defragmenter.MAX_DATAGRAM;
    }

    /**
     * Keeps the first fragment's link-layer bytes and IP header (IPv6: up to its Fragment header),
     * from {@code frameOff} in its buffer, as the datagram's headers, and the length fields of the
     * tunnel headers among them.
     */
    void takeHead(byte[] b, int frameOff, DecodedPacket p) {
        int headEnd = p.ipVersion == 4 ? p.payloadOff : p.fragHdrOff;
        head = Arrays.copyOfRange(b, frameOff, headEnd);
        ipOffInHead = p.ipOff - frameOff;
        prevNextOffInHead = p.ipVersion == 6 ? p.fragPrevNextOff - frameOff : -1;
        transportProto = p.proto;
        encap = EncapLengths.relative(p, frameOff);
        bytes += head.length;
    }

    /**
     * Builds the whole datagram as a frame: the first fragment's headers with their lengths (and
     * IPv4's checksum) set for it, IPv6's Fragment header gone, then the payload; null when it does
     * not fit the tunnel headers around it.
     */
    byte[] datagram() {
        byte[] frame = new byte[head.length + total];
        System.arraycopy(head, 0, frame, 0, head.length);
        for (Map.Entry<Integer, byte[]> e : parts.entrySet()) {
            int at = e.getKey();
            int n = Math.min(e.getValue().length, total - at);
            if (n > 0) {
                System.arraycopy(e.getValue(), 0, frame, head.length + at, n);
            }
        }
        int ip = ipOffInHead;
        if ((frame[ip] & 0xf0) == 0x40) {
            int hlen = head.length - ip;
            put16(frame, ip + 2, hlen + total);
            put16(frame, ip + 6, 0); // no more fragments, offset 0
            put16(frame, ip + 10, 0);
            put16(frame, ip + 10, EncapLengths.checksum(frame, ip, hlen));
        } else {
            // IPv6: the Fragment header is gone; the header before it now names the transport.
            frame[prevNextOffInHead] = (byte) transportProto;
            put16(frame, ip + 4, head.length - ip - 40 + total);
        }
        return EncapLengths.fit(frame, encap) ? frame : null;
    }

    private static void put16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }
}
