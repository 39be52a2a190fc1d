package io.spanwatch.analyzer.reputation;

import io.spanwatch.analyzer.events.AnalyzerStage;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.EventSink;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.FlowEvent;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.TlsEvent;
import io.spanwatch.sensor.event.TlsInfo;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Puts the reputation stage on the event bus: every {@code flow}, {@code http} and {@code fileinfo}
 * event is checked ({@link ReputationStage#check}) and each hit raises a reputation alert, handed to
 * the bus before the event itself goes on (so the flow's {@code alerted} is right). Retro-hunt hits
 * raise alerts with the original event's time and flow and a {@code retro} object.
 *
 * <p>An alert: {@code alert.category} {@code reputation}, signature {@code SpanWatch reputation: TYPE
 * listed in FEED} with a signature id per feed and type (8,100,000 to 8,199,999), severity 2; the
 * event's {@code http} object (and for a digest the file); {@code src}/{@code dest} as the matching
 * traffic flowed (a download's digest: from the server); the {@code reputation} object names the
 * indicator as written, its type, the feed, the EVE field and the feed's malware or threat name.
 *
 * <p>Whoever builds the bus calls {@link #busReady} once every stage is on it. {@link #drain} waits
 * for retro-hunts still running (at most the drain time), so an offline run writes their alerts;
 * {@link #close} stops the stage.
 */
public final class ReputationEvents implements AnalyzerStage {
    /** Longest wait at drain for retro-hunts still running. */
    public static final long DEFAULT_DRAIN_MILLIS = 600_000;

    private volatile ReputationStage stage;
    private final EventSink bus;
    private final long drainMillis;
    private final AtomicLong packetClock = new AtomicLong();
    /** Opened by {@link #busReady}: retro alerts wait for the stages after this one to be on the bus. */
    private final CountDownLatch ready = new CountDownLatch(1);

    private ReputationEvents(EventSink bus, long drainMillis) {
        this.bus = bus;
        this.drainMillis = drainMillis;
    }

    /** Starts the stage (see {@link ReputationStage#start}); alerts go to {@code bus}. */
    public static ReputationEvents start(IntelConfig config, Path stateDir, EventSink bus, long drainMillis) throws IntelException {
        ReputationEvents r = new ReputationEvents(bus, drainMillis);
        // Retro hits may come before start returns: retro() needs only the bus and the clock.
        r.stage = ReputationStage.start(config, stateDir, r::retro);
        return r;
    }

    /**
     * Says that the bus holds every stage now; retro-hunt alerts (which may be found while the bus
     * is still being built, from the hunt that starts with the stage) wait until then.
     */
    public void busReady() {
        ready.countDown();
    }

    /** Returns the stage underneath (its snapshot, reloads, counters). */
    public ReputationStage stage() {
        return stage;
    }

    @Override
    public EveEvent onEvent(EveEvent e) {
        Observation o = switch (e) {
            case FlowEvent f -> observe(f);
            case HttpEvent h -> observe(h);
            case TlsEvent t when t.header() != null -> observe(t);
            case FileInfoEvent f when !f.lateVerdict() && f.header() != null -> observe(f.file());
            default -> null;
        };
        if (o == null) {
            return e;
        }
        packetClock.accumulateAndGet(e.tsNanos(), Math::max);
        for (IntelHit h : stage.check(o)) {
            bus.accept(alert(e.tsNanos(), e.header(), http(e), file(e), e instanceof TlsEvent, h, null));
        }
        return e;
    }

    private static Observation observe(FlowEvent f) {
        EventHeader h = f.header();
        return Observation.flow(f.tsNanos() / 1000, h.flowId(), h.communityId(), h.proto(), h.clientIp(), h.clientPort(), h.serverIp(),
                h.serverPort());
    }

    private static Observation observe(HttpEvent e) {
        EventHeader h = e.header();
        HttpInfo x = e.http();
        return Observation.http(e.tsNanos() / 1000, h.flowId(), h.communityId(), h.clientIp(), h.clientPort(), h.serverIp(), h.serverPort(),
                x == null ? null : x.hostname(), x == null ? -1 : x.port(), x == null ? null : x.url());
    }

    private static Observation observe(TlsEvent e) {
        EventHeader h = e.header();
        TlsInfo t = e.tls();
        return Observation.tls(e.tsNanos() / 1000, h.flowId(), h.communityId(), h.clientIp(), h.clientPort(), h.serverIp(), h.serverPort(),
                t.sni(), t.ja3() == null ? null : t.ja3().hash(),
                // plain hex, as the observation journal keeps digests (EVE writes it with colons)
                t.certificate() == null || t.certificate().fingerprint() == null ? null : t.certificate().fingerprint().replace(":", ""));
    }

    private static Observation observe(FileEvent f) {
        EventHeader h = f.header();
        HttpInfo x = f.http();
        FileInfo i = f.info();
        boolean up = f.toServer();
        return Observation.file(f.tsNanos() / 1000, h.flowId(), h.communityId(), up ? h.clientIp() : h.serverIp(),
                up ? h.clientPort() : h.serverPort(), up ? h.serverIp() : h.clientIp(), up ? h.serverPort() : h.clientPort(), up,
                x == null ? null : x.hostname(), x == null ? -1 : x.port(), x == null ? null : x.url(),
                i == null ? null : i.md5(), i == null ? null : i.sha1(), i == null ? null : i.sha256());
    }

    private static HttpInfo http(EveEvent e) {
        return switch (e) {
            case HttpEvent h -> h.http();
            case FileInfoEvent f -> f.file().http();
            default -> null;
        };
    }

    private static FileInfoEvent file(EveEvent e) {
        return e instanceof FileInfoEvent f ? f : null;
    }

    /** Raises the alert of a retro-hunt hit, with the observation's time, flow and addresses. */
    private void retro(Observation seen, IntelHit hit) {
        try {
            ready.await();
        } catch (InterruptedException e) {
            // closing before the bus was ever ready: there is nowhere to raise it
            Thread.currentThread().interrupt();
            return;
        }
        boolean v6 = seen.clientIp() != null && seen.clientIp().indexOf(':') >= 0;
        boolean ports = seen.srcPort() > 0 || seen.destPort() > 0;
        int clientPort = seen.srcIsClient() ? seen.srcPort() : seen.destPort();
        int serverPort = seen.srcIsClient() ? seen.destPort() : seen.srcPort();
        boolean tls = seen.kind() == Observation.Kind.TLS;
        EventHeader h = new EventHeader(seen.flowId(), new int[0], seen.clientIp(), Math.max(0, clientPort), seen.serverIp(),
                Math.max(0, serverPort), seen.proto(), ports, v6 ? 6 : 4, seen.communityId(), tls ? "tls" : seen.host() != null ? "http" : null,
                null);
        // A TLS server name is named by the alert's reputation field (tls.sni); there was no HTTP request.
        HttpInfo http = tls || seen.host() == null && seen.url() == null ? null
                : new HttpInfo(0, seen.host(), seen.httpPort(), seen.url(), null, null, null, null, null, 0, 0, 0, null);
        long now = packetClock.get() > 0 ? packetClock.get() : System.currentTimeMillis() * 1_000_000;
        bus.accept(alert(seen.tsMicros() * 1000, h, http, null, tls, hit, new AlertEvent.Retro(now, "indicator added to " + hit.feed())));
    }

    private static AlertEvent alert(long tsNanos, EventHeader header, HttpInfo http, FileInfoEvent file, boolean tls, IntelHit hit,
            AlertEvent.Retro retro) {
        // A digest matched the file: the alert follows the file (a download flows from the server).
        // Anything else matched the request or the flow: client to server.
        boolean ofFile = file != null && hit.type().isHash();
        boolean fromServer = ofFile && !file.file().toServer();
        String direction = ofFile ? (fromServer ? "to_client" : "to_server") : http != null || tls ? "to_server" : null;
        String type = hit.type().eveName();
        AlertEvent.Signature sig = AlertEvent.Signature.of(signatureId(hit.feed(), type), "SpanWatch reputation: " + type + " listed in "
                + hit.feed(), AlertEvent.REPUTATION, 2);
        IntelMeta m = hit.meta();
        String threat = m.malware() != null ? m.malware() : m.threat();
        return new AlertEvent(tsNanos, header, fromServer, direction, sig, http, ofFile ? file.file() : null, ofFile ? file.verdict() : null,
                new AlertEvent.Reputation(hit.indicator(), type, hit.feed(), hit.field(), threat), null, retro);
    }

    /** Returns a stable signature id for a feed and indicator type, 8,100,000 to 8,199,999. */
    static long signatureId(String feed, String type) {
        return 8_100_000L + Math.floorMod((feed + "\0" + type).hashCode(), 100_000);
    }

    @Override
    public void drain() {
        stage.awaitRetro(drainMillis);
    }

    @Override
    public void addStats(Map<String, Long> stats) {
        stats.putAll(stage.stats());
    }

    @Override
    public void close() {
        stage.close(1000);
    }
}
