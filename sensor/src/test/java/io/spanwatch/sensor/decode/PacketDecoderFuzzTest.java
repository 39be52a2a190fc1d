package io.spanwatch.sensor.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.fuzz.DemoTraffic;
import io.spanwatch.sensor.fuzz.FuzzInput;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes {@link PacketDecoder} with any frame on any link type, tunnels included. Input: link type
 * (u8 index), snap-length cut (u8 flag, u16 bytes), junk bytes before the frame (u8), the frame (rest).
 *
 * <p>Invariants: decoding never throws (malformed input is an anomaly); the return value says
 * "IP and no anomaly"; every offset it reports lies inside the frame and the IP header; a missing
 * payload is never more than the snap length cut; tunnels stay within the depth limit; the result is
 * the same wherever the frame sits in a larger buffer (nothing outside {@code [off, off+len)} is read)
 * and after the same {@link DecodedPacket} decoded another frame (reset clears everything).
 */
public class PacketDecoderFuzzTest {
    static final int[] LINK_TYPES = {LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.NULL,
        LinkType.LOOP, LinkType.RAW, LinkType.RAW_BSD, LinkType.RAW_OPENBSD, LinkType.IPV4, LinkType.IPV6, LinkType.PPP,
        LinkType.PPP_HDLC, LinkType.C_HDLC, LinkType.IEEE802_11, LinkType.IEEE802_11_RADIOTAP, LinkType.NFLOG, 147, LinkType.PFLOG, LinkType.ENC, LinkType.IPNET, LinkType.PKTAP, LinkType.PPI, LinkType.IEEE802_11_PRISM,
        LinkType.IEEE802_11_AVS, LinkType.NETANALYZER, LinkType.NETANALYZER_TRANSPARENT, LinkType.MPLS, LinkType.ATM_RFC1483,
        LinkType.JUNIPER_ETHER, LinkType.JUNIPER_PPPOE, LinkType.JUNIPER_PPP, LinkType.JUNIPER_CHDLC, LinkType.JUNIPER_GGSN,
        LinkType.JUNIPER_VP, LinkType.JUNIPER_SERVICES, LinkType.JUNIPER_VN, LinkType.ERF, LinkType.PPP_ETHER, LinkType.PPP_WITH_DIR,
        LinkType.C_HDLC_WITH_DIR};

    private final PacketDecoder decoder = new PacketDecoder();
    private final DecodedPacket fresh = new DecodedPacket();
    private final DecodedPacket reused = new DecodedPacket();
    /** A frame that sets most fields (GRE, Ethernet, VLAN-free IPv4/TCP inside), decoded before each reuse check. */
    private final byte[] dirty = dirtyFrame();

    @FuzzTest(maxDuration = "10s")
    void anyFrame(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        int linkType = LINK_TYPES[in.below(LINK_TYPES.length)];
        int cut = in.bool() ? in.u16() : 0;
        int prefix = in.u8() & 15;
        byte[] frame = in.rest();
        int len = frame.length;

        // Exact-size array: any read past the end throws.
        fresh.reset(frame, 7, len + cut);
        boolean ok = decoder.decode(linkType, frame, 0, len, fresh);
        String expected = check(fresh, ok, 0, len, cut);

        // The same frame inside a larger buffer, with a copy of it as junk after: same result.
        byte[] big = new byte[prefix + len + len + 8];
        Arrays.fill(big, 0, prefix, (byte) 0x45);
        System.arraycopy(frame, 0, big, prefix, len);
        System.arraycopy(frame, 0, big, prefix + len, len);
        reused.reset(dirty, 1, dirty.length);
        decoder.decode(LinkType.ETHERNET, dirty, 0, dirty.length, reused);
        reused.reset(big, 7, len + cut);
        boolean ok2 = decoder.decode(linkType, big, prefix, len, reused);
        assertEquals(expected, check(reused, ok2, prefix, len, cut), "same frame at offset " + prefix
                + " in a larger buffer, decoded into a reused packet");
    }

    /** Asserts the invariants of one result and returns it as text with offsets made relative to the frame. */
    private static String check(DecodedPacket p, boolean ok, int off, int len, int cut) {
        int end = off + len;
        assertEquals(p.anomaly == null && p.ipVersion != 0, ok, "return value");
        assertTrue(p.tunnelDepth <= PacketDecoder.DEFAULT_MAX_TUNNEL_DEPTH, "tunnel depth " + p.tunnelDepth);
        assertTrue(p.vlanCount >= 0, "vlan count");
        if (p.ipVersion == 0) {
            assertEquals(0, p.payloadLen, "payload without IP");
            return "not ip " + p.anomaly + " vlans " + p.vlanCount;
        }
        assertTrue(p.ipVersion == 4 || p.ipVersion == 6, "ip version " + p.ipVersion);
        int hlen = p.ipVersion == 4 ? 20 : 40;
        assertTrue(p.ipOff >= off && p.ipOff + hlen <= end, "IP header outside the frame");
        assertTrue(p.srcAddrOff >= p.ipOff && p.srcAddrOff + p.addrLen() <= p.ipOff + hlen, "source address");
        assertTrue(p.dstAddrOff >= p.ipOff && p.dstAddrOff + p.addrLen() <= p.ipOff + hlen, "destination address");
        assertTrue(p.payloadLen >= 0 && p.payloadMissing >= 0, "negative payload length");
        if (p.payloadLen > 0 || p.payloadOff != 0) {
            assertTrue(p.payloadOff >= p.ipOff + hlen && p.payloadOff + p.payloadLen <= end,
                    "payload [" + p.payloadOff + ", +" + p.payloadLen + ") outside [" + (p.ipOff + hlen) + ", " + end + ")");
        }
        if (ok) {
            assertTrue(p.payloadMissing <= cut, "missing " + p.payloadMissing + " more than the cut " + cut);
        }
        if (p.fragment && p.ipVersion == 6) {
            assertTrue(p.fragHdrOff >= p.ipOff + hlen && p.fragHdrOff + 8 <= end, "fragment header outside");
            assertTrue(p.fragPrevNextOff >= p.ipOff && p.fragPrevNextOff < p.fragHdrOff, "fragment's next-header byte");
        }
        assertTrue(p.decapCount >= 0 && p.decapCount <= DecodedPacket.MAX_DECAPS, "decapsulations");
        for (int i = 0; i < p.encapLengthCount; i++) {
            int at = p.encapLengths[i] >>> 3;
            assertTrue(at >= off && at + 2 <= end, "length field outside the frame");
        }
        if (p.amsduNext >= 0) {
            assertTrue(p.amsduStart >= off && p.amsduStart < p.amsduNext && p.amsduNext < p.amsduEnd && p.amsduEnd <= end,
                    "A-MSDU subframes outside the frame");
        }
        if (ok && p.isTcp()) {
            assertTrue(p.payloadOff >= p.ipOff + hlen + 20, "TCP payload inside the TCP header");
            assertTrue(p.seq >= 0 && p.seq <= 0xffffffffL && p.ack >= 0 && p.ack <= 0xffffffffL, "sequence numbers");
        }
        return "ip" + p.ipVersion + " at " + (p.ipOff - off) + " src " + (p.srcAddrOff - off) + " dst " + (p.dstAddrOff - off)
                + " proto " + p.proto + " frag " + p.fragment + "/" + p.fragOffset + "/" + p.fragMore + "/" + p.fragId
                + "/" + (p.fragHdrOff < 0 ? -1 : p.fragHdrOff - off) + "/" + (p.fragPrevNextOff < 0 ? -1 : p.fragPrevNextOff - off)
                + " ports " + p.srcPort + ">" + p.dstPort + " tcp " + p.tcpFlags + "/" + p.seq + "/" + p.ack + "/" + p.window
                + " payload " + (p.payloadLen == 0 && p.payloadOff == 0 ? 0 : p.payloadOff - off) + "+" + p.payloadLen
                + "-" + p.payloadMissing + " vlans " + p.vlanCount + Arrays.toString(Arrays.copyOf(p.vlans,
                        Math.min(p.vlanCount, DecodedPacket.MAX_VLANS))) + " tunnels " + p.tunnelDepth + " " + p.anomaly
                + " decaps " + Arrays.toString(Arrays.copyOf(p.decaps, p.decapCount)) + " lengths " + p.encapLengthCount
                + " amsdu " + (p.amsduNext < 0 ? -1 : p.amsduNext - off);
    }

    private static byte[] dirtyFrame() {
        byte[] inner = Frames.eth(Frames.ETH_IPV4, Frames.ipv4(6, "10.9.8.7", "10.6.5.4",
                Frames.tcp(4321, 8080, 77, 88, 0x12, Frames.ascii("dirty"), 1)));
        return Frames.eth(Frames.ETH_IPV4, Frames.ipv4(47, "1.1.1.1", "2.2.2.2", Frames.gre(true, true, true, 0x6558, inner)));
    }

    /** Seeds: every kind of frame of the decoder tests, and the demo capture's first frames of each kind. */
    public static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        int i = 0;
        for (Object[] f : DecoderRobustnessTest.corpus()) {
            seeds.put("frame-" + i++, seed((Integer) f[0], 0, 0, (byte[]) f[1]));
        }
        List<DemoTraffic.Frame> demo = DemoTraffic.frames();
        int[] picks = {0, 1, 3, 4, demo.size() - 3, demo.size() - 1};
        for (int k : picks) {
            seeds.put("demo-" + k, seed(LinkType.ETHERNET, 0, 0, demo.get(k).bytes()));
        }
        byte[] v6 = demo.stream().map(DemoTraffic.Frame::bytes).filter(b -> b[12] == (byte) 0x86).findFirst().orElseThrow();
        seeds.put("demo-ipv6", seed(LinkType.ETHERNET, 0, 3, v6));
        byte[] data = demo.get(3).bytes();
        seeds.put("demo-snaplen-cut", seed(LinkType.ETHERNET, 100, 0, Arrays.copyOf(data, Math.min(data.length, 100))));
        return seeds;
    }

    private static byte[] seed(int linkType, int cut, int prefix, byte[] frame) {
        int index = 0;
        while (LINK_TYPES[index] != linkType) {
            index++;
        }
        FuzzInput.Writer w = new FuzzInput.Writer().below(LINK_TYPES.length, index).bool(cut > 0);
        if (cut > 0) {
            w.u16(cut);
        }
        return w.u8(prefix).raw(frame).toByteArray();
    }
}
