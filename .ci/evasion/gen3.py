"""Writes SpanWatch's third round of evasion cases (gen.py and gen2.py are the first two): tricks of the
same classes that the first two rounds did not try, each hiding one file behind something the receiving
host (a browser, curl, a Linux or BSD stack, a tunnel endpoint, a Go/PHP/Django server) still undoes, with
the sha256 it must yield and the decoys it must not (meta.json, scored by run.py). Each case names the
receiver's code or RFC that decides it. Written by the third evasion review on 2026-12-06 (raw packets
by hand with pk.py, no scapy). Usage: python3 gen3.py OUT_DIR; then run.py OUT_DIR."""
from pk import *
import gen
from gen import H, hdr, gz, upload, mp, tun_case, h2f, hlit, dl_start, et, inner_eth, outer4, outer_udp, gre_hdr, O1, O2
from gen2 import decoy_case, reqblk, h2conn
import zlib, struct
CASES = []
def case(f): CASES.append(f); return f
LINUXC = gen.LINUXC
MSS = b'\x02\x04\x05\xb4'

def decoy_body(W, lo=1000, hi=2000, fill=b'D'):
    D = bytearray(W); D[lo:hi] = fill * (hi - lo); return bytes(D)

# ---------------- TCP ----------------
@case
def tcp3():
    # A RST that is not at rcv_nxt draws a challenge ACK and changes nothing (RFC 5961 3.2, Linux
    # tcp_validate_incoming); the bytes it carries are never data (RFC 9293 3.5.3: "RST segments may carry
    # data" only as diagnostic text). Here the RST carries decoy bytes for a hole that the real segment fills.
    pc = Pcap(); B = payload('rstdata'); W = resp(B); c = dl_start(pc); base = c.sseq; D = decoy_body(W)
    c.s(W[:500]); c.s(D[1000:2000], flags='RA', seq=base + 1000, advance=False)
    c.s(W[500:1500], seq=base + 500); c.s(W[1500:], seq=base + 1500); c.sseq = base + len(W); c.ack_c(); c.close()
    save('tcp3_rst_payload_in_hole', pc, sha(B), 'tcp', 'an in-window RST not at rcv_nxt carries decoy bytes for data not yet received (RFC 5961 3.2: challenge ACK; RST text is never data), real segments after',
         forbid=[sha(D[W.index(B):])])

    # SYN-SENT: a RST without ACK is dropped ("else (no ACK) drop the segment and return", RFC 793 p.67;
    # Linux tcp_rcv_synsent_state_process discard_and_undo); a RST whose ACK does not acknowledge the SYN
    # is dropped too (RFC 793: "If SEG.ACK =< ISS, or SEG.ACK > SND.NXT ... drop"; Linux reset_and_undo).
    for name, flags, ack, desc in [('tcp3_rst_without_ack_in_syn_sent', 'R', 0, 'a forged RST without ACK right after the SYN (dropped in SYN-SENT), then the SYN-ACK'),
                                   ('tcp3_rst_bad_ack_in_syn_sent', 'RA', 1000 + 77777, 'a forged RST whose ACK does not acknowledge the SYN (dropped in SYN-SENT), then the SYN-ACK')]:
        pc = Pcap(); B = payload(name); W = resp(B); c = Conv(pc)
        c.c(flags='S', ack=0, opts=MSS); c.s(flags=flags, seq=90000, ack=ack, advance=False)
        c.s(flags='SA', opts=MSS); c.c(flags='A'); c.c(req()); c.ack_s(); c.send(False, W); c.ack_c(); c.close()
        save(name, pc, sha(B), 'tcp', desc)

    # SYN-ACK whose ACK is not ISS+1: the client answers with a RST and stays in SYN-SENT (RFC 793 p.66,
    # Linux tcp_rcv_synsent_state_process "reset_and_undo"); the real SYN-ACK follows. The decoy carries a
    # decoy response a BSD client would queue were the ACK acceptable.
    pc = Pcap(); B = payload('synackbadack'); W = resp(B); Dd = resp(b'Q' * len(B)); c = Conv(pc, isn_s=5000)
    c.c(flags='S', ack=0, opts=MSS)
    c.s(Dd, flags='SA', seq=700000, ack=c.cseq + 4000, opts=MSS, advance=False)
    c.c(flags='R', seq=c.cseq + 4000, ack=0, advance=False)
    c.s(flags='SA', opts=MSS); c.c(flags='A'); c.c(req()); c.ack_s(); c.send(False, W); c.ack_c(); c.close()
    save('tcp3_synack_decoy_bad_ack', pc, sha(B), 'tcp', 'a decoy SYN-ACK (other ISN, a response on it) whose ACK is not ISS+1: the client resets it and waits (RFC 793 SYN-SENT), the real SYN-ACK follows',
         forbid=[sha(b'Q' * len(B))])

    # a second SYN-ACK with another ISN after the handshake, before any data: an established client answers a
    # SYN with a challenge ACK and drops it, data and all (RFC 5961 4.2; Linux tcp_validate_incoming step 4)
    pc = Pcap(); B = payload('synack2'); W = resp(B); Dd = resp(b'Y' * len(B)); c = Conv(pc)
    c.handshake(); c.c(req())
    c.s(Dd, flags='SA', seq=3000000, opts=MSS, advance=False)
    c.ack_s(); c.send(False, W); c.ack_c(); c.close()
    save('tcp3_second_synack_other_isn', pc, sha(B), 'tcp', 'after the handshake and the request, a SYN-ACK with another ISN carrying a decoy response (RFC 5961 4.2: challenge ACK, dropped); the real response follows',
         forbid=[sha(b'Y' * len(B))])

    # the request on the handshake's third segment (ACK and data together, no pure ACK)
    pc = Pcap(); B = payload('thirdack'); W = resp(B); c = Conv(pc)
    c.c(flags='S', ack=0, opts=MSS); c.s(flags='SA', opts=MSS); c.c(req()); c.ack_s(); c.send(False, W); c.ack_c(); c.close()
    save('tcp3_request_on_third_ack', pc, sha(B), 'tcp', 'the request rides on the handshake\'s third segment (no pure ACK; Linux tcp_rcv_state_process SYN_RECV takes its data)')

    # An acknowledgement older than SND.UNA - MAX.SND.WND: Linux (since 3.6, tcp_ack: "RFC 5961 5.2
    # [Blind Data Injection Attack]", drop reason TCP_TOO_OLD_ACK) sends a challenge ACK and discards
    # the segment, data and all.
    pc = Pcap(); B = payload('oldack'); W = resp(B); c = dl_start(pc); D = decoy_body(W)
    c.s(W[:1000]); c.s(D[1000:2000], ack=c.cseq - 0x30000000, advance=False); c.s(W[1000:]); c.ack_c(); c.close()
    save('tcp3_decoy_ack_too_old_linux', pc, sha(B), 'tcp', 'in-order decoy whose ACK lies 768 MiB behind SND.UNA (Linux tcp_ack: RFC 5961 5.2, TCP_TOO_OLD_ACK, dropped), real after',
         sets=LINUXC, forbid=[sha(D[W.index(B):])])

    # window scaling is in effect only when both SYNs carry it (RFC 7323 2.2, Linux tcp_parse_options/
    # tcp_rcv_synsent_state_process: wscale_ok needs the peer's option): the client offered 7, the server
    # none, so the client's window field 1000 is 1000 bytes. A decoy sent at byte 1000 is out of window.
    pc = Pcap(); B = payload('wsoneside', 2400); W = resp(B); c = Conv(pc, win=1000); base = None
    c.c(flags='S', ack=0, opts=MSS + b'\x01\x03\x03\x07'); c.s(flags='SA', opts=MSS); c.c(flags='A'); c.c(req()); c.ack_s()
    base = c.sseq; D = decoy_body(W, 1000, 1400, b'V')
    c.s(W[:1000]); c.s(D[1000:1400], seq=base + 1000, advance=False); c.ack_c()
    c.s(W[1000:2000], seq=base + 1000); c.ack_c(); c.s(W[2000:], seq=base + 2000); c.sseq = base + len(W); c.ack_c(); c.close()
    save('tcp3_wscale_offered_by_client_only', pc, sha(B), 'tcp-window', 'only the client\'s SYN offers window scale 7 (not in effect, RFC 7323 2.2): its window 1000 is 1000 bytes; a decoy at the edge, real after the ACK',
         forbid=[sha(D[W.index(B):])])

    # TCP Fast Open client (cookie request, kind 34): a Linux client queues a SYN-ACK's data
    # (tcp_rcv_fastopen_synack), so the response's first bytes on the SYN-ACK belong to the file
    pc = Pcap(); B = payload('tfosynack'); W = resp(B); c = Conv(pc)
    c.c(flags='S', ack=0, opts=MSS + b'\x22\x02\x01\x01')
    c.s(W[:600], flags='SA', opts=MSS + b'\x22\x0a' + b'\x11' * 8, advance=False); c.sseq += 1 + 600
    c.c(flags='A'); c.c(req()); c.ack_s(); c.send(False, W[600:]); c.ack_c(); c.close()
    save('tcp3_tfo_synack_data_linux', pc, sha(B), 'tcp', 'the client\'s SYN asks for a Fast Open cookie; the SYN-ACK carries the response\'s first 600 bytes (Linux tcp_rcv_fastopen_synack queues them)', sets=LINUXC)

    # BSD clients queue a SYN-ACK's data (RFC 793 SYN-SENT step 6; FreeBSD tcp_do_segment)
    pc = Pcap(); B = payload('bsdsynack'); W = resp(B); c = Conv(pc)
    c.c(flags='S', ack=0, opts=MSS); c.s(W[:600], flags='SA', opts=MSS, advance=False); c.sseq += 1 + 600
    c.c(flags='A'); c.c(req()); c.ack_s(); c.send(False, W[600:]); c.ack_c(); c.close()
    save('tcp3_synack_data_bsd_client', pc, sha(B), 'tcp', 'the SYN-ACK carries the response\'s first 600 bytes to a BSD client (default policy), which queues them')

    # a SYN|FIN with a decoy upload: Linux drops it in LISTEN (tcp_rcv_state_process: "if (th->fin) goto
    # discard" for a SYN), and a SYN's data is taken only with Fast Open; the real SYN follows
    pc = Pcap(); U = payload('synfin-up', 1500); Dd = payload('synfin-decoy', 1500); c = Conv(pc, isn_c=424242)
    c.c(req(method=b'PUT', path=b'/up', extra=b'Content-Length: %d\r\n' % len(Dd), body=Dd), flags='SF', ack=0, opts=MSS, advance=False)
    c.cseq = 1000; c.handshake(); c.send(True, req(method=b'PUT', path=b'/up', extra=b'Content-Length: %d\r\n' % len(U), body=U), mss=1000)
    c.ack_s(); c.s(b'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'); c.ack_c(); c.close()
    save('tcp3_synfin_decoy_upload', pc, sha(U), 'tcp', 'a SYN|FIN carrying a decoy PUT (Linux drops SYN|FIN in LISTEN; no SYN-ACK acknowledges it), then the real connection uploads',
         sets=['stream.policy.linux=10.0.0.2'], forbid=[sha(Dd)])

    # the same 4-tuple reused after a RST; the old connection's server keeps sending a decoy body in its old
    # sequence space after the new handshake (far outside the new window: dropped by the client)
    pc = Pcap(); B2 = payload('reuse-new'); Dd = payload('reuse-old', 3000); W1 = resp(Dd)
    c = Conv(pc, isn_c=1000, isn_s=5000); c.handshake(); c.c(req()); c.ack_s(); c.s(W1[:1400]); c.c(flags='R')
    old = c.sseq
    n = Conv(pc, isn_c=2000000, isn_s=900000000); n.handshake(); n.c(req(path=b'/g.bin')); n.ack_s()
    c.s(W1[1400:2800], seq=old); c.s(W1[2800:], seq=old + 1400)
    n.send(False, resp(B2)); n.ack_c(); n.close()
    save('tcp3_port_reuse_old_isn_decoy', pc, sha(B2), 'tcp', 'client resets a download; the same 4-tuple reconnects with new ISNs while the old server keeps sending the old body in the old sequence space (out of window: dropped)',
         forbid=[sha(Dd)])

# ---------------- IP headers and fragments ----------------
def raw_ip4(c, d, opts=b'', **kw):
    return ip4(c.sip, c.cip, 6, tcp(c.sip, c.cip, c.sport, c.cport, c.sseq, c.cseq, 'PA', d), opts=opts, **kw)

def pad4(o): return o + b'\0' * ((4 - len(o) % 4) % 4)

@case
def ip3():
    # IPv4 options a receiving host refuses (ip_options_compile in Linux net/ipv4/ip_options.c; FreeBSD
    # ip_dooptions in sys/netinet/ip_options.c): the packet is dropped with a parameter problem
    def opt_decoy(name, opts, desc, sets=None):
        decoy_case(name, desc, lambda c, d: c.pc.add(eth(raw_ip4(c, d, opts=pad4(opts)))), sets=sets, cls='ip')
    opt_decoy('ipv4_3_decoy_ts_overflow_15', b'\x44\x08\x09\xf0' + b'\0' * 4,
              'decoy whose timestamp option is full with its overflow counter at 15 (Linux: "overflow == 15" error; FreeBSD: "++ipt_oflw == 0" bad): dropped by both; real after')
    opt_decoy('ipv4_3_decoy_rr_no_room_linux', b'\x07\x07\x05' + b'\0' * 4,
              'decoy whose record-route pointer (5) leaves no room for an address in its 7 bytes (Linux ip_options_compile: "optptr[2]+3 > optlen" error), real after', sets=LINUXC)
    opt_decoy('ipv4_3_decoy_ts_no_room_linux', b'\x44\x08\x06\x00' + b'\0' * 4,
              'decoy whose timestamp pointer (6) leaves no room for a timestamp in its 8 bytes (Linux: "optptr[2]+3 > optlen" error), real after', sets=LINUXC)
    opt_decoy('ipv4_3_decoy_two_timestamps_linux', b'\x44\x08\x05\x00' + b'\0' * 4 + b'\x44\x08\x05\x00' + b'\0' * 4,
              'decoy with two timestamp options (Linux ip_options_compile: "if (opt->ts) goto error"), real after', sets=LINUXC)
    opt_decoy('ipv4_3_decoy_cipso_linux', b'\x86\x0a\x00\x00\x00\x03\x01\x04\x00\x05',
              'decoy with a CIPSO option of DOI 3 (Linux with NetLabel, as distributions build it: cipso_v4_validate finds no DOI configured, the packet dropped), real after', sets=LINUXC)
    opt_decoy('ipv4_3_decoy_ts_unknown_flag_bsd', b'\x44\x0c\x05\x02' + b'\0' * 8,
              'decoy whose timestamp option has flag 2, which no RFC defines (FreeBSD ip_dooptions: default: goto bad; Linux ignores it): to the default bsd host, real after')
    # EOL then garbage: Linux stops at IPOPT_END and clears the rest (ip_options_compile "eol"), takes the packet
    pc = Pcap(); B = payload('ipopteol'); W = resp(B); c = dl_start(pc)
    for i in range(0, len(W), 1000):
        c.pc.add(eth(raw_ip4(c, W[i:i+1000], opts=pad4(b'\x01\x00\x44\x02\x83\x03'))))
        c.sseq += len(W[i:i+1000])
    c.ack_c(); c.close()
    save('ipv4_3_options_after_eol', pc, sha(B), 'ip', 'every data segment carries options NOP, EOL, then bytes that would be a bad timestamp and a source route (ignored after EOL: Linux ip_options_compile, RFC 791)')

    # IPv6 options Linux refuses (net/ipv6/exthdrs.c ip6_parse_tlv): PadN whose payload is not zero
    # ("RFC 4942 recommends receiving hosts to actively check PadN payload"), padding longer than 7
    # bytes in a row, more than 8 options (max_dst_opts_cnt / max_hbh_opts_cnt, default 8)
    def v6opt(hdr_type, body):
        def mk(c, d):
            raw = tcp(c.sip, c.cip, c.sport, c.cport, c.sseq, c.cseq, 'PA', d)
            h = bytes([6, (2 + len(body)) // 8 - 1]) + body
            c.pc.add(eth(ip6(c.sip, c.cip, hdr_type, h + raw), 0x86DD))
        return mk
    decoy_case('ipv6_3_decoy_padn_nonzero_linux', 'decoy whose destination options hold a PadN of non-zero bytes (Linux ip6_parse_tlv drops it), real after',
               v6opt(60, b'\x01\x04ABCD'), v6=True, sets=LINUXC, cls='ipv6')
    decoy_case('ipv6_3_decoy_padding_over_7_linux', 'decoy whose hop-by-hop header is 14 bytes of PadN (Linux: padlen > 7, dropped), real after',
               v6opt(0, b'\x01\x0c' + b'\0' * 12), v6=True, sets=LINUXC, cls='ipv6')
    decoy_case('ipv6_3_decoy_nine_options_linux', 'decoy whose destination options hold 9 skippable unknown options (Linux: tlv_count > max_dst_opts_cnt 8, dropped), real after',
               v6opt(60, b'\x1e\x00' * 9 + b'\x01\x02\0\0'), v6=True, sets=LINUXC, cls='ipv6')

@case
def frag3():
    # RFC 8200 4.5 / RFC 7112: a first fragment that does not hold the whole upper-layer header is dropped
    # (Linux ipv6_frag_rcv: ipv6frag_thdr_truncated, ICMPV6_HDR_INCOMP), so that datagram never completes
    def tiny_first6(c, d):
        seg = tcp(c.sip, c.cip, c.sport, c.cport, c.sseq, c.cseq, 'PA', d)
        c.pc.add(eth(frag6_raw(c.sip, c.cip, 6, 4242, 0, seg[:8], True), 0x86DD))
        c.pc.add(eth(frag6_raw(c.sip, c.cip, 6, 4242, 8, seg[8:], False), 0x86DD))
    decoy_case('frag6_3_decoy_first_frag_header_incomplete_linux', 'decoy IPv6 datagram whose first fragment holds 8 bytes of the TCP header (Linux ipv6frag_thdr_truncated drops it; RFC 8200 4.5), real segment after',
               tiny_first6, v6=True, sets=LINUXC, cls='ipfrag')
    # RFC 5722: an IPv6 datagram with overlapping fragments is dropped whole (Linux inet_frag_queue_insert
    # IPFRAG_OVERLAP; FreeBSD frag6_input), even where the overlapping bytes agree
    def ovl6(c, d):
        seg = tcp(c.sip, c.cip, c.sport, c.cport, c.sseq, c.cseq, 'PA', d)
        c.pc.add(eth(frag6_raw(c.sip, c.cip, 6, 5151, 0, seg[:416], True), 0x86DD))
        c.pc.add(eth(frag6_raw(c.sip, c.cip, 6, 5151, 400, seg[400:], False), 0x86DD))
    decoy_case('frag6_3_decoy_overlap_rfc5722', 'decoy IPv6 datagram whose two fragments overlap by 16 identical bytes (RFC 5722: the whole datagram dropped), real segment after', ovl6, v6=True, cls='ipfrag')
    # Linux IPv4 too since 4.19 (CVE-2018-5391, inet_frag_queue_insert returns IPFRAG_OVERLAP, ip_frag_queue discards the queue)
    def ovl4(c, d):
        seg = tcp(c.sip, c.cip, c.sport, c.cport, c.sseq, c.cseq, 'PA', d)
        c.pc.add(eth(rawfrag4(c.sip, c.cip, 6, 777, 0, seg[:416], True)))
        c.pc.add(eth(rawfrag4(c.sip, c.cip, 6, 777, 400, seg[400:], False)))
    decoy_case('frag4_3_decoy_overlap_linux', 'decoy IPv4 datagram to a Linux host whose fragments overlap by 16 identical bytes (Linux >= 4.19 drops the datagram: IPFRAG_OVERLAP), real segment after', ovl4, sets=LINUXC, cls='ipfrag')
    # fragments with different TTLs and DSCP: hosts reassemble regardless
    def ttl_vary(p):
        fs = frag4(p, fragsize=512); out = []
        for i, f in enumerate(fs):
            f = bytearray(f); f[8] = 64 - i * 7; f[1] = i * 4; f[10:12] = b'\0\0'; f[10:12] = struct.pack('!H', csum(bytes(f[:20]))); out.append(bytes(f))
        return out
    gen.frag_case('frag4_3_ttl_tos_vary', 'IPv4 fragments each with another TTL and TOS (hosts reassemble by id, addresses and protocol only)', ttl_vary)
    # IPv6 fragments whose unfragmentable part differs (hop-by-hop only on the first): the first fragment's is used (RFC 8200 4.5)
    def hbh_first_only(p):
        pl = p[40:]; src = socket.inet_ntop(socket.AF_INET6, p[8:24]); dst = socket.inet_ntop(socket.AF_INET6, p[24:40])
        hbh = struct.pack('!BB', 44, 0) + b'\x01\x04\0\0\0\0'
        out = []
        for off in range(0, len(pl), 504):
            fh = struct.pack('!BBHI', 6, 0, off | (1 if off + 504 < len(pl) else 0), 6464)
            out.append(ip6(src, dst, 0, hbh + fh + pl[off:off+504]) if off == 0 else ip6(src, dst, 44, fh + pl[off:off+504]))
        return out[::-1]
    gen.frag_case('frag6_3_unfragmentable_part_differs', 'IPv6 fragments, reversed; only the first carries a hop-by-hop header (its unfragmentable part is the one kept, RFC 8200 4.5)', hbh_first_only, v6=True)

# ---------------- tunnels ----------------
def tun_decoy(name, desc, wrap_real, wrap_decoy, v6=False, sets=None):
    """a download carried by wrap_real; one in-order decoy segment carried by wrap_decoy, which the tunnel endpoint drops"""
    pc = Pcap(); B = payload(name); W = resp(B)
    kw = dict(cip='fd00::1', sip='fd00::2') if v6 else {}
    c = Conv(pc, **kw); c.wrap = wrap_real
    c.handshake(); c.c(req()); c.ack_s(); D = decoy_body(W)
    c.s(W[:1000]); p = c.s(D[1000:2000], raw=True); pc.add(wrap_decoy(p)); c.s(W[1000:]); c.ack_c(); c.close()
    save(name, pc, sha(B), 'tunnel', desc, sets=sets, forbid=[sha(D[W.index(B):])])

def vx(p, flags=0x08, port=4789): return outer_udp(port, struct.pack('!BxxxI', flags, 42 << 8) + inner_eth(p))
def gre_ck(proto, payload, good=True):
    h = struct.pack('!HH', 0x8000, proto) + b'\0\0\0\0' + payload
    cs = csum(h)
    if not good: cs ^= 0x5a5a
    return h[:4] + struct.pack('!H', cs) + h[6:]

@case
def tunnel3():
    # GRE with the routing-present bit: RFC 2784 2.3 "A receiver MUST discard a packet where any of bits 1-5
    # are non-zero, unless that receiver implements RFC 1701"; Linux gre_parse_header returns -EINVAL for
    # GRE_ROUTING. The decoy carries a valid RFC 1701 routing field (one empty SRE list).
    def gre_r(p):
        return outer4(47, struct.pack('!HH', 0x4000, et(p)) + struct.pack('!HH', 0, 0) + struct.pack('!HBB', 0, 0, 0) + p)
    tun_decoy('tun3_decoy_gre_routing_bit', 'decoy in GRE with the routing bit and an RFC 1701 SRE list (RFC 2784 2.3: discarded; Linux gre_parse_header -EINVAL), real in plain GRE',
              lambda p: outer4(47, gre_hdr(et(p), payload=p)), gre_r)
    tun_decoy('tun3_decoy_gre_bad_checksum', 'decoy in GRE whose checksum is wrong (Linux gre_parse_header: csum_err, dropped; RFC 2784 2.2), real in GRE with a right checksum',
              lambda p: outer4(47, gre_ck(et(p), p)), lambda p: outer4(47, gre_ck(et(p), p, good=False)))
    tun_decoy('tun3_decoy_vxlan_i_flag_clear', 'decoy in VXLAN whose I flag is clear (RFC 7348 5: I MUST be 1 for a valid VNI; Linux vxlan_rcv "VNI flag always required to be set", drop), real in VXLAN',
              lambda p: vx(p), lambda p: vx(p, flags=0x00))
    def gnv(p, ver=0): return outer_udp(6081, struct.pack('!BBHI', ver << 6, 0, 0x6558, 77 << 8) + inner_eth(p))
    tun_decoy('tun3_decoy_geneve_version_1', 'decoy in Geneve version 1 (RFC 8926 3.4: unknown version MUST be dropped; Linux geneve_udp_encap_recv), real in Geneve version 0',
              lambda p: gnv(p), lambda p: gnv(p, 1))
    tun_case('tun3_vxlan_custom_port', 'VXLAN on UDP 9999, configured (decoder.vxlan.ports), as Linux "ip link add ... dstport 9999"', lambda p: vx(p, port=9999),
             sets=['decoder.vxlan.ports=4789,9999'])
    tun_case('tun3_gre_ipv6_in_ipv6', 'IPv6 / GRE / IPv6 (ip6gre)', lambda p: eth(ip6('2001:db8::1', '2001:db8::2', 47, gre_hdr(et(p), payload=p)), 0x86DD), v6=True)
    def gtpu6(p):
        return outer_udp(2152, struct.pack('!BBHI', 0x30, 0xFF, len(p), 0xABCD) + p, sport=2152, v6=True)
    tun_case('tun3_gtpu_ipv6_outer', 'GTP-U over an IPv6 transport network, IPv4 inside', gtpu6)
    tun_case('tun3_gtpu_ipv6_outer_ipv6_inner', 'GTP-U over IPv6, IPv6 inside', gtpu6, v6=True)
    def teredo_auth(p):
        auth = struct.pack('!HBB', 1, 0, 0) + b'\x01\x02\x03\x04\x05\x06\x07\x08' + b'\x00'   # no id, no auth value, nonce, confirmation
        return outer_udp(3544, auth + b'\x00\x00' + b'\xff\xff' + b'\xff\xff\xff\xff' + p, sport=3544)
    tun_case('tun3_teredo_auth_and_origin', 'Teredo with an authentication indicator and an origin indication before the IPv6 packet (RFC 4380 5.1.1)', teredo_auth, v6=True)
    def capwap(p, wifi=False, to_ds=True):
        word0 = (2 << 19) | (1 << 14) | (1 << 9) | ((1 << 8) if wifi else 0)
        h = struct.pack('!II', word0, 0)
        if wifi:
            fc = b'\x08\x01' if to_ds else b'\x08\x02'
            frame = fc + b'\0\0' + MAC_S + MAC_C + MAC_S + b'\0\0' + b'\xaa\xaa\x03\x00\x00\x00' + struct.pack('!H', et(p)) + p
        else:
            frame = inner_eth(p)
        return outer_udp(5247, h + frame, sport=5246 + 1000)
    tun_case('tun3_capwap_8023', 'CAPWAP data channel (RFC 5415 4.3, UDP 5247) carrying IEEE 802.3 frames (T clear)', lambda p: capwap(p))
    tun_case('tun3_capwap_80211', 'CAPWAP data channel carrying IEEE 802.11 data frames (T set, WBID 1, RFC 5416) with LLC/SNAP',
             lambda p: capwap(p, wifi=True, to_ds=p[12:16] == a4('10.0.0.1')))
    tun_case('tun3_vlan_inside_vxlan', 'VXLAN whose inner Ethernet frame carries an 802.1Q tag', lambda p: outer_udp(4789, struct.pack('!II', 0x08000000, 5 << 8) + eth(struct.pack('!HH', 33, et(p)) + p, 0x8100)))
    tun_case('tun3_fabricpath', 'Cisco FabricPath (EtherType 0x8903, FTag/TTL) then the inner Ethernet frame', lambda p: eth(struct.pack('!H', 0x0040 | 32) + inner_eth(p), 0x8903))
    tun_case('tun3_vntag', 'Cisco VN-Tag (EtherType 0x8926) before IPv4', lambda p: eth(struct.pack('!IH', 0x00050007, et(p)) + p, 0x8926))
    tun_case('tun3_pbb_mac_in_mac', 'IEEE 802.1ah PBB: B-tag (0x88a8), I-tag (0x88e7), customer Ethernet header', lambda p: eth(struct.pack('!HH', 10, 0x88E7) + struct.pack('!I', 0x00001234) + MAC_S + MAC_C + struct.pack('!H', et(p)) + p, 0x88A8))
    def nsh(p, np=1): return struct.pack('!HBB', (63 << 6) | 2, 2, np) + struct.pack('!I', (100 << 8) | 255) + p
    tun_case('tun3_nsh_ethernet', 'Network Service Header (RFC 8300, EtherType 0x894F, MD type 2 without metadata) carrying IPv4', lambda p: eth(nsh(p), 0x894F))
    tun_case('tun3_nsh_in_gre', 'GRE carrying NSH (protocol 0x894F) carrying an Ethernet frame', lambda p: outer4(47, gre_hdr(0x894F, payload=nsh(inner_eth(p), 3))))
    tun_case('tun3_vxlan_gpe_nsh', 'VXLAN-GPE (next protocol 4) carrying NSH carrying IPv6', lambda p: outer_udp(4790, struct.pack('!BBBBI', 0x0C, 0, 0, 4, 9 << 8) + nsh(p, 2)), v6=True)
    tun_case('tun3_mpls_over_gre', 'GRE carrying MPLS (0x8847) carrying IPv4', lambda p: outer4(47, gre_hdr(0x8847, payload=struct.pack('!I', (321 << 12) | 0x100 | 64) + p)))
    tun_case('tun3_erspan_type1', 'ERSPAN type I: GRE 0x88BE without a sequence number, the mirrored frame straight after', lambda p: outer4(47, gre_hdr(0x88BE, payload=inner_eth(p))))
    tun_case('tun3_erspan3_platform_subheader', 'ERSPAN type III with the O bit and its 8-byte platform-specific subheader', lambda p: outer4(47, gre_hdr(0x22EB, s=9, payload=struct.pack('!HHIHH', 0x2000 | 10, 0x0007, 123, 0, 0x0001) + struct.pack('!II', 0x08000000, 0) + inner_eth(p))))
    tun_case('tun3_erspan2_tagged_frame', 'ERSPAN type II whose mirrored frame keeps its 802.1Q tag', lambda p: outer4(47, gre_hdr(0x88BE, s=5, payload=struct.pack('!HHI', 0x1000 | 10, 0x1800 | 3, 0) + eth(struct.pack('!HH', 10, et(p)) + p, 0x8100))))
    tun_case('tun3_l2tpv3_ip_cookie4', 'L2TPv3 over IP (protocol 115) with a 4-byte cookie and an Ethernet pseudowire, lengths detected', lambda p: outer4(115, struct.pack('!I', 0x1001) + b'\xc0\x0b\x1e\x55' + inner_eth(p)))
    tun_case('tun3_l2tpv3_udp', 'L2TPv3 over UDP 1701 (version 3, no cookie, no sublayer) with an Ethernet pseudowire', lambda p: outer_udp(1701, struct.pack('!HHI', 0x0003, 0, 0x2002) + inner_eth(p), sport=1701))
    tun_case('tun3_mpls_pw_no_control_word', 'MPLS Ethernet pseudowire without a control word (RFC 4448 optional CW)', lambda p: eth(struct.pack('!I', (600 << 12) | 0x100 | 64) + inner_eth(p), 0x8847))
    tun_case('tun3_gre_in_udp_ipv6', 'GRE-in-UDP (RFC 8086, 4754) carrying IPv6', lambda p: outer_udp(4754, gre_hdr(et(p), payload=p)), v6=True)
    tun_case('tun3_ayiya_ipv4_inner', 'AYIYA carrying IPv4 (next header 4)', lambda p: outer_udp(5072, bytes([0x41, 0x52, 0x21, 4]) + struct.pack('!I', 1700000000) + a6('2001:db8::5') + b'\0' * 20 + p, sport=5072))
    # TZSP (TaZmen Sniffer Protocol, UDP 37008): MikroTik's and others' remote packet sniffer streams
    # (Wireshark packet-tzsp.c): version 1, type 0 (received tag list), encapsulation 1 (Ethernet), tags
    # (here a padding tag and the end tag), then the frame
    tun_case('tun3_tzsp_ethernet', 'TZSP (UDP 37008, MikroTik "sniffer streaming"): version 1, received packet, Ethernet, a padding tag and the end tag, then the frame',
             lambda p: outer_udp(37008, struct.pack('!BBH', 1, 0, 1) + b'\x00\x01' + inner_eth(p), sport=37008))

# ---------------- HTTP/1 ----------------
def brotli_stored(b, cut=65536, metadata=False):
    """a valid brotli stream (RFC 7932) of uncompressed meta-blocks: WBITS 16, then ISLAST=0, MNIBBLES=4,
    MLEN-1, ISUNCOMPRESSED=1 per block, byte-aligned data, then an empty last meta-block; with metadata, an
    empty metadata meta-block (MNIBBLES=0, MSKIPBYTES=0: RFC 7932 9.2) before every stored one but the first"""
    out = bytearray(); first = True
    for i in range(0, len(b), cut):
        blk = b[i:i+cut]; bits = []
        if first: bits.append(0)                                   # WBITS = 16
        elif metadata: bits += [0, 1, 1, 0, 0, 0, 0, 0]            # ISLAST 0, MNIBBLES 0 (metadata), reserved, MSKIPBYTES 0, to the byte
        first = False
        bits += [0, 0, 0]                                          # ISLAST 0, MNIBBLES code 0 (4 nibbles)
        m = len(blk) - 1; bits += [(m >> k) & 1 for k in range(16)]
        bits.append(1)                                             # ISUNCOMPRESSED
        while len(bits) % 8: bits.append(0)
        out += bytes(sum(bits[j + k] << k for k in range(8)) for j in range(0, len(bits), 8)) + blk
    return bytes(out) + b'\x03'                                    # ISLAST 1, ISLASTEMPTY 1

@case
def http3():
    B = payload('h3', 2500)
    H('http3_trailer_content_length', 'chunked body whose trailer section carries "Content-Length: 10" (trailers never change framing, RFC 9112 7.1.2; browsers ignore them)',
      hdr([b'Transfer-Encoding: chunked']) + gen.chunked(B, (900,))[:-2] + b'Content-Length: 10\r\nContent-Encoding: gzip\r\n\r\n', B)
    br = brotli_stored(B)
    H('http3_brotli', 'Content-Encoding: br (RFC 7932 stream of stored meta-blocks; Chrome and Firefox decode br over HTTP)', hdr([b'Content-Encoding: br', b'Content-Length: %d' % len(br)]) + br, B)
    H('http3_brotli_chunked_tiny', 'Content-Encoding: br in 9-byte chunks', hdr([b'Content-Encoding: br', b'Transfer-Encoding: chunked']) + gen.chunked(br, (9,)), B, mss=50)
    H('http3_ce_gzip_identity', 'Content-Encoding: gzip, identity (identity skipped)', hdr([b'Content-Encoding: gzip, identity', b'Content-Length: %d' % len(gz(B))]) + gz(B), B)
    H('http3_chunk_empty_extension', 'chunk sizes followed by a bare ";" (an empty extension: Chrome and Firefox cut the line at ";")', hdr([b'Transfer-Encoding: chunked']) + gen.chunked(B, (700,), ext=b';'), B)
    H('http3_cl_list_ows', 'Content-Length: "2500 ,\t2500" (equal elements with white space: Chrome and Firefox take it)', hdr([b'Content-Length: %d ,\t%d' % (len(B), len(B))]) + B, B)
    x = gz(B); xf = x[:3] + bytes([x[3] | 0x04]) + x[4:10] + struct.pack('<H', 1000) + bytes(range(256)) * 3 + bytes(232) + x[10:]
    H('http3_gzip_fextra_1000', 'gzip with a 1,000-byte FEXTRA field (skipped by zlib inflate, Chrome GzipHeader)', hdr([b'Content-Encoding: gzip', b'Content-Length: %d' % len(xf)]) + xf, B)

    # HTTP/1.0 request with keep-alive, two requests on the connection
    B1 = payload('h10ka1', 1500); B2 = payload('h10ka2', 1700)
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.c(b'GET /a HTTP/1.0\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\n'); c.ack_s()
    c.send(False, resp(B1, ver=b'HTTP/1.0', extra=b'Connection: keep-alive\r\n')); c.ack_c()
    c.c(b'GET /b HTTP/1.0\r\nHost: example.com\r\nConnection: keep-alive\r\n\r\n'); c.ack_s()
    c.send(False, resp(B2, ver=b'HTTP/1.1', extra=b'Connection: keep-alive\r\n')); c.ack_c(); c.close()
    save('http3_http10_keep_alive', pc, [sha(B1), sha(B2)], 'http', 'two HTTP/1.0 requests with Connection: keep-alive on one connection (1.0 and 1.1 answers with Content-Length)')

    # capture picked up inside a response body: the sensor must find the next response
    B2 = payload('pickup2', 2000); junk = payload('pickup-tail', 1800)
    pc = Pcap(); c = Conv(pc); c.cseq += 1; c.sseq += 1
    c.send(False, junk, mss=600); c.ack_c(); c.c(req(path=b'/next.bin')); c.ack_s(); c.send(False, resp(B2)); c.ack_c(); c.close()
    save('http3_pickup_inside_body', pc, sha(B2), 'http', 'the capture starts in the middle of a response body (no handshake, no request seen); the next request and response follow')

    # the server's answer captured before its request (a mirror merging two ports)
    B = payload('h3ooo'); W = resp(B); pc = Pcap(); c = Conv(pc); c.handshake(); R = req()
    c.s(W[:1400], ack=c.cseq + len(R)); c.c(R); c.send(False, W[1400:]); c.ack_c(); c.close()
    save('http3_response_seen_before_request', pc, sha(B), 'http', 'the response\'s first segment is captured before the request it answers (its ACK covers the request)')

    # 206 multipart/byteranges: a browser or curl saves the multipart body as sent
    F = payload('byteranges', 3000)
    mb = (b'--RNG\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-1499/3000\r\n\r\n' + F[:1500]
          + b'\r\n--RNG\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 1500-2999/3000\r\n\r\n' + F[1500:] + b'\r\n--RNG--\r\n')
    pc = Pcap(); c = Conv(pc); c.handshake(); c.c(req(extra=b'Range: bytes=0-1499,1500-2999\r\n')); c.ack_s()
    c.send(False, hdr([b'Content-Type: multipart/byteranges; boundary=RNG', b'Content-Length: %d' % len(mb)], ver=b'HTTP/1.1 206 Partial Content') + mb); c.ack_c(); c.close()
    save('http3_206_multipart_byteranges', pc, sha(mb), 'range', '206 multipart/byteranges with two ranges (curl -r and browsers save the multipart body as sent)')

# ---------------- uploads ----------------
@case
def upload3():
    F = payload('u3f', 2200)
    ct = b'Content-Type: multipart/form-data; boundary=XyZ\r\n'
    upload('up3_filename_star_only', 'part naming its file only by filename* (RFC 5987/2231: Go mime.ParseMediaType and Django read it as the filename)',
           mp([([b"Content-Disposition: form-data; name=\"f\"; filename*=UTF-8''%E2%82%AC.bin", b'Content-Type: application/octet-stream'], F)]), ct, sha(F))
    upload('up3_filename_rfc2047', 'filename given as an RFC 2047 encoded word', mp([([b'Content-Disposition: form-data; name="f"; filename="=?UTF-8?B?YS5iaW4=?="'], F)]), ct, sha(F))
    upload('up3_part_content_length', 'part head with a wrong Content-Length: 10 (Go mime/multipart, PHP and Django ignore it: the part ends at the delimiter)',
           mp([([b'Content-Disposition: form-data; name="f"; filename="a.bin"', b'Content-Length: 10'], F)]), ct, sha(F))
    upload('up3_boundary_quoted_semicolon', 'quoted boundary holding ";" and "=" (Go mime.ParseMediaType; PHP takes a quoted value to the next quote)',
           mp([([b'Content-Disposition: form-data; name="f"; filename="a.bin"'], F)], bnd=b'a;b=c'), b'Content-Type: multipart/form-data; boundary="a;b=c"\r\n', sha(F))
    upload('up3_field_before_file', 'a plain form field before the file part', mp([([b'Content-Disposition: form-data; name="note"'], b'hello'),
           ([b'Content-Disposition: form-data; name="f"; filename="a.bin"'], F)]), ct, sha(F))
    # Expect: 100-continue answered 417 and the connection closed; curl retries without Expect on a new connection
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.c(req(method=b'POST', path=b'/up', extra=b'Content-Type: application/octet-stream\r\nContent-Length: %d\r\nExpect: 100-continue\r\n' % len(F)))
    c.ack_s(); c.s(b'HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'); c.s(flags='FA'); c.c(flags='FA'); c.s(flags='A')
    c2 = Conv(pc, cport=40001); c2.handshake()
    c2.send(True, req(method=b'POST', path=b'/up', extra=b'Content-Type: application/octet-stream\r\nContent-Length: %d\r\n' % len(F), body=F), mss=1000)
    c2.ack_s(); c2.s(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'); c2.ack_c(); c2.close()
    save('up3_expect_417_retry', pc, sha(F), 'upload', 'Expect: 100-continue answered 417 and closed; the client retries without Expect on a new connection (curl)')
    # Expect: 100-continue whose server answers a final 200 before the body, not closing: the client sends
    # the body anyway and the server reads it (RFC 9110 10.1.1: "continue to read and discard the rest")
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.c(req(method=b'POST', path=b'/up', extra=b'Content-Type: application/octet-stream\r\nContent-Length: %d\r\nExpect: 100-continue\r\n' % len(F)))
    c.ack_s(); c.s(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'); c.send(True, F, mss=700); c.ack_s()
    c.c(req(path=b'/after')); c.ack_s(); B = payload('after417', 1200); c.send(False, resp(B)); c.ack_c(); c.close()
    save('up3_expect_final_before_body', pc, [sha(F), sha(B)], 'upload', 'Expect: 100-continue answered by a final 200 before the body; the client sends the body anyway (the server reads it) and then a GET')

# ---------------- HTTP/2 cleartext ----------------
@case
def h2c3():
    B = payload('h2c3', 3000); Dd = payload('h2c3-decoy', 700)
    # DATA after END_STREAM: the stream is closed, the frame a STREAM_CLOSED error (RFC 9113 5.1 "closed"), never body
    sf = h2f(1, 4, 1, b'\x88') + h2f(0, 0, 1, B[:1500]) + h2f(0, 1, 1, B[1500:]) + h2f(0, 0, 1, Dd) + h2f(0, 1, 1, Dd)
    h2conn('h2c3_data_after_end_stream', 'no content-length; DATA frames on stream 1 after its END_STREAM (RFC 9113 5.1: stream closed, STREAM_CLOSED)', sha(B), h2f(1, 5, 1, reqblk()), sf)
    # an interim 103 HEADERS before the final one (RFC 9113 8.1: one or more 1xx header blocks, then the final)
    sf = h2f(1, 4, 1, bytes([0x48, 3]) + b'103' + hlit(45, b'</s.css>; rel=preload')) + h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B))) + h2f(0, 1, 1, B)
    h2conn('h2c3_103_then_200', 'HEADERS :status 103 (Early Hints) then HEADERS :status 200 with the body (RFC 9113 8.1, Chrome takes 103 over HTTP/2)', sha(B), h2f(1, 5, 1, reqblk()), sf)
    h2conn('h2c3_100_then_200_trailers', 'HEADERS :status 100, HEADERS :status 200, DATA, trailing HEADERS', sha(B), h2f(1, 5, 1, reqblk()),
           h2f(1, 4, 1, bytes([0x48, 3]) + b'100') + h2f(1, 4, 1, b'\x88') + h2f(0, 0, 1, B) + h2f(1, 5, 1, b'\x00\x05x-sum\x01y'))
    # stream 1 reset mid-body (the client aborts it), stream 3 carries the file
    B3 = payload('h2c3-s3', 2000)
    sf = h2f(1, 4, 1, b'\x88' + hlit(28, b'5000')) + h2f(0, 0, 1, Dd) + h2f(3, 0, 1, struct.pack('!I', 8)) + h2f(1, 4, 3, b'\x88' + hlit(28, b'%d' % len(B3))) + h2f(0, 1, 3, B3)
    h2conn('h2c3_rst_stream_then_other', 'stream 1 reset (RST_STREAM CANCEL) after part of its body; stream 3 carries the file', sha(B3), h2f(1, 5, 1, reqblk()) + h2f(1, 5, 3, reqblk(b'/g.bin')), sf)
    # HEADERS with END_STREAM then a DATA frame on it: closed (half-closed remote), STREAM_CLOSED, not a body
    sf = h2f(1, 5, 1, b'\x89') + h2f(0, 1, 1, Dd) + h2f(1, 4, 3, b'\x88' + hlit(28, b'%d' % len(B3))) + h2f(0, 1, 3, B3)
    h2conn('h2c3_data_after_headers_end_stream', 'stream 1 answered 204 by HEADERS with END_STREAM, then a decoy DATA frame on it (stream closed); stream 3 carries the file', sha(B3),
           h2f(1, 5, 1, reqblk()) + h2f(1, 5, 3, reqblk(b'/g.bin')), sf)
    # the client raises SETTINGS_MAX_FRAME_SIZE to 64 KiB: the server's 40,000-byte DATA frames are valid (RFC 9113 6.5.2)
    BB = payload('h2big', 100000)
    pc = Pcap(); c = Conv(pc, wscale=6); c.handshake()
    c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, struct.pack('!HI', 5, 65536) + struct.pack('!HI', 4, 1 << 20)) + h2f(8, 0, 0, struct.pack('!I', 1 << 24)) + h2f(1, 5, 1, reqblk()))
    c.ack_s()
    sf = h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(BB)))
    for k in range(0, len(BB), 40000): sf += h2f(0, 1 if k + 40000 >= len(BB) else 0, 1, BB[k:k+40000])
    c.send(False, sf, mss=1400); c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save('h2c3_max_frame_size_raised', pc, sha(BB), 'h2c', 'the client allows 64 KiB frames (SETTINGS_MAX_FRAME_SIZE); the server sends 40,000-byte DATA frames')
    # the client's SETTINGS_HEADER_TABLE_SIZE 0: the server's blocks start with a size update to 0 and index nothing
    B1 = payload('h2t0a', 1500); B2 = payload('h2t0b', 1600)
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, struct.pack('!HI', 1, 0)) + h2f(1, 5, 1, reqblk()) + h2f(1, 5, 3, reqblk(b'/g.bin')))
    c.ack_s()
    blk = lambda n: b'\x20' + b'\x88' + b'\x5c' + bytes([len(b'%d' % n)]) + b'%d' % n + b'\x40\x05x-tag\x03abc'
    sf = h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + h2f(1, 4, 1, blk(len(B1))) + h2f(0, 1, 1, B1) + h2f(1, 4, 3, blk(len(B2))) + h2f(0, 1, 3, B2)
    c.send(False, sf, mss=1000); c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save('h2c3_header_table_size_zero', pc, [sha(B1), sha(B2)], 'h2c', 'the client sets SETTINGS_HEADER_TABLE_SIZE 0; the server\'s blocks begin with a table size update to 0 and their incrementally indexed fields are evicted at once (RFC 7541 4.4)')
    # the server speaks first (its SETTINGS before the client's preface), then a response
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.s(h2f(4, 0, 0, struct.pack('!HI', 3, 100)))
    c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + h2f(1, 5, 1, reqblk())); c.ack_s()
    c.send(False, h2f(4, 1, 0, b'') + h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B))) + h2f(0, 1, 1, B), mss=1000); c.ack_c(); c.close()
    save('h2c3_server_settings_first', pc, sha(B), 'h2c', 'the server sends its SETTINGS before the client\'s preface (Go and nghttp2 servers do)')
    # the response's trailing HEADERS split into a CONTINUATION, and a SETTINGS change between DATA frames
    sf = h2f(1, 4, 1, b'\x88') + h2f(0, 0, 1, B[:1000]) + h2f(4, 0, 0, struct.pack('!HI', 4, 100000)) + h2f(0, 0, 1, B[1000:]) + h2f(1, 1, 1, b'\x00\x05x-sum') + h2f(9, 4, 1, b'\x01y')
    h2conn('h2c3_trailers_continuation_settings', 'SETTINGS between DATA frames; the trailing HEADERS (END_STREAM) continued by a CONTINUATION', sha(B), h2f(1, 5, 1, reqblk()), sf)
    # h2c upgrade whose 101 and first frames arrive in one segment
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.c(b'GET /f.bin HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n')
    c.ack_s(); c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, b''))
    c.send(False, b'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n' + h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B))) + h2f(0, 1, 1, B), mss=1400)
    c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save('h2c3_upgrade_101_with_frames', pc, sha(B), 'h2c', 'Upgrade: h2c; the client\'s preface before the 101; the 101 and the server\'s first frames in the same segments')

# ---------------- round 3b ----------------
@case
def round3b():
    # A SYN-ACK sent again with the same ISN, carrying a decoy, after the client acknowledged the first: an
    # established host answers any SYN with a challenge ACK and drops it, data and all (RFC 5961 4.2; Linux
    # tcp_validate_incoming "syn_challenge"; FreeBSD tcp_do_segment's RFC 5961 SYN check)
    pc = Pcap(); B = payload('synackrtx'); W = resp(B); Dd = resp(b'R' * len(B)); c = Conv(pc)
    c.handshake(); c.c(req())
    c.s(Dd, flags='SA', seq=c.sseq - 1, ack=1001, opts=MSS, advance=False)
    c.ack_s(); c.send(False, W); c.ack_c(); c.close()
    save('tcp3_synack_again_same_isn_with_data', pc, sha(B), 'tcp', 'after the handshake and the request, the SYN-ACK sent again with the same ISN carrying a decoy response (an established host drops any SYN: RFC 5961 4.2); the real response follows',
         forbid=[sha(b'R' * len(B))])
    # a RST that acknowledges the SYN resets a connection in SYN-SENT; the client connects again from the same port
    pc = Pcap(); B = payload('synsentrst'); W = resp(B); c = Conv(pc, isn_c=1000)
    c.c(flags='S', ack=0, opts=MSS); c.s(flags='RA', seq=0, ack=c.cseq, advance=False)
    c = Conv(pc, isn_c=90000, isn_s=777); c.handshake(); c.c(req()); c.ack_s(); c.send(False, W); c.ack_c(); c.close()
    save('tcp3_refused_then_reconnect', pc, sha(B), 'tcp', 'the first SYN is refused (RST acknowledging it, RFC 9293 SYN-SENT), the client connects again from the same port with another ISN and downloads')
    # IPv4 router alert shorter than 4 bytes: Linux ip_options_compile "case IPOPT_RA: if (optlen < 4) goto error"
    decoy_case('ipv4_3_decoy_router_alert_short_linux', 'decoy whose router alert option is 2 bytes long (Linux ip_options_compile: optlen < 4, error), real after',
               lambda c, d: c.pc.add(eth(raw_ip4(c, d, opts=b'\x94\x02\x01\x00'))), sets=LINUXC, cls='ip')
    # IPv6 router alert whose length is not 2: Linux ipv6_hop_ra ("wrong RA length") and FreeBSD/macOS ip6_process_hopopts drop it
    def ra6(c, d):
        raw = tcp(c.sip, c.cip, c.sport, c.cport, c.sseq, c.cseq, 'PA', d)
        c.pc.add(eth(ip6(c.sip, c.cip, 0, bytes([6, 0]) + b'\x05\x04\0\0\0\0' + raw), 0x86DD))
    decoy_case('ipv6_3_decoy_router_alert_bad_len', 'decoy whose hop-by-hop router alert has 4 bytes of data (Linux ipv6_hop_ra and FreeBSD ip6_process_hopopts: wrong length, dropped), real after',
               ra6, v6=True, cls='ipv6')
    # positives: more tunnel shapes
    tun_case('tun3_geneve_ipv6_inner_eth', 'Geneve (Ethernet payload) carrying IPv6', lambda p: outer_udp(6081, struct.pack('!BBHI', 0, 0, 0x6558, 5 << 8) + inner_eth(p)), v6=True)
    tun_case('tun3_vxlan_ipv6_outer_fragmented', 'VXLAN over IPv6 whose outer datagrams are fragmented (fragments reversed)',
             lambda p: [eth(f, 0x86DD) for f in frag6(ip6('2001:db8::1', '2001:db8::2', 17, udp('2001:db8::1', '2001:db8::2', 50000, 4789, struct.pack('!II', 0x08000000, 42 << 8) + inner_eth(p))), 512)[::-1]]
             if len(p) > 600 else outer_udp(4789, struct.pack('!II', 0x08000000, 42 << 8) + inner_eth(p), v6=True))
    tun_case('tun3_qinq_inside_vxlan', 'VXLAN whose inner frame carries 802.1ad and 802.1Q tags', lambda p: outer_udp(4789, struct.pack('!II', 0x08000000, 7 << 8) + eth(struct.pack('!HH', 100, 0x8100) + struct.pack('!HH', 200, et(p)) + p, 0x88A8)))
    tun_case('tun3_mpls_gre_ipv6_outer', 'IPv6 / GRE / MPLS / IPv4', lambda p: eth(ip6('2001:db8::1', '2001:db8::2', 47, gre_hdr(0x8847, payload=struct.pack('!I', (77 << 12) | 0x100 | 64) + p)), 0x86DD))
    def gre_keepalives(p):
        ka = eth(ip4(O1, O2, 47, gre_hdr(0x0800, payload=ip4(O2, O1, 47, gre_hdr(0, payload=b'')))))
        return [ka, outer4(47, gre_hdr(et(p), payload=p))]
    tun_case('tun3_gre_keepalives_between', 'Cisco GRE keepalives (an IPv4 packet carrying GRE back to the sender) before every tunnelled packet', gre_keepalives)
    tun_case('tun3_tzsp_80211', 'TZSP carrying IEEE 802.11 data frames (encapsulation 18)',
             lambda p: outer_udp(37008, struct.pack('!BBH', 1, 0, 18) + b'\x01' + (b'\x08\x01' if p[12:16] == a4('10.0.0.1') else b'\x08\x02') + b'\0\0' + MAC_S + MAC_C + MAC_S + b'\0\0' + b'\xaa\xaa\x03\x00\x00\x00' + struct.pack('!H', et(p)) + p, sport=40000))
    # positive HTTP/2 and HTTP/1 shapes
    B = payload('h3b', 2600)
    H('http3_chunked_cl_gzip_trailer_ce', 'chunked gzip body with a trailer "Content-Encoding: identity" (ignored) and a conflicting Content-Length', hdr([b'Content-Encoding: gzip', b'Content-Length: 7', b'Transfer-Encoding: chunked']) + gen.chunked(gz(B), (256,))[:-2] + b'Content-Encoding: identity\r\n\r\n', B)
    H('http3_brotli_two_metablocks', 'Content-Encoding: br whose stream has an empty metadata meta-block between two stored ones',
      (lambda br: hdr([b'Content-Encoding: br', b'Content-Length: %d' % len(br)]) + br)(brotli_stored(B, cut=1300, metadata=True)), B)

@case
def round3c():
    F = payload('u3c', 2200)
    fh = [b'Content-Disposition: form-data; name="f"; filename="a.bin"', b'Content-Type: application/octet-stream']
    # PHP (main/rfc1867.c) takes the boundary from just after the first "=" following "boundary", spaces
    # and all ("boundary++", then to the next "," or ";"); Go's mime.ParseMediaType, Commons FileUpload and
    # Django trim the white space. A body delimited for PHP ("-- XyZ") holds no part for the others.
    upload('up3_boundary_leading_space_php', 'boundary= XyZ (a space after "="): PHP\'s boundary is " XyZ" and its delimiters "-- XyZ" (rfc1867.c keeps the space; Go trims it)',
           mp([(fh, F)], bnd=b' XyZ'), b'Content-Type: multipart/form-data; boundary= XyZ\r\n', sha(F))
    upload('up3_boundary_after_comma_php', 'Content-Type "multipart/form-data; charset=utf-8, boundary=XyZ": PHP finds "boundary" anywhere (strstr) and cuts at ","/";"; Go refuses the comma',
           mp([(fh, F)]), b'Content-Type: multipart/form-data; charset=utf-8, boundary=XyZ\r\n', sha(F))
    # data segments with TCP's reserved bits and the AccECN AE bit set (RFC 9293: reserved bits are ignored on receipt)
    pc = Pcap(); B = payload('tcpres'); W = resp(B); c = dl_start(pc)
    for i in range(0, len(W), 1000):
        p = c.s(W[i:i+1000], raw=True); c.sseq += len(W[i:i+1000])
        ihl = (p[0] & 15) * 4; t = bytearray(p[ihl:]); t[12] |= 0x0f
        t[16:18] = b'\0\0'; t[16:18] = struct.pack('!H', csum(pseudo(c.sip, c.cip, 6, len(t)) + bytes(t)))
        pc.add(eth(p[:ihl] + bytes(t)))
    c.ack_c(); c.close()
    save('tcp3_reserved_bits_set', pc, sha(B), 'tcp', 'data segments with the four reserved bits of the offset byte set (AccECN\'s AE among them; ignored on receipt, RFC 9293 3.1)')

@case
def round3d():
    # CAPWAP with the radio MAC field (M) and wireless specific information (W): HLEN grows to cover them (RFC 5415 4.3)
    def capwap_mw(p):
        opt = bytes([6]) + MAC_S + b'\0' + bytes([4, 0x11, 0x22, 0, 0]) + b'\0' * 3    # radio MAC (len 6, padded to 8), wireless info (len 4, padded to 8)
        word0 = ((2 + len(opt) // 4) << 19) | (1 << 14) | (1 << 9) | (1 << 5) | (1 << 4)
        return outer_udp(5247, struct.pack('!II', word0, 0) + opt + inner_eth(p), sport=5247)
    tun_case('tun3_capwap_radio_mac_wireless_info', 'CAPWAP data with the M and W flags: a radio MAC address and wireless specific information before the 802.3 frame (HLEN 6)', capwap_mw)
    # Teredo carrying IPv6 fragments (a relay fragments to the IPv6 minimum MTU path)
    def teredo_frag(p):
        if len(p) > 700:
            return [outer_udp(3544, f, sport=3544) for f in frag6(p, 504, ident=0x7777)]
        return outer_udp(3544, p, sport=3544)
    tun_case('tun3_teredo_inner_fragments', 'Teredo whose inner IPv6 packets are fragments (504-byte pieces)', teredo_frag, v6=True)
    # h2c with the preface and every frame in 1-byte segments, both ways
    B = payload('h2c3tiny', 900)
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.send(True, b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, b'') + h2f(1, 5, 1, reqblk()), mss=1); c.ack_s()
    c.send(False, h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B))) + h2f(0, 1, 1, B), mss=1)
    c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save('h2c3_one_byte_segments', pc, sha(B), 'h2c', 'h2c prior knowledge, every byte of both directions in its own segment')
    # a PUSH_PROMISE whose promised request is continued in a CONTINUATION frame
    B1 = payload('h2c3p1', 1200); P = payload('h2c3p2', 1500)
    push_req = b'\x82\x86' + hlit(4, b'/pushed.bin') + hlit(1, b'example.com')
    sf = (h2f(5, 0, 1, struct.pack('!I', 2) + push_req[:5]) + h2f(9, 4, 1, push_req[5:]) + h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B1)))
          + h2f(1, 4, 2, b'\x88' + hlit(28, b'%d' % len(P))) + h2f(0, 1, 2, P) + h2f(0, 1, 1, B1))
    h2conn('h2c3_push_promise_continuation', 'a PUSH_PROMISE whose header block goes on in a CONTINUATION frame; the pushed response and the answer both kept', [sha(B1), sha(P)], h2f(1, 5, 1, reqblk()), sf)

if __name__ == '__main__':
    main(CASES, 'gen3.py')
