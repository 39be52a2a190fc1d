package io.spanwatch.sensor.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Checks that every fuzz target has its seeds checked in, small; {@code -Dfuzz.seeds=write} regenerates them. */
class FuzzSeedsTest {
    private static final Path RESOURCES = Path.of("src/test/resources");
    /** A seed should be a few KB, and all of them together well under a megabyte. */
    private static final long MAX_SEED_BYTES = 16 * 1024;
    private static final long MAX_TOTAL_BYTES = 512 * 1024;

    @Test
    @EnabledIfSystemProperty(named = "fuzz.seeds", matches = "write")
    void writeSeeds() throws IOException {
        for (FuzzSeeds.Target t : FuzzSeeds.ALL) {
            long n = FuzzSeeds.write(t, RESOURCES);
            System.out.println("FuzzSeedsTest: " + t.inputs(RESOURCES) + ": " + n + " bytes of seeds");
        }
    }

    @Test
    void everyTargetHasSmallSeeds() throws IOException {
        long total = 0;
        for (FuzzSeeds.Target t : FuzzSeeds.ALL) {
            Path dir = t.inputs(RESOURCES);
            assertTrue(Files.isDirectory(dir), dir + " is missing: run with -Dfuzz.seeds=write");
            List<Path> seeds;
            try (Stream<Path> s = Files.list(dir)) {
                seeds = s.filter(p -> p.getFileName().toString().startsWith("seed-")).toList();
            }
            assertFalse(seeds.isEmpty(), dir + " has no seeds: run with -Dfuzz.seeds=write");
            for (Path p : seeds) {
                long n = Files.size(p);
                assertTrue(n <= MAX_SEED_BYTES, p + " is " + n + " bytes");
                total += n;
            }
        }
        assertTrue(total <= MAX_TOTAL_BYTES, "seeds total " + total + " bytes");
    }
}
