package io.spanwatch.sensor.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PositionalReaderTest {
    @TempDir
    Path dir;

    @Test
    void isWhatLinuxReadsCaptureFilesWith() {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"), "not Linux");
        assertTrue(PositionalReader.available(), "pread through the FFM linker must be available on Linux");
    }

    @Test
    void readsAnyRangeThroughASmallerBufferAndSaysWhereTheFileEnds() throws IOException {
        assumeTrue(PositionalReader.available(), "native reads not available here");
        byte[] content = new byte[100_000];
        new Random(7).nextBytes(content);
        Path p = dir.resolve("data.bin");
        Files.write(p, content);
        try (Arena arena = Arena.ofConfined()) {
            PositionalReader r = PositionalReader.open(p, 4096, arena);
            byte[] into = new byte[content.length + 10];
            int at = 10;
            long offset = 0;
            while (true) {
                int got = r.read(offset, into, at, 70_000);
                if (got == 0) {
                    break;
                }
                assertTrue(got <= 4096, "one read is at most the buffer: " + got);
                offset += got;
                at += got;
            }
            assertEquals(content.length, offset);
            assertArrayEquals(content, Arrays.copyOfRange(into, 10, into.length));
            byte[] tail = new byte[8];
            assertEquals(5, r.read(content.length - 5, tail, 3, 8));
            assertArrayEquals(Arrays.copyOfRange(content, content.length - 5, content.length), Arrays.copyOfRange(tail, 3, 8));
            r.close();
            assertThrows(IOException.class, () -> r.read(0, tail, 0, 1));
        }
    }

    @Test
    void aFileThatCannotBeOpenedIsNamedWithTheReason() {
        assumeTrue(PositionalReader.available(), "native reads not available here");
        Path missing = dir.resolve("no-such.pcap");
        try (Arena arena = Arena.ofConfined()) {
            IOException e = assertThrows(IOException.class, () -> PositionalReader.open(missing, 4096, arena));
            assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("No such file"), e.getMessage());
        }
    }
}
