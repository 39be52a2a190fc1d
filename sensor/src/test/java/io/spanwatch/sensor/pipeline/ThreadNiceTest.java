package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ThreadNiceTest {

    /** Field 19 of /proc/thread-self/stat is the thread's nice value. */
    private static int niceOfThisThread() throws Exception {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(f[16]); // fields counted from 3 after the command name
    }

    @Test
    void lowersOnlyTheCallingThread() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/proc/thread-self/stat")), "needs Linux /proc");
        AtomicReference<int[]> seen = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        int mainBefore = niceOfThisThread();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                int before = niceOfThisThread();
                boolean changed = ThreadNice.lowerCurrent(3);
                seen.set(new int[] {before, niceOfThisThread(), changed ? 1 : 0});
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        t.join();
        if (failed.get() != null) {
            throw new AssertionError(failed.get());
        }
        int[] s = seen.get();
        assertEquals(1, s[2], "setpriority succeeded");
        assertEquals(Math.min(19, s[0] + 3), s[1], "the thread's nice value went up by 3");
        assertEquals(mainBefore, niceOfThisThread(), "other threads keep theirs");
        assertFalse(ThreadNice.lowerCurrent(0), "0 changes nothing");
        assertTrue(niceOfThisThread() == mainBefore);
    }
}
