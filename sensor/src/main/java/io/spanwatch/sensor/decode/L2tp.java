package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.PacketDecoder.anomaly;
import static io.spanwatch.sensor.decode.PacketDecoder.payload;
import static io.spanwatch.sensor.decode.PacketDecoder.u16;

/**
 * Decodes L2TP for {@link Tunnels}: version 2 data messages in UDP (RFC 2661, PPP between an access
 * concentrator and a network server) and version 3 (RFC 3931) straight over IP (protocol 115) and in
 * UDP, carrying Ethernet pseudowires (RFC 4719). Control messages of either version are left as the
 * packets they are.
 *
 * <p>L2TPv3 does not say how long its cookie and sublayer are (the routers are configured with them):
 * unless {@link TunnelConfig} fixes them they are found from the Ethernet frame that must follow
 * ({@link #v3Data}). Immutable after construction; shared like its decoder.
 */
final class L2tp {
    // L2TP version 2 (RFC 2661 §3.1): flags and version, then optional length, ids, optional Ns/Nr and offset
    private static final int L2TP_MIN_HLEN = 6;
    private static final int L2TP_T = 0x8000;
    private static final int L2TP_L = 0x4000;
    private static final int L2TP_S = 0x0800;
    private static final int L2TP_O = 0x0200;
    private static final int L2TP_RESERVED = 0x34f0;
    private static final int L2TP_VERSION = 0x000f;
    // L2TP version 3 (RFC 3931 §4.1): over UDP flags and version and 2 reserved bytes, then (over IP
    // straight away) the session id, the cookie, the layer 2-specific sublayer and the Ethernet frame
    private static final int L2TPV3_UDP_HLEN = 4;
    private static final int L2TPV3_SESSION_LEN = 4;
    private static final int L2TPV3_VERSION = 3;
    /** Cookie lengths (RFC 3931 §4.1) and sublayer lengths (none, or the default sublayer of §4.6) tried. */
    private static final int[] L2TPV3_COOKIES = {0, 4, 8};
    private static final int[] L2TPV3_SUBLAYERS = {0, 4};
    // Ethernet, as read to find an L2TPv3 pseudowire's frame
    private static final int ETH_HLEN = 14;
    private static final int ETH_TYPE = 12;
    private static final int VLAN_HLEN = 4;
    /** VLAN tags stepped over before the payload of a pseudowire's frame is judged (QinQ). */
    private static final int L2TPV3_MAX_TAGS = 2;
    /** Longest frame (no FCS; 60 bytes, 64 with a tag) that may carry padding after a short packet. */
    private static final int ETH_MAX_PADDED = 64;
    private static final int ARP_LEN = 28;
    // IPv6 header fields, as read to judge a pseudowire's packet
    private static final int IPV6_HLEN = 40;
    private static final int IPV6_PLEN = 4;

    private final Tunnels tunnels;
    private final PacketDecoder dec;
    /**
     * Where an L2TPv3 data message's Ethernet frame may start, counted from the end of its session id,
     * in the order tried: each sum of a cookie and a sublayer length the configuration allows, once,
     * shortest first. One entry when both lengths are configured.
     */
    private final int[] v3Offsets;

    L2tp(Tunnels tunnels, PacketDecoder dec, TunnelConfig c) {
        this.tunnels = tunnels;
        this.dec = dec;
        int[] cookies = c.l2tpv3CookieLength() == TunnelConfig.DETECT ? L2TPV3_COOKIES : new int[] {c.l2tpv3CookieLength()};
        int[] sublayers = c.l2tpv3Sublayer() == TunnelConfig.DETECT ? L2TPV3_SUBLAYERS : new int[] {c.l2tpv3Sublayer()};
        this.v3Offsets = java.util.Arrays.stream(cookies).flatMap(k -> java.util.Arrays.stream(sublayers).map(n -> k + n))
                .distinct().sorted().toArray();
    }

    /**
     * Decodes an L2TP version 2 data message (RFC 2661 §3.1) and the PPP frame it carries when that
     * holds IPv4 or IPv6: the T bit clear (control messages stay UDP), version 2, the reserved bits
     * clear, the length (when present) exactly the datagram's, then tunnel and session ids, the
     * sequence numbers and the offset padding when present. Anything else stays plain UDP, so another
     * protocol on the port is not taken for L2TP. Version 3 (RFC 3931), on the same port, goes to
     * {@link #v3Udp}.
     */
    boolean udp(byte[] b, int udpOff, int p, int end, int missing, int cut, DecodedPacket out) {
        if (end - p >= 2 && (b[p + 1] & L2TP_VERSION) == L2TPV3_VERSION) {
            return v3Udp(b, udpOff, p, end, missing, cut, out);
        }
        if (end - p < L2TP_MIN_HLEN) {
            return true;
        }
        int flags = u16(b, p);
        if ((flags & (L2TP_T | L2TP_RESERVED | L2TP_VERSION)) != 2) {
            return true;
        }
        int q = p + 2;
        if ((flags & L2TP_L) != 0) {
            if (u16(b, q) != end + missing - p) {
                return true;
            }
            q += 2;
        }
        q += 4 + ((flags & L2TP_S) != 0 ? 4 : 0); // tunnel and session ids, Ns and Nr
        if ((flags & L2TP_O) != 0) {
            if (end - q < 2) {
                return true;
            }
            q += 2 + u16(b, q);
        }
        long ppp = q < end ? LinkLayers.pppProtocol(b, q, end) : -1;
        int proto = (int) (ppp >>> 32);
        if (ppp < 0 || !LinkLayers.pppCarriesPacket(proto)) {
            return true; // LCP, IPCP, compressed or encrypted data
        }
        return tunnels.enter(out, TunnelKind.L2TP, udpOff, -1) && LinkLayers.pppPayload(dec, proto, b, (int) ppp, end, cut, out);
    }

    // ---- L2TP version 3 ----

    /**
     * Decodes an L2TPv3 message straight over IP (protocol 115, RFC 3931 §4.1.1): a session id of 0
     * starts a control message, which is left as it is ({@link DecodedPacket#l2tpv3Control}); any other
     * starts a data message ({@link #v3Data}).
     */
    boolean ip(byte[] b, int p, int ipEnd, int missing, int cut, DecodedPacket out) {
        payload(out, p, ipEnd, missing);
        if (ipEnd - p < L2TPV3_SESSION_LEN) {
            return missing > 0 || anomaly(out, DecodeAnomaly.L2TPV3_TRUNCATED);
        }
        if (u16(b, p) == 0 && u16(b, p + 2) == 0) {
            out.l2tpv3Control = true;
            return true;
        }
        return v3Data(b, -1, p + L2TPV3_SESSION_LEN, ipEnd, missing, cut, out);
    }

    /**
     * Decodes an L2TPv3 message in UDP (RFC 3931 §4.1.2.1; version 3 already read): the T bit set is a
     * control message, left as plain UDP ({@link DecodedPacket#l2tpv3Control}); otherwise the reserved
     * bytes (ignored, as receivers must), the session id (0 belongs to the control connection: plain
     * UDP) and the data message ({@link #v3Data}).
     */
    private boolean v3Udp(byte[] b, int udpOff, int p, int end, int missing, int cut, DecodedPacket out) {
        if ((u16(b, p) & L2TP_T) != 0) {
            out.l2tpv3Control = true;
            return true;
        }
        int q = p + L2TPV3_UDP_HLEN;
        if (end - q < L2TPV3_SESSION_LEN) {
            return missing > 0 || anomaly(out, DecodeAnomaly.L2TPV3_TRUNCATED);
        }
        if (u16(b, q) == 0 && u16(b, q + 2) == 0) {
            return true;
        }
        return v3Data(b, udpOff, q + L2TPV3_SESSION_LEN, end, missing, cut, out);
    }

    /**
     * Decodes the rest of an L2TPv3 data message, from {@code p} just after its session id: the cookie
     * (0, 4 or 8 bytes), the layer 2-specific sublayer (none, or the 4-byte default of §4.6: S bit and
     * sequence number) and the Ethernet frame of the pseudowire (RFC 4719, no FCS).
     *
     * <p>Neither length is on the wire: each session's are configured on both routers (or agreed by its
     * control connection, which a mirror rarely shows from the start). With both fixed in
     * {@link TunnelConfig} the frame is taken where they put it, whatever it carries. Otherwise they are
     * detected, as Wireshark's "detect" setting does in spirit: a cookie is opaque bytes and so, to a
     * reader, is a sublayer, so the combinations come down to where the frame starts, 0, 4, 8 or 12
     * bytes on ({@link #v3Offsets}), and the first offset whose bytes read as an Ethernet frame
     * carrying IPv4 or IPv6 whose own length is exactly the rest of the frame, after at most two VLAN
     * tags, wins ({@link #carriesPacket}; ARP for IPv4 too, which every Ethernet pseudowire carries and
     * which would otherwise be an anomaly). A fixed order, shortest first, so that the same bytes always
     * give the same answer; it decides only when two offsets both pass, and then one of them is a false
     * match. A false match at the wrong offset needs the bytes there, which are cookie, sublayer, MAC
     * addresses or the real IP header, to hold by chance an IP EtherType (16 bits), the matching version
     * nibble and a header length of 5 words or more, and a length field equal to what the message has
     * left (16 bits): about 40 bits; in a frame of 64 bytes or less, which may be padded, the length need
     * only fit, still about 25 bits. Only a cookie (or MAC addresses) chosen to look like that misleads
     * detection; {@link TunnelConfig}'s lengths then settle it. A data message no offset fits (another
     * pseudowire type: PPP, HDLC, Frame Relay, ATM; or not L2TPv3 at all) is the anomaly
     * {@code decoder.l2tpv3.unknown_payload_type}, unless the capture cut it before it could be judged.
     */
    private boolean v3Data(byte[] b, int udpOff, int p, int end, int missing, int cut, DecodedPacket out) {
        int[] offsets = v3Offsets;
        if (offsets.length == 1) {
            int q = p + offsets[0];
            if (q > end) {
                return missing > 0 || anomaly(out, DecodeAnomaly.L2TPV3_TRUNCATED);
            }
            return tunnels.enter(out, TunnelKind.L2TPV3, udpOff, -1) && dec.ethernet(b, q, end, cut, out);
        }
        for (int k : offsets) {
            if (carriesPacket(b, p + k, end, end + missing)) {
                return tunnels.enter(out, TunnelKind.L2TPV3, udpOff, -1) && dec.ethernet(b, p + k, end, cut, out);
            }
        }
        return missing > 0 || anomaly(out, DecodeAnomaly.L2TPV3_UNKNOWN_PAYLOAD);
    }

    /**
     * Tells whether an Ethernet frame that starts at {@code q} and ends at {@code until} (captured up to
     * {@code end}) carries, after at most {@value #L2TPV3_MAX_TAGS} VLAN tags, an IPv4 packet (version 4,
     * header length at least 5 words) or an IPv6 packet whose length is exactly the rest of the frame
     * (or less, in a frame short enough to be padded), or an ARP packet for IPv4 over Ethernet.
     */
    private static boolean carriesPacket(byte[] b, int q, int end, int until) {
        if (end - q < ETH_HLEN) {
            return false;
        }
        int type = u16(b, q + ETH_TYPE);
        int h = q + ETH_HLEN;
        for (int tags = 0; tags < L2TPV3_MAX_TAGS
                && (type == PacketDecoder.ETH_VLAN || type == PacketDecoder.ETH_QINQ || type == PacketDecoder.ETH_QINQ_OLD); tags++) {
            if (end - h < VLAN_HLEN) {
                return false;
            }
            type = u16(b, h + 2);
            h += VLAN_HLEN;
        }
        boolean padded = until - q <= ETH_MAX_PADDED;
        return switch (type) {
            case PacketDecoder.ETH_IPV4 -> end - h >= 20 && (b[h] & 0xf0) == 0x40
                    && fits(u16(b, h + 2), (b[h] & 0x0f) * 4, 20, until - h, padded);
            case PacketDecoder.ETH_IPV6 -> end - h >= IPV6_HLEN && (b[h] & 0xf0) == 0x60
                    && fits(IPV6_HLEN + u16(b, h + IPV6_PLEN), IPV6_HLEN, IPV6_HLEN, until - h, padded);
            case PacketDecoder.ETH_ARP -> end - h >= 6 && u16(b, h) == 1 && u16(b, h + 2) == PacketDecoder.ETH_IPV4
                    && b[h + 4] == 6 && b[h + 5] == 4 && until - h >= ARP_LEN;
            default -> false;
        };
    }

    /**
     * Tells whether an IP packet of length {@code len} with a header of {@code hlen} bytes (at least
     * {@code min}) fills the {@code rest} of its frame, or, {@code padded}, lies within it.
     */
    private static boolean fits(int len, int hlen, int min, int rest, boolean padded) {
        return hlen >= min && len >= hlen && (len == rest || (padded && len < rest));
    }
}
