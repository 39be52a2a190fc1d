package io.spanwatch.analyzer.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spanwatch.analyzer.events.AnalyzerStage;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Serves a process's metrics ({@code --metrics HOST:PORT}): a Micrometer Prometheus registry with
 * the common tags {@code application="spanwatch"} and {@code sensor=NAME}, the JVM's memory, GC,
 * threads, class loading, CPU, uptime and file descriptors, the stats of the run once
 * {@link #bindStats} names them, and the event counts of {@link #stage}. Owns the registry and the
 * server; {@link #close} stops the server.
 */
public final class Metrics implements Closeable {
    private final PrometheusMeterRegistry registry;
    private final MetricsServer server;
    private final JvmGcMetrics gc;
    private volatile StatsMetrics stats;

    private Metrics(PrometheusMeterRegistry registry, MetricsServer server, JvmGcMetrics gc) {
        this.registry = registry;
        this.server = server;
        this.gc = gc;
    }

    /**
     * Parses {@code HOST:PORT} ({@code [v6]:PORT}; port 0 picks one); throws
     * {@link IllegalArgumentException} naming the text and the problem.
     */
    public static InetSocketAddress parseListen(String text) {
        String t = text.strip();
        int c = t.lastIndexOf(':');
        if (c <= 0 || c == t.length() - 1) {
            throw new IllegalArgumentException("--metrics " + text + ": expected HOST:PORT, e.g. 127.0.0.1:9102");
        }
        String host = t.substring(0, c);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(t.substring(c + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--metrics " + text + ": bad port " + t.substring(c + 1));
        }
        return new InetSocketAddress(host, port);
    }

    /** Starts serving on {@code listen} for a process named {@code sensorName}. */
    public static Metrics start(InetSocketAddress listen, String sensorName) throws IOException {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        r.config().commonTags("application", "spanwatch", "sensor", sensorName);
        new JvmMemoryMetrics().bindTo(r);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(r);
        new JvmThreadMetrics().bindTo(r);
        new ClassLoaderMetrics().bindTo(r);
        new ProcessorMetrics().bindTo(r);
        new UptimeMetrics().bindTo(r);
        new FileDescriptorMetrics().bindTo(r);
        Metrics[] self = new Metrics[1];
        MetricsServer server;
        try {
            server = MetricsServer.start(listen, () -> self[0].scrape());
        } catch (IOException e) {
            gc.close();
            r.close();
            throw e;
        }
        self[0] = new Metrics(r, server, gc);
        return self[0];
    }

    /** Makes the run's stats ({@code Pipeline.stats()} and the stages') metrics; call once. */
    public synchronized void bindStats(Supplier<Map<String, Long>> source) {
        if (stats == null) {
            stats = new StatsMetrics(registry, source);
        }
    }

    /** Reports {@code binder}'s meters here too (the console's own metrics). */
    public void bind(io.micrometer.core.instrument.binder.MeterBinder binder) {
        binder.bindTo(registry);
    }

    /** Returns the bus stage that counts alerts, incidents and clamd scan times into this registry. */
    public AnalyzerStage stage() {
        return new EventMetrics(registry);
    }

    /** Returns the Prometheus text of every metric now. */
    public String scrape() {
        StatsMetrics s = stats;
        if (s != null) {
            s.refresh();
        }
        return registry.scrape();
    }

    /** Returns the address the server listens on. */
    public InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
        server.close();
        gc.close();
        registry.close();
    }
}
