package io.spanwatch.analyzer.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.analyzer.events.AddressSet;
import io.spanwatch.analyzer.events.EventBus;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FlowEvent;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.TlsEvent;
import io.spanwatch.sensor.event.TlsInfo;
import io.spanwatch.sensor.flow.AppTunnel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A mirror between the clients and an explicit forward proxy: every connection goes to the proxy's
 * address, plain HTTP in absolute form ({@code GET http://host/path}), HTTPS as a CONNECT followed by
 * TLS in the tunnel. Beacons are named by the host the client asked the proxy for, a tunnel counts
 * once (its CONNECT and its flow are one callback), and the names a client browses through the proxy
 * are never blamed as a rotation over names of one address (the address is the proxy's).
 */
class ProxyCorrelationTest {
    private static final long T0 = 1_780_704_000_000L; // ms
    private static final String CLIENT = "10.1.2.3";
    private static final String PROXY = "10.0.0.8";
    private static final long MS = 1_000_000L;

    /** The events of a run, and the stage's counters after it. */
    private record Run(List<AlertEvent> beacons, Map<String, Long> stats) {
        Set<String> hosts() {
            return beacons.stream().map(a -> a.beacon().host()).collect(Collectors.toSet());
        }
    }

    private static Run run(List<EveEvent> traffic) throws Exception {
        EventBus bus = new EventBus();
        CorrelateStageTest.Collector out = new CorrelateStageTest.Collector();
        CorrelateConfig c = CorrelateConfig.defaults(null, false).withHomeNet(AddressSet.parse("10.0.0.0/8"));
        CorrelateStage s = CorrelateStage.start(c, bus, new EveRenderer("test", false), p -> { });
        bus.add(s).add(out);
        traffic.sort(java.util.Comparator.comparingLong(EveEvent::tsNanos));
        for (EveEvent e : traffic) {
            bus.accept(e);
        }
        s.drain();
        Map<String, Long> stats = new HashMap<>();
        s.addStats(stats);
        s.close();
        return new Run(CorrelateStageTest.beacons(new ArrayList<>(out.events)), stats);
    }

    private static EventHeader header(long flow, String appProto, AppTunnel tunnel) {
        return new EventHeader(flow, new int[0], CLIENT, 30_000 + (int) (flow % 30_000), PROXY, 3128, "TCP", true, 4, null, appProto,
                null, null, tunnel);
    }

    /** One request in absolute form through the proxy, on a connection of its own. */
    private static void get(List<EveEvent> out, long flow, long atMillis, String host, String path) {
        HttpInfo http = new HttpInfo(0, host, -1, "http://" + host + path, "Mozilla/5.0", "text/html", "GET", null, "HTTP/1.1", 200,
                900, 0, null);
        out.add(new HttpEvent(atMillis * MS, header(flow, "http", null), http));
        out.add(new FlowEvent(header(flow, "http", null), atMillis * MS, (atMillis + 400) * MS, 6, 6, 500, 1200, "closed", "timeout",
                false, false, null, null));
    }

    /**
     * One HTTPS connection through the proxy: {@code CONNECT target} (with a Host header or not), 200,
     * then TLS naming {@code sni} (none when null), then the flow's end.
     */
    private static void tunnel(List<EveEvent> out, long flow, long atMillis, String target, boolean hostHeader, String sni) {
        String host = target.substring(0, target.lastIndexOf(':'));
        HttpInfo connect = new HttpInfo(0, hostHeader ? host : null, hostHeader ? 443 : -1, target, "Mozilla/4.0", null, "CONNECT", null,
                "HTTP/1.1", 200, 0, 0, null);
        AppTunnel far = AppTunnel.ofConnect(target);
        out.add(new HttpEvent((atMillis + 2) * MS, header(flow, "http", null), connect));
        out.add(new TlsEvent((atMillis + 30) * MS, header(flow, "tls", far),
                new TlsInfo(sni, "TLS 1.3", null, null, null, List.of("h2"), List.of())));
        out.add(new FlowEvent(header(flow, "tls", far), atMillis * MS, (atMillis + 900) * MS, 10, 10, 1200, 1000 + flow % 7 * 40,
                "closed", "timeout", false, false, null, null));
    }

    /** Times every {@code period} ms +-{@code jitter} for {@code hours} from a minute after T0. */
    private static List<Long> timer(Random r, long period, double jitter, int hours) {
        List<Long> out = new ArrayList<>();
        for (long t = T0 + 60_000; t < T0 + hours * 3_600_000L; t += (long) (period * (1 + jitter * (2 * r.nextDouble() - 1)))) {
            out.add(t);
        }
        return out;
    }

    @Test
    void aTunnelCountsOnceForItsTargetNeverForTheProxysAddress() throws Exception {
        // Two beacons over HTTPS through the proxy, 5 min +-20 % for 12 hours: one whose CONNECT has no
        // Host header (its TLS names the C2), one to an address literal without a server name. Before,
        // each tunnel counted twice (its CONNECT and its flow), and the part of it that found no name
        // counted for the proxy's address: a beacon alert naming the proxy.
        List<EveEvent> traffic = new ArrayList<>();
        Random r = new Random(20261206);
        long flow = 1;
        int connections = 0;
        for (long t : timer(r, 300_000, 0.2, 12)) {
            tunnel(traffic, flow++, t, "c2.tunnel.example:443", false, "c2.tunnel.example");
            connections++;
        }
        for (long t : timer(r, 300_000, 0.2, 12)) {
            tunnel(traffic, flow++, t + 97_000, "203.0.113.5:443", true, null);
            connections++;
        }
        Run run = run(traffic);
        assertEquals(Set.of("c2.tunnel.example", "203.0.113.5"), run.hosts(), run.beacons().toString());
        assertEquals(connections, run.stats().get("correlate.beacon.requests"), "one callback a tunnel");
        assertEquals(0L, run.stats().get("correlate.tls_names"), "no tunnel's name left waiting for its flow");
    }

    @Test
    void aRefusedConnectCountsForItsTarget() throws Exception {
        // The proxy refuses a C2's CONNECT (407, 403) every time; the implant keeps calling: a beacon of
        // the target, whose requests are plain HTTP to the proxy.
        List<EveEvent> traffic = new ArrayList<>();
        long flow = 1;
        for (long t : timer(new Random(3), 300_000, 0.2, 12)) {
            HttpInfo connect = new HttpInfo(0, null, -1, "blocked-c2.example:443", "Go-http-client/1.1", "text/html", "CONNECT", null,
                    "HTTP/1.1", 403, 320, 0, null);
            traffic.add(new HttpEvent(t * MS, header(flow, "http", null), connect));
            traffic.add(new FlowEvent(header(flow, "http", null), t * MS, (t + 50) * MS, 4, 4, 200, 500, "closed", "timeout", false,
                    false, null, null));
            flow++;
        }
        Run run = run(traffic);
        assertEquals(Set.of("blocked-c2.example"), run.hosts(), run.beacons().toString());
    }

    @Test
    void connectStreamsOfAnHttp2ConnectionCountEachAsARequest() throws Exception {
        // An HTTP/2 proxy: one connection carries a CONNECT stream a callback, 5 min +-20 % for 12
        // hours. The streams count as requests do; the connection's flow does not count again.
        List<EveEvent> traffic = new ArrayList<>();
        List<Long> times = timer(new Random(5), 300_000, 0.2, 12);
        for (long t : times) {
            HttpInfo connect = new HttpInfo(0, "c2.h2.example", 443, "c2.h2.example:443", "Go-http-client/2.0", null, "CONNECT", null,
                    "HTTP/2", 200, 0, 0, null);
            traffic.add(new HttpEvent(t * MS, header(1, "http2", null), connect));
        }
        long end = (times.get(times.size() - 1) + 1_000) * MS;
        traffic.add(new FlowEvent(header(1, "http2", null), times.get(0) * MS, end, 900, 900, 90_000, 90_000, "closed", "timeout", false,
                false, null, null));
        Run run = run(traffic);
        assertEquals(Set.of("c2.h2.example"), run.hosts(), run.beacons().toString());
        assertEquals(times.size(), run.stats().get("correlate.beacon.requests"), "one callback a stream, none for the flow");
    }

    @Test
    void namesBrowsedThroughTheProxyAreNotBlamedForABeaconThroughIt() throws Exception {
        // A beacon in absolute form through the proxy, 5 min +-10 % for 12 hours, and two sites the
        // same person browses through the proxy at random times, often enough to carry a fair share
        // of the requests to the proxy's address. Before, the three names shared the address pair
        // client -> proxy, whose timer the beacon set: both sites were reported as names a C2 rotates over.
        for (long seed = 1; seed <= 3; seed++) {
            List<EveEvent> traffic = new ArrayList<>();
            Random r = new Random(seed);
            long flow = 1;
            for (long t : timer(r, 300_000, 0.1, 12)) {
                get(traffic, flow++, t, "c2.plain.example", "/poll");
            }
            for (String site : List.of("news.daily.example", "shop.mart.example")) {
                long t = T0;
                while ((t += 5_000 + (long) (-Math.log(1 - r.nextDouble()) * 900_000)) < T0 + 12 * 3_600_000L) {
                    get(traffic, flow++, t, site, "/article/" + r.nextInt(1000));
                }
            }
            Run run = run(traffic);
            assertEquals(Set.of("c2.plain.example"), run.hosts(), "seed " + seed + ": " + run.beacons());
            assertEquals(0L, run.stats().get("correlate.beacon.address.requests"), "requests through a proxy leave the address pairs alone");
        }
    }

    @Test
    void theAbsoluteFormIsToldFromOriginForm() {
        assertTrue(CorrelateStage.isAbsoluteForm("http://c2.example/poll"));
        assertTrue(CorrelateStage.isAbsoluteForm("HTTPS://c2.example:8443/"));
        assertTrue(CorrelateStage.isAbsoluteForm("ftp://files.example/x"));
        assertFalse(CorrelateStage.isAbsoluteForm("/poll?next=http://x.example/"));
        assertFalse(CorrelateStage.isAbsoluteForm("c2.example:443"));
        assertFalse(CorrelateStage.isAbsoluteForm("*"));
        assertFalse(CorrelateStage.isAbsoluteForm("1http://x/"));
        assertFalse(CorrelateStage.isAbsoluteForm(null));
    }
}
