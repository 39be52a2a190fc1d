package io.spanwatch.sensor.decode;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Builds frames byte by byte for decoder and capture tests (checksums are left zero). */
public final class Frames {
    public static final int ETH_IPV4 = 0x0800;
    public static final int ETH_IPV6 = 0x86dd;

    private Frames() {
    }

    /** Concatenates byte arrays. */
    public static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    /** Returns bytes from ints (each cut to 8 bits). */
    public static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    public static byte[] u16(int v) {
        return bytes(v >> 8, v);
    }

    public static byte[] u32(long v) {
        return bytes((int) (v >> 24), (int) (v >> 16), (int) (v >> 8), (int) v);
    }

    public static byte[] addr(String a) {
        try {
            return InetAddress.getByName(a).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(a, e);
        }
    }

    /** Ethernet II header with fixed MACs. */
    public static byte[] eth(int etherType, byte[] payload) {
        return cat(bytes(0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb), u16(etherType),
                payload);
    }

    /** Ethernet with VLAN tags: tpids[i] carries vids[i], outer first. */
    public static byte[] ethTagged(int[] tpids, int[] vids, int etherType, byte[] payload) {
        byte[] tags = new byte[0];
        for (int i = 0; i < tpids.length; i++) {
            int next = i + 1 < tpids.length ? tpids[i + 1] : etherType;
            tags = cat(tags, u16(vids[i] | 0x2000), u16(next));
        }
        return eth(tpids[0], cat(tags, payload));
    }

    /** IPv4 header (20 bytes + optionWords*4) before payload. */
    public static byte[] ipv4(int proto, String src, String dst, byte[] payload, int fragField, int optionWords) {
        int hlen = 20 + optionWords * 4;
        byte[] h = cat(bytes(0x40 | (hlen / 4), 0), u16(hlen + payload.length), u16(0x1234), u16(fragField),
                bytes(64, proto), u16(0), addr(src), addr(dst), new byte[optionWords * 4]);
        return cat(h, payload);
    }

    public static byte[] ipv4(int proto, String src, String dst, byte[] payload) {
        return ipv4(proto, src, dst, payload, 0x4000, 0);
    }

    /** IPv6 header; payload holds any extension headers. */
    public static byte[] ipv6(int next, String src, String dst, byte[] payload) {
        return cat(bytes(0x60, 0, 0, 0), u16(payload.length), bytes(next, 64), addr(src), addr(dst), payload);
    }

    /** A generic IPv6 extension header of (units+1)*8 bytes. */
    public static byte[] ext(int next, int units) {
        byte[] h = new byte[(units + 1) * 8];
        h[0] = (byte) next;
        h[1] = (byte) units;
        return h;
    }

    /** IPv6 fragment header. */
    public static byte[] frag6(int next, int offsetUnits, boolean more) {
        return cat(bytes(next, 0), u16(offsetUnits << 3 | (more ? 1 : 0)), u32(0xabcdef));
    }

    public static byte[] tcp(int sport, int dport, long seq, long ack, int flags, byte[] payload, int optionWords) {
        int hlen = 20 + optionWords * 4;
        byte[] opts = new byte[optionWords * 4];
        java.util.Arrays.fill(opts, (byte) 1); // NOPs
        return cat(u16(sport), u16(dport), u32(seq), u32(ack), bytes((hlen / 4) << 4, flags), u16(65535), u16(0),
                u16(0), opts, payload);
    }

    public static byte[] tcp(int sport, int dport, byte[] payload) {
        return tcp(sport, dport, 1000, 2000, 0x18, payload, 0);
    }

    public static byte[] udp(int sport, int dport, byte[] payload) {
        return cat(u16(sport), u16(dport), u16(8 + payload.length), u16(0), payload);
    }

    public static byte[] icmp(int type, int code, byte[] payload) {
        return cat(bytes(type, code), u16(0), u32(0x00010002), payload);
    }

    /** GRE v0 header with optional checksum, key and sequence fields. */
    public static byte[] gre(boolean c, boolean k, boolean s, int proto, byte[] payload) {
        int flags = (c ? 0x8000 : 0) | (k ? 0x2000 : 0) | (s ? 0x1000 : 0);
        byte[] g = cat(u16(flags), u16(proto), c ? u32(0) : new byte[0], k ? u32(42) : new byte[0],
                s ? u32(7) : new byte[0], payload);
        if (c) { // RFC 2784 §2.2: over the GRE header and its payload
            int sum = ~io.spanwatch.sensor.decode.Checksums.fold(io.spanwatch.sensor.decode.Checksums.sum(g, 0, g.length, 0));
            g[4] = (byte) (sum >> 8);
            g[5] = (byte) sum;
        }
        return g;
    }

    /** An MPLS label stack (RFC 3032) of the given 20-bit labels, TTL 64, the last one at the bottom. */
    public static byte[] mplsLabels(int... labels) {
        byte[] s = new byte[0];
        for (int i = 0; i < labels.length; i++) {
            int v = labels[i];
            s = cat(s, bytes(v >> 12, v >> 4, (v & 0x0f) << 4 | (i == labels.length - 1 ? 1 : 0), 64));
        }
        return s;
    }

    public static byte[] vxlan(int vni, byte[] innerEthernet) {
        return cat(bytes(0x08, 0, 0, 0), bytes(vni >> 16, vni >> 8, vni, 0), innerEthernet);
    }

    /**
     * A VXLAN-GPE header (draft-ietf-nvo3-vxlan-gpe), version 0, I set, with VNI {@code vni}: P set and
     * next protocol {@code next} (1 IPv4, 2 IPv6, 3 Ethernet, 4 NSH, 5 MPLS) when {@code next} is not
     * negative, P clear (Ethernet, as VXLAN) otherwise; then the payload.
     */
    public static byte[] vxlanGpe(int vni, int next, byte[] payload) {
        return cat(bytes(next >= 0 ? 0x0c : 0x08, 0, 0, Math.max(next, 0)), bytes(vni >> 16, vni >> 8, vni, 0), payload);
    }

    /**
     * An L2TPv3 data message (RFC 3931 §4.1) as it follows an IP header of protocol 115: session id
     * {@code session}, {@code cookie} (0, 4 or 8 bytes), the default layer 2-specific sublayer (S set,
     * sequence number {@code seq}) when {@code seq} is not negative, then the Ethernet {@code frame}.
     */
    public static byte[] l2tpv3(long session, byte[] cookie, int seq, byte[] frame) {
        return cat(u32(session), cookie, seq >= 0 ? bytes(0x40, seq >> 16, seq >> 8, seq) : new byte[0], frame);
    }

    /** An L2TPv3 message in UDP (RFC 3931 §4.1.2.1): T clear, version 3, reserved bytes, then {@link #l2tpv3}'s message. */
    public static byte[] l2tpv3Udp(byte[] message) {
        return cat(u16(0x0003), u16(0), message);
    }

    /**
     * GTP-U G-PDU (3GPP TS 29.281) with TEID 7: the optional 4-byte block when a sequence number, N-PDU
     * number or extension header is given, then the extension headers (each whole, its length byte
     * first and the next type last), then the payload. {@code exts} empty and {@code seq < 0}: the plain
     * 8-byte header.
     */
    public static byte[] gtpu(int seq, byte[][] exts, byte[] payload) {
        boolean opt = seq >= 0 || exts.length > 0;
        int flags = 0x30 | (seq >= 0 ? 0x02 : 0) | (exts.length > 0 ? 0x04 : 0);
        byte[] chain = new byte[0];
        for (byte[] e : exts) {
            chain = cat(chain, e);
        }
        int firstType = exts.length > 0 ? 0x85 : 0;
        byte[] optional = opt ? cat(u16(Math.max(seq, 0)), bytes(0, firstType)) : new byte[0];
        byte[] body = cat(optional, chain, payload);
        return cat(bytes(flags, 0xff), u16(body.length), u32(7), body);
    }

    /** One GTP-U extension header of {@code units} 4-byte units (content zero) followed by type {@code next}. */
    public static byte[] gtpuExt(int units, int next) {
        byte[] e = new byte[units * 4];
        e[0] = (byte) units;
        e[e.length - 1] = (byte) next;
        return e;
    }

    /** Teredo origin indication for a client at {@code port} / {@code addr} (both obfuscated as RFC 4380 says). */
    public static byte[] teredoOrigin(int port, String addr) {
        byte[] a = addr(addr);
        for (int i = 0; i < a.length; i++) {
            a[i] ^= (byte) 0xff;
        }
        return cat(u16(0), u16(port ^ 0xffff), a);
    }

    /** Teredo authentication indicator with the given client id and authenticator, nonce and confirmation. */
    public static byte[] teredoAuth(byte[] clientId, byte[] authenticator) {
        return cat(u16(1), bytes(clientId.length, authenticator.length), clientId, authenticator,
                bytes(1, 2, 3, 4, 5, 6, 7, 8), bytes(0));
    }

    /**
     * IEEE 802.11 data frame to the distribution system (as Aruba access points tunnel them), with QoS
     * control when {@code qos}, HT control when {@code htc}, a fourth address when {@code wds}, the
     * A-MSDU bit when {@code amsdu}, then {@code body} (LLC/SNAP and the packet, or A-MSDU subframes).
     */
    public static byte[] wlanData(boolean qos, boolean htc, boolean wds, boolean amsdu, byte[] body) {
        int fc0 = qos ? 0x88 : 0x08;
        int fc1 = (wds ? 0x03 : 0x01) | (htc ? 0x80 : 0);
        byte[] hdr = cat(bytes(fc0, fc1), u16(0x2c00), bytes(0, 0x1a, 0x1e, 1, 2, 3), bytes(0xa4, 0x5e, 0x60, 4, 5, 6),
                bytes(0, 0x1a, 0x1e, 7, 8, 9), u16(0x1230));
        if (wds) {
            hdr = cat(hdr, bytes(0, 0x1a, 0x1e, 0xa, 0xb, 0xc));
        }
        if (qos) {
            hdr = cat(hdr, bytes(amsdu ? 0x80 : 0, 0));
        }
        if (htc) {
            hdr = cat(hdr, u32(0));
        }
        return cat(hdr, body);
    }

    /** LLC/SNAP header (RFC 1042) for an EtherType, then the packet. */
    public static byte[] snap(int etherType, byte[] packet) {
        return cat(bytes(0xaa, 0xaa, 0x03, 0, 0, 0), u16(etherType), packet);
    }

    /** One A-MSDU subframe (destination, source, length, LLC/SNAP and packet), padded to 4 bytes unless {@code last}. */
    public static byte[] amsduSubframe(int etherType, byte[] packet, boolean last) {
        byte[] body = snap(etherType, packet);
        byte[] sub = cat(bytes(0, 0x1a, 0x1e, 7, 8, 9), bytes(0xa4, 0x5e, 0x60, 4, 5, 6), u16(body.length), body);
        return last || sub.length % 4 == 0 ? sub : cat(sub, new byte[4 - sub.length % 4]);
    }

    /**
     * A CAPWAP data header (RFC 5415 §4.3) of {@code words} 4-byte words (2 without optional fields)
     * before {@code payload}: T set for a native (802.11, wireless binding 1) frame, F for a fragment, K
     * for a keep-alive.
     */
    public static byte[] capwap(int words, boolean t, boolean f, boolean k, byte[] payload) {
        int word = words << 19 | 1 << 14 | 1 << 9 | (t ? 1 << 8 : 0) | (f ? 1 << 7 : 0) | (k ? 1 << 3 : 0);
        return cat(u32(word & 0xffffffffL), u16(0x1234), u16(0), new byte[Math.max(0, words - 2) * 4], payload);
    }

    /**
     * A CAPWAP fragment (RFC 5415 §3.4): header of {@code words} words with F set (and L when
     * {@code last}), fragment id {@code id}, the data's offset {@code offset} (bytes, a multiple of 8).
     */
    public static byte[] capwapFragment(int words, boolean t, int id, int offset, boolean last, byte[] data) {
        byte[] c = capwap(words, t, true, false, data);
        c[3] |= (byte) (last ? 0x40 : 0);
        c[4] = (byte) (id >> 8);
        c[5] = (byte) id;
        int field = (offset / 8) << 3;
        c[6] = (byte) (field >> 8);
        c[7] = (byte) field;
        return c;
    }

    /**
     * An L2TP version 2 data message (RFC 2661): with the length field when {@code length}, Ns/Nr when
     * {@code sequence}, {@code offset} bytes of offset padding when not negative; then PPP (address,
     * control, protocol) and the packet.
     */
    public static byte[] l2tp(boolean length, boolean sequence, int offset, int pppProto, byte[] packet) {
        byte[] ppp = cat(bytes(0xff, 0x03), u16(pppProto), packet);
        byte[] rest = cat(u16(0x1f01), u16(0x2a02), sequence ? cat(u16(5), u16(3)) : new byte[0],
                offset >= 0 ? cat(u16(offset), new byte[offset]) : new byte[0], ppp);
        int flags = 0x0002 | (length ? 0x4000 : 0) | (sequence ? 0x0800 : 0) | (offset >= 0 ? 0x0200 : 0);
        return length ? cat(u16(flags), u16(4 + rest.length), rest) : cat(u16(flags), rest);
    }

    /** AYIYA header (identity 16 bytes, SHA-1 signature 20 bytes, forward) before an IP packet. */
    public static byte[] ayiya(int nextHeader, byte[] packet) {
        return cat(bytes(0x41, 0x52, 0x11, nextHeader), u32(1_700_000_000L), new byte[16], new byte[20], packet);
    }

    /** Enhanced GRE (version 1, PPTP) with key and sequence number, PPP address/control, protocol and packet. */
    public static byte[] pptp(int pppProto, byte[] packet) {
        byte[] ppp = cat(bytes(0xff, 0x03), u16(pppProto), packet);
        return cat(u16(0x3001), u16(0x880b), u16(ppp.length), u16(0x4000), u32(1), ppp);
    }

    /** MikroTik's EoIP: GRE flags 0x2001, protocol 0x6400, the frame's length (big-endian), the tunnel id (little-endian), the frame. */
    public static byte[] eoip(int tunnelId, byte[] frame) {
        return cat(u16(0x2001), u16(0x6400), u16(frame.length), bytes(tunnelId & 0xff, tunnelId >> 8 & 0xff), frame);
    }

    /**
     * An ESP packet with NULL encryption (RFC 2410): SPI, sequence number, {@code payload}, RFC 4303's
     * default padding to a 4-byte boundary plus {@code extraPad} 4-byte words, pad length, {@code next},
     * and an ICV of {@code icvLen} bytes (0xa5).
     */
    public static byte[] espNull(long spi, byte[] payload, int next, int extraPad, int icvLen) {
        int pad = (4 - (payload.length + 2) % 4) % 4 + 4 * extraPad;
        byte[] padding = new byte[pad];
        for (int i = 0; i < pad; i++) {
            padding[i] = (byte) (i + 1);
        }
        byte[] icv = new byte[icvLen];
        java.util.Arrays.fill(icv, (byte) 0xa5);
        return cat(u32(spi), u32(1), payload, padding, bytes(pad, next), icv);
    }

    /**
     * A Juniper router's header before a captured frame: the magic "MGC", {@code flags} (0x01 in, 0x02
     * no layer 2 header, 0x80 extensions), and with 0x80 the length of {@code extensions} and them.
     */
    public static byte[] juniper(int flags, byte[] extensions) {
        return (flags & 0x80) != 0 ? cat(bytes(0x4d, 0x47, 0x43, flags), u16(extensions.length), extensions) : bytes(0x4d, 0x47, 0x43, flags);
    }

    public static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** A plain Ethernet/IPv4/TCP frame carrying {@code payload}. */
    public static byte[] ethTcp4(byte[] payload) {
        return eth(ETH_IPV4, ipv4(6, "10.0.0.1", "10.0.0.2", tcp(1234, 80, payload)));
    }
}
