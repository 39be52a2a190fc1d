package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.decode.DecodedPacket;

/**
 * Reads the TCP options reassembly needs from a decoded segment, in place: timestamps (kind 8,
 * RFC 7323 §3), the window scale (kind 3, §2), TCP Fast Open (kind 34, RFC 7413 §4.1.1) and the
 * MD5 signature (kind 19, RFC 2385). Parsing stops at the end-of-list option or at the
 * first malformed one (a length under 2 or past the header), as receiving stacks do; an option of the
 * wrong length is ignored. One instance per worker thread, reused for every segment.
 */
final class TcpOptions {
    private static final int EOL = 0;
    private static final int NOP = 1;
    private static final int WINDOW_SCALE = 3;
    private static final int TIMESTAMPS = 8;
    private static final int FAST_OPEN = 34;
    private static final int MD5_SIGNATURE = 19;
    /** RFC 7323 §2.3: larger shifts are taken as 14. */
    static final int MAX_SHIFT = 14;

    /** Whether the segment carries the timestamps option. */
    boolean timestamps;
    /** TSval and TSecr (unsigned 32 bits) when {@link #timestamps}. */
    long tsval;
    long tsecr;
    /** The window scale shift offered (SYN segments), at most {@value #MAX_SHIFT}; -1 when absent. */
    int windowShift;
    /** Whether the segment carries the Fast Open option (a cookie, or a request for one). */
    boolean fastOpen;
    /**
     * Whether the segment carries a TCP MD5 signature. TCP-AO (kind 29) is not counted: only kernels
     * built with it (Linux 6.7 on) drop an unexpected one, older ones skip it as unknown.
     */
    boolean signed;

    /** Reads the options of {@code p}'s TCP header and returns this. */
    TcpOptions read(DecodedPacket p) {
        timestamps = false;
        windowShift = -1;
        fastOpen = false;
        signed = false;
        byte[] b = p.buf;
        int end = p.payloadOff;
        int o = p.tcpOff + 20;
        while (o < end) {
            int kind = b[o] & 0xFF;
            if (kind == EOL) {
                break;
            }
            if (kind == NOP) {
                o++;
                continue;
            }
            if (o + 1 >= end) {
                break;
            }
            int len = b[o + 1] & 0xFF;
            if (len < 2 || o + len > end) {
                break;
            }
            if (kind == TIMESTAMPS && len == 10) {
                timestamps = true;
                tsval = u32(b, o + 2);
                tsecr = u32(b, o + 6);
            } else if (kind == WINDOW_SCALE && len == 3) {
                windowShift = Math.min(MAX_SHIFT, b[o + 2] & 0xFF);
            } else if (kind == FAST_OPEN) {
                fastOpen = true;
            } else if (kind == MD5_SIGNATURE) {
                signed = true;
            }
            o += len;
        }
        return this;
    }

    /**
     * Packs what the SYN {@code p} (whose options these are) offered into an int, for a SYN remembered
     * before any state: timestamps, window scale, Fast Open (the option, or data on the SYN itself), an
     * MD5 signature, and whether it came inside an IPsec Authentication Header.
     */
    int synOffer(DecodedPacket p) {
        return (timestamps ? 1 : 0) | (windowShift + 1) << 1 | (fastOpen || p.payloadLen > 0 ? 1 << 5 : 0) | (signed ? 1 << 6 : 0)
                | (p.ipsecAh ? 1 << 7 : 0);
    }

    /** Tells whether a packed SYN offer came inside an IPsec Authentication Header (the peers have security associations). */
    static boolean offeredAh(int offer) {
        return (offer & 1 << 7) != 0;
    }

    /** Tells whether a packed SYN offer ({@link #synOffer}) carried an MD5 signature (the peers have keys). */
    static boolean offeredSignature(int offer) {
        return (offer & 1 << 6) != 0;
    }

    /** Tells whether a packed SYN offer ({@link #synOffer}) used TCP Fast Open. */
    static boolean offeredFastOpen(int offer) {
        return (offer & 1 << 5) != 0;
    }

    /** Tells whether a packed SYN offer ({@link #synOffer}) had timestamps. */
    static boolean offeredTimestamps(int offer) {
        return (offer & 1) != 0;
    }

    /** Returns the window scale shift of a packed SYN offer, or -1. */
    static int offeredShift(int offer) {
        return (offer >>> 1 & 0xF) - 1;
    }

    /**
     * Returns an advertised window in bytes: unscaled in a SYN segment, scaled by the shift the
     * sender's SYN offered ({@code fromOffer}) once both SYNs offered one, by nothing when either SYN
     * did not, and by the largest shift when the handshake was not seen (RFC 7323 §2.2-2.3). Offers
     * are packed ({@link #synOffer}); -1 for a SYN not seen.
     */
    static long windowBytes(int window, boolean syn, int fromOffer, int toOffer) {
        if (syn) {
            return window;
        }
        int shift = MAX_SHIFT;
        if (fromOffer >= 0 && toOffer >= 0) {
            shift = offeredShift(fromOffer) >= 0 && offeredShift(toOffer) >= 0 ? offeredShift(fromOffer) : 0;
        }
        return (long) window << shift;
    }

    private static long u32(byte[] b, int o) {
        return ((b[o] & 0xFFL) << 24) | ((b[o + 1] & 0xFFL) << 16) | ((b[o + 2] & 0xFFL) << 8) | (b[o + 3] & 0xFFL);
    }
}
