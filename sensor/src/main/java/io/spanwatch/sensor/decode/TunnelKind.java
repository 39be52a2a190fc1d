package io.spanwatch.sensor.decode;

/**
 * Names each encapsulation header the decoder can remove, for the {@code stats} counters. The names
 * are Suricata's {@code decoder.*} counter names where Suricata has one ({@code decoder.gre},
 * {@code decoder.teredo}, {@code decoder.ipv6_in_ipv4}, ...); the others are SpanWatch's.
 */
public enum TunnelKind {
    /** A GRE header (IP protocol 47 or inside UDP). */
    GRE("decoder.gre"),
    /** GRE inside UDP (RFC 8086); the GRE header is counted as {@link #GRE} too. */
    GRE_IN_UDP("decoder.gre_in_udp"),
    /** An ERSPAN type I, II or III header inside GRE. */
    ERSPAN("decoder.erspan"),
    VXLAN("decoder.vxlan"),
    /** VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe): VXLAN with a next protocol (IPv4, IPv6, Ethernet, NSH, MPLS). */
    VXLAN_GPE("decoder.vxlan_gpe"),
    GENEVE("decoder.geneve"),
    TEREDO("decoder.teredo"),
    /** GTP-U (3GPP TS 29.281) carrying a user-plane IP packet (G-PDU). */
    GTPU("decoder.gtpu"),
    /** AYIYA ("Anything In Anything", SixXS) forwarding an IP packet. */
    AYIYA("decoder.ayiya"),
    /** An IEEE 802.11 data frame inside GRE, as Aruba access points send them to their controller. */
    IEEE802_11("decoder.ieee802_11"),
    /** A CAPWAP data channel header (RFC 5415) between a wireless access point and its controller. */
    CAPWAP("decoder.capwap"),
    /** An L2TP version 2 data message (RFC 2661) carrying PPP, as between an access concentrator and a network server. */
    L2TP("decoder.l2tp"),
    /**
     * An L2TP version 3 data message (RFC 3931) carrying an Ethernet pseudowire (RFC 4719), straight over
     * IP (protocol 115) or in UDP, as routers' cross-connects and some remote mirroring carry whole frames.
     */
    L2TPV3("decoder.l2tpv3"),
    /** A Cisco WCCP redirect inside GRE: a client's packet a router sends on to a web cache or proxy. */
    WCCP("decoder.wccp"),
    /** PPP inside enhanced GRE (version 1), as PPTP carries it. */
    PPTP("decoder.pptp"),
    /** MikroTik's EoIP: an Ethernet frame in GRE version 1 with protocol type 0x6400 (RouterOS {@code /interface eoip}). */
    EOIP("decoder.eoip"),
    /** EtherIP (RFC 3378, IP protocol 97): an Ethernet frame straight over IP, as the BSDs and MikroTik's EoIPv6 send it. */
    ETHERIP("decoder.etherip"),
    IPV4_IN_IPV4("decoder.ipv4_in_ipv4"),
    IPV6_IN_IPV4("decoder.ipv6_in_ipv4"),
    IPV4_IN_IPV6("decoder.ipv4_in_ipv6"),
    IPV6_IN_IPV6("decoder.ipv6_in_ipv6"),
    /** An MPLS label stack straight over IPv4 or IPv6 (IP protocol 137, RFC 4023). */
    MPLS_IN_IP("decoder.mpls_in_ip"),
    /** An MPLS label stack in UDP (RFC 7510). */
    MPLS_IN_UDP("decoder.mpls_in_udp"),
    /**
     * IPsec ESP with NULL encryption (RFC 2410; Windows' domain isolation with ESP integrity only): in
     * tunnel mode a tunnel; in transport mode counted without being one.
     */
    ESP_NULL("decoder.esp_null"),
    /** ESP in UDP (RFC 3948 NAT traversal, port 4500) found NULL-encrypted; the ESP is counted as {@link #ESP_NULL} too. */
    ESP_IN_UDP("decoder.esp_in_udp"),
    /** A TZSP header (UDP 37008) before a frame a remote sniffer captured, as MikroTik routers stream them. */
    TZSP("decoder.tzsp"),
    /**
     * HP's Encapsulated Remote Mirroring: a frame an HP ProCurve, HPE or Aruba switch mirrors to a remote
     * collector ({@code mirror N remote ip}) in UDP on a port its operator chooses.
     */
    HP_ERM("decoder.hp_erm"),
    /** LISP's data plane (RFC 9300, UDP 4341): an IP packet between a site's tunnel routers, as Cisco's SD-Access fabric sends them. */
    LISP("decoder.lisp"),
    /** LISP-GPE (RFC 9305, UDP 4341, the P bit set): IPv4, IPv6, an Ethernet frame or NSH, as its next protocol names. */
    LISP_GPE("decoder.lisp_gpe");

    private static final TunnelKind[] VALUES = values();

    private final String counter;

    TunnelKind(String counter) {
        this.counter = counter;
    }

    /** Returns the name of this kind's counter in {@code stats} events. */
    public String counter() {
        return counter;
    }

    /** Returns the kind with this ordinal (as stored in {@link DecodedPacket#decaps}). */
    public static TunnelKind of(int ordinal) {
        return VALUES[ordinal];
    }
}
