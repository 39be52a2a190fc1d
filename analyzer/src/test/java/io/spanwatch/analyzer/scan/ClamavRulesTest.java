package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the signatures in {@code rules/clamav/} with the real {@code clamscan} (Debian package
 * {@code clamav}): each file alone in its own database directory, then all together. Skipped, saying
 * so, when clamscan is not installed. Uses only the project's databases, never the official ones.
 */
class ClamavRulesTest {
    private static final Path RULES = Path.of("..", "rules", "clamav");
    private static Path clamscan;

    @TempDir
    Path tmp;

    @BeforeAll
    static void findClamscan() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, "clamscan");
            if (Files.isExecutable(p)) {
                clamscan = p;
                return;
            }
        }
        System.out.println("ClamavRulesTest: SKIPPED: no clamscan on PATH (apt-get install clamav)");
    }

    @Test
    void eachSignatureFileAloneFindsEicar() throws Exception {
        Assumptions.assumeTrue(clamscan != null, "no clamscan");
        Path eicar = eicar();
        assertEquals(List.of("SpanWatch.Test.EICAR-MD5.UNOFFICIAL"), found(dbWith("spanwatch.hdb"), eicar));
        assertEquals(List.of("SpanWatch.Test.EICAR-Body.UNOFFICIAL"), found(dbWith("spanwatch.ndb"), eicar));
        assertEquals(List.of("YARA.SpanWatch_Test_EICAR_Yara.UNOFFICIAL"), found(dbWith("spanwatch.yar"), eicar));
        List<String> hsb = Files.readAllLines(RULES.resolve("spanwatch.hsb"));
        for (String kind : List.of("SHA1", "SHA256")) {
            Path db = Files.createDirectories(tmp.resolve("hsb-" + kind));
            Files.write(db.resolve("one.hsb"), hsb.stream().filter(l -> l.endsWith("EICAR-" + kind)).toList());
            assertEquals(List.of("SpanWatch.Test.EICAR-" + kind + ".UNOFFICIAL"), found(db, eicar));
        }
    }

    @Test
    void allTogetherAndTheAllowlist() throws Exception {
        Assumptions.assumeTrue(clamscan != null, "no clamscan");
        assertEquals(List.of("SpanWatch.Test.EICAR-Body.UNOFFICIAL", "SpanWatch.Test.EICAR-MD5.UNOFFICIAL",
                "SpanWatch.Test.EICAR-SHA1.UNOFFICIAL", "SpanWatch.Test.EICAR-SHA256.UNOFFICIAL",
                "YARA.SpanWatch_Test_EICAR_Yara.UNOFFICIAL"), found(RULES, eicar()).stream().sorted().toList());
        Path note = RULES.resolve("testdata").resolve("eicar-note.txt");
        // The YARA rule flags the note (a false positive) and spanwatch.fp allowlists it.
        assertEquals(List.of("YARA.SpanWatch_Test_EICAR_Yara.UNOFFICIAL"), found(dbWith("spanwatch.yar"), note));
        assertEquals(List.of(), found(dbWith("spanwatch.yar", "spanwatch.fp"), note));
        assertEquals(List.of(), found(RULES, note));
        // The ign2 file loads (only comments) and the whole directory still finds EICAR.
        assertEquals(List.of("SpanWatch.Test.EICAR-Body.UNOFFICIAL"),
                found(dbWith("spanwatch.ndb", "spanwatch.ign2"), eicar()));
    }

    private Path eicar() throws IOException {
        Path p = tmp.resolve("eicar.com");
        Files.write(p, HashSignaturesTest.EICAR);
        return p;
    }

    private Path dbWith(String... files) throws IOException {
        Path db = Files.createDirectories(tmp.resolve("db-" + String.join("+", files)));
        for (String f : files) {
            Files.copy(RULES.resolve(f), db.resolve(f));
        }
        return db;
    }

    /** Runs {@code clamscan --allmatch -d db file} and returns the signature names it reports. */
    private static List<String> found(Path db, Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(clamscan.toString(), "--no-summary", "--allmatch",
                "-d", db.toString(), file.toString())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "clamscan timed out");
        int exit = p.exitValue();
        assertTrue(exit == 0 || exit == 1, "clamscan failed (" + exit + "): " + out);
        List<String> names = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith(file + ": ") && line.endsWith(" FOUND")) {
                names.add(line.substring(file.toString().length() + 2, line.length() - " FOUND".length()));
            }
        }
        assertEquals(exit == 1, !names.isEmpty(), out);
        return names;
    }
}
