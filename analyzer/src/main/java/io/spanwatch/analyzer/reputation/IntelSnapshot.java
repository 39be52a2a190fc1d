package io.spanwatch.analyzer.reputation;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Matches observed values against every loaded indicator. Immutable: a reload builds a new snapshot
 * and swaps it in, so lookups never wait and never see half a feed.
 *
 * <ul>
 *   <li>Addresses: every prefix containing the address, from the IPv4 or IPv6 {@link PrefixTrie}
 *       (an IPv4-mapped IPv6 address is also looked up as IPv4).
 *   <li>Host names: the name and each parent domain, on label boundaries, in one hash table of
 *       normalised names ({@link DomainName}); {@code cloud.example} matches {@code cloud.example} and
 *       {@code a.cloud.example}, never {@code notes-cloud.example}. A host that is an IP literal is
 *       looked up as an address.
 *   <li>URLs: the normalised URL ({@link UrlKey}), and its scheme-less form for indicators written
 *       without a scheme.
 *   <li>Hashes: md5, sha1 and sha256 digests by their bytes.
 * </ul>
 * A miss allocates nothing for IPv4 addresses and little otherwise; a hit returns one
 * {@link IntelHit} per (indicator, feed).
 */
public final class IntelSnapshot {
    static final int KIND_V4 = 0;
    static final int KIND_V6 = 1;
    static final int KIND_DOMAIN = 2;
    static final int KIND_URL = 3;
    static final int KIND_HASH = 4;

    private static final IntelSnapshot EMPTY = new SnapshotBuilder(0).build(List.of(), 0);

    final PrefixTrie v4;
    final PrefixTrie v6;
    final ByteTable domains;
    final ByteTable urls;
    final ByteTable hashes;
    final Entries entries;
    private final String[] feedNames;
    private final long[] feedPrints;
    private final List<FeedReport> reports;
    private final long version;

    IntelSnapshot(SnapshotBuilder b, List<FeedReport> reports, long version) {
        this.v4 = b.v4;
        this.v6 = b.v6;
        this.domains = b.domains;
        this.urls = b.urls;
        this.hashes = b.hashes;
        this.entries = b.entries;
        this.feedNames = b.feedNames().toArray(String[]::new);
        this.feedPrints = new long[feedNames.length];
        for (int i = 0; i < feedNames.length; i++) {
            byte[] n = feedNames[i].getBytes(StandardCharsets.UTF_8);
            feedPrints[i] = fingerprint(0x51_7cc1_b727_220aL, n, 0, n.length);
        }
        this.reports = List.copyOf(reports);
        this.version = version;
    }

    /** Returns a snapshot without indicators. */
    public static IntelSnapshot empty() {
        return EMPTY;
    }

    /** Returns the number of the load that made this snapshot (0 for the empty one, then 1, 2, ...). */
    public long version() {
        return version;
    }

    /** Returns the number of indicators (one per feed that lists it). */
    public int size() {
        return entries.size();
    }

    /** Returns how every feed loaded. */
    public List<FeedReport> feeds() {
        return reports;
    }

    /** Returns the indicators by type. */
    public Map<IndicatorType, Long> countsByType() {
        Map<IndicatorType, Long> m = new EnumMap<>(IndicatorType.class);
        for (IndicatorType t : IndicatorType.values()) {
            m.put(t, 0L);
        }
        for (int e = 0; e < entries.size(); e++) {
            m.merge(entries.type(e), 1L, Long::sum);
        }
        return m;
    }

    /** Returns the bytes the matching structures hold, an estimate for the stats. */
    public long bytes() {
        return v4.bytes() + v6.bytes() + domains.bytes() + urls.bytes() + hashes.bytes() + entries.bytes();
    }

    /** Returns the indicators matching an IP address ({@code src_ip}, {@code dest_ip}). */
    public List<IntelHit> matchIp(String ip, String field) {
        if (ip == null) {
            return List.of();
        }
        long a4 = IpAddr.parseV4(ip);
        if (a4 >= 0) {
            return ipHits(v4, IpAddr.V4, a4 << 32, 0, field, null);
        }
        long[] a = new long[2];
        if (!IpAddr.parseV6(ip, 0, ip.length(), a)) {
            return List.of();
        }
        List<IntelHit> hits = ipHits(v6, IpAddr.V6, a[0], a[1], field, null);
        if (IpAddr.isV4Mapped(a[0], a[1])) {
            // ipHits returns an immutable empty list on a miss: only a list of hits is added to.
            hits = ipHits(v4, IpAddr.V4, (a[1] & 0xffffffffL) << 32, 0, field, hits.isEmpty() ? null : hits);
        }
        return hits;
    }

    /** Returns the indicators matching a host name or any of its parent domains; an IP literal is matched as an address. */
    public List<IntelHit> matchHost(String host, String field) {
        if (host == null || host.isEmpty()) {
            return List.of();
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (IpAddr.parseV4(h) >= 0) {
            return matchIp(h, field);
        }
        int colon = h.lastIndexOf(':');
        if (colon >= 0) {
            if (IpAddr.parseV6(h, 0, h.length(), new long[2])) {
                return matchIp(h, field);
            }
            return matchHost(h.substring(0, colon), field);
        }
        if (domains.size() == 0) {
            return List.of();
        }
        byte[] k = DomainName.observedKey(h);
        if (k == null) {
            return List.of();
        }
        List<IntelHit> hits = null;
        int start = 0;
        while (true) {
            int len = k.length - start;
            int id = domains.find(k, start, len, domains.hash(k, start, len));
            if (id >= 0) {
                hits = keyHits(domains, id, KIND_DOMAIN, k, start, len, field, hits);
            }
            int dot = indexOf(k, (byte) '.', start);
            if (dot < 0) {
                break;
            }
            start = dot + 1;
        }
        return hits == null ? List.of() : hits;
    }

    /**
     * Returns the indicators matching an HTTP request: {@code host} without port (the Host header),
     * {@code port} from the Host header or -1, and the request target as sent (origin form
     * {@code /path?query} or absolute form).
     */
    public List<IntelHit> matchUrl(String host, int port, String target, String field) {
        if (urls.size() == 0) {
            return List.of();
        }
        String key = UrlKey.observed(host, port, target);
        return key == null ? List.of() : matchUrlKey(key, field);
    }

    /** Returns the indicators matching an absolute URL. */
    public List<IntelHit> matchUrl(String url, String field) {
        if (urls.size() == 0 || url == null) {
            return List.of();
        }
        String key = UrlKey.observed(null, -1, url);
        return key == null ? List.of() : matchUrlKey(key, field);
    }

    private List<IntelHit> matchUrlKey(String key, String field) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        List<IntelHit> hits = null;
        int id = urls.find(k, 0, k.length, urls.hash(k, 0, k.length));
        if (id >= 0) {
            hits = keyHits(urls, id, KIND_URL, k, 0, k.length, field, null);
        }
        byte[] bare = UrlKey.withoutScheme(key).getBytes(StandardCharsets.UTF_8);
        id = urls.find(bare, 0, bare.length, urls.hash(bare, 0, bare.length));
        if (id >= 0) {
            hits = keyHits(urls, id, KIND_URL, bare, 0, bare.length, field, hits);
        }
        return hits == null ? List.of() : hits;
    }

    /** Returns the indicators matching a file digest given in hex (md5, sha1 or sha256). */
    public List<IntelHit> matchHash(String hex, String field) {
        return digestHits(hex, null, field);
    }

    /**
     * Returns the indicators of {@code type} ({@link IndicatorType#JA3} or {@link IndicatorType#X509_SHA1})
     * matching a TLS fingerprint given in hex, colons allowed ({@code tls.fingerprint}).
     */
    public List<IntelHit> matchTls(String hex, IndicatorType type, String field) {
        return hex == null ? List.of() : digestHits(hex.indexOf(':') >= 0 ? hex.replace(":", "") : hex, type, field);
    }

    /** Hits of a digest: of {@code type} only, or of the file digest types when null. */
    private List<IntelHit> digestHits(String hex, IndicatorType type, String field) {
        if (hex == null || hashes.size() == 0) {
            return List.of();
        }
        byte[] d = Indicators.digest(hex);
        if (d == null) {
            return List.of();
        }
        int id = hashes.find(d, 0, d.length, hashes.hash(d, 0, d.length));
        if (id < 0) {
            return List.of();
        }
        List<IntelHit> hits = keyHits(hashes, id, KIND_HASH, d, 0, d.length, field, null);
        hits.removeIf(h -> type == null ? !h.type().isHash() : h.type() != type);
        return hits;
    }

    private List<IntelHit> ipHits(PrefixTrie t, int family, long hi, long lo, String field, List<IntelHit> into) {
        if (t.first(hi, lo) < 0) {
            return into == null ? List.of() : into;
        }
        int[] nodes = new int[130];
        int n = t.collect(hi, lo, nodes);
        List<IntelHit> hits = into == null ? new ArrayList<>(2) : into;
        for (int i = 0; i < n; i++) {
            int node = nodes[i];
            int prefix = t.prefixLength(node);
            long nh = t.hi(node);
            long nl = t.lo(node);
            String canonical = prefix == IpAddr.bits(family) ? IpAddr.format(family, nh, nl) : IpAddr.formatPrefix(family, nh, nl, prefix);
            long key = ipKey(family, nh, nl, prefix);
            for (int e = t.head(node); e >= 0; e = entries.next(e)) {
                hits.add(hit(e, canonical, key, field));
            }
        }
        return hits;
    }

    private List<IntelHit> keyHits(ByteTable table, int id, int kind, byte[] k, int from, int len, String field, List<IntelHit> into) {
        List<IntelHit> hits = into == null ? new ArrayList<>(2) : into;
        String canonical = kind == KIND_HASH ? HexFormat.of().formatHex(k, from, from + len) : new String(k, from, len, StandardCharsets.UTF_8);
        long key = tableKey(kind, k, from, len);
        for (int e = table.head(id); e >= 0; e = entries.next(e)) {
            hits.add(hit(e, canonical, key, field));
        }
        return hits;
    }

    private IntelHit hit(int e, String canonical, long key, String field) {
        String written = entries.written(e);
        IndicatorType type = entries.type(e);
        int feed = entries.feed(e);
        long identity = identity(feed, key, type);
        return new IntelHit(written != null ? written : canonical, type, feedNames[feed], field, entries.meta(e), identity, false);
    }

    private static long ipKey(int family, long hi, long lo, int prefix) {
        return mix(mix(hi, lo), prefix + (family == IpAddr.V6 ? 1000 : 0));
    }

    private static long tableKey(int kind, byte[] k, int from, int len) {
        return mix(fingerprint(kind, k, from, len), kind);
    }

    private long identity(int feed, long key, IndicatorType type) {
        return mix(mix(feedPrints[feed], key), type.ordinal());
    }

    /** Returns the {@link IntelHit#identity()} a hit on entry {@code e} (found under the given key) has. */
    long identity(int kind, byte[] key, long hi, long lo, int prefix, int e) {
        long k = switch (kind) {
            case KIND_V4 -> ipKey(IpAddr.V4, hi, lo, prefix);
            case KIND_V6 -> ipKey(IpAddr.V6, hi, lo, prefix);
            default -> tableKey(kind, key, 0, key.length);
        };
        return identity(entries.feed(e), k, entries.type(e));
    }

    /** Returns the identities of every entry, sorted. */
    long[] identities() {
        long[] out = new long[entries.size()];
        int[] n = {0};
        forEachEntry((kind, key, hi, lo, prefix, e) -> out[n[0]++] = identity(kind, key, hi, lo, prefix, e));
        java.util.Arrays.sort(out);
        return out;
    }

    /** Receives one entry with its key: {@code key} for the table kinds, {@code hi}/{@code lo}/{@code prefix} for addresses. */
    @FunctionalInterface
    interface EntryVisitor {
        void entry(int kind, byte[] key, long hi, long lo, int prefix, int entry);
    }

    /** Calls {@code v} for every entry, kind by kind. */
    void forEachEntry(EntryVisitor v) {
        v4.forEach(node -> visitChain(v, KIND_V4, null, v4.hi(node), 0, v4.prefixLength(node), v4.head(node)));
        v6.forEach(node -> visitChain(v, KIND_V6, null, v6.hi(node), v6.lo(node), v6.prefixLength(node), v6.head(node)));
        ByteTable[] tables = {domains, urls, hashes};
        for (int t = 0; t < tables.length; t++) {
            ByteTable table = tables[t];
            for (int id = 0; id < table.size(); id++) {
                if (table.head(id) >= 0) {
                    visitChain(v, KIND_DOMAIN + t, table.key(id), 0, 0, 0, table.head(id));
                }
            }
        }
    }

    private void visitChain(EntryVisitor v, int kind, byte[] key, long hi, long lo, int prefix, int head) {
        for (int e = head; e >= 0; e = entries.next(e)) {
            v.entry(kind, key, hi, lo, prefix, e);
        }
    }

    /** Returns true when this snapshot has an entry of that type from a feed of that name under the key. */
    boolean contains(int kind, byte[] key, long hi, long lo, int prefix, IndicatorType type, String feed) {
        int head;
        switch (kind) {
            case KIND_V4, KIND_V6 -> {
                PrefixTrie t = kind == KIND_V4 ? v4 : v6;
                int node = t.find(hi, lo, prefix);
                head = node < 0 ? -1 : t.head(node);
            }
            default -> {
                ByteTable table = kind == KIND_DOMAIN ? domains : kind == KIND_URL ? urls : hashes;
                int id = table.find(key);
                head = id < 0 ? -1 : table.head(id);
            }
        }
        for (int e = head; e >= 0; e = entries.next(e)) {
            if (entries.type(e) == type && feedNames[entries.feed(e)].equals(feed)) {
                return true;
            }
        }
        return false;
    }

    /** Returns the name of feed {@code index}. */
    String feedName(int index) {
        return feedNames[index];
    }

    /**
     * Returns a snapshot of the indicators here that {@code old} did not have (same key, type and feed
     * name), for a retro-hunt over what was seen before they arrived.
     */
    IntelSnapshot newSince(IntelSnapshot old) {
        return subset((kind, key, hi, lo, prefix, e) -> !old.contains(kind, key, hi, lo, prefix, entries.type(e),
                feedNames[entries.feed(e)]));
    }

    /** Returns a snapshot of the indicators here whose identity is not in {@code known} (sorted). */
    IntelSnapshot newSince(long[] known) {
        return subset((kind, key, hi, lo, prefix, e) -> java.util.Arrays.binarySearch(known, identity(kind, key, hi, lo, prefix, e)) < 0);
    }

    /** Chooses entries for {@link #subset}. */
    @FunctionalInterface
    private interface EntryFilter {
        boolean keep(int kind, byte[] key, long hi, long lo, int prefix, int entry);
    }

    private IntelSnapshot subset(EntryFilter filter) {
        SnapshotBuilder b = new SnapshotBuilder(Long.MAX_VALUE);
        int[] map = new int[feedNames.length];
        java.util.Arrays.fill(map, -1);
        forEachEntry((kind, key, hi, lo, prefix, e) -> {
            if (!filter.keep(kind, key, hi, lo, prefix, e)) {
                return;
            }
            int feed = entries.feed(e);
            if (map[feed] < 0) {
                map[feed] = b.feed(feedNames[feed]);
            }
            b.copy(this, kind, key, hi, lo, prefix, e, map[feed]);
        });
        return b.build(List.of(), version);
    }

    private static int indexOf(byte[] b, byte c, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    static long fingerprint(long seed, byte[] b, int from, int len) {
        long h = seed ^ 0xcbf29ce484222325L;
        for (int i = from; i < from + len; i++) {
            h = (h ^ (b[i] & 0xff)) * 0x100000001B3L;
        }
        return mix(h, len);
    }

    static long mix(long a, long b) {
        long h = a * 0x9E3779B97F4A7C15L ^ Long.rotateLeft(b, 31) * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return h;
    }
}
