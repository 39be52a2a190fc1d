package io.spanwatch.sensor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EveWriterTest {
    @TempDir
    Path dir;

    static StatsEvent event(long n) {
        return new StatsEvent(1_700_000_000_000_000_000L + n, n, Map.of("test.n", n));
    }

    static List<Long> numbers(Path file) throws Exception {
        return Files.readAllLines(file).stream().map(l -> {
            int at = l.indexOf("\"n\":");
            assertTrue(at > 0, l);
            return Long.parseLong(l.substring(at + 4, l.indexOf('}', at)));
        }).toList();
    }

    @Test
    void reopenAfterTheFileWasMovedAwayWritesANewFileAndLosesNothing() throws Exception {
        // What logrotate does (rename, then SIGHUP to the sensor): every line before the reopen is in
        // the renamed file, every line after it in a new eve.json.
        Path eve = dir.resolve("eve.json");
        try (EveWriter w = EveWriter.open(eve, "t", true)) {
            w.accept(event(1));
            w.accept(event(2)); // still in the writer's buffer when the file is renamed
            Path rotated = dir.resolve("eve.json.1");
            Files.move(eve, rotated);
            assertNull(w.reopen());
            w.accept(event(3));
            w.flush();
            assertEquals(List.of(1L, 2L), numbers(rotated));
            assertEquals(List.of(3L), numbers(eve));
            assertEquals(1, w.reopens());
            assertEquals(0, w.writeErrors());
        }
        assertEquals(List.of(3L), numbers(eve));
    }

    @Test
    void aReopenThatCannotOpenThePathKeepsWritingToTheOpenFile() throws Exception {
        Path eve = dir.resolve("out").resolve("eve.json");
        try (EveWriter w = EveWriter.open(eve, "t", true)) {
            w.accept(event(1));
            Files.move(dir.resolve("out"), dir.resolve("moved")); // the folder itself is gone
            String failed = w.reopen();
            assertNotNull(failed);
            assertTrue(failed.contains(eve.toString()), failed);
            w.accept(event(2));
            w.flush();
            assertEquals(List.of(1L, 2L), numbers(dir.resolve("moved").resolve("eve.json")));
            assertEquals(0, w.reopens());
            assertEquals(0, w.writeErrors());
        }
    }

    @Test
    void aWriterOnAStreamHasNothingToReopen() throws Exception {
        try (EveWriter w = new EveWriter(new java.io.ByteArrayOutputStream(), "t", false)) {
            assertNotNull(w.reopen());
        }
    }
}
