package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The live sensor's answer to a thread that dies and to a stop that does not end (the real sensor
 * under SIGTERM is {@code SensorLiveIT}'s): the capture is stopped once, the failure named once, and a
 * run still going after its grace is ended with status 1, naming where our threads are.
 */
class FatalStopTest {
    private final StringWriter text = new StringWriter();
    private final PrintWriter err = new PrintWriter(text, true);

    @Test
    void aThreadThatDiesStopsTheCaptureOnceAndIsNamed() throws Exception {
        AtomicInteger stops = new AtomicInteger();
        FatalStop f = new FatalStop(err, stops::incrementAndGet, TimeUnit.HOURS.toNanos(1), status -> { });
        assertNull(f.failure());
        for (int i = 0; i < 2; i++) {
            Thread t = new Thread(() -> {
                throw new OutOfMemoryError("Java heap space");
            }, "spanwatch-index");
            t.setUncaughtExceptionHandler(f.handler());
            t.start();
            t.join();
        }
        f.fatal("a packet worker", new IllegalStateException("later"));
        assertEquals(1, stops.get(), "stopped once");
        assertEquals("thread spanwatch-index failed: java.lang.OutOfMemoryError: Java heap space", f.failure());
        assertEquals(1, text.toString().lines().filter(l -> l.contains("failed")).count(), text.toString());
        assertTrue(text.toString().contains("exit status 1"), text.toString());
        f.finished();
    }

    @Test
    void aStopThatDoesNotEndInItsGraceEndsTheJvmWithStatus1AndSaysWhereOurThreadsWait() throws Exception {
        CountDownLatch halted = new CountDownLatch(1);
        AtomicInteger status = new AtomicInteger(-1);
        CountDownLatch release = new CountDownLatch(1);
        Thread stuck = new Thread(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "spanwatch-correlate");
        stuck.start();
        FatalStop f = new FatalStop(err, () -> { }, TimeUnit.MILLISECONDS.toNanos(200), s -> {
            status.set(s);
            halted.countDown();
        });
        f.stop();
        assertTrue(halted.await(60, TimeUnit.SECONDS), "the watchdog ended the run");
        assertEquals(1, status.get());
        String said = text.toString();
        assertTrue(said.contains("after being asked to stop"), said);
        assertTrue(said.contains("spanwatch-correlate WAITING in io.spanwatch.analyzer.cli.FatalStopTest"), said);
        release.countDown();
        stuck.join();
    }

    @Test
    void aRunThatEndsInItsGraceIsLeftAlone() throws Exception {
        AtomicInteger halts = new AtomicInteger();
        FatalStop f = new FatalStop(err, () -> { }, TimeUnit.MILLISECONDS.toNanos(300), s -> halts.incrementAndGet());
        f.stop();
        f.finished();
        Thread.sleep(600); // past the grace: nothing may happen
        assertEquals(0, halts.get());
        assertFalse(text.toString().contains("asked to stop"), text.toString());
    }
}
