package io.spanwatch.analyzer.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.spanwatch.sensor.event.IncidentEvent;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a report's {@link Figures} as JSON: every figure the HTML and the PDF show, under stable
 * snake_case keys (DESIGN.md names {@code week}, {@code from}, {@code to}, {@code hosts.infected},
 * {@code hosts.beaconing}, {@code hosts.reputation}, {@code malware_downloads}, {@code beacons},
 * {@code incidents}, {@code totals.*}), with the period before under {@code previous} and the
 * differences under {@code change}. Times are ISO-8601: period bounds in the report's zone, event
 * times in UTC.
 */
final class ReportJson {
    private static final ObjectMapper JSON = new ObjectMapper(io.spanwatch.sensor.event.JsonEscapes.factory()).enable(SerializationFeature.INDENT_OUTPUT);

    private ReportJson() {
    }

    static String render(Figures f) {
        try {
            return JSON.writeValueAsString(tree(f, true)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, Object> tree(Figures f, boolean full) {
        Map<String, Object> m = new LinkedHashMap<>();
        ReportPeriod p = f.period();
        if (full) {
            m.put("report", "spanwatch");
            m.put("version", 1);
            m.put("kind", p.kind().name().toLowerCase(java.util.Locale.ROOT));
        }
        m.put("week", p.kind() == ReportPeriod.Kind.WEEK ? p.label() : null);
        if (p.kind() == ReportPeriod.Kind.MONTH) {
            m.put("month", p.label());
        }
        m.put("label", p.label());
        m.put("from", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(p.from()));
        m.put("to", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(p.to()));
        if (full) {
            m.put("time_zone", p.zone().getId());
            m.put("generated", f.generated().toString());
            m.put("source", f.source());
            m.put("sensors", f.sensors());
            m.put("live", f.live());
            m.put("home_net", f.homeNet());
            m.put("first_event", time(f.firstEvent()));
            m.put("last_event", time(f.lastEvent()));
        }
        Map<String, Object> hosts = new LinkedHashMap<>();
        hosts.put("infected", f.hosts().infected());
        hosts.put("beaconing", f.hosts().beaconing());
        hosts.put("reputation", f.hosts().reputation());
        m.put("hosts", hosts);
        m.put("malware_downloads", f.malwareDownloads());
        m.put("malware_uploads", f.malwareUploads());
        m.put("beacons", f.beacons());
        m.put("reputation_hits", f.reputationHits());
        m.put("incidents", f.totals().incidents());
        Figures.Totals t = f.totals();
        m.put("totals", map("alerts", t.alerts(), "events", t.events(), "files", t.files(), "flows", t.flows(), "http", t.http(),
                "anomalies", t.anomalies(), "incidents", t.incidents(), "stats", t.stats()));
        m.put("alerts_by_category", f.alertsByCategory());
        if (!full) {
            return m;
        }
        hosts.put("at_risk", rows(f));
        hosts.put("alerts_without_internal_host", f.hosts().unattributed());
        List<Object> perDay = new ArrayList<>();
        for (Figures.DayAlerts d : f.alertsPerDay()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("day", d.day().toString());
            x.putAll(d.byCategory());
            x.put("total", d.total());
            perDay.add(x);
        }
        m.put("alerts_per_day", perDay);
        List<Object> fams = new ArrayList<>();
        for (Figures.Family x : f.families()) {
            fams.add(map("name", x.name(), "downloads", x.downloads(), "uploads", x.uploads(), "files", x.files(), "hosts", x.hosts(),
                    "first_seen", time(x.firstSeen()), "example_url", x.exampleUrl()));
        }
        m.put("malware_families", fams);
        List<Object> files = new ArrayList<>();
        for (Figures.MalwareFile x : f.malwareFiles()) {
            files.add(file(x));
        }
        m.put("malware_files", files);
        List<Object> calls = new ArrayList<>();
        for (Figures.Callback c : f.callbacks()) {
            calls.add(callback(c));
        }
        m.put("callbacks", calls);
        List<Object> feeds = new ArrayList<>();
        for (Figures.FeedRow r : f.feeds()) {
            feeds.add(map("feed", r.feed(), "hits", r.hits(), "indicators", r.indicators(), "hosts", r.hosts(), "types", r.types(),
                    "top_threat", r.topThreat()));
        }
        m.put("reputation_feeds", feeds);
        m.put("incident_details", incidents(f));
        m.put("files", files(f.files()));
        m.put("capture", capture(f.capture()));
        Figures.Coverage c = f.coverage();
        m.put("coverage", map("unreadable_lines", c.unreadable(), "other_event_types", c.otherTypes(), "tables_full", c.tablesFull()));
        Figures prev = f.previous();
        m.put("previous", prev == null ? null : tree(prev, false));
        if (prev != null) {
            m.put("change", map("hosts_infected", (long) f.hosts().infected().size() - prev.hosts().infected().size(),
                    "hosts_beaconing", (long) f.hosts().beaconing().size() - prev.hosts().beaconing().size(),
                    "hosts_reputation", (long) f.hosts().reputation().size() - prev.hosts().reputation().size(),
                    "malware_downloads", f.malwareDownloads() - prev.malwareDownloads(), "beacons", f.beacons() - prev.beacons(),
                    "reputation_hits", f.reputationHits() - prev.reputationHits(),
                    "incidents", f.totals().incidents() - prev.totals().incidents(),
                    "alerts", f.totals().alerts() - prev.totals().alerts()));
        }
        return m;
    }

    private static List<Object> rows(Figures f) {
        List<Object> out = new ArrayList<>();
        for (Figures.HostRow h : f.hosts().atRisk()) {
            out.add(map("ip", h.ip(), "malware", h.malware(), "malware_sent", h.malwareSent(), "beacon", h.beacon(), "reputation",
                    h.reputation(), "other", h.correlation(),
                    "incidents", h.incidents(), "first_seen", time(h.firstSeen()), "last_seen", time(h.lastSeen()), "families",
                    h.families(), "callbacks", h.callbacks(), "feeds", h.feeds()));
        }
        return out;
    }

    private static Map<String, Object> file(Figures.MalwareFile x) {
        return map("sha256", x.sha256(), "md5", x.md5(), "sha1", x.sha1(), "size", x.size(), "filename", x.filename(), "mimetype",
                x.mimetype(), "signatures", x.signatures(), "engine", x.engine(), "urls", x.urls(), "hosts", x.hosts(), "transfers",
                x.transfers(), "first_seen", time(x.firstSeen()));
    }

    private static Map<String, Object> callback(Figures.Callback c) {
        return map("host", c.host(), "dest_ip", c.destIp(), "dest_port", c.destPort(), "clients", c.clients(), "score", c.score(),
                "connections", c.connections(), "interval_s", c.intervalSeconds(), "first_seen", time(c.firstSeen()), "last_seen",
                time(c.lastSeen()), "alerts", c.alerts());
    }

    private static List<Object> incidents(Figures f) {
        List<Object> out = new ArrayList<>();
        for (Figures.IncidentView v : f.incidents()) {
            IncidentEvent i = v.incident();
            List<Object> parts = new ArrayList<>();
            for (IncidentEvent.Part p : i.alerts()) {
                parts.add(map("signature", p.signature(), "category", p.category(), "timestamp", time(p.tsNanos()), "flow_id",
                        p.flowId() == 0 ? null : p.flowId(), "sha256", p.sha256(), "url", p.url(), "callback_host", p.callbackHost()));
            }
            List<Object> files = new ArrayList<>();
            v.files().forEach(x -> files.add(file(x)));
            List<Object> calls = new ArrayList<>();
            v.callbacks().forEach(c -> calls.add(callback(c)));
            out.add(map("host", i.host(), "kind", i.kind(), "first_seen", time(i.firstSeenNanos()), "last_seen",
                    time(i.lastSeenNanos()), "severity", i.severity(), "summary", i.summary(), "alerts", parts, "files", files,
                    "callbacks", calls, "recommendations", List.of("isolate", "block", "reimage")));
        }
        return out;
    }

    private static Map<String, Object> files(Figures.Files x) {
        List<Object> perDay = new ArrayList<>();
        for (Figures.DayFiles d : x.perDay()) {
            perDay.add(map("day", d.day().toString(), "files", d.files(), "clean", d.clean(), "infected", d.infected(), "not_scanned",
                    d.notScanned()));
        }
        return map("total", x.total(), "scanned", x.scanned(), "clean", x.clean(), "infected", x.infected(), "not_scanned",
                x.notScanned(), "scan_errors", x.errors(), "without_verdict", x.unscanned(), "waiting_for_clamd", x.waiting(),
                "partial", x.partial(), "not_scanned_why", x.notScannedWhy(), "per_day", perDay);
    }

    private static Map<String, Object> capture(Figures.Capture c) {
        List<Object> perDay = new ArrayList<>();
        for (Figures.DayCapture d : c.perDay()) {
            perDay.add(map("day", d.day().toString(), "packets", d.packets(), "bytes", d.bytes(), "flows", d.flows(), "drops", d.drops(),
                    "flows_with_gaps", d.gapFlows(), "missed_bytes", d.missedBytes(), "hours_with_traffic", d.hoursWithTraffic()));
        }
        List<Object> quiet = new ArrayList<>();
        for (Figures.QuietRun q : c.quiet()) {
            quiet.add(map("from", time(q.from()), "to", time(q.to()), "hours", q.hours(), "sensor_up", q.sensorUp()));
        }
        return map("packets", c.packets(), "drops", c.drops(), "flows_with_gaps", c.gapFlows(), "missed_bytes", c.missedBytes(),
                "hours", c.hoursTotal(), "hours_with_traffic", c.hoursWithTraffic(), "hours_without_traffic",
                c.hoursTotal() - c.hoursWithTraffic(), "quiet_hours_while_sensor_up", c.quietWhileUp(), "hour_map", c.hourMap(),
                "per_day", perDay, "quiet", quiet, "losses", c.losses());
    }

    private static String time(long nanos) {
        if (nanos == 0) {
            return null;
        }
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)).toString();
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
