package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.analyzer.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scans with a real clamd on a custom-only database (EICAR body and MD5 signatures written here),
 * over TCP and the unix socket, with StreamMaxLength and MaxFileSize set to 1 MiB. Skipped, with the
 * reason printed, where {@code /usr/sbin/clamd} is missing.
 */
class ClamdIT {
    private static final int MIB = 1024 * 1024;
    private static final long SEED = 20251121L;

    @TempDir
    static Path tmp;
    static ClamdTestServer server;

    @BeforeAll
    static void startClamd() throws Exception {
        server = ClamdTestServer.startOrSkip("ClamdIT", tmp, Map.of());
    }

    @AfterAll
    static void stopClamd() throws InterruptedException {
        if (server != null) {
            server.stop();
        }
    }

    static Stream<String> transports() {
        return Stream.of("tcp", "unix");
    }

    private static ClamdClient client(String transport, ClamdClient.Options options) {
        return new ClamdClient("tcp".equals(transport) ? server.tcpAddress() : server.unixSocket(), options);
    }

    private static Path write(String name, byte[] data) throws IOException {
        return Files.write(tmp.resolve(name), data);
    }

    private static byte[] random(int size) {
        byte[] b = new byte[size];
        new Random(SEED).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @MethodSource("transports")
    void versionOfCustomOnlyDatabaseHasNoDatabasePart(String transport) throws IOException {
        try (ClamdClient c = client(transport, ClamdClient.Options.defaults())) {
            ClamdVersion v = c.version();
            System.out.println("ClamdIT " + transport + " VERSION: " + v.raw());
            assertTrue(v.engineVersion().matches("\\d+\\.\\d+.*"), v.raw());
            assertNull(v.databaseVersion(), v.raw());
            c.ping();
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void eicarIsInfected(String transport) throws IOException {
        Path f = write("eicar-" + transport + ".com", ClamdTestServer.EICAR);
        try (ClamdClient c = client(transport, ClamdClient.Options.defaults())) {
            Verdict v = c.scan(f);
            System.out.println("ClamdIT " + transport + " EICAR: " + v);
            assertEquals(Verdict.Result.INFECTED, v.result(), v.toString());
            assertTrue(v.signatures().stream().allMatch(s -> s.endsWith(".UNOFFICIAL")), v.signatures().toString());
            assertTrue(v.signatures().stream().anyMatch(s -> s.startsWith("SpanWatch.Test.EICAR-")), v.signatures().toString());
            assertEquals("clamd", v.engine());
            assertNotNull(v.engineVersion());
            assertEquals(c.address().toString(), v.endpoint());
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void randomFileIsClean(String transport) throws IOException {
        Path f = write("clean-" + transport + ".bin", random(300_000));
        try (ClamdClient c = client(transport, ClamdClient.Options.defaults())) {
            Verdict v = c.scan(f);
            assertEquals(Verdict.Result.CLEAN, v.result(), v.toString());
            assertNull(v.reason());
            assertEquals(300_000, c.bytesSent());
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void fileAtExactlyTheLimitIsClean(String transport) throws IOException {
        Path f = write("onemib-" + transport + ".bin", random(MIB));
        try (ClamdClient c = client(transport, ClamdClient.Options.defaults().withMaxStreamBytes(MIB))) {
            Verdict v = c.scan(f);
            System.out.println("ClamdIT " + transport + " 1 MiB: " + v);
            assertEquals(Verdict.Result.CLEAN, v.result(), v.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void fileOverClamdsLimitIsNotScanned(String transport) throws IOException {
        // The client's own limit (25 MiB) is above clamd's (1 MiB): clamd refuses the stream.
        // (Streamed on both transports; passing descriptors is ClamdFdPassIT's.)
        for (int size : new int[] {2 * MIB, 20 * MIB}) {
            Path f = write("big-" + size + "-" + transport + ".bin", random(size));
            try (ClamdClient c = client(transport, ClamdClient.Options.defaults().withFdPass(false))) {
                Verdict v = c.scan(f);
                System.out.println("ClamdIT " + transport + " " + size + " bytes, client limit 25 MiB: " + v);
                assertEquals(Verdict.Result.NOT_SCANNED, v.result(), v.toString());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void fileOverOwnLimitIsNotScannedUnlessInfected(String transport) throws IOException {
        ClamdClient.Options oneMib = ClamdClient.Options.defaults().withMaxStreamBytes(MIB).withFdPass(false);
        Path plain = write("twomib-own-" + transport + ".bin", random(2 * MIB));
        byte[] bad = random(2 * MIB);
        System.arraycopy(ClamdTestServer.EICAR, 0, bad, 1000, ClamdTestServer.EICAR.length);
        Path infected = write("twomib-eicar-" + transport + ".bin", bad);
        try (ClamdClient c = client(transport, oneMib)) {
            Verdict v = c.scan(plain);
            System.out.println("ClamdIT " + transport + " 2 MiB, client limit 1 MiB: " + v);
            assertEquals(Verdict.Result.NOT_SCANNED, v.result(), v.toString());
            assertEquals("larger than StreamMaxLength (" + MIB + " bytes)", v.reason());
            Verdict w = c.scan(infected);
            assertEquals(Verdict.Result.INFECTED, w.result(), w.toString());
            assertEquals(List.of(ClamdTestServer.EICAR_BODY_SIG + ".UNOFFICIAL"), w.signatures());
        }
    }

    @Test
    void poolSpreadsOverBothTransports() throws IOException {
        Path clean = write("pool-clean.bin", random(10_000));
        try (ClamdPool pool = new ClamdPool(List.of(server.tcpAddress(), server.unixSocket()), ClamdClient.Options.defaults())) {
            for (int i = 0; i < 6; i++) {
                assertEquals(Verdict.Result.CLEAN, pool.scan(clean).result());
            }
            assertEquals(6, pool.scans());
            assertEquals(60_000, pool.bytes());
            assertTrue(pool.health().stream().allMatch(ClamdPool.Health::alive));
        }
    }

    @Test
    void scanCommandPrintsOneLinePerFileAndClamdscanStatus() throws IOException {
        Path eicar = write("cli-eicar.com", ClamdTestServer.EICAR);
        Path clean = write("cli-clean.bin", random(1000));
        Path missing = tmp.resolve("cli-missing.bin");
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int status;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            status = Main.run("scan", "--clamd", server.unixSocket().toString(), clean.toString(), eicar.toString());
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.println("ClamdIT scan command:\n" + out);
        assertEquals(1, status, out);
        assertTrue(out.startsWith("clamd "), out);
        assertTrue(out.contains(clean + ": OK\n"), out);
        assertTrue(out.contains(eicar + ": " + ClamdTestServer.EICAR_BODY_SIG + ".UNOFFICIAL") && out.contains(" FOUND\n"), out);

        buf.reset();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            status = Main.run("scan", "--clamd", server.tcpAddress().toString(), clean.toString(), missing.toString());
        } finally {
            System.setOut(old);
        }
        out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, out);
        assertTrue(out.contains(missing + ": ERROR (no such file)\n"), out);
    }
}
