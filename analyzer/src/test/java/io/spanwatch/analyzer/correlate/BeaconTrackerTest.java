package io.spanwatch.analyzer.correlate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.IncidentEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Checks the tracker's bounds and their counters: which pair goes when the table is full, the
 * request times kept per pair (the latest, whatever the order they came in) and over all pairs, and
 * the incident joiner's bound on hosts.
 */
class BeaconTrackerTest {
    private static final long H = 3_600_000L;
    private static final long T0 = 1_710_000_000_000L; // on an hour boundary

    private static CorrelateConfig config(int maxPairs, int maxCallbacks, long maxStored, int maxHosts) {
        CorrelateConfig d = CorrelateConfig.defaults(null, false);
        return new CorrelateConfig(d.homeNet(), d.allowlists(), null, d.threshold(), d.minCallbacks(), d.burstGapMillis(),
                d.windowMillis(), d.scoreIntervalMillis(), maxPairs, maxCallbacks, maxStored, d.incidentWindowMillis(), maxHosts, d.maxIncidentBytes(),
                d.reorderEvents(), d.latenessMillis(), d.queueEvents(), false);
    }

    private static BeaconTracker tracker(int maxPairs) {
        CorrelateConfig d = CorrelateConfig.defaults(null, false);
        return new BeaconTracker(config(maxPairs, d.maxCallbacks(), d.maxStored(), d.maxHosts()), Allowlist.empty(), (p, s, at) -> { });
    }

    private static Map<String, Long> stats(BeaconTracker t) {
        Map<String, Long> m = new TreeMap<>();
        t.addStats(m);
        return m;
    }

    private static void add(BeaconTracker t, String host, long ts) {
        t.advance(ts);
        t.add("10.0.0.1", host, "192.0.2.1", 80, "TCP", 4, "http", ts, 100);
    }

    @Test
    void pairsEvictedBetweenCheckpointsAreNotKeptForTheNextOne() {
        // A flood of one-off connections from distinct internal clients within one score interval
        // (a SYN flood): the table stays at its bound and so does the list of pairs to score.
        BeaconTracker t = tracker(100);
        for (int i = 0; i < 50_000; i++) {
            long ts = T0 + i;
            t.advance(ts);
            t.add("10." + (i >>> 16) + "." + ((i >>> 8) & 0xFF) + "." + (i & 0xFF), "192.0.2.7", "192.0.2.7", 80, "TCP", 4, "failed", ts, 0);
        }
        assertEquals(100L, stats(t).get("correlate.beacon.pairs"));
        assertEquals(49_900L, stats(t).get("correlate.beacon.pairs_evicted"));
        assertTrue(t.changedPairs() <= 100, "pairs waiting for the checkpoint: " + t.changedPairs());
    }

    @Test
    void aFullTableEvictsAPairIdleSinceTheLastCheckpointNotOneStillCalling() {
        BeaconTracker t = tracker(3);
        add(t, "busy.example", T0);
        add(t, "idle-1.example", T0 + 60_000);
        add(t, "idle-2.example", T0 + 120_000);
        for (long ts = T0 + H; ts < T0 + 2 * H; ts += 300_000) {
            add(t, "busy.example", ts); // keeps calling into the next checkpoint interval
        }
        add(t, "new.example", T0 + 2 * H - 1_000);
        assertEquals(3, t.size());
        assertNotNull(t.pair("10.0.0.1", "busy.example"), "tracked first, but still calling: kept");
        assertNull(t.pair("10.0.0.1", "idle-1.example"), "idle since the last checkpoint and tracked longest: evicted");
        assertNotNull(t.pair("10.0.0.1", "idle-2.example"));
        assertNotNull(t.pair("10.0.0.1", "new.example"));
        assertEquals(1, t.pairsEvicted);
    }

    @Test
    void whenEveryPairIsActiveTheOneTrackedLongestGoes() {
        BeaconTracker t = tracker(2);
        add(t, "a.example", T0);
        add(t, "b.example", T0 + 1_000);
        add(t, "c.example", T0 + 2_000);
        assertNull(t.pair("10.0.0.1", "a.example"));
        assertNotNull(t.pair("10.0.0.1", "b.example"));
        assertNotNull(t.pair("10.0.0.1", "c.example"));
    }

    /** Adds the request times of one pair, each time moving packet time on to the latest seen. */
    private static long[] keptTimes(List<Long> times, int maxCallbacks, long[] dropped) {
        BeaconTracker t = new BeaconTracker(config(10, maxCallbacks, 1_000_000, 10), Allowlist.empty(), (p, s, at) -> { });
        for (long ts : times) {
            t.add("10.0.0.1", "a.example", "192.0.2.1", 80, "TCP", 4, "http", ts, 100);
        }
        BeaconTracker.Pair p = t.pair("10.0.0.1", "a.example");
        dropped[0] = stats(t).get("correlate.beacon.callbacks_dropped");
        assertTrue(p.capped());
        assertEquals(maxCallbacks, t.stored());
        long[] kept = new long[maxCallbacks];
        long after = Long.MIN_VALUE;
        for (int i = 0; i < maxCallbacks; i++) {
            kept[i] = p.firstAfter(after);
            after = kept[i];
        }
        return kept;
    }

    @Test
    void aPairKeepsItsLatestRequestTimesWhateverTheOrderTheyCameIn() {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            times.add(T0 + i * 60_000L);
        }
        long[] dropped = new long[1];
        long[] inOrder = keptTimes(times, 16, dropped);
        assertEquals(24, dropped[0], "correlate.beacon.callbacks_dropped");
        long[] expected = new long[16];
        for (int i = 0; i < 16; i++) {
            expected[i] = T0 + (24 + i) * 60_000L;
        }
        assertArrayEquals(expected, inOrder, "the latest 16");
        for (int seed = 0; seed < 20; seed++) {
            List<Long> shuffled = new ArrayList<>(times);
            Collections.shuffle(shuffled, new Random(seed));
            assertArrayEquals(expected, keptTimes(shuffled, 16, dropped), "shuffled (seed " + seed + "): " + Arrays.toString(
                    keptTimes(shuffled, 16, dropped)));
            assertEquals(24, dropped[0]);
        }
    }

    @Test
    void requestTimesOverAllPairsStayUnderTheirBoundByEvictingPairs() {
        BeaconTracker t = new BeaconTracker(config(1_000, 2_048, 100, 10), Allowlist.empty(), (p, s, at) -> { });
        for (int i = 0; i < 300; i++) {
            long ts = T0 + i * 1_000L;
            t.advance(ts);
            t.add("10.0.0.1", "site" + (i % 30) + ".example", "192.0.2.1", 80, "TCP", 4, "http", ts, 100);
            assertTrue(t.stored() <= 100, "stored " + t.stored() + " after " + (i + 1) + " requests");
        }
        Map<String, Long> m = stats(t);
        assertTrue(m.get("correlate.beacon.pairs_evicted") > 0, m.toString());
        assertEquals(t.stored(), m.get("correlate.beacon.stored_callbacks"));
        assertEquals(300, m.get("correlate.beacon.requests"));
    }

    @Test
    void aFastTimerKeepsItsDurationPastThePerPairBound() {
        // Every 5 s +-20 % from 06:00 to midnight: 13,000 requests, of which the pair keeps the latest
        // 2,048 (under 3 hours). The hours of the others still count for how long it has been calling.
        List<BeaconScorer.Score> found = new ArrayList<>();
        BeaconTracker t = new BeaconTracker(CorrelateConfig.defaults(null, false), Allowlist.empty(),
                (p, s, at) -> found.add(s));
        add(t, "www.example", T0); // the observation starts at midnight
        Random r = new Random(5);
        for (double c = T0 + 6 * H; c < T0 + 24 * H; c += 5_000 * (0.8 + 0.4 * r.nextDouble())) {
            add(t, "c2.example", (long) c);
        }
        t.finish();
        assertTrue(stats(t).get("correlate.beacon.callbacks_dropped") > 10_000, stats(t).toString());
        assertEquals(1, found.size(), "the 5 s timer is a beacon");
        BeaconScorer.Score s = found.get(0);
        assertTrue(s.firstMillis() < T0 + 7 * H, "first seen hours before the requests kept: " + s);
        assertTrue(s.parts().get("consistency") * 12 * H > s.lastMillis() - s.firstMillis() - H, "the run counts them: " + s);
    }

    @Test
    void theIncidentJoinerForgetsTheLeastRecentlyActiveHostPastItsBound() {
        IncidentJoiner j = new IncidentJoiner(config(10, 2_048, 1_000, 2), tracker(10), e -> { });
        for (String host : List.of("10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.3")) {
            EventHeader h = new EventHeader(1, new int[0], host, 40000, "203.0.113.9", 80, "TCP", true, 4, null, "http", null);
            j.reputation(host, "bad.example", new AlertEvent(T0 * 1_000_000, h, true, "to_server",
                    AlertEvent.Signature.of(2, "reputation", AlertEvent.REPUTATION, 2), null, null, null, null, null, null));
        }
        Map<String, Long> m = new TreeMap<>();
        j.addStats(m);
        assertEquals(2, m.get("correlate.incident.hosts"));
        assertEquals(1, m.get("correlate.incident.hosts_evicted"), "10.0.0.2 was the least recently active: " + m);
    }

    @Test
    void theIncidentJoinerKeepsItsHostsWithinItsHeapBoundWhateverTheUrlsAndNamesTrafficMade() {
        CorrelateConfig d = CorrelateConfig.defaults(null, false);
        long bound = 1L << 20;
        CorrelateConfig c = new CorrelateConfig(d.homeNet(), d.allowlists(), null, d.threshold(), d.minCallbacks(), d.burstGapMillis(),
                d.windowMillis(), d.scoreIntervalMillis(), d.maxPairs(), d.maxCallbacks(), d.maxStored(), d.incidentWindowMillis(),
                d.maxHosts(), bound, d.reorderEvents(), d.latenessMillis(), d.queueEvents(), false);
        List<IncidentEvent> incidents = new ArrayList<>();
        IncidentJoiner j = new IncidentJoiner(c, tracker(10), incidents::add);
        Map<String, Long> m = new TreeMap<>();
        // 2,000 hosts, each with reputation hits to names of 4,000 characters: some 16 MB unbounded
        for (int i = 0; i < 2_000; i++) {
            String host = "10.0." + (i / 250) + "." + (i % 250);
            for (int k = 0; k < 3; k++) {
                j.reputation(host, (char) ('a' + k) + "x".repeat(4_000) + ".example", reputationAlert(host, T0 + i * 1_000L + k));
            }
            m.clear();
            j.addStats(m);
            assertTrue(m.get("correlate.incident.bytes") <= bound, "within the bound after host " + i + ": " + m);
        }
        assertTrue(m.get("correlate.incident.hosts_evicted") > 1_500, m.toString());
        assertTrue(m.get("correlate.incident.hosts") > 10, "the bound holds more than a few hosts: " + m);
        // the most recent host is kept whole: its download joins the hits it made after it
        String last = "10.0.7.249";
        j.malware(last, malwareAlert(last, T0 + 1_999 * 1_000L - 1));
        assertEquals(3, incidents.size(), "one incident per callback host of the latest host: " + incidents);
    }

    private static AlertEvent reputationAlert(String host, long atMillis) {
        EventHeader h = new EventHeader(1, new int[0], host, 40000, "203.0.113.9", 80, "TCP", true, 4, null, "http", null);
        return new AlertEvent(atMillis * 1_000_000, h, true, "to_server",
                AlertEvent.Signature.of(2, "reputation", AlertEvent.REPUTATION, 2), null, null, null, null, null, null);
    }

    private static AlertEvent malwareAlert(String host, long atMillis) {
        EventHeader h = new EventHeader(2, new int[0], host, 40001, "192.0.2.10", 80, "TCP", true, 4, null, "http", null);
        HttpInfo http = new HttpInfo(0, "files.example", -1, "/" + "p".repeat(6_000) + ".exe", "Mozilla/5.0", "application/octet-stream",
                "GET", null, "HTTP/1.1", 200, 68, 0, null);
        FileInfo fi = new FileInfo("/invoice.exe", 68, "m", "s1", "a".repeat(64), "application/x-dosexec", "CLOSED", false, 0, true,
                null, false, null, List.of(), -1, -1, -1, false, null, false, 1);
        FileEvent f = new FileEvent(atMillis * 1_000_000, h, http, false, fi, null);
        FileVerdict v = new FileVerdict("clamd", "1.4", "1", "infected", List.of("Win.Trojan.Test"), 3, null, false);
        return new AlertEvent(atMillis * 1_000_000, h, true, "to_client", AlertEvent.Signature.of(1, "ClamAV Win.Trojan.Test",
                AlertEvent.MALWARE, 1), http, f, v, null, null, null);
    }

    @Test
    void anAddressPairKeepsTimesOnlyFromItsSecondNameAndLetsGoOfASharedServer() {
        BeaconTracker names = tracker(1_000);
        BeaconTracker addresses = tracker(1_000);
        // three requests under one name: the address pair keeps none of its own, the name's pair has them
        for (int i = 0; i < 3; i++) {
            long ts = T0 + i * 60_000L;
            BeaconTracker.Pair n = names.add("10.0.0.1", "a.example", "192.0.2.9", 80, "TCP", 4, "http", ts, 100);
            BeaconTracker.Pair a = addresses.add("10.0.0.1", "192.0.2.9", "192.0.2.9", 80, "TCP", 4, "http", ts, 100, "a.example", n);
            assertEquals(0, a.n);
        }
        assertEquals(0, addresses.stored());
        // a second name: the first one's times come over, then its own
        long ts = T0 + 3 * 60_000L;
        BeaconTracker.Pair n = names.add("10.0.0.1", "b.example", "192.0.2.9", 80, "TCP", 4, "http", ts, 100);
        BeaconTracker.Pair a = addresses.add("10.0.0.1", "192.0.2.9", "192.0.2.9", 80, "TCP", 4, "http", ts, 100, "b.example", n);
        assertEquals(4, a.n);
        assertEquals(T0, a.times[0]);
        assertEquals(List.of("a.example", "b.example"), a.names());
        // up to eight names; the ninth makes it a shared server, which lets its times go and takes no more
        for (int k = 2; k < BeaconTracker.MAX_NAMES + 3; k++) {
            ts += 60_000L;
            String name = "n" + k + ".example";
            a = addresses.add("10.0.0.1", "192.0.2.9", "192.0.2.9", 80, "TCP", 4, "http", ts, 100, name,
                    names.add("10.0.0.1", name, "192.0.2.9", 80, "TCP", 4, "http", ts, 100));
        }
        assertTrue(a.shared);
        assertEquals(0, a.n);
        assertEquals(0, addresses.stored());
        assertEquals(BeaconTracker.MAX_NAMES, a.names().size());
        Map<String, Long> m = new TreeMap<>();
        addresses.addStats(m, "x.", true);
        assertEquals(4 + (BeaconTracker.MAX_NAMES - 2) + 1 + 2, m.get("x.shared_dropped"), m.toString());
    }
}
