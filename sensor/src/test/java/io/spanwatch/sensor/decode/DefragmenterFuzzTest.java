package io.spanwatch.sensor.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.fuzz.DemoTraffic;
import io.spanwatch.sensor.fuzz.FuzzInput;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fuzzes {@link Defragmenter} (IPv4 and IPv6) with a script of fragments, as the capture thread feeds
 * it: each frame is decoded and fragments are added. Input: the limits (max datagrams in the low 3
 * bits, the destinations' {@link Defragmenter.Policy} in the bits above; memcap in the low 3 bits, the
 * destinations' {@link Defragmenter.Limits} above (bits 3-5 Linux's distance, 0 off; bits 6-7 the
 * fragments a datagram may hold, both versions: none, 2, 4 or 8); timeout: three u8),
 * then operations until the input ends:
 * <ul>
 *   <li>0, a raw frame: link type (u8 index), frame (byte string);</li>
 *   <li>1, a made-up fragment: version and header shape (u8), datagram (u8, one of four), offset in
 *       8-byte units (u16), length (u16 below 9000), more-fragments and conflicting-content flags (u8),
 *       protocol and tunnel (u8: bits 0-1 the protocol, bits 2-3 none, GTP-U, GRE, or Teredo for IPv6
 *       and IP-in-IP for IPv4). Its bytes follow a fixed pattern per datagram, so the reassembled
 *       datagram can be checked byte by byte; a "conflicting" fragment carries other bytes;</li>
 *   <li>2, time passes: u16 × 10 ms (for timeouts).</li>
 * </ul>
 *
 * <p>Invariants: nothing throws; after each step at most max-datagrams are pending, held bytes are
 * never negative, zero when nothing is pending, and over the memcap only while one datagram is
 * pending; every datagram handed on has IP length fields that match its bytes (those of the tunnel
 * headers around it too), at most 65,535 bytes of IP, is not a fragment any more (IPv4), and for a
 * made-up datagram that never received
 * conflicting bytes carries exactly the pattern; the counters match what was seen.
 */
public class DefragmenterFuzzTest {
    private static final long T0 = 1_763_800_000_000_000_000L;
    private static final int OPS = 64;

    private final PacketDecoder decoder = new PacketDecoder();

    @FuzzTest(maxDuration = "10s")
    void fragmentScript(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        int limits = in.u8();
        int maxTrackers = 1 + limits % 8;
        Defragmenter.Policy policy = Defragmenter.Policy.values()[(limits >> 3) % Defragmenter.Policy.values().length];
        int memByte = in.u8();
        long memcap = 1024L << (memByte % 8);
        int maxFragments = (memByte >> 6) == 0 ? 0 : 1 << (memByte >> 6);
        Defragmenter.Limits hostLimits = new Defragmenter.Limits(maxFragments, maxFragments, (memByte >> 3) & 7);
        int timeout = 1 + in.u8() % 60;
        Defragmenter d = new Defragmenter(maxTrackers, memcap, timeout, DefragmenterTest.policyHosts(address -> policy, 0, hostLimits));
        Checker out = new Checker(d);
        long ts = T0;
        for (int op = 0; op < OPS && in.more(); op++) {
            ts += 1_000_000L;
            switch (in.u8() % 3) {
                case 0 -> {
                    int linkType = PacketDecoderFuzzTest.LINK_TYPES[in.below(PacketDecoderFuzzTest.LINK_TYPES.length)];
                    byte[] frame = in.bytes(4096);
                    out.taintIfMadeUpAddress(frame, linkType);
                    out.offer(ts, linkType, frame, 0);
                }
                case 1 -> {
                    Fragment f = new Fragment(in.u8(), in.u8() % 4, in.u16() % 8192, in.u16() % 9000, in.u8(), in.u8());
                    if (f.conflicting()) {
                        out.tainted.add(f.version() + "/" + f.datagram());
                    }
                    out.offer(ts, LinkType.ETHERNET, f.frame(), 0);
                }
                default -> ts += in.u16() * 10_000_000L;
            }
            out.checkBounds(maxTrackers, memcap);
            assertTrue(d.peers() <= d.pending(), "a source is counted only while a datagram from it is pending");
        }
        d.expire(ts + (timeout + 2) * 1_000_000_000L, out);
        assertEquals(0, d.pending(), "everything times out");
        assertEquals(0, d.held(), "no bytes held once nothing is pending");
        assertEquals(0, d.peers(), "no source counted once nothing is pending");
        assertEquals(out.added, d.fragments, "fragments counted");
        assertEquals(out.emitted, d.reassembled, "datagrams counted");
    }

    /**
     * A made-up fragment of datagram {@code datagram} (0..3), from 10.99.{datagram}.1 or
     * fd00::99:{datagram}:1. {@code shape}: bit 0 IPv6, bit 1 a VLAN tag, bits 2..5 IPv4 option words
     * or IPv6 destination-options units before the fragment header (bit 6: none), bit 7 a hop-by-hop
     * header first (IPv6).
     */
    record Fragment(int shape, int datagram, int offsetUnits, int length, int flags, int protoPick) {
        int version() {
            return (shape & 1) != 0 ? 6 : 4;
        }

        boolean more() {
            return (flags & 1) != 0;
        }

        boolean conflicting() {
            return (flags & 2) != 0;
        }

        byte[] frame() {
            int proto = switch (protoPick % 4) {
                case 0 -> 17;
                case 1 -> 6;
                case 2 -> 1;
                default -> 47;
            };
            byte[] payload = new byte[length];
            for (int i = 0; i < length; i++) {
                payload[i] = pattern(datagram, offsetUnits * 8 + i, conflicting());
            }
            int words = (shape & 0x40) != 0 ? 0 : (shape >> 2) & 15;
            byte[] ip;
            if (version() == 4) {
                words = Math.min(words, 10);
                ip = Frames.ipv4(proto, "10.99." + datagram + ".1", "10.99." + datagram + ".2", payload,
                        offsetUnits | (more() ? 0x2000 : 0), words);
                Fragments.put16(ip, 4, 0x4400 + datagram);
            } else {
                byte[] frag = Frames.cat(Frames.bytes(proto, 0), Frames.u16(offsetUnits << 3 | (more() ? 1 : 0)),
                        Frames.u32(0x99000 + datagram));
                byte[] headers = frag;
                int first = 44;
                if (words > 0) {
                    headers = Frames.cat(Frames.ext(44, words - 1), headers);
                    first = 60;
                }
                if ((shape & 0x80) != 0) {
                    headers = Frames.cat(Frames.ext(first, 0), headers);
                    first = 0;
                }
                ip = Frames.ipv6(first, "fd00::99:" + datagram + ":1", "fd00::99:" + datagram + ":2",
                        Frames.cat(headers, payload));
            }
            int type = version() == 4 ? Frames.ETH_IPV4 : Frames.ETH_IPV6;
            switch ((protoPick >> 2) & 3) {
                case 1 -> ip = Frames.ipv4(17, "192.0.2.1", "192.0.2.2", Frames.udp(2152, 2152, Frames.gtpu(-1, new byte[0][], ip)));
                case 2 -> ip = Frames.ipv4(47, "192.0.2.1", "192.0.2.2", Frames.gre(false, true, false, type, ip));
                case 3 -> ip = version() == 6 ? Frames.ipv4(17, "192.0.2.1", "192.0.2.2", Frames.udp(3544, 40_000, ip))
                        : Frames.ipv4(4, "192.0.2.1", "192.0.2.2", ip);
                default -> {
                    return (shape & 2) != 0 ? Frames.ethTagged(new int[] {0x8100}, new int[] {99}, type, ip) : Frames.eth(type, ip);
                }
            }
            return (shape & 2) != 0 ? Frames.ethTagged(new int[] {0x8100}, new int[] {99}, Frames.ETH_IPV4, ip)
                    : Frames.eth(Frames.ETH_IPV4, ip);
        }
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    static byte pattern(int datagram, int at, boolean conflicting) {
        int v = at * 31 + datagram * 7 + (at >>> 8);
        return (byte) (conflicting ? ~v : v);
    }

    /** Takes what the defragmenter hands on and checks it. */
    private final class Checker implements Defragmenter.Output {
        final Defragmenter d;
        /** Made-up datagrams ("version/datagram") whose content is not known exactly. */
        final Set<String> tainted = new HashSet<>();
        long added;
        long emitted;
        int depth;

        Checker(Defragmenter d) {
            this.d = d;
        }

        /** Decodes a frame as the pipeline does and adds it when it is a fragment. */
        void offer(long ts, int linkType, byte[] frame, int off) {
            DecodedPacket p = new DecodedPacket();
            p.reset(frame, ts, frame.length - off);
            decoder.decode(linkType, frame, off, frame.length - off, p);
            d.expire(ts, this);
            if (p.fragment && p.ipVersion != 0 && p.anomaly == null) {
                added++;
                d.add(ts, linkType, off, p, this);
            }
        }

        void checkBounds(int maxTrackers, long memcap) {
            assertTrue(d.pending() <= maxTrackers, d.pending() + " pending over " + maxTrackers);
            assertTrue(d.held() >= 0, "held " + d.held());
            if (d.pending() == 0) {
                assertEquals(0, d.held(), "bytes held with nothing pending");
            }
            assertTrue(d.held() <= memcap || d.pending() <= 1, "held " + d.held() + " over memcap " + memcap
                    + " with " + d.pending() + " pending");
        }

        /** A raw frame that claims a made-up datagram's addresses makes that datagram's content unknown. */
        void taintIfMadeUpAddress(byte[] frame, int linkType) {
            DecodedPacket p = new DecodedPacket();
            p.reset(frame, 0, frame.length);
            decoder.decode(linkType, frame, 0, frame.length, p);
            if (p.ipVersion == 4 && frame[p.srcAddrOff] == 10 && frame[p.srcAddrOff + 1] == 99) {
                tainted.add("4/" + (frame[p.srcAddrOff + 2] & 0xff));
            } else if (p.ipVersion == 6 && frame[p.srcAddrOff] == (byte) 0xfd) {
                tainted.add("6/" + (frame[p.srcAddrOff + 13] & 0xff));
            }
        }

        @Override
        public void frame(long ts, int linkType, byte[] buf, int off, int len) {
            emitted++;
            assertEquals(0, off, "datagram frame offset");
            assertEquals(buf.length, len, "datagram frame length");
            DecodedPacket p = new DecodedPacket();
            p.reset(buf, ts, len);
            decoder.decode(linkType, buf, off, len, p);
            assertNotEquals(0, p.ipVersion, "reassembled datagram is not IP: " + p.anomaly);
            int ipLen = len - p.ipOff;
            int dataOff;
            if (p.ipVersion == 4) {
                assertEquals(ipLen, u16(buf, p.ipOff + 2), "IPv4 total length of the reassembled datagram");
                assertFalse(p.fragment, "reassembled IPv4 datagram is still a fragment");
                dataOff = p.ipOff + (buf[p.ipOff] & 0x0f) * 4;
            } else {
                assertEquals(ipLen, 40 + u16(buf, p.ipOff + 4), "IPv6 payload length of the reassembled datagram");
                dataOff = p.ipOff + 40;
                int next = buf[p.ipOff + 6] & 0xff;
                while ((next == 0 || next == 60) && dataOff + 2 <= len) {
                    next = buf[dataOff] & 0xff;
                    dataOff += ((buf[dataOff + 1] & 0xff) + 1) * 8;
                }
            }
            assertTrue(ipLen <= 65_535, "reassembled datagram of " + ipLen + " bytes");
            // The tunnel headers around it say its length too: setting them again changes nothing.
            byte[] again = buf.clone();
            assertTrue(EncapLengths.fit(again, EncapLengths.relative(p, off)), "tunnel lengths fit");
            assertTrue(Arrays.equals(buf, again), "tunnel header lengths of the reassembled datagram");
            checkContent(buf, p, dataOff);
            if (p.fragment && p.anomaly == null && depth < 4) {
                depth++; // an IPv6 datagram that held a second fragment header: the pipeline decodes it again
                added++;
                d.add(ts, linkType, off, p, this);
                depth--;
            }
        }

        private void checkContent(byte[] buf, DecodedPacket p, int dataOff) {
            int datagram;
            if (p.ipVersion == 4 && buf[p.srcAddrOff] == 10 && buf[p.srcAddrOff + 1] == 99) {
                datagram = buf[p.srcAddrOff + 2] & 0xff;
            } else if (p.ipVersion == 6 && buf[p.srcAddrOff] == (byte) 0xfd && buf[p.srcAddrOff + 11] == (byte) 0x99) {
                datagram = buf[p.srcAddrOff + 13] & 0xff;
            } else {
                return;
            }
            if (tainted.contains(p.ipVersion + "/" + datagram)) {
                return;
            }
            for (int i = dataOff; i < buf.length; i++) {
                int at = i - dataOff;
                assertEquals(pattern(datagram, at, false), buf[i], "byte " + at + " of made-up datagram " + datagram);
            }
        }

        @Override
        public void anomaly(long ts, String name, DecodedPacket fragment) {
            assertTrue(name.startsWith("defrag."), name);
        }
    }

    /** Seeds: demo and test datagrams cut into fragments, in order, reversed, duplicated; made-up fragments. */
    public static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        List<DemoTraffic.Frame> demo = DemoTraffic.frames();
        byte[] big = demo.stream().map(DemoTraffic.Frame::bytes).filter(b -> b.length > 1000 && b[12] == 8)
                .findFirst().orElseThrow();
        List<byte[]> parts = Fragments.fragment4(big, 512);
        seeds.put("demo-tcp-in-order", raw(parts, false));
        seeds.put("demo-tcp-reversed", raw(parts.reversed(), false));
        seeds.put("demo-tcp-duplicated", raw(parts, true));
        seeds.put("udp4-small-fragments", raw(Fragments.fragment4(DefragmenterTest.udp4(new byte[120], 5), 16), false));
        seeds.put("udp6-dest-options", raw(DefragmenterTest.fragment6(new byte[900], 304, 0xabcdef01L).reversed(), false));
        FuzzInput.Writer w = limits();
        made(w, 0, 0, 0, 600, true, false, 0);
        made(w, 0, 1, 0, 640, true, false, 1);
        made(w, 0, 0, 75, 200, false, false, 0);
        made(w, 0, 1, 80, 64, false, false, 1);
        seeds.put("made-up-two-interleaved", w.toByteArray());
        w = limits();
        made(w, 1 | 2 | (3 << 2) | 0x80, 2, 0, 1200, true, false, 0);
        made(w, 1, 2, 150, 800, false, false, 0);
        made(w, 1, 2, 100, 408, true, true, 0);
        seeds.put("made-up-ipv6-overlap", w.toByteArray());
        w = limits();
        for (int i = 0; i < 8; i++) {
            made(w, 10 << 2, 3, i * 1000, 8000, true, false, 1); // 60-byte IPv4 headers
        }
        made(w, 0, 3, 8000, 1400, false, false, 1); // a 20-byte header on the last
        seeds.put("made-up-near-64k", w.toByteArray());
        w = limits();
        made(w, 0, 0, 0, 600, true, false, 1 << 2); // IPv4 in GTP-U
        made(w, 1, 1, 0, 600, true, false, 3 << 2); // IPv6 in Teredo
        made(w, 0, 0, 75, 200, false, false, 1 << 2);
        made(w, 1, 1, 75, 64, false, false, 3 << 2);
        made(w, 2, 2, 0, 256, true, false, 2 << 2); // in GRE, with a VLAN tag outside
        made(w, 2, 2, 32, 256, false, false, 2 << 2);
        seeds.put("made-up-in-tunnels", w.toByteArray());
        w = limits();
        made(w, 0, 0, 0, 100, true, false, 0);
        w.u8(2).u16(7000);
        made(w, 0, 0, 13, 100, false, false, 0);
        seeds.put("made-up-timeout", w.toByteArray());
        return seeds;
    }

    private static FuzzInput.Writer limits() {
        return new FuzzInput.Writer().u8(7).u8(7).u8(59);
    }

    private static byte[] raw(List<byte[]> frames, boolean duplicate) {
        FuzzInput.Writer w = limits();
        for (byte[] f : frames) {
            for (int k = 0; k < (duplicate ? 2 : 1); k++) {
                w.u8(0).below(PacketDecoderFuzzTest.LINK_TYPES.length, 0).bytes(f);
            }
        }
        return w.toByteArray();
    }

    private static void made(FuzzInput.Writer w, int shape, int datagram, int offsetUnits, int length, boolean more,
            boolean conflicting, int proto) {
        w.u8(1).u8(shape).u8(datagram).u16(offsetUnits).u16(length).u8((more ? 1 : 0) | (conflicting ? 2 : 0)).u8(proto);
    }
}
