package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A capture with hours of silence between short connections (a host calling out every two hours on
 * an idle network) is dated as it was captured: each request's http event at its own time. Before
 * {@link TimeGate}, a step of more than an hour needed 16 frames in a row to be believed, and every
 * later connection of ten frames was dated at the end of the first.
 */
class QuietCaptureDatingTest {
    private static final long T0 = 1_700_000_000_000_000_000L;
    private static final long HOUR = 3_600_000_000_000L;
    private static final DateTimeFormatter EVE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxx");

    @ParameterizedTest(name = "{0} worker(s)")
    @ValueSource(ints = {1, 2, 3})
    void connectionsHoursApartAreDatedAtTheirOwnTimes(int workers, @TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("quiet.pcap");
        Map<String, Long> requested = quietCapture(pcap, 5, false);
        Path out = tmp.resolve("out");
        Pipeline.Summary s = analyse(out, workers, pcap);
        assertEquals(0, s.get("decoder.timestamp_jumps"));
        assertEquals(0, s.get("internal.errors"));
        Map<String, Long> dated = new TreeMap<>();
        List<String> flowStarts = new ArrayList<>();
        for (JsonNode e : events(out)) {
            if (e.path("event_type").asText().equals("http")) {
                dated.put(e.path("http").path("url").asText(), nanos(e.path("timestamp").asText()));
            } else if (e.path("event_type").asText().equals("flow")) {
                flowStarts.add(e.path("flow").path("start").asText());
            }
        }
        assertEquals(requested, dated);
        assertEquals(5, flowStarts.stream().distinct().count(), flowStarts.toString());
        assertEquals(T0, s.firstTsNanos());
    }

    /**
     * One frame dated ten years ahead as the last before a gap: the frames after the gap are past the
     * hour too, but hours before it, so it is refused as a lone bad time is; it used to be taken
     * (confirmed by them, or by the end of the file) and left the clock ten years ahead.
     */
    @ParameterizedTest(name = "{0} worker(s)")
    @ValueSource(ints = {1, 2})
    void aFrameDatedYearsAheadBeforeAGapMovesNothing(int workers, @TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("quiet-bad-time.pcap");
        Map<String, Long> requested = quietCapture(pcap, 3, true);
        Path out = tmp.resolve("out");
        Pipeline.Summary s = analyse(out, workers, pcap);
        assertEquals(1, s.get("decoder.timestamp_jumps"));
        long day = T0 + 24 * HOUR;
        assertTrue(s.lastTsNanos() < day, "the run ends on the capture's day: " + s.lastTsNanos());
        Map<String, Long> dated = new TreeMap<>();
        for (JsonNode e : events(out)) {
            if (e.path("event_type").asText().equals("http")) {
                dated.put(e.path("http").path("url").asText(), nanos(e.path("timestamp").asText()));
            }
            assertTrue(nanos(e.path("timestamp").asText()) < day, e.toString());
        }
        assertEquals(requested, dated);
    }

    /**
     * Writes {@code connections} short HTTP connections, each two hours and ten minutes more after the
     * one before, and returns each URL's request time; with {@code badTime}, the first connection's
     * last ACK comes again dated ten years ahead.
     */
    private static Map<String, Long> quietCapture(Path pcap, int connections, boolean badTime) throws Exception {
        Map<String, Long> requested = new TreeMap<>();
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, T0);
            for (int i = 0; i < connections; i++) {
                TrafficSynth.Conn c = syn.tcp("10.0.0.1", 40_000 + i, "10.0.0.3", 80).handshake();
                String url = "/poll?n=" + i;
                requested.put(url, syn.now());
                c.send(true, ("GET " + url + " HTTP/1.1\r\nHost: h\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                c.send(false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                c.close();
                if (badTime && i == 0) {
                    w.write(T0 + 10 * 365 * 24 * HOUR, c.ack(true));
                }
                syn.advance(2 * HOUR + i * 600_000_000_000L);
            }
        }
        return requested;
    }

    private static Pipeline.Summary analyse(Path out, int workers, Path pcap) throws Exception {
        SensorConfig d = PipelineRegressionTest.config(out, ReassemblyConfig.DEFAULTS, null);
        SensorConfig cfg = new SensorConfig("test", workers, d.queueBatches(), false, d.maxAnomalyEventsPerName(), d.flow(),
                d.reassembly(), d.http(), d.files());
        return PipelineRegressionTest.run(out, cfg, pcap);
    }

    private static List<JsonNode> events(Path out) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("eve.json"))) {
            events.add(json.readTree(line));
        }
        return events;
    }

    private static long nanos(String eveTime) {
        OffsetDateTime t = OffsetDateTime.parse(eveTime, EVE_TIME);
        return t.toEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
