package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
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
 * Passes file descriptors to a real clamd (FILDES over its unix socket) whose StreamMaxLength is 1 MiB
 * and MaxFileSize 64 MiB, with AlertExceedsMax on as in SpanWatch's clamd.conf: files far past the
 * stream limit are scanned whole, and a file past MaxFileSize is never called clean. Skipped, with the
 * reason printed, where {@code /usr/sbin/clamd} is missing or descriptors cannot be passed.
 */
class ClamdFdPassIT {
    private static final int MIB = 1024 * 1024;

    @TempDir
    static Path tmp;
    static ClamdTestServer server;

    @BeforeAll
    static void startClamd() throws Exception {
        String why = ClamdTestServer.unavailableReason();
        if (why == null && !FdPass.available()) {
            why = "descriptor passing unavailable: " + FdPass.unavailableReason();
        }
        if (why != null) {
            System.out.println("ClamdFdPassIT skipped: " + why);
        }
        Assumptions.assumeTrue(why == null, why);
        Path db = tmp.resolve("db");
        ClamdTestServer.writeEicarSignatures(db);
        server = ClamdTestServer.start(db, Map.of("StreamMaxLength", "1M", "MaxFileSize", "64M", "MaxScanSize", "64M",
                "AlertExceedsMax", "yes"));
    }

    @AfterAll
    static void stopClamd() throws InterruptedException {
        if (server != null) {
            server.stop();
        }
    }

    /** Writes {@code size} random bytes, with EICAR at {@code eicarAt} unless it is negative. */
    private static Path file(String name, int size, int eicarAt) throws IOException {
        byte[] b = new byte[size];
        new Random(name.hashCode()).nextBytes(b);
        if (eicarAt >= 0) {
            System.arraycopy(ClamdTestServer.EICAR, 0, b, eicarAt, ClamdTestServer.EICAR.length);
        }
        return Files.write(tmp.resolve(name), b);
    }

    private static ClamdClient client(ClamdClient.Options o) {
        return new ClamdClient(server.unixSocket(), o);
    }

    @Test
    void aFileFarPastStreamMaxLengthIsScannedWholeByDescriptor() throws IOException {
        Path late = file("late-eicar.bin", 20 * MIB, 19 * MIB);
        Path clean = file("clean-20m.bin", 20 * MIB, -1);
        ClamdClient.Options o = ClamdClient.Options.defaults().withMaxStreamBytes(MIB).withMaxFileBytes(64L * MIB);
        try (ClamdClient c = client(o)) {
            assertTrue(c.passesFiles());
            Verdict v = c.scan(late);
            System.out.println("ClamdFdPassIT 20 MiB, EICAR at 19 MiB, FILDES: " + v);
            assertEquals(Verdict.Result.INFECTED, v.result(), v.toString());
            assertEquals(List.of(ClamdTestServer.EICAR_BODY_SIG + ".UNOFFICIAL"), v.signatures());
            Verdict w = c.scan(clean);
            assertEquals(Verdict.Result.CLEAN, w.result(), w.toString());
            assertEquals(2, c.filesPassed());
            assertEquals(40L * MIB, c.bytesSent(), "bytes given to clamd, none of them through the socket");
        }
        // The same file streamed reaches clamd's 1 MiB StreamMaxLength and is not scanned.
        try (ClamdClient c = client(o.withFdPass(false))) {
            Verdict v = c.scan(late);
            System.out.println("ClamdFdPassIT 20 MiB, EICAR at 19 MiB, INSTREAM: " + v);
            assertEquals(Verdict.Result.NOT_SCANNED, v.result(), v.toString());
        }
    }

    @Test
    void aFilePastMaxFileSizeIsNeverClean() throws IOException {
        Path big = tmp.resolve("sparse-70m.bin");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(70L * MIB); // clamd reads the size and stops there; the holes cost no disk
        }
        // Limits that do not match clamd's: the file is passed and clamd's own limit says so.
        try (ClamdClient c = client(ClamdClient.Options.defaults().withMaxFileBytes(128L * MIB))) {
            Verdict v = c.scan(big);
            System.out.println("ClamdFdPassIT 70 MiB past MaxFileSize, passed: " + v);
            assertEquals(Verdict.Result.NOT_SCANNED, v.result(), v.toString());
            assertTrue(v.reason().contains("Heuristics.Limits.Exceeded"), v.reason());
        }
        // Limits that match: the file is not passed; its first bytes are streamed, and it is not_scanned.
        try (ClamdClient c = client(ClamdClient.Options.defaults().withMaxFileBytes(64L * MIB).withMaxStreamBytes(MIB))) {
            Verdict v = c.scan(big);
            System.out.println("ClamdFdPassIT 70 MiB past clamd.max-file-bytes: " + v);
            assertEquals(Verdict.Result.NOT_SCANNED, v.result(), v.toString());
            assertTrue(v.reason().contains("clamd.max-file-bytes"), v.reason());
            assertEquals(0, c.filesPassed());
        }
    }

    @Test
    void aFileThatCannotBeOpenedIsAnErrorAndTheEndpointStaysUp() throws IOException {
        try (ClamdPool pool = new ClamdPool(List.of(server.unixSocket()), ClamdClient.Options.defaults())) {
            Verdict v = pool.scan(tmp.resolve("gone.bin"));
            assertEquals(Verdict.Result.ERROR, v.result(), v.toString());
            assertTrue(v.reason().startsWith("cannot read"), v.reason());
            assertTrue(pool.health().get(0).alive(), "a missing file says nothing about clamd");
            Path eicar = Files.write(tmp.resolve("eicar.com"), ClamdTestServer.EICAR);
            assertEquals(Verdict.Result.INFECTED, pool.scan(eicar).result());
            assertEquals(1, pool.filesPassed());
        }
    }
}
