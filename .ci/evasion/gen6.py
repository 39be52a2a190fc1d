"""Writes SpanWatch's sixth round of evasion cases (gen.py to gen5.py are the first five): tricks of the
same classes that the first five rounds did not try, each hiding one file behind something the receiving
host (a curl or Go client, a Go server, a Linux or BSD stack, a tunnel endpoint) still undoes, or a decoy
it drops, with the sha256 it must yield and the decoys it must not (meta.json, scored by run.py). Each
case names the receiver's code or RFC that decides it. The new groups: HTTP/2 control frames of the
wrong length or on the wrong stream and settings out of range (connection errors in nghttp2 and Go
alike), a zero window increment, answers on streams reset, ended, never promised or above a GOAWAY's
last stream, pushes of stream ids the server may not use, DATA before the HEADERS, trailers without
END_STREAM; tunnels in UDP whose checksum the tunnel end finds wrong; IP fragments ending past the
datagram's last fragment; resets at the next byte (with and without ACK, with a wild acknowledgement,
from either side, with data held out of order); urgent pointers without the URG flag; Go's RFC 2231
boundaries; Content-Range units in capitals and downloads resumed with If-Range; brotli inside gzip.
Written by the sixth evasion review on 2026-12-06 (raw packets by hand with pk.py, no scapy).
Usage: python3 gen6.py OUT_DIR; then run.py OUT_DIR."""
from pk import *
import gen
from gen import H, hdr, ranged_206, gz, upload, mp, tun_case, h2f, hlit, dl_start, et, inner_eth, outer4, outer_udp
from gen2 import reqblk
from gen3 import tun_decoy, decoy_body, brotli_stored
from gen5 import h2pair
import struct
CASES = []
def case(f): CASES.append(f); return f
LINUXC = gen.LINUXC

# ---------------- TCP ----------------
@case
def tcp6():
    # A RST at exactly rcv_nxt resets the connection (RFC 9293 3.10.7.4, RFC 5961 3.2; Linux
    # tcp_validate_incoming -> tcp_reset, FreeBSD tcp_input): whatever comes after it reaches a closed
    # socket and is answered with a RST, never read. The ACK flag is not needed on a RST in a
    # synchronized state (RFC 9293 3.10.7.4 checks its sequence number only; Linux tcp_validate_incoming
    # runs before tcp_ack and does not look at ACK for a RST).
    for tag, fl in (('with_ack', 'RA'), ('without_ack', 'R')):
        pc = Pcap(); B = payload('rstnext' + tag); W = resp(B); c = dl_start(pc); D = decoy_body(W, 1000, len(W), b'R')
        c.s(W[:1000]); c.s(flags=fl, ack=c.cseq if 'A' in fl else 0, advance=False); c.send(False, D[1000:])
        save('tcp6_decoy_after_rst_at_rcv_nxt_%s' % tag, pc, [], 'tcp', 'a RST (%s) at exactly rcv_nxt after 1,000 bytes, then the rest of the body with decoy bytes: the client reset the connection and reads nothing more (RFC 9293 3.10.7.4; Linux tcp_validate_incoming -> tcp_reset)' % tag.replace('_', ' '),
             forbid=[sha(D[W.index(B):])])
    # the same with the real rest held out of order when the RST comes: the RST at rcv_nxt still resets
    # (Linux tcp_validate_incoming: seq == rcv_nxt), the queue is purged (tcp_done -> tcp_write_queue_purge,
    # skb_rbtree_purge of the out-of-order queue), and a decoy filling the hole afterwards completes nothing
    pc = Pcap(); B = payload('rstooo'); W = resp(B); c = dl_start(pc); base = c.sseq; D = decoy_body(W, 1000, 2000, b'H')
    c.s(W[:1000]); c.s(W[2000:], seq=base + 2000, advance=False); c.s(flags='RA', seq=base + 1000, advance=False)
    c.s(D[1000:2000], seq=base + 1000, advance=False)
    save('tcp6_decoy_fills_hole_after_rst_at_rcv_nxt', pc, [], 'tcp', 'the body\'s tail held out of order, then a RST at rcv_nxt (the client resets and drops its queue), then a decoy filling the hole (RFC 9293 3.10.7.4; Linux tcp_reset)',
         forbid=[sha(D[W.index(B):])])
    # a RST at rcv_nxt whose acknowledgement field covers bytes never sent: in a synchronized state a RST
    # is judged by its sequence number alone (RFC 9293 3.10.7.4; Linux tcp_validate_incoming resets before
    # tcp_ack looks at the acknowledgement; FreeBSD tcp_input), so the connection is reset
    pc = Pcap(); B = payload('rstwildack'); W = resp(B); c = dl_start(pc); D = decoy_body(W, 1000, len(W), b'W')
    c.s(W[:1000]); c.s(flags='RA', ack=c.cseq + 5000000, advance=False); c.send(False, D[1000:])
    save('tcp6_decoy_after_rst_with_wild_ack_at_rcv_nxt', pc, [], 'tcp', 'a RST at rcv_nxt acknowledging 5 MB the client never sent (a RST is judged by its sequence number alone: RFC 9293 3.10.7.4, Linux tcp_validate_incoming), then decoy bytes the client never reads',
         forbid=[sha(D[W.index(B):])])
    # the client aborts the download with a RST at its own next byte (the server's rcv_nxt); the server's
    # bytes after it reach a closed socket on the client (Linux tcp_v4_rcv: no socket, tcp_v4_send_reset)
    pc = Pcap(); B = payload('clientrst'); W = resp(B); c = dl_start(pc); D = decoy_body(W, 1000, len(W), b'C')
    c.s(W[:1000]); c.c(flags='RA', advance=False); c.send(False, D[1000:])
    save('tcp6_decoy_after_client_rst', pc, [], 'tcp', 'the client resets the connection after 1,000 bytes of the body; the server goes on with decoy bytes the client never reads (its socket is gone: RFC 9293 3.10.7.4, Linux tcp_v4_send_reset)',
         forbid=[sha(D[W.index(B):])])
    # an urgent pointer field without the URG flag means nothing (RFC 9293 3.1: "only be interpreted
    # in segments with the URG control bit set"; Linux tcp_rcv_established/tcp_urg: if (th->urg);
    # FreeBSD tcp_input: (thflags & TH_URG) && th->th_urp): no byte leaves the stream
    for pol, sets in (('linux', LINUXC), ('bsd', None)):
        pc = Pcap(); B = payload('urgnoflag' + pol); W = resp(B); c = dl_start(pc)
        for i in range(0, len(W), 1000): c.s(W[i:i+1000], urg=17)
        c.ack_c(); c.close()
        save('tcp6_urgent_pointer_without_urg_flag_%s' % pol, pc, sha(B), 'tcp', 'every data segment with an urgent pointer of 17 but no URG flag (the pointer is read only with URG: RFC 9293 3.1, Linux tcp_urg, FreeBSD tcp_input): nothing is out of band',
             sets=sets)

# ---------------- IP ----------------
@case
def ip6cases():
    # A fragment with MF whose end lies past the end the datagram's last fragment gives: Linux
    # ip_frag_queue / ip6_frag_queue ("If we already have some bits beyond end or have different end,
    # the segment is corrupted": end < q.len -> discard_qp, inet_frag_kill) throws the whole datagram
    # away. Here the fragmented datagram carries decoy bytes and the server's retransmission, one
    # unfragmented packet, the real ones.
    for v6 in (False, True):
        pc = Pcap(); B = payload('fragpast%d' % v6); W = resp(B)
        kw = dict(cip='fd00::1', sip='fd00::2') if v6 else {}
        c = dl_start(pc, **kw); base = c.sseq; D = decoy_body(W, 1000, 2000, b'F')
        c.s(W[:1000]); p = c.s(D[1000:2000], raw=True, advance=False)
        if v6:
            pl = p[40:]; src, dst = c.sip, c.cip
            fr = [frag6_raw(src, dst, 6, 0x77, 608, pl[608:], False), frag6_raw(src, dst, 6, 0x77, 1600, b'\0' * 8, True),
                  frag6_raw(src, dst, 6, 0x77, 0, pl[:608], True)]
        else:
            ident = struct.unpack('!H', p[4:6])[0]; pl = p[20:]
            fr = [rawfrag4(c.sip, c.cip, 6, ident, 608, pl[608:], False), rawfrag4(c.sip, c.cip, 6, ident, 1600, b'\0' * 8, True),
                  rawfrag4(c.sip, c.cip, 6, ident, 0, pl[:608], True)]
        for f in fr: pc.add(l3frame(f))
        c.s(W[1000:2000], seq=base + 1000, advance=False); c.sseq = base + 2000; c.s(W[2000:]); c.ack_c(); c.close()
        save('frag%d_6_decoy_datagram_with_fragment_past_last_end_linux' % (6 if v6 else 4), pc, sha(B), 'ipfrag',
             'the segment [1000,2000) first as a fragmented decoy datagram: last fragment, then an MF fragment at 1600 past its end, then the first (Linux %s: "some bits beyond end", the queue killed), then the real bytes retransmitted whole' % ('ip6_frag_queue' if v6 else 'ip_frag_queue'),
             sets=LINUXC, forbid=[sha(D[W.index(B):])])
    # the obsolete Stream Identifier option (136, RFC 791; RFC 6814 deprecates it) on every data packet: hosts
    # skip options they do not know (Linux ip_options_compile ignores it on received packets; FreeBSD
    # ip_dooptions default case)
    pc = Pcap(); B = payload('v4sid'); W = resp(B); c = dl_start(pc)
    for i in range(0, len(W), 1000): c.s(W[i:i+1000], ipkw={'opts': b'\x88\x04\x12\x34'})
    c.ack_c(); c.close()
    save('ipv4_6_stream_identifier_option', pc, sha(B), 'ip', 'every data packet with an IPv4 Stream Identifier option (136, obsolete: RFC 6814; hosts skip it, Linux ip_options_compile, FreeBSD ip_dooptions)')
    # an unknown IPv6 option whose type's two high bits are 00 is skipped (RFC 8200 4.2; Linux ip6_parse_tlv
    # case 0 of the action bits): the packet is taken
    pc = Pcap(); B = payload('v6skipopt'); W = resp(B); c = Conv(pc, cip='fd00::1', sip='fd00::2'); c.handshake(); c.c(req()); c.ack_s()
    for i in range(0, len(W), 1000):
        s = tcp(c.sip, c.cip, c.sport, c.cport, c.sseq, c.cseq, 'PA', W[i:i+1000])
        pc.add(eth(ip6(c.sip, c.cip, 60, b'\x06\x00' + b'\x1e\x04\xaa\xbb\xcc\xdd' + s), 0x86DD)); c.sseq += len(W[i:i+1000])
    c.ack_c(); c.close()
    from gen2 import decoy_case
    decoy_case('ipv6_6_decoy_dstopt_unknown_type_bits_11', 'decoy behind a destination-options header with unknown option type 0xde (high bits 11: discard the packet, RFC 8200 4.2; Linux ip6_parse_tlv -> ip6_tlvopt_unknown), real after',
               lambda c, d: c.pc.add(eth(ip6(c.sip, c.cip, 60, b'\x06\x00' + b'\xde\x04\xaa\xbb\xcc\xdd' + tcp(c.sip, c.cip, c.sport, c.cport, c.sseq, c.cseq, 'PA', d)), 0x86DD)), v6=True, cls='ipv6')
    save('ipv6_6_dstopt_unknown_type_skip_bits', pc, sha(B), 'ipv6', 'every data packet behind a destination-options header with unknown option type 0x1e (high bits 00: skip it, RFC 8200 4.2; Linux ip6_parse_tlv)')

# ---------------- tunnels ----------------
def udp_csum_at(frame):
    """offset of the outer UDP checksum of an Ethernet frame made by outer_udp"""
    return 14 + (40 if struct.unpack('!H', frame[12:14])[0] == 0x86DD else 20) + 6

def bad_udp(frame):
    o = udp_csum_at(frame); v = struct.unpack('!H', frame[o:o+2])[0] ^ 0x1111
    return frame[:o] + struct.pack('!H', v or 1) + frame[o+2:]

def zero_udp(frame):
    o = udp_csum_at(frame); return frame[:o] + b'\0\0' + frame[o+2:]

def partial_udp(frame):
    """the outer UDP checksum field holding only the pseudo-header's sum (Linux CHECKSUM_PARTIAL, as a capture
    on the sending end with checksum offload shows it)"""
    o = udp_csum_at(frame); ip = frame[14:]
    if ip[0] >> 4 == 6: ps = ip[8:40] + struct.pack('!IxxxB', len(ip) - 40, 17)
    else: ps = ip[12:20] + struct.pack('!xBH', 17, len(ip) - 20)
    s = sum(struct.unpack('!%dH' % (len(ps) // 2), ps))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return frame[:o] + struct.pack('!H', s) + frame[o+2:]

def vx(p, v6=False): return outer_udp(4789, struct.pack('!BxxxI', 0x08, 42 << 8) + inner_eth(p), v6=v6)
def gnv(p): return outer_udp(6081, struct.pack('!BBHI', 0, 0, 0x6558, 77 << 8) + inner_eth(p))
def teredo(p): return outer_udp(3544, p, sport=3544)
def l2tp(p): ppp = b'\xff\x03\x00\x21' + p; return outer_udp(1701, struct.pack('!HHHH', 0x4002, 8 + len(ppp), 9, 10) + ppp, sport=1701)

@case
def tunnel6():
    # Linux verifies a UDP checksum before it gives the datagram to a tunnel's encap_rcv
    # (udp_queue_rcv_one_skb: "Verify checksum before giving to encap", udp_lib_checksum_complete ->
    # csum_error, UDP_MIB_CSUMERRORS), and a tunnel end in user space (miredo for Teredo, xl2tpd)
    # never gets such a datagram from its socket (udp_recvmsg: checksum_needed, drop). A checksum of 0
    # is "none" over IPv4 (RFC 768) and taken.
    tun_decoy('tun6_decoy_vxlan_bad_udp_checksum', 'decoy in VXLAN whose outer UDP checksum is wrong (Linux udp_queue_rcv_one_skb verifies it before vxlan_rcv), real in VXLAN',
              vx, lambda p: bad_udp(vx(p)))
    tun_decoy('tun6_decoy_vxlan_ipv6_outer_bad_udp_checksum', 'decoy in VXLAN over IPv6 whose UDP checksum is wrong (Linux udpv6_queue_rcv_one_skb verifies it before the encap hook), real in VXLAN over IPv6',
              lambda p: vx(p, True), lambda p: bad_udp(vx(p, True)))
    tun_decoy('tun6_decoy_geneve_bad_udp_checksum', 'decoy in Geneve whose outer UDP checksum is wrong (Linux udp_queue_rcv_one_skb before geneve_udp_encap_recv), real in Geneve',
              gnv, lambda p: bad_udp(gnv(p)))
    tun_decoy('tun6_decoy_teredo_bad_udp_checksum', 'decoy in Teredo whose UDP checksum is wrong (the Teredo client, miredo, reads a UDP socket: the kernel drops the datagram, udp_recvmsg csum_copy_err), real in Teredo',
              teredo, lambda p: bad_udp(teredo(p)), v6=True)
    tun_decoy('tun6_decoy_l2tpv2_bad_udp_checksum', 'decoy in L2TPv2 whose UDP checksum is wrong (Linux l2tp_udp_encap_recv is an encap_rcv hook: udp_queue_rcv_one_skb verifies first), real in L2TPv2',
              l2tp, lambda p: bad_udp(l2tp(p)))
    gpe = lambda p: outer_udp(4790, struct.pack('!BBBBI', 0x0C, 0, 0, 1, 9 << 8) + p)
    tun_decoy('tun6_decoy_vxlan_gpe_bad_udp_checksum', 'decoy in VXLAN-GPE whose outer UDP checksum is wrong (Linux vxlan with gpe: udp_queue_rcv_one_skb verifies it before vxlan_rcv), real in VXLAN-GPE',
              gpe, lambda p: bad_udp(gpe(p)))
    greu = lambda p: outer_udp(4754, gen.gre_hdr(et(p), payload=p))
    tun_decoy('tun6_decoy_gre_in_udp_bad_udp_checksum', 'decoy in GRE-in-UDP (RFC 8086) whose UDP checksum is wrong (Linux fou receives it as an encap socket: udp_queue_rcv_one_skb verifies first), real in GRE-in-UDP',
              greu, lambda p: bad_udp(greu(p)))
    mplsu = lambda p: outer_udp(6635, struct.pack('!I', (3000 << 12) | 0x100 | 64) + p)
    tun_decoy('tun6_decoy_mpls_in_udp_bad_udp_checksum', 'decoy in MPLS-in-UDP (RFC 7510) whose UDP checksum is wrong (Linux fou, an encap socket: udp_queue_rcv_one_skb verifies first), real in MPLS-in-UDP',
              mplsu, lambda p: bad_udp(mplsu(p)))
    tun_case('tun6_vxlan_udp_checksum_zero', 'VXLAN with outer UDP checksum 0 (none: RFC 7348 5 "MUST be accepted for decapsulation")', lambda p: zero_udp(vx(p)))
    tun_case('tun6_vxlan_udp_checksum_partial', 'VXLAN whose outer UDP checksum field holds the pseudo-header\'s sum only, as a capture on the sending VTEP with checksum offload shows it (the NIC fills it in: CHECKSUM_PARTIAL)',
             lambda p: partial_udp(vx(p)))
    tun_case('tun6_geneve_ipv6_outer_udp_checksum', 'Geneve over IPv6 with a correct UDP checksum (RFC 8926 3.4)', lambda p: outer_udp(6081, struct.pack('!BBHI', 0, 0, 0x6558, 77 << 8) + inner_eth(p), v6=True))

# ---------------- HTTP/1 and ranges ----------------
@case
def http6():
    B = payload('h6', 2500)
    gb = gz(brotli_stored(B))
    H('http6_ce_br_then_gzip', 'Content-Encoding: "br, gzip" (brotli applied first, then gzip: undone gzip first, then brotli; Chrome FilterSourceStream, Firefox nsHTTPCompressConv chain both)',
      hdr([b'Content-Encoding: br, gzip', b'Content-Length: %d' % len(gb)]) + gb, B)
    B = payload('range6', 4000)
    # the range unit compares case-insensitively (RFC 9110 14.1; Chrome HttpUtil::ParseContentRangeHeaderFor206:
    # EqualsCaseInsensitiveASCII(..., "bytes"))
    pc = Pcap()
    ranged_206(pc, B, [(0, 1999), (2000, 3999)], 43000, unit=b'BYTES')
    save('range6_content_range_unit_upper_case', pc, sha(B), 'range', 'two 206 halves whose Content-Range says "BYTES" (range units are case-insensitive: RFC 9110 14.1, Chrome ParseContentRangeHeaderFor206)')
    # a suffix range (bytes=-2000) answered 206 with the absolute positions, after a first half
    pc = Pcap()
    ranged_206(pc, B, [(0, 1999), (2000, 3999)], 44000, asked=[b'0-1999', b'-2000'])
    save('range6_suffix_range_second_half', pc, sha(B), 'range', 'the first half by "bytes=0-1999", the second by the suffix range "bytes=-2000" (RFC 9110 14.1.2), answered with absolute positions')
    # a download cut by a reset after 1,500 bytes and resumed with Range and If-Range on a new
    # connection (Chrome's download resumption: DownloadItemImpl sends If-Range with the ETag; curl -C -)
    pc = Pcap(); W = hdr([b'ETag: "v1"', b'Content-Length: 4000']) + B
    c = Conv(pc, cport=45000); c.handshake(); c.c(req()); c.ack_s(); cut = len(W) - 2500; c.send(False, W[:cut]); c.ack_c(); c.c(flags='RA', advance=False)
    c = Conv(pc, cport=45001); c.handshake(); c.c(req(extra=b'Range: bytes=1500-\r\nIf-Range: "v1"\r\n')); c.ack_s()
    c.send(False, hdr([b'ETag: "v1"', b'Content-Range: bytes 1500-3999/4000', b'Content-Length: 2500'], ver=b'HTTP/1.1 206 Partial Content') + B[1500:]); c.ack_c(); c.close()
    save('range6_resume_after_reset_if_range', pc, sha(B), 'range', 'a 200 with an ETag cut by the client\'s reset after 1,500 bytes, resumed on a new connection with "Range: bytes=1500-" and If-Range (RFC 9110 13.1.5; Chrome download resumption, curl -C -)')
    # four quarters on four connections, in the order 3, 1, 4, 2
    pc = Pcap()
    ranged_206(pc, B, [(2000, 2999), (0, 999), (3000, 3999), (1000, 1999)], 46000)
    save('range6_four_quarters_out_of_order', pc, sha(B), 'range', 'four 206 quarters on four connections, third, first, fourth, second (a segmented downloader: aria2 -x4, RFC 9110 14.4)')
    # two 206 halves on two streams of one h2c connection (a segmented downloader over HTTP/2)
    pc = Pcap(); c = Conv(pc); c.handshake()
    r1 = reqblk() + b'\x00\x05range' + b'\x0cbytes=0-1999'; r3 = reqblk() + b'\x00\x05range' + b'\x0fbytes=2000-3999'
    c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, b'') + h2f(1, 5, 1, r1) + h2f(1, 5, 3, r3)); c.ack_s()
    def part(sid, a, b_):
        return h2f(1, 4, sid, b'\x00\x07:status\x03206' + hlit(30, b'bytes %d-%d/4000' % (a, b_)) + hlit(28, b'%d' % (b_ - a + 1))) + h2f(0, 1, sid, B[a:b_+1])
    c.send(False, h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + part(3, 2000, 3999) + part(1, 0, 1999), mss=1000)
    c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save('range6_h2c_two_streams_206', pc, sha(B), 'range', 'two 206 halves on streams 1 and 3 of one h2c connection, the second half first (Content-Range on each response, RFC 9110 14.4)')

# ---------------- uploads ----------------
@case
def upload6():
    F = payload('u6f', 2200); F2 = payload('u6g', 1300)
    fh = [b'Content-Disposition: form-data; name="f"; filename="a.bin"', b'Content-Type: application/octet-stream']
    upload('up6_boundary_trailing_semicolon', 'Content-Type "multipart/form-data; boundary=XyZ;" (Go mime.ParseMediaType ignores a trailing semicolon; PHP cuts the boundary at ";")',
           mp([(fh, F)]), b'Content-Type: multipart/form-data; boundary=XyZ;\r\n', sha(F))
    # RFC 2231 parameter continuations and charset-encoded values: Go's mime.ParseMediaType stitches
    # "boundary*0" and "boundary*1" together and decodes "boundary*=utf-8''..." (decode2231Enc), so Go's
    # multipart reader (Request.MultipartReader, ParseMultipartForm) splits at "--XyZ"
    upload('up6_boundary_rfc2231_continuation_go', 'Content-Type "multipart/form-data; boundary*0=Xy; boundary*1=Z" (RFC 2231 3 continuations: Go mime.ParseMediaType joins them, the boundary is XyZ)',
           mp([(fh, F)]), b'Content-Type: multipart/form-data; boundary*0=Xy; boundary*1=Z\r\n', sha(F))
    upload('up6_boundary_rfc2231_encoded_go', 'Content-Type "multipart/form-data; boundary*=utf-8\'\'Xy%5A" (RFC 2231 4 charset and percent-encoding: Go decode2231Enc gives XyZ)',
           mp([(fh, F)]), b"Content-Type: multipart/form-data; boundary*=utf-8''Xy%5A\r\n", sha(F))
    # two multipart POSTs on one keep-alive connection, the second's head in the segment that ends the first
    pc = Pcap(); c = Conv(pc); c.handshake()
    one = lambda body: req(method=b'POST', path=b'/up', extra=b'Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: %d\r\n' % len(body), body=body)
    c.send(True, one(mp([(fh, F)])) + one(mp([([b'Content-Disposition: form-data; name="g"; filename="b.bin"'], F2)])), mss=900)
    c.ack_s(); c.s(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'); c.ack_c(); c.close_client_first()
    save('up6_two_multipart_posts_keep_alive', pc, [sha(F), sha(F2)], 'upload', 'two multipart POSTs back to back on one connection, segment boundaries inside both (RFC 9112 9.3: persistent connections)')
    # a multipart upload over h2c, its request head split over a CONTINUATION, the body over DATA frames
    pc = Pcap(); c = Conv(pc); c.handshake(); body = mp([(fh, F)])
    blk = b'\x83\x86' + hlit(4, b'/up') + hlit(1, b'example.com') + hlit(31, b'multipart/form-data; boundary=XyZ') + hlit(28, b'%d' % len(body))
    c.send(True, b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, b'') + h2f(1, 0, 1, blk[:10]) + h2f(9, 4, 1, blk[10:])
           + h2f(0, 0, 1, body[:700]) + h2f(0, 0, 1, body[700:1500]) + h2f(0, 1, 1, body[1500:]), mss=1000)
    c.ack_s(); c.s(h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + h2f(1, 5, 1, b'\x88')); c.c(h2f(4, 1, 0, b'')); c.ack_s(); c.close_client_first()
    save('up6_h2c_multipart_continuation', pc, sha(F), 'upload', 'a multipart POST over h2c whose HEADERS are continued by a CONTINUATION frame and whose body spans three DATA frames (RFC 9113 6.10, 8.1)')

# ---------------- HTTP/2 cleartext ----------------
@case
def h2c6():
    # Each decoy below follows a control frame every client ends the connection on (a connection
    # error: RFC 9113 5.4.1): nghttp2 (curl) in session_mem_recv / nghttp2_session_on_*_received and Go's
    # x/net/http2 Framer (parse*Frame returning ConnectionError) both refuse it, so the decoy answer after
    # it is never read; the file is fetched again on a new connection (gen5's h2pair).
    B = payload('h2c6', 3000)
    def dec(tag, n=1500): return payload('h2c6-decoy-' + tag, n)
    def answer(D, sid=1): return h2f(1, 4, sid, b'\x88' + hlit(28, b'%d' % len(D))) + h2f(0, 1, sid, D)
    bad = [
        ('settings_ack_with_payload', h2f(4, 1, 0, struct.pack('!HI', 3, 100)),
         'a SETTINGS ACK carrying a setting (RFC 9113 6.5: FRAME_SIZE_ERROR; Go parseSettingsFrame "frame_settings_ack_with_length", nghttp2 "SETTINGS: ACK and payloadlen != 0")'),
        ('settings_length_not_multiple_of_6', h2f(4, 0, 0, struct.pack('!HI', 3, 100) + b'\0\0\0'),
         'a SETTINGS frame of 9 bytes (RFC 9113 6.5: not a multiple of 6, FRAME_SIZE_ERROR; Go "frame_settings_mod_6", nghttp2 NGHTTP2_IB_FRAME_SIZE_ERROR)'),
        ('settings_initial_window_too_large', h2f(4, 0, 0, struct.pack('!HI', 4, 0x80000000)),
         'SETTINGS_INITIAL_WINDOW_SIZE 2^31 from the server (RFC 9113 6.5.2: FLOW_CONTROL_ERROR; Go "frame_settings_window_size_too_big", nghttp2 "SETTINGS: too large SETTINGS_INITIAL_WINDOW_SIZE")'),
        ('ping_length_6', h2f(6, 0, 0, b'\0' * 6),
         'a PING of 6 bytes (RFC 9113 6.7: FRAME_SIZE_ERROR; Go parsePingFrame, nghttp2 session_mem_recv)'),
        ('ping_on_stream_1', h2f(6, 0, 1, b'\0' * 8),
         'a PING on stream 1 (RFC 9113 6.7: PROTOCOL_ERROR; Go parsePingFrame, nghttp2 "PING: stream_id != 0")'),
        ('window_update_length_5', h2f(8, 0, 0, b'\0\0\x10\0\0'),
         'a WINDOW_UPDATE of 5 bytes (RFC 9113 6.9: FRAME_SIZE_ERROR; Go parseWindowUpdateFrame, nghttp2 session_mem_recv)'),
        ('window_update_zero_on_stream_0', h2f(8, 0, 0, b'\0\0\0\0'),
         'a WINDOW_UPDATE of increment 0 on stream 0 (RFC 9113 6.9: PROTOCOL_ERROR on the connection; Go parseWindowUpdateFrame, nghttp2 "WINDOW_UPDATE: window_size_increment == 0")'),
        ('rst_stream_on_stream_0', h2f(3, 0, 0, b'\0\0\0\x08'),
         'a RST_STREAM on stream 0 (RFC 9113 6.4: PROTOCOL_ERROR; Go parseRSTStreamFrame, nghttp2 "RST_STREAM: stream_id == 0")'),
        ('rst_stream_length_3', h2f(3, 0, 1, b'\0\0\x08'),
         'a RST_STREAM of 3 bytes (RFC 9113 6.4: FRAME_SIZE_ERROR; Go parseRSTStreamFrame, nghttp2 session_mem_recv)'),
        ('goaway_on_stream_1', h2f(7, 0, 1, struct.pack('!II', 1, 0)),
         'a GOAWAY on stream 1 (RFC 9113 6.8: PROTOCOL_ERROR; Go parseGoAwayFrame, nghttp2 "GOAWAY: stream_id != 0")'),
        ('priority_length_4', h2f(2, 0, 1, b'\0\0\0\0'),
         'a PRIORITY frame of 4 bytes (RFC 9113 6.3: FRAME_SIZE_ERROR; Go parsePriorityFrame a connection error, nghttp2 NGHTTP2_IB_FRAME_SIZE_ERROR)'),
    ]
    for tag, frame, why in bad:
        D = dec(tag)
        h2pair('h2c6_decoy_after_' + tag, 'the server sends ' + why + ', then a decoy answer the client never reads; the file fetched again on a new connection',
               B, D, b'', frame + answer(D))
    # a WINDOW_UPDATE of increment 0 on a stream is a stream error (RFC 9113 6.9; Go parseWindowUpdateFrame
    # streamError, nghttp2 session_handle_invalid_stream): the client resets the stream and drops its answer
    D = dec('wu0s1')
    h2pair('h2c6_decoy_after_window_update_zero_on_stream_1', 'a WINDOW_UPDATE of increment 0 on stream 1 before its answer (RFC 9113 6.9: a stream error, the client resets stream 1 and ignores what follows on it: Go, nghttp2); the file fetched again on a new connection',
           B, D, b'', h2f(8, 0, 1, b'\0\0\0\0') + answer(D))
    # an answer on a stream the server itself reset: the stream is closed (RFC 9113 5.1: any frame but
    # PRIORITY after RST_STREAM is a stream error STREAM_CLOSED); nghttp2 finds no stream and ignores the
    # block (NGHTTP2_ERR_IGN_HEADER_BLOCK), Go's client has forgotten the stream (processHeaders ignores it)
    D = dec('afterrst')
    h2pair('h2c6_decoy_answer_on_stream_the_server_reset', 'the server resets stream 1 (RST_STREAM REFUSED_STREAM) and then sends a decoy answer on it (closed: RFC 9113 5.1; nghttp2 and Go ignore it); the file fetched again on a new connection',
           B, D, b'', h2f(3, 0, 1, b'\0\0\0\x07') + answer(D))
    # HEADERS on an even stream the server never promised: nghttp2's client makes it a connection error
    # ("request HEADERS: client received request"), Go's client ignores a stream it does not know
    # (processHeaders: streamByID nil, "ignore it"); no client reads it as a response
    D = dec('unpromised')
    h2pair('h2c6_decoy_headers_on_unpromised_stream_2', 'a decoy answer on stream 2, never promised by a PUSH_PROMISE (nghttp2: connection error "client received request"; Go processHeaders ignores an unknown stream); the file fetched again on a new connection',
           B, D, b'', answer(D, 2))
    # a PUSH_PROMISE naming a stream id the server may not open: an odd one (the client's), or one not
    # above an id it promised before (RFC 9113 5.1.1, 6.6): nghttp2 "PUSH_PROMISE: invalid
    # promised_stream_id" is a connection error, and Go's client refuses every push (processPushPromise)
    pr = lambda sid, path: h2f(5, 4, 1, struct.pack('!I', sid) + b'\x82\x86' + hlit(4, path) + hlit(1, b'example.com'))
    D = dec('pushodd')
    h2pair('h2c6_decoy_push_promise_odd_stream', 'a PUSH_PROMISE naming stream 3 (odd: the client\'s to open; RFC 9113 5.1.1, nghttp2 "invalid promised_stream_id", Go refuses pushes), then a decoy answer on stream 3; the file fetched again on a new connection',
           B, D, b'', pr(3, b'/p.bin') + answer(D, 3))
    P = dec('pushfirst'); D = dec('pushlower')
    h2pair('h2c6_decoy_push_promise_id_not_increasing', 'a push on stream 4, then a PUSH_PROMISE naming stream 2, below it (RFC 9113 5.1.1: ids only grow; nghttp2 "invalid promised_stream_id", Go refuses pushes), then a decoy answer on stream 2; the file fetched again on a new connection',
           B, D, b'', pr(4, b'/q.bin') + answer(P, 4) + pr(2, b'/p.bin') + answer(D, 2))
    # a second header block without END_STREAM after the final response head: trailers must end the
    # stream (RFC 9113 8.1); nghttp2 "HEADERS: no END_STREAM flag in trailer" resets the stream, Go's
    # processTrailers makes it a connection error: the DATA after it never reach the body
    D = dec('trailer', 3000)
    h2pair('h2c6_decoy_data_after_trailers_without_end_stream', 'the answer\'s first 1,000 bytes, a trailer block without END_STREAM (malformed: RFC 9113 8.1; nghttp2 resets the stream, Go ends the connection), then the decoy\'s rest; the file fetched again on a new connection',
           B, D, b'', h2f(1, 4, 1, b'\x88') + h2f(0, 0, 1, D[:1000]) + h2f(1, 4, 1, b'\x00\x05x-sum\x01y') + h2f(0, 1, 1, D[1000:]))
    # DATA before the response's HEADERS: malformed (RFC 9113 8.1); nghttp2 "DATA: stream not opened"
    # (a connection error), Go's processData "received DATA before a HEADERS frame" resets the stream
    D = dec('databefore')
    h2pair('h2c6_decoy_answer_after_data_before_headers', 'a DATA frame on stream 1 before any HEADERS (nghttp2: connection error "stream not opened"; Go: stream error, processData), then a decoy answer on stream 1 without a content-length; the file fetched again on a new connection',
           B, D, b'', h2f(0, 0, 1, b'MZ' * 50) + h2f(1, 4, 1, b'\x88') + h2f(0, 1, 1, D))
    # a GOAWAY whose last stream id is below the client's stream: the server says it never processed it,
    # and the client abandons it (RFC 9113 6.8; nghttp2 session_close_stream_on_goaway closes it
    # REFUSED_STREAM, Go's setGoAway aborts every stream above the last id): an answer after it is unread
    D = dec('goaway0')
    h2pair('h2c6_decoy_answer_after_goaway_last_stream_0', 'a GOAWAY (NO_ERROR) naming last stream 0, then a decoy answer on stream 1 (the client abandoned stream 1: RFC 9113 6.8, nghttp2 session_close_stream_on_goaway, Go setGoAway); the file fetched again on a new connection',
           B, D, b'', h2f(7, 0, 0, struct.pack('!II', 0, 0)) + answer(D))
    # an answer that ended with END_STREAM on its HEADERS, then DATA on the closed stream (RFC 9113 5.1:
    # STREAM_CLOSED; nghttp2 and Go drop them)
    D = dec('afterend')
    h2pair('h2c6_decoy_data_after_headers_end_stream', 'an empty answer (HEADERS with END_STREAM), then decoy DATA on the closed stream 1 (RFC 9113 5.1: STREAM_CLOSED, never read); the file fetched again on a new connection',
           B, D, b'', h2f(1, 5, 1, b'\x88') + h2f(0, 1, 1, D))
    # the same frames well formed, between the answer's frames: nothing to refuse
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, b'') + h2f(1, 5, 1, reqblk())); c.ack_s()
    c.send(False, h2f(4, 0, 0, struct.pack('!HI', 4, 0x7fffffff)) + h2f(4, 1, 0, b'') + h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B)))
           + h2f(8, 0, 0, b'\0\0\x10\0') + h2f(0, 0, 1, B[:1000]) + h2f(6, 0, 0, b'\0' * 8) + h2f(2, 0, 1, b'\0\0\0\0\x0f')
           + h2f(8, 0, 1, b'\0\0\x10\0') + h2f(0, 0, 1, B[1000:2000]) + h2f(0, 1, 1, B[2000:])
           + h2f(7, 0, 0, struct.pack('!II', 1, 0)), mss=1000)
    c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save('h2c6_control_frames_well_formed_between_data', pc, sha(B), 'h2c', 'SETTINGS_INITIAL_WINDOW_SIZE 2^31-1, WINDOW_UPDATE, PING, PRIORITY and a GOAWAY, all well formed, between the answer\'s frames (RFC 9113 6.3-6.9): the file is whole')

if __name__ == '__main__':
    main(CASES, 'gen6.py')
