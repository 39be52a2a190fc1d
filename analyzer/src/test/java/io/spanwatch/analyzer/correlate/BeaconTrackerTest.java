package io.spanwatch.analyzer.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** Checks the tracker's bound on pairs: which pair goes when a new one comes and the table is full. */
class BeaconTrackerTest {
    private static final long H = 3_600_000L;
    private static final long T0 = 1_710_000_000_000L; // on an hour boundary

    private static BeaconTracker tracker(int maxPairs) {
        CorrelateConfig d = CorrelateConfig.defaults(null, false);
        CorrelateConfig c = new CorrelateConfig(d.homeNet(), d.allowlists(), null, d.threshold(), d.minCallbacks(),
                d.burstGapMillis(), d.windowMillis(), d.scoreIntervalMillis(), maxPairs, d.maxCallbacks(), d.maxStored(),
                d.incidentWindowMillis(), d.maxHosts(), d.reorderEvents(), d.latenessMillis(), d.queueEvents(), false);
        return new BeaconTracker(c, Allowlist.empty(), (p, s, at) -> { });
    }

    private static void add(BeaconTracker t, String host, long ts) {
        t.advance(ts);
        t.add("10.0.0.1", host, "192.0.2.1", 80, "TCP", 4, "http", ts, 100);
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
}
