package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ThreadNiceTest {

    /**
     * Tells whether this process may lower a thread's nice value to {@code target}: with
     * {@code CAP_SYS_NICE} in its effective set (root in a container often lacks it), or an
     * {@code RLIMIT_NICE} whose ceiling ({@code 20 - limit}) is at or below {@code target}. Being root is
     * not enough to know.
     */
    static boolean mayFavour(int target) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:") && (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << 23)) != 0) {
                    return true; // CAP_SYS_NICE
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max nice priority")) {
                    String soft = line.substring("Max nice priority".length()).strip().split("\\s+")[0];
                    return soft.equals("unlimited") || 20 - Integer.parseInt(soft) <= target;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /** Field 19 of /proc/thread-self/stat is the thread's nice value. */
    static int niceOfThisThread() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[16]); // fields counted from 3 after the command name
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code change} on a new thread and returns that thread's nice value before, its nice value
     * after, and what {@code change} returned; checks that the calling thread kept its own.
     */
    private static int[] onNewThread(IntSupplier change) throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/proc/thread-self/stat")), "needs Linux /proc");
        AtomicReference<int[]> seen = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        int mainBefore = niceOfThisThread();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                int before = niceOfThisThread();
                int returned = change.getAsInt();
                seen.set(new int[] {before, niceOfThisThread(), returned});
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        t.join();
        if (failed.get() != null) {
            throw new AssertionError(failed.get());
        }
        assertEquals(mainBefore, niceOfThisThread(), "other threads keep theirs");
        return seen.get();
    }

    @Test
    void lowersOnlyTheCallingThread() throws Exception {
        int[] s = onNewThread(() -> ThreadNice.lowerCurrent(3) ? 1 : 0);
        assertEquals(1, s[2], "setpriority succeeded");
        assertEquals(Math.min(19, s[0] + 3), s[1], "the thread's nice value went up by 3");
        int mainBefore = niceOfThisThread();
        assertFalse(ThreadNice.lowerCurrent(0), "0 changes nothing");
        assertTrue(niceOfThisThread() == mainBefore);
    }

    @Test
    void favoursOnlyTheCallingThreadWherePermitted() throws Exception {
        int[] s = onNewThread(() -> ThreadNice.favourCurrent(4));
        assertEquals(s[1], s[2], "it reports the thread's nice value afterwards");
        // Raising a priority needs CAP_SYS_NICE or an RLIMIT_NICE that allows it (CI runs as root with it).
        if (mayFavour(Math.max(-20, s[0] - 4))) {
            assertEquals(Math.max(-20, s[0] - 4), s[1], "permitted: the thread's nice value went down by 4");
        } else {
            assertEquals(s[0], s[1], "not permitted: unchanged");
        }
    }
}
