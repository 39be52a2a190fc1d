#!/usr/bin/env python3
"""Makes the adversarial beacon set: five captures and truth.jsonl in the shared set's format.
usage: make.py OUT_DIR [SEED]"""
import gzip, json, math, os, random, sys
from pcapgen import Capture
from behave import World, BROWSER_UA, EICAR, b64, zip_of, write_set
from pcapgen import text_body, binary_body

OUT = sys.argv[1]
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 20250602
random.seed(SEED)  # the packet details pcapgen draws (ports, sequence numbers, IP ids): same seed, same bytes
os.makedirs(OUT, exist_ok=True)

DAY0 = 1748822400  # 2025-06-02 00:00 UTC, a Monday
OLD_UA = "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0)"
GO_UA = "Go-http-client/1.1"
CURL_UA = "curl/7.68.0"
UPD_UA = "SoftVendorUpdater/3.2"
TEL_UA = "OSTelemetry/10.0"


def servers(w):
    n = w.net
    for name, ip in [("news.daily-herald.example", "198.19.10.1"), ("shop.megamart.example", "198.19.10.2"),
                     ("weather.forecast-now.example", "198.19.10.3"), ("portal.hr-benefits.example", "198.19.10.4"),
                     ("docs.office-online.example", "198.19.10.5"), ("forum.devtalk.example", "198.19.10.6"),
                     ("travel.bookit.example", "198.19.10.7"), ("bank.securepay.example", "198.19.10.8"),
                     ("cdn.fastedge.example", "198.19.20.1"), ("img.megamart-cdn.example", "198.19.20.2"),
                     ("mail.corpmail.example", "198.19.11.1"), ("update.softvendor.example", "198.19.30.10"),
                     ("telemetry.osvendor.example", "198.19.30.20"), ("time.ntp-pool.example", "198.19.30.30"),
                     ("files.sharebox.example", "198.19.40.5"), ("docs-share.example", "198.19.40.21"),
                     ("video.streamly.example", "198.19.21.9"), ("collab.teamspace.example", "198.19.31.4"),
                     ("chat.teamspace.example", "198.19.31.4"), ("dashboard.saas-metrics.example", "198.19.31.8"),
                     ("backup.vault-cloud.example", "198.19.31.12"), ("stocks.tickerwatch.example", "198.19.10.9"),
                     ("api.partner-orders.example", "198.19.31.20"), ("kiosk.lobby-signage.example", "198.19.31.30"),
                     ("av.defender-cloud.example", "198.19.30.40")]:
        n.server(name, ip)


SITES = [("news.daily-herald.example", "cdn.fastedge.example"), ("shop.megamart.example", "img.megamart-cdn.example"),
         ("weather.forecast-now.example", "cdn.fastedge.example"), ("portal.hr-benefits.example", None),
         ("docs.office-online.example", "cdn.fastedge.example"), ("forum.devtalk.example", None),
         ("travel.bookit.example", "cdn.fastedge.example"), ("bank.securepay.example", None)]


def simple(method, uri, ua, req=0, resp=0, ct="application/octet-stream", rnd=None):
    return (0, method, uri, ua, rnd.randbytes(req) if req else b"", rnd.randbytes(resp) if resp else b"", ct)


def update_checks(w, clients, period=3600, jitter=0.0, note="software-update check"):
    rnd = w.rnd
    for c in clients:
        times = w.timer(period, jitter, "uniform")
        uri = "/api/v1/update/check?product=officesuite&version=16.4.2&channel=stable"
        w.calls(c, "update.softvendor.example", 80, times,
                lambda t, i: [(0, "GET", uri, UPD_UA, b"", ('{"update":false,"latest":"16.4.2"}').encode(), "application/json")])
        w.label(c, "update.softvendor.example", "benign-periodic", period, int(jitter * 100),
                "uniform +-%d%%" % (jitter * 100) if jitter else "none", note)


def telemetry(w, clients, period=300):
    rnd = w.rnd
    for c in clients:
        times = w.timer(period)
        w.calls(c, "telemetry.osvendor.example", 80, times,
                lambda t, i: [(0, "POST", "/v2/telemetry/events", TEL_UA, text_body(rnd.randrange(400, 9000), rnd), b"",
                               "application/json")])
        w.label(c, "telemetry.osvendor.example", "benign-periodic", period, 0, "none", "OS telemetry POST, JSON body of varying size")


def ntp(w, client, period):
    for t in w.timer(period):
        w.net.ntp(t, client, "198.19.30.30", sport=w.cap.ephemeral(client))
    w.label(client, "198.19.30.30", "benign-periodic", period, 0, "none", "NTP client poll, ephemeral source port")


def webmail(w, client, day_from=8, day_to=18):
    for d in range(0, w.hours // 24 + 1):
        t0 = w.start + d * 86400 + day_from * 3600 + w.rnd.uniform(0, 1800)
        t1 = w.start + d * 86400 + day_to * 3600 - w.rnd.uniform(0, 1800)
        t1 = min(t1, w.end - 60)
        if t1 > t0:
            w.refresh(client, "mail.corpmail.example", lambda t: "/owa/service.svc?action=GetInbox&_=%d" % int(t * 1000),
                      90, 0.7, t0, t1)


# -------------------------------------------------------------- capture 1: jitter and shapes over 24 h
def jitter_24h():
    cap = Capture("adv-jitter-24h.pcap")
    w = World(cap, random.Random(SEED + 1), DAY0, 24)
    servers(w)
    rnd, net = w.rnd, w.net
    C = lambda i: "198.18.2.%d" % i
    for i in range(10, 23):
        w.browse(C(i), SITES)
    webmail(w, C(11))
    webmail(w, C(14))
    update_checks(w, [C(10), C(12), C(13)])
    telemetry(w, [C(15), C(16)])
    ntp(w, C(10), 1024)

    # A1: gaussian jitter sigma 20 %, query string changes every request, response size varies
    net.server("api.weather-widget.example", "198.19.88.3")
    times = w.timer(300, 0.2, "gauss")
    w.calls(C(17), "api.weather-widget.example", 80, times, lambda t, i: [
        (0, "GET", "/v1/forecast?loc=%s&t=%d&sig=%s" % (b64(rnd, 6), int(t), b64(rnd, 12)), BROWSER_UA, b"",
         rnd.randbytes(rnd.randrange(200, 3000)), "application/json")])
    w.label(C(17), "api.weather-widget.example", "beacon", 300, 20, "gauss sigma 20%",
            "gaussian sleep, query string different every request, response 200-3000 bytes")

    # A2: IP literal, POST, +-40 %, tasks now and then
    net.server("198.19.88.10", "198.19.88.10")
    times = w.timer(600, 0.4)
    w.calls(C(18), "198.19.88.10", 80, times, lambda t, i: [
        (0, "POST", "/api/v2/report", OLD_UA, rnd.randbytes(rnd.randrange(64, 400)),
         rnd.randbytes(20000 if rnd.random() < 0.05 else rnd.randrange(0, 40)), "application/octet-stream")])
    w.label(C(18), "198.19.88.10", "beacon", 600, 40, "uniform +-40%", "IP literal, POST check-in, task body now and then")

    # A3: 30 min +-20 %
    net.server("cdn-static-assets.example", "198.19.88.20")
    times = w.timer(1800, 0.2)
    w.calls(C(19), "cdn-static-assets.example", 80, times, lambda t, i: [
        (0, "GET", "/js/app.%s.js" % b64(rnd, 6).replace("/", "_").replace("+", "-"), BROWSER_UA, b"",
         rnd.randbytes(rnd.randrange(1000, 1400)), "application/javascript")])
    w.label(C(19), "cdn-static-assets.example", "beacon", 1800, 20, "uniform +-20%", "long interval, URI changes per request")

    # A4: 20 min +-50 %
    net.server("telemetry-svc.example", "198.19.88.21")
    times = w.timer(1200, 0.5)
    w.calls(C(21), "telemetry-svc.example", 80, times, lambda t, i: [
        simple("GET", "/collect?id=4f2a", GO_UA, resp=rnd.randrange(40, 60), rnd=rnd)])
    w.label(C(21), "telemetry-svc.example", "beacon", 1200, 50, "uniform +-50%", "long interval, heavy jitter")

    # A5: 60 s +-50 %, 10 % missed callbacks, asleep 00-06
    net.server("sync.office-cdn.example", "198.19.88.22")
    times = w.timer(60, 0.5, sleeps=[(0, 6)], miss=0.1)
    w.calls(C(22), "sync.office-cdn.example", 80, times, lambda t, i: [
        simple("GET", "/s/%d" % rnd.randrange(1 << 20), BROWSER_UA, resp=rnd.randrange(30, 90), rnd=rnd)])
    w.label(C(22), "sync.office-cdn.example", "beacon", 60, 50, "uniform +-50%", "10% of callbacks missed, asleep 00-06",
            sleeps=[[DAY0, DAY0 + 6 * 3600]])

    # A6: 2 min gaussian 30 %, bursts: check-in, then 1-2 result POSTs 1-8 s later when tasked
    net.server("push.notify-hub.example", "198.19.88.23")
    times = w.timer(120, 0.3, "gauss")

    def burst(t, i):
        out = [simple("GET", "/poll?c=%s" % b64(rnd, 8), OLD_UA, resp=rnd.randrange(0, 64), rnd=rnd)]
        if rnd.random() < 0.3:
            for _ in range(rnd.randrange(1, 3)):
                out.append((rnd.uniform(1, 8), "POST", "/result", OLD_UA, rnd.randbytes(rnd.randrange(200, 5000)), b"",
                            "text/plain"))
        return out
    w.calls(C(23), "push.notify-hub.example", 80, times, burst)
    w.label(C(23), "push.notify-hub.example", "beacon", 120, 30, "gauss sigma 30%",
            "bursts: when tasked, 1-2 result POSTs 1-8 s after the check-in (30% of check-ins)")

    # A7: port 8443 plain HTTP, 15 min +-30 %, 20 % missed
    net.server("198.19.88.44", "198.19.88.44")
    times = w.timer(900, 0.3, miss=0.2)
    w.calls(C(24), "198.19.88.44", 8443, times, lambda t, i: [
        simple("GET", "/en-us/index.html?%s" % b64(rnd, 9), BROWSER_UA, resp=rnd.randrange(500, 4000), rnd=rnd, ct="text/html")])
    w.label(C(24), "198.19.88.44", "beacon", 900, 30, "uniform +-30%", "port 8443, 20% of callbacks missed")

    # A8: 45 min gaussian 15 %, 24 h: 32 callbacks
    net.server("assets.brand-fonts.example", "198.19.88.45")
    times = w.timer(2700, 0.15, "gauss")
    w.calls(C(25), "assets.brand-fonts.example", 80, times, lambda t, i: [
        simple("POST", "/api/v1/upload", BROWSER_UA, req=rnd.randrange(100, 300), resp=16, rnd=rnd)])
    w.label(C(25), "assets.brand-fonts.example", "beacon", 2700, 15, "gauss sigma 15%", "45-minute sleep, POST")

    # A9: 30 s +-20 % for 2 h from 10:00, then 30 min +-20 % until the end (sleep lengthened)
    net.server("198.19.88.46", "198.19.88.46")
    times = w.timer(30, 0.2, t0=DAY0 + 10 * 3600, phases=[(DAY0 + 12 * 3600, 1800, 0.2, "uniform")])
    w.calls(C(26), "198.19.88.46", 80, times, lambda t, i: [
        simple("GET", "/cm?%s" % b64(rnd, 12), OLD_UA, resp=rnd.randrange(0, 300), rnd=rnd)])
    w.label(C(26), "198.19.88.46", "beacon", 30, 20, "uniform +-20%, 30 min +-20% after 2 h",
            "interactive 30 s for 2 h from 10:00, then 30 min sleeps until midnight")

    # A10: 5 min +-20 %; 40 % of check-ins get a task whose result is POSTed 10-90 s later
    net.server("api.doc-render.example", "198.19.88.47")
    times = w.timer(300, 0.2)

    def tasked(t, i):
        out = [simple("GET", "/v2/jobs?w=%s" % b64(rnd, 6), GO_UA, resp=rnd.randrange(0, 32), rnd=rnd)]
        if rnd.random() < 0.4:
            out.append((rnd.uniform(10, 90), "POST", "/v2/jobs/result", GO_UA, rnd.randbytes(rnd.randrange(500, 20000)), b"",
                        "application/json"))
        return out
    w.calls(C(27), "api.doc-render.example", 80, times, tasked)
    w.label(C(27), "api.doc-render.example", "beacon", 300, 20, "uniform +-20%",
            "tasked check-ins: 40% followed by a result POST 10-90 s later")

    # A11: hourly +-30 % with a quarter of the callbacks missed: about 18 callbacks in 24 h
    net.server("198.19.88.48", "198.19.88.48")
    times = w.timer(3600, 0.3, miss=0.25)
    w.calls(C(28), "198.19.88.48", 80, times, lambda t, i: [
        simple("POST", "/l", OLD_UA, req=rnd.randrange(40, 80), resp=rnd.randrange(0, 100), rnd=rnd)])
    w.label(C(28), "198.19.88.48", "beacon", 3600, 30, "uniform +-30%", "hourly, a quarter of the callbacks missed")

    # A12: 5 s +-20 % from 06:00 to midnight over keep-alive connections (more requests than a pair keeps)
    net.server("ws.live-scores.example", "198.19.88.49")
    times = w.timer(5, 0.2, t0=DAY0 + 6 * 3600)
    w.calls(C(29), "ws.live-scores.example", 80, times, lambda t, i: [
        simple("GET", "/feed?seq=%d" % i, GO_UA, resp=rnd.randrange(0, 60), rnd=rnd)], keepalive=True, idle_close=60)
    w.label(C(29), "ws.live-scores.example", "beacon", 5, 20, "uniform +-20%", "5 s sleep for 18 h, keep-alive")
    return w


# -------------------------------------------------------------- capture 2: short intervals over 8 h
def fast_8h():
    cap = Capture("adv-fast-8h.pcap")
    start = DAY0 + 86400 + 8 * 3600
    w = World(cap, random.Random(SEED + 2), start, 8)
    servers(w)
    rnd, net = w.rnd, w.net
    C = lambda i: "198.18.3.%d" % i
    for i in range(30, 37):
        w.browse(C(i), SITES, sessions_per_hour=1.5)

    # B1: 1 s +-10 % over one keep-alive connection, an interactive session of 2 h in the middle
    net.server("198.19.90.7", "198.19.90.7")
    times = w.timer(1, 0.1, t0=start + 3 * 3600, t1=start + 5 * 3600)
    w.calls(C(37), "198.19.90.7", 80, times, lambda t, i: [simple("GET", "/b", CURL_UA, resp=rnd.randrange(0, 24), rnd=rnd)],
            keepalive=True, idle_close=30)
    w.label(C(37), "198.19.90.7", "beacon", 1, 10, "uniform +-10%",
            "interactive session: 1 s sleep for 2 h, one keep-alive connection")

    # B2: 3 s +-50 %, a connection per callback, all 8 h
    net.server("live.update-cache.example", "198.19.90.8")
    times = w.timer(3, 0.5)
    w.calls(C(38), "live.update-cache.example", 80, times, lambda t, i: [
        simple("GET", "/q?x=%s" % b64(rnd, 6), GO_UA, resp=rnd.randrange(0, 40), rnd=rnd)])
    w.label(C(38), "live.update-cache.example", "beacon", 3, 50, "uniform +-50%", "3 s sleep, heavy jitter, a connection each, 8 h")

    # B3: 5 s gaussian 20 %, keep-alive, 6 h of the 8
    net.server("api.chat-relay.example", "198.19.90.9")
    times = w.timer(5, 0.2, "gauss", t0=start + 1800, t1=start + 6.5 * 3600)
    w.calls(C(39), "api.chat-relay.example", 80, times, lambda t, i: [
        simple("POST", "/r", GO_UA, req=rnd.randrange(30, 200), resp=rnd.randrange(0, 100), rnd=rnd)], keepalive=True,
        idle_close=60)
    w.label(C(39), "api.chat-relay.example", "beacon", 5, 20, "gauss sigma 20%", "5 s sleep for 6 h, keep-alive")

    # B4: 15 s +-30 %, a connection each, all 8 h
    net.server("198.19.90.10", "198.19.90.10")
    times = w.timer(15, 0.3)
    w.calls(C(40), "198.19.90.10", 80, times, lambda t, i: [
        simple("GET", "/news.php?id=%d" % rnd.randrange(1 << 16), OLD_UA, resp=rnd.randrange(50, 400), rnd=rnd)])
    w.label(C(40), "198.19.90.10", "beacon", 15, 30, "uniform +-30%", "15 s sleep, IP literal, 8 h")

    # benign: a browser tab polls a status API every 30 s for 6 h (keep-alive)
    times = w.timer(30, 0.02, t0=start + 600, t1=start + 6.5 * 3600)
    w.calls(C(31), "dashboard.saas-metrics.example", 80, times, lambda t, i: [
        (0, "GET", "/api/status?_=%d" % int(t * 1000), BROWSER_UA, b"", text_body(rnd.randrange(300, 900), rnd),
         "application/json")], keepalive=True, idle_close=60)
    w.label(C(31), "dashboard.saas-metrics.example", "benign-periodic", 30, 2, "uniform +-2%",
            "browser tab polling a status API every 30 s")

    # benign: long polling (held up to 25 s, a message now and then)
    t = start + 300
    conn = None
    while t < w.end - 60:
        hold = min(25.0, rnd.expovariate(1 / 90.0))
        if conn is None:
            conn = net.connect(C(32), "chat.teamspace.example", 80, t)
        body = text_body(rnd.randrange(50, 400), rnd) if hold < 25 else b"[]"
        tt = net.http(conn, t, C(32), "chat.teamspace.example", 80, "GET", "/poll?since=%d" % int(t), BROWSER_UA,
                      resp_body=body, ctype="application/json", server_time=hold)
        t = tt + rnd.uniform(0.01, 0.2)
    conn.close()
    w.label(C(32), "chat.teamspace.example", "benign-periodic", 25, None, "long-poll",
            "chat long-poll: the server answers after 25 s or when a message comes")

    # noise: 20 minutes of internet radio (HLS audio at 48 kbit/s: a 6 s segment as the buffer drains)
    t = start + 3600
    conn = net.connect(C(33), "video.streamly.example", 80, t)
    for k in range(200):
        seg_t = t + (k * 6.0 + rnd.uniform(-0.3, 0.3) if k > 5 else k * 0.4)
        net.http(conn, seg_t, C(33), "video.streamly.example", 80, "GET", "/radio/8841/seg%05d.aac" % k, BROWSER_UA,
                 resp_body=binary_body(rnd.randrange(34000, 38000), rnd), ctype="audio/aac")
    conn.close()
    return w


# -------------------------------------------------------------- capture 3: switches, several C2s, several hosts, 12 h
def switch_12h():
    cap = Capture("adv-switch-12h.pcap")
    start = DAY0 + 2 * 86400 + 6 * 3600
    w = World(cap, random.Random(SEED + 3), start, 12)
    servers(w)
    rnd, net = w.rnd, w.net
    C = lambda i: "198.18.4.%d" % i
    for i in range(40, 48):
        w.browse(C(i), SITES)
    update_checks(w, [C(40), C(41)])
    telemetry(w, [C(42)])
    webmail(w, C(43))

    # C1: hourly +-20 %, an operator switches to 10 s +-30 % for 40 min at 3 h in, then back to hourly
    net.server("198.19.91.3", "198.19.91.3")
    times = w.timer(3600, 0.2, phases=[(start + 3 * 3600, 10, 0.3, "uniform"), (start + 3 * 3600 + 2400, 3600, 0.2, "uniform")])
    w.calls(C(48), "198.19.91.3", 80, times, lambda t, i: [simple("POST", "/submit.php?id=%d" % rnd.randrange(1 << 16),
                                                                 OLD_UA, req=48, resp=rnd.randrange(0, 200), rnd=rnd)])
    w.label(C(48), "198.19.91.3", "beacon", 3600, 20, "uniform +-20%, 10 s +-30% for 40 min at 3 h",
            "sleep changed mid-way: hourly, then interactive (10 s) for 40 minutes, then hourly again")

    # C1b: 15 min +-30 % for 6 h, then 1 min +-30 % for 6 h
    net.server("edge.content-sync.example", "198.19.91.4")
    times = w.timer(900, 0.3, phases=[(start + 6 * 3600, 60, 0.3, "uniform")])
    w.calls(C(56), "edge.content-sync.example", 80, times, lambda t, i: [simple("GET", "/sync/%d" % rnd.randrange(1 << 20),
                                                                               GO_UA, resp=rnd.randrange(20, 80), rnd=rnd)])
    w.label(C(56), "edge.content-sync.example", "beacon", 900, 30, "uniform +-30%, then 60 s +-30% after 6 h",
            "sleep changed mid-way: 15 min for 6 h, then 1 min")

    # C2: failover: primary for 5 h, then the secondary
    net.server("c2-alpha.example", "198.19.91.10")
    net.server("c2-beta.example", "198.19.91.11")
    times = w.timer(300, 0.3)
    cut = start + 5 * 3600
    mk = lambda t, i: [simple("GET", "/api/ping?%s" % b64(rnd, 10), BROWSER_UA, resp=rnd.randrange(20, 200), rnd=rnd)]
    w.calls(C(49), "c2-alpha.example", 80, [t for t in times if t < cut], mk)
    w.calls(C(49), "c2-beta.example", 80, [t for t in times if t >= cut], mk)
    w.label(C(49), "c2-alpha.example", "beacon", 300, 30, "uniform +-30%", "failover C2: primary for the first 5 h")
    w.label(C(49), "c2-beta.example", "beacon", 300, 30, "uniform +-30%", "failover C2: secondary after 5 h")

    # C3: round robin over three names (three addresses), 2 min +-30 %
    names = ["r1.edge-relay.example", "r2.edge-relay.example", "r3.edge-relay.example"]
    for k, n in enumerate(names):
        net.server(n, "198.19.91.%d" % (20 + k))
    times = w.timer(120, 0.3)
    for k, n in enumerate(names):
        w.calls(C(50), n, 80, times[k::3], lambda t, i: [simple("GET", "/c/%s" % b64(rnd, 8).replace("/", "_"), GO_UA,
                                                                resp=rnd.randrange(0, 64), rnd=rnd)])
        w.label(C(50), n, "beacon", 360, 30, "round robin over 3 hosts, 2 min +-30% each callback",
                "round-robin C2 rotation: each name gets every third callback")

    # C4: random rotation over two names on one address, 5 min +-20 %
    rot = ["mx1.mail-relay-svc.example", "mx2.mail-relay-svc.example"]
    for n in rot:
        net.server(n, "198.19.91.30")
    times = w.timer(300, 0.2)
    pick = [rnd.randrange(2) for _ in times]
    for k, n in enumerate(rot):
        w.calls(C(51), n, 80, [t for t, p in zip(times, pick) if p == k], lambda t, i: [
            simple("POST", "/ews/exchange.asmx", OLD_UA, req=rnd.randrange(100, 180), resp=rnd.randrange(0, 100), rnd=rnd)])
        w.label(C(51), n, "beacon", 300, 20, "random rotation over 2 names (one address), 5 min +-20%",
                "random C2 rotation: each callback picks one of two names on the same address")

    # C5: four infected hosts call one C2, 15 min +-30 %
    net.server("update.patch-mirror.example", "198.19.91.40")
    for k in range(52, 56):
        times = w.timer(900, 0.3)
        w.calls(C(k), "update.patch-mirror.example", 80, times, lambda t, i: [
            simple("GET", "/patch/check?h=%d" % k, OLD_UA, resp=rnd.randrange(100, 300), rnd=rnd)])
        w.label(C(k), "update.patch-mirror.example", "beacon", 900, 30, "uniform +-30%", "one of four hosts calling the same C2")
    return w


# -------------------------------------------------------------- capture 4: incidents, 12 h
def incidents_12h():
    cap = Capture("adv-incidents-12h.pcap")
    start = DAY0 + 3 * 86400
    w = World(cap, random.Random(SEED + 4), start, 12)
    servers(w)
    rnd, net = w.rnd, w.net
    C = lambda i: "198.18.5.%d" % i
    for i in range(60, 75):
        if i != 73:
            w.browse(C(i), SITES, sessions_per_hour=1.0)
    update_checks(w, [C(60), C(73)])
    telemetry(w, [C(61), C(73)])

    def incident(host, dl_ts, sha, dl_host, uri, size, content, cb_host, cb_ip, times, interval, note):
        w.incidents.append(dict(host=host, download=dict(ts=dl_ts, host=dl_host, dst_ip=net.ip(dl_host), uri=uri, sha256=sha,
                                                        size=size, content=content),
                                beacon=dict(dst_host=cb_host, dst_ip=cb_ip, first_ts=min(t for t in times if t > dl_ts),
                                            interval_s=interval, delay_s=round(min(t for t in times if t > dl_ts) - dl_ts, 3)),
                                note=note))

    # I1: exe download, beacons 6 min later (2 min +-20 %)
    ts, sha = w.download(C(67), "files.sharebox.example", "/d/setup_v2.exe", EICAR, t=start + 2 * 3600 + 600)
    net.server("cdn.metrics-collector.example", "198.19.93.2")
    times = w.timer(120, 0.2, t0=ts + 360)
    w.calls(C(67), "cdn.metrics-collector.example", 80, times, lambda t, i: [
        simple("GET", "/m.gif?u=%s" % b64(rnd, 10), OLD_UA, resp=43, rnd=rnd, ct="image/gif")])
    w.label(C(67), "cdn.metrics-collector.example", "beacon", 120, 20, "uniform +-20%", "second stage of incident I1")
    incident(C(67), ts, sha, "files.sharebox.example", "/d/setup_v2.exe", 68, "EICAR test file",
             "cdn.metrics-collector.example", "198.19.93.2", times, 120, "I1: download, then callbacks 6 min later")

    # I2: download on .68, beacons on .69 (different hosts): no incident
    ts2, sha2 = w.download(C(68), "docs-share.example", "/files/invoice_0605.zip", zip_of("invoice.com", EICAR),
                           ctype="application/zip", t=start + 3 * 3600)
    net.server("api.img-resize.example", "198.19.93.3")
    times = w.timer(300, 0.1, t0=start + 3600)
    w.calls(C(69), "api.img-resize.example", 80, times, lambda t, i: [
        simple("GET", "/resize?w=64&id=%d" % rnd.randrange(1 << 20), GO_UA, resp=rnd.randrange(100, 200), rnd=rnd)])
    w.label(C(69), "api.img-resize.example", "beacon", 300, 10, "uniform +-10%", "beacons from a host that downloaded nothing")
    w.non_incidents.append(dict(host=C(68), why="downloaded malware (zip) but never called back; the beacons are another host's"))
    w.non_incidents.append(dict(host=C(69), why="beacons but downloaded nothing"))

    # I3: beacons 00:00-04:00 then stop; the download at 07:30: no incident (no callback after it)
    net.server("198.19.93.9", "198.19.93.9")
    times = w.timer(60, 0.3, t0=start + 30, t1=start + 4 * 3600)
    w.calls(C(70), "198.19.93.9", 80, times, lambda t, i: [simple("GET", "/i?%d" % i, CURL_UA, resp=rnd.randrange(0, 30), rnd=rnd)])
    w.label(C(70), "198.19.93.9", "beacon", 60, 30, "uniform +-30%", "beacons that stop 3.5 h before the host downloads malware")
    w.download(C(70), "files.sharebox.example", "/d/tool.exe", EICAR, t=start + 7.5 * 3600)
    w.non_incidents.append(dict(host=C(70), why="callbacks all before the download"))

    # I4: EICAR with a newline (69 bytes, body signature only), chunked; beacons to an IP 7 min later, 10 min +-30 %
    body = EICAR + b"\n"
    ts, sha = w.download(C(71), "files.sharebox.example", "/d/readme.txt", body, ctype="text/plain", t=start + 3600, chunked=True)
    net.server("198.19.93.20", "198.19.93.20")
    times = w.timer(600, 0.3, t0=ts + 420)
    w.calls(C(71), "198.19.93.20", 80, times, lambda t, i: [
        simple("POST", "/gate.php", OLD_UA, req=rnd.randrange(40, 90), resp=rnd.randrange(0, 600), rnd=rnd)])
    w.label(C(71), "198.19.93.20", "beacon", 600, 30, "uniform +-30%", "second stage of incident I4")
    incident(C(71), ts, sha, "files.sharebox.example", "/d/readme.txt", 69, "EICAR test file with a trailing newline, chunked",
             "198.19.93.20", "198.19.93.20", times, 600, "I4: chunked download, then callbacks to an IP literal")

    # I5: gzip-encoded download; beacons an hour later, 1 min +-50 %
    ts, sha = w.download(C(72), "docs-share.example", "/files/report.bin", EICAR, t=start + 4 * 3600, gzip_body=True)
    net.server("status.vpn-health.example", "198.19.93.21")
    times = w.timer(60, 0.5, t0=ts + 3600)
    w.calls(C(72), "status.vpn-health.example", 80, times, lambda t, i: [
        simple("GET", "/health?node=%s" % b64(rnd, 6), GO_UA, resp=rnd.randrange(10, 50), rnd=rnd)])
    w.label(C(72), "status.vpn-health.example", "beacon", 60, 50, "uniform +-50%", "second stage of incident I5")
    incident(C(72), ts, sha, "docs-share.example", "/files/report.bin", 68, "EICAR test file, gzip content-encoding",
             "status.vpn-health.example", "198.19.93.21", times, 60, "I5: gzip-encoded download, callbacks an hour later")

    # I6: a download, then only allowlisted periodic traffic: no incident
    w.download(C(73), "files.sharebox.example", "/d/freeware.exe", EICAR, t=start + 3 * 3600)
    w.non_incidents.append(dict(host=C(73), why="downloaded malware; only allowlisted update checks and telemetry after"))

    # I7: a host that already beacons fetches malware (a second stage) mid-way; the callbacks go on
    net.server("cfg.node-sync.example", "198.19.93.22")
    times = w.timer(300, 0.1, t0=start + 100)
    w.calls(C(74), "cfg.node-sync.example", 80, times, lambda t, i: [
        simple("GET", "/cfg", GO_UA, resp=rnd.randrange(30, 60), rnd=rnd)])
    w.label(C(74), "cfg.node-sync.example", "beacon", 300, 10, "uniform +-10%", "beacons before and after incident I7's download")
    ts, sha = w.download(C(74), "docs-share.example", "/files/stage2.zip", zip_of("stage2.exe", EICAR), ctype="application/zip",
                         t=start + 6 * 3600, referer_page=False)
    incident(C(74), ts, sha, "docs-share.example", "/files/stage2.zip", None, "zip holding EICAR",
             "cfg.node-sync.example", "198.19.93.22", times, 300, "I7: a beaconing host downloads a second stage")
    return w


# -------------------------------------------------------------- capture 5: hard benign traffic, 24 h
def benign_24h():
    cap = Capture("adv-benign-24h.pcap")
    start = DAY0 + 4 * 86400
    w = World(cap, random.Random(SEED + 5), start, 24)
    servers(w)
    rnd, net = w.rnd, w.net
    C = lambda i: "198.18.6.%d" % i
    for i in range(80, 95):
        w.browse(C(i), SITES)
    for i in (80, 83, 86, 89, 92, 94):
        webmail(w, C(i))
    # many hosts: presence poll of a collaboration app, 60 s while the app runs (office hours): allowlisted
    for i in range(80, 95):
        t0 = start + 8 * 3600 + rnd.uniform(0, 3600)
        times = w.timer(60, 0.05, t0=t0, t1=start + 17 * 3600 + rnd.uniform(0, 3600))
        w.calls(C(i), "collab.teamspace.example", 80, times, lambda t, i: [
            (0, "POST", "/presence", BROWSER_UA, b'{"status":"available"}', b'{"ok":true}', "application/json")],
            keepalive=True, idle_close=120)
        w.label(C(i), "collab.teamspace.example", "benign-periodic", 60, 5, "uniform +-5%",
                "collaboration app presence every 60 s (15 hosts, office hours)")
    # many hosts: update check every 4 h with a random +-15 min
    for i in range(80, 95):
        times = w.timer(4 * 3600, 900 / (4 * 3600))
        w.calls(C(i), "av.defender-cloud.example", 80, times, lambda t, i: [
            (0, "GET", "/definitions/latest?v=1.405.%d" % rnd.randrange(100), "DefenderUpdate/4.18", b"",
             rnd.randbytes(rnd.randrange(200, 2000)), "application/octet-stream")])
        w.label(C(i), "av.defender-cloud.example", "benign-periodic", 14400, 6, "uniform +-6%", "AV definition check every 4 h")
    ntp(w, C(80), 64)
    # monitoring server scrapes six internal targets every 15 s: allowlisted by address
    for k in range(1, 7):
        tgt = "198.18.9.%d" % k
        net.server(tgt, tgt, rtt=0.0004)
        times = w.timer(30, 0.0, t0=start + k * 2.1)
        w.calls(C(95), tgt, 9100, times, lambda t, i: [(0, "GET", "/metrics", "Prometheus/2.51.0", b"",
                                                        text_body(rnd.randrange(1500, 2500), rnd), "text/plain")],
                keepalive=True, idle_close=60)
        w.label(C(95), tgt, "benign-periodic", 30, 0, "none", "Prometheus scrape of an internal target")
    # backup agent cron: hourly at :00 exactly
    times = [start + h * 3600 + rnd.uniform(0.5, 2.0) for h in range(24)]
    w.calls(C(84), "backup.vault-cloud.example", 80, times, lambda t, i: [
        (0, "POST", "/v1/agents/BK-771/status", CURL_UA, text_body(rnd.randrange(300, 600), rnd), b"{}", "application/json")])
    w.label(C(84), "backup.vault-cloud.example", "benign-periodic", 3600, 0, "none", "cron: backup agent status at the hour")
    # lobby kiosk: signage page auto-refreshing every 5 min with its assets (a burst)
    times = w.timer(300, 0.0)
    w.calls(C(96), "kiosk.lobby-signage.example", 80, times, lambda t, i: [
        (0, "GET", "/screen/lobby", BROWSER_UA, b"", text_body(rnd.randrange(5000, 7000), rnd), "text/html"),
        (0.05, "GET", "/screen/lobby/slides.json", BROWSER_UA, b"", text_body(2000, rnd), "application/json"),
        (0.1, "GET", "/screen/img/%d.jpg" % rnd.randrange(20), BROWSER_UA, b"", binary_body(rnd.randrange(20000, 40000), rnd),
         "image/jpeg")], keepalive=False)
    w.label(C(96), "kiosk.lobby-signage.example", "benign-periodic", 300, 0, "none", "kiosk page refresh with assets")
    # noise: stock ticker a person reloads (lognormal median 10 min, sigma 1) during office hours
    w.refresh(C(85), "stocks.tickerwatch.example", lambda t: "/quote?s=ACME&_=%d" % int(t), 600, 1.0, start + 8.5 * 3600,
              start + 17.5 * 3600)
    # noise: a partner integration script calling an API at Poisson arrivals (mean 10 min) all day
    t = start
    while True:
        t += rnd.expovariate(1 / 600.0)
        if t > w.end - 60:
            break
        c = net.connect(C(86), "api.partner-orders.example", 80, t)
        tt = net.http(c, t, C(86), "api.partner-orders.example", 80, "POST", "/v3/orders/sync", "python-requests/2.31.0",
                      req_body=text_body(rnd.randrange(200, 3000), rnd), resp_body=text_body(rnd.randrange(100, 400), rnd),
                      ctype="application/json", req_ctype="application/json")
        c.close(tt + 0.01)
    # noise: 90 minutes of internet radio (HLS audio at 48 kbit/s, 6 s segments)
    for (who, at) in ((C(87), start + 12.5 * 3600),):
        conn = net.connect(who, "video.streamly.example", 80, at)
        for k in range(900):
            seg_t = at + (k * 6.0 + rnd.uniform(-0.3, 0.3) if k > 5 else k * 0.4)
            net.http(conn, seg_t, who, "video.streamly.example", 80, "GET", "/radio/%d/seg%05d.aac" % (at % 1000, k), BROWSER_UA,
                     resp_body=binary_body(rnd.randrange(34000, 38000), rnd), ctype="audio/aac")
        conn.close()
    return w


def main():
    write_set(OUT, (jitter_24h, fast_8h, switch_12h, incidents_12h, benign_24h))


if __name__ == "__main__":
    main()
