"""Writes SpanWatch's fourth round of evasion cases (gen.py, gen2.py and gen3.py are the first three):
tricks of the same classes that the first three rounds did not try, each hiding one file behind
something the receiving host (a browser, curl, a Linux or BSD stack, a tunnel endpoint, a Go/PHP
server) still undoes, with the sha256 it must yield and the decoys it must not (meta.json, scored by
run.py). Each case names the receiver's code or RFC that decides it. The largest group: a RST or a FIN
that ends a download early on the sensor but that the host drops for its headers, as the earlier rounds
hid data segments. Written by the fourth evasion review on 2026-12-06 (raw packets by hand with pk.py,
no scapy). Usage: python3 gen4.py OUT_DIR; then run.py OUT_DIR."""
from pk import *
import gen
from gen import H, hdr, gz, upload, mp, tun_case, h2f, hlit, dl_start, et, inner_eth, outer4, outer_udp, gre_hdr, O1, O2
from gen2 import decoy_case, reqblk, h2conn, v6pkt
from gen3 import tun_decoy, pad4
import subprocess, struct, socket
CASES = []
def case(f): CASES.append(f); return f
LINUXC = gen.LINUXC
MSS = b'\x02\x04\x05\xb4'
BCAST = b'\xff' * 6

# ---------------- a RST or FIN the host drops for its headers ----------------
def raw_ctl(c, flags, opts=b''):
    """the server's control segment at exactly the client's next expected byte"""
    return tcp(c.sip, c.cip, c.sport, c.cport, c.sseq, c.cseq, flags, opts=opts)

def ctl_case(name, kind, desc, mk, v6=False, sets=None, cls='tcp', ts=False):
    """kind 'R': a download with Content-Length and a forged RST at rcv_nxt after 1,000 bytes; kind
    'F': a close-delimited download and a forged FIN at rcv_nxt after 1,000 bytes. mk(c, flags) sends
    the control segment the host drops; the real bytes follow, so the host saves the whole file (a
    sensor that took the RST or FIN keeps the first 1,000 bytes only, forbidden here)"""
    pc = Pcap(); B = payload(name)
    W = resp(B) if kind == 'R' else resp(B, cl=False, extra=b'Connection: close\r\n')
    kw = dict(cip='fd00::1', sip='fd00::2') if v6 else {}
    c = dl_start(pc, ts=ts, **kw)
    c.s(W[:1000]); mk(c, 'RA' if kind == 'R' else 'FA'); c.s(W[1000:]); c.ack_c(); c.close()
    save(name, pc, sha(B), cls, desc, sets=sets, forbid=[sha(W[len(W) - len(B):1000])])

def v6ctl(c, flags, chain):
    c.pc.add(v6pkt(c, raw_ctl(c, flags), chain))

@case
def ctl4():
    what = {'R': ('rst', 'a RST at rcv_nxt'), 'F': ('fin', 'a FIN at rcv_nxt ending a close-delimited body')}
    for k in 'RF':
        tag, w = what[k]
        ctl_case('tcp4_%s_bad_tcp_checksum' % tag, k, w + ' with a wrong TCP checksum (every stack checks it first: Linux tcp_v4_rcv tcp_checksum_complete, FreeBSD tcp_input), the rest of the body after',
                 lambda c, f: c.s(flags=f, badsum=True, advance=False))
        ctl_case('tcp4_%s_bad_ip_checksum' % tag, k, w + ' with a wrong IPv4 header checksum (Linux ip_rcv_core: csum_error, dropped)',
                 lambda c, f: c.s(flags=f, ipkw={'badsum': True}, advance=False), cls='ip')
        ctl_case('tcp4_%s_link_broadcast' % tag, k, w + ' sent to the Ethernet broadcast address (Linux tcp_v4_rcv: pkt_type != PACKET_HOST, discarded; FreeBSD M_BCAST)',
                 lambda c, f: c.pc.add(eth(c.s(flags=f, raw=True, advance=False), dst=BCAST)), cls='link')
        ctl_case('tcp4_%s_llc_snap_linux' % tag, k, w + ' in 802.3/LLC/SNAP framing to a Linux client (no 802.2 handler for IP: dropped)',
                 lambda c, f: (lambda ip: c.pc.add(MAC_C + MAC_S + struct.pack('!H', 8 + len(ip)) + b'\xaa\xaa\x03\x00\x00\x00\x08\x00' + ip))(c.s(flags=f, raw=True, advance=False)),
                 sets=LINUXC, cls='link')
        ctl_case('tcp4_%s_loose_source_route' % tag, k, w + ' carrying a loose source route option (Linux accept_source_route 0: ip_rcv_options drops it; FreeBSD ip_dosourceroute 0)',
                 lambda c, f: c.pc.add(eth(ip4(c.sip, c.cip, 6, raw_ctl(c, f), ident=4242, opts=pad4(b'\x83\x07\x04' + a4('10.9.9.9'))))), cls='ip')
        ctl_case('tcp4_%s_ipv6_dstopt_discard' % tag, k, w + ' behind an IPv6 destination option of unknown type 0x9e (high bits 10: discard and send a parameter problem, RFC 8200 4.2; Linux ip6_tlvopt_unknown)',
                 lambda c, f: v6ctl(c, f, [(60, b'\0\x9e\x04\0\0\0\0')]), v6=True, cls='ipv6')
        ctl_case('tcp4_%s_ipv6_ah_no_sa' % tag, k, w + ' inside an IPv6 Authentication Header on a connection that used none (no SA: xfrm6_rcv drops it)',
                 lambda c, f: v6ctl(c, f, [(51, bytes([4, 0, 0]) + struct.pack('!II', 0x1000, 1) + b'\0' * 12)]), v6=True, cls='ipv6')
        ctl_case('tcp4_%s_md5_unexpected_linux' % tag, k, w + ' signed with a TCP MD5 option on a connection whose SYN had none (Linux tcp_inbound_hash: TCPMD5Unexpected, dropped)',
                 lambda c, f: c.s(flags=f, opts=b'\x13\x12' + bytes(range(16)), advance=False), sets=LINUXC)
        ctl_case('tcp4_%s_doff_below_5' % tag, k, w + ' whose TCP data offset is 4 (Linux tcp_v4_rcv: th->doff < 5, discard)',
                 lambda c, f: c.pc.add(eth(ip4(c.sip, c.cip, 6, (lambda t: t[:12] + b'\x40' + t[13:])(raw_ctl(c, f))))))
    # FIN only: a RST needs neither the ACK flag nor an acceptable acknowledgement (RFC 9293 3.10.7.4:
    # the RST check comes before the ACK check), nor passes PAWS (RFC 7323 5.3 R1 exempts it)
    ctl_case('tcp4_fin_without_ack', 'F', 'a FIN without the ACK flag at rcv_nxt (RFC 9293 3.10.7.4 fifth check: "if the ACK bit is off, drop the segment"; Linux tcp_rcv_state_process)',
             lambda c, f: c.s(flags='F', advance=False))
    ctl_case('tcp4_fin_ack_unsent', 'F', 'a FIN acknowledging 1 MB the client never sent (RFC 9293 SEG.ACK > SND.NXT: dropped; Linux tcp_ack TCP_ACK_UNSENT_DATA)',
             lambda c, f: c.s(flags=f, ack=c.cseq + 1000000, advance=False))
    ctl_case('tcp4_fin_ack_too_old_linux', 'F', 'a FIN whose acknowledgement lies 768 MiB behind (Linux tcp_ack RFC 5961 5.2: TCP_TOO_OLD_ACK, dropped)',
             lambda c, f: c.s(flags=f, ack=c.cseq - 0x30000000, advance=False), sets=LINUXC)
    ctl_case('tcp4_fin_paws_linux', 'F', 'a FIN whose TSval is older than TS.Recent (RFC 7323 5.3 PAWS: dropped; Linux tcp_validate_incoming tcp_paws_discard)',
             lambda c, f: c.s(flags=f, tsval=c.tss - 50, advance=False), sets=LINUXC, ts=True, cls='tcp-paws')
    ctl_case('tcp4_fin_ipv4_version_5', 'F', 'a FIN whose IPv4 header says version 5 (ip_rcv_core: dropped)',
             lambda c, f: c.pc.add(eth((lambda p: b'\x55' + p[1:])(c.s(flags=f, raw=True, advance=False)))), cls='ip')
    ctl_case('tcp4_rst_ip_len_past_frame', 'R', 'a RST whose IPv4 total length is 200 bytes past the frame (ip_rcv_core: skb->len < len, dropped)',
             lambda c, f: c.pc.add(eth(ip4(c.sip, c.cip, 6, raw_ctl(c, f), tot=20 + 20 + 200))), cls='ip')
    ctl_case('tcp4_rst_ipv6_hbh_not_first', 'R', 'a RST whose hop-by-hop header follows a destination-options header (RFC 8200 4.1; Linux: parameter problem, dropped)',
             lambda c, f: v6ctl(c, f, [(60, b'\0\x01\x04\0\0\0\0'), (0, b'\0\x01\x04\0\0\0\0')]), v6=True, cls='ipv6')

# ---------------- TCP ----------------
@case
def tcp4():
    # The client's ACK ends the handshake: a SYN-ACK sent again afterwards is a SYN on an established
    # connection (RFC 5961 4.2; Linux tcp_validate_incoming step 4: challenge ACK, dropped) and its
    # options are never parsed. Here the first SYN-ACK offers no window scale, the second offers 14:
    # the client's window stays unscaled (RFC 7323 2.2), so its 1,000-byte window ends at byte 1,000.
    pc = Pcap(); B = payload('synack2ws', 2400); W = resp(B); c = Conv(pc, win=1000)
    c.c(flags='S', ack=0, opts=MSS + b'\x01\x03\x03\x07'); c.s(flags='SA', opts=MSS); c.c(flags='A')
    c.s(flags='SA', seq=c.sseq - 1, opts=MSS + b'\x01\x03\x03\x0e', advance=False)
    c.c(req()); c.ack_s(); base = c.sseq; D = bytearray(W); D[1000:1400] = b'V' * 400
    c.s(W[:1000]); c.s(bytes(D[1000:1400]), seq=base + 1000, advance=False); c.ack_c()
    c.s(W[1000:2000], seq=base + 1000); c.ack_c(); c.s(W[2000:], seq=base + 2000); c.sseq = base + len(W); c.ack_c(); c.close()
    save('tcp4_synack_again_offers_wscale', pc, sha(B), 'tcp-window', 'the SYN-ACK sent again after the handshake offers window scale 14 (an established client drops it unparsed, RFC 5961 4.2): the client\'s window stays 1,000 unscaled bytes; a decoy past it, the real bytes after the ACK',
         forbid=[sha(bytes(D[W.index(B):]))])

    # the right window edge wraps 2^32: a decoy starting at the edge (just past the wrap) is out of window
    pc = Pcap(); B = payload('wrapedge', 2000); W = resp(B); c = Conv(pc, win=1000, isn_s=0xFFFFFFFF - 120)
    c.handshake(); c.c(req()); c.ack_s(); base = c.sseq; D = bytearray(W); D[1000:2000] = b'W' * 1000
    c.s(W[:1000]); c.s(bytes(D[1000:2000]), advance=False); c.ack_c(); c.s(W[1000:2000]); c.ack_c(); c.s(W[2000:]); c.ack_c(); c.close()
    save('tcp4_window_edge_across_wrap', pc, sha(B), 'tcp-window', 'the server\'s sequence space wraps 2^32 inside the client\'s 1,000-byte window; a decoy at the wrapped right edge (out of window), the real bytes after the ACK',
         forbid=[sha(bytes(D[W.index(B):]))])

    # PAWS across a sequence wrap: the decoy's TSval is older, its sequence numbers wrap
    pc = Pcap(); B = payload('pawswrapseq'); W = resp(B); c = Conv(pc, ts=True, isn_s=0xFFFFFFFF - 1200)
    c.handshake(); c.c(req()); c.ack_s(); D = bytearray(W); D[1000:2000] = b'P' * 1000
    c.s(W[:1000]); c.s(bytes(D[1000:2000]), tsval=c.tss - 20, advance=False); c.s(W[1000:2000]); c.s(W[2000:]); c.ack_c(); c.close()
    save('tcp4_paws_decoy_across_seq_wrap', pc, sha(B), 'tcp-paws', 'a decoy with an older TSval whose sequence numbers cross 2^32 (RFC 7323 5.3 PAWS), the real bytes after', sets=LINUXC,
         forbid=[sha(bytes(D[W.index(B):]))])

    # urgent pointer marking a byte of the next segment: Linux remembers the mark (tcp_check_urg,
    # urg_data = TCP_URG_NOTYET) and takes the byte out when its segment comes (tcp_urg)
    pc = Pcap(); B = payload('urgnext', 2000); W = resp(B); c = dl_start(pc); h = W[:len(W) - len(B)]
    W2 = h + B[:1000] + b'!' + B[1000:]; a = len(h) + 600
    c.s(W2[:a]); c.s(W2[a:a + 300], flags='PAU', urg=len(h) + 1000 - a + 1); c.s(W2[a + 300:]); c.ack_c(); c.close()
    save('tcp4_urgent_byte_in_next_segment_linux', pc, sha(B), 'tcp', 'the urgent pointer marks a junk byte 100 bytes into the next segment (Linux tcp_check_urg/tcp_urg take it out when it comes; not SO_OOBINLINE)',
         sets=LINUXC)

    # a retransmission that starts before the FIN and runs past it with decoy bytes: a host in
    # CLOSE_WAIT takes nothing past the FIN (Linux tcp_rcv_state_process: RCV_SHUTDOWN, reset; FreeBSD drop)
    pc = Pcap(); B = payload('pastfin'); W = resp(B, cl=False, extra=b'Connection: close\r\n'); c = dl_start(pc)
    c.send(False, W); c.s(flags='FA'); c.s(W[-500:] + b'EXTRA-DECOY' * 30, seq=c.sseq - 501, advance=False); c.ack_c()
    c.c(flags='FA'); c.s(flags='A')
    save('tcp4_retransmission_runs_past_fin', pc, sha(B), 'tcp', 'close-delimited body, FIN, then a segment resending the last 500 bytes and running past the FIN with more (hosts take no byte past a FIN)',
         forbid=[sha(B + b'EXTRA-DECOY' * 30)])

    # a RST at rcv_nxt that arrives after the real bytes it would cut were already taken: nothing lost
    pc = Pcap(); B = payload('rstlate'); W = resp(B); c = dl_start(pc)
    c.send(False, W); c.ack_c(); c.s(flags='RA', seq=c.sseq + 100, advance=False); c.close()
    save('tcp4_rst_past_end_after_body', pc, sha(B), 'tcp', 'after the whole body a RST 100 bytes past rcv_nxt (challenge ACK, ignored), then an orderly close')

# ---------------- IP headers and fragments ----------------
def seg_of(c, d, flags='PA'):
    return tcp(c.sip, c.cip, c.sport, c.cport, c.sseq, c.cseq, flags, d)

@case
def ip4cases():
    decoy_case('ipv4_4_decoy_ihl_4', 'decoy whose IPv4 header length is 4 words (Linux ip_rcv_core: iph->ihl < 5, inhdr_error), real after',
               lambda c, d: c.pc.add(eth((lambda p: b'\x44' + p[1:])(ip4(c.sip, c.cip, 6, seg_of(c, d))))), cls='ip')
    decoy_case('ipv4_4_decoy_total_length_cuts_tcp_header', 'decoy whose IPv4 total length (30) ends inside the TCP header: the host trims to 30 bytes (pskb_trim_rcsum) and TCP finds no header (tcp_v4_rcv pskb_may_pull), real after',
               lambda c, d: c.pc.add(eth(ip4(c.sip, c.cip, 6, seg_of(c, d), tot=30))), cls='ip')
    decoy_case('ipv4_4_decoy_loose_source_route', 'decoy with a loose source route option (Linux accept_source_route 0 drops it, ip_rcv_options; FreeBSD ip_dosourceroute 0), real after',
               lambda c, d: c.pc.add(eth(ip4(c.sip, c.cip, 6, seg_of(c, d), opts=pad4(b'\x83\x07\x04' + a4('10.9.9.9'))))), cls='ip')
    decoy_case('ipv4_4_decoy_strict_source_route', 'decoy with a strict source route option (Linux, FreeBSD: dropped), real after',
               lambda c, d: c.pc.add(eth(ip4(c.sip, c.cip, 6, seg_of(c, d), opts=pad4(b'\x89\x07\x04' + a4('10.9.9.9'))))), cls='ip')
    # positives: hosts do not check the TTL / hop limit of packets addressed to them
    pc = Pcap(); B = payload('ttl0'); W = resp(B); c = dl_start(pc)
    for i in range(0, len(W), 1000):
        c.s(W[i:i+1000], ipkw={'ttl': 0 if (i // 1000) % 2 else 1})
    c.ack_c(); c.close()
    save('ipv4_4_ttl_zero_and_one', pc, sha(B), 'ip', 'data segments with TTL 0 and 1 (a host does not check the TTL of datagrams addressed to it: Linux ip_rcv, FreeBSD ip_input; only forwarding does)')
    pc = Pcap(); B = payload('hlim0'); W = resp(B); c = Conv(pc, cip='fd00::1', sip='fd00::2'); c.handshake(); c.c(req()); c.ack_s()
    for i in range(0, len(W), 1000):
        pc.add(eth(ip6(c.sip, c.cip, 6, seg_of(c, W[i:i+1000]), hlim=0), 0x86DD)); c.sseq += len(W[i:i+1000])
    c.ack_c(); c.close()
    save('ipv6_4_hop_limit_zero', pc, sha(B), 'ipv6', 'IPv6 data packets with hop limit 0 (Linux ip6_rcv_core and FreeBSD ip6_input check it only when forwarding)')
    # IPv6 jumbo payload option in a packet that is not a jumbogram: every stack drops it (Linux
    # ipv6_hop_jumbo: payload_len != 0 or jumbo length <= 65535, parameter problem; FreeBSD ip6_process_hopopts)
    decoy_case('ipv6_4_decoy_jumbo_option_not_jumbogram', 'decoy whose hop-by-hop header carries a jumbo payload option (value 70000) while the payload length is set (RFC 2675 3; Linux ipv6_hop_jumbo, FreeBSD: dropped), real after',
               lambda c, d: c.pc.add(v6pkt(c, seg_of(c, d), [(0, b'\0\xc2\x04' + struct.pack('!I', 70000))])), v6=True, cls='ipv6')
    decoy_case('ipv6_4_decoy_payload_length_past_frame', 'decoy whose IPv6 payload length says 300 bytes more than the frame holds (Linux ip6_rcv_core: truncated, dropped), real after',
               lambda c, d: c.pc.add(eth(ip6(c.sip, c.cip, 6, seg_of(c, d), plen=20 + len(d) + 300), 0x86DD)), v6=True, cls='ipv6')
    # IPv6 fragments with the reserved bits of the fragment header set: ignored on receipt (RFC 8200 4.5)
    def frag6_res(p):
        out = []
        for f in frag6(p, 504, ident=0x5151):
            f = bytearray(f); f[41] = 0xff; f[43] |= 0x06; out.append(bytes(f))
        return out
    gen.frag_case('frag6_4_reserved_bits_set', 'IPv6 fragments whose two reserved fields are set (RFC 8200 4.5: ignored on reception; Linux and FreeBSD ignore them)', frag6_res, v6=True)
    # an atomic fragment (offset 0, M 0) is processed in isolation, even with the identification of a
    # datagram being reassembled (RFC 6946 4; Linux ipv6_frag_rcv, FreeBSD frag6_input since 2014)
    pc = Pcap(); B = payload('atomid', 3000); W = resp(B); c = Conv(pc, cip='fd00::1', sip='fd00::2'); c.handshake(); c.c(req()); c.ack_s()
    s1 = seg_of(c, W[:1500]); c.sseq += 1500; s2 = seg_of(c, W[1500:]); c.sseq += len(W) - 1500
    pc.add(eth(frag6_raw(c.sip, c.cip, 6, 99, 0, s1[:800], True), 0x86DD))
    pc.add(eth(frag6_raw(c.sip, c.cip, 6, 99, 0, s2, False), 0x86DD))
    pc.add(eth(frag6_raw(c.sip, c.cip, 6, 99, 800, s1[800:], False), 0x86DD))
    c.ack_c(); c.close()
    save('frag6_4_atomic_same_id_as_queue', pc, sha(B), 'ipfrag', 'an atomic fragment (offset 0, M 0) carrying the second segment arrives between the two fragments of the first segment\'s datagram, with the same identification (RFC 6946: processed in isolation, the queue untouched)')
    # likewise an IPv4 datagram that is not a fragment never joins a queue with its identification (Linux ip_is_fragment)
    pc = Pcap(); B = payload('v4sameid', 3000); W = resp(B); c = dl_start(pc)
    s1 = seg_of(c, W[:1500]); c.sseq += 1500; s2 = seg_of(c, W[1500:]); c.sseq += len(W) - 1500
    pc.add(eth(rawfrag4(c.sip, c.cip, 6, 77, 0, s1[:800], True)))
    pc.add(eth(ip4(c.sip, c.cip, 6, s2, ident=77)))
    pc.add(eth(rawfrag4(c.sip, c.cip, 6, 77, 800, s1[800:], False)))
    c.ack_c(); c.close()
    save('frag4_4_whole_datagram_same_id_as_queue', pc, sha(B), 'ipfrag', 'an unfragmented IPv4 datagram carrying the second segment arrives between the fragments of the first, with the same identification (Linux ip_is_fragment: not a fragment, the queue untouched)')
    # a fragment whose IPv4 header checksum is wrong is dropped before reassembly (Linux ip_rcv_core
    # csum_error, FreeBSD ip_input ipstat.ips_badsum, both before ip_defrag/ip_reass); the decoy's bytes
    # are a checksum-neutral change of the real ones, so the TCP checksum holds for either
    def badsum_frag(p):
        src, dst = socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20]); pl = p[20:]
        D = bytearray(pl); D[600:608] = gen.swap_words(pl[600:608]); D = bytes(D)
        decoy = bytearray(rawfrag4(src, dst, 6, 31, 600, D[600:], False)); decoy[10] ^= 0x5a
        return [rawfrag4(src, dst, 6, 31, 0, pl[:600], True), bytes(decoy), rawfrag4(src, dst, 6, 31, 600, pl[600:], False)]
    gen.frag_case('frag4_4_decoy_fragment_bad_ip_checksum', 'IPv4: the last fragment first as a decoy with a wrong header checksum (hosts drop it before reassembly: Linux ip_rcv_core, FreeBSD ip_input), then the real one at the same offset', badsum_frag)
    # IPv4 fragments of one datagram sent 20 s apart (inside every host's 30 s): reassembled
    pc = Pcap(); B = payload('slowfrag', 1500); W = resp(B); c = dl_start(pc)
    p = c.s(W, raw=True); c.sseq += len(W); fs = frag4(p, fragsize=600)
    pc.add(l3frame(fs[0])); pc.add(l3frame(fs[1]), dt=20.0); pc.add(l3frame(fs[2]), dt=0.001)
    c.ack_c(); c.close()
    save('frag4_4_fragments_20s_apart', pc, sha(B), 'ipfrag', 'the fragments of one datagram 20 s apart (inside the 30 s Linux ipfrag_time and FreeBSD IPFRAGTTL allow)', sets=LINUXC)

# ---------------- HTTP/1 ----------------
@case
def http4():
    B = payload('h4', 2500)
    pad = [b'X-Pad-%04d: ' % i + b'p' * 480 for i in range(200)]
    g = gz(B)
    pc = Pcap(); c = Conv(pc, wscale=7); c.handshake(); c.c(req()); c.ack_s()
    c.send(False, hdr(pad + [b'Content-Encoding: gzip', b'Content-Length: %d' % len(g)]) + g); c.ack_c(); c.close()
    save('http4_head_100k_then_gzip', pc, sha(B), 'http', 'a 100 KB response head (200 fields of 500 bytes) whose Content-Encoding: gzip and Content-Length come last (Chrome takes heads up to 256 KiB, kMaxHeaderBufSize; curl 300 KiB)')
    many = [b'X-%d: 1' % i for i in range(1500)]
    H('http4_head_1500_fields_then_chunked', 'a response head of 1,500 short fields (21 KB) whose Transfer-Encoding: chunked comes last (Chrome, Firefox and curl count no fields, only bytes)',
      hdr(many + [b'Transfer-Encoding: chunked']) + gen.chunked(B, (700,)), B)
    H('http4_head_ends_lf_crlf', 'a head whose last field line ends with LF and the empty line with CRLF ("\\n\\r\\n": Chrome HttpUtil::LocateEndOfHeaders, Firefox strips the CR)',
      b'HTTP/1.1 200 OK\r\nContent-Length: %d\n\r\n' % len(B) + B, B)
    H('http4_ce_empty_then_gzip', 'an empty Content-Encoding field then "Content-Encoding: gzip" (Firefox joins them ", gzip"; Chrome takes every value: gzip)',
      hdr([b'Content-Encoding:', b'Content-Encoding: gzip', b'Content-Length: %d' % len(g)]) + g, B)
    xf = g[:3] + bytes([g[3] | 0x08]) + g[4:10] + b'n' * 10000 + b'\0' + g[10:]
    H('http4_gzip_fname_10k', 'gzip whose FNAME field is 10,000 bytes (zlib inflate and Chrome GzipHeader skip it to its NUL)',
      hdr([b'Content-Encoding: gzip', b'Content-Length: %d' % len(xf)]) + xf, B)
    zs = subprocess.run(['zstd', '-q', '-c', '--no-check'], input=B, capture_output=True).stdout
    skip = struct.pack('<II', 0x184D2A53, 12) + b'skippable...'
    H('http4_zstd_skippable_frame_first', 'Content-Encoding: zstd whose body starts with a skippable frame (RFC 8878 3.1.2: decoders skip it)',
      hdr([b'Content-Encoding: zstd', b'Content-Length: %d' % len(skip + zs)]) + skip + zs, B)
    z1 = subprocess.run(['zstd', '-q', '-c'], input=B[:1200], capture_output=True).stdout
    z2 = subprocess.run(['zstd', '-q', '-c'], input=B[1200:], capture_output=True).stdout
    H('http4_zstd_two_frames', 'Content-Encoding: zstd body of two frames in a row (RFC 8878 3: the content is the frames\' concatenation; libzstd streaming decodes both)',
      hdr([b'Content-Encoding: zstd', b'Transfer-Encoding: chunked']) + gen.chunked(z1 + z2, (400,)), B)
    H('http4_te_leading_comma', 'Transfer-Encoding: ", chunked" (Chrome HttpUtil::ValuesIterator skips the empty element; Firefox tokenises on comma)',
      hdr([b'Transfer-Encoding: , chunked']) + gen.chunked(B, (800,)), B)

# ---------------- uploads ----------------
@case
def upload4():
    F = payload('u4f', 2200); F2 = payload('u4g', 900)
    fh = [b'Content-Disposition: form-data; name="f"; filename="a.bin"', b'Content-Type: application/octet-stream']
    upload('up4_boundary_ends_with_dashes', 'boundary "XyZ--" (RFC 2046 bchars allow "-"): "--XyZ--" is a part delimiter, "--XyZ----" the close (Go mime/multipart, PHP rfc1867.c); two files',
           mp([(fh, F), ([b'Content-Disposition: form-data; name="g"; filename="b.bin"'], F2)], bnd=b'XyZ--'), b'Content-Type: multipart/form-data; boundary=XyZ--\r\n', [sha(F), sha(F2)])
    upload('up4_disposition_upper_case', 'part head "CONTENT-DISPOSITION: FORM-DATA; NAME=\\"f\\"; FILENAME=\\"a.bin\\"" (Go textproto and mime.ParseMediaType fold case; PHP strcasecmp)',
           mp([([b'CONTENT-DISPOSITION: FORM-DATA; NAME="f"; FILENAME="a.bin"'], F)]), b'Content-Type: multipart/form-data; boundary=XyZ\r\n', sha(F))
    upload('up4_filename_unquoted_no_spaces', 'part head "Content-Disposition:form-data;name=f;filename=a.bin" (no spaces, unquoted tokens: Go and PHP read it)',
           mp([([b'Content-Disposition:form-data;name=f;filename=a.bin'], F)]), b'Content-Type: multipart/form-data; boundary=XyZ\r\n', sha(F))
    # an upload in 1-byte segments both ways
    pc = Pcap(); c = Conv(pc); c.handshake(); body = mp([(fh, F[:700])])
    c.send(True, req(method=b'POST', path=b'/up', extra=b'Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: %d\r\n' % len(body), body=body), mss=1)
    c.ack_s(); c.s(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'); c.ack_c(); c.close_client_first()
    save('up4_multipart_one_byte_segments', pc, sha(F[:700]), 'upload', 'a multipart upload whose every byte is its own segment')
    # A request without Content-Length or Transfer-Encoding has no body (RFC 9112 6.3 rule 7; nginx, Go,
    # Apache): its trailing bytes are the next request, which the server refuses (400). The client then
    # uploads properly on a new connection.
    Dd = payload('u4-nolen-decoy', 1500)
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.send(True, b'POST /up HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/octet-stream\r\n\r\n' + Dd, mss=1000); c.ack_s()
    c.s(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'); c.s(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'); c.s(flags='FA'); c.c(flags='FA'); c.s(flags='A')
    c2 = Conv(pc, cport=40001); c2.handshake()
    c2.send(True, req(method=b'POST', path=b'/up', extra=b'Content-Type: application/octet-stream\r\nContent-Length: %d\r\n' % len(F), body=F), mss=1000)
    c2.ack_s(); c2.s(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'); c2.ack_c(); c2.close()
    save('up4_decoy_request_body_without_length', pc, sha(F), 'upload', 'a POST without Content-Length or Transfer-Encoding followed by bytes (no body: RFC 9112 6.3; the bytes are a bad next request, answered 400), then a real upload on a new connection',
         forbid=[sha(Dd)])
    # pipelined uploads on one connection: a PUT with Content-Length then one chunked
    pc = Pcap(); c = Conv(pc); c.handshake()
    r1 = req(method=b'PUT', path=b'/a', extra=b'Content-Length: %d\r\n' % len(F), body=F)
    r2 = req(method=b'PUT', path=b'/b', extra=b'Transfer-Encoding: chunked\r\n') + gen.chunked(F2, (100,))
    c.send(True, r1 + r2, mss=1000); c.ack_s(); c.s(b'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'); c.ack_c(); c.close_client_first()
    save('up4_pipelined_put_cl_then_chunked', pc, [sha(F), sha(F2)], 'upload', 'two PUTs pipelined in one segment run: one with Content-Length, one chunked (servers read them in turn)')

# ---------------- HTTP/2 cleartext ----------------
@case
def h2c4():
    B = payload('h2c4', 3000); B3 = payload('h2c4-s3', 1800); Dd = payload('h2c4-decoy', 700)
    # GOAWAY with last stream id 1: stream 1 still completes (RFC 9113 6.8)
    sf = h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B))) + h2f(0, 0, 1, B[:1000]) + h2f(7, 0, 0, struct.pack('!II', 1, 0)) + h2f(0, 1, 1, B[1000:])
    h2conn('h2c4_goaway_then_rest_of_stream', 'GOAWAY (last stream 1, NO_ERROR) in the middle of stream 1\'s body; its DATA still comes (RFC 9113 6.8: streams up to the last id complete)', sha(B), h2f(1, 5, 1, reqblk()), sf)
    # END_STREAM on an empty padded DATA frame
    sf = h2f(1, 4, 1, b'\x88') + h2f(0, 0, 1, B) + h2f(0, 9, 1, b'\x05' + b'\0' * 5)
    h2conn('h2c4_end_stream_on_padded_empty_data', 'no content-length; the body ends with an empty DATA frame that is all padding and carries END_STREAM', sha(B), h2f(1, 5, 1, reqblk()), sf)
    # never-indexed literals (RFC 7541 6.2.3) for :status, content-length and content-encoding
    g = gz(B)
    sf = h2f(1, 4, 1, b'\x18' + bytes([3]) + b'200' + b'\x1f\x0d' + bytes([len(b'%d' % len(g))]) + b'%d' % len(g) + b'\x1f\x0b' + bytes([4]) + b'gzip') + h2f(0, 1, 1, g)
    h2conn('h2c4_never_indexed_fields', ':status, content-length and content-encoding gzip as never-indexed literals (RFC 7541 6.2.3)', sha(B), h2f(1, 5, 1, reqblk()), sf)
    # two dynamic table size updates at the start of a block (RFC 7541 4.2: the smallest then the final)
    sf = h2f(1, 4, 1, b'\x20\x3f\xe1\x1f' + b'\x88' + b'\x5c' + bytes([len(b'%d' % len(B))]) + b'%d' % len(B)) + h2f(0, 1, 1, B)
    h2conn('h2c4_two_table_size_updates', 'a header block starting with two dynamic table size updates (0, then 4,096; RFC 7541 4.2) and an incrementally indexed content-length', sha(B), h2f(1, 5, 1, reqblk()), sf)
    # a PUSH_PROMISE with the PADDED flag
    P = payload('h2c4-push', 1500)
    push_req = b'\x82\x86' + hlit(4, b'/p.bin') + hlit(1, b'example.com')
    sf = (h2f(5, 4 | 8, 1, b'\x06' + struct.pack('!I', 2) + push_req + b'\0' * 6) + h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B)))
          + h2f(1, 4, 2, b'\x88' + hlit(28, b'%d' % len(P))) + h2f(0, 1, 2, P) + h2f(0, 1, 1, B))
    h2conn('h2c4_push_promise_padded', 'a PUSH_PROMISE with the PADDED flag (RFC 9113 6.6); the pushed response and the answer both kept', [sha(B), sha(P)], h2f(1, 5, 1, reqblk()), sf)
    # the server resets stream 1 (RST_STREAM) then sends a decoy DATA on it: closed (RFC 9113 5.1), never body
    sf = (h2f(1, 4, 1, b'\x88') + h2f(0, 0, 1, B[:500]) + h2f(3, 0, 1, struct.pack('!I', 2)) + h2f(0, 1, 1, Dd)
          + h2f(1, 4, 3, b'\x88' + hlit(28, b'%d' % len(B3))) + h2f(0, 1, 3, B3))
    h2conn('h2c4_decoy_data_after_server_rst_stream', 'the server resets stream 1 after 500 bytes, then sends decoy DATA with END_STREAM on it (closed stream: ignored/STREAM_CLOSED); stream 3 carries the file', sha(B3),
           h2f(1, 5, 1, reqblk()) + h2f(1, 5, 3, reqblk(b'/g.bin')), sf)
    # a gRPC-style upload: POST body in DATA frames, then trailing HEADERS with END_STREAM
    pc = Pcap(); c = Conv(pc, sport=50051); c.handshake(); U = payload('h2c4-up', 2600)
    blk = b'\x83\x86' + hlit(4, b'/svc/Up') + hlit(1, b'example.com') + hlit(31, b'application/grpc') + b'\x00\x02te\x08trailers'
    cf = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, b'') + h2f(1, 4, 1, blk)
    for k in range(0, len(U), 900): cf += h2f(0, 0, 1, U[k:k+900])
    cf += h2f(1, 5, 1, b'\x00\x06x-done\x01y')
    c.send(True, cf, mss=1000); c.ack_s(); c.s(h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + h2f(1, 4, 1, b'\x88') + h2f(1, 5, 1, b'\x00\x0bgrpc-status\x010'))
    c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save('h2c4_upload_with_trailers_port_50051', pc, sha(U), 'h2c', 'h2c prior knowledge on port 50051 (gRPC): a POST body in DATA frames ended by trailing HEADERS with END_STREAM')

# ---------------- tunnels ----------------
def l2tp2(p, seq=False):
    """L2TPv2 data message as the Linux kernel sends it (l2tp_build_l2tpv2_header): no Length field"""
    flags = 0x0002 | (0x0800 if seq else 0)
    h = struct.pack('!HHH', flags, 9, 10) + (struct.pack('!HH', 3, 4) if seq else b'')
    return outer_udp(1701, h + b'\xff\x03\x00' + (b'\x21' if et(p) == 0x0800 else b'\x57') + p, sport=1701)

def gtpu(p, flags=0x30, mtype=0xFF, opt=b''):
    body = opt + p
    return outer_udp(2152, struct.pack('!BBHI', flags, mtype, len(body), 0xABCD) + body, sport=2152)

@case
def tunnel4():
    tun_case('tun4_l2tpv2_no_length', 'L2TPv2 data messages without the Length field (L clear: RFC 2661 3.1 makes it optional; the Linux kernel sends them so)', lambda p: l2tp2(p))
    tun_case('tun4_l2tpv2_seq_no_length', 'L2TPv2 data messages with Ns/Nr but no Length field', lambda p: l2tp2(p, True))
    tun_case('tun4_l2tpv2_ipv6_no_length', 'L2TPv2 without Length carrying PPP IPv6 (0x0057)', lambda p: l2tp2(p), v6=True)
    tun_case('tun4_gtpu_pn_flag_only', 'GTP-U with only the PN flag: the sequence, N-PDU and next extension fields are all present (TS 29.281 5.1)', lambda p: gtpu(p, 0x31, opt=b'\0\0\x05\0'))
    def gtp_echo(p):
        echo = outer_udp(2152, struct.pack('!BBHIHBB', 0x32, 1, 4, 0, 7, 0, 0), sport=2152)
        return [echo, gtpu(p)]
    tun_case('tun4_gtpu_echo_between', 'a GTP-U Echo Request (TEID 0) before every G-PDU', gtp_echo)
    tun_decoy('tun4_decoy_gtpu_end_marker_payload', 'decoy carried by a GTP-U End Marker (type 254; only a G-PDU carries a user packet, TS 29.281 5.1/7.3.2; Linux gtp1u_udp_encap_recv passes other types to user space), real in G-PDUs',
              lambda p: gtpu(p), lambda p: gtpu(p, mtype=254))
    tun_decoy('tun4_decoy_gtpu_version_2', 'decoy in a GTP header of version 2 on the GTP-U port (Linux gtp1u_udp_encap_recv: version != 1, not decapsulated), real in GTPv1-U',
              lambda p: gtpu(p), lambda p: gtpu(p, flags=0x50))
    tun_decoy('tun4_decoy_gre_version_2', 'decoy in GRE version 2 (RFC 2784 2.3.1 version MUST be 0; Linux gre_rcv: ver >= GREPROTO_MAX, dropped), real in GRE version 0',
              lambda p: outer4(47, gre_hdr(et(p), payload=p)), lambda p: outer4(47, struct.pack('!HH', 0x0002, et(p)) + p))
    tun_decoy('tun4_decoy_outer_ipv4_bad_checksum', 'decoy in GRE whose outer IPv4 header checksum is wrong (the tunnel end\'s ip_rcv_core drops it), real in GRE',
              lambda p: outer4(47, gre_hdr(et(p), payload=p)), lambda p: outer4(47, gre_hdr(et(p), payload=p), badsum=True))
    tun_decoy('tun4_decoy_outer_source_route', 'decoy in GRE whose outer IPv4 header has a loose source route (the tunnel end drops it: accept_source_route 0), real in GRE',
              lambda p: outer4(47, gre_hdr(et(p), payload=p)), lambda p: outer4(47, gre_hdr(et(p), payload=p), opts=pad4(b'\x83\x07\x04' + a4('10.9.9.9'))))
    def vx_short(p):
        inner = struct.pack('!II', 0x08000000, 42 << 8) + inner_eth(p)
        u = struct.pack('!HHHH', 50000, 4789, 8 + 8 + 14 + 30, 0) + inner    # UDP length ends inside the inner TCP header; checksum 0 (none)
        return outer4(17, u)
    tun_decoy('tun4_decoy_vxlan_udp_length_short', 'decoy in VXLAN whose UDP length ends inside the inner TCP header (Linux __udp4_lib_rcv trims the datagram to it, pskb_trim_rcsum; the inner packet is then cut and dropped), real in VXLAN',
              lambda p: outer_udp(4789, struct.pack('!II', 0x08000000, 42 << 8) + inner_eth(p)), vx_short)
    def v4in6_frag(p):
        outer = ip6('2001:db8::1', '2001:db8::2', 4, p)
        if len(outer) > 700: return [eth(f, 0x86DD) for f in frag6(outer, 504, ident=0x4646)[::-1]]
        return eth(outer, 0x86DD)
    tun_case('tun4_4in6_outer_fragmented', 'IPv4-in-IPv6 whose outer IPv6 packets are fragmented (reversed)', v4in6_frag)
    def teredo_bubbles(p):
        bubble = outer_udp(3544, ip6('2001:0:1::1', '2001:0:2::2', 59, b''), sport=3544)
        return [bubble, outer_udp(3544, p, sport=3544)]
    tun_case('tun4_teredo_bubbles_between', 'Teredo bubbles (IPv6, next header 59, no payload, RFC 4380 2.8) before every packet', teredo_bubbles, v6=True)
    def pppoe_lcp(p):
        lcp = eth(struct.pack('!BBHHH', 0x11, 0, 0x1234, 10, 0xC021) + struct.pack('!BBHI', 9, 1, 8, 0x01020304), 0x8864)
        return [lcp, eth(struct.pack('!BBHHH', 0x11, 0, 0x1234, len(p) + 2, 0x0021) + p, 0x8864)]
    tun_case('tun4_pppoe_lcp_echo_between', 'PPPoE session with an LCP Echo-Request before every IPv4 packet', pppoe_lcp)

if __name__ == '__main__':
    main(CASES, 'gen4.py')
