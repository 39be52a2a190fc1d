package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.fuzz.FuzzInput;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Fuzzes {@link CapwapReassembler} with a script of CAPWAP fragments, as the capture thread feeds it:
 * each frame is decoded and a CAPWAP fragment added. Operations until the input ends:
 * <ul>
 *   <li>0, a made-up fragment: message (u8, one of four), offset in 8-byte units (u16 below 8192),
 *       length (u16 below 3000), flags (u8: bit 0 last, bit 1 conflicting bytes, bit 2 IPv6 outside,
 *       bit 3 802.11). Its bytes follow a fixed pattern per message, so a message put together can be
 *       checked byte by byte; a "conflicting" fragment carries other bytes;</li>
 *   <li>1, a raw frame (Ethernet, byte string);</li>
 *   <li>2, time passes: u16 × 10 ms.</li>
 * </ul>
 *
 * <p>Invariants: nothing throws; at most {@link CapwapReassembler#MAX_MESSAGES} are pending, held
 * bytes never negative and zero when nothing is pending; every message handed on has outer IP and UDP
 * lengths that match its bytes, is not a fragment any more and decodes, and one made up that never
 * received conflicting bytes carries exactly the pattern; the counters match what was seen; at the
 * end everything times out.
 */
public class CapwapReassemblerFuzzTest {
    private static final long T0 = 1_763_800_000_000_000_000L;
    private static final int OPS = 64;

    private final PacketDecoder decoder = new PacketDecoder();

    @FuzzTest(maxDuration = "10s")
    void capwapFragmentScript(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        CapwapReassembler r = new CapwapReassembler();
        Set<Integer> tainted = new HashSet<>();
        long[] counts = new long[2]; // fragments added, messages handed on
        int[] current = {-1}; // the made-up message of the fragment being added, -1 for a raw frame
        Defragmenter.Output out = new Defragmenter.Output() {
            @Override
            public void frame(long ts, int linkType, byte[] buf, int off, int len) {
                counts[1]++;
                check(buf, off, len, current[0] >= 0 && !tainted.contains(current[0]) ? current[0] : -1);
            }

            @Override
            public void anomaly(long ts, String name, DecodedPacket fragment) {
                assertTrue(name.startsWith("decoder.capwap."), name);
            }
        };
        long ts = T0;
        for (int op = 0; op < OPS && in.more(); op++) {
            ts += 1_000_000L;
            r.expire(ts);
            byte[] frame;
            switch (in.u8() % 3) {
                case 0 -> {
                    int message = in.u8() % 4;
                    int offset = (in.u16() % 8192) * 8;
                    int len = in.u16() % 3000;
                    int flags = in.u8();
                    if ((flags & 2) != 0) {
                        tainted.add(message);
                    }
                    frame = fragment(message, offset, len, flags);
                    current[0] = message;
                }
                case 1 -> {
                    frame = in.bytes(4096);
                    current[0] = -1;
                }
                default -> {
                    ts += in.u16() * 10_000_000L;
                    continue;
                }
            }
            DecodedPacket p = new DecodedPacket();
            p.reset(frame, ts, frame.length);
            decoder.decode(LinkType.ETHERNET, frame, 0, frame.length, p);
            if (p.capwapFragment && p.anomaly == null) {
                counts[0]++;
                r.add(ts, LinkType.ETHERNET, 0, p, out);
            }
            assertTrue(r.pending() <= CapwapReassembler.MAX_MESSAGES);
            assertTrue(r.held() >= 0, "held bytes");
            if (r.pending() == 0) {
                assertEquals(0, r.held(), "nothing held when nothing is pending");
            }
        }
        r.expire(ts + (CapwapReassembler.TIMEOUT_SECONDS + 1) * 1_000_000_000L);
        assertEquals(0, r.pending(), "everything times out");
        assertEquals(0, r.held());
        assertEquals(counts[0], r.fragments, "fragments counted");
        assertEquals(counts[1], r.reassembled, "messages counted");
    }

    /** The byte at {@code k} of made-up message {@code message}. */
    private static byte pattern(int message, int k) {
        return (byte) (message * 37 + k * 11 + (k >> 8));
    }

    private static byte[] fragment(int message, int offset, int len, int flags) {
        byte[] d = new byte[len];
        for (int k = 0; k < len; k++) {
            d[k] = (flags & 2) != 0 ? (byte) ~pattern(message, offset + k) : pattern(message, offset + k);
        }
        byte[] c = capwapFragment(2, (flags & 8) != 0, message, offset, (flags & 1) != 0, d);
        byte[] udp = udp(5264, 5247, c);
        return (flags & 4) != 0 ? eth(ETH_IPV6, ipv6(17, "2001:db8:a::40", "2001:db8:a::1", udp))
                : eth(ETH_IPV4, ipv4(17, "10.2.0.40", "10.2.0.1", udp));
    }

    /** Checks a message handed on; {@code message} is the made-up message it must be (its pattern), or -1. */
    private void check(byte[] buf, int off, int len, int message) {
        byte[] f = Arrays.copyOfRange(buf, off, off + len);
        DecodedPacket p = new DecodedPacket();
        p.reset(f, 1, f.length);
        decoder.decode(LinkType.ETHERNET, f, 0, f.length, p);
        assertTrue(!p.capwapFragment, "a message put together is not a fragment");
        if (message < 0) {
            return;
        }
        // the outer lengths (IPv4 total length or IPv6 payload length, and UDP's) end at the frame's end
        int ip = 14;
        boolean v6 = (f[ip] & 0xf0) == 0x60;
        int udp = ip + (v6 ? 40 : (f[ip] & 0x0f) * 4);
        int ipLen = ((f[ip + (v6 ? 4 : 2)] & 0xff) << 8 | (f[ip + (v6 ? 5 : 3)] & 0xff)) + (v6 ? 40 : 0);
        assertEquals(f.length - ip, ipLen, "outer IP length");
        assertEquals(f.length - udp, (f[udp + 4] & 0xff) << 8 | (f[udp + 5] & 0xff), "UDP length");
        int capwap = udp + 8;
        assertEquals(0, f[capwap + 3] & 0xc0, "F and L cleared");
        int dataOff = capwap + 8;
        for (int k = 0; k < f.length - dataOff; k++) {
            assertEquals(pattern(message, k), f[dataOff + k], "byte " + k + " of message " + message);
        }
    }

    /** Seeds: messages in order, reversed, duplicated, interleaved, overlapping, near the limit. */
    public static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        FuzzInput.Writer w = new FuzzInput.Writer();
        made(w, 0, 0, 1200, 0);
        made(w, 0, 150, 1200, 0);
        made(w, 0, 300, 600, 1);
        seeds.put("in-order", w.toByteArray());
        w = new FuzzInput.Writer();
        made(w, 1, 300, 600, 1 | 4 | 8);
        made(w, 1, 150, 1200, 4 | 8);
        made(w, 1, 150, 1200, 4 | 8);
        made(w, 1, 0, 1200, 4 | 8);
        seeds.put("reversed-duplicated-ipv6-80211", w.toByteArray());
        w = new FuzzInput.Writer();
        made(w, 2, 0, 800, 0);
        made(w, 3, 0, 800, 0);
        made(w, 2, 100, 8, 1);
        made(w, 3, 50, 808, 2);
        made(w, 3, 100, 400, 1);
        seeds.put("interleaved-overlap", w.toByteArray());
        w = new FuzzInput.Writer();
        for (int i = 0; i < 23; i++) {
            made(w, 0, i * 350, 2800, 0);
        }
        made(w, 0, 23 * 350, 2800, 1);
        seeds.put("near-64k", w.toByteArray());
        w = new FuzzInput.Writer();
        made(w, 0, 0, 800, 0);
        w.u8(2).u16(200);
        made(w, 0, 100, 800, 1);
        seeds.put("timeout", w.toByteArray());
        return seeds;
    }

    private static void made(FuzzInput.Writer w, int message, int units, int len, int flags) {
        w.u8(0).u8(message).u16(units).u16(len).u8(flags);
    }
}
