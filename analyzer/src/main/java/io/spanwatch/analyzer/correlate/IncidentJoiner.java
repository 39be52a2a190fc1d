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
 * <p>Bounded: at most {@code maxHosts} hosts and {@code maxIncidentBytes} of heap for what they
 * keep (least recently active forgotten: {@code correlate.incident.hosts_evicted}); per host the
 * latest {@value #MAX_DOWNLOADS} downloads and {@value #MAX_HITS} reputation hits, each only the
 * fields an incident names (not the alert it came from, some 3 KiB); {@value #MAX_REPORTED}
 * incidents remembered for the once-only rule, by a digest of their key (the URL in it is as long
 * as traffic made it).
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

    /** What an incident names of an alert: its signature, time and flow. */
    private record Seen(String signature, String category, long tsNanos, long flowId) {
        static Seen of(AlertEvent a) {
            return new Seen(a.alert().signature(), a.alert().category(), a.tsNanos(), a.header() != null ? a.header().flowId() : 0);
        }

        long tsMillis() {
            return tsNanos / 1_000_000;
        }
    }

    /** A download or a hit kept for a host: its packet time and the heap it takes. */
    private sealed interface Kept permits Download, Hit {
        Seen alert();

        long bytes();

        default long tsMillis() {
            return alert().tsMillis();
        }
    }

    private record Download(Seen alert, String sha256, String url, String filename) implements Kept {
        @Override
        public long bytes() {
            return ENTRY_BYTES + chars(alert.signature) + chars(sha256) + chars(url) + chars(filename);
        }
    }

    private record Hit(Seen alert, String callbackHost) implements Kept {
        @Override
        public long bytes() {
            return ENTRY_BYTES + chars(alert.signature) + chars(callbackHost);
        }
    }

    /**
     * Heap an entry takes besides its strings: the two records, their fields and the list slot
     * (compressed references); strings count as their characters plus a header each.
     */
    private static final long ENTRY_BYTES = 96;

    private static long chars(String s) {
        return s == null ? 0 : 48 + s.length() * 2L; // a string's object, its array, two bytes a char at worst
    }

    private static final class Host {
        final List<Download> downloads = new ArrayList<>();
        final List<Hit> hits = new ArrayList<>();
        long bytes;
    }

    private final CorrelateConfig config;
    /** The pairs of a client reported as beacons (by name, and by address for a rotation over names). */
    private final java.util.function.Function<String, List<BeaconTracker.Pair>> beacons;
    private final Consumer<IncidentEvent> out;
    private final LinkedHashMap<String, Host> hosts = new LinkedHashMap<>(256, 0.75f, true);
    private final LinkedHashSet<String> reported = new LinkedHashSet<>();
    /** Heap the hosts' downloads and hits take ({@link Download#bytes}, {@link Hit#bytes}). */
    private long bytes;
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
        Download d = new Download(Seen.of(a), sha, url(a.http()), a.file().info().filename());
        Host h = host(host);
        for (Download o : h.downloads) {
            if (o.tsMillis() == d.tsMillis() && java.util.Objects.equals(o.sha256, d.sha256)) {
                return; // another signature of the same file
            }
        }
        keep(h, h.downloads, d, MAX_DOWNLOADS);
        for (BeaconTracker.Pair p : beacons.apply(host)) {
            joinBeacon(host, d, p);
        }
        for (Hit hit : h.hits) {
            joinHit(host, d, hit);
        }
    }

    /** Takes a reputation hit from {@code host} to {@code callbackHost}. */
    public void reputation(String host, String callbackHost, AlertEvent a) {
        Hit hit = new Hit(Seen.of(a), callbackHost);
        Host h = host(host);
        keep(h, h.hits, hit, MAX_HITS);
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
            if (d.tsMillis() < tsMillis && p.firstAfter(d.tsMillis()) == tsMillis) {
                joinBeacon(p.key().client(), d, p);
            }
        }
    }

    private void joinBeacon(String host, Download d, BeaconTracker.Pair p) {
        long first = p.firstAfter(d.tsMillis());
        if (first < 0 || first - d.tsMillis() > config.incidentWindowMillis()) {
            return;
        }
        List<String> names = p.names();
        IncidentEvent.Part callback = new IncidentEvent.Part(names.isEmpty() ? BeaconAlerts.SIGNATURE : BeaconAlerts.ROTATION_SIGNATURE,
                AlertEvent.BEACON, first * 1_000_000, 0, null, null, p.key().host());
        report(host, d, p.key().host(), first, callback, "calls " + p.key().host()
                + (names.isEmpty() ? "" : " (" + String.join(", ", names) + ")") + " at regular intervals");
    }

    private void joinHit(String host, Download d, Hit hit) {
        if (hit.tsMillis() <= d.tsMillis() || hit.tsMillis() - d.tsMillis() > config.incidentWindowMillis()) {
            return;
        }
        Seen a = hit.alert;
        IncidentEvent.Part callback = new IncidentEvent.Part(a.signature, a.category, a.tsNanos, a.flowId, null, null, hit.callbackHost);
        report(host, d, hit.callbackHost, hit.tsMillis(), callback, "reached " + hit.callbackHost + ", which a reputation feed lists");
    }

    private void report(String host, Download d, String callbackHost, long callbackMillis, IncidentEvent.Part callback, String what) {
        String key = digest(host + '\n' + d.sha256 + '\n' + d.url + '\n' + callbackHost);
        if (!reported.add(key)) {
            return;
        }
        if (reported.size() > MAX_REPORTED) {
            Iterator<String> it = reported.iterator();
            it.next();
            it.remove();
        }
        Seen a = d.alert;
        IncidentEvent.Part download = new IncidentEvent.Part(a.signature, a.category, a.tsNanos, a.flowId, d.sha256, d.url, null);
        String file = d.filename != null ? d.filename : d.url;
        // Traffic sets the file name's and URL's length: the summary keeps 512 characters of each
        // (it goes to mail, CEF and webhooks; the parts keep the URL whole).
        String summary = host + " downloaded " + cut(file) + " (" + a.signature + ")"
                + (d.url != null ? " from " + cut(d.url) : "") + " and " + after(callbackMillis - d.tsMillis()) + " " + what + ".";
        incidents++;
        out.accept(new IncidentEvent(callbackMillis * 1_000_000, host, KIND, a.tsNanos, callbackMillis * 1_000_000, 1, summary,
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
                evictEldest();
            }
        }
        return h;
    }

    /** Forgets the least recently active host. */
    private void evictEldest() {
        Iterator<Map.Entry<String, Host>> it = hosts.entrySet().iterator();
        bytes -= it.next().getValue().bytes;
        it.remove();
        hostsEvicted++;
    }

    /**
     * Adds an entry to one of {@code h}'s lists, keeping the latest {@code max} by packet time (which
     * ones does not depend on arrival order), then forgets the least recently active other hosts
     * while all hosts keep more than {@code maxIncidentBytes}. {@code h} was just looked up, so it is
     * the most recently active and stays.
     */
    private <T extends Kept> void keep(Host h, List<T> list, T item, int max) {
        list.add(item);
        long added = item.bytes();
        h.bytes += added;
        bytes += added;
        if (list.size() > max) {
            T oldest = list.get(0);
            for (T t : list) {
                if (t.tsMillis() < oldest.tsMillis()) {
                    oldest = t;
                }
            }
            list.remove(oldest);
            long removed = oldest.bytes();
            h.bytes -= removed;
            bytes -= removed;
        }
        while (bytes > config.maxIncidentBytes() && hosts.size() > 1) {
            evictEldest();
        }
    }

    /** The first 128 bits of the key's SHA-256, in hex: what {@link #reported} keeps of a key. */
    private static String digest(String key) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(h, 0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
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
        stats.put("correlate.incident.bytes", bytes);
        stats.put("correlate.incident.incidents", incidents);
    }
}
