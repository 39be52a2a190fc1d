package io.spanwatch.analyzer.live;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code ./spanwatch sensor} (or another long-running command: {@link #console}) for a live
 * test: starts the launcher with the given arguments, keeps its output, waits until it says it is
 * capturing (serving), and stops it with SIGTERM.
 */
final class LiveSensor {
    final Process process;
    final List<String> log = new ArrayList<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final Thread reader;

    LiveSensor(List<String> args) throws IOException {
        this("sensor", args, "capturing on");
    }

    /** Runs {@code ./spanwatch console ARGS}, ready once it says where it serves. */
    static LiveSensor console(List<String> args) throws IOException {
        return new LiveSensor("console", args, "console: http");
    }

    private LiveSensor(String command, List<String> args, String readyText) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(SensorLiveIT.repoRoot().resolve("spanwatch").toString());
        cmd.add(command);
        cmd.addAll(args);
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        reader = new Thread(() -> {
            try (BufferedReader br = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = br.readLine()) != null; ) {
                    synchronized (log) {
                        log.add(line);
                    }
                    if (line.contains(readyText)) {
                        ready.countDown();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        reader.start();
    }

    /** Waits (at most two minutes, a first start builds the distribution) until the sensor captures. */
    boolean awaitCapturing() throws InterruptedException {
        return ready.await(120, TimeUnit.SECONDS);
    }

    /** Sends SIGTERM to the JVM under the launcher and waits for it; returns whether it stopped. */
    boolean stop() throws InterruptedException {
        process.toHandle().descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        boolean done = process.waitFor(60, TimeUnit.SECONDS);
        reader.join(5000);
        return done;
    }

    /** Returns what the sensor printed so far. */
    String output() {
        synchronized (log) {
            return String.join("\n", log);
        }
    }
}
