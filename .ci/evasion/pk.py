"""Tiny raw-packet / pcap helper for SpanWatch evasion cases (no scapy)."""
import struct, socket, hashlib, os, json, zlib, gzip

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def a4(s): return socket.inet_aton(s)
def a6(s): return socket.inet_pton(socket.AF_INET6, s)

MAC_C = bytes.fromhex('020000000001'); MAC_S = bytes.fromhex('020000000002')

def eth(payload, etype=0x0800, src=MAC_C, dst=MAC_S):
    return dst + src + struct.pack('!H', etype) + payload

def ip4(src, dst, proto, payload, ident=1, df=False, mf=False, off=0, ttl=64, opts=b'', tot=None, badsum=False):
    ihl = 5 + len(opts)//4
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (off & 0x1fff)
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, tot if tot is not None else 20 + len(opts) + len(payload),
                    ident, flags, ttl, proto, 0, a4(src), a4(dst)) + opts
    c = csum(h)
    if badsum: c ^= 0x1111
    h = h[:10] + struct.pack('!H', c) + h[12:]
    return h + payload

def ip6(src, dst, nh, payload, hlim=64, plen=None):
    return struct.pack('!IHBB16s16s', 0x60000000, len(payload) if plen is None else plen, nh, hlim, a6(src), a6(dst)) + payload

def pseudo(src, dst, proto, ln):
    if ':' in src:
        return a6(src) + a6(dst) + struct.pack('!IxxxB', ln, proto)
    return a4(src) + a4(dst) + struct.pack('!xBH', proto, ln)

FL = {'F': 1, 'S': 2, 'R': 4, 'P': 8, 'A': 16, 'U': 32, 'E': 64, 'C': 128}

def tcp(src, dst, sport, dport, seq, ack, flags, data=b'', win=65535, opts=b'', urg=0, badsum=False):
    f = 0
    for ch in flags: f |= FL[ch]
    while len(opts) % 4: opts += b'\x01'
    off = (20 + len(opts)) // 4
    h = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff, off << 4, f, win, 0, urg) + opts
    seg = h + data
    c = csum(pseudo(src, dst, 6, len(seg)) + seg)
    if badsum: c ^= 0x2222
    return seg[:16] + struct.pack('!H', c) + seg[18:]

def udp(src, dst, sport, dport, data, zero_csum=False):
    h = struct.pack('!HHHH', sport, dport, 8 + len(data), 0)
    if zero_csum and ':' not in src: return h + data
    c = csum(pseudo(src, dst, 17, 8 + len(data)) + h + data) or 0xffff
    return h[:6] + struct.pack('!H', c) + data

def ipwrap(src, dst, proto, payload, **kw):
    if ':' in src: return ip6(src, dst, proto, payload, **{k: v for k, v in kw.items() if k in ('hlim',)})
    return ip4(src, dst, proto, payload, **kw)

def l3frame(ippkt):
    return eth(ippkt, 0x86DD if (ippkt[0] >> 4) == 6 else 0x0800)

def ts_opt(val, ecr): return struct.pack("!BBII", 8, 10, val & 0xffffffff, ecr & 0xffffffff)

class Pcap:
    def __init__(self, linktype=1):
        self.frames = []; self.t = 1700000000.0; self.linktype = linktype
    def add(self, frame, dt=0.001):
        self.t += dt; self.frames.append((self.t, frame))
    def write(self, path):
        with open(path, 'wb') as f:
            f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, self.linktype))
            for t, fr in self.frames:
                sec = int(t); us = int(round((t - sec) * 1e6))
                f.write(struct.pack('<IIII', sec, us, len(fr), len(fr)) + fr)

class Conv:
    """A TCP conversation; emits IP packets through self.out(ippkt) (default: Ethernet frame into pcap)."""
    def __init__(self, pc, cip='10.0.0.1', sip='10.0.0.2', cport=40000, sport=80, ts=False, wscale=None,
                 isn_c=1000, isn_s=5000, win=65535):
        self.pc = pc; self.cip, self.sip, self.cport, self.sport = cip, sip, cport, sport
        self.ts = ts; self.wscale = wscale; self.win = win
        self.cseq = isn_c; self.sseq = isn_s; self.tsc = 100; self.tss = 9000
        self.wrap = l3frame; self.ident = 1
    def emit(self, ippkt, dt=0.001):
        r = self.wrap(ippkt)
        if isinstance(r, list):
            for x in r: self.pc.add(x, dt)
        else: self.pc.add(r, dt)
    def ip(self, frm_client, seg, **ipkw):
        s, d = (self.cip, self.sip) if frm_client else (self.sip, self.cip)
        if ':' in s: return ip6(s, d, 6, seg)
        self.ident += 1
        return ip4(s, d, 6, seg, ident=ipkw.pop('ident', self.ident), **ipkw)
    def seg(self, frm_client, data=b'', flags='PA', seq=None, ack=None, tsval=None, tsecr=None, win=None,
            opts=None, advance=True, urg=0, badsum=False, ipkw=None, raw=False, dt=0.001):
        if frm_client:
            s, d, sp, dp = self.cip, self.sip, self.cport, self.sport
            myseq, peer = self.cseq, self.sseq
        else:
            s, d, sp, dp = self.sip, self.cip, self.sport, self.cport
            myseq, peer = self.sseq, self.cseq
        sq = myseq if seq is None else seq
        ak = peer if ack is None else ack
        o = b''
        if opts is not None: o = opts
        elif self.ts:
            if frm_client: self.tsc += 1
            else: self.tss += 1
            tv = (self.tsc if frm_client else self.tss) if tsval is None else tsval
            te = (self.tss if frm_client else self.tsc) if tsecr is None else tsecr
            o = b'\x01\x01' + ts_opt(tv, te)
        t = tcp(s, d, sp, dp, sq, ak, flags, data, win=self.win if win is None else win, opts=o, urg=urg, badsum=badsum)
        p = self.ip(frm_client, t, **(ipkw or {}))
        if raw: return p
        self.emit(p, dt)
        if advance and seq is None:
            n = len(data) + (1 if ('S' in flags or 'F' in flags) else 0)
            if frm_client: self.cseq += n
            else: self.sseq += n
        return p
    def c(self, data=b'', **kw): return self.seg(True, data, **kw)
    def s(self, data=b'', **kw): return self.seg(False, data, **kw)
    def handshake(self):
        o = b''
        if self.wscale is not None: o += b'\x01\x03\x03' + bytes([self.wscale])
        mss = b'\x02\x04\x05\xb4'
        if self.ts:
            self.tsc += 1
            oc = mss + o + b'\x01\x01' + ts_opt(self.tsc, 0)
        else: oc = mss + o
        self.c(flags='S', ack=0, opts=oc)
        if self.ts:
            self.tss += 1
            os_ = mss + o + b'\x01\x01' + ts_opt(self.tss, self.tsc)
        else: os_ = mss + o
        self.s(flags='SA', opts=os_)
        self.c(flags='A')
    def close(self):
        self.s(flags='FA'); self.c(flags='FA'); self.s(flags='A')
    def close_client_first(self):
        self.c(flags='FA'); self.s(flags='FA'); self.c(flags='A')
    def send(self, frm_client, data, mss=1400, **kw):
        for i in range(0, len(data), mss):
            self.seg(frm_client, data[i:i+mss], **kw)
    def ack_c(self): self.c(flags='A')
    def ack_s(self): self.s(flags='A')

def frag4(ippkt, sizes=None, order=None, fragsize=None):
    """split an IPv4 packet into fragments (payload offsets multiple of 8)."""
    ihl = (ippkt[0] & 15) * 4
    hdr = ippkt[:ihl]; pl = ippkt[ihl:]
    src = socket.inet_ntoa(hdr[12:16]); dst = socket.inet_ntoa(hdr[16:20])
    ident = struct.unpack('!H', hdr[4:6])[0]; proto = hdr[9]
    pieces = []
    if sizes is None:
        sizes = [fragsize] * ((len(pl) + fragsize - 1)//fragsize)
    off = 0
    for i, sz in enumerate(sizes):
        chunk = pl[off:off+sz]
        if not chunk: break
        mf = off + len(chunk) < len(pl)
        pieces.append(ip4(src, dst, proto, chunk, ident=ident, mf=mf, off=off//8))
        off += len(chunk)
    if off < len(pl):
        pieces.append(ip4(src, dst, proto, pl[off:], ident=ident, mf=False, off=off//8))
    if order: pieces = [pieces[i] for i in order]
    return pieces

def rawfrag4(src, dst, proto, ident, off_bytes, data, mf):
    return ip4(src, dst, proto, data, ident=ident, mf=mf, off=off_bytes//8)

def frag6_raw(src, dst, nh, ident, off_bytes, data, mf, exthdr_before=b'', first_nh=44):
    fh = struct.pack('!BBHI', nh, 0, (off_bytes & 0xfff8) | (1 if mf else 0), ident)
    return ip6(src, dst, 44, fh + data)

def frag6(ippkt, fragsize, ident=0x1234, order=None):
    nh = ippkt[6]; src = socket.inet_ntop(socket.AF_INET6, ippkt[8:24]); dst = socket.inet_ntop(socket.AF_INET6, ippkt[24:40])
    pl = ippkt[40:]
    pieces = []
    for off in range(0, len(pl), fragsize):
        pieces.append(frag6_raw(src, dst, nh, ident, off, pl[off:off+fragsize], off + fragsize < len(pl)))
    if order: pieces = [pieces[i] for i in order]
    return pieces

def sha(b): return hashlib.sha256(b).hexdigest()

PAYLOAD = bytes((i * 7 + 13) % 251 for i in range(3000))

def payload(tag, n=3000):
    h = hashlib.sha256(tag.encode()).digest()
    out = bytearray()
    while len(out) < n:
        h = hashlib.sha256(h).digest(); out += h
    return bytes(out[:n])

ROOT = os.environ.get('EVASION_CASES', 'evasion-cases')  # set by gen.py from its argument

def save(name, pc, expected, cls, desc, sets=None, forbid=None):
    d = os.path.join(ROOT, name); os.makedirs(d, exist_ok=True)
    pc.write(os.path.join(d, 'case.pcap'))
    meta = {'name': name, 'class': cls, 'desc': desc,
            'expected': expected if isinstance(expected, list) else [expected],
            'forbid': forbid or [], 'sets': sets or []}
    json.dump(meta, open(os.path.join(d, 'meta.json'), 'w'), indent=1)

def resp(body, extra=b'', status=b'200 OK', ver=b'HTTP/1.1', cl=True, ctype=b'application/octet-stream'):
    h = ver + b' ' + status + b'\r\nContent-Type: ' + ctype + b'\r\n'
    if cl: h += b'Content-Length: ' + str(len(body)).encode() + b'\r\n'
    return h + extra + b'\r\n' + body

def req(path=b'/f.bin', host=b'example.com', method=b'GET', extra=b'', body=b''):
    return method + b' ' + path + b' HTTP/1.1\r\nHost: ' + host + b'\r\n' + extra + b'\r\n' + body

def chunked(body, sizes=(1000,), ext=b''):
    out = b''; i = 0; k = 0
    while i < len(body):
        n = sizes[k % len(sizes)]; k += 1
        part = body[i:i+n]; i += n
        out += b'%x' % len(part) + ext + b'\r\n' + part + b'\r\n'
    return out + b'0\r\n\r\n'

def simple_download(pc, body_wire, conv=None, reqb=None, mss=1400, close=True, **ck):
    c = conv or Conv(pc, **ck)
    c.handshake()
    c.c(reqb or req())
    c.ack_s()
    c.send(False, body_wire, mss=mss)
    c.ack_c()
    if close: c.close()
    return c

def main(cases, script):
    """Writes every case of cases into the directory named on the command line (the generators' entry point)."""
    import sys
    global ROOT
    if len(sys.argv) != 2:
        sys.exit('usage: %s OUT_DIR   (writes OUT_DIR/<case>/case.pcap and meta.json)' % script)
    ROOT = sys.argv[1]
    for f in cases: f()
    print(len(os.listdir(sys.argv[1])), 'cases in', sys.argv[1])
