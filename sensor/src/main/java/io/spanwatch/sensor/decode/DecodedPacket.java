package io.spanwatch.sensor.decode;

/**
 * Holds what {@link PacketDecoder} read from one frame: offsets into the frame's bytes, not copies.
 *
 * <p>One instance is reused for every frame on a thread; {@link #reset} clears it. The fields stay
 * valid only while {@link #buf} holds the frame. Addresses are those of the innermost IP header
 * (after any tunnel: GRE, VXLAN, Geneve, Teredo, GTP-U, ...); {@link #tunnelDepth} says how many
 * tunnels were removed, {@link #decaps} which headers, and {@link #encapLengths} where the length
 * fields of the headers around the innermost packet are, so a frame can be rebuilt around another
 * inner packet (a reassembled inner datagram, one 802.11 A-MSDU subframe).
 */
public final class DecodedPacket {
    /** Most VLAN tags kept per packet (outer first); deeper tags are counted but not stored. */
    public static final int MAX_VLANS = 3;
    /** Most encapsulation headers recorded in {@link #decaps} (a tunnel may record two: GRE and ERSPAN). */
    public static final int MAX_DECAPS = 2 * TunnelConfig.MAX_DEPTH;
    /** Most length fields recorded in {@link #encapLengths} (IP, UDP and GTP-U or A-MSDU for each tunnel). */
    public static final int MAX_ENCAP_LENGTHS = 3 * TunnelConfig.MAX_DEPTH;

    /** Frame bytes (lent by the capture; see {@link io.spanwatch.sensor.capture.FrameSink}). */
    public byte[] buf;
    /** Packet time in nanoseconds since the epoch. */
    public long tsNanos;
    /** Frame length on the wire. */
    public int wireLen;

    /** 4 or 6 when an IP header was decoded, 0 otherwise. */
    public int ipVersion;
    /** Offset of the innermost IP header. */
    public int ipOff;
    /** Offset of the source address (4 or 16 bytes) in {@link #buf}. */
    public int srcAddrOff;
    /** Offset of the destination address (4 or 16 bytes) in {@link #buf}. */
    public int dstAddrOff;
    /** IP protocol number of the transport (after IPv6 extension headers), e.g. 6 TCP, 17 UDP. */
    public int proto;
    /** True when the IP packet is a fragment (any but a whole datagram); the transport is not decoded. */
    public boolean fragment;

    /** Transport source port (TCP/UDP), or ICMP type. */
    public int srcPort;
    /** Transport destination port (TCP/UDP), or ICMP code. */
    public int dstPort;
    /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80). */
    public int tcpFlags;
    /** TCP sequence number (unsigned 32 bits). */
    public long seq;
    /** TCP acknowledgement number (unsigned 32 bits). */
    public long ack;
    /** TCP window (unscaled). */
    public int window;
    /** Offset of the TCP header; its options lie from 20 bytes past it up to {@link #payloadOff}. */
    public int tcpOff;

    /** Offset of the transport payload in {@link #buf}. */
    public int payloadOff;
    /** Length of the transport payload actually captured (trimmed to the IP length; Ethernet padding excluded). */
    public int payloadLen;
    /** Bytes of transport payload the IP header announces but the capture lacks (snaplen cut). */
    public int payloadMissing;

    /** Number of VLAN tags seen (may exceed {@link #MAX_VLANS}). */
    public int vlanCount;
    /** VLAN ids, outer first; {@code vlanCount} (up to {@link #MAX_VLANS}) are set. */
    public final int[] vlans = new int[MAX_VLANS];
    /**
     * MPLS labels met (a cut one included), all label stacks of the frame together: a pseudowire's
     * Ethernet may hold another. Bounded by {@link PacketDecoder#MAX_MPLS_LABELS}.
     */
    public int mplsLabels;
    /** True when the frame carried a PPPoE header (session or discovery). */
    public boolean pppoe;
    /**
     * True when the frame was an L2TPv3 control message (session id 0 straight over IP, the T bit in
     * UDP): not a tunnel, left as the IP packet or UDP datagram it is.
     */
    public boolean l2tpv3Control;
    /** Number of tunnel encapsulations removed (GRE, VXLAN, Teredo, GTP-U, IP-in-IP, ...). */
    public int tunnelDepth;
    /** The encapsulation headers removed, outer first, as {@link TunnelKind} ordinals; {@link #decapCount} are set. */
    public final byte[] decaps = new byte[MAX_DECAPS];
    public int decapCount;
    /**
     * The length fields of the headers that enclose the innermost IP packet, outer first, each as
     * {@code offset << 3 | kind} (see {@link EncapLengths}); {@link #encapLengthCount} are set.
     */
    public final int[] encapLengths = new int[MAX_ENCAP_LENGTHS];
    public int encapLengthCount;
    /**
     * For an 802.11 A-MSDU inside a tunnel: offset of the second subframe, -1 otherwise. The packet
     * describes the first subframe; {@link EncapLengths#subframe} rebuilds a frame for each other one.
     */
    public int amsduNext;
    /** For an A-MSDU: offset of its first subframe (where the subframes start) and end of the last one. */
    public int amsduStart;
    public int amsduEnd;

    /** For a fragment: byte offset of its data in the datagram. */
    public int fragOffset;
    /** For a fragment: whether more fragments follow (MF flag). */
    public boolean fragMore;
    /** For a fragment: the datagram's identification (16 bits in IPv4, 32 in IPv6). */
    public long fragId;
    /** For an IPv6 fragment: offset of its Fragment extension header in {@link #buf}; -1 for IPv4. */
    public int fragHdrOff;
    /** For an IPv6 fragment: offset of the byte naming the Fragment header as next header. */
    public int fragPrevNextOff;

    /**
     * A fragment of a CAPWAP data message (its F bit set): the packet describes the outer UDP datagram,
     * and {@link CapwapReassembler} puts the message back together. Where its CAPWAP header starts,
     * where the fragment's data starts and ends, the message's fragment id, the data's byte offset in
     * the message, and whether it is the last fragment (L bit).
     */
    public boolean capwapFragment;
    public int capwapHeaderOff;
    public int capwapDataOff;
    public int capwapDataEnd;
    public int capwapFragId;
    public int capwapFragOffset;
    public boolean capwapLast;

    /** The first anomaly met while decoding, or {@code null}; decoding stops at an anomaly that makes the rest unreadable. */
    public DecodeAnomaly anomaly;

    /**
     * Whether the IP header at {@link #ipOff} is IPv4 with a wrong header checksum, its field not 0
     * ({@link PacketDecoder#headerChecksumWrong}).
     */
    public boolean ipv4ChecksumWrong;
    /**
     * The UDP datagram after the last IP header read carries a tunnel candidate and its checksum is
     * wrong on the wire ({@link Checksums#udpWrong}): the tunnel is not entered.
     */
    public boolean udpChecksumWrong;

    /**
     * Whether an IPv4 header on the way in said a total length of 0 in a datagram past 65,535 bytes: a
     * super-frame of Linux's BIG TCP, sized from the frame ({@code decoder.ipv4_big_tcp}).
     */
    public boolean ipv4BigTcp;

    /**
     * Whether an IPsec Authentication Header (RFC 4302) came before the transport header (in IPv6's
     * header chain, or after the IPv4 header), or the transport header or the inner IP packet came in ESP
     * with NULL encryption (transport or tunnel mode): either way a host or gateway without the security
     * association drops the packet.
     */
    public boolean ipsecAh;

    /** Whether the packet came in an 802.3 frame under an LLC/SNAP header (RFC 1042) rather than as Ethernet II. */
    public boolean llcSnap;

    /** Whether the (innermost) Ethernet destination is a group address: broadcast or multicast (the I/G bit). */
    public boolean linkGroupDst;

    /** {@link #optionsRefusedBy}: Linux hosts, current and old, drop the packet for its IP options. */
    public static final int REFUSED_BY_LINUX = 1;
    /** {@link #optionsRefusedBy}: current Linux hosts drop the packet for its IP options (checks added since 2.6). */
    public static final int REFUSED_BY_CURRENT_LINUX = 2;
    /** {@link #optionsRefusedBy}: FreeBSD and macOS hosts drop the packet for its IP options. */
    public static final int REFUSED_BY_BSD = 4;

    /**
     * The stacks that drop this packet for its IPv4 options or IPv6 hop-by-hop or destination options
     * while others take it ({@link IpOptions}): a bit set of {@link #REFUSED_BY_LINUX},
     * {@link #REFUSED_BY_CURRENT_LINUX} and {@link #REFUSED_BY_BSD}; 0 when every host takes it.
     */
    public int optionsRefusedBy;

    /** Clears every field for a new frame. */
    public void reset(byte[] buf, long tsNanos, int wireLen) {
        this.buf = buf;
        this.tsNanos = tsNanos;
        this.wireLen = wireLen;
        ipVersion = 0;
        ipOff = 0;
        srcAddrOff = 0;
        dstAddrOff = 0;
        proto = -1;
        fragment = false;
        srcPort = 0;
        dstPort = 0;
        tcpFlags = 0;
        seq = 0;
        ack = 0;
        window = 0;
        tcpOff = 0;
        payloadOff = 0;
        payloadLen = 0;
        payloadMissing = 0;
        vlanCount = 0;
        mplsLabels = 0;
        pppoe = false;
        l2tpv3Control = false;
        tunnelDepth = 0;
        decapCount = 0;
        encapLengthCount = 0;
        amsduNext = -1;
        capwapFragment = false;
        anomaly = null;
        ipsecAh = false;
        ipv4ChecksumWrong = false;
        udpChecksumWrong = false;
        ipv4BigTcp = false;
        llcSnap = false;
        linkGroupDst = false;
        optionsRefusedBy = 0;
        fragOffset = 0;
        fragMore = false;
        fragId = 0;
        fragHdrOff = -1;
        fragPrevNextOff = -1;
    }

    /** Returns the address length in bytes for the decoded IP version (4 or 16). */
    public int addrLen() {
        return ipVersion == 6 ? 16 : 4;
    }

    /** Tells whether a TCP segment was decoded. */
    public boolean isTcp() {
        return ipVersion != 0 && !fragment && proto == 6 && anomaly == null;
    }

    /** Tells whether a UDP datagram was decoded. */
    public boolean isUdp() {
        return ipVersion != 0 && !fragment && proto == 17 && anomaly == null;
    }
}
