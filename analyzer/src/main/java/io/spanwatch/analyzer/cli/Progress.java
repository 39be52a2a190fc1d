package io.spanwatch.analyzer.cli;

import io.spanwatch.sensor.libc.Libc;
import java.io.PrintWriter;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Shows {@code analyze}'s progress on one line of a terminal, redrawn twice a second: the capture
 * being read, bytes read of all captures, rate, files so far and time left; then, while verdicts are
 * still to come, the files waiting for clamd. Like curl and rsync it stays quiet unless both stdout
 * and stderr are terminals ({@code isatty}), so logs and pipes get only the summary; {@code --progress}
 * and {@code --no-progress} override that. The line is cleared before the summary is printed.
 *
 * <p>Threads: one daemon thread draws; the capture thread only sets the volatile fields.
 */
final class Progress implements AutoCloseable {
    private static final long INTERVAL_MILLIS = 500;
    private static final MethodHandle ISATTY = isattyHandle();

    private final PrintWriter err;
    private final long totalBytes;
    private final int captures;
    private final Supplier<Map<String, Long>> stats;
    private final long t0 = System.nanoTime();
    private final Thread thread;
    private volatile boolean stopped;
    /** The capture now read, set in one write so that a redraw never mixes two captures' figures. */
    private record Current(int index, String name, long doneBefore, LongSupplier bytesRead) {
    }

    private volatile Current current = new Current(0, "", 0, () -> 0);
    private volatile boolean draining;
    private int lastLength;

    private Progress(PrintWriter err, long totalBytes, int captures, Supplier<Map<String, Long>> stats) {
        this.err = err;
        this.totalBytes = totalBytes < 0 ? -1 : Math.max(1, totalBytes);
        this.captures = captures;
        this.stats = stats;
        this.thread = Thread.ofPlatform().name("spanwatch-progress").daemon(true).unstarted(this::loop);
    }

    /** Tells whether the process writes to a terminal on both stdout and stderr. */
    static boolean onTerminal() {
        return isatty(1) && isatty(2);
    }

    /**
     * Starts drawing when {@code show} (or, when null, when on a terminal); otherwise returns an
     * instance that draws nothing.
     */
    static Progress start(Boolean show, PrintWriter err, long totalBytes, int captures, Supplier<Map<String, Long>> stats) {
        Progress p = new Progress(err, totalBytes, captures, stats);
        if (show != null ? show : onTerminal()) {
            p.thread.start();
        }
        return p;
    }

    /** Names the capture now read ({@code index} from 0) and how to learn its bytes read so far. */
    void capture(int index, String name, long doneBefore, LongSupplier bytesRead) {
        this.current = new Current(index, name, doneBefore, bytesRead);
    }

    /** Says every capture was read: from now on the line shows the verdicts still to come. */
    void draining() {
        draining = true;
    }

    /** Prints a line of its own on stderr (a warning), clearing the progress line first. */
    synchronized void println(String text) {
        if (lastLength > 0) {
            err.print("\r" + " ".repeat(lastLength) + "\r");
            lastLength = 0;
        }
        err.println(text);
        err.flush();
    }

    /** Stops drawing and clears the line. */
    @Override
    public void close() {
        stopped = true;
        if (thread.isAlive()) {
            thread.interrupt();
            try {
                thread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                err.print("\r" + " ".repeat(lastLength) + "\r");
                err.flush();
            }
        }
    }

    private void loop() {
        while (!stopped) {
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            String line = line();
            synchronized (this) {
                if (stopped) {
                    return;
                }
                err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
                err.flush();
                lastLength = line.length();
            }
        }
    }

    /** Returns the line to show now. */
    String line() {
        Map<String, Long> m = stats.get();
        long files = m.getOrDefault("file.total", 0L);
        double secs = Math.max(1e-3, (System.nanoTime() - t0) / 1e9);
        if (draining) {
            long waiting = m.getOrDefault("scan.waiting", 0L);
            return String.format(Locale.ROOT, "all captures read, %d files; waiting for clamd's verdicts on %d of them (%s)", files, waiting,
                    clock(secs));
        }
        Current c = current;
        String name = c.name();
        long doneBefore = c.doneBefore();
        String prefix = captures > 1 ? "[" + (c.index() + 1) + "/" + captures + "] " : "";
        if (totalBytes < 0) { // a pipe or standard input among the captures: how much is not known
            long read = doneBefore + c.bytesRead().getAsLong();
            return String.format(Locale.ROOT, "%s%s: %d MB read, %.0f MB/s, %d files", prefix, name, read / 1_000_000, read / secs / 1e6,
                    files);
        }
        long read = Math.min(totalBytes, doneBefore + c.bytesRead().getAsLong());
        double rate = read / secs;
        String left = rate > 0 ? clock((totalBytes - read) / rate) + " left" : "";
        return String.format(Locale.ROOT, "%s%s: %d of %d MB (%d%%), %.0f MB/s, %d files, %s", prefix, name, read / 1_000_000,
                totalBytes / 1_000_000, read * 100 / totalBytes, rate / 1e6, files, left);
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private static boolean isatty(int fd) {
        if (ISATTY == null) {
            return System.console() != null && System.console().isTerminal();
        }
        try {
            return (int) ISATTY.invokeExact(fd) == 1;
        } catch (Throwable t) {
            return false;
        }
    }

    private static MethodHandle isattyHandle() {
        if (!Libc.available()) {
            return null; // not Linux, or native access denied: the JDK's console check
        }
        try {
            return Libc.function("isatty", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false);
        } catch (RuntimeException | LinkageError e) {
            return null; // no isatty in this C library: the JDK's console check
        }
    }
}
