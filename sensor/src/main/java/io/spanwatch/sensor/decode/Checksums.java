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
            int hl = (b[p.ipOff] & 0x0f) * 4;
            if (fold(sum(b, p.ipOff, hl, 0)) != 0xffff) {
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
