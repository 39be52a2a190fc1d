package io.spanwatch.sensor.reassembly;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Checks that each target-based policy yields the bytes its host keeps.
 *
 * <p>The overlap pattern is the classic one of Novak and Sturges, "Target-Based TCP Stream Reassembly"
 * (2007), in the form Suricata's unit tests use ({@code src/tests/stream-tcp-list.c}: OverlapBSD,
 * OverlapLINUX, ... and their Before, Same and After variants): nine segments A to I with holes between
 * them, then eight more, J to Q, that overlap them starting before, at and after them, ending before,
 * with and after them, or covering them exactly, all sent while byte 0 is missing, so every one of them
 * is still held when it arrives. The expected strings for bsd, vista, linux, old-linux, solaris and
 * last are Suricata's; those for the policies Suricata resolves alike (windows, macos, irix, hpux10,
 * bsd-right as bsd; hpux11 as solaris; first as vista) follow from {@code stream-tcp-list.c}'s cases,
 * and {@link #matchesSuricatasAlgorithmOnRandomOverlaps} derives all of them again from Suricata's
 * algorithm, written out independently of {@link OverlapPolicy#newWins}.
 */
class OverlapPolicyTest {
    private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

    /** One segment: Suricata's relative sequence number (1 is the stream's first byte) and its bytes. */
    record Step(int rseq, String data) {
    }

    static Step s(int rseq, String data) {
        return new Step(rseq, data);
    }

    /** Novak and Sturges' pattern: the originals, then the overlapping ones, then the missing first byte. */
    static final List<Step> CLASSIC = List.of(s(2, "AAA"), s(6, "BB"), s(8, "CCC"), s(12, "D"), s(15, "EE"), s(17, "FFF"),
            s(20, "GG"), s(22, "HH"), s(24, "I"), s(3, "JJJJ"), s(8, "KKK"), s(11, "LLL"), s(14, "MMM"), s(18, "N"),
            s(21, "O"), s(22, "P"), s(24, "QQ"), s(1, "0"));
    /** Segments that start before the ones they overlap. */
    static final List<Step> BEFORE = List.of(s(3, "B"), s(9, "D"), s(12, "EE"), s(2, "AA"), s(1, "JJJJ"), s(8, "LLL"),
            s(11, "MMM"));
    /** Segments that start where the ones they overlap start. */
    static final List<Step> SAME = List.of(s(1, "CCC"), s(15, "HH"), s(17, "II"), s(1, "KKK"), s(1, "LLLL"), s(15, "P"),
            s(15, "QQ"));
    /** Segments that start after the ones they overlap. */
    static final List<Step> AFTER = List.of(s(1, "AA"), s(16, "FFF"), s(19, "GG"), s(2, "JJ"), s(20, "O"), s(17, "N"));

    private static final String BSD_CLASSIC = "0AAAJJBCCCLLLMMMFFFGGHHIQ";
    private static final String VISTA_CLASSIC = "0AAAJBBCCCLDLMEEFFFGGHHIQ";
    private static final String SOLARIS_CLASSIC = "0AJJJBBKKKLLLMMMFFFGGHHQQ";
    private static final Map<OverlapPolicy, String> CLASSIC_RESULT = new EnumMap<>(Map.ofEntries(
            Map.entry(OverlapPolicy.BSD, BSD_CLASSIC),
            Map.entry(OverlapPolicy.BSD_RIGHT, BSD_CLASSIC),
            Map.entry(OverlapPolicy.WINDOWS, BSD_CLASSIC),
            Map.entry(OverlapPolicy.MACOS, BSD_CLASSIC),
            Map.entry(OverlapPolicy.IRIX, BSD_CLASSIC),
            Map.entry(OverlapPolicy.HPUX10, BSD_CLASSIC),
            Map.entry(OverlapPolicy.VISTA, VISTA_CLASSIC),
            Map.entry(OverlapPolicy.FIRST, VISTA_CLASSIC),
            Map.entry(OverlapPolicy.LINUX, "0AAAJJBCCCLLLMMMFFFGGHHQQ"),
            Map.entry(OverlapPolicy.OLD_LINUX, "0AAAJJBKKKLLLMMMFFFGGHHQQ"),
            Map.entry(OverlapPolicy.SOLARIS, SOLARIS_CLASSIC),
            Map.entry(OverlapPolicy.HPUX11, SOLARIS_CLASSIC),
            Map.entry(OverlapPolicy.LAST, "0AJJJJBKKKLLLMMMFNFGOPHQQ")));

    /** Results of the variants, shifted one byte (byte 0 comes last) and with "." for bytes never sent. */
    private static final String BSD_BEFORE = "0JJJJ...LLLMMM";
    private static final String SAME_OLD = "0CCCL..........HHII";
    private static final String SAME_LINUX = "0LLLL..........HHII";
    private static final String SAME_NEW = "0LLLL..........QQII";
    private static final String AFTER_OLD = "0AAJ............FFFGG";
    private static final String AFTER_SOLARIS = "0AJJ............FFFGG";

    static String[] variants(OverlapPolicy p) {
        return switch (p) {
            case BSD, BSD_RIGHT, WINDOWS, MACOS, IRIX, HPUX10 -> new String[] {BSD_BEFORE, SAME_OLD, AFTER_OLD};
            case VISTA, FIRST -> new String[] {"0JABJ...LDLMEE", SAME_OLD, AFTER_OLD};
            case LINUX -> new String[] {BSD_BEFORE, SAME_LINUX, AFTER_OLD};
            case OLD_LINUX -> new String[] {BSD_BEFORE, SAME_NEW, AFTER_OLD};
            case SOLARIS, HPUX11 -> new String[] {BSD_BEFORE, SAME_NEW, AFTER_SOLARIS};
            case LAST -> new String[] {BSD_BEFORE, SAME_NEW, "0AJJ............FNFGO"};
        };
    }

    /** Feeds steps to a stream of the policy (offset = rseq - 1 + shift), flushes it, returns what it delivered. */
    static String run(OverlapPolicy policy, long isn, List<Step> steps, int shift, TcpStreamTest.Recorder rec) {
        TcpStream st = new TcpStream(ReassemblyConfig.DEFAULTS, new ReassemblyStats(ReassemblyConfig.DEFAULT_MEMCAP), rec, policy);
        st.syn(isn);
        for (Step x : steps) {
            byte[] d = x.data().getBytes(StandardCharsets.US_ASCII);
            st.segment(0, (isn + x.rseq() + shift) & 0xFFFF_FFFFL, d, 0, d.length, false);
        }
        if (shift > 0) {
            st.segment(0, (isn + 1) & 0xFFFF_FFFFL, new byte[] {'0'}, 0, 1, false);
        }
        st.flush(0);
        return rec.bytes.toString(StandardCharsets.US_ASCII).replace('\0', '.');
    }

    @Test
    void everyPolicyYieldsItsHostsBytesForTheClassicPattern() {
        for (OverlapPolicy p : OverlapPolicy.values()) {
            for (long isn : new long[] {0, 1, 0xFFFF_FFFFL, 0xFFFF_FFFFL - 10}) { // with and without wrap-around
                TcpStreamTest.Recorder rec = new TcpStreamTest.Recorder();
                String out = run(p, isn, CLASSIC, 0, rec);
                assertEquals(CLASSIC_RESULT.get(p), out, p.text() + ", isn " + isn);
                assertEquals(0, rec.gapBytes, p.text());
                assertTrue(rec.anomalies.contains("stream.overlap_mismatch"), "differing overlaps are named under " + p.text());
            }
        }
    }

    @Test
    void nothingIsPassedOnWhileTheFirstByteIsMissing() {
        for (OverlapPolicy p : OverlapPolicy.values()) {
            TcpStreamTest.Recorder rec = new TcpStreamTest.Recorder();
            TcpStream st = new TcpStream(ReassemblyConfig.DEFAULTS, new ReassemblyStats(ReassemblyConfig.DEFAULT_MEMCAP), rec, p);
            st.syn(0);
            for (Step x : CLASSIC.subList(0, CLASSIC.size() - 1)) {
                byte[] d = x.data().getBytes(StandardCharsets.US_ASCII);
                st.segment(0, x.rseq(), d, 0, d.length, false);
            }
            assertEquals(0, rec.bytes.size(), p.text());
        }
    }

    @Test
    void beforeSameAndAfterVariantsYieldTheHostsBytes() {
        for (OverlapPolicy p : OverlapPolicy.values()) {
            String[] want = variants(p);
            List<List<Step>> scripts = List.of(BEFORE, SAME, AFTER);
            for (int i = 0; i < 3; i++) {
                assertEquals(want[i], run(p, 1000, scripts.get(i), 1, new TcpStreamTest.Recorder()),
                        p.text() + " " + List.of("before", "same", "after").get(i));
            }
        }
    }

    @Test
    void aSegmentCoveringSeveralHeldOnesReplacesThemWhereItStartsBefore() {
        // Suricata's StreamTcpReassembleTest32 (bsd).
        List<Step> steps = List.of(s(11, "AAAAAAAAAA"), s(21, "BBBBBBBBBB"), s(41, "CCCCCCCCCC"), s(6, "aaaaaaaaaaaaaaaaaaaa"),
                s(1, "x".repeat(50)));
        TcpStreamTest.Recorder rec = new TcpStreamTest.Recorder();
        assertEquals("x".repeat(50), run(OverlapPolicy.BSD, 0, steps, 0, rec));
        // Held back by one byte, the first four stay held until the end: 'a' replaces A (it starts
        // before), B keeps its tail, x replaces everything it starts before.
        List<Step> held = steps.subList(0, 4);
        assertEquals("0.....aaaaaaaaaaaaaaaaaaaaBBBBB..........CCCCCCCCCC", run(OverlapPolicy.BSD, 0, held, 1, new TcpStreamTest.Recorder()));
        assertEquals("0.....aaaaaAAAAAAAAAABBBBBBBBBB..........CCCCCCCCCC", run(OverlapPolicy.FIRST, 0, held, 1, new TcpStreamTest.Recorder()));
    }

    @Test
    void bytesPassedOnAreNeverReplacedUnderAnyPolicy() {
        for (OverlapPolicy p : OverlapPolicy.values()) {
            TcpStreamTest.Recorder rec = new TcpStreamTest.Recorder();
            TcpStream st = new TcpStream(ReassemblyConfig.DEFAULTS, new ReassemblyStats(ReassemblyConfig.DEFAULT_MEMCAP), rec, p);
            st.syn(0);
            byte[] real = "GET /real HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
            byte[] fake = "GET /fake HTTP/1.1\r\nX".getBytes(StandardCharsets.US_ASCII);
            st.segment(0, 1, real, 0, real.length, false);
            st.segment(0, 1, fake, 0, fake.length, false); // the host trims what it already took
            st.flush(0);
            assertEquals("GET /real HTTP/1.1\r\nX", rec.bytes.toString(StandardCharsets.US_ASCII), p.text());
        }
    }

    @Test
    void lastCopyWinsStaysWithinTheBoundsUnderAFloodOfOverlaps() {
        // An attacker re-sends overlapping pieces of a held range with new bytes, each at a new offset,
        // so every one splits what is held: the pieces are bounded and counted like any others.
        ReassemblyConfig cfg = new ReassemblyConfig(64 << 10, 64, 1 << 20, 1_000_000_000L);
        ReassemblyStats stats = new ReassemblyStats(cfg.memcap());
        TcpStreamTest.Recorder rec = new TcpStreamTest.Recorder();
        TcpStream st = new TcpStream(cfg, stats, rec, OverlapPolicy.LAST);
        st.syn(0);
        Random r = new Random(SEED);
        byte[] junk = new byte[2000];
        for (int i = 0; i < 20_000; i++) {
            r.nextBytes(junk);
            int at = 2 + r.nextInt(4000);
            st.segment(0, 1 + at, junk, 0, 1 + r.nextInt(1000), false); // byte 0 never comes
            assertTrue(st.heldSegments() <= 64, st.heldSegments() + " pieces held, seed " + SEED);
            assertTrue(st.heldBytes() <= 64 << 10);
            assertEquals(st.heldBytes() + (long) st.heldSegments() * TcpStream.SEGMENT_OVERHEAD, stats.memUsed(), "accounting");
        }
        assertTrue(stats.overlapsReplaced > 0);
        st.flush(0);
        assertEquals(0, stats.memUsed());
    }

    @Test
    void namesAreSuricatas() {
        assertEquals(OverlapPolicy.BSD, OverlapPolicy.DEFAULT, "Suricata's OS_POLICY_DEFAULT");
        for (OverlapPolicy p : OverlapPolicy.values()) {
            assertEquals(p, OverlapPolicy.of(p.text()));
            assertEquals(p, OverlapPolicy.of(" " + p.text().toUpperCase(java.util.Locale.ROOT) + " "));
        }
        assertEquals(OverlapPolicy.WINDOWS, OverlapPolicy.of("windows2k3"));
        assertEquals(OverlapPolicy.SOLARIS, OverlapPolicy.of("old-solaris"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OverlapPolicy.of("beos"));
        assertTrue(e.getMessage().contains("beos") && e.getMessage().contains("old-linux"), e.getMessage());
    }

    // ---- Suricata's algorithm, written out on its own ------------------------------------------

    /**
     * Suricata's {@code DoHandleDataOverlap} decision for a new segment against one list segment, case
     * by case as {@code stream-tcp-list.c} spells it (bsd-right was mapped to bsd before).
     */
    static boolean suricataUsesNewData(OverlapPolicy p, long ns, long ne, long ls, long le) {
        if (p == OverlapPolicy.LAST) {
            return true;
        }
        boolean use = false;
        if (ns == ls) {
            if (ne >= le) {
                use = (ne > le && p == OverlapPolicy.LINUX)
                        || p == OverlapPolicy.OLD_LINUX || p == OverlapPolicy.SOLARIS || p == OverlapPolicy.HPUX11;
            }
        } else if (ns < ls) {
            if (ne >= le && (p == OverlapPolicy.SOLARIS || p == OverlapPolicy.HPUX11)) {
                use = true;
            }
            switch (p) {
                case BSD, BSD_RIGHT, HPUX10, IRIX, WINDOWS, OLD_LINUX, LINUX, MACOS -> use = true;
                default -> { }
            }
        } else if (ne > le && (p == OverlapPolicy.SOLARIS || p == OverlapPolicy.HPUX11)) {
            use = true;
        }
        return use;
    }

    /**
     * Reassembles held segments as Suricata does: every segment stays in the list; a new one starts
     * from its own bytes, takes back the current bytes of each list segment it overlaps whose policy
     * says "old", and is written over the buffer; an exact duplicate is not listed again.
     */
    static byte[] suricata(OverlapPolicy p, List<long[]> extents, List<byte[]> datas, int size) {
        byte[] buffer = new byte[size];
        List<long[]> list = new ArrayList<>();
        for (int i = 0; i < extents.size(); i++) {
            long ns = extents.get(i)[0];
            long ne = extents.get(i)[1];
            byte[] buf = datas.get(i).clone();
            boolean dup = false;
            for (long[] l : list) {
                if (l[0] == ns && l[1] == ne) {
                    dup = true;
                }
                if (l[0] < ne && ns < l[1] && !suricataUsesNewData(p, ns, ne, l[0], l[1])) {
                    for (long k = Math.max(ns, l[0]); k < Math.min(ne, l[1]); k++) {
                        buf[(int) (k - ns)] = buffer[(int) k];
                    }
                }
            }
            System.arraycopy(buf, 0, buffer, (int) ns, buf.length);
            if (!dup) {
                list.add(new long[] {ns, ne});
            }
        }
        return buffer;
    }

    @Test
    void matchesSuricatasAlgorithmOnRandomOverlaps() {
        System.out.println("OverlapPolicyTest seed " + SEED + " (replay with -Dtests.seed=" + SEED + ")");
        Random r = new Random(SEED);
        for (int round = 0; round < 3000; round++) {
            OverlapPolicy p = OverlapPolicy.values()[round % OverlapPolicy.values().length];
            int size = 8 + r.nextInt(60);
            List<long[]> extents = new ArrayList<>();
            List<byte[]> datas = new ArrayList<>();
            int n = 1 + r.nextInt(14);
            for (int i = 0; i < n; i++) {
                int start = 1 + r.nextInt(size - 1);
                int end = Math.min(size, start + 1 + r.nextInt(r.nextBoolean() ? 4 : 16));
                byte[] d = new byte[end - start];
                java.util.Arrays.fill(d, (byte) ('A' + i));
                if (r.nextInt(4) == 0 && !extents.isEmpty()) { // an exact duplicate with other bytes
                    long[] e = extents.get(r.nextInt(extents.size()));
                    d = new byte[(int) (e[1] - e[0])];
                    java.util.Arrays.fill(d, (byte) ('a' + i));
                    extents.add(e);
                } else {
                    extents.add(new long[] {start, end});
                }
                datas.add(d);
            }
            byte[] want = suricata(p, extents, datas, size);
            want[0] = '0';
            TcpStreamTest.Recorder rec = new TcpStreamTest.Recorder();
            TcpStream st = new TcpStream(ReassemblyConfig.DEFAULTS, new ReassemblyStats(ReassemblyConfig.DEFAULT_MEMCAP), rec, p);
            st.syn(0);
            for (int i = 0; i < extents.size(); i++) {
                st.segment(0, 1 + extents.get(i)[0], datas.get(i), 0, datas.get(i).length, false);
            }
            st.segment(0, 1, new byte[] {'0'}, 0, 1, false);
            st.ack(0, 1 + size); // every byte acknowledged: what was never sent ends as a gap
            st.flush(0);
            assertArrayEquals(want, rec.bytes.toByteArray(), p.text() + " round " + round + " seed " + SEED);
        }
    }
}
