package io.spanwatch.analyzer.correlate;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.IncidentEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Joins a malware download by an internal host with what the host did after it: a beacon or a
 * reputation hit from the same host within the incident window is one {@code download-then-callback}
 * incident, naming the file (sha256, URL), the callback host and the alerts it joins.
 *
 * <p>The join is on packet time, never on arrival: a clamd verdict that arrives late (a slow or
 * restarted scanner) is joined with the callbacks the host made after the download, which the
 * {@link BeaconTracker} and this class keep; so the same capture gives the same incidents however
 * fast the scanner was. A download by a host already reported as beaconing (a second stage the
 * implant fetched) joins the first callback after it, whenever that comes. Each (host, file,
 * callback host) is one incident, once.
 *
 * <p>Bounded: at most {@code maxHosts} hosts (least recently active forgotten:
 * {@code correlate.incident.hosts_evicted}); per host the latest {@value #MAX_DOWNLOADS} downloads
 * and {@value #MAX_HITS} reputation hits; {@value #MAX_REPORTED} incidents remembered for the
 * once-only rule.
 *
 * <p>Not thread-safe: the correlation thread owns it.
 */
public final class IncidentJoiner {
    /** Downloads kept per host. */
    static final int MAX_DOWNLOADS = 32;
    /** Reputation hits kept per host. */
    static final int MAX_HITS = 256;
    /** Incidents remembered so that each is reported once. */
    static final int MAX_REPORTED = 100_000;
    /** Kind of the incidents this class makes. */
    public static final String KIND = "download-then-callback";

    private record Download(long tsMillis, AlertEvent alert, String sha256, String url) {
    }

    private record Hit(long tsMillis, AlertEvent alert, String callbackHost) {
    }

    private static final class Host {
        final List<Download> downloads = new ArrayList<>();
        final List<Hit> hits = new ArrayList<>();
    }

    private final CorrelateConfig config;
    /** The pairs of a client reported as beacons (by name, and by address for a rotation over names). */
    private final java.util.function.Function<String, List<BeaconTracker.Pair>> beacons;
    private final Consumer<IncidentEvent> out;
    private final LinkedHashMap<String, Host> hosts = new LinkedHashMap<>(256, 0.75f, true);
    private final LinkedHashSet<String> reported = new LinkedHashSet<>();
    long incidents;
    long hostsEvicted;

    public IncidentJoiner(CorrelateConfig config, BeaconTracker beacons, Consumer<IncidentEvent> out) {
        this(config, beacons::alertedPairs, out);
    }

    /** Joins downloads with the beacons {@code beacons} gives for a client. */
    public IncidentJoiner(CorrelateConfig config, java.util.function.Function<String, List<BeaconTracker.Pair>> beacons,
            Consumer<IncidentEvent> out) {
        this.config = config;
        this.beacons = beacons;
        this.out = out;
    }

    /** Takes a malware alert about a download by {@code host}. */
    public void malware(String host, AlertEvent a) {
        if (a.file() == null || a.file().toServer()) {
            return; // an upload is not a download
        }
        String sha = a.file().info().sha256() != null ? a.file().info().sha256() : a.file().info().storedSha256();
        Download d = new Download(a.tsNanos() / 1_000_000, a, sha, url(a.http()));
        Host h = host(host);
        for (Download o : h.downloads) {
            if (o.tsMillis == d.tsMillis && java.util.Objects.equals(o.sha256, d.sha256)) {
                return; // another signature of the same file
            }
        }
        keepLatest(h.downloads, d, MAX_DOWNLOADS);
        for (BeaconTracker.Pair p : beacons.apply(host)) {
            joinBeacon(host, d, p);
        }
        for (Hit hit : h.hits) {
            joinHit(host, d, hit);
        }
    }

    /** Takes a reputation hit from {@code host} to {@code callbackHost}. */
    public void reputation(String host, String callbackHost, AlertEvent a) {
        Hit hit = new Hit(a.tsNanos() / 1_000_000, a, callbackHost);
        Host h = host(host);
        keepLatest(h.hits, hit, MAX_HITS);
        for (Download d : h.downloads) {
            joinHit(host, d, hit);
        }
    }

    /** Takes a pair just reported as a beacon. */
    public void beacon(BeaconTracker.Pair p) {
        Host h = hosts.get(p.key().client());
        if (h == null) {
            return;
        }
        for (Download d : h.downloads) {
            joinBeacon(p.key().client(), d, p);
        }
    }

    /**
     * Takes a new request of a pair already reported as a beacon: the first callback after a
     * download of the host (one made after the beacon was reported, or one no callback had followed
     * yet) makes the incident.
     */
    public void callback(BeaconTracker.Pair p, long tsMillis) {
        Host h = hosts.get(p.key().client());
        if (h == null || h.downloads.isEmpty()) {
            return;
        }
        for (Download d : h.downloads) {
            if (d.tsMillis < tsMillis && p.firstAfter(d.tsMillis) == tsMillis) {
                joinBeacon(p.key().client(), d, p);
            }
        }
    }

    private void joinBeacon(String host, Download d, BeaconTracker.Pair p) {
        long first = p.firstAfter(d.tsMillis);
        if (first < 0 || first - d.tsMillis > config.incidentWindowMillis()) {
            return;
        }
        List<String> names = p.names();
        IncidentEvent.Part callback = new IncidentEvent.Part(names.isEmpty() ? BeaconAlerts.SIGNATURE : BeaconAlerts.ROTATION_SIGNATURE,
                AlertEvent.BEACON, first * 1_000_000, 0, null, null, p.key().host());
        report(host, d, p.key().host(), first, callback, "calls " + p.key().host()
                + (names.isEmpty() ? "" : " (" + String.join(", ", names) + ")") + " at regular intervals");
    }

    private void joinHit(String host, Download d, Hit hit) {
        if (hit.tsMillis <= d.tsMillis || hit.tsMillis - d.tsMillis > config.incidentWindowMillis()) {
            return;
        }
        AlertEvent a = hit.alert;
        long flow = a.header() != null ? a.header().flowId() : 0;
        IncidentEvent.Part callback = new IncidentEvent.Part(a.alert().signature(), a.alert().category(), a.tsNanos(), flow, null,
                null, hit.callbackHost);
        report(host, d, hit.callbackHost, hit.tsMillis, callback, "reached " + hit.callbackHost + ", which a reputation feed lists");
    }

    private void report(String host, Download d, String callbackHost, long callbackMillis, IncidentEvent.Part callback, String what) {
        String key = host + '\n' + d.sha256 + '\n' + d.url + '\n' + callbackHost;
        if (!reported.add(key)) {
            return;
        }
        if (reported.size() > MAX_REPORTED) {
            Iterator<String> it = reported.iterator();
            it.next();
            it.remove();
        }
        AlertEvent a = d.alert;
        long flow = a.header() != null ? a.header().flowId() : 0;
        IncidentEvent.Part download = new IncidentEvent.Part(a.alert().signature(), a.alert().category(), a.tsNanos(), flow,
                d.sha256, d.url, null);
        String file = a.file().info().filename() != null ? a.file().info().filename() : d.url;
        // Traffic sets the file name's and URL's length: the summary keeps 512 characters of each
        // (it goes to mail, CEF and webhooks; the parts keep the URL whole).
        String summary = host + " downloaded " + cut(file) + " (" + a.alert().signature() + ")"
                + (d.url != null ? " from " + cut(d.url) : "") + " and " + after(callbackMillis - d.tsMillis) + " " + what + ".";
        incidents++;
        out.accept(new IncidentEvent(callbackMillis * 1_000_000, host, KIND, a.tsNanos(), callbackMillis * 1_000_000, 1, summary,
                List.of(download, callback)));
    }

    private static String after(long millis) {
        Duration d = Duration.ofMillis(millis);
        if (d.toHours() >= 1) {
            return d.toHours() + " h " + d.toMinutesPart() + " min later";
        }
        if (d.toMinutes() >= 1) {
            return d.toMinutes() + " min " + d.toSecondsPart() + " s later";
        }
        return d.toSeconds() + " s later";
    }

    private Host host(String ip) {
        Host h = hosts.get(ip);
        if (h == null) {
            h = new Host();
            hosts.put(ip, h);
            if (hosts.size() > config.maxHosts()) {
                Iterator<Map.Entry<String, Host>> it = hosts.entrySet().iterator();
                it.next();
                it.remove();
                hostsEvicted++;
            }
        }
        return h;
    }

    /** Keeps the latest {@code max} by packet time; which ones does not depend on arrival order. */
    private static <T> void keepLatest(List<T> list, T item, int max) {
        list.add(item);
        if (list.size() > max) {
            T oldest = list.get(0);
            for (T t : list) {
                if (millis(t) < millis(oldest)) {
                    oldest = t;
                }
            }
            list.remove(oldest);
        }
    }

    private static long millis(Object o) {
        return o instanceof Download d ? d.tsMillis : ((Hit) o).tsMillis;
    }

    /**
     * Writes a transaction's URL as a browser would show it: {@code http://host[:port]/path}, as text
     * ({@link HttpInfo#urlText}): an incident is a rendering, and its URL is shown, not matched.
     */
    private static String cut(String s) {
        return s == null || s.length() <= 512 ? s : io.spanwatch.sensor.event.EveText.cut(s, 512) + "...";
    }

    static String url(HttpInfo h) {
        if (h == null || h.url() == null) {
            return null;
        }
        String url = h.urlText();
        if (url.startsWith("http://") || url.startsWith("https://")) {
            return url;
        }
        String host = h.hostname() == null ? "" : h.hostnameText();
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        return "http://" + io.spanwatch.sensor.event.EveText.urlAuthority(host) + (h.port() > 0 && h.port() != 80 ? ":" + h.port() : "") + url;
    }

    void addStats(Map<String, Long> stats) {
        stats.put("correlate.incident.hosts", (long) hosts.size());
        stats.put("correlate.incident.hosts_evicted", hostsEvicted);
        stats.put("correlate.incident.incidents", incidents);
    }
}
