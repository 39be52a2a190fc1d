package io.spanwatch.analyzer.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imports EVE files whose events are shuffled across many days: each day gets exactly its events,
 * once, and is opened a bounded number of times (once when all days fit at once), whatever the
 * order. Inputs come from a seeded random, printed, so a failure replays with its seed.
 */
class ShuffledImportTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-06-01T00:00:00Z"), ZoneOffset.UTC);
    private static final LocalDate FIRST_DAY = LocalDate.parse("2026-02-01");

    @TempDir
    Path dir;

    /** Returns a new seed for the random inputs, printed so that a failure can be replayed with it. */
    private static long seed() {
        long seed = System.nanoTime();
        System.out.println("ShuffledImportTest seed " + seed);
        return seed;
    }

    /** Returns event {@code i} of day {@code day} (days after {@link #FIRST_DAY}), timestamp first or not. */
    private static String event(int day, int i, boolean timestampFirst) {
        String ts = "\"timestamp\":\"" + FIRST_DAY.plusDays(day) + "T" + String.format("%02d:%02d:%02d.%06d", i / 3600 % 24, i / 60 % 60,
                i % 60, i) + "+0000\"";
        String rest = "\"event_type\":\"flow\",\"flow_id\":" + (day * 100_000L + i) + ",\"src_ip\":\"10.0.0." + (i % 250)
                + "\",\"dest_port\":" + (i % 1000) + ",\"http\":{\"hostname\":\"h" + (i % 37) + ".example\"}";
        return timestampFirst ? "{" + ts + "," + rest + "}" : "{" + rest + "," + ts + "}";
    }

    /** The events of {@code days} days, {@code perDay} each, shuffled with {@code seed}, with a tenth of them twice. */
    private static List<String> shuffled(long seed, int days, int perDay, boolean timestampFirst) {
        Random r = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int d = 0; d < days; d++) {
            for (int i = 0; i < perDay; i++) {
                lines.add(event(d, i, timestampFirst));
            }
        }
        int distinct = lines.size();
        for (int i = 0; i < distinct / 10; i++) {
            lines.add(lines.get(r.nextInt(distinct)));
        }
        Collections.shuffle(lines, r);
        return lines;
    }

    /** Returns the stored sources of every live document of every day, by day. */
    private static Map<LocalDate, List<String>> sourcesByDay(Path index) throws Exception {
        Map<LocalDate, List<String>> out = new TreeMap<>();
        for (DayIndexes.Day d : DayIndexes.list(index)) {
            List<String> sources = new ArrayList<>();
            try (var fs = FSDirectory.open(d.dir()); DirectoryReader r = DirectoryReader.open(fs)) {
                for (LeafReaderContext leaf : r.leaves()) {
                    Bits live = leaf.reader().getLiveDocs();
                    StoredFields stored = leaf.reader().storedFields();
                    for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                        if (live == null || live.get(doc)) {
                            sources.add(stored.document(doc).getBinaryValue(EventFields.SOURCE).utf8ToString());
                        }
                    }
                }
            }
            Collections.sort(sources);
            out.put(d.date(), sources);
        }
        return out;
    }

    /** Returns each distinct line under the UTC day of its timestamp, sorted. */
    private static Map<LocalDate, List<String>> expected(List<String> lines) {
        Map<LocalDate, List<String>> out = new TreeMap<>();
        for (String l : new java.util.TreeSet<>(lines)) {
            int at = l.indexOf("\"timestamp\":\"") + 13;
            out.computeIfAbsent(LocalDate.parse(l.substring(at, at + 10)), k -> new ArrayList<>()).add(l);
        }
        return out;
    }

    private static IndexConfig openDays(int importOpenDays) {
        return new IndexConfig(true, IndexConfig.DEFAULT_QUEUE_EVENTS, Duration.ofDays(3650), IndexConfig.DEFAULT_MAX_BYTES,
                IndexConfig.DEFAULT_RAM_BUFFER_MB, IndexConfig.DEFAULT_COMMIT_INTERVAL, IndexConfig.DEFAULT_MAX_FIELDS,
                IndexConfig.DEFAULT_MAX_OPEN_DAYS, importOpenDays);
    }

    private Path write(String name, List<String> lines) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, lines, StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void aShuffledImportOpensAndCommitsEachDayOnceAndKeepsEveryEventOnce() throws Exception {
        long seed = seed();
        int days = 24;
        List<String> lines = shuffled(seed, days, 40, true);
        Path eve = write("eve.json", lines);
        Path index = dir.resolve("index");
        for (int round = 0; round < 2; round++) {
            IndexCounters c = new IndexCounters();
            try (EventIndexWriter w = EventIndexWriter.open(index, IndexConfig.DEFAULTS, c, CLOCK)) {
                EveImporter.Result res = new EveImporter(w, 2).run(List.of(eve));
                assertEquals(lines.size(), res.events(), "seed " + seed);
                assertEquals(0, res.skipped());
                assertEquals(days, c.daysOpened.get(), "every day opened once, seed " + seed);
                assertEquals(days, c.commits.get(), "and committed once, at the end");
                assertEquals(days, w.openDays());
            }
            assertEquals(expected(lines), sourcesByDay(index), "round " + round + ", seed " + seed);
        }
    }

    @Test
    void pastTheOpenDaysLimitADayIsOpenedOncePerBatchNotOncePerEvent() throws Exception {
        long seed = seed();
        int days = 10;
        List<String> lines = shuffled(seed, days, 80, true);
        Path eve = write("eve.json", lines);
        Path index = dir.resolve("index");
        IndexCounters c = new IndexCounters();
        long batches;
        try (EventIndexWriter w = EventIndexWriter.open(index, openDays(4), c, CLOCK)) {
            // lines of about 150 bytes: the lines waiting to be indexed are about 200, 20 a day
            EveImporter imp = new EveImporter(w, 1, 32 << 10);
            assertEquals(lines.size(), imp.run(List.of(eve)).events());
            batches = imp.batches();
            assertTrue(w.openDays() <= 4, w.openDays() + " days open");
        }
        assertTrue(c.daysOpened.get() <= batches, c.daysOpened.get() + " days opened for " + batches + " batches, seed " + seed);
        assertTrue(batches * 10 < lines.size(), batches + " batches for " + lines.size() + " events, seed " + seed);
        assertEquals(expected(lines), sourcesByDay(index), "seed " + seed);
    }

    @Test
    void linesWhoseDayTheReaderCannotTellStillGoToTheirDayOnceEach() throws Exception {
        long seed = seed();
        // timestamp last: no batch by day, so past the open days limit days are closed and reopened (their ids read again)
        List<String> lines = shuffled(seed, 5, 8, false);
        Path eve = write("eve.json", lines);
        Path index = dir.resolve("index");
        for (int round = 0; round < 2; round++) {
            IndexCounters c = new IndexCounters();
            try (EventIndexWriter w = EventIndexWriter.open(index, openDays(3), c, CLOCK)) {
                assertEquals(lines.size(), new EveImporter(w, 2).run(List.of(eve)).events());
            }
            assertTrue(c.daysOpened.get() > 5, "reopened: " + c.daysOpened.get());
            assertEquals(expected(lines), sourcesByDay(index), "round " + round + ", seed " + seed);
        }
    }

    @Test
    void theFirstProblemNamedIsTheFirstBadLineWhateverOrderDaysAreIndexedIn() throws Exception {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            a.add(event(i % 20, i, true));
            b.add(event(19 - i % 20, i, true));
        }
        b.set(1, "{\"timestamp\":\"2026-02-01T00:00:00+0000\",\"broken\":"); // line 2 of the second file, batched with day 0
        a.set(299, "{\"timestamp\":\"2026-02-20T00:00:00+0000\",\"broken\":"); // line 300, batched with the last day
        a.set(349, "not an event"); // line 350, batched with lines of no day
        Path fa = write("a.json", a);
        Path fb = write("b.json", b);
        for (int threads : new int[] {1, 2}) {
            try (EventIndexWriter w = EventIndexWriter.open(dir.resolve("index-" + threads), IndexConfig.DEFAULTS, new IndexCounters(),
                    CLOCK)) {
                EveImporter.Result res = new EveImporter(w, threads, 16 << 10).run(List.of(fa, fb));
                assertEquals(3, res.skipped());
                assertEquals(797, res.events());
                assertTrue(res.firstProblem().startsWith(fa + ":300: not an EVE JSON event"), res.firstProblem());
            }
        }
    }

    @Test
    void anImportInTimeOrderClosesTheDaysItIsDoneWithToKeepTheirIdsWithinTheBudget() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int d = 0; d < 3; d++) {
            for (int i = 0; i < 60; i++) {
                lines.add(event(d, i, true));
            }
        }
        Path eve = write("eve.json", lines);
        Path index = dir.resolve("index");
        for (int round = 0; round < 2; round++) {
            IndexCounters c = new IndexCounters();
            try (EventIndexWriter w = EventIndexWriter.open(index, IndexConfig.DEFAULTS, c, CLOCK)) {
                EveImporter imp = new EveImporter(w, 1);
                w.bulk(100); // 60 ids a day: the third day needs the first's ids, which took no event for 60 events
                assertEquals(lines.size(), imp.run(List.of(eve)).events());
                assertEquals(3, c.daysOpened.get());
                assertEquals(round == 0 ? 1 : 2, w.openDays(), "days closed to give their ids back");
            }
            assertEquals(expected(lines), sourcesByDay(index), "round " + round);
        }
    }

    @Test
    void dayBatcherHandsOverLinesOfOneDayWithinItsBound() throws Exception {
        long seed = seed();
        List<String> lines = shuffled(seed, 30, 200, true);
        lines.add(17, "{\"event_type\":\"flow\",\"timestamp\":\"2026-02-03T00:00:00+0000\"}");
        int bound = 32 << 10;
        List<DayBatcher.Batch> got = new ArrayList<>();
        long[] pending = {0};
        long[] most = {0};
        DayBatcher batcher = new DayBatcher(bound, b -> {
            got.add(b);
            pending[0] -= b.count() == 0 ? 0 : b.ends()[b.count() - 1];
        });
        for (int i = 0; i < lines.size(); i++) {
            byte[] l = lines.get(i).getBytes(StandardCharsets.UTF_8);
            batcher.add(l, 0, l.length, 0, i + 1);
            pending[0] += l.length;
            most[0] = Math.max(most[0], pending[0]);
        }
        batcher.finish();
        assertTrue(most[0] <= bound + 300, "held " + most[0] + " bytes for a bound of " + bound);
        Map<Long, Integer> lineSeen = new HashMap<>();
        int noDay = 0;
        for (DayBatcher.Batch b : got) {
            long day = DayBatcher.NO_DAY;
            int start = 0;
            for (int i = 0; i < b.count(); i++) {
                long d = DayBatcher.day(b.buf(), start, b.ends()[i] - start);
                if (i == 0) {
                    day = d;
                }
                assertEquals(day, d, "one day a batch, seed " + seed);
                assertEquals(lines.get((int) b.lines()[i] - 1), new String(b.buf(), start, b.ends()[i] - start, StandardCharsets.UTF_8));
                lineSeen.merge(b.lines()[i], 1, Integer::sum);
                start = b.ends()[i];
            }
            noDay += day == DayBatcher.NO_DAY ? b.count() : 0;
        }
        assertEquals(lines.size(), lineSeen.size(), "every line handed over");
        assertTrue(lineSeen.values().stream().allMatch(n -> n == 1), "once");
        assertEquals(1, noDay, "the line with its timestamp second has no day");

        // in time order, a day's last lines go once the input has moved on, not at the end
        List<DayBatcher.Batch> ordered = new ArrayList<>();
        DayBatcher inOrder = new DayBatcher(Long.MAX_VALUE, ordered::add);
        int n = 0;
        for (int d = 0; d < 3; d++) {
            for (int i = 0; i < 2 * DayBatcher.IDLE_LINES; i++) {
                byte[] l = event(d, i, true).getBytes(StandardCharsets.UTF_8);
                inOrder.add(l, 0, l.length, 0, ++n);
            }
        }
        long firstDay = FIRST_DAY.toEpochDay();
        long lastOfFirstDay = ordered.stream().filter(b -> DayBatcher.day(b.buf(), 0, b.ends()[0]) == firstDay)
                .mapToLong(b -> b.lines()[b.count() - 1]).max().orElse(0);
        assertEquals(2 * DayBatcher.IDLE_LINES, lastOfFirstDay, "the first day was handed over whole before the end");
    }

    @Test
    void theDayOfALineIsReadFromItsLeadingTimestampInUtc() {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"timestamp\":\"2026-02-03T12:00:00.000000+0000\",\"event_type\":\"x\"}", "2026-02-03");
        cases.put(" \t{ \"timestamp\" : \"2026-02-03T23:30:00.000000-0100\"}", "2026-02-04");
        cases.put("{\"timestamp\":\"2026-02-03T00:30:00+01:00\"}", "2026-02-02");
        cases.put("{\"timestamp\":\"2026-02-03\"}", "2026-02-03");
        cases.put("{\"timestamp\":\"2026-02-03T12:00:00\\u002b0000\"}", null); // an escape: the full parse decides
        cases.put("{\"event_type\":\"x\",\"timestamp\":\"2026-02-03T12:00:00+0000\"}", null);
        cases.put("{\"timestamp\":\"yesterday\"}", null);
        cases.put("{\"timestamp\":1770000000}", null);
        cases.put("{\"timestamp\":\"2026-02-03T12:00:00+0000", null);
        cases.put("[{\"timestamp\":\"2026-02-03T12:00:00+0000\"}]", null);
        cases.put("", null);
        for (Map.Entry<String, String> e : cases.entrySet()) {
            byte[] b = ("xx" + e.getKey() + "yy").getBytes(StandardCharsets.UTF_8);
            long day = DayBatcher.day(b, 2, b.length - 4);
            assertEquals(e.getValue() == null ? DayBatcher.NO_DAY : LocalDate.parse(e.getValue()).toEpochDay(), day, e.getKey());
        }
    }
}
