package io.spanwatch.analyzer.report;

import io.spanwatch.analyzer.events.HomeNet;
import static io.spanwatch.analyzer.report.Ev.t;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveReader;
import io.spanwatch.sensor.event.EveWriter;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileEvent;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks every figure of a report against synthetic events whose counts are known: which hosts are
 * infected, beaconing or listed, downloads counted once per transfer, files by final verdict, drops
 * from stats differences across a restart, quiet hours, the period before; and that eve.json gives
 * the same figures as the events themselves.
 */
class TallyTest {
    static final ReportConfig CONFIG = ReportConfig.defaults(new HomeNet("10.0.0.0/8"));
    static final ReportPeriod WEEK = ReportPeriod.week("2024-W11", ZoneId.of("UTC"));
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    /** The week's story; counts are asserted in {@link #figuresMatchTheEvents}. */
    static List<EveEvent> events() {
        List<EveEvent> e = new ArrayList<>();
        long mon = t("2024-03-11T10:00:00.000000+0000");
        long tue = mon + 24 * Ev.HOUR;
        long wed = tue + 24 * Ev.HOUR;
        long thu = wed + 24 * Ev.HOUR;
        e.add(Ev.stats(t("2024-03-10T23:00:00.000000+0000"), 100, 10, 0));
        // Monday: 10.0.0.5 downloads file 1: interim alert, then clamd's final one: one download
        EventHeader h1 = Ev.flow(1, "10.0.0.5", "203.0.113.7", 80);
        FileEvent f1 = Ev.file(mon, h1, "evil.example", "/a.exe", "a.exe", Ev.sha(1), false);
        e.add(Ev.flowEvent(h1, mon - 1_000_000_000L, mon + 1_000_000_000L, 100, 0));
        e.add(Ev.malware(f1, mon, "Win.Trojan.Agent-123-1", true));
        e.add(Ev.fileinfo(f1, Ev.verdict("infected", null, true, "Win.Trojan.Agent-123-1")));
        e.add(Ev.malware(f1, mon + 5_000_000_000L, "Win.Trojan.Agent-123-1", false));
        e.add(Ev.late(f1, mon + 5_000_000_000L, Ev.verdict("infected", null, false, "Win.Trojan.Agent-123-1")));
        e.add(Ev.stats(t("2024-03-11T03:00:00.000000+0000"), 100 + 4 * 3600, 25, 0)); // the same process, four hours on
        // three clean files, one too large, one without a verdict, one scan error, one never finished, one partial
        for (int i = 0; i < 3; i++) {
            e.add(Ev.fileinfo(Ev.file(mon + i * 1000L, Ev.flow(10 + i, "10.0.0.20", "203.0.113.8", 80), "cdn.example", "/" + i, "c" + i,
                    Ev.sha(100 + i), false), Ev.verdict("clean", null, false)));
        }
        e.add(Ev.fileinfo(Ev.file(mon, Ev.flow(20, "10.0.0.20", "203.0.113.8", 80), "cdn.example", "/big", "big.iso", Ev.sha(200), false),
                Ev.verdict("not_scanned", "larger than clamd.max-stream-bytes", false)));
        e.add(Ev.fileinfo(Ev.file(mon, Ev.flow(21, "10.0.0.20", "203.0.113.8", 80), "cdn.example", "/n", "n", Ev.sha(201), false), null));
        e.add(Ev.fileinfo(Ev.file(mon, Ev.flow(22, "10.0.0.20", "203.0.113.8", 80), "cdn.example", "/e", "e", Ev.sha(202), false),
                Ev.verdict("error", "clamd: INSTREAM size limit exceeded", false)));
        e.add(Ev.fileinfo(Ev.file(mon, Ev.flow(23, "10.0.0.20", "203.0.113.8", 80), "cdn.example", "/w", "w", Ev.sha(203), false),
                Ev.verdict("not_scanned", "waiting for clamd", true)));
        e.add(Ev.fileinfo(Ev.file(mon, Ev.flow(24, "10.0.0.20", "203.0.113.8", 80), "cdn.example", "/p", "p", null, false),
                Ev.verdict("clean", null, false)));
        // Tuesday: 10.0.0.6 uploads file 2 to an outside server; an alert between two outside hosts; a sensor restart
        EventHeader h2 = Ev.flow(2, "10.0.0.6", "203.0.113.9", 80);
        FileEvent f2 = Ev.file(tue, h2, "upload.example", "/up", "b.doc", Ev.sha(2), true);
        e.add(Ev.fileinfo(f2, Ev.verdict("infected", null, false, "Doc.Dropper.Agent-77-0")));
        e.add(Ev.malware(f2, tue, "Doc.Dropper.Agent-77-0", false));
        FileEvent f3 = Ev.file(tue, Ev.flow(3, "198.51.100.50", "198.51.100.1", 80), "x.example", "/x", "x.exe", Ev.sha(3), false);
        e.add(Ev.malware(f3, tue, "Win.Trojan.Agent-124-1", false));
        e.add(Ev.flowEvent(Ev.flow(4, "10.0.0.6", "203.0.113.9", 80), tue, tue + 2_000_000_000L, 40, 500));
        e.add(Ev.stats(tue + Ev.HOUR, 60, 4, 0));
        // Wednesday: beacons (one pair alerted twice)
        e.add(Ev.beacon(wed, "10.0.0.5", "c2.example", "203.0.113.66", 80, 0.91, 100, 60));
        e.add(Ev.beacon(wed + Ev.HOUR, "10.0.0.5", "c2.example", "203.0.113.66", 80, 0.95, 160, 60));
        e.add(Ev.beacon(wed, "10.0.0.7", "c2.example", "203.0.113.66", 80, 0.80, 50, 300));
        e.add(Ev.beacon(wed, "10.0.0.8", "other.example", "203.0.113.67", 8080, 0.70, 20, 3600));
        // Thursday: reputation hits in two feeds, and the incident
        EventHeader h9 = Ev.flow(9, "10.0.0.9", "203.0.113.10", 80);
        e.add(Ev.reputation(thu, h9, "urlhaus.csv", "bad.example", "domain", "Emotet"));
        e.add(Ev.reputation(thu + 1000, Ev.flow(19, "10.0.0.9", "203.0.113.10", 80), "urlhaus.csv", "bad.example", "domain", "Emotet"));
        e.add(Ev.reputation(thu, h1, "feodo.csv", "203.0.113.7", "ip", "Dridex"));
        e.add(Ev.incident(thu, "10.0.0.5", Ev.sha(1), "/a.exe", mon, "c2.example", wed));
        // the week before: one infected host; the week after: nothing of this report's
        EventHeader old = Ev.flow(90, "10.0.0.99", "203.0.113.7", 80);
        e.add(Ev.malware(Ev.file(t("2024-03-05T12:00:00.000000+0000"), old, "evil.example", "/a.exe", "a.exe", Ev.sha(1), false),
                t("2024-03-05T12:00:00.000000+0000"), "Win.Trojan.Agent-123-1", false));
        e.add(Ev.malware(Ev.file(t("2024-03-18T12:00:00.000000+0000"), old, "evil.example", "/a.exe", "a.exe", Ev.sha(1), false),
                t("2024-03-18T12:00:00.000000+0000"), "Win.Trojan.Agent-123-1", false));
        return e;
    }

    /** A source that hands the events as they are, as the index will. */
    static EventSource memory(List<EveEvent> events) {
        return new EventSource() {
            @Override
            public String name() {
                return "memory";
            }

            @Override
            public void read(long from, long to, Sink sink) {
                for (EveEvent e : events) {
                    if (e.tsNanos() < to && (e.tsNanos() >= from || e instanceof io.spanwatch.sensor.event.StatsEvent)) {
                        sink.event(new EveReader.Read(e, "s1", false));
                    }
                }
            }

            @Override
            public long[] span() {
                return new long[] {events.stream().mapToLong(EveEvent::tsNanos).min().orElseThrow(),
                        events.stream().mapToLong(EveEvent::tsNanos).max().orElseThrow()};
            }
        };
    }

    @Test
    void aHostThatOnlySentMalwareOutIsSaidToHaveSentIt() throws Exception {
        Figures f = Reports.figures(memory(events()), WEEK, CONFIG, NOW);
        Figures.HostRow uploader = f.hosts().atRisk().stream().filter(h -> h.ip().equals("10.0.0.6")).findFirst().orElseThrow();
        assertEquals(1, uploader.malwareSent(), "10.0.0.6 uploaded the file to a server outside");
        assertEquals(0, f.hosts().atRisk().stream().filter(h -> h.ip().equals("10.0.0.5")).findFirst().orElseThrow().malwareSent());
        assertEquals("2 internal hosts had malware: 10.0.0.5 received it, 10.0.0.6 sent it out (uploads) (last week: 1).",
                Prose.summary(f).get(0));
        List<String> actions = Prose.actions(f, 20);
        assertTrue(actions.stream().anyMatch(a -> a.startsWith("Check 10.0.0.6: it sent ") && a.contains("out (an upload)")),
                actions.toString());
        assertTrue(actions.stream().noneMatch(a -> a.startsWith("Check 10.0.0.6 and remove what it received")), actions.toString());
    }

    @Test
    void figuresMatchTheEvents() throws Exception {
        Figures f = Reports.figures(memory(events()), WEEK, CONFIG, NOW);
        assertEquals(List.of("10.0.0.5", "10.0.0.6"), f.hosts().infected(), "receiver of a download, sender of an upload to outside");
        assertEquals(List.of("10.0.0.5", "10.0.0.7", "10.0.0.8"), f.hosts().beaconing());
        assertEquals(List.of("10.0.0.5", "10.0.0.9"), f.hosts().reputation());
        assertEquals(1, f.hosts().unattributed(), "the alert between two outside hosts names no internal host");
        assertEquals("10.0.0.5", f.hosts().atRisk().get(0).ip(), "the incident host first");
        assertEquals(2, f.malwareDownloads(), "file 1 once (its interim and final alert are one transfer) and the outside host's");
        assertEquals(1, f.malwareUploads());
        assertEquals(3, f.beacons(), "three (client, destination) pairs");
        assertEquals(3, f.reputationHits());
        assertEquals(1, f.totals().incidents());
        assertEquals(11, f.totals().alerts());
        assertEquals(Map.of("malware", 4L, "beacon", 4L, "reputation", 3L, "correlation", 0L), Map.copyOf(f.alertsByCategory()));
        assertEquals(2, f.alertsPerDay().get(0).byCategory().get("malware"), "Monday: the interim and the final alert");
        assertEquals(2, f.alertsPerDay().get(1).byCategory().get("malware"), "Tuesday: the upload and the outside hosts'");
        assertEquals(4, f.alertsPerDay().get(2).byCategory().get("beacon"));
        long inWeek = events().stream().filter(x -> WEEK.contains(x.tsNanos())).count();
        assertEquals(inWeek, f.totals().events());
        assertEquals(10, f.totals().files(), "fileinfo events; a verdict event is not another file");
        // families: the ClamAV name without its numbers; the outside-only alert still counts for its family
        assertEquals("Win.Trojan.Agent", f.families().get(0).name());
        assertEquals(2, f.families().get(0).downloads());
        // callbacks: c2.example called by two clients, highest score first
        Figures.Callback c2 = f.callbacks().get(0);
        assertEquals("c2.example", c2.host());
        assertEquals(List.of("10.0.0.5", "10.0.0.7"), c2.clients());
        assertEquals(0.95, c2.score(), 1e-9);
        assertEquals(2, f.feeds().size());
        Figures.FeedRow urlhaus = f.feeds().get(0);
        assertEquals("urlhaus.csv", urlhaus.feed());
        assertEquals(2, urlhaus.hits());
        assertEquals(1, urlhaus.indicators());
        assertEquals("Emotet", urlhaus.topThreat());
        // the incident joined to its file and its callbacks
        Figures.IncidentView iv = f.incidents().get(0);
        assertEquals(Ev.sha(1), iv.files().get(0).sha256());
        assertEquals("c2.example", iv.callbacks().get(0).host());
        // files by final verdict
        Figures.Files fl = f.files();
        assertEquals(10, fl.total());
        assertEquals(4, fl.clean(), "three clean and the partial one");
        assertEquals(2, fl.infected(), "file 1 by its late verdict, file 2");
        assertEquals(1, fl.notScanned());
        assertEquals(1, fl.errors());
        assertEquals(1, fl.unscanned());
        assertEquals(1, fl.waiting());
        assertEquals(1, fl.partial());
        assertEquals(1L, fl.notScannedWhy().get("larger than clamd.max-stream-bytes"));
        assertEquals(1L, fl.notScannedWhy().get("scanning was off"));
        // capture: 15 drops on Monday (25 - 10 of the same process), 4 on Tuesday (a new process counts from 0)
        assertEquals(15, f.capture().perDay().get(0).drops());
        assertEquals(4, f.capture().perDay().get(1).drops());
        assertEquals(19L, f.capture().losses().get("capture.kernel_drops"));
        assertEquals(100, f.capture().perDay().get(0).packets());
        assertEquals(1, f.capture().perDay().get(1).gapFlows());
        assertEquals(500, f.capture().perDay().get(1).missedBytes());
        assertEquals(168, f.capture().hoursTotal());
        assertTrue(f.capture().hoursWithTraffic() >= 2 && f.capture().hoursWithTraffic() <= 5, f.capture().hourMap());
        assertEquals('T', f.capture().hourMap().charAt(10), "Monday 10:00");
        assertEquals(f.capture().hoursTotal() - f.capture().hoursWithTraffic(),
                f.capture().quiet().stream().mapToLong(Figures.QuietRun::hours).sum());
        // the week before
        assertNotNull(f.previous());
        assertEquals(List.of("10.0.0.99"), f.previous().hosts().infected());
        assertEquals(1, f.previous().malwareDownloads());
        assertNull(f.previous().previous());
    }

    @Test
    void eveJsonGivesTheSameFiguresAsTheEvents(@TempDir Path dir) throws Exception {
        List<EveEvent> events = events();
        try (EveWriter w = EveWriter.open(dir.resolve("eve.json"), "s1", false)) {
            events.forEach(w::accept);
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve("eve.json"), StandardOpenOption.APPEND)) {
            out.write(("{\"timestamp\":\"2024-03-12T00:00:00.000000+0000\",\"event_type\":\"dns\",\"dns\":{}}\n"
                    + "{\"timestamp\":\"2024-03-12T00:00:00.000000+0000\",\"event_type\":\"flow\",\"flow\":\n"
                    + "not json at all\n").getBytes(StandardCharsets.UTF_8));
        }
        Figures fromFile = Reports.figures(new EveFileSource(dir.resolve("eve.json"), 1 << 20), WEEK, CONFIG, NOW);
        Figures fromEvents = Reports.figures(memory(events), WEEK, CONFIG, NOW);
        Map<String, Object> a = ReportJson.tree(fromFile, true);
        Map<String, Object> b = ReportJson.tree(fromEvents, true);
        assertEquals(2, fromFile.coverage().unreadable(), "the cut flow line and the line that is no JSON");
        assertEquals(1, fromFile.coverage().otherTypes(), "the dns event");
        for (String k : List.of("source", "coverage", "sensors")) {
            a.remove(k);
            b.remove(k);
        }
        assertEquals(b.toString(), a.toString(), "eve.json and the events give the same figures");
    }

    @Test
    void theIndexGivesTheSameFiguresAsEveJson(@TempDir Path dir) throws Exception {
        Path eve = dir.resolve("events.json");
        try (EveWriter w = EveWriter.open(eve, "s1", false)) {
            events().forEach(w::accept);
        }
        assertEquals(0, EveReaderTest.quiet("index", "--out", dir.toString(), eve.toString()), "spanwatch index");
        assertTrue(IndexSource.present(dir.resolve("index")));
        Figures fromIndex = Reports.figures(new IndexSource(dir.resolve("index")), WEEK, CONFIG, NOW);
        Figures fromFile = Reports.figures(new EveFileSource(eve, 1 << 20), WEEK, CONFIG, NOW);
        Map<String, Object> a = ReportJson.tree(fromIndex, true);
        Map<String, Object> b = ReportJson.tree(fromFile, true);
        assertEquals("index", a.remove("source"));
        b.remove("source");
        assertEquals(b.toString(), a.toString(), "the index and eve.json give the same figures");
        long[] span = new IndexSource(dir.resolve("index")).span();
        assertEquals(events().stream().mapToLong(EveEvent::tsNanos).min().orElseThrow() / 1000, span[0] / 1000);
        assertEquals(events().stream().mapToLong(EveEvent::tsNanos).max().orElseThrow() / 1000, span[1] / 1000);
    }

    @Test
    void figuresDoNotDependOnTheOrderOfEvents() throws Exception {
        long seed = Long.getLong("tests.seed", System.nanoTime());
        System.out.println("TallyTest: shuffle seed " + seed + " (replay with -Dtests.seed=" + seed + ")");
        List<EveEvent> shuffled = new ArrayList<>(events());
        java.util.Collections.shuffle(shuffled, new java.util.Random(seed));
        String inOrder = ReportJson.tree(Reports.figures(memory(events()), WEEK, CONFIG, NOW), true).toString();
        assertEquals(inOrder, ReportJson.tree(Reports.figures(memory(shuffled), WEEK, CONFIG, NOW), true).toString(), "seed " + seed);
        java.util.Collections.reverse(shuffled);
        assertEquals(inOrder, ReportJson.tree(Reports.figures(memory(shuffled), WEEK, CONFIG, NOW), true).toString(), "seed " + seed);
    }

    @Test
    void aFullTableIsCountedNotGrown() throws Exception {
        ReportConfig small = new ReportConfig(new HomeNet("10.0.0.0/8"), ZoneId.of("UTC"), true, 6, 2, 1, 1, 1 << 20);
        Figures f = Reports.figures(memory(events()), WEEK, small, NOW);
        assertEquals(2, f.hosts().atRisk().size());
        assertTrue(f.coverage().tablesFull().get("hosts") > 0, f.coverage().tablesFull().toString());
        assertEquals(1, f.callbacks().size());
    }

    @Test
    void anAlertNamesTheInternalHostThatReceivedTheFile() {
        ThreatLedger l = new ThreatLedger(CONFIG);
        FileEvent down = Ev.file(1, Ev.flow(1, "10.0.0.5", "10.0.0.80", 80), "h", "/", "f", Ev.sha(1), false);
        FileEvent up = Ev.file(1, Ev.flow(1, "10.0.0.5", "10.0.0.80", 80), "h", "/", "f", Ev.sha(1), true);
        assertEquals("10.0.0.5", l.internalHost(Ev.malware(down, 1, "X", false)), "download: the client");
        assertEquals("10.0.0.80", l.internalHost(Ev.malware(up, 1, "X", false)), "upload between internal hosts: the server");
        AlertEvent rep = Ev.reputation(1, Ev.flow(1, "203.0.113.5", "10.0.0.80", 443), "drop.txt", "203.0.113.5", "ip", null);
        assertEquals("10.0.0.80", l.internalHost(rep), "an inbound connection from a listed address: the internal server");
    }
}
