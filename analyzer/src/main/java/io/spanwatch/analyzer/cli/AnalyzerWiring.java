package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.events.AnalyzerStage;
import io.spanwatch.analyzer.events.EventBus;
import io.spanwatch.analyzer.events.FlowAlerts;
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
    private final Path out;

    /** Sets up the stages; {@code live} (a sensor) asks clamd's VERSION in the background, so start-up never waits for it. */
    AnalyzerWiring(SensorSettings.ScanSettings scanSettings, Path out, PrintWriter err, boolean live) {
        this.scan = new ScanWiring(scanSettings, out, err, live);
        this.out = out;
    }

    /** Opens {@code DIR/eve.json} and starts the stages; the pipeline takes ownership of the result. */
    Outputs start(SensorConfig config) throws IOException {
        EveWriter writer = EveWriter.open(out.resolve("eve.json"), config.sensorName(), config.live());
        EventBus bus = new EventBus();
        FlowAlerts flowAlerts = new FlowAlerts(bus, FlowAlerts.DEFAULT_MAX_HELD, FlowAlerts.DEFAULT_MAX_ALERTED);
        bus.add(flowAlerts);
        bus.add(AnalyzerStage.output(writer));
        ScanStage scanStage;
        try {
            scanStage = scan.start(bus);
        } catch (RuntimeException e) {
            writer.close();
            throw e;
        }
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
