package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.PacketDecoder.anomaly;
import static io.spanwatch.sensor.decode.PacketDecoder.u16;

/**
 * The link layers besides Ethernet, Linux cooked, loopback and raw IP that captures come in, read as
 * Zeek's packet analysers read them: IEEE 802.11 frames bare ({@code LINKTYPE_IEEE802_11}) or behind
 * a radiotap header ({@code LINKTYPE_IEEE802_11_RADIOTAP}), as monitor-mode Wi-Fi captures are
 * written, and behind the older Prism, AVS and PPI (Kismet) headers; PPP bare and in HDLC-like
 * framing, as serial and WAN links are captured; Cisco HDLC; Linux's NFLOG ({@code tcpdump -i
 * nflog:N}); the BSDs' packet filter log (pflog) and IPsec (enc) interfaces; Solaris' ipnet; Apple's
 * PKTAP (macOS {@code tcpdump -k}); Hilscher's netANALYZER TAPs; Endace's ERF records; LLC/SNAP over ATM; and the Network
 * Service Header of service function chains, as Suricata reads it. Only what carries IP is decoded: 802.11 management,
 * control, null and protected (encrypted) frames, PPP's control protocols and NFLOG messages without a
 * payload are not IP. Stateless; used by {@link PacketDecoder}.
 */
final class LinkLayers {
    private static final int RADIOTAP_HLEN = 8;
    private static final int CHDLC_HLEN = 4;
    private static final int NFLOG_HLEN = 4;
    private static final int NFLOG_TLV_HLEN = 4;
    /** {@code NFULA_PAYLOAD}: the packet itself, after the TLVs that describe it. */
    private static final int NFLOG_PAYLOAD = 9;
    /** Most TLVs walked before an NFLOG payload (the kernel writes about a dozen). */
    static final int MAX_NFLOG_TLVS = 32;
    private static final int PPP_IPV4 = 0x21;
    private static final int PPP_IPV6 = 0x57;
    private static final int PPP_MPLS_UC = 0x281;
    private static final int PPP_MPLS_MC = 0x283;

    private static final int NSH_HLEN = 8;
    private static final int NSH_MD1_HLEN = 24;
    private static final int NSH_IPV4 = 1;
    private static final int NSH_IPV6 = 2;
    private static final int NSH_ETHERNET = 3;
    private static final int NSH_MPLS = 5;

    private LinkLayers() {
    }

    /**
     * Decodes a Network Service Header (RFC 8300; EtherType 0x894F, also in GRE) with Suricata's checks
     * and event names: version 0; its length (in 4-byte words) short of the frame; metadata type 1
     * (fixed, 24 bytes) or 2 (variable); then IPv4, IPv6, Ethernet or MPLS.
     */
    static boolean nsh(PacketDecoder dec, byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < NSH_HLEN) {
            return anomaly(out, DecodeAnomaly.NSH_HEADER_TOO_SMALL);
        }
        if ((b[p] & 0xc0) != 0) {
            return anomaly(out, DecodeAnomaly.NSH_UNSUPPORTED_VERSION);
        }
        int hlen = (b[p + 1] & 0x3f) * 4;
        if (hlen >= end - p) {
            return anomaly(out, DecodeAnomaly.NSH_BAD_HEADER_LENGTH);
        }
        int mdType = b[p + 2] & 0x0f;
        if (mdType == 0 || mdType == 0x0f) {
            return anomaly(out, DecodeAnomaly.NSH_RESERVED_TYPE);
        }
        if (mdType == 1 && hlen != NSH_MD1_HLEN || mdType == 2 && hlen < NSH_HLEN) {
            return anomaly(out, DecodeAnomaly.NSH_BAD_HEADER_LENGTH);
        }
        if (mdType != 1 && mdType != 2) {
            return anomaly(out, DecodeAnomaly.NSH_UNSUPPORTED_TYPE);
        }
        int q = p + hlen;
        return switch (b[p + 3] & 0xff) {
            case NSH_IPV4 -> dec.ipv4(b, q, end, cut, out);
            case NSH_IPV6 -> dec.ipv6(b, q, end, cut, out);
            case NSH_ETHERNET -> dec.ethernet(b, q, end, cut, out);
            case NSH_MPLS -> dec.mpls(b, q, end, cut, out);
            default -> anomaly(out, DecodeAnomaly.NSH_UNKNOWN_PAYLOAD); // another NSH too, as Suricata
        };
    }

    /**
     * Steps over a radiotap header (its own length, little-endian, in bytes 2-3) to the 802.11 frame.
     * A frame check sequence at the end, which the header's flags may announce, needs no trimming: the
     * IP header inside says where the packet ends.
     */
    static boolean radiotap(Tunnels tunnels, byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < RADIOTAP_HLEN) {
            return anomaly(out, DecodeAnomaly.RADIOTAP_TRUNCATED);
        }
        int hlen = (b[p + 2] & 0xff) | (b[p + 3] & 0xff) << 8;
        if (hlen < RADIOTAP_HLEN || hlen >= end - p) {
            return anomaly(out, DecodeAnomaly.RADIOTAP_TRUNCATED);
        }
        return tunnels.ieee80211(b, p + hlen, end, cut, out, -1, null);
    }

    /**
     * Decodes a PPP frame: the address and control bytes ({@code ff 03}) when present, the protocol
     * field (one byte when compressed, RFC 1661 §6.5), then IPv4, IPv6 or MPLS.
     */
    static boolean ppp(PacketDecoder dec, byte[] b, int p, int end, int cut, DecodedPacket out) {
        long ppp = pppProtocol(b, p, end);
        if (ppp < 0) {
            return anomaly(out, DecodeAnomaly.PPP_TRUNCATED);
        }
        return pppPayload(dec, (int) (ppp >>> 32), b, (int) ppp, end, cut, out);
    }

    /** Tells whether {@link #pppPayload} decodes what PPP protocol {@code proto} carries: IPv4, IPv6 or MPLS. */
    static boolean pppCarriesPacket(int proto) {
        return proto == PPP_IPV4 || proto == PPP_IPV6 || proto == PPP_MPLS_UC || proto == PPP_MPLS_MC;
    }

    /**
     * Decodes the information field at {@code q} of a PPP frame of protocol {@code proto} (PPP itself,
     * PPPoE, PPTP, L2TP): IPv4, IPv6 or MPLS; false for anything else (LCP, IPCP, compressed or
     * encrypted data), which is not IP.
     */
    static boolean pppPayload(PacketDecoder dec, int proto, byte[] b, int q, int end, int cut, DecodedPacket out) {
        return switch (proto) {
            case PPP_IPV4 -> dec.ipv4(b, q, end, cut, out);
            case PPP_IPV6 -> dec.ipv6(b, q, end, cut, out);
            case PPP_MPLS_UC, PPP_MPLS_MC -> dec.mpls(b, q, end, cut, out);
            default -> false;
        };
    }

    /**
     * Reads the start of a PPP frame at {@code p}: returns its protocol number in the high 32 bits and
     * where its information field starts in the low ones, or -1 when the frame ends before that.
     */
    static long pppProtocol(byte[] b, int p, int end) {
        if (end - p >= 2 && b[p] == (byte) 0xff && b[p + 1] == 3) {
            p += 2;
        }
        if (end - p < 1 || ((b[p] & 1) == 0 && end - p < 2)) {
            return -1;
        }
        if ((b[p] & 1) != 0) {
            return (long) (b[p] & 0xff) << 32 | (p + 1);
        }
        return (long) u16(b, p) << 32 | (p + 2);
    }

    /** Decodes a Cisco HDLC frame: address, control, an EtherType, then what it names. */
    static boolean chdlc(PacketDecoder dec, byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < CHDLC_HLEN) {
            return anomaly(out, DecodeAnomaly.CHDLC_TRUNCATED);
        }
        return dec.etherType(u16(b, p + 2), b, p + CHDLC_HLEN, end, cut, out);
    }

    /**
     * Decodes the serial and PPPoE link types captured without an Ethernet header: PPP in HDLC-like
     * framing or Cisco HDLC after a direction byte ({@code LINKTYPE_PPP_WITH_DIR}, 204, and
     * {@code LINKTYPE_C_HDLC_WITH_DIR}, 205: 0 received, anything else sent), a frame too short for it
     * {@code decoder.ppp.pkt_too_small} or {@code decoder.chdlc.pkt_too_small}; and PPPoE
     * ({@code LINKTYPE_PPP_ETHER}, 51, NetBSD's pppoe(4)): a session stage frame read as after
     * EtherType 0x8864, a discovery one (its code not 0) not IP.
     */
    static boolean withoutEthernet(PacketDecoder dec, int linkType, byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (linkType == io.spanwatch.sensor.capture.LinkType.PPP_ETHER) {
            if (end - p >= 2 && b[p + 1] != 0) {
                out.pppoe = true;
                return false;
            }
            return dec.etherType(PacketDecoder.ETH_PPPOE_SESS, b, p, end, cut, out);
        }
        boolean ppp = linkType == io.spanwatch.sensor.capture.LinkType.PPP_WITH_DIR;
        if (end - p < 1) {
            return anomaly(out, ppp ? DecodeAnomaly.PPP_TRUNCATED : DecodeAnomaly.CHDLC_TRUNCATED);
        }
        return ppp ? ppp(dec, b, p + 1, end, cut, out) : chdlc(dec, b, p + 1, end, cut, out);
    }

    /**
     * Decodes an NFLOG message (tcpdump.org's {@code LINKTYPE_NFLOG}): a 4-byte header (address family,
     * version 0, resource id), then TLVs, each padded to 4 bytes, until the one holding the packet. The
     * TLVs' lengths and types are in the byte order of the host that captured them, which the file does
     * not say here: a first type that reads as a small number little-endian means little-endian (x86
     * and ARM), else big-endian.
     */
    static boolean nflog(PacketDecoder dec, byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < NFLOG_HLEN + NFLOG_TLV_HLEN) {
            return anomaly(out, DecodeAnomaly.NFLOG_TRUNCATED);
        }
        if (b[p + 1] != 0) {
            return anomaly(out, DecodeAnomaly.NFLOG_UNKNOWN_VERSION);
        }
        int q = p + NFLOG_HLEN;
        boolean little = b[q + 3] == 0 && b[q + 2] != 0;
        for (int i = 0; i < MAX_NFLOG_TLVS; i++) {
            if (end - q < NFLOG_TLV_HLEN) {
                return anomaly(out, DecodeAnomaly.NFLOG_TRUNCATED);
            }
            int len = little ? (b[q] & 0xff) | (b[q + 1] & 0xff) << 8 : u16(b, q);
            int type = little ? (b[q + 2] & 0xff) | (b[q + 3] & 0xff) << 8 : u16(b, q + 2);
            if (type == NFLOG_PAYLOAD) {
                return dec.ipByVersion(b, q + NFLOG_TLV_HLEN, end, cut, out);
            }
            if (len < NFLOG_TLV_HLEN) {
                return anomaly(out, DecodeAnomaly.NFLOG_BAD_TLV_LEN);
            }
            q += (len + 3) & ~3;
        }
        return anomaly(out, DecodeAnomaly.NFLOG_TRUNCATED);
    }

    // ---- BSD, Solaris, Apple, monitor-mode Wi-Fi and TAP headers (tcpdump.org's LINKTYPE list) ----

    /** OpenBSD's enc(4) header: address family, SPI, flags (4 bytes each). */
    static final int ENC_HLEN = 12;
    /** Solaris ipnet header: version, family, hook type, packet length, interface, group and zone ids. */
    static final int IPNET_HLEN = 24;
    /** netANALYZER's header before the Ethernet frame. */
    static final int NETANALYZER_HLEN = 4;
    /** The same, then the 7-byte preamble and the start-of-frame delimiter. */
    static final int NETANALYZER_TRANSPARENT_HLEN = 12;
    /** The shortest pfloghdr a BSD writes (its length byte through the direction), as tcpdump checks. */
    private static final int PFLOG_MIN_HLEN = 45;
    /** PKTAP's fields read here: header length, record type, link type of the frame (little-endian). */
    private static final int PKTAP_FIXED = 12;
    private static final int PKTAP_RECORD_PACKET = 1;
    /** PPI's header: version, flags, length (little-endian), link type of the frame (little-endian). */
    private static final int PPI_HLEN = 8;
    /** The version word an AVS header starts with (big-endian 0x8021100x, x the header's version). */
    private static final int AVS_MAGIC = 0x80211000;
    private static final int WLAN_MONITOR_MIN = 8;

    /** Decodes the IP packet after a fixed header of {@code hlen} bytes, by its version nibble. */
    static boolean ipAfter(PacketDecoder dec, int hlen, DecodeAnomaly truncated, byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p <= hlen) {
            return anomaly(out, truncated);
        }
        return dec.ipByVersion(b, p + hlen, end, cut, out);
    }

    /**
     * Decodes a packet filter log record (pflog(4) of OpenBSD and FreeBSD, as {@code pflogd} writes
     * {@code /var/log/pflog} and {@code tcpdump -i pflog0} captures): a pfloghdr whose first byte is its
     * own length, padded to 4 bytes, then the IP packet. The address family byte differs between the
     * BSDs (IPv6 is 24, 28 or 30), so the IP version nibble decides.
     */
    static boolean pflog(PacketDecoder dec, byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < PFLOG_MIN_HLEN) {
            return anomaly(out, DecodeAnomaly.PFLOG_TRUNCATED);
        }
        int hlen = b[p] & 0xff;
        int padded = (hlen + 3) & ~3;
        if (hlen < PFLOG_MIN_HLEN || padded >= end - p) {
            return anomaly(out, DecodeAnomaly.PFLOG_TRUNCATED);
        }
        return dec.ipByVersion(b, p + padded, end, cut, out);
    }

    /**
     * Reads an Apple PKTAP header (macOS {@code tcpdump -k}, {@code -i pktap}): its length and the link
     * type of the frame after it, in the high 32 bits of the result, where the frame starts in the low
     * ones; -1 for a record that is not a packet (no anomaly) or a header cut short (its anomaly).
     */
    static long pktap(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < PKTAP_FIXED) {
            anomaly(out, DecodeAnomaly.PKTAP_TRUNCATED);
            return -1;
        }
        long hlen = le32(b, p);
        if (hlen < PKTAP_FIXED || hlen > end - p) {
            anomaly(out, DecodeAnomaly.PKTAP_TRUNCATED);
            return -1;
        }
        if (le32(b, p + 4) != PKTAP_RECORD_PACKET) {
            return -1;
        }
        long dlt = le32(b, p + 8);
        return dlt > Integer.MAX_VALUE ? innerUnsupported(out) : dlt << 32 | (p + hlen);
    }

    /**
     * Reads a Per-Packet Information header (Kismet, AirPcap): version 0, flags, its length and the
     * link type of the frame after it (little-endian); as {@link #pktap}. The fields in between
     * (802.11 radio information, GPS) are passed over.
     */
    static long ppi(byte[] b, int p, int end, DecodedPacket out) {
        if (end - p < PPI_HLEN) {
            anomaly(out, DecodeAnomaly.PPI_TRUNCATED);
            return -1;
        }
        if (b[p] != 0) {
            anomaly(out, DecodeAnomaly.PPI_UNKNOWN_VERSION);
            return -1;
        }
        int hlen = (b[p + 2] & 0xff) | (b[p + 3] & 0xff) << 8;
        if (hlen < PPI_HLEN || hlen > end - p) {
            anomaly(out, DecodeAnomaly.PPI_TRUNCATED);
            return -1;
        }
        long dlt = le32(b, p + 4);
        return dlt > Integer.MAX_VALUE ? innerUnsupported(out) : dlt << 32 | (p + hlen);
    }

    private static long innerUnsupported(DecodedPacket out) {
        anomaly(out, DecodeAnomaly.INNER_LINKTYPE_UNSUPPORTED);
        return -1;
    }

    static long le32(byte[] b, int p) {
        return (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24;
    }

    /**
     * Steps over a Prism or AVS monitor-mode header to its 802.11 frame. AVS starts with the
     * big-endian version word 0x8021100x and gives its length big-endian in the next word; Prism gives
     * a message code and its length in the byte order of the capturing host (144 bytes in practice).
     * Either link type may hold either header, as drivers wrote them, so the magic decides; a Prism
     * length that does not fit read little-endian is read big-endian.
     */
    static boolean wlanMonitor(Tunnels tunnels, byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < WLAN_MONITOR_MIN) {
            return anomaly(out, DecodeAnomaly.WLAN_HEADER_TRUNCATED);
        }
        long hlen;
        if ((PacketDecoder.i32(b, p) & 0xfffffff0) == AVS_MAGIC) {
            hlen = PacketDecoder.i32(b, p + 4) & 0xffffffffL;
        } else {
            hlen = le32(b, p + 4);
            if (hlen < WLAN_MONITOR_MIN || hlen >= end - p) {
                hlen = PacketDecoder.i32(b, p + 4) & 0xffffffffL;
            }
        }
        if (hlen < WLAN_MONITOR_MIN || hlen >= end - p) {
            return anomaly(out, DecodeAnomaly.WLAN_HEADER_TRUNCATED);
        }
        return tunnels.ieee80211(b, p + (int) hlen, end, cut, out, -1, null);
    }

    // ERF records (Endace DAG cards and EndaceProbes; LINKTYPE_ERF)
    private static final int ERF_HLEN = 16;
    private static final int ERF_TYPE = 8;
    private static final int ERF_FLAGS = 9;
    /** The flags' receive error: the link delivered the frame with a bad FCS or a coding error. */
    private static final int ERF_FLAG_RX_ERROR = 0x10;
    private static final int ERF_EXT_LEN = 8;
    /** Most extension headers stepped over (DAG cards write one or two). */
    private static final int ERF_MAX_EXTS = 16;
    private static final int ERF_ETH_PAD = 2;
    private static final int ERF_POS_HLEN = 4;

    /**
     * Decodes an Extensible Record Format record (tcpdump.org's {@code LINKTYPE_ERF}, as Endace DAG
     * cards and EndaceProbes write captures, Wireshark's {@code packet-erf.c}): a 16-byte header whose
     * type byte names the record (its top bit: extension headers follow, 8 bytes each, while the top bit
     * of each one's first byte is set), then the frame: Ethernet after 2 bytes of offset and padding
     * (types 2, 11, 16, 20), a Packet over SONET frame after its 4-byte PPP or Cisco HDLC header (types
     * 1, 10, 15, 19), or raw IPv4 or IPv6 (types 22, 23). Provenance records (27) carry no packet;
     * another type is {@code decoder.erf.unsupported_type}, a record cut short
     * {@code decoder.erf.pkt_too_small}. A record whose flags tell of a receive error (a bad FCS, a
     * coding error on the line) is {@code decoder.erf.rx_error} and not read: the frame's receivers
     * dropped it, so what it carries reached no host.
     */
    static boolean erf(PacketDecoder dec, byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < ERF_HLEN) {
            return anomaly(out, DecodeAnomaly.ERF_TRUNCATED);
        }
        if ((b[p + ERF_FLAGS] & ERF_FLAG_RX_ERROR) != 0) {
            return anomaly(out, DecodeAnomaly.ERF_RX_ERROR); // every receiver's MAC dropped it
        }
        int type = b[p + ERF_TYPE] & 0xff;
        int q = p + ERF_HLEN;
        boolean more = (type & 0x80) != 0;
        for (int i = 0; more; i++) {
            if (i == ERF_MAX_EXTS || end - q < ERF_EXT_LEN) {
                return anomaly(out, DecodeAnomaly.ERF_TRUNCATED);
            }
            more = (b[q] & 0x80) != 0;
            q += ERF_EXT_LEN;
        }
        return switch (type & 0x7f) {
            case 2, 11, 16, 20 -> end - q < ERF_ETH_PAD ? anomaly(out, DecodeAnomaly.ERF_TRUNCATED) : dec.ethernet(b, q + ERF_ETH_PAD, end, cut, out);
            case 1, 10, 15, 19 -> {
                if (end - q < ERF_POS_HLEN) {
                    yield anomaly(out, DecodeAnomaly.ERF_TRUNCATED);
                }
                yield b[q] == (byte) 0xff ? ppp(dec, b, q, end, cut, out) : chdlc(dec, b, q, end, cut, out);
            }
            case 22 -> dec.ipv4(b, q, end, cut, out);
            case 23 -> dec.ipv6(b, q, end, cut, out);
            case 27 -> false; // provenance: the capture's metadata, not a packet
            default -> anomaly(out, DecodeAnomaly.ERF_UNSUPPORTED_TYPE);
        };
    }

    /**
     * Decodes LLC/SNAP-encapsulated ATM (RFC 1483, now 2684): routed, {@code AA AA 03 00 00 00} and an
     * EtherType; or bridged Ethernet, {@code AA AA 03 00 80 C2}, PID 0001 (with FCS) or 0007 (without),
     * two bytes of padding, then the frame.
     */
    static boolean atmLlc(PacketDecoder dec, byte[] b, int p, int end, int cut, DecodedPacket out) {
        if (end - p < 8 || b[p] != (byte) 0xaa || b[p + 1] != (byte) 0xaa || b[p + 2] != 3) {
            return anomaly(out, DecodeAnomaly.ATM_LLC_UNKNOWN);
        }
        int oui = (b[p + 3] & 0xff) << 16 | (b[p + 4] & 0xff) << 8 | (b[p + 5] & 0xff);
        int pid = u16(b, p + 6);
        if (oui == 0) {
            return dec.etherType(pid, b, p + 8, end, cut, out);
        }
        if (oui == 0x0080c2 && (pid == 1 || pid == 7)) {
            return dec.ethernet(b, p + 10, end, cut, out);
        }
        return anomaly(out, DecodeAnomaly.ATM_LLC_UNKNOWN);
    }
}
