package io.spanwatch.analyzer.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.lucene.search.Query;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the hostile query set ({@link HostileQueries}) against the parser and the searcher directly:
 * each query is refused with a {@link QueryException} that says why, or answered with a page, facets
 * and a histogram within the sizes asked; nothing else is thrown (no parser bug, no stack overflow,
 * no exception of Lucene's leaking past the parser). The generous class timeout stands for "every
 * query returns"; nothing here measures speed. Also: the search deadline stops a walk over many terms.
 */
@Timeout(600)
class HostileQueryTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-12T00:00:00Z"), ZoneOffset.UTC);
    /** Downloads in the index, each with its own URL, host and file name: many terms to walk. */
    private static final int DOWNLOADS = 1500;

    @TempDir
    static Path dir;
    static EventIndexReader reader;
    static EventQueryParser parser;

    @BeforeAll
    static void index() throws Exception {
        long t0 = TestEvents.nanos("2026-03-11T06:00:00Z");
        List<EveEvent> events = new ArrayList<>();
        for (int i = 0; i < DOWNLOADS; i++) {
            events.addAll(TestEvents.download(1000 + i, t0 + i * 7_000_000_000L, "198.18.0." + (i % 200 + 1), "203.0.113." + (i % 9 + 1),
                    80 + i % 3, "h" + i + ".example", "/dl/" + Integer.toHexString(i * 7919) + "/f" + i + ".exe", "UA/" + i, "f" + i + ".exe",
                    i, String.format("%064x", i), i % 100 == 0));
        }
        IndexStage stage = IndexStage.start(dir.resolve("index"), IndexConfig.DEFAULTS, new EveRenderer(TestEvents.SENSOR, false), false, CLOCK);
        events.forEach(stage::onEvent);
        stage.drain();
        stage.close();
        reader = EventIndexReader.open(dir.resolve("index"));
        parser = new EventQueryParser(reader.schema(), CLOCK);
    }

    @AfterAll
    static void close() throws Exception {
        reader.close();
    }

    @Test
    void everyHostileQueryIsRefusedWithAReasonOrAnsweredWithinBounds() throws Exception {
        long seed = Long.getLong("tests.seed", System.nanoTime());
        System.out.println("HostileQueryTest seed " + seed + " (replay with -Dtests.seed=" + seed + ")");
        List<String> queries = new ArrayList<>(HostileQueries.catalogue());
        queries.addAll(HostileQueries.random(seed, 600));
        int answered = 0;
        int refused = 0;
        for (String text : queries) {
            Query q = parseOrNull(text, seed);
            if (q == null) {
                refused++;
                continue;
            }
            answered++;
            try (EventSearcher s = reader.acquire()) {
                EventSearcher.Page page = s.search(q, 7, null);
                assertTrue(page.hits().size() <= 7 && page.total() >= 0 && page.total() <= s.size(), HostileQueries.describe(text));
                assertTrue(s.aggregations().facet(q, "src_ip", 5).size() <= 5, HostileQueries.describe(text));
                assertTrue(s.aggregations().histogram(q, 20).counts().length <= 20, HostileQueries.describe(text));
                assertNotNull(parser.unknownFields(q));
            } catch (RuntimeException | StackOverflowError e) {
                fail("query " + HostileQueries.describe(text) + " (seed " + seed + ") parsed but failed to run", e);
            }
        }
        System.out.printf("HostileQueryTest: %d queries, %d answered, %d refused with a reason%n", queries.size(), answered, refused);
        assertTrue(answered > 100 && refused > 100, "the set holds both kinds");
    }

    @Test
    void theParserOnlyEverRefusesWithAReason() {
        long seed = Long.getLong("tests.seed", System.nanoTime());
        System.out.println("HostileQueryTest parser seed " + seed + " (replay with -Dtests.seed=" + seed + ")");
        for (String text : HostileQueries.syntaxSoup(seed, Integer.getInteger("tests.soup", 5000))) {
            parseOrNull(text, seed);
        }
    }

    /** Returns the query {@code text} parses to, or null when it is refused with a message; fails on anything else. */
    private static Query parseOrNull(String text, long seed) {
        try {
            return parser.parse(text);
        } catch (QueryException e) {
            String m = e.getMessage();
            assertTrue(m != null && !m.isBlank() && !m.equals("null"), "a refusal says why: " + HostileQueries.describe(text));
            assertFalse(m.contains("Exception") || m.contains("org.apache.") || m.contains("For input string"),
                    "the reason is the parser's, not a class name or the JDK's: "
                    + HostileQueries.describe(text) + ": " + m);
            return null;
        } catch (RuntimeException | StackOverflowError e) {
            return fail("query " + HostileQueries.describe(text) + " (seed " + seed + ") threw past the parser", e);
        }
    }

    /**
     * A deadline that passes once it has been asked {@code after} times: a clock that runs out while a
     * search is under way, wherever it is, without a test that depends on speed.
     */
    private static java.util.function.Supplier<org.apache.lucene.index.QueryTimeout> passingAfter(int after, AtomicInteger asked) {
        return () -> () -> asked.incrementAndGet() > after;
    }

    @Test
    void theDeadlineStopsAWalkOverManyTermsToo() throws Exception {
        // Leading wildcards over URLs that are all different: the work is walking the terms, before
        // anything is collected, where Lucene's own time limit never looks. 400 such clauses over
        // 200,000 events ran 11 s past a 10 s limit and said nothing.
        StringBuilder text = new StringBuilder("http.url:*0*");
        for (int i = 1; i < 16; i++) {
            text.append(" OR http.url:*").append(Integer.toHexString(i)).append('*');
        }
        Query q = parser.parse(text.toString());
        AtomicInteger asked = new AtomicInteger();
        long all;
        try {
            reader.queryTimeouts(passingAfter(Integer.MAX_VALUE, asked));
            try (EventSearcher s = reader.acquire()) {
                all = s.search(q, 5, null).total();
                assertTrue(all >= DOWNLOADS, "every URL holds a hex digit");
                assertFalse(s.timedOut());
            }
            assertTrue(asked.get() > 100, "the deadline was asked as the terms were walked, " + asked.get() + " times");
            // Collecting alone asks the deadline a few dozen times at most: this one passes during the walk
            reader.queryTimeouts(passingAfter(100, new AtomicInteger()));
            try (EventSearcher s = reader.acquire()) {
                EventSearcher.Page page = s.search(q, 5, null);
                assertTrue(page.timedOut(), "a search stopped while walking terms says so");
                assertTrue(s.timedOut());
            }
            for (String what : List.of("facets", "histogram", "count", "page before")) {
                reader.queryTimeouts(passingAfter(100, new AtomicInteger()));
                try (EventSearcher s = reader.acquire()) {
                    switch (what) {
                        case "facets" -> assertTrue(s.aggregations().facet(q, "src_ip", 5).isEmpty());
                        case "histogram" -> assertEquals(0, s.aggregations().histogram(q, 20).counts().length);
                        case "count" -> assertTrue(s.count(q) < all);
                        default -> assertTrue(s.searchBefore(q, 5, new EventSearcher.Cursor(0, new byte[16])).timedOut());
                    }
                    assertTrue(s.timedOut(), what + " stopped at the deadline says so");
                }
            }
        } finally {
            reader.queryTimeoutMillis(10_000);
        }
    }
}
