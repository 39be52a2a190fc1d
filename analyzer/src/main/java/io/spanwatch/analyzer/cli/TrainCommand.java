package io.spanwatch.analyzer.cli;

import io.spanwatch.sensor.capture.TrainingCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs the launcher's training workload for the JVM's ahead-of-time cache (JDK 25, JEP 483/515): the
 * demo (with its private clamd when clamd is installed, so the scan path is in the cache), then
 * {@code analyze} with the defaults on a larger made-up capture ({@link TrainingCapture}), long enough
 * for the JIT to compile the extraction paths, so the cache holds their profiles. Hidden: the
 * launcher runs it once per build.
 */
@Command(name = "train-cache", hidden = true, description = "Training workload for the launcher's start-up cache.")
public final class TrainCommand implements Callable<Integer> {
    /** Bytes of HTTP bodies in the training capture (measured: see the README, "Measured"). */
    static final long DEFAULT_TRAINING_BYTES = 150L << 20;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Scratch folder (filled, not cleaned).")
    Path out;

    @Option(names = "--bytes", paramLabel = "N", description = "Bytes of HTTP bodies in the training capture (default ${DEFAULT-VALUE}).")
    long bytes = DEFAULT_TRAINING_BYTES;

    @Override
    public Integer call() throws Exception {
        int status = Main.run("demo", "--out", out.resolve("demo").toString());
        if (status != 0) {
            return status;
        }
        Files.createDirectories(out);
        Path pcap = out.resolve("training.pcap");
        TrainingCapture.write(pcap, bytes);
        try {
            return Main.run("analyze", "--out", out.resolve("analyze").toString(), pcap.toString());
        } finally {
            Files.deleteIfExists(pcap);
        }
    }
}
