package io.spanwatch.analyzer.web;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.spanwatch.analyzer.index.EventIndexReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The console's own metrics, served by {@code spanwatch console --metrics HOST:PORT} beside the
 * JVM's: answers by HTTP status ({@code spanwatch_console_responses_total{status}}: refused logins
 * and tokens are its 401s, the rate limit its 429s, a full worker queue its 503s), how long the
 * searches of a request took and how many stopped at their time limit
 * ({@code spanwatch_console_search_duration_seconds}, {@code spanwatch_console_search_timeouts_total}),
 * the scan service's verdicts ({@code spanwatch_console_scans_total{status}}), and what the
 * connection guards did ({@code spanwatch_console_connections} open now,
 * {@code spanwatch_console_connections_refused_total}, {@code spanwatch_console_slow_heads_total},
 * {@code spanwatch_console_slow_bodies_total}, {@code spanwatch_console_stalled_writes_total},
 * {@code spanwatch_console_queued_bytes}). Before this the guards counted and nobody could see it,
 * and a search that timed out said so to its client only.
 *
 * <p>The meters are registered in a composite registry that reports nowhere until {@link #bindTo} adds
 * the served one. The counts are held here and read by function counters, as a composite drops what
 * its own counters count before it has a registry (the console serves before {@code --metrics} binds
 * one): they count from the start; the search timer records from its binding on. Labels take values
 * from the console's code only (status codes, verdicts), never from a request. Thread-safe.
 */
public final class ConsoleMetrics implements MeterBinder {
    /** Statuses registered at 0, so that dashboards find them before the first such answer. */
    private static final List<Integer> STATUSES = List.of(200, 303, 400, 401, 403, 404, 413, 429, 500, 503);
    private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
    private final Map<Integer, LongAdder> responses = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> scans = new ConcurrentHashMap<>();
    private final Timer searches;
    private final LongAdder searchTimeouts = new LongAdder();
    private volatile ConnectionGuard.Limits limits;

    public ConsoleMetrics() {
        STATUSES.forEach(this::responses);
        List.of("clean", "infected", "error").forEach(this::scans);
        searches = Timer.builder("spanwatch.console.search.duration")
                .description("Time the searches of one console request took (events, facets, histogram, pages)")
                .serviceLevelObjectives(Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
                        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
                        Duration.ofSeconds(10))
                .register(registry);
        FunctionCounter.builder("spanwatch.console.search.timeouts", searchTimeouts, LongAdder::sum)
                .description("Console requests whose search stopped at its time limit (console.query-timeout-ms): partial answers")
                .register(registry);
        guardMeters();
    }

    /** Starts reporting into {@code served} (the registry of {@code --metrics}). */
    @Override
    public void bindTo(MeterRegistry served) {
        registry.add(served);
    }

    private LongAdder responses(int status) {
        return responses.computeIfAbsent(status, s -> counted("spanwatch.console.responses", "Console answers, by HTTP status",
                Integer.toString(s)));
    }

    private LongAdder scans(String status) {
        return scans.computeIfAbsent(status, s -> counted("spanwatch.console.scans", "Files scanned by the console's scan service, by status", s));
    }

    /** Registers a counter {@code name} of tag {@code status} over a new count, returned (held here: a function counter keeps it weakly). */
    private LongAdder counted(String name, String description, String status) {
        LongAdder n = new LongAdder();
        FunctionCounter.builder(name, n, LongAdder::sum).description(description).tag("status", status).register(registry);
        return n;
    }

    /** Counts an answer sent with {@code status}. */
    void responded(int status) {
        responses(status).increment();
    }

    /** Counts a file the scan service answered for ({@code clean}, {@code infected} or {@code error}). */
    void scanned(String status) {
        scans(status).increment();
    }

    /** What the index reader calls when a request's searcher is closed. */
    EventIndexReader.SearchListener searchListener() {
        return (nanos, timedOut) -> {
            searches.record(nanos, TimeUnit.NANOSECONDS);
            if (timedOut) {
                searchTimeouts.increment();
            }
        };
    }

    /** Reports what the connection guards of {@code limits} count (the console's server, once it starts). */
    void watch(ConnectionGuard.Limits limits) {
        this.limits = limits;
    }

    /** The guards' meters, registered with the others: 0 until {@link #watch} names the guards. */
    private void guardMeters() {
        guardCounter("spanwatch.console.connections.refused", "Connections closed at a limit (connections in all, per address)",
                l -> l.refused.get());
        guardCounter("spanwatch.console.slow.heads", "Connections closed because a request head came too slowly", l -> l.slowHeads.get());
        guardCounter("spanwatch.console.slow.bodies", "Connections closed because a request body stopped coming", l -> l.slowBodies.get());
        guardCounter("spanwatch.console.stalled.writes", "Connections closed because the client stopped reading its answer",
                l -> l.stalledWrites.get());
        Gauge.builder("spanwatch.console.connections", this, m -> m.guards(l -> l.open.get())).description("Console connections open now")
                .register(registry);
        Gauge.builder("spanwatch.console.queued", this, m -> m.guards(l -> l.queuedBytes.get())).baseUnit("bytes")
                .description("Bytes of answers written and not yet taken by the sockets, all connections (bound: 64 MiB)")
                .register(registry);
    }

    private void guardCounter(String name, String description, ToDoubleFunction<ConnectionGuard.Limits> f) {
        FunctionCounter.builder(name, this, m -> m.guards(f)).description(description).register(registry);
    }

    private double guards(ToDoubleFunction<ConnectionGuard.Limits> f) {
        ConnectionGuard.Limits l = limits;
        return l == null ? 0 : f.applyAsDouble(l);
    }
}
