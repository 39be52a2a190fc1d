package io.spanwatch.analyzer.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Stops a live sensor whose part died, and ends one that cannot stop.
 *
 * <p>A stage thread that dies (out of memory, or a bug no stage caught) leaves a sensor that
 * captures and analyses nothing, or one whose shutdown waits for the dead thread forever: a soak on
 * 2026-12-04 ran a 512 MiB sensor out of memory, after which it went on running and SIGTERM no longer
 * stopped it. So any throwable a thread lets go of ({@link #handler}), and an error a packet worker
 * met ({@link #fatal}), stop the capture as SIGTERM does: what is buffered is written, and the run
 * ends with exit status 1, which systemd's {@code Restart=on-failure} answers with a fresh start.
 * Zeek's and Suricata's supervisors do the same for a crashed process.
 *
 * <p>Once the sensor was asked to stop (a signal or a fatal error), a watchdog gives it
 * {@value #GRACE_SECONDS} s (systemd's {@code TimeoutStopSec} is 60 s) and then ends the JVM with
 * status 1, naming the SpanWatch threads still running and where, instead of hanging until SIGKILL.
 * The watchdog thread is started with this object, so arming it allocates nothing: after an
 * {@link OutOfMemoryError} a new thread may not be had.
 */
final class FatalStop {
    /** Seconds between the request to stop and ending the JVM when the sensor has not stopped. */
    static final long GRACE_SECONDS = 50;
    /** What the watchdog says when it cannot build the message that names the threads. */
    private static final String STUCK = "spanwatch: still running after being asked to stop (out of memory); exiting without writing what is still buffered";

    private final PrintWriter err;
    private final Runnable stopCapture;
    private final long graceNanos;
    private final IntConsumer halt;
    private final AtomicBoolean failed = new AtomicBoolean();
    private final AtomicReference<String> fatal = new AtomicReference<>();
    /** Made once, here: a handler made on use would need memory. */
    private final Thread.UncaughtExceptionHandler handler = (t, e) -> fatal(t, null, e);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch armed = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);

    /** Stops through {@code stopCapture}; after {@link #GRACE_SECONDS} ends the JVM ({@link Runtime#halt}). */
    FatalStop(PrintWriter err, Runnable stopCapture) {
        this(err, stopCapture, TimeUnit.SECONDS.toNanos(GRACE_SECONDS), status -> Runtime.getRuntime().halt(status));
    }

    FatalStop(PrintWriter err, Runnable stopCapture, long graceNanos, IntConsumer halt) {
        this.err = err;
        this.stopCapture = stopCapture;
        this.graceNanos = graceNanos;
        this.halt = halt;
        Thread watchdog = new Thread(this::watch, "spanwatch-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** Stops the capture (SIGINT, SIGTERM) and arms the watchdog. */
    void stop() {
        try {
            stopCapture.run();
        } finally {
            if (stopping.compareAndSet(false, true)) {
                armed.countDown();
            }
        }
    }

    /** Takes a fatal failure of {@code what}: stops, then names it, once. */
    void fatal(String what, Throwable e) {
        fatal(null, what, e);
    }

    /**
     * Stops before anything else, allocating nothing: after an {@link OutOfMemoryError} building the
     * message can fail (a soak saw the JVM report an error thrown from the handler itself), and the
     * capture must stop all the same.
     */
    private void fatal(Thread t, String what, Throwable e) {
        if (!failed.compareAndSet(false, true)) {
            return;
        }
        stop();
        try {
            fatal.set((t != null ? "thread " + t.getName() : what) + " failed: " + e);
            err.println("spanwatch: " + fatal.get() + "; stopping (exit status 1, so that a supervisor starts the sensor again)");
            err.flush();
        } catch (Throwable ignored) {
            // the message is lost (failure() says so); the exit status still tells
        }
    }

    /** The handler for every thread's uncaught throwable: a fatal failure of that thread. */
    Thread.UncaughtExceptionHandler handler() {
        return handler;
    }

    /** The first fatal failure, or null. */
    String failure() {
        String f = fatal.get();
        return f != null || !failed.get() ? f : "a thread (it could not be named: out of memory)";
    }

    /** Tells the watchdog that the run ended. */
    void finished() {
        finished.countDown();
    }

    private void watch() {
        try {
            armed.await();
            if (finished.await(graceNanos, TimeUnit.NANOSECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            return;
        }
        try {
            err.println("spanwatch: still running " + TimeUnit.NANOSECONDS.toSeconds(graceNanos) + " s after being asked to stop ("
                    + stuck() + "); exiting without writing what is still buffered");
            err.flush();
        } catch (Throwable e) {
            try {
                err.println(STUCK); // out of memory: at least the fixed line
                err.flush();
            } catch (Throwable ignored) {
                // nothing more can be said
            }
        } finally {
            halt.accept(1);
        }
    }

    /** The SpanWatch threads still alive, each with its state and the frame it is in. */
    static String stuck() {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            boolean ours = t.getName().startsWith("spanwatch-") || t.getName().equals("main");
            if (!ours || t == Thread.currentThread()) {
                continue;
            }
            b.append(b.isEmpty() ? "" : "; ").append(t.getName()).append(' ').append(t.getState());
            StackTraceElement ownFrame = null;
            for (StackTraceElement f : e.getValue()) {
                if (f.getClassName().startsWith("io.spanwatch.")) {
                    ownFrame = f; // where our code waits, rather than the JDK's park or read
                    break;
                }
            }
            if (ownFrame != null) {
                b.append(" in ").append(ownFrame.getClassName()).append('.').append(ownFrame.getMethodName()).append(':')
                        .append(ownFrame.getLineNumber());
            }
        }
        return b.isEmpty() ? "no SpanWatch thread left" : b.toString();
    }
}
