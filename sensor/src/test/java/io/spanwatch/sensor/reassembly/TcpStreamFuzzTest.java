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
 * function of {@code k}), so what comes out can be checked byte by byte. Input: bounds (bytes per
 * stream u16, segments per stream u8, memcap u16, gap delay u8 × 10 ms), initial sequence numbers
 * (two i32), then operations (u8: bit 0 the direction, the rest the kind) until the input ends:
 * segment (offset u16, length u16 up to 4096, flags u8: FIN, other bytes than the pattern, a cut
 * with u16 missing bytes), SYN, ACK (offset u16), time passes (u16 ms), flush, discard, and a wild
 * segment (any sequence number i32, u8 bytes).
 *
 * <p>Invariants: nothing throws; data and gaps arrive in order and in step with {@link TcpStream#offset};
 * every delivered byte is a byte that was sent at that place (the pattern, unless bytes that differ
 * were sent there too); a FIN is delivered at most once and only after one was sent; held bytes and
 * segments never exceed the stream's bounds, their sum never exceeds the memcap and always equals the
 * shared budget's count; after a flush nothing is held and every byte sent before the FIN was passed
 * on is delivered or a gap.
 */
public class TcpStreamFuzzTest {
    private static final long T0 = 1_763_800_000_000_000_000L;
    private static final int OPS = 96;
    private static final int SPACE = 65_536 + 4096 + 4096;
    private static final String[] KINDS = {"segment", "syn", "ack", "time", "flush", "discard", "wild"};

    @FuzzTest(maxDuration = "10s")
    void segmentScript(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        ReassemblyConfig config = new ReassemblyConfig(1 + in.u16(), 1 + in.u8() % 64, 1 + 2L * in.u16(),
                in.u8() * 10_000_000L);
        ReassemblyStats stats = new ReassemblyStats(config.memcap());
        Side[] sides = {new Side(0, in.i32() & 0xffffffffL, config, stats), new Side(1, in.i32() & 0xffffffffL, config, stats)};
        long ts = T0;
        for (int op = 0; op < OPS && in.more(); op++) {
            ts += 1000;
            int code = in.u8();
            Side s = sides[code & 1];
            switch (KINDS[(code >>> 1) % KINDS.length]) {
                case "segment" -> {
                    int rel = in.u16();
                    int len = in.u16() % 4097;
                    int flags = in.u8();
                    int missing = (flags & 4) != 0 ? in.u16() % 4096 : 0;
                    s.segment(ts, rel, len, (flags & 1) != 0, (flags & 2) != 0, missing);
                }
                case "syn" -> s.syn();
                case "ack" -> s.stream.ack(ts, s.isn + 1 + in.u16());
                case "time" -> ts += in.u16() * 1_000_000L;
                case "flush" -> s.flush(ts);
                case "discard" -> {
                    s.stream.discard();
                    s.closed = true;
                }
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
        final TcpStream stream;
        /** Stream offsets where pattern bytes were sent, and where other bytes were sent. */
        final BitSet sent = new BitSet(SPACE);
        final BitSet other = new BitSet(SPACE);
        /** Offset (from the byte after the SYN) of the stream's first byte. */
        long origin;
        long pos;
        long maxEnd;
        boolean finSent;
        int fins;
        boolean closed;
        boolean wild;

        Side(int dir, long isn, ReassemblyConfig config, ReassemblyStats stats) {
            this.dir = dir;
            this.isn = isn;
            this.stream = new TcpStream(config, stats, this);
        }

        void segment(long ts, int rel, int len, boolean fin, boolean differ, int missing) {
            byte[] buf = new byte[len + 3];
            for (int i = 0; i < len; i++) {
                buf[i + 1] = differ ? (byte) ~pattern(dir, rel + i) : pattern(dir, rel + i);
            }
            if (!stream.started() && len > 0) {
                origin = rel;
            }
            if (!closed && (stream.started() || len > 0)) {
                (differ ? other : sent).set(rel, rel + len);
                if (fins == 0 && len > 0) {
                    maxEnd = Math.max(maxEnd, rel + len); // bytes past a FIN already passed on are dropped
                }
                finSent |= fin;
            }
            stream.segment(ts, isn + 1 + rel, buf, 1, len, fin, missing);
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
            assertTrue(stream.heldBytes() >= 0 && stream.heldBytes() <= config.maxBytesPerStream(),
                    "stream holds " + stream.heldBytes() + " bytes, bound " + config.maxBytesPerStream());
            assertTrue(stream.heldSegments() <= config.maxSegmentsPerStream(),
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
                if (at < 0 || at >= SPACE || !(sent.get((int) at) || other.get((int) at))) {
                    fail("byte at " + at + " delivered but never sent");
                }
                if (!other.get((int) at) && buf[off + i] != pattern(dir, at)) {
                    fail("byte at " + at + " is not the one sent");
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
        }
    }

    /** Seeds: the segments and acknowledgements of demo connections, in order, reordered and duplicated. */
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
            seeds.put("demo-" + c.clientPort(), script(segs, isn));
            if (c.clientPort() == 51001 || c.clientPort() == 51007) {
                List<DemoTraffic.Segment> shuffled = new ArrayList<>(segs);
                Collections.shuffle(shuffled, new Random(c.clientPort()));
                seeds.put("demo-" + c.clientPort() + "-reordered", script(shuffled, isn));
                List<DemoTraffic.Segment> twice = new ArrayList<>();
                for (DemoTraffic.Segment s : segs) {
                    twice.add(s);
                    if (s.payload().length > 0) {
                        twice.add(s);
                    }
                }
                seeds.put("demo-" + c.clientPort() + "-duplicated", script(twice, isn));
            }
        }
        return seeds;
    }

    private static byte[] script(List<DemoTraffic.Segment> segs, long[] isn) {
        FuzzInput.Writer w = new FuzzInput.Writer().u16(65_535).u8(63).u16(65_535).u8(100)
                .i32((int) isn[0]).i32((int) isn[1]);
        int ops = 0;
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
                w.u8(dir).u16((int) rel).u16(s.payload().length).u8(s.flags() & 0x01);
                ops++;
            }
            long ackRel = (s.ack() - isn[1 - dir] - 1) & 0xffffffffL;
            if ((s.flags() & 0x10) != 0 && ackRel <= 0xffff) {
                w.u8((1 - dir) | 2 << 1).u16((int) ackRel);
                ops++;
            }
        }
        return w.toByteArray();
    }
}
