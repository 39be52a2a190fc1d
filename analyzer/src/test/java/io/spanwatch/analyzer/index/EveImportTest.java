package io.spanwatch.analyzer.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Imports Suricata's and SpanWatch's EVE files, and checks retention and the live queue bound. */
class EveImportTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-12T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private Path suricataSample() throws IOException {
        Path f = dir.resolve("suricata-eve.json");
        try (InputStream in = getClass().getResourceAsStream("suricata-eve.json")) {
            Files.copy(in, f);
        }
        return f;
    }

    private long count(EventIndexReader r, String q) throws Exception {
        try (EventSearcher s = r.acquire()) {
            return s.count(new EventQueryParser(r.schema(), CLOCK).parse(q));
        }
    }

    @Test
    void importsSuricataEveAndSkipsWhatIsNotAnEvent() throws Exception {
        Path eve = suricataSample();
        EveImporter.Result res;
        try (EventIndexWriter w = EventIndexWriter.open(dir.resolve("index"), IndexConfig.DEFAULTS, new IndexCounters(), CLOCK)) {
            res = new EveImporter(w, 2).run(List.of(eve));
        }
        assertEquals(8, res.events());
        assertEquals(3, res.skipped(), "not JSON, no timestamp, an array");
        assertNotNull(res.firstProblem());
        assertTrue(res.firstProblem().contains("suricata-eve.json:8:"), res.firstProblem());
        try (EventIndexReader r = EventIndexReader.open(dir.resolve("index"))) {
            assertEquals(8, count(r, "*:*"));
            assertEquals(1, count(r, "event_type:alert AND alert.signature_id:2045001"));
            assertEquals(1, count(r, "alert.metadata.attack_target:Client_Endpoint"));
            assertEquals(1, count(r, "http.request_headers.name:Host"));
            assertEquals(3, count(r, "src_ip:\"192.168.100.0/24\""), "http, fileinfo and flow of one connection");
            assertEquals(1, count(r, "src_ip:\"2001:db8::/32\""), "IPv6 CIDR");
            assertEquals(1, count(r, "flow_id:18302628889005281337"), "unsigned 64-bit flow id");
            assertEquals(1, count(r, "dns.rrname:evil.example"));
            assertEquals(1, count(r, "timestamp:[2023-09-18T06:13:41Z TO 2023-09-18T06:13:41.5Z]"), "+0200 read as its UTC time");
            assertEquals(1, count(r, "event_type:http AND http.status:200"));
            assertEquals(1, count(r, "http.status:404"), "Suricata 6's status text is a number");
            assertEquals(1, count(r, "stats.decoder.pkts:1523"));
            assertEquals(0, count(r, "stats.threads.W#01-eth0.decoder.pkts:1523"), "per-thread counters are not fields");
            assertEquals(1, count(r, "setup.exe AND fileinfo.size:[200000 TO *]"));
            assertEquals(r.schema().kind("dns.id"), FieldKind.LONG);
        }
    }

    /** Lines an adversarial review made: each is indexed as far as it can be, or skipped and named; the import goes on. */
    @Test
    void hostileLinesNeitherStopTheImportNorSpoilTheIndex() throws Exception {
        String t = "\"timestamp\":\"2026-03-11T06:00:00.000000+0000\"";
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        java.util.function.Consumer<String> line = l -> b.writeBytes((l + "\n").getBytes(StandardCharsets.UTF_8));
        // keys named as the index's own fields clashed with them: Lucene refused the document and the import stopped
        for (String reserved : List.of("_id", "_tb", "_source", "_text")) {
            line.accept("{" + t + ",\"event_type\":\"flow\",\"" + reserved + "\":\"x\",\"n\":1}");
        }
        line.accept("{" + t + ",\"event_type\":\"dns\",\"dest_port\":\"53\"}"); // a port written as text first
        line.accept("{" + t + ",\"event_type\":\"flow\",\"" + "k".repeat(300) + "\":1}"); // a field name too long to index
        b.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}); // a byte-order mark before an event
        line.accept("{" + t + ",\"event_type\":\"bom\"}");
        b.writeBytes(("{" + t + ",\"event_type\":\"http\",\"http\":{\"url\":\"/overlong").getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(new byte[] {(byte) 0xC0, (byte) 0xBC}); // '<' written overlong
        line.accept("script\"}}");
        b.writeBytes(("{" + t + ",\"event_type\":\"http\",\"http\":{\"url\":\"/surrogate").getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}); // an encoded surrogate half
        line.accept("\"}}");
        for (int p = 1; p <= 100; p++) {
            line.accept("{" + t + ",\"event_type\":\"flow\",\"dest_port\":" + (p * 20) + "}");
        }
        Path f = dir.resolve("hostile.json");
        Files.write(f, b.toByteArray());
        EveImporter.Result res;
        try (EventIndexWriter w = EventIndexWriter.open(dir.resolve("index"), IndexConfig.DEFAULTS, new IndexCounters(), CLOCK)) {
            res = new EveImporter(w, 2).run(List.of(f));
        }
        assertEquals(2, res.skipped(), "the two lines that are not UTF-8: " + res.firstProblem());
        assertTrue(res.firstProblem().contains("hostile.json:8: not valid UTF-8 at byte "), res.firstProblem());
        assertEquals(107, res.events());
        try (EventIndexReader r = EventIndexReader.open(dir.resolve("index"))) {
            assertEquals(107, count(r, "*:*"));
            assertEquals(4, count(r, "n:1"), "the rest of an event with a reserved key is indexed");
            byte[] bom = ("{" + t + ",\"event_type\":\"bom\"}").getBytes(StandardCharsets.UTF_8);
            assertEquals(1, count(r, "_id:" + EventIds.hex(EventIds.of(bom, 0, bom.length))), "the mark is not part of the event or its id");
            assertEquals(FieldKind.LONG, r.schema().kind("dest_port"));
            assertEquals(1, count(r, "dest_port:53"), "text converted to the number");
            assertEquals(52, count(r, "dest_port:[1 TO 1023]"), "a numeric range: 53, and 20 to 1020 by 20");
            assertEquals(null, r.schema().kind("k".repeat(300)));
            assertEquals(1, count(r, "event_type:bom"));
        }
    }

    @Test
    void aPageOfLargeEventsEndsEarlyAndPagingStillReachesEveryOne() throws Exception {
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            in.append("{\"timestamp\":\"2026-03-11T06:00:").append(String.format("%02d", i)).append(".000000+0000\",\"event_type\":\"x\",")
                    .append("\"pad\":\"").append(Integer.toString(i).repeat(600_000).substring(0, 600_000)).append("\"}\n");
        }
        Path f = dir.resolve("large.json");
        Files.writeString(f, in);
        try (EventIndexWriter w = EventIndexWriter.open(dir.resolve("index"), IndexConfig.DEFAULTS, new IndexCounters(), CLOCK)) {
            assertEquals(20, new EveImporter(w, 1).run(List.of(f)).events());
        }
        try (EventIndexReader r = EventIndexReader.open(dir.resolve("index")); EventSearcher s = r.acquire()) {
            var q = new EventQueryParser(r.schema(), CLOCK).parse("");
            java.util.Set<String> seen = new java.util.HashSet<>();
            EventSearcher.Cursor after = null;
            int pages = 0;
            do {
                EventSearcher.Page p = s.search(q, 1000, after);
                long bytes = p.hits().stream().mapToLong(h -> h.json().length()).sum();
                assertTrue(bytes < EventSearcher.MAX_PAGE_SOURCE_BYTES + 700_000, "page of " + bytes + " bytes");
                p.hits().forEach(h -> assertTrue(seen.add(h.id())));
                after = p.next();
                pages++;
            } while (after != null && pages < 10);
            assertEquals(20, seen.size());
            assertTrue(pages >= 2, "pages " + pages);
        }
    }

    @Test
    void aReaderOpensTheNewestDaysUpToItsBound() throws Exception {
        StringBuilder in = new StringBuilder();
        for (int d = 1; d <= 5; d++) {
            in.append("{\"timestamp\":\"2026-03-0").append(d).append("T06:00:00.000000+0000\",\"event_type\":\"x\"}\n");
        }
        Path f = dir.resolve("days.json");
        Files.writeString(f, in);
        try (EventIndexWriter w = EventIndexWriter.open(dir.resolve("index"), IndexConfig.DEFAULTS, new IndexCounters(), CLOCK)) {
            new EveImporter(w, 1).run(List.of(f));
        }
        try (EventIndexReader r = EventIndexReader.open(dir.resolve("index"), 3)) {
            assertEquals(2, r.daysNotOpened());
            assertEquals(3, count(r, "*:*"));
            assertEquals(0, count(r, "timestamp<2026-03-03"), "the two oldest days are not searched");
        }
    }

    @Test
    void aSkippedLineRegistersNoFields() throws Exception {
        // One line of 2,000 keys without a timestamp filled the field budget for good, and every event after it
        // was indexed without fields, even without its timestamp (adversarial review)
        StringBuilder poison = new StringBuilder("{");
        for (int i = 0; i < IndexConfig.DEFAULT_MAX_FIELDS; i++) {
            poison.append(i == 0 ? "" : ",").append("\"j").append(i).append("\":1");
        }
        StringBuilder in = new StringBuilder(poison).append("}\n");
        in.append(poison).append(",\"x\":{\"broken\n"); // and one cut short
        for (int i = 0; i < 10; i++) {
            in.append("{\"timestamp\":\"2026-03-11T06:00:0").append(i).append(".000000+0000\",\"event_type\":\"http\",")
                    .append("\"dest_port\":80,\"http\":{\"hostname\":\"a.example\"}}\n");
        }
        Path f = dir.resolve("poison.json");
        Files.writeString(f, in);
        try (EventIndexWriter w = EventIndexWriter.open(dir.resolve("index"), IndexConfig.DEFAULTS, new IndexCounters(), CLOCK)) {
            EveImporter.Result res = new EveImporter(w, 1).run(List.of(f));
            assertEquals(2, res.skipped());
            assertEquals(10, res.events());
        }
        try (EventIndexReader r = EventIndexReader.open(dir.resolve("index"))) {
            assertEquals(null, r.schema().kind("j1"));
            assertEquals(10, count(r, "http.hostname:\"a.example\" AND dest_port:80"));
            assertEquals(10, count(r, "timestamp:[2026-03-11 TO 2026-03-12]"));
        }
    }

    @Test
    void timesOfEveryFourDigitYearAreReadFormattedAndBucketedWithinTheAskedCount() throws Exception {
        List<String> times = List.of("0000-01-01T00:00:00.000000+0000", "1000-06-01T00:00:00.000001+0000", "1676-01-01T12:00:00.500000+0000", "2263-03-04T05:06:07.000008+0000",
                "9999-12-31T23:59:59.999999+0000");
        Path eve = dir.resolve("eve.json");
        List<String> lines = new ArrayList<>();
        for (String t : times) {
            lines.add("{\"timestamp\":\"" + t + "\",\"event_type\":\"flow\"}");
            assertEquals(t, EveTimes.format(EveTimes.parseMicros(t)), "formats back what it read");
        }
        lines.add("{\"timestamp\":\"0000-01-01T00:30:00+01:00\",\"event_type\":\"flow\"}"); // year -1 in UTC
        Files.write(eve, lines);
        EveImporter.Result res;
        try (EventIndexWriter w = EventIndexWriter.open(dir.resolve("index"), IndexConfig.DEFAULTS, new IndexCounters(), CLOCK)) {
            res = new EveImporter(w, 1).run(List.of(eve));
        }
        assertEquals(times.size(), res.events());
        assertEquals(1, res.skipped(), "a time before year 0000 in UTC is no readable timestamp");
        try (EventIndexReader r = EventIndexReader.open(dir.resolve("index")); EventSearcher s = r.acquire()) {
            for (int want : new int[] {1, 5, 60, 1000}) {
                Aggregations.Histogram h = s.aggregations().histogram(new EventQueryParser(r.schema(), CLOCK).parse(""), want);
                assertTrue(h.counts().length >= 1 && h.counts().length <= want, want + " asked, " + h.counts().length + " made");
                assertEquals(times.size(), java.util.Arrays.stream(h.counts()).sum());
                assertTrue(EveTimes.format(h.start()).compareTo("1000-06-01") <= 0, EveTimes.format(h.start()));
                // rounding down never steps before year 0000, which a bucket's link could not name
                assertTrue(h.start() >= EveTimes.MIN_MICROS, want + " asked: " + EveTimes.format(h.start()));
                assertTrue(EveTimes.format(h.start()).matches("\\d{4}-\\d\\d-\\d\\dT.*"), EveTimes.format(h.start()));
            }
            List<Aggregations.Bucket> top = s.aggregations().facet(new EventQueryParser(r.schema(), CLOCK).parse(""), "timestamp", 10);
            assertEquals(times, top.stream().map(Aggregations.Bucket::value).sorted().toList());
        }
    }

    @Test
    void importingSpanWatchEveGivesTheLiveIdsAndNoDoubles() throws Exception {
        List<EveEvent> events = new ArrayList<>();
        long t0 = TestEvents.nanos("2026-03-11T06:00:00Z");
        for (int i = 0; i < 30; i++) {
            events.addAll(TestEvents.download(i + 1, t0 + i * 1_000_000_000L, "10.0.0.1", "203.0.113.5", 80, "a.example",
                    "/x" + i, "ua", "x" + i, 100 + i, String.format("%064x", i), i == 3));
        }
        IndexStage live = IndexStage.start(dir.resolve("index"), IndexConfig.DEFAULTS, new EveRenderer(TestEvents.SENSOR, false),
                false, CLOCK);
        events.forEach(live::onEvent);
        live.drain();
        live.close();
        Path eve = dir.resolve("eve.json.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(eve))) {
            for (EveEvent e : events) {
                out.write((TestEvents.line(e) + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        try (EventIndexWriter w = EventIndexWriter.open(dir.resolve("index"), IndexConfig.DEFAULTS, new IndexCounters(), CLOCK)) {
            EveImporter.Result res = new EveImporter(w, 2).run(List.of(eve, eve));
            assertEquals(2L * events.size(), res.events());
            assertEquals(0, res.skipped());
        }
        try (EventIndexReader r = EventIndexReader.open(dir.resolve("index"))) {
            assertEquals(events.size(), count(r, "*:*"), "an event indexed live and imported twice is there once");
        }
    }

    @Test
    void zstdEveIsImportedAndADamagedGzipMemberFailsTheImportNamingTheFile() throws Exception {
        Path plain = spanWatchEve(20, "eve-plain.json");
        byte[] lines = Files.readAllBytes(plain);
        Path zst = dir.resolve("eve.json.zst");
        try (OutputStream out = new com.github.luben.zstd.ZstdOutputStream(Files.newOutputStream(zst), 3)) {
            out.write(lines);
        }
        // logrotate's "delaycompress" and a later append make two members; the second one damaged
        int half = lines.length / 2;
        while (lines[half - 1] != '\n') {
            half++;
        }
        java.io.ByteArrayOutputStream first = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream second = new java.io.ByteArrayOutputStream();
        try (OutputStream a = new GZIPOutputStream(first); OutputStream b = new GZIPOutputStream(second)) {
            a.write(lines, 0, half);
            b.write(lines, half, lines.length - half);
        }
        byte[] damaged = second.toByteArray();
        damaged[0] = 0;
        Path gz = dir.resolve("eve.json.gz");
        try (OutputStream out = Files.newOutputStream(gz)) {
            out.write(first.toByteArray());
            out.write(damaged);
        }
        try (EventIndexWriter w = EventIndexWriter.open(dir.resolve("index"), IndexConfig.DEFAULTS, new IndexCounters(), CLOCK)) {
            EveImporter importer = new EveImporter(w, 2);
            EveImporter.Result res = importer.run(List.of(zst));
            assertEquals(Files.readAllLines(plain).size(), res.events());
            assertEquals(Files.size(zst), importer.storedRead(), "progress counts the file as stored");
            assertEquals(lines.length, importer.bytesRead());
            IOException e = assertThrows(IOException.class, () -> new EveImporter(w, 2).run(List.of(gz)));
            String all = e.getMessage() + " " + e.getCause();
            assertTrue(all.contains(gz + ": the bytes after gzip member 1 (file offset ") && all.contains(") start no gzip member"), all);
        }
    }

    @Test
    void standardInputIsReadLeftOpenAndNamedSoInAnError() throws Exception {
        byte[] lines = Files.readAllBytes(spanWatchEve(5, "eve-stdin.json"));
        java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(zipped)) {
            z.write(lines);
        }
        boolean[] closed = {false};
        class Stdin extends java.io.ByteArrayInputStream {
            Stdin(byte[] b) {
                super(b);
            }

            @Override
            public void close() {
                closed[0] = true;
            }
        }
        try (EventIndexWriter w = EventIndexWriter.open(dir.resolve("index"), IndexConfig.DEFAULTS, new IndexCounters(), CLOCK)) {
            EveImporter.Result res = new EveImporter(w, 2).run(List.of(EveImporter.STDIN), new Stdin(zipped.toByteArray()));
            assertEquals(lines.length, res.bytes());
            assertTrue(!closed[0], "standard input is not the importer's to close");
            // cut short: the error names standard input as a skipped line does ("standard input:N"), not "-"
            byte[] cut = java.util.Arrays.copyOf(zipped.toByteArray(), zipped.size() / 2);
            IOException e = assertThrows(IOException.class, () -> new EveImporter(w, 2).run(List.of(EveImporter.STDIN), new Stdin(cut)));
            assertTrue(e.getMessage().startsWith("standard input: "), e.getMessage());
        }
    }

    private Path spanWatchEve(int n, String name) throws IOException {
        long t0 = TestEvents.nanos("2026-03-11T06:00:00Z");
        Path eve = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(eve)) {
            for (int i = 0; i < n; i++) {
                for (EveEvent e : TestEvents.download(i + 1, t0 + i * 1_000_000_000L, "10.0.0.1", "203.0.113.5", 80, "a.example",
                        "/x" + i, "ua", "x" + i, 100 + i, String.format("%064x", i), false)) {
                    out.write((TestEvents.line(e) + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        return eve;
    }

    @Test
    void anImportPastItsIdBudgetStillKeepsEveryEventOnce() throws Exception {
        Path eve = spanWatchEve(40, "eve.json");
        long lines = Files.readAllLines(eve).size();
        Path twice = dir.resolve("twice.json");
        Files.write(twice, (Files.readString(eve) + Files.readString(eve)).getBytes(StandardCharsets.UTF_8));
        for (long budget : new long[] {0, 7, 1_000_000}) {
            Path index = dir.resolve("index-" + budget);
            try (EventIndexWriter w = EventIndexWriter.open(index, IndexConfig.DEFAULTS, new IndexCounters(), CLOCK)) {
                EveImporter imp = new EveImporter(w, 3);
                w.bulk(budget);
                assertEquals(3 * lines, imp.run(List.of(eve, twice)).events());
            }
            try (EventIndexWriter w = EventIndexWriter.open(index, IndexConfig.DEFAULTS, new IndexCounters(), CLOCK)) {
                EveImporter imp = new EveImporter(w, 2);
                w.bulk(budget);
                imp.run(List.of(eve)); // the day exists now: its ids are read first
            }
            try (EventIndexReader r = EventIndexReader.open(index)) {
                assertEquals(lines, count(r, "*:*"), "budget " + budget);
            }
        }
    }

    @Test
    void daysWrittenAtOnceShareOneBufferBudget() throws Exception {
        // events alternate between two days (as around midnight); each day's writer may buffer the whole
        // budget, so the two would hold up to twice it if the writer did not add them up
        int budgetMb = 2;
        IndexConfig cfg = new IndexConfig(true, IndexConfig.DEFAULT_QUEUE_EVENTS, IndexConfig.DEFAULT_RETENTION,
                IndexConfig.DEFAULT_MAX_BYTES, budgetMb, IndexConfig.DEFAULT_COMMIT_INTERVAL, IndexConfig.DEFAULT_MAX_FIELDS,
                IndexConfig.DEFAULT_MAX_OPEN_DAYS, IndexConfig.DEFAULT_IMPORT_OPEN_DAYS);
        long[] days = {TestEvents.nanos("2026-03-10T23:59:00Z"), TestEvents.nanos("2026-03-11T00:01:00Z")};
        int n = 6_000;
        long peak = 0;
        try (EventIndexWriter w = EventIndexWriter.open(dir.resolve("index"), cfg, new IndexCounters(), CLOCK)) {
            w.bulk(1_000_000);
            w.ramBufferMb(budgetMb);
            DocumentBuilder b = new DocumentBuilder(w.schema(), w.counters());
            for (int i = 0; i < n; i++) {
                EveEvent e = TestEvents.download(i + 1, days[i % 2] + i * 1_000L, "10.0.0.1", "203.0.113.5", 80, "a.example",
                        "/x" + i, "ua", "x" + i, 100 + i, String.format("%064x", i), false).get(0);
                byte[] json = TestEvents.line(e).getBytes(StandardCharsets.UTF_8);
                b.reset();
                EveJsonWalker.walk(json, 0, json.length, b);
                byte[] id = EventIds.of(json, 0, json.length);
                w.add(b.finish(id, json, 0, json.length), b.timestamp(), id);
                if (i % 64 == 0) {
                    peak = Math.max(peak, w.bufferedBytes());
                }
            }
            w.commit();
        }
        assertTrue(peak < budgetMb * 1.5 * (1 << 20), "buffered at most " + peak + " bytes for a budget of " + budgetMb + " MiB");
        try (EventIndexReader r = EventIndexReader.open(dir.resolve("index"))) {
            assertEquals(n, count(r, "*:*"));
            assertEquals(n / 2, count(r, "timestamp:[2026-03-11T00:00:00Z TO *]"));
        }
    }

    @Test
    void aDaySortedByAnEarlierVersionTakesNewEvents() throws Exception {
        Path eve = spanWatchEve(10, "eve.json");
        Path day = dir.resolve("index").resolve("2026-03-11");
        Files.createDirectories(day);
        FieldSchema schema = new FieldSchema(IndexConfig.DEFAULT_MAX_FIELDS);
        DocumentBuilder b = new DocumentBuilder(schema, new IndexCounters());
        List<String> all = Files.readAllLines(eve);
        org.apache.lucene.index.IndexWriterConfig c = new org.apache.lucene.index.IndexWriterConfig(new TextAnalyzer());
        c.setIndexSort(EventIndexWriter.LEGACY_INDEX_SORT);
        try (var d = org.apache.lucene.store.FSDirectory.open(day); var w = new org.apache.lucene.index.IndexWriter(d, c)) {
            for (String l : all.subList(0, 5)) {
                byte[] json = l.getBytes(StandardCharsets.UTF_8);
                b.reset();
                EveJsonWalker.walk(json, 0, json.length, b);
                w.addDocument(b.finish(EventIds.of(json, 0, json.length), json, 0, json.length));
            }
        }
        schema.saveIfChanged(dir.resolve("index").resolve(EventIndexWriter.SCHEMA_FILE));
        try (EventIndexWriter w = EventIndexWriter.open(dir.resolve("index"), IndexConfig.DEFAULTS, new IndexCounters(), CLOCK)) {
            new EveImporter(w, 2).run(List.of(eve));
        }
        try (EventIndexReader r = EventIndexReader.open(dir.resolve("index"))) {
            assertEquals(all.size(), count(r, "*:*"));
            try (EventSearcher s = r.acquire()) {
                EventSearcher.Page p = s.search(new org.apache.lucene.search.MatchAllDocsQuery(), 3, null);
                assertTrue(p.hits().get(0).timestamp() >= p.hits().get(1).timestamp(), "newest first");
            }
        }
    }

    /**
     * New segments are written with {@link EventCodec} (plain LZ4 over chunks of sources), found again
     * by name through Lucene's SPI; a day an earlier version wrote with Lucene's own codec takes new
     * events, and every event's source reads back whole from segments of either codec.
     */
    @Test
    void sourcesReadBackWholeFromSegmentsOfEitherCodec() throws Exception {
        Path eve = spanWatchEve(40, "eve-codec.json");
        Path idx = dir.resolve("index-codec");
        Path day = idx.resolve("2026-03-11");
        Files.createDirectories(day);
        FieldSchema schema = new FieldSchema(IndexConfig.DEFAULT_MAX_FIELDS);
        DocumentBuilder b = new DocumentBuilder(schema, new IndexCounters());
        List<String> all = Files.readAllLines(eve);
        int old = all.size() / 2;
        org.apache.lucene.index.IndexWriterConfig c = new org.apache.lucene.index.IndexWriterConfig(new TextAnalyzer());
        c.setCodec(new org.apache.lucene.codecs.lucene103.Lucene103Codec(org.apache.lucene.codecs.lucene103.Lucene103Codec.Mode.BEST_SPEED));
        try (var d = org.apache.lucene.store.FSDirectory.open(day); var w = new org.apache.lucene.index.IndexWriter(d, c)) {
            for (String l : all.subList(0, old)) {
                byte[] json = l.getBytes(StandardCharsets.UTF_8);
                b.reset();
                EveJsonWalker.walk(json, 0, json.length, b);
                w.addDocument(b.finish(EventIds.of(json, 0, json.length), json, 0, json.length));
            }
        }
        schema.saveIfChanged(idx.resolve(EventIndexWriter.SCHEMA_FILE));
        Path rest = dir.resolve("eve-codec-rest.json");
        Files.write(rest, all.subList(old, all.size()));
        try (EventIndexWriter w = EventIndexWriter.open(idx, IndexConfig.DEFAULTS, new IndexCounters(), CLOCK)) {
            new EveImporter(w, 2).run(List.of(rest));
        }
        java.util.Set<String> codecs = new java.util.TreeSet<>();
        try (var d = org.apache.lucene.store.FSDirectory.open(day)) {
            for (var si : org.apache.lucene.index.SegmentInfos.readLatestCommit(d)) {
                codecs.add(si.info.getCodec().getName());
            }
        }
        assertEquals(java.util.Set.of("Lucene103", EventCodec.NAME), codecs);
        try (EventIndexReader r = EventIndexReader.open(idx); EventSearcher s = r.acquire()) {
            assertEquals(all.size(), count(r, "*:*"));
            for (String l : all) {
                byte[] json = l.getBytes(StandardCharsets.UTF_8);
                String id = EventIds.hex(EventIds.of(json, 0, json.length));
                assertEquals(l, s.get(id).orElseThrow(() -> new AssertionError("no event " + id)).json());
            }
        }
    }

    @Test
    void retentionDropsOldDaysWholeAndKeepsTheSizeBound() throws Exception {
        Path idx = dir.resolve("index");
        IndexCounters c = new IndexCounters();
        Instant now = Instant.parse("2026-03-12T00:00:00Z");
        try (EventIndexWriter w = EventIndexWriter.open(idx, IndexConfig.DEFAULTS, c, Clock.fixed(now, ZoneOffset.UTC))) {
            for (String day : new String[] {"2026-01-01", "2026-02-01", "2026-03-10", "2026-03-11"}) {
                DocumentBuilder b = new DocumentBuilder(w.schema(), c);
                for (int i = 0; i < 50; i++) {
                    byte[] line = ("{\"timestamp\":\"" + day + "T10:00:" + String.format("%02d", i) + ".000000+0000\",\"event_type\":\"x\",\"pad\":\""
                            + "p".repeat(2000) + i + "\"}").getBytes(StandardCharsets.UTF_8);
                    b.reset();
                    EveJsonWalker.walk(line, 0, line.length, b);
                    byte[] id = EventIds.of(line, 0, line.length);
                    w.add(b.finish(id, line, 0, line.length), b.timestamp(), null);
                }
            }
        }
        // every day was just written, so age alone drops none: a day goes when its day and its last write are old
        IndexConfig cfg = new IndexConfig(true, 10, Duration.ofDays(30), Long.MAX_VALUE, 16, Duration.ofSeconds(1), 100, 2, 2);
        try (EventIndexWriter w = EventIndexWriter.open(idx, cfg, c, Clock.fixed(now, ZoneOffset.UTC))) {
            assertEquals(0, w.applyRetention());
        }
        for (String old : new String[] {"2026-01-01", "2026-02-01", "2026-03-10"}) {
            try (var files = Files.list(idx.resolve(old))) {
                for (Path f : files.toList()) {
                    Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.from(Instant.parse(old + "T23:00:00Z")));
                }
            }
            Files.setLastModifiedTime(idx.resolve(old), java.nio.file.attribute.FileTime.from(Instant.parse(old + "T23:00:00Z")));
        }
        try (EventIndexWriter w = EventIndexWriter.open(idx, cfg, c, Clock.fixed(now, ZoneOffset.UTC))) {
            assertEquals(2, w.applyRetention(), "January and February go; March 10 is within 30 days");
        }
        List<String> left = DayIndexes.list(idx).stream().map(d -> d.date().toString()).toList();
        assertEquals(List.of("2026-03-10", "2026-03-11"), left);
        long newest = DayIndexes.size(idx.resolve("2026-03-11"));
        IndexConfig small = new IndexConfig(true, 10, Duration.ofDays(3650), newest + 1, 16, Duration.ofSeconds(1), 100, 2, 2);
        try (EventIndexWriter w = EventIndexWriter.open(idx, small, c, CLOCK)) {
            assertEquals(1, w.applyRetention(), "past the size bound the oldest day goes");
        }
        assertEquals(List.of("2026-03-11"), DayIndexes.list(idx).stream().map(d -> d.date().toString()).toList());
        try (EventIndexReader r = EventIndexReader.open(idx)) {
            assertEquals(50, count(r, "*:*"));
        }
        // One event dated in the far future makes the newest day: the day being written still stays (review:
        // an import of today's events and one of 9999-12-31 kept only 9999-12-31)
        Path future = dir.resolve("future.json");
        Files.writeString(future, "{\"timestamp\":\"9999-12-31T00:00:00.000000+0000\",\"event_type\":\"x\"}\n");
        try (EventIndexWriter w = EventIndexWriter.open(idx, small, c, CLOCK)) {
            new EveImporter(w, 1).run(List.of(future));
            assertEquals(0, w.applyRetention(), "both the newest day and the newest up to today stay");
        }
        assertEquals(List.of("2026-03-11", "9999-12-31"), DayIndexes.list(idx).stream().map(d -> d.date().toString()).toList());
    }

    @Test
    void closeIndexesEveryQueuedEventAndNothingOfItsOwn() throws Exception {
        IndexStage stage = IndexStage.start(dir.resolve("index"), IndexConfig.DEFAULTS, new EveRenderer(TestEvents.SENSOR, false),
                false, CLOCK);
        List<EveEvent> events = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            events.addAll(TestEvents.download(i + 1, TestEvents.nanos("2026-03-11T06:00:00Z") + i, "10.0.0.1", "203.0.113.5", 80,
                    "a.example", "/c" + i, "ua", "c", 1, String.format("%064x", i), false));
        }
        events.forEach(stage::onEvent);
        stage.close(); // no drain: close itself indexes what is queued, then commits
        assertEquals(events.size(), stage.counters().indexed.get());
        assertEquals(0, stage.counters().dropped.get());
        try (EventIndexReader r = EventIndexReader.open(dir.resolve("index"))) {
            assertEquals(events.size(), count(r, "*:*"), "the queued events, and not the stage's own wake-up");
        }
        try (var days = Files.list(dir.resolve("index"))) {
            assertEquals(List.of("2026-03-11"), days.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void theBufferedSegmentIsWrittenWhenTheInputEndsAndCommittedAtClose() throws Exception {
        IndexStage stage = IndexStage.start(dir.resolve("index"), IndexConfig.DEFAULTS, new EveRenderer(TestEvents.SENSOR, false),
                false, CLOCK);
        List<EveEvent> events = TestEvents.download(1, TestEvents.nanos("2026-03-11T06:00:00Z"), "10.0.0.1", "203.0.113.5", 80,
                "a.example", "/f", "ua", "f", 1, String.format("%064x", 1), false);
        events.forEach(stage::onEvent);
        stage.inputEnded();
        stage.drain();
        Path day = dir.resolve("index/2026-03-11");
        for (int i = 0; i < 1000 && !hasSegment(day); i++) {
            Thread.sleep(10); // the thread writes the segment after it indexed the queue
        }
        assertTrue(hasSegment(day), "the segment is written once the input ended: " + listing(day));
        try (var d = org.apache.lucene.store.FSDirectory.open(day)) {
            assertTrue(!org.apache.lucene.index.DirectoryReader.indexExists(d), "but not committed before close");
        }
        stage.close();
        try (EventIndexReader r = EventIndexReader.open(dir.resolve("index"))) {
            assertEquals(events.size(), count(r, "*:*"));
        }
    }

    private static boolean hasSegment(Path day) throws IOException {
        return listing(day).stream().anyMatch(f -> f.endsWith(".si"));
    }

    private static List<String> listing(Path day) throws IOException {
        if (!Files.isDirectory(day)) {
            return List.of();
        }
        try (var files = Files.list(day)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void liveIndexingDropsAndCountsWhenTheQueueIsFull() throws Exception {
        IndexConfig tiny = new IndexConfig(true, 1, Duration.ofDays(30), Long.MAX_VALUE, 16, Duration.ofMillis(50), 100, 2, 2);
        IndexStage live = IndexStage.start(dir.resolve("index"), tiny, new EveRenderer(TestEvents.SENSOR, true), true, CLOCK);
        List<EveEvent> events = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            events.addAll(TestEvents.download(i + 1, TestEvents.nanos("2026-03-11T06:00:00Z") + i, "10.0.0.1", "203.0.113.5", 80,
                    "a.example", "/x" + i, "ua", "x", 1, String.format("%064x", i), false));
        }
        events.forEach(live::onEvent);
        live.drain();
        long indexed = live.counters().indexed.get();
        long dropped = live.counters().dropped.get();
        assertEquals(events.size(), indexed + dropped, "every event indexed or counted");
        assertTrue(dropped > 0, "a queue of one cannot keep up with a burst");
        live.close();
        try (EventIndexReader r = EventIndexReader.open(dir.resolve("index"))) {
            assertEquals(indexed, count(r, "*:*"));
            assertEquals(dropped, r.droppedEvents(), "the console is told how many are missing");
        }
    }
}
