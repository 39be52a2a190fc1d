package io.spanwatch.analyzer.reputation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reloads: a new snapshot swapped in whole, a broken feed keeping its old version, the watched folder. */
class IntelStoreTest {
    @TempDir
    Path dir;

    @Test
    void reloadSwapsAndKeepsTheOldVersionOfABrokenFeed() throws Exception {
        Path a = Feeds.write(dir, "a.txt", "198.51.100.7\n");
        Path b = Feeds.write(dir, "b.csv", "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"
                + "\"1\",\"2024-03-10 09:51:07\",\"http://evil.example/x\",\"online\",\"\",\"malware_download\",\"exe\",\"l\",\"r\"\n");
        List<IntelSnapshot[]> swaps = new CopyOnWriteArrayList<>();
        try (IntelStore store = IntelStore.open(IntelConfig.of(List.of(a, b), null, null), List.of())) {
            store.addListener((o, n) -> swaps.add(new IntelSnapshot[] {o, n}));
            IntelSnapshot first = store.snapshot();
            assertEquals(2, first.size());

            Feeds.write(dir, "a.txt", "198.51.100.7\n198.51.100.8\n");
            Files.write(b, new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0}); // truncated gzip: cannot be read at all
            assertTrue(store.reload());
            IntelSnapshot second = store.snapshot();
            assertEquals(1, swaps.size());
            assertSame(first, swaps.get(0)[0]);
            assertSame(second, swaps.get(0)[1]);
            assertEquals(1, second.matchIp("198.51.100.8", "d").size(), "the good feed's change is in force");
            assertEquals(1, second.matchUrl("http://evil.example/x", "u").size(), "the broken feed's previous version stays");
            assertEquals("malware_download", second.matchUrl("http://evil.example/x", "u").get(0).meta().threat());
            FeedReport br = second.feeds().get(1);
            assertNotNull(br.error());
            assertTrue(br.keptPrevious());
            assertEquals(1, first.matchIp("198.51.100.7", "d").size(), "an old snapshot is never changed");
            assertTrue(first.matchIp("198.51.100.8", "d").isEmpty());

            // Still broken at the next reload: the version kept is kept again.
            Feeds.write(dir, "a.txt", "198.51.100.9\n");
            assertTrue(store.reload());
            assertEquals(1, store.snapshot().matchUrl("http://evil.example/x", "u").size());
            assertTrue(store.snapshot().matchIp("198.51.100.7", "d").isEmpty(), "a line removed from a feed is gone");

            Files.delete(a);
            assertTrue(store.reload(), "a feed that disappeared keeps its version too");
            assertEquals(1, store.snapshot().matchIp("198.51.100.9", "d").size());
        }
    }

    @Test
    void aFolderThatCannotBeListedKeepsTheSnapshot() throws Exception {
        Path watched = Files.createDirectory(dir.resolve("feeds"));
        Feeds.write(watched, "a.txt", "evil.example\n");
        try (IntelStore store = IntelStore.open(IntelConfig.of(List.of(), null, watched), List.of())) {
            IntelSnapshot before = store.snapshot();
            Files.delete(watched.resolve("a.txt"));
            Files.delete(watched);
            assertFalse(store.reload());
            assertSame(before, store.snapshot());
            assertEquals(1, store.reloadFailures());
        }
    }

    @Test
    void theWatchedFolderIsReloadedAfterChanges() throws Exception {
        Path watched = Files.createDirectory(dir.resolve("watched"));
        Feeds.write(watched, "a.txt", "evil.example\n");
        Feeds.write(watched, "README.md", "notes.example is not a feed\n");
        IntelConfig c = IntelConfig.of(List.of(), null, watched).withDebounce(Duration.ofMillis(200));
        try (IntelStore store = IntelStore.open(c, List.of())) {
            store.startWatching();
            assertEquals(1, store.snapshot().size(), "README is not a feed");
            long v = store.snapshot().version();
            Feeds.write(watched, ".b.txt.part", "half");
            Feeds.write(watched, "b.txt", "c2.example\n");
            waitFor(() -> store.snapshot().matchHost("c2.example", "h").size() == 1);
            assertTrue(store.snapshot().version() > v);
            Files.delete(watched.resolve("a.txt"));
            waitFor(() -> store.snapshot().matchHost("evil.example", "h").isEmpty());
            Feeds.write(watched, "c.txt", "garbage that is no feed\n");
            waitFor(() -> store.snapshot().feeds().stream().anyMatch(r -> r.name().equals("c.txt")));
            FeedReport bad = store.snapshot().feeds().stream().filter(r -> r.name().equals("c.txt")).findFirst().orElseThrow();
            assertTrue(bad.error().contains("format not recognised"), bad.error());
            assertEquals(1, store.snapshot().matchHost("c2.example", "h").size(), "other feeds stay in force");
        }
    }

    static void waitFor(BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 600 && !condition.getAsBoolean(); i++) {
            Thread.sleep(50);
        }
        assertTrue(condition.getAsBoolean(), "condition not met within 30 s");
    }
}
