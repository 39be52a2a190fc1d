package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.report.Figures;
import io.spanwatch.analyzer.report.ReportConfig;
import io.spanwatch.analyzer.report.ReportPeriod;
import io.spanwatch.analyzer.report.Reports;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Writes the threat report of a week, a month, a range of days or everything seen so far from an
 * output folder's events: {@code DIR/reports/NAME.html}, {@code .pdf} and {@code .json}.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write the threat report of a period from DIR's events: DIR/reports/NAME.html, .pdf and .json.")
public final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder of analyze or sensor.")
    Path out;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Period period;

    /** Exactly one period option. */
    static final class Period {
        @Option(names = "--week", paramLabel = "YYYY-Www", description = "An ISO week, Monday to Sunday (e.g. 2024-W11).")
        String week;

        @Option(names = "--month", paramLabel = "YYYY-MM", description = "A calendar month.")
        String month;

        @ArgGroup(exclusive = false)
        Range range;

        @Option(names = "--assessment", description = "Everything seen so far (a first deployment's assessment).")
        boolean assessment;
    }

    /** --from and --to together. */
    static final class Range {
        @Option(names = "--from", required = true, paramLabel = "YYYY-MM-DD", description = "First day of the period.")
        String from;

        @Option(names = "--to", required = true, paramLabel = "YYYY-MM-DD", description = "Last day of the period (included).")
        String to;
    }

    @Option(names = "--time-zone", paramLabel = "ZONE", description = "Zone days and weeks are counted in (default report.time-zone, UTC).")
    String zone;

    @Option(names = "--home-net", paramLabel = "CIDR[,CIDR...]", description = "Internal networks; same as --set home-net=...")
    String homeNet;

    @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (key = value lines).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set one configuration key; repeatable.")
    List<String> sets = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter outw = spec.commandLine().getOut();
        ReportConfig rc;
        try {
            rc = settings();
        } catch (SensorSettings.SettingsException e) {
            err.println("spanwatch: " + e.getMessage());
            return 1;
        }
        try {
            ReportPeriod p = period(rc);
            Reports.Written w = Reports.write(out, p, rc, Instant.now());
            Figures f = w.figures();
            outw.printf("report %s: %d infected hosts, %d beaconing hosts, %d reputation hits, %d incidents, %d alerts in %d events%n",
                    p.label(), f.hosts().infected().size(), f.hosts().beaconing().size(), f.reputationHits(), f.totals().incidents(),
                    f.totals().alerts(), f.totals().events());
            for (Path file : w.files()) {
                outw.println("wrote " + file);
            }
            outw.flush();
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("spanwatch: " + e.getMessage());
            return 1;
        } catch (NoSuchFileException e) {
            err.println("spanwatch: " + e.getFile() + ": " + (e.getReason() != null ? e.getReason() : "not found"));
            return 1;
        } catch (FileSystemException e) {
            // its message is the path alone for some (a file where the reports folder goes): say what is wrong
            err.println("spanwatch: report: " + e.getFile() + (e.getOtherFile() != null ? " -> " + e.getOtherFile() : "") + ": "
                    + CliErrors.what(e));
            return 1;
        } catch (IOException e) {
            err.println("spanwatch: report: " + e.getMessage());
            return 1;
        }
    }

    private ReportConfig settings() throws SensorSettings.SettingsException {
        SensorSettings s = new SensorSettings();
        if (config != null) {
            s.load(config);
        }
        for (String a : sets) {
            s.set(a);
        }
        if (homeNet != null) {
            s.set("home-net=" + homeNet, "--home-net");
        }
        return s.buildReport(zone);
    }

    private ReportPeriod period(ReportConfig rc) throws IOException {
        if (period.week != null) {
            return ReportPeriod.week(period.week, rc.zone());
        }
        if (period.month != null) {
            return ReportPeriod.month(period.month, rc.zone());
        }
        if (period.range != null) {
            return ReportPeriod.range(period.range.from, period.range.to, rc.zone());
        }
        return Reports.assessment(Reports.source(out, rc), rc);
    }
}
