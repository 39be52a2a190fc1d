package io.spanwatch.analyzer.report;

import io.spanwatch.analyzer.events.HomeNet;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.IncidentEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Keeps what the period's alerts and incidents say about hosts: who is at risk and why, the malware
 * files and families, the callback destinations, the reputation hits by feed, and the incidents.
 * Every table is bounded ({@link ReportConfig#maxHosts}, {@link ReportConfig#maxEntries}); what a
 * full table refuses is counted and shown in the report's coverage section. Every text from an event
 * is bounded as it comes in ({@link Texts}).
 *
 * <p>Not thread-safe: one report, one thread.
 */
final class ThreatLedger {
    /** Names, destinations and feeds kept per host for the hosts table. */
    private static final int PER_HOST = 5;
    /** A ClamAV name's trailing signature id and revision ({@code Win.Trojan.Emotet-9953212-0}). */
    private static final Pattern SIG_NUMBERS = Pattern.compile("(-\\d+)+$");

    private final HomeNet homeNet;
    private final int maxEntries;
    private final BoundedTable<String, Host> hosts;
    private final BoundedTable<String, File> files;
    private final BoundedTable<String, Family> families;
    private final BoundedTable<String, Pair> pairs;
    private final BoundedTable<String, Feed> feeds;
    private final List<IncidentEvent> incidents = new ArrayList<>();
    private long incidentsRefused;
    /** Transfers (flow, file) with a malware alert: a file with two signatures, or an interim and a final alert, is one download. */
    private final BoundedTable<String, Boolean> transfers;
    private long downloads;
    private long uploads;
    private long reputationHits;
    private long unattributed;

    ThreatLedger(ReportConfig config) {
        this.homeNet = config.homeNet();
        this.maxEntries = config.maxEntries();
        hosts = new BoundedTable<>(config.maxHosts());
        files = new BoundedTable<>(maxEntries);
        families = new BoundedTable<>(maxEntries);
        pairs = new BoundedTable<>(maxEntries);
        feeds = new BoundedTable<>(maxEntries);
        transfers = new BoundedTable<>(maxEntries * 10);
    }

    /** Returns the internal host an alert is about, or null when it names none (see the package guide). */
    String internalHost(AlertEvent a) {
        return homeNet.internalHost(a);
    }

    void alert(AlertEvent a) {
        String category = a.alert().category();
        String ip = internalHost(a);
        Host host = ip == null ? null : hosts.get(ip, Host::new);
        if (ip == null) {
            unattributed++;
        }
        if (host != null) {
            host.seen(a.tsNanos());
            host.byCategory.merge(category == null ? "other" : category, 1L, Long::sum);
        }
        switch (category == null ? "" : category) {
            case AlertEvent.MALWARE -> malware(a, ip, host);
            case AlertEvent.BEACON -> beacon(a, host);
            case AlertEvent.REPUTATION -> reputation(a, ip, host);
            default -> {
                // correlation and other categories: counted per host and per day only
            }
        }
    }

    private void malware(AlertEvent a, String ip, Host host) {
        FileEvent f = a.file();
        String sig = Texts.bound(a.alert().signature());
        List<String> names = a.verdict() != null && !a.verdict().signatures().isEmpty()
                ? a.verdict().signatures().stream().limit(PER_HOST * 4).map(Texts::bound).toList() : List.of(stripEngine(sig));
        String family = family(names.get(0));
        if (host != null) {
            add(host.families, family);
        }
        boolean upload = f != null && f.toServer();
        if (host != null && f != null && a.header() != null && !ip.equals(upload ? a.header().serverIp() : a.header().clientIp())) {
            host.malwareSent++; // the host is the file's sender (an upload to a server outside), not its receiver
        }
        String transfer = f == null ? "alert:" + a.tsNanos() + ":" + sig
                : a.header().flowId() + ":" + f.info().fileId() + ":" + (f.http() == null ? 0 : f.http().txId()) + ":" + key(f.info());
        boolean newTransfer = transfers.peek(transfer) == null;
        if (newTransfer && transfers.get(transfer, k -> Boolean.TRUE) != null) {
            if (upload) {
                uploads++;
            } else {
                downloads++;
            }
        }
        Family fam = families.get(family, Family::new);
        if (fam != null) {
            if (newTransfer) {
                if (upload) {
                    fam.uploads++;
                } else {
                    fam.downloads++;
                }
            }
            if (f != null && f.http() != null && (fam.first == 0 || a.tsNanos() < fam.first)) {
                fam.url = Texts.bound(url(f));
            }
            fam.first = min(fam.first, a.tsNanos());
            if (ip != null && fam.hosts.size() < maxEntries) {
                fam.hosts.add(ip);
            }
            if (f != null) {
                if (fam.files.size() < maxEntries) {
                    fam.files.add(key(f.info()));
                }
            }
        }
        if (f == null) {
            return;
        }
        File file = files.get(key(f.info()), k -> new File(f.info()));
        if (file != null) {
            file.first = min(file.first, a.tsNanos());
            for (String n : names) {
                add(file.signatures, n);
            }
            if (a.verdict() != null && a.verdict().engine() != null && (file.engine == null || !a.verdict().interim())) {
                file.engine = Texts.bound(a.verdict().engine());
            }
            if (f.http() != null) {
                add(file.urls, Texts.bound(url(f)));
            }
            add(file.hosts, ip);
            if (newTransfer) {
                file.transfers++;
            }
        }
    }

    private void beacon(AlertEvent a, Host host) {
        AlertEvent.Beacon b = a.beacon();
        if (b == null) {
            return;
        }
        String client = a.header() == null ? null : Texts.bound(a.header().clientIp());
        String called = Texts.bound(b.host());
        if (host != null) {
            add(host.callbacks, called);
        }
        Pair p = pairs.get(client + "\u0000" + called + "\u0000" + b.destPort(), k -> new Pair(client, b));
        if (p != null) {
            p.alerts++;
            p.score = Math.max(p.score, b.score());
            if (b.connections() > p.connections || b.connections() == p.connections && b.intervalSeconds() < p.interval) {
                p.connections = b.connections();
                p.interval = b.intervalSeconds();
            }
            p.first = min(p.first, b.firstSeenNanos());
            p.last = Math.max(p.last, b.lastSeenNanos());
        }
    }

    private void reputation(AlertEvent a, String ip, Host host) {
        reputationHits++;
        AlertEvent.Reputation r = a.reputation();
        String feedName = r == null || r.feed() == null ? "(unnamed feed)" : Texts.bound(r.feed());
        if (host != null) {
            add(host.feeds, feedName);
        }
        Feed feed = feeds.get(feedName, Feed::new);
        if (feed == null) {
            return;
        }
        feed.hits++;
        if (r != null) {
            if (feed.indicators.size() < maxEntries) {
                feed.indicators.add(Texts.bound(r.type()) + ":" + Texts.bound(r.indicator()));
            }
            String type = r.type() == null ? "?" : Texts.bound(r.type());
            if (feed.types.size() < PER_HOST * 4 || feed.types.containsKey(type)) {
                feed.types.merge(type, 1L, Long::sum);
            }
            String threat = Texts.bound(r.threat());
            if (threat != null && (feed.threats.size() < PER_HOST * 4 || feed.threats.containsKey(threat))) {
                feed.threats.merge(threat, 1L, Long::sum);
            }
        }
        if (ip != null && feed.hosts.size() < maxEntries) {
            feed.hosts.add(ip);
        }
    }

    void incident(IncidentEvent whole) {
        IncidentEvent i = Texts.bound(whole);
        Host host = i.host() == null ? null : hosts.get(i.host(), Host::new);
        if (host != null) {
            host.incidents++;
            host.seen(i.firstSeenNanos());
            host.seen(i.lastSeenNanos());
        }
        if (incidents.size() < maxEntries) {
            incidents.add(i);
        } else {
            incidentsRefused++;
        }
    }

    long downloads() {
        return downloads;
    }

    long uploads() {
        return uploads;
    }

    long reputationHits() {
        return reputationHits;
    }

    long beaconPairs() {
        return pairs.size();
    }

    /** Returns the hosts' figures, the most at risk first. */
    Figures.Hosts hosts() {
        Set<String> infected = new TreeSet<>(IpOrder.INSTANCE);
        Set<String> beaconing = new TreeSet<>(IpOrder.INSTANCE);
        Set<String> reputation = new TreeSet<>(IpOrder.INSTANCE);
        List<Figures.HostRow> rows = new ArrayList<>();
        for (Host h : hosts.values()) {
            Figures.HostRow row = h.row();
            if (row.malware() > 0) {
                infected.add(h.ip);
            }
            if (row.beacon() > 0) {
                beaconing.add(h.ip);
            }
            if (row.reputation() > 0) {
                reputation.add(h.ip);
            }
            rows.add(row);
        }
        rows.sort(Comparator.comparingLong(Figures.HostRow::incidents).thenComparingLong(Figures.HostRow::malware)
                .thenComparingLong(Figures.HostRow::beacon).thenComparingLong(Figures.HostRow::alerts).reversed()
                .thenComparing(Figures.HostRow::ip, IpOrder.INSTANCE));
        return new Figures.Hosts(List.copyOf(infected), List.copyOf(beaconing), List.copyOf(reputation), rows, unattributed);
    }

    List<Figures.Family> families() {
        List<Figures.Family> out = new ArrayList<>();
        for (Family f : families.values()) {
            out.add(new Figures.Family(f.name, f.downloads, f.uploads, f.files.size(), f.hosts.size(), f.first, f.url));
        }
        out.sort(Comparator.comparingLong((Figures.Family f) -> f.downloads() + f.uploads()).thenComparingLong(Figures.Family::hosts)
                .reversed().thenComparing(Figures.Family::name));
        return out;
    }

    List<Figures.MalwareFile> files() {
        List<Figures.MalwareFile> out = new ArrayList<>();
        for (File f : files.values()) {
            out.add(f.view());
        }
        out.sort(Comparator.comparingLong(Figures.MalwareFile::transfers).reversed().thenComparingLong(Figures.MalwareFile::firstSeen)
                .thenComparing(f -> String.valueOf(f.sha256())));
        return out;
    }

    /** Returns the callback destinations: beacon pairs joined by destination, the highest score first. */
    List<Figures.Callback> callbacks() {
        Map<String, List<Pair>> byDest = new LinkedHashMap<>();
        for (Pair p : pairs.values()) {
            byDest.computeIfAbsent(p.host + "\u0000" + p.port, k -> new ArrayList<>()).add(p);
        }
        List<Figures.Callback> out = new ArrayList<>();
        for (List<Pair> ps : byDest.values()) {
            out.add(callback(ps));
        }
        out.sort(Comparator.comparingDouble(Figures.Callback::score).thenComparingInt(c -> c.clients().size()).reversed()
                .thenComparing(Figures.Callback::host));
        return out;
    }

    private static Figures.Callback callback(List<Pair> ps) {
        Pair first = ps.get(0);
        Set<String> clients = new TreeSet<>(IpOrder.INSTANCE);
        double score = 0;
        long connections = 0;
        long alerts = 0;
        long from = Long.MAX_VALUE;
        long to = 0;
        double interval = first.interval;
        for (Pair p : ps) {
            if (p.client != null) {
                clients.add(p.client);
            }
            if (p.score > score) {
                score = p.score;
                interval = p.interval;
            }
            connections += p.connections;
            alerts += p.alerts;
            from = min(from, p.first);
            to = Math.max(to, p.last);
        }
        return new Figures.Callback(first.host, first.destIp, first.port, List.copyOf(clients), score, connections, interval,
                from == Long.MAX_VALUE ? 0 : from, to, alerts);
    }

    List<Figures.FeedRow> feeds() {
        List<Figures.FeedRow> out = new ArrayList<>();
        for (Feed f : feeds.values()) {
            String top = f.threats.entrySet().stream().max(Map.Entry.<String, Long>comparingByValue()
                    .thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder()))).map(Map.Entry::getKey).orElse(null);
            out.add(new Figures.FeedRow(f.name, f.hits, f.indicators.size(), f.hosts.size(), new TreeMap<>(f.types), top));
        }
        out.sort(Comparator.comparingLong(Figures.FeedRow::hits).reversed().thenComparing(Figures.FeedRow::feed));
        return out;
    }

    /** Returns the incidents in time order, each with the files and callbacks of the period it names. */
    List<Figures.IncidentView> incidents() {
        Map<String, Figures.MalwareFile> bySha = new LinkedHashMap<>();
        for (File f : files.values()) {
            bySha.put(f.key, f.view());
        }
        List<Figures.IncidentView> out = new ArrayList<>();
        List<IncidentEvent> sorted = new ArrayList<>(incidents);
        sorted.sort(Comparator.comparingLong(IncidentEvent::firstSeenNanos).thenComparing(i -> String.valueOf(i.host()))
                .thenComparingLong(IncidentEvent::tsNanos).thenComparing(i -> String.valueOf(i.kind())));
        for (IncidentEvent i : sorted) {
            Set<Figures.MalwareFile> fs = new LinkedHashSet<>();
            List<Figures.Callback> cbs = new ArrayList<>();
            Set<String> called = new HashSet<>();
            for (IncidentEvent.Part p : i.alerts()) {
                if (p.sha256() != null && bySha.containsKey(p.sha256())) {
                    fs.add(bySha.get(p.sha256()));
                }
                if (p.callbackHost() != null && called.add(p.callbackHost())) {
                    for (Pair pair : pairs.values()) {
                        if (p.callbackHost().equals(pair.host) && i.host() != null && i.host().equals(pair.client)) {
                            cbs.add(callback(List.of(pair)));
                        }
                    }
                }
            }
            out.add(new Figures.IncidentView(i, List.copyOf(fs), cbs));
        }
        return out;
    }

    /** Adds the refusals of full tables to {@code out}, by table name. */
    void tablesFull(Map<String, Long> out) {
        put(out, "hosts", hosts.refused());
        put(out, "malware_files", files.refused());
        put(out, "malware_families", families.refused());
        put(out, "beacon_pairs", pairs.refused());
        put(out, "feeds", feeds.refused());
        put(out, "incidents", incidentsRefused);
        put(out, "malware_transfers", transfers.refused());
    }

    private static void put(Map<String, Long> out, String name, long n) {
        if (n > 0) {
            out.put(name, n);
        }
    }

    /**
     * Returns a ClamAV name without clamd's {@code .UNOFFICIAL} mark (a signature of a database of
     * one's own) and its trailing signature id and revision: the family charts count.
     */
    static String family(String signature) {
        String s = signature == null ? "(unnamed)" : signature.strip();
        if (s.endsWith(".UNOFFICIAL")) {
            s = s.substring(0, s.length() - ".UNOFFICIAL".length());
        }
        String f = SIG_NUMBERS.matcher(s).replaceFirst("");
        return f.isEmpty() ? s : f;
    }

    /** Returns the signature name of an alert without the engine's prefix ({@code ClamAV }, {@code SpanWatch hash }). */
    private static String stripEngine(String sig) {
        if (sig == null) {
            return "(unnamed)";
        }
        for (String p : new String[] {"ClamAV ", "SpanWatch hash "}) {
            if (sig.startsWith(p)) {
                return sig.substring(p.length());
            }
        }
        return sig;
    }

    /** Returns the key of a file: its sha256, else the stored copy's, else its name and size. */
    private static String key(FileInfo fi) {
        if (fi.sha256() != null) {
            return Texts.bound(fi.sha256());
        }
        if (fi.storedSha256() != null) {
            return Texts.bound(fi.storedSha256());
        }
        return "partial:" + Texts.bound(fi.filename()) + ":" + fi.size();
    }

    /** Returns a file's URL as a browser would show it (host and path; the scheme is not known). */
    static String url(FileEvent f) {
        String host = f.http().hostnameText();
        String path = f.http().url() == null ? "" : f.http().urlText();
        if (host == null || path.startsWith("http://") || path.startsWith("https://")) {
            return path;
        }
        return host + (f.http().port() > 0 ? ":" + f.http().port() : "") + path;
    }

    private static long min(long a, long b) {
        return a == 0 ? b : b == 0 ? a : Math.min(a, b);
    }

    /** Adds {@code v}, keeping the {@link #PER_HOST} smallest: the same values whatever order events come in. */
    private static void add(TreeSet<String> s, String v) {
        if (v != null && s.add(v) && s.size() > PER_HOST) {
            s.pollLast();
        }
    }

    /** One host at risk. */
    private static final class Host {
        final String ip;
        final Map<String, Long> byCategory = new TreeMap<>();
        long incidents;
        long malwareSent;
        long first;
        long last;
        final TreeSet<String> families = new TreeSet<>();
        final TreeSet<String> callbacks = new TreeSet<>();
        final TreeSet<String> feeds = new TreeSet<>();

        Host(String ip) {
            this.ip = ip;
        }

        void seen(long t) {
            first = min(first, t);
            last = Math.max(last, t);
        }

        Figures.HostRow row() {
            return new Figures.HostRow(ip, n(AlertEvent.MALWARE), malwareSent, n(AlertEvent.BEACON), n(AlertEvent.REPUTATION),
                    byCategory.values().stream().mapToLong(Long::longValue).sum() - n(AlertEvent.MALWARE) - n(AlertEvent.BEACON)
                            - n(AlertEvent.REPUTATION),
                    incidents, first, last, List.copyOf(families), List.copyOf(callbacks), List.copyOf(feeds));
        }

        private long n(String c) {
            return byCategory.getOrDefault(c, 0L);
        }
    }

    /** One malicious file. */
    private static final class File {
        final String key;
        final FileInfo info;
        final TreeSet<String> signatures = new TreeSet<>();
        final TreeSet<String> urls = new TreeSet<>();
        final TreeSet<String> hosts = new TreeSet<>(IpOrder.INSTANCE);
        String engine;
        long first;
        long transfers;

        File(FileInfo info) {
            this.key = key(info);
            this.info = info;
        }

        Figures.MalwareFile view() {
            String sha256 = info.sha256() != null ? info.sha256() : info.storedSha256();
            return new Figures.MalwareFile(Texts.bound(sha256), Texts.bound(info.md5()), Texts.bound(info.sha1()), info.size(),
                    Texts.bound(info.filename()), Texts.bound(info.mimetype()), List.copyOf(signatures), engine, List.copyOf(urls),
                    List.copyOf(hosts), transfers, first);
        }
    }

    /** One malware family. */
    private static final class Family {
        final String name;
        long downloads;
        long uploads;
        long first;
        String url;
        final Set<String> files = new HashSet<>();
        final Set<String> hosts = new HashSet<>();

        Family(String name) {
            this.name = name;
        }
    }

    /** One beaconing (client, destination) pair. */
    private static final class Pair {
        final String client;
        final String host;
        final String destIp;
        final int port;
        double score;
        long connections;
        double interval;
        long first;
        long last;
        long alerts;

        Pair(String client, AlertEvent.Beacon b) {
            this.client = client;
            this.host = Texts.bound(b.host());
            this.destIp = Texts.bound(b.destIp());
            this.port = b.destPort();
        }
    }

    /** Reputation hits of one feed. */
    private static final class Feed {
        final String name;
        long hits;
        final Set<String> indicators = new HashSet<>();
        final Set<String> hosts = new HashSet<>();
        final Map<String, Long> types = new TreeMap<>();
        final Map<String, Long> threats = new TreeMap<>();

        Feed(String name) {
            this.name = name;
        }
    }
}
