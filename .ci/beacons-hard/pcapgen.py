"""Synthesises HTTP/NTP traffic as classic pcap (Ethernet, microsecond timestamps) with full TCP
handshakes, segmentation at MSS 1460, ACKs and FIN teardown; times are planned, not captured, so
hours of traffic fit in a small file. Records every request for the ground truth.

Vantage point: a mirror port at the edge of the internal network (as the shared captures): the
client's SYN at t, the server's SYN/ACK one RTT later, request bytes as the client sends them,
the answer after RTT + server time.
"""
import gzip, hashlib, random, struct, zlib
from dataclasses import dataclass, field

MSS = 1460
GW_MAC = bytes.fromhex("02005e000001")


def mac_of(ip):
    return bytes([0x02, 0x42]) + bytes(int(x) for x in ip.split("."))


def ip_bytes(ip):
    return bytes(int(x) for x in ip.split("."))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


@dataclass
class Request:
    ts: float
    client: str
    host: str
    server: str
    port: int
    proto: str
    method: str
    uri: str
    ua: str
    req_size: int
    resp_size: int
    status: int
    conn: int
    body_sha256: str = None


class Capture:
    def __init__(self, name):
        self.name = name
        self.packets = []  # (ts, order, frame)
        self.order = 0
        self.ipid = {}
        self.requests = []
        self.conn_ids = 0
        self.used_ports = {}

    # ---- frames ----
    def _ip(self, src, dst, proto, payload, ttl):
        ident = self.ipid.get(src, random.randrange(65536))
        self.ipid[src] = (ident + 1) & 0xFFFF
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, ttl, proto, 0,
                          ip_bytes(src), ip_bytes(dst))
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        return hdr + payload

    def _frame(self, ts, src, dst, ip_payload_fn, proto, internal_src):
        smac = mac_of(src) if internal_src else GW_MAC
        dmac = GW_MAC if internal_src else mac_of(dst)
        ttl = 64 if internal_src else 52
        payload = ip_payload_fn()
        frame = dmac + smac + b"\x08\x00" + self._ip(src, dst, proto, payload, ttl)
        self.packets.append((ts, self.order, frame))
        self.order += 1

    def tcp(self, ts, src, dst, sport, dport, seq, ack, flags, data=b"", internal_src=True, win=64240):
        def build():
            hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, win, 0, 0)
            pseudo = ip_bytes(src) + ip_bytes(dst) + struct.pack("!BBH", 0, 6, len(hdr) + len(data))
            c = csum(pseudo + hdr + data)
            return hdr[:16] + struct.pack("!H", c) + hdr[18:] + data
        self._frame(ts, src, dst, build, 6, internal_src)

    def udp(self, ts, src, dst, sport, dport, data, internal_src=True):
        def build():
            hdr = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
            pseudo = ip_bytes(src) + ip_bytes(dst) + struct.pack("!BBH", 0, 17, 8 + len(data))
            c = csum(pseudo + hdr + data) or 0xFFFF
            return hdr[:6] + struct.pack("!H", c) + data
        self._frame(ts, src, dst, build, 17, internal_src)

    def ephemeral(self, client):
        p = self.used_ports.get(client, random.randrange(40000, 60000))
        p = p + random.randrange(1, 7)
        if p > 65000:
            p = 40000 + random.randrange(100)
        self.used_ports[client] = p
        return p

    def write(self, path):
        self.packets.sort(key=lambda p: (p[0], p[1]))
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for ts, _, frame in self.packets:
                sec = int(ts)
                usec = int(round((ts - sec) * 1e6))
                if usec >= 1000000:
                    sec, usec = sec + 1, usec - 1000000
                f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
                f.write(frame)
        return len(self.packets)


class Conn:
    """One TCP connection, driven forward in time by its owner (requests are sequential)."""

    def __init__(self, cap, client, server, port, t, rtt):
        self.cap, self.c, self.s, self.dport = cap, client, server, port
        self.sport = cap.ephemeral(client)
        self.rtt = rtt
        self.cseq = random.randrange(1 << 32)
        self.sseq = random.randrange(1 << 32)
        cap.conn_ids += 1
        self.id = cap.conn_ids
        cap.tcp(t, client, server, self.sport, port, self.cseq, 0, 0x02)
        cap.tcp(t + rtt, server, client, port, self.sport, self.sseq, self.cseq + 1, 0x12, internal_src=False)
        self.cseq += 1
        self.sseq += 1
        cap.tcp(t + rtt + 0.00005, client, server, self.sport, port, self.cseq, self.sseq, 0x10)
        self.t = t + rtt + 0.0001
        self.open = True

    def _send(self, t, data, from_client, gap):
        """Sends data in segments; the receiver ACKs every second segment. Returns the time after."""
        segs = [data[i:i + MSS] for i in range(0, len(data), MSS)] or []
        for i, seg in enumerate(segs):
            flags = 0x18 if i == len(segs) - 1 else 0x10
            if from_client:
                self.cap.tcp(t, self.c, self.s, self.sport, self.dport, self.cseq, self.sseq, flags, seg)
                self.cseq += len(seg)
            else:
                self.cap.tcp(t, self.s, self.c, self.dport, self.sport, self.sseq, self.cseq, flags, seg, internal_src=False)
                self.sseq += len(seg)
            if i % 2 == 1 or i == len(segs) - 1:
                at = t + (0.00004 if not from_client else self.rtt)
                if from_client:
                    self.cap.tcp(at, self.s, self.c, self.dport, self.sport, self.sseq, self.cseq, 0x10, internal_src=False)
                else:
                    self.cap.tcp(at, self.c, self.s, self.sport, self.dport, self.cseq, self.sseq, 0x10)
            t += gap
        return t

    def exchange(self, t, req, resp, server_time):
        """Client sends req at t; the answer starts after RTT + server_time. Returns when it ended."""
        t = max(t, self.t)
        end = self._send(t, req, True, 0.00002)
        start = t + self.rtt + server_time
        # a server on a WAN sends at roughly 20 Mbit/s here: 0.6 ms a segment
        end = self._send(max(start, end), resp, False, 0.0006)
        self.t = end + 0.0002
        return t, self.t

    def close(self, t=None, client_first=True):
        t = max(t if t is not None else self.t, self.t)
        if client_first:
            self.cap.tcp(t, self.c, self.s, self.sport, self.dport, self.cseq, self.sseq, 0x11)
            self.cap.tcp(t + self.rtt, self.s, self.c, self.dport, self.sport, self.sseq, self.cseq + 1, 0x11, internal_src=False)
            self.cap.tcp(t + self.rtt + 0.00005, self.c, self.s, self.sport, self.dport, self.cseq + 1, self.sseq + 1, 0x10)
        else:
            self.cap.tcp(t, self.s, self.c, self.dport, self.sport, self.sseq, self.cseq, 0x11, internal_src=False)
            self.cap.tcp(t + 0.0001, self.c, self.s, self.sport, self.dport, self.cseq, self.sseq + 1, 0x11)
            self.cap.tcp(t + self.rtt + 0.0001, self.s, self.c, self.dport, self.sport, self.sseq + 1, self.cseq + 1, 0x10,
                         internal_src=False)
        self.open = False
        self.t = t + self.rtt + 0.001


REASONS = {200: "OK", 204: "No Content", 304: "Not Modified", 404: "Not Found", 302: "Found"}


def http_date(ts):
    import email.utils
    return email.utils.formatdate(ts, usegmt=True)


def request_bytes(method, uri, host, port, ua, body=b"", ctype=None, extra=(), close=False):
    h = f"{method} {uri} HTTP/1.1\r\nHost: {host}{'' if port == 80 else ':' + str(port)}\r\nUser-Agent: {ua}\r\nAccept: */*\r\n"
    for k, v in extra:
        h += f"{k}: {v}\r\n"
    if body or method in ("POST", "PUT"):
        h += f"Content-Type: {ctype or 'application/octet-stream'}\r\nContent-Length: {len(body)}\r\n"
    if close:
        h += "Connection: close\r\n"
    return h.encode() + b"\r\n" + body


def response_bytes(ts, status, body=b"", ctype="text/html", extra=(), close=False, chunked=False):
    h = f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}\r\nServer: nginx\r\nDate: {http_date(ts)}\r\n"
    if status != 304:
        h += f"Content-Type: {ctype}\r\n"
    for k, v in extra:
        h += f"{k}: {v}\r\n"
    if status == 304:
        pass
    elif chunked:
        h += "Transfer-Encoding: chunked\r\n"
    else:
        h += f"Content-Length: {len(body)}\r\n"
    if close:
        h += "Connection: close\r\n"
    if chunked and status != 304:
        out = b""
        for i in range(0, len(body), 4000):
            part = body[i:i + 4000]
            out += b"%x\r\n" % len(part) + part + b"\r\n"
        body = out + b"0\r\n\r\n"
    return h.encode() + b"\r\n" + body


WORDS = ("the quick brown fox report quarterly sales meeting agenda project update news weather sport market"
         " price index team office cloud service login account invoice order delivery product support").split()


def text_body(n, rnd):
    out = []
    size = 0
    while size < n:
        w = rnd.choice(WORDS)
        out.append(w)
        size += len(w) + 1
    return ("<html><body><p>" + " ".join(out) + "</p></body></html>").encode()


def binary_body(n, rnd):
    return rnd.randbytes(n)


class Net:
    """Servers: name -> address, per-capture RTTs; and the request log helper."""

    def __init__(self, cap, rnd):
        self.cap = cap
        self.rnd = rnd
        self.addr = {}
        self.rtts = {}

    def server(self, name, ip, rtt=None):
        self.addr[name] = ip
        self.rtts[ip] = rtt if rtt is not None else self.rnd.uniform(0.008, 0.09)

    def ip(self, host):
        return self.addr.get(host, host)

    def connect(self, client, host, port, t):
        ip = self.ip(host)
        return Conn(self.cap, client, ip, port, t, self.rtts.get(ip, 0.03))

    def http(self, conn, t, client, host, port, method, uri, ua, req_body=b"", resp_body=b"", status=200,
             ctype="text/html", req_ctype=None, server_time=None, extra_req=(), extra_resp=(), close=False,
             chunked=False, gzip_body=False, decoded_body=None):
        if gzip_body:
            decoded_body = resp_body
            resp_body = gzip.compress(resp_body, mtime=0)
            extra_resp = tuple(extra_resp) + (("Content-Encoding", "gzip"),)
        req = request_bytes(method, uri, host, port, ua, req_body, req_ctype, extra_req, close)
        resp = response_bytes(t, status, resp_body, ctype, extra_resp, close, chunked)
        st = server_time if server_time is not None else self.rnd.uniform(0.002, 0.05)
        t0, t1 = conn.exchange(t, req, resp, st)
        sha = hashlib.sha256(decoded_body if decoded_body is not None else resp_body).hexdigest() if resp_body else None
        self.cap.requests.append(Request(t0, client, host.lower(), conn.s, port, "tcp", method, uri, ua, len(req), len(resp),
                                         status, conn.id, sha))
        return t1

    def ntp(self, t, client, server, sport=123):
        pkt = bytes([0x23, 0, 6, 0xEC]) + b"\0" * 44
        self.cap.udp(t, client, server, sport, 123, pkt)
        rtt = self.rtts.get(server, 0.02)
        self.cap.udp(t + rtt, server, client, 123, sport, bytes([0x24, 2, 6, 0xEC]) + b"\0" * 44, internal_src=False)
        self.cap.requests.append(Request(t, client, server, server, 123, "udp", "NTP", None, None, 48, 48, 0, 0))
