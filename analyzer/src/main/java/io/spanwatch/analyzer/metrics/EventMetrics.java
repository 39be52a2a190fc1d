package io.spanwatch.analyzer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.spanwatch.analyzer.events.AnalyzerStage;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.IncidentEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Counts what only the event bus sees: alerts by {@code alert.category}
 * ({@code spanwatch_alerts_total{category}}), incidents by severity
 * ({@code spanwatch_incidents_total{severity}}), and the time clamd took per file from each final
 * verdict ({@code spanwatch_clamd_scan_duration_seconds}, a histogram). These are rare events (an
 * alert, a file's verdict), never packets. The four categories of DESIGN.md and the three
 * severities are registered at 0 so dashboards find them; another category gets its own series
 * when it first appears (categories come from code and rules, not from traffic).
 *
 * <p>Thread-safe (Micrometer meters).
 */
final class EventMetrics implements AnalyzerStage {
    private final MeterRegistry registry;
    private final Timer clamd;

    EventMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (String c : List.of(AlertEvent.MALWARE, AlertEvent.REPUTATION, AlertEvent.BEACON, AlertEvent.CORRELATION)) {
            alerts(c);
        }
        for (int s = 1; s <= 3; s++) {
            incidents(s);
        }
        this.clamd = Timer.builder("spanwatch.clamd.scan.duration").description("Time clamd took to scan a file (final verdicts)")
                .serviceLevelObjectives(Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(100), Duration.ofMillis(250),
                        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
                        Duration.ofSeconds(10), Duration.ofSeconds(30))
                .register(registry);
    }

    private Counter alerts(String category) {
        return Counter.builder("spanwatch.alerts").description("Alerts raised, by category").tag("category", category).register(registry);
    }

    private Counter incidents(int severity) {
        return Counter.builder("spanwatch.incidents").description("Incidents raised, by severity (1 highest)")
                .tag("severity", Integer.toString(Math.max(1, Math.min(3, severity)))).register(registry);
    }

    @Override
    public EveEvent onEvent(EveEvent e) {
        switch (e) {
            case AlertEvent a -> alerts(a.alert().category() == null ? "none" : a.alert().category()).increment();
            case IncidentEvent i -> incidents(i.severity()).increment();
            case FileInfoEvent f when f.verdict() != null && !f.verdict().interim() && "clamd".equals(f.verdict().engine())
                    && ("clean".equals(f.verdict().result()) || "infected".equals(f.verdict().result())) ->
                    clamd.record(f.verdict().scanTimeMillis(), TimeUnit.MILLISECONDS);
            default -> {
                // other events are counted in the stats map
            }
        }
        return e;
    }
}
