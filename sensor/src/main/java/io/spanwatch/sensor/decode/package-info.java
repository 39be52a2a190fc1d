/**
 * Decode: the second stage of the sensor. It reads the link, IP and transport headers of each frame
 * in place.
 *
 * <p><b>In:</b> a frame from the capture stage: link type and a view {@code (buf, off, len)}.
 * <b>Out:</b> a reused {@link io.spanwatch.sensor.decode.DecodedPacket} holding offsets into the frame
 * (addresses, ports, TCP sequence numbers and flags, payload), the VLAN tags and the number of tunnels
 * removed, or a {@link io.spanwatch.sensor.decode.DecodeAnomaly} naming what was malformed. Nothing is
 * copied and nothing is allocated per frame; malformed input never throws.
 *
 * <p>Decoded: Ethernet (802.1Q/802.1ad/0x9100 VLAN tags, VN-Tags, 802.1ah and FabricPath headers, Arista
 * timestamps and integrity-only MACsec SecTAGs ({@code SwitchTags}) and
 * LLC/SNAP at any depth, PPPoE, MPLS carrying IPv4, IPv6 or an Ethernet pseudowire with or without its
 * control word: {@link io.spanwatch.sensor.decode.Mpls}), Linux cooked v1 and v2, BSD and OpenBSD
 * loopback, raw IP, and in {@code LinkLayers} IEEE 802.11 bare and behind radiotap, PPP, Cisco HDLC and
 * NFLOG, and in {@code Juniper} the meta-information Juniper routers write before each frame; IPv4 (fragments flagged, not reassembled; payload trimmed to
 * the IP length so Ethernet padding is excluded) and IPv6 with extension headers, their options read
 * as receiving hosts read them ({@code IpOptions}: those every host refuses are anomalies, those only
 * some stacks refuse are marked for the TCP stage to judge by the receiver's policy); TCP, UDP, ICMP,
 * ICMPv6, SCTP ports; tunnels ({@link io.spanwatch.sensor.decode.Tunnels}), whose innermost packet is
 * the one described: GRE (with MPLS, ERSPAN I/II/III, Aruba's 802.11 frames, WCCP redirects, PPTP's PPP: {@code Gre}; MikroTik's EoIP),
 * EtherIP (IP protocol 97: {@code EtherIp}), ESP with NULL encryption in tunnel mode ({@code EspNull}; transport
 * mode is read too, counted but not a tunnel),
 * IP-in-IP, MPLS in IP, L2TPv3's Ethernet pseudowires (IP protocol 115 and UDP, cookie and sublayer
 * lengths detected or configured: {@code L2tp}, with L2TPv2), and in UDP VXLAN, VXLAN-GPE, Geneve, GRE,
 * MPLS, AYIYA, CAPWAP, L2TP, TZSP ({@code Tzsp}), HP's remote mirroring ({@code HpErm}, on configured ports only), LISP and
 * LISP-GPE ({@code Lisp}), ESP with NULL encryption (NAT traversal, {@code EspNull}) by port, Teredo and GTP-U by port and by content on any port ({@link io.spanwatch.sensor.decode.TunnelConfig}).
 * Each header removed is recorded
 * ({@link io.spanwatch.sensor.decode.TunnelKind}, counted as {@code decoder.gre}, {@code decoder.gtpu},
 * ...), and so are the length fields around the inner packet, so that
 * {@link io.spanwatch.sensor.decode.EncapLengths} can rebuild the frame around a reassembled inner
 * datagram or each subframe of an 802.11 A-MSDU. MPLS labels and a PPPoE header are not tunnels: like
 * VLAN tags they are only marked in the packet (counted as {@code decoder.mpls}, {@code decoder.pppoe});
 * what carries a label stack across IP (GRE, IP protocol 137, UDP) is.
 *
 * <p><b>Limits:</b> {@link io.spanwatch.sensor.decode.PacketDecoder#DEFAULT_MAX_TUNNEL_DEPTH} nested
 * tunnels (config {@code decoder.max-tunnel-depth}, at most {@value io.spanwatch.sensor.decode.TunnelConfig#MAX_DEPTH}),
 * 16 GTP-U extension headers, {@value io.spanwatch.sensor.decode.Juniper#MAX_VN_TLVS} TLVs before a Juniper vRouter's frame, {@value io.spanwatch.sensor.decode.EncapLengths#MAX_AMSDU_SUBFRAMES} A-MSDU subframes per frame, {@link io.spanwatch.sensor.decode.PacketDecoder#MAX_IPV6_EXT_HEADERS} IPv6 extension headers,
 * {@link io.spanwatch.sensor.decode.PacketDecoder#MAX_MPLS_LABELS} MPLS labels per frame (all its label
 * stacks together); each limit reached is an anomaly, never silent. {@link io.spanwatch.sensor.decode.DecodedPacket#MAX_VLANS}
 * VLAN ids are kept; deeper tags are only counted.
 *
 * <p><b>Fragments:</b> the decoder marks an IP fragment and stops; the capture thread hands it to the
 * {@link io.spanwatch.sensor.decode.Defragmenter}, which gives back the whole datagram as a frame
 * (each datagram being put together is a {@code FragmentQueue}; limits: 65,535 datagrams, 32 MiB,
 * 60 s; overlapping bytes are settled by the destination's policy, {@code Defragmenter.Policy},
 * and its stack's limits, {@code Defragmenter.Limits}; overlap, tiny first fragment and oversized
 * datagram are named anomalies; counters {@code defrag.*}), inside tunnels too.
 *
 * <p><b>Threads:</b> a {@code PacketDecoder} is immutable and may be shared; the
 * {@code Defragmenter} belongs to the capture thread; each thread owns its
 * {@code DecodedPacket}, whose offsets stay valid only while the frame's buffer is lent (see
 * {@link io.spanwatch.sensor.capture.FrameSink}).
 */
package io.spanwatch.sensor.decode;
