package io.spanwatch.sensor.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.LinkType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DefragmenterTest {
    private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

    static final class Recorder implements Defragmenter.Output {
        final List<byte[]> frames = new ArrayList<>();
        final List<String> anomalies = new ArrayList<>();

        @Override
        public void frame(long ts, int linkType, byte[] buf, int off, int len) {
            frames.add(Arrays.copyOfRange(buf, off, off + len));
        }

        @Override
        public void anomaly(long ts, String name, DecodedPacket fragment) {
            anomalies.add(name);
        }
    }

    /** Builds an Ethernet/IPv4/UDP frame of a datagram with this payload. */
    static byte[] udp4(byte[] payload, int id) {
        byte[] f = new byte[14 + 20 + 8 + payload.length];
        f[12] = 0x08;
        f[14] = 0x45;
        put16(f, 16, 20 + 8 + payload.length);
        put16(f, 18, id);
        f[22] = 64;
        f[23] = 17;
        f[26] = 10;
        f[29] = 1;
        f[30] = 10;
        f[33] = 2;
        put16(f, 34, 5000);
        put16(f, 36, 53);
        put16(f, 38, 8 + payload.length);
        System.arraycopy(payload, 0, f, 42, payload.length);
        return f;
    }

    static List<byte[]> fragment4(byte[] frame, int chunk) {
        return Fragments.fragment4(frame, chunk);
    }

    /** Builds an Ethernet/IPv6 frame carrying UDP, with a destination-options header, then fragments it. */
    static List<byte[]> fragment6(byte[] udpPayload, int chunk, long id) {
        byte[] udp = udp6(udpPayload);
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < udp.length; off += chunk) {
            int n = Math.min(chunk, udp.length - off);
            out.add(frag6(udp, off, n, off + n < udp.length, id));
        }
        return out;
    }

    /** Builds one Ethernet/IPv6 fragment (behind a destination-options header) of {@code udp}'s bytes {@code [off, off + n)}. */
    static byte[] frag6(byte[] udp, int off, int n, boolean more, long id) {
        byte[] f = new byte[14 + 40 + 8 + 8 + n];
        f[12] = (byte) 0x86;
        f[13] = (byte) 0xdd;
        f[14] = 0x60;
        put16(f, 18, 8 + 8 + n);
        f[20] = 60; // destination options
        f[21] = 64;
        f[22 + 15] = 1;
        f[38 + 15] = 2;
        f[22] = 0x20;
        f[38] = 0x20;
        f[54] = 44; // dest opts -> fragment
        f[55] = 0;
        f[56] = 1; // PadN
        f[57] = 4;
        f[62] = 17; // fragment -> UDP
        put16(f, 64, off | (more ? 1 : 0));
        put16(f, 66, (int) (id >>> 16));
        put16(f, 68, (int) id);
        System.arraycopy(udp, off, f, 70, n);
        return f;
    }

    /** Builds the UDP datagram (header and payload) that {@link #fragment6} cuts. */
    static byte[] udp6(byte[] udpPayload) {
        byte[] udp = new byte[8 + udpPayload.length];
        put16(udp, 0, 5000);
        put16(udp, 2, 53);
        put16(udp, 4, udp.length);
        System.arraycopy(udpPayload, 0, udp, 8, udpPayload.length);
        return udp;
    }

    static void feed(Defragmenter d, List<byte[]> frames, Recorder r) {
        feed(d, frames, r, 0);
    }

    /** Feeds the fragments {@code apartNanos} of packet time after one another. */
    static void feed(Defragmenter d, List<byte[]> frames, Recorder r, long apartNanos) {
        PacketDecoder dec = new PacketDecoder();
        long ts = 1;
        for (byte[] f : frames) {
            DecodedPacket p = new DecodedPacket();
            p.reset(f, ts, f.length);
            dec.decode(LinkType.ETHERNET, f, 0, f.length, p);
            assertTrue(p.fragment, "a fragment");
            d.add(ts, LinkType.ETHERNET, 0, p, r);
            ts += apartNanos;
        }
    }

    /** Hosts that drop overlapping datagrams (Windows since Vista) when {@code drops} says so, else keep the first copy, and keep fragments {@code seconds} (0: the configured time). */
    static Defragmenter.Hosts hosts(java.util.function.Predicate<byte[]> drops, int seconds) {
        return policyHosts(address -> drops.test(address) ? Defragmenter.Policy.DROP : Defragmenter.Policy.FIRST, seconds);
    }

    /** Hosts of the policy {@code policy} gives each address, that keep fragments {@code seconds} (0: the configured time). */
    static Defragmenter.Hosts policyHosts(java.util.function.Function<byte[], Defragmenter.Policy> policy, int seconds) {
        return policyHosts(policy, seconds, Defragmenter.Limits.NONE);
    }

    /** Hosts of the policy {@code policy} gives each address, with these limits on incomplete datagrams. */
    static Defragmenter.Hosts policyHosts(java.util.function.Function<byte[], Defragmenter.Policy> policy, int seconds,
            Defragmenter.Limits limits) {
        return new Defragmenter.Hosts() {
            @Override
            public Defragmenter.Limits limits(byte[] address) {
                return limits;
            }

            @Override
            public Defragmenter.Policy policy(byte[] address) {
                return policy.apply(address);
            }

            @Override
            public int timeoutSeconds(byte[] address) {
                return seconds;
            }
        };
    }

    @Test
    void aHostThatKeepsFragmentsLessTimeGivesTheDatagramUpSooner() {
        // Linux and the BSDs keep IPv4 fragments 30 s: pieces 31 s apart never make a datagram there
        List<byte[]> two = fragment4(udp4(new byte[2000], 31), 1480);
        Recorder linux = new Recorder();
        Defragmenter d = new Defragmenter(100, 1 << 20, 60, hosts(a -> false, 30));
        feed(d, two, linux, 31_000_000_000L);
        assertEquals(0, linux.frames.size());
        assertEquals(1, d.timeouts);
        assertEquals(1, d.pending(), "the late piece waits as the start of another datagram");
        Recorder windows = new Recorder();
        feed(new Defragmenter(100, 1 << 20, 60, hosts(a -> false, 0)), two, windows, 31_000_000_000L);
        assertEquals(1, windows.frames.size(), "within the configured 60 s");
        Recorder quick = new Recorder();
        feed(new Defragmenter(100, 1 << 20, 60, hosts(a -> false, 30)), two, quick, 29_000_000_000L);
        assertEquals(1, quick.frames.size(), "within the host's 30 s");
    }

    static void put16(byte[] b, int o, int v) {
        Fragments.put16(b, o, v);
    }

    @Test
    void ipv4FragmentsInAnyOrderGiveTheDatagramBack() {
        System.out.println("DefragmenterTest seed " + SEED);
        Random r = new Random(SEED);
        for (int round = 0; round < 100; round++) {
            byte[] payload = new byte[2000 + r.nextInt(5000)];
            r.nextBytes(payload);
            byte[] whole = udp4(payload, round);
            List<byte[]> frags = fragment4(whole, 8 * (1 + r.nextInt(180)));
            Collections.shuffle(frags, r);
            if (r.nextBoolean() && frags.size() > 1) {
                int i = r.nextInt(frags.size() - 1);
                frags.add(i + 1, frags.get(i).clone()); // a duplicate, before the datagram completes
            }
            Defragmenter d = new Defragmenter();
            Recorder rec = new Recorder();
            feed(d, frags, rec);
            assertEquals(1, rec.frames.size(), "seed " + SEED + " round " + round);
            byte[] got = rec.frames.get(0);
            DecodedPacket p = new DecodedPacket();
            p.reset(got, 1, got.length);
            assertTrue(new PacketDecoder().decode(LinkType.ETHERNET, got, 0, got.length, p));
            assertFalse(p.fragment);
            assertEquals(17, p.proto);
            assertArrayEquals(payload, Arrays.copyOfRange(got, p.payloadOff, p.payloadOff + p.payloadLen));
            assertEquals(0, d.held());
            assertEquals(List.of(), rec.anomalies);
        }
    }

    @Test
    void ipv6FragmentsGiveTheDatagramBackWithItsExtensionHeaders() {
        byte[] payload = new byte[3000];
        new Random(SEED).nextBytes(payload);
        List<byte[]> frags = fragment6(payload, 1232, 0xABCDEF01L);
        Collections.reverse(frags);
        Recorder rec = new Recorder();
        feed(new Defragmenter(), frags, rec);
        assertEquals(1, rec.frames.size());
        byte[] got = rec.frames.get(0);
        DecodedPacket p = new DecodedPacket();
        p.reset(got, 1, got.length);
        assertTrue(new PacketDecoder().decode(LinkType.ETHERNET, got, 0, got.length, p));
        assertEquals(17, p.proto);
        assertEquals(53, p.dstPort);
        assertArrayEquals(payload, Arrays.copyOfRange(got, p.payloadOff, p.payloadOff + p.payloadLen));
    }

    @Test
    void overlappingFragmentsWithOtherBytesAreAnAnomalyAndTheFirstCopyWins() {
        byte[] payload = new byte[64];
        Arrays.fill(payload, (byte) 'A');
        List<byte[]> frags = fragment4(udp4(payload, 7), 32);
        byte[] evil = frags.get(1).clone();
        Arrays.fill(evil, 14 + 20, evil.length, (byte) 'X');
        put16(evil, 20, (32 / 8) | 0x2000); // same place, more fragments
        Recorder rec = new Recorder();
        feed(new Defragmenter(), List.of(frags.get(0), frags.get(1), evil, frags.get(2)), rec);
        assertTrue(rec.anomalies.contains("defrag.overlap_mismatch"), rec.anomalies.toString());
        byte[] got = rec.frames.get(0);
        for (int i = 42; i < got.length; i++) {
            assertEquals('A', got[i]);
        }
    }

    /**
     * RFC 5722: an IPv6 datagram whose fragments overlap is discarded whole, even where the bytes
     * agree; so is an IPv4 one bound for a host that does the same (Windows since Vista). A
     * host that resolves overlaps takes the datagram, named. A plain repeat of a fragment is neither.
     */
    @Test
    void overlappingFragmentsDropTheDatagramWhereTheHostDoes() {
        byte[] payload = new byte[3000];
        new Random(3).nextBytes(payload);
        List<byte[]> six = new ArrayList<>(fragment6(payload, 1232, 0x1234L));
        // a fragment covering the end of the first and the start of the second, with the same bytes
        List<byte[]> finer = fragment6(payload, 616, 0x1234L);
        six.add(1, finer.get(1)); // offset 616: inside the first 1,232 bytes
        Recorder rec6 = new Recorder();
        Defragmenter d6 = new Defragmenter();
        feed(d6, six, rec6);
        assertEquals(0, rec6.frames.size(), "dropped: " + rec6.anomalies);
        assertTrue(rec6.anomalies.contains("defrag.overlap_dropped"), rec6.anomalies.toString());
        assertEquals(1, d6.overlapsDropped);

        byte[] whole = udp4(payload, 21);
        List<byte[]> four = new ArrayList<>(fragment4(whole, 1480));
        four.add(1, fragment4(whole, 736).get(1)); // offset 736, equal bytes
        Recorder keeps = new Recorder();
        feed(new Defragmenter(), four, keeps);
        assertEquals(1, keeps.frames.size(), "a BSD-like host takes it");
        assertEquals(List.of("defrag.overlap"), keeps.anomalies);
        Recorder drops = new Recorder();
        feed(new Defragmenter(100, 1 << 20, 60, hosts(address -> address.length == 4 && address[3] == 2, 0)), four, drops);
        assertEquals(0, drops.frames.size(), "a Windows host since Vista does not");
        assertEquals(List.of("defrag.overlap_dropped"), drops.anomalies.subList(0, 1));

        List<byte[]> repeated = new ArrayList<>(fragment6(payload, 1232, 0x99L));
        repeated.add(1, repeated.get(0).clone());
        Recorder rep = new Recorder();
        feed(new Defragmenter(), repeated, rep);
        assertEquals(1, rep.frames.size(), "a repeat is not an overlap");
        assertEquals(List.of(), rep.anomalies);
    }

    @Test
    void tinyFirstFragmentsAndOversizedDatagramsAreNamed() {
        byte[] payload = new byte[200];
        List<byte[]> frags = fragment4(udp4(payload, 9), 8); // 8 data bytes: only the UDP header
        Recorder rec = new Recorder();
        feed(new Defragmenter(), frags, rec);
        assertEquals(1, rec.frames.size());
        assertFalse(rec.anomalies.contains("defrag.tiny_first_fragment"), "8 bytes hold a UDP header");

        byte[] tcpish = udp4(payload, 10);
        tcpish[23] = 6;
        List<byte[]> tcpFrags = fragment4(tcpish, 8);
        Recorder rec2 = new Recorder();
        feed(new Defragmenter(), tcpFrags, rec2);
        assertTrue(rec2.anomalies.contains("defrag.tiny_first_fragment"), "8 bytes cannot hold a TCP header");

        byte[] last = fragment4(udp4(new byte[16], 11), 8).get(1);
        put16(last, 20, 65_528 / 8); // would end past 65,535 bytes
        Fragments.resum4(last);
        Recorder rec3 = new Recorder();
        feed(new Defragmenter(), List.of(last), rec3);
        assertEquals(List.of("defrag.datagram_too_large"), rec3.anomalies);
    }

    @Test
    void aDatagramTooLargeForTheFirstFragmentsHeaderIsDropped() {
        // Regression (seen reading the code; DefragmenterFuzzTest's invariants catch it too): each fragment
        // fit with its own 20-byte header, but the datagram takes the first fragment's 60-byte one and its
        // total length wrapped.
        byte[] first = Frames.eth(Frames.ETH_IPV4, Frames.ipv4(17, "10.0.0.1", "10.0.0.2", new byte[32_000], 0x2000, 10));
        byte[] last = Frames.eth(Frames.ETH_IPV4, Frames.ipv4(17, "10.0.0.1", "10.0.0.2", new byte[33_496], 32_000 / 8, 0));
        Recorder rec = new Recorder();
        Defragmenter d = new Defragmenter();
        feed(d, List.of(first, last), rec);
        assertEquals(List.of(), rec.frames);
        assertEquals(List.of("defrag.datagram_too_large"), rec.anomalies);
        assertEquals(0, d.pending());
        assertEquals(0, d.held());
    }

    @Test
    void memoryStaysBoundedAndIncompleteDatagramsTimeOut() {
        Defragmenter d = new Defragmenter(1000, 64 << 10, 60);
        Recorder rec = new Recorder();
        PacketDecoder dec = new PacketDecoder();
        for (int i = 0; i < 5000; i++) {
            byte[] f = fragment4(udp4(new byte[1000], i), 512).get(0); // first fragments only, never completed
            DecodedPacket p = new DecodedPacket();
            p.reset(f, i * 1_000_000L, f.length);
            dec.decode(LinkType.ETHERNET, f, 0, f.length, p);
            d.add(i * 1_000_000L, LinkType.ETHERNET, 0, p, rec);
            assertTrue(d.held() <= (64 << 10) + 2048);
        }
        assertTrue(d.dropped > 0);
        d.expire(200_000_000_000L, rec);
        assertEquals(0, d.pending());
        assertEquals(0, d.held());
    }
}
