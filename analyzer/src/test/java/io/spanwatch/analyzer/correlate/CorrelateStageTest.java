package io.spanwatch.analyzer.correlate;

import io.spanwatch.analyzer.events.AddressSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.analyzer.events.AnalyzerStage;
import io.spanwatch.analyzer.events.EventBus;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.event.FlowEvent;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.IncidentEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives the stage with made-up events: a host downloads malware, then calls a command server
 * every minute. The scanner's verdict (the malware alert) arrives with its file (a fast scanner),
 * after all the traffic (a slow one), or after the beacon was already reported and the stream had
 * moved on (a scanner that was down for a while): the incident must be the same each time. Also:
 * an allowlisted destination is never a beacon alert, a rule that does not compile is reported
 * with its file and line while the others run, and a rules file changed while the stage runs is
 * redeployed without losing beacon or incident state.
 */
class CorrelateStageTest {
    private static final long T0 = 1_710_230_000_000L; // ms
    private static final String HOST = "10.1.2.3";

    @TempDir
    Path tmp;

    /** Keeps every event the bus passes on (shared with the other tests of the stage). */
    static final class Collector implements AnalyzerStage {
        final List<EveEvent> events = Collections.synchronizedList(new ArrayList<>());

        @Override
        public EveEvent onEvent(EveEvent e) {
            events.add(e);
            return e;
        }
    }

    private CorrelateStage stage(EventBus bus, Path rules, Path allow) throws Exception {
        CorrelateConfig c = CorrelateConfig.defaults(rules, false).withHomeNet(AddressSet.parse("10.0.0.0/8"))
                .withAllowlists(allow == null ? List.of() : List.of(allow));
        c = new CorrelateConfig(c.homeNet(), c.allowlists(), c.rulesDir(), c.threshold(), c.minCallbacks(), c.burstGapMillis(),
                c.windowMillis(), c.scoreIntervalMillis(), c.maxPairs(), c.maxCallbacks(), c.maxStored(),
                c.incidentWindowMillis(), c.maxHosts(), c.maxIncidentBytes(), 16, c.latenessMillis(), c.queueEvents(), false);
        return CorrelateStage.start(c, bus, new EveRenderer("test", false), p -> { });
    }

    private static EventHeader header(long flow, String server) {
        return header(flow, server, "http");
    }

    private static EventHeader header(long flow, String server, String appProto) {
        return new EventHeader(flow, new int[0], HOST, 40000 + (int) (flow % 20000), server, 80, "TCP", true, 4, null, appProto, null);
    }

    /** The download's malware alert (as the scan stage raises it: time of the file, server as src), a minute after T0. */
    private static AlertEvent malware() {
        return malware(T0 + 60_000);
    }

    private static AlertEvent malware(long atMillis) {
        return malware(atMillis, "a".repeat(64), 1);
    }

    private static AlertEvent malware(long atMillis, String sha256, long flow) {
        HttpInfo http = new HttpInfo(0, "files.example", -1, "/invoice.exe", "Mozilla/5.0", "application/octet-stream", "GET", null,
                "HTTP/1.1", 200, 68, 0, null);
        FileInfo fi = new FileInfo("/invoice.exe", 68, "m", "s1", sha256, "application/x-dosexec", "CLOSED", false, 0, true,
                null, false, null, List.of(), -1, -1, -1, false, null, false, 1);
        long ts = atMillis * 1_000_000;
        FileEvent f = new FileEvent(ts, header(flow, "192.0.2.10"), http, false, fi, null);
        FileVerdict v = new FileVerdict("clamd", "1.4", "1", "infected", List.of("Win.Trojan.Test"), 3, null, false);
        return new AlertEvent(ts, f.header(), true, "to_client", AlertEvent.Signature.of(1, "ClamAV Win.Trojan.Test",
                AlertEvent.MALWARE, 1), http, f, v, null, null, null);
    }

    /** Callbacks every 60 s ± 20 % to c2.example for 4 hours, starting 5 minutes after the download. */
    private static List<EveEvent> callbacks(String host) {
        java.util.Random r = new java.util.Random(7);
        List<EveEvent> out = new ArrayList<>();
        long t = T0 + 6 * 60_000;
        for (int i = 0; t < T0 + 4 * 3_600_000L; i++) {
            HttpInfo http = new HttpInfo(0, host, -1, "/poll", "curl", "text/plain", "GET", null, "HTTP/1.1", 200, 16, 0, null);
            out.add(new HttpEvent(t * 1_000_000, header(100 + i, "198.51.100.7"), http));
            t += 48_000 + r.nextInt(24_000);
        }
        return out;
    }

    private List<EveEvent> run(String arrival, Path allow) throws Exception {
        EventBus bus = new EventBus();
        Collector out = new Collector();
        CorrelateStage s = stage(bus, null, allow);
        bus.add(s).add(out);
        List<EveEvent> traffic = callbacks("c2.example");
        AlertEvent m = malware();
        if (arrival.equals("fast")) {
            bus.accept(m);
        }
        for (int i = 0; i < traffic.size(); i++) {
            bus.accept(traffic.get(i));
            if (arrival.equals("down") && i == traffic.size() / 2) {
                // The stream has moved hours past the download; let the stage score a checkpoint first.
                Thread.sleep(300);
            }
        }
        if (!arrival.equals("fast")) {
            bus.accept(m);
        }
        s.drain();
        s.close();
        return new ArrayList<>(out.events);
    }

    private static List<IncidentEvent> incidents(List<EveEvent> events) {
        return events.stream().filter(e -> e instanceof IncidentEvent).map(e -> (IncidentEvent) e).toList();
    }

    @Test
    void theSameIncidentWhetherTheVerdictComesFastSlowOrLate() throws Exception {
        List<IncidentEvent> fast = incidents(run("fast", null));
        List<IncidentEvent> slow = incidents(run("slow", null));
        List<IncidentEvent> down = incidents(run("down", null));
        assertEquals(1, fast.size(), "one incident: " + fast);
        IncidentEvent i = fast.get(0);
        assertEquals(HOST, i.host());
        assertEquals("download-then-callback", i.kind());
        assertEquals("a".repeat(64), i.alerts().get(0).sha256());
        assertEquals("http://files.example/invoice.exe", i.alerts().get(0).url());
        assertEquals("c2.example", i.alerts().get(1).callbackHost());
        assertEquals((T0 + 6 * 60_000) * 1_000_000, i.alerts().get(1).tsNanos(), "the first callback after the download");
        assertEquals(fast, slow, "a slow scanner");
        assertEquals(fast, down, "a scanner that was down for a while");
    }

    @Test
    void aDownloadByAHostAlreadyReportedAsBeaconingJoinsTheCallbacksAfterIt() throws Exception {
        // The host beacons from T0 on and is reported at the first checkpoint that sees enough of it;
        // three hours in it downloads malware (a second stage) and keeps calling.
        EventBus bus = new EventBus();
        Collector out = new Collector();
        CorrelateStage s = stage(bus, null, null);
        bus.add(s).add(out);
        long download = T0 + 3 * 3_600_000L;
        boolean sent = false;
        long firstAfter = -1;
        for (EveEvent e : callbacks("c2.example")) {
            if (!sent && e.tsNanos() > download * 1_000_000) {
                bus.accept(malware(download));
                sent = true;
                firstAfter = e.tsNanos();
            }
            bus.accept(e);
        }
        s.drain();
        s.close();
        List<EveEvent> events = new ArrayList<>(out.events);
        long beaconAlert = events.stream().filter(e -> e instanceof AlertEvent a && AlertEvent.BEACON.equals(a.alert().category()))
                .mapToLong(EveEvent::tsNanos).min().orElseThrow();
        assertTrue(beaconAlert < download * 1_000_000, "the beacon was reported before the download");
        List<IncidentEvent> found = incidents(events);
        assertEquals(1, found.size(), "one incident: " + found);
        assertEquals("c2.example", found.get(0).alerts().get(1).callbackHost());
        assertEquals(firstAfter, found.get(0).alerts().get(1).tsNanos(), "joined with the first callback after the download");
    }

    @Test
    void anAllowlistedDestinationIsScoredButNeverABeaconAlert() throws Exception {
        Path allow = Files.writeString(tmp.resolve("allow"), "# benign\nexample\n");
        List<EveEvent> events = run("fast", allow);
        assertFalse(events.stream().anyMatch(e -> e instanceof AlertEvent a && AlertEvent.BEACON.equals(a.alert().category())),
                "no beacon alert for an allowlisted name (example covers c2.example)");
        List<EveEvent> plain = run("fast", null);
        assertTrue(plain.stream().anyMatch(e -> e instanceof AlertEvent a && AlertEvent.BEACON.equals(a.alert().category())
                && "c2.example".equals(a.beacon().host()) && HOST.equals(a.header().clientIp())), "a beacon alert without the allowlist");
    }

    private static List<AlertEvent> alerts(Collector out, String category) {
        synchronized (out.events) {
            return out.events.stream().filter(e -> e instanceof AlertEvent a && category.equals(a.alert().category()))
                    .map(e -> (AlertEvent) e).toList();
        }
    }

    /** Waits (up to a minute) until {@code done} holds; the stage works on its own thread. */
    private static void await(String what, java.util.function.BooleanSupplier done) throws InterruptedException {
        for (int i = 0; i < 1200 && !done.getAsBoolean(); i++) {
            Thread.sleep(50);
        }
        assertTrue(done.getAsBoolean(), "waited a minute for " + what);
    }

    private static long stat(CorrelateStage s, String key) {
        java.util.Map<String, Long> m = new java.util.HashMap<>();
        s.addStats(m);
        return m.getOrDefault(key, 0L);
    }

    /**
     * Changes a rules file while the stage runs: it is redeployed (the new statements run, the old
     * are gone), and what the stage keeps in Java stays: the beacon found before the change is not
     * found again, and a malware verdict that comes after the change (late: the download was before
     * the callbacks) still joins the callbacks seen before it into an incident.
     */
    @Test
    void aChangedRulesFileIsRedeployedAndBeaconAndIncidentStateStay() throws Exception {
        Path rules = Files.createDirectories(tmp.resolve("rules"));
        Path file = rules.resolve("watch.epl");
        Files.writeString(file, """
                @Name('beacon-seen') @Tag(name='signature', value='v1: beacon')
                select b as beacon from Alert(alert.category = 'beacon') as b;
                """);
        EventBus bus = new EventBus();
        Collector out = new Collector();
        CorrelateStage s = stage(bus, rules, null);
        bus.add(s).add(out);
        List<EveEvent> traffic = callbacks("c2.example");
        int half = traffic.size() / 2;
        for (EveEvent e : traffic.subList(0, half)) {
            bus.accept(e);
        }
        await("the beacon alert", () -> alerts(out, AlertEvent.BEACON).size() == 1);
        await("the v1 rule's alert", () -> alerts(out, AlertEvent.CORRELATION).size() == 1);

        Files.writeString(file, """
                @Name('beacon-seen') @Tag(name='signature', value='v2: beacon')
                select b as beacon from Alert(alert.category = 'beacon') as b;

                @Name('incident-seen') @Tag(name='signature', value='v2: incident')
                select i as incident from Incident as i;
                """);
        await("the changed file to be redeployed", () -> stat(s, "correlate.rules.reloads") >= 1);
        assertEquals(2, stat(s, "correlate.rules.statements"), "the new file's two statements, the old one gone");

        bus.accept(malware()); // clamd's verdict on the download, after the change
        for (EveEvent e : traffic.subList(half, traffic.size())) {
            bus.accept(e);
        }
        s.drain();
        List<String> errors = s.ruleErrors();
        s.close();
        assertEquals(List.of(), errors);
        assertEquals(1, alerts(out, AlertEvent.BEACON).size(), "the beacon is not found again: its pair was kept");
        List<IncidentEvent> incidents = incidents(out.events);
        assertEquals(1, incidents.size(), "the late verdict joins the callbacks from before the change: " + incidents);
        assertEquals((T0 + 6 * 60_000) * 1_000_000, incidents.get(0).alerts().get(1).tsNanos(), "the first callback");
        List<String> signatures = alerts(out, AlertEvent.CORRELATION).stream().map(a -> a.alert().signature()).sorted().toList();
        assertEquals(List.of("v1: beacon", "v2: incident"), signatures, "each statement as it was deployed when its event came");
    }

    @Test
    void theShippedMalwareRuleCountsDistinctFilesPerHostThroughItsBoundedWindow() throws Exception {
        // rules/malware.epl keeps one alert per host and file (#unique) for 24 hours: repeats of one
        // file do not count twice, a second file does, and thousands of repeats are not all held.
        Path shipped = io.spanwatch.analyzer.TestPaths.repoRoot().resolve("rules");
        EventBus bus = new EventBus();
        Collector out = new Collector();
        CorrelateStage s = stage(bus, shipped, null);
        bus.add(s).add(out);
        for (int i = 0; i < 2000; i++) {
            bus.accept(malware(T0 + 60_000 + i * 100L, "a".repeat(64), 10 + i));
        }
        bus.accept(malware(T0 + 600_000, "b".repeat(64), 5000));
        bus.accept(malware(T0 + 700_000, "c".repeat(64), 5001));
        s.drain();
        List<String> errors = s.ruleErrors();
        s.close();
        assertEquals(List.of(), errors, "the shipped rules deploy");
        List<AlertEvent> several = alerts(out, AlertEvent.CORRELATION).stream()
                .filter(a -> a.alert().metadata().getOrDefault("rule", List.of()).contains("several-malware-downloads")).toList();
        assertEquals(1, several.size(), "once, when the second distinct file came: " + several);
        assertEquals(T0 + 600_000, several.get(0).tsNanos() / 1_000_000);
    }

    @Test
    void aBadRuleIsNamedByFileAndLineAndTheOthersRun() throws Exception {
        Path rules = Files.createDirectories(tmp.resolve("rules"));
        Files.writeString(rules.resolve("a.epl"), """
                // good
                @Name('exe-download')
                select f as download from FileInfo(is_executable(fileinfo.mimetype)) as f;

                @Name('broken')
                select nosuchfield from Http;
                """);
        Files.writeString(rules.resolve("b.epl"), """
                @Name('malware-seen') @Tag(name='severity', value='1')
                select a as alert, internal_ip as host from Alert(alert.category = 'malware') as a;
                """);
        Files.writeString(rules.resolve("c.epl"), """
                // a syntax error
                select * fromm Http;
                """);
        EventBus bus = new EventBus();
        Collector out = new Collector();
        CorrelateStage s = stage(bus, rules, null);
        bus.add(s).add(out);
        bus.accept(malware());
        s.drain();
        List<String> errors = s.ruleErrors();
        s.close();
        assertEquals(2, errors.size(), "two errors: " + errors);
        assertTrue(errors.get(0).contains("a.epl:5"), "names the file and the line its statement starts on: " + errors.get(0));
        assertTrue(errors.get(1).contains("c.epl:2"), "a syntax error too: " + errors.get(1));
        List<AlertEvent> rule = out.events.stream().filter(e -> e instanceof AlertEvent a
                && AlertEvent.CORRELATION.equals(a.alert().category())).map(e -> (AlertEvent) e).toList();
        assertEquals(1, rule.size(), "the good rule of b.epl fired once: " + rule);
        AlertEvent a = rule.get(0);
        assertEquals(1, a.alert().severity());
        assertEquals(List.of("malware-seen"), a.alert().metadata().get("rule"));
        assertEquals(List.of(HOST), a.alert().metadata().get("host"));
        assertEquals(HOST, a.header().clientIp());
    }

    /**
     * A statement nested thousands deep overflows Esper's parser: it is one short error that says so
     * (Esper's own message was "null" and the whole 40 KB statement, printed on stderr), and the
     * other rules of the file run.
     */
    @Test
    void aStatementNestedTooDeeplyIsOneShortError() throws Exception {
        Path rules = Files.createDirectories(tmp.resolve("rules"));
        String deep = "(".repeat(20_000) + "true" + ")".repeat(20_000);
        Files.writeString(rules.resolve("deep.epl"), "@Name('deep')\nselect * from Http where " + deep + ";\n\n"
                + "@Name('malware-seen')\nselect a as alert, internal_ip as host from Alert(alert.category = 'malware') as a;\n");
        Files.writeString(rules.resolve("long.epl"), "@Name('long')\nselect nosuchfield from Http where " + "true and ".repeat(2_000)
                + "true;\n");
        EventBus bus = new EventBus();
        Collector out = new Collector();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        CorrelateConfig c = CorrelateConfig.defaults(rules, false).withHomeNet(AddressSet.parse("10.0.0.0/8"));
        CorrelateStage s = CorrelateStage.start(c, bus, new EveRenderer("test", false), problems::add);
        bus.add(s).add(out);
        bus.accept(malware());
        s.drain();
        s.close();
        assertEquals(2, problems.size(), "one error for each bad statement: " + problems);
        assertEquals(rules.resolve("deep.epl") + ":1: the statement is nested too deeply to compile (stack overflow)", problems.get(0));
        assertTrue(problems.get(1).startsWith(rules.resolve("long.epl") + ":1: ")
                && problems.get(1).length() < rules.resolve("long.epl").toString().length() + 400
                && problems.get(1).contains(" more characters)"), "a long statement's error is cut: " + problems.get(1));
        assertEquals(1, out.events.stream().filter(e -> e instanceof AlertEvent a && AlertEvent.CORRELATION.equals(a.alert().category()))
                .count(), "the good rule after the deep one ran");
    }

    /**
     * Callbacks every 5 min +-20 % for 12 hours from a minute after T0 to one address, each naming one of
     * two hosts at random (a C2 rotating names); the same client also visits another name on that
     * address a few times. {@code periodic} false: the same callbacks at random times.
     */
    private static List<EveEvent> rotation(long seed, boolean periodic) {
        java.util.Random r = new java.util.Random(seed);
        List<EveEvent> out = new ArrayList<>();
        long t = T0 + 2 * 60_000;
        for (int i = 0; t < T0 + 12 * 3_600_000L; i++) {
            String name = r.nextBoolean() ? "mx1.relay.example" : "mx2.relay.example";
            HttpInfo http = new HttpInfo(0, name, -1, "/ews/exchange.asmx", "Outlook", "text/xml", "POST", null, "HTTP/1.1", 200, 60,
                    140, "text/xml");
            out.add(new HttpEvent(t * 1_000_000, header(500 + i, "198.51.100.9"), http));
            if (i % 40 == 17) {
                HttpInfo other = new HttpInfo(0, "www.other.example", -1, "/", "Mozilla/5.0", "text/html", "GET", null, "HTTP/1.1", 200,
                        3000, 0, null);
                out.add(new HttpEvent((t + 1_000 + r.nextInt(60_000)) * 1_000_000, header(90_000 + i, "198.51.100.9"), other));
            }
            t += periodic ? 240_000 + r.nextInt(120_000) : 1_000 + (long) (-Math.log(1 - r.nextDouble()) * 300_000);
        }
        return out;
    }

    private List<EveEvent> runRotation(long seed, boolean periodic) throws Exception {
        EventBus bus = new EventBus();
        Collector out = new Collector();
        CorrelateStage s = stage(bus, null, null);
        bus.add(s).add(out);
        bus.accept(malware());
        for (EveEvent e : rotation(seed, periodic)) {
            bus.accept(e);
        }
        s.drain();
        s.close();
        return new ArrayList<>(out.events);
    }

    static List<AlertEvent> beacons(List<EveEvent> events) {
        return events.stream().filter(e -> e instanceof AlertEvent a && AlertEvent.BEACON.equals(a.alert().category()))
                .map(e -> (AlertEvent) e).toList();
    }

    @Test
    void callbacksRotatingOverNamesOfOneAddressAreFoundForEachName() throws Exception {
        List<EveEvent> events = runRotation(11, true);
        List<AlertEvent> beacons = beacons(events);
        assertEquals(java.util.Set.of("mx1.relay.example", "mx2.relay.example"),
                beacons.stream().map(a -> a.beacon().host()).collect(java.util.stream.Collectors.toSet()), beacons.toString());
        List<AlertEvent> rotated = beacons.stream().filter(a -> a.alert().signatureId() == BeaconAlerts.ROTATION_SIGNATURE_ID).toList();
        assertFalse(rotated.isEmpty(), "this seed hides at least one name from its own pair: " + beacons);
        for (AlertEvent a : rotated) {
            assertEquals(List.of("mx1.relay.example", "mx2.relay.example"), a.alert().metadata().get("names_on_address").stream().sorted()
                    .toList());
            assertEquals("198.51.100.9", a.beacon().destIp());
        }
        // the download a minute after T0 and the first callback after it make one incident
        List<IncidentEvent> inc = incidents(events);
        assertFalse(inc.isEmpty(), "an incident: " + events);
        assertTrue(inc.get(0).summary().contains("mx1.relay.example") || inc.get(0).summary().contains("mx2.relay.example"),
                inc.get(0).summary());
    }

    @Test
    void namesOfOneAddressCalledAtRandomAreNoBeacon() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            assertEquals(List.of(), beacons(runRotation(seed, false)), "seed " + seed);
        }
    }

    @Test
    void http2FlowsCountThroughTheirRequestsAsHttpFlowsDo() throws Exception {
        // The same callbacks over HTTP/2 in cleartext: each an http event and its flow's event. The
        // flows must not count again, as callbacks to the bare address.
        EventBus bus = new EventBus();
        Collector out = new Collector();
        CorrelateStage s = stage(bus, null, null);
        bus.add(s).add(out);
        for (EveEvent e : callbacks("c2.example")) {
            HttpEvent h = (HttpEvent) e;
            EventHeader h2 = header(h.header().flowId(), "198.51.100.7", "http2");
            bus.accept(new HttpEvent(h.tsNanos(), h2, h.http()));
            bus.accept(new FlowEvent(h2, h.tsNanos(), h.tsNanos() + 2_000_000_000L, 6, 6, 400, 500, "closed", "timeout", false, false,
                    null, null));
        }
        s.drain();
        s.close();
        List<AlertEvent> beacons = beacons(new ArrayList<>(out.events));
        assertFalse(beacons.isEmpty(), "the callbacks are a beacon");
        for (AlertEvent a : beacons) {
            assertEquals("c2.example", a.beacon().host(), a.toString());
        }
    }
}
