package io.spanwatch.sensor.decode;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts CAPWAP data messages (RFC 5415 §3.4, §4.3) back together from their fragments and hands each
 * whole message on as a new frame, which then decodes like an unfragmented one.
 *
 * <p>Why: an access point tunnels each client frame to its controller inside IP, UDP and CAPWAP
 * headers. A full-size client frame does not fit the path's 1,500 bytes with them, and CAPWAP cuts it
 * into fragments of its own (each with a CAPWAP header, a fragment id, the offset of its data in
 * 8-byte units and L on the last), rather than leaving it to IP. So on a mirror of the wired side
 * of a Wi-Fi network, the full-size packets of every download are fragments: before 2026-12-05
 * they were an anomaly each ({@code decoder.capwap.fragment_not_reassembled}), and a file over a
 * few hundred bytes never came out whole.
 *
 * <p>A message is keyed by the outer addresses, ports and fragment id (and the link type, first VLAN
 * and tunnel depth, so that fragments of two captures or VLANs never mix). The frame made has the first
 * fragment's bytes up to its data (the outer headers and the CAPWAP header, its F and L bits and
 * fragment fields cleared, the outer IP and UDP lengths set to fit, {@link EncapLengths}), then the
 * data of every fragment in order. A fragment equal to one already taken is ignored; one that
 * overlaps another otherwise, or a second last fragment that says another length, drops the
 * message ({@code decoder.capwap.fragment_overlap}): an access point never sends either, and which
 * copy the controller would keep is not known; so does a last fragment that ends before data already
 * held; a message of more than {@value #MAX_FRAGMENTS} fragments is {@code
 * decoder.capwap.too_many_fragments}. A message longer than its UDP
 * datagram can say is {@code decoder.capwap.message_too_large}. Bytes held count each fragment's and
 * message's bookkeeping too ({@link #FRAGMENT_COST}, {@link #MESSAGE_COST}).
 *
 * <p>Limits: messages being assembled {@value #MAX_MESSAGES}, bytes held {@value #MEMCAP} (the oldest
 * message goes first: the anomaly {@code decoder.capwap.reassembly_dropped} and the counter {@code
 * decoder.capwap_reassembly_dropped}); a message still incomplete {@value #TIMEOUT_SECONDS} s of packet
 * time after its first fragment is dropped ({@code decoder.capwap_reassembly_timeouts}): an access
 * point sends the fragments of a frame back to back.
 *
 * <p>Not thread-safe: used by the capture thread, like {@link Defragmenter}, since only the first
 * fragment shows the inner flow.
 */
public final class CapwapReassembler {
    public static final int MAX_MESSAGES = 4_096;
    public static final long MEMCAP = 16L << 20;
    public static final int TIMEOUT_SECONDS = 10;
    /**
     * Most fragments of one message: a 64 KiB message cut for a path of a few hundred bytes has about
     * 200. More (a flood of tiny fragments) drops the message as a conflict.
     */
    public static final int MAX_FRAGMENTS = 256;
    /**
     * Heap a fragment and a message cost beyond their data (a map entry, its key, an array header;
     * the message's map and key), counted against {@link #MEMCAP}: a flood of 1-byte fragments must
     * hit the limit by what it holds, not by its data alone.
     */
    static final int FRAGMENT_COST = 80;
    static final int MESSAGE_COST = 200;
    private static final long TIMEOUT_NANOS = TIMEOUT_SECONDS * 1_000_000_000L;

    /** Fragments taken, messages put together, and messages dropped (over a limit, overlapping, too large) or timed out. */
    public long fragments;
    public long reassembled;
    public long dropped;
    public long timeouts;
    private long held;

    private record Key(long src0, long src1, long dst0, long dst1, int ports, int fragId, int versionAndDepth, int linkType, int vlan) {
    }

    private static final class Message {
        final long firstTs;
        final int linkType;
        /** The first fragment's bytes before its data, header bits cleared; null until it comes. */
        byte[] head;
        int[] encap;
        final TreeMap<Integer, byte[]> parts = new TreeMap<>();
        int total = -1;
        long bytes;

        Message(long firstTs, int linkType) {
            this.firstTs = firstTs;
            this.linkType = linkType;
        }
    }

    private final LinkedHashMap<Key, Message> messages = new LinkedHashMap<>();

    /** Returns the bytes of fragments held. */
    public long held() {
        return held;
    }

    /** Returns the messages being assembled. */
    public int pending() {
        return messages.size();
    }

    /**
     * Takes the fragment {@code p} (decoded from the frame at {@code off} of {@code p.buf}, which the
     * caller may reuse afterwards); hands the message to {@code out} when it is whole.
     */
    public void add(long tsNanos, int linkType, int off, DecodedPacket p, Defragmenter.Output out) {
        fragments++;
        byte[] b = p.buf;
        Key key = key(p, linkType);
        Message m = messages.get(key);
        if (m == null) {
            m = new Message(tsNanos, linkType);
            messages.put(key, m);
            m.bytes = MESSAGE_COST;
            held += MESSAGE_COST;
        }
        int start = p.capwapFragOffset;
        byte[] data = Arrays.copyOfRange(b, p.capwapDataOff, p.capwapDataEnd);
        Map.Entry<Integer, byte[]> before = m.parts.floorEntry(start);
        if (before != null && before.getKey() == start && Arrays.equals(before.getValue(), data)) {
            return; // a copy of a fragment already taken
        }
        if (overlaps(m, start, data.length) || p.capwapLast && (m.total >= 0 && m.total != start + data.length
                || !m.parts.isEmpty() && end(m.parts.lastEntry()) > start + data.length)) {
            remove(key, m);
            dropped++;
            out.anomaly(tsNanos, "decoder.capwap.fragment_overlap", p);
            return;
        }
        if (m.parts.size() >= MAX_FRAGMENTS) {
            remove(key, m);
            dropped++;
            out.anomaly(tsNanos, "decoder.capwap.too_many_fragments", p);
            return;
        }
        m.parts.put(start, data);
        m.bytes += data.length + FRAGMENT_COST;
        held += data.length + FRAGMENT_COST;
        if (p.capwapLast) {
            m.total = start + data.length;
        }
        if (start == 0) {
            m.head = Arrays.copyOfRange(b, off, p.capwapDataOff);
            int h = p.capwapHeaderOff - off;
            m.head[h + 3] &= (byte) 0x3f; // F and L
            Arrays.fill(m.head, h + 4, h + 8, (byte) 0); // fragment id and offset
            m.encap = EncapLengths.relative(p, off);
            m.bytes += m.head.length;
            held += m.head.length;
        }
        if (m.head != null && m.total >= 0 && contiguous(m)) {
            remove(key, m);
            byte[] frame = Arrays.copyOf(m.head, m.head.length + m.total);
            int at = m.head.length;
            for (byte[] part : m.parts.values()) {
                System.arraycopy(part, 0, frame, at, part.length);
                at += part.length;
            }
            if (!EncapLengths.fit(frame, m.encap)) {
                dropped++;
                out.anomaly(tsNanos, "decoder.capwap.message_too_large", p);
                return;
            }
            reassembled++;
            out.frame(tsNanos, m.linkType, frame, 0, frame.length);
            return;
        }
        while (messages.size() > MAX_MESSAGES || held > MEMCAP) {
            Iterator<Map.Entry<Key, Message>> it = messages.entrySet().iterator();
            Map.Entry<Key, Message> oldest = it.next();
            remove(oldest.getKey(), oldest.getValue());
            dropped++;
            out.anomaly(tsNanos, "decoder.capwap.reassembly_dropped", p);
        }
    }

    /** Drops the messages whose first fragment came more than the timeout before {@code tsNanos}. */
    public void expire(long tsNanos) {
        if (messages.isEmpty()) {
            return;
        }
        Iterator<Map.Entry<Key, Message>> it = messages.entrySet().iterator();
        while (it.hasNext()) {
            Message m = it.next().getValue();
            if (tsNanos - m.firstTs <= TIMEOUT_NANOS) {
                break; // in order of first fragment
            }
            it.remove();
            held -= m.bytes;
            timeouts++;
        }
    }

    private void remove(Key key, Message m) {
        messages.remove(key);
        held -= m.bytes;
    }

    private static int end(Map.Entry<Integer, byte[]> part) {
        return part.getKey() + part.getValue().length;
    }

    private static boolean overlaps(Message m, int start, int len) {
        Map.Entry<Integer, byte[]> before = m.parts.floorEntry(start);
        if (before != null && before.getKey() + before.getValue().length > start) {
            return true;
        }
        Map.Entry<Integer, byte[]> after = m.parts.higherEntry(start);
        return after != null && after.getKey() < start + len || m.total >= 0 && start + len > m.total;
    }

    private static boolean contiguous(Message m) {
        int next = 0;
        for (Map.Entry<Integer, byte[]> e : m.parts.entrySet()) {
            if (e.getKey() != next) {
                return false;
            }
            next += e.getValue().length;
        }
        return next == m.total;
    }

    private static Key key(DecodedPacket p, int linkType) {
        long[] src = Defragmenter.addr(p.buf, p.srcAddrOff, p.addrLen());
        long[] dst = Defragmenter.addr(p.buf, p.dstAddrOff, p.addrLen());
        return new Key(src[0], src[1], dst[0], dst[1], p.srcPort << 16 | p.dstPort, p.capwapFragId, p.ipVersion << 8 | p.tunnelDepth,
                linkType, p.vlanCount == 0 ? -1 : p.vlans[0]);
    }
}
