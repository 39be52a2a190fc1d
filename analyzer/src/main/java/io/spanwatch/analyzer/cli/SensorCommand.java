package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.report.ReportSchedule;
import io.spanwatch.analyzer.reputation.IntelException;
import io.spanwatch.sensor.capture.CaptureException;
import io.spanwatch.sensor.capture.CaptureStats;
import io.spanwatch.sensor.capture.LiveCapture;
import io.spanwatch.sensor.pipeline.Pipeline;
import io.spanwatch.sensor.pipeline.SensorConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Captures live from an interface until SIGINT or SIGTERM, then ends every flow, flushes the events
 * and exits 0. Writes a {@code stats} event every {@code --stats-interval} seconds.
 */
@Command(name = "sensor", aliases = "run", mixinStandardHelpOptions = true,
        description = "Capture live from an interface: write DIR/eve.json and extracted files under DIR/files/ until stopped "
                + "(also spanwatch run: sensor and analyzer in one process, as DESIGN.md names it).")
public final class SensorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--interface", required = true, paramLabel = "IF", description = "Interface to capture on.")
    String iface;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Output folder (created if missing; default " + DEFAULT_OUT_PARENT + "/IF, where the shipped service writes).")
    Path out;

    /** Where the shipped systemd units keep each interface's output ({@code /var/lib/spanwatch/%i}). */
    static final String DEFAULT_OUT_PARENT = "/var/lib/spanwatch";

    /**
     * Returns the output folder used when {@code --out} is not given: {@code /var/lib/spanwatch/IF}, as the
     * shipped service writes, so {@code spanwatch run --interface eth1} (DESIGN.md's one-box command) works
     * as given; null for a name that is no single path element.
     */
    static Path defaultOut(String iface) {
        if (iface == null || iface.isEmpty() || iface.equals(".") || iface.equals("..") || iface.indexOf('/') >= 0
                || iface.indexOf('\0') >= 0) {
            return null;
        }
        return Path.of(DEFAULT_OUT_PARENT, iface);
    }

    @Option(names = "--bpf", paramLabel = "EXPR", description = "BPF capture filter (tcpdump syntax).")
    String bpf;

    @Option(names = "--snaplen", paramLabel = "BYTES", description = "Bytes captured per packet (default ${DEFAULT-VALUE}).")
    int snaplen = LiveCapture.DEFAULT_SNAPLEN;

    @Option(names = "--buffer-size", paramLabel = "BYTES", description = "Kernel capture buffer (default ${DEFAULT-VALUE}).")
    int bufferSize = LiveCapture.DEFAULT_BUFFER_BYTES;

    @Option(names = "--immediate", description = "Deliver each packet at once instead of in kernel batches.")
    boolean immediate;

    @Option(names = "--no-promiscuous", description = "Do not put the interface in promiscuous mode.")
    boolean noPromiscuous;

    @Option(names = "--packet-loop", paramLabel = "LOOP", description = "How packets are read from libpcap: "
            + "NATIVE (pcap_next_ex through the JDK's foreign function API) or PCAP4J (pcap4j's JNA callback loop); "
            + "default ${DEFAULT-VALUE}.")
    LiveCapture.Loop packetLoop = LiveCapture.Loop.NATIVE;

    @Option(names = "--discard", description = "Diagnostic: count captured frames and drop them without analysis, "
            + "to measure the capture loop alone.")
    boolean discard;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--stats-interval", paramLabel = "SECONDS", description = "Seconds between stats events (default ${DEFAULT-VALUE}).")
    int statsInterval = 30;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter outw = spec.commandLine().getOut();
        if (out == null) {
            out = defaultOut(iface);
            if (out == null) {
                err.println("spanwatch: give --out DIR: the interface name '" + iface + "' cannot name a folder under " + DEFAULT_OUT_PARENT);
                return 1;
            }
            err.println("spanwatch: note: no --out given; writing to " + out);
        }
        SensorConfig config = common.buildOrReport(out, true, err);
        if (config == null) {
            return 1;
        }
        String bad = badOption();
        if (bad != null) {
            err.println("spanwatch: " + bad);
            return 1;
        }
        OutputLock lock = OutputLock.acquireOrReport(out, spec, err);
        if (lock == null) {
            return 1;
        }
        try (lock) {
            return capture(config, err, outw);
        }
    }

    /** Returns what is wrong with the capture options, naming the option, or null. */
    private String badOption() {
        if (snaplen <= 0) {
            return "--snaplen " + snaplen + ": must be a positive number of bytes";
        }
        if (bufferSize <= 0) {
            return "--buffer-size " + bufferSize + ": must be a positive number of bytes";
        }
        if (statsInterval <= 0) {
            return "--stats-interval " + statsInterval + ": must be a positive number of seconds";
        }
        return null;
    }

    private int capture(SensorConfig config, PrintWriter err, PrintWriter outw) throws Exception {
        LiveCapture.Options options = new LiveCapture.Options(iface, bpf, snaplen, bufferSize, immediate, !noPromiscuous,
                LiveCapture.DEFAULT_READ_TIMEOUT_MILLIS, true, packetLoop);
        // The interface, the permission and the filter are checked now, before anything is written. The
        // handle that captures is opened again once the pipeline is ready (its frame pool reserved, its
        // workers and the scan stage started): from the moment a handle is open the kernel keeps what
        // arrives, and a buffer nobody reads yet overflows within a fraction of a second at full speed.
        LiveCapture check;
        try {
            check = LiveCapture.open(options);
        } catch (CaptureException e) {
            err.println("spanwatch: " + e.getMessage());
            return 1;
        }
        if (check.loopFallbackReason() != null) {
            err.println("spanwatch: note: native packet loop unavailable (" + check.loopFallbackReason()
                    + "); using pcap4j's loop");
        }
        long t0 = System.nanoTime();
        if (discard) {
            return discard(check, err, outw, t0);
        }
        check.close();
        CommonOptions.StageSettings stages = common.stagesOrReport(err);
        if (stages == null) {
            return 1;
        }
        io.spanwatch.analyzer.report.ReportConfig report = common.reportOrReport(err);
        if (report == null) {
            return 1;
        }
        SensorSettings.FeedSettings feeds = stages.feeds();
        boolean[] failed = {false};
        io.spanwatch.analyzer.metrics.Metrics metrics = common.metricsOrReport(config.sensorName(), err, failed);
        if (failed[0]) {
            return 1;
        }
        AnalyzerWiring wiring = new AnalyzerWiring(stages.scan(), stages.intel(), feeds, metrics, stages.index(),
                stages.correlate(), out, err, true);
        Pipeline pipeline;
        io.spanwatch.sensor.pipeline.Outputs outputs;
        try {
            outputs = wiring.start(config);
            pipeline = Pipeline.start(config, outputs);
        } catch (IntelException e) {
            err.println("spanwatch: " + e.getMessage());
            wiring.close();
            if (metrics != null) {
                metrics.close();
            }
            return 1;
        }
        LiveCapture capture;
        try {
            capture = LiveCapture.open(options);
        } catch (CaptureException e) {
            err.println("spanwatch: " + e.getMessage());
            pipeline.finish();
            wiring.close();
            if (metrics != null) {
                metrics.close();
            }
            return 1;
        }
        if (metrics != null) {
            metrics.bindStats(pipeline::stats);
            err.println("spanwatch: metrics at http://" + metrics.address().getHostString() + ":" + metrics.address().getPort()
                    + "/metrics");
        }
        pipeline.captureStats(capture::stats);
        pipeline.source(iface);
        CountDownLatch stopped = new CountDownLatch(1);
        // A thread that dies, or a packet worker's error, stops the sensor with exit status 1; once
        // asked to stop, it has FatalStop.GRACE_SECONDS to do so.
        FatalStop stopper = new FatalStop(err, capture::stop);
        Thread.UncaughtExceptionHandler previousHandler = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler(stopper.handler());
        // A stage thread (correlation deploying its rules, say) may have died before the handler was set.
        Exception early = outputs.stage() != null ? outputs.stage().failure() : null;
        if (early != null) {
            stopper.fatal("a stage thread", early.getCause() != null ? early.getCause() : early);
        }
        // SIGINT and SIGTERM stop the capture; the run below then flushes and returns 0. The shutdown
        // hook covers other ways the JVM is asked to stop.
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> stopper.stop());
            } catch (IllegalArgumentException e) {
                err.println("spanwatch: cannot handle SIG" + name + ": " + e.getMessage());
            }
        }
        // SIGHUP opens eve.json again, as Suricata does, for logrotate (systemd/spanwatch-sensor.logrotate)
        // and `systemctl reload`; the JVM's own default would end the sensor.
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                String problem = outputs.writer().reopen();
                err.println(problem == null ? "spanwatch: SIGHUP: " + out.resolve("eve.json") + " opened again"
                        : "spanwatch: SIGHUP: could not open eve.json again, still writing to the file open before: " + problem);
                err.flush();
            });
        } catch (IllegalArgumentException e) {
            err.println("spanwatch: cannot handle SIGHUP: " + e.getMessage());
        }
        Thread hook = new Thread(() -> {
            capture.stop();
            try {
                stopped.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "spanwatch-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spanwatch-stats");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(pipeline::writeStats, statsInterval, statsInterval, TimeUnit.SECONDS);
        timer.scheduleAtFixedRate(() -> {
            pipeline.tick();
            Throwable workerError = pipeline.workerFailure();
            if (workerError != null) {
                stopper.fatal("a packet worker", workerError); // it analyses nothing more; once only
            }
        }, 100, 100, TimeUnit.MILLISECONDS);
        err.println("spanwatch: capturing on " + iface + (bpf != null ? " (filter: " + bpf + ")" : "") + " ("
                + loopName(capture) + "), writing to " + out);
        err.flush();
        // Last week's report every Monday, mailed through the smtp:// feeds when there are any.
        ReportSchedule reports;
        try {
            reports = report.schedule() ? ReportSchedule.start(out, report, delivery(feeds, config.sensorName()), java.time.Clock.systemUTC())
                    : null;
        } catch (java.io.IOException | IllegalArgumentException e) {
            err.println("spanwatch: " + e.getMessage());
            reports = null;
        }
        int status = 0;
        try {
            pipeline.favourCaptureThread(); // this thread captures: stats say its priority from the start
            capture.run(pipeline);
        } catch (CaptureException e) {
            err.println("spanwatch: " + e.getMessage());
            status = 1;
        } finally {
            timer.shutdownNow();
            if (reports != null) {
                reports.close();
            }
            try {
                Pipeline.Summary sum;
                try {
                    sum = pipeline.finish();
                } finally {
                    capture.close();
                    wiring.close();
                    if (metrics != null) {
                        metrics.close();
                    }
                }
                Summaries.print(outw, sum, (System.nanoTime() - t0) / 1e9, sum.get("capture.bytes"), out);
            } catch (Pipeline.OutputFailed e) {
                Pipeline.Summary sum = e.summary();
                Summaries.print(outw, sum, (System.nanoTime() - t0) / 1e9, sum.get("capture.bytes"), out);
                outw.flush();
                err.println("spanwatch: " + e.getMessage());
                status = 1;
            } catch (java.io.IOException e) {
                err.println("spanwatch: " + e.getMessage());
                status = 1;
            } finally {
                stopped.countDown();
                stopper.finished();
                Thread.setDefaultUncaughtExceptionHandler(previousHandler);
            }
        }
        if (stopper.failure() != null) {
            err.println("spanwatch: stopped because " + stopper.failure());
            status = 1;
        }
        return status;
    }

    /** Returns how scheduled reports go out: mailed through every smtp:// feed, or kept in DIR/reports only. */
    private static ReportSchedule.Delivery delivery(SensorSettings.FeedSettings feeds, String sensorName) throws java.io.IOException {
        io.spanwatch.analyzer.feed.ReportMail mail = io.spanwatch.analyzer.feed.ReportMail.of(feeds.feeds(), sensorName,
                feeds.config().timeoutMillis());
        if (!mail.configured()) {
            return ReportSchedule.Delivery.NONE;
        }
        return w -> mail.send(io.spanwatch.analyzer.report.Reports.subject(w.figures()),
                io.spanwatch.analyzer.report.Reports.summaryText(w.figures()), w.files());
    }

    private static String loopName(LiveCapture capture) {
        return capture.loop() == LiveCapture.Loop.NATIVE ? "libpcap through FFM" : "libpcap through pcap4j/JNA";
    }

    /** Runs the capture loop alone until SIGINT/SIGTERM and prints what it read and what the kernel dropped. */
    private int discard(LiveCapture capture, PrintWriter err, PrintWriter outw, long t0) {
        for (String name : new String[] {"INT", "TERM"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> capture.stop());
        }
        // The launcher starts `sensor` with SIGHUP's default disposition, which would end this run:
        // a logrotate meant for a sensor on the same directory must not stop a diagnostic.
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> { });
        err.println("spanwatch: capturing on " + iface + " (" + loopName(capture) + "), discarding every frame");
        err.flush();
        int status = 0;
        try {
            capture.run((ts, linkType, buf, off, capLen, wireLen) -> { });
        } catch (CaptureException e) {
            err.println("spanwatch: " + e.getMessage());
            status = 1;
        }
        CaptureStats st = capture.stats();
        capture.close();
        outw.printf(java.util.Locale.ROOT, "discarded %d frames (%d bytes) in %.2f s; kernel: %d received, %d dropped, "
                + "%d dropped by the interface%n", st.packets(), st.bytes(), (System.nanoTime() - t0) / 1e9,
                st.kernelPackets(), st.kernelDrops(), st.ifDrops());
        outw.flush();
        return status;
    }
}
