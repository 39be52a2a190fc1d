package io.spanwatch.analyzer.index;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveWriter;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.event.FlowEvent;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.HttpInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Makes typed events for index and console tests: one HTTP download per call, with its flow. */
public final class TestEvents {
    public static final String SENSOR = "test-sensor";
    public static final String EICAR_SHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

    private TestEvents() {
    }

    public static long nanos(String iso) {
        Instant i = Instant.parse(iso);
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    public static EventHeader header(long flowId, String client, int cport, String server, int sport) {
        return new EventHeader(flowId, new int[0], client, cport, server, sport, "TCP", true, client.contains(":") ? 6 : 4,
                "1:flow" + flowId + "=", "http", "test.pcap");
    }

    /**
     * Returns the flow, http and fileinfo events of one download of {@code url} from {@code host},
     * and an alert when {@code infected}.
     */
    public static List<EveEvent> download(long flowId, long tsNanos, String client, String server, int port, String host,
            String url, String ua, String filename, long size, String sha256, boolean infected) {
        return download(flowId, tsNanos, client, server, port, host, url, ua, "http://ref.example/", "application/octet-stream",
                filename, size, sha256, infected);
    }

    /** Returns the events of one download with the given referer and content type too. */
    public static List<EveEvent> download(long flowId, long tsNanos, String client, String server, int port, String host,
            String url, String ua, String referer, String contentType, String filename, long size, String sha256, boolean infected) {
        EventHeader h = header(flowId, client, 40000 + (int) (flowId % 20000), server, port);
        HttpInfo http = new HttpInfo(0, host, port, url, ua, contentType, "GET", referer, "HTTP/1.1", 200, size, 0, null);
        FileInfo fi = new FileInfo(filename, size, "md5-" + flowId, "sha1-" + flowId, sha256, "application/x-dosexec", "CLOSED",
                false, 0, true, null, false, null, List.of(), -1, -1, -1, false, null);
        FileEvent fe = new FileEvent(tsNanos + 2000, h, http, false, fi, null);
        FileVerdict v = new FileVerdict("clamd", "1.4.6", null, infected ? "infected" : "clean",
                infected ? List.of("Win.Test.EICAR_HDB-1") : List.of(), 3, null, false);
        List<EveEvent> events = new ArrayList<>();
        events.add(new HttpEvent(tsNanos + 1000, h, http));
        events.add(new FileInfoEvent(fe, v, false));
        if (infected) {
            events.add(new AlertEvent(tsNanos + 3000, h, true, "to_client",
                    AlertEvent.Signature.of(1_000_001, "ClamAV Win.Test.EICAR_HDB-1", "Malware download or upload", 3),
                    http, fe, v, null, null, null));
        }
        events.add(new FlowEvent(h, tsNanos, tsNanos + 5_000_000, 5, 6, 500, size + 400, "closed", "shutdown", false, infected,
                new FlowEvent.Tcp(0x1b, 0x1b, "closed", 0, 0, false), null));
        return events;
    }

    /** Returns the EVE line the EVE writer writes for {@code e} (without its line end). */
    public static String line(EveEvent e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (EveWriter w = new EveWriter(out, SENSOR, false)) {
            w.accept(e);
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
        String s = out.toString(StandardCharsets.UTF_8);
        return s.substring(0, s.length() - 1);
    }
}
