package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.decode.Checksums;
import io.spanwatch.sensor.decode.DecodedPacket;
import io.spanwatch.sensor.flow.Flow;
import io.spanwatch.sensor.reassembly.OverlapPolicy;

/**
 * The segments a receiving host throws away before it looks at their data, judged for
 * {@link TcpConnection} as the host would judge them: a decoy sent just before the real bytes must not
 * stand in for them. Discarded bytes are kept aside in the sender's stream, to be used only where the
 * receiver acknowledges them after all (the sensor's view was stale). Used by the worker thread that
 * owns the connection.
 */
final class ReceiverDiscards {
    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int ACK = 0x10;

    private ReceiverDiscards() {
    }

    /**
     * Names a segment the receiver drops ({@code anomaly}) and keeps its bytes aside, used only if the
     * receiver acknowledges them after all (an HTTP connection's; a SYN's data starts after its
     * sequence number); returns true, the segment being discarded.
     */
    private static boolean keepAside(TcpConnection c, DecodedPacket p, TcpSide s, int flags, String anomaly) {
        c.worker.anomaly(c.flow, p.tsNanos, "stream", anomaly);
        if (p.payloadLen > 0 && !c.notHttp) {
            s.stream.discarded(p.tsNanos, (flags & SYN) != 0 ? p.seq + 1 : p.seq, p.buf, p.payloadOff, p.payloadLen);
        }
        return true;
    }

    /**
     * Tells whether the receiver throws the whole segment away before looking at its data, as every
     * current stack does (RFC 793 §3.9, RFC 5961 §4), and reports it:
     * <ul>
     * <li>a wrong IPv4 header or TCP checksum ({@link #badChecksum}; {@code stream.pkt_invalid_checksum},
     * its bytes kept aside as a PAWS-rejected segment's are);
     * <li>data or a FIN without the ACK flag (only a SYN may carry data without it, TCP Fast Open):
     * {@code stream.pkt_without_ack};
     * <li>a SYN with another sequence number than the sender's first SYN, once the sender's stream has
     * passed bytes on: a synchronized host answers with a challenge ACK and drops it, data and all
     * ({@code stream.syn_on_established}); also before, once the peer acknowledged the sender's first
     * SYN, and then a SYN with the same sequence number too when it carries data (an established host
     * drops every SYN; the third evasion review hid decoys on a second SYN-ACK, with another sequence
     * number and with the same). Port reuse after a close is told apart before this.
     * <li>a SYN-ACK whose acknowledgement is not the peer's latest SYN plus one (plus the data a Fast
     * Open SYN carried): the client answers with a RST and waits in SYN-SENT for the real one (RFC 9293
     * §3.10.7.3; Linux's {@code tcp_rcv_synsent_state_process}, {@code reset_and_undo}), so neither its
     * sequence number nor its data are the server's ({@code stream.3whs_synack_with_wrong_ack}, Suricata's
     * name).
     * <li>while the client can still be in SYN-SENT (no SYN-ACK taken, nothing acknowledged by it), a
     * SYN-ACK or RST whose timestamp echo is neither 0 nor one its SYNs could have drawn
     * ({@link TcpSide#echoesSyn}): the client resets and undoes it (Linux's
     * {@code PAWSActiveRejected}; Suricata's {@code StateSynSentValidateTimestamp}), so a forged
     * refusal cannot close the connection before the real SYN-ACK ({@code stream.pkt_invalid_timestamp};
     * Suricata's verify test bug-3286 is such a capture).
     * <li>for a Linux receiver ({@code linux}; Debian's, Ubuntu's and Red Hat's kernels are built with
     * {@code CONFIG_TCP_MD5SIG}), a segment with a TCP MD5 signature option on a connection whose SYN
     * from the same sender carried none: no key was configured, and Linux drops it
     * ({@code tcp_inbound_hash}, counter {@code TCPMD5Unexpected}); {@code stream.pkt_signature_unexpected}.
     * Windows and the BSDs without keys ignore the option. Judged only when that SYN was seen.
     * <li>a segment in an Ethernet frame sent to a group address (broadcast or multicast): RFC 1122
     * §3.3.6 has a host discard a unicast datagram received via link-layer broadcast, and TCP drops such
     * segments (Linux's {@code tcp_v4_rcv} and {@code tcp_v6_rcv}: {@code pkt_type != PACKET_HOST};
     * the BSDs' and macOS's {@code tcp_input}: {@code M_BCAST | M_MCAST}); {@code stream.pkt_link_broadcast},
     * its bytes kept aside.
     * <li>for a Linux receiver ({@code linux}, {@code old-linux}), a segment in an 802.3 frame under an
     * LLC/SNAP header (RFC 1042) instead of Ethernet II: Linux registers no 802.2 handler for IP
     * ({@code llc_rcv} finds no client for it) and drops the frame; {@code stream.llc_snap_ignored}, its
     * bytes kept aside. Windows takes such frames, so other policies do.
     * <li>a segment whose IP options its receiver's stack refuses while others take them
     * ({@link DecodedPacket#optionsRefusedBy}): for Linux receivers ({@code linux}, {@code old-linux}) a
     * second record route or timestamp option or one without room for its entry; for {@code linux}
     * also a CIPSO option and IPv6 options with more than 7 bytes of padding in a row, a PadN that is
     * not zeros or more than 8 options; for the BSDs ({@code bsd}, {@code bsd-right}, {@code macos}) a
     * timestamp option of an undefined flag. {@code stream.ip_options_refused}, its bytes kept aside.
     * <li>a segment inside an IPsec Authentication Header (IPv6) on a connection whose SYN from the same
     * sender came without one: the peers have no security association (a host with one protects the
     * whole connection, its SYN too), and a host without one drops the packet ({@code xfrm6} finds no
     * state: {@code XfrmInNoStates}; Windows and the BSDs alike); {@code stream.pkt_ah_unexpected}, its
     * bytes kept aside. Judged only when that SYN was seen.
     * <li>for a Linux receiver ({@code linux}), data or a FIN whose acknowledgement lies more than the
     * largest window the sender advertised behind the highest one it sent before
     * ({@link io.spanwatch.sensor.reassembly.TcpStream#acknowledgesTooOld}; RFC 5961 §5.2, Linux's
     * {@code tcp_ack} since 3.6: a challenge ACK, the segment dropped): {@code stream.pkt_ack_too_old},
     * its bytes kept aside.
     * <li>data or a FIN whose acknowledgement covers bytes the receiver cannot have sent
     * ({@link io.spanwatch.sensor.reassembly.TcpStream#acknowledgesUnsent}): {@code stream.pkt_invalid_ack}
     * (Suricata's name), its bytes kept aside. Not judged for a sender whose kept-aside bytes were
     * used already: the sensor's view was stale then, and the receiver took what it discarded.
     * </ul>
     * Taking them let a decoy segment win over the real bytes that followed it, invisibly (an evasion
     * review on 2026-12-05).
     */
    static boolean discarded(TcpConnection c, DecodedPacket p, TcpSide s, TcpSide other, int flags, TcpOptions opts) {
        Worker worker = c.worker;
        Flow flow = c.flow;
        long ts = p.tsNanos;
        if (worker.config.reassembly().checksumValidation() && badChecksum(p, s)) {
            worker.reassemblyStats.invalidChecksums++;
            return keepAside(c, p, s, flags, "stream.pkt_invalid_checksum"); // an offload artefact if acknowledged after all
        }
        boolean carries = p.payloadLen > 0 || p.payloadMissing > 0 || (flags & FIN) != 0;
        if ((flags & (SYN | RST | ACK)) == 0 && carries) {
            worker.anomaly(flow, ts, "stream", "stream.pkt_without_ack");
            return true;
        }
        if ((flags & SYN) != 0 && (flags & RST) == 0 && s.isn >= 0
                && (p.seq != s.isn ? s.stream.offset() > 0 || s.synAcked : s.synAcked && p.payloadLen > 0)) {
            worker.anomaly(flow, ts, "stream", "stream.syn_on_established");
            return true;
        }
        if ((flags & (SYN | ACK | RST)) == (SYN | ACK) && other.lastSynSeq >= 0
                && ((p.ack - other.lastSynSeq - 1) & 0xFFFF_FFFFL) > other.lastSynData) {
            worker.anomaly(flow, ts, "stream", "stream.3whs_synack_with_wrong_ack");
            return true;
        }
        if ((flags & ACK) != 0 && (flags & (SYN | RST)) != 0 && opts.timestamps && !c.handshakeSeen
                && ((other.isOrig ? flow.tcpFlagsOrig : flow.tcpFlagsResp) & ACK) == 0 && !other.echoesSyn(opts.tsecr)) {
            worker.anomaly(flow, ts, "stream", "stream.pkt_invalid_timestamp");
            return true;
        }
        if (opts.signed && (flags & SYN) == 0 && s.synSeen() && !TcpOptions.offeredSignature(s.synOffer) && s.stream.policy() == OverlapPolicy.LINUX) {
            return keepAside(c, p, s, flags, "stream.pkt_signature_unexpected");
        }
        if (p.linkGroupDst) {
            return keepAside(c, p, s, flags, "stream.pkt_link_broadcast");
        }
        if (p.llcSnap && s.stream.policy().isLinux()) {
            return keepAside(c, p, s, flags, "stream.llc_snap_ignored");
        }
        if (p.optionsRefusedBy != 0 && refusesOptions(p.optionsRefusedBy, s.stream.policy())) {
            return keepAside(c, p, s, flags, "stream.ip_options_refused");
        }
        if (p.ipsecAh && (flags & SYN) == 0 && s.synSeen() && !TcpOptions.offeredAh(s.synOffer)) {
            return keepAside(c, p, s, flags, "stream.pkt_ah_unexpected");
        }
        if ((flags & (SYN | RST | ACK)) == ACK && carries && !c.notHttp && s.stream.policy() == OverlapPolicy.LINUX
                && other.stream.acknowledgesTooOld(p.ack)) {
            return keepAside(c, p, s, flags, "stream.pkt_ack_too_old");
        }
        if ((flags & (SYN | RST | ACK)) == ACK && carries && !c.notHttp && other.stream.acknowledgesUnsent(p.ack)
                && !s.stream.discardedDataUsed()) {
            worker.reassemblyStats.invalidAcks++;
            worker.anomaly(flow, ts, "stream", "stream.pkt_invalid_ack");
            s.withheldAck = p.ack;
            if (p.payloadLen > 0) {
                s.stream.discarded(ts, p.seq, p.buf, p.payloadOff, p.payloadLen); // used only if acknowledged
            }
            return true;
        }
        return false;
    }

    /** Tells whether a receiver under {@code policy} runs one of the stacks {@code refusedBy} names. */
    static boolean refusesOptions(int refusedBy, OverlapPolicy policy) {
        int stack = switch (policy) {
            case LINUX -> DecodedPacket.REFUSED_BY_LINUX | DecodedPacket.REFUSED_BY_CURRENT_LINUX;
            case OLD_LINUX -> DecodedPacket.REFUSED_BY_LINUX;
            case BSD, BSD_RIGHT, MACOS -> DecodedPacket.REFUSED_BY_BSD;
            default -> 0;
        };
        return (refusedBy & stack) != 0;
    }

    /**
     * Tells whether the receiver drops this segment for a wrong checksum. A capture made on one of
     * the hosts shows segments that host sent with a wrong checksum (the NIC fills it in after the
     * capture point: checksum offload; a field holding only the pseudo-header's sum is not judged,
     * {@link Checksums#UNKNOWN}), and one made with GRO or TSO shows merged
     * segments of up to 64 KiB with the first one's checksum. So a wrong checksum counts only once the
     * same sender was seen sending a right one, and only on a packet no larger than an Ethernet MTU
     * (1,500 bytes of IP): a decoy that is larger does not get through a 1,500-byte path to the host
     * either. On jumbo-frame networks such decoys are taken; the limit is written in the README.
     */
    static boolean badChecksum(DecodedPacket p, TcpSide s) {
        int c = Checksums.tcp(p);
        if (c == Checksums.VALID) {
            s.checksumsRight = true;
            return false;
        }
        return c == Checksums.INVALID && s.checksumsRight && p.payloadOff + p.payloadLen - p.ipOff <= 1500;
    }

    /**
     * Tells whether the client throws away the data a SYN-ACK from {@code server} carries: a Linux
     * client ({@code linux}, {@code old-linux}) takes such data only when its own SYN used TCP Fast
     * Open (a cookie option or data, {@code tcp_rcv_fastopen_synack}); otherwise it acknowledges the
     * SYN alone and the server sends the bytes again ({@code tcp_rcv_synsent_state_process} frees the
     * segment). The BSDs queue it (RFC 793's SYN-SENT processing), so other policies take it. Known
     * only when the client's SYN was seen.
     */
    static boolean synAckDataIgnored(TcpSide server, TcpSide client) {
        return server.stream.policy().isLinux() && client.synSeen() && !TcpOptions.offeredFastOpen(client.synOffer);
    }

    /**
     * Once a side's kept-aside bytes were used (its receiver acknowledged them: the sensor's view was
     * stale), the last acknowledgement it sent that was judged to cover unsent bytes is taken after
     * all, so the other direction's bytes the mirror lost count as a gap.
     */
    static void takeWithheldAcks(TcpSide orig, TcpSide resp, long ts) {
        takeWithheldAck(orig, resp, ts);
        takeWithheldAck(resp, orig, ts);
    }

    private static void takeWithheldAck(TcpSide s, TcpSide other, long ts) {
        if (s.withheldAck >= 0 && s.stream.discardedDataUsed()) {
            other.stream.ack(ts, s.withheldAck);
            s.withheldAck = -1;
        }
    }
}
