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
 * kernel's scheduler should favour the capture thread. Java's thread priorities do nothing on Linux, and
 * raising a thread's priority needs privileges, but any thread may lower its own.
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
     * Raises the calling thread's nice value by {@code by} (capped at 19), so the scheduler prefers the
     * process's other threads when the cores are busy.
     *
     * @return whether it was changed
     */
    static boolean lowerCurrent(int by) {
        if (SETPRIORITY == null || by <= 0) {
            return false;
        }
        try {
            int tid = (int) GETTID.invokeExact();
            int now = (int) GETPRIORITY.invokeExact(PRIO_PROCESS, tid);
            return (int) SETPRIORITY.invokeExact(PRIO_PROCESS, tid, Math.min(19, now + by)) == 0;
        } catch (Throwable t) {
            return false;
        }
    }
}
