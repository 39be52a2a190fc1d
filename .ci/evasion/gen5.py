"""Writes SpanWatch's fifth round of evasion cases (gen.py to gen4.py are the first four): tricks of the
same classes that the first four rounds did not try, each hiding one file behind something the receiving
host (a browser, curl, a Go client or server, a Linux or BSD stack, a tunnel endpoint) still undoes, with
the sha256 it must yield and the decoys it must not (meta.json, scored by run.py). Each case names the
receiver's code or RFC that decides it. The new groups: HTTP/2 frames the client's own SETTINGS make a
connection error (push disabled, frames past SETTINGS_MAX_FRAME_SIZE), VXLAN-GPE and PPTP headers the
Linux tunnel end drops, IPv6 jumbograms and routing headers, RST payloads, interim responses with a
length. Written by the fifth evasion review on 2026-12-07 (raw packets by hand with pk.py, no scapy).
Usage: python3 gen5.py OUT_DIR; then run.py OUT_DIR."""
from pk import *
import gen
from gen import H, hdr, gz, upload, mp, tun_case, h2f, hlit, dl_start, et, inner_eth, outer4, outer_udp, gre_hdr, O1, O2
from gen2 import decoy_case, reqblk, v6pkt
from gen3 import tun_decoy, decoy_body
from gen4 import seg_of
import struct
CASES = []
def case(f): CASES.append(f); return f
LINUXC = gen.LINUXC
MSS = b'\x02\x04\x05\xb4'

# ---------------- TCP ----------------
@case
def tcp5():
    # A RST at exactly rcv_nxt whose payload would complete the body: the client resets the
    # connection (RFC 9293 3.10.7.4; Linux tcp_validate_incoming -> tcp_reset) and never reads a RST's
    # text as data (RFC 1122 4.2.2.12: diagnostic only), so it keeps an unfinished download
    pc = Pcap(); B = payload('rstdecoy'); W = resp(B); c = dl_start(pc); D = decoy_body(W, 1000, len(W), b'R')
    c.s(W[:1000]); c.s(D[1000:], flags='RA', advance=False)
    save('tcp5_decoy_rst_payload_completes_body', pc, [], 'tcp', 'a RST at rcv_nxt whose payload would complete the body with decoy bytes: the client resets and keeps 1,000 bytes of an unfinished download (RFC 9293 3.10.7.4, RFC 1122 4.2.2.12)',
         forbid=[sha(D[W.index(B):])])
    # The first response segment starts on the SYN-ACK's own sequence number (one byte early): the
    # client takes the part past rcv_nxt (Linux tcp_data_queue, "partial packet"; FreeBSD tcp_input
    # trims todrop bytes off the front), so the byte in the SYN's slot is not data.
    pc = Pcap(); B = payload('synslot'); W = resp(B); c = dl_start(pc)
    c.s(b'Z' + W[:1000], seq=c.sseq - 1, advance=False); c.sseq += 1000; c.s(W[1000:]); c.ack_c(); c.close()
    save('tcp5_first_segment_overlaps_syn_slot', pc, sha(B), 'tcp', 'the first data segment starts one byte early, on the SYN-ACK\'s sequence number (the host trims the byte the SYN occupied: Linux tcp_data_queue, FreeBSD tcp_input todrop)')
    # the urgent pointer of a retransmission marks a byte the host already has: Linux ignores it
    # (tcp_check_urg: "before(ptr, tp->rcv_nxt)": do not replay), FreeBSD clears URG when the pointer
    # lies inside the bytes it trims (tcp_input: th_urp <= todrop); no byte leaves the stream
    for pol, sets in (('linux', LINUXC), ('bsd', None)):
        pc = Pcap(); B = payload('urgdup' + pol); W = resp(B); c = dl_start(pc); base = c.sseq
        c.s(W[:2000]); c.s(W[1500:2500], seq=base + 1500, flags='PAU', urg=201, advance=False); c.sseq = base + 2500; c.s(W[2500:]); c.ack_c(); c.close()
        save('tcp5_urgent_pointer_into_retransmitted_bytes_%s' % pol, pc, sha(B), 'tcp', 'a retransmission running 500 bytes past rcv_nxt whose urgent pointer marks a byte the host already took (Linux tcp_check_urg ignores it; FreeBSD tcp_input clears URG when the pointer lies in the trimmed part): nothing is out of band',
             sets=sets)
    # TCP Fast Open upload: the SYN carries a cookie and the PUT; the SYN-ACK acknowledges the data
    # (RFC 7413 3; Linux tcp_fastopen_cookie_check -> tcp_fastopen_create_child queues it)
    pc = Pcap(); U = payload('tfoup', 1200); c = Conv(pc)
    R = req(method=b'PUT', path=b'/up', extra=b'Content-Length: %d\r\n' % len(U), body=U)
    c.c(R, flags='S', ack=0, opts=MSS + b'\x22\x0a' + b'\x5a' * 8)
    c.s(flags='SA', opts=MSS); c.c(flags='A'); c.s(b'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'); c.ack_c(); c.close_client_first()
    save('tcp5_tfo_upload_on_syn_accepted', pc, sha(U), 'upload', 'a PUT carried on a SYN with a Fast Open cookie, acknowledged by the SYN-ACK (RFC 7413; Linux tcp_fastopen_create_child takes the data)')
    # the same SYN with a cookie the server refuses: its SYN-ACK acknowledges the SYN alone (RFC 7413
    # 4.2.2, tcp_fastopen_cookie_check fails), the client sends the request again after the handshake
    pc = Pcap(); U = payload('tfobad', 1200); Dd = payload('tfobad-decoy', 1200); c = Conv(pc)
    Rd = req(method=b'PUT', path=b'/up', extra=b'Content-Length: %d\r\n' % len(Dd), body=Dd)
    R = req(method=b'PUT', path=b'/up', extra=b'Content-Length: %d\r\n' % len(U), body=U)
    c.c(Rd, flags='S', ack=0, opts=MSS + b'\x22\x0a' + b'\x5b' * 8, advance=False); c.cseq += 1
    c.s(flags='SA', opts=MSS + b'\x22\x0a' + b'\x11' * 8); c.c(flags='A'); c.c(R); c.ack_s()
    c.s(b'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'); c.ack_c(); c.close_client_first()
    save('tcp5_tfo_cookie_refused_syn_data', pc, sha(U), 'upload', 'a decoy PUT on a SYN with a Fast Open cookie the server refuses (its SYN-ACK acknowledges the SYN alone and offers a new cookie, RFC 7413 4.2.2); the real PUT follows the handshake',
         forbid=[sha(Dd)])
    # A SACKed block sent again with other bytes (same start and end) while the hole before it is
    # open: the host keeps the queued copy (Linux tcp_data_queue_ofo: a segment another covers whole is
    # dropped, TCPOFOMerge; FreeBSD tcp_reass drops the duplicate)
    for pol, sets in (('linux', LINUXC), ('bsd', None)):
        pc = Pcap(); B = payload('sackrtx' + pol); W = resp(B); c = dl_start(pc); base = c.sseq; D = decoy_body(W, 2000, 3000, b'S')
        c.s(W[:1000]); c.s(W[2000:3000], seq=base + 2000, advance=False)
        c.c(flags='A', opts=b'\x01\x01\x05\x0a' + struct.pack('!II', base + 2000, base + 3000))
        c.s(D[2000:3000], seq=base + 2000, advance=False); c.s(W[1000:2000], seq=base + 1000, advance=False)
        c.sseq = base + 3000; c.s(W[3000:]); c.ack_c(); c.close()
        save('tcp5_sacked_block_resent_other_bytes_%s' % pol, pc, sha(B), 'tcp-overlap', 'the client SACKs [2000,3000); the server sends that block again with other bytes before filling the hole (the queued copy stays: Linux tcp_data_queue_ofo, FreeBSD tcp_reass)',
             sets=sets, forbid=[sha(D[W.index(B):])])

# ---------------- IP ----------------
@case
def ip5():
    # an IPv4 fragment with the datagram's identification but another protocol belongs to another
    # datagram (Linux ip4_frag key: addresses, id and protocol; FreeBSD ip_reass: ip_p too): the decoy
    # never joins the real fragments (checksum-neutral decoy bytes, so only the key can tell)
    def other_proto(p):
        src, dst = socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20]); pl = p[20:]
        D = bytearray(pl); D[600:608] = gen.swap_words(pl[600:608]); D = bytes(D)
        return [rawfrag4(src, dst, 6, 41, 0, pl[:600], True), rawfrag4(src, dst, 17, 41, 600, D[600:], False),
                rawfrag4(src, dst, 6, 41, 600, pl[600:], False)]
    gen.frag_case('frag4_5_decoy_fragment_other_protocol', 'IPv4: a decoy last fragment with the same identification but protocol 17 (another datagram: Linux ip4_frag key and FreeBSD ip_reass match on the protocol), then the real last fragment', other_proto)
    # IPv6 routing headers: type 0 and segment routing with segments left are not for this host
    # (RFC 5095: type 0 dropped; Linux seg6_enabled 0 drops an SRH, ipv6_srh_rcv), an unknown type with
    # segments left 0 is ignored and the next header processed (RFC 8200 4.4)
    decoy_case('ipv6_5_decoy_rh0_segments_left_1', 'decoy behind a type 0 routing header with segments left 1 (RFC 5095 3: discarded, parameter problem; Linux ipv6_rthdr_rcv), real after',
               lambda c, d: c.pc.add(v6pkt(c, seg_of(c, d), [(43, bytes([2, 0, 1]) + b'\0' * 4 + a6('fd00::9')) ])), v6=True, cls='ipv6')
    decoy_case('ipv6_5_decoy_srh_segments_left_1', 'decoy behind a segment routing header (type 4) with segments left 1 to a host without SRv6 (Linux seg6_enabled 0: ipv6_srh_rcv drops it), real after',
               lambda c, d: c.pc.add(v6pkt(c, seg_of(c, d), [(43, bytes([4, 4, 1, 1, 0]) + b'\0\0' + a6('fd00::2') + a6('fd00::9'))])), v6=True, cls='ipv6')
    decoy_case('ipv6_5_decoy_rh2_segments_left_1', 'decoy behind a type 2 routing header (Mobile IPv6) with segments left 1 to a host that is no mobile node (Linux: no home address, ipv6_rthdr_rcv drops it; RFC 6275 6.4), real after',
               lambda c, d: c.pc.add(v6pkt(c, seg_of(c, d), [(43, bytes([2, 2, 1]) + b'\0' * 4 + a6('fd00::9'))])), v6=True, cls='ipv6')
    pc = Pcap(); B = payload('rhunk'); W = resp(B); c = Conv(pc, cip='fd00::1', sip='fd00::2'); c.handshake(); c.c(req()); c.ack_s()
    for i in range(0, len(W), 1000):
        pc.add(v6pkt(c, seg_of(c, W[i:i+1000]), [(43, bytes([0, 200, 0]) + b'\0' * 4)])); c.sseq += len(W[i:i+1000])
    c.ack_c(); c.close()
    save('ipv6_5_routing_header_unknown_type_segleft_0', pc, sha(B), 'ipv6', 'every data packet behind a routing header of unknown type 200 with segments left 0 (RFC 8200 4.4: ignore it and go on to the next header; Linux ipv6_rthdr_rcv)')
    decoy_case('ipv6_5_decoy_bytes_after_no_next_header', 'decoy TCP bytes behind a destination-options header whose next header is 59 (RFC 8200 4.7: octets after "no next header" MUST be ignored), real after',
               lambda c, d: c.pc.add(eth(ip6(c.sip, c.cip, 60, b'\x3b\x00' + b'\x01\x04\0\0\0\0' + seg_of(c, d)), 0x86DD)), v6=True, cls='ipv6')
    # a jumbogram (RFC 2675): payload length 0 and a jumbo payload option with the real length, as a
    # Linux host with BIG TCP builds one from GRO (ipv6_hop_jumbo accepts it: length > 65,535)
    pc = Pcap(); B = payload('jumbo', 70000); W = resp(B); c = Conv(pc, cip='fd00::1', sip='fd00::2', wscale=7); c.handshake(); c.c(req()); c.ack_s()
    s = seg_of(c, W); c.sseq += len(W)
    pc.add(eth(ip6(c.sip, c.cip, 0, b'\x06\x00\xc2\x04' + struct.pack('!I', 8 + len(s)) + s, plen=0), 0x86DD))
    c.ack_c(); c.close()
    save('ipv6_5_jumbogram_big_tcp', pc, sha(B), 'ipv6', 'the whole response in one 70 KB IPv6 jumbogram (payload length 0, hop-by-hop jumbo payload option; RFC 2675, Linux ipv6_hop_jumbo; BIG TCP GRO captures show them)')
    decoy_case('ipv6_5_decoy_jumbo_length_below_65536', 'decoy in a "jumbogram" whose jumbo payload length is below 65,536 (RFC 2675 3: parameter problem; Linux ipv6_hop_jumbo: pkt_len <= IPV6_MAXPLEN, dropped), real after',
               lambda c, d: c.pc.add(eth(ip6(c.sip, c.cip, 0, b'\x06\x00\xc2\x04' + struct.pack('!I', 8 + len(seg_of(c, d))) + seg_of(c, d), plen=0), 0x86DD)), v6=True, cls='ipv6')
    decoy_case('ipv4_5_decoy_total_length_below_header', 'decoy whose IPv4 total length (16) is shorter than its header (Linux ip_rcv_core: len < ihl*4, inhdr_error; FreeBSD ip_input), real after',
               lambda c, d: c.pc.add(eth(ip4(c.sip, c.cip, 6, seg_of(c, d), tot=16))), cls='ip')

# ---------------- HTTP/1 ----------------
@case
def http5():
    B = payload('h5', 2500)
    H('http5_100_with_content_length_then_200', 'a 100 Continue carrying Content-Length: 2500 and then the 200 (an interim response has no body: Chrome HttpStreamParser, Firefox nsHttpTransaction reset the head on 1xx)',
      b'HTTP/1.1 100 Continue\r\nContent-Length: %d\r\n\r\n' % len(B) + resp(B), B)
    H('http5_103_with_chunked_then_200', 'a 103 Early Hints naming Transfer-Encoding: chunked, then the 200 with Content-Length (1xx: no body, both browsers)',
      b'HTTP/1.1 103 Early Hints\r\nTransfer-Encoding: chunked\r\nLink: </a.css>; rel=preload\r\n\r\n' + resp(B), B)
    pc = Pcap(); c = Conv(pc); c.handshake(); c.c(req(b'/a') + req(b'/f.bin')); c.ack_s()
    c.send(False, b'HTTP/1.1 205 Reset Content\r\nContent-Length: 0\r\n\r\n' + resp(B)); c.ack_c(); c.close()
    save('http5_205_then_200_pipelined', pc, sha(B), 'http-pipeline', '205 Reset Content then the 200 pipelined (205 has no body: Chrome HttpStreamParser, Firefox nsHttpTransaction)')
    pc = Pcap(); c = Conv(pc); c.handshake(); c.c(req(b'/a') + req(b'/f.bin')); c.ack_s()
    c.send(False, b'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n' + resp(B)); c.ack_c(); c.close()
    save('http5_204_chunked_header_then_200', pc, sha(B), 'http-pipeline', '204 naming Transfer-Encoding: chunked (no body: RFC 9112 6.3 rule 1, both browsers) then the 200 pipelined')
    pc = Pcap(); c = Conv(pc); c.handshake(); c.c(req(b'/a', extra=b'If-None-Match: "x"\r\n') + req(b'/f.bin')); c.ack_s()
    c.send(False, b'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n' + resp(B)); c.ack_c(); c.close()
    save('http5_304_chunked_gzip_then_200', pc, sha(B), 'http-pipeline', '304 naming chunked and gzip (no body whatever it names) then the 200 pipelined')
    H('http5_te_chunked_then_identity', 'Transfer-Encoding: "chunked, identity" (Chrome HasHeaderValue finds chunked; Firefox tokenises and finds chunked)',
      hdr([b'Transfer-Encoding: chunked, identity']) + gen.chunked(B, (700,)), B)
    ql = b''.join(b'%x;a="q\r\n' % len(B[i:i+700]) + B[i:i+700] + b'\r\n' for i in range(0, len(B), 700)) + b'0\r\n\r\n'
    H('http5_chunk_ext_unclosed_quote', 'chunk extensions opening a quoted string that the line end cuts (Chrome HttpChunkedDecoder and Firefox nsHttpChunkedDecoder end the size line at the first LF, quotes or not)',
      hdr([b'Transfer-Encoding: chunked']) + ql, B)
    g = gz(B)
    H('http5_ce_gzip_with_parameter', 'Content-Encoding: "gzip;q=1" (no coding either browser knows: Chrome FilterSourceStream TYPE_UNKNOWN passes the body through, Firefox likewise): the file is the gzip bytes',
      hdr([b'Content-Encoding: gzip;q=1', b'Content-Length: %d' % len(g)]) + g, g)
    gg = gz(g)
    H('http5_ce_gzip_twice', 'Content-Encoding: gzip, gzip (two layers, undone last first: both browsers)',
      hdr([b'Content-Encoding: gzip, gzip', b'Content-Length: %d' % len(gg)]) + gg, B)
    H('http5_http10_te_identity_cl', 'an HTTP/1.0 answer with Content-Length and "Transfer-Encoding: identity" followed by junk before the close (length wins; identity is no chunking)',
      hdr([b'Transfer-Encoding: identity', b'Content-Length: %d' % len(B)], ver=b'HTTP/1.0 200 OK') + B + b'TRAILING-JUNK' * 20, B)

# ---------------- uploads ----------------
@case
def upload5():
    F = payload('u5f', 2200)
    fh = [b'Content-Disposition: form-data; name="f"; filename="a.bin"', b'Content-Type: application/octet-stream']
    for m in (b'PATCH', b'POST'):
        pc = Pcap(); c = Conv(pc); c.handshake()
        c.send(True, req(method=m, path=b'/raw', extra=b'Content-Type: application/octet-stream\r\nContent-Length: %d\r\n' % len(F), body=F), mss=1000)
        c.ack_s(); c.s(b'HTTP/1.1 204 No Content\r\n\r\n'); c.ack_c(); c.close_client_first()
        save('up5_%s_raw_body' % m.decode().lower(), pc, sha(F), 'upload', '%s with a raw application/octet-stream body (the server reads Content-Length bytes, RFC 9112 6.2)' % m.decode())
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.send(True, req(method=b'GET', path=b'/q', extra=b'Content-Length: %d\r\n' % len(F), body=F), mss=1000)
    c.ack_s(); c.s(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'); c.ack_c(); c.close_client_first()
    save('up5_get_with_body', pc, sha(F), 'upload', 'a GET with a Content-Length body (framing is the same for every method, RFC 9112 6.3; Go r.Body, Django request.body read it)')
    upload('up5_boundary_trailing_space_go', 'Content-Type "boundary=XyZ " with a trailing space (Go mime.ParseMediaType trims it: delimiters "--XyZ"; PHP keeps the space and finds no part)',
           mp([(fh, F)]), b'Content-Type: multipart/form-data; boundary=XyZ \r\n', sha(F))
    pc = Pcap(); c = Conv(pc); c.handshake()
    ql = b''.join(b'%x;n="a\r\n' % len(F[i:i+600]) + F[i:i+600] + b'\r\n' for i in range(0, len(F), 600)) + b'0\r\n\r\n'
    c.send(True, req(method=b'PUT', path=b'/up', extra=b'Transfer-Encoding: chunked\r\n') + ql, mss=1000)
    c.ack_s(); c.s(b'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'); c.ack_c(); c.close_client_first()
    save('up5_put_chunk_ext_unclosed_quote_go', pc, sha(F), 'upload', 'a chunked PUT whose chunk extensions open a quote the line end cuts (Go net/http/internal readChunkLine reads to LF, removeChunkExtension cuts at ";")')

# ---------------- HTTP/2 cleartext ----------------
def h2pair(name, desc, B, Dd, client_settings, decoy_frames):
    """connection 1: the client's SETTINGS, a request, and server frames the client must treat as a
    connection error (it sends GOAWAY and closes); connection 2 fetches the file (B) cleanly"""
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, client_settings) + h2f(1, 5, 1, reqblk()))
    c.ack_s(); c.send(False, h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + decoy_frames, mss=1400)
    c.c(h2f(4, 1, 0, b'') + h2f(7, 0, 0, struct.pack('!II', 0, 1))); c.ack_c(); c.close_client_first()
    c2 = Conv(pc, cport=40001); c2.handshake()
    c2.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, client_settings) + h2f(1, 5, 1, reqblk()))
    c2.ack_s(); c2.send(False, h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B))) + h2f(0, 1, 1, B), mss=1400)
    c2.c(h2f(4, 1, 0, b'')); c2.ack_c(); c2.close()
    save(name, pc, sha(B), 'h2c', desc, forbid=[sha(Dd)])

@case
def h2c5():
    B = payload('h2c5', 3000); Dd = payload('h2c5-decoy', 3000)
    nopush = struct.pack('!HI', 2, 0)
    push = (h2f(5, 4, 1, struct.pack('!I', 2) + b'\x82\x86' + hlit(4, b'/p.bin') + hlit(1, b'example.com'))
            + h2f(1, 4, 2, b'\x88' + hlit(28, b'%d' % len(Dd))) + h2f(0, 1, 2, Dd) + h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(Dd))))
    h2pair('h2c5_decoy_push_promise_push_disabled', 'the client\'s SETTINGS disable push (ENABLE_PUSH 0, as curl sends) and the server pushes a decoy: a connection error (RFC 9113 6.6 and 8.4; nghttp2 "PUSH_PROMISE: push disabled", Go processPushPromise), the file fetched again on a new connection',
           B, Dd, nopush, push)
    Db = payload('h2c5-decoy-big', 20000)
    big = h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(Db))) + h2f(0, 1, 1, Db)
    h2pair('h2c5_decoy_data_frame_past_max_frame_size', 'a 20,000-byte DATA frame to a client that never raised SETTINGS_MAX_FRAME_SIZE from 16,384: FRAME_SIZE_ERROR, a connection error (RFC 9113 4.2; nghttp2 session_on_data_received, Go Framer.ReadFrame ErrFrameTooLarge); the file fetched again on a new connection',
           B, Db, b'', big)
    Dh = payload('h2c5-decoy-hdr', 1500)
    bighdr = h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(Dh)) + b'\x00\x05x-pad' + b'\x7f\x81\x1f' + b'p' * 4096 + b'\x00\x05x-pa2' + b'\x7f\x81\x1f' + b'p' * 4096
                 + b'\x00\x05x-pa3' + b'\x7f\x81\x1f' + b'p' * 4096 + b'\x00\x05x-pa4' + b'\x7f\x81\x1f' + b'p' * 4096) + h2f(0, 1, 1, Dh)
    h2pair('h2c5_decoy_headers_frame_past_max_frame_size', 'a HEADERS frame of 16,420 bytes (past the 16,384 default SETTINGS_MAX_FRAME_SIZE) opening a decoy answer: FRAME_SIZE_ERROR, a connection error for a frame that can alter the connection\'s state (RFC 9113 4.2); the file fetched again',
           B, Dh, b'', bighdr)
    # with the frame size raised by the client, the same 20,000-byte frame is fine
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, struct.pack('!HI', 5, 32768)) + h2f(1, 5, 1, reqblk())); c.ack_s()
    c.send(False, h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(Db))) + h2f(0, 1, 1, Db), mss=1400)
    c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save('h2c5_data_frame_within_raised_max_frame_size', pc, sha(Db), 'h2c', 'the client raises SETTINGS_MAX_FRAME_SIZE to 32,768; a 20,000-byte DATA frame is within it (RFC 9113 6.5.2)')
    # push allowed by default (no ENABLE_PUSH in the client's SETTINGS): the pushed file is kept
    pc = Pcap(); c = Conv(pc); c.handshake(); P = payload('h2c5-push', 1500)
    c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, struct.pack('!HI', 2, 1)) + h2f(1, 5, 1, reqblk())); c.ack_s()
    c.send(False, h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + h2f(5, 4, 1, struct.pack('!I', 2) + b'\x82\x86' + hlit(4, b'/p.bin') + hlit(1, b'example.com'))
           + h2f(1, 4, 2, b'\x88' + hlit(28, b'%d' % len(P))) + h2f(0, 1, 2, P) + h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B))) + h2f(0, 1, 1, B), mss=1400)
    c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save('h2c5_push_explicitly_enabled', pc, [sha(B), sha(P)], 'h2c', 'the client\'s SETTINGS say ENABLE_PUSH 1; the pushed response and the answer are both kept')
    # 100 empty CONTINUATION frames: Go's client reads them (Framer.readMetaFrame bounds the bytes, not
    # the frames); nghttp2 since 1.61 refuses more than 8: one real receiver takes it
    blk = b'\x88' + hlit(28, b'%d' % len(B))
    sf = h2f(1, 0, 1, blk[:1]) + b''.join(h2f(9, 0, 1, b'') for _ in range(100)) + h2f(9, 4, 1, blk[1:]) + h2f(0, 1, 1, B)
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, b'') + h2f(1, 5, 1, reqblk())); c.ack_s()
    c.send(False, h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + sf, mss=1000); c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save('h2c5_hundred_empty_continuations', pc, sha(B), 'h2c', 'the response head split over 100 empty CONTINUATION frames (Go x/net/http2 Framer.readMetaFrame takes them; nghttp2 >= 1.61 stops at 8)')

# ---------------- tunnels ----------------
def gpe(p, flags=0x0C, np=None, ver=0):
    """VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe, UDP 4790): flags byte (I 0x08, P 0x04, O 0x01), version in bits 4-5"""
    if np is None: np = 1 if et(p) == 0x0800 else 2
    return outer_udp(4790, struct.pack('!BBBBI', flags | (ver << 4), 0, 0, np, 9 << 8) + p)

def pptp(p, flags=0x3081):
    ppp = b'\xff\x03\x00\x21' + p
    extra = b'\0\0\0\0' if flags & 0x8000 else b''
    h = struct.pack('!HH', flags, 0x880B) + (extra if extra else b'') + struct.pack('!HHI', len(ppp), 7, 1) + struct.pack('!I', 0)
    return outer4(47, h + ppp)

@case
def tunnel5():
    tun_case('tun5_vxlan_gpe_ethernet', 'VXLAN-GPE with next protocol 3 (Ethernet)', lambda p: gpe(inner_eth(p), np=3))
    tun_case('tun5_vxlan_gpe_ipv6', 'VXLAN-GPE with next protocol 2 (IPv6)', lambda p: gpe(p), v6=True)
    tun_decoy('tun5_decoy_vxlan_gpe_oam', 'decoy in VXLAN-GPE with the O (OAM) bit (Linux vxlan_parse_gpe_proto: "we don\'t implement OAM processing, thus drop the packet"), real in VXLAN-GPE',
              lambda p: gpe(p), lambda p: gpe(p, flags=0x0D))
    tun_decoy('tun5_decoy_vxlan_gpe_version_1', 'decoy in VXLAN-GPE version 1 (draft-ietf-nvo3-vxlan-gpe 3.2: a receiver that does not support the version MUST drop it; Linux vxlan_parse_gpe_proto), real in version 0',
              lambda p: gpe(p), lambda p: gpe(p, ver=1))
    tun_decoy('tun5_decoy_vxlan_gpe_no_p_bit', 'decoy on the VXLAN-GPE port without the P bit (no next protocol: Linux vxlan_parse_gpe_proto "Need to have Next Protocol set", dropped), real in VXLAN-GPE',
              lambda p: gpe(p), lambda p: gpe(p, flags=0x08))
    tun_decoy('tun5_decoy_pptp_gre_checksum_bit', 'decoy in PPTP enhanced GRE with the checksum bit set (Linux pptp_rcv: "flag CSUM should be clear", dropped; RFC 2637 4.1), real in PPTP GRE',
              lambda p: pptp(p), lambda p: pptp(p, flags=0xB081))
    tun_decoy('tun5_decoy_pptp_gre_no_key_bit', 'decoy in PPTP enhanced GRE without the key bit (Linux pptp_rcv: "flag KEY should be set", dropped; RFC 2637 4.1 K MUST be 1), real in PPTP GRE',
              lambda p: pptp(p), lambda p: outer4(47, struct.pack('!HHI', 0x1081, 0x880B, 1) + struct.pack('!I', 0) + b'\xff\x03\x00\x21' + p))
    def l2tp_ctl(p):
        ppp = b'\xff\x03\x00\x21' + p
        h = struct.pack('!HHHHHH', 0xC802, 12 + len(ppp), 9, 10, 5, 6)
        return outer_udp(1701, h + ppp, sport=1701)
    def l2tp_data(p):
        ppp = b'\xff\x03\x00\x21' + p
        return outer_udp(1701, struct.pack('!HHHH', 0x4002, 8 + len(ppp), 9, 10) + ppp, sport=1701)
    tun_decoy('tun5_decoy_l2tpv2_control_message', 'decoy in an L2TPv2 control message (T bit: RFC 2661 3.1, control messages go to the L2TP daemon, never to PPP; Linux l2tp_udp_recv_core passes them up), real in data messages',
              l2tp_data, l2tp_ctl)
    tun_decoy('tun5_decoy_pppoe_discovery_frame', 'decoy framed as PPPoE discovery (EtherType 0x8863, code 0: RFC 2516 carries no PPP data there; Linux pppoe_disc_rcv hands it to pppd), real in PPPoE session frames',
              lambda p: eth(struct.pack('!BBHHH', 0x11, 0, 0x1234, len(p) + 2, 0x0021) + p, 0x8864),
              lambda p: eth(struct.pack('!BBHHH', 0x11, 0, 0x1234, len(p) + 2, 0x0021) + p, 0x8863))
    tun_case('tun5_geneve_ipv6_direct', 'Geneve carrying IPv6 directly (protocol 0x86DD, Linux geneve with inner_proto_inherit)', lambda p: outer_udp(6081, struct.pack('!BBHI', 0, 0, 0x86DD, 77 << 8) + p), v6=True)
    tun_case('tun5_mpls_ipv4_explicit_null', 'MPLS IPv4 explicit null label (0) then IPv4', lambda p: eth(struct.pack('!I', (0 << 12) | 0x100 | 64) + p, 0x8847))
    tun_case('tun5_vxlan_gbp', 'VXLAN with the Group Based Policy extension (G flag and a group id: Linux vxlan "gbp", Open vSwitch)', lambda p: outer_udp(4789, struct.pack('!BBHI', 0x88, 0x08, 0x1234, 42 << 8) + inner_eth(p)))
    def teredo_frag(p):
        o = ip4(O1, O2, 17, udp(O1, O2, 3544, 50000, p), ident=0x7e7e)
        return [eth(f) for f in frag4(o, fragsize=512)[::-1]] if len(o) > 700 else eth(o)
    tun_case('tun5_teredo_outer_fragmented', 'Teredo whose outer IPv4 datagrams are fragmented (fragments reversed)', teredo_frag, v6=True)

if __name__ == '__main__':
    main(CASES, 'gen5.py')
