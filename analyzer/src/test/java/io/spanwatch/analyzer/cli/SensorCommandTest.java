package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SensorCommandTest {

    @Test
    void missingInterfaceIsOneClearLineAndExitOne(@TempDir Path tmp) {
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("sensor", "--interface", "nosuchif0", "--out", tmp.toString());
        assertEquals(1, r.status(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        // Where libpcap is installed the interface is named; where it is not, that is the one problem named.
        assertTrue(r.err().contains("nosuchif0") || r.err().contains("libpcap"), r.err());
    }

    @Test
    void badConfigurationValueNamesTheKey(@TempDir Path tmp) {
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("sensor", "--interface", "lo", "--out", tmp.toString(),
                "--set", "stream.memcap=lots");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("stream.memcap"), r.err());
    }

    @Test
    void configKeysAreListedWithDefaults() {
        AnalyzeCommandTest.Run r = AnalyzeCommandTest.run("config-keys");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("flow.max-flows") && r.out().contains("250000"), r.out());
        assertEquals(150L << 20, SensorSettings.parseSize("150m"));
        assertEquals(64L << 10, SensorSettings.parseSize("64 KiB"));
    }
}
