package io.spanwatch.sensor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppendFileTest {
    @TempDir
    Path dir;

    static byte[] line(int i) {
        return ("{\"n\":" + i + ",\"pad\":\"" + "x".repeat(300 + i % 97) + "\"}\n").getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aFileEndingInsideALineGetsALineEndBeforeNewRecords() throws Exception {
        Path f = dir.resolve("eve.json");
        Files.writeString(f, "{\"n\":1}\n{\"n\":2,\"cut");
        try (AppendFile a = AppendFile.open(f, 1024)) {
            assertTrue(a.endWith((byte) '\n'));
            assertFalse(a.endWith((byte) '\n'));
            a.write(line(3));
        }
        List<String> lines = Files.readAllLines(f);
        assertEquals(3, lines.size());
        assertEquals("{\"n\":2,\"cut", lines.get(1));
        assertTrue(lines.get(2).startsWith("{\"n\":3,"));
    }

    /**
     * A real full disk: a 64 KiB tmpfs of the test's own (root only, as CI runs). Writing runs into
     * ENOSPC part-way through a buffer; the file must hold whole lines only, every line either written
     * or counted as dropped, and once room is made the file goes on with whole lines.
     */
    @Test
    void aFullDiskLeavesWholeLinesOnlyAndWritingResumesWhenThereIsRoom() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "AppendFileTest: mounting a small tmpfs needs root");
        Path mnt = dir.resolve("small");
        Files.createDirectories(mnt);
        int rc = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt.toString()).inheritIO().start().waitFor();
        Assumptions.assumeTrue(rc == 0, "AppendFileTest: could not mount a tmpfs (not root?)");
        try {
            Path filler = mnt.resolve("filler");
            Files.write(filler, new byte[16 << 10]);
            Path f = mnt.resolve("eve.json");
            int failures = 0;
            int i = 0;
            try (AppendFile a = AppendFile.open(f, 4096)) {
                for (; i < 400; i++) {
                    try {
                        a.write(line(i));
                    } catch (IOException e) {
                        failures++;
                    }
                }
                try {
                    a.flush();
                } catch (IOException e) {
                    failures++;
                }
                assertTrue(failures > 0, "the disk never filled");
                long droppedWhileFull = a.droppedRecords();
                assertTrue(droppedWhileFull > 0);
                assertEquals(400, a.writtenRecords() + droppedWhileFull, "every record written or counted as dropped");
                assertWholeLines(f);

                Files.delete(filler); // room again
                for (int j = 0; j < 20; j++) {
                    a.write(line(1000 + j));
                }
                a.flush();
                assertEquals(droppedWhileFull, a.droppedRecords());
                assertEquals(420, a.writtenRecords() + a.droppedRecords());
            }
            List<Integer> seen = assertWholeLines(f);
            assertEquals(1019, seen.get(seen.size() - 1));
            for (int j = 1; j < seen.size(); j++) {
                assertTrue(seen.get(j) > seen.get(j - 1), "no line twice, none out of order: " + seen);
            }
        } finally {
            new ProcessBuilder("umount", mnt.toString()).inheritIO().start().waitFor();
        }
    }

    /** Checks every line of {@code f} is one whole record; returns their numbers. */
    static List<Integer> assertWholeLines(Path f) throws IOException {
        byte[] all = Files.readAllBytes(f);
        assertTrue(all.length == 0 || all[all.length - 1] == '\n', "the file ends with a whole line");
        List<Integer> seen = new ArrayList<>();
        for (String l : new String(all, StandardCharsets.US_ASCII).split("\n")) {
            if (l.isEmpty()) {
                continue;
            }
            assertTrue(l.startsWith("{\"n\":") && l.endsWith("\"}"), "a torn line: " + l);
            int n = Integer.parseInt(l.substring(5, l.indexOf(',')));
            assertEquals(new String(line(n), StandardCharsets.US_ASCII).strip(), l);
            seen.add(n);
        }
        return seen;
    }

    @Test
    void aRecordLargerThanTheBufferIsWrittenWhole() throws Exception {
        Path f = dir.resolve("big");
        try (AppendFile a = AppendFile.open(f, 64)) {
            a.write(line(1));
            a.write(line(2));
        }
        assertEquals(List.of(1, 2), assertWholeLines(f));
        assertThrows(IllegalArgumentException.class, () -> AppendFile.open(dir.resolve("x"), 0));
    }

    /**
     * A thread told to stop (interrupted) while it writes still writes its record, and the file stays
     * open for the next: the first version measured the file through a FileChannel, whose calls an
     * interrupt aborts by closing the descriptor, and a scan journal lost its last "done" mark that way.
     */
    @Test
    void anInterruptedWriterStillWritesAndTheFileStaysOpen() throws Exception {
        Path f = dir.resolve("interrupted");
        try (AppendFile a = AppendFile.open(f, 1024)) {
            a.endWith((byte) '\n');
            Thread.currentThread().interrupt();
            try {
                a.write(line(1));
                a.flush();
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is left for the caller");
            } finally {
                Thread.interrupted();
            }
            a.write(line(2));
        }
        assertEquals(List.of(1, 2), assertWholeLines(f));
    }
}
