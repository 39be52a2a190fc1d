package io.spanwatch.sensor.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real {@code zstd} command (Debian package {@code zstd}) to make test bodies. Tests that
 * need it call {@link #require}, which skips them with a message when the command is missing.
 */
public final class ZstdCli {
    private static Boolean present;

    private ZstdCli() {
    }

    /** Tells whether {@code zstd} runs here. */
    public static synchronized boolean available() {
        if (present == null) {
            try {
                Process p = new ProcessBuilder("zstd", "--version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                present = p.waitFor() == 0;
            } catch (IOException e) {
                present = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                present = false;
            }
        }
        return present;
    }

    /** Skips the calling test, saying why, when {@code zstd} is not installed. */
    public static void require() {
        Assumptions.assumeTrue(available(), "zstd command not found: install the Debian package zstd (.ci/run does) to run this test");
    }

    /** Compresses {@code data} as a file (so the frame declares its content size) with the given options. */
    public static byte[] file(byte[] data, String... options) {
        try {
            Path f = Files.createTempFile("spanwatch-zstd", ".bin");
            try {
                Files.write(f, data);
                List<String> cmd = new ArrayList<>(List.of("zstd", "-q", "-c"));
                cmd.addAll(List.of(options));
                cmd.add(f.toString());
                return run(cmd, null);
            } finally {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Compresses {@code data} read from a pipe (no content size in the frame, the level's full window). */
    public static byte[] stream(byte[] data, String... options) {
        List<String> cmd = new ArrayList<>(List.of("zstd", "-q", "-c"));
        cmd.addAll(List.of(options));
        return run(cmd, data);
    }

    /** Decompresses with the command, or returns null when it refuses the input. */
    public static byte[] decompress(byte[] data) {
        try {
            return run(List.of("zstd", "-q", "-d", "-c", "--memory=2048MB"), data);
        } catch (AssertionError e) {
            return null;
        }
    }

    private static byte[] run(List<String> cmd, byte[] stdin) {
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try (OutputStream o = p.getOutputStream()) {
                    if (stdin != null) {
                        o.write(stdin);
                    }
                } catch (IOException e) {
                    // the command stopped reading (it refused the input): its exit status tells
                }
            });
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            writer.join();
            int rc = p.waitFor();
            if (rc != 0) {
                throw new AssertionError(cmd + " exited with " + rc);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
