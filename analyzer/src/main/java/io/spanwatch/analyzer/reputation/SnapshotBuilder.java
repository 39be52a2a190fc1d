package io.spanwatch.analyzer.reputation;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Builds an {@link IntelSnapshot}: feeds are registered, their indicators added one by one, then
 * {@link #build} freezes everything. The same indicator listed twice by one feed is kept once; past
 * {@code maxEntries} indicators (all feeds together) further ones are dropped and counted. Used by
 * one thread.
 */
final class SnapshotBuilder {
    static final int MAX_FEEDS = 65_535;

    /** What became of an added indicator. */
    enum Added { ADDED, DUPLICATE, DROPPED }

    private final long maxEntries;
    final PrefixTrie v4;
    final PrefixTrie v6;
    final ByteTable domains;
    final ByteTable urls;
    final ByteTable hashes;
    final Entries entries;
    private final List<String> feeds = new ArrayList<>();

    SnapshotBuilder(long maxEntries) {
        this.maxEntries = maxEntries;
        int seed = ThreadLocalRandom.current().nextInt();
        v4 = new PrefixTrie(32, 64);
        v6 = new PrefixTrie(128, 16);
        domains = new ByteTable(seed, 64, 1024);
        urls = new ByteTable(seed * 31 + 7, 64, 4096);
        hashes = new ByteTable(seed * 17 + 3, 64, 2048);
        entries = new Entries(256);
    }

    /** Registers a feed by its name and returns its index. */
    int feed(String name) {
        if (feeds.size() >= MAX_FEEDS) {
            throw new IllegalStateException("more than " + MAX_FEEDS + " feeds");
        }
        feeds.add(name);
        return feeds.size() - 1;
    }

    List<String> feedNames() {
        return feeds;
    }

    int size() {
        return entries.size();
    }

    /**
     * Adds an address or prefix (masked to {@code prefix} bits). In every {@code add} method
     * {@code written} is the feed's text, or null when the caller knows it is the canonical spelling.
     */
    Added addIp(int family, long hi, long lo, int prefix, IndicatorType type, String written, int feed, IntelMeta meta) {
        PrefixTrie t = family == IpAddr.V4 ? v4 : v6;
        int node = t.insert(hi, lo, prefix);
        String canonical = written == null ? null
                : prefix == IpAddr.bits(family) ? IpAddr.format(family, hi, lo) : IpAddr.formatPrefix(family, hi, lo, prefix);
        int e = chain(t.head(node), type, feed, meta, written, canonical);
        if (e >= 0) {
            t.setHead(node, e);
        }
        return result(e);
    }

    /** Adds a normalised domain name. */
    Added addDomain(String key, String written, int feed, IntelMeta meta) {
        return addKey(domains, key.getBytes(StandardCharsets.UTF_8), key, IndicatorType.DOMAIN, written, feed, meta);
    }

    /** Adds a normalised URL ({@link UrlKey}). */
    Added addUrl(String key, String written, int feed, IntelMeta meta) {
        return addKey(urls, key.getBytes(StandardCharsets.UTF_8), key, IndicatorType.URL, written, feed, meta);
    }

    /** Adds a digest (16, 20 or 32 bytes). */
    Added addHash(byte[] digest, String written, int feed, IntelMeta meta) {
        return addHash(digest, IndicatorType.ofDigestLength(digest.length), written, feed, meta);
    }

    /** Adds a digest of the given type (a file digest, or a TLS fingerprint: {@link IndicatorType#JA3}, {@link IndicatorType#X509_SHA1}). */
    Added addHash(byte[] digest, IndicatorType type, String written, int feed, IntelMeta meta) {
        return addKey(hashes, digest, written == null ? null : HexFormat.of().formatHex(digest), type, written, feed, meta);
    }

    private Added addKey(ByteTable table, byte[] key, String canonical, IndicatorType type, String written, int feed, IntelMeta meta) {
        int id = table.add(key, 0, key.length);
        int e = chain(table.head(id), type, feed, meta, written, canonical);
        if (e >= 0) {
            table.setHead(id, e);
        }
        return result(e);
    }

    private static final int DUP = -1;
    private static final int FULL = -2;

    private int chain(int head, IndicatorType type, int feed, IntelMeta meta, String written, String canonical) {
        for (int e = head; e >= 0; e = entries.next(e)) {
            if (entries.feed(e) == feed && entries.type(e) == type) {
                return DUP;
            }
        }
        if (entries.size() >= maxEntries) {
            return FULL;
        }
        return entries.add(type, feed, meta, written == null || written.equals(canonical) ? null : written, head);
    }

    private static Added result(int e) {
        return e >= 0 ? Added.ADDED : e == DUP ? Added.DUPLICATE : Added.DROPPED;
    }

    /**
     * Adds every indicator of feed {@code fromFeed} of another snapshot to feed {@code toFeed} here:
     * a feed that could not be read keeps its previous version. Returns how many were added.
     */
    int copyFeed(IntelSnapshot from, int fromFeed, int toFeed) {
        int[] added = {0};
        from.forEachEntry((kind, key, hi, lo, prefix, e) -> {
            if (from.entries.feed(e) == fromFeed && copy(from, kind, key, hi, lo, prefix, e, toFeed) == Added.ADDED) {
                added[0]++;
            }
        });
        return added[0];
    }

    /** Adds entry {@code e} of another snapshot, found under the given key, to feed {@code toFeed} here. */
    Added copy(IntelSnapshot from, int kind, byte[] key, long hi, long lo, int prefix, int e, int toFeed) {
        Entries src = from.entries;
        IndicatorType type = src.type(e);
        String written = src.written(e);
        IntelMeta meta = src.meta(e);
        return switch (kind) {
            case IntelSnapshot.KIND_V4 -> addIp(IpAddr.V4, hi, lo, prefix, type, written, toFeed, meta);
            case IntelSnapshot.KIND_V6 -> addIp(IpAddr.V6, hi, lo, prefix, type, written, toFeed, meta);
            case IntelSnapshot.KIND_DOMAIN -> addKey(domains, key, new String(key, StandardCharsets.UTF_8), type, written, toFeed, meta);
            case IntelSnapshot.KIND_URL -> addKey(urls, key, new String(key, StandardCharsets.UTF_8), type, written, toFeed, meta);
            default -> addKey(hashes, key, HexFormat.of().formatHex(key), type, written, toFeed, meta);
        };
    }

    /** Freezes what was added into a snapshot; the builder must not be used afterwards. */
    IntelSnapshot build(List<FeedReport> reports, long version) {
        v4.trim();
        v6.trim();
        domains.trim();
        urls.trim();
        hashes.trim();
        entries.trim();
        return new IntelSnapshot(this, reports, version);
    }
}
