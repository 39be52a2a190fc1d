package io.spanwatch.analyzer.correlate;

import io.spanwatch.analyzer.events.AddressSet;

import java.nio.file.Path;
import java.util.List;

/**
 * Holds the correlation stage's settings (keys {@code correlate.*}; {@code spanwatch config-keys}
 * lists them with their defaults).
 *
 * @param homeNet internal hosts ({@code --home-net}); beacons and incidents are about them
 * @param allowlists allowlist files ({@code --allowlist}, and {@code rules/allowlist} when present)
 * @param rulesDir folder of the EPL modules ({@code *.epl}), watched for changes; null for none
 * @param threshold beacon score at or above which a pair is a beacon
 * @param minCallbacks fewer callbacks than this are never scored
 * @param burstGapMillis requests of a pair closer than this are one callback
 * @param windowMillis observation window: how far back a pair's callbacks are scored
 * @param scoreIntervalMillis packet time between checkpoints at which changed pairs are scored
 * @param maxPairs client/destination pairs tracked
 * @param maxCallbacks request times kept per pair (the latest)
 * @param maxStored request times kept over all pairs
 * @param incidentWindowMillis how long after a malware download a callback joins it into an incident
 * @param maxHosts internal hosts whose downloads and reputation hits are kept for incidents
 * @param maxIncidentBytes heap bytes the downloads and reputation hits kept for incidents take over all hosts
 * @param reorderEvents events held to put them in packet-time order before the rules see them
 * @param latenessMillis how far behind the newest event an event is held at most (0: only the count bounds it)
 * @param queueEvents events waiting for the correlation thread
 * @param live whether events come from a live capture (a full queue drops instead of waiting)
 */
public record CorrelateConfig(AddressSet homeNet, List<Path> allowlists, Path rulesDir, double threshold, int minCallbacks,
        long burstGapMillis, long windowMillis, long scoreIntervalMillis, int maxPairs, int maxCallbacks, long maxStored,
        long incidentWindowMillis, int maxHosts, long maxIncidentBytes, int reorderEvents, long latenessMillis, int queueEvents, boolean live) {

    public static final double DEFAULT_THRESHOLD = 0.8;
    public static final int DEFAULT_MIN_CALLBACKS = 6;
    public static final long DEFAULT_BURST_GAP_MILLIS = 2_000;
    public static final int DEFAULT_WINDOW_HOURS = 24;
    public static final int DEFAULT_SCORE_INTERVAL_SECONDS = 3_600;
    public static final int DEFAULT_MAX_PAIRS = 100_000;
    public static final int DEFAULT_MAX_CALLBACKS = 2_048;
    public static final long DEFAULT_MAX_STORED = 4_000_000;
    public static final int DEFAULT_INCIDENT_WINDOW_HOURS = 24;
    public static final int DEFAULT_MAX_HOSTS = 100_000;
    /**
     * Heap the downloads and reputation hits kept for incidents take over all hosts (32 MiB, some
     * 200,000 hits). Without it the bound was the per-host counts times {@link #DEFAULT_MAX_HOSTS}:
     * 28.8 million entries, each with a URL as long as traffic made it.
     */
    public static final long DEFAULT_MAX_INCIDENT_BYTES = 32L << 20;
    public static final int DEFAULT_REORDER_EVENTS = 20_000;
    public static final int DEFAULT_LIVE_LATENESS_SECONDS = 60;
    public static final int DEFAULT_QUEUE_EVENTS = 20_000;

    /** Returns the defaults, with {@code rulesDir} and no allowlist. */
    public static CorrelateConfig defaults(Path rulesDir, boolean live) {
        return new CorrelateConfig(AddressSet.parse(AddressSet.DEFAULT_HOME_NET), List.of(), rulesDir, DEFAULT_THRESHOLD,
                DEFAULT_MIN_CALLBACKS, DEFAULT_BURST_GAP_MILLIS, DEFAULT_WINDOW_HOURS * 3_600_000L,
                DEFAULT_SCORE_INTERVAL_SECONDS * 1000L, DEFAULT_MAX_PAIRS, DEFAULT_MAX_CALLBACKS, DEFAULT_MAX_STORED,
                DEFAULT_INCIDENT_WINDOW_HOURS * 3_600_000L, DEFAULT_MAX_HOSTS, DEFAULT_MAX_INCIDENT_BYTES, DEFAULT_REORDER_EVENTS,
                live ? DEFAULT_LIVE_LATENESS_SECONDS * 1000L : 0, DEFAULT_QUEUE_EVENTS, live);
    }

    public CorrelateConfig {
        if (threshold < 0 || threshold > 1) {
            throw new IllegalArgumentException("correlate.beacon.threshold must be between 0 and 1");
        }
        if (minCallbacks < 4) {
            throw new IllegalArgumentException("correlate.beacon.min-callbacks must be at least 4 (3 intervals)");
        }
        if (maxCallbacks < minCallbacks) {
            throw new IllegalArgumentException("correlate.beacon.max-callbacks must be at least correlate.beacon.min-callbacks");
        }
        allowlists = List.copyOf(allowlists);
    }

    /** Returns these settings with other internal hosts. */
    public CorrelateConfig withHomeNet(AddressSet h) {
        return new CorrelateConfig(h, allowlists, rulesDir, threshold, minCallbacks, burstGapMillis, windowMillis,
                scoreIntervalMillis, maxPairs, maxCallbacks, maxStored, incidentWindowMillis, maxHosts, maxIncidentBytes, reorderEvents,
                latenessMillis, queueEvents, live);
    }

    /** Returns these settings with other allowlist files. */
    public CorrelateConfig withAllowlists(List<Path> files) {
        return new CorrelateConfig(homeNet, files, rulesDir, threshold, minCallbacks, burstGapMillis, windowMillis,
                scoreIntervalMillis, maxPairs, maxCallbacks, maxStored, incidentWindowMillis, maxHosts, maxIncidentBytes, reorderEvents,
                latenessMillis, queueEvents, live);
    }

    /** Returns these settings with another rules folder (null: none). */
    public CorrelateConfig withRulesDir(Path dir) {
        return new CorrelateConfig(homeNet, allowlists, dir, threshold, minCallbacks, burstGapMillis, windowMillis,
                scoreIntervalMillis, maxPairs, maxCallbacks, maxStored, incidentWindowMillis, maxHosts, maxIncidentBytes, reorderEvents,
                latenessMillis, queueEvents, live);
    }

    /**
     * Returns the bounds of the tracker of pairs keyed by server address (name rotation): as many
     * pairs (one reached under a single name keeps no times of its own), a quarter of the request
     * times (only addresses reached under two to eight names keep any).
     */
    CorrelateConfig forAddresses() {
        return new CorrelateConfig(homeNet, allowlists, rulesDir, threshold, minCallbacks, burstGapMillis, windowMillis,
                scoreIntervalMillis, maxPairs, maxCallbacks, Math.max(maxCallbacks, maxStored / 4), incidentWindowMillis,
                maxHosts, maxIncidentBytes, reorderEvents, latenessMillis, queueEvents, live);
    }
}
