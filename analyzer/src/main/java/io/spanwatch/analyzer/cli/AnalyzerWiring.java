package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.events.AnalyzerStage;
import io.spanwatch.analyzer.events.EventBus;
import io.spanwatch.analyzer.events.FlowAlerts;
import io.spanwatch.analyzer.reputation.IntelException;
import io.spanwatch.analyzer.reputation.ReputationEvents;
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
import java.util.Map;

/**
 * Builds what {@code analyze} and {@code sensor} run after the sensor: the EVE writer, the event bus
 * and its stages in order (reputation, flow-alerted bookkeeping, correlation, the outputs), and the
 * scan stage in front of them for files. The pipeline owns the result ({@link Outputs}); this wiring
 * owns the clamd pool and closes it last.
 */
final class AnalyzerWiring implements AutoCloseable {
    private final ScanWiring scan;
    private final SensorSettings.IntelSettings intel;
    private final Path out;

    AnalyzerWiring(SensorSettings.ScanSettings scanSettings, SensorSettings.IntelSettings intel, Path out, PrintWriter err) {
        this.scan = new ScanWiring(scanSettings, out, err);
        this.intel = intel;
        this.out = out;
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
        bus.add(AnalyzerStage.output(writer));
        ScanStage scanStage;
        try {
            scanStage = scan.start(bus);
        } catch (RuntimeException e) {
            writer.close();
            reputation.close();
            throw e;
        }
        reputation.busReady();
        FileListener files = scanStage != null ? scanStage : f -> bus.accept(new FileInfoEvent(f, null, false));
        return new Outputs(bus, flowAlerts.counting(files), new Stages(scanStage, bus), writer);
    }

    @Override
    public void close() {
        scan.close();
    }

    /** Drains, counts and closes the scan stage (may be null), then the bus's stages. */
    private record Stages(Stage scan, Stage bus) implements Stage {
        @Override
        public void drain() throws InterruptedException {
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
