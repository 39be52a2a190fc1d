package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

import io.spanwatch.sensor.capture.LinkType;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Feeds the decoder random bytes, every truncation of valid frames and random bit flips; nothing may
 * throw. The seed is printed; replay with {@code -Dtests.seed=N}.
 */
class DecoderRobustnessTest {
    private static final int[] LINK_TYPES = {LinkType.NULL, LinkType.ETHERNET, LinkType.RAW_BSD,
        LinkType.RAW_OPENBSD, LinkType.RAW, LinkType.LOOP, LinkType.LINUX_SLL, LinkType.IPV4, LinkType.IPV6,
        LinkType.LINUX_SLL2, LinkType.PPP, LinkType.PPP_HDLC, LinkType.C_HDLC, LinkType.IEEE802_11, LinkType.IEEE802_11_RADIOTAP,
        LinkType.NFLOG, 147, LinkType.PFLOG, LinkType.ENC, LinkType.IPNET, LinkType.PKTAP, LinkType.PPI, LinkType.IEEE802_11_PRISM,
        LinkType.IEEE802_11_AVS, LinkType.NETANALYZER, LinkType.NETANALYZER_TRANSPARENT, LinkType.MPLS, LinkType.ATM_RFC1483};

    private static long seed;
    private final PacketDecoder decoder = new PacketDecoder();
    private final DecodedPacket out = new DecodedPacket();

    @BeforeAll
    static void pickSeed() {
        String given = System.getProperty("tests.seed");
        seed = given != null && !given.isBlank() ? Long.parseLong(given.trim()) : new Random().nextLong();
        System.out.println("DecoderRobustnessTest seed: " + seed + " (replay with -Dtests.seed=" + seed + ")");
    }

    /** Valid frames of every kind the decoder knows, as (link type, bytes). */
    static List<Object[]> corpus() {
        byte[] tcp4 = ipv4(6, "10.0.0.1", "10.0.0.2", tcp(1234, 80, 1, 2, 0x18, ascii("GET / HTTP/1.1\r\n"), 2));
        byte[] udp4 = ipv4(17, "10.0.0.1", "10.0.0.2", udp(53, 53, ascii("query")));
        byte[] tcp6 = ipv6(0, "2001:db8::1", "2001:db8::2", cat(ext(43, 0), ext(60, 1), ext(51, 0),
                cat(bytes(44, 1), new byte[10]), frag6(6, 0, false), tcp(1, 2, ascii("six"))));
        byte[] frag6 = ipv6(44, "2001:db8::1", "2001:db8::2", cat(frag6(17, 0, true), udp(1, 2, new byte[16])));
        byte[] inner = ethTcp4(ascii("inner"));
        byte[] teredo = ipv4(17, "192.0.2.1", "192.0.2.2", udp(3544, 4000, cat(bytes(0, 1, 1, 1, 9, 9),
                new byte[9], cat(u16(0), u16(1), u32(2)), ipv6(17, "2001::1", "2001::2", udp(5, 6, ascii("t"))))));
        List<Object[]> frames = new ArrayList<>();
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, tcp4)});
        frames.add(new Object[] {LinkType.ETHERNET, ethTagged(new int[] {0x88a8, 0x8100}, new int[] {1, 2}, ETH_IPV6, tcp6)});
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV6, frag6)});
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(47, "1.1.1.1", "2.2.2.2",
                gre(true, true, true, 0x6558, inner)))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(47, "1.1.1.1", "2.2.2.2",
                gre(false, false, true, 0x88be, cat(new byte[8], inner))))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(17, "1.1.1.1", "2.2.2.2",
                udp(9, 4789, vxlan(7, inner))))});
        frames.add(new Object[] {LinkType.RAW, teredo});
        frames.add(new Object[] {LinkType.RAW, ipv4(17, "1.1.1.1", "2.2.2.2", udp(9, 6081,
                cat(bytes(1, 0), u16(0x6558), u32(0x100), bytes(1, 8, 1, 0), inner)))});
        frames.add(new Object[] {LinkType.RAW, ipv4(4, "1.1.1.1", "2.2.2.2", ipv4(41, "3.3.3.3", "4.4.4.4", tcp6))});
        frames.add(new Object[] {LinkType.LINUX_SLL, cat(new byte[14], u16(0x0800), udp4)});
        frames.add(new Object[] {LinkType.LINUX_SLL2, cat(u16(0x86dd), new byte[18], tcp6)});
        frames.add(new Object[] {LinkType.NULL, cat(bytes(2, 0, 0, 0), tcp4)});
        frames.add(new Object[] {LinkType.LOOP, cat(bytes(0, 0, 0, 30), tcp6)});
        frames.add(new Object[] {LinkType.IPV4, ipv4(1, "1.1.1.1", "2.2.2.2", icmp(8, 0, new byte[8]))});
        frames.add(new Object[] {LinkType.IPV6, ipv6(58, "::1", "::2", icmp(128, 0, new byte[8]))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(0x8847, cat(bytes(0, 1, 1, 64), udp4))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(0x8864, cat(bytes(0x11, 0, 0, 1), u16(udp4.length + 2),
                u16(0x0021), udp4))});
        // The tunnels recognised by content or with optional parts: each becomes a fuzzing seed.
        byte[] teredoAddr = ipv6(6, "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:db8::80", tcp(40_000, 80, ascii("GET /")));
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(17, "198.51.100.20", "192.0.2.99",
                udp(51_413, 62_001, cat(teredoOrigin(62_001, "192.0.2.99"), teredoAddr))))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(17, "192.0.2.10", "192.0.2.20", udp(2152, 2152,
                gtpu(3, new byte[][] {gtpuExt(1, 0x40), gtpuExt(2, 0)}, tcp4))))});
        frames.add(new Object[] {LinkType.RAW, ipv4(17, "192.0.2.10", "192.0.2.20", udp(40_000, 40_001,
                gtpu(-1, new byte[0][], ipv4(17, "10.45.0.7", "10.0.0.2", cat(bytes(0, 5, 0, 6), u16(8), u16(0))))))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(17, "192.0.2.10", "192.0.2.20", udp(2152, 2152,
                gtpu(-1, new byte[0][], frag6))))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(17, "1.1.1.1", "2.2.2.2", udp(50_000, 4754,
                gre(false, true, false, 0x86dd, tcp6))))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(47, "10.1.1.10", "10.1.1.1", gre(false, false, false, 0x8210,
                wlanData(true, true, false, false, snap(ETH_IPV4, tcp4)))))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(47, "10.1.1.1", "10.1.1.10", gre(false, false, false, 0x9000,
                wlanData(true, false, true, true, cat(amsduSubframe(ETH_IPV4, udp4, false), amsduSubframe(ETH_IPV6, tcp6, true))))))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(17, "198.51.100.5", "192.0.2.50", udp(40_000, 5072,
                ayiya(41, tcp6))))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(47, "198.51.100.9", "192.0.2.60", pptp(0x0021, tcp4)))});
        // Ethernet over MPLS, with the control word and without it
        frames.add(new Object[] {LinkType.ETHERNET, eth(0x8847, cat(mplsLabels(100, 16), bytes(0, 0, 0, 1),
                ethTagged(new int[] {0x8100}, new int[] {5}, ETH_IPV6, tcp6)))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(0x8847, cat(mplsLabels(100), eth(ETH_IPV4, tcp4)))});
        // MPLS carried by tunnels: in GRE, in IP (protocol 137), in UDP (RFC 7510)
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV6, ipv6(47, "2001:db8::a", "2001:db8::b",
                gre(false, true, false, 0x8847, cat(mplsLabels(100, 16), tcp4))))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(137, "1.1.1.1", "2.2.2.2",
                cat(mplsLabels(16), bytes(0, 0, 0, 1), eth(ETH_IPV6, tcp6))))});
        frames.add(new Object[] {LinkType.RAW, ipv4(17, "1.1.1.1", "2.2.2.2", udp(50_000, 6635, cat(mplsLabels(2), tcp6)))});
        // Other systems' link types: pflog, enc, ipnet, PKTAP, PPI, Prism, AVS, netANALYZER, MPLS, ATM
        frames.add(new Object[] {LinkType.PFLOG, cat(bytes(61, 2, 0, 0), new byte[60], tcp4)});
        frames.add(new Object[] {LinkType.ENC, cat(bytes(2, 0, 0, 0), new byte[8], tcp4)});
        frames.add(new Object[] {LinkType.IPNET, cat(bytes(2, 26), new byte[22], tcp6)});
        frames.add(new Object[] {LinkType.PKTAP, cat(bytes(108, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0), new byte[96], eth(ETH_IPV4, tcp4))});
        frames.add(new Object[] {LinkType.PPI, cat(bytes(0, 0, 8, 0, 105, 0, 0, 0), wlanData(false, false, false, false, snap(ETH_IPV4, tcp4)))});
        frames.add(new Object[] {LinkType.IEEE802_11_PRISM, cat(bytes(0x44, 0, 0, 0, 144, 0, 0, 0), new byte[136],
                wlanData(false, false, false, false, snap(ETH_IPV6, tcp6)))});
        frames.add(new Object[] {LinkType.IEEE802_11_AVS, cat(u32(0x80211001L), u32(64), new byte[56],
                wlanData(true, false, false, false, snap(ETH_IPV4, udp4)))});
        frames.add(new Object[] {LinkType.NETANALYZER_TRANSPARENT, cat(new byte[4], bytes(0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xd5),
                eth(ETH_IPV4, tcp4), new byte[4])});
        frames.add(new Object[] {LinkType.MPLS, cat(mplsLabels(16), tcp4)});
        frames.add(new Object[] {LinkType.ATM_RFC1483, cat(bytes(0xaa, 0xaa, 3, 0, 0x80, 0xc2, 0, 7, 0, 0), eth(ETH_IPV6, tcp6))});
        // VXLAN-GPE naming NSH (with IPv4 after it) and, P clear, Ethernet
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(17, "1.1.1.1", "2.2.2.2", udp(50_000, 4790,
                vxlanGpe(7, 4, cat(bytes(0, 2, 2, 1), bytes(0, 0, 7, 0xfe), tcp4)))))});
        frames.add(new Object[] {LinkType.RAW, ipv6(17, "2001:db8::a", "2001:db8::b", udp(50_000, 4790, vxlanGpe(7, -1, inner)))});
        // L2TPv3 Ethernet pseudowires: over IP with an 8-byte cookie and the sublayer, in UDP with a 4-byte cookie and VLAN
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(115, "1.1.1.1", "2.2.2.2",
                l2tpv3(0x1234, bytes(1, 2, 3, 4, 5, 6, 7, 8), 9, inner)))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(17, "1.1.1.1", "2.2.2.2", udp(1701, 1701,
                l2tpv3Udp(l2tpv3(0x1234, bytes(1, 2, 3, 4), -1, ethTagged(new int[] {0x8100}, new int[] {3}, ETH_IPV6, tcp6))))))});
        // ESP-NULL in UDP (NAT traversal), tunnel mode; LISP-GPE carrying Ethernet; the Juniper link types' header
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(17, "1.1.1.1", "2.2.2.2", udp(4500, 4500,
                espNull(0x1000, tcp4, 4, 1, 12))))});
        frames.add(new Object[] {LinkType.ETHERNET, eth(ETH_IPV4, ipv4(17, "1.1.1.1", "2.2.2.2", udp(50_000, 4341,
                cat(bytes(0x8c, 0, 1, 3), u32(0x100), inner))))});
        frames.add(new Object[] {LinkType.JUNIPER_ETHER, cat(juniper(0x81, JuniperDecodeTest.EXTENSIONS), eth(ETH_IPV4, tcp4))});
        frames.add(new Object[] {LinkType.JUNIPER_PPP, cat(juniper(0x82, JuniperDecodeTest.EXTENSIONS), bytes(6, 0, 0, 0), tcp6)});
        frames.add(new Object[] {LinkType.JUNIPER_GGSN, cat(juniper(0x01, null), bytes(2, 0, 1, 0), udp4)});
        frames.add(new Object[] {LinkType.JUNIPER_VN, cat(bytes(1, 4, 10, 0, 0, 1, 255, 0), eth(ETH_IPV4, udp4))});
        return frames;
    }

    private void decodeQuietly(int linkType, byte[] buf, int off, int len, int wireLen, String what) {
        out.reset(buf, 0, wireLen);
        try {
            decoder.decode(linkType, buf, off, len, out);
            if (out.ipVersion != 0 && out.anomaly == null) {
                // whatever was decoded must lie inside the frame
                assertTrue(out.payloadOff >= off && out.payloadOff + out.payloadLen <= off + len,
                        () -> "payload outside the frame: " + what);
                assertTrue(out.srcAddrOff >= off && out.dstAddrOff + out.addrLen() <= off + len,
                        () -> "address outside the frame: " + what);
            }
        } catch (RuntimeException e) {
            throw new AssertionError("decoder threw on " + what + " (seed " + seed + ", linktype " + linkType
                    + "): " + HexFormat.of().formatHex(buf, off, off + len), e);
        }
    }

    @Test
    void everyFrameDecodesWhole() {
        for (Object[] f : corpus()) {
            byte[] frame = (byte[]) f[1];
            out.reset(frame, 0, frame.length);
            assertTrue(decoder.decode((Integer) f[0], frame, 0, frame.length, out),
                    () -> "frame should decode: " + HexFormat.of().formatHex(frame) + " anomaly " + out.anomaly);
        }
    }

    @Test
    void everyTruncation() {
        for (Object[] f : corpus()) {
            byte[] frame = (byte[]) f[1];
            for (int len = 0; len <= frame.length; len++) {
                byte[] buf = java.util.Arrays.copyOf(frame, len); // exact-size array: any overrun would throw
                decodeQuietly((Integer) f[0], buf, 0, len, len, "truncation to " + len);
                decodeQuietly((Integer) f[0], buf, 0, len, frame.length, "snaplen cut to " + len);
            }
        }
    }

    @Test
    void randomBitFlips() {
        Random rnd = new Random(seed);
        for (Object[] f : corpus()) {
            byte[] frame = (byte[]) f[1];
            for (int round = 0; round < 3000; round++) {
                byte[] buf = frame.clone();
                int flips = 1 + rnd.nextInt(6);
                for (int i = 0; i < flips; i++) {
                    buf[rnd.nextInt(buf.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
                int len = rnd.nextInt(4) == 0 ? rnd.nextInt(buf.length + 1) : buf.length;
                decodeQuietly((Integer) f[0], buf, 0, len, rnd.nextBoolean() ? len : buf.length,
                        "bit flips round " + round);
            }
        }
    }

    @Test
    void randomBytes() {
        Random rnd = new Random(seed ^ 0x5eed);
        for (int round = 0; round < 50_000; round++) {
            byte[] buf = new byte[rnd.nextInt(200)];
            rnd.nextBytes(buf);
            if (buf.length > 0 && rnd.nextBoolean()) {
                buf[0] = (byte) (rnd.nextBoolean() ? 0x45 : 0x60); // start like an IP header now and then
            }
            int off = buf.length == 0 ? 0 : rnd.nextInt(buf.length);
            int lt = LINK_TYPES[rnd.nextInt(LINK_TYPES.length)];
            decodeQuietly(lt, buf, off, buf.length - off, rnd.nextInt(300), "random bytes round " + round);
        }
    }
}
