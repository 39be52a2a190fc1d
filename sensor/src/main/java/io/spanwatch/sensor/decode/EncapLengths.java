package io.spanwatch.sensor.decode;

import java.util.Arrays;

/**
 * Rebuilds a tunnelled frame around another inner packet: the length fields of every header that
 * encloses the innermost packet (outer IPv4 total length and checksum, IPv6 payload length, UDP
 * length, GTP-U length, 802.11 A-MSDU subframe length) are set so that each header ends where the
 * new frame ends. Used for an inner
 * datagram put back together from fragments ({@link Defragmenter}) and for each subframe of an
 * 802.11 A-MSDU, so that the rebuilt frame decodes like any other, with its tunnels, VLANs and flow.
 *
 * <p>The decoder records the fields in {@link DecodedPacket#encapLengths} as {@code offset << 3 | kind}.
 * UDP checksums of rebuilt frames are set to 0 (nothing in SpanWatch checks them).
 */
public final class EncapLengths {
    static final int IPV4 = 0;
    static final int IPV6 = 1;
    static final int UDP = 2;
    static final int GTPU = 3;
    static final int AMSDU = 4;
    private static final int KIND_BITS = 3;
    private static final int KIND_MASK = 7;

    /** Most A-MSDU subframes taken from one frame; the rest are counted as dropped. */
    public static final int MAX_AMSDU_SUBFRAMES = 64;
    /** 802.11 A-MSDU subframe header: destination, source, length. */
    static final int AMSDU_HLEN = 14;

    private EncapLengths() {
    }

    /** Records that the header of {@code kind} whose length field is at {@code off} encloses what follows. */
    static void record(DecodedPacket out, int kind, int off) {
        if (out.encapLengthCount < out.encapLengths.length) {
            out.encapLengths[out.encapLengthCount++] = off << KIND_BITS | kind;
        }
    }

    /**
     * Returns the recorded fields of {@code p} with offsets made relative to {@code frameOff}, or
     * null when the packet was not in a tunnel.
     */
    public static int[] relative(DecodedPacket p, int frameOff) {
        if (p.encapLengthCount == 0) {
            return null;
        }
        int[] r = Arrays.copyOf(p.encapLengths, p.encapLengthCount);
        for (int i = 0; i < r.length; i++) {
            r[i] = ((r[i] >>> KIND_BITS) - frameOff) << KIND_BITS | (r[i] & KIND_MASK);
        }
        return r;
    }

    /**
     * Sets the length fields {@code fields} (relative to the frame start, from {@link #relative}) of
     * {@code frame} so that each enclosing header ends at the frame's end.
     *
     * @return false when a length would not fit its 16 bits (the frame is then unusable)
     */
    public static boolean fit(byte[] frame, int[] fields) {
        if (fields == null) {
            return true;
        }
        for (int f : fields) {
            int at = f >>> KIND_BITS;
            int kind = f & KIND_MASK;
            int from = switch (kind) {
                case IPV4 -> at - 2;   // total length counts from the IPv4 header's start
                case IPV6 -> at + 36;  // payload length (at offset 4) counts from the end of the 40-byte header
                case UDP -> at - 4;    // UDP length counts from the UDP header's start
                case GTPU -> at + 6;   // GTP-U length counts from the end of its 8-byte header
                default -> at + 2;     // an A-MSDU subframe's length counts from the end of its 14-byte header
            };
            int v = frame.length - from;
            if (v < 0 || v > 0xffff) {
                return false;
            }
            if (kind == IPV6 && u16(frame, at) == 0) {
                continue; // jumbogram: the length is in an option
            }
            put16(frame, at, v);
            if (kind == IPV4) {
                int ip = at - 2;
                int hlen = (frame[ip] & 0x0f) * 4;
                put16(frame, ip + 10, 0);
                put16(frame, ip + 10, checksum(frame, ip, hlen));
            } else if (kind == UDP) {
                put16(frame, at + 2, 0);
            }
        }
        return true;
    }

    /**
     * Returns the frame of one more A-MSDU subframe: the bytes of the frame at {@code frameOff} before
     * the first subframe ({@code start}), then the subframe at {@code sub}, the enclosing lengths
     * {@code fields} set; null when the subframe overruns the A-MSDU ({@code end}) or the frame cannot
     * be rebuilt.
     */
    public static byte[] subframe(byte[] b, int frameOff, int start, int end, int[] fields, int sub) {
        int len = subframeLength(b, sub, end);
        if (len < 0) {
            return null;
        }
        int head = start - frameOff;
        byte[] f = new byte[head + len];
        System.arraycopy(b, frameOff, f, 0, head);
        System.arraycopy(b, sub, f, head, len);
        return fit(f, fields) ? f : null;
    }

    /** Returns the offset of the subframe after the one at {@code sub} (padded to 4 bytes), or -1 at the end. */
    public static int nextSubframe(byte[] b, int sub, int end) {
        int len = subframeLength(b, sub, end);
        if (len < 0) {
            return -1;
        }
        int next = sub + ((len + 3) & ~3);
        return next + AMSDU_HLEN <= end ? next : -1;
    }

    /** Returns the length of the subframe at {@code sub} with its header, or -1 when it does not fit before {@code end}. */
    static int subframeLength(byte[] b, int sub, int end) {
        if (sub < 0 || end - sub < AMSDU_HLEN) {
            return -1;
        }
        int len = AMSDU_HLEN + u16(b, sub + 12);
        return len <= end - sub ? len : -1;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
    }

    private static void put16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }

    static int checksum(byte[] b, int off, int len) {
        long s = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            s += ((b[off + i] & 0xff) << 8) | (b[off + i + 1] & 0xff);
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) (~s & 0xffff);
    }
}
