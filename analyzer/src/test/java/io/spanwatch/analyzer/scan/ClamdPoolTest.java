package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks that the pool moves past a dead endpoint, answers at once when all are dead, and takes one back. */
class ClamdPoolTest {
    private static final ClamdClient.Options QUICK = ClamdClient.Options.defaults()
            .withConnectTimeout(Duration.ofMillis(500)).withReadTimeout(Duration.ofSeconds(5));

    @TempDir
    Path tmp;

    /** Returns a loopback TCP address that nothing listens on (connections are refused). */
    static ClamdAddress refusedTcp() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return ClamdAddress.tcp("127.0.0.1", s.getLocalPort());
        }
    }

    @Test
    void deadEndpointIsSkippedAndEveryScanSucceeds() throws Exception {
        Path file = Files.write(tmp.resolve("f.bin"), new byte[5000]);
        ClamdAddress dead = refusedTcp();
        try (FakeClamd good = FakeClamd.tcp(FakeClamd.Mode.CLEAN);
                ClamdPool pool = new ClamdPool(List.of(dead, good.address()), QUICK)) {
            for (int i = 0; i < 6; i++) {
                Verdict v = pool.scan(file);
                assertEquals(Verdict.Result.CLEAN, v.result(), v.toString());
                assertEquals(good.address().toString(), v.endpoint());
                assertEquals("1.4.6", v.engineVersion());
                assertEquals("27480", v.databaseVersion());
                assertEquals("Mon Nov 24 09:25:02 2025", v.databaseDate());
            }
            assertEquals(6, good.instreams.get());
            assertEquals(6, pool.scans());
            assertEquals(0, pool.errors());
            assertEquals(30_000, pool.bytes());
            ClamdPool.Health h = pool.health().getFirst();
            assertFalse(h.alive());
            assertNotNull(h.lastError());
            assertTrue(pool.health().get(1).alive());
        }
    }

    @Test
    void scansAreSpreadOverLiveEndpoints() throws Exception {
        Path file = Files.write(tmp.resolve("f.bin"), new byte[10]);
        try (FakeClamd a = FakeClamd.tcp(FakeClamd.Mode.CLEAN);
                FakeClamd b = FakeClamd.unix(FakeClamd.Mode.CLEAN, tmp.resolve("b.sock"));
                ClamdPool pool = new ClamdPool(List.of(a.address(), b.address()), QUICK)) {
            for (int i = 0; i < 10; i++) {
                assertEquals(Verdict.Result.CLEAN, pool.scan(file).result());
            }
            assertEquals(5, a.instreams.get());
            assertEquals(5, b.instreams.get());
        }
    }

    @Test
    void allDeadAnswersAtOnceThenRecoversAfterBackoff() throws Exception {
        Path file = Files.write(tmp.resolve("f.bin"), new byte[10]);
        Path sock = tmp.resolve("late.sock");
        try (ClamdPool pool = new ClamdPool(List.of(ClamdAddress.unix(sock)), QUICK)) {
            Verdict first = pool.scan(file);
            assertEquals(Verdict.Result.ERROR, first.result());
            assertTrue(first.reason().startsWith(ClamdPool.NO_CLAMD), first.reason());
            long t0 = System.nanoTime();
            Verdict second = pool.scan(file);
            assertEquals(ClamdPool.NO_CLAMD, second.reason());
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 1_000);
            assertEquals(2, pool.errors());
            assertEquals(0, pool.timeouts());
            try (FakeClamd late = FakeClamd.unix(FakeClamd.Mode.CLEAN, sock)) {
                // First ping after 1 s.
                ClamdTimeoutTest.waitFor(() -> pool.health().getFirst().alive(), "endpoint not taken back");
                assertEquals(Verdict.Result.CLEAN, pool.scan(file).result());
            }
        }
    }
}
