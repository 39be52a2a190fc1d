"""Writes SpanWatch's second round of evasion cases (gen.py is the first): tricks of the same classes
that the first round did not try, each hiding one file behind something the receiving host (a browser,
curl, a Linux or BSD stack, a Go/PHP/Django/Commons FileUpload server) still undoes, with the sha256 it
must yield (meta.json, scored by run.py). Written by the second evasion review on 2026-12-05 (raw
packets by hand with pk.py, no scapy). Usage: python3 gen2.py OUT_DIR; then run.py OUT_DIR."""
from pk import *
import gen
from gen import H, hdr, gz, upload, mp, tun_case, h2f, hlit, dl_start, et, inner_eth, outer4, outer_udp, gre_hdr, O1, O2
import zlib, subprocess, struct, base64
CASES = []
def case(f): CASES.append(f); return f
LINUXC = gen.LINUXC

# ---------------- TCP ----------------
@case
def tcp2():
    # data on a SYN without Fast Open: the server's SYN-ACK acknowledges the SYN alone (RFC 7413 4.2; Linux
    # tcp_conn_request without TFO drops the payload), the client sends the request again
    pc = Pcap(); U = payload('syndata-up', 1500); D = payload('syndata-decoy', 1500)
    c = Conv(pc)
    dreq = req(method=b'PUT', path=b'/up', extra=b'Content-Length: %d\r\n' % len(D), body=D)
    c.c(dreq, flags='S', ack=0, opts=b'\x02\x04\x05\xb4', advance=False); c.cseq += 1
    c.s(flags='SA', opts=b'\x02\x04\x05\xb4'); c.c(flags='A')
    c.send(True, req(method=b'PUT', path=b'/up', extra=b'Content-Length: %d\r\n' % len(U), body=U), mss=1000)
    c.ack_s(); c.s(b'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'); c.ack_c(); c.close()
    save('tcp2_syn_data_no_tfo_upload', pc, sha(U), 'tcp', 'decoy PUT carried on the SYN, SYN-ACK acks only the SYN (no TFO: Linux/BSD servers drop SYN data), real PUT after', forbid=[sha(D)])

    # SYN retransmitted with another ISN (first SYN lost or a forged one): the SYN-ACK acknowledges the second
    pc = Pcap(); B = payload('syn2isn'); W = resp(B); c = Conv(pc, isn_c=1000)
    c.c(flags='S', ack=0, opts=b'\x02\x04\x05\xb4', advance=False)
    c.cseq = 777777
    c.handshake(); c.c(req()); c.ack_s(); c.send(False, W); c.ack_c(); c.close()
    save('tcp2_syn_retrans_other_isn', pc, sha(B), 'tcp', 'client SYN sent twice with different ISNs (a new connect attempt); the SYN-ACK acks the second, download follows')

    # RST far outside the window: ignored by every stack (RFC 793/5961), download continues
    pc = Pcap(); B = payload('rstoow'); W = resp(B); c = dl_start(pc)
    c.s(W[:1000]); c.s(flags='RA', seq=c.sseq + 50000000, advance=False); c.c(flags='R', seq=c.cseq - 70000000, ack=0, advance=False)
    c.s(W[1000:]); c.ack_c(); c.close()
    save('tcp2_rst_out_of_window', pc, sha(B), 'tcp', 'RSTs from both sides far outside the window (ignored by Linux/BSD tcp_validate_incoming), download continues')

    # FIN then bytes after the FIN: the client is in CLOSE_WAIT and drops data at or past rcv_nxt (Linux
    # tcp_rcv_state_process; BSD tcp_input "after FIN" drop): close-delimited body ends at the FIN
    pc = Pcap(); B = payload('finafter'); W = resp(B, cl=False, extra=b'Connection: close\r\n'); c = dl_start(pc)
    c.send(False, W); c.s(flags='FA'); c.s(b'TRAILING-DECOY' * 50, advance=False); c.c(flags='A')
    c.c(flags='FA'); c.s(flags='A')
    save('tcp2_data_after_fin', pc, sha(B), 'tcp', 'close-delimited body, FIN, then more bytes after the FIN (hosts drop data past a FIN)',
         forbid=[sha(B + b'TRAILING-DECOY' * 50)])

    # window scale: decoy starting at the scaled right edge, real after the window opens
    pc = Pcap(); B = payload('wscdecoy', 2600); W = resp(B); c = Conv(pc, wscale=3, win=250); c.handshake(); c.c(req()); c.ack_s(); base = c.sseq
    D = bytearray(W); D[2000:2400] = b'V' * 400
    c.s(W[:2000]); c.s(bytes(D[2000:2400]), seq=base + 2000, advance=False)
    c.ack_c(); c.s(W[2000:]); c.ack_c(); c.close()
    save('tcp2_wscale_decoy_at_scaled_edge', pc, sha(B), 'tcp-window', 'wscale 3 and window field 250 (2000 B): decoy at the right edge before the ACK, real after it (the host sees it out of window)',
         sets=LINUXC, forbid=[sha(bytes(D[W.index(B):]))])

    # segments larger than the MSS (GRO/LRO or TSO seen on the host): taken whole
    pc = Pcap(); B = payload('bigseg', 9000); W = resp(B); c = dl_start(pc); c.send(False, W, mss=4000); c.ack_c(); c.close()
    save('tcp2_segments_over_mss', pc, sha(B), 'tcp', '4000-byte segments on an MSS 1460 connection (GRO/TSO capture; hosts do not check the MSS on receive)')

    # the same 4-tuple reused: a second connection (new SYN after FIN) carries a different file
    pc = Pcap(); B1 = payload('reuse1'); B2 = payload('reuse2')
    c = Conv(pc, isn_c=1000, isn_s=5000); c.handshake(); c.c(req()); c.ack_s(); c.send(False, resp(B1)); c.ack_c(); c.close_client_first()
    c = Conv(pc, isn_c=900000, isn_s=3000000); c.handshake(); c.c(req(path=b'/g.bin')); c.ack_s(); c.send(False, resp(B2)); c.ack_c(); c.close()
    save('tcp2_port_reuse_after_fin', pc, [sha(B1), sha(B2)], 'tcp', 'same 4-tuple, second SYN after the first connection closed (TIME_WAIT reuse, RFC 6191): two files')
    pc = Pcap(); B1 = payload('reuse3', 3000); B2 = payload('reuse4')
    c = Conv(pc, isn_c=1000, isn_s=5000); c.handshake(); c.c(req()); c.ack_s(); W1 = resp(B1); c.s(W1[:1200]); c.c(flags='RA')
    c = Conv(pc, isn_c=400, isn_s=90000); c.handshake(); c.c(req(path=b'/g.bin')); c.ack_s(); c.send(False, resp(B2)); c.ack_c(); c.close()
    save('tcp2_port_reuse_after_rst', pc, sha(B2), 'tcp', 'first connection reset by the client mid-download, same 4-tuple reconnects with a lower ISN and downloads another file')
    pc = Pcap(); B1 = payload('reuse5'); B2 = payload('reuse6')
    c = Conv(pc, isn_c=1000, isn_s=5000); c.handshake(); c.c(req()); c.ack_s(); c.send(False, resp(B1)); c.ack_c(); c.close()
    c = Conv(pc, isn_c=1000 + 20, isn_s=5000 + 9000); c.handshake(); c.c(req(path=b'/g.bin')); c.ack_s(); c.send(False, resp(B2)); c.ack_c(); c.close()
    save('tcp2_port_reuse_close_isn', pc, [sha(B1), sha(B2)], 'tcp', 'same 4-tuple reused after FIN with an ISN only 20 above the old one (inside the old window): two files')

    # TCP options a host skips
    def odd_opts(name, o, desc):
        pc = Pcap(); B = payload(name); W = resp(B); c = dl_start(pc)
        for i in range(0, len(W), 1000): c.s(W[i:i+1000], opts=o)
        c.ack_c(); c.close()
        save(name, pc, sha(B), 'tcp', desc)
    odd_opts('tcp2_opts_unknown_kinds', b'\xfd\x06\xab\xcd\x01\x02' + b'\x63\x02' + b'\x1e\x04\x00\x00' + b'\x01\x01\x00\x00',
             'data segments with experimental (253), unknown (99) and MPTCP (30) options (hosts skip unknown kinds, tcp_parse_options)')
    odd_opts('tcp2_opts_invalid_len', b'\x01\x01\xfd\x01\xff\xff\xff\xff',
             'data segments with an option of length 1 (Linux tcp_parse_options stops parsing: "opsize < 2 return", segment kept)')
    odd_opts('tcp2_opts_len_past_header', b'\x01\x01\x08\x20\x00\x00\x00\x00',
             'data segments whose timestamp option claims 32 bytes past the header end (Linux: "opsize > length" stops parsing, segment kept)')
    odd_opts('tcp2_opts_sack_in_data', b'\x01\x01\x05\x0a\x00\x00\x10\x00\x00\x00\x20\x00',
             'data segments carrying SACK blocks for data never sent (a receiver ignores SACK on its receive side)')

    # simultaneous open
    pc = Pcap(); B = payload('simopen'); W = resp(B); c = Conv(pc)
    c.c(flags='S', ack=0, opts=b'\x02\x04\x05\xb4'); c.s(flags='S', ack=0, opts=b'\x02\x04\x05\xb4')
    c.c(flags='SA', seq=c.cseq - 1, opts=b'\x02\x04\x05\xb4'); c.s(flags='SA', seq=c.sseq - 1, opts=b'\x02\x04\x05\xb4')
    c.c(req()); c.ack_s(); c.send(False, W); c.ack_c(); c.close()
    save('tcp2_simultaneous_open', pc, sha(B), 'tcp', 'simultaneous open (SYN both ways, then SYN-ACK both ways, RFC 793 fig. 8), then a download')

    # sequence wrap with SACK-style reordering and a retransmission across the wrap
    pc = Pcap(); B = payload('wrapsack', 6000); W = resp(B); c = Conv(pc, isn_s=0xFFFFFFFF - 1500); c.handshake(); c.c(req()); c.ack_s(); base = c.sseq
    segs = [(i, W[i:i+1000]) for i in range(0, len(W), 1000)]
    for k in [0, 2, 3, 1, 5, 4, 6]:
        if k < len(segs):
            c.s(segs[k][1], seq=(base + segs[k][0]) & 0xffffffff)
            if k == 2: c.c(flags='A', ack=(base + 1000) & 0xffffffff, opts=b'\x01\x01\x05\x0a' + struct.pack('!II', (base + 2000) & 0xffffffff, (base + 3000) & 0xffffffff))
    c.s(segs[1][1], seq=(base + 1000) & 0xffffffff)
    c.sseq = (base + len(W)) & 0xffffffff; c.ack_c(); c.close()
    save('tcp2_seq_wrap_sack_retrans', pc, sha(B), 'tcp', 'server sequence wraps 2^32 inside a hole; SACKs, reordering and a retransmission across the wrap')

    # ECN: ECE/CWR flags on data and acks
    pc = Pcap(); B = payload('ecn'); W = resp(B); c = Conv(pc)
    c.c(flags='SEC', ack=0, opts=b'\x02\x04\x05\xb4'); c.s(flags='SAE', opts=b'\x02\x04\x05\xb4'); c.c(flags='A')
    c.c(req(), flags='PAC'); c.ack_s()
    for i in range(0, len(W), 1000): c.s(W[i:i+1000], flags='PAC' if i else 'PA')
    c.c(flags='AE'); c.close()
    save('tcp2_ecn_flags', pc, sha(B), 'tcp', 'ECN-setup SYN, ECE/CWR on data and acks (RFC 3168)')

    # client half-closes right after the request (nc -q0 / shutdown(SHUT_WR)): the server still sends
    pc = Pcap(); B = payload('halfclose'); W = resp(B); c = Conv(pc); c.handshake(); c.c(req()); c.c(flags='FA'); c.ack_s()
    c.send(False, W); c.ack_c(); c.s(flags='FA'); c.c(flags='A')
    save('tcp2_client_half_close', pc, sha(B), 'tcp', 'client FIN right after the request (half-close); server answers afterwards (CLOSE_WAIT may still send)')

    # capture picked up after the handshake
    pc = Pcap(); B = payload('midstream'); W = resp(B); c = Conv(pc); c.cseq += 1; c.sseq += 1
    c.c(req()); c.ack_s(); c.send(False, W); c.ack_c(); c.close()
    save('tcp2_no_handshake', pc, sha(B), 'tcp', 'capture starts after the handshake (request first)')

    # asymmetric routing: only the server's direction is on the mirror
    pc = Pcap(); B = payload('oneside'); W = resp(B); c = Conv(pc)
    c.c(flags='S', ack=0, raw=True); c.cseq += 1; c.s(flags='SA', opts=b'\x02\x04\x05\xb4'); c.c(req(), raw=True); c.cseq += len(req())
    c.send(False, W); c.s(flags='FA')
    save('tcp2_server_side_only', pc, sha(B), 'tcp', 'asymmetric routing: only the server-to-client half is captured (SYN-ACK, response, FIN)')

    # the handshake's SYN-ACK missing from the capture
    pc = Pcap(); B = payload('nosynack'); W = resp(B); c = Conv(pc)
    c.c(flags='S', ack=0, opts=b'\x02\x04\x05\xb4'); c.s(flags='SA', raw=True); c.sseq += 1; c.c(flags='A')
    c.c(req()); c.ack_s(); c.send(False, W); c.ack_c(); c.close()
    save('tcp2_synack_missing', pc, sha(B), 'tcp', 'the SYN-ACK is lost on the mirror; the rest of the conversation is there')

    # a zero-window probe of one decoy byte at rcv_nxt, then the real byte once the window opens
    pc = Pcap(); B = payload('zwp', 2500); W = resp(B); c = Conv(pc, win=2000); c.handshake(); c.c(req()); c.ack_s(); base = c.sseq
    c.s(W[:1000]); c.s(W[1000:2000]); c.c(flags='A', win=0)
    c.s(b'\xEE', advance=False); c.c(flags='A', win=0); c.s(b'\xEF', advance=False); c.c(flags='A', win=0)
    c.c(flags='A', win=2000); c.s(W[2000:]); c.ack_c(); c.close()
    save('tcp2_zero_window_probes', pc, sha(B), 'tcp-window', 'two 1-byte zero-window probes with decoy bytes at rcv_nxt (Linux tcp_data_queue: zero window, dropped), real after the window opens', sets=LINUXC)

    # RST at the exact next byte sent by the client (it aborts), the server keeps sending: the client holds no file
    # (here a second file on another connection must still come out: the flow table is not confused)
    pc = Pcap(); B = payload('rstabort', 4000); B2 = payload('rstabort2'); W = resp(B); c = dl_start(pc)
    c.s(W[:1400]); c.c(flags='RA'); c.s(W[1400:2800], advance=True); c.s(W[2800:])
    c2 = Conv(pc, cport=40001); c2.handshake(); c2.c(req(path=b'/b.bin')); c2.ack_s(); c2.send(False, resp(B2)); c2.ack_c(); c2.close()
    save('tcp2_client_abort_then_other_conn', pc, sha(B2), 'tcp', 'client RST mid-download (the server keeps sending into the void), a second connection downloads a file',
         forbid=[sha(B)])

# ---------------- HTTP/1 ----------------
@case
def http2_cases():
    B = payload('h1b', 2500)
    H('http2_multi_1xx', '100, 102 and two 103 interim responses before the 200 (browsers skip every 1xx but 101)',
      b'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </b>\r\n\r\n' + resp(B), B)
    H('http2_1xx_split', '1xx interim response and the 200 in separate 1-byte segments', b'HTTP/1.1 100 Continue\r\n\r\n' + resp(B[:300]), B[:300], mss=1)
    H('http2_cl_plus', 'Content-Length: +2500 (refused by both browsers, then read until close: same bytes)', hdr([b'Content-Length: +%d' % len(B)]) + B, B)
    H('http2_cl_inner_space', 'Content-Length: "25 00" (no number: read until close)', hdr([b'Content-Length: %s' % (str(len(B))[:2] + ' ' + str(len(B))[2:]).encode()]) + B, B)
    H('http2_cl_trailing_space_tab', 'Content-Length value with trailing spaces and tab (OWS stripped)', hdr([b'Content-Length: %d \t ' % len(B)]) + B + b'JUNK', B)
    H('http2_te_http10', 'HTTP/1.0 response with Transfer-Encoding: chunked (Firefox decodes it from 1.0)', hdr([b'Transfer-Encoding: chunked'], ver=b'HTTP/1.0 200 OK') + gen.chunked(B), B)
    H('http2_status_line_continuation', 'a folded line right after the status line (Chrome joins it to the status line, Firefox skips it)',
      b'HTTP/1.1 200 OK\r\n X-Fold: a\r\nContent-Length: %d\r\n\r\n' % len(B) + B, B)
    H('http2_cd_filename_star', 'Content-Disposition with RFC 5987 filename* and a different plain filename',
      hdr([b"Content-Disposition: attachment; filename=\"a.txt\"; filename*=UTF-8''%E2%82%AC%20rates%2Eexe", b'Content-Length: %d' % len(B)]) + B, B)
    H('http2_header_after_empty_value', 'an empty header value and a header with only white space before the Content-Length',
      hdr([b'X-Empty:', b'X-Ws: \t ', b'Content-Length: %d' % len(B)]) + B, B)
    H('http2_ce_identity_gzip', 'Content-Encoding: identity, gzip', hdr([b'Content-Encoding: identity, gzip', b'Content-Length: %d' % len(gz(B))]) + gz(B), B)
    H('http2_ce_xgzip_cl', 'Content-Encoding: x-gzip with Content-Length', hdr([b'Content-Encoding: x-gzip', b'Content-Length: %d' % len(gz(B))]) + gz(B), B)
    co = zlib.compressobj(6, zlib.DEFLATED, 9); z9 = co.compress(B) + co.flush()
    H('http2_deflate_zlib_window9', 'deflate as zlib with a 512-byte window (CINFO 1)', hdr([b'Content-Encoding: deflate', b'Content-Length: %d' % len(z9)]) + z9, B)
    co = zlib.compressobj(6, zlib.DEFLATED, 15); zs = b''
    for i in range(0, len(B), 97): zs += co.compress(B[i:i+97]) + co.flush(zlib.Z_SYNC_FLUSH)
    zs += co.flush()
    H('http2_deflate_sync_flush', 'zlib deflate with a sync flush (empty stored block) every 97 bytes, chunked in 5-byte chunks',
      hdr([b'Content-Encoding: deflate', b'Transfer-Encoding: chunked']) + gen.chunked(zs, (5,)), B, mss=40)
    zst = subprocess.run(['zstd', '-q', '-c', '--no-check', '-19'], input=B, capture_output=True).stdout
    H('http2_zstd_chunked_tiny', 'zstd body in 3-byte chunks and 11-byte segments', hdr([b'Content-Encoding: zstd', b'Transfer-Encoding: chunked']) + gen.chunked(zst, (3,)), B, mss=11)
    g = gz(B); g2 = g[:3] + bytes([g[3] | 0x02]) + g[4:10] + struct.pack('<H', zlib.crc32(g[:3] + bytes([g[3] | 0x02]) + g[4:10]) & 0xffff) + g[10:]
    H('http2_gzip_fhcrc_only', 'gzip with only the FHCRC flag (header CRC16)', hdr([b'Content-Encoding: gzip', b'Content-Length: %d' % len(g2)]) + g2, B)
    zz = subprocess.run(['zstd', '-q', '-c'], input=B, capture_output=True).stdout
    st = gz(zz)
    H('http2_stacked_zstd_gzip', 'Content-Encoding: zstd, gzip (stacked)', hdr([b'Content-Encoding: zstd, gzip', b'Content-Length: %d' % len(st)]) + st, B)
    H('http2_gzip_trailers_chunked', 'gzip in chunked with chunk extensions and trailer fields', hdr([b'Content-Encoding: gzip', b'Transfer-Encoding: chunked', b'Trailer: X-T'])
      + gen.chunked(gz(B), (333,), ext=b';ext=1')[:-2] + b'X-T: 1\r\n\r\n', B)

    # response before the request completes (server answers while the upload goes on)
    pc = Pcap(); B = payload('early'); U = payload('earlyup', 4000); c = Conv(pc); c.handshake()
    R = req(method=b'POST', path=b'/up', extra=b'Content-Type: application/octet-stream\r\nContent-Length: %d\r\n' % len(U), body=U)
    c.c(R[:len(R) - len(U) + 1000]); c.ack_s(); c.send(False, resp(B, extra=b'Connection: close\r\n')); c.ack_c()
    c.c(R[len(R) - len(U) + 1000:]); c.ack_s(); c.close()
    save('http2_response_before_request_end', pc, [sha(B)], 'http', 'the server sends a whole response while the client is still uploading the request body')

    # pipelined requests answered with differently coded responses
    pc = Pcap(); B1 = payload('pm1', 1500); B2 = payload('pm2', 1700); B3 = payload('pm3', 1900); c = Conv(pc); c.handshake()
    c.c(req() + req(path=b'/2') + req(path=b'/3')); c.ack_s()
    r1 = hdr([b'Content-Encoding: gzip', b'Transfer-Encoding: chunked']) + gen.chunked(gz(B1), (100,))
    z = zlib.compress(B2); r2 = hdr([b'Content-Encoding: deflate', b'Content-Length: %d' % len(z)]) + z
    zz = subprocess.run(['zstd', '-q', '-c'], input=B3, capture_output=True).stdout; r3 = hdr([b'Content-Encoding: zstd', b'Connection: close']) + zz
    c.send(False, r1 + r2 + r3, mss=700); c.ack_c(); c.close()
    save('http2_pipelined_mixed_codings', pc, [sha(B1), sha(B2), sha(B3)], 'http-pipeline', 'three pipelined GETs answered chunked+gzip, CL+deflate, close-delimited zstd')

    # HEAD answered with a body the server should not send, then a pipelined GET (curl/browsers: no body for HEAD)
    pc = Pcap(); B = payload('headbody'); c = Conv(pc); c.handshake()
    c.c(req(method=b'HEAD') + req(path=b'/g.bin')); c.ack_s()
    c.send(False, hdr([b'Transfer-Encoding: chunked']) + resp(B)); c.ack_c(); c.close()
    save('http2_head_chunked_then_get', pc, sha(B), 'http-pipeline', 'pipelined HEAD answered with Transfer-Encoding: chunked and no body, then the GET (no body for HEAD)')

# ---------------- uploads ----------------
def qp(b):
    out = b''; line = b''
    for x in b:
        t = bytes([x]) if 33 <= x <= 126 and x != 61 else b'=%02X' % x
        if len(line) + len(t) > 73: out += line + b'=\r\n'; line = b''
        line += t
    return out + line

@case
def upload2_cases():
    F = payload('u2f', 2200); F2 = payload('u2g', 900)
    fh = [b'Content-Disposition: form-data; name="f"; filename="a.bin"', b'Content-Type: application/octet-stream']
    upload('up2_boundary_quoted_escape', 'boundary parameter quoted with a backslash escape: boundary="a\\"b" is a"b (Go mime.ParseMediaType, RFC 2045 quoted-string)',
           mp([(fh, F)], bnd=b'a"b'), b'Content-Type: multipart/form-data; boundary="a\\"b"\r\n', sha(F))
    upload('up2_boundary_param_spaces', 'boundary parameter after another one, with white space around ";" (Go, PHP accept)',
           mp([(fh, F)]), b'Content-Type: multipart/form-data ;charset=utf-8;   boundary=XyZ\r\n', sha(F))
    upload('up2_boundary_200_chars', '200-char boundary (RFC 2046 caps 70, Go and PHP have no limit)', mp([(fh, F)], bnd=b'b' * 200),
           b'Content-Type: multipart/form-data; boundary=' + b'b' * 200 + b'\r\n', sha(F))
    upload('up2_boundary_prefix_line_in_data', 'the file holds a line "--XyZabc" (the boundary followed by more: not a delimiter, Go isBoundaryDelimiterLine)',
           mp([(fh, F[:1000] + b'\r\n--XyZabc\r\n' + F[1000:])]), b'Content-Type: multipart/form-data; boundary=XyZ\r\n', sha(F[:1000] + b'\r\n--XyZabc\r\n' + F[1000:]))
    Q = qp(F)
    upload('up2_part_quoted_printable', 'part with Content-Transfer-Encoding: quoted-printable (Go mime/multipart decodes it transparently; PHP keeps the text)',
           mp([(fh + [b'Content-Transfer-Encoding: quoted-printable'], Q)]), b'Content-Type: multipart/form-data; boundary=XyZ\r\n', [sha(F), sha(Q)])
    b64 = base64.encodebytes(F).replace(b'\n', b'\r\n')
    upload('up2_part_base64', 'part with Content-Transfer-Encoding: base64 (Django MultiPartParser decodes it; PHP and Go keep the text)',
           mp([(fh + [b'Content-Transfer-Encoding: base64'], b64)]), b'Content-Type: multipart/form-data; boundary=XyZ\r\n', [sha(F), sha(b64)])
    inner = mp([([b'Content-Disposition: attachment; filename="file1.bin"', b'Content-Type: application/octet-stream'], F),
                ([b'Content-Disposition: attachment; filename="file2.bin"'], F2)], bnd=b'BbC')
    upload('up2_nested_multipart_mixed', 'form-data part that is multipart/mixed holding two files (RFC 2388 / HTML 4.01 17.13.4 style; Apache Commons FileUpload reads the nested parts named by an attachment filename)',
           mp([([b'Content-Disposition: form-data; name="files"', b'Content-Type: multipart/mixed; boundary=BbC'], inner[:-2])]),
           b'Content-Type: multipart/form-data; boundary=XyZ\r\n', [sha(F), sha(F2)])
    pc = Pcap(); c = Conv(pc); c.handshake()
    R = req(method=b'PUT', path=b'/up', extra=b'Transfer-Encoding: chunked\r\nTrailer: X-Sum\r\n') + gen.chunked(F, (512,))[:-2] + b'X-Sum: abc\r\n\r\n'
    c.send(True, R, mss=700); c.ack_s(); c.s(b'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'); c.ack_c(); c.close_client_first()
    save('up2_put_chunked_trailers', pc, sha(F), 'upload', 'PUT with a chunked body and trailer fields')
    upload('up2_part_headers_lf_folded', 'part head with a folded Content-Disposition line (PHP and Go join folded MIME header lines, textproto)',
           mp([([b'Content-Disposition: form-data; name="f";', b'\tfilename="a.bin"', b'Content-Type: application/octet-stream'], F)]),
           b'Content-Type: multipart/form-data; boundary=XyZ\r\n', sha(F))
    upload('up2_multipart_two_same_name', 'two files under the same field name and filename', mp([(fh, F), (fh, F2)]),
           b'Content-Type: multipart/form-data; boundary=XyZ\r\n', [sha(F), sha(F2)])
    upload('up2_multipart_100_then_final_in_chunks', 'Expect: 100-continue and a chunked multipart body', mp([(fh, F)]),
           b'Content-Type: multipart/form-data; boundary=XyZ\r\n', sha(F), chunk=True, cont100=True)
    upload('up2_no_closing_delimiter', 'multipart body without the closing delimiter: no receiver keeps the file (PHP UPLOAD_ERR_PARTIAL, tests/basic/rfc1867_missing_boundary_2.phpt; Go io.ErrUnexpectedEOF; Commons MalformedStreamException), so none is expected; checks the run stays clean',
           mp([(fh, F)])[:-len(b'--XyZ--\r\n')], b'Content-Type: multipart/form-data; boundary=XyZ\r\n', [])

# ---------------- HTTP/2 cleartext ----------------
def h2conn(name, desc, expected, client_frames, server_frames, mss=1000):
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, b'') + client_frames)
    c.ack_s(); c.send(False, h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + server_frames, mss=mss); c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save(name, pc, expected, 'h2c', desc)

def reqblk(path=b'/f.bin'): return b'\x82\x86' + hlit(4, path) + hlit(1, b'example.com')

@case
def h2c2_cases():
    B1 = payload('h2a', 3000); B2 = payload('h2b', 2000); P = payload('h2push', 2500)
    # server push: PUSH_PROMISE on stream 1 promising stream 2, whose response body a browser may use
    push_req = b'\x82\x86' + hlit(4, b'/pushed.bin') + hlit(1, b'example.com')
    sf = (h2f(5, 4, 1, struct.pack('!I', 2) + push_req) + h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B1)))
          + h2f(1, 4, 2, b'\x88' + hlit(28, b'%d' % len(P))) + h2f(0, 0, 2, P[:1200]) + h2f(0, 0, 1, B1[:1500]) + h2f(0, 1, 2, P[1200:]) + h2f(0, 1, 1, B1[1500:]))
    h2conn('h2c2_server_push', 'PUSH_PROMISE of /pushed.bin on stream 2, its DATA interleaved with stream 1 (browsers keep pushed responses)', [sha(B1), sha(P)],
           h2f(1, 5, 1, reqblk()), sf)
    # HPACK dynamic table (size update, incremental indexing, later indexed references) across two streams
    blk1 = b'\x3f\xe1\x1f' + b'\x88' + b'\x5c' + bytes([4]) + b'3000' + b'\x5f' + bytes([24]) + b'application/octet-stream' + b'\x40\x06x-junk' + bytes([100]) + b'j' * 100
    blk3 = b'\x88' + b'\x5c' + bytes([4]) + b'2000' + b'\xbf\xc0'      # content-length 2000 new at 62; 63 = x-junk? (checked by table order below)
    # after blk1 the table is [62 x-junk, 63 content-type, 64 content-length:3000]; after blk3's new entry: [62 cl:2000, 63 x-junk, 64 ctype, 65 cl:3000]
    blk3 = b'\x88' + b'\x5c' + bytes([4]) + b'2000' + b'\xc0'          # 0xc0 = index 64 = content-type
    sf = h2f(1, 4, 1, blk1) + h2f(0, 1, 1, B1) + h2f(1, 4, 3, blk3) + h2f(0, 1, 3, B2)
    h2conn('h2c2_hpack_dynamic_table', 'responses using an HPACK table size update, incremental indexing and indexed dynamic entries on a second stream',
           [sha(B1), sha(B2)], h2f(1, 5, 1, reqblk()) + h2f(1, 5, 3, b'\x82\x86' + hlit(4, b'/g.bin') + hlit(1, b'example.com')), sf)
    # PRIORITY, PING, WINDOW_UPDATE and an unknown extension frame between DATA frames
    junk = h2f(2, 0, 1, struct.pack('!I', 0) + b'\x10') + h2f(6, 0, 0, b'12345678') + h2f(8, 0, 1, struct.pack('!I', 1000)) + h2f(0xbb, 0, 1, b'unknown ext') + h2f(8, 0, 0, struct.pack('!I', 1000))
    sf = h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B1)))
    for k in range(0, len(B1), 500): sf += junk + h2f(0, 1 if k + 500 >= len(B1) else 0, 1, B1[k:k+500])
    h2conn('h2c2_control_frames_between_data', 'PRIORITY, PING, WINDOW_UPDATE and an unknown frame type (ignored, RFC 9113 5.5) between DATA frames', sha(B1), h2f(1, 5, 1, reqblk()), sf)
    # padding extremes
    sf = h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B1)))
    for k in range(0, len(B1), 300):
        part = B1[k:k+300]; fl = 1 if k + 300 >= len(B1) else 0
        pad = 0 if (k // 300) % 2 else 255
        sf += h2f(0, fl | 8, 1, bytes([pad]) + part + b'\0' * pad)
    h2conn('h2c2_padded_data_0_and_255', 'DATA frames alternately padded with pad length 0 and 255', sha(B1), h2f(1, 5, 1, reqblk()), sf)
    # CONTINUATION of zero length and a header block split inside a literal
    hb = b'\x88' + hlit(28, b'%d' % len(B1)) + hlit(31, b'application/octet-stream')
    sf = h2f(1, 0, 1, hb[:2]) + h2f(9, 0, 1, b'') + h2f(9, 0, 1, hb[2:9]) + h2f(9, 4, 1, hb[9:]) + h2f(0, 1, 1, B1)
    h2conn('h2c2_continuation_empty_frames', 'response header block split mid-literal over CONTINUATION frames, one of them empty', sha(B1), h2f(1, 5, 1, reqblk()), sf)
    # two streams' DATA interleaved frame by frame, the second ending first
    sf = h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B1))) + h2f(1, 4, 3, b'\x88' + hlit(28, b'%d' % len(B2)))
    for k in range(0, 3000, 250):
        if k < len(B2): sf += h2f(0, 1 if k + 250 >= len(B2) else 0, 3, B2[k:k+250])
        sf += h2f(0, 1 if k + 250 >= len(B1) else 0, 1, B1[k:k+250])
    h2conn('h2c2_interleaved_streams', 'two streams whose DATA frames interleave frame by frame, the later stream ending first', [sha(B1), sha(B2)],
           h2f(1, 5, 1, reqblk()) + h2f(1, 5, 3, b'\x82\x86' + hlit(4, b'/g.bin') + hlit(1, b'example.com')), sf)
    # Huffman-coded content-length and content-encoding gzip value
    def huff(s):
        # RFC 7541 Appendix B codes for the characters used here
        T = {'0': (0x0, 5), '1': (0x1, 5), '2': (0x2, 5), '3': (0x19, 6), '4': (0x1a, 6), '5': (0x1b, 6), '6': (0x1c, 6), '7': (0x1d, 6),
             '8': (0x1e, 6), '9': (0x1f, 6), 'g': (0x26, 6), 'i': (0x6, 5), 'p': (0x2b, 6), 'z': (0x7b, 7)}
        bits = 0; n = 0
        for ch in s:
            code, ln = T[ch]; bits = (bits << ln) | code; n += ln
        pad = (8 - n % 8) % 8; bits = (bits << pad) | ((1 << pad) - 1); n += pad
        return bits.to_bytes(n // 8, 'big')
    g = gz(B1)
    hv = lambda idx, s: bytes([idx]) + bytes([0x80 | len(huff(s))]) + huff(s)
    sf = h2f(1, 4, 1, b'\x88' + b'\x0f\x0b' + bytes([0x80 | len(huff('gzip'))]) + huff('gzip') + b'\x0f\x0d' + bytes([0x80 | len(huff(str(len(g))))]) + huff(str(len(g)))) + h2f(0, 1, 1, g)
    h2conn('h2c2_huffman_gzip', 'content-encoding gzip and content-length as Huffman-coded literals without indexing', sha(B1), h2f(1, 5, 1, reqblk()), sf)
    # request body upload over h2c: POST with DATA in several frames, padded
    pc = Pcap(); c = Conv(pc); c.handshake(); U = payload('h2up', 2600)
    blk = b'\x83\x86' + hlit(4, b'/up') + hlit(1, b'example.com') + hlit(28, b'%d' % len(U))
    cf = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, b'') + h2f(1, 4, 1, blk)
    for k in range(0, len(U), 700): cf += h2f(0, (1 if k + 700 >= len(U) else 0) | 8, 1, b'\x03' + U[k:k+700] + b'\0\0\0')
    c.send(True, cf, mss=900); c.ack_s(); c.s(h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + h2f(1, 5, 1, b'\x88')); c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save('h2c2_padded_upload', pc, sha(U), 'h2c', 'h2c POST whose request DATA frames are padded')

# ---------------- links and tunnels ----------------
def link_case(name, desc, linktype, frame_of, v6=False, n=2500):
    pc = Pcap(linktype); B = payload(name, n)
    kw = dict(cip='fd00::1', sip='fd00::2') if v6 else {}
    c = Conv(pc, **kw); c.wrap = frame_of
    c.handshake(); c.c(req()); c.ack_s(); c.send(False, resp(B)); c.ack_c(); c.close()
    save(name, pc, sha(B), 'link', desc)

@case
def tunnel2_cases():
    link_case('link2_linux_sll', 'Linux cooked capture v1 (tcpdump -i any, linktype 113)', 113, lambda p: struct.pack('!HHH', 0 if p[12:16] == a4('10.0.0.1') else 4, 1, 6) + b'\x02\0\0\0\0\1\0\0' + struct.pack('!H', et(p)) + p)
    link_case('link2_linux_sll2', 'Linux cooked capture v2 (linktype 276)', 276, lambda p: struct.pack('!HHIHBB', et(p), 0, 3, 1, 0, 6) + b'\x02\0\0\0\0\1\0\0' + p, v6=True)
    link_case('link2_raw_ip', 'raw IP capture (linktype 101)', 101, lambda p: p)
    link_case('link2_bsd_null_v6', 'BSD loopback (linktype 0, AF_INET6 = 30 on macOS, host order)', 0, lambda p: struct.pack('<I', 30 if (p[0] >> 4) == 6 else 2) + p, v6=True)
    tun_case('tun2_vlan_9100_qinq', 'QinQ with the old 0x9100 outer tag', lambda p: eth(struct.pack('!HH', 100, 0x8100) + struct.pack('!HH', 200, et(p)) + p, 0x9100))
    tun_case('tun2_triple_vlan', 'three VLAN tags 0x88a8 / 0x8100 / 0x8100', lambda p: eth(struct.pack('!HH', 1, 0x8100) + struct.pack('!HH', 2, 0x8100) + struct.pack('!HH', 3, et(p)) + p, 0x88A8))
    tun_case('tun2_vlan_priority_tag', '802.1p priority tag (VLAN id 0)', lambda p: eth(struct.pack('!HH', 0xA000, et(p)) + p, 0x8100))
    tun_case('tun2_mpls4_ipv6', 'four MPLS labels, IPv6 inside (no control word)', lambda p: eth(b''.join(struct.pack('!I', (l << 12) | 64) for l in (16, 17, 18)) + struct.pack('!I', (19 << 12) | 0x100 | 64) + p, 0x8847), v6=True)
    tun_case('tun2_mpls_ipv6_explicit_null', 'MPLS IPv6 explicit null label (2) then IPv6', lambda p: eth(struct.pack('!I', (2 << 12) | 0x100 | 64) + p, 0x8847), v6=True)
    tun_case('tun2_pppoe_ipv6', 'PPPoE session carrying IPv6 (PPP 0x0057)', lambda p: eth(struct.pack('!BBHHH', 0x11, 0, 0x77, len(p) + 2, 0x0057) + p, 0x8864), v6=True)
    tun_case('tun2_pppoe_vlan', 'VLAN then PPPoE session', lambda p: eth(struct.pack('!HH', 7, 0x8864) + struct.pack('!BBHHH', 0x11, 0, 0x78, len(p) + 2, 0x0021) + p, 0x8100))
    tun_case('tun2_gre_key_ipv6', 'GRE with key carrying IPv6', lambda p: outer4(47, gre_hdr(et(p), k=0xdead, payload=p)), v6=True)
    def pptp(p):
        ppp = b'\xff\x03\x00\x21' + p
        return outer4(47, struct.pack('!HHHHII', 0x3081, 0x880B, len(ppp), 7, 1, 0) + ppp)
    tun_case('tun2_pptp_gre_v1', 'PPTP enhanced GRE (version 1, key, sequence and ack) carrying PPP/IPv4', pptp)
    tun_case('tun2_vxlan_8472', 'VXLAN on Linux\'s old default port 8472', lambda p: outer_udp(8472, struct.pack('!II', 0x08000000, 5 << 8) + inner_eth(p)))
    tun_case('tun2_geneve_critical_opts', 'Geneve with two options, one marked critical (C bit)', lambda p: outer_udp(6081, struct.pack('!BBHI', 4, 0x40, 0x6558, 9 << 8) + struct.pack('!HBB', 0x0104, 0x81, 1) + b'\0' * 4 + struct.pack('!HBB', 0x0105, 2, 1) + b'\1' * 4 + inner_eth(p)))
    def v6chain(p):
        pl = p[40:]; src = socket.inet_ntop(socket.AF_INET6, p[8:24]); dst = socket.inet_ntop(socket.AF_INET6, p[24:40])
        hbh = struct.pack('!BB', 60, 0) + b'\x01\x04\0\0\0\0'
        do1 = struct.pack('!BB', 43, 0) + b'\x01\x04\0\0\0\0'
        rh = struct.pack('!BBBB', 60, 2, 4, 0) + b'\0' * 4 + a6(dst)
        do2 = struct.pack('!BB', 6, 1) + b'\x01\x0c' + b'\0' * 12
        return eth(ip6(src, dst, 0, hbh + do1 + rh + do2 + pl), 0x86DD)
    tun_case('ipv6_2_ext_chain', 'IPv6 hop-by-hop, destination options, SRH (segments left 0), destination options, then TCP', v6chain, v6=True, cls='ipv6')
    def v4in6_dopt(p):
        dopt = struct.pack('!BB', 4, 0) + b'\x01\x04\0\0\0\0'
        return eth(ip6('2001:db8::1', '2001:db8::2', 60, dopt + p), 0x86DD)
    tun_case('tun2_4in6_destopts', 'IPv4-in-IPv6 with a destination-options header before the inner packet', v4in6_dopt)
    tun_case('tun2_6in4_outer_options', '6in4 (proto 41) whose outer IPv4 header carries NOP options', lambda p: eth(ip4(O1, O2, 41, p, opts=b'\x01\x01\x01\x01')), v6=True)
    tun_case('tun2_6in6', 'IPv6-in-IPv6 (next header 41)', lambda p: eth(ip6('2001:db8::1', '2001:db8::2', 41, p), 0x86DD), v6=True)
    tun_case('tun2_gre_over_vlan_ipv6_outer', 'VLAN / IPv6 / GRE / IPv4 inner', lambda p: eth(struct.pack('!HH', 9, 0x86DD) + ip6('2001:db8::1', '2001:db8::2', 47, gre_hdr(et(p), payload=p)), 0x8100))

# ---------------- round 2b: decoys the host drops for their headers, boundaries ----------------
def decoy_case(name, desc, make_decoy, v6=False, sets=None, cls='tcp'):
    """in-order decoy (packet built by make_decoy(conv, data)) that the receiving host drops, then the real bytes"""
    pc = Pcap(); B = payload(name); W = resp(B)
    kw = dict(cip='fd00::1', sip='fd00::2') if v6 else {}
    c = dl_start(pc, **kw)
    D = bytearray(W); D[1000:2000] = b'D' * 1000
    c.s(W[:1000]); make_decoy(c, bytes(D[1000:2000])); c.s(W[1000:]); c.ack_c(); c.close()
    save(name, pc, sha(B), cls, desc, sets=sets, forbid=[sha(bytes(D[W.index(B):]))])

def v6pkt(c, seg_bytes, chain):
    """IPv6 packet server->client with extension header chain [(nh_value, bytes_without_nh_byte)] before TCP"""
    hdrs = b''; first = None
    types = [t for t, _ in chain] + [6]
    for i, (t, body) in enumerate(chain):
        hdrs += bytes([types[i + 1]]) + body
    return eth(ip6(c.sip, c.cip, types[0], hdrs + seg_bytes), 0x86DD)

@case
def round2b():
    def raw_seg(c, data):
        return tcp(c.sip, c.cip, c.sport, c.cport, c.sseq, c.cseq, 'PA', data)
    decoy_case('tcp2_decoy_doff_below_5', 'decoy segment whose TCP data offset is 4 (< 5: Linux tcp_v4_rcv "th->doff < sizeof(struct tcphdr) / 4" drops it), real after',
               lambda c, d: c.pc.add(eth(ip4(c.sip, c.cip, 6, (lambda t: t[:12] + bytes([0x40]) + t[13:])(raw_seg(c, d))))))
    decoy_case('tcp2_decoy_ip_len_past_frame', 'decoy whose IPv4 total length says 200 bytes more than the frame holds (ip_rcv_core: "skb->len < len" drops it), real after',
               lambda c, d: c.pc.add(eth(ip4(c.sip, c.cip, 6, raw_seg(c, d), tot=20 + 20 + len(d) + 200))))
    decoy_case('ipv6_2_decoy_hbh_not_first', 'decoy whose hop-by-hop header comes after a destination-options header (RFC 8200 4.1: only first; Linux ip6_protocol_deliver_rcu/ipv6_parse_hopopts: parameter problem, dropped), real after',
               lambda c, d: c.pc.add(v6pkt(c, raw_seg(c, d), [(60, b'\0\x01\x04\0\0\0\0'), (0, b'\0\x01\x04\0\0\0\0')])), v6=True, cls='ipv6')
    decoy_case('ipv6_2_decoy_mobility_header', 'decoy behind a Mobility header (135) chaining to TCP: MH ends the chain (RFC 6275 payload proto 59) and Linux has no protocol handler for 135 (mip6 filters raw sockets only): dropped; real after',
               lambda c, d: c.pc.add(v6pkt(c, raw_seg(c, d), [(135, b'\0\x01\x04\0\0\0\0')])), v6=True, cls='ipv6')
    decoy_case('ipv6_2_decoy_exp_header_253', 'decoy behind next header 253 (experimental, RFC 3692/4727): Linux has no handler for it (not an extension header to ipv6_ext_hdr), ICMP parameter problem, dropped; real after',
               lambda c, d: c.pc.add(v6pkt(c, raw_seg(c, d), [(253, b'\0\x01\x04\0\0\0\0')])), v6=True, cls='ipv6')
    decoy_case('ipv6_2_decoy_ah_no_sa', 'decoy inside an IPv6 Authentication Header on a connection that used none (no SA: xfrm6 drops it, XfrmInNoStates), real after',
               lambda c, d: c.pc.add(v6pkt(c, raw_seg(c, d), [(51, bytes([4, 0, 0]) + struct.pack('!II', 0x1000, 1) + b'\0' * 12)])), v6=True, cls='ipv6')
    decoy_case('ipv4_2_decoy_ah_no_sa', 'decoy inside an IPv4 Authentication Header (proto 51) on a connection that used none (no SA: xfrm4 drops it), real after',
               lambda c, d: c.pc.add(eth(ip4(c.sip, c.cip, 51, bytes([6, 4, 0, 0]) + struct.pack('!II', 0x1000, 1) + b'\0' * 12 + raw_seg(c, d)))), cls='ip')
    # partial retransmission: starts inside delivered bytes (decoy there), extends with new real bytes
    pc = Pcap(); B = payload('partrtx'); W = resp(B); c = dl_start(pc); base = c.sseq
    D = bytearray(W); D[500:1000] = b'R' * 500
    c.s(W[:1000]); c.s(bytes(D[500:1000]) + W[1000:2000], seq=base + 500, advance=False); c.sseq = base + 2000
    c.s(W[2000:]); c.ack_c(); c.close()
    save('tcp2_partial_retrans_extends', pc, sha(B), 'tcp', 'a segment overlapping delivered bytes (with other bytes there) and carrying new bytes past them: hosts keep the old, take the new',
         forbid=[sha(bytes(D[W.index(B):]))])
    F = payload('u2f', 2200)
    fh = [b'Content-Disposition: form-data; name="f"; filename="a.bin"', b'Content-Type: application/octet-stream']
    upload('up2_boundary_300_chars', '300-char boundary (Go and PHP set no limit; RFC 2046 says 70)', mp([(fh, F)], bnd=b'c' * 300),
           b'Content-Type: multipart/form-data; boundary=' + b'c' * 300 + b'\r\n', sha(F))
    upload('up2_boundary_php_substring', 'Content-Type names "xboundary=Real; boundary=Decoy": PHP takes the first "boundary" substring (rfc1867.c strstr), so Real; Go takes the boundary parameter',
           mp([(fh, F)], bnd=b'Real'), b'Content-Type: multipart/form-data; xboundary=Real; boundary=Decoy\r\n', sha(F))
    upload('up2_boundary_duplicate_param', 'boundary parameter given twice: PHP takes the first (strstr); Go refuses the header (mime: duplicate parameter name)',
           mp([(fh, F)], bnd=b'First'), b'Content-Type: multipart/form-data; boundary=First; boundary=Second\r\n', sha(F))
    # HPACK dynamic table beyond 64 KiB that both peers agreed to (client SETTINGS_HEADER_TABLE_SIZE 1 MiB)
    B1 = payload('h2big', 3000)
    pc = Pcap(); c = Conv(pc, wscale=4); c.handshake()
    c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, struct.pack('!HI', 1, 1 << 20)) + h2f(1, 5, 1, reqblk()) + h2f(1, 5, 3, reqblk(b'/g.bin')))
    c.ack_s()
    def lit_inc(name, val):
        def intp(n, prefix, first):
            mx = (1 << prefix) - 1
            if n < mx: return bytes([first | n])
            out = [first | mx]; n -= mx
            while n >= 128: out.append((n & 127) | 128); n >>= 7
            out.append(n); return bytes(out)
        return b'\x40' + intp(len(name), 7, 0) + name + intp(len(val), 7, 0) + val
    blk1 = b'\x3f\xe1\xff\x03' + b'\x88' + hlit(28, b'%d' % len(B1))   # dynamic table size update to 65,536 first (RFC 7541 6.3; nghttp2 and Go keep 4,096 until one)
    for i in range(20): blk1 += lit_inc(b'x-pad%02d' % i, (b'%02d' % i) * 1500)   # 20 entries of 3,039 B: 60,780 B (RFC 7541 4.1)
    # stream 3 reuses x-pad00 (now the oldest entry: index 61 + 20 = 81) and a content-length literal
    def idx(n):
        if n < 127: return bytes([0x80 | n])
        out = [0xff]; n -= 127
        while n >= 128: out.append((n & 127) | 128); n >>= 7
        out.append(n); return bytes(out)
    blk3 = b'\x88' + hlit(28, b'%d' % len(B1)) + idx(81)
    sf = h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'')
    for k in range(0, len(blk1), 16000):
        sf += h2f(1 if k == 0 else 9, 4 if k + 16000 >= len(blk1) else 0, 1, blk1[k:k+16000])
    sf += h2f(0, 1, 1, B1) + h2f(1, 4, 3, blk3) + h2f(0, 1, 3, B1[::-1])
    c.send(False, sf, mss=1400); c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save('h2c2_hpack_table_60k', pc, [sha(B1), sha(B1[::-1])], 'h2c', 'client allows a 1 MiB HPACK table; the server raises its table to 64 KiB with a size update and fills 60 KB of it (past the 4 KiB default) and indexes its oldest entry on stream 3 (nghttp2/Go honour the size the receiver allowed; past 64 KiB the README documents SpanWatch\'s bound)')

@case
def round2c():
    # decoy in 802.3 + LLC/SNAP framing (RFC 1042): Linux has no 802.2 handler for IP (llc_rcv finds no SAP), drops it
    def snap(c, d):
        ip = ip4(c.sip, c.cip, 6, tcp(c.sip, c.cip, c.sport, c.cport, c.sseq, c.cseq, 'PA', d))
        llc = b'\xaa\xaa\x03\x00\x00\x00\x08\x00' + ip
        c.pc.add(MAC_C + MAC_S + struct.pack('!H', len(llc)) + llc)
    decoy_case('link2_decoy_llc_snap', 'decoy IPv4 in 802.3/LLC/SNAP framing (RFC 1042) to a Linux client: no 802.2 SAP handler for IP, dropped; real in Ethernet II after',
               snap, sets=LINUXC, cls='link')
    # window scale 15 offered by both: hosts clamp it to 14 (RFC 7323 2.3, Linux tcp_parse_options)
    pc = Pcap(); B = payload('wsc15', 20000); W = resp(B); c = Conv(pc, wscale=15, win=2); c.handshake(); c.c(req()); c.ack_s()
    c.send(False, W, mss=1400); c.ack_c(); c.close()
    save('tcp2_wscale_15_clamped', pc, sha(B), 'tcp-window', 'both SYNs offer window scale 15 (clamped to 14 by hosts: window field 2 is 32 KiB); 20 KB sent before the first ACK', sets=LINUXC)
    # h2c upgrade on a POST with a body: the body is an HTTP/1.1 upload before the 101
    pc = Pcap(); c = Conv(pc); c.handshake(); U = payload('h2upup', 2000); B = payload('h2upb', 2500)
    c.c(b'POST /up HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n' % len(U) + U)
    c.ack_s(); c.s(b'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n')
    c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, b''))
    c.send(False, h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + h2f(1, 4, 1, b'\x88' + hlit(28, b'%d' % len(B))) + h2f(0, 1, 1, B), mss=1000)
    c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save('h2c2_upgrade_post_with_body', pc, [sha(U), sha(B)], 'h2c', 'POST with a body asking Upgrade: h2c (the body is read as HTTP/1.1 before the switch, RFC 7540 3.2), answer on stream 1')
    # plain HTTP inside a CONNECT tunnel to port 80, and a proxy request in absolute form
    pc = Pcap(); B = payload('connect80'); c = Conv(pc, sport=3128); c.handshake()
    c.c(b'CONNECT example.com:80 HTTP/1.1\r\nHost: example.com:80\r\n\r\n'); c.ack_s(); c.s(b'HTTP/1.1 200 Connection established\r\n\r\n'); c.ack_c()
    c.c(req()); c.ack_s(); c.send(False, resp(B)); c.ack_c(); c.close()
    save('http2_connect_tunnel_plain_http', pc, sha(B), 'tunnel', 'CONNECT to port 80 through a proxy on 3128, then plain HTTP inside the tunnel (curl -p)')
    # a request with Content-Length and Transfer-Encoding: chunked (servers read chunked, RFC 9112 6.3)
    pc = Pcap(); F = payload('reqtecl', 2200); c = Conv(pc); c.handshake()
    R = req(method=b'PUT', path=b'/up', extra=b'Content-Length: 10\r\nTransfer-Encoding: chunked\r\n') + gen.chunked(F, (700,))
    c.send(True, R, mss=900); c.ack_s(); c.s(b'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'); c.ack_c(); c.close_client_first()
    save('up2_put_te_and_cl', pc, sha(F), 'upload', 'PUT with Content-Length 10 and Transfer-Encoding: chunked (Go, nginx, Apache read it chunked)')
    # upload whose request line comes in a SYN-less picked-up connection with the server's ack first
    pc = Pcap(); F = payload('up100final', 2000); c = Conv(pc); c.handshake()
    head = req(method=b'POST', path=b'/up', extra=b'Content-Type: application/octet-stream\r\nContent-Length: %d\r\nExpect: 100-continue\r\n' % len(F))
    c.c(head); c.s(b'HTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\n'); c.s(b'HTTP/1.1 102 Processing\r\n\r\n'); c.send(True, F, mss=700)
    c.ack_s(); c.s(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'); c.ack_c(); c.close()
    save('up2_two_interim_then_body', pc, sha(F), 'upload', 'Expect: 100-continue answered by 100 with a header and a 102, then the body')

@case
def round2d():
    def raw_ip(c, d):
        return ip4(c.sip, c.cip, 6, tcp(c.sip, c.cip, c.sport, c.cport, c.sseq, c.cseq, 'PA', d))
    decoy_case('link2_decoy_broadcast_mac', 'decoy sent to the Ethernet broadcast address: Linux tcp_v4_rcv drops segments whose pkt_type is not PACKET_HOST, FreeBSD tcp_input drops M_BCAST; real after',
               lambda c, d: c.pc.add(eth(raw_ip(c, d), dst=b'\xff' * 6)), cls='link')
    decoy_case('link2_decoy_multicast_mac', 'decoy sent to an Ethernet multicast address (01:00:5e:..): PACKET_MULTICAST, dropped by TCP (Linux, FreeBSD M_MCAST); real after',
               lambda c, d: c.pc.add(eth(raw_ip(c, d), dst=bytes.fromhex('01005e000001'))), cls='link')
    decoy_case('ipv4_2_decoy_version_5', 'decoy whose IPv4 header says version 5 under EtherType 0x0800 (ip_rcv_core: "iph->version != 4" drops it); real after',
               lambda c, d: c.pc.add(eth((lambda p: bytes([0x55]) + p[1:])(raw_ip(c, d)))), cls='ip')

if __name__ == '__main__':
    import sys, pk
    if len(sys.argv) != 2:
        sys.exit('usage: gen2.py OUT_DIR   (writes OUT_DIR/<case>/case.pcap and meta.json)')
    pk.ROOT = sys.argv[1]
    for f in CASES: f()
    print(len(os.listdir(sys.argv[1])), 'cases in', sys.argv[1])
