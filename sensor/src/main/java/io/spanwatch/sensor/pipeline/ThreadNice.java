package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.libc.Libc;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Lowers the scheduling priority (raises the nice value) of the calling thread on Linux, through
 * {@code setpriority(PRIO_PROCESS, gettid(), nice)} bound with the foreign function API.
 *
 * <p>Why: capturing live, the capture thread does little per packet but must run as soon as the
 * kernel's ring has packets, or the ring overflows; the workers do the heavy work and have a queue of
 * hundreds of MiB in front of them. When the cores are busy (a traffic burst on a small sensor), the
 * kernel's scheduler should favour the capture thread. Java's thread priorities do nothing on Linux.
 * Any thread may lower its own priority (the workers do); raising it (the capture thread does) needs
 * root, {@code CAP_SYS_NICE} or a {@code RLIMIT_NICE} that allows it (the systemd unit sets
 * {@code LimitNICE=-10}), and without them the thread keeps its priority. Suricata does the same for
 * the threads it configures as high priority.
 */
final class ThreadNice {
    private static final int PRIO_PROCESS = 0;
    private static final MethodHandle GETTID;
    private static final MethodHandle SETPRIORITY;
    private static final MethodHandle GETPRIORITY;

    static {
        MethodHandle gettid = null;
        MethodHandle setpriority = null;
        MethodHandle getpriority = null;
        if (Libc.available()) {
            try {
                gettid = Libc.function("gettid", FunctionDescriptor.of(ValueLayout.JAVA_INT), false);
                setpriority = Libc.function("setpriority", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false);
                getpriority = Libc.function("getpriority", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT), false);
            } catch (RuntimeException | LinkageError e) {
                // an old libc without gettid(): threads keep the default priority
                gettid = null;
                setpriority = null;
                getpriority = null;
            }
        }
        GETTID = gettid;
        SETPRIORITY = setpriority;
        GETPRIORITY = getpriority;
    }

    private ThreadNice() {
    }

    /**
     * Lowers the calling thread's nice value by {@code by} (floored at -20), so the scheduler prefers it
     * to the other threads and processes of the machine when the cores are busy; needs root,
     * {@code CAP_SYS_NICE} or a {@code RLIMIT_NICE} that allows it.
     *
     * @return the thread's nice value afterwards (unchanged when not permitted), or 0 where it cannot
     *         be read (not Linux)
     */
    static int favourCurrent(int by) {
        int[] r = renice(-Math.max(0, by));
        return r == null ? 0 : r[1];
    }

    /**
     * Raises the calling thread's nice value by {@code by} (capped at 19), so the scheduler prefers the
     * process's other threads when the cores are busy.
     *
     * @return whether it was changed
     */
    static boolean lowerCurrent(int by) {
        int[] r = by > 0 ? renice(by) : null;
        return r != null && r[2] == 1;
    }

    /**
     * Moves the calling thread's nice value by {@code delta} (kept within -20 to 19; 0 only reads it).
     *
     * @return its value before and after (the same when refused) and 1 when {@code setpriority}
     *         succeeded, else 0; null where it cannot be read (not Linux)
     */
    private static int[] renice(int delta) {
        if (SETPRIORITY == null) {
            return null;
        }
        try {
            int tid = (int) GETTID.invokeExact();
            int now = (int) GETPRIORITY.invokeExact(PRIO_PROCESS, tid);
            if (delta == 0) {
                return new int[] {now, now, 0};
            }
            boolean set = (int) SETPRIORITY.invokeExact(PRIO_PROCESS, tid, Math.clamp(now + delta, -20, 19)) == 0; // EACCES unless permitted
            return new int[] {now, set ? (int) GETPRIORITY.invokeExact(PRIO_PROCESS, tid) : now, set ? 1 : 0};
        } catch (Throwable t) {
            return null;
        }
    }
}
