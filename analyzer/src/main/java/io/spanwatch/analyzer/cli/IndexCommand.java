package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.index.EveImporter;
import io.spanwatch.analyzer.index.EventIndexWriter;
import io.spanwatch.analyzer.index.IndexConfig;
import io.spanwatch.analyzer.index.IndexCounters;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Imports EVE JSON files (SpanWatch's or Suricata's, plain or gzip) into {@code DIR/index}, with a
 * progress bar on a terminal and one summary line at the end. Every file is checked before any is
 * read; an event already in the index is not added twice.
 */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = "Import EVE JSON files (SpanWatch's or Suricata's, plain or .gz) into DIR/index for the console.")
public final class IndexCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder whose index/ receives the events.")
    Path out;

    @Option(names = "--threads", paramLabel = "N", description = "Parsing and indexing threads (default: the number of cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (index.* keys apply).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set one configuration key; repeatable.")
    List<String> sets = new ArrayList<>();

    @Parameters(arity = "1..*", paramLabel = "EVE.json", description = "EVE files, one event per line; - reads standard input (e.g. zstdcat or ssh).")
    List<Path> files;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter outw = spec.commandLine().getOut();
        IndexConfig cfg;
        try {
            SensorSettings s = new SensorSettings();
            if (config != null) {
                s.load(config);
            }
            for (String a : sets) {
                s.set(a);
            }
            cfg = s.buildIndex();
        } catch (SensorSettings.SettingsException | IllegalArgumentException e) {
            err.println("spanwatch index: " + e.getMessage());
            return 1;
        }
        if (threads < 1 || threads > 256) {
            err.println("spanwatch index: --threads must be 1 to 256: " + threads);
            return 1;
        }
        long total = 0;
        if (files.stream().filter(EveImporter.STDIN::equals).count() > 1) {
            err.println("spanwatch index: standard input (-) can be read once only");
            return 1;
        }
        for (Path f : files) {
            if (f.equals(EveImporter.STDIN)) {
                continue; // its size is not known: no progress bar (below)
            }
            if (!Files.isRegularFile(f) || !Files.isReadable(f)) {
                err.println("spanwatch index: " + f + ": " + (Files.exists(f) ? "not a readable file" : "no such file"));
                return 1;
            }
            total += Files.size(f);
        }
        boolean bar = System.console() != null && System.console().isTerminal() && !files.contains(EveImporter.STDIN);
        try (EventIndexWriter w = EventIndexWriter.open(out.resolve("index"), cfg, new IndexCounters(), Clock.systemUTC())) {
            EveImporter importer = new EveImporter(w, threads);
            Progress progress = bar ? new Progress(importer, total, err) : null;
            EveImporter.Result r;
            try {
                if (progress != null) {
                    progress.start();
                }
                r = importer.run(files);
            } catch (IOException e) {
                err.println("spanwatch index: " + (locked(e) ? "a day of " + out.resolve("index") + " is being written by another process "
                        + "(a sensor or analyze running on " + out + "?): " + shown(e.getMessage()) : shown(e.getMessage())));
                // what was indexed before it stays (committed at close): say how much, so a partial import is not taken for none
                err.println("spanwatch index: " + String.format(Locale.ROOT, "%,d", w.counters().indexed.get())
                        + " events indexed before the error stay in the index");
                return 1;
            } finally {
                if (progress != null) {
                    progress.finish();
                }
            }
            w.applyRetention();
            outw.printf(Locale.ROOT, "indexed %,d events from %d file%s (%.1f MB) in %.1f s: %,.0f events/s; %s%n", r.events(),
                    files.size(), files.size() == 1 ? "" : "s", r.bytes() / 1e6, r.seconds(), r.events() / Math.max(r.seconds(), 1e-3),
                    "index " + String.format(Locale.ROOT, "%.1f MB", w.sizeBytes() / 1e6) + " in " + out.resolve("index"));
            if (r.skipped() > 0) {
                err.println("spanwatch index: skipped " + r.skipped() + " line" + (r.skipped() == 1 ? "" : "s")
                        + " that are not EVE events; the first: " + shown(r.firstProblem()));
            }
            outw.flush();
            if (r.events() == 0 && r.skipped() > 0) {
                // nothing was an event: say so with the exit status too (a pretty-printed file, the wrong file)
                err.println("spanwatch index: no line of the input was an EVE event (one JSON object per line)");
                return 1;
            }
        }
        return 0;
    }

    /** Whether {@code e} comes of a day's index that another writer holds (Lucene's write.lock). */
    private static boolean locked(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.lucene.store.LockObtainFailedException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Returns {@code s} as a terminal may show it: control characters (terminal escapes among them),
     * C1 controls, line separators and text-direction characters as <code>&#92;uXXXX</code>. Lines and file
     * names come from the input, and a parser's message quotes them.
     */
    static String shown(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (io.spanwatch.analyzer.web.Html.shownEscaped(c) || c == '\n' || c == '\t') {
                b.append(String.format("\\u%04X", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Draws a progress bar on the terminal, four times a second, by bytes read. */
    private static final class Progress extends Thread {
        private final EveImporter importer;
        private final long total;
        private final PrintWriter err;
        private final long t0 = System.nanoTime();
        private volatile boolean done;

        Progress(EveImporter importer, long total, PrintWriter err) {
            super("spanwatch-progress");
            setDaemon(true);
            this.importer = importer;
            this.total = Math.max(1, total);
            this.err = err;
        }

        @Override
        public void run() {
            while (!done) {
                draw();
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private synchronized void draw() {
            long read = importer.storedRead(); // the files' sizes on disk are the total, compressed or not
            double f = Math.min(1.0, read / (double) total);
            int width = 30;
            int full = (int) Math.round(f * width);
            double secs = (System.nanoTime() - t0) / 1e9;
            err.printf(Locale.ROOT, "\r[%s%s] %3.0f%%  %,d events  %,.0f/s ", "#".repeat(full), " ".repeat(width - full), f * 100,
                    importer.lines(), importer.lines() / Math.max(secs, 1e-3));
            err.flush();
        }

        void finish() throws InterruptedException {
            done = true;
            interrupt();
            join();
            draw();
            err.println();
            err.flush();
        }
    }
}
