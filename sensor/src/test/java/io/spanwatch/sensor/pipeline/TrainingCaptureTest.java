package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.TrainingCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's training capture: the same on every run, and extracted whole, repeats compared with the stored copy. */
class TrainingCaptureTest {
    @Test
    void trainingTrafficIsDeterministicAndExtractedWhole(@TempDir Path tmp) throws Exception {
        Path a = tmp.resolve("a.pcap");
        Path b = tmp.resolve("b.pcap");
        long bodies = TrainingCapture.write(a, 8L << 20);
        assertEquals(bodies, TrainingCapture.write(b, 8L << 20));
        assertTrue(bodies >= 8L << 20, "bodies " + bodies);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));

        Pipeline.Summary s = PipelineRegressionTest.run(tmp.resolve("out"), SensorConfig.defaults(tmp.resolve("out"), false), a);
        assertTrue(s.get("file.closed") > 20, "files " + s.get("file.closed"));
        assertEquals(0, s.get("file.truncated"));
        assertEquals(0, s.get("tcp.reassembly_gaps"));
        assertEquals(0, s.get("decoder.invalid"));
        assertEquals(0, s.get("app_layer.http.anomalies"));
        assertTrue(s.get("file.verified_copies") > 0, "repeated downloads compared with the stored copy");
        assertTrue(s.get("file.stored") > 0 && s.get("file.stored_duplicates") > 0, s.stats().toString());
    }
}
