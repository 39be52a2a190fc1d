package io.spanwatch.analyzer.reputation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stage: each event checked, one alert per indicator per flow, the journal, and retro-hunts. */
class ReputationStageTest {
    private static final long DAY = 86_400_000_000L;
    private static final long T0 = Instant.parse("2024-03-11T06:13:41Z").toEpochMilli() * 1000;

    @TempDir
    Path dir;

    /** Collects retro hits. */
    private static final class Retro implements ReputationStage.RetroListener {
        final List<Observation> seen = new ArrayList<>();
        final List<IntelHit> hits = new ArrayList<>();

        @Override
        public synchronized void retroHit(Observation o, IntelHit h) {
            seen.add(o);
            hits.add(h);
        }
    }

    private static Observation http(long ts, long flow, String client, String server, String host, String url) {
        return Observation.http(ts, flow, "1:abc=", client, 49152, server, 80, host, -1, url);
    }

    @Test
    void everyFieldIsCheckedAndEachIndicatorAlertsOncePerFlow() throws Exception {
        Path feeds = Files.createDirectory(dir.resolve("feeds"));
        Feeds.write(feeds, "ip.txt", "198.19.77.14\n");
        Feeds.write(feeds, "dom.txt", "jquery-cdn.example\n");
        Feeds.write(feeds, "url.txt", "http://static.jquery-cdn.example/jquery-3.3.1.min.js\n");
        Feeds.write(feeds, "sha.txt", "70e1ceca5b21e23e77c3261f7ac9c829ca5440b00766e2bebc251340601e2db7\n");
        try (ReputationStage s = ReputationStage.start(IntelConfig.of(List.of(feeds), null, null), dir.resolve("intel"), new Retro())) {
            List<IntelHit> h = s.check(http(T0, 1, "198.18.1.21", "198.19.77.14", "static.jquery-cdn.example", "/jquery-3.3.1.min.js"));
            assertEquals(List.of("dest_ip", "http.hostname", "http.url"), h.stream().map(IntelHit::field).toList());
            assertTrue(s.check(http(T0 + 1, 1, "198.18.1.21", "198.19.77.14", "static.jquery-cdn.example", "/jquery-3.3.1.min.js")).isEmpty(),
                    "the same flow again: no new alert");
            assertEquals(3, s.check(http(T0 + 2, 2, "198.18.1.21", "198.19.77.14", "static.jquery-cdn.example", "/jquery-3.3.1.min.js")).size(),
                    "a new flow alerts again");
            Observation file = Observation.file(T0 + 3, 3, "1:def=", "198.19.9.9", 80, "198.18.1.38", 50000, false, "dl.example", -1,
                    "/a.exe", "44d88612fea8a8f36de82e1278abb02f", null, "70e1ceca5b21e23e77c3261f7ac9c829ca5440b00766e2bebc251340601e2db7");
            h = s.check(file);
            assertEquals(1, h.size());
            assertEquals("fileinfo.sha256", h.get(0).field());
            assertEquals(IndicatorType.SHA256, h.get(0).type());
            assertEquals("198.18.1.38", file.clientIp(), "a download's client is its dest");
            assertTrue(s.check(Observation.flow(T0 + 4, 4, "1:x=", "UDP", "198.18.1.10", 123, "198.19.30.30", 123)).isEmpty());
            Map<String, Long> st = s.stats();
            assertEquals(5, st.get("intel.observations"));
            assertEquals(10, st.get("intel.hits"));
            assertEquals(7, st.get("intel.alerts"));
            assertEquals(3, st.get("intel.dedup_suppressed"));
            assertEquals(4, st.get("intel.indicators"));
        }
    }

    @Test
    void anIndicatorThatArrivesLaterIsHuntedInTheJournal() throws Exception {
        Path feeds = Files.createDirectory(dir.resolve("feeds"));
        Feeds.write(feeds, "old.txt", "198.19.77.14\n");
        Retro retro = new Retro();
        IntelConfig c = IntelConfig.of(List.of(), null, feeds).withDebounce(Duration.ofMillis(100));
        try (ReputationStage s = ReputationStage.start(c, dir.resolve("intel"), retro)) {
            assertTrue(s.awaitRetro(30_000));
            assertTrue(retro.hits.isEmpty(), "nothing seen yet");
            s.check(http(T0 - 3 * DAY, 10, "198.18.1.39", "198.19.5.5", "sync.notes-cloud.example", "/poll"));
            s.check(http(T0 - 3 * DAY + 60_000_000, 10, "198.18.1.39", "198.19.5.5", "sync.notes-cloud.example", "/poll"));
            s.check(http(T0 - DAY, 11, "198.18.1.39", "198.19.5.5", "sync.notes-cloud.example", "/poll"));
            s.check(http(T0 - DAY, 12, "198.18.1.40", "198.19.6.6", "notes-cloud.example.org", "/"));
            List<IntelHit> live = s.check(http(T0, 13, "198.18.1.14", "198.19.77.14", "198.19.77.14", "/submit.php"));
            assertEquals(List.of("dest_ip"), live.stream().map(IntelHit::field).toList(), "dest_ip and the host literal: one indicator, one alert");

            Feeds.write(feeds, "new.txt", "sync.notes-cloud.example\n198.19.77.14\n");
            IntelStoreTest.waitFor(() -> s.snapshot().feeds().size() == 2);
            assertTrue(s.awaitRetro(30_000));
            synchronized (retro) {
                assertEquals(3, retro.hits.size(), retro.hits.toString());
                assertEquals(List.of(10L, 11L, 13L), retro.seen.stream().map(Observation::flowId).toList(), "one per flow, oldest day first");
                assertEquals(T0 - 3 * DAY, retro.seen.get(0).tsMicros(), "the original event time");
                assertEquals("198.18.1.39", retro.seen.get(0).clientIp());
                assertEquals("1:abc=", retro.seen.get(0).communityId());
                for (IntelHit h : retro.hits) {
                    assertTrue(h.retro());
                    assertEquals("new.txt", h.feed());
                }
                assertEquals("198.19.77.14", retro.hits.get(2).indicator());
            }
            assertEquals(3, s.stats().get("intel.retro_alerts"));
            assertEquals(1, s.stats().get("intel.retro_scans"));

            // Reloading the same indicators hunts nothing more.
            assertTrue(s.reload());
            assertTrue(s.awaitRetro(30_000));
            assertEquals(3, retro.hits.size());
        }
    }

    @Test
    void indicatorsAddedWhileStoppedAreHuntedAtStart() throws Exception {
        Path feeds = Files.createDirectory(dir.resolve("feeds"));
        Feeds.write(feeds, "a.txt", "first.example\n");
        Path state = dir.resolve("intel");
        Retro retro = new Retro();
        try (ReputationStage s = ReputationStage.start(IntelConfig.of(List.of(feeds), null, null), state, retro)) {
            assertEquals(1, s.check(http(T0, 1, "198.18.1.2", "198.19.1.1", "first.example", "/")).size());
            s.check(http(T0, 2, "198.18.1.3", "198.19.1.2", "second.example", "/"));
            assertTrue(s.awaitRetro(30_000));
        }
        Feeds.write(feeds, "b.txt", "second.example\n");
        try (ReputationStage s = ReputationStage.start(IntelConfig.of(List.of(feeds), null, null), state, retro)) {
            assertTrue(s.awaitRetro(30_000));
        }
        assertEquals(1, retro.hits.size(), "only the new indicator, not first.example again: " + retro.hits);
        assertEquals("second.example", retro.hits.get(0).indicator());
        assertEquals(2, retro.seen.get(0).flowId());
    }

    @Test
    void withoutAStateFolderThereIsNoJournal() throws Exception {
        Path f = Feeds.write(dir, "a.txt", "first.example\n");
        try (ReputationStage s = ReputationStage.start(IntelConfig.of(List.of(f), null, null), null, new Retro())) {
            assertEquals(1, s.check(http(T0, 1, "198.18.1.2", "198.19.1.1", "first.example", "/")).size());
            assertNull(s.stats().get("intel.journal_records"));
        }
    }

    @Test
    void journalKeepsRecordsWithinItsBounds() throws IOException {
        Path j = dir.resolve("journal");
        try (ObservationJournal journal = new ObservationJournal(j, 2, 400)) {
            Observation a = Observation.file(T0, 7, "1:zz=", "2001:db8::1", 80, "198.18.1.38", 50000, false, "dl.example", 8080,
                    "/a b.exe", "44d88612fea8a8f36de82e1278abb02f", "3395856ce81f2b7382dee72602f798b642f14140",
                    "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f");
            journal.append(a);
            List<Observation> back = new ArrayList<>();
            journal.scan(back::add);
            assertEquals(List.of(a), back, "a record reads back whole");
            journal.append(a);
            assertEquals(1, journal.duplicates(), "the same observable of the same flow is kept once");
            for (int i = 0; i < 10; i++) {
                journal.append(http(T0, 100 + i, "198.18.1.2", "198.19.1.1", "x.example", "/" + i));
            }
            assertTrue(journal.dropped() > 0, "the day's byte bound");
            long kept = journal.records();
            journal.append(http(T0 + 2 * DAY, 200, "198.18.1.2", "198.19.1.1", "x.example", "/new"));
            List<Observation> seen = new ArrayList<>();
            journal.scan(seen::add);
            assertEquals(1, seen.size(), "days older than the window are deleted: " + seen);
            journal.append(http(T0, 201, "198.18.1.2", "198.19.1.1", "x.example", "/late"));
            assertEquals(kept + 1, journal.records());
        }
        // A record cut short by a crash ends the file quietly.
        Path f;
        try (var files = Files.list(j)) {
            f = files.filter(p -> p.toString().endsWith(".jnl")).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(b, b.length + 3));
        Files.write(f, new byte[] {(byte) 0x80, 1, 5}, java.nio.file.StandardOpenOption.APPEND);
        try (ObservationJournal journal = new ObservationJournal(j, 2, 400)) {
            List<Observation> seen = new ArrayList<>();
            journal.scan(seen::add);
            assertEquals(1, seen.size());
        }
    }
}
