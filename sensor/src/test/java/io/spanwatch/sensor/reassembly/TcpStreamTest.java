package io.spanwatch.sensor.reassembly;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TcpStreamTest {
    /** Seed for the randomized tests: -Dtests.seed=N replays a run. */
    private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

    /** Records what a stream delivers; gaps appear as zero bytes so offsets stay comparable. */
    static final class Recorder implements StreamListener {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long gapBytes;
        int gaps;
        boolean fin;
        final List<String> anomalies = new ArrayList<>();

        @Override
        public void data(long ts, byte[] buf, int off, int len) {
            bytes.write(buf, off, len);
        }

        @Override
        public void gap(long ts, long len) {
            gaps++;
            gapBytes += len;
            bytes.write(new byte[(int) len], 0, (int) len);
        }

        @Override
        public void fin(long ts) {
            fin = true;
        }

        @Override
        public void anomaly(long ts, String name) {
            anomalies.add(name);
        }
    }

    record Seg(long seq, int off, int len) {
    }

    private static byte[] content(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static List<Seg> cut(Random r, long isn, int n, int maxSeg) {
        List<Seg> segs = new ArrayList<>();
        for (int off = 0; off < n; ) {
            int len = Math.min(n - off, 1 + r.nextInt(maxSeg));
            segs.add(new Seg(isn + 1 + off, off, len));
            off += len;
        }
        return segs;
    }

    private static TcpStream stream(Recorder rec) {
        return new TcpStream(ReassemblyConfig.DEFAULTS, new ReassemblyStats(ReassemblyConfig.DEFAULT_MEMCAP), rec);
    }

    /**
     * RFC 5961 §3, as current Linux, Windows, BSD and macOS apply it: a RST resets only at the next byte
     * expected (after the FIN, the byte after it or, Linux, the FIN's own), or at the right edge of what
     * is held out of order; one elsewhere in the window, which the host answers with a challenge ACK,
     * is not taken. old-linux and solaris take the window, hpux11 anything from the next byte on.
     */
    @Test
    void aResetCountsOnlyWhereTheReceiversPolicyTakesIt() {
        byte[] data = new byte[4_000];
        for (OverlapPolicy p : OverlapPolicy.values()) {
            TcpStream s = new TcpStream(ReassemblyConfig.DEFAULTS, new ReassemblyStats(ReassemblyConfig.DEFAULT_MEMCAP), new Recorder(), p);
            s.syn(1000);
            s.segment(0, 1001, data, 0, 1_000, false);
            boolean window = p == OverlapPolicy.OLD_LINUX || p == OverlapPolicy.SOLARIS || p == OverlapPolicy.HPUX11;
            assertTrue(s.acceptsReset(2001), p + ": the next byte");
            assertEquals(window, s.acceptsReset(2001 + 500), p + ": in the window, past the next byte");
            assertFalse(s.acceptsReset(2001 - 1), p + ": before the next byte");
            assertFalse(s.acceptsReset(2001 + (64 << 20)), p + ": far past it");
            s.segment(0, 3001, data, 0, 1_000, false); // held out of order: [3001, 4001)
            assertTrue(s.acceptsReset(4001), p + ": the right edge of the bytes held");
            assertEquals(window, s.acceptsReset(3500), p + ": inside the bytes held");
        }
        TcpStream s = stream(new Recorder());
        s.syn(1000);
        s.segment(0, 1001, data, 0, 1_000, true); // data then FIN: the FIN is byte 2001
        assertTrue(s.acceptsReset(2002), "the byte after the FIN");
        assertTrue(s.acceptsReset(2001), "the FIN's own number");
        assertFalse(s.acceptsReset(2003));
        assertFalse(stream(new Recorder()).acceptsReset(1000), "a stream not started takes none");
    }

    @Test
    void inOrderIsPassedThrough() {
        Random r = new Random(SEED);
        byte[] data = content(r, 10_000);
        Recorder rec = new Recorder();
        TcpStream s = stream(rec);
        s.syn(1000);
        for (Seg g : cut(r, 1000, data.length, 1460)) {
            s.segment(0, g.seq(), data, g.off(), g.len(), false);
        }
        s.segment(0, 1001 + data.length, data, 0, 0, true);
        assertArrayEquals(data, rec.bytes.toByteArray());
        assertTrue(rec.fin);
    }

    @Test
    void reorderedDuplicatedAndOverlappingSegmentsGiveTheSameBytes() {
        System.out.println("TcpStreamTest seed " + SEED + " (replay with -Dtests.seed=" + SEED + ")");
        Random r = new Random(SEED);
        for (int round = 0; round < 200; round++) {
            byte[] data = content(r, 1 + r.nextInt(50_000));
            long isn = r.nextLong() & 0xFFFF_FFFFL; // includes wrap-around of the sequence space
            List<Seg> segs = new ArrayList<>(cut(r, isn, data.length, 1 + r.nextInt(3000)));
            int extra = r.nextInt(segs.size() + 1);
            for (int i = 0; i < extra; i++) {
                // overlapping retransmissions with the same bytes
                int a = r.nextInt(data.length);
                int len = 1 + r.nextInt(Math.min(4000, data.length - a));
                segs.add(new Seg(isn + 1 + a, a, len));
            }
            // local shuffles within a window, as a mirror port reorders
            for (int i = 0; i < segs.size(); i++) {
                int j = Math.min(segs.size() - 1, i + r.nextInt(8));
                Collections.swap(segs, i, j);
            }
            Recorder rec = new Recorder();
            TcpStream s = stream(rec);
            s.syn(isn);
            for (Seg g : segs) {
                s.segment(0, g.seq() & 0xFFFF_FFFFL, data, g.off(), g.len(), false);
            }
            s.flush(0);
            assertEquals(0, rec.gapBytes, "seed " + SEED + " round " + round);
            assertArrayEquals(data, rec.bytes.toByteArray(), "seed " + SEED + " round " + round);
            assertTrue(rec.anomalies.isEmpty());
        }
    }

    @Test
    void droppedSegmentsBecomeGapsOfTheirLength() {
        Random r = new Random(SEED ^ 0x5DEECE66DL);
        for (int round = 0; round < 100; round++) {
            byte[] data = content(r, 1000 + r.nextInt(50_000));
            long isn = r.nextLong() & 0xFFFF_FFFFL;
            List<Seg> segs = cut(r, isn, data.length, 1460);
            byte[] expected = data.clone();
            List<Seg> kept = new ArrayList<>();
            for (Seg g : segs) {
                if (r.nextInt(10) == 0) {
                    java.util.Arrays.fill(expected, g.off(), g.off() + g.len(), (byte) 0);
                } else {
                    kept.add(g);
                }
            }
            Recorder rec = new Recorder();
            TcpStream s = stream(rec);
            s.syn(isn);
            for (Seg g : kept) {
                s.segment(0, g.seq() & 0xFFFF_FFFFL, data, g.off(), g.len(), false);
            }
            // the receiver acknowledged everything: lost bytes at the end are gaps too
            s.ack(0, (isn + 1 + data.length) & 0xFFFF_FFFFL);
            s.flush(0);
            assertArrayEquals(expected, rec.bytes.toByteArray(), "seed " + SEED + " round " + round);
        }
    }

    @Test
    void ackedHoleIsGivenUpAfterTheDelay() {
        byte[] data = "0123456789ABCDEFGHIJ".getBytes();
        Recorder rec = new Recorder();
        TcpStream s = stream(rec);
        s.syn(99);
        s.segment(0, 100, data, 0, 5, false);
        s.segment(1, 110, data, 10, 10, false); // 5..9 lost
        s.ack(2, 120);
        assertEquals(5, rec.bytes.size(), "waits for the hole to fill");
        s.ack(2_000_000_000L, 120);
        assertEquals(5, rec.gapBytes);
        assertEquals(20, rec.bytes.size());
    }

    @Test
    void overlapWithDifferentBytesIsAnAnomalyAndFirstCopyWins() {
        byte[] first = "AAAAABBBBB".getBytes();
        byte[] second = "XXXXXCCCCC".getBytes();
        Recorder rec = new Recorder();
        TcpStream s = stream(rec);
        s.syn(0);
        s.segment(0, 6, first, 5, 5, false);     // BBBBB at offset 5, held
        s.segment(0, 6, second, 5, 5, false);    // CCCCC at the same offset: mismatch
        s.segment(0, 1, first, 0, 5, false);     // fills the hole
        assertEquals("AAAAABBBBB", rec.bytes.toString());
        assertEquals(List.of("stream.overlap_mismatch"), rec.anomalies);
    }

    @Test
    void perStreamBoundGivesUpTheHoleAndKeepsMemoryBounded() {
        ReassemblyConfig cfg = new ReassemblyConfig(10_000, 100, 1 << 20, 1_000_000_000L);
        ReassemblyStats stats = new ReassemblyStats(cfg.memcap());
        Recorder rec = new Recorder();
        TcpStream s = new TcpStream(cfg, stats, rec);
        s.syn(0);
        byte[] chunk = new byte[1000];
        for (int i = 1; i <= 100; i++) {
            s.segment(0, 1 + (long) i * 1000, chunk, 0, chunk.length, false); // byte 0..999 never arrives
            // memUsed counts each held segment's bookkeeping too: at most 10 segments of 1000 bytes fit
            assertTrue(stats.memUsed() <= 10 * (1000 + TcpStream.SEGMENT_OVERHEAD), "memUsed " + stats.memUsed());
        }
        assertTrue(s.limitHit());
        assertEquals(1000, rec.gapBytes);
        assertTrue(stats.streamLimitHits > 0);
    }

    @Test
    void aFloodOfTinySegmentsIsBoundedWithItsBookkeepingAndNamed() {
        // 1-byte segments cost far more heap than their payload: the memcap must count that cost.
        long memcap = 2500L * (1 + TcpStream.SEGMENT_OVERHEAD); // room for 2,500 one-byte segments: one stream's 2,048 fit
        ReassemblyConfig cfg = new ReassemblyConfig(4 << 20, 2048, memcap, 1_000_000_000L);
        ReassemblyStats stats = new ReassemblyStats(memcap);
        byte[] one = {'x'};
        List<Recorder> recs = new ArrayList<>();
        for (int st = 0; st < 50; st++) {
            Recorder rec = new Recorder();
            recs.add(rec);
            TcpStream s = new TcpStream(cfg, stats, rec);
            s.syn(0);
            for (int i = 0; i < 3000; i++) {
                s.segment(0, 3 + 2L * i, one, 0, 1, false); // byte 1, 3, 5, ... never arrive
                assertTrue(stats.memUsed() <= memcap, "memUsed " + stats.memUsed());
            }
        }
        assertTrue(stats.memcapHits > 0);
        assertTrue(stats.streamLimitHits > 0, "a stream that holds 2048 segments meets its own bound first");
        long named = recs.stream().filter(r -> r.anomalies.contains("stream.reassembly_memcap")).count();
        assertTrue(named > 0);
        for (Recorder r : recs) {
            assertTrue(r.anomalies.stream().filter(a -> a.equals("stream.reassembly_memcap")).count() <= 1, "named once per stream");
            assertTrue(r.anomalies.stream().filter(a -> a.equals("stream.reassembly_ooo_limit")).count() <= 1, "named once per stream");
        }
        assertTrue(recs.get(0).anomalies.contains("stream.reassembly_ooo_limit"), recs.get(0).anomalies.toString());
    }

    @Test
    void aStreamShortOfRoomTakesItFromTheOneThatWaitedLongest() {
        // A flood of holes that never fill has used up the memcap; a reordering on another stream
        // must still heal without a gap: room is taken from the stream that waited longest.
        long memcap = 50_000;
        ReassemblyConfig cfg = new ReassemblyConfig(4 << 20, 2048, memcap, 1_000_000_000L);
        ReassemblyStats stats = new ReassemblyStats(memcap);
        Recorder flood = new Recorder();
        TcpStream a = new TcpStream(cfg, stats, flood);
        a.syn(0);
        byte[] seg = new byte[100];
        for (int i = 0; i < 1000; i++) {
            a.segment(0, 3 + 101L * i, seg, 0, 100, false); // a hole before every segment
        }
        assertTrue(stats.memUsed() > memcap - 200, "the flood holds (nearly) all of the memcap");
        Recorder clean = new Recorder();
        TcpStream b = new TcpStream(cfg, stats, clean);
        b.syn(1000);
        byte[] data = new byte[3000];
        new Random(5).nextBytes(data);
        b.segment(1, 1001 + 1500, data, 1500, 1500, false); // second half first
        b.segment(2, 1001, data, 0, 1500, false);
        assertArrayEquals(data, clean.bytes.toByteArray(), "reordering healed");
        assertEquals(0, clean.gaps);
        assertTrue(clean.anomalies.isEmpty(), clean.anomalies.toString());
        assertTrue(a.limitHit() && !b.limitHit());
        assertTrue(flood.anomalies.contains("stream.reassembly_memcap"), flood.anomalies.toString());
        assertTrue(stats.memcapEvictions > 0);
        assertTrue(stats.memUsed() <= memcap);
    }

    @Test
    void bytesCutBySnaplenAreAGapAtOnce() {
        Recorder rec = new Recorder();
        TcpStream s = stream(rec);
        s.syn(0);
        byte[] d = "abcdefghij".getBytes();
        s.segment(0, 1, d, 0, 4, false, 6); // 10 bytes sent, 4 captured
        assertEquals(6, rec.gapBytes);
        s.segment(0, 11, d, 0, 10, false);
        assertEquals("abcd\0\0\0\0\0\0abcdefghij", rec.bytes.toString());
    }

    @Test
    void midStreamPickUpStartsAtFirstSegment() {
        Recorder rec = new Recorder();
        TcpStream s = stream(rec);
        byte[] d = "hello world".getBytes();
        s.segment(0, 5000, d, 0, 5, false);
        s.segment(0, 5005, d, 5, 6, true);
        assertEquals("hello world", rec.bytes.toString());
        assertTrue(rec.fin);
    }

    @Test
    void nothingFollowsTheFinAndAFinBeforeDeliveredBytesIsIgnored() {
        // Regressions (TcpStreamFuzzTest): bytes past a FIN were delivered after fin(), and a stale FIN
        // behind what was delivered ended the stream at once.
        Recorder rec = new Recorder();
        TcpStream s = stream(rec);
        s.syn(0);
        byte[] d = "hello world".getBytes();
        s.segment(0, 1, d, 0, 11, false);
        s.segment(0, 1, d, 0, 5, true);          // a FIN after "hello", behind what was delivered
        assertFalse(rec.fin);
        s.segment(0, 12, d, 0, 5, true);         // "hello" again and the real FIN, at 16 bytes
        assertTrue(rec.fin);
        s.segment(0, 17, d, 5, 6, false);        // past the FIN
        assertEquals("hello worldhello", rec.bytes.toString());
        assertEquals(List.of("stream.fin_out_of_window", "stream.data_after_fin"), rec.anomalies);
    }

    @Test
    void aSegmentSpanningHeldOnesStaysWithinTheSegmentBound() {
        // Regression (TcpStreamFuzzTest): it was held as one piece per hole but counted as one segment.
        ReassemblyConfig cfg = new ReassemblyConfig(1 << 20, 3, 1 << 20, 1_000_000_000L);
        ReassemblyStats stats = new ReassemblyStats(cfg.memcap());
        Recorder rec = new Recorder();
        TcpStream s = new TcpStream(cfg, stats, rec);
        s.syn(0);
        byte[] d = "abcdefghijklmnopqrstuvwxyz".getBytes();
        s.segment(0, 11, d, 10, 2, false);       // held: 10..12
        s.segment(0, 21, d, 20, 2, false);       // held: 20..22
        s.segment(0, 6, d, 5, 20, false);        // 5..25 would be held as 5..10, 12..20, 22..25
        assertTrue(s.heldSegments() <= 3, s.heldSegments() + " segments held");
        s.flush(0);
        // Only the hole before the segment (bytes 0..4) is given up: the segment's own bytes 5..9 are not.
        assertEquals("\0".repeat(5) + "fghijklmnopqrstuvwxy", rec.bytes.toString());
        assertTrue(stats.streamLimitHits > 0);
    }

    @Test
    void aFinWaitingOutOfOrderIsReplacedByASegmentThatCoversItAndRunsOn() {
        // An attacker's FIN ahead of a hole, then the real data from the same place on: the receiver's
        // out-of-order queue keeps the data and forgets the FIN (Linux and BSD alike), so the stream
        // does not end there.
        Random r = new Random(5);
        byte[] data = content(r, 5000);
        Recorder rec = new Recorder();
        TcpStream s = stream(rec);
        long isn = 1000;
        s.syn(isn);
        s.segment(1, isn + 1, data, 0, 1000, false);
        s.segment(2, isn + 1 + 3000, new byte[0], 0, 0, true); // FIN where bytes 3000.. start
        s.segment(3, isn + 1 + 3000, data, 3000, 1000, false); // covers it and runs on
        s.segment(4, isn + 1 + 1000, data, 1000, 2000, false);
        s.segment(5, isn + 1 + 4000, data, 4000, 1000, false);
        assertFalse(rec.fin, "the replaced FIN is not delivered");
        assertArrayEquals(data, rec.bytes.toByteArray());
        assertTrue(rec.anomalies.contains("stream.fin_replaced"), rec.anomalies.toString());
        assertFalse(rec.anomalies.contains("stream.data_after_fin"), rec.anomalies.toString());
        s.segment(6, isn + 1 + 5000, new byte[0], 0, 0, true);
        assertTrue(rec.fin);

        // a retransmission of the FIN's own segment that ends where it ends changes nothing
        Recorder same = new Recorder();
        TcpStream t = stream(same);
        t.syn(isn);
        t.segment(1, isn + 1, data, 0, 1000, false);
        t.segment(2, isn + 1 + 3000, data, 3000, 2000, true);
        t.segment(3, isn + 1 + 2500, data, 2500, 2500, true);
        t.segment(4, isn + 1 + 1000, data, 1000, 2000, false);
        assertTrue(same.fin);
        assertArrayEquals(data, same.bytes.toByteArray());
        assertFalse(same.anomalies.contains("stream.fin_replaced"), same.anomalies.toString());

        // a FIN that came in order was taken by the host at once: later data does not replace it
        Recorder inOrder = new Recorder();
        TcpStream u = stream(inOrder);
        u.syn(isn);
        u.segment(1, isn + 1, data, 0, 1000, false);
        u.segment(2, isn + 1 + 2000, data, 2000, 1000, false); // held out of order
        u.segment(3, isn + 1 + 1000, new byte[0], 0, 0, true); // FIN at the next byte expected
        u.segment(4, isn + 1 + 1000, data, 1000, 1000, false);
        assertFalse(inOrder.anomalies.contains("stream.fin_replaced"), inOrder.anomalies.toString());
    }
}
