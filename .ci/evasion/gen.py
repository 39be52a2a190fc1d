"""Writes SpanWatch's evasion cases: 163 small captures, each hiding one file from a sensor by a trick
a receiving host (a browser, curl, a Linux or BSD server) still undoes, with the file's sha256 it
must yield (meta.json): TCP segmentation, overlaps per policy, retransmissions, decoys the host
discards (old timestamps, bad checksums, closed windows, data without ACK), IPv4/IPv6 fragments
(overlaps per host, duplicates, odd lengths, conflicting ends), tunnels (VLAN to CAPWAP), HTTP
framing and codings, ranges, uploads and h2c. Written by an evasion review on 2026-12-05 (raw
packets by hand, no scapy). Usage: python3 gen.py OUT_DIR; then run.py OUT_DIR scores a build."""
from pk import *
import zlib, gzip, subprocess, struct
CASES = []
def case(f): CASES.append(f); return f
LINUXC = ['stream.policy.linux=10.0.0.1,fd00::1']

def std(name, cls, desc, body_wire, B, sets=None, mss=1400, forbid=None, **ck):
    pc = Pcap(); simple_download(pc, body_wire, mss=mss, **ck)
    save(name, pc, sha(B), cls, desc, sets=sets, forbid=forbid)

# ---------------- baseline ----------------
@case
def base():
    B = payload('base'); std('base_plain', 'baseline', 'plain CL download', resp(B), B)
    B = payload('base6'); std('base_ipv6', 'baseline', 'plain CL download over IPv6', resp(B), B, cip='fd00::1', sip='fd00::2')

# ---------------- TCP ----------------
def dl_start(pc, **ck):
    c = Conv(pc, **ck); c.handshake(); c.c(req()); c.ack_s(); return c

@case
def tcp_reverse():
    pc = Pcap(); B = payload('rev'); W = resp(B); c = dl_start(pc)
    base = c.sseq; segs = [(i, W[i:i+500]) for i in range(0, len(W), 500)]
    for off, d in reversed(segs): c.s(d, seq=base + off)
    c.sseq = base + len(W); c.ack_c(); c.close()
    save('tcp_reverse_order', pc, sha(B), 'tcp', 'all data segments in reverse order')

@case
def tcp_retrans_diff():
    pc = Pcap(); B = payload('rtx'); W = resp(B); c = dl_start(pc)
    base = c.sseq
    c.s(W[:1000]); c.s(W[1000:])
    D = bytearray(W); D[500:1500] = b'X' * 1000
    c.s(bytes(D[500:1500]), seq=base + 500)   # retransmission with other bytes after in-order delivery
    c.ack_c(); c.close()
    save('tcp_retrans_diff_after_inorder', pc, sha(B), 'tcp', 'retransmission with different bytes after in-order data (first wins everywhere)')

def ooo_overlap(name, sets, first_decoy, desc, decoy_first=True, same_start=False):
    """hole at [100,...): seg A = decoy held ooo, then seg B real covering."""
    pc = Pcap(); B = payload(name); W = resp(B); c = dl_start(pc); base = c.sseq
    D = bytearray(W); D[1000:1400] = b'Z' * 400; D = bytes(D)
    c.s(W[:1000])
    if same_start:
        c.s(D[1000:1400], seq=base + 1000)     # decoy held? no: in order -> would be taken. use hole below
    return pc, c, base, W, D, B

@case
def tcp_overlap_policies():
    # hole [800,1000); decoy segment [1000,1400) arrives first (out of order), then real [800,1600) covers it.
    # The later segment starts before the held one: bsd/linux/windows/... -> new wins (starts before);
    # vista: old always. For linux: new starts before -> new wins.
    for pol in ['bsd', 'linux', 'windows', 'solaris', 'first']:
        pc = Pcap(); B = payload('ovl' + pol); W = resp(B); c = dl_start(pc); base = c.sseq
        D = bytearray(W); D[1000:1400] = b'Z' * 400; D = bytes(D)
        c.s(W[:800]); c.s(D[1000:1400], seq=base + 1000); c.s(W[800:1600], seq=base + 800); c.s(W[1600:], seq=base + 1600)
        c.sseq = base + len(W); c.ack_c(); c.close()
        exp = sha(B) if pol != 'first' else sha(D[W.index(B):])
        save('tcp_ovl_startbefore_' + pol, pc, exp, 'tcp-overlap',
             'held decoy [1000,1400), later real [800,1600): policy %s' % pol, sets=['stream.policy=' + pol])

@case
def tcp_ovl_samestart_linux():
    # held decoy [1000,1400) then real [1000,1800) (same start, ends later): linux -> new wins; bsd -> old wins
    for pol, real_wins in [('linux', True), ('bsd', False)]:
        pc = Pcap(); B = payload('ss' + pol); W = resp(B); c = dl_start(pc); base = c.sseq
        D = bytearray(W); D[1000:1400] = b'Z' * 400; D = bytes(D)
        c.s(W[:800]); c.s(D[1000:1400], seq=base + 1000); c.s(W[1000:1800], seq=base + 1000)
        c.s(W[800:1000], seq=base + 800); c.s(W[1800:], seq=base + 1800)
        c.sseq = base + len(W); c.ack_c(); c.close()
        body = W[W.index(B):] if real_wins else D[W.index(B):]
        save('tcp_ovl_samestart_' + pol, pc, sha(body), 'tcp-overlap', 'held decoy then same-start longer real, policy ' + pol,
             sets=['stream.policy=' + pol])

@case
def tcp_paws():
    pc = Pcap(); B = payload('paws'); W = resp(B); c = dl_start(pc, ts=True); base = c.sseq
    D = bytearray(W); D[1000:2000] = b'P' * 1000
    c.s(W[:1000])
    c.s(bytes(D[1000:2000]), tsval=c.tss - 5, advance=False)     # old timestamp: PAWS drop
    c.s(W[1000:2000]); c.s(W[2000:]); c.ack_c(); c.close()
    save('tcp_paws_decoy', pc, sha(B), 'tcp-paws', 'in-order decoy with an older TSval, real after', sets=LINUXC)

@case
def tcp_paws_wrap():
    pc = Pcap(); B = payload('pawsw'); W = resp(B); c = Conv(pc, ts=True); c.tss = 0xFFFFFFF0
    c.handshake(); c.c(req()); c.ack_s(); base = c.sseq
    D = bytearray(W); D[1000:2000] = b'P' * 1000
    c.s(W[:1000], tsval=0xFFFFFFFA)
    c.s(bytes(D[1000:2000]), tsval=0xFFFFFFF5, advance=False)
    c.s(W[1000:2000], tsval=0x00000005); c.s(W[2000:], tsval=0x00000008); c.tss = 10; c.ack_c(); c.close()
    save('tcp_paws_tswrap', pc, sha(B), 'tcp-paws', 'TSval wraps 2^32 during the download; decoy with old TSval before wrap', sets=LINUXC)

@case
def tcp_paws_wrap_nodecoy():
    pc = Pcap(); B = payload('pawsw2'); W = resp(B); c = Conv(pc, ts=True); c.tss = 0xFFFFFFFD; c.tsc = 0xFFFFFFFD
    c.handshake(); c.c(req()); c.ack_s()
    c.send(False, W, mss=500); c.ack_c(); c.close()
    save('tcp_tswrap_clean', pc, sha(B), 'tcp-paws', 'both TSvals wrap 2^32 during a clean download', sets=LINUXC)

@case
def tcp_noack():
    pc = Pcap(); B = payload('noack'); W = resp(B); c = dl_start(pc)
    D = bytearray(W); D[1000:2000] = b'N' * 1000
    c.s(W[:1000]); c.s(bytes(D[1000:2000]), flags='P', advance=False); c.s(W[1000:]); c.ack_c(); c.close()
    save('tcp_decoy_noack', pc, sha(B), 'tcp', 'in-order decoy without ACK flag')

@case
def tcp_badsum():
    pc = Pcap(); B = payload('bads'); W = resp(B); c = dl_start(pc)
    D = bytearray(W); D[1000:2000] = b'C' * 1000
    c.s(W[:1000]); c.s(bytes(D[1000:2000]), badsum=True, advance=False); c.s(W[1000:]); c.ack_c(); c.close()
    save('tcp_decoy_badsum', pc, sha(B), 'tcp', 'in-order decoy with bad TCP checksum')

@case
def tcp_badipsum():
    pc = Pcap(); B = payload('badips'); W = resp(B); c = dl_start(pc)
    D = bytearray(W); D[1000:2000] = b'C' * 1000
    c.s(W[:1000]); c.s(bytes(D[1000:2000]), ipkw={'badsum': True}, advance=False); c.s(W[1000:]); c.ack_c(); c.close()
    save('tcp_decoy_bad_ipsum', pc, sha(B), 'ip', 'in-order decoy with bad IPv4 header checksum')

@case
def tcp_window():
    pc = Pcap(); B = payload('win', 2000); W = resp(B); c = Conv(pc, win=1000); c.handshake(); c.c(req()); c.ack_s(); base = c.sseq
    D = bytearray(W); D[1000:2000] = b'W' * 1000
    c.s(W[:1000]); c.s(bytes(D[1000:2000]), advance=False)       # starts at right edge (ack 0 + win 1000)
    c.ack_c(); c.s(W[1000:2000]); c.ack_c(); c.s(W[2000:]); c.ack_c(); c.close()
    save('tcp_decoy_out_of_window', pc, sha(B), 'tcp-window', 'decoy at the right window edge, real after ACK')

@case
def tcp_zero_window():
    pc = Pcap(); B = payload('zwin', 2500); W = resp(B); c = Conv(pc, win=2000); c.handshake(); c.c(req()); c.ack_s()
    D = bytearray(W); D[2000:2400] = b'0' * 400
    c.s(W[:1000]); c.s(W[1000:2000]); c.c(flags='A', win=0)
    c.s(bytes(D[2000:2400]), advance=False)        # zero window: Linux drops data at rcv_nxt
    c.c(flags='A', win=2000); c.s(W[2000:]); c.ack_c(); c.close()
    save('tcp_decoy_zero_window', pc, sha(B), 'tcp-window', 'receiver advertised window 0; decoy sent into it, real after window update')

@case
def tcp_wscale():
    pc = Pcap(); B = payload('wsc', 6000); W = resp(B); c = Conv(pc, wscale=7); c.win = 60
    c.handshake(); c.c(req()); c.ack_s(); c.send(False, W, mss=1400); c.ack_c(); c.close()
    save('tcp_wscale_small_field', pc, sha(B), 'tcp-window', 'wscale 7, window field 60 (7680 B): 6 KB in flight is in window')

@case
def tcp_seq_wrap():
    pc = Pcap(); B = payload('wrap', 5000); W = resp(B)
    c = Conv(pc, isn_s=0xFFFFF000, isn_c=0xFFFFFFF0); c.handshake(); c.c(req()); c.ack_s(); c.send(False, W, mss=700); c.ack_c(); c.close()
    save('tcp_seq_wrap', pc, sha(B), 'tcp', 'both sequence spaces wrap 2^32 mid-stream')

@case
def tcp_seq_wrap_ooo():
    pc = Pcap(); B = payload('wrapo', 5000); W = resp(B)
    c = Conv(pc, isn_s=0xFFFFF800); c.handshake(); c.c(req()); c.ack_s(); base = c.sseq
    segs = [(i, W[i:i+700]) for i in range(0, len(W), 700)]
    order = [1, 0, 3, 2, 5, 4, 7, 6]
    for k in order:
        if k < len(segs): c.s(segs[k][1], seq=(base + segs[k][0]) & 0xffffffff)
    c.sseq = (base + len(W)) & 0xffffffff; c.ack_c(); c.close()
    save('tcp_seq_wrap_reordered', pc, sha(B), 'tcp', 'sequence wraps 2^32 with pairwise swapped segments')

@case
def tcp_rst_inwindow():
    pc = Pcap(); B = payload('rst'); W = resp(B); c = dl_start(pc)
    c.s(W[:1000]); c.s(flags='RA', seq=c.sseq + 500, advance=False); c.s(W[1000:]); c.ack_c(); c.close()
    save('tcp_rst_in_window_not_exact', pc, sha(B), 'tcp', 'forged RST inside window, not at rcv_nxt')

@case
def tcp_urgent():
    pc = Pcap(); B = payload('urg', 2000); W = resp(B); c = dl_start(pc)
    # URG: one junk byte marked urgent (pointer = offset after it), BSD semantics -> taken out of the stream
    hdr = W[:len(W) - len(B)]; body = B
    W2 = hdr + body[:1000] + b'!' + body[1000:]
    W2 = W2.replace(b'Content-Length: 2000', b'Content-Length: 2000')
    c.s(W2[:len(hdr) + 900]); seg = W2[len(hdr) + 900: len(hdr) + 1300]
    c.s(seg, flags='PAU', urg=101); c.s(W2[len(hdr) + 1300:]); c.ack_c(); c.close()
    save('tcp_urgent_byte', pc, sha(B), 'tcp', 'one junk urgent byte mid-body (OOB, removed by host)')

@case
def tcp_synack_data_linux():
    pc = Pcap(); B = payload('sad'); W = resp(B); c = Conv(pc)
    c.c(flags='S', ack=0, opts=b'\x02\x04\x05\xb4')
    D = resp(b'Q' * len(B))
    c.s(D, flags='SA', opts=b'\x02\x04\x05\xb4', advance=False); c.sseq += 1
    c.c(flags='A'); c.c(req()); c.ack_s(); c.send(False, W); c.ack_c(); c.close()
    save('tcp_synack_data_linux', pc, sha(B), 'tcp', 'decoy response on SYN-ACK (no TFO), linux client drops it', sets=LINUXC,
         forbid=[sha(b'Q' * len(B))])

@case
def tcp_fin_ahead():
    pc = Pcap(); B = payload('fin'); W = resp(B, extra=b'Connection: close\r\n', cl=False); c = dl_start(pc); base = c.sseq
    c.s(W[:1000]); c.s(W[1500:1600], seq=base + 1500, flags='FPA')   # FIN on a short decoy ahead of a hole
    c.s(W[1000:], seq=base + 1000); c.sseq = base + len(W); c.s(flags='FA'); c.c(flags='FA'); c.s(flags='A')
    save('tcp_fin_ahead_of_hole', pc, sha(B), 'tcp', 'FIN carried by an early segment that later data runs past; body read to close')

@case
def tcp_tiny_segments():
    pc = Pcap(); B = payload('tiny', 600); W = resp(B); c = dl_start(pc); c.send(False, W, mss=1); c.ack_c(); c.close()
    save('tcp_1byte_segments', pc, sha(B), 'tcp', 'every byte its own segment')

@case
def tcp_ack_unsent():
    pc = Pcap(); B = payload('acku'); W = resp(B); c = dl_start(pc)
    D = bytearray(W); D[1000:2000] = b'K' * 1000
    c.s(W[:1000]); c.s(bytes(D[1000:2000]), ack=c.cseq + 1000000, advance=False); c.s(W[1000:]); c.ack_c(); c.close()
    save('tcp_decoy_ack_unsent', pc, sha(B), 'tcp', 'in-order decoy acking bytes never sent')

@case
def tcp_syn_mid():
    pc = Pcap(); B = payload('synm'); W = resp(B); c = dl_start(pc)
    D = bytearray(W); D[1000:2000] = b'S' * 1000
    c.s(W[:1000]); c.s(bytes(D[1000:2000]), flags='SA', seq=c.sseq - 1, advance=False); c.s(W[1000:]); c.ack_c(); c.close()
    save('tcp_decoy_syn_established', pc, sha(B), 'tcp', 'SYN with data (seq-1) in an established stream')

@case
def tcp_eth_padding():
    pc = Pcap(); B = payload('pad', 200); W = resp(B); c = Conv(pc)
    c.wrap = lambda p: l3frame(p) + b'\xAA' * max(0, 60 - 14 - len(p)) + b'JUNKJUNK'
    c.handshake(); c.c(req()); c.ack_s(); c.send(False, W, mss=7); c.ack_c(); c.close()
    save('tcp_eth_trailer_junk', pc, sha(B), 'ip', 'every frame has bytes after the IP total length (padding + junk)')

@case
def tcp_keepalive_probe():
    pc = Pcap(); B = payload('kap'); W = resp(B); c = dl_start(pc)
    c.s(W[:1000]); c.s(b'X', seq=c.sseq - 1, flags='A', advance=False); c.s(W[1000:]); c.ack_c(); c.close()
    save('tcp_keepalive_garbage', pc, sha(B), 'tcp', 'keep-alive style probe (seq-1, 1 garbage byte) mid-stream')

@case
def tcp_ooo_beyond_then_fill():
    # many small ooo segments far ahead, then fill from start (checks ooo limits not hit on small stuff)
    pc = Pcap(); B = payload('oof', 20000); W = resp(B); c = dl_start(pc); base = c.sseq
    segs = [(i, W[i:i+100]) for i in range(0, len(W), 100)]
    for off, d in segs[1:]: c.s(d, seq=base + off)
    c.s(segs[0][1], seq=base); c.sseq = base + len(W); c.ack_c(); c.close()
    save('tcp_200_ooo_then_first', pc, sha(B), 'tcp', '200 segments out of order before the first one')

@case
def tcp_server_ts_only():
    # only server sends TS (client SYN had none): PAWS must not apply; decoy? just a clean download with odd ts
    pc = Pcap(); B = payload('tso'); W = resp(B); c = Conv(pc)
    c.c(flags='S', ack=0, opts=b'\x02\x04\x05\xb4'); c.s(flags='SA', opts=b'\x02\x04\x05\xb4'); c.c(flags='A'); c.c(req()); c.ack_s()
    tv = [50, 40, 30]
    for i, k in enumerate(range(0, len(W), 1100)): c.s(W[k:k+1100], opts=b'\x01\x01' + ts_opt(tv[i % 3], 0))
    c.ack_c(); c.close()
    save('tcp_ts_not_negotiated', pc, sha(B), 'tcp-paws', 'timestamps not negotiated; server sends decreasing TSvals anyway', sets=LINUXC)

@case
def tcp_mss_overlong_seg():
    # one segment partly beyond the window (starts inside): Linux takes it whole
    pc = Pcap(); B = payload('part', 2500); W = resp(B); c = Conv(pc, win=1500); c.handshake(); c.c(req()); c.ack_s()
    c.s(W); c.ack_c(); c.close()
    save('tcp_seg_past_window_edge', pc, sha(B), 'tcp-window', 'one segment starting in window, ending past it (taken whole)', sets=LINUXC)

@case
def tcp_request_split_ooo_upload():
    pc = Pcap(); B = payload('put'); R = req(method=b'PUT', extra=b'Content-Type: application/octet-stream\r\nContent-Length: %d\r\n' % len(B), body=B)
    c = Conv(pc); c.handshake(); base = c.cseq
    segs = [(i, R[i:i+400]) for i in range(0, len(R), 400)]
    for off, d in [segs[2], segs[0], segs[1]] + segs[3:][::-1]: c.c(d, seq=base + off)
    c.cseq = base + len(R); c.ack_s(); c.s(b'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'); c.ack_c(); c.close()
    save('tcp_upload_reordered', pc, sha(B), 'upload', 'PUT upload with reordered segments')

# ---------------- IP fragmentation ----------------
def frag_case(name, desc, make_frags, sets=None, v6=False, cls='ipfrag', n=1500, forbid=None, expect_fn=None):
    pc = Pcap(); B = payload(name, n); W = resp(B)
    kw = dict(cip='fd00::1', sip='fd00::2') if v6 else {}
    c = dl_start(pc, **kw)
    p = c.s(W, raw=True); c.sseq += len(W)
    frags = make_frags(p)
    for f in frags: pc.add(l3frame(f) if isinstance(f, bytes) else f)
    c.ack_c(); c.close()
    hdrlen = len(W) - len(B)
    save(name, pc, sha(B) if expect_fn is None else expect_fn(B), cls, desc, sets=sets, forbid=forbid)
    return B

def v4split(p):
    return p[:20], p[20:]

def swap_words(b):  # checksum-neutral change of 8 bytes
    return b[2:4] + b[0:2] + b[6:8] + b[4:6]

@case
def f_reverse():
    frag_case('frag4_reverse', 'IPv4 fragments of 256 B in reverse order', lambda p: frag4(p, fragsize=256)[::-1])
    frag_case('frag4_tiny8', 'IPv4 8-byte fragments (TCP header over 3 fragments)', lambda p: frag4(p, fragsize=8))
    frag_case('frag4_dups', 'IPv4 fragments each sent twice, shuffled', lambda p: (lambda f: [f[i] for i in [2, 0, 2, 1, 0, 3, 1, 3, 4, 4] if i < len(f)] + f[5:])(frag4(p, fragsize=400)))
    frag_case('frag6_reverse', 'IPv6 fragments of 256 B in reverse order', lambda p: frag6(p, 256)[::-1], v6=True)
    frag_case('frag6_tiny8', 'IPv6 8-byte fragments', lambda p: frag6(p, 8), v6=True)

def ovl_bsd_left(p):
    hdr, pl = v4split(p); src, dst = socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20]); ident = struct.unpack('!H', p[4:6])[0]
    D = bytearray(pl); D[600:608] = swap_words(pl[600:608]); D = bytes(D)
    late = rawfrag4(src, dst, 6, ident, 600, D[600:], False)        # arrives first, decoy first 8 bytes
    early = rawfrag4(src, dst, 6, ident, 0, pl[:608], True)          # starts before, ends 8 into it: BSD -> new wins
    return [late, early]

@case
def f_overlaps():
    frag_case('frag4_bsd_newstartsbefore', 'IPv4: held frag [600,end) decoy head, later frag [0,608) real; BSD keeps the later (starts before)', ovl_bsd_left)
    frag_case('frag4_macos_newstartsbefore', 'same as frag4_bsd_newstartsbefore, receiver policy macos', ovl_bsd_left, sets=['stream.policy.macos=10.0.0.1'])
    def first_case(p):
        hdr, pl = v4split(p); src, dst = socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20]); ident = struct.unpack('!H', p[4:6])[0]
        D = bytearray(pl); D[600:608] = swap_words(pl[600:608]); D = bytes(D)
        return [rawfrag4(src, dst, 6, ident, 0, pl[:608], True), rawfrag4(src, dst, 6, ident, 600, D[600:], False)]
    frag_case('frag4_bsd_oldstartsbefore', 'IPv4: real [0,608) first, later decoy [600,end): old wins (BSD)', first_case)
    def contained(p, same=False, at=0, whole=False):
        hdr, pl = v4split(p); src, dst = socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20]); ident = struct.unpack('!H', p[4:6])[0]
        D = bytearray(pl)
        if not same: D[at:at + 8] = swap_words(pl[at:at + 8])
        D = bytes(D)
        ln = 400 if whole else 8
        return [rawfrag4(src, dst, 6, ident, 0, pl[:400], True), rawfrag4(src, dst, 6, ident, at, D[at:at + ln], True),
                rawfrag4(src, dst, 6, ident, 400, pl[400:], False)]
    frag_case('frag4_linux_contained_diff', 'IPv4 to linux: [0,400) then differing [200,208) inside it (Linux IPFRAG_DUP: ignored), then rest',
              lambda p: contained(p, at=200), sets=LINUXC)
    frag_case('frag4_linux_contained_same', 'IPv4 to linux: [0,400) then identical [200,208) inside it, then rest',
              lambda p: contained(p, same=True, at=200), sets=LINUXC)
    frag_case('frag4_linux_samestart_diff', 'IPv4 to linux: [0,400) then differing copy of [0,400) (Linux DUP), then rest',
              lambda p: contained(p, at=0, whole=True), sets=LINUXC)
    def contained6(p, same=False, at=200, whole=False, off0=None):
        pl = p[40:]; src = socket.inet_ntop(socket.AF_INET6, p[8:24]); dst = socket.inet_ntop(socket.AF_INET6, p[24:40])
        D = bytearray(pl)
        if not same: D[at:at + 8] = swap_words(pl[at:at + 8])
        D = bytes(D); ln = 400 if whole else 8
        return [frag6_raw(src, dst, 6, 77, 0, pl[:400], True), frag6_raw(src, dst, 6, 77, at, D[at:at + ln], True),
                frag6_raw(src, dst, 6, 77, 400, pl[400:], False)]
    frag_case('frag6_exactdup_diff_bsd', 'IPv6 to default(bsd) host: exact duplicate (same offset+len) with other bytes (FreeBSD frag6 and Linux keep first)',
              lambda p: contained6(p, at=0, whole=True), v6=True)
    frag_case('frag6_linux_contained_diff', 'IPv6 to linux: differing [200,208) inside [0,400) (Linux DUP)', lambda p: contained6(p), v6=True, sets=LINUXC)
    frag_case('frag6_linux_contained_same', 'IPv6 to linux: identical [200,208) inside [0,400)', lambda p: contained6(p, same=True), v6=True, sets=LINUXC)
    frag_case('frag6_exactdup_same', 'IPv6: exact identical duplicate fragment', lambda p: contained6(p, same=True, at=0, whole=True), v6=True)

@case
def f_misc():
    def tinyfirst(p):
        hdr, pl = v4split(p); src, dst = socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20]); ident = 99
        return [rawfrag4(src, dst, 6, ident, 0, pl[:8], True), rawfrag4(src, dst, 6, ident, 8, pl[8:], False)]
    frag_case('frag4_tiny_first', 'IPv4 first fragment 8 bytes (ports+seq only)', tinyfirst)
    def evilbit(p):
        fs = frag4(p, fragsize=512)
        out = []
        for f in fs:
            f = bytearray(f); f[6] |= 0x80; f[10:12] = b'\0\0'; f[10:12] = struct.pack('!H', csum(bytes(f[:20]))); out.append(bytes(f))
        return out
    frag_case('frag4_reserved_flag', 'IPv4 fragments with the reserved (evil) bit set (Linux ignores it)', evilbit)
    def v6ext(p):
        pl = p[40:]; src = socket.inet_ntop(socket.AF_INET6, p[8:24]); dst = socket.inet_ntop(socket.AF_INET6, p[24:40])
        out = []
        for off in range(0, len(pl), 512):
            fh = struct.pack('!BBHI', 60, 0, off | (1 if off + 512 < len(pl) else 0), 55)
            dopt = struct.pack('!BB', 6, 0) + b'\x01\x04\0\0\0\0'   # dest opts (PadN) after frag hdr, next TCP
            hbh = struct.pack('!BB', 44, 0) + b'\x01\x04\0\0\0\0'
            out.append(ip6(src, dst, 0, hbh + fh + pl[off:off+512]) if off else ip6(src, dst, 0, hbh + fh + dopt + pl[off:off+512]))
        return out
    # note: dest opts inside the fragmentable part only in the first fragment -> not the same datagram layout; keep simple:
    def v6ext2(p):
        pl = p[40:]; src = socket.inet_ntop(socket.AF_INET6, p[8:24]); dst = socket.inet_ntop(socket.AF_INET6, p[24:40])
        dopt = struct.pack('!BB', 6, 0) + b'\x01\x04\0\0\0\0'
        full = dopt + pl; out = []
        for off in range(0, len(full), 512):
            fh = struct.pack('!BBHI', 60, 0, off | (1 if off + 512 < len(full) else 0), 56)
            hbh = struct.pack('!BB', 44, 0) + b'\x01\x04\0\0\0\0'
            out.append(ip6(src, dst, 0, hbh + fh + full[off:off+512]))
        return out[::-1]
    frag_case('frag6_ext_headers', 'IPv6 HBH + Frag + DestOpts(in fragmentable part), reversed order', v6ext2, v6=True)
    def atomic(p):
        pl = p[40:]; src = socket.inet_ntop(socket.AF_INET6, p[8:24]); dst = socket.inet_ntop(socket.AF_INET6, p[24:40])
        return [frag6_raw(src, dst, 6, 5, 0, pl, False)]
    frag_case('frag6_atomic', 'IPv6 atomic fragment (offset 0, M=0)', atomic, v6=True)
    def rh0(p):
        pl = p[40:]; src = socket.inet_ntop(socket.AF_INET6, p[8:24]); dst = socket.inet_ntop(socket.AF_INET6, p[24:40])
        rh = struct.pack('!BBBB', 6, 2, 0, 0) + b'\0' * 4 + a6('fd00::99')
        return [ip6(src, dst, 43, rh + pl)]
    frag_case('ipv6_rh0_segleft0', 'IPv6 data segment with a type 0 routing header, segments left 0 (ignored by hosts, RFC 8200 4.4)', rh0, v6=True, cls='ipv6')
    def rh4(p):
        pl = p[40:]; src = socket.inet_ntop(socket.AF_INET6, p[8:24]); dst = socket.inet_ntop(socket.AF_INET6, p[24:40])
        rh = struct.pack('!BBBB', 6, 2, 4, 0) + b'\0' * 4 + a6('fd00::1')   # SRH type 4, segments left 0
        return [ip6(src, dst, 43, rh + pl)]
    frag_case('ipv6_srh_segleft0', 'IPv6 data segment with an SRv6 header (type 4), segments left 0', rh4, v6=True, cls='ipv6')
    def ipopts(p):
        hdr, pl = v4split(p)
        opts = b'\x01\x01' + b'\x88\x04\x00\x01'  + b'\x07\x07\x04' + b'\0' * 4 + b'\x01\x00'  # NOP NOP, stream-id, RR (ptr 4), NOP, EOL
        opts += b'\0' * ((4 - len(opts) % 4) % 4)
        return [ip4(socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20]), 6, pl, ident=3, opts=opts)]
    frag_case('ipv4_options_benign', 'IPv4 data segment with NOP, Stream-ID, record-route options', ipopts, cls='ip')
    def frag_with_opts(p):
        hdr, pl = v4split(p); src, dst = socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20])
        o = b'\x01\x01\x01\x00'
        return [ip4(src, dst, 6, pl[512:], ident=9, off=64, opts=b''), ip4(src, dst, 6, pl[:512], ident=9, mf=True, opts=o)]
    frag_case('frag4_first_has_options', 'IPv4: first fragment (arriving last) carries options, later one not', frag_with_opts)
    def out_of_order_middle_dup_overlap_windows(p):
        hdr, pl = v4split(p); src, dst = socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20])
        D = bytearray(pl); D[600:608] = swap_words(pl[600:608]); D = bytes(D)
        return [rawfrag4(src, dst, 6, 11, 0, pl[:608], True), rawfrag4(src, dst, 6, 11, 600, D[600:], False)]
    frag_case('frag4_windows_first_wins', 'IPv4 to windows policy: real [0,608) then decoy [600,end)', out_of_order_middle_dup_overlap_windows,
              sets=['stream.policy.windows=10.0.0.1'])

# ---------------- HTTP framing ----------------
def H(name, desc, wire, B, cls='http', sets=None, mss=1400, close=True, forbid=None, exp=None):
    pc = Pcap(); c = Conv(pc); c.handshake(); c.c(req()); c.ack_s(); c.send(False, wire, mss=mss); c.ack_c()
    if close: c.close()
    save(name, pc, exp if exp else sha(B), cls, desc, sets=sets, forbid=forbid)

def hdr(lines, ver=b'HTTP/1.1 200 OK'):
    return ver + b'\r\n' + b''.join(l + b'\r\n' for l in lines) + b'\r\n'


def ranged_206(pc, B, pieces, cport, unit=b'bytes', asked=None):
    """One connection per piece (a, b) of B from port cport on: a GET with Range (bytes=a-b, or asked[i]) answered
    206 with Content-Range UNIT a-b/len(B) and the piece."""
    for i, (a, b_) in enumerate(pieces):
        c = Conv(pc, cport=cport + i); c.handshake()
        c.c(req(extra=b'Range: bytes=' + (asked[i] if asked else b'%d-%d' % (a, b_)) + b'\r\n')); c.ack_s()
        c.send(False, hdr([b'Content-Range: ' + unit + b' %d-%d/%d' % (a, b_, len(B)), b'Content-Length: %d' % (b_ - a + 1)],
                          ver=b'HTTP/1.1 206 Partial Content') + B[a:b_+1]); c.ack_c(); c.close()

def gz(b, **kw): return gzip.compress(b, mtime=0, **kw)

@case
def http_cases():
    B = payload('h1', 2500)
    H('http_chunk_ext_quoted', 'chunk extensions with quoted strings containing ; and =', hdr([b'Transfer-Encoding: chunked']) + chunked(B, (700,), ext=b';a="x;y=z";b=c'), B)
    H('http_chunk_leading_zeros_upper', 'chunk sizes 0000ABC upper case with leading zeros',
      hdr([b'Transfer-Encoding: chunked']) + b''.join(b'%08X\r\n' % len(B[i:i+999]) + B[i:i+999] + b'\r\n' for i in range(0, len(B), 999)) + b'0\r\n\r\n', B)
    H('http_te_and_cl', 'TE chunked plus a wrong Content-Length', hdr([b'Content-Length: 10', b'Transfer-Encoding: chunked']) + chunked(B), B)
    H('http_te_obsfold', 'Transfer-Encoding value on an obs-fold continuation line', hdr([b'Transfer-Encoding:', b' chunked']) + chunked(B), B)
    H('http_cl_obsfold', 'Content-Length value on an obs-fold line', hdr([b'Content-Length:', b'\t%d' % len(B)]) + B, B)
    H('http_cl_dup_same', 'two Content-Length headers with the same value and a list "n, n"', hdr([b'Content-Length: %d' % len(B), b'Content-Length: %d, %d' % (len(B), len(B))]) + B, B)
    H('http_cl_leading_zeros', 'Content-Length 0000n', hdr([b'Content-Length: 0000%d' % len(B)]) + B, B)
    H('http_te_chunked_uppercase', 'Transfer-Encoding: CHUNKED', hdr([b'Transfer-Encoding: CHUNKED']) + chunked(B), B)
    H('http_te_identity_chunked', 'Transfer-Encoding: identity, chunked', hdr([b'Transfer-Encoding: identity, chunked']) + chunked(B), B)
    H('http_lf_only', 'response head with bare LF line ends', b'HTTP/1.1 200 OK\nContent-Length: %d\n\n' % len(B) + B, B)
    H('http_no_reason', 'status line without reason phrase', b'HTTP/1.1 200\r\nContent-Length: %d\r\n\r\n' % len(B) + B, B)
    H('http_trailers', 'chunked body with trailer fields', hdr([b'Transfer-Encoding: chunked', b'Trailer: X-A']) + chunked(B)[:-2] + b'X-A: 1\r\nX-B: 2\r\n\r\n', B)
    H('http_chunk_lf_only', 'chunk lines with bare LF', hdr([b'Transfer-Encoding: chunked']) + b''.join(b'%x\n' % len(B[i:i+800]) + B[i:i+800] + b'\n' for i in range(0, len(B), 800)) + b'0\n\n', B)
    H('http_10_close', 'HTTP/1.0 response without length, body until FIN', hdr([b'Content-Type: application/octet-stream'], ver=b'HTTP/1.0 200 OK') + B, B)
    H('http_11_close_nolen', 'HTTP/1.1 Connection: close, no length', hdr([b'Connection: close']) + B, B)
    H('http_1byte_head', 'whole response one byte per segment', resp(B[:400]), B[:400], mss=1)
    H('http_09', 'HTTP/0.9-style answer without status line (port 80)', B, B)
    H('http_100_then_200', '100 Continue then 200 in the same segment', b'HTTP/1.1 100 Continue\r\n\r\n' + resp(B), B)
    H('http_103_then_200', '103 Early Hints with headers then 200', b'HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n' + resp(B), B)
    H('http_cl_space_before_colon', 'Content-Length : n (Chrome strips the space)', hdr([b'Content-Length : %d' % len(B)]) + B + b'JUNKJUNKJUNK', B)
    H('http_header_nul_other', 'a NUL byte in an unrelated header value', hdr([b'X-A: a\0b', b'Content-Length: %d' % len(B)]) + B, B)
    H('http_status_leading_ws', 'junk/whitespace before the status line (<=4 bytes)', b'\r\n' + resp(B), B)
    # content codings
    H('http_gzip_basic', 'Content-Encoding: gzip', hdr([b'Content-Encoding: gzip', b'Content-Length: %d' % len(gz(B))]) + gz(B), B)
    g = bytearray(gz(B)); g[-8:-4] = b'\0\0\0\0'
    H('http_gzip_bad_crc', 'gzip with wrong CRC32 (Chrome ignores the footer)', hdr([b'Content-Encoding: gzip', b'Content-Length: %d' % len(g)]) + bytes(g), B)
    g = gz(B)[:-8]
    H('http_gzip_no_trailer', 'gzip without the 8-byte footer', hdr([b'Content-Encoding: gzip', b'Content-Length: %d' % len(g)]) + g, B)
    co = zlib.compressobj(9, zlib.DEFLATED, -15); raw = co.compress(B) + co.flush()
    gh = b'\x1f\x8b\x08\x1e' + b'\0' * 4 + b'\x00\x03' + struct.pack('<H', 6) + b'AB\x02\x00xy' + b'name.bin\0' + b'comment\0'
    import binascii
    gh += struct.pack('<H', binascii.crc32(gh) & 0xffff)
    gfull = gh + raw + struct.pack('<II', binascii.crc32(B) & 0xffffffff, len(B))
    H('http_gzip_all_flags', 'gzip with FEXTRA, FNAME, FCOMMENT, FHCRC', hdr([b'Content-Encoding: gzip', b'Content-Length: %d' % len(gfull)]) + gfull, B)
    H('http_deflate_raw', 'Content-Encoding: deflate as raw deflate', hdr([b'Content-Encoding: deflate', b'Content-Length: %d' % len(raw)]) + raw, B)
    z = zlib.compress(B)
    H('http_deflate_zlib', 'Content-Encoding: deflate as zlib', hdr([b'Content-Encoding: deflate', b'Content-Length: %d' % len(z)]) + z, B)
    st = gz(zlib.compress(B))
    H('http_stacked_deflate_gzip', 'Content-Encoding: deflate, gzip (stacked)', hdr([b'Content-Encoding: deflate, gzip', b'Content-Length: %d' % len(st)]) + st, B)
    H('http_stacked_two_headers', 'Content-Encoding: deflate / Content-Encoding: gzip as two header lines', hdr([b'Content-Encoding: deflate', b'Content-Encoding: gzip', b'Content-Length: %d' % len(st)]) + st, B)
    H('http_gzip_chunked_tiny', 'gzip body in 7-byte chunks, 13-byte segments', hdr([b'Content-Encoding: x-gzip', b'Transfer-Encoding: chunked']) + chunked(gz(B), (7,)), B, mss=13)
    m2 = gz(B) + gz(b'second member junk' * 10)
    H('http_gzip_two_members', 'gzip with a second member: Chrome/curl keep only the first member', hdr([b'Content-Encoding: gzip', b'Content-Length: %d' % len(m2)]) + m2, B)
    gt = gz(B) + b'\0\0\0\0trailing garbage'
    H('http_gzip_trailing_garbage', 'gzip followed by garbage bytes', hdr([b'Content-Encoding: gzip', b'Content-Length: %d' % len(gt)]) + gt, B)
    zs = subprocess.run(['zstd', '-q', '-c', '--no-check'], input=B, capture_output=True).stdout
    H('http_zstd', 'Content-Encoding: zstd', hdr([b'Content-Encoding: zstd', b'Content-Length: %d' % len(zs)]) + zs, B)
    H('http_ce_uppercase_spaces', 'Content-Encoding: " GZIP " with odd case/space', hdr([b'Content-Encoding:  GZIP ', b'Content-Length: %d' % len(gz(B))]) + gz(B), B)
    tg = gz(B)
    H('http_te_gzip_chunked', 'Transfer-Encoding: gzip, chunked (browsers do not undo TE gzip: file = gzip bytes)', hdr([b'Transfer-Encoding: gzip, chunked']) + chunked(tg), tg)

@case
def http_pipeline_cases():
    B1 = payload('p1', 1500); B2 = payload('p2', 1700)
    # HEAD then GET pipelined; HEAD answer has CL but no body
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.c(req(method=b'HEAD') + req(path=b'/g.bin')); c.ack_s()
    c.send(False, hdr([b'Content-Length: 99999']) + resp(B1)); c.ack_c(); c.close()
    save('http_head_then_get', pc, sha(B1), 'http-pipeline', 'pipelined HEAD (CL 99999, no body) and GET')
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.c(req() + req(path=b'/g.bin')); c.ack_s()
    c.send(False, resp(B1) + resp(B2)); c.ack_c(); c.close()
    save('http_pipelined_two', pc, [sha(B1), sha(B2)], 'http-pipeline', 'two pipelined GETs, both answers in one segment')
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.c(req(extra=b'If-None-Match: "x"\r\n') + req(path=b'/g.bin')); c.ack_s()
    c.send(False, hdr([b'Content-Length: 5000', b'ETag: "x"'], ver=b'HTTP/1.1 304 Not Modified') + resp(B2)); c.ack_c(); c.close()
    save('http_304_with_cl_then_200', pc, sha(B2), 'http-pipeline', '304 with CL (no body) then 200 pipelined')
    pc = Pcap(); c = Conv(pc); c.handshake()
    c.c(req() + req(path=b'/g.bin')); c.ack_s()
    c.send(False, hdr([b'Content-Length: 0'], ver=b'HTTP/1.1 204 No Content') + resp(B2)); c.ack_c(); c.close()
    save('http_204_then_200', pc, sha(B2), 'http-pipeline', '204 then 200 pipelined')
    # Range: two 206 pieces on two connections
    B = payload('range', 4000)
    pc = Pcap()
    ranged_206(pc, B, [(0, 1999), (2000, 3999)], 41000)
    save('http_range_two_206', pc, sha(B), 'range', 'file fetched as two 206 ranges on two connections')
    pc = Pcap()
    ranged_206(pc, B, [(2000, 3999), (0, 2499)], 42000)
    save('http_range_overlap_206', pc, sha(B), 'range', 'two 206 ranges, tail first, overlapping')
    # 200 with Content-Range? skip. 206 for a whole file in one piece
    pc = Pcap(); c = Conv(pc); c.handshake(); c.c(req(extra=b'Range: bytes=0-\r\n')); c.ack_s()
    c.send(False, hdr([b'Content-Range: bytes 0-3999/4000', b'Content-Length: 4000'], ver=b'HTTP/1.1 206 Partial Content') + B); c.ack_c(); c.close()
    save('http_range_single_full_206', pc, sha(B), 'range', 'single 206 covering the whole file')
    pc = Pcap(); c = Conv(pc); c.handshake(); c.c(req(extra=b'Range: bytes=0-\r\n')); c.ack_s()
    c.send(False, hdr([b'Content-Range: bytes 0-3999/*', b'Transfer-Encoding: chunked'], ver=b'HTTP/1.1 206 Partial Content') + chunked(B)); c.ack_c(); c.close()
    save('http_range_206_chunked_unknown_total', pc, sha(B), 'range', '206 whole file, chunked, total "*"')

# ---------------- uploads ----------------
def upload(name, desc, body, extra, expect, cls='upload', chunk=False, cont100=False, method=b'POST'):
    pc = Pcap(); c = Conv(pc); c.handshake()
    if chunk:
        head = req(method=method, path=b'/up', extra=extra + b'Transfer-Encoding: chunked\r\n'); data = chunked(body, (333,))
    else:
        head = req(method=method, path=b'/up', extra=extra + b'Content-Length: %d\r\n' % len(body)); data = body
    if cont100:
        head = head[:-2] + b'Expect: 100-continue\r\n\r\n'
        c.c(head); c.s(b'HTTP/1.1 100 Continue\r\n\r\n'); c.send(True, data, mss=1000)
    else:
        c.send(True, head + data, mss=1000)
    c.ack_s(); c.s(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'); c.ack_c(); c.close_client_first()
    save(name, pc, expect, cls, desc)

def mp(parts, bnd=b'XyZ', nl=b'\r\n', pre=b'', epi=b'', pad=b''):
    out = pre
    for hdrs, data in parts:
        out += b'--' + bnd + pad + nl + b''.join(h + nl for h in hdrs) + nl + data + nl
    return out + b'--' + bnd + b'--' + pad + nl + epi

@case
def upload_cases():
    F = payload('up1', 2200); F2 = payload('up2', 900)
    fh = [b'Content-Disposition: form-data; name="f"; filename="a.bin"', b'Content-Type: application/octet-stream']
    upload('up_multipart_basic', 'multipart/form-data upload', mp([(fh, F)]), b'Content-Type: multipart/form-data; boundary=XyZ\r\n', sha(F))
    upload('up_multipart_quoted_preamble', 'quoted boundary, preamble, epilogue, transport padding, two files',
           mp([(fh, F), ([b'Content-Disposition: form-data; name="g"; filename="b.bin"'], F2)], pre=b'preamble text\r\n', epi=b'epilogue\r\n', pad=b' \t'),
           b'Content-Type: multipart/form-data; boundary="XyZ"; charset=utf-8\r\n', [sha(F), sha(F2)])
    upload('up_multipart_chunked', 'multipart upload with chunked request body', mp([(fh, F)]), b'Content-Type: multipart/form-data; boundary=XyZ\r\n', sha(F), chunk=True)
    upload('up_multipart_100continue', 'Expect: 100-continue, body after the 100', mp([(fh, F)]), b'Content-Type: multipart/form-data; boundary=XyZ\r\n', sha(F), cont100=True)
    upload('up_put_raw', 'raw PUT body', F, b'Content-Type: application/octet-stream\r\n', sha(F), method=b'PUT')
    upload('up_put_chunked_ext', 'chunked PUT with chunk extensions', F, b'Content-Type: application/octet-stream\r\n', sha(F), chunk=True, method=b'PUT')
    upload('up_multipart_lf_only', 'multipart with bare-LF line ends (Go, PHP accept)', mp([(fh, F)], nl=b'\n'), b'Content-Type: multipart/form-data; boundary=XyZ\r\n', sha(F))
    upload('up_multipart_BOUNDARY_case', 'parameter name in upper case: BOUNDARY=XyZ (RFC 2045 names are case-insensitive)', mp([(fh, F)]), b'Content-Type: multipart/form-data; BOUNDARY=XyZ\r\n', sha(F))
    upload('up_multipart_ct_case', 'media type in odd case: Multipart/Form-Data', mp([(fh, F)]), b'Content-Type: Multipart/Form-Data; boundary=XyZ\r\n', sha(F))
    upload('up_multipart_boundary_in_data', 'file data contains "--XyZ" not at a line start', mp([(fh, F[:1000] + b'--XyZ' + F[1000:])]), b'Content-Type: multipart/form-data; boundary=XyZ\r\n', sha(F[:1000] + b'--XyZ' + F[1000:]))
    upload('up_multipart_long_boundary', '70-char boundary with spaces/specials (quoted)', mp([(fh, F)], bnd=b"'()+_,-./:=? " * 5 + b'abcde'),
           b'Content-Type: multipart/form-data; boundary="' + b"'()+_,-./:=? " * 5 + b'abcde"\r\n', sha(F))
    g = gz(mp([(fh, F)]))
    upload('up_multipart_gzip_request', 'request body Content-Encoding: gzip (multipart inside)', g, b'Content-Encoding: gzip\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n', sha(F))

# ---------------- tunnels ----------------
O1, O2 = '192.0.2.1', '192.0.2.2'
def tun_case(name, desc, wrap, v6=False, sets=None, cls='tunnel', n=2500, mss=1400):
    pc = Pcap(); B = payload(name, n)
    kw = dict(cip='fd00::1', sip='fd00::2') if v6 else {}
    c = Conv(pc, **kw); c.wrap = wrap
    c.handshake(); c.c(req()); c.ack_s(); c.send(False, resp(B), mss=mss); c.ack_c(); c.close()
    save(name, pc, sha(B), cls, desc, sets=sets)

def et(p): return 0x86DD if (p[0] >> 4) == 6 else 0x0800
def inner_eth(p): return eth(p, et(p))
def outer4(proto, payload, **kw): return eth(ip4(O1, O2, proto, payload, **kw))
def outer_udp(dport, payload, sport=50000, v6=False):
    if v6: return eth(ip6('2001:db8::1', '2001:db8::2', 17, udp('2001:db8::1', '2001:db8::2', sport, dport, payload)), 0x86DD)
    return outer4(17, udp(O1, O2, sport, dport, payload))
def gre_hdr(proto, c=False, k=None, s=None, payload=b''):
    flags = (0x8000 if c else 0) | (0x2000 if k is not None else 0) | (0x1000 if s is not None else 0)
    h = struct.pack('!HH', flags, proto)
    opt = b''
    if c: opt += b'\0\0\0\0'
    if k is not None: opt += struct.pack('!I', k)
    if s is not None: opt += struct.pack('!I', s)
    pkt = h + opt + payload
    if c:
        cs = csum(pkt); pkt = pkt[:4] + struct.pack('!H', cs) + pkt[6:]
    return pkt

@case
def tunnel_cases():
    tun_case('tun_qinq', '802.1ad + 802.1Q double tag', lambda p: eth(struct.pack('!HH', 100, 0x8100) + struct.pack('!HH', 200, et(p)) + p, 0x88A8))
    tun_case('tun_mpls2', 'two MPLS labels', lambda p: eth(struct.pack('!II', (1000 << 12) | 64, (2000 << 12) | 0x100 | 64) + p, 0x8847))
    tun_case('tun_mpls_entropy', 'MPLS with entropy label indicator (7) + entropy label', lambda p: eth(struct.pack('!III', (1000 << 12) | 64, (7 << 12) | 64, (0xABCDE << 12) | 0x100 | 64) + p, 0x8847))
    tun_case('tun_pppoe', 'PPPoE session', lambda p: eth(struct.pack('!BBHHH', 0x11, 0, 0x1234, len(p) + 2, 0x0021) + p, 0x8864))
    tun_case('tun_gre_ck_key_seq', 'GRE with checksum, key and sequence', lambda p: outer4(47, gre_hdr(et(p), c=True, k=7, s=1, payload=p)))
    tun_case('tun_gre_eth', 'GRE carrying Ethernet (0x6558, gretap)', lambda p: outer4(47, gre_hdr(0x6558, k=5, payload=inner_eth(p))))
    tun_case('tun_ipip', 'IPv4-in-IPv4', lambda p: outer4(4, p))
    tun_case('tun_6in4', 'IPv6-in-IPv4 (proto 41)', lambda p: outer4(41, p), v6=True)
    tun_case('tun_4in6', 'IPv4-in-IPv6 (proto 4)', lambda p: eth(ip6('2001:db8::1', '2001:db8::2', 4, p), 0x86DD))
    tun_case('tun_vxlan', 'VXLAN 4789', lambda p: outer_udp(4789, struct.pack('!II', 0x08000000, 42 << 8) + inner_eth(p)))
    tun_case('tun_vxlan_v6outer', 'VXLAN over IPv6 outer', lambda p: outer_udp(4789, struct.pack('!II', 0x08000000, 42 << 8) + inner_eth(p), v6=True))
    tun_case('tun_geneve_opts', 'Geneve with an 8-byte option', lambda p: outer_udp(6081, struct.pack('!BBHI', 2, 0, 0x6558, 77 << 8) + struct.pack('!HBB', 0x0102, 3, 1) + b'\0\0\0\0' + inner_eth(p)))
    tun_case('tun_geneve_ip', 'Geneve carrying IPv4 directly (proto 0x0800)', lambda p: outer_udp(6081, struct.pack('!BBHI', 0, 0, 0x0800, 77 << 8) + p))
    def gtpu(p, ext=True):
        if ext:
            body = struct.pack('!HBB', 7, 0, 0x85) + bytes([1, 0x10, 0x09, 0]) + p
            return outer_udp(2152, struct.pack('!BBHI', 0x36, 0xFF, len(body), 0xDEAD) + body, sport=2152)
        return outer_udp(2152, struct.pack('!BBHI', 0x30, 0xFF, len(p), 0xDEAD) + p, sport=2152)
    tun_case('tun_gtpu_ext', 'GTP-U with sequence number and PDU session container extension', gtpu)
    tun_case('tun_gtpu_plain', 'GTP-U plain', lambda p: gtpu(p, False))
    def gtpu2(p):
        # two extension headers chained: 0x85 PDU session container then 0x40 UDP port ext (len 1)
        body = struct.pack('!HBB', 7, 0, 0x85) + bytes([1, 0x10, 0x09, 0x40]) + bytes([1, 0x08, 0x68, 0]) + p
        return outer_udp(2152, struct.pack('!BBHI', 0x34, 0xFF, len(body), 0xBEEF) + body, sport=2152)
    tun_case('tun_gtpu_two_ext', 'GTP-U with two chained extension headers', gtpu2)
    tun_case('tun_teredo_origin', 'Teredo with origin indication', lambda p: outer_udp(3544, b'\x00\x00' + b'\xff\xff' + b'\xff\xff\xff\xff' + p, sport=3544), v6=True)
    tun_case('tun_gre_in_udp', 'GRE-in-UDP (4754)', lambda p: outer_udp(4754, gre_hdr(et(p), payload=p)))
    tun_case('tun_mpls_in_udp', 'MPLS-in-UDP (6635)', lambda p: outer_udp(6635, struct.pack('!I', (3000 << 12) | 0x100 | 64) + p))
    def l2tp(p, offset=False, seq=False):
        flags = 0x4002 | (0x0200 if offset else 0) | (0x0800 if seq else 0)
        rest = struct.pack('!HH', 9, 10)
        if seq: rest += struct.pack('!HH', 1, 2)
        if offset: rest += struct.pack('!H', 4) + b'\0' * 4
        ppp = b'\xff\x03\x00\x21' + p
        tot = 4 + len(rest) + len(ppp)
        return outer_udp(1701, struct.pack('!HH', flags, tot) + rest + ppp, sport=1701)
    tun_case('tun_l2tpv2', 'L2TPv2 with length', l2tp)
    tun_case('tun_l2tpv2_offset_seq', 'L2TPv2 with sequence numbers and offset padding (O bit)', lambda p: l2tp(p, True, True))
    def l2tpv2_acfc(p):
        rest = struct.pack('!HH', 9, 10); ppp = b'\x21' + p        # ACFC + PFC: protocol compressed to 1 byte
        return outer_udp(1701, struct.pack('!HH', 0x4002, 4 + len(rest) + len(ppp)) + rest + ppp, sport=1701)
    tun_case('tun_l2tpv2_ppp_compressed', 'L2TPv2, PPP address/control omitted and protocol field compressed (ACFC+PFC)', l2tpv2_acfc)
    def ayiya(p):
        nh = 41 if (p[0] >> 4) == 6 else 4
        h = bytes([0x41, 0x52, 0x21, nh]) + struct.pack('!I', 1700000000) + a6('2001:db8::5') + b'\0' * 20
        return outer_udp(5072, h + p, sport=5072)
    tun_case('tun_ayiya', 'AYIYA forward, IPv6 inside', ayiya, v6=True)
    tun_case('tun_vxlan_gpe', 'VXLAN-GPE next protocol IPv4', lambda p: outer_udp(4790, struct.pack('!BBBBI', 0x0C, 0, 0, 1, 9 << 8) + p))
    tun_case('tun_erspan2', 'ERSPAN type II in GRE', lambda p: outer4(47, gre_hdr(0x88BE, s=5, payload=struct.pack('!HHI', 0x1000 | 10, 0, 3) + inner_eth(p))))
    tun_case('tun_erspan3', 'ERSPAN type III in GRE', lambda p: outer4(47, gre_hdr(0x22EB, s=5, payload=struct.pack('!HHII', 0x2000 | 10, 0, 123, 0) + inner_eth(p))))
    tun_case('tun_nested_vxlan_in_gre_vlan', 'VLAN / IPv4 / GRE / IPv4 / UDP VXLAN / Ethernet / inner', lambda p: eth(struct.pack('!HH', 5, 0x0800) + ip4(O1, O2, 47, gre_hdr(0x0800, payload=ip4('198.51.100.1', '198.51.100.2', 17, udp('198.51.100.1', '198.51.100.2', 1234, 4789, struct.pack('!II', 0x08000000, 1 << 8) + inner_eth(p))))), 0x8100))
    # outer fragmented GRE: big segments so the outer packet fragments
    def gre_outer_frag(p):
        outer = ip4(O1, O2, 47, gre_hdr(et(p), payload=p), ident=(len(p) * 7) & 0xffff)
        if len(outer) > 600:
            return [eth(f) for f in frag4(outer, fragsize=296)[::-1]]
        return eth(outer)
    tun_case('tun_gre_outer_fragmented', 'GRE whose outer IPv4 datagrams are fragmented (fragments reversed)', gre_outer_frag)
    def vx_inner_frag(p):
        if len(p) > 600 and (p[0] >> 4) == 4:
            return [outer_udp(4789, struct.pack('!II', 0x08000000, 42 << 8) + inner_eth(f)) for f in frag4(p, fragsize=400)[::-1]]
        return outer_udp(4789, struct.pack('!II', 0x08000000, 42 << 8) + inner_eth(p))
    tun_case('tun_vxlan_inner_fragmented', 'VXLAN whose inner IPv4 datagrams are fragmented across tunnel packets', vx_inner_frag)
    def v6outer_ext_gre(p):
        dopt = struct.pack('!BB', 47, 0) + b'\x01\x04\0\0\0\0'
        return eth(ip6('2001:db8::1', '2001:db8::2', 60, dopt + gre_hdr(et(p), payload=p)), 0x86DD)
    tun_case('tun_gre_ipv6_outer_destopts', 'GRE over IPv6 outer with a destination-options header', v6outer_ext_gre)
    def mpls_pw(p):
        return eth(struct.pack('!I', (500 << 12) | 0x100 | 64) + b'\0\0\0\0' + inner_eth(p), 0x8847)
    tun_case('tun_mpls_pw_cw', 'MPLS Ethernet pseudowire with control word', mpls_pw)
    def qinq_gre_vxlan_deep(p):
        x = inner_eth(p)
        x = outer_udp(4789, struct.pack('!II', 0x08000000, 42 << 8) + x)        # depth 1 (vxlan)
        x = eth(ip4(O1, O2, 47, gre_hdr(0x6558, payload=x)))                       # depth 2 (gre eth)
        x = eth(ip4(O1, O2, 47, gre_hdr(0x6558, payload=x)))                       # depth 3
        return x
    tun_case('tun_depth3', 'GRE(eth) / GRE(eth) / VXLAN / inner: 3 tunnels', qinq_gre_vxlan_deep)

# ---------------- HTTP/2 cleartext ----------------
def h2f(t, flags, sid, payload): return struct.pack('!I', len(payload))[1:] + bytes([t, flags]) + struct.pack('!I', sid) + payload
def hlit(idx, val): return bytes([idx]) + bytes([len(val)]) + val if idx < 15 else b'\x0f' + bytes([idx - 15]) + bytes([len(val)]) + val

def h2_case(name, desc, B, server_frames, client_head=None, upgrade=False):
    pc = Pcap(); c = Conv(pc); c.handshake()
    blk = b'\x82\x86' + hlit(4, b'/f.bin') + hlit(1, b'example.com')
    if upgrade:
        c.c(b'GET /f.bin HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n')
        c.ack_s(); c.s(b'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n')
        c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, b''))
        sf = h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + server_frames(1)
    else:
        c.c(b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' + h2f(4, 0, 0, b'') + (client_head or h2f(1, 5, 1, blk)))
        sf = h2f(4, 0, 0, b'') + h2f(4, 1, 0, b'') + server_frames(1)
    c.ack_s(); c.send(False, sf, mss=1000); c.c(h2f(4, 1, 0, b'')); c.ack_c(); c.close()
    save(name, pc, sha(B), 'h2c', desc)

@case
def h2_cases():
    B = payload('h2', 3000)
    def plain(sid, body=B, pad=0):
        out = h2f(1, 4, sid, b'\x88' + hlit(28, str(len(body)).encode()))
        for k in range(0, len(body), 1000):
            part = body[k:k+1000]; fl = 1 if k + 1000 >= len(body) else 0
            if pad: out += h2f(0, fl | 8, sid, bytes([pad]) + part + b'\0' * pad)
            else: out += h2f(0, fl, sid, part)
        return out
    h2_case('h2c_prior_knowledge', 'h2c prior knowledge, plain DATA', B, plain)
    h2_case('h2c_padded_data', 'h2c DATA frames with padding', B, lambda s: plain(s, pad=17))
    def cont(sid):
        hb = b'\x88' + hlit(28, str(len(B)).encode()) + hlit(31, b'application/octet-stream')
        return h2f(1, 0, sid, hb[:3]) + h2f(9, 0, sid, hb[3:6]) + h2f(9, 4, sid, hb[6:]) + h2f(0, 1, sid, B)
    h2_case('h2c_continuation', 'response HEADERS split over two CONTINUATION frames', B, cont)
    def gzd(sid):
        g = gz(B)
        return h2f(1, 4, sid, b'\x88' + hlit(26, b'gzip')) + h2f(0, 0, sid, g[:500]) + h2f(0, 0, sid, b'') + h2f(0, 1, sid, g[500:])
    h2_case('h2c_gzip_empty_data', 'gzip content-encoding, an empty DATA frame in the middle, no content-length', B, gzd)
    h2_case('h2c_upgrade', 'HTTP/1.1 Upgrade: h2c, answer on stream 1', B, plain, upgrade=True)
    def prio_pad_headers(sid):
        hb = b'\x88' + hlit(28, str(len(B)).encode())
        # HEADERS with PADDED|PRIORITY|END_HEADERS
        payload_ = bytes([5]) + struct.pack('!I', 0) + bytes([15]) + hb + b'\0' * 5
        return h2f(1, 4 | 8 | 0x20, sid, payload_) + h2f(0, 1, sid, B)
    h2_case('h2c_headers_padded_priority', 'response HEADERS with PADDED and PRIORITY flags', B, prio_pad_headers)
    def trailers(sid):
        return h2f(1, 4, sid, b'\x88') + h2f(0, 0, sid, B) + h2f(1, 5, sid, hlit(0, b'') [:0] + b'\x00\x05x-sum\x01y')
    h2_case('h2c_trailers_no_cl', 'no content-length, body ended by a trailing HEADERS frame', B, trailers)

# ---------------- round 2 ----------------
def paws_zero_case(name, sets):
    pc = Pcap(); B = payload(name); W = resp(B); c = Conv(pc)
    mss = b'\x02\x04\x05\xb4'
    c.c(flags='S', ack=0, opts=mss + b'\x01\x01' + ts_opt(100, 0))
    c.s(flags='SA', opts=mss + b'\x01\x01' + ts_opt(0, 100))
    c.c(flags='A', opts=b'\x01\x01' + ts_opt(101, 0)); c.c(req(), opts=b'\x01\x01' + ts_opt(102, 0))
    c.s(flags='A', opts=b'\x01\x01' + ts_opt(0, 102))
    base = c.sseq
    D = bytearray(W); D[1000:2000] = b'T' * 1000
    c.s(W[:1000], opts=b'\x01\x01' + ts_opt(0, 102))                   # TS.Recent = 0
    c.s(W[1000:2000], opts=b'\x01\x01' + ts_opt(0x80000005, 102))       # host: ts_recent 0 -> PAWS passes
    c.s(bytes(D[1000:2000]), seq=base + 1000, opts=b'\x01\x01' + ts_opt(1, 102))   # decoy: duplicate for host
    c.s(W[2000:], opts=b'\x01\x01' + ts_opt(0x80000006, 102))
    c.c(flags='A', opts=b'\x01\x01' + ts_opt(103, 0x80000006)); c.s(flags='FA', opts=b'\x01\x01' + ts_opt(0x80000007, 103))
    c.c(flags='FA', opts=b'\x01\x01' + ts_opt(104, 0x80000007)); c.s(flags='A', opts=b'\x01\x01' + ts_opt(0x80000008, 104))
    save(name, pc, sha(B), 'tcp-paws', 'TS.Recent is 0 (sender used TSval 0): Linux and BSD skip PAWS (tcp_paws_check "!ts_recent"); real seg with "old" TSval, decoy copy after',
         sets=sets, forbid=[sha(bytes(D[W.index(B):]))])

@case
def round2_paws():
    paws_zero_case('tcp_paws_tsrecent_zero_linux', LINUXC)
    paws_zero_case('tcp_paws_tsrecent_zero_bsd', None)
    # Last.ACK.sent rule: TS.Recent only taken from a segment starting at/before the last ACK the receiver sent
    pc = Pcap(); B = payload('lastack', 1200); W = resp(B); c = Conv(pc, ts=True); c.handshake(); c.c(req()); c.ack_s()
    base = c.sseq; n = len(W) - 300
    D = bytearray(W); D[n - 300:n] = b'L' * 300
    c.s(W[:n - 600], tsval=1000)                     # seq == Last.ACK.sent: TS.Recent 1000
    c.s(W[n - 600:n - 300], tsval=50000)             # in order but after Last.ACK.sent: host does not take 50000
    c.s(W[n - 300:n], tsval=1001)                    # real: 1001 >= TS.Recent(1000) -> host takes it
    c.s(bytes(D[n - 300:n]), seq=base + n - 300, tsval=50001)   # decoy copy: duplicate for the host
    c.s(W[n:], tsval=1002); c.sseq = base + len(W); c.tss = 1003
    c.c(flags='A', tsecr=1000); c.close()
    save('tcp_paws_last_ack_sent', pc, sha(B), 'tcp-paws', 'RFC 7323 4.3: TS.Recent only from a segment at/before Last.ACK.sent; a high TSval on a later in-order segment (no ACK between) is not TS.Recent',
         sets=LINUXC, forbid=[sha(bytes(D[W.index(B):]))])

@case
def round2_frag():
    def odd6(p):
        pl = p[40:]; src = socket.inet_ntop(socket.AF_INET6, p[8:24]); dst = socket.inet_ntop(socket.AF_INET6, p[24:40])
        D = bytearray(pl); D[200:208] = swap_words(pl[200:208]); D = bytes(D)
        return [frag6_raw(src, dst, 6, 88, 0, D[:403], True),          # M=1 and 403 bytes: RFC 8200 / Linux drop it
                frag6_raw(src, dst, 6, 88, 0, pl[:400], True), frag6_raw(src, dst, 6, 88, 400, pl[400:], False)]
    frag_case('frag6_decoy_len_not_mult8', 'IPv6: decoy first fragment with M=1 and a length not a multiple of 8 (hosts drop it), then the real fragments', odd6, v6=True)
    frag_case('frag6_decoy_len_not_mult8_linux', 'same, receiver policy linux', odd6, v6=True, sets=LINUXC)
    def odd4(p):
        hdr, pl = v4split(p); src, dst = socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20])
        return [rawfrag4(src, dst, 6, 12, 0, pl[:400] + swap_words(pl[400:408])[:5], True),   # 405 bytes with MF: Linux trims to 400
                rawfrag4(src, dst, 6, 12, 400, pl[400:], False)]
    frag_case('frag4_mf_len_not_mult8_linux', 'IPv4 to linux: MF fragment of 405 bytes (Linux trims "end &= ~7"), next fragment at 400', odd4, sets=LINUXC)
    def odd4_rtx(p):
        hdr, pl = v4split(p); src, dst = socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20])
        return odd4(p) + [rawfrag4(src, dst, 6, 12, 0, pl[:400], True)]   # the real first fragment again
    frag_case('frag4_mf_len_not_mult8_bsd', 'IPv4 default(bsd) policy: MF fragment of 405 bytes (FreeBSD drops MF fragments whose length is not a multiple of 8), next at 400, then the real [0,400)', odd4_rtx)
    def df_frags(p):
        fs = frag4(p, fragsize=512); out = []
        for f in fs[1:] + fs[:1]:
            f = bytearray(f); f[6] |= 0x40; f[10:12] = b'\0\0'; f[10:12] = struct.pack('!H', csum(bytes(f[:20]))); out.append(bytes(f))
        return out
    frag_case('frag4_df_and_mf', 'IPv4 fragments carrying DF as well (hosts reassemble regardless)', df_frags)
    def nh_mismatch(p):
        pl = p[40:]; src = socket.inet_ntop(socket.AF_INET6, p[8:24]); dst = socket.inet_ntop(socket.AF_INET6, p[24:40])
        return [frag6_raw(src, dst, 17, 66, 400, pl[400:], False), frag6_raw(src, dst, 6, 66, 0, pl[:400], True)]
    frag_case('frag6_nexthdr_mismatch', 'IPv6: non-first fragment (first to arrive) names UDP as next header; first fragment says TCP (hosts use the first)', nh_mismatch, v6=True)

if __name__ == '__main__':
    import sys, pk
    if len(sys.argv) != 2:
        sys.exit('usage: gen.py OUT_DIR   (writes OUT_DIR/<case>/case.pcap and meta.json)')
    pk.ROOT = sys.argv[1]
    for f in CASES: f()
