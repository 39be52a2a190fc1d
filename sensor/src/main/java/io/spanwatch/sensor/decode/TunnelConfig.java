package io.spanwatch.sensor.decode;

import java.util.List;

/**
 * Sets which UDP ports carry which tunnel and how deep tunnels are removed.
 *
 * <p>A UDP datagram to one of a kind's ports (VXLAN, VXLAN-GPE, Geneve, GRE-in-UDP, MPLS-in-UDP, TZSP and LISP:
 * destination port; Teredo, GTP-U, AYIYA, CAPWAP, L2TP, versions 2 and 3, HP ERM and ESP in UDP: either port) is decoded as
 * that kind when its header allows. Teredo
 * and GTP-U are also recognised on any other port when {@code teredoAnyPort} / {@code gtpuAnyPort}
 * are on and the payload passes the stricter checks of {@link PacketDecoder} (Teredo clients talk to
 * relays and to each other on ephemeral ports; mobile cores move GTP-U off 2152). An empty list turns
 * a kind's port recognition off.
 *
 * <p>An L2TPv3 data message (IP protocol 115, or version 3 on an L2TP port) has a cookie and a
 * layer 2-specific sublayer whose lengths the routers are configured with and the header does not
 * carry: {@code l2tpv3CookieLength} and {@code l2tpv3Sublayer} fix them, {@link #DETECT} has
 * {@link L2tp} find them from the Ethernet frame that follows.
 *
 * @param maxDepth tunnels removed from one frame, at most {@value #MAX_DEPTH} (default
 *     {@value PacketDecoder#DEFAULT_MAX_TUNNEL_DEPTH}); a deeper frame is the anomaly
 *     {@code decoder.tunnel.too_deep}
 * @param l2tpv3CookieLength bytes of the L2TPv3 cookie: 0, 4, 8, or {@link #DETECT}
 * @param l2tpv3Sublayer bytes of the L2TPv3 layer 2-specific sublayer: 0 (none), 4 (the default
 *     sublayer of RFC 3931 §4.6), or {@link #DETECT}
 * @param tzspPorts destination ports of TZSP (default {@value #PORT_TZSP}); a port also named for
 *     another kind belongs to that kind ({@link Tunnels})
 * @param hpErmPorts ports, either side, of HP's Encapsulated Remote Mirroring ({@link HpErm}): none by
 *     default, as in Wireshark, since the switch's operator chooses the port and no port is HP's
 * @param lispPorts destination ports of LISP's data plane ({@link Lisp}; default {@value #PORT_LISP})
 * @param espUdpPorts ports, either side, of IPsec ESP in UDP (RFC 3948 NAT traversal; {@link EspNull}; default
 *     {@value #PORT_IPSEC_NAT_T})
 */
public record TunnelConfig(int maxDepth, List<Integer> teredoPorts, boolean teredoAnyPort, List<Integer> gtpuPorts,
        boolean gtpuAnyPort, List<Integer> vxlanPorts, List<Integer> genevePorts, List<Integer> greUdpPorts,
        List<Integer> ayiyaPorts, List<Integer> mplsUdpPorts, List<Integer> capwapPorts, List<Integer> l2tpPorts,
        List<Integer> vxlanGpePorts, int l2tpv3CookieLength, int l2tpv3Sublayer, List<Integer> tzspPorts,
        List<Integer> hpErmPorts, List<Integer> lispPorts, List<Integer> espUdpPorts) {

    /** Most tunnels a configuration may ask to remove from one frame. */
    public static final int MAX_DEPTH = 8;

    /** Teredo's port (RFC 4380): servers and relays listen on it. */
    public static final int PORT_TEREDO = 3544;
    /** GTP-U's port (3GPP TS 29.281). */
    public static final int PORT_GTPU = 2152;
    /** VXLAN's IANA port (RFC 7348) and the Linux kernel's older default. */
    public static final int PORT_VXLAN = 4789;
    public static final int PORT_VXLAN_LINUX = 8472;
    /** Geneve's port (RFC 8926). */
    public static final int PORT_GENEVE = 6081;
    /** GRE-in-UDP's port (RFC 8086; 4755 is its DTLS variant, which cannot be read). */
    public static final int PORT_GRE_UDP = 4754;
    /** AYIYA's port. */
    public static final int PORT_AYIYA = 5072;
    /** MPLS-in-UDP's port (RFC 7510; 6636 is its DTLS variant, which cannot be read). */
    public static final int PORT_MPLS_UDP = 6635;

    /** CAPWAP's data channel port (RFC 5415; 5246 is the control channel). */
    public static final int PORT_CAPWAP_DATA = 5247;

    /** L2TP's port (RFC 2661; RFC 3931 for version 3). */
    public static final int PORT_L2TP = 1701;

    /** VXLAN-GPE's IANA port (draft-ietf-nvo3-vxlan-gpe), next to VXLAN's 4789. */
    public static final int PORT_VXLAN_GPE = 4790;

    /** TZSP's usual port (MikroTik's packet sniffer streams to it by default; its streaming server may be set to another). */
    public static final int PORT_TZSP = 37008;

    /** LISP's data plane port (RFC 9300 §5; 4342 is its control plane). */
    public static final int PORT_LISP = 4341;

    /** IPsec's NAT traversal port (RFC 3948): IKE after a 4-byte zero marker, ESP, and NAT keep-alives. */
    public static final int PORT_IPSEC_NAT_T = 4500;

    /** An L2TPv3 cookie or sublayer length found from each message rather than configured. */
    public static final int DETECT = -1;

    /**
     * The defaults: every kind on its standard ports, Teredo and GTP-U also recognised on any port,
     * L2TPv3's cookie and sublayer lengths detected.
     */
    public static final TunnelConfig DEFAULTS = new TunnelConfig(PacketDecoder.DEFAULT_MAX_TUNNEL_DEPTH, List.of(PORT_TEREDO),
            true, List.of(PORT_GTPU), true, List.of(PORT_VXLAN, PORT_VXLAN_LINUX), List.of(PORT_GENEVE), List.of(PORT_GRE_UDP),
            List.of(PORT_AYIYA), List.of(PORT_MPLS_UDP), List.of(PORT_CAPWAP_DATA), List.of(PORT_L2TP), List.of(PORT_VXLAN_GPE),
            DETECT, DETECT, List.of(PORT_TZSP), List.of(), List.of(PORT_LISP), List.of(PORT_IPSEC_NAT_T));

    public TunnelConfig {
        if (maxDepth < 0 || maxDepth > MAX_DEPTH) {
            throw new IllegalArgumentException("tunnel depth must be between 0 and " + MAX_DEPTH + ", got " + maxDepth);
        }
        teredoPorts = ports("Teredo", teredoPorts);
        gtpuPorts = ports("GTP-U", gtpuPorts);
        vxlanPorts = ports("VXLAN", vxlanPorts);
        genevePorts = ports("Geneve", genevePorts);
        greUdpPorts = ports("GRE-in-UDP", greUdpPorts);
        ayiyaPorts = ports("AYIYA", ayiyaPorts);
        mplsUdpPorts = ports("MPLS-in-UDP", mplsUdpPorts);
        capwapPorts = ports("CAPWAP", capwapPorts);
        l2tpPorts = ports("L2TP", l2tpPorts);
        vxlanGpePorts = ports("VXLAN-GPE", vxlanGpePorts);
        tzspPorts = ports("TZSP", tzspPorts);
        hpErmPorts = ports("HP ERM", hpErmPorts);
        lispPorts = ports("LISP", lispPorts);
        espUdpPorts = ports("ESP-in-UDP", espUdpPorts);
        if (l2tpv3CookieLength != DETECT && l2tpv3CookieLength != 0 && l2tpv3CookieLength != 4 && l2tpv3CookieLength != 8) {
            throw new IllegalArgumentException("L2TPv3 cookie length must be 0, 4, 8 or detected, got " + l2tpv3CookieLength);
        }
        if (l2tpv3Sublayer != DETECT && l2tpv3Sublayer != 0 && l2tpv3Sublayer != 4) {
            throw new IllegalArgumentException("L2TPv3 sublayer length must be 0, 4 or detected, got " + l2tpv3Sublayer);
        }
    }

    /** A configuration with TZSP on its usual port, {@value #PORT_TZSP}. */
    public TunnelConfig(int maxDepth, List<Integer> teredoPorts, boolean teredoAnyPort, List<Integer> gtpuPorts, boolean gtpuAnyPort,
            List<Integer> vxlanPorts, List<Integer> genevePorts, List<Integer> greUdpPorts, List<Integer> ayiyaPorts,
            List<Integer> mplsUdpPorts, List<Integer> capwapPorts, List<Integer> l2tpPorts, List<Integer> vxlanGpePorts,
            int l2tpv3CookieLength, int l2tpv3Sublayer) {
        this(maxDepth, teredoPorts, teredoAnyPort, gtpuPorts, gtpuAnyPort, vxlanPorts, genevePorts, greUdpPorts, ayiyaPorts, mplsUdpPorts,
                capwapPorts, l2tpPorts, vxlanGpePorts, l2tpv3CookieLength, l2tpv3Sublayer, List.of(PORT_TZSP), List.of(),
                List.of(PORT_LISP), List.of(PORT_IPSEC_NAT_T));
    }

    /** A configuration without HP's remote mirroring, whose port only the switch's operator knows, and LISP on its port. */
    public TunnelConfig(int maxDepth, List<Integer> teredoPorts, boolean teredoAnyPort, List<Integer> gtpuPorts, boolean gtpuAnyPort,
            List<Integer> vxlanPorts, List<Integer> genevePorts, List<Integer> greUdpPorts, List<Integer> ayiyaPorts,
            List<Integer> mplsUdpPorts, List<Integer> capwapPorts, List<Integer> l2tpPorts, List<Integer> vxlanGpePorts,
            int l2tpv3CookieLength, int l2tpv3Sublayer, List<Integer> tzspPorts) {
        this(maxDepth, teredoPorts, teredoAnyPort, gtpuPorts, gtpuAnyPort, vxlanPorts, genevePorts, greUdpPorts, ayiyaPorts, mplsUdpPorts,
                capwapPorts, l2tpPorts, vxlanGpePorts, l2tpv3CookieLength, l2tpv3Sublayer, tzspPorts, List.of(),
                List.of(PORT_LISP), List.of(PORT_IPSEC_NAT_T));
    }

    /** Returns this configuration with another depth limit. */
    public TunnelConfig withMaxDepth(int depth) {
        return new TunnelConfig(depth, teredoPorts, teredoAnyPort, gtpuPorts, gtpuAnyPort, vxlanPorts, genevePorts, greUdpPorts,
                ayiyaPorts, mplsUdpPorts, capwapPorts, l2tpPorts, vxlanGpePorts, l2tpv3CookieLength, l2tpv3Sublayer, tzspPorts,
                hpErmPorts, lispPorts, espUdpPorts);
    }

    /** Returns this configuration with other L2TPv3 cookie and sublayer lengths (each may be {@link #DETECT}). */
    public TunnelConfig withL2tpv3(int cookieLength, int sublayer) {
        return new TunnelConfig(maxDepth, teredoPorts, teredoAnyPort, gtpuPorts, gtpuAnyPort, vxlanPorts, genevePorts, greUdpPorts,
                ayiyaPorts, mplsUdpPorts, capwapPorts, l2tpPorts, vxlanGpePorts, cookieLength, sublayer, tzspPorts, hpErmPorts, lispPorts,
                espUdpPorts);
    }

    /** Returns this configuration with other TZSP ports (empty: TZSP not decoded). */
    public TunnelConfig withTzspPorts(List<Integer> ports) {
        return new TunnelConfig(maxDepth, teredoPorts, teredoAnyPort, gtpuPorts, gtpuAnyPort, vxlanPorts, genevePorts, greUdpPorts,
                ayiyaPorts, mplsUdpPorts, capwapPorts, l2tpPorts, vxlanGpePorts, l2tpv3CookieLength, l2tpv3Sublayer, ports,
                hpErmPorts, lispPorts, espUdpPorts);
    }

    /** Returns this configuration with other ports of HP's Encapsulated Remote Mirroring (empty: not decoded). */
    public TunnelConfig withHpErmPorts(List<Integer> ports) {
        return new TunnelConfig(maxDepth, teredoPorts, teredoAnyPort, gtpuPorts, gtpuAnyPort, vxlanPorts, genevePorts, greUdpPorts,
                ayiyaPorts, mplsUdpPorts, capwapPorts, l2tpPorts, vxlanGpePorts, l2tpv3CookieLength, l2tpv3Sublayer, tzspPorts, ports,
                lispPorts, espUdpPorts);
    }

    /** Returns this configuration with other LISP data plane ports (empty: LISP not decoded). */
    public TunnelConfig withLispPorts(List<Integer> ports) {
        return new TunnelConfig(maxDepth, teredoPorts, teredoAnyPort, gtpuPorts, gtpuAnyPort, vxlanPorts, genevePorts, greUdpPorts,
                ayiyaPorts, mplsUdpPorts, capwapPorts, l2tpPorts, vxlanGpePorts, l2tpv3CookieLength, l2tpv3Sublayer, tzspPorts, hpErmPorts,
                ports, espUdpPorts);
    }

    /** Returns this configuration with other ports of ESP in UDP (empty: NAT-traversal ESP not decoded). */
    public TunnelConfig withEspUdpPorts(List<Integer> ports) {
        return new TunnelConfig(maxDepth, teredoPorts, teredoAnyPort, gtpuPorts, gtpuAnyPort, vxlanPorts, genevePorts, greUdpPorts,
                ayiyaPorts, mplsUdpPorts, capwapPorts, l2tpPorts, vxlanGpePorts, l2tpv3CookieLength, l2tpv3Sublayer, tzspPorts, hpErmPorts,
                lispPorts, ports);
    }

    private static List<Integer> ports(String what, List<Integer> ports) {
        List<Integer> copy = List.copyOf(ports);
        for (int p : copy) {
            if (p < 1 || p > 65_535) {
                throw new IllegalArgumentException(what + " port must be between 1 and 65535, got " + p);
            }
        }
        return copy;
    }
}
