package io.spanwatch.analyzer.report;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.IncidentEvent;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes the body sections of {@link ReportHtml}: charts, one section per incident, the tables of
 * hosts, malware and feeds, and the coverage section. Every value from traffic goes through
 * {@link Xml#text}; nothing becomes a link.
 */
final class Sections {
    private static final int TOP = 8;
    /** What each loss counter counts, for people. */
    private static final Map<String, String> LOSSES = Map.ofEntries(
            Map.entry("capture.kernel_drops", "packets dropped by the kernel (its capture buffer was full)"),
            Map.entry("capture.kernel_ifdrops", "packets dropped by the network interface"),
            Map.entry("capture.sensor_queue_drops", "packets dropped by the sensor (its frame queue was full)"),
            Map.entry("flow.evicted", "flows ended early because the flow table was full"),
            Map.entry("tcp.reassembly_memcap_evictions", "TCP streams that gave up held data at the reassembly memory cap"),
            Map.entry("app_layer.http.memcap_evictions", "HTTP messages cut at the HTTP memory cap"),
            Map.entry("file.spool_disk_limit_hits", "files hashed but not stored: the spool was full"),
            Map.entry("scan.dropped", "files given up while waiting for clamd (scan queue full)"),
            Map.entry("eve.write_errors", "events that could not be written to eve.json"),
            Map.entry("index.dropped", "events not indexed (the index queue was full)"),
            Map.entry("correlate.queue_drops", "events correlation did not see (its queue was full)"),
            Map.entry("intel.journal_dropped", "observations not kept for retro-hunts"),
            Map.entry("internal.errors", "internal errors contained (a bug: please report it)"));

    private Sections() {
    }

    static void charts(StringBuilder sb, Figures f) {
        List<String> days = ReportHtml.dayLabels(f);
        int n = days.size();
        sb.append("<div class=\"keep\"><h2>This period in charts</h2><div class=\"grid keep\"><div class=\"cell\">");
        List<Charts.Series> cats = new ArrayList<>();
        for (String c : Figures.CATEGORIES) {
            long[] v = new long[n];
            for (int i = 0; i < n; i++) {
                v[i] = f.alertsPerDay().get(i).byCategory().getOrDefault(c, 0L);
            }
            cats.add(new Charts.Series(c, Charts.color(c), v));
        }
        ReportHtml.chart(sb, "Alerts per day", Fmt.num(f.totals().alerts(), "alert", "alerts") + " by category",
                Charts.columns(days, cats, ReportHtml.half(), 200, "No alerts"));
        sb.append("</div><div class=\"cell\">");
        long[] clean = new long[n];
        long[] bad = new long[n];
        long[] not = new long[n];
        for (int i = 0; i < n; i++) {
            Figures.DayFiles d = f.files().perDay().get(i);
            clean[i] = d.clean();
            bad[i] = d.infected();
            not[i] = d.notScanned();
        }
        Figures.Files fl = f.files();
        ReportHtml.chart(sb, "Files scanned and infected", Fmt.num(fl.total(), "file", "files") + ": " + Fmt.n(fl.scanned())
                + " scanned, " + Fmt.n(fl.infected()) + " infected",
                Charts.columns(days, List.of(new Charts.Series("clean", "#7fb8c2", clean), new Charts.Series("infected", "#c0392b", bad),
                        new Charts.Series("not scanned", "#c5ccd3", not)), ReportHtml.half(), 200, "No files"));
        sb.append("</div></div></div><div class=\"grid keep\"><div class=\"cell\">");
        List<Charts.Bar> hosts = new ArrayList<>();
        for (Figures.HostRow h : f.hosts().atRisk().subList(0, Math.min(TOP, f.hosts().atRisk().size()))) {
            hosts.add(new Charts.Bar(h.ip(), new long[] {h.malware(), h.beacon(), h.reputation(), h.correlation()},
                    h.incidents() > 0 ? "incident" : Fmt.num(h.alerts(), "alert", "alerts")));
        }
        List<Charts.Series> legend = new ArrayList<>();
        for (String c : Figures.CATEGORIES) {
            legend.add(new Charts.Series(c, Charts.color(c), null));
        }
        ReportHtml.chart(sb, "Top internal hosts at risk", "alerts by category",
                Charts.bars(hosts, legend, ReportHtml.half(), "No host at risk"));
        sb.append("</div><div class=\"cell\">");
        List<Charts.Bar> fams = new ArrayList<>();
        for (Figures.Family m : f.families().subList(0, Math.min(TOP, f.families().size()))) {
            fams.add(new Charts.Bar(m.name(), new long[] {m.downloads() + m.uploads()}, Fmt.num(m.hosts(), "host", "hosts")));
        }
        ReportHtml.chart(sb, "Top malware families", "downloads and uploads",
                Charts.bars(fams, List.of(new Charts.Series("transfers", Charts.color("malware"), null)), ReportHtml.half(),
                        "No malware"));
        sb.append("</div></div>");
        List<Charts.Bar> calls = new ArrayList<>();
        for (Figures.Callback c : f.callbacks().subList(0, Math.min(TOP, f.callbacks().size()))) {
            calls.add(new Charts.Bar(c.host() + (c.destPort() > 0 && c.destPort() != 80 ? ":" + c.destPort() : ""),
                    new long[] {Math.round(c.score() * 100)}, "score " + Fmt.score(c.score()) + ", "
                            + Fmt.num(c.clients().size(), "client", "clients") + ", every " + Fmt.interval(c.intervalSeconds())));
        }
        ReportHtml.chart(sb, "Top callback destinations", "beacon score (0 to 1), clients calling and their interval",
                Charts.bars(calls, List.of(new Charts.Series("score", Charts.color("beacon"), null)), ReportHtml.full(),
                        "No callbacks"));
        long[] pk = new long[n];
        long[] dr = new long[n];
        long[] gp = new long[n];
        for (int i = 0; i < n; i++) {
            Figures.DayCapture d = f.capture().perDay().get(i);
            pk[i] = d.packets();
            dr[i] = d.drops();
            gp[i] = d.gapFlows();
        }
        ReportHtml.chart(sb, "Capture health per day", "packets of the flows that ended that day; packets dropped; flows with gaps",
                Charts.rows(days, List.of(new Charts.Series("Packets", Charts.TEAL, pk), new Charts.Series("Dropped", "#c0392b", dr),
                        new Charts.Series("Flows with gaps", "#e67e22", gp)), ReportHtml.full()));
    }

    static void incidents(StringBuilder sb, Figures f) {
        if (f.incidents().isEmpty()) {
            return;
        }
        ZoneId z = f.period().zone();
        sb.append("<h2 class=\"break\">Incidents</h2>");
        int no = 0;
        for (Figures.IncidentView v : f.incidents()) {
            IncidentEvent i = v.incident();
            no++;
            sb.append("<div class=\"incident keep\"><h3>Incident ").append(no).append(": ").append(Xml.text(i.host()))
                    .append(" <span class=\"tag incident\">").append(Xml.text(i.kind())).append("</span> <span class=\"tag\">severity ")
                    .append(i.severity()).append("</span></h3><p>").append(Xml.text(i.summary())).append("</p>");
            sb.append("<table class=\"timeline\">");
            for (IncidentEvent.Part p : i.alerts()) {
                if (p.sha256() != null || AlertEvent.MALWARE.equals(p.category())) {
                    Figures.MalwareFile mf = file(v, p.sha256());
                    // this incident's own download first: the file's first URL is whoever fetched the sample first
                    String from = p.url() != null ? p.url() : mf != null && !mf.urls().isEmpty() ? mf.urls().get(0) : "";
                    step(sb, "bad", Fmt.time(p.tsNanos(), z) + ":" + Fmt.clock(p.tsNanos(), z).substring(6), "Download", from + (mf != null && mf.filename() != null ? " (" + mf.filename()
                                    + (mf.size() > 0 ? ", " + Fmt.bytes(mf.size()) : "") + ")" : ""));
                    step(sb, "bad", "", "Verdict", p.signature());
                } else if (p.callbackHost() != null) {
                    Figures.Callback c = callback(v, p.callbackHost());
                    long firstCall = c != null && c.firstSeen() > 0 ? c.firstSeen() : p.tsNanos();
                    step(sb, "call", Fmt.time(firstCall, z) + ":" + Fmt.clock(firstCall, z).substring(6), "First callback",
                            p.callbackHost() + (c != null && c.destIp() != null ? " (" + c.destIp() + (c.destPort() > 0 ? ":"
                                    + c.destPort() : "") + ")" : ""));
                    if (c != null && c.connections() > 1) {
                        step(sb, "call", "until " + Fmt.time(c.lastSeen(), z), "Later callbacks",
                                Fmt.n(c.connections() - 1) + " more, about every " + Fmt.interval(c.intervalSeconds())
                                        + ", beacon score " + Fmt.score(c.score()));
                    }
                } else {
                    step(sb, "", Fmt.time(p.tsNanos(), z), p.category() == null ? "Alert" : p.category(), p.signature());
                }
            }
            sb.append("</table>");
            for (Figures.MalwareFile mf : v.files()) {
                sb.append("<table class=\"facts\">");
                fact(sb, "File", mf.filename(), false);
                fact(sb, "Verdict", String.join(", ", mf.signatures()) + (mf.engine() != null ? " (" + mf.engine() + ")" : ""), false);
                fact(sb, "From", String.join(", ", mf.urls()), true);
                fact(sb, "SHA-256", mf.sha256(), true);
                fact(sb, "SHA-1", mf.sha1(), true);
                fact(sb, "MD5", mf.md5(), true);
                sb.append("</table>");
            }
            for (Figures.Callback c : v.callbacks()) {
                sb.append("<table class=\"facts\">");
                fact(sb, "Calls", c.host() + (c.destIp() != null ? " at " + c.destIp() + (c.destPort() > 0 ? ":" + c.destPort() : "") : ""),
                        false);
                fact(sb, "Beacon", "score " + Fmt.score(c.score()) + ", " + Fmt.num(c.connections(), "callback", "callbacks")
                        + " about every " + Fmt.interval(c.intervalSeconds()), false);
                sb.append("</table>");
            }
            sb.append("<ol class=\"rec\"><li>Isolate ").append(Xml.text(i.host()))
                    .append(" from the network now (switch port, NAC or EDR quarantine).</li>");
            List<String> dests = new ArrayList<>();
            for (Figures.Callback c : v.callbacks()) {
                dests.add(c.host() + (c.destIp() != null && !c.destIp().equals(c.host()) ? " (" + c.destIp() + ")" : ""));
            }
            i.alerts().stream().filter(p -> p.callbackHost() != null).forEach(p -> {
                if (dests.stream().noneMatch(d -> d.startsWith(p.callbackHost()))) {
                    dests.add(p.callbackHost());
                }
            });
            if (!dests.isEmpty()) {
                sb.append("<li>Block ").append(Xml.text(Fmt.list(dests, 4))).append(" at the proxy and firewall.</li>");
            }
            sb.append("<li>Reimage ").append(Xml.text(i.host())).append(": a host that ran malware cannot be trusted again.</li>");
            if (!v.files().isEmpty()) {
                sb.append("<li>Look for the same file on other hosts by its SHA-256.</li>");
            }
            sb.append("</ol></div>");
        }
    }

    private static Figures.MalwareFile file(Figures.IncidentView v, String sha) {
        return v.files().stream().filter(x -> x.sha256() != null && x.sha256().equals(sha)).findFirst().orElse(null);
    }

    private static Figures.Callback callback(Figures.IncidentView v, String host) {
        return v.callbacks().stream().filter(c -> host.equals(c.host())).findFirst().orElse(null);
    }

    private static void step(StringBuilder sb, String cls, String when, String step, String what) {
        sb.append("<tr class=\"").append(cls).append("\"><td class=\"when\">").append(Xml.text(when)).append("</td><td class=\"step\">")
                .append(Xml.text(step)).append("</td><td class=\"what wrap\">").append(Xml.text(what, 300)).append("</td></tr>");
    }

    private static void fact(StringBuilder sb, String k, String v, boolean mono) {
        if (v == null || v.isEmpty()) {
            return;
        }
        sb.append("<tr><td class=\"k\">").append(Xml.text(k)).append("</td><td class=\"").append(mono ? "mono" : "wrap").append("\">")
                .append(Xml.text(v, 400)).append("</td></tr>");
    }

    static void tables(StringBuilder sb, Figures f) {
        ZoneId z = f.period().zone();
        List<Figures.HostRow> hosts = f.hosts().atRisk();
        sb.append("<h2>Hosts at risk</h2>");
        if (hosts.isEmpty()) {
            sb.append("<p class=\"muted\">No internal host had an alert or an incident.</p>");
        } else {
            sb.append("<p class=\"muted\">Every internal host an alert or incident named (home net ").append(Xml.text(f.homeNet()))
                    .append(").</p><table class=\"t\"><thead><tr><th>Host</th><th class=\"n\">Malware</th><th class=\"n\">Beacon</th>")
                    .append("<th class=\"n\">Reputation</th><th class=\"n\">Other</th><th>Seen</th><th>What</th></tr></thead><tbody>");
            for (Figures.HostRow h : hosts.subList(0, Math.min(ReportHtml.MAX_ROWS, hosts.size()))) {
                sb.append("<tr><td><b>").append(Xml.text(h.ip())).append("</b>");
                if (h.incidents() > 0) {
                    sb.append(" <span class=\"tag incident\">incident</span>");
                }
                sb.append("</td>").append(num(h.malware())).append(num(h.beacon())).append(num(h.reputation())).append(num(h.correlation()))
                        .append("<td class=\"muted\">").append(Xml.text(Fmt.time(h.firstSeen(), z)));
                if (h.lastSeen() > h.firstSeen()) {
                    sb.append(" to ").append(Xml.text(Fmt.time(h.lastSeen(), z)));
                }
                sb.append("</td><td class=\"wrap\">");
                List<String> what = new ArrayList<>();
                h.families().forEach(x -> what.add("malware " + x));
                h.callbacks().forEach(x -> what.add("calls " + x));
                h.feeds().forEach(x -> what.add("listed in " + x));
                sb.append(Xml.text(String.join("; ", what), 240)).append("</td></tr>");
            }
            sb.append("</tbody></table>");
            more(sb, hosts.size());
        }
        sb.append("<h2>Top downloaded malware</h2>");
        List<Figures.MalwareFile> files = f.malwareFiles();
        if (files.isEmpty()) {
            sb.append("<p class=\"muted\">No malware was downloaded or uploaded.</p>");
        } else {
            sb.append("<table class=\"t\"><thead><tr><th>File and verdict</th><th class=\"n\">Size</th><th class=\"n\">Seen</th>")
                    .append("<th>Hosts</th><th>SHA-256</th></tr></thead><tbody>");
            for (Figures.MalwareFile m : files.subList(0, Math.min(ReportHtml.MAX_ROWS, files.size()))) {
                sb.append("<tr><td class=\"wrap\"><b>").append(Xml.text(m.filename(), 120)).append("</b><br/>")
                        .append(Xml.text(String.join(", ", m.signatures()), 160));
                if (!m.urls().isEmpty()) {
                    sb.append("<br/><span class=\"muted\">from ").append(Xml.text(m.urls().get(0), 160)).append("</span>");
                }
                sb.append("</td><td class=\"n\">").append(Xml.text(Fmt.bytes(m.size()))).append("</td>").append(num(m.transfers()))
                        .append("<td>").append(Xml.text(Fmt.list(m.hosts(), 3))).append("</td><td class=\"mono\">")
                        .append(Xml.text(m.sha256())).append("</td></tr>");
            }
            sb.append("</tbody></table>");
            more(sb, files.size());
        }
        sb.append("<h2>Reputation hits by feed</h2>");
        if (f.feeds().isEmpty()) {
            sb.append("<p class=\"muted\">No traffic matched a threat-intelligence feed.</p>");
        } else {
            sb.append("<table class=\"t\"><thead><tr><th>Feed</th><th class=\"n\">Hits</th><th class=\"n\">Indicators</th>")
                    .append("<th class=\"n\">Hosts</th><th>Matched</th><th>Top threat</th></tr></thead><tbody>");
            for (Figures.FeedRow r : f.feeds().subList(0, Math.min(ReportHtml.MAX_ROWS, f.feeds().size()))) {
                List<String> types = new ArrayList<>();
                r.types().forEach((k, v) -> types.add(k + " " + Fmt.n(v)));
                sb.append("<tr><td class=\"wrap\"><b>").append(Xml.text(r.feed(), 80)).append("</b></td>").append(num(r.hits()))
                        .append(num(r.indicators())).append(num(r.hosts())).append("<td>").append(Xml.text(String.join(", ", types)))
                        .append("</td><td>").append(Xml.text(r.topThreat() == null ? "-" : r.topThreat(), 60)).append("</td></tr>");
            }
            sb.append("</tbody></table>");
        }
    }

    private static void more(StringBuilder sb, int size) {
        if (size > ReportHtml.MAX_ROWS) {
            sb.append("<p class=\"muted\">").append(Fmt.n(size - ReportHtml.MAX_ROWS)).append(" more in the JSON figures.</p>");
        }
    }

    private static String num(long v) {
        return "<td class=\"n\">" + (v == 0 ? "<span class=\"muted\">-</span>" : Fmt.n(v)) + "</td>";
    }

    static void coverage(StringBuilder sb, Figures f) {
        ZoneId z = f.period().zone();
        Figures.Capture c = f.capture();
        sb.append("<h2>Coverage: what the sensor saw and missed</h2><p>").append(Xml.text(Prose.coverage(f)));
        if (!f.live() && f.totals().events() > 0) {
            sb.append(" These events came from capture files: hours outside them show as without traffic.");
        }
        sb.append("</p>");
        List<String> days = new ArrayList<>();
        f.period().days().forEach(d -> days.add(Fmt.day(d)));
        if (days.size() <= 62) {
            byte[][] state = hourStates(f);
            ReportHtml.chart(sb, "Hours with traffic", "one cell per hour, " + (z.getId().equals("UTC") ? "UTC" : z.getId()),
                    Charts.hours(days, state, ReportHtml.full()));
        }
        sb.append("<table class=\"t\"><thead><tr><th>Day</th><th class=\"n\">Hours with traffic</th><th class=\"n\">Flows</th>")
                .append("<th class=\"n\">Packets</th><th class=\"n\">Data</th><th class=\"n\">Dropped</th><th class=\"n\">Flows with gaps</th>")
                .append("<th class=\"n\">Bytes missed</th></tr></thead><tbody>");
        for (Figures.DayCapture d : c.perDay()) {
            sb.append("<tr><td>").append(Xml.text(Fmt.day(d.day()))).append("</td>").append(num(d.hoursWithTraffic())).append(num(d.flows()))
                    .append(num(d.packets())).append("<td class=\"n\">").append(d.bytes() == 0 ? "<span class=\"muted\">-</span>"
                            : Xml.text(Fmt.bytes(d.bytes()))).append("</td>").append(num(d.drops())).append(num(d.gapFlows()))
                    .append("<td class=\"n\">").append(d.missedBytes() == 0 ? "<span class=\"muted\">-</span>"
                            : Xml.text(Fmt.bytes(d.missedBytes()))).append("</td></tr>");
        }
        sb.append("</tbody></table>");
        if (!c.quiet().isEmpty()) {
            sb.append("<h3>Longest stretches without traffic</h3><ul class=\"summary\">");
            for (Figures.QuietRun q : c.quiet().subList(0, Math.min(5, c.quiet().size()))) {
                sb.append("<li>").append(Xml.text(Fmt.time(q.from(), z) + " to " + Fmt.time(q.to(), z) + ": "
                        + Fmt.num(q.hours(), "hour", "hours") + (q.sensorUp() ? ", while the sensor was running" : ""))).append("</li>");
            }
            sb.append("</ul>");
        }
        Figures.Files fl = f.files();
        sb.append("<h3>Files</h3><p>").append(Xml.text(Fmt.num(fl.total(), "file was", "files were") + " seen; " + Fmt.n(fl.scanned())
                + " were scanned (" + Fmt.n(fl.clean()) + " clean, " + Fmt.n(fl.infected()) + " infected)"
                + (fl.partial() > 0 ? "; " + Fmt.num(fl.partial(), "file was", "files were") + " seen only in part (gaps or cut "
                        + "short), so they have no hashes to look up" : "")
                + (fl.waiting() > 0 ? "; " + Fmt.num(fl.waiting(), "file still waits", "files still wait")
                        + " for clamd's final verdict" : "") + ".")).append("</p>");
        if (!fl.notScannedWhy().isEmpty()) {
            sb.append("<table class=\"t\"><thead><tr><th>Not scanned, because</th><th class=\"n\">Files</th></tr></thead><tbody>");
            for (Map.Entry<String, Long> e : fl.notScannedWhy().entrySet()) {
                sb.append("<tr><td class=\"wrap\">").append(Xml.text(e.getKey(), 200)).append("</td>").append(num(e.getValue()))
                        .append("</tr>");
            }
            sb.append("</tbody></table>");
        }
        List<String> gaps = new ArrayList<>();
        c.losses().forEach((k, v) -> gaps.add(Fmt.n(v) + " " + LOSSES.getOrDefault(k, k) + " (" + k + ")"));
        Figures.Coverage cov = f.coverage();
        if (cov.unreadable() > 0) {
            gaps.add(Fmt.num(cov.unreadable(), "line", "lines") + " of " + f.source() + " could not be read");
        }
        if (cov.otherTypes() > 0) {
            gaps.add(Fmt.num(cov.otherTypes(), "event", "events") + " of types SpanWatch does not write were left out");
        }
        if (f.hosts().unattributed() > 0) {
            gaps.add(Fmt.num(f.hosts().unattributed(), "alert", "alerts") + " named no internal host: check the home net ("
                    + f.homeNet() + ")");
        }
        cov.tablesFull().forEach((k, v) -> gaps.add("table " + k + " full: " + Fmt.n(v) + " left out of the figures"));
        sb.append("<h3>What was given up</h3>");
        if (gaps.isEmpty()) {
            sb.append("<p>Nothing: no stage of the sensor dropped or left out anything it counts.</p>");
        } else {
            sb.append("<ul class=\"summary\">");
            for (String g : gaps) {
                sb.append("<li>").append(Xml.text(g, 300)).append("</li>");
            }
            sb.append("</ul>");
        }
    }

    /** Returns per day and hour: 0 not yet, 1 traffic, 2 none, 3 none while the sensor ran. */
    private static byte[][] hourStates(Figures f) {
        ReportPeriod p = f.period();
        int days = p.days().size();
        byte[][] state = new byte[days][24];
        String map = f.capture().hourMap();
        for (int i = 0; i < map.length(); i++) {
            long t = p.fromNanos() + i * 3_600_000_000_000L;
            int d = p.dayIndex(t);
            if (d >= 0 && d < days) {
                state[d][Fmt.at(t, p.zone()).getHour()] = (byte) Math.max(0, ".T-U".indexOf(map.charAt(i)));
            }
        }
        return state;
    }
}
