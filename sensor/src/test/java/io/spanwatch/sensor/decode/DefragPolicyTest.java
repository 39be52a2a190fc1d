package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.DefragmenterTest.feed;
import static io.spanwatch.sensor.decode.DefragmenterTest.frag6;
import static io.spanwatch.sensor.decode.DefragmenterTest.udp4;
import static io.spanwatch.sensor.decode.DefragmenterTest.udp6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.TrafficSynth;
import io.spanwatch.sensor.decode.Defragmenter.Policy;
import io.spanwatch.sensor.decode.DefragmenterTest.Recorder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Overlapping fragments resolved as each kind of destination host resolves them ({@link Policy}), so
 * that a decoy the host throws away never stands in for the real bytes. The expected bytes are worked
 * out by hand from the stacks' reassembly code: FreeBSD's {@code ip_reass} (the held fragment that
 * starts at or before the new one keeps its bytes, the new one wins over those that start after it),
 * Linux before 4.19 (the same, but a held fragment starting where the new one starts loses too),
 * Linux since 4.19 ({@code inet_frag_queue_insert}: runs, duplicates, overlaps) and FreeBSD's
 * {@code frag6_input}.
 */
class DefragPolicyTest {
    private static final int IP_DATA = 14 + 20; // where the IPv4 datagram's data starts in a frame

    /** A datagram of 80 bytes of IP data (8-byte units 0 to 9), as a frame. */
    private static byte[] datagram() {
        byte[] payload = new byte[72];
        Arrays.fill(payload, (byte) '.');
        return udp4(payload, 77);
    }

    /** A fragment of units {@code [from, to)} of the datagram, every byte {@code fill}. */
    private static byte[] frag(byte[] frame, int from, int to, boolean more, char fill) {
        byte[] f = frame.clone();
        Arrays.fill(f, IP_DATA + from * 8, IP_DATA + to * 8, (byte) fill);
        return TrafficSynth.fragment4(f, from * 8, (to - from) * 8, more);
    }

    private static Defragmenter defragmenter(Policy policy) {
        return new Defragmenter(100, 1 << 20, 60, DefragmenterTest.policyHosts(address -> policy, 0));
    }

    /** The reassembled datagram's data, one letter per 8-byte unit (each unit is checked to be one letter), or "dropped". */
    private static String units(Recorder r, int dataOff) {
        if (r.frames.isEmpty()) {
            return "dropped";
        }
        assertEquals(1, r.frames.size());
        byte[] f = r.frames.get(0);
        StringBuilder s = new StringBuilder();
        for (int at = dataOff; at < f.length; at += 8) {
            byte[] unit = Arrays.copyOfRange(f, at, Math.min(f.length, at + 8));
            for (byte x : unit) {
                assertEquals(unit[0], x, "one source per unit at " + (at - dataOff));
            }
            s.append((char) unit[0]);
        }
        return s.toString();
    }

    /**
     * One pattern of overlaps before, after, inside and at the same start, in the spirit of Novak and
     * Sturges' tests: A [0,2) B [3,5) C [6,8), then D [1,4) (over A's end, a gap, over B's start),
     * E [2,3) (where D starts after it was placed), F [5,7) (over C's start), G [8,10) last.
     */
    @Test
    void eachPolicyPutsThePatternTogetherAsItsStackDoes() {
        byte[] d = datagram();
        List<byte[]> pattern = List.of(frag(d, 0, 2, true, 'A'), frag(d, 3, 5, true, 'B'), frag(d, 6, 8, true, 'C'),
                frag(d, 1, 4, true, 'D'), frag(d, 2, 3, true, 'E'), frag(d, 5, 7, true, 'F'), frag(d, 8, 10, false, 'G'));
        String[][] expected = {
            {"BSD", "AADDBFFCGG"},       // A keeps [1,2), D takes B's [3,4); E is inside D (which starts before it); F takes C's [6,7)
            {"BSD_RIGHT", "AAEDBFFCGG"}, // as BSD, but E wins over D, which starts where E starts
            {"FIRST", "AADBBFCCGG"},     // only the gaps take new bytes
            {"LAST", "ADEDBFFCGG"},      // every new fragment wins
            {"LINUX", "dropped"},        // D overlaps the run of A without lying inside it
            {"DROP", "dropped"},
        };
        for (String[] e : expected) {
            Recorder r = new Recorder();
            feed(defragmenter(Policy.valueOf(e[0])), pattern, r);
            assertEquals(e[1], units(r, IP_DATA), e[0] + " " + r.anomalies);
            assertTrue(r.anomalies.contains(e[1].equals("dropped") ? "defrag.overlap_dropped" : "defrag.overlap_mismatch"), e[0] + " " + r.anomalies);
        }
    }

    /** The evasion review's cases: a later fragment that starts earlier wins on a BSD host, not on a first-wins one. */
    @Test
    void aDecoyHeldFirstLosesToARealFragmentStartingBeforeItOnBsd() {
        byte[] d = datagram();
        List<byte[]> frags = List.of(frag(d, 3, 5, true, 'X'), frag(d, 2, 6, true, 'R'), frag(d, 0, 2, true, 'R'), frag(d, 6, 10, false, 'R'));
        Recorder bsd = new Recorder();
        feed(defragmenter(Policy.BSD), frags, bsd);
        assertEquals("RRRRRRRRRR", units(bsd, IP_DATA), bsd.anomalies.toString());
        Recorder first = new Recorder();
        feed(defragmenter(Policy.FIRST), frags, first);
        assertEquals("RRRXXRRRRR", units(first, IP_DATA));
    }

    /**
     * Linux keeps runs of fragments that arrived one after another: a fragment inside one run is a
     * duplicate, dropped unread whatever its bytes, and the datagram is kept; the same fragment
     * across two runs (the same bytes held, another arrival order) discards the datagram.
     */
    @Test
    void linuxDropsADuplicateInsideARunAndTheDatagramWhenItCrossesRuns() {
        byte[] d = datagram();
        byte[] a = frag(d, 0, 2, true, 'R');
        byte[] b = frag(d, 2, 4, true, 'R');
        byte[] c = frag(d, 4, 6, true, 'R');
        byte[] decoy = frag(d, 1, 5, true, 'X');
        byte[] last = frag(d, 6, 10, false, 'R');
        Recorder inRun = new Recorder();
        feed(defragmenter(Policy.LINUX), List.of(a, b, c, decoy, last), inRun);
        assertEquals("RRRRRRRRRR", units(inRun, IP_DATA));
        assertEquals(List.of("defrag.overlap", "defrag.overlap_mismatch"), inRun.anomalies);

        Recorder acrossRuns = new Recorder();
        feed(defragmenter(Policy.LINUX), List.of(a, c, b, decoy, last), acrossRuns);
        assertEquals("dropped", units(acrossRuns, IP_DATA));
        assertTrue(acrossRuns.anomalies.contains("defrag.overlap_dropped"), acrossRuns.anomalies.toString());

        // the same bytes inside a run: an overlap, named; a plain repeat of a fragment: nothing
        Recorder same = new Recorder();
        feed(defragmenter(Policy.LINUX), List.of(a, b, frag(d, 1, 2, true, 'R'), c, last), same);
        assertEquals("RRRRRRRRRR", units(same, IP_DATA));
        assertEquals(List.of("defrag.overlap"), same.anomalies);
        Recorder repeat = new Recorder();
        feed(defragmenter(Policy.LINUX), List.of(a, b, a.clone(), c, last), repeat);
        assertEquals("RRRRRRRRRR", units(repeat, IP_DATA));
        assertEquals(List.of(), repeat.anomalies);
    }

    /**
     * A non-final fragment whose length is not a multiple of 8: Linux cuts it to one (the bytes past
     * the cut come from the next fragment), a BSD host drops it, and a first-wins host takes it whole.
     * Linux also discards the datagram when a last fragment ends elsewhere than the one before.
     */
    @Test
    void unalignedFragmentsAndConflictingEndsAsEachHostHandlesThem() {
        byte[] d = datagram();
        byte[] decoy = d.clone();
        Arrays.fill(decoy, IP_DATA, IP_DATA + 13, (byte) 'X');
        byte[] unaligned = TrafficSynth.fragment4(decoy, 0, 13, true);
        byte[] real0 = frag(d, 0, 1, true, 'R');
        byte[] real1 = frag(d, 1, 10, false, 'R');

        Recorder linux = new Recorder();
        feed(defragmenter(Policy.LINUX), List.of(unaligned, real1), linux);
        assertEquals("XRRRRRRRRR", units(linux, IP_DATA), linux.anomalies.toString());
        assertTrue(linux.anomalies.contains("defrag.unaligned_fragment"));

        Recorder bsd = new Recorder();
        feed(defragmenter(Policy.BSD), List.of(unaligned, real1, real0), bsd);
        assertEquals("RRRRRRRRRR", units(bsd, IP_DATA));
        assertEquals(List.of("defrag.unaligned_fragment"), bsd.anomalies);

        Recorder first = new Recorder();
        feed(defragmenter(Policy.FIRST), List.of(unaligned, real1), first);
        byte[] got = first.frames.get(0);
        assertEquals('X', got[IP_DATA + 12], "taken whole: its 13th byte wins over the next fragment's");

        Recorder ends = new Recorder();
        feed(defragmenter(Policy.LINUX), List.of(frag(d, 4, 8, false, 'R'), frag(d, 4, 10, false, 'X'), frag(d, 0, 4, true, 'R')), ends);
        assertEquals("dropped", units(ends, IP_DATA));
        assertTrue(ends.anomalies.contains("defrag.length_mismatch_dropped"), ends.anomalies.toString());
    }

    /** IPv6: a BSD host drops a fragment of a held one's offset and length, whatever its bytes; Linux one inside a run; every host an unaligned one. */
    @Test
    void ipv6DuplicatesAndUnalignedFragments() {
        byte[] payload = new byte[120];
        Arrays.fill(payload, (byte) 'R');
        byte[] udp = udp6(payload);
        byte[] evil = udp.clone();
        Arrays.fill(evil, 8, evil.length, (byte) 'X');
        int dataOff = 14 + 40 + 8; // the datagram after reassembly: Ethernet, IPv6, destination options
        List<byte[]> exactDecoy = List.of(frag6(udp, 0, 64, true, 9), frag6(evil, 0, 64, true, 9), frag6(udp, 64, 64, false, 9));
        Recorder bsd = new Recorder();
        feed(defragmenter(Policy.BSD), exactDecoy, bsd);
        assertEquals(1, bsd.frames.size(), bsd.anomalies.toString());
        assertEquals('R', bsd.frames.get(0)[dataOff + 40]);
        assertEquals(List.of("defrag.overlap", "defrag.overlap_mismatch"), bsd.anomalies);
        Recorder other = new Recorder();
        feed(defragmenter(Policy.FIRST), exactDecoy, other);
        assertEquals(0, other.frames.size(), "RFC 5722: any other host discards it");

        List<byte[]> inside = List.of(frag6(udp, 0, 64, true, 10), frag6(evil, 16, 32, true, 10), frag6(udp, 64, 64, false, 10));
        Recorder linux = new Recorder();
        feed(defragmenter(Policy.LINUX), inside, linux);
        assertEquals(1, linux.frames.size(), linux.anomalies.toString());
        assertEquals('R', linux.frames.get(0)[dataOff + 40]);
        Recorder bsdInside = new Recorder();
        feed(defragmenter(Policy.BSD), inside, bsdInside);
        assertEquals(0, bsdInside.frames.size(), "not the same offset and length: an overlap");

        for (Policy p : Policy.values()) {
            List<byte[]> frags = new ArrayList<>(List.of(frag6(evil, 0, 60, true, 11), frag6(udp, 0, 64, true, 11), frag6(udp, 64, 64, false, 11)));
            Recorder r = new Recorder();
            feed(defragmenter(p), frags, r);
            assertEquals(1, r.frames.size(), p + " " + r.anomalies);
            assertEquals('R', r.frames.get(0)[dataOff + 20], p.toString());
            assertEquals("defrag.unaligned_fragment", r.anomalies.get(0), p.toString());
        }
    }

    /**
     * Once the last fragment is held, FreeBSD's ip_reass drops alone a last fragment that ends
     * elsewhere and a non-final one that ends at or past the end (ipq_maxoff); Linux before 4.19 drops
     * alone a last fragment that ends elsewhere and a non-final one past the end; Linux since 4.19
     * discards the datagram (a review found the BSD policy took both decoys).
     */
    @Test
    void aFragmentWhoseEndConflictsWithTheLastOnesIsDroppedAloneOnBsd() {
        byte[] d = datagram();
        List<byte[]> shorterLast = List.of(frag(d, 8, 10, false, 'R'), frag(d, 1, 2, false, 'X'), frag(d, 0, 8, true, 'R'));
        List<byte[]> nonFinalToTheEnd = List.of(frag(d, 1, 10, false, 'R'), frag(d, 0, 10, true, 'X'), frag(d, 0, 1, true, 'R'));
        for (Object[] c : new Object[][] {{shorterLast, Policy.BSD}, {shorterLast, Policy.BSD_RIGHT}, {nonFinalToTheEnd, Policy.BSD}}) {
            @SuppressWarnings("unchecked")
            List<byte[]> frags = (List<byte[]>) c[0];
            Recorder r = new Recorder();
            feed(defragmenter((Policy) c[1]), frags, r);
            assertEquals("RRRRRRRRRR", units(r, IP_DATA), c[1] + " " + r.anomalies);
            assertTrue(r.anomalies.contains("defrag.end_mismatch"), c[1] + " " + r.anomalies);
        }
        // old Linux drops only a non-final fragment past the end (end > q.len): one that ends at it is
        // taken, wins over the held last one that starts after it, and completes the datagram
        Recorder oldLinux = new Recorder();
        feed(defragmenter(Policy.BSD_RIGHT), nonFinalToTheEnd, oldLinux);
        assertEquals("XXXXXXXXXX", units(oldLinux, IP_DATA));
        Recorder linux = new Recorder();
        feed(defragmenter(Policy.LINUX), shorterLast, linux);
        assertEquals("dropped", units(linux, IP_DATA));
        Recorder empty = new Recorder();
        feed(defragmenter(Policy.BSD), List.of(frag(d, 0, 5, true, 'R'), TrafficSynth.fragment4(d, 40, 0, true), frag(d, 5, 10, false, 'R')), empty);
        assertEquals("RRRRRRRRRR", units(empty, IP_DATA));
        assertEquals(List.of("defrag.empty_fragment"), empty.anomalies);
    }

    private static Defragmenter limited(Policy policy, Defragmenter.Limits limits) {
        return new Defragmenter(1000, 1 << 24, 60, new Defragmenter.Hosts() {
            @Override
            public Policy policy(byte[] address) {
                return policy;
            }

            @Override
            public int timeoutSeconds(byte[] address) {
                return 0;
            }

            @Override
            public Defragmenter.Limits limits(byte[] address) {
                return limits;
            }
        });
    }

    /** The first 8-byte unit of another datagram (identification {@code id}, from {@code source}), never completed. */
    private static byte[] other(int id, int source) {
        byte[] f = udp4(new byte[72], id);
        f[29] = (byte) source;
        return TrafficSynth.fragment4(f, 0, 8, true);
    }

    /**
     * Linux's ipfrag_max_dist (ip_frag_too_far): when more than 64 fragments from a datagram's source
     * came since its last one, the datagram is started afresh with the fragment that came. A decoy
     * first unit held, then 64 fragments of other datagrams from the same source, and the real
     * datagram: the decoy is gone and the real bytes are taken; with 63 between (or 64 from another
     * source) the decoy stays and the real first unit is a duplicate, dropped unread. Before
     * 2026-12-05 the decoy always stood.
     */
    @Test
    void linuxStartsADatagramAfreshWhenTooManyFragmentsFromItsSourceCameBetween() {
        byte[] d = datagram();
        Defragmenter.Limits linux = new Defragmenter.Limits(0, 0, 64);
        for (int[] c : new int[][] {{64, 1, 'R'}, {63, 1, 'X'}, {64, 9, 'X'}, {200, 1, 'R'}}) {
            List<byte[]> frags = new ArrayList<>();
            frags.add(frag(d, 0, 1, true, 'X'));
            for (int i = 0; i < c[0]; i++) {
                frags.add(other(1000 + i, c[1]));
            }
            frags.add(frag(d, 0, 1, true, 'R'));
            frags.add(frag(d, 1, 10, false, 'R'));
            Recorder r = new Recorder();
            Defragmenter defrag = limited(Policy.LINUX, linux);
            feed(defrag, frags, r);
            String want = (char) c[2] + "RRRRRRRRR";
            assertEquals(want, units(r, IP_DATA), Arrays.toString(c) + " " + r.anomalies);
            assertEquals(c[2] == 'R', r.anomalies.contains("defrag.fragment_too_far"), r.anomalies.toString());
            assertEquals(c[2] == 'R' ? 1 : 0, defrag.tooFarDropped);
            assertEquals(1, defrag.peers(), "one count per source still holding a datagram (the other datagrams)");
        }
        // off (0), and for other hosts, nothing is counted
        Recorder off = new Recorder();
        List<byte[]> frags = new ArrayList<>(List.of(frag(d, 0, 1, true, 'X')));
        for (int i = 0; i < 100; i++) {
            frags.add(other(2000 + i, 1));
        }
        frags.add(frag(d, 0, 1, true, 'R'));
        frags.add(frag(d, 1, 10, false, 'R'));
        Defragmenter noLimit = limited(Policy.LINUX, Defragmenter.Limits.NONE);
        feed(noLimit, frags, off);
        assertEquals("XRRRRRRRRR", units(off, IP_DATA));
        assertEquals(0, noLimit.peers());
    }

    /** A datagram of {@code units} 8-byte units of IP data (UDP header included). */
    private static byte[] datagramOf(int units) {
        return udp4(new byte[units * 8 - 8], 78);
    }

    /**
     * FreeBSD's net.inet.ip.maxfragsperpacket (16; XNU's 128): once an incomplete datagram holds more
     * fragments it is dropped, but the fragment that completes it is taken (n + 1 allowed). A decoy sent
     * in 17 one-unit fragments is gone before the real datagram comes in two; with 16 it stays and, held
     * first, wins. Before 2026-12-05 the decoy always won on a BSD host.
     */
    @Test
    void bsdDropsAnIncompleteDatagramOfMoreFragmentsThanMaxfragsperpacket() {
        byte[] d = datagramOf(20);
        for (int[] c : new int[][] {{17, 16, 'R'}, {16, 16, 'X'}, {17, 128, 'X'}, {129, 128, 'R'}}) {
            byte[] big = datagramOf(Math.max(20, c[0] + 1));
            List<byte[]> frags = new ArrayList<>();
            for (int u = 0; u < c[0]; u++) {
                frags.add(frag(big, u, u + 1, true, 'X'));
            }
            int n = Math.max(20, c[0] + 1);
            frags.add(frag(big, 0, n / 2, true, 'R'));
            frags.add(frag(big, n / 2, n, false, 'R'));
            Recorder r = new Recorder();
            Defragmenter defrag = limited(Policy.BSD, new Defragmenter.Limits(c[1], 64, 0));
            feed(defrag, frags, r);
            String got = units(r, IP_DATA);
            assertEquals((char) c[2], got.charAt(0), Arrays.toString(c) + " " + r.anomalies);
            assertEquals(c[2] == 'R', r.anomalies.contains("defrag.too_many_fragments"), Arrays.toString(c) + " " + r.anomalies);
            assertEquals(c[2] == 'R' ? 1 : 0, defrag.tooManyFragmentsDropped);
        }
        // the 17th fragment that completes the datagram is taken
        List<byte[]> seventeen = new ArrayList<>();
        for (int u = 0; u < 17; u++) {
            seventeen.add(frag(datagramOf(17), u, u + 1, u < 16, 'R'));
        }
        Recorder r = new Recorder();
        feed(limited(Policy.BSD, new Defragmenter.Limits(16, 64, 0)), seventeen, r);
        assertEquals("RRRRRRRRRRRRRRRRR", units(r, IP_DATA), r.anomalies.toString());
        // pieces trimmed away do not count: 20 copies of the same first unit are one piece
        List<byte[]> copies = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            copies.add(frag(d, 0, 1, true, 'R'));
        }
        copies.add(frag(d, 1, 20, false, 'R'));
        Recorder c = new Recorder();
        feed(limited(Policy.BSD, new Defragmenter.Limits(16, 64, 0)), copies, c);
        assertEquals("RRRRRRRRRRRRRRRRRRRR", units(c, IP_DATA), c.anomalies.toString());
    }

    /**
     * FreeBSD's net.inet6.ip6.maxfragsperpacket (64, frag6_input): the same for IPv6. A decoy of 65
     * fragments is dropped, so the real datagram, overlapping it, is taken; before 2026-12-05 the
     * overlap discarded the real datagram instead.
     */
    @Test
    void bsdDropsAnIncompleteIpv6DatagramOfMoreThan64Fragments() {
        byte[] payload = new byte[70 * 8 - 8];
        Arrays.fill(payload, (byte) 'R');
        byte[] udp = udp6(payload);
        byte[] evil = udp.clone();
        Arrays.fill(evil, 8, evil.length, (byte) 'X');
        for (int decoys : new int[] {65, 64}) {
            List<byte[]> frags = new ArrayList<>();
            for (int u = 1; u <= decoys; u++) {
                frags.add(frag6(evil, u * 8, 8, true, 5));
            }
            frags.add(frag6(udp, 0, 280, true, 5));
            frags.add(frag6(udp, 280, 280, false, 5));
            Recorder r = new Recorder();
            feed(limited(Policy.BSD, new Defragmenter.Limits(16, 64, 0)), frags, r);
            assertEquals(decoys == 65 ? 1 : 0, r.frames.size(), decoys + " " + r.anomalies);
            assertEquals(decoys == 65, r.anomalies.contains("defrag.too_many_fragments"), r.anomalies.toString());
        }
    }

    /**
     * Linux (ip_frag_queue) and the BSDs (ip_reass) keep an IPv4 fragment that ends past 65,535 bytes:
     * on Linux it sets the datagram's end, so the real last fragment ends before it and the datagram is
     * discarded; on a BSD host it stays past the end and the datagram never completes. Before
     * 2026-12-05 it was dropped with its datagram, and the real fragments after it made one the host
     * never got. Other hosts still drop the datagram.
     */
    @Test
    void anIpv4FragmentPast65535BytesPoisonsTheDatagramOnLinuxAndBsd() {
        byte[] d = datagram();
        byte[] poison = frag(d, 0, 1, true, 'X');
        Fragments.put16(poison, 20, (65_520 / 8) | 0x2000);
        Fragments.put16(poison, 24, 0);
        Fragments.put16(poison, 24, EncapLengths.checksum(poison, 14, 20));
        List<byte[]> frags = List.of(poison, frag(d, 0, 5, true, 'R'), frag(d, 5, 10, false, 'R'));
        for (Policy p : Policy.values()) {
            Recorder r = new Recorder();
            feed(defragmenter(p), frags, r);
            boolean keeps = p == Policy.LINUX || p == Policy.BSD || p == Policy.BSD_RIGHT;
            assertEquals(keeps ? "dropped" : "RRRRRRRRRR", units(r, IP_DATA), p + " " + r.anomalies);
        }
    }

    /**
     * A BSD host's datagram completes only when the fragment held last is the last one (ip_reass): a
     * non-final fragment past the end, held before the last fragment came, keeps it from completing.
     */
    @Test
    void aBsdDatagramWithBytesHeldPastItsEndNeverCompletes() {
        byte[] big = datagramOf(12);
        List<byte[]> frags = List.of(frag(big, 10, 12, true, 'X'), frag(big, 0, 8, true, 'R'), frag(big, 8, 10, false, 'R'));
        Recorder bsd = new Recorder();
        feed(defragmenter(Policy.BSD), frags, bsd);
        assertEquals(0, bsd.frames.size(), bsd.anomalies.toString());
        Recorder first = new Recorder();
        feed(defragmenter(Policy.FIRST), frags, first);
        assertEquals(1, first.frames.size());
    }

    /**
     * RFC 8200 §4.5, Linux's ip6_frag_queue and FreeBSD's frag6_input: an IPv6 fragment that would make
     * the payload longer than 65,535 bytes is discarded alone, and the datagram completes without it
     * (before 2026-12-05 it was discarded with its datagram, which the host took).
     */
    @Test
    void anIpv6FragmentPast65535BytesIsDroppedAlone() {
        byte[] payload = new byte[120];
        Arrays.fill(payload, (byte) 'R');
        byte[] udp = udp6(payload);
        byte[] far = frag6(udp, 0, 16, true, 12);
        Fragments.put16(far, 64, 65_528 | 1);
        for (Policy p : Policy.values()) {
            Recorder r = new Recorder();
            feed(defragmenter(p), List.of(frag6(udp, 0, 64, true, 12), far, frag6(udp, 64, 64, false, 12)), r);
            assertEquals(1, r.frames.size(), p + " " + r.anomalies);
            assertTrue(r.anomalies.contains("defrag.datagram_too_large"), p + " " + r.anomalies);
        }
    }

    /** {@code frag6}'s fragment of {@code data}, whose fragmentable part starts with a destination options header. */
    private static byte[] afterOptions(byte[] data, int off, int n, boolean more, long id) {
        byte[] f = frag6(data, off, n, more, id);
        f[62] = 60; // fragment -> destination options -> UDP
        return f;
    }

    /**
     * RFC 8200 §4.5: a first fragment without every header through the upper-layer one is discarded;
     * Linux does so since 5.11 ({@code ipv6frag_thdr_truncated}), so a decoy datagram whose first
     * fragment stops before the UDP or TCP header never completes there. The BSDs keep it.
     */
    @Test
    void linuxDropsAnIpv6FirstFragmentWithoutTheUpperLayerHeader() {
        byte[] payload = new byte[120];
        Arrays.fill(payload, (byte) 'R');
        byte[] data = Frames.cat(new byte[] {17, 0, 1, 4, 0, 0, 0, 0}, udp6(payload));
        List<byte[]> cut = List.of(afterOptions(data, 0, 8, true, 13), afterOptions(data, 8, 120, true, 13), afterOptions(data, 128, 8, false, 13));
        Recorder linux = new Recorder();
        feed(defragmenter(Policy.LINUX), cut, linux);
        assertEquals(0, linux.frames.size(), linux.anomalies.toString());
        assertTrue(linux.anomalies.contains("defrag.first_fragment_incomplete"), linux.anomalies.toString());
        Recorder bsd = new Recorder();
        feed(defragmenter(Policy.BSD), cut, bsd);
        assertEquals(1, bsd.frames.size(), bsd.anomalies.toString());
        Recorder whole = new Recorder();
        feed(defragmenter(Policy.LINUX), List.of(afterOptions(data, 0, 16, true, 14), afterOptions(data, 16, 120, false, 14)), whole);
        assertEquals(1, whole.frames.size(), "the UDP header in the first fragment: " + whole.anomalies);
    }
}
