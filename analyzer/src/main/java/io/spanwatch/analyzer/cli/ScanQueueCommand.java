package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.events.AnalyzerStage;
import io.spanwatch.analyzer.events.EventBus;
import io.spanwatch.analyzer.feed.FeedSpec;
import io.spanwatch.analyzer.feed.FeedStage;
import io.spanwatch.analyzer.feed.Feeds;
import io.spanwatch.analyzer.index.IndexConfig;
import io.spanwatch.analyzer.index.IndexStage;
import io.spanwatch.analyzer.scan.ScanStage;
import io.spanwatch.sensor.event.EveWriter;
import io.spanwatch.sensor.pipeline.SensorConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Finishes the scan queue an {@code analyze} or {@code sensor} run left in a data folder (files that
 * waited for clamd): scans them and writes their final verdicts (and alerts) where {@code analyze}
 * writes events: {@code DIR/eve.json}, the index under {@code DIR/index} (the console and the report
 * read it) and the feeds {@code --feed} or {@code feed.uris} name.
 */
@Command(name = "scan-queue", mixinStandardHelpOptions = true, modelTransformer = ScanQueueCommand.HideIgnored.class,
        description = "Scan the files still waiting for clamd in DIR (left by analyze or sensor) and write their verdicts to DIR/eve.json, "
                + "the index and the feeds.")
public final class ScanQueueCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The data folder of an analyze or sensor run.")
    Path out;

    @Option(names = "--wait", paramLabel = "SECONDS", description = "How long to wait for clamd (default ${DEFAULT-VALUE}).")
    long waitSeconds = 300;

    @Mixin
    CommonOptions common = new CommonOptions();

    /**
     * The shared options that act on traffic only (reputation, beacons, the workers) or on a run's
     * metrics server: refused rather than taken and ignored. ({@code --home-net} stays: it keys the
     * records of the feeds.)
     */
    static final List<String> IGNORED = List.of("--intel", "--allowlist", "--metrics", "--workers");

    /** Keeps {@link #IGNORED} out of the help (still parsed, so that they are refused by name). */
    static final class HideIgnored implements picocli.CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            for (String name : IGNORED) {
                picocli.CommandLine.Model.OptionSpec o = spec.findOption(name);
                if (o != null && !o.hidden()) {
                    spec.remove(o);
                    spec.addOption(picocli.CommandLine.Model.OptionSpec.builder(o).hidden(true).build());
                }
            }
            return spec;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter w = spec.commandLine().getOut();
        if (waitSeconds < 0) {
            err.println("spanwatch: --wait " + waitSeconds + ": must be 0 or more seconds");
            return 1;
        }
        for (String unused : IGNORED) {
            if (spec.commandLine().getParseResult().hasMatchedOption(unused)) {
                err.println("spanwatch: scan-queue: " + unused + " has no effect here: it scans stored files and reads no traffic"
                        + " (give it to analyze or sensor)");
                return 1;
            }
        }
        String notFolder = CliErrors.notADataFolder(out);
        if (notFolder != null) {
            err.println("spanwatch: " + notFolder);
            return 1;
        }
        if (!Files.isRegularFile(out.resolve("scan").resolve("queue.journal"))) {
            err.println("spanwatch: no scan queue in " + out + " (expected " + out.resolve("scan").resolve("queue.journal") + ")");
            return 1;
        }
        SensorConfig config = common.buildOrReport(out, false, err);
        SensorSettings.ScanSettings scan = config == null ? null : common.scanOrReport(err);
        IndexConfig index = scan == null ? null : common.indexOrReport(err);
        SensorSettings.FeedSettings feedSettings = index == null ? null : common.feedsOrReport(err);
        if (feedSettings == null) {
            return 1;
        }
        OutputLock lock = OutputLock.acquireOrReport(out, spec, err);
        if (lock == null) {
            return 1;
        }
        EventBus bus = new EventBus();
        List<FeedStage> feeds = new ArrayList<>();
        try (lock; ScanWiring wiring = new ScanWiring(scan, out, err);
                EveWriter eve = EveWriter.open(out.resolve("eve.json"), config.sensorName(), false)) {
            try {
                if (index.enabled()) {
                    bus.add(IndexStage.start(out.resolve("index"), index, eve.renderer(), false, Clock.systemUTC()));
                }
                for (FeedSpec f : feedSettings.feeds()) {
                    FeedStage fs = Feeds.open(f, out, feedSettings.config(), config.sensorName(), false, bus);
                    feeds.add(fs);
                    bus.add(fs);
                }
                bus.add(AnalyzerStage.output(eve));
                feeds.forEach(FeedStage::start);
                ScanStage stage = wiring.start(bus);
                if (stage == null) {
                    err.println("spanwatch: scanning is off (scan.enabled=false)");
                    return 1;
                }
                int before = stage.waiting();
                int left = stage.awaitFinal(waitSeconds * 1000);
                stage.close();
                bus.inputEnded();
                bus.drain();
                Map<String, Long> m = new TreeMap<>();
                stage.addStats(m);
                w.printf("scan queue of %s: %d waiting, %d finished (%d infected), %d still waiting%n", out, before, before - left,
                        m.getOrDefault("scan.infected", 0L), left);
                w.flush();
                for (FeedStage f : feeds) {
                    AnalyzerWiring.sayDelivered(f, out, err);
                }
                return left == 0 ? 0 : 2;
            } finally {
                bus.close(); // the index commits, the feeds stop
            }
        } catch (IOException e) {
            err.println("spanwatch: " + e.getMessage());
            return 1;
        }
    }
}
