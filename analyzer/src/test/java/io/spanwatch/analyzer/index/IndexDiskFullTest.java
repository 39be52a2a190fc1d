package io.spanwatch.analyzer.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live index on a disk that fills up and then has room again (a tmpfs of the test's own; root only,
 * as CI runs): the day whose writer Lucene closed after the failed write is opened again from its last
 * commit, and the events after the disk had room are in the index. Before, the day refused every event
 * for the rest of the run.
 */
class IndexDiskFullTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-12T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    static List<EveEvent> downloads(int from, int n) {
        long t0 = TestEvents.nanos("2026-03-11T06:00:00Z");
        List<EveEvent> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            out.addAll(TestEvents.download(1000 + i, t0 + i * 1_000_000_000L, "10.20.0." + (i % 200 + 1), "203.0.113." + (i % 7 + 1),
                    80, "host" + i + ".example", "/files/f" + i + "/" + "p".repeat(i % 300) + ".txt", "Mozilla/5.0 test " + i,
                    "f" + i + ".bin", 1000L * i, String.format("%064x", i * 7919L), false));
        }
        return out;
    }

    @Test
    void aDayWhoseWriterFailedOnAFullDiskIsOpenedAgainAndTakesEventsOnceThereIsRoom() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "IndexDiskFullTest: mounting a small tmpfs needs root");
        Path mnt = dir.resolve("small");
        Files.createDirectories(mnt);
        int rc = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt.toString()).inheritIO().start().waitFor();
        Assumptions.assumeTrue(rc == 0, "IndexDiskFullTest: could not mount a tmpfs");
        try {
            Path index = mnt.resolve("index");
            IndexConfig config = new IndexConfig(true, 100_000, IndexConfig.DEFAULT_RETENTION, IndexConfig.DEFAULT_MAX_BYTES, 1,
                    Duration.ofMillis(50), IndexConfig.DEFAULT_MAX_FIELDS, IndexConfig.DEFAULT_MAX_OPEN_DAYS,
                    IndexConfig.DEFAULT_IMPORT_OPEN_DAYS);
            IndexStage stage = IndexStage.start(index, config, new EveRenderer(TestEvents.SENSOR, true), true, CLOCK);
            // All but 96 KiB taken, then far more events than that holds.
            long free = Files.getFileStore(mnt).getUsableSpace();
            Path filler = mnt.resolve("filler");
            Files.write(filler, new byte[(int) (free - (96 << 10))]);
            for (EveEvent e : downloads(0, 3000)) {
                stage.onEvent(e);
            }
            stage.drain();
            Thread.sleep(300); // a commit or two fail on the full disk
            long errorsWhileFull = stage.counters().errors.get();
            assertTrue(errorsWhileFull > 0, "the disk never filled");

            Files.delete(filler); // room again
            List<EveEvent> later = downloads(5000, 200);
            for (EveEvent e : later) {
                stage.onEvent(e);
            }
            stage.drain();
            stage.close();
            System.out.println("IndexDiskFullTest: errors " + stage.counters().errors.get() + ", writer failures "
                    + stage.counters().writerFailures.get() + ", indexed " + stage.counters().indexed.get());
            assertTrue(stage.counters().writerFailures.get() >= 1, "the failed day was opened again");
            assertEquals(errorsWhileFull, stage.counters().errors.get(), "no event failed once there was room");
            try (DirectoryReader r = DirectoryReader.open(FSDirectory.open(index.resolve("2026-03-11")))) {
                assertTrue(r.numDocs() >= later.size(), "the events after the disk had room are in the index: " + r.numDocs());
            }
        } finally {
            new ProcessBuilder("umount", mnt.toString()).inheritIO().start().waitFor();
        }
    }
}
