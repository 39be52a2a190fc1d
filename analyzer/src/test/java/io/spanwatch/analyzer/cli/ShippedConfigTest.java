package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.pipeline.SensorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configuration files the project ships for a service install: {@code systemd/sensor.conf} must
 * load and build as the sensor's {@code --config}, and must point the sensor at the private clamd of
 * {@code rules/clamav/clamd.conf} (its Unix socket, so files go by descriptor) with that clamd's own
 * limits. With the defaults (TCP, 25 MiB) every file between 25 and 100 MiB was streamed in part and
 * ended {@code not_scanned}, although the private clamd would have scanned it whole.
 */
class ShippedConfigTest {
    private static final Path SENSOR_CONF = Path.of("..", "systemd", "sensor.conf");
    private static final Path CLAMD_CONF = Path.of("..", "rules", "clamav", "clamd.conf");

    @Test
    void theShippedSensorConfigLoadsAndBuilds(@TempDir Path out) throws Exception {
        SensorSettings s = new SensorSettings();
        s.load(SENSOR_CONF);
        SensorConfig c = s.build(SensorConfig.defaults(out, true));
        assertNotNull(c);
        assertNotNull(s.buildScan(List.of(), true));
    }

    @Test
    void theSensorUsesThePrivateClamdsSocketAndItsLimits() throws Exception {
        Map<String, String> clamd = clamdConf(CLAMD_CONF);
        SensorSettings s = new SensorSettings();
        s.load(SENSOR_CONF);
        SensorSettings.ScanSettings scan = s.buildScan(List.of(), true);
        assertEquals(List.of(clamd.get("LocalSocket")), scan.clamd(), "the sensor talks to the private clamd's Unix socket");
        assertTrue(scan.clamdOptions().fdPass(), "files go by descriptor on that socket");
        long maxFile = clamdBytes(clamd.get("MaxFileSize"));
        long maxStream = clamdBytes(clamd.get("StreamMaxLength"));
        assertEquals(maxFile, scan.clamdOptions().maxFileBytes(), "clamd.max-file-bytes is the private clamd's MaxFileSize");
        assertEquals(Math.min(maxFile, maxStream), scan.clamdOptions().maxStreamBytes(),
                "clamd.max-stream-bytes is the smaller of its StreamMaxLength and MaxFileSize");
        assertEquals("yes", clamd.get("AlertExceedsMax").toLowerCase(Locale.ROOT),
                "past its limits the private clamd says so instead of answering clean");
    }

    /** clamd.conf: one "Name value" a line, # comments; the last occurrence wins, as in clamd. */
    private static Map<String, String> clamdConf(Path file) throws IOException {
        Map<String, String> m = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] kv = t.split("\\s+", 2);
            m.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        return m;
    }

    /** clamd's sizes: a number with an optional K or M (powers of 1024). */
    private static long clamdBytes(String v) {
        String t = v.strip().toUpperCase(Locale.ROOT);
        long unit = t.endsWith("M") ? 1L << 20 : t.endsWith("K") ? 1L << 10 : 1;
        return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
    }
}
