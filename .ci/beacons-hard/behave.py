"""Behaviours: browsing, webmail, timers (beacons and benign periodic traffic), downloads; and the
ground truth of a capture."""
import base64, hashlib, io, json, math, os, statistics, zipfile
from pcapgen import Net, text_body, binary_body

BROWSER_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


class World:
    def __init__(self, cap, rnd, start, hours):
        self.cap = cap
        self.rnd = rnd
        self.net = Net(cap, rnd)
        self.start = start
        self.end = start + hours * 3600
        self.hours = hours
        self.labels = {}  # (client, host) -> dict(label, interval_s, jitter_pct, jitter_model, note, ...)
        self.incidents = []
        self.non_incidents = []

    def label(self, client, host, label, interval, jitter_pct, model, note, **kw):
        d = dict(label=label, interval_s=interval, jitter_pct=jitter_pct, jitter_model=model, note=note)
        d.update(kw)
        self.labels[(client, host.lower())] = d

    # ---------- time plans ----------
    def timer(self, period, jitter=0.0, model="uniform", t0=None, t1=None, sleeps=(), miss=0.0, phases=None):
        """Callback times: each sleep is period x (1 + jitter draw). model: uniform (+-J), gauss (sigma J,
        clipped to 0.1..3 periods), minus (-J..0). miss: a callback is skipped (the implant slept through,
        the connection failed) with this probability. phases: [(from_ts, period, jitter, model)] switch."""
        rnd = self.rnd
        t = (t0 if t0 is not None else self.start + rnd.uniform(0, period))
        t1 = t1 if t1 is not None else self.end - 30
        out = []
        while t < t1:
            p, j, m = period, jitter, model
            for (fr, pp, jj, mm) in (phases or ()):
                if t >= fr:
                    p, j, m = pp, jj, mm
            hour = ((t - self.start) / 3600.0 + (self.start % 86400) / 3600.0) % 24
            asleep = any(a <= hour < b for (a, b) in sleeps)
            if not asleep and rnd.random() >= miss:
                out.append(t)
            if m == "uniform":
                f = 1 + rnd.uniform(-j, j)
            elif m == "gauss":
                f = min(3, max(0.1, rnd.gauss(1, j)))
            elif m == "minus":
                f = 1 - rnd.uniform(0, j)
            else:
                f = 1
            t += p * f
        return out

    # ---------- browsing noise ----------
    def browse(self, client, sites, t0=None, t1=None, sessions_per_hour=0.8, office=True, ua=BROWSER_UA):
        """Poisson sessions weighted by hour of day; 1-12 pages each, lognormal think times (median 30 s)."""
        rnd = self.rnd
        t = t0 if t0 is not None else self.start
        t1 = t1 if t1 is not None else self.end
        seen = set()
        while True:
            t += rnd.expovariate(sessions_per_hour / 3600.0)
            if t >= t1 - 600:
                return
            hour = (t % 86400) / 3600.0
            w = (1.0 if 8 <= hour < 18 else 0.25 if 18 <= hour < 23 else 0.04) if office else 0.6
            if rnd.random() > w:
                continue
            site, cdn = rnd.choice(sites)
            pages = 1 + int(rnd.expovariate(1 / 4.0))
            for _ in range(min(pages, 15)):
                self.page(client, site, cdn, t, seen, ua)
                t += rnd.lognormvariate(math.log(30), 1.0) + 1

    def page(self, client, site, cdn, t, seen, ua):
        rnd, net = self.rnd, self.net
        c = net.connect(client, site, 80, t)
        path = rnd.choice(["/", "/news", "/article/%d" % rnd.randrange(10000), "/search?q=%s" % rnd.choice(
            ["report", "weather", "price", "login"]), "/products/%d" % rnd.randrange(500)])
        status = 404 if rnd.random() < 0.02 else 200
        tt = net.http(c, t, client, site, 80, "GET", path, ua, resp_body=text_body(rnd.randrange(3000, 40000), rnd),
                      status=status, gzip_body=True)
        for _ in range(rnd.randrange(1, 6)):
            a = "/static/%s.%s" % (rnd.randrange(40), rnd.choice(["css", "js", "png"]))
            if (site, a) in seen:
                tt = net.http(c, tt + rnd.uniform(0.002, 0.04), client, site, 80, "GET", a, ua, status=304,
                              extra_req=(("If-Modified-Since", "Mon, 01 Jan 2024 00:00:00 GMT"),))
            else:
                seen.add((site, a))
                ct = "image/png" if a.endswith("png") else "text/css" if a.endswith("css") else "application/javascript"
                body = binary_body(rnd.randrange(500, 12000), rnd) if ct == "image/png" else text_body(rnd.randrange(800, 30000), rnd)
                tt = net.http(c, tt + rnd.uniform(0.002, 0.04), client, site, 80, "GET", a, ua, resp_body=body, ctype=ct,
                              gzip_body=ct != "image/png")
        c.close(tt + rnd.uniform(5, 60))
        if cdn:
            c2 = net.connect(client, cdn, 80, t + rnd.uniform(0.05, 0.3))
            tt = c2.t
            for _ in range(rnd.randrange(1, 5)):
                a = "/assets/%s/%d.jpg" % (site.split(".")[0], rnd.randrange(60))
                if (cdn, a) in seen:
                    tt = net.http(c2, tt + rnd.uniform(0.002, 0.03), client, cdn, 80, "GET", a, ua, status=304,
                                  extra_req=(("If-Modified-Since", "Mon, 01 Jan 2024 00:00:00 GMT"),))
                else:
                    seen.add((cdn, a))
                    tt = net.http(c2, tt + rnd.uniform(0.002, 0.03), client, cdn, 80, "GET", a, ua,
                                  resp_body=binary_body(rnd.randrange(1000, 20000), rnd), ctype="image/jpeg")
            c2.close(tt + rnd.uniform(5, 60))
        if rnd.random() < 0.01:
            c3 = net.connect(client, site, 80, t + rnd.uniform(2, 20))
            tt = net.http(c3, c3.t, client, site, 80, "GET", "/docs/%d.pdf" % rnd.randrange(100), ua,
                          resp_body=binary_body(rnd.randrange(60000, 200000), rnd), ctype="application/pdf")
            c3.close(tt + 0.1)

    def refresh(self, client, host, uri_fn, median, sigma, t0, t1, ua=BROWSER_UA, keepalive=True, method="GET"):
        """Random refreshes at lognormal gaps (webmail, dashboards a human reloads): noise."""
        rnd, net = self.rnd, self.net
        t = t0 + rnd.uniform(0, median)
        conn = None
        while t < t1:
            if conn is None or not keepalive or t - conn.t > 70:
                if conn is not None and conn.open:
                    conn.close(conn.t + 0.5)
                conn = net.connect(client, host, 80, t)
            body = text_body(rnd.randrange(300, 6000), rnd)
            tt = net.http(conn, t, client, host, 80, method, uri_fn(t), ua, resp_body=body, ctype="application/json",
                          gzip_body=True)
            if not keepalive:
                conn.close(tt + 0.01)
                conn = None
            t += rnd.lognormvariate(math.log(median), sigma)
        if conn is not None and conn.open:
            conn.close(conn.t + 0.5)

    # ---------- periodic callers ----------
    def calls(self, client, host, port, times, make, keepalive=False, idle_close=None):
        """Makes one callback at each time: make(t, i) -> list of (delay, method, uri, ua, req_body, resp_body,
        ctype) requests sent in turn (a burst is several). keepalive: one connection, re-opened after
        idle_close seconds of silence."""
        net = self.net
        conn = None
        for i, t in enumerate(times):
            reqs = make(t, i)
            if keepalive and conn is not None and (idle_close is None or t - conn.t < idle_close):
                pass
            else:
                if conn is not None and conn.open:
                    conn.close(conn.t + 0.2)
                conn = net.connect(self.client_ip(client), host, port, t)
            tt = t
            for j, (delay, method, uri, ua, rb, sb, ct) in enumerate(reqs):
                if j > 0 and not keepalive and delay > 1.0:
                    conn.close(conn.t + 0.05)
                    conn = net.connect(client, host, port, tt + delay)
                    tt = conn.t
                    delay = 0
                tt = net.http(conn, tt + delay, client, host, port, method, uri, ua, req_body=rb, resp_body=sb, ctype=ct,
                              req_ctype="application/octet-stream" if rb else None)
            if not keepalive:
                conn.close(tt + 0.01)
                conn = None
        if conn is not None and conn.open:
            conn.close(conn.t + 0.2)

    @staticmethod
    def client_ip(c):
        return c

    def download(self, client, host, uri, body, ctype="application/octet-stream", t=None, gzip_body=False, chunked=False,
                 referer_page=True):
        """A landing page, then the file; returns (ts of the file request, sha256 of the saved file)."""
        rnd, net = self.rnd, self.net
        c = net.connect(client, host, 80, t)
        tt = c.t
        if referer_page:
            tt = net.http(c, t, client, host, 80, "GET", "/share/" + str(rnd.randrange(1 << 30)), BROWSER_UA,
                          resp_body=text_body(4000, rnd), gzip_body=True)
            tt += rnd.uniform(2, 8)
        before = len(self.cap.requests)
        tt = net.http(c, tt, client, host, 80, "GET", uri, BROWSER_UA, resp_body=body, ctype=ctype, gzip_body=gzip_body,
                      chunked=chunked)
        r = self.cap.requests[before]
        c.close(tt + 0.5)
        return r.ts, hashlib.sha256(body).hexdigest()

    # ---------- truth ----------
    def truth(self, path_pcap, capname):
        cap = self.cap
        n = cap.write(path_pcap)
        data = open(path_pcap, "rb").read()
        rows = []
        by = {}
        for r in sorted(cap.requests, key=lambda r: r.ts):
            by.setdefault((r.client, r.host), []).append(r)
        counts = {"beacon": 0, "benign-periodic": 0, "noise": 0}
        pairs = []
        for (client, host), rs in sorted(by.items()):
            lab = self.labels.get((client, host), dict(label="noise", interval_s=None, jitter_pct=None, jitter_model=None,
                                                           note="browsing / random requests"))
            counts[lab["label"]] += 1
            ts = [r.ts for r in rs]
            iv = [b - a for a, b in zip(ts, ts[1:])]

            def st(v):
                return None if not v else dict(mean=round(statistics.mean(v), 3), median=round(statistics.median(v), 3),
                                               stdev=round(statistics.pstdev(v), 3), min=round(min(v), 3), max=round(max(v), 3))
            row = dict(capture=capname, type="pair", src_ip=client, dst_host=host, dst_ip=rs[0].server, dst_port=rs[0].port,
                       proto=rs[0].proto, count=len(rs), first_ts=round(ts[0], 6), last_ts=round(ts[-1], 6),
                       connections=len({r.conn for r in rs}), observed_interval_s=st(iv),
                       observed_sizes=dict(request=st([r.req_size for r in rs]), response=st([r.resp_size for r in rs])))
            row.update(lab)
            if lab["label"] == "noise":
                row["method"] = "/".join(sorted({r.method for r in rs}))
                row["uri"] = None
                row["distinct_uris"] = len({r.uri for r in rs})
                sc = {}
                for r in rs:
                    sc[str(r.status)] = sc.get(str(r.status), 0) + 1
                row["status_counts"] = sc
            else:
                row.setdefault("method", "/".join(sorted({r.method for r in rs})))
                row.setdefault("uri", rs[0].uri)
                row.setdefault("user_agent", rs[0].ua)
            pairs.append(row)
        capture = dict(capture=capname, type="capture", window_start_ts=self.start, window_end_ts=self.end, hours=self.hours,
                       time_factor=None, first_packet_ts=cap.packets[0][0], last_packet_ts=cap.packets[-1][0], packets=n,
                       bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), link_type="ethernet",
                       tcp_connections=cap.conn_ids, http_requests=sum(1 for r in cap.requests if r.proto == "tcp"),
                       ntp_requests=sum(1 for r in cap.requests if r.proto == "udp"),
                       clients=sorted({r.client for r in cap.requests}), pairs=counts, incidents=len(self.incidents),
                       generator="h-beacon-adv/gen (synthesised, not captured)")
        rows.append(capture)
        rows.extend(pairs)
        for inc in self.incidents:
            d = dict(capture=capname, type="incident")
            d.update(inc)
            rows.append(d)
        for ni in self.non_incidents:
            d = dict(capture=capname, type="non-incident")
            d.update(ni)
            rows.append(d)
        return rows


def b64(rnd, n):
    return base64.b64encode(rnd.randbytes(n)).decode()


def zip_of(name, content):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        zi = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
        z.writestr(zi, content)
    return buf.getvalue()


def write_set(out, makers):
    """Makes each capture (a function returning its World), writes it to OUT and every truth row to OUT/truth.jsonl."""
    rows = []
    for make in makers:
        w = make()
        name = w.cap.name
        print("writing", name, flush=True)
        rows.extend(w.truth(os.path.join(out, name), name))
    with open(os.path.join(out, "truth.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
