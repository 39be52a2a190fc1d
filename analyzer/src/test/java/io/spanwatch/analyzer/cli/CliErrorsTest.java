package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.DemoCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command's errors: one line on stderr that names the input and says what is wrong, and a
 * non-zero exit; nothing is written where it should not be.
 */
class CliErrorsTest {
    static AnalyzeCommandTest.Run run(String... args) {
        return AnalyzeCommandTest.run(args);
    }

    /** Asserts one error line that contains every one of {@code words}. */
    static void oneLine(AnalyzeCommandTest.Run r, int status, String... words) {
        assertEquals(status, r.status(), r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        for (String w : words) {
            assertTrue(err.contains(w), "'" + w + "' missing in: " + err);
        }
    }

    @Test
    void anOutFolderThatIsAFileIsNamedAsSuch(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        Path file = Files.writeString(tmp.resolve("taken"), "x");
        oneLine(run("analyze", "--out", file.toString(), pcap.toString()), 1, file.toString(), "is a file, not a folder");
        oneLine(run("sensor", "--interface", "lo", "--out", file.toString()), 1, file.toString(), "is a file, not a folder");
        oneLine(run("demo", "--out", file.toString()), 1, file.toString(), "is a file, not a folder");
        oneLine(run("scan-queue", "--out", file.toString()), 1, file.toString(), "not a folder");
        oneLine(run("quarantine", "--out", file.toString()), 1, file.toString(), "not a folder");
        assertEquals("x", Files.readString(file));
    }

    @Test
    void aFolderInUseNamesTheProcessHoldingIt(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        Path out = tmp.resolve("out");
        try (OutputLock held = OutputLock.acquire(out, "spanwatch sensor --interface eth1 --out " + out)) {
            AnalyzeCommandTest.Run r = run("analyze", "--out", out.toString(), pcap.toString());
            oneLine(r, 1, out.toString(), "in use", "pid " + ProcessHandle.current().pid(), "spanwatch sensor --interface eth1");
            oneLine(run("scan-queue", "--out", out.toString()), 1);
            assertFalse(Files.exists(out.resolve("eve.json")), "the second process wrote nothing");
        }
        assertEquals(0, run("analyze", "--out", out.toString(), pcap.toString()).status(), "free again once released");
    }

    @Test
    void badOptionsNameTheOption(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        Path out = tmp.resolve("out");
        oneLine(run("analyze", "--config", tmp.resolve("none.conf").toString(), "--out", out.toString(), pcap.toString()), 1,
                "none.conf", "no such file");
        oneLine(run("analyze", "--workers", "0", "--out", out.toString(), pcap.toString()), 1, "--workers", "between 1 and 256");
        oneLine(run("analyze", "--set", "scan.retro-days=-1", "--out", out.toString(), pcap.toString()), 1, "scan.retro-days");
        // named as given, not as the --set it stands for
        oneLine(run("analyze", "--home-net", "10.0.0.0/33", "--out", out.toString(), pcap.toString()), 1, "--home-net: home-net=10.0.0.0/33");
        oneLine(run("report", "--home-net", "10.0.0.0/33", "--out", tmp.toString(), "--assessment"), 1, "--home-net: home-net=10.0.0.0/33");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String listen = "127.0.0.1:" + taken.getLocalPort();
            oneLine(run("analyze", "--metrics", listen, "--out", out.toString(), pcap.toString()), 1, "--metrics " + listen,
                    "cannot listen", "in use");
        }
        // so does a feed whose parameters or files cannot be used (README: "before anything runs")
        oneLine(run("analyze", "--feed", "webhook+http://127.0.0.1:1/h?format=xml", "--out", out.toString(), pcap.toString()), 1,
                "--feed webhook+http://127.0.0.1:1/h?format=xml", "format=xml");
        oneLine(run("analyze", "--feed", "syslog+tls://127.0.0.1:1?ca=" + tmp, "--out", out.toString(), pcap.toString()), 1,
                "--feed syslog+tls://127.0.0.1:1?ca=" + tmp, "not a PEM certificate");
        // an allowlist that cannot be used stops the run before it writes anything
        oneLine(run("analyze", "--allowlist", tmp.toString(), "--out", out.toString(), pcap.toString()), 1, "allowlist " + tmp);
        Path badEntry = Files.writeString(tmp.resolve("allow.txt"), "update.example\n999.1.1.1/40\n");
        oneLine(run("analyze", "--allowlist", badEntry.toString(), "--out", out.toString(), pcap.toString()), 1, badEntry + ":2",
                "999.1.1.1/40");
        oneLine(run("sensor", "--interface", "lo", "--out", out.toString(), "--stats-interval", "0"), 1, "--stats-interval");
        oneLine(run("sensor", "--interface", "lo", "--out", out.toString(), "--snaplen", "-1"), 1, "--snaplen");
        oneLine(run("scan-queue", "--out", tmp.toString(), "--wait", "-5"), 1, "--wait");
        // options that act on traffic only were taken and ignored
        for (String unused : ScanQueueCommand.IGNORED) {
            String value = unused.equals("--workers") ? "2" : unused.equals("--metrics") ? "127.0.0.1:0" : tmp.toString();
            oneLine(run("scan-queue", "--out", tmp.toString(), unused, value), 1, unused, "has no effect");
        }
        // ... and its help does not offer them
        String help = AnalyzeCommandTest.run("scan-queue", "--help").out();
        assertTrue(help.contains("--home-net") && help.contains("--clamd"), help);
        for (String unused : ScanQueueCommand.IGNORED) {
            assertFalse(help.contains(unused), unused + " in\n" + help);
        }
        oneLine(run("feed", "--out", tmp.toString(), "--timeout", "-5"), 1, "--timeout -5", "0 or more seconds");
        oneLine(run("scan", "--max-file-bytes", "0", pcap.toString()), 2, "--max-file-bytes");
        oneLine(run("quarantine", "--out", tmp.toString(), "--export", tmp.toString()), 1, "--export", "is a folder");
        assertFalse(Files.exists(out.resolve("eve.json")));
    }
}
