package io.spanwatch.sensor.decode;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * Puts IPv4 and IPv6 datagrams back together from their fragments and hands each whole datagram on
 * as a new frame (the first fragment's link-layer bytes, its IP header fixed up, and the payload),
 * which then decodes like any unfragmented packet.
 *
 * <p>Overlaps are resolved as the destination host resolves them, by its {@link Policy} (from its
 * address: {@link Hosts#policy}, the TCP reassembly policy's host, {@code stream.policy}), because a
 * decoy fragment the host throws away must not stand in for the real one (the classic evasion of
 * Ptacek and Newsham, and Novak's "Target-Based Fragmentation Reassembly"):
 * <ul>
 *   <li>{@link Policy#LINUX} (Linux since 4.19, both IP versions, {@code inet_frag_queue_insert}): a
 *       fragment that lies inside one run of fragments already held (fragments that arrived one after
 *       another, each starting where the one before ended) is a duplicate, dropped unread
 *       ({@code IPFRAG_DUP}); any other overlap discards the whole datagram ({@code IPFRAG_OVERLAP}).
 *       A last fragment that ends before bytes already held, or elsewhere than an earlier last one,
 *       and a fragment past a known end discard it too, as does one left empty.</li>
 *   <li>{@link Policy#BSD} (FreeBSD, OpenBSD, NetBSD, macOS {@code ip_reass}): the held fragment that
 *       starts at or before the new one keeps its bytes, and the new one's bytes win over those of
 *       the held fragments that start after it; once the last fragment is held, a non-final one that
 *       ends at or past its end and a last one that ends elsewhere are dropped alone, as is an empty
 *       one; for IPv6 ({@code frag6_input}) a fragment of the same
 *       offset and length as a held one is dropped, and any other overlap discards the datagram.</li>
 *   <li>{@link Policy#BSD_RIGHT} (Linux before 4.19, Suricata's {@code linux} defrag policy): as BSD,
 *       but the new fragment also wins over a held one that starts at the same offset; a fragment
 *       whose end conflicts with the datagram's (Linux's checks above) is dropped alone.</li>
 *   <li>{@link Policy#FIRST} (Windows XP and 2003, Solaris, HP-UX, IRIX; Suricata's {@code first}):
 *       the first copy of a byte wins. {@link Policy#LAST} (Cisco IOS): the last copy wins.</li>
 *   <li>{@link Policy#DROP} (Windows since Vista): any overlap other than a repeat of a held fragment
 *       with the same bytes discards the datagram.</li>
 * </ul>
 * For IPv6, every policy but Linux's and the BSDs' discards the datagram on an overlap that is not
 * such a repeat (RFC 5722, with erratum 3089). A non-final fragment whose length is not a multiple of 8
 * is dropped alone where IPv6 or a BSD host drops it (RFC 8200 §4.5; {@code ips_toosmall}) and cut to a
 * multiple of 8 for a Linux IPv4 host ({@code end &= ~7}): {@code defrag.unaligned_fragment}. Every
 * overlap is {@code defrag.overlap}, and {@code defrag.overlap_mismatch} where the bytes differ; a
 * discarded datagram is {@code defrag.overlap_dropped} (or {@code defrag.length_mismatch_dropped}); a
 * fragment dropped alone for its end {@code defrag.end_mismatch} or {@code defrag.empty_fragment}.
 * Before 2026-12-05 overlaps with equal bytes were silent and always taken, so a decoy datagram Linux
 * drops stood in for the real one; until later that day the first copy won for every host that keeps
 * overlapping datagrams (an evasion review: a BSD host takes a later fragment that starts earlier, a
 * Linux host keeps a datagram with a duplicate inside a run). A first fragment too short to
 * hold the transport header is {@code defrag.tiny_first_fragment}, and for an IPv6 Linux host
 * ({@link Policy#LINUX}, since 5.11) it is dropped, {@code defrag.first_fragment_incomplete} (RFC 8200
 * §4.5; the third evasion review hid a decoy datagram so: it never completes there); a datagram that would be longer
 * than 65,535 bytes is {@code defrag.datagram_too_large} and is dropped when it completes; before, an
 * IPv4 fragment past that length drops its datagram at once for hosts other than Linux and the BSDs
 * (which keep it: the datagram then never completes, {@code ip_frag_queue}, {@code ip_reass}), and
 * an IPv6 one is dropped alone (RFC 8200 §4.5).
 *
 * <p>Stacks also drop whole datagrams by limits ({@link Limits}, from {@link Hosts#limits}): Linux
 * ({@code ipfrag_max_dist}, IPv4) counts every fragment from a source and starts a datagram afresh
 * when more than that many came from its source since its last fragment
 * ({@code defrag.fragment_too_far}); FreeBSD and XNU ({@code maxfragsperpacket}) drop an incomplete
 * datagram that holds more fragments ({@code defrag.too_many_fragments}). Until 2026-12-05 neither was
 * modelled, so a decoy the host had dropped stood in for the real datagram.
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
 * <p>Each datagram being put together is a {@link FragmentQueue}, which holds its pieces, its runs and
 * its end and judges each new fragment against them; this class keeps the table of them, the hosts'
 * policies and limits, the memcap, Linux's count of fragments per source and the counters.
 *
 * <p>Not thread-safe: used by the capture thread, before frames are spread over workers (a fragment
 * carries no ports, so it could not be sent to its flow's worker).
 */
public final class Defragmenter {
    public static final int DEFAULT_MAX_TRACKERS = 65_535;
    public static final long DEFAULT_MEMCAP = 32L << 20;
    public static final int DEFAULT_TIMEOUT_SECONDS = 60;
    static final int MAX_DATAGRAM = 65_535;

    /** Receives whole datagrams as frames and anomalies by name. */
    public interface Output {
        void frame(long tsNanos, int linkType, byte[] buf, int off, int len);

        void anomaly(long tsNanos, String name, DecodedPacket fragment);
    }

    private record Key(int version, long srcHi, long srcLo, long dstHi, long dstLo, long id, int proto, int tunnelDepth) {
    }

    /**
     * One source's fragments as a Linux destination counts them ({@code inet_peer.rid}), kept while a
     * datagram from it to that destination is being put together (the kernel's queue holds its peer;
     * with no queue the count is never compared), so there are never more than datagrams.
     */
    static final class Peer {
        final long key;
        int rid;
        int datagrams;

        Peer(long key) {
            this.key = key;
        }
    }

    /** How a destination host resolves overlapping fragments (see the class description). */
    public enum Policy {
        FIRST, LAST, BSD, BSD_RIGHT, LINUX, DROP;

        /**
         * Tells whether the new fragment, starting at {@code start}, wins over the bytes of a held piece that
         * starts at {@code heldStart} (IPv4; the pieces held never overlap one another).
         */
        boolean newWins(int heldStart, int start) {
            return switch (this) {
                case LAST -> true;
                case BSD -> heldStart > start;
                case BSD_RIGHT -> heldStart >= start;
                default -> false;
            };
        }
    }

    /** What destination hosts do with fragments, by address (4 bytes IPv4, 16 bytes IPv6). */
    public interface Hosts {
        /** How the host resolves overlapping fragments. */
        Policy policy(byte[] address);

        /** Seconds the host keeps an incomplete IPv4 datagram, or 0 for the configured timeout. */
        int timeoutSeconds(byte[] address);

        /** What else makes the host drop an incomplete datagram ({@link Limits}); none unless said. */
        default Limits limits(byte[] address) {
            return Limits.NONE;
        }
    }

    /**
     * Limits a destination's stack puts on an incomplete datagram besides overlaps and time, each 0 where
     * it has none (see the class description).
     *
     * @param maxFragments4 IPv4 fragments a datagram may hold: once it holds more and the fragment that
     *     came did not complete it, the datagram is dropped (FreeBSD's and XNU's {@code ip_reass},
     *     {@code net.inet.ip.maxfragsperpacket}: 16 on FreeBSD, 128 on macOS)
     * @param maxFragments6 the same for IPv6 (FreeBSD's {@code frag6_input},
     *     {@code net.inet6.ip6.maxfragsperpacket}, 64)
     * @param maxDistance Linux's {@code net.ipv4.ipfrag_max_dist} (64; IPv4 only, {@link Policy#LINUX}):
     *     a datagram holding fragments when more than this many fragments from its source came since its
     *     last one is started afresh with the fragment that came ({@code ip_frag_too_far},
     *     {@code ip_frag_reinit})
     */
    public record Limits(int maxFragments4, int maxFragments6, int maxDistance) {
        public static final Limits NONE = new Limits(0, 0, 0);
        /** Linux's {@code ipfrag_max_dist} default. */
        public static final int LINUX_MAX_DIST = 64;
        /** FreeBSD's {@code net.inet.ip.maxfragsperpacket} default ({@code ipreass_init}). */
        public static final int FREEBSD_MAX_FRAGS = 16;
        /** FreeBSD's {@code net.inet6.ip6.maxfragsperpacket} default ({@code frag6_init}). */
        public static final int FREEBSD_MAX_FRAGS6 = 64;
        /** XNU's {@code net.inet.ip.maxfragsperpacket} default ({@code ip_init}). */
        public static final int XNU_MAX_FRAGS = 128;

        public Limits {
            if (maxFragments4 < 0 || maxFragments6 < 0 || maxDistance < 0) {
                throw new IllegalArgumentException("fragment limits cannot be negative");
            }
        }

        int maxFragments(int version) {
            return version == 4 ? maxFragments4 : maxFragments6;
        }
    }

    /** Hosts where the first copy of a byte wins, that keep fragments for the configured timeout. */
    public static final Hosts TOLERANT = new Hosts() {
        @Override
        public Policy policy(byte[] address) {
            return Policy.FIRST;
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
    private final LinkedHashMap<Key, FragmentQueue> trackers = new LinkedHashMap<>();
    /** Linux destinations' counts of fragments by source and destination address (IPv4), see {@link Peer}. */
    private final java.util.HashMap<Long, Peer> peers = new java.util.HashMap<>();
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
    /** Datagrams dropped because they held more fragments than their destination allows ({@link Limits#maxFragments4}). */
    public long tooManyFragmentsDropped;
    /** Datagrams a Linux destination started afresh because too many fragments from their source came in between ({@link Limits#maxDistance}). */
    public long tooFarDropped;

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

    /** Returns the sources whose fragments are counted for Linux destinations now (at most {@link #pending()}). */
    public int peers() {
        return peers.size();
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
            drop(key(p));
            Peer peer = p.ipVersion == 4 ? peers.get(peerKey(p)) : null;
            if (peer != null) {
                peer.rid++; // the destination counted it all the same
            }
            return;
        }
        byte[] b = p.buf;
        int len = p.payloadLen;
        int offset = p.fragOffset;
        Key k = key(p);
        FragmentQueue t = trackers.get(k);
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
        if (p.ipVersion == 4 && offset + len + (p.payloadOff - p.ipOff) > MAX_DATAGRAM) {
            Policy dstPolicy = t != null ? t.policy : hosts.policy(Arrays.copyOfRange(b, p.dstAddrOff, p.dstAddrOff + 4));
            if (dstPolicy != Policy.LINUX && dstPolicy != Policy.BSD && dstPolicy != Policy.BSD_RIGHT) {
                // Linux and the BSDs keep such a fragment (the datagram it belongs to can then only be
                // too long when it completes, ip_frag_reasm, ip_reass): other hosts are not known to
                out.anomaly(ts, "defrag.datagram_too_large", p);
                if (t != null) {
                    drop(k, t);
                }
                return;
            }
        }
        if (t == null) {
            while (trackers.size() >= maxTrackers) {
                dropOldest();
            }
            byte[] dst = Arrays.copyOfRange(b, p.dstAddrOff, p.dstAddrOff + p.addrLen());
            long hostTimeout = timeoutNanos;
            if (p.ipVersion == 4) {
                int secs = hosts.timeoutSeconds(dst);
                if (secs > 0) {
                    hostTimeout = Math.min(hostTimeout, secs * 1_000_000_000L);
                }
            }
            Policy hostPolicy = hosts.policy(dst);
            Limits limits = hosts.limits(dst);
            t = new FragmentQueue(ts, linkType, p.ipVersion, hostTimeout, hostPolicy, limits == null ? Limits.NONE : limits);
            if (p.ipVersion == 4 && hostPolicy == Policy.LINUX && t.limits.maxDistance() > 0) {
                t.peer = peers.computeIfAbsent(peerKey(p), Peer::new);
                t.peer.datagrams++;
            }
            trackers.put(k, t);
        }
        if (t.peer != null) {
            // Linux counts every fragment from the source before anything else (ip_frag_too_far, unsigned)
            int start = t.rid;
            int end = ++t.peer.rid;
            t.rid = end;
            if (!t.parts.isEmpty() && Integer.compareUnsigned(end - start, t.limits.maxDistance()) > 0) {
                // ip_frag_reinit: what the queue holds is dropped, its timer starts again, and this
                // fragment is the first of the datagram
                out.anomaly(ts, "defrag.fragment_too_far", p);
                tooFarDropped++;
                FragmentQueue again = new FragmentQueue(ts, t.linkType, t.version, t.timeoutNanos, t.policy, t.limits);
                again.peer = t.peer;
                again.rid = end;
                t.peer = null;
                trackers.remove(k);
                release(t);
                dropped++;
                trackers.put(k, again);
                t = again;
            }
        }
        if (t.version == 6 && t.ipv6TooLong(p, offset, len)) {
            // RFC 8200 §4.5: the fragment is discarded (ICMP Parameter Problem), the datagram waits
            out.anomaly(ts, "defrag.datagram_too_large", p);
            forgetIfEmpty(k, t);
            return;
        }
        Policy policy = t.policy;
        if (t.version == 6 && policy == Policy.LINUX && offset == 0 && upperHeaderCut(p)) {
            // RFC 8200 §4.5: a first fragment without every header through the upper-layer one is
            // discarded with a parameter problem, before its datagram is looked up (Linux since 5.11,
            // ipv6_frag_rcv: ipv6frag_thdr_truncated)
            out.anomaly(ts, "defrag.first_fragment_incomplete", p);
            forgetIfEmpty(k, t);
            return;
        }
        if (p.fragMore && (len & 7) != 0) {
            out.anomaly(ts, "defrag.unaligned_fragment", p);
            if (t.version == 6 || policy == Policy.BSD) {
                forgetIfEmpty(k, t); // dropped alone; the datagram waits for a proper one
                return;
            }
            if (policy == Policy.LINUX || policy == Policy.BSD_RIGHT) {
                len -= len & 7; // Linux: end &= ~7
            }
        }
        int end = offset + len;
        if (t.version == 4 && (policy == Policy.BSD || policy == Policy.BSD_RIGHT) && t.endConflicts(p.fragMore, offset, end)) {
            // FreeBSD's ip_reass (ipq_maxoff, ips_toosmall) and Linux before 4.19 (goto err) drop the
            // fragment alone: the datagram waits for a proper one
            out.anomaly(ts, end == offset ? "defrag.empty_fragment" : "defrag.end_mismatch", p);
            forgetIfEmpty(k, t);
            return;
        }
        if (policy == Policy.LINUX) {
            if (end == offset || t.linuxEndConflicts(p.fragMore, end)) {
                out.anomaly(ts, "defrag.length_mismatch_dropped", p);
                drop(k, t);
                return;
            }
            t.knownEnd = Math.max(t.knownEnd, end);
            if (!p.fragMore) {
                t.total = end; // before the duplicate check, as Linux sets INET_FRAG_LAST_IN
            }
            int run = t.linuxRuns(offset, end);
            if (run == FragmentQueue.DUPLICATE) {
                ignoreDuplicate(t, ts, b, p.payloadOff, offset, len, p, out);
                return;
            }
            if (run == FragmentQueue.OVERLAP) {
                dropOverlapping(k, t, ts, p, out);
                return;
            }
        } else if (t.overlaps(offset, len)) {
            // A repeat starts where a fragment taken started (a piece begins there) and brings the
            // bytes held; anything else overlapping is an overlap.
            boolean repeat = t.parts.containsKey(offset) && t.sameBytes(b, p.payloadOff, offset, len);
            if (t.version == 6 && policy == Policy.BSD && t.parts.containsKey(offset) && t.parts.get(offset).length == len) {
                ignoreDuplicate(t, ts, b, p.payloadOff, offset, len, p, out); // frag6_input: same offset and length
                return;
            }
            if (!repeat && (t.version == 6 || policy == Policy.DROP)) {
                dropOverlapping(k, t, ts, p, out);
                return;
            }
            if (!repeat) {
                out.anomaly(ts, "defrag.overlap", p);
            }
        }
        if (offset == 0 && t.head == null) {
            t.takeHead(b, frameOff, p);
            held += t.head.length;
            int need = p.proto == 6 ? 20 : 8;
            if (len < need && p.fragMore) {
                out.anomaly(ts, "defrag.tiny_first_fragment", p);
            }
        }
        if (!p.fragMore) {
            t.total = end;
        }
        t.knownEnd = Math.max(t.knownEnd, end);
        long before = t.bytes;
        if (t.version == 4 && (policy == Policy.LAST || policy == Policy.BSD || policy == Policy.BSD_RIGHT)) {
            overlapMismatches += t.giveWay(ts, b, p.payloadOff, offset, len, p, out);
        }
        overlapMismatches += t.insert(ts, b, p.payloadOff, offset, len, p, out);
        held += t.bytes - before;
        while (held > memcap && trackers.size() > 1) {
            dropOldest();
        }
        boolean whole = t.total >= 0 && t.head != null && t.complete();
        int maxFragments = t.limits.maxFragments(t.version);
        if (!whole && maxFragments > 0 && t.parts.size() > maxFragments) {
            // ip_reass and frag6_input: a datagram that holds more fragments than maxfragsperpacket
            // and that this fragment did not complete is dropped
            out.anomaly(ts, "defrag.too_many_fragments", p);
            tooManyFragmentsDropped++;
            drop(k, t);
            return;
        }
        if (whole) {
            trackers.remove(k);
            release(t);
            if (t.head.length - t.ipOffInHead - (t.version == 6 ? 40 : 0) + t.total > MAX_DATAGRAM) {
                // The check above saw each fragment's own IP header (or none: Linux and the BSDs keep
                // IPv4 fragments past 65,535 bytes); the datagram gets the first fragment's, which can
                // be longer (IPv4 options, IPv6 extension headers), and its length field would wrap (an
                // input of DefragmenterFuzzTest shows it). IPv6 counts the payload, as ip6_frag_reasm.
                out.anomaly(ts, "defrag.datagram_too_large", p);
                dropped++;
            } else if (!emit(t, ts, out)) {
                // The datagram fits IP but not the tunnel headers around it.
                out.anomaly(ts, "defrag.datagram_too_large", p);
                dropped++;
            }
        }
    }

    /** Forgets a datagram that holds nothing after its only fragment was dropped alone (no datagram to wait for yet). */
    private void forgetIfEmpty(Key k, FragmentQueue t) {
        if (t.parts.isEmpty() && t.head == null) {
            trackers.remove(k);
            release(t);
        }
    }

    /** Drops the datagram of key {@code k}, if one is being put together. */
    private void drop(Key k) {
        FragmentQueue t = trackers.get(k);
        if (t != null) {
            drop(k, t);
        }
    }

    /** Drops a fragment the host takes for a duplicate of what it holds, named unless it is an exact repeat. */
    private void ignoreDuplicate(FragmentQueue t, long ts, byte[] b, int off, int offset, int len, DecodedPacket p, Output out) {
        if (t.parts.containsKey(offset) && t.sameBytes(b, off, offset, len)) {
            return;
        }
        out.anomaly(ts, "defrag.overlap", p);
        if (!t.sameBytes(b, off, offset, len)) {
            overlapMismatches++;
            out.anomaly(ts, "defrag.overlap_mismatch", p);
        }
    }

    /** Discards a datagram whose fragments overlap, as its destination does. */
    private void dropOverlapping(Key k, FragmentQueue t, long ts, DecodedPacket p, Output out) {
        out.anomaly(ts, "defrag.overlap_dropped", p);
        drop(k, t);
        overlapsDropped++;
    }

    private void drop(Key k, FragmentQueue t) {
        trackers.remove(k);
        release(t);
        dropped++;
    }

    /** Hands the datagram on; false when it does not fit the tunnel headers around it. */
    private boolean emit(FragmentQueue t, long ts, Output out) {
        byte[] frame = t.datagram();
        if (frame == null) {
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
        Iterator<FragmentQueue> it = trackers.values().iterator();
        while (it.hasNext()) {
            FragmentQueue t = it.next();
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
        Iterator<FragmentQueue> it = trackers.values().iterator();
        if (it.hasNext()) {
            FragmentQueue t = it.next();
            it.remove();
            release(t);
            dropped++;
        }
    }

    private void release(FragmentQueue t) {
        held -= t.bytes;
        t.bytes = 0;
        if (t.peer != null) {
            if (--t.peer.datagrams == 0) {
                peers.remove(t.peer.key);
            }
            t.peer = null;
        }
    }

    /**
     * Tells whether an IPv6 first fragment ends before the upper-layer header's first 20 (TCP) or 8
     * (UDP, ICMPv6) bytes, or 1 of another protocol, past the extension headers it holds, as Linux's
     * {@code ipv6frag_thdr_truncated} reads it; extension headers that run past the fragment leave it be.
     */
    private static boolean upperHeaderCut(DecodedPacket p) {
        byte[] b = p.buf;
        int end = p.payloadOff + p.payloadLen;
        int q = p.payloadOff;
        int next = p.proto;
        if (next == 59) {
            return false; // no next header: ipv6_skip_exthdr gives up
        }
        while (next == 0 || next == 43 || next == 60 || next == 51) {
            if (q + 2 > end) {
                return false;
            }
            int hl = next == 51 ? ((b[q + 1] & 0xff) + 2) * 4 : ((b[q + 1] & 0xff) + 1) * 8;
            next = b[q] & 0xff;
            q += hl;
        }
        int need = switch (next) {
            case 6 -> 20;
            case 17, 58 -> 8;
            default -> 1;
        };
        return q <= end && q + need > end;
    }

    /** Linux's peer of a fragment: its source and destination (IPv4) in one key. */
    private static long peerKey(DecodedPacket p) {
        return (Defragmenter.addr(p.buf, p.srcAddrOff, 4)[1] << 32) | Defragmenter.addr(p.buf, p.dstAddrOff, 4)[1];
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
}
