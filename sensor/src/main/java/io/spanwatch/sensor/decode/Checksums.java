package io.spanwatch.sensor.decode;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Verifies the Internet checksums of a decoded TCP packet (RFC 1071): the IPv4 header's and the TCP
 * segment's over its pseudo-header (RFC 793 §3.1, RFC 8200 §8.1), as its receiver does before anything
 * else. Summed eight bytes at a time: 2^32 is 1 modulo 0xFFFF, so the two halves of a big-endian long
 * add up to what its four 16-bit words do.
 */
public final class Checksums {
    /** Both checksums are right. */
    public static final int VALID = 1;
    /** One of them is wrong. */
    public static final int INVALID = 0;
    /**
     * Not known: the capture cut the segment (snaplen), the packet is not TCP, or its TCP checksum
     * field holds only the pseudo-header's sum, as Linux leaves it for the NIC to finish
     * ({@code CHECKSUM_PARTIAL}: what a capture on the sending host, a veth pair or a virtio NIC shows).
     */
    public static final int UNKNOWN = -1;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final int P_TCP = 6;
    private static final int P_UDP = 17;

    private Checksums() {
    }

    /** Checks a TCP packet's IPv4 header checksum (IPv4) and its TCP checksum. */
    public static int tcp(DecodedPacket p) {
        if (!p.isTcp() || p.fragment || p.payloadMissing > 0) {
            return UNKNOWN;
        }
        byte[] b = p.buf;
        int tcpLen = p.payloadOff + p.payloadLen - p.tcpOff;
        long sum;
        if (p.ipVersion == 4) {
            // the decoder summed the header already (ipv4ChecksumWrong); a field of 0, which it does not
            // judge, is wrong here unless the header adds up with it
            if (p.ipv4ChecksumWrong
                    || b[p.ipOff + 10] == 0 && b[p.ipOff + 11] == 0 && fold(sum(b, p.ipOff, (b[p.ipOff] & 0x0f) * 4, 0)) != 0xffff) {
                return INVALID;
            }
            sum = sum(b, p.srcAddrOff, 4, 0) + sum(b, p.dstAddrOff, 4, 0);
        } else {
            sum = sum(b, p.srcAddrOff, 16, 0) + sum(b, p.dstAddrOff, 16, 0);
        }
        sum += P_TCP + tcpLen;
        if (fold(sum(b, p.tcpOff, tcpLen, sum)) == 0xffff) {
            return VALID;
        }
        int field = ((b[p.tcpOff + 16] & 0xff) << 8) | (b[p.tcpOff + 17] & 0xff);
        return field == fold(sum) ? UNKNOWN : INVALID; // Linux's offload leaves the pseudo-header's sum there
    }

    /**
     * Tells whether a tunnel checksum that does not add up over the captured bytes (GRE's, summed to
     * {@code tunnelSum} over everything it covers) adds up over the packet as it leaves the NIC: the
     * packet inside ({@code inner}, IPv4 or IPv6 up to {@code end}) is TCP or UDP whose checksum field
     * holds only its pseudo-header's sum, and the tunnel checksum matches once that field holds the
     * right checksum. Linux fills a GRE checksum so when the inner packet's checksum is left to the NIC
     * ({@code CHECKSUM_PARTIAL}): {@code gre_build_header} takes {@code lco_csum(skb)}, local checksum
     * offload (the kernel's {@code checksum-offloads.rst}), the sum the packet will have once the NIC
     * writes the inner checksum; a capture on the tunnel's sending end sees it before the NIC does. The
     * tunnel's far end takes such a packet, and the inner checksum is then judged as any TCP checksum
     * left to offload is ({@link #UNKNOWN}).
     */
    static boolean partialInner(byte[] b, int inner, int end, long tunnelSum) {
        if (end - inner < 20) {
            return false;
        }
        int version = (b[inner] & 0xff) >>> 4;
        int l4;
        int proto;
        long pseudo;
        if (version == 4) {
            int hl = (b[inner] & 0x0f) * 4;
            boolean fragment = (((b[inner + 6] & 0x3f) << 8) | (b[inner + 7] & 0xff)) != 0;
            if (hl < 20 || fragment || PacketDecoder.u16(b, inner + 2) != end - inner) {
                return false;
            }
            l4 = inner + hl;
            proto = b[inner + 9] & 0xff;
            pseudo = sum(b, inner + 12, 8, 0);
        } else if (version == 6) {
            if (end - inner < 40 || PacketDecoder.u16(b, inner + 4) != end - inner - 40) {
                return false;
            }
            l4 = inner + 40;
            proto = b[inner + 6] & 0xff;
            pseudo = sum(b, inner + 8, 32, 0);
        } else {
            return false;
        }
        int field = proto == P_TCP ? 16 : proto == P_UDP ? 6 : -1;
        if (field < 0 || end - l4 < (proto == P_TCP ? 20 : 8)) {
            return false;
        }
        pseudo += proto + (end - l4);
        int partial = PacketDecoder.u16(b, l4 + field);
        if (partial != fold(pseudo)) {
            return false;
        }
        // Both sums are plain sums of 16-bit words, so taking the partial field out of them is exact.
        int filled = ~fold(sum(b, l4, end - l4, pseudo) - partial) & 0xffff;
        return fold(tunnelSum - partial + filled) == 0xffff;
    }

    /**
     * Tells whether the checksum of a UDP datagram ({@code b[udp, end)}, whole, inside the IP header
     * {@code out} holds) is wrong on the wire. Not judged: a field of 0 (no checksum: RFC 768 over IPv4,
     * RFC 6935 for tunnels over IPv6), one holding only the pseudo-header's sum ({@code CHECKSUM_PARTIAL},
     * a capture on the sending end), and one that adds up once the NIC fills in the checksum of a TCP or
     * UDP packet inside that the sending end left to it ({@link #partialInner}: Linux's UDP tunnels fill
     * the outer checksum by local checksum offload, {@code udp_set_csum} with {@code lco_csum}), found as
     * the IP packet that ends with the datagram within {@link #MAX_TUNNEL_HEADERS} bytes of its start.
     */
    static boolean udpWrong(byte[] b, DecodedPacket out, int udp, int end) {
        int field = PacketDecoder.u16(b, udp + 6);
        if (field == 0) {
            return false;
        }
        int addr = out.ipVersion == 4 ? 4 : 16;
        long pseudo = sum(b, out.srcAddrOff, addr, 0) + sum(b, out.dstAddrOff, addr, 0) + P_UDP + (end - udp);
        long sum = sum(b, udp, end - udp, pseudo);
        if (fold(sum) == 0xffff || field == fold(pseudo)) {
            return false;
        }
        for (int inner = udp + 8; inner <= Math.min(end - 20, udp + 8 + MAX_TUNNEL_HEADERS); inner++) {
            if (partialInner(b, inner, end, sum)) {
                return false;
            }
        }
        return true;
    }

    /** The most bytes of tunnel headers looked through for the packet inside (Geneve's 260 and Ethernet with tags). */
    static final int MAX_TUNNEL_HEADERS = 320;

    /** Adds the 16-bit big-endian words of {@code b[off, off + len)} to {@code acc}, a last odd byte padded with zero. */
    public static long sum(byte[] b, int off, int len, long acc) {
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            long v = (long) LONGS.get(b, i);
            acc += (v >>> 32) + (v & 0xffff_ffffL);
        }
        for (; i + 2 <= end; i += 2) {
            acc += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        }
        if (i < end) {
            acc += (b[i] & 0xff) << 8;
        }
        return acc;
    }

    /** Folds a sum to 16 bits, carries added back in. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }
}
