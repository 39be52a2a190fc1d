package io.spanwatch.sensor.decode;

/**
 * Names what was wrong with a frame the decoder could not read whole. The names follow Suricata's
 * {@code decoder.*} event names where one exists, so analysts can search for both; the GTP-U, AYIYA,
 * 802.11, VXLAN-GPE and L2TPv3 names and {@code decoder.mpls.too_many_labels} are SpanWatch's, in the
 * same style.
 */
public enum DecodeAnomaly {
    ETHERNET_TRUNCATED("decoder.ethernet.pkt_too_small"),
    VLAN_TRUNCATED("decoder.vlan.header_too_small"),
    VLAN_TOO_MANY_LAYERS("decoder.vlan.too_many_layers"),
    SLL_TRUNCATED("decoder.sll.pkt_too_small"),
    SLL2_TRUNCATED("decoder.sll2.pkt_too_small"),
    NULL_TRUNCATED("decoder.null.pkt_too_small"),
    NULL_UNKNOWN_FAMILY("decoder.null.unsupported_type"),
    UNSUPPORTED_LINKTYPE("decoder.unsupported_linktype"),
    UNKNOWN_ETHERTYPE("decoder.unknown_ethertype"),
    IPV4_TRUNCATED("decoder.ipv4.pkt_too_small"),
    IPV4_HLEN_TOO_SMALL("decoder.ipv4.hlen_too_small"),
    IPV4_IPLEN_SMALLER_THAN_HLEN("decoder.ipv4.iplen_smaller_than_hlen"),
    IPV4_TRUNC_PKT("decoder.ipv4.trunc_pkt"),
    IPV4_WRONG_VERSION("decoder.ipv4.wrong_ip_version"),
    /**
     * A wrong header checksum on an IPv4 header no later check judges: a fragment's (hosts check it
     * before reassembly) or one that carries a tunnel (its end drops the packet); SpanWatch's name.
     */
    IPV4_INVALID_CHECKSUM("decoder.ipv4.invalid_checksum"),
    /** An option whose length is below 2, below what its kind needs, or runs past the header. */
    IPV4_OPT_INVALID_LEN("decoder.ipv4.opt_invalid_len"),
    /** A record route or timestamp option whose pointer is below its first slot. */
    IPV4_OPT_MALFORMED("decoder.ipv4.opt_malformed"),
    /** A loose or strict source route: hosts drop it ({@code accept_source_route} is off; SpanWatch's name). */
    IPV4_OPT_SOURCE_ROUTE("decoder.ipv4.opt_source_route"),
    IPV6_TRUNCATED("decoder.ipv6.pkt_too_small"),
    IPV6_TRUNC_PKT("decoder.ipv6.trunc_pkt"),
    IPV6_TRUNC_EXTHDR("decoder.ipv6.trunc_exthdr"),
    IPV6_WRONG_VERSION("decoder.ipv6.wrong_ip_version"),
    IPV6_EXTHDR_LOOP("decoder.ipv6.exthdr_too_many"),
    /** A hop-by-hop option the host does not know whose type says to discard the packet (RFC 8200 §4.2). */
    IPV6_HOPOPTS_UNKNOWN_OPT("decoder.ipv6.hopopts_unknown_opt"),
    /** A destination option the host does not know whose type says to discard the packet (RFC 8200 §4.2). */
    IPV6_DSTOPTS_UNKNOWN_OPT("decoder.ipv6.dstopts_unknown_opt"),
    /** A hop-by-hop option of a length its kind does not allow (a router alert not of 2 bytes): hosts drop the packet. */
    IPV6_EXTHDR_INVALID_OPTLEN("decoder.ipv6.exthdr_invalid_optlen"),
    /** A jumbogram whose jumbo payload option is malformed or says 65,535 bytes or fewer: hosts drop it (RFC 2675 §3). */
    IPV6_JUMBO_INVALID("decoder.ipv6.jumbo_invalid"),
    /** A type 0 routing header with segments left: deprecated, discarded (RFC 5095). */
    IPV6_RH_TYPE_0("decoder.ipv6.rh_type_0"),
    /** A routing header with segments left: the address seen is a waypoint, not where the data is read (SpanWatch's name). */
    IPV6_RH_SEGMENTS_LEFT("decoder.ipv6.rh_segments_left"),
    /** A hop-by-hop options header that is not the first after the IPv6 header: hosts drop the packet (RFC 8200 §4.1; SpanWatch's name). */
    IPV6_HOPOPTS_NOT_FIRST("decoder.ipv6.hopopts_not_first"),
    /** Data behind a mobility, HIP or Shim6 header: no host stack reads on past one, the packet is dropped (SpanWatch's name). */
    IPV6_EXTHDR_NOT_HANDLED("decoder.ipv6.exthdr_not_handled"),
    /** An IPv4 Authentication Header shorter than its 12 fixed bytes, or than its length field says (SpanWatch's name). */
    AH_TRUNCATED("decoder.ah.pkt_too_small"),
    /** More IPv4 Authentication Headers in a row than the decoder steps over (SpanWatch's name). */
    AH_TOO_MANY("decoder.ah.too_many"),
    TCP_TRUNCATED("decoder.tcp.pkt_too_small"),
    TCP_HLEN_TOO_SMALL("decoder.tcp.hlen_too_small"),
    TCP_OPT_TRUNCATED("decoder.tcp.invalid_optlen"),
    UDP_TRUNCATED("decoder.udp.pkt_too_small"),
    UDP_HLEN_INVALID("decoder.udp.hlen_invalid"),
    /**
     * A UDP checksum that does not add up on a datagram carrying a tunnel: its end drops it before
     * decapsulating (Linux verifies it before a tunnel's encap_rcv; SpanWatch's name).
     */
    UDP_INVALID_CHECKSUM("decoder.udp.invalid_checksum"),
    GRE_TRUNCATED("decoder.gre.pkt_too_small"),
    GRE_VERSION_UNSUPPORTED("decoder.gre.wrong_version"),
    VXLAN_TRUNCATED("decoder.vxlan.pkt_too_small"),
    TEREDO_TRUNCATED("decoder.teredo.pkt_too_small"),
    /** A TZSP message whose tagged fields run past the datagram (SpanWatch's name). */
    TZSP_TRUNCATED("decoder.tzsp.pkt_too_small"),
    /** A datagram on an HP remote mirroring port too short for its header and an Ethernet header (SpanWatch's name). */
    HP_ERM_TRUNCATED("decoder.hp_erm.pkt_too_small"),
    /** A datagram on a LISP data port shorter than LISP's 8-byte header (SpanWatch's name). */
    LISP_TRUNCATED("decoder.lisp.pkt_too_small"),
    /** A LISP-GPE header (the P bit set) whose next protocol is not IPv4, IPv6, Ethernet or NSH (SpanWatch's name). */
    LISP_UNKNOWN_PAYLOAD("decoder.lisp.unknown_payload_type"),
    /** A datagram on the IPsec NAT traversal port neither a keep-alive, nor IKE, nor long enough for ESP's 8-byte header (SpanWatch's name). */
    ESP_IN_UDP_TRUNCATED("decoder.esp_in_udp.pkt_too_small"),
    /** ESP on the IPsec NAT traversal port with an SPI of 1 to 255, which RFC 4303 reserves (SpanWatch's name). */
    ESP_IN_UDP_RESERVED_SPI("decoder.esp_in_udp.reserved_spi"),
    TUNNEL_TOO_DEEP("decoder.tunnel.too_deep"),
    LOOP_TRUNCATED("decoder.loop.pkt_too_small"),
    RAW_INVALID_IP_VERSION("decoder.ipraw.invalid_ip_version"),
    ICMPV4_TRUNCATED("decoder.icmpv4.pkt_too_small"),
    ICMPV6_TRUNCATED("decoder.icmpv6.pkt_too_small"),
    SCTP_TRUNCATED("decoder.sctp.pkt_too_small"),
    /** GRE version 0 with the routing bit: receivers discard it (RFC 2784 §2.3; SpanWatch's name). */
    GRE_ROUTING("decoder.gre.version0_routing"),
    /** A GRE checksum that does not add up: the tunnel's end drops the packet (RFC 2784 §2.2; SpanWatch's name). */
    GRE_INVALID_CHECKSUM("decoder.gre.invalid_checksum"),
    ERSPAN_TRUNCATED("decoder.erspan.pkt_too_small"),
    MPLS_TRUNCATED("decoder.mpls.header_too_small"),
    /** Fewer than 4 bytes after the bottom label (not an explicit null label). */
    MPLS_PKT_TOO_SMALL("decoder.mpls.pkt_too_small"),
    /** After the bottom label neither IPv4, IPv6, a pseudowire control word nor an Ethernet header. */
    MPLS_UNKNOWN_PAYLOAD("decoder.mpls.unknown_payload_type"),
    /** More than {@link PacketDecoder#MAX_MPLS_LABELS} labels in one frame (SpanWatch's name). */
    MPLS_TOO_MANY_LABELS("decoder.mpls.too_many_labels"),
    PPPOE_TRUNCATED("decoder.pppoe.pkt_too_small"),
    GENEVE_TRUNCATED("decoder.geneve.pkt_too_small"),
    GRE_V1_CHECKSUM("decoder.gre.version1_chksum"),
    GRE_V1_ROUTE("decoder.gre.version1_route"),
    GRE_V1_SSR("decoder.gre.version1_ssr"),
    GRE_V1_RECUR("decoder.gre.version1_recur"),
    GRE_V1_FLAGS("decoder.gre.version1_flags"),
    GRE_V1_WRONG_PROTOCOL("decoder.gre.version1_wrong_protocol"),
    GRE_V1_NO_KEY("decoder.gre.version1_no_key"),
    GRE_V1_HDR_TOO_BIG("decoder.gre.version1_hdr_too_big"),
    /** A MikroTik EoIP header cut short, or whose frame length goes past the packet (SpanWatch's name). */
    EOIP_TRUNCATED("decoder.eoip.pkt_too_small"),
    /** An EtherIP (IP protocol 97) header cut short (SpanWatch's name). */
    ETHERIP_TRUNCATED("decoder.etherip.pkt_too_small"),
    /** An EtherIP header whose version is not 3, nor MikroTik's EoIPv6 form of it (SpanWatch's name). */
    ETHERIP_UNSUPPORTED_VERSION("decoder.etherip.unsupported_version"),
    GTPU_TRUNCATED("decoder.gtpu.pkt_too_small"),
    GTPU_UNSUPPORTED_VERSION("decoder.gtpu.unsupported_version"),
    GTPU_LEN_INVALID("decoder.gtpu.len_invalid"),
    GTPU_EXT_HDR_INVALID("decoder.gtpu.ext_hdr_len_invalid"),
    GTPU_TOO_MANY_EXT_HDRS("decoder.gtpu.too_many_ext_hdrs"),
    GTPU_UNKNOWN_PAYLOAD("decoder.gtpu.unknown_payload_type"),
    AYIYA_TRUNCATED("decoder.ayiya.pkt_too_small"),
    AYIYA_UNKNOWN_PAYLOAD("decoder.ayiya.unknown_payload_type"),
    IEEE802_11_TRUNCATED("decoder.ieee802_11.pkt_too_small"),
    /** A radiotap header shorter than its fixed part or longer than the frame (SpanWatch's name). */
    RADIOTAP_TRUNCATED("decoder.radiotap.pkt_too_small"),
    PPP_TRUNCATED("decoder.ppp.pkt_too_small"),
    CHDLC_TRUNCATED("decoder.chdlc.pkt_too_small"),
    /** An NFLOG message cut before its payload, or with more TLVs than are walked (SpanWatch's names from here on). */
    NFLOG_TRUNCATED("decoder.nflog.pkt_too_small"),
    NFLOG_BAD_TLV_LEN("decoder.nflog.bad_tlv_len"),
    NFLOG_UNKNOWN_VERSION("decoder.nflog.unknown_version"),
    VNTAG_TRUNCATED("decoder.vntag.header_too_small"),
    CMD_TRUNCATED("decoder.cmd.header_too_small"),
    ETAG_TRUNCATED("decoder.etag.header_too_small"),
    PBB_TRUNCATED("decoder.pbb.header_too_small"),
    FABRICPATH_TRUNCATED("decoder.fabricpath.header_too_small"),
    /** An Arista timestamp header (EtherType 0xD28B) cut before the EtherType after it. */
    ARISTA_TRUNCATED("decoder.arista.header_too_small"),
    /** An Arista header of a subtype or version other than the timestamps (64 or 48 bits). */
    ARISTA_UNSUPPORTED_TYPE("decoder.arista.unsupported_type"),
    /** A MACsec SecTAG cut short (or before the EtherType of an integrity-only frame). */
    MACSEC_TRUNCATED("decoder.macsec.header_too_small"),
    /** A MACsec SecTAG whose version bit is set. */
    MACSEC_UNSUPPORTED_VERSION("decoder.macsec.unsupported_version"),
    /** A fragment of a CAPWAP data message: fragments are not put back together. */
    CAPWAP_FRAGMENT("decoder.capwap.fragment_not_reassembled"),
    /** A VXLAN-GPE header cut short (fewer than 8 bytes). */
    VXLAN_GPE_TRUNCATED("decoder.vxlan_gpe.pkt_too_small"),
    /** A VXLAN-GPE version other than 0. */
    VXLAN_GPE_UNSUPPORTED_VERSION("decoder.vxlan_gpe.unsupported_version"),
    /** A VXLAN-GPE next protocol other than IPv4, IPv6, Ethernet, NSH and MPLS. */
    VXLAN_GPE_UNKNOWN_PAYLOAD("decoder.vxlan_gpe.unknown_payload_type"),
    /** A VXLAN-GPE packet with the O flag: OAM for the tunnel end, whose payload no tenant receives. */
    VXLAN_GPE_OAM("decoder.vxlan_gpe.oam"),
    /** An L2TPv3 data message cut before its session id, cookie or sublayer. */
    L2TPV3_TRUNCATED("decoder.l2tpv3.pkt_too_small"),
    /** An L2TPv3 data message in which no cookie and sublayer length leaves an Ethernet frame carrying IP or ARP. */
    L2TPV3_UNKNOWN_PAYLOAD("decoder.l2tpv3.unknown_payload_type"),
    NSH_HEADER_TOO_SMALL("decoder.nsh.header_too_small"),
    NSH_UNSUPPORTED_VERSION("decoder.nsh.unsupported_version"),
    NSH_BAD_HEADER_LENGTH("decoder.nsh.bad_header_length"),
    NSH_RESERVED_TYPE("decoder.nsh.reserved_type"),
    NSH_UNSUPPORTED_TYPE("decoder.nsh.unsupported_type"),
    NSH_UNKNOWN_PAYLOAD("decoder.nsh.unknown_payload"),
    /** A pflog header shorter than its fixed part, or whose length goes past the frame. */
    PFLOG_TRUNCATED("decoder.pflog.pkt_too_small"),
    ENC_TRUNCATED("decoder.enc.pkt_too_small"),
    IPNET_TRUNCATED("decoder.ipnet.pkt_too_small"),
    /** A PKTAP header cut short, or whose length goes past the frame. */
    PKTAP_TRUNCATED("decoder.pktap.pkt_too_small"),
    /** A PKTAP or PPI header naming a link type that is not decoded (or another PKTAP or PPI header). */
    INNER_LINKTYPE_UNSUPPORTED("decoder.inner_linktype_unsupported"),
    PPI_TRUNCATED("decoder.ppi.pkt_too_small"),
    PPI_UNKNOWN_VERSION("decoder.ppi.unknown_version"),
    /** A Prism or AVS monitor-mode header cut short, or whose length goes past the frame. */
    WLAN_HEADER_TRUNCATED("decoder.wlan_monitor_header.pkt_too_small"),
    NETANALYZER_TRUNCATED("decoder.netanalyzer.pkt_too_small"),
    /** An ERF record cut before its frame (its header, extension headers or the frame's own header). */
    ERF_TRUNCATED("decoder.erf.pkt_too_small"),
    /** An ERF record of a type that does not carry Ethernet, Packet over SONET or IP (ATM, InfiniBand, ...). */
    ERF_UNSUPPORTED_TYPE("decoder.erf.unsupported_type"),
    /** An ERF record whose flags say the link delivered the frame with an error (a bad FCS): its receivers dropped it. */
    ERF_RX_ERROR("decoder.erf.rx_error"),
    /** A Juniper link type's frame cut before its packet: its header, extensions, protocol number, cookie or vRouter TLVs (SpanWatch's name). */
    JUNIPER_TRUNCATED("decoder.juniper.pkt_too_small"),
    /** A Juniper frame without its layer 2 header whose JUNOS protocol number is neither IP, MPLS nor OSI (SpanWatch's name). */
    JUNIPER_UNKNOWN_PAYLOAD("decoder.juniper.unknown_payload_type"),
    /** An RFC 1483 frame without the LLC/SNAP header of a routed or bridged protocol. */
    ATM_LLC_UNKNOWN("decoder.atm.unknown_llc");

    private final String eventName;

    DecodeAnomaly(String eventName) {
        this.eventName = eventName;
    }

    /** Returns the stable name written in {@code anomaly} events. */
    public String eventName() {
        return eventName;
    }
}
