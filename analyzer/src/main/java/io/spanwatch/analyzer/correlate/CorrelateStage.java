package io.spanwatch.analyzer.correlate;

import io.spanwatch.analyzer.events.AnalyzerStage;
import io.spanwatch.analyzer.events.StageThreads;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.EventSink;
import io.spanwatch.sensor.event.FlowEvent;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.StatsEvent;
import io.spanwatch.sensor.event.TlsEvent;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the correlation stage: beacon scoring, download-then-callback incidents and the EPL rules,
 * on packet time, on one thread of its own (see the package guide).
 *
 * <p>{@link #onEvent} only queues a reference (live: drops and counts when the queue is full;
 * offline: waits) and passes the event on. The correlation thread puts events back in packet-time
 * order (a reorder buffer), then feeds the beacon tracker, the incident joiner and the rules, and
 * raises what they find through the bus, so the writer, index and feeds see it like any event.
 */
public final class CorrelateStage implements AnalyzerStage {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CorrelateStage.class);
    private static final int MAX_HOST = 255;
    /** Events the correlation thread takes from the queue at a time. */
    private static final int BATCH = 4096;

    private final CorrelateConfig config;
    private final EventSink bus;
    private final BeaconTracker tracker;
    /**
     * The same requests keyed by server address instead of host name, for callbacks that rotate over
     * names of one address (each name alone too irregular to score): see {@link #rotation}.
     */
    private final BeaconTracker byAddress;
    private long rotationAlerts;
    /**
     * The name each connection counts for once its {@code flow} event comes: a TLS connection's server
     * name (its {@code tls} event), else the target of the CONNECT that opened the tunnel a connection
     * to a proxy carries (its {@code http} event; a server name in the tunnel replaces it). Its
     * callbacks count for that name, as an HTTP request's count for its Host. Bounded
     * ({@link #TLS_NAMES}); the least recently added go first, and their flows count for the server's
     * address as before.
     */
    private final java.util.LinkedHashMap<Long, String> tlsNames = new java.util.LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
            if (size() > TLS_NAMES) {
                tlsNamesDropped++;
                return true;
            }
            return false;
        }
    };
    /** Most TLS connections whose server name waits for their flow event. */
    static final int TLS_NAMES = 65_536;
    private long tlsNamesDropped;
    private final IncidentJoiner joiner;
    private final RuleEngine rules;
    private final RulesWatcher watcher;
    private final BlockingQueue<EveEvent> queue;
    /** Events this stage raised, coming back through the bus on the correlation thread itself. */
    private final ArrayDeque<EveEvent> own = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<Object> control = new ConcurrentLinkedQueue<>();
    private final ReorderBuffer buffer = new ReorderBuffer();
    /** Events taken from the queue in one go. */
    private final java.util.ArrayList<EveEvent> batch = new java.util.ArrayList<>(BATCH);
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Map<String, Long> snapshot = Map.of();
    private final AtomicLong queueDrops = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    /** The error that ended the correlation thread, or null. */
    private volatile Throwable died;
    private final InternalHosts internal;
    private long newest = Long.MIN_VALUE;
    private long released = Long.MIN_VALUE;
    private long late;
    private long forced;
    private long ordered;

    private record Drain(CountDownLatch done) {
    }

    private record Reload(java.nio.file.Path file) {
    }

    private CorrelateStage(CorrelateConfig config, EventSink bus, EveRenderer renderer, Allowlist allowlist,
            java.util.function.Consumer<String> problems) {
        this.config = config;
        this.bus = bus;
        this.internal = new InternalHosts(config.homeNet());
        this.queue = new ArrayBlockingQueue<>(config.queueEvents());
        this.tracker = new BeaconTracker(config, allowlist, this::beacon);
        this.byAddress = new BeaconTracker(config.forAddresses(), allowlist, this::rotation);
        this.joiner = new IncidentJoiner(config, this::alertedPairs, this::raise);
        this.rules = new RuleEngine(renderer, internal, this::raise, problems, "spanwatch-" + System.identityHashCode(this));
        this.watcher = config.rulesDir() != null && java.nio.file.Files.isDirectory(config.rulesDir())
                ? new RulesWatcher(config.rulesDir(), f -> control.add(new Reload(f))) : null;
        this.thread = Thread.ofPlatform().name("spanwatch-correlate").daemon(true).unstarted(this::run);
    }

    /**
     * Starts the stage: reads the allowlists, then (on its own thread) deploys the rules and
     * processes events. Events raised go to {@code bus}.
     *
     * @param problems receives each rule that cannot be compiled or deployed (file:line: message)
     * @throws IOException when an allowlist cannot be read or has a bad entry (the message names file and line)
     */
    public static CorrelateStage start(CorrelateConfig config, EventSink bus, EveRenderer renderer,
            java.util.function.Consumer<String> problems) throws IOException {
        Allowlist allowlist = Allowlist.load(config.allowlists());
        RuleFunctions.homeNet = config.homeNet();
        CorrelateStage s = new CorrelateStage(config, bus, renderer, allowlist, problems);
        s.thread.start();
        if (s.watcher != null) {
            s.watcher.start();
        }
        return s;
    }

    @Override
    public EveEvent onEvent(EveEvent e) {
        if (e instanceof StatsEvent || stopping) {
            return e;
        }
        if (died != null) {
            queueDrops.incrementAndGet();
            return e;
        }
        if (Thread.currentThread() == thread) {
            own.add(e);
        } else if (config.live()) {
            if (!queue.offer(e)) {
                queueDrops.incrementAndGet();
            }
        } else {
            try {
                if (!StageThreads.offerWhileAlive(queue, e, thread)) {
                    queueDrops.incrementAndGet(); // the thread died (failure()): nothing takes events any more
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                queueDrops.incrementAndGet();
            }
        }
        return e;
    }

    private void run() {
        try {
            correlate();
        } catch (Error e) {
            // Out of memory, or a rule's stack overflow: the thread cannot go on. The workers stop
            // waiting for it (StageThreads), the run ends and names this; a live sensor's handler stops it.
            died = e;
            // the queued events, those held for packet-time order and those raised but not yet passed on
            queueDrops.addAndGet(queue.size() + buffer.size() + own.size());
            queue.clear();
            own.clear();
            throw e;
        }
    }

    @Override
    public Exception failure() {
        Throwable d = died;
        return d == null ? null : StageThreads.stopped("correlation", d, queueDrops.get() + queue.size());
    }

    private void correlate() {
        int n = rules.deployAll(config.rulesDir());
        LOG.info("correlation: {} rule statements deployed from {}", n, config.rulesDir());
        publishStats();
        while (!stopping) {
            try {
                Object c;
                while ((c = control.poll()) != null) {
                    if (c instanceof Reload r) {
                        rules.reload(r.file());
                    } else if (c instanceof Drain d) {
                        drainNow();
                        d.done().countDown();
                    }
                }
                EveEvent first = queue.poll(50, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, BATCH - 1);
                    for (EveEvent e : batch) {
                        try {
                            ingest(e);
                            processOwn();
                        } catch (RuntimeException ex) {
                            error(ex);
                        }
                    }
                    batch.clear();
                }
                release(false);
                processOwn();
                publishStats();
            } catch (InterruptedException ex) {
                return;
            } catch (RuntimeException ex) {
                error(ex);
            }
        }
    }

    /** Logs and counts an error contained on the correlation thread (a bug: {@code internal.errors}). */
    private void error(RuntimeException ex) {
        if (errors.incrementAndGet() <= 10) {
            LOG.error("correlation: an event could not be processed", ex);
        }
    }

    private void ingest(EveEvent e) {
        long ts = e.tsNanos();
        if (released != Long.MIN_VALUE && ts < released) {
            late++; // its place in the stream has passed: processed now, at the rules' current time
            process(e);
            return;
        }
        newest = Math.max(newest, ts);
        buffer.add(e);
        release(false);
    }

    /** Lets events go in packet-time order: past the count bound, past the lateness, or all ({@code all}). */
    private void release(boolean all) {
        while (!buffer.isEmpty()) {
            ReorderBuffer.Held head = buffer.peek();
            boolean go = all || buffer.size() > config.reorderEvents()
                    || config.latenessMillis() > 0 && head.ts() <= newest - config.latenessMillis() * 1_000_000;
            if (!go) {
                return;
            }
            buffer.poll();
            if (!all && buffer.size() >= config.reorderEvents()) {
                forced++;
            }
            released = Math.max(released, head.ts());
            ordered++;
            process(head.event());
            processOwn();
        }
    }

    private void processOwn() {
        EveEvent e;
        while ((e = own.poll()) != null) {
            ingest(e);
        }
    }

    /** Feeds one event to the tracker, the joiner and the rules. */
    /** Tells whether a flow's requests are counted by its {@code http} events instead (HTTP/1 and HTTP/2). */
    private static boolean isHttp(String appProto) {
        return "http".equals(appProto) || "http2".equals(appProto);
    }

    private void process(EveEvent e) {
        long ms = Math.floorDiv(e.tsNanos(), 1_000_000);
        tracker.advance(ms);
        byAddress.advance(ms);
        rules.advance(ms);
        switch (e) {
            case HttpEvent h -> request(h);
            case TlsEvent t when t.header() != null && t.header().hasFlow() && t.tls().sni() != null
                    && internal.test(t.header().clientIp()) -> {
                String name = hostKey(t.tls().sni());
                if (name != null) {
                    tlsNames.put(t.header().flowId(), name);
                }
            }
            case FlowEvent f -> {
                // A TLS connection counts for the name it asked for, a CONNECT tunnel for its target
                // (their events came first: they are timed at the request, the flow at its end); a flow
                // through a SOCKS proxy for the destination it asked for; anything else for the server's
                // address. An HTTP connection's requests count themselves.
                String name = f.header().hasFlow() ? tlsNames.remove(f.header().flowId()) : null;
                boolean http = isHttp(f.header().appProto());
                if (name == null && !http) {
                    name = tunnelTarget(f.header().tunnel());
                }
                if (name != null || !http) {
                    callback(f.header(), name, f.startNanos(), f.bytesToServer() + f.bytesToClient(), f.header().tunnel() != null);
                }
            }
            case AlertEvent a when AlertEvent.MALWARE.equals(a.alert().category()) -> {
                String host = a.header() != null ? a.header().clientIp() : null;
                if (internal.test(host)) {
                    joiner.malware(host, a);
                }
            }
            case AlertEvent a when AlertEvent.REPUTATION.equals(a.alert().category()) && a.retro() == null -> {
                String host = EsperEvents.internalIp(a, internal);
                if (host != null) {
                    joiner.reputation(host, callbackHost(a, host), a);
                }
            }
            default -> {
            }
        }
        rules.send(e);
    }

    /**
     * Counts an HTTP request as a callback. Through an explicit proxy the server address is the
     * proxy's, not the name's: a request in absolute form ({@code GET http://host/path}) or inside a
     * tunnel, and a CONNECT, do not count for the address pair. An HTTP/1 CONNECT the proxy accepted
     * counts with its tunnel's flow, once for the connection (its target named here, its TLS server
     * name if the tunnel shows one); one refused, and a CONNECT stream of HTTP/2, count here. A
     * CONNECT is named by the target of its request line, which the proxy follows, not by the Host
     * header (which a client may leave out).
     */
    private void request(HttpEvent h) {
        HttpInfo x = h.http();
        EventHeader hd = h.header();
        if (x == null) {
            callback(hd, null, h.tsNanos(), 0, false);
            return;
        }
        long bytes = x.requestBodyLength() + Math.max(0, x.length());
        if ("CONNECT".equals(x.method())) {
            String target = tunnelTarget(io.spanwatch.sensor.flow.AppTunnel.ofConnect(x.url()));
            target = target != null ? target : hostKey(x.hostname());
            // HTTP/1 only: over HTTP/2 a CONNECT is one stream of a connection that carries others
            if (x.status() / 100 == 2 && hd != null && hd.hasFlow() && target != null && !"http2".equals(hd.appProto())) {
                if (internal.test(hd.clientIp())) {
                    tlsNames.put(hd.flowId(), target);
                }
                return;
            }
            callback(hd, target, h.tsNanos(), bytes, true);
            return;
        }
        boolean tunnelled = hd != null && hd.tunnel() != null;
        if (tunnelled && hd.hasFlow()) {
            tlsNames.remove(hd.flowId()); // the tunnel's requests count themselves, its flow not again
        }
        callback(hd, hostKey(x.hostname()), h.tsNanos(), bytes, tunnelled || isAbsoluteForm(x.url()));
    }

    /**
     * Tells whether a request target is in absolute form ({@code scheme://host...}, RFC 9112 §3.2.2): sent
     * to a proxy. Read as the reputation stage reads it ({@link io.spanwatch.analyzer.reputation.UrlKey#targetHost}).
     */
    static boolean isAbsoluteForm(String url) {
        return io.spanwatch.analyzer.reputation.UrlKey.targetHost(url) != null;
    }

    /** Returns the key of the destination a proxy was asked for (its name, else its address), or null. */
    private static String tunnelTarget(io.spanwatch.sensor.flow.AppTunnel t) {
        if (t == null) {
            return null;
        }
        return hostKey(t.requestName() != null ? t.requestName() : t.requestHost());
    }

    /**
     * Counts one callback of a client: to {@code name} (a Host header's or a TLS server name's key)
     * when it has one, else to the server's address (an HTTP request without a Host, a connection
     * of another protocol). A named callback also counts for its address pair (rotation over names),
     * unless it went through a proxy ({@code proxied}): the address is then the proxy's, which every
     * name a client reaches through it shares.
     */
    private void callback(EventHeader h, String name, long tsNanos, long bytes, boolean proxied) {
        if (h == null || !internal.test(h.clientIp())) {
            return;
        }
        String host = name != null ? name : h.serverIp();
        long ts = Math.floorDiv(tsNanos, 1_000_000);
        BeaconTracker.Pair p = tracker.add(h.clientIp(), host, h.serverIp(), h.serverPort(), h.proto(), h.ipVersion(),
                h.appProto(), ts, bytes);
        if (p.alerted()) {
            joiner.callback(p, ts); // a download after the beacon was reported joins the callbacks that follow it
        }
        if (name != null && !proxied && !host.equals(h.serverIp()) && !p.allowlisted) {
            BeaconTracker.Pair a = byAddress.add(h.clientIp(), h.serverIp(), h.serverIp(), h.serverPort(), h.proto(), h.ipVersion(),
                    h.appProto(), ts, bytes, host, p);
            if (a.rotation) {
                joiner.callback(a, ts);
            }
        }
    }

    /**
     * Takes a pair keyed by server address that scored as a beacon. When its requests named two or
     * more hosts, the callbacks rotate over names (a C2 that picks one of several names of one
     * address for each callback): each name whose own pair was not reported, and that carried at
     * least its share of the callbacks (half of an even split, so a name visited now and then beside
     * a timer is not blamed), is reported as a beacon of the rotation, with the address pair's score
     * and the names in its metadata. With one name the name's own pair speaks for it.
     */
    private void rotation(BeaconTracker.Pair a, BeaconScorer.Score s, long atMillis) {
        List<String> names = a.names();
        if (names.size() < 2) {
            return;
        }
        boolean any = false;
        for (String n : names) {
            BeaconTracker.Pair p = tracker.pair(a.key().client(), n);
            if (p == null || p.alerted() || (long) p.n * 2 * names.size() < a.n) {
                continue;
            }
            raise(BeaconAlerts.of(a, s, atMillis, n, names));
            rotationAlerts++;
            any = true;
        }
        if (any && !a.rotation) {
            a.rotation = true;
            joiner.beacon(a);
        }
    }

    /** The pairs of {@code client} reported as beacons: by name, and by address for a rotation. */
    private List<BeaconTracker.Pair> alertedPairs(String client) {
        List<BeaconTracker.Pair> named = tracker.alertedPairs(client);
        List<BeaconTracker.Pair> rotating = byAddress.alertedPairs(client);
        if (rotating.isEmpty()) {
            return named;
        }
        List<BeaconTracker.Pair> all = new java.util.ArrayList<>(named);
        for (BeaconTracker.Pair a : rotating) {
            if (a.rotation) {
                all.add(a);
            }
        }
        return all;
    }

    /** Returns the destination name of a Host header as text (EveText#display): lower case, no trailing dot, no brackets; null when empty. */
    static String hostKey(String hostname) {
        if (hostname == null || hostname.isBlank()) {
            return null;
        }
        if (isPlainKey(hostname)) {
            return hostname; // most names are already in that form: no copy
        }
        String h = io.spanwatch.sensor.event.EveText.display(hostname).trim().toLowerCase(Locale.ROOT); // text: lower-casing bytes would change UTF-8
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.isEmpty() ? null : h.length() > MAX_HOST ? h.substring(0, MAX_HOST) : h;
    }

    private static boolean isPlainKey(String h) {
        int n = h.length();
        if (n > MAX_HOST || h.charAt(n - 1) == '.' || h.charAt(0) == '[') {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = h.charAt(i);
            if (c >= 'A' && c <= 'Z' || c > 127 || c <= ' ') {
                return false;
            }
        }
        return true;
    }

    private static String callbackHost(AlertEvent a, String internal) {
        if (a.http() != null && hostKey(a.http().hostname()) != null) {
            return hostKey(a.http().hostname());
        }
        EventHeader h = a.header();
        return h == null ? null : internal.equals(h.clientIp()) ? h.serverIp() : h.clientIp();
    }

    private void beacon(BeaconTracker.Pair p, BeaconScorer.Score s, long atMillis) {
        raise(BeaconAlerts.of(p, s, atMillis));
        joiner.beacon(p);
    }

    private void raise(EveEvent e) {
        bus.accept(e);
    }

    /** Lets every held event go, scores every changed pair, and handles what that raises. */
    private void drainNow() {
        processOwn();
        EveEvent e;
        while ((e = queue.poll()) != null) {
            ingest(e);
            processOwn();
        }
        release(true);
        tracker.finish();
        byAddress.finish();
        processOwn();
        release(true);
        publishStats();
    }

    @Override
    public void drain() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        control.add(new Drain(done));
        while (!done.await(1, TimeUnit.SECONDS)) {
            if (!thread.isAlive()) {
                return;
            }
        }
    }

    private void publishStats() {
        Map<String, Long> m = new HashMap<>();
        tracker.addStats(m);
        byAddress.addStats(m, "correlate.beacon.address.", true);
        m.put("correlate.beacon.rotation_alerts", rotationAlerts);
        m.put("correlate.tls_names", (long) tlsNames.size());
        m.put("correlate.tls_names_dropped", tlsNamesDropped);
        joiner.addStats(m);
        m.put("correlate.events", ordered);
        m.put("correlate.late_events", late);
        m.put("correlate.reorder_forced", forced);
        m.put("correlate.reorder_held", (long) buffer.size());
        m.put("correlate.rules.statements", (long) rules.statements());
        m.put("correlate.rules.alerts", rules.ruleAlerts.get());
        m.put("correlate.rules.errors", rules.ruleErrors.get());
        m.put("correlate.rules.reloads", rules.reloads);
        m.put("correlate.cpu_ms", cpuMillis());
        snapshot = m;
    }

    /** Returns the CPU time of the calling thread (the correlation thread: rules deployed, every event, scoring) in ms. */
    private static long cpuMillis() {
        java.lang.management.ThreadMXBean t = java.lang.management.ManagementFactory.getThreadMXBean();
        return t.isCurrentThreadCpuTimeSupported() ? t.getCurrentThreadCpuTime() / 1_000_000 : -1;
    }

    @Override
    public void addStats(Map<String, Long> stats) {
        stats.putAll(snapshot);
        stats.put("correlate.queue_drops", queueDrops.get());
        stats.put("correlate.queued", (long) queue.size());
        stats.merge("internal.errors", errors.get(), Long::sum);
    }

    /** Returns the rule errors so far (file:line: message). */
    public List<String> ruleErrors() {
        return rules.errors();
    }

    @Override
    public void close() throws IOException {
        stopping = true;
        if (watcher != null) {
            watcher.close();
        }
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        rules.close();
    }
}
