package io.spanwatch.sensor.reassembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spanwatch.sensor.fuzz.DemoTraffic;
import io.spanwatch.sensor.fuzz.FuzzInput;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Fuzzes {@link TcpStream} with both directions of a connection sharing one worker's budget, fed a
 * script of segments. Every direction sends a known byte pattern (byte {@code k} of the stream is a
 * function of {@code k}), so what comes out can be checked byte by byte.
 *
 * <p>Input, version 1 (the first byte is not {@value #V2}): bounds (bytes per stream u16, segments per
 * stream u8, memcap u16, gap delay u8 × 10 ms), initial sequence numbers (two i32), then operations (u8:
 * bit 0 the direction, the rest the kind) until the input ends: segment (offset u16, length u16 up to
 * 4096, flags u8: FIN, other bytes than the pattern, a cut with u16 missing bytes), SYN, ACK (offset
 * u16), time passes (u16 ms), flush, discard, and a wild segment (any sequence number i32, u8 bytes).
 * Version 1 runs under the {@code first} policy without timestamps or windows, as before policies.
 * Version 2 starts with {@value #V2}, the policy (u8) and flags (u8, bit 0: timestamps negotiated),
 * then as version 1 with: a segment flag (bit 3) followed by its timestamp (u16 past the side's base),
 * ACKs followed by a window (u16 × 4 bytes; 0xFFFF unknown), and one more kind, the receiver's echo
 * of a timestamp (u16). Version 3 starts with {@value #V3} and is version 2 with one more segment
 * flag (bit 4) followed by the segment's urgent pointer (u16).
 *
 * <p>Invariants: nothing throws; data and gaps arrive in order and in step with {@link TcpStream#offset};
 * every delivered byte is a byte that was sent at that place, and it is the copy the policy keeps: a
 * per-byte model replays, in arrival order, the copies of each byte that arrived before it was passed
 * on, letting a copy take over where {@link OverlapPolicy#newWins} says so; bytes of discarded segments
 * (timestamp too old, out of window) are delivered only where no accepted copy came and the receiver
 * acknowledged them; a byte is taken out of band only where an urgent pointer marked it; a FIN is delivered at most once and only after one was sent; held bytes and
 * segments never exceed the stream's bounds, their sum never exceeds the memcap and always equals the
 * shared budget's count; after a flush nothing is held and every byte sent before the FIN was passed
 * on is delivered or a gap.
 */
public class TcpStreamFuzzTest {
    private static final long T0 = 1_763_800_000_000_000_000L;
    private static final int OPS = 96;
    private static final int SPACE = 65_536 + 4096 + 4096;
    private static final int V2 = 0xF2;
    private static final int V3 = 0xF3;
    private static final String[] KINDS = {"segment", "syn", "ack", "time", "flush", "discard", "wild"};
    private static final String[] KINDS_V2 = {"segment", "syn", "ack", "time", "flush", "discard", "wild", "echo"};

    @FuzzTest(maxDuration = "10s")
    void segmentScript(byte[] data) {
        boolean v3 = data.length > 0 && (data[0] & 0xff) == V3;
        boolean v2 = v3 || data.length > 0 && (data[0] & 0xff) == V2;
        FuzzInput in = new FuzzInput(data);
        OverlapPolicy policy = OverlapPolicy.FIRST;
        boolean timestamps = false;
        if (v2) {
            in.u8();
            policy = OverlapPolicy.values()[in.u8() % OverlapPolicy.values().length];
            timestamps = (in.u8() & 1) != 0;
        }
        ReassemblyConfig config = new ReassemblyConfig(1 + in.u16(), 1 + in.u8() % 64, 1 + 2L * in.u16(),
                in.u8() * 10_000_000L);
        ReassemblyStats stats = new ReassemblyStats(config.memcap());
        Side[] sides = {new Side(0, in.i32() & 0xffffffffL, config, stats, policy), new Side(1, in.i32() & 0xffffffffL, config, stats, policy)};
        if (timestamps) {
            for (Side s : sides) {
                s.stream.useTimestamps();
            }
        }
        String[] kinds = v2 ? KINDS_V2 : KINDS;
        long ts = T0;
        for (int op = 0; op < OPS && in.more(); op++) {
            ts += 1000;
            int code = in.u8();
            Side s = sides[code & 1];
            switch (kinds[(code >>> 1) % kinds.length]) {
                case "segment" -> {
                    int rel = in.u16();
                    int len = in.u16() % 4097;
                    int flags = in.u8();
                    int missing = (flags & 4) != 0 ? in.u16() % 4096 : 0;
                    long tsval = v2 && (flags & 8) != 0 ? s.tsBase + in.u16() : -1;
                    int urgent = v3 && (flags & 16) != 0 ? in.u16() : -1;
                    s.segment(ts, rel, len, (flags & 1) != 0, (flags & 2) != 0, missing, tsval, urgent);
                }
                case "syn" -> s.syn();
                case "ack" -> {
                    int at = in.u16();
                    long window = v2 ? in.u16() : 0xFFFF;
                    s.ack(ts, at, window == 0xFFFF ? -1 : window * 4);
                }
                case "time" -> ts += in.u16() * 1_000_000L;
                case "flush" -> s.flush(ts);
                case "discard" -> {
                    s.stream.discard();
                    s.closed = true;
                }
                case "echo" -> s.stream.echo(ts, s.tsBase + in.u16());
                default -> s.wild(ts, in.i32() & 0xffffffffL, in.u8(), in.bool());
            }
            long held = 0;
            for (Side x : sides) {
                x.checkBounds(config);
                held += x.stream.heldBytes() + (long) x.stream.heldSegments() * TcpStream.SEGMENT_OVERHEAD;
            }
            assertEquals(held, stats.memUsed(), "budget count is the sum of what the streams hold, segment overhead included");
            assertTrue(stats.memUsed() <= config.memcap(), "held " + stats.memUsed() + " over memcap " + config.memcap());
        }
        ts += 10_000_000_000L;
        for (Side s : sides) {
            boolean wasClosed = s.closed;
            s.flush(ts);
            assertEquals(0, s.stream.heldBytes(), "bytes held after flush");
            if (!wasClosed && !s.wild && s.stream.started()) {
                assertTrue(s.origin + s.stream.offset() >= s.maxEnd, "sent up to " + s.maxEnd + " but delivered or gapped up to "
                        + (s.origin + s.stream.offset()));
            }
        }
        assertEquals(0, stats.memUsed(), "budget after both streams ended");
    }

    static byte pattern(int dir, long at) {
        return (byte) (at * 131 + (at >>> 7) + dir * 17);
    }

    /** One direction: the stream, what was sent into it, and the checks on what it delivers. */
    private static final class Side implements StreamListener {
        final int dir;
        final long isn;
        final long tsBase;
        final TcpStream stream;
        final ReassemblyStats stats;
        final OverlapPolicy policy;
        /** Stream offsets where pattern bytes were sent, and where other bytes were sent. */
        final BitSet sent = new BitSet(SPACE);
        final BitSet other = new BitSet(SPACE);
        /** The policy model: per byte, the copy kept so far (its segment's extent, whether it is the pattern). */
        final BitSet kept = new BitSet(SPACE);
        final BitSet keptOther = new BitSet(SPACE);
        int[] keptStart = new int[1024];
        int[] keptEnd = new int[1024];
        /** Bytes of discarded segments: pattern, other. */
        final BitSet asidePattern = new BitSet(SPACE);
        final BitSet asideOther = new BitSet(SPACE);
        /** Stream offsets an urgent pointer marked. */
        final BitSet marked = new BitSet(SPACE);
        /** Highest offset the receiver acknowledged. */
        long maxAck = -1;
        /** Offset (from the byte after the SYN) of the stream's first byte. */
        long origin;
        long pos;
        long maxEnd;
        boolean finSent;
        int fins;
        boolean closed;
        boolean wild;

        Side(int dir, long isn, ReassemblyConfig config, ReassemblyStats stats, OverlapPolicy policy) {
            this.dir = dir;
            this.isn = isn;
            this.tsBase = 1_000_000L * (dir + 1);
            this.stats = stats;
            this.policy = policy;
            this.stream = new TcpStream(config, stats, this, policy);
        }

        void segment(long ts, int rel, int len, boolean fin, boolean differ, int missing, long tsval, int urgent) {
            byte[] buf = new byte[len + 3];
            for (int i = 0; i < len; i++) {
                buf[i + 1] = differ ? (byte) ~pattern(dir, rel + i) : pattern(dir, rel + i);
            }
            long seq = isn + 1 + rel;
            if (tsval >= 0 && !stream.timestamp(ts, seq, len + (fin ? 1 : 0), tsval)) {
                aside(rel, len, differ);
                stream.discarded(ts, seq, buf, 1, len);
                return;
            }
            if (!stream.started() && len > 0) {
                origin = rel;
            }
            boolean counts = !closed && (stream.started() || len > 0);
            if (counts) {
                (differ ? other : sent).set(rel, rel + len);
                finSent |= fin;
            }
            int[] undo = counts && !stream.finished() ? offer(rel, len, differ) : null;
            boolean beforeFin = fins == 0; // bytes past a FIN already passed on are dropped
            long outOfWindow = stats.outOfWindow;
            if (urgent >= 0 && rel + Math.max(urgent - 1, 0) < SPACE) {
                marked.set(rel + Math.max(urgent - 1, 0)); // a zero pointer marks the first byte (Linux)
            }
            stream.segment(ts, seq, buf, 1, len, fin, missing, urgent);
            if (stats.outOfWindow != outOfWindow) {
                restore(undo); // the host drops it: a discarded copy, not one that competes
                aside(rel, len, differ);
                return;
            }
            if (counts && beforeFin && len > 0) {
                maxEnd = Math.max(maxEnd, rel + len);
            }
        }

        /**
         * Lets a copy of {@code [rel, rel + len)} compete for the bytes not passed on yet, as the policy
         * says; returns what it replaced (offset, and the old copy's state) so it can be undone.
         */
        int[] offer(int rel, int len, boolean differ) {
            long from = Math.max(rel, origin + pos);
            int end = rel + len;
            if (end > keptStart.length) {
                keptStart = java.util.Arrays.copyOf(keptStart, Math.max(end, 2 * keptStart.length));
                keptEnd = java.util.Arrays.copyOf(keptEnd, keptStart.length);
            }
            int[] undo = new int[16];
            int n = 0;
            for (long k = from; k < end; k++) {
                int i = (int) k;
                boolean take = !kept.get(i) || (policy.newWins(rel, end, keptStart[i], keptEnd[i])
                        && (differ != keptOther.get(i) || rel != keptStart[i] || end != keptEnd[i]));
                if (take) {
                    if (n + 4 > undo.length) {
                        undo = java.util.Arrays.copyOf(undo, undo.length * 2);
                    }
                    undo[n++] = i;
                    undo[n++] = (kept.get(i) ? 1 : 0) | (keptOther.get(i) ? 2 : 0);
                    undo[n++] = keptStart[i];
                    undo[n++] = keptEnd[i];
                    kept.set(i);
                    keptOther.set(i, differ);
                    keptStart[i] = rel;
                    keptEnd[i] = end;
                }
            }
            return java.util.Arrays.copyOf(undo, n);
        }

        void restore(int[] undo) {
            if (undo == null) {
                return;
            }
            for (int j = undo.length - 4; j >= 0; j -= 4) {
                int i = undo[j];
                kept.set(i, (undo[j + 1] & 1) != 0);
                keptOther.set(i, (undo[j + 1] & 2) != 0);
                keptStart[i] = undo[j + 2];
                keptEnd[i] = undo[j + 3];
            }
        }

        void aside(int rel, int len, boolean differ) {
            (differ ? asideOther : asidePattern).set(rel, rel + len);
        }

        void ack(long ts, int at, long window) {
            if (stream.started() && !closed) {
                maxAck = Math.max(maxAck, at);
            }
            stream.ack(ts, isn + 1 + at, window);
        }

        void syn() {
            if (!stream.started() || (stream.offset() == 0 && stream.heldSegments() == 0 && !stream.finished() && !closed)) {
                origin = 0;
            }
            stream.syn(isn);
        }

        void wild(long ts, long seq, int len, boolean fin) {
            wild = true; // bytes anywhere: content and coverage are no longer known
            finSent |= fin;
            stream.segment(ts, seq, new byte[len], 0, len, fin);
        }

        void flush(long ts) {
            stream.flush(ts);
            closed = true;
        }

        void checkBounds(ReassemblyConfig config) {
            // Past its own bound only while its first hole is acknowledged kept-aside bytes, waited for
            // as long as a hole is (within the memcap, checked by the caller).
            boolean waits = stream.waitsForAcknowledgedAside();
            assertTrue(stream.heldBytes() >= 0 && (stream.heldBytes() <= config.maxBytesPerStream() || waits),
                    "stream holds " + stream.heldBytes() + " bytes, bound " + config.maxBytesPerStream());
            assertTrue(stream.heldSegments() <= config.maxSegmentsPerStream() || waits,
                    "stream holds " + stream.heldSegments() + " segments, bound " + config.maxSegmentsPerStream());
            assertEquals(pos, stream.offset(), "offset is what was delivered and skipped");
        }

        @Override
        public void data(long ts, byte[] buf, int off, int len) {
            assertTrue(len > 0, "empty data call");
            assertEquals(0, fins, "data after the FIN");
            for (int i = 0; i < len; i++) {
                long at = origin + pos + i;
                if (wild) {
                    continue;
                }
                if (at < 0 || at >= SPACE) {
                    fail("byte at " + at + " delivered but never sent");
                }
                int k = (int) at;
                byte p = pattern(dir, at);
                if (kept.get(k)) {
                    byte want = keptOther.get(k) ? (byte) ~p : p;
                    if (buf[off + i] != want) {
                        fail("byte at " + at + " is not the copy " + policy.text() + " keeps");
                    }
                } else if (!(asidePattern.get(k) && buf[off + i] == p || asideOther.get(k) && buf[off + i] == (byte) ~p)) {
                    fail("byte at " + at + " delivered but never sent there");
                } else if (at >= maxAck) {
                    fail("byte at " + at + " of a discarded segment delivered but never acknowledged");
                }
            }
            pos += len;
            assertEquals(pos, stream.offset(), "offset after data");
        }

        @Override
        public void gap(long ts, long len) {
            assertTrue(len > 0, "gap of " + len);
            pos += len;
            assertEquals(pos, stream.offset(), "offset after a gap");
        }

        @Override
        public void fin(long ts) {
            assertTrue(finSent, "FIN delivered but none sent");
            assertEquals(0, fins++, "second FIN");
        }

        @Override
        public void anomaly(long ts, String name) {
            assertTrue(name.startsWith("stream."), name);
            if (name.equals("stream.urgent_oob")) {
                // told right after the byte was stepped over, before anything after it is passed on
                long at = origin + pos;
                assertTrue(wild || at >= 0 && at < SPACE && marked.get((int) at), "byte at " + at + " taken out of band but never marked urgent");
                pos++;
                assertEquals(pos, stream.offset(), "offset after an urgent byte");
            }
        }
    }

    /**
     * Seeds: the segments and acknowledgements of demo connections, in order, reordered and duplicated;
     * then, in version 2, under several policies with timestamps and windows, and with stale decoys.
     */
    public static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        for (DemoTraffic.Conversation c : DemoTraffic.conversations()) {
            List<DemoTraffic.Segment> segs = c.segments();
            long[] isn = new long[2];
            for (DemoTraffic.Segment s : segs) {
                if ((s.flags() & 0x02) != 0) {
                    isn[s.fromClient() ? 0 : 1] = s.seq();
                }
            }
            seeds.put("demo-" + c.clientPort(), script(segs, isn, null));
            if (c.clientPort() == 51001 || c.clientPort() == 51007) {
                List<DemoTraffic.Segment> shuffled = new ArrayList<>(segs);
                Collections.shuffle(shuffled, new Random(c.clientPort()));
                seeds.put("demo-" + c.clientPort() + "-reordered", script(shuffled, isn, null));
                List<DemoTraffic.Segment> twice = new ArrayList<>();
                for (DemoTraffic.Segment s : segs) {
                    twice.add(s);
                    if (s.payload().length > 0) {
                        twice.add(s);
                    }
                }
                seeds.put("demo-" + c.clientPort() + "-duplicated", script(twice, isn, null));
                for (OverlapPolicy p : List.of(OverlapPolicy.LINUX, OverlapPolicy.SOLARIS, OverlapPolicy.LAST)) {
                    seeds.put("v2-demo-" + c.clientPort() + "-reordered-" + p.text(), script(shuffled, isn, p));
                }
                seeds.put("v2-demo-" + c.clientPort() + "-duplicated-bsd", script(twice, isn, OverlapPolicy.BSD));
            }
        }
        return seeds;
    }

    /**
     * Writes a script of demo segments; with a policy, in version 2: timestamps on, every segment with
     * its timestamp (in the order of the list, and a stale one for every duplicate), windows of 64 KiB.
     */
    private static byte[] script(List<DemoTraffic.Segment> segs, long[] isn, OverlapPolicy policy) {
        FuzzInput.Writer w = new FuzzInput.Writer();
        boolean v2 = policy != null;
        if (v2) {
            w.u8(V2).u8(policy.ordinal()).u8(1);
        }
        w.u16(65_535).u8(63).u16(65_535).u8(100).i32((int) isn[0]).i32((int) isn[1]);
        int kinds = v2 ? KINDS_V2.length : KINDS.length;
        int ops = 0;
        int[] clock = new int[2];
        DemoTraffic.Segment last = null;
        for (DemoTraffic.Segment s : segs) {
            int dir = s.fromClient() ? 0 : 1;
            long rel = (s.seq() - isn[dir] - 1) & 0xffffffffL;
            if (ops + 2 > OPS) {
                break;
            }
            if ((s.flags() & 0x02) != 0) {
                w.u8(dir | 1 << 1);
                ops++;
            } else if ((s.payload().length > 0 || (s.flags() & 0x01) != 0) && rel <= 0xffff) {
                w.u8(dir).u16((int) rel).u16(s.payload().length).u8((s.flags() & 0x01) | (v2 ? 8 : 0));
                if (v2) {
                    w.u16(s == last ? Math.max(0, clock[dir] - 5) : ++clock[dir]); // a duplicate comes stale
                }
                ops++;
            }
            long ackRel = (s.ack() - isn[1 - dir] - 1) & 0xffffffffL;
            if ((s.flags() & 0x10) != 0 && ackRel <= 0xffff) {
                w.u8((1 - dir) | (2 % kinds) << 1).u16((int) ackRel);
                if (v2) {
                    w.u16(0x4000);
                }
                ops++;
            }
            last = s;
        }
        return w.toByteArray();
    }
}
