package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.analyzer.scan.ClamdAddress;
import io.spanwatch.analyzer.scan.ClamdPool;
import io.spanwatch.analyzer.scan.ClamdTestServer;
import io.spanwatch.analyzer.scan.ClamdClient;
import io.spanwatch.analyzer.scan.Verdict;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With no clamd named and none at the default address, analyze, sensor and scan-queue use the
 * machine's own clamd found by its clamd.conf (as Debian's clamav-daemon, which listens on a Unix
 * socket only), with that clamd's size limits: a real clamd started from a clamd.conf of its own,
 * StreamMaxLength 1M and MaxFileSize 2M.
 */
class MachineClamdIT {
    private static final int MIB = 1 << 20;

    @TempDir
    static Path tmp;
    static ClamdTestServer server;

    @BeforeAll
    static void startClamd() throws Exception {
        server = ClamdTestServer.startOrSkip("MachineClamdIT", tmp, Map.of("StreamMaxLength", "1M", "MaxFileSize", "2M", "AlertExceedsMax", "yes"));
        try (ClamdClient c = new ClamdClient(server.unixSocket(), ClamdClient.Options.defaults())) {
            if (!c.passesFiles()) {
                System.out.println("MachineClamdIT skipped: descriptor passing unavailable on this platform");
                Assumptions.abort("descriptor passing unavailable");
            }
        }
    }

    @AfterAll
    static void stopClamd() throws InterruptedException {
        if (server != null) {
            server.stop();
        }
    }

    private static String deadAddress() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "127.0.0.1:" + s.getLocalPort();
        }
    }

    /** Settings as buildScan makes them when nothing names a clamd, with the default at {@code address}. */
    private static SensorSettings.ScanSettings defaulted(String address) throws Exception {
        SensorSettings.ScanSettings b = new SensorSettings().buildScan(List.of());
        assertTrue(b.unset().address() && b.unset().maxFileBytes() && b.unset().maxStreamBytes(), "nothing set: " + b.unset());
        return new SensorSettings.ScanSettings(b.enabled(), List.of(address), b.clamdOptions(), b.scan(), b.rulesDir(), b.quarantine(),
                b.versionCheckSeconds(), b.unset());
    }

    @Test
    void theMachinesClamdScansWhenNoneAnswersAtTheDefault() throws Exception {
        StringWriter note = new StringWriter();
        Path sample = Files.writeString(tmp.resolve("sample.conf"), "Example\nLocalSocket " + server.unixSocket() + "\n");
        SensorSettings.ScanSettings chosen = ScanWiring.chooseClamd(defaulted(deadAddress()),
                List.of(tmp.resolve("missing.conf"), sample, server.configFile()), new PrintWriter(note, true));
        System.out.println("MachineClamdIT: " + note.toString().strip());
        assertEquals(List.of(server.unixSocket().toString()), chosen.clamd());
        assertEquals(2L * MIB, chosen.clamdOptions().maxFileBytes(), "its MaxFileSize");
        assertEquals(MIB, chosen.clamdOptions().maxStreamBytes(), "its StreamMaxLength");
        assertTrue(note.toString().contains(server.configFile().toString()) && note.toString().contains(server.unixSocket().toString()),
                note.toString());

        byte[] late = new byte[3 * MIB / 2];
        new Random(7).nextBytes(late);
        System.arraycopy(ClamdTestServer.EICAR, 0, late, late.length - 4096, ClamdTestServer.EICAR.length);
        byte[] big = new byte[3 * MIB];
        new Random(8).nextBytes(big);
        try (ClamdPool pool = new ClamdPool(List.of(ClamdAddress.parse(chosen.clamd().getFirst())), chosen.clamdOptions())) {
            Verdict v = pool.scan(Files.write(tmp.resolve("late.bin"), late));
            assertEquals(Verdict.Result.INFECTED, v.result(), "EICAR past StreamMaxLength, within MaxFileSize: scanned whole by descriptor " + v);
            assertEquals(1, pool.filesPassed());
            Verdict w = pool.scan(Files.write(tmp.resolve("big.bin"), big));
            assertEquals(Verdict.Result.NOT_SCANNED, w.result(), "past that clamd's MaxFileSize: never called clean " + w);
        }
    }

    @Test
    void aClamdAnsweringAtTheDefaultOrNamedByTheUserIsKept() throws Exception {
        SensorSettings.ScanSettings answering = defaulted(server.tcpAddress().toString());
        StringWriter note = new StringWriter();
        assertSame(answering, ScanWiring.chooseClamd(answering, List.of(server.configFile()), new PrintWriter(note, true)));
        SensorSettings.ScanSettings named = new SensorSettings().buildScan(List.of(deadAddress()));
        assertSame(named, ScanWiring.chooseClamd(named, List.of(server.configFile()), new PrintWriter(note, true)));
        assertEquals("", note.toString());
    }
}
