package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.events.AnalyzerStage;
import io.spanwatch.analyzer.events.EventBus;
import io.spanwatch.analyzer.events.FlowAlerts;
import io.spanwatch.analyzer.feed.FeedSpec;
import io.spanwatch.analyzer.feed.FeedStage;
import io.spanwatch.analyzer.feed.Feeds;
import io.spanwatch.analyzer.metrics.Metrics;
import io.spanwatch.analyzer.reputation.IntelException;
import io.spanwatch.analyzer.reputation.ReputationEvents;
import io.spanwatch.analyzer.index.IndexConfig;
import io.spanwatch.analyzer.index.IndexStage;
import io.spanwatch.analyzer.scan.ScanStage;
import io.spanwatch.sensor.event.EveWriter;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.FileListener;
import io.spanwatch.sensor.pipeline.Outputs;
import io.spanwatch.sensor.pipeline.SensorConfig;
import io.spanwatch.sensor.pipeline.Stage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Clock;
import java.util.Map;
import org.apache.lucene.util.IOUtils;

/**
 * Builds what {@code analyze} and {@code sensor} run after the sensor: the EVE writer, the event bus
 * and its stages in order (reputation, flow-alerted bookkeeping, correlation, the outputs: feeds,
 * metrics, the EVE writer), and the scan stage in front of them for files. The pipeline owns the
 * result ({@link Outputs}); this wiring owns the clamd pool and closes it last, then says what each
 * feed delivered and what waits in its outbox.
 */
final class AnalyzerWiring implements AutoCloseable {
    private final ScanWiring scan;
    private final SensorSettings.IntelSettings intel;
    private final io.spanwatch.analyzer.correlate.CorrelateConfig correlate;
    private final IndexConfig index;
    private final Path out;
    private final SensorSettings.FeedSettings feedSettings;
    private final Metrics metrics;
    private final PrintWriter err;
    private final List<FeedStage> feeds = new ArrayList<>();

    /**
     * {@code feeds} may be null (none); {@code correlate} null: no correlation stage; {@code metrics} may be null (off) and stays the caller's;
     * {@code live} (a sensor) asks clamd's VERSION in the background, so start-up never waits for it.
     */
    AnalyzerWiring(SensorSettings.ScanSettings scanSettings, SensorSettings.IntelSettings intel, SensorSettings.FeedSettings feeds,
            Metrics metrics, IndexConfig index, io.spanwatch.analyzer.correlate.CorrelateConfig correlate, Path out, PrintWriter err,
            boolean live) {
        this.scan = new ScanWiring(scanSettings, out, err, live);
        this.intel = intel;
        this.correlate = correlate;
        this.index = index;
        this.out = out;
        this.feedSettings = feeds;
        this.metrics = metrics;
        this.err = err;
    }

    /**
     * Loads the feeds, opens {@code DIR/eve.json} and starts the stages; the pipeline takes ownership
     * of the result. A feed that cannot be read is an {@link IntelException} before anything is written.
     */
    Outputs start(SensorConfig config) throws IOException, IntelException {
        EventBus bus = new EventBus();
        ReputationEvents reputation = ReputationEvents.start(intel.config(), out.resolve("intel"), bus, intel.drainMillis());
        EveWriter writer;
        try {
            writer = EveWriter.open(out.resolve("eve.json"), config.sensorName(), config.live());
        } catch (IOException | RuntimeException e) {
            reputation.close();
            throw e;
        }
        bus.add(reputation);
        FlowAlerts flowAlerts = new FlowAlerts(bus, FlowAlerts.DEFAULT_MAX_HELD, FlowAlerts.DEFAULT_MAX_ALERTED);
        bus.add(flowAlerts);
        IndexStage indexStage = null;
        io.spanwatch.analyzer.correlate.CorrelateStage correlateStage = null;
        ScanStage scanStage;
        try {
            if (correlate != null) {
                correlateStage = io.spanwatch.analyzer.correlate.CorrelateStage.start(correlate, bus, writer.renderer(), problem -> {
                    err.println("spanwatch: rule error: " + problem);
                    err.flush();
                });
                bus.add(correlateStage);
            }
            if (index.enabled()) {
                indexStage = IndexStage.start(out.resolve("index"), index, writer.renderer(), config.live(), Clock.systemUTC());
                bus.add(indexStage);
            }
            if (feedSettings != null) {
                for (FeedSpec spec : feedSettings.feeds()) {
                    FeedStage f = Feeds.open(spec, out, feedSettings.config(), config.sensorName(), config.live(), bus);
                    feeds.add(f);
                    bus.add(f);
                }
            }
            if (metrics != null) {
                bus.add(metrics.stage());
            }
            bus.add(AnalyzerStage.output(writer));
            feeds.forEach(FeedStage::start);
            scanStage = scan.start(bus);
        } catch (IOException | RuntimeException e) {
            IndexStage opened = indexStage;
            io.spanwatch.analyzer.correlate.CorrelateStage started = correlateStage;
            try {
                closeFeeds();
            } finally {
                IOUtils.closeWhileHandlingException(opened == null ? null : opened::close, started == null ? null : started::close, writer,
                        reputation::close);
            }
            throw e;
        }
        reputation.busReady();
        FileListener files = scanStage != null ? scanStage : f -> bus.accept(new FileInfoEvent(f, null, false));
        return new Outputs(bus, flowAlerts.counting(files), new Stages(scanStage, bus), writer);
    }

    private void closeFeeds() throws IOException {
        for (FeedStage f : feeds) {
            f.close();
        }
        feeds.clear();
    }

    @Override
    public void close() {
        scan.close();
        for (FeedStage f : feeds) {
            sayDelivered(f, out, err);
        }
    }

    /** Says on {@code err} what a feed delivered and what waits in its outbox under {@code out}. */
    static void sayDelivered(FeedStage f, Path out, PrintWriter err) {
        String waiting = f.pending() == 0 ? "nothing waits" : f.pending() + " wait in " + f.outboxDir()
                + (f.lastError() != null ? " (" + f.lastError() + ")" : "") + "; spanwatch feed --out " + out + " delivers them";
        err.println("spanwatch: feed " + f.name() + ": " + f.delivered() + " delivered, " + waiting);
        err.flush();
    }

    /** Drains (after telling the bus's stages that the input ended), counts and closes the scan stage (may be null), then the bus's stages. */
    private record Stages(Stage scan, EventBus bus) implements Stage {
        @Override
        public void drain() throws InterruptedException {
            bus.inputEnded();
            if (scan != null) {
                scan.drain();
            }
            bus.drain();
        }

        @Override
        public void addStats(Map<String, Long> stats) {
            if (scan != null) {
                scan.addStats(stats);
            }
            bus.addStats(stats);
        }

        @Override
        public Exception failure() {
            Exception f = scan != null ? scan.failure() : null;
            return f != null ? f : bus.failure();
        }

        @Override
        public void close() throws IOException {
            try {
                if (scan != null) {
                    scan.close();
                }
            } finally {
                bus.close();
            }
        }
    }
}
