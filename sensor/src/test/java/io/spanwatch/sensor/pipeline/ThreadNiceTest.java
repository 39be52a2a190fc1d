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

    /** Field 19 of /proc/thread-self/stat is the thread's nice value. */
    private static int niceOfThisThread() {
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
        // Raising a priority needs root (CAP_SYS_NICE) or RLIMIT_NICE; tests run as root in CI.
        if ("root".equals(System.getProperty("user.name"))) {
            assertEquals(Math.max(-20, s[0] - 4), s[1], "root: the thread's nice value went down by 4");
        } else {
            assertTrue(s[1] <= s[0], "not root: unchanged, or lowered as far as RLIMIT_NICE allows");
        }
    }
}
