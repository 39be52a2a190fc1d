package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.event.FileVerdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verdict cache's heap budget, its log's compaction, and what survives a restart. */
class VerdictCacheTest {
    static FileVerdict clean(String db) {
        return new FileVerdict("clamd", "1.4.6", db, "clean", List.of(), 1, null, false);
    }

    static String sha(int i) {
        return String.format("%064x", i);
    }

    @Test
    void theBudgetKeepsTheMostRecentlyUsedAndCountsWhatItForgets(@TempDir Path dir) throws Exception {
        long budget = 10L * VerdictCache.ENTRY_COST;
        try (VerdictCache c = VerdictCache.open(dir.resolve("verdicts.jsonl"), budget)) {
            for (int i = 0; i < 10; i++) {
                c.put(sha(i), clean("1"), null);
            }
            assertNotNull(c.get(sha(0), "1")); // used now: the least recently used is sha(1)
            c.put(sha(10), clean("1"), null);
            assertEquals(10, c.size());
            assertEquals(1, c.evictions());
            assertNull(c.get(sha(1), "1"));
            assertNotNull(c.get(sha(0), "1"));
            assertTrue(c.bytes() <= budget, c.bytes() + " > " + budget);
            assertNull(c.get(sha(0), "2"), "a verdict counts for its own database version only");
        }
    }

    @Test
    void theLogIsCompactedAndReadBackLineByLine(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("verdicts.jsonl");
        try (VerdictCache c = VerdictCache.open(log, 1 << 20)) {
            for (int round = 0; round < 1 + VerdictCache.COMPACT_SLACK / 5; round++) {
                for (int i = 0; i < 5; i++) {
                    c.put(sha(i), clean(Integer.toString(round)), null);
                }
            }
            assertTrue(c.lines() <= 2L * 5 + VerdictCache.COMPACT_SLACK, c.lines() + " lines for 5 verdicts");
        }
        assertTrue(Files.readAllLines(log).size() <= 2 * 5 + VerdictCache.COMPACT_SLACK);
        String last = Integer.toString(VerdictCache.COMPACT_SLACK / 5);
        try (VerdictCache c = VerdictCache.open(log, 1 << 20)) {
            assertEquals(5, c.size());
            for (int i = 0; i < 5; i++) {
                assertNotNull(c.get(sha(i), last), "the latest verdict of each file survives");
            }
        }
    }

    @Test
    void verdictsOfACustomOnlyDatabaseAreKeptForTheRunOnly(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("verdicts.jsonl");
        try (VerdictCache c = VerdictCache.open(log, 1 << 20)) {
            c.put(sha(1), clean(null), null);
            assertNotNull(c.get(sha(1), null));
        }
        try (VerdictCache c = VerdictCache.open(log, 1 << 20)) {
            assertEquals(0, c.size(), "a reload of custom signatures shows in no version: nothing is carried over");
        }
    }

    @Test
    void aLineCutByACrashIsSkipped(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("verdicts.jsonl");
        try (VerdictCache c = VerdictCache.open(log, 1 << 20)) {
            c.put(sha(1), clean("7"), null);
        }
        Files.writeString(log, "{\"sha256\":\"" + sha(2) + "\",\"verd", java.nio.file.StandardOpenOption.APPEND);
        List<String> seen = new ArrayList<>();
        try (VerdictCache c = VerdictCache.open(log, 1 << 20)) {
            assertEquals(1, c.size());
            c.forEachSince(0, r -> seen.add(r.sha256()));
        }
        assertEquals(List.of(), seen, "no sighting was written with it: nothing to scan again");
    }
}
