package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Checks the report command's errors (one line naming the input, non-zero exit) and its periods. */
class ReportCommandTest {
    /** One stats event of 2024-W11. */
    private static final String STATS = "{\"timestamp\":\"2024-03-12T10:00:00.000000+0000\",\"event_type\":\"stats\","
            + "\"host\":\"s\",\"sensor\":\"s\",\"stats\":{\"uptime\":5,\"decoder\":{\"pkts\":3}}}\n";
    private String err;
    private String out;

    private int run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(o, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(e, true, StandardCharsets.UTF_8));
        int status = cl.execute(args);
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return status;
    }

    @Test
    void badInputIsOneLineAndAnErrorStatus(@TempDir Path dir) throws Exception {
        assertEquals(1, run("report", "--out", dir.toString(), "--week", "2024-W60"));
        assertEquals("spanwatch: --week 2024-W60: 2024 has weeks 1 to 52\n", err);
        assertEquals(1, run("report", "--out", dir.toString(), "--week", "last"));
        assertTrue(err.startsWith("spanwatch: --week last: expected YYYY-Www"), err);
        assertEquals(1, run("report", "--out", dir.toString(), "--month", "2024-13"));
        assertTrue(err.startsWith("spanwatch: --month 2024-13: expected YYYY-MM"), err);
        assertEquals(1, run("report", "--out", dir.toString(), "--from", "2024-03-12", "--to", "2024-03-11"));
        assertEquals("spanwatch: --to 2024-03-11 is before --from 2024-03-12\n", err);
        assertEquals(1, run("report", "--out", dir.toString(), "--week", "2024-W11", "--time-zone", "Mars/Olympus"));
        assertTrue(err.startsWith("spanwatch: --time-zone Mars/Olympus: not a time zone"), err);
        assertEquals(1, run("report", "--out", dir.toString(), "--week", "2024-W11", "--home-net", "10.0.0.0/33"));
        assertTrue(err.contains("home-net") && err.contains("10.0.0.0/33"), err);
        assertEquals(1, run("report", "--out", dir.toString(), "--week", "2024-W11"));
        assertTrue(err.startsWith("spanwatch: " + dir.resolve("eve.json") + ": no events"), err);
        assertEquals(1, run("report", "--out", dir.toString(), "--assessment"));
        assertEquals(1, err.lines().count(), err);
        assertEquals(2, run("report", "--out", dir.toString()), "a period is required");
        assertEquals(2, run("report", "--out", dir.toString(), "--from", "2024-03-11"), "--from needs --to");
        assertEquals(2, run("report", "--out", dir.toString(), "--week", "2024-W11", "--month", "2024-03"), "one period");
        assertTrue(!Files.exists(dir.resolve("reports")) || Files.list(dir.resolve("reports")).findAny().isEmpty(), "nothing written");
    }

    @Test
    void aReportFromTheIndexPrintsNoLuceneNoteOnStderr(@TempDir Path dir) throws Exception {
        Path eve = Files.writeString(dir.resolve("in.json"), STATS);
        Path out = dir.resolve("out");
        assertEquals(0, run("index", "--out", out.toString(), eve.toString()), err);
        // In a JVM of its own, as the launcher runs it: Lucene logs its note once per JVM, at the first index opened
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "report", "--out",
                out.toString(), "--week", "2024-W11").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), stderr);
        assertEquals("", stderr, "a successful report says nothing on stderr");
    }

    @Test
    void aFileWhereTheReportsGoIsNamedWithWhatIsWrong(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("eve.json"), STATS);
        Files.writeString(dir.resolve("reports"), "x");
        assertEquals(1, run("report", "--out", dir.toString(), "--week", "2024-W11"));
        assertEquals("spanwatch: report: " + dir.resolve("reports") + ": a file of that name is in the way\n", err);
    }

    @Test
    void periodsNameTheirFiles(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("eve.json"), STATS);
        assertEquals(0, run("report", "--out", dir.toString(), "--month", "2024-03"), err);
        assertTrue(Files.isRegularFile(dir.resolve("reports/2024-03.pdf")));
        assertEquals(0, run("report", "--out", dir.toString(), "--from", "2024-03-11", "--to", "2024-03-13", "--time-zone", "Europe/Berlin"),
                err);
        assertTrue(Files.isRegularFile(dir.resolve("reports/2024-03-11_2024-03-13.json")));
        assertEquals(0, run("report", "--out", dir.toString(), "--assessment"), err);
        assertTrue(Files.isRegularFile(dir.resolve("reports/assessment-2024-03-12.html")), out);
        assertTrue(out.contains("report 2024-03-12: 0 infected hosts"), out);
    }
}
