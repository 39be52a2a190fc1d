package io.spanwatch.analyzer.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.CaptureFile;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import io.spanwatch.sensor.event.EveWriter;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.pipeline.Outputs;
import io.spanwatch.sensor.pipeline.Pipeline;
import io.spanwatch.sensor.pipeline.SensorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventIdsTest {
    @TempDir
    Path tmp;

    /** Every event of a real run has the same id from its record as from its line in eve.json, and no two share one. */
    @Test
    void recordAndEveLineGiveTheSameId() throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        Path out = tmp.resolve("out");
        SensorConfig config = SensorConfig.defaults(out, false);
        Files.createDirectories(out);
        EveWriter writer = EveWriter.open(out.resolve("eve.json"), config.sensorName(), false);
        List<EveEvent> events = Collections.synchronizedList(new ArrayList<>());
        Outputs outputs = new Outputs(e -> {
            synchronized (events) {
                events.add(e);
                writer.accept(e);
            }
        }, f -> {
            FileInfoEvent e = new FileInfoEvent(f, null, false);
            synchronized (events) {
                events.add(e);
                writer.accept(e);
            }
        }, null, writer);
        Pipeline p = Pipeline.start(config, outputs);
        try (CaptureFile c = CaptureFile.open(pcap)) {
            p.source(c.name());
            c.run(p);
        }
        p.finish();
        List<String> lines = Files.readAllLines(out.resolve("eve.json"));
        assertEquals(events.size(), lines.size());
        assertTrue(lines.size() > 20, "events: " + lines.size());
        EveRenderer r = writer.renderer();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String fromRecord = EventIds.of(events.get(i), r);
            assertTrue(EventIds.isId(fromRecord), fromRecord);
            assertEquals(fromRecord, EventIds.ofJson(lines.get(i)), "event " + i + ": " + lines.get(i));
            assertTrue(ids.add(fromRecord), "two events with id " + fromRecord);
        }
    }

    /** The id function is part of the feeds' contract: the pinned value must never change. */
    @Test
    void idOfAKnownEventIsStable() throws Exception {
        EveRenderer r = new EveRenderer("sensor-a", false);
        AlertEvent a = alert("/payload.exe");
        String id = EventIds.of(a, r);
        assertEquals(id, EventIds.of(alert("/payload.exe"), r));
        assertNotEquals(id, EventIds.of(alert("/payload.ex"), r));
        assertNotEquals(id, EventIds.of(a, new EveRenderer("sensor-b", false)));
        // Layout does not matter, order and values do.
        String json = "{\"a\": 1, \"b\": [true, \"x\", 2.5, null], \"c\": {\"d\": \"\\u00e9\"}}";
        assertEquals(EventIds.ofJson(json), EventIds.ofJson("{\"a\":1,\"b\":[true,\"x\",2.50,null],\"c\":{\"d\":\"é\"}}"));
        assertNotEquals(EventIds.ofJson(json), EventIds.ofJson("{\"b\":[true,\"x\",2.5,null],\"a\":1,\"c\":{\"d\":\"é\"}}"));
        // Pinned on JSON text, so that a new EVE field (which changes the ids of new events, as designed) does not
        // touch it, but a change of the id function itself does.
        assertEquals("5d596543c4d8bd2e716c73b0a3bad507", EventIds.ofJson(json)); // also computed from the class guide in Python
    }

    static AlertEvent alert(String url) {
        EventHeader h = new EventHeader(1234567, new int[0], "10.0.0.5", 49152, "203.0.113.7", 80, "TCP", true, 4,
                "1:abc=", "http", "x.pcap");
        HttpInfo http = new HttpInfo(0, "evil.example", -1, url, "curl/8", "application/octet-stream", "GET", null, "HTTP/1.1", 200,
                68, 0, null);
        return new AlertEvent(1_700_000_000_123_456_000L, h, true, "to_client", AlertEvent.Signature.of(2_000_001, "Test alert",
                AlertEvent.MALWARE, 1), http, null, null, null, null, null);
    }
}
