package io.spanwatch.sensor.flow;

import io.spanwatch.sensor.decode.DecodedPacket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Computes Community ID v1 flow hashes ({@code "1:" + base64(sha1(...))}), the direction-free flow id
 * Zeek, Suricata and most SIEMs share.
 *
 * <p>Hash input, all in network byte order: seed (2 bytes), the two addresses, protocol (1 byte), a
 * zero byte, and for TCP, UDP, SCTP, ICMP and ICMPv6 the two ports (2 bytes each). Endpoints are ordered
 * so the smaller address (then the smaller port) comes first. ICMP and ICMPv6 use the type as source port
 * and the paired "counter-type" as destination port for request/reply types; unpaired types are one-way
 * (type, code) and never swapped.
 *
 * <p>Addresses are read in place from {@code (bytes, offset)}; the only allocation per call is the
 * returned string. Not thread-safe: each thread keeps its own instance (it holds a reused digest and
 * scratch buffers).
 */
public final class CommunityId {
    /** Version prefix of every id. */
    public static final String PREFIX = "1:";

    private static final int P_ICMP = 1;
    private static final int P_TCP = 6;
    private static final int P_UDP = 17;
    private static final int P_ICMPV6 = 58;
    private static final int P_SCTP = 132;

    private static final int SHA1_LEN = 20;
    private static final int MAX_INPUT = 2 + 16 + 16 + 1 + 1 + 2 + 2;
    private static final byte[] BASE64 =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final int seed;
    private final MessageDigest sha1;
    private final byte[] input = new byte[MAX_INPUT];
    private final byte[] digest = new byte[SHA1_LEN];
    private final byte[] text = new byte[2 + 2 * SHA1_LEN];

    /** Creates a hasher for a seed in 0..65535 (0 is the default everyone uses). */
    public CommunityId(int seed) {
        if (seed < 0 || seed > 0xffff) {
            throw new IllegalArgumentException("community-id seed must be 0..65535, got " + seed);
        }
        this.seed = seed;
        try {
            this.sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JDK", e);
        }
    }

    /** Returns the seed. */
    public int seed() {
        return seed;
    }

    /**
     * Returns the id of a flow, base64 form.
     *
     * @param addrLen 4 (IPv4) or 16 (IPv6)
     * @param srcPort transport source port, or ICMP type
     * @param dstPort transport destination port, or ICMP code
     */
    public String compute(int proto, byte[] src, int srcOff, byte[] dst, int dstOff, int addrLen,
            int srcPort, int dstPort) {
        hash(proto, src, srcOff, dst, dstOff, addrLen, srcPort, dstPort);
        text[0] = '1';
        text[1] = ':';
        int t = 2;
        int i = 0;
        for (; i + 3 <= SHA1_LEN; i += 3) {
            int v = (digest[i] & 0xff) << 16 | (digest[i + 1] & 0xff) << 8 | (digest[i + 2] & 0xff);
            text[t++] = BASE64[v >>> 18];
            text[t++] = BASE64[(v >>> 12) & 63];
            text[t++] = BASE64[(v >>> 6) & 63];
            text[t++] = BASE64[v & 63];
        }
        // 20 = 6 * 3 + 2: two bytes left, three characters and one pad
        int v = (digest[i] & 0xff) << 16 | (digest[i + 1] & 0xff) << 8;
        text[t++] = BASE64[v >>> 18];
        text[t++] = BASE64[(v >>> 12) & 63];
        text[t++] = BASE64[(v >>> 6) & 63];
        text[t++] = '=';
        return new String(text, 0, t, StandardCharsets.ISO_8859_1);
    }

    /** Returns the id of a flow in the hexadecimal ({@code --no-base64}) form. */
    public String computeHex(int proto, byte[] src, int srcOff, byte[] dst, int dstOff, int addrLen,
            int srcPort, int dstPort) {
        hash(proto, src, srcOff, dst, dstOff, addrLen, srcPort, dstPort);
        text[0] = '1';
        text[1] = ':';
        for (int i = 0; i < SHA1_LEN; i++) {
            text[2 + 2 * i] = HEX[(digest[i] & 0xff) >>> 4];
            text[3 + 2 * i] = HEX[digest[i] & 0x0f];
        }
        return new String(text, 0, 2 + 2 * SHA1_LEN, StandardCharsets.ISO_8859_1);
    }

    /**
     * Returns the id of a decoded packet's flow (innermost IP header), or {@code null} when no IP header
     * was decoded. A fragment hashes with ports 0 as its ports are not known.
     */
    public String compute(DecodedPacket p) {
        if (p.ipVersion == 0 || p.proto < 0) {
            return null;
        }
        int sport = p.fragment ? 0 : p.srcPort;
        int dport = p.fragment ? 0 : p.dstPort;
        return compute(p.proto, p.buf, p.srcAddrOff, p.buf, p.dstAddrOff, p.addrLen(), sport, dport);
    }

    /** Returns the id of a flow given as {@link InetAddress}es (both of one family); for tests and tools. */
    public static String of(int seed, InetAddress src, InetAddress dst, int proto, int srcPort, int dstPort) {
        byte[] s = src.getAddress();
        byte[] d = dst.getAddress();
        if (s.length != d.length) {
            throw new IllegalArgumentException("addresses of different families: " + src + ", " + dst);
        }
        return new CommunityId(seed).compute(proto, s, 0, d, 0, s.length, srcPort, dstPort);
    }

    private void hash(int proto, byte[] src, int srcOff, byte[] dst, int dstOff, int addrLen, int srcPort,
            int dstPort) {
        if (addrLen != 4 && addrLen != 16) {
            throw new IllegalArgumentException("address length must be 4 or 16, got " + addrLen);
        }
        boolean ports = proto == P_TCP || proto == P_UDP || proto == P_SCTP || proto == P_ICMP || proto == P_ICMPV6;
        int sport = srcPort & 0xffff;
        int dport = dstPort & 0xffff;
        boolean oneWay = false;
        if (proto == P_ICMP || proto == P_ICMPV6) {
            int counter = proto == P_ICMP ? icmpCounterType(sport) : icmp6CounterType(sport);
            if (counter < 0) {
                oneWay = true; // (type, code) as given
            } else {
                dport = counter;
            }
        }
        int cmp = Arrays.compareUnsigned(src, srcOff, srcOff + addrLen, dst, dstOff, dstOff + addrLen);
        boolean keep = oneWay || cmp < 0 || (cmp == 0 && (!ports || sport <= dport));
        byte[] in = input;
        int n = 0;
        in[n++] = (byte) (seed >>> 8);
        in[n++] = (byte) seed;
        if (keep) {
            System.arraycopy(src, srcOff, in, n, addrLen);
            System.arraycopy(dst, dstOff, in, n + addrLen, addrLen);
        } else {
            System.arraycopy(dst, dstOff, in, n, addrLen);
            System.arraycopy(src, srcOff, in, n + addrLen, addrLen);
            int t = sport;
            sport = dport;
            dport = t;
        }
        n += 2 * addrLen;
        in[n++] = (byte) proto;
        in[n++] = 0;
        if (ports) {
            in[n++] = (byte) (sport >>> 8);
            in[n++] = (byte) sport;
            in[n++] = (byte) (dport >>> 8);
            in[n++] = (byte) dport;
        }
        sha1.reset();
        sha1.update(in, 0, n);
        try {
            sha1.digest(digest, 0, SHA1_LEN);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-1 digest of unexpected length", e);
        }
    }

    /** Returns the ICMPv4 type paired with {@code type} (request/reply), or -1 when it has none. */
    static int icmpCounterType(int type) {
        return switch (type) {
            case 8 -> 0;   // echo request -> echo reply
            case 0 -> 8;
            case 13 -> 14; // timestamp
            case 14 -> 13;
            case 15 -> 16; // information
            case 16 -> 15;
            case 10 -> 9;  // router solicitation / advertisement
            case 9 -> 10;
            case 17 -> 18; // address mask
            case 18 -> 17;
            default -> -1;
        };
    }

    /** Returns the ICMPv6 type paired with {@code type} (request/reply), or -1 when it has none. */
    static int icmp6CounterType(int type) {
        return switch (type) {
            case 128 -> 129; // echo
            case 129 -> 128;
            case 133 -> 134; // router solicitation / advertisement
            case 134 -> 133;
            case 135 -> 136; // neighbor solicitation / advertisement
            case 136 -> 135;
            case 130 -> 131; // multicast listener query / report
            case 131 -> 130;
            case 139 -> 140; // node information query / response
            case 140 -> 139;
            case 144 -> 145; // home agent address discovery
            case 145 -> 144;
            default -> -1;
        };
    }
}
