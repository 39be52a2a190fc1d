package io.spanwatch.sensor.decode;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts IPv4 and IPv6 datagrams back together from their fragments and hands each whole datagram on
 * as a new frame (the first fragment's link-layer bytes, its IP header fixed up, and the payload),
 * which then decodes like any unfragmented packet.
 *
 * <p>Overlaps: a fragment that repeats one already taken (it starts where that one started and its
 * bytes are all held, equal: Linux's {@code IPFRAG_DUP}) is
 * ignored. Any other overlap makes an IPv6 host discard the whole datagram (RFC 5722, with erratum
 * 3089), and so do Linux since 4.19 and Windows since Vista for IPv4 ({@code IPFRAG_OVERLAP}); those
 * datagrams are dropped here too ({@code defrag.overlap_dropped}), IPv4 ones when the destination's
 * policy ({@code stream.policy}) is {@code linux} or {@code vista}. Otherwise the first copy of a byte
 * wins, as BSD and older stacks resolve it: {@code defrag.overlap}, and {@code defrag.overlap_mismatch}
 * where the bytes differ (the classic evasion). Before 2026-12-05 overlaps with equal bytes were
 * silent and always taken, so a decoy datagram Linux drops stood in for the real one. A first fragment too short to
 * hold the transport header is {@code defrag.tiny_first_fragment}; a datagram that would be longer
 * than 65,535 bytes is {@code defrag.datagram_too_large} and is dropped.
 *
 * <p>Fragments inside a tunnel (a GTP-U user's fragmented packet, IPv6 fragments in Teredo, ...) are
 * put back together the same way, keyed by the inner addresses, identification and tunnel depth: the
 * datagram goes out inside the first fragment's outer headers, whose length fields are set to fit it
 * ({@link EncapLengths}); one that would not fit them is {@code defrag.datagram_too_large}.
 *
 * <p>Limits (defaults): datagrams being assembled {@value #DEFAULT_MAX_TRACKERS}; bytes held
 * {@value #DEFAULT_MEMCAP} (the oldest datagram is dropped and counted when either is reached); an
 * incomplete datagram is dropped {@value #DEFAULT_TIMEOUT_SECONDS} s (packet time) after its first
 * fragment, as Suricata's {@code defrag.timeout}. An IPv4 destination that gives up sooner (Linux and
 * the BSDs keep fragments 30 s, {@link Hosts#timeoutSeconds}) has its datagram dropped at its own
 * timeout: a fragment arriving later starts a new datagram, as on that host, so a decoy whose
 * pieces come 31 s apart never forms.
 *
 * <p>Not thread-safe: used by the capture thread, before frames are spread over workers (a fragment
 * carries no ports, so it could not be sent to its flow's worker).
 */
public final class Defragmenter {
    public static final int DEFAULT_MAX_TRACKERS = 65_535;
    public static final long DEFAULT_MEMCAP = 32L << 20;
    public static final int DEFAULT_TIMEOUT_SECONDS = 60;
    private static final int MAX_DATAGRAM = 65_535;

    /** Receives whole datagrams as frames and anomalies by name. */
    public interface Output {
        void frame(long tsNanos, int linkType, byte[] buf, int off, int len);

        void anomaly(long tsNanos, String name, DecodedPacket fragment);
    }

    private record Key(int version, long srcHi, long srcLo, long dstHi, long dstLo, long id, int proto, int tunnelDepth) {
    }

    private static final class Tracker {
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

        Tracker(long firstTs, int linkType, int version, long timeoutNanos) {
            this.firstTs = firstTs;
            this.timeoutNanos = timeoutNanos;
            this.linkType = linkType;
            this.version = version;
        }
    }

    /** What destination hosts do with fragments, by address (4 bytes IPv4, 16 bytes IPv6). */
    public interface Hosts {
        /** Whether the host discards a datagram whose fragments overlap (asked for IPv4 only: IPv6 hosts always do). */
        boolean dropsOverlaps(byte[] address);

        /** Seconds the host keeps an incomplete IPv4 datagram, or 0 for the configured timeout. */
        int timeoutSeconds(byte[] address);
    }

    /** Hosts that resolve overlaps and keep fragments for the configured timeout. */
    public static final Hosts TOLERANT = new Hosts() {
        @Override
        public boolean dropsOverlaps(byte[] address) {
            return false;
        }

        @Override
        public int timeoutSeconds(byte[] address) {
            return 0;
        }
    };

    private final Hosts hosts;
    private final int maxTrackers;
    private final long memcap;
    private final long timeoutNanos;
    private final LinkedHashMap<Key, Tracker> trackers = new LinkedHashMap<>();
    private long held;
    private long lastExpire = Long.MIN_VALUE;

    public long fragments;
    public long reassembled;
    public long timeouts;
    /** The IPv6 share of {@link #fragments}, {@link #reassembled} and {@link #timeouts} (stats name them by version, as Suricata). */
    public long fragments6;
    public long reassembled6;
    public long timeouts6;
    public long dropped;
    public long overlapMismatches;
    /** Datagrams dropped because their fragments overlapped and the destination discards such datagrams. */
    public long overlapsDropped;

    public Defragmenter() {
        this(DEFAULT_MAX_TRACKERS, DEFAULT_MEMCAP, DEFAULT_TIMEOUT_SECONDS);
    }

    public Defragmenter(int maxTrackers, long memcap, int timeoutSeconds) {
        this(maxTrackers, memcap, timeoutSeconds, TOLERANT);
    }

    /** @param hosts what each destination host does with fragments (overlaps, timeout) */
    public Defragmenter(int maxTrackers, long memcap, int timeoutSeconds, Hosts hosts) {
        this.maxTrackers = maxTrackers;
        this.memcap = memcap;
        this.timeoutNanos = timeoutSeconds * 1_000_000_000L;
        this.hosts = hosts;
    }

    /** Returns the bytes held now. */
    public long held() {
        return held;
    }

    /** Returns the datagrams being assembled now. */
    public int pending() {
        return trackers.size();
    }

    /**
     * Takes one fragment, decoded into {@code p} (whose buffer holds the frame at {@code frameOff});
     * hands the datagram to {@code out} when this fragment completes it.
     */
    public void add(long ts, int linkType, int frameOff, DecodedPacket p, Output out) {
        fragments++;
        if (p.ipVersion == 6) {
            fragments6++;
        }
        expire(ts, out);
        if (p.payloadMissing > 0) {
            // The capture cut this fragment (snaplen): the datagram cannot be put back together.
            out.anomaly(ts, "defrag.truncated_fragment", p);
            Tracker t = trackers.remove(key(p));
            if (t != null) {
                release(t);
                dropped++;
            }
            return;
        }
        byte[] b = p.buf;
        int len = p.payloadLen;
        int offset = p.fragOffset;
        int ipHeaderLen = (p.ipVersion == 4 ? p.payloadOff : p.fragHdrOff) - p.ipOff;
        if (offset + len + ipHeaderLen > MAX_DATAGRAM) {
            out.anomaly(ts, "defrag.datagram_too_large", p);
            Tracker t = trackers.remove(key(p));
            if (t != null) {
                release(t);
                dropped++;
            }
            return;
        }
        Key k = key(p);
        Tracker t = trackers.get(k);
        if (t != null && ts - t.firstTs >= t.timeoutNanos) {
            // the destination gave this datagram up already: this fragment starts another
            trackers.remove(k);
            release(t);
            timeouts++;
            if (t.version == 6) {
                timeouts6++;
            }
            t = null;
        }
        if (t == null) {
            while (trackers.size() >= maxTrackers) {
                dropOldest();
            }
            long hostTimeout = timeoutNanos;
            if (p.ipVersion == 4) {
                int secs = hosts.timeoutSeconds(Arrays.copyOfRange(b, p.dstAddrOff, p.dstAddrOff + 4));
                if (secs > 0) {
                    hostTimeout = Math.min(hostTimeout, secs * 1_000_000_000L);
                }
            }
            t = new Tracker(ts, linkType, p.ipVersion, hostTimeout);
            trackers.put(k, t);
        }
        if (offset == 0 && t.head == null) {
            int headEnd = p.ipVersion == 4 ? p.payloadOff : p.fragHdrOff;
            t.head = Arrays.copyOfRange(b, frameOff, headEnd);
            t.ipOffInHead = p.ipOff - frameOff;
            t.prevNextOffInHead = p.ipVersion == 6 ? p.fragPrevNextOff - frameOff : -1;
            t.transportProto = p.proto;
            t.encap = EncapLengths.relative(p, frameOff);
            int need = p.proto == 6 ? 20 : 8;
            if (len < need && p.fragMore) {
                out.anomaly(ts, "defrag.tiny_first_fragment", p);
            }
            t.bytes += t.head.length;
            held += t.head.length;
        }
        if (overlaps(t, offset, len)) {
            // A repeat starts where a fragment taken started (a piece begins there) and brings the
            // bytes held, as Linux's IPFRAG_DUP; anything else overlapping is an overlap.
            boolean repeat = t.parts.containsKey(offset) && sameBytes(t, b, p.payloadOff, offset, len);
            if (!repeat) {
                if (t.version == 6 || hosts.dropsOverlaps(Arrays.copyOfRange(b, p.dstAddrOff, p.dstAddrOff + p.addrLen()))) {
                    out.anomaly(ts, "defrag.overlap_dropped", p);
                    trackers.remove(k);
                    release(t);
                    dropped++;
                    overlapsDropped++;
                    return;
                }
                out.anomaly(ts, "defrag.overlap", p);
            }
        }
        if (!p.fragMore) {
            t.total = offset + len;
        }
        insert(t, ts, b, p.payloadOff, offset, len, p, out);
        while (held > memcap && trackers.size() > 1) {
            dropOldest();
        }
        if (t.total >= 0 && t.head != null && complete(t)) {
            trackers.remove(k);
            release(t);
            if (t.head.length - t.ipOffInHead + t.total > MAX_DATAGRAM) {
                // The check above saw each fragment's own IP header; the datagram gets the first
                // fragment's, which can be longer (IPv4 options, IPv6 extension headers), and its
                // length field would wrap (an input of DefragmenterFuzzTest shows it).
                out.anomaly(ts, "defrag.datagram_too_large", p);
                dropped++;
            } else if (!emit(t, ts, out)) {
                // The datagram fits IP but not the tunnel headers around it.
                out.anomaly(ts, "defrag.datagram_too_large", p);
                dropped++;
            }
        }
    }

    /** Tells whether {@code [offset, offset + len)} overlaps bytes the tracker holds. */
    private static boolean overlaps(Tracker t, int offset, int len) {
        Map.Entry<Integer, byte[]> floor = t.parts.floorEntry(offset);
        if (floor != null && floor.getKey() + floor.getValue().length > offset) {
            return true;
        }
        Integer higher = t.parts.higherKey(offset);
        return higher != null && higher < offset + len;
    }

    /** Tells whether the bytes held at {@code [offset, offset + len)} are all there and equal to {@code b[off..]}. */
    private static boolean sameBytes(Tracker t, byte[] b, int off, int offset, int len) {
        int cursor = offset;
        while (cursor < offset + len) {
            Map.Entry<Integer, byte[]> e = t.parts.floorEntry(cursor);
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

    private void insert(Tracker t, long ts, byte[] b, int off, int offset, int len, DecodedPacket p, Output out) {
        int cursor = offset;
        int end = offset + len;
        while (cursor < end) {
            Map.Entry<Integer, byte[]> floor = t.parts.floorEntry(cursor);
            if (floor != null && floor.getKey() + floor.getValue().length > cursor) {
                int k = floor.getKey();
                byte[] d = floor.getValue();
                int ovEnd = Math.min(end, k + d.length);
                if (!Arrays.equals(d, cursor - k, ovEnd - k, b, off + (cursor - offset), off + (ovEnd - offset))) {
                    overlapMismatches++;
                    out.anomaly(ts, "defrag.overlap_mismatch", p);
                }
                cursor = ovEnd;
                continue;
            }
            Map.Entry<Integer, byte[]> higher = t.parts.higherEntry(cursor);
            int pieceEnd = higher != null && higher.getKey() < end ? higher.getKey() : end;
            byte[] piece = Arrays.copyOfRange(b, off + (cursor - offset), off + (pieceEnd - offset));
            t.parts.put(cursor, piece);
            t.bytes += piece.length;
            held += piece.length;
            cursor = pieceEnd;
        }
    }

    private static boolean complete(Tracker t) {
        int next = 0;
        for (Map.Entry<Integer, byte[]> e : t.parts.entrySet()) {
            if (e.getKey() > next) {
                return false;
            }
            next = Math.max(next, e.getKey() + e.getValue().length);
        }
        return next >= t.total;
    }

    /** Hands the datagram on; false when it does not fit the tunnel headers around it. */
    private boolean emit(Tracker t, long ts, Output out) {
        byte[] frame = new byte[t.head.length + t.total];
        System.arraycopy(t.head, 0, frame, 0, t.head.length);
        for (Map.Entry<Integer, byte[]> e : t.parts.entrySet()) {
            int at = e.getKey();
            int n = Math.min(e.getValue().length, t.total - at);
            if (n > 0) {
                System.arraycopy(e.getValue(), 0, frame, t.head.length + at, n);
            }
        }
        int ip = t.ipOffInHead;
        if ((frame[ip] & 0xf0) == 0x40) {
            int hlen = t.head.length - ip;
            put16(frame, ip + 2, hlen + t.total);
            put16(frame, ip + 6, 0); // no more fragments, offset 0
            put16(frame, ip + 10, 0);
            put16(frame, ip + 10, EncapLengths.checksum(frame, ip, hlen));
        } else {
            // IPv6: the Fragment header is gone; the header before it now names the transport.
            frame[t.prevNextOffInHead] = (byte) t.transportProto;
            put16(frame, ip + 4, t.head.length - ip - 40 + t.total);
        }
        if (!EncapLengths.fit(frame, t.encap)) {
            return false;
        }
        reassembled++;
        if (t.version == 6) {
            reassembled6++;
        }
        out.frame(ts, t.linkType, frame, 0, frame.length);
        return true;
    }

    /** Drops datagrams whose first fragment is older than the timeout (at most once a second). */
    public void expire(long now, Output out) {
        if (lastExpire != Long.MIN_VALUE && now - lastExpire < 1_000_000_000L) {
            return;
        }
        lastExpire = now;
        Iterator<Tracker> it = trackers.values().iterator();
        while (it.hasNext()) {
            Tracker t = it.next();
            if (now - t.firstTs < timeoutNanos) {
                break; // insertion order: the rest are younger
            }
            it.remove();
            release(t);
            timeouts++;
            if (t.version == 6) {
                timeouts6++;
            }
        }
    }

    private void dropOldest() {
        Iterator<Tracker> it = trackers.values().iterator();
        if (it.hasNext()) {
            Tracker t = it.next();
            it.remove();
            release(t);
            dropped++;
        }
    }

    private void release(Tracker t) {
        held -= t.bytes;
        t.bytes = 0;
    }

    private static Key key(DecodedPacket p) {
        byte[] b = p.buf;
        int n = p.addrLen();
        long[] s = addr(b, p.srcAddrOff, n);
        long[] d = addr(b, p.dstAddrOff, n);
        return new Key(p.ipVersion, s[0], s[1], d[0], d[1], p.fragId, p.ipVersion == 4 ? p.proto : 0, p.tunnelDepth);
    }

    /** Reads an address of {@code n} bytes (4 or 16) into two longs, high and low (shared with {@link CapwapReassembler}). */
    static long[] addr(byte[] b, int off, int n) {
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < n; i++) {
            if (i < 8 && n == 16) {
                hi = (hi << 8) | (b[off + i] & 0xff);
            } else {
                lo = (lo << 8) | (b[off + i] & 0xff);
            }
        }
        return new long[] {hi, lo};
    }

    private static void put16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }
}
