package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the deadlines against fake clamds that accept and never answer: the scan gives up, the
 * timeout is counted, and the interrupt really frees the exchange thread and closes the socket.
 * Bounds are generous (no exact durations): a scan must end well before the 30 s read default.
 */
class ClamdTimeoutTest {
    private static final ClamdClient.Options QUICK = ClamdClient.Options.defaults()
            .withConnectTimeout(Duration.ofMillis(200)).withReadTimeout(Duration.ofMillis(300));
    private static final long BOUND_MILLIS = 10_000;

    @TempDir
    Path tmp;

    @Test
    void silentTcpServerTimesOutAndFreesTheThread() throws Exception {
        try (FakeClamd fake = FakeClamd.tcp(FakeClamd.Mode.SILENT)) {
            checkSilent(fake);
        }
    }

    @Test
    void silentUnixServerTimesOutAndFreesTheThread() throws Exception {
        try (FakeClamd fake = FakeClamd.unix(FakeClamd.Mode.SILENT, tmp.resolve("silent.sock"))) {
            checkSilent(fake);
        }
    }

    private void checkSilent(FakeClamd fake) throws Exception {
        Path file = Files.write(tmp.resolve("f.bin"), new byte[100_000]);
        ClamdClient client = new ClamdClient(fake.address(), QUICK);
        try (ClamdPool pool = new ClamdPool(List.of(client))) {
            long t0 = System.nanoTime();
            Verdict v = pool.scan(file);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(Verdict.Result.ERROR, v.result(), v.toString());
            assertTrue(v.reason().contains("timed out"), v.reason());
            assertTrue(ms < BOUND_MILLIS, "scan took " + ms + " ms");
            assertEquals(1, pool.timeouts());
            assertEquals(1, pool.errors());
            assertTrue(fake.accepted.get() >= 1);
            // The interrupt closed the channel: the server sees EOF and the exchange thread is idle again.
            waitFor(() -> client.activeExchanges() == 0, "exchange thread still busy");
            waitFor(() -> fake.hungUp.get() == fake.accepted.get(), "connection left open");
            assertEquals(0, client.inFlight());
            // Timed out once: out of the pool, so the next scan answers at once.
            assertEquals(false, pool.health().getFirst().alive());
            long t1 = System.nanoTime();
            Verdict w = pool.scan(file);
            assertEquals(ClamdPool.NO_CLAMD, w.reason());
            assertTrue((System.nanoTime() - t1) / 1_000_000 < 1_000, "a dead pool must answer at once");
        }
    }

    @Test
    void pingAndVersionHaveDeadlinesToo() throws Exception {
        try (FakeClamd fake = FakeClamd.unix(FakeClamd.Mode.SILENT, tmp.resolve("silent2.sock"));
                ClamdClient client = new ClamdClient(fake.address(), QUICK)) {
            assertEquals(ClamdException.Kind.TIMEOUT, assertThrows(ClamdException.class, client::ping).kind());
            assertEquals(ClamdException.Kind.TIMEOUT, assertThrows(ClamdException.class, client::version).kind());
            waitFor(() -> client.activeExchanges() == 0, "exchange thread still busy");
        }
    }

    @Test
    void manySilentScansNeverHoldMoreThreadsThanSlots() throws Exception {
        Path file = Files.write(tmp.resolve("g.bin"), new byte[10]);
        try (FakeClamd fake = FakeClamd.tcp(FakeClamd.Mode.SILENT);
                ClamdClient client = new ClamdClient(fake.address(), QUICK.withMaxInFlight(2))) {
            for (int i = 0; i < 5; i++) {
                IOException e = assertThrows(IOException.class, () -> client.scanOrThrow(file));
                assertTrue(e instanceof ClamdException ce && ce.kind() == ClamdException.Kind.TIMEOUT, e.toString());
                assertTrue(client.activeExchanges() <= 3, "threads: " + client.activeExchanges());
            }
            waitFor(() -> client.activeExchanges() == 0, "exchange threads still busy");
        }
    }

    static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND_MILLIS * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " after " + BOUND_MILLIS + " ms");
            }
            Thread.sleep(20);
        }
    }
}
