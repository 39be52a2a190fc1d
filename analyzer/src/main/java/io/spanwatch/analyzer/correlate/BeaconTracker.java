package io.spanwatch.analyzer.correlate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the callbacks of every internal client/destination pair and scores them with
 * {@link BeaconScorer} at checkpoints on packet time; a pair that scores at or above the threshold
 * and whose destination is not allowlisted is handed to the {@link Listener} as a beacon.
 *
 * <p>Bounded (defaults in {@link CorrelateConfig}): at most {@code maxPairs} pairs (one idle since
 * the last checkpoint, tracked longest, is scored, then evicted: {@code pairs_evicted}); at most
 * {@code maxCallbacks} request times per pair, the latest by packet time (older ones are dropped:
 * {@code callbacks_dropped}, and the beacon says {@code limit_hit}; the first of them and a bit for
 * each hour of the window they were made in still count for how long the pair has been calling);
 * at most {@code maxStored}
 * request times over all pairs (pairs are evicted the same way); request
 * times older than the window before a pair's latest are dropped. Which times a pair keeps depends
 * only on the set of times it was given, not on their order, so a run is repeatable.
 *
 * <p>Not thread-safe: the correlation thread owns it.
 */
public final class BeaconTracker {
    /** Receives each beacon found. */
    public interface Listener {
        void beacon(Pair pair, BeaconScorer.Score score, long atMillis);
    }

    /** Identifies a pair: the internal client and the destination (HTTP host, else server address). */
    public record Key(String client, String host) {
    }

    /** Holds one pair's state. */
    public static final class Pair {
        final Key key;
        String destIp;
        int destPort;
        String proto;
        int ipVersion;
        String appProto;
        long[] times = NO_TIMES;
        int[] sizes = NO_SIZES;
        int n;
        long total;
        long dropped;
        boolean dirty;
        boolean allowlisted;
        long alertedAt = Long.MIN_VALUE;
        /**
         * Hours (bit {@code hour mod bits}) of the requests dropped for the per-pair bound, up to
         * {@link #droppedHour}; null until one is dropped. They count for the duration part only.
         */
        long[] droppedHours;
        /** Latest hour (since the epoch) recorded in {@link #droppedHours}. */
        long droppedHour;
        /** Earliest request dropped for the per-pair bound. */
        long droppedFirst = Long.MAX_VALUE;
        /** Checkpoint interval of the pair's latest request (its place in the eviction order). */
        long activeInterval = Long.MIN_VALUE;
        /** Host names its requests named, first seen first (address pairs only; at most {@link #MAX_NAMES}), else null. */
        String[] names;
        int nameCount;
        /**
         * An address pair's one name so far: that name's own pair (of the tracker by name), whose times
         * are this pair's until a second name comes; then they are copied and this is null.
         */
        Pair firstNamed;
        /** A name pair's address pair in the other tracker as of its latest request (saves a lookup a request), else null. */
        Pair address;
        /** Set when the pair left its tracker (evicted): a pointer to it ({@link #address}) is stale. */
        boolean evicted;
        /** Set by the correlation stage when an address pair was reported as a rotation over its names. */
        boolean rotation;
        /**
         * An address pair past {@link #MAX_NAMES} names: a shared server (virtual hosting, a CDN), not a
         * rotation; it keeps no request times and takes no more.
         */
        boolean shared;

        Pair(Key key) {
            this.key = key;
        }

        public Key key() {
            return key;
        }

        public String destIp() {
            return destIp;
        }

        public int destPort() {
            return destPort;
        }

        public String proto() {
            return proto;
        }

        public int ipVersion() {
            return ipVersion;
        }

        public String appProto() {
            return appProto;
        }

        /** Returns whether request times were dropped for the per-pair bound. */
        public boolean capped() {
            return dropped > 0;
        }

        /** Returns the first request time after {@code t} (ms), or -1 when the pair kept none. */
        public long firstAfter(long t) {
            int i = Arrays.binarySearch(times, 0, n, t + 1);
            int at = i >= 0 ? i : -i - 1;
            return at < n ? times[at] : -1;
        }

        /** Returns whether the pair was reported as a beacon. */
        public boolean alerted() {
            return alertedAt != Long.MIN_VALUE;
        }

        /** Returns the host names its requests named (a pair keyed by address), first seen first; empty for a pair keyed by name. */
        public List<String> names() {
            return names == null ? List.of() : List.of(Arrays.copyOf(names, nameCount));
        }

        /** Remembers {@code name}; returns false when it is one more than {@link #MAX_NAMES}. */
        private boolean name(String name) {
            if (names == null) {
                names = new String[2];
            }
            for (int i = 0; i < nameCount; i++) {
                if (names[i].equals(name)) {
                    return true;
                }
            }
            if (nameCount == MAX_NAMES) {
                return false;
            }
            if (nameCount == names.length) {
                names = Arrays.copyOf(names, Math.min(MAX_NAMES, names.length * 2));
            }
            names[nameCount++] = name;
            return true;
        }
    }

    private final CorrelateConfig config;
    private final Allowlist allowlist;
    private final Listener listener;
    /**
     * Pairs in the order they were first tracked (or given a second chance). Eviction takes the
     * first of the first {@value #SECOND_CHANCES} that has been idle since the last checkpoint and
     * moves the active ones it passed to the end; when all of those are active, the first goes.
     * (Keeping exact recency, moving an entry at every request, costs more than the rest of the
     * tracking.)
     */
    private final LinkedHashMap<Key, Pair> pairs = new LinkedHashMap<>(1024);
    /** Pairs moved to the end at most, looking for an idle one to evict. */
    static final int SECOND_CHANCES = 64;
    private static final long[] NO_TIMES = new long[0];
    private static final int[] NO_SIZES = new int[0];
    /** Host names an address pair takes; past them it is a shared server ({@link Pair#shared}). */
    static final int MAX_NAMES = 8;
    private static final long HOUR_MILLIS = 3_600_000L;
    /** What {@link #earlier} returns for a pair that dropped nothing (never written). */
    private static final long[] NO_EARLIER = {Long.MAX_VALUE, Long.MAX_VALUE};
    /** Pairs changed since the last checkpoint, in the order they changed (identity: Pair keeps Object's equals). */
    private final java.util.LinkedHashSet<Pair> dirty = new java.util.LinkedHashSet<>();
    /** Pairs reported as beacons and still tracked, by client, in the order they were reported. */
    private final Map<String, List<Pair>> alertedByClient = new java.util.HashMap<>();
    private long stored;
    private long start = Long.MIN_VALUE;
    private long now = Long.MIN_VALUE;
    /** Counters for stats. */
    long pairsEvicted;
    long callbacksDropped;
    long scored;
    long beacons;
    long allowlistedSuppressed;
    long requests;
    /** Requests of address pairs let go as shared servers (see {@link Pair#shared}). */
    long sharedDropped;

    public BeaconTracker(CorrelateConfig config, Allowlist allowlist, Listener listener) {
        this.config = config;
        this.allowlist = allowlist;
        this.listener = listener;
    }

    /**
     * Adds one request (an HTTP request, or a flow without HTTP) of {@code client} to {@code host}.
     *
     * @param tsMillis packet time of the request
     * @param bytes bytes of the request and its answer
     * @return the pair the request counts for
     */
    public Pair add(String client, String host, String destIp, int destPort, String proto, int ipVersion, String appProto,
            long tsMillis, long bytes) {
        return add(client, host, destIp, destPort, proto, ipVersion, appProto, tsMillis, bytes, null, null);
    }

    /**
     * Adds one request as {@link #add(String, String, String, int, String, int, String, long, long)}
     * does, for a pair keyed by the server's address ({@code host} is the address): {@code name}, the
     * request's host name, is remembered with the pair ({@link Pair#names}), and {@code named} is the
     * pair of that name that took the same request. While the address has one name, its pair keeps
     * no times of its own (the name's pair has them: most addresses are reached under one name, and
     * cost a lookup a request); the second name copies the first one's times over and the pair is
     * tracked from then on. A pair that has seen more than {@link #MAX_NAMES} names is a shared
     * server: its times are let go and it takes no more ({@code shared_dropped} counts them), so a CDN
     * address that clients reach under hundreds of names costs a lookup a request, not a full pair.
     */
    public Pair add(String client, String host, String destIp, int destPort, String proto, int ipVersion, String appProto,
            long tsMillis, long bytes, String name, Pair named) {
        requests++;
        if (start == Long.MIN_VALUE || tsMillis < start) {
            start = tsMillis;
        }
        Pair p = named != null && named.address != null && !named.address.evicted && named.address.key.host().equals(host)
                ? named.address : null;
        Key key = p != null ? p.key : new Key(client, host);
        if (p == null) {
            p = pairs.get(key);
        }
        long interval = Math.floorDiv(tsMillis, config.scoreIntervalMillis());
        if (p == null) {
            p = new Pair(key);
            p.destIp = destIp;
            p.destPort = destPort;
            p.proto = proto;
            p.ipVersion = ipVersion;
            p.appProto = appProto;
            p.allowlisted = allowlist.allows(host, destIp);
            pairs.put(key, p);
        }
        if (named != null) {
            named.address = p;
        }
        p.activeInterval = Math.max(p.activeInterval, interval);
        if (p.shared) {
            sharedDropped++;
            return p;
        }
        boolean pending = false;
        if (name != null) {
            int before = p.nameCount;
            if (!p.name(name)) {
                p.shared = true;
                sharedDropped += p.n + 1;
                stored -= p.n;
                p.n = 0;
                p.times = NO_TIMES;
                p.sizes = NO_SIZES;
                p.firstNamed = null;
                return p;
            }
            if (p.nameCount == 1) {
                if (before == 0) {
                    p.firstNamed = named;
                }
                pending = true;
            } else if (p.firstNamed != null) {
                Pair first = p.firstNamed;
                p.firstNamed = null;
                for (int i = 0; i < first.n; i++) {
                    insert(p, first.times[i], first.sizes[i]);
                }
            }
        }
        if (!pending) {
            insert(p, tsMillis, (int) Math.min(Integer.MAX_VALUE, Math.max(0, bytes)));
            if (!p.dirty) {
                p.dirty = true;
                dirty.add(p);
            }
        }
        while (pairs.size() > config.maxPairs() || stored > config.maxStored() && pairs.size() > 1) {
            evictOldest();
        }
        return p;
    }

    private void insert(Pair p, long t, int size) {
        p.total++;
        if (p.n == config.maxCallbacks()) {
            if (t <= p.times[0]) {
                drop(p, t);
                return;
            }
            long oldest = p.times[0];
            removeFirst(p, 1);
            drop(p, oldest);
        }
        if (p.n == p.times.length) {
            int cap = Math.min(config.maxCallbacks(), Math.max(4, p.times.length * 2));
            p.times = Arrays.copyOf(p.times, cap);
            p.sizes = Arrays.copyOf(p.sizes, cap);
        }
        int at = p.n;
        if (p.n > 0 && t < p.times[p.n - 1]) { // requests come in order but for the odd late one
            int i = Arrays.binarySearch(p.times, 0, p.n, t);
            at = i >= 0 ? i + 1 : -i - 1;
            while (at < p.n && p.times[at] == t) {
                at++;
            }
        }
        System.arraycopy(p.times, at, p.times, at + 1, p.n - at);
        System.arraycopy(p.sizes, at, p.sizes, at + 1, p.n - at);
        p.times[at] = t;
        p.sizes[at] = size;
        p.n++;
        stored++;
        // A pair remembers one window back from its latest request.
        long oldest = p.times[p.n - 1] - config.windowMillis();
        int old = 0;
        while (old < p.n && p.times[old] < oldest) {
            old++;
        }
        if (old > 0) {
            removeFirst(p, old);
        }
    }

    /** Counts a request dropped for the per-pair bound and records its hour. */
    private void drop(Pair p, long t) {
        p.dropped++;
        callbacksDropped++;
        p.droppedFirst = Math.min(p.droppedFirst, t);
        long hour = Math.floorDiv(t, HOUR_MILLIS);
        int bits = droppedBits();
        if (p.droppedHours == null) {
            p.droppedHours = new long[bits / 64];
            p.droppedHour = hour;
        } else if (hour > p.droppedHour) {
            for (long h = Math.max(p.droppedHour + 1, hour - bits + 1); h <= hour; h++) {
                int b = (int) Math.floorMod(h, (long) bits);
                p.droppedHours[b >>> 6] &= ~(1L << b);
            }
            p.droppedHour = hour;
        } else if (hour <= p.droppedHour - bits) {
            return; // older than the hours kept
        }
        int b = (int) Math.floorMod(hour, (long) bits);
        p.droppedHours[b >>> 6] |= 1L << b;
    }

    /** Returns the hours kept of dropped requests: the window's and two more, in whole longs. */
    private int droppedBits() {
        long hours = Math.ceilDiv(config.windowMillis(), HOUR_MILLIS) + 2;
        return (int) Math.ceilDiv(hours, 64L) * 64;
    }

    private static boolean droppedIn(Pair p, long hour, int bits) {
        if (hour > p.droppedHour || hour <= p.droppedHour - bits) {
            return false;
        }
        int b = (int) Math.floorMod(hour, (long) bits);
        return (p.droppedHours[b >>> 6] & 1L << b) != 0;
    }

    /**
     * Returns, for the requests {@code p} dropped for its bound, the earliest within the window
     * and where the run of hours with dropped requests that reaches its first kept request starts;
     * {@code Long.MAX_VALUE} for none. Where only the hour is known, the end of the hour is taken
     * (the duration is never overstated).
     */
    private long[] earlier(Pair p, long windowStart) {
        long none = Long.MAX_VALUE;
        if (p.droppedHours == null || p.n == 0) {
            return NO_EARLIER;
        }
        int bits = droppedBits();
        long t0 = p.times[0];
        long firstHour = Math.floorDiv(windowStart, HOUR_MILLIS);
        long lastHour = Math.floorDiv(t0, HOUR_MILLIS);
        long first = none;
        if (p.droppedFirst >= windowStart && p.droppedFirst <= t0) {
            first = p.droppedFirst;
        } else {
            for (long h = Math.max(firstHour + 1, p.droppedHour - bits + 1); h <= lastHour; h++) {
                if (droppedIn(p, h, bits)) {
                    first = Math.min(t0, (h + 1) * HOUR_MILLIS);
                    break;
                }
            }
        }
        long h = droppedIn(p, lastHour, bits) ? lastHour : lastHour - 1;
        if (!droppedIn(p, h, bits)) {
            return new long[] {first, none};
        }
        while (h - 1 > firstHour && droppedIn(p, h - 1, bits)) {
            h--;
        }
        long runStart = Math.floorDiv(p.droppedFirst, HOUR_MILLIS) == h ? p.droppedFirst : (h + 1) * HOUR_MILLIS;
        return new long[] {first, Math.max(windowStart, Math.min(t0, runStart))};
    }

    private void removeFirst(Pair p, int k) {
        System.arraycopy(p.times, k, p.times, 0, p.n - k);
        System.arraycopy(p.sizes, k, p.sizes, 0, p.n - k);
        p.n -= k;
        stored -= k;
    }

    private void evictOldest() {
        long current = now == Long.MIN_VALUE ? Long.MIN_VALUE : Math.floorDiv(now, config.scoreIntervalMillis());
        List<Pair> active = new ArrayList<>();
        Pair p = null;
        Iterator<Pair> it = pairs.values().iterator();
        for (int i = Math.min(SECOND_CHANCES, pairs.size() - 1); i > 0 && p == null; i--) { // never the pair just added
            Pair q = it.next();
            if (q.activeInterval < current) {
                p = q;
            } else {
                active.add(q);
            }
        }
        if (p == null) {
            p = pairs.firstEntry().getValue(); // all active: the one tracked longest
            active.clear();
        }
        pairs.remove(p.key);
        p.evicted = true;
        for (Pair q : active) {
            pairs.putLast(q.key, q); // a second chance: to the end
        }
        if (p.n > 0) {
            score(p, now == Long.MIN_VALUE ? p.times[p.n - 1] : now);
        }
        if (p.alerted()) {
            List<Pair> alerted = alertedByClient.get(p.key.client());
            alerted.remove(p);
            if (alerted.isEmpty()) {
                alertedByClient.remove(p.key.client());
            }
        }
        stored -= p.n;
        p.n = 0;
        p.times = NO_TIMES; // an address pair may still point at it (firstNamed): let its times go
        p.sizes = NO_SIZES;
        p.firstNamed = null;
        if (p.dirty) {
            dirty.remove(p); // else the checkpoint's list would keep every pair evicted since the last one
        }
        p.dirty = false;
        pairsEvicted++;
    }

    /** Returns how many pairs wait to be scored at the next checkpoint (at most the pairs tracked). */
    int changedPairs() {
        return dirty.size();
    }

    /** Moves packet time on; every full score interval passed is a checkpoint at which changed pairs are scored. */
    public void advance(long tsMillis) {
        if (now == Long.MIN_VALUE) {
            now = tsMillis;
            return;
        }
        long interval = config.scoreIntervalMillis();
        long next = Math.floorDiv(now, interval) * interval + interval;
        if (tsMillis >= next) {
            now = next;
            checkpoint(next);
        }
        now = Math.max(now, tsMillis);
    }

    /** Scores every pair that changed since it was last scored, at packet time {@code at}. */
    public void checkpoint(long at) {
        List<Pair> todo = new ArrayList<>(dirty);
        dirty.clear();
        for (Pair p : todo) {
            if (p.dirty && p.n > 0) {
                p.dirty = false;
                score(p, at);
            }
        }
    }

    /** Scores every changed pair at the latest packet time: the end of a run. */
    public void finish() {
        if (now != Long.MIN_VALUE) {
            checkpoint(now);
        }
    }

    private void score(Pair p, long at) {
        if (p.n < config.minCallbacks()) {
            return;
        }
        scored++;
        long windowStart = Math.max(start, at - config.windowMillis());
        long[] earlier = earlier(p, windowStart);
        BeaconScorer.Score s = BeaconScorer.score(p.times, p.sizes, p.n, config.burstGapMillis(), windowStart, Math.max(at,
                p.times[p.n - 1]), config.minCallbacks(), earlier[0], earlier[1]);
        if (s.score() < config.threshold()) {
            return;
        }
        if (p.allowlisted) {
            allowlistedSuppressed++;
            return;
        }
        if (p.alerted() && at - p.alertedAt < config.windowMillis()) {
            return; // one alert per pair per window
        }
        if (!p.alerted()) {
            alertedByClient.computeIfAbsent(p.key.client(), c -> new ArrayList<>()).add(p);
        }
        p.alertedAt = at;
        beacons++;
        listener.beacon(p, s, at);
    }

    /** Returns the pair of a client and destination, or null. */
    public Pair pair(String client, String host) {
        return pairs.get(new Key(client, host));
    }

    /** Returns the pairs of one client that were reported as beacons. */
    public List<Pair> alertedPairs(String client) {
        return List.copyOf(alertedByClient.getOrDefault(client, List.of()));
    }

    /** Returns the number of pairs tracked. */
    public int size() {
        return pairs.size();
    }

    /** Returns the request times kept over all pairs. */
    public long stored() {
        return stored;
    }

    void addStats(Map<String, Long> stats) {
        addStats(stats, "correlate.beacon.", false);
    }

    /** Adds the counters under {@code prefix} (ending in a dot); {@code byAddress}: of the tracker of pairs keyed by address. */
    void addStats(Map<String, Long> stats, String prefix, boolean byAddress) {
        stats.put(prefix + "pairs", (long) pairs.size());
        stats.put(prefix + "stored_callbacks", stored);
        stats.put(prefix + "requests", requests);
        stats.put(prefix + "pairs_evicted", pairsEvicted);
        stats.put(prefix + "callbacks_dropped", callbacksDropped);
        stats.put(prefix + "scored", scored);
        stats.put(prefix + "alerts", beacons);
        stats.put(prefix + "allowlisted_suppressed", allowlistedSuppressed);
        if (byAddress) {
            stats.put(prefix + "shared_dropped", sharedDropped);
        }
    }
}
