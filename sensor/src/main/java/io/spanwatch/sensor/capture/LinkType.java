package io.spanwatch.sensor.capture;

/** Names the data link types SpanWatch decodes (values from tcpdump.org's LINKTYPE list). */
public final class LinkType {
    /** BSD loopback: 4-byte address family in host byte order of the capturing machine. */
    public static final int NULL = 0;
    /** Ethernet II / 802.3. */
    public static final int ETHERNET = 1;
    /** PPP (the address and control bytes optional, the protocol field possibly compressed). */
    public static final int PPP = 9;
    /** Raw IP as some BSDs number it (DLT_RAW = 12 there). */
    public static final int RAW_BSD = 12;
    /** Raw IP as OpenBSD numbers it. */
    public static final int RAW_OPENBSD = 14;
    /** PPP in HDLC-like framing (RFC 1662), as serial links are captured. */
    public static final int PPP_HDLC = 50;
    /** Raw IP, version taken from the first nibble (LINKTYPE_RAW). */
    public static final int RAW = 101;
    /** Cisco HDLC: address, control, then an EtherType. */
    public static final int C_HDLC = 104;
    /** IEEE 802.11 frames without a radio header. */
    public static final int IEEE802_11 = 105;
    /** OpenBSD loopback: 4-byte address family in network byte order. */
    public static final int LOOP = 108;
    /** Linux cooked capture v1. */
    public static final int LINUX_SLL = 113;
    /** IEEE 802.11 frames behind a radiotap header, as monitor-mode Wi-Fi captures are written. */
    public static final int IEEE802_11_RADIOTAP = 127;
    /** Raw IPv4. */
    public static final int IPV4 = 228;
    /** Raw IPv6. */
    public static final int IPV6 = 229;
    /** Linux netfilter log messages ({@code tcpdump -i nflog:N}). */
    public static final int NFLOG = 239;
    /** Linux cooked capture v2. */
    public static final int LINUX_SLL2 = 276;

    private LinkType() {
    }

    /** Tells whether SpanWatch decodes frames of this link type. */
    public static boolean isSupported(int linkType) {
        return switch (linkType) {
            case NULL, ETHERNET, PPP, RAW_BSD, RAW_OPENBSD, PPP_HDLC, RAW, C_HDLC, IEEE802_11, LOOP, LINUX_SLL, IEEE802_11_RADIOTAP,
                 IPV4, IPV6, NFLOG, LINUX_SLL2 -> true;
            default -> false;
        };
    }

    /** Returns a short name for logs and errors. */
    public static String name(int linkType) {
        return switch (linkType) {
            case NULL -> "NULL(BSD loopback)";
            case ETHERNET -> "EN10MB(Ethernet)";
            case RAW_BSD, RAW_OPENBSD, RAW -> "RAW(IP)";
            case LOOP -> "LOOP(OpenBSD loopback)";
            case PPP -> "PPP";
            case PPP_HDLC -> "PPP_HDLC";
            case C_HDLC -> "C_HDLC(Cisco HDLC)";
            case IEEE802_11 -> "IEEE802_11";
            case IEEE802_11_RADIOTAP -> "IEEE802_11_RADIOTAP";
            case NFLOG -> "NFLOG";
            case LINUX_SLL -> "LINUX_SLL";
            case IPV4 -> "IPV4";
            case IPV6 -> "IPV6";
            case LINUX_SLL2 -> "LINUX_SLL2";
            default -> "linktype " + linkType;
        };
    }
}
