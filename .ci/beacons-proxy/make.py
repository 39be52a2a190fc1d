#!/usr/bin/env python3
"""Makes the explicit-proxy beacon set: captures and truth.jsonl in the shared set's format, with the
mirror between the clients and a forward proxy (198.18.0.8:3128): plain HTTP in absolute form
(`GET http://host/path`), HTTPS as CONNECT host:443 followed by a TLS ClientHello with the server
name and encrypted-looking records, all to the proxy's address. One host reaches the internet
directly (an HTTPS beacon by SNI, for comparison). Packets come from .ci/beacons-hard's pcapgen and
behave (full TCP handshakes, segmentation, ACKs, FIN teardown).
usage: make.py OUT_DIR [SEED]"""
import math, os, random, struct, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "beacons-hard"))
from pcapgen import Capture, Conn, Request, request_bytes, text_body, binary_body  # noqa: E402
from behave import World, BROWSER_UA, EICAR, b64, write_set  # noqa: E402

OUT = sys.argv[1]
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 20261206
random.seed(SEED)  # the packet details pcapgen draws (ports, sequence numbers, IP ids)
os.makedirs(OUT, exist_ok=True)

DAY0 = 1780704000  # 2026-06-06 00:00 UTC
PROXY, PROXY_PORT = "198.18.0.8", 3128
OLD_UA = "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)"
GO_UA = "Go-http-client/1.1"
UPD_UA = "SoftVendorUpdater/3.2"

HTTPS_SITES = ["news.daily-herald.example", "shop.megamart.example", "docs.office-online.example",
               "bank.securepay.example", "travel.bookit.example", "video.streamly.example", "forum.devtalk.example",
               "mail.corpmail.example", "search.findit.example", "social.friendzone.example", "wiki.knowbase.example"]
HTTP_SITES = ["weather.forecast-now.example", "portal.hr-benefits.example", "intranet-legacy.example"]
CDNS = ["cdn.fastedge.example", "img.megamart-cdn.example", "fonts.typeface-cdn.example"]


# ---------------------------------------------------------------- TLS records (enough for a reader)
def _ext(kind, body):
    return struct.pack("!HH", kind, len(body)) + body


def client_hello(rnd, sni):
    exts = b""
    if sni:
        name = sni.encode()
        exts += _ext(0, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name)
    exts += _ext(10, bytes.fromhex("0006001d00170018"))             # supported groups
    exts += _ext(16, bytes.fromhex("000c02683208687474702f312e31"))  # ALPN h2, http/1.1
    exts += _ext(43, bytes.fromhex("0403040303"))                    # supported versions 1.3, 1.2
    exts += _ext(51, struct.pack("!HHH", 36, 0x1d, 32) + rnd.randbytes(32))  # key share x25519
    suites = bytes.fromhex("130113021303c02bc02fc02cc030")
    body = (b"\x03\x03" + rnd.randbytes(32) + b"\x20" + rnd.randbytes(32) + struct.pack("!H", len(suites)) + suites
            + b"\x01\x00" + struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def server_flight(rnd, cert_bytes):
    exts = _ext(43, b"\x03\x04") + _ext(51, struct.pack("!HH", 0x1d, 32) + rnd.randbytes(32))
    body = b"\x03\x03" + rnd.randbytes(32) + b"\x20" + rnd.randbytes(32) + b"\x13\x01\x00" + struct.pack("!H", len(exts)) + exts
    hs = b"\x02" + len(body).to_bytes(3, "big") + body
    return (b"\x16\x03\x03" + struct.pack("!H", len(hs)) + hs + b"\x14\x03\x03\x00\x01\x01"
            + app_data(rnd, cert_bytes))


def app_data(rnd, n):
    out = b""
    while n > 0:
        k = min(n, 16384)
        out += b"\x17\x03\x03" + struct.pack("!H", k + 17) + rnd.randbytes(k + 17)
        n -= k
    return out


class ProxyWorld(World):
    """A World whose clients reach the web through an explicit proxy, except the hosts in `direct`."""

    def __init__(self, cap, rnd, start, hours):
        super().__init__(cap, rnd, start, hours)
        self.net.server("proxy", PROXY, rtt=0.0005)
        self.direct = set()

    def _record(self, t, client, host, server, port, method, uri, ua, req, resp, conn, sha=None):
        self.cap.requests.append(Request(t, client, host.lower(), server, port, "tcp", method, uri, ua, req, resp, 200,
                                         conn.id, sha))

    def proxy_conn(self, client, t):
        return Conn(self.cap, client, PROXY, PROXY_PORT, t, self.rnd.uniform(0.0003, 0.001))

    def via(self, conn, t, client, host, method, path, ua, req_body=b"", resp_body=b"", ctype="text/html", gzip_body=False,
            status=200):
        """One plain HTTP request in absolute form on a connection to the proxy; returns when it ended."""
        return self.net.http(conn, t, client, host, 80, method, "http://%s%s" % (host, path), ua, req_body=req_body,
                             resp_body=resp_body, ctype=ctype, gzip_body=gzip_body, status=status,
                             req_ctype="application/octet-stream" if req_body else None,
                             extra_req=(("Proxy-Connection", "Keep-Alive"),), server_time=self.rnd.uniform(0.02, 0.15))

    def tls(self, client, host, t, exchanges, ua=BROWSER_UA, host_header=True, sni=True, linger=None, resumed=False):
        """One HTTPS connection: through the proxy (CONNECT host:443, 200, then TLS) or, for a direct
        host, to the server's port 443. exchanges: [(delay, request bytes, answer bytes)] of records.
        resumed: a resumed session (no certificate), as periodic callers mostly make."""
        rnd = self.rnd
        if client in self.direct:
            conn = self.net.connect(client, host, 443, t)
            t0 = conn.t
            self._record(t, client, host, conn.s, 443, "TLS", None, None, 0, 0, conn)
        else:
            conn = self.proxy_conn(client, t)
            req = ("CONNECT %s:443 HTTP/1.1\r\n" % host + ("Host: %s:443\r\n" % host if host_header else "")
                   + "User-Agent: %s\r\nProxy-Connection: Keep-Alive\r\n\r\n" % ua).encode()
            t_req, t0 = conn.exchange(conn.t, req, b"HTTP/1.1 200 Connection established\r\n\r\n", rnd.uniform(0.02, 0.12))
            self._record(t_req, client, host, PROXY, PROXY_PORT, "CONNECT", "%s:443" % host, ua, len(req), 39, conn)
        _, tt = conn.exchange(t0, client_hello(rnd, host if sni else None), server_flight(rnd, rnd.randrange(60, 90) if resumed else rnd.randrange(1200, 2200)),
                              rnd.uniform(0.01, 0.06))
        tt = conn.exchange(tt, b"\x14\x03\x03\x00\x01\x01" + app_data(rnd, 53), b"", 0.001)[1]
        for delay, a, b in exchanges:
            tt = conn.exchange(tt + delay, app_data(rnd, a), app_data(rnd, b) if b else b"", rnd.uniform(0.02, 0.2))[1]
        conn.close(tt + (linger if linger is not None else rnd.uniform(0.5, 30)), client_first=rnd.random() < 0.7)
        return tt

    # browsing: World.browse calls page() for each page of a session
    def page(self, client, site, cdn, t, seen, ua):
        rnd = self.rnd
        if site in HTTP_SITES:
            c = self.proxy_conn(client, t)
            tt = self.via(c, t, client, site, "GET", rnd.choice(["/", "/news", "/item/%d" % rnd.randrange(900)]), ua,
                          resp_body=text_body(rnd.randrange(2000, 10000), rnd), gzip_body=True)
            for _ in range(rnd.randrange(1, 5)):
                a = "/static/%d.%s" % (rnd.randrange(30), rnd.choice(["css", "js", "png"]))
                if (site, a) in seen:
                    tt = self.net.http(c, tt + 0.01, client, site, 80, "GET", "http://%s%s" % (site, a), ua, status=304,
                                       extra_req=(("If-Modified-Since", "Mon, 01 Jun 2026 00:00:00 GMT"),))
                else:
                    seen.add((site, a))
                    tt = self.via(c, tt + 0.01, client, site, "GET", a, ua, resp_body=binary_body(rnd.randrange(300, 4000), rnd),
                                  ctype="application/octet-stream")
            c.close(tt + rnd.uniform(5, 60))
        else:
            self.tls(client, site, t, [(0, rnd.randrange(300, 900), rnd.randrange(1000, 5000))] +
                     [(rnd.uniform(0.01, 0.3), rnd.randrange(200, 700), rnd.randrange(200, 2000)) for _ in range(rnd.randrange(0, 4))],
                     ua=ua)
        if cdn:
            self.tls(client, cdn, t + rnd.uniform(0.05, 0.3),
                     [(0.01, rnd.randrange(200, 500), rnd.randrange(300, 3000)) for _ in range(rnd.randrange(1, 3))], ua=ua)

    def https_calls(self, client, host, times, sizes, ua, host_header=True, sni=True):
        """One HTTPS connection per callback: sizes(i) -> (request bytes, answer bytes)."""
        for i, t in enumerate(times):
            a, b = sizes(i)
            self.tls(client, host, t, [(0.001, a, b)], ua=ua, host_header=host_header, sni=sni, linger=self.rnd.uniform(0.05, 0.5), resumed=True)

    def http_calls(self, client, host, times, make):
        """One proxy connection per callback; make(i) -> (method, path, ua, request body, answer body)."""
        for i, t in enumerate(times):
            method, path, ua, rb, sb = make(i)
            c = self.proxy_conn(client, t)
            tt = self.via(c, t, client, host, method, path, ua, req_body=rb, resp_body=sb, ctype="application/octet-stream")
            c.close(tt + 0.01)

    def download(self, client, host, path, body, t):
        """A landing page and a file through the proxy; returns (ts of the file request, sha256)."""
        import hashlib
        c = self.proxy_conn(client, t)
        tt = self.via(c, t, client, host, "GET", "/share/%d" % self.rnd.randrange(1 << 30), BROWSER_UA,
                      resp_body=text_body(4000, self.rnd), gzip_body=True)
        before = len(self.cap.requests)
        tt = self.via(c, tt + self.rnd.uniform(2, 8), client, host, "GET", path, BROWSER_UA, resp_body=body,
                      ctype="application/octet-stream")
        c.close(tt + 0.5)
        return self.cap.requests[before].ts, hashlib.sha256(body).hexdigest()


def sites_for(rnd, n):
    names = rnd.sample(HTTPS_SITES, n - 1) + [rnd.choice(HTTP_SITES)]
    return [(s, rnd.choice(CDNS) if rnd.random() < 0.5 else None) for s in names]


def office(name, hours, day, seed, from_hour=0):
    cap = Capture(name)
    day0 = DAY0 + day * 86400
    start = day0 + from_hour * 3600
    w = ProxyWorld(cap, random.Random(seed), start, hours)
    rnd = w.rnd
    net = w.net
    C = lambda i: "198.18.3.%d" % i
    for s in HTTPS_SITES + HTTP_SITES + CDNS:
        net.server(s, "198.19.10.%d" % (1 + (HTTPS_SITES + HTTP_SITES + CDNS).index(s)))
    w.direct.add(C(40))
    for i in range(10, 30):
        # most people browse a dozen sites; the hosts 22-25 (a kiosk, a build server, two light users) only two or three
        w.browse(C(i), sites_for(rnd, 3 if 22 <= i <= 25 else 12), sessions_per_hour=0.3 if 22 <= i <= 25 else 0.8)
    w.browse(C(40), sites_for(rnd, 10))

    # benign periodic, all through the proxy: hourly update check (HTTP), telemetry (HTTPS), presence polls (HTTPS)
    for c in (C(10), C(11), C(12), C(22), C(24)):
        times = w.timer(3600)
        w.http_calls(c, "update.softvendor.example", times, lambda i: (
            "GET", "/api/v1/update/check?product=officesuite&version=16.4.2&channel=stable", UPD_UA, b"",
            b'{"update":false,"latest":"16.4.2"}'))
        w.label(c, "update.softvendor.example", "benign-periodic", 3600, 0, "none", "software-update check via the proxy")
    for c in (C(13), C(14), C(23)):
        times = w.timer(300)
        w.https_calls(c, "telemetry.osvendor.example", times, lambda i: (rnd.randrange(300, 2000), 120), "OSTelemetry/10.0")
        w.label(c, "telemetry.osvendor.example", "benign-periodic", 300, 0, "none", "OS telemetry over HTTPS via CONNECT")
    for c in range(15, 19):
        times = w.timer(60, 0.05, t0=day0 + 8 * 3600 + rnd.uniform(0, 3600), t1=day0 + 17 * 3600 + rnd.uniform(0, 3600))
        w.https_calls(C(c), "presence.teamspace.example", times, lambda i: (180, 90), BROWSER_UA)
        w.label(C(c), "presence.teamspace.example", "benign-periodic", 60, 5, "uniform +-5%",
                "collaboration presence poll over HTTPS, office hours, a CONNECT per poll")
    # noise: webmail over HTTP through the proxy, refreshes at lognormal gaps
    for c in (C(11), C(16)):
        t, conn = day0 + 8 * 3600 + rnd.uniform(0, 1800), None
        while t < day0 + 17 * 3600:
            conn = conn if conn is not None and t - conn.t < 60 else w.proxy_conn(c, t)
            w.via(conn, t, c, "webmail.corpmail.example", "GET", "/owa/service.svc?action=GetInbox&_=%d" % int(t * 1000),
                  BROWSER_UA, resp_body=text_body(rnd.randrange(300, 6000), rnd), ctype="application/json", gzip_body=True)
            t += rnd.lognormvariate(math.log(90), 0.7)
        if conn is not None and conn.open:
            conn.close(conn.t + 0.5)

    # beacons through the proxy
    def beacon(c, host, interval, jitter, note, https=True, **kw):
        times = w.timer(interval, jitter)
        if https:
            w.https_calls(c, host, times, lambda i: (rnd.randrange(90, 300), rnd.randrange(60, 200) if rnd.random() > 0.05 else 9000),
                          kw.get("ua", GO_UA), host_header=kw.get("host_header", True), sni=kw.get("sni", True))
        else:
            w.http_calls(c, host, times, kw["make"])
        w.label(c, host, "beacon", interval, int(jitter * 100), "uniform +-%d%%" % (jitter * 100) if jitter else "none", note)
        return times

    beacon(C(17), "api.status-board.example", 300, 0.2, "HTTP beacon through the proxy, absolute-form GET", https=False,
           make=lambda i: ("GET", "/v1/status?id=%s" % b64(rnd, 6), OLD_UA, b"", rnd.randbytes(rnd.randrange(20, 90))))
    beacon(C(18), "cdn.update-assets.example", 600, 0.3, "HTTPS beacon via CONNECT, 10 min +-30%")
    beacon(C(19), "sync.notes-backup.example", 60, 0.5, "HTTPS beacon via CONNECT, 60 s +-50%, no Host header on the CONNECT",
           host_header=False, ua="Mozilla/4.0")
    beacon(C(20), "198.19.77.44", 900, 0.1, "HTTPS beacon via CONNECT to an IP literal, no SNI", sni=False)
    beacon(C(22), "metrics.appsight-cloud.example", 120, 0.3, "HTTPS beacon via CONNECT from a host that browses two or three sites")
    beacon(C(24), "pull.config-relay.example", 300, 0.1, "HTTP beacon via the proxy from a host that browses two or three sites",
           https=False, make=lambda i: ("POST", "/gate", GO_UA, rnd.randbytes(rnd.randrange(40, 80)), b""))
    # direct HTTPS beacon (no proxy) for comparison
    net.server("edge.telemetry-relay.example", "198.19.99.5")
    beacon(C(40), "edge.telemetry-relay.example", 300, 0.2, "direct HTTPS beacon by SNI, not through the proxy")

    # incident: a download through the proxy, then HTTPS callbacks through the proxy 5 minutes later
    ts, sha = w.download(C(26), "files.sharebox.example", "/d/invoice_0606.exe", EICAR, start + hours * 1200 + 700)
    times = w.timer(180, 0.2, t0=ts + 300)
    w.https_calls(C(26), "cdn.msedge-telemetry.example", times, lambda i: (rnd.randrange(100, 200), rnd.randrange(40, 120)), GO_UA)
    w.label(C(26), "cdn.msedge-telemetry.example", "beacon", 180, 20, "uniform +-20%", "second stage of the incident, via CONNECT")
    w.incidents.append(dict(host=C(26), download=dict(ts=ts, host="files.sharebox.example", dst_ip=PROXY,
                                                      uri="http://files.sharebox.example/d/invoice_0606.exe", sha256=sha,
                                                      size=len(EICAR), content="EICAR test file"),
                            beacon=dict(dst_host="cdn.msedge-telemetry.example", dst_ip=PROXY, first_ts=times[0], interval_s=180,
                                        delay_s=round(times[0] - ts, 3)),
                            note="download through the proxy, then callbacks through the proxy"))
    return w


def main():
    write_set(OUT, (lambda: office("proxy-office-24h.pcap", 24, 0, SEED + 1),
                    lambda: office("proxy-office-8h.pcap", 8, 1, SEED + 2, from_hour=8)))


if __name__ == "__main__":
    main()
