package io.spanwatch.analyzer.report;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.EveTime;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.event.FlowCounters;
import io.spanwatch.sensor.event.FlowEvent;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.IncidentEvent;
import io.spanwatch.sensor.event.StatsEvent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Makes synthetic events for report tests: every kind the report counts, with the fields it reads. */
final class Ev {
    static final long HOUR = 3_600_000_000_000L;

    private Ev() {
    }

    static long t(String iso) {
        return EveTime.parse(iso);
    }

    static EventHeader flow(long id, String client, String server, int port) {
        return new EventHeader(id, new int[0], client, 40000 + (int) (id % 20000), server, port, "TCP", true, 4, "1:x=", "http",
                "test.pcap", new FlowCounters(5, 7, 500, 7000, 0));
    }

    static HttpInfo http(String host, String url) {
        return new HttpInfo(0, host, -1, url, "curl/8", "application/octet-stream", "GET", null, "HTTP/1.1", 200, 68, 0, null);
    }

    static FileEvent file(long ts, EventHeader h, String host, String url, String name, String sha, boolean upload) {
        FileInfo fi = new FileInfo(name, 68, sha == null ? null : "m" + sha.substring(1, 32), sha == null ? null : "s" + sha.substring(1, 40),
                sha, "application/x-dosexec", sha == null ? "TRUNCATED" : "CLOSED", sha == null, 0, true, sha, false, null, List.of(),
                -1, -1, -1, false, null, false, 1);
        return new FileEvent(ts, h, http(host, url), upload, fi, null);
    }

    static FileVerdict verdict(String result, String reason, boolean interim, String... sigs) {
        return new FileVerdict(interim ? "builtin-hash" : "clamd", "1.4.6", "27500", result, List.of(sigs), 3, reason, interim);
    }

    static FileInfoEvent fileinfo(FileEvent f, FileVerdict v) {
        return new FileInfoEvent(f, v, false);
    }

    static FileInfoEvent late(FileEvent f, long ts, FileVerdict v) {
        return new FileInfoEvent(new FileEvent(ts, f.header(), f.http(), f.toServer(), f.info(), null), v, true);
    }

    static AlertEvent malware(FileEvent f, long ts, String sig, boolean interim) {
        FileVerdict v = verdict("infected", null, interim, sig);
        return new AlertEvent(ts, f.header(), !f.toServer(), f.toServer() ? "to_server" : "to_client",
                AlertEvent.Signature.of(9_500_000, (interim ? "SpanWatch hash " : "ClamAV ") + sig, AlertEvent.MALWARE, 1),
                f.http(), f, v, null, null, null);
    }

    static AlertEvent beacon(long ts, String client, String host, String destIp, int port, double score, long conns, double interval) {
        Map<String, Double> parts = new LinkedHashMap<>();
        parts.put("interval_score", score);
        return new AlertEvent(ts, EventHeader.pair(client, destIp, port, "TCP", 4, "http"), false, null,
                AlertEvent.Signature.of(9_100_001, "SpanWatch beacon: periodic callbacks from an internal host", AlertEvent.BEACON, 2),
                null, null, null, null, new AlertEvent.Beacon(host, destIp, port, score, conns, interval, ts - conns * (long) (interval * 1e9),
                        ts, parts), null);
    }

    static AlertEvent reputation(long ts, EventHeader h, String feed, String indicator, String type, String threat) {
        return new AlertEvent(ts, h, false, "to_server", AlertEvent.Signature.of(8_100_001, "SpanWatch reputation: " + type + " listed in "
                + feed, AlertEvent.REPUTATION, 2), http(indicator, "/"), null, null,
                new AlertEvent.Reputation(indicator, type, feed, "http.hostname", threat), null, null);
    }

    static IncidentEvent incident(long ts, String host, String sha, String url, long downloadTs, String callbackHost, long callTs) {
        return new IncidentEvent(ts, host, "download-then-callback", downloadTs, callTs, 1, host + " downloaded malware and then called "
                + callbackHost + ".", List.of(new IncidentEvent.Part("ClamAV Win.Test.EICAR_HDB-1", AlertEvent.MALWARE, downloadTs, 7, sha,
                        url, null), new IncidentEvent.Part("SpanWatch beacon", AlertEvent.BEACON, callTs, 0, null, null, callbackHost)));
    }

    static FlowEvent flowEvent(EventHeader h, long start, long end, long pkts, long missed) {
        return new FlowEvent(h, start, end, pkts / 2, pkts - pkts / 2, pkts * 100, pkts * 400, "closed", "timeout", false, false,
                new FlowEvent.Tcp(0x1b, 0x1b, "closed", missed, 0, false), null);
    }

    static StatsEvent stats(long ts, long uptime, long kernelDrops, long queueDrops) {
        Map<String, Long> c = new LinkedHashMap<>();
        c.put("capture.kernel_drops", kernelDrops);
        c.put("capture.sensor_queue_drops", queueDrops);
        c.put("decoder.pkts", 1000L);
        return new StatsEvent(ts, uptime, c);
    }

    static String sha(int n) {
        return String.format("%064x", n);
    }
}
