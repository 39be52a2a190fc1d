package io.spanwatch.sensor.reassembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Checks that a stream drops what its receiving host drops, PAWS (RFC 7323 §5) and the window check,
 * so that a decoy the host discards cannot stand in for the bytes it takes, and that a stale view of
 * the receiver never costs legitimate bytes.
 */
class ReceiverChecksTest {
    private static final long SEC = 1_000_000_000L;
    private static final long MS = 1_000_000L;

    /** A stream and the recorder of what it delivers; segments go through PAWS as the connection tracker sends them. */
    static final class Dir {
        final TcpStreamTest.Recorder rec = new TcpStreamTest.Recorder();
        final ReassemblyStats stats;
        final TcpStream st;

        Dir(OverlapPolicy p, ReassemblyConfig cfg, boolean timestamps) {
            stats = new ReassemblyStats(cfg.memcap());
            st = new TcpStream(cfg, stats, rec, p);
            st.syn(0);
            if (timestamps) {
                st.useTimestamps();
            }
        }

        Dir(boolean timestamps) {
            this(OverlapPolicy.DEFAULT, ReassemblyConfig.DEFAULTS, timestamps);
        }

        /** Sends bytes at stream offset {@code at} with timestamp {@code tsval} (negative: none). */
        void send(long ts, int at, String data, long tsval) {
            byte[] d = data.getBytes(StandardCharsets.US_ASCII);
            if (tsval < 0 || st.timestamp(ts, 1 + at, d.length, tsval)) {
                st.segment(ts, 1 + at, d, 0, d.length, false);
            } else {
                st.discarded(ts, 1 + at, d, 0, d.length);
            }
        }

        String out() {
            return rec.bytes.toString(StandardCharsets.US_ASCII).replace('\0', '.');
        }
    }

    @Test
    void aDecoyWithAnOldTimestampIsDiscardedAndTheRealBytesTaken() {
        Dir d = new Dir(true);
        d.send(0, 0, "GET /index.html HTTP/1.1\r\n", 1000);
        d.send(1, 26, "X-Evil: 1\r\n\r\n", 900);      // decoy: older than the last timestamp taken
        d.send(2, 26, "Host: a.example\r\n\r\n", 1001); // the bytes the host takes
        d.st.flush(3);
        assertEquals("GET /index.html HTTP/1.1\r\nHost: a.example\r\n\r\n", d.out());
        assertEquals(1, d.stats.pawsRejected);
        assertEquals(List.of("stream.pkt_invalid_timestamp"), d.rec.anomalies);
    }

    @Test
    void onlySegmentsFromTheReceiversLastAcknowledgementMoveTheTimestamp() {
        // RFC 7323 §4.3 and Linux (seq <= rcv_wup): a segment sent right behind another, before the
        // receiver acknowledged anything more, does not set TS.Recent. Taking its high timestamp made
        // the next real segment look old while the host took it, and the decoy after it win (an
        // evasion review).
        Dir d = new Dir(OverlapPolicy.LINUX, ReassemblyConfig.DEFAULTS, true);
        d.st.ack(0, 1, 1 << 30); // the handshake: offset 0 acknowledged
        d.send(1, 0, "aaaa", 100);
        d.send(2, 4, "bbbb", 200);
        d.send(3, 8, "cccc", 150); // the host's TS.Recent is still 100: taken
        d.send(4, 8, "EVIL", 250); // a duplicate to the host
        d.st.flush(5);
        assertEquals("aaaabbbbcccc", d.out());
        assertEquals(0, d.stats.pawsRejected);

        Dir acked = new Dir(OverlapPolicy.LINUX, ReassemblyConfig.DEFAULTS, true);
        acked.st.ack(0, 1, 1 << 30);
        acked.send(1, 0, "aaaa", 100);
        acked.st.ack(1, 1 + 4, 1 << 30); // acknowledged up to where bbbb starts: its timestamp counts
        acked.send(2, 4, "bbbb", 200);
        acked.send(3, 8, "EVIL", 150);
        acked.send(4, 8, "cccc", 201);
        acked.st.flush(5);
        assertEquals("aaaabbbbcccc", acked.out());
        assertEquals(1, acked.stats.pawsRejected);
    }

    @Test
    void aTimestampOfZeroRejectsNothing() {
        // Linux (tcp_paws_check) and the BSDs skip PAWS while TS.Recent is 0: a stack that starts its
        // timestamps at 0 has its next segments taken whatever their value.
        Dir d = new Dir(OverlapPolicy.LINUX, ReassemblyConfig.DEFAULTS, true);
        d.send(0, 0, "aaaa", 0);
        d.send(1, 4, "bbbb", 0xF000_0000L); // "older" than 0 in the timestamps' 32-bit space
        d.send(2, 4, "EVIL", 0xF000_0001L);
        d.st.flush(3);
        assertEquals("aaaabbbb", d.out());
        assertEquals(0, d.stats.pawsRejected);
    }

    @Test
    void withoutNegotiatedTimestampsNothingIsRejected() {
        Dir d = new Dir(false); // the host ignores timestamps too, so it takes the first copy
        d.send(0, 0, "abc", 1000);
        d.send(1, 3, "DEF", 900);
        d.send(2, 3, "def", 1001);
        d.st.flush(3);
        assertEquals("abcDEF", d.out());
        assertEquals(0, d.stats.pawsRejected);
    }

    @Test
    void aDecoyAheadOfAHoleWithAnOldTimestampIsDiscardedToo() {
        Dir d = new Dir(true);
        d.send(0, 0, "aaaa", 5000);
        d.send(1, 8, "EVIL", 4000);  // out of order and stale
        d.send(2, 8, "cccc", 5002);  // out of order, fresh
        d.send(3, 4, "bbbb", 5003);  // fills the hole
        d.st.flush(4);
        assertEquals("aaaabbbbcccc", d.out());
        assertEquals(1, d.stats.pawsRejected);
    }

    @Test
    void outOfOrderSegmentsDoNotMoveTheTimestampAndInOrderOnesDo() {
        // RFC 7323 §4.3: only a segment at or before the left edge of the window updates TS.Recent, so a
        // segment far ahead with a high timestamp cannot make the real ones look old.
        Dir d = new Dir(true);
        d.send(0, 0, "aaaa", 100);
        d.send(1, 100, "zzzz", 900_000); // far ahead
        d.send(2, 4, "bbbb", 101);
        assertEquals("aaaabbbb", d.out());
        d.send(3, 8, "XXXX", 100);       // behind the in-order 101
        d.send(4, 8, "cccc", 102);
        assertEquals("aaaabbbbcccc", d.out());
    }

    @Test
    void theReceiversEchoDoesNotRaiseTheTimestampSoSegmentsSeenOutOfOrderStay() {
        // The capture point saw 102 before 101; the receiver took them in order and echoed 102 before
        // the sensor saw 101 (several queues between the wire and the capture).
        Dir d = new Dir(true);
        d.send(0, 0, "aaaa", 100);
        d.send(1, 8, "cccc", 102);
        d.st.echo(2, 102);
        d.send(3, 4, "bbbb", 101);
        assertEquals("aaaabbbbcccc", d.out());
        assertEquals(0, d.stats.pawsRejected);
    }

    @Test
    void aTimestampFromTheFarFutureIsUndoneWhenTheReceiverTakesWhatItMadeLookOld() {
        // A forged retransmission with a far-future timestamp makes every real segment look old. The
        // receiver takes them all the same: its acknowledgement gets their bytes used, and its echo
        // brings the check back to what it took.
        Dir d = new Dir(true);
        d.send(0, 0, "aaaa", 100);
        d.send(1, 4, "b", 2_000_000_000L);
        d.send(2, 4, "bbbb", 101);   // bytes 5..7 discarded: they look old now
        d.st.echo(3, 101);
        d.st.ack(3, 1 + 8);
        d.st.ack(3 + ReassemblyConfig.DEFAULTS.gapAckDelayNanos(), 1 + 8);
        assertEquals("aaaabbbb", d.out());
        d.send(SEC + 4, 8, "cccc", 102);
        assertEquals("aaaabbbbcccc", d.out());
        assertEquals(1, d.stats.pawsRejected);
        assertEquals(3, d.stats.discardedBytesUsed);
    }

    @Test
    void aTimestampTheReceiverNeverTookRejectsNothingOnceItAcknowledgesPastIt() {
        // The sensor took 5000 from an in-order segment (the host saw the segments in another order, or
        // the segment was forged). Once the receiver acknowledges that segment, its echo (101) is its
        // own TS.Recent: segments sent after are taken at once, not only after the gap delay.
        Dir d = new Dir(true);
        d.send(0, 0, "aaaa", 100);
        d.send(1, 4, "bbbb", 5000);
        d.st.echo(2, 101);               // no acknowledgement came with it (or one the stream could not place)
        d.st.ack(2, 1 + 4);
        d.st.echo(2, 101);              // acknowledges only up to 4: not the segment 5000 came from
        d.send(3, 8, "XXXX", 102);       // still looks old
        assertEquals(0, d.stats.pawsEchoLowered);
        assertEquals(1, d.stats.pawsRejected);
        d.st.ack(4, 1 + 8);
        d.st.echo(4, 101);
        assertEquals(1, d.stats.pawsEchoLowered);
        d.send(5, 8, "cccc", 102);
        d.send(6, 12, "EVIL", 50);      // older than what the receiver took: still discarded
        d.send(7, 12, "dddd", 103);
        assertEquals("aaaabbbbccccdddd", d.out());
        assertEquals(2, d.stats.pawsRejected);
        assertEquals(0, d.rec.gapBytes);
    }

    @Test
    void discardedBytesTheStreamWaitsForTakeRoomAtTheMemcap() {
        // A flood of holes keeps the memcap reached. Segments from the stream's next byte on that a stale
        // view of the receiver discarded still get kept aside, taking room from the streams that have
        // waited longest, so that the receiver's acknowledgement can bring them in.
        ReassemblyConfig cfg = new ReassemblyConfig(1 << 20, 100, 3 * (100 + TcpStream.SEGMENT_OVERHEAD), SEC);
        ReassemblyStats stats = new ReassemblyStats(cfg.memcap());
        byte[] x = new byte[100];
        for (int i = 0; i < 3; i++) { // three streams, each with one hole that never fills
            TcpStream flood = new TcpStream(cfg, stats, new TcpStreamTest.Recorder(), OverlapPolicy.DEFAULT);
            flood.syn(0);
            flood.segment(0, 1 + 10, x, 0, x.length, false);
        }
        assertEquals(cfg.memcap(), stats.memUsed(), "the flood holds all the memcap allows");

        TcpStreamTest.Recorder rec = new TcpStreamTest.Recorder();
        TcpStream st = new TcpStream(cfg, stats, rec, OverlapPolicy.DEFAULT);
        st.syn(0);
        st.useTimestamps();
        byte[] a = "aaaa".getBytes(StandardCharsets.US_ASCII);
        assertTrue(st.timestamp(1, 1, 4, 200));
        st.segment(1, 1, a, 0, 4, false);
        // Three segments look old to the sensor; the receiver took them.
        String[] run = {"bbbb", "cccc", "dddd"};
        for (int i = 0; i < run.length; i++) {
            assertFalse(st.timestamp(2, 1 + 4 + 4 * i, 4, 100 + i));
            st.discarded(2, 1 + 4 + 4 * i, run[i].getBytes(StandardCharsets.US_ASCII), 0, 4);
        }
        assertEquals(0, stats.discardedNotKept);
        assertEquals(2, stats.memcapEvictions, "the two flood streams that waited longest gave up their holes");
        assertTrue(stats.memUsed() + 4 + TcpStream.SEGMENT_OVERHEAD > cfg.memcap(), "the memcap is reached again");
        assertFalse(st.timestamp(3, 1 + 20, 4, 50));
        st.discarded(3, 1 + 20, "EVIL".getBytes(StandardCharsets.US_ASCII), 0, 4); // not where the stream goes on: not kept
        assertEquals(1, stats.discardedNotKept);
        st.ack(4, 1 + 16);
        st.ack(4 + SEC, 1 + 16);
        assertEquals("aaaabbbbccccdddd", rec.bytes.toString(StandardCharsets.US_ASCII));
        assertEquals(0, rec.gapBytes);
        assertEquals(12, stats.discardedBytesUsed);
    }

    /** Three streams of a flood, each holding one 4-byte piece behind a hole: exactly the memcap. */
    private static TcpStream[] floodAtTheMemcap(ReassemblyConfig cfg, ReassemblyStats stats) {
        TcpStream[] flood = new TcpStream[3];
        for (int i = 0; i < flood.length; i++) {
            flood[i] = new TcpStream(cfg, stats, new TcpStreamTest.Recorder(), OverlapPolicy.DEFAULT);
            flood[i].syn(0);
            flood[i].segment(0, 1 + 10, new byte[4], 0, 4, false);
        }
        assertEquals(cfg.memcap(), stats.memUsed(), "the flood holds all the memcap allows");
        return flood;
    }

    private static void seg(TcpStream st, long ts, int at, String data, long tsval) {
        byte[] d = data.getBytes(StandardCharsets.US_ASCII);
        if (st.timestamp(ts, 1 + at, d.length, tsval)) {
            st.segment(ts, 1 + at, d, 0, d.length, false);
        } else {
            st.discarded(ts, 1 + at, d, 0, d.length);
        }
    }

    /** A stream that took "aaaa" and then saw {@code stale} with a timestamp that looks old to the sensor. */
    private static TcpStream afterAStaleSegment(ReassemblyConfig cfg, ReassemblyStats stats, TcpStreamTest.Recorder rec, String stale) {
        TcpStream st = new TcpStream(cfg, stats, rec, OverlapPolicy.DEFAULT);
        st.syn(0);
        st.useTimestamps();
        seg(st, 1, 0, "aaaa", 200);
        seg(st, 2, 4, stale, 100);
        return st;
    }

    @Test
    void discardedBytesTheStreamWaitsForOutlastItsOwnReorderingAtTheMemcap() {
        // A 4 MiB download under a flood of holes (AttackIT's ooo-flood, on CI): the capture showed one
        // segment after a later one, so PAWS discarded it and it was kept aside; the download's next
        // out-of-order segment then found the memcap reached and dropped the kept-aside bytes first,
        // and the receiver's acknowledgement could only make them a gap of 15,344 bytes.
        ReassemblyConfig cfg = new ReassemblyConfig(1 << 20, 100, 3 * (4 + TcpStream.SEGMENT_OVERHEAD), SEC);
        ReassemblyStats stats = new ReassemblyStats(cfg.memcap());
        floodAtTheMemcap(cfg, stats);
        TcpStreamTest.Recorder rec = new TcpStreamTest.Recorder();
        TcpStream st = afterAStaleSegment(cfg, stats, rec, "bbbb"); // kept aside, room from the flood
        assertEquals(1, stats.pawsRejected);
        seg(st, 3, 12, "dddd", 202); // out of order, at the memcap
        seg(st, 4, 8, "cccc", 201);
        st.ack(5, 1 + 16);
        st.ack(5 + SEC, 1 + 16);
        assertEquals("aaaabbbbccccdddd", rec.bytes.toString(StandardCharsets.US_ASCII));
        assertEquals(0, rec.gapBytes);
        assertEquals(0, stats.discardedNotKept);
        assertEquals(4, stats.discardedBytesUsed);
        assertTrue(stats.memUsed() <= cfg.memcap());
    }

    @Test
    void acknowledgedDiscardedBytesAreDeliveredWhenTheirStreamIsEvicted() {
        // The stream holds nothing but the kept-aside bytes the receiver acknowledged; the flood goes on
        // until it is the stream that has waited longest. Evicted, it delivers what the host took.
        ReassemblyConfig cfg = new ReassemblyConfig(1 << 20, 100, 3 * (4 + TcpStream.SEGMENT_OVERHEAD), SEC);
        ReassemblyStats stats = new ReassemblyStats(cfg.memcap());
        TcpStream[] flood = floodAtTheMemcap(cfg, stats);
        TcpStreamTest.Recorder rec = new TcpStreamTest.Recorder();
        TcpStream st = afterAStaleSegment(cfg, stats, rec, "bbbb");
        st.ack(3, 1 + 8); // the receiver took them; the sensor waits a second for another copy
        for (int i = 0; i < flood.length; i++) {
            flood[i].segment(3 + SEC, 1 + 20, new byte[4], 0, 4, false); // none came: the stream is evicted
        }
        assertTrue(stats.memcapEvictions >= 3);
        assertEquals("aaaabbbb", rec.bytes.toString(StandardCharsets.US_ASCII));
        assertEquals(0, rec.gapBytes);
        assertEquals(4, stats.discardedBytesUsed);
        assertTrue(stats.memUsed() <= cfg.memcap());
    }

    @Test
    void anEvictionBeforeTheAcknowledgementHasStoodDoesNotLetADecoyIn() {
        // The capture shows the receiver's ACK before the accepted copy; a flood forces an eviction in
        // between. The decoy the host discarded must not stand in for the real bytes (review).
        ReassemblyConfig cfg = new ReassemblyConfig(1 << 20, 100, 3 * (4 + TcpStream.SEGMENT_OVERHEAD), SEC);
        ReassemblyStats stats = new ReassemblyStats(cfg.memcap());
        TcpStream[] flood = floodAtTheMemcap(cfg, stats);
        TcpStreamTest.Recorder rec = new TcpStreamTest.Recorder();
        TcpStream st = afterAStaleSegment(cfg, stats, rec, "EVIL");
        st.ack(3, 1 + 8);
        for (TcpStream f : flood) {
            f.segment(4, 1 + 20, new byte[4], 0, 4, false);
        }
        seg(st, 4, 4, "bbbb", 201);
        assertEquals("aaaabbbb", rec.bytes.toString(StandardCharsets.US_ASCII));
        assertEquals(0, stats.discardedBytesUsed);
    }

    @Test
    void bytesKeptAsideAheadOfTheStreamJoinItsRunOnceItGetsThere() {
        // Kept aside while past the stream's next byte (out of a stale window), then in order: they are
        // what the stream waits for, so the memcap does not drop them first (review).
        ReassemblyConfig cfg = new ReassemblyConfig(1 << 20, 100, 3 * (4 + TcpStream.SEGMENT_OVERHEAD), SEC);
        ReassemblyStats stats = new ReassemblyStats(cfg.memcap());
        for (int i = 0; i < 2; i++) { // two streams of a flood, waiting longer than this one
            TcpStream flood = new TcpStream(cfg, stats, new TcpStreamTest.Recorder(), OverlapPolicy.DEFAULT);
            flood.syn(0);
            flood.segment(0, 1 + 10, new byte[4], 0, 4, false);
        }
        TcpStreamTest.Recorder rec = new TcpStreamTest.Recorder();
        TcpStream st = new TcpStream(cfg, stats, rec, OverlapPolicy.DEFAULT);
        st.syn(0);
        st.ack(1, 1, 8);
        byte[] c = "cccc".getBytes(StandardCharsets.US_ASCII);
        st.segment(2, 1 + 8, c, 0, 4, false); // past the window the receiver was seen to offer: kept aside
        assertEquals(1, stats.outOfWindow);
        byte[] ab = "aaaabbbb".getBytes(StandardCharsets.US_ASCII);
        st.segment(3, 1, ab, 0, 8, false);
        st.ack(3, 1 + 8, 1000);
        assertEquals(cfg.memcap(), stats.memUsed(), "the memcap is reached");
        st.segment(5, 1 + 16, "eeee".getBytes(StandardCharsets.US_ASCII), 0, 4, false);
        st.segment(6, 1 + 12, "dddd".getBytes(StandardCharsets.US_ASCII), 0, 4, false);
        st.ack(7, 1 + 20);
        st.ack(7 + SEC, 1 + 20);
        assertEquals("aaaabbbbccccddddeeee", rec.bytes.toString(StandardCharsets.US_ASCII));
        assertEquals(0, rec.gapBytes);
        assertEquals(0, stats.discardedNotKept);
    }

    @Test
    void unacknowledgedDiscardedBytesOfAnEvictedStreamAreDropped() {
        // The same without the acknowledgement: nothing says the host took them, so they are not delivered.
        ReassemblyConfig cfg = new ReassemblyConfig(1 << 20, 100, 3 * (4 + TcpStream.SEGMENT_OVERHEAD), SEC);
        ReassemblyStats stats = new ReassemblyStats(cfg.memcap());
        TcpStream[] flood = floodAtTheMemcap(cfg, stats);
        TcpStreamTest.Recorder rec = new TcpStreamTest.Recorder();
        TcpStream st = afterAStaleSegment(cfg, stats, rec, "EVIL");
        for (int i = 0; i < flood.length; i++) {
            flood[i].segment(4, 1 + 20, new byte[4], 0, 4, false);
        }
        assertEquals(1, stats.discardedNotKept);
        seg(st, 5, 4, "bbbb", 201);
        assertEquals("aaaabbbb", rec.bytes.toString(StandardCharsets.US_ASCII));
        assertEquals(0, stats.discardedBytesUsed);
    }

    @Test
    void aRetransmissionNeitherFailsNorMovesTheCheck() {
        // A retransmission of bytes passed on carries a new timestamp; seen before the run sent ahead of
        // it (as a capture point may show them), it must not make that run look old, nor be rejected.
        Dir d = new Dir(true);
        d.send(0, 0, "aaaa", 100);
        d.send(1, 4, "bbbb", 101);
        d.send(2, 0, "aaaa", 105);   // retransmitted, newer
        d.send(3, 8, "cccc", 102);   // sent before the retransmission
        d.send(4, 4, "bbbb", 50);    // a duplicate with an old timestamp: nothing to take either way
        d.st.flush(5);
        assertEquals("aaaabbbbcccc", d.out());
        assertEquals(0, d.stats.pawsRejected);
        assertTrue(d.rec.anomalies.isEmpty(), d.rec.anomalies.toString());
    }

    @Test
    void timestampsWrapAroundAndAreStaleOnlyWithinHalfTheSpace() {
        Dir d = new Dir(true);
        d.send(0, 0, "aaaa", 0xFFFF_FFF0L);
        d.send(1, 4, "bbbb", 0x10);          // after the wrap: newer
        d.send(2, 8, "XXXX", 0xFFFF_FFF8L);  // before the wrap: older
        d.send(3, 8, "cccc", 0x11);
        d.st.flush(4);
        assertEquals("aaaabbbbcccc", d.out());
        assertEquals(1, d.stats.pawsRejected);
    }

    @Test
    void aTimestampTakenOver24DaysAgoRejectsNothing() {
        Dir d = new Dir(true);
        d.send(0, 0, "aaaa", 1000);
        long later = 25L * 86_400 * SEC; // RFC 7323 §5.5: TS.Recent is invalid after 24 days idle
        d.send(later, 4, "bbbb", 10);
        d.send(later + 1, 8, "XXXX", 9); // but the one taken then counts again
        d.send(later + 2, 8, "cccc", 11);
        d.st.flush(later + 3);
        assertEquals("aaaabbbbcccc", d.out());
        assertEquals(1, d.stats.pawsRejected);
    }

    @Test
    void linuxTakesATimestampOneTickOld() {
        for (OverlapPolicy p : List.of(OverlapPolicy.LINUX, OverlapPolicy.BSD)) {
            Dir d = new Dir(p, ReassemblyConfig.DEFAULTS, true);
            d.send(0, 0, "aaaa", 1000);
            d.send(1, 4, "bbbb", 999); // TCP_PAWS_WINDOW in Linux is one tick
            d.send(2, 4, "BBBB", 1001);
            d.st.flush(3);
            assertEquals(p == OverlapPolicy.LINUX ? "aaaabbbb" : "aaaaBBBB", d.out(), p.text());
        }
    }

    @Test
    void aDecoySentIntoAClosedWindowIsDiscardedAndTheRealBytesTaken() {
        Dir d = new Dir(false);
        d.st.ack(0, 1, 8);                  // window: offsets 0..7
        d.send(1, 0, "aaaabbbb", -1);
        d.st.ack(2, 9, 0);                  // zero window
        d.send(3, 8, "EVIL", -1);           // the host drops it (zero window)
        d.st.ack(4, 9, 100);                // the window opens
        d.send(5, 8, "cccc", -1);
        d.st.flush(6);
        assertEquals("aaaabbbbcccc", d.out());
        assertEquals(1, d.stats.outOfWindow);
        assertEquals(List.of("stream.est_packet_out_of_window"), d.rec.anomalies);
    }

    @Test
    void aDecoyPastTheWindowIsDiscardedWhileTheWindowMovesOn() {
        Dir d = new Dir(false);
        d.st.ack(0, 1, 10);                 // window: offsets 0..9
        d.send(1, 12, "EVIL", -1);          // starts past the window
        d.send(2, 0, "aaaaaaaaaa", -1);
        d.st.ack(3, 11, 10);                // window: offsets 10..19
        d.send(4, 10, "bbbbbbbbbb", -1);
        d.st.ack(5, 21, 10);
        d.st.flush(6);
        assertEquals("aaaaaaaaaabbbbbbbbbb", d.out());
        assertEquals(1, d.stats.outOfWindow);
        assertEquals(0, d.rec.gapBytes);
    }

    @Test
    void aSegmentStartingInsideTheWindowIsTakenWhole() {
        // Linux queues a segment whose start lies in the window whole; the sensor does the same, so a
        // window it underestimates never cuts legitimate data.
        Dir d = new Dir(false);
        d.st.ack(0, 1, 4);
        d.send(1, 0, "aaaabbbb", -1);
        assertEquals("aaaabbbb", d.out());
        assertEquals(0, d.stats.outOfWindow);
    }

    @Test
    void bytesTheReceiverAcknowledgesAreUsedWhenTheWindowViewWasStale() {
        // The ACK that opened the window was lost on the mirror: the next segment looks out of window.
        // The receiver acknowledging it shows it took those very bytes; they are used, not lost.
        ReassemblyConfig cfg = ReassemblyConfig.DEFAULTS;
        Dir d = new Dir(OverlapPolicy.DEFAULT, cfg, false);
        d.st.ack(0, 1, 4);
        d.send(1, 0, "aaaa", -1);
        d.send(2, 4, "bbbb", -1);           // past the window the sensor knows
        d.send(3, 8, "cccc", -1);
        assertEquals("aaaa", d.out());
        d.st.ack(4, 13, 100);               // acknowledged past the known window: the view was stale
        assertFalse(d.st.windowChecked());
        assertEquals(1, d.stats.windowChecksOff);
        d.st.ack(4 + cfg.gapAckDelayNanos(), 13, 100);
        assertEquals("aaaabbbbcccc", d.out());
        assertEquals(8, d.stats.discardedBytesUsed);
        assertEquals(0, d.rec.gapBytes);
        assertTrue(d.rec.anomalies.contains("stream.discarded_data_used"), d.rec.anomalies.toString());
    }

    @Test
    void discardedBytesNobodyAcknowledgedAreNeverUsed() {
        Dir d = new Dir(false);
        d.st.ack(0, 1, 4);
        d.send(1, 0, "aaaa", -1);
        d.send(2, 4, "EVIL", -1);
        d.st.flush(3);
        assertEquals("aaaa", d.out());
        assertEquals(0, d.stats.discardedBytesUsed);
        assertEquals(0, d.stats.memUsed());
    }

    @Test
    void keptAsideBytesGiveWayToHeldSegmentsAndNeverCauseAGap() {
        ReassemblyConfig cfg = new ReassemblyConfig(100, 8, 1 << 20, SEC);
        Dir d = new Dir(OverlapPolicy.DEFAULT, cfg, true);
        d.send(0, 0, "a", 100);
        for (int i = 0; i < 6; i++) {
            d.send(1, 10 + 10 * i, "XXXXXXXXXX", 50); // stale: kept aside, 60 bytes
        }
        assertEquals(6, d.st.heldSegments());
        for (int i = 0; i < 5; i++) {
            d.send(2, 2 + 10 * i, "bbbbbbbbbb", 101 + i); // out of order behind a hole at 1: 50 bytes, needs room
        }
        assertEquals(5, d.st.heldSegments(), "the kept-aside bytes made room");
        assertFalse(d.st.limitHit());
        assertEquals(0, d.rec.gapBytes);
        assertTrue(d.stats.discardedNotKept > 0);
        assertEquals(d.st.heldBytes() + (long) d.st.heldSegments() * TcpStream.SEGMENT_OVERHEAD, d.stats.memUsed());
    }

    /**
     * A stream that took "aaaa", held "cccc" while "bbbb" waited in another CPU's backlog, then saw
     * the retransmission of "bbbb" with a newer timestamp (105) before {@code third}, which was sent
     * before it with timestamp 100 (the host took it first): PAWS discards it and it is kept aside.
     */
    private static Dir afterARetransmissionSeenFirst(String third) {
        Dir d = new Dir(OverlapPolicy.LINUX, ReassemblyConfig.DEFAULTS, true);
        d.send(0, 0, "aaaa", 100);
        d.send(MS, 8, "cccc", 100);
        d.send(2 * MS, 4, "bbbb", 105);
        d.send(3 * MS, 12, third, 100);
        assertEquals(1, d.stats.pawsRejected);
        assertEquals("aaaabbbbcccc", d.out());
        return d;
    }

    /**
     * Sends {@code n} segments of four bytes from stream offset 16 on, 0.15 ms apart from {@code t0}
     * (a download at about 10 MB/s in full-size segments), each acknowledged by the receiver unless
     * {@code acked} is false; returns what they carry.
     */
    private static String download(Dir d, long t0, int n, boolean acked) {
        StringBuilder sent = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String s = String.format(Locale.ROOT, "%04d", i % 10_000);
            long t = t0 + i * 150_000L;
            d.send(t, 16 + 4 * i, s, 106 + i / 10);
            if (acked) {
                d.st.ack(t, 1 + 16 + 4 * (i + 1), 1 << 30);
            }
            sent.append(s);
        }
        return sent.toString();
    }

    @Test
    void aDiscardedSegmentTheReceiverAcknowledgedOutlastsTheStreamBound() {
        // AttackIT's pending-flood under load lost 1,448 bytes of a clean download this way
        // (tcp.paws_rejected, tcp.discarded_not_kept 1, tcp.stream_depth_limit_hits 2): the receiver
        // acknowledged the discarded segment at once, but the download went on at 10 MB/s, and more
        // than the stream's bound was held behind it within the gap delay. The bound dropped the
        // kept-aside bytes first and then gave up the hole they filled: a gap.
        Dir d = afterARetransmissionSeenFirst("dddd");
        d.st.ack(4 * MS, 1 + 16, 1 << 30); // the receiver took "dddd"
        d.st.echo(4 * MS, 105);
        int n = ReassemblyConfig.DEFAULTS.maxSegmentsPerStream() + 10;
        String rest = download(d, 5 * MS, n, true); // 0.3 s
        d.st.ack(5 * MS + SEC, 1 + 16 + 4 * n, 1 << 30); // the hole was waited for a second
        assertEquals(0, d.rec.gapBytes, "bytes lost");
        assertEquals(0, d.stats.discardedNotKept);
        assertEquals(0, d.stats.streamLimitHits);
        assertFalse(d.st.limitHit());
        assertEquals(4, d.stats.discardedBytesUsed);
        assertTrue(("aaaabbbbccccdddd" + rest).equals(d.out()), "delivered in order: " + d.out().substring(0, 24));
        d.st.flush(6 * SEC);
        assertEquals(0, d.stats.memUsed());
    }

    @Test
    void aDecoyWaitingPastTheStreamBoundGivesWayToTheAcceptedCopy() {
        // The same wait with a decoy kept aside: the capture shows the receiver's acknowledgement, and
        // the copy it took only 0.3 s later, past the stream's bound. The accepted copy fills the hole.
        Dir d = afterARetransmissionSeenFirst("EVIL");
        d.st.ack(4 * MS, 1 + 16, 1 << 30);
        int n = ReassemblyConfig.DEFAULTS.maxSegmentsPerStream() + 10;
        String rest = download(d, 5 * MS, n, true);
        d.send(5 * MS + 310 * MS, 12, "dddd", 106);
        assertEquals(0, d.rec.gapBytes);
        assertEquals(0, d.stats.discardedBytesUsed);
        assertTrue(("aaaabbbbccccdddd" + rest).equals(d.out()), "delivered in order: " + d.out().substring(0, 24));
    }

    @Test
    void aDiscardedSegmentNobodyAcknowledgedStillGivesWayToTheStreamBound() {
        // Without the receiver's acknowledgement nothing says the host took the kept-aside bytes: the
        // stream's bound drops them and gives up the hole at once, as before.
        Dir d = afterARetransmissionSeenFirst("EVIL");
        int n = ReassemblyConfig.DEFAULTS.maxSegmentsPerStream() + 10;
        download(d, 5 * MS, n, false);
        assertEquals(4, d.rec.gapBytes);
        assertEquals(1, d.stats.discardedNotKept);
        assertTrue(d.st.limitHit());
        assertEquals(0, d.stats.discardedBytesUsed);
        assertFalse(d.out().contains("EVIL"));
        assertTrue(d.st.heldSegments() <= ReassemblyConfig.DEFAULTS.maxSegmentsPerStream());
    }
}
