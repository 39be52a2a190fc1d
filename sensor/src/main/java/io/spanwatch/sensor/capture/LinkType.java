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
    /** PPPoE without Ethernet: the PPPoE header first (NetBSD's pppoe(4) interfaces). */
    public static final int PPP_ETHER = 51;
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
    /** PPP in HDLC-like framing after a direction byte (0 received, else sent), as Linux's and Solaris' PPP logs write it. */
    public static final int PPP_WITH_DIR = 204;
    /** Cisco HDLC after a direction byte (0 received, else sent). */
    public static final int C_HDLC_WITH_DIR = 205;
    /** Raw IPv4. */
    public static final int IPV4 = 228;
    /** Raw IPv6. */
    public static final int IPV6 = 229;
    /** Linux netfilter log messages ({@code tcpdump -i nflog:N}). */
    public static final int NFLOG = 239;
    /** Linux cooked capture v2. */
    public static final int LINUX_SLL2 = 276;
    /** LLC/SNAP-encapsulated ATM (RFC 1483): routed IP or bridged Ethernet. */
    public static final int ATM_RFC1483 = 100;
    /** OpenBSD's enc(4): IPsec traffic before encryption and after decryption, behind a 12-byte header. */
    public static final int ENC = 109;
    /** OpenBSD and FreeBSD packet filter logs (pflog(4), {@code tcpdump -i pflog0}): a pfloghdr, then IP. */
    public static final int PFLOG = 117;
    /** 802.11 behind a Prism monitor-mode header (old Linux drivers). */
    public static final int IEEE802_11_PRISM = 119;
    /** 802.11 behind an AVS monitor-mode header. */
    public static final int IEEE802_11_AVS = 163;
    /** Endace's Extensible Record Format (DAG cards, EndaceProbes): an ERF header naming the frame after it. */
    public static final int ERF = 197;
    /** Per-Packet Information (Kismet, AirPcap): a header naming the link type of the frame after it. */
    public static final int PPI = 192;
    /** MPLS label stack, then what the bottom label carries. */
    public static final int MPLS = 219;
    /** Solaris ipnet: a 24-byte header, then IP. */
    public static final int IPNET = 226;
    /** Hilscher netANALYZER: a 4-byte header, then an Ethernet frame with its FCS. */
    public static final int NETANALYZER = 240;
    /** Hilscher netANALYZER transparent: a 4-byte header, preamble and SFD, then the Ethernet frame. */
    public static final int NETANALYZER_TRANSPARENT = 241;
    /** Apple's PKTAP ({@code tcpdump -k} and {@code -i pktap} on macOS): process metadata, then a frame of the link type it names. */
    public static final int PKTAP = 258;

    /** Juniper GGSN: the Juniper header, a protocol and VLAN word, then IP. */
    public static final int JUNIPER_GGSN = 133;
    /** Juniper services PIC: the Juniper header, a services cookie, then IPv4. */
    public static final int JUNIPER_SERVICES = 136;
    /** Juniper PPPoE (a services PIC): the Juniper header, then an Ethernet frame. */
    public static final int JUNIPER_PPPOE = 167;
    /** Juniper Ethernet: the Juniper header ("MGC", flags, extensions), then an Ethernet frame. */
    public static final int JUNIPER_ETHER = 178;
    /** Juniper PPP: the Juniper header, 2 bytes, then PPP. */
    public static final int JUNIPER_PPP = 179;
    /** Juniper Cisco HDLC: the Juniper header, then Cisco HDLC. */
    public static final int JUNIPER_CHDLC = 181;
    /** Juniper voice PIC: the Juniper header, 18 bytes, then IPv4. */
    public static final int JUNIPER_VP = 183;
    /** Juniper virtual network (a Contrail vRouter): TLVs, then an Ethernet frame. */
    public static final int JUNIPER_VN = 184;

    private LinkType() {
    }

    /** Tells whether SpanWatch decodes frames of this link type. */
    public static boolean isSupported(int linkType) {
        return switch (linkType) {
            case NULL, ETHERNET, PPP, RAW_BSD, RAW_OPENBSD, PPP_HDLC, RAW, C_HDLC, IEEE802_11, LOOP, LINUX_SLL, IEEE802_11_RADIOTAP,
                 IPV4, IPV6, NFLOG, LINUX_SLL2, ATM_RFC1483, ENC, PFLOG, IEEE802_11_PRISM, IEEE802_11_AVS, PPI, MPLS, IPNET,
                 NETANALYZER, NETANALYZER_TRANSPARENT, PKTAP, ERF, PPP_ETHER, PPP_WITH_DIR, C_HDLC_WITH_DIR,
                 JUNIPER_GGSN, JUNIPER_SERVICES, JUNIPER_PPPOE, JUNIPER_ETHER, JUNIPER_PPP, JUNIPER_CHDLC, JUNIPER_VP, JUNIPER_VN -> true;
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
            case ATM_RFC1483 -> "ATM_RFC1483";
            case ENC -> "ENC(OpenBSD IPsec)";
            case PFLOG -> "PFLOG";
            case IEEE802_11_PRISM -> "PRISM_HEADER";
            case IEEE802_11_AVS -> "IEEE802_11_RADIO_AVS";
            case PPI -> "PPI";
            case MPLS -> "MPLS";
            case IPNET -> "IPNET(Solaris)";
            case NETANALYZER -> "NETANALYZER";
            case NETANALYZER_TRANSPARENT -> "NETANALYZER_TRANSPARENT";
            case PKTAP -> "PKTAP(Apple)";
            case ERF -> "ERF(Endace)";
            case PPP_ETHER -> "PPP_ETHER(PPPoE)";
            case PPP_WITH_DIR -> "PPP_WITH_DIR";
            case C_HDLC_WITH_DIR -> "C_HDLC_WITH_DIR";
            case JUNIPER_GGSN -> "JUNIPER_GGSN";
            case JUNIPER_SERVICES -> "JUNIPER_SERVICES";
            case JUNIPER_PPPOE -> "JUNIPER_PPPOE";
            case JUNIPER_ETHER -> "JUNIPER_ETHER";
            case JUNIPER_PPP -> "JUNIPER_PPP";
            case JUNIPER_CHDLC -> "JUNIPER_CHDLC";
            case JUNIPER_VP -> "JUNIPER_VP";
            case JUNIPER_VN -> "JUNIPER_VN";
            default -> "linktype " + linkType;
        };
    }
}
