package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.scan.ClamdAddress;
import io.spanwatch.analyzer.scan.ClamdPool;
import io.spanwatch.analyzer.scan.ClamdScanner;
import io.spanwatch.analyzer.scan.ClamdVersion;
import io.spanwatch.analyzer.scan.HashSignatures;
import io.spanwatch.analyzer.scan.LocalClamd;
import io.spanwatch.analyzer.scan.Quarantine;
import io.spanwatch.analyzer.scan.ScanStage;
import io.spanwatch.sensor.event.EventSink;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Sets up the scan stage for {@code analyze} and {@code sensor}: the clamd pool, the built-in hash
 * signatures and the stage itself, whose queue lives in {@code DIR/scan/}. Owns the pool; the
 * pipeline drains and closes the stage.
 */
final class ScanWiring implements AutoCloseable {
    private SensorSettings.ScanSettings settings;
    private final Path outDir;
    private final PrintWriter err;
    private final boolean askInBackground;
    private ClamdPool pool;
    private ScheduledExecutorService versionCheck;

    ScanWiring(SensorSettings.ScanSettings settings, Path outDir, PrintWriter err) {
        this(settings, outDir, err, false);
    }

    /**
     * Sets up the scan stage; with {@code askInBackground} (a live sensor) clamd's VERSION is asked
     * on a thread of its own, so a clamd slow to answer never delays the start of the capture.
     */
    ScanWiring(SensorSettings.ScanSettings settings, Path outDir, PrintWriter err, boolean askInBackground) {
        this.settings = settings;
        this.outDir = outDir;
        this.err = err;
        this.askInBackground = askInBackground;
    }

    /**
     * Starts the scan stage, writing its events to {@code events}, or returns null when scanning is
     * off. The caller drains and closes the stage; this wiring closes the clamd pool.
     */
    ScanStage start(EventSink events) {
        if (!settings.enabled()) {
            return null;
        }
        settings = chooseClamd(settings, LocalClamd.MACHINE_CONFS, err);
        List<ClamdAddress> addresses = new ArrayList<>();
        for (String a : settings.clamd()) {
            addresses.add(ClamdAddress.parse(a));
        }
        pool = new ClamdPool(addresses, settings.clamdOptions());
        HashSignatures builtin = HashSignatures.empty();
        Path rules = settings.rulesDir();
        if (Files.isDirectory(rules)) {
            try {
                builtin = HashSignatures.load(rules);
                for (String w : builtin.warnings()) {
                    err.println("spanwatch: warning: " + w);
                }
            } catch (IOException e) {
                err.println("spanwatch: warning: cannot read signatures in " + rules + ": " + e.getMessage());
            }
        } else {
            err.println("spanwatch: warning: no signature folder " + rules + " (scan.rules-dir): no interim verdicts without clamd");
        }
        HashSignatures matcher = builtin;
        {
            try {
                ScanStage stage = ScanStage.start(events, new ClamdScanner(pool), matcher::match, settings.scan(),
                        outDir.resolve("scan"));
                stage.quarantine(Quarantine.open(outDir, settings.quarantine(), java.time.Clock.systemUTC()));
                pool.onRecovered(stage::clamdAnswered);
                if (askInBackground) {
                    Thread.ofPlatform().name("spanwatch-clamd-first-version").daemon(true).start(() -> firstVersion(stage));
                } else {
                    firstVersion(stage);
                }
                if (settings.versionCheckSeconds() > 0) {
                    versionCheck = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("spanwatch-clamd-version")
                            .daemon(true).unstarted(r));
                    versionCheck.scheduleWithFixedDelay(() -> checkVersion(stage), settings.versionCheckSeconds(),
                            settings.versionCheckSeconds(), TimeUnit.SECONDS);
                }
                stage.extraStats(m -> {
                    m.put("clamd.scans", pool.scans());
                    m.put("clamd.infected", pool.infected());
                    m.put("clamd.not_scanned", pool.notScanned());
                    m.put("clamd.errors", pool.errors());
                    m.put("clamd.timeouts", pool.timeouts());
                    m.put("clamd.bytes", pool.bytes());
                    m.put("clamd.files_passed", pool.filesPassed());
                    m.put("clamd.endpoints_alive", pool.health().stream().filter(ClamdPool.Health::alive).count());
                });
                return stage;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the scan queue in " + outDir.resolve("scan") + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * The settings to scan with: as given, unless nothing named a clamd and none accepts a connection
     * at the default address while the machine's own clamd, found by its clamd.conf among {@code confs},
     * does. Then that clamd, with its size limits for those nothing set, and a note on {@code err}
     * naming it. (Debian's clamav-daemon listens on a Unix socket only, which the default address
     * never reaches; clamdscan finds it the same way.)
     */
    static SensorSettings.ScanSettings chooseClamd(SensorSettings.ScanSettings s, List<Path> confs, PrintWriter err) {
        if (!s.enabled() || !s.unset().address() || s.clamd().size() != 1 || LocalClamd.accepts(ClamdAddress.parse(s.clamd().getFirst()))) {
            return s;
        }
        Optional<LocalClamd> local = LocalClamd.find(confs);
        if (local.isEmpty()) {
            return s;
        }
        synchronized (err) {
            err.println("spanwatch: note: no clamd at " + s.clamd().getFirst() + "; using this machine's clamd at " + local.get().describe());
            err.flush();
        }
        return s.withMachineClamd(local.get());
    }

    /** Asks clamd at start whether it answers and which database it runs; says so when none answers. */
    private void firstVersion(ScanStage stage) {
        try {
            ClamdVersion v = pool.version(); // a clamd that answers now is worth waiting for if it goes away later
            stage.clamdSeen();
            stage.database(v.databaseVersion());
        } catch (IOException | RuntimeException e) {
            stage.clamdUnreachable();
            synchronized (err) {
                err.println("spanwatch: note: no clamd answers at " + settings.clamd() + " (" + e.getMessage()
                        + "); files get interim verdicts and wait in " + outDir.resolve("scan"));
                err.flush();
            }
        }
    }

    /** Asks clamd its database version (a newer one starts a retro-scan); a clamd that does not answer changes nothing. */
    private void checkVersion(ScanStage stage) {
        try {
            stage.database(pool.version().databaseVersion());
        } catch (IOException | RuntimeException e) {
            // Unreachable now: the scan stage notices on its own; the version is asked again next time.
        }
    }

    @Override
    public void close() {
        if (versionCheck != null) {
            versionCheck.shutdownNow();
        }
        if (pool != null) {
            pool.close();
        }
    }
}
