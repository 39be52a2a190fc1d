package io.spanwatch.analyzer.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Indexes typed events the way {@code analyze} does and checks fields, queries, paging and facets. */
class EventIndexTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-12T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    static Path dir;
    static List<EveEvent> events = new ArrayList<>();
    static EventIndexReader reader;

    @BeforeAll
    static void index() throws Exception {
        long t0 = TestEvents.nanos("2026-03-11T06:00:00Z");
        for (int i = 0; i < 120; i++) {
            boolean infected = i % 40 == 0;
            String client = i % 3 == 0 ? "198.18.0." + (i % 50 + 1) : "10.20.0." + (i % 50 + 1);
            events.addAll(TestEvents.download(1000 + i, t0 + i * 60_000_000_000L, client, "203.0.113." + (i % 7 + 1),
                    i % 2 == 0 ? 80 : 8080, "host" + (i % 5) + ".example", "/files/f" + i + (i % 4 == 0 ? "/setup.exe" : ".txt"),
                    "Mozilla/5.0 test", "f" + i + ".bin", 1000L * i, infected ? TestEvents.EICAR_SHA256 : sha(i), infected));
        }
        IndexStage stage = IndexStage.start(dir.resolve("index"), IndexConfig.DEFAULTS, new EveRenderer(TestEvents.SENSOR, false),
                false, CLOCK);
        for (EveEvent e : events) {
            stage.onEvent(e);
        }
        stage.drain();
        stage.close();
        assertEquals(events.size(), stage.counters().indexed.get());
        assertEquals(0, stage.counters().errors.get());
        reader = EventIndexReader.open(dir.resolve("index"));
    }

    static String sha(int i) {
        return String.format("%064x", i + 1);
    }

    private long count(String q) throws Exception {
        try (EventSearcher s = reader.acquire()) {
            return s.count(new EventQueryParser(reader.schema(), CLOCK).parse(q));
        }
    }

    @Test
    void everyEventIsIndexedWithTheIdOfItsEveLine() throws Exception {
        assertEquals(events.size(), count("*:*"));
        assertEquals(events.size(), count(""));
        try (EventSearcher s = reader.acquire()) {
            for (EveEvent e : events.subList(0, 10)) {
                String line = TestEvents.line(e);
                byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                String id = EventIds.hex(EventIds.of(bytes, 0, bytes.length));
                EventSearcher.Hit hit = s.get(id).orElseThrow();
                assertEquals(line, hit.json(), "the stored source is the EVE line");
            }
        }
    }

    @Test
    void stringFieldsMatchTheirWholeValue() throws Exception {
        assertEquals(120, count("event_type:fileinfo"));
        assertEquals(3, count("event_type:alert"));
        assertEquals(24, count("event_type:http AND http.hostname:\"host1.example\""));
        assertEquals(0, count("http.hostname:host1"));
        assertEquals(120, count("event_type:flow AND flow.alerted:false") + count("event_type:flow AND flow.alerted:true"));
        assertEquals(6, count("fileinfo.sha256:" + TestEvents.EICAR_SHA256), "3 files and their alerts");
    }

    @Test
    void addressesTakeCidrRangesAndDottedPrefixes() throws Exception {
        long internal = count("event_type:flow AND src_ip:\"198.18.0.0/16\"");
        assertEquals(40, internal);
        assertEquals(40, count("event_type:flow AND src_ip:198.18.*"));
        assertEquals(80, count("event_type:flow AND NOT src_ip:\"198.18.0.0/16\""));
        assertEquals(count("event_type:flow AND src_ip:\"198.18.0.1\""), count("event_type:flow AND src_ip:[198.18.0.1 TO 198.18.0.1]"));
        assertTrue(count("event_type:flow AND src_ip:\"198.18.0.1\"") > 0);
        assertEquals(120, count("event_type:flow AND dest_ip:\"203.0.113.0/24\""));
        // IPv4-mapped blocks written as IPv6 count IPv6's 128 bits, as Zeek and IPv6 APIs write them
        assertEquals(40, count("event_type:flow AND src_ip:\"::ffff:198.18.0.0/112\""));
        assertEquals(120, count("event_type:flow AND src_ip:\"::ffff:0:0/96\""), "every IPv4 address");
        assertEquals(120, count("event_type:flow AND src_ip:\"::ffff:0:0/80\""));
        assertEquals(0, count("event_type:flow AND src_ip:\"2001:db8::/32\""));
        EventQueryParser p = new EventQueryParser(reader.schema(), CLOCK);
        for (String bad : new String[] {"src_ip:\"198.18.0.0/+8\"", "src_ip:\"198.18.0.0/ 8\"", "src_ip:\"::ffff:198.18.0.0/129\"",
            "src_ip:\"198.18.0.0/33\""}) {
            QueryException e = assertThrows(QueryException.class, () -> p.parse(bad), bad);
            assertTrue(e.getMessage().contains("bad prefix length"), e.getMessage());
        }
        // ids are kept as bytes: a range or a pattern over their text would silently match nothing
        for (String bad : new String[] {"_id:[a TO b]", "_id:ab*", "_id:/ab.*/", "_id:abc~"}) {
            QueryException e = assertThrows(QueryException.class, () -> p.parse(bad), bad);
            assertTrue(e.getMessage().contains("_id takes one event id"), e.getMessage());
        }
    }

    @Test
    void emptyAddressRangesMatchNothingAndEveryEventHasAnIdAndASource() throws Exception {
        for (String empty : new String[] {"src_ip:[:: TO ::}", "src_ip:{ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff TO *]", "src_ip:{* TO ::}",
            "src_ip:{:: TO ::]"}) {
            assertEquals(0, count(empty), empty);
        }
        assertEquals(count("event_type:flow"), count("event_type:flow AND src_ip:{:: TO *]"));
        assertEquals(events.size(), count("_id:*"));
        assertEquals(events.size(), count("_source:*"));
    }

    @Test
    void bareCidrBlocksOnAddressFieldsAreTakenAsQuoted() throws Exception {
        assertEquals(40, count("event_type:flow AND src_ip:198.18.0.0/16"));
        assertEquals(80, count("event_type:flow AND NOT (src_ip:198.18.0.0/16)"));
        assertEquals(count("src_ip:\"198.18.0.0/16\" OR dest_ip:\"203.0.113.0/24\""), count("src_ip:198.18.0.0/16 OR dest_ip:203.0.113.0/24"));
        java.util.Map<String, FieldKind> kinds = java.util.Map.of("src_ip", FieldKind.IP, "http.url", FieldKind.KEYWORD);
        assertEquals("src_ip:\"2001:db8::/32\"", EventQueryParser.quoteBareValues("src_ip:2001:db8::/32", kinds));
        // not an address field, inside a phrase, escaped, or a regular expression: left as written
        for (String q : List.of("http.url:1.2.3.4/5", "\"src_ip:10.0.0.0/8\"", "src_ip:/10\\..*/", "src_ip:10.0.0.0/8/", "xsrc_ip:10.0.0.0/8")) {
            assertEquals(q, EventQueryParser.quoteBareValues(q, kinds));
        }
    }

    @Test
    void numbersAndTimesArePoints() throws Exception {
        assertEquals(60, count("event_type:flow AND dest_port:80"));
        assertEquals(120, count("event_type:flow AND dest_port:[80 TO 8080]"));
        // sizes 0, 1000, ... 119000: 100 of them are 20000 or more
        assertEquals(20, count("event_type:fileinfo AND fileinfo.size:[100000 TO *]"));
        assertEquals(60, count("event_type:flow AND timestamp:[2026-03-11T06:00:00Z TO 2026-03-11T06:59:59Z]"));
        assertEquals(60, count("event_type:flow AND timestamp:[2026-03-11T07:00:00.000000+0000 TO *]"));
        assertEquals(120, count("event_type:flow AND timestamp:[2026-03-11 TO now]"));
        assertEquals(1, count("event_type:flow AND flow_id:1005"));
        // a time of day without quotes, as Kibana takes it: Lucene's syntax alone would stop at the colon
        assertEquals(60, count("event_type:flow AND timestamp>=2026-03-11T07:00:00Z"));
        assertEquals(count("event_type:flow AND timestamp>=\"2026-03-11T07:00:00Z\""), count("event_type:flow AND timestamp>=2026-03-11T07:00:00Z"));
        assertEquals(60, count("event_type:flow AND (timestamp<2026-03-11T07:00:00.000000+0000)"));
        assertEquals(60, count("event_type:flow AND timestamp<=2026-03-11T06:59:59Z"));
        java.util.Map<String, FieldKind> kinds = java.util.Map.of("timestamp", FieldKind.TIME, "http.url", FieldKind.KEYWORD);
        assertEquals("timestamp:\"2026-03-11T06:00:00Z\"", EventQueryParser.quoteBareValues("timestamp:2026-03-11T06:00:00Z", kinds));
        // not a time field, inside a phrase, inside a range, or a date alone: left as written
        for (String q : List.of("http.url>2026-03-11T06:00:00Z", "\"timestamp>2026-03-11T06:00:00Z\"", "timestamp:[2026-03-11T06:00:00Z TO *]",
            "timestamp>2026-03-11", "xtimestamp>2026-03-11T06:00:00Z")) {
            assertEquals(q, EventQueryParser.quoteBareValues(q, kinds));
        }
    }

    @Test
    void wildcardsAndFreeText() throws Exception {
        assertEquals(30, count("event_type:http AND http.url:*.exe"));
        assertEquals(30, count("event_type:http AND setup.exe"));
        assertEquals(30, count("event_type:http AND SETUP.EXE"));
        assertEquals(6, count("EICAR_HDB"), "signatures and verdicts are free text");
        assertEquals(events.size(), count("host2.example") + count("NOT host2.example"));
        assertEquals(48, count("host2.example"), "the http and fileinfo events of 24 downloads");
        assertEquals(events.size(), count("src_ip:*"));
    }

    @Test
    void pagesAreNewestFirstAndComplete() throws Exception {
        try (EventSearcher s = reader.acquire()) {
            var q = new EventQueryParser(reader.schema(), CLOCK).parse("*:*");
            Set<String> seen = new HashSet<>();
            long last = Long.MAX_VALUE;
            EventSearcher.Cursor after = null;
            int pages = 0;
            do {
                EventSearcher.Page p = s.search(q, 37, after);
                assertEquals(events.size(), p.total());
                for (EventSearcher.Hit h : p.hits()) {
                    assertTrue(seen.add(h.id()), "no event twice");
                    assertTrue(h.timestamp() <= last, "newest first");
                    last = h.timestamp();
                    JsonNode n = JSON.readTree(h.json());
                    assertEquals(h.timestamp(), EveTimes.parseMicros(n.path("timestamp").asText()));
                }
                after = p.next() == null ? null : EventSearcher.Cursor.parse(p.next().toString());
                pages++;
            } while (after != null);
            assertEquals(events.size(), seen.size());
            assertEquals((events.size() + 36) / 37, pages);
        }
    }

    @Test
    void eachSearchHasADeadlineOfItsOwnAndSaysWhetherItPassedIt() throws Exception {
        var parser = new EventQueryParser(reader.schema(), CLOCK);
        try {
            reader.queryTimeoutMillis(300);
            try (EventSearcher s = reader.acquire()) {
                Thread.sleep(600); // longer than one search may take, before any search starts
                assertEquals(120, s.aggregations().facet(parser.parse("event_type:flow"), "dest_port", 10).stream()
                        .mapToLong(Aggregations.Bucket::count).sum(), "the facets get their own time");
                assertFalse(s.timedOut());
                assertEquals(120, java.util.Arrays.stream(s.aggregations().histogram(parser.parse("event_type:flow"), 60).counts()).sum());
                assertFalse(s.timedOut());
            }
            // every search stops at once while this is set; the searcher makes each search's deadline when it starts
            java.util.concurrent.atomic.AtomicBoolean passed = new java.util.concurrent.atomic.AtomicBoolean(true);
            reader.queryTimeouts(() -> {
                boolean now = passed.get();
                return () -> now;
            });
            try (EventSearcher s = reader.acquire()) {
                assertTrue(s.aggregations().facet(parser.parse("event_type:flow"), "dest_port", 10).isEmpty());
                assertTrue(s.timedOut(), "facets that stopped say so");
                s.aggregations().histogram(parser.parse("event_type:flow"), 60);
                assertTrue(s.timedOut(), "a histogram that stopped says so");
                passed.set(false);
                assertEquals(120, s.count(parser.parse("event_type:flow")));
                assertFalse(s.timedOut(), "the flag is each search's own");
            }
        } finally {
            reader.queryTimeoutMillis(10_000);
        }
    }

    @Test
    void facetsCountTopValues() throws Exception {
        try (EventSearcher s = reader.acquire()) {
            var parser = new EventQueryParser(reader.schema(), CLOCK);
            var types = s.aggregations().facet(parser.parse("*:*"), "event_type", 10);
            assertEquals("fileinfo", types.get(0).value());
            assertEquals(4, types.size());
            var ports = s.aggregations().facet(parser.parse("event_type:flow"), "dest_port", 10);
            assertEquals(List.of(new Aggregations.Bucket("80", 60), new Aggregations.Bucket("8080", 60)), ports);
            var hosts = s.aggregations().facet(parser.parse("event_type:http"), "http.hostname", 2);
            assertEquals(2, hosts.size());
            assertEquals(24, hosts.get(0).count());
            var ips = s.aggregations().facet(parser.parse("event_type:flow"), "dest_ip", 100);
            assertEquals(7, ips.size());
            assertThrows(IllegalArgumentException.class, () -> s.aggregations().facet(parser.parse("*:*"), "no.such", 10));
            // Ties go by value, numbers in numeric order: the 120 sizes occur once each among the files.
            var sizes = s.aggregations().facet(parser.parse("event_type:fileinfo"), "fileinfo.size", 4);
            assertEquals(List.of("0", "1000", "2000", "3000"), sizes.stream().map(Aggregations.Bucket::value).toList());
            // The top of a facet is the head of the whole list, for strings and numbers alike.
            for (String field : List.of("http.url", "fileinfo.size", "src_ip", "http.hostname")) {
                var all = s.aggregations().facet(parser.parse("*:*"), field, 100_000);
                assertEquals(all.subList(0, Math.min(7, all.size())), s.aggregations().facet(parser.parse("*:*"), field, 7), field);
                for (int i = 1; i < all.size(); i++) {
                    var a = all.get(i - 1);
                    var b = all.get(i);
                    assertTrue(a.count() > b.count() || a.count() == b.count() && (field.equals("fileinfo.size")
                            ? Long.parseLong(a.value()) < Long.parseLong(b.value()) : a.value().compareTo(b.value()) < 0), field + ": " + a + " " + b);
                }
            }
            var h = s.aggregations().histogram(parser.parse("event_type:flow"), 60);
            long sum = 0;
            for (long c : h.counts()) {
                sum += c;
            }
            assertEquals(120, sum);
            assertTrue(h.counts().length <= 61);
        }
    }

    @Test
    void badQueriesSayWhy() throws Exception {
        EventQueryParser p = new EventQueryParser(reader.schema(), CLOCK);
        // "has the field" on numbers and times as on strings, also inside a group, never inside a phrase
        assertEquals(count("fileinfo.size:[0 TO *]"), count("fileinfo.size:*"));
        assertTrue(count("fileinfo.size:*") >= count("event_type:fileinfo"));
        assertEquals(count("*:*"), count("timestamp:*"));
        assertEquals(count("event_type:flow"), count("(dest_port:* AND event_type:flow)"));
        assertEquals(count("http.hostname:[* TO *]"), count("http.hostname:*"));
        assertEquals(0, count("\"fileinfo.size:*\""));
        for (String q : List.of("fileinfo.size:garbage", "fileinfo.size:[x TO *]", "timestamp:yesterday")) {
            QueryException e = assertThrows(QueryException.class, () -> p.parse(q), q);
            assertFalse(e.getMessage().contains("io.spanwatch"), "the message names the format, not a class: " + e.getMessage());
            assertTrue(e.getMessage().contains(q.startsWith("timestamp") ? "a time" : "a whole number"), e.getMessage());
        }
        String deep = "(".repeat(2000) + "a" + ")".repeat(2000);
        QueryException nested = assertThrows(QueryException.class, () -> p.parse(deep));
        System.out.println("EventIndexTest: 2,000 nested parentheses: " + nested.getMessage());
        assertFalse(nested.getMessage().endsWith("null"), nested.getMessage());
        for (String bad : new String[] {"(event_type:http", "src_ip:\"not-an-ip\"", "src_ip:\"10.0.0.0/40\"",
            "dest_port:[a TO b]", "timestamp:[yesterday TO now]", "dest_port:8*", "event_type:http AND", "src_ip:10.*.1",
            "_id:xyz", "\"unterminated"}) {
            QueryException e = assertThrows(QueryException.class, () -> p.parse(bad), bad);
            assertFalse(e.getMessage() == null || e.getMessage().isBlank(), bad);
        }
        assertThrows(QueryException.class, () -> p.parse("x".repeat(EventQueryParser.MAX_QUERY_CHARS + 1)));
        // a path typed bare starts a regular expression it never closes: the message says what the slash did
        QueryException slash = assertThrows(QueryException.class, () -> p.parse("http.url:/dl*"));
        assertTrue(slash.getMessage().contains("a / starts a regular expression"), slash.getMessage());
        assertEquals(count("http.url:\"/setup.exe\""), count("http.url:\\/setup.exe"), "the two ways the hint gives agree");
    }

    @Test
    void regularExpressionsThatRepeatTooMuchAreRefusedAtOnce() throws Exception {
        EventQueryParser p = new EventQueryParser(reader.schema(), CLOCK);
        for (String bad : new String[] {"http.url:/a{2147483647}/", "http.url:/.{0,1000}{0,1000}/", "http.url:/a{99999}/",
            "http.url:/(ab{40}){40}/", "http.url:/x{2000,}/", "http.url:/.{1,600}.{1,600}/", "http.url:/" + "a".repeat(1001) + "/",
            // unbounded repeats: few positions, but their automaton grows with the square of their number
            "http.url:/(.*){1000}/", "http.url:/((.*){10}){10}/", "http.url:/(a+){60}/",
            // each small enough, too many together (an 8 KiB query holds hundreds of them)
            String.join(" OR ", java.util.Collections.nCopies(20, "http.url:/(.*){40}/")),
            String.join(" OR ", java.util.Collections.nCopies(5, "http.url:/a{999}/"))}) {
            QueryException e = assertTimeoutPreemptively(Duration.ofSeconds(2), () -> assertThrows(QueryException.class, () -> p.parse(bad)), bad);
            assertTrue(e.getMessage().contains("regular expression"), bad + ": " + e.getMessage());
        }
        assertEquals(30, count("event_type:http AND http.url:/.*f[0-9]{1,3}.setup.exe/"));
        assertTrue(p.parse("http.url:/.{1,999}/") instanceof org.apache.lucene.search.RegexpQuery);
        assertTrue(p.parse("http.url:/.*a.*b.*c.*d.*e.*/") instanceof org.apache.lucene.search.RegexpQuery);
        p.parse(String.join(" OR ", java.util.Collections.nCopies(4, "http.url:/(.*x){50}/"))); // the whole budget, no more
    }

    @Test
    void unknownFieldsAreNamed() throws Exception {
        EventQueryParser p = new EventQueryParser(reader.schema(), CLOCK);
        assertEquals(Set.of("http.host"), p.unknownFields(p.parse("http.host:a AND event_type:http")));
        assertTrue(p.unknownFields(p.parse("http.hostname:a OR setup")).isEmpty());
    }

    @Test
    void noDropsOffline() {
        assertEquals(0, reader.droppedEvents());
        assertNull(null);
        assertTrue(Files.isRegularFile(dir.resolve("index").resolve("schema.json")));
    }
}
