package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.event.EveWriter;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.event.HttpInfo;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Error paths of the scan stage with a stand-in scanner; the real clamd is exercised in ClamdIT. */
class ScanStageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EICAR_SHA = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

    static FileEvent file(Path dir, String name, String sha) throws Exception {
        Path stored = dir.resolve(sha);
        Files.writeString(stored, name);
        FileInfo fi = new FileInfo(name, 10, "md5-" + name, "sha1-" + name, sha, "text/plain", "CLOSED", false, 0, true, sha, false,
                null, List.of(), -1, -1, -1, false, null);
        EventHeader h = new EventHeader(42, new int[0], "10.0.0.1", 40000, "10.0.0.2", 80, "TCP", true, 4, "1:x", "http", null);
        HttpInfo http = new HttpInfo(0, "h", -1, "/" + name, null, null, "GET", null, "HTTP/1.1", 200, 10, 0, null);
        return new FileEvent(1_700_000_000_000_000_000L, h, http, false, fi, stored);
    }

    static List<JsonNode> events(ByteArrayOutputStream out, EveWriter eve) throws Exception {
        eve.flush();
        List<JsonNode> list = new ArrayList<>();
        for (String l : out.toString().split("\n")) {
            if (!l.isBlank()) {
                list.add(JSON.readTree(l));
            }
        }
        return list;
    }

    static long count(List<JsonNode> ev, String type) {
        return ev.stream().filter(e -> type.equals(e.path("event_type").asText())).count();
    }

    @Test
    void verdictsGoIntoFileinfoAndInfectedFilesRaiseAnAlert(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EveWriter eve = new EveWriter(out, "t", false);
        ScanStage.FileScanner scanner = p -> p.getFileName().toString().equals(EICAR_SHA)
                ? new FileVerdict("clamd", "1.4.6", "1", "infected", List.of("SpanWatch.Test.EICAR-Body.UNOFFICIAL"), 3, null, false)
                : new FileVerdict("clamd", "1.4.6", "1", "clean", List.of(), 2, null, false);
        ScanStage s = ScanStage.start(eve, scanner, null, new ScanConfig(1, 1000, 1000), dir.resolve("scan"));
        s.fileClosed(file(dir, "eicar", EICAR_SHA));
        s.fileClosed(file(dir, "clean", "a".repeat(64)));
        s.fileClosed(file(dir, "eicar-again", EICAR_SHA));
        assertEquals(0, s.drain(10_000));
        s.close();
        List<JsonNode> ev = events(out, eve);
        assertEquals(3, count(ev, "fileinfo"));
        assertEquals(2, count(ev, "alert"));
        // The repeat may be answered from the verdict cache on the capture's thread before the scan thread
        // writes the first one's events, so the alerts come in either order.
        assertEquals(java.util.Set.of("/eicar", "/eicar-again"), ev.stream().filter(e -> "alert".equals(e.path("event_type").asText()))
                .map(e -> e.path("http").path("url").asText()).collect(java.util.stream.Collectors.toSet()));
        JsonNode alert = ev.stream().filter(e -> "alert".equals(e.path("event_type").asText())
                && "/eicar".equals(e.path("http").path("url").asText())).findFirst().orElseThrow();
        assertEquals("ClamAV SpanWatch.Test.EICAR-Body.UNOFFICIAL", alert.path("alert").path("signature").asText());
        assertEquals("1:x", alert.path("community_id").asText());
        assertEquals("infected", alert.path("fileinfo").path("verdict").path("result").asText());
        assertEquals(2, s.scanned.get(), "the repeat of the same content was not scanned again");
        assertEquals(1, s.cached.get());
    }

    @Test
    void withoutClamdFilesGetInterimVerdictsAndTheirFinalOnesLater(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EveWriter eve = new EveWriter(out, "t", false);
        AtomicBoolean up = new AtomicBoolean(false);
        AtomicInteger scans = new AtomicInteger();
        ScanStage.FileScanner scanner = p -> {
            if (!up.get()) {
                return new FileVerdict("clamd", null, null, "error", List.of(), 0, ScanStage.UNREACHABLE, false);
            }
            scans.incrementAndGet();
            return p.getFileName().toString().equals(EICAR_SHA)
                    ? new FileVerdict("clamd", "1.4.6", "1", "infected", List.of("Eicar-Test"), 3, null, false)
                    : new FileVerdict("clamd", "1.4.6", "1", "clean", List.of(), 2, null, false);
        };
        ScanStage.HashMatcher builtin = (md5, sha1, sha256, size) -> Optional.empty();
        ScanStage s = ScanStage.start(eve, scanner, builtin, new ScanConfig(2, 200, 10_000), dir.resolve("scan"));
        // While the scan threads retry, the count of files waiting never holds a file twice.
        AtomicInteger mostWaiting = new AtomicInteger();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().start(() -> {
            while (sampling.get()) {
                mostWaiting.accumulateAndGet(s.waiting(), Math::max);
            }
        });
        s.fileClosed(file(dir, "eicar", EICAR_SHA));
        s.fileClosed(file(dir, "clean", "b".repeat(64)));
        assertEquals(2, s.drain(10_000), "no clamd: both wait, each with an interim verdict written");
        Thread.sleep(300); // a few of the gate's retries
        sampling.set(false);
        sampler.join();
        assertEquals(2, mostWaiting.get(), "two files, never counted as more while they are retried");
        List<JsonNode> before = events(out, eve);
        assertEquals(2, count(before, "fileinfo"));
        assertTrue(before.stream().allMatch(e -> !"fileinfo".equals(e.path("event_type").asText())
                || e.path("fileinfo").path("verdict").path("interim").asBoolean()));
        up.set(true); // clamd is back
        assertEquals(0, s.awaitFinal(10_000));
        s.close();
        List<JsonNode> after = events(out, eve);
        assertEquals(2, count(after, "fileinfo"), "no file is reported twice");
        assertEquals(2, count(after, "verdict"), "each gets its final verdict once");
        assertEquals(1, count(after, "alert"), "the infected file raises its alert when clamd answers");
        assertEquals(2, scans.get(), "each file scanned once");
    }

    @Test
    void aFileIsScannedOncePerDatabaseVersionAlsoAcrossRuns(@TempDir Path dir) throws Exception {
        AtomicInteger scans = new AtomicInteger();
        String[] db = {"27000"};
        ScanStage.FileScanner scanner = p -> {
            scans.incrementAndGet();
            return new FileVerdict("clamd", "1.4.6", db[0], "clean", List.of(), 1, null, false);
        };
        ScanStage first = ScanStage.start(new EveWriter(new ByteArrayOutputStream(), "t", false), scanner, null,
                new ScanConfig(1, 1000, 1000), dir.resolve("scan"));
        first.fileClosed(file(dir, "a", "a".repeat(64)));
        first.awaitFinal(10_000);
        first.close();
        assertEquals(1, scans.get());

        ScanStage second = ScanStage.start(new EveWriter(new ByteArrayOutputStream(), "t", false), scanner, null,
                new ScanConfig(1, 1000, 1000).withRetroDays(0), dir.resolve("scan"));
        second.database("27000"); // what the wiring asks clamd (VERSION) at start
        second.fileClosed(file(dir, "a-again", "a".repeat(64)));
        second.awaitFinal(10_000);
        assertEquals(1, scans.get(), "the next run knew the verdict for this database version");
        db[0] = "27001"; // the signatures were updated
        second.fileClosed(file(dir, "b", "b".repeat(64)));
        second.awaitFinal(10_000);
        second.fileClosed(file(dir, "a-third", "a".repeat(64)));
        second.awaitFinal(10_000);
        second.close();
        assertEquals(3, scans.get(), "under a new database version the file is scanned again");
    }

    /**
     * Scan threads that die of an error (out of memory in the scanner): the drain stops waiting once
     * none is left (not after its 10 minutes), the stage names the failure, and the files wait in
     * the journal, scanned by the next run. The timeout only turns a wait into a failure.
     */
    @Test
    @org.junit.jupiter.api.Timeout(value = 120, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void deadScanThreadsEndTheDrainAndTheirFilesWaitForTheNextRun(@TempDir Path dir) throws Exception {
        AtomicInteger thrown = new AtomicInteger();
        ScanStage.FileScanner dying = p -> {
            thrown.incrementAndGet();
            throw new OutOfMemoryError("Java heap space (made by the test)");
        };
        ScanStage first = ScanStage.start(new EveWriter(new ByteArrayOutputStream(), "t", false), dying, null,
                new ScanConfig(2, 1000, 600_000), dir.resolve("scan"));
        first.clamdSeen(); // a drain would wait for a clamd that answered before
        for (int i = 0; i < 3; i++) {
            first.fileClosed(file(dir, "f" + i, String.valueOf((char) ('a' + i)).repeat(64)));
        }
        first.drain(600_000);
        Exception f = first.failure();
        assertEquals(2, thrown.get(), "each of the two threads died on its first file");
        org.junit.jupiter.api.Assertions.assertNotNull(f);
        assertTrue(f.getMessage().startsWith("scanning stopped: java.lang.OutOfMemoryError: Java heap space (made by the test); files not"
                + " scanned stay in " + dir.resolve("scan")), f.getMessage());
        first.close();

        AtomicInteger scans = new AtomicInteger();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EveWriter eve = new EveWriter(out, "t", false);
        ScanStage second = ScanStage.start(eve, p -> {
            scans.incrementAndGet();
            return new FileVerdict("clamd", "1.4.6", "27000", "clean", List.of(), 1, null, false);
        }, null, new ScanConfig(1, 1000, 10_000), dir.resolve("scan"));
        assertEquals(0, second.awaitFinal(10_000));
        org.junit.jupiter.api.Assertions.assertNull(second.failure());
        second.close();
        assertEquals(3, scans.get(), "the next run scanned the three files");
        List<JsonNode> ev = events(out, eve);
        assertEquals(3, count(ev, "fileinfo"), "each file reported once, by the run that scanned it");
        assertTrue(ev.stream().allMatch(e -> "clean".equals(e.path("fileinfo").path("verdict").path("result").asText())));
    }

    @Test
    void twoCopiesClosingAtOnceAreScannedOnceAndBothGetTheVerdict(@TempDir Path dir) throws Exception {
        AtomicInteger scans = new AtomicInteger();
        java.util.concurrent.CountDownLatch second = new java.util.concurrent.CountDownLatch(2);
        ScanStage.FileScanner scanner = p -> {
            scans.incrementAndGet();
            second.countDown();
            try {
                second.await(2, java.util.concurrent.TimeUnit.SECONDS); // give a second scan of the same content its chance
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new FileVerdict("clamd", "1.4.6", "27000", "clean", List.of(), 1, null, false);
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EveWriter eve = new EveWriter(out, "t", false);
        ScanStage s = ScanStage.start(eve, scanner, null, new ScanConfig(2, 1000, 1000), dir.resolve("scan"));
        s.fileClosed(file(dir, "one", "c".repeat(64)));
        s.fileClosed(file(dir, "two", "c".repeat(64)));
        assertEquals(0, s.awaitFinal(10_000));
        s.close();
        assertEquals(1, scans.get(), "the second scan thread waited for the first one's verdict");
        List<JsonNode> ev = events(out, eve);
        assertEquals(List.of("clean", "clean"), ev.stream().filter(e -> "fileinfo".equals(e.path("event_type").asText()))
                .map(e -> e.path("fileinfo").path("verdict").path("result").asText()).toList());
    }

    @Test
    void aQueueOverItsBudgetGivesUpTheFileThatWaitedLongest(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EveWriter eve = new EveWriter(out, "t", false);
        ScanStage.FileScanner down = p -> new FileVerdict("clamd", null, null, "error", List.of(), 0, ScanStage.UNREACHABLE, false);
        // each test file is 10 bytes: a budget of 25 bytes holds two
        ScanStage s = ScanStage.start(eve, down, null, new ScanConfig(1, 100, 1000, 3, 25), dir.resolve("scan"));
        for (int i = 0; i < 5; i++) {
            s.fileClosed(file(dir, "f" + i, Integer.toString(i).repeat(64)));
        }
        s.drain(2000);
        s.close();
        assertEquals(3, s.dropped.get());
        assertEquals(2, s.waiting());
        List<JsonNode> ev = events(out, eve);
        assertEquals(5, count(ev, "fileinfo") + count(ev, "verdict") - ev.stream().filter(e -> "verdict".equals(
                e.path("event_type").asText())).count(), "every file has its fileinfo");
        List<String> given = ev.stream().filter(e -> e.path("fileinfo").path("verdict").path("reason").asText().contains("over its budget"))
                .map(e -> e.path("http").path("url").asText()).toList();
        assertEquals(3, given.size(), given.toString());
        assertTrue(!given.contains("/f4"), "the newest file is never the one given up: " + given);
    }

    @Test
    void filesWaitingAtARestartAreScannedByTheNextRun(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out1 = new ByteArrayOutputStream();
        EveWriter eve1 = new EveWriter(out1, "t", false);
        ScanStage.FileScanner down = p -> new FileVerdict("clamd", null, null, "error", List.of(), 0, ScanStage.UNREACHABLE, false);
        ScanStage s1 = ScanStage.start(eve1, down, null, new ScanConfig(1, 100, 1000), dir.resolve("scan"));
        s1.fileClosed(file(dir, "eicar", EICAR_SHA));
        s1.drain(2000);
        s1.close();
        assertEquals(1, count(events(out1, eve1), "fileinfo"));

        ByteArrayOutputStream out2 = new ByteArrayOutputStream();
        EveWriter eve2 = new EveWriter(out2, "t", false);
        ScanStage.FileScanner upScanner = p -> new FileVerdict("clamd", "1.4.6", "1", "infected", List.of("Eicar-Test"), 1, null,
                false);
        ScanStage s2 = ScanStage.start(eve2, upScanner, null, ScanConfig.DEFAULTS, dir.resolve("scan"));
        assertEquals(0, s2.drain(10_000));
        s2.close();
        List<JsonNode> ev = events(out2, eve2);
        assertEquals(0, count(ev, "fileinfo"), "its fileinfo went out in the first run");
        assertEquals(1, count(ev, "verdict"));
        assertEquals(1, count(ev, "alert"));

        ScanStage s3 = ScanStage.start(new EveWriter(new ByteArrayOutputStream(), "t", false), upScanner, null,
                ScanConfig.DEFAULTS, dir.resolve("scan"));
        assertEquals(0, s3.waiting(), "nothing is scanned twice across restarts");
        s3.close();
    }

    static FileVerdict clean(String db) {
        return new FileVerdict("clamd", "1.4.6", db, "clean", List.of(), 1, null, false);
    }

    static final ScanStage.FileScanner DOWN = p -> new FileVerdict("clamd", null, null, "error", List.of(), 0, ScanStage.UNREACHABLE,
            false);

    static java.util.Map<String, Long> stats(ScanStage s) {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        s.addStats(m);
        return m;
    }

    @Test
    void whileClamdIsDownItIsTriedAtTheGatesPaceNotOncePerFile(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EveWriter eve = new EveWriter(out, "t", false);
        AtomicInteger tries = new AtomicInteger();
        AtomicBoolean up = new AtomicBoolean();
        ScanStage.FileScanner scanner = p -> {
            if (!up.get()) {
                tries.incrementAndGet();
                return DOWN.scan(p);
            }
            return clean("1");
        };
        ScanStage s = ScanStage.start(eve, scanner, null, new ScanConfig(4, 2_000, 1000), dir.resolve("scan"));
        long t0 = System.nanoTime();
        for (int i = 0; i < 200; i++) {
            s.fileClosed(file(dir, "f" + i, String.format("%064d", i)));
        }
        Thread.sleep(1500);
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        // The first try closes the gate; then one try per wait of 0.5 s, doubling: never one per file.
        assertTrue(tries.get() <= 4 + 2 * elapsedMs / ScanConfig.MIN_RETRY_DELAY_MILLIS,
                tries.get() + " tries in " + elapsedMs + " ms with 200 files waiting");
        java.util.Map<String, Long> m = stats(s);
        assertEquals(0L, m.get("scan.clamd_reachable"));
        assertTrue(m.get("scan.clamd_backoff_ms") >= ScanConfig.MIN_RETRY_DELAY_MILLIS, m.toString());
        assertEquals(1L, m.get("scan.clamd_outages"));
        List<JsonNode> interim = events(out, eve);
        assertEquals(200, count(interim, "fileinfo"), "every file has its fileinfo (interim) while clamd is down");
        up.set(true);
        s.clamdAnswered(); // what the pool's health check calls when clamd answers a ping again
        assertEquals(0, s.awaitFinal(10_000));
        assertEquals(0L, stats(s).get("scan.clamd_backoff_ms"));
        s.close();
        assertEquals(200, count(events(out, eve), "verdict"), "each file its final verdict once clamd is back");
    }

    @Test
    void aQueueLongerThanItsMemoryBudgetWaitsInTheJournal(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EveWriter eve = new EveWriter(out, "t", false);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger maxResident = new AtomicInteger();
        ScanStage[] stage = new ScanStage[1];
        ScanStage.FileScanner slow = p -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            maxResident.accumulateAndGet(stats(stage[0]).get("scan.queue_memory_entries").intValue(), Math::max);
            return clean("1");
        };
        ScanConfig cfg = new ScanConfig(2, 1000, 1000).withQueueMemory(1 << 20, 5);
        stage[0] = ScanStage.start(eve, slow, null, cfg, dir.resolve("scan"));
        for (int i = 0; i < 40; i++) {
            stage[0].fileClosed(file(dir, "f" + i, String.format("%064d", i)));
        }
        java.util.Map<String, Long> m = stats(stage[0]);
        assertEquals(5L, m.get("scan.queue_memory_entries"));
        assertEquals(35L, m.get("scan.queue_spilled"));
        assertEquals(40, stage[0].waiting());
        assertEquals(35, count(events(out, eve), "fileinfo"), "a file past the memory budget has its fileinfo at once");
        release.countDown();
        assertEquals(0, stage[0].awaitFinal(10_000));
        stage[0].close();
        assertTrue(maxResident.get() <= 5, "at most 5 in memory, saw " + maxResident.get());
        List<JsonNode> ev = events(out, eve);
        assertEquals(40, count(ev, "fileinfo"));
        assertEquals(35, count(ev, "verdict"), "the spilled files' final verdicts follow their interim fileinfo");
    }

    @Test
    void aJournalOfManyWaitingFilesIsReadBackWithinTheBudget(@TempDir Path dir) throws Exception {
        ScanStage first = ScanStage.start(new EveWriter(new ByteArrayOutputStream(), "t", false), DOWN, null,
                new ScanConfig(1, 1000, 1000), dir.resolve("scan"));
        first.clamdUnreachable();
        int n = 3000;
        for (int i = 0; i < n; i++) {
            first.fileClosed(file(dir, "f" + i, String.format("%064d", i)));
        }
        first.close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EveWriter eve = new EveWriter(out, "t", false);
        AtomicInteger scans = new AtomicInteger();
        ScanStage second = ScanStage.start(eve, p -> {
            scans.incrementAndGet();
            return clean("1");
        }, null, new ScanConfig(2, 1000, 1000).withQueueMemory(1 << 20, 50), dir.resolve("scan"));
        assertTrue(stats(second).get("scan.queue_memory_entries") <= 50, stats(second).toString());
        assertEquals(0, second.awaitFinal(30_000));
        second.close();
        assertEquals(n, scans.get());
        assertEquals(n, count(events(out, eve), "verdict"), "every file waited in the journal gets its final verdict");
        assertEquals(0, count(events(out, eve), "fileinfo"), "their fileinfo went out in the first run");
    }

    @Test
    void theDatabaseVersionIsClamdsNotTheLastOneWrittenDown(@TempDir Path dir) throws Exception {
        AtomicInteger scans = new AtomicInteger();
        String[] db = {"27000"};
        ScanStage.FileScanner scanner = p -> {
            scans.incrementAndGet();
            return clean(db[0]);
        };
        ScanConfig cfg = new ScanConfig(1, 1000, 1000).withRetroDays(0);
        ScanStage first = ScanStage.start(new EveWriter(new ByteArrayOutputStream(), "t", false), scanner, null, cfg, dir.resolve("scan"));
        first.database("27000");
        first.fileClosed(file(dir, "a", "a".repeat(64)));
        first.awaitFinal(10_000);
        first.close();
        db[0] = "27001"; // clamd was updated between the runs
        ScanStage second = ScanStage.start(new EveWriter(new ByteArrayOutputStream(), "t", false), scanner, null, cfg, dir.resolve("scan"));
        second.database("27001"); // VERSION at start
        second.fileClosed(file(dir, "a-again", "a".repeat(64)));
        second.awaitFinal(10_000);
        second.close();
        assertEquals(2, scans.get(), "a verdict of the old database is not reused");
    }

    @Test
    void aNewDatabaseRescansRecentFilesAndANewFindIsARetroAlert(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EveWriter eve = new EveWriter(out, "t", false);
        String[] db = {"100"};
        ScanStage.FileScanner scanner = p -> db[0].equals("101") && p.getFileName().toString().startsWith("b")
                ? new FileVerdict("clamd", "1.4.6", db[0], "infected", List.of("Win.Trojan.Late-1"), 1, null, false)
                : clean(db[0]);
        ScanStage s = ScanStage.start(eve, scanner, null, new ScanConfig(1, 1000, 1000), dir.resolve("scan"));
        s.database("100");
        s.fileClosed(file(dir, "a", "a".repeat(64)));
        s.fileClosed(file(dir, "b", "b".repeat(64)));
        assertEquals(0, s.awaitFinal(10_000));
        assertEquals(0, count(events(out, eve), "alert"));
        db[0] = "101";
        s.database("101"); // the periodic VERSION check sees the update
        for (int i = 0; i < 500 && s.retroScanned.get() < 2; i++) {
            Thread.sleep(20);
        }
        assertEquals(0, s.awaitFinal(10_000));
        s.close();
        assertEquals(2, s.retroQueued.get());
        assertEquals(2, s.retroScanned.get());
        List<JsonNode> alerts = events(out, eve).stream().filter(e -> "alert".equals(e.path("event_type").asText())).toList();
        assertEquals(1, alerts.size(), alerts.toString());
        JsonNode meta = alerts.get(0).path("alert").path("metadata");
        assertEquals("true", meta.path("retro").path(0).asText());
        assertEquals("101", meta.path("database_version").path(0).asText());
        assertEquals("100", meta.path("previous_database_version").path(0).asText());
        assertEquals("clean", meta.path("previous_result").path(0).asText());
        assertEquals(io.spanwatch.sensor.event.EveTime.format(1_700_000_000_000_000_000L), alerts.get(0).path("timestamp").asText(),
                "timed as the download it is about");
        assertTrue(alerts.get(0).path("retro").path("detected").asText().startsWith("20"), alerts.get(0).toString());
        assertTrue(alerts.get(0).path("retro").path("reason").asText().contains("database 101"), alerts.get(0).toString());
        assertEquals("/b", alerts.get(0).path("http").path("url").asText());
        assertEquals(1, alerts.get(0).path("alert").path("severity").asInt(), "a trojan");
        assertEquals("101", Files.readString(dir.resolve("scan").resolve(ScanStage.DATABASE_FILE)).strip());
    }

    @Test
    void aRetroScanReachesBackOnlyAsFarAsConfigured(@TempDir Path dir) throws Exception {
        Path scan = Files.createDirectories(dir.resolve("scan"));
        // Two files remembered clean under database 100: one seen 10 days ago, one yesterday.
        long now = System.currentTimeMillis();
        StringBuilder lines = new StringBuilder();
        for (String[] f : new String[][] {{"old", "c", "10"}, {"recent", "d", "1"}}) {
            FileEvent e = file(dir, f[0], f[1].repeat(64));
            VerdictCache.Remembered r = new VerdictCache.Remembered(f[1].repeat(64), clean("100"), now - Long.parseLong(f[2]) * 86_400_000L,
                    new VerdictCache.Sighting(e.tsNanos(), e.header(), e.http(), e.toServer(), e.info(), e.stored().toString()));
            lines.append(JSON.writeValueAsString(r)).append('\n');
        }
        Files.writeString(scan.resolve("verdicts.jsonl"), lines);
        Files.writeString(scan.resolve(ScanStage.DATABASE_FILE), "100\n");
        List<Path> scanned = java.util.Collections.synchronizedList(new ArrayList<>());
        ScanStage s = ScanStage.start(new EveWriter(new ByteArrayOutputStream(), "t", false), p -> {
            scanned.add(p.getFileName());
            return clean("101");
        }, null, new ScanConfig(1, 1000, 1000).withRetroDays(7), scan);
        s.database("101"); // at start: newer than the 100 this folder saw last
        for (int i = 0; i < 500 && s.retroScanned.get() < 1; i++) {
            Thread.sleep(20);
        }
        assertEquals(0, s.awaitFinal(10_000));
        s.close();
        assertEquals(List.of(Path.of("d".repeat(64))), scanned, "only the file seen within 7 days");
    }
}
