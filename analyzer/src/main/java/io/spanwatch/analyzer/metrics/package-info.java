/**
 * Metrics (analyzer): serves what SpanWatch counts as Prometheus text at {@code /metrics}
 * ({@code --metrics HOST:PORT} on {@code sensor}, {@code analyze} and {@code console}).
 *
 * <p><b>In:</b> the stats map every stage keeps ({@code Pipeline.stats()} with the analyzer stages'
 * {@code addStats}), read at scrape time by {@link io.spanwatch.analyzer.metrics.StatsMetrics};
 * alerts, incidents and clamd verdicts from the bus ({@code EventMetrics}); the JVM's own meters.
 * <b>Out:</b> Micrometer's Prometheus registry, named {@code spanwatch_<stage>_<what>_<unit>}
 * with {@code _total} on counters, common labels {@code application} and {@code sensor}, served by
 * {@link io.spanwatch.analyzer.metrics.MetricsServer} (Netty). The README lists the names;
 * {@code dashboards/} has Grafana dashboards over them.
 *
 * <p><b>Limits:</b> labels come from code and configuration only (alert category, incident
 * severity, anomaly name, feed name), never from traffic; 64 scrape connections at once, request
 * heads up to 8 KiB, 30 s idle timeout.
 *
 * <p><b>Threads:</b> one Netty event loop; each scrape runs on one scrape thread, which takes a
 * snapshot of the stats map; counting on the bus is Micrometer's lock-free counters.
 */
package io.spanwatch.analyzer.metrics;
