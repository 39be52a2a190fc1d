package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.reputation.IntelException;
import io.spanwatch.sensor.capture.CaptureException;
import io.spanwatch.sensor.capture.CaptureFile;
import io.spanwatch.sensor.capture.CaptureStats;
import io.spanwatch.sensor.pipeline.Pipeline;
import io.spanwatch.sensor.pipeline.SensorConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Analyses capture files offline: every capture is checked before any is read, then all are run
 * through one sensor pipeline in the order given (a flow may continue from one file into the next).
 * A capture that fails part-way is reported and the rest still run; what was collected is written.
 */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Analyse capture files (pcap, pcapng): write DIR/eve.json and the extracted files under DIR/files/.")
public final class AnalyzeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created if missing).")
    Path out;

    @Parameters(arity = "1..*", paramLabel = "CAPTURE", description = "Capture files (pcap, pcapng; plain, gzip or zstd), analysed in "
            + "the order of their first packets; - reads standard input; a folder gives its files, oldest first.")
    List<Path> captures;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--progress", negatable = true, description = "Show progress on stderr (default: only when stdout and stderr "
            + "are terminals).")
    Boolean progress;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter outw = spec.commandLine().getOut();
        SensorConfig config = common.buildOrReport(out, false, err);
        if (config == null) {
            return 1;
        }
        CommonOptions.StageSettings stages = common.stagesOrReport(err);
        if (stages == null) {
            return 1;
        }
        if (stages.index().enabled()) {
            OfflineJit.start();
        }
        if (captures.stream().filter(p -> p.toString().equals("-")).count() > 1) {
            err.println("spanwatch: standard input (-) is named more than once among the captures");
            return 1;
        }
        List<Checked> files = new ArrayList<>();
        try {
            for (Path p : captures) {
                if (!Files.isDirectory(p)) {
                    files.add(check(p));
                    continue;
                }
                List<Path> members = folder(p);
                int before = files.size();
                for (Path m : members) {
                    try {
                        files.add(check(m));
                    } catch (CaptureException e) { // a folder's other files (notes, hashes, logs) are passed over
                        err.println("spanwatch: note: skipped " + e.getMessage());
                    }
                }
                if (files.size() == before) {
                    throw new CaptureException(p + ": a folder without a capture file (" + members.size() + (members.size() == 1 ? " file" : " files")
                            + ", none a pcap or pcapng)");
                }
            }
        } catch (CaptureException e) {
            err.println("spanwatch: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("spanwatch: cannot list a capture folder: " + e.getMessage());
            return 1;
        }
        files = inTimeOrder(files, err);
        boolean[] failed = {false};
        io.spanwatch.analyzer.metrics.Metrics metrics = common.metricsOrReport(config.sensorName(), err, failed);
        if (failed[0]) {
            return 1;
        }
        OutputLock lock = OutputLock.acquireOrReport(out, spec, err);
        if (lock == null) {
            if (metrics != null) {
                metrics.close();
            }
            return 1;
        }
        long t0 = System.nanoTime();
        try (lock; AnalyzerWiring wiring = new AnalyzerWiring(stages.scan(), stages.intel(), stages.feeds(), metrics,
                stages.index(), stages.correlate(), out, err, false)) {
            return run(config, wiring, files, err, outw, t0, metrics);
        } catch (IntelException e) {
            err.println("spanwatch: " + e.getMessage());
            return 1;
        } finally {
            if (metrics != null) {
                metrics.close();
            }
        }
    }

    /**
     * A capture to read. A file's header is checked at start, then the file is closed again until its
     * turn, so that thousands of rotated captures ({@code tcpdump -G}, {@code -C}) never hold a
     * descriptor and a mapping each (with the usual limit of 1,024 descriptors, 461 files used to be
     * the most {@code analyze} could take). A pipe or standard input ({@code storedSize} -1) is opened
     * only at its turn: reading its head early would stall a writer that feeds several pipes one after
     * the other (it waits for the first to be drained while analyze waits on the second).
     */
    record Checked(Path path, long storedSize, long firstNanos) {
        CaptureFile openNow() throws CaptureException {
            return CaptureFile.open(path);
        }
    }

    /** Overlap between captures read one after the other that is worth a warning (rotation jitter is not). */
    static final long OVERLAP_NANOS = 1_000_000_000L;

    /** Checks a file's header and reads its first frame's time (a pipe or standard input is checked at its turn). */
    private static Checked check(Path p) throws CaptureException {
        if (CaptureFile.isStream(p)) {
            return new Checked(p, -1, Long.MIN_VALUE);
        }
        CaptureFile.Peek peek = CaptureFile.peek(p);
        return new Checked(p, peek.storedSize(), peek.firstFrameNanos());
    }

    /**
     * The captures in the order of their first packets; ties, and captures without a packet, keep
     * the order they were given in (a folder's: oldest modification first). Packet time drives every
     * timeout, event time and correlation, and never runs back (a capture dated before the ones read
     * already is handled at the time they reached), so captures named in the order of their names
     * ({@code analyze DIR/*.pcap}) that are not the order of their times were misdated: a download
     * dated after the callbacks it led to joins no incident. Zeek reads several {@code -r} files by
     * packet time too. Kept as given, with nothing said, when one is a pipe or standard input: its
     * first packet is known only at its turn. Says so on {@code err} when the order changed.
     */
    static List<Checked> inTimeOrder(List<Checked> files, PrintWriter err) {
        if (files.size() < 2 || files.stream().anyMatch(f -> f.storedSize() < 0)) {
            return files;
        }
        // Those with a packet are sorted among their own places (stable: ties as given); one without
        // (cut before its first packet) has no time to sort by and keeps its place.
        List<Checked> timed = new ArrayList<>(files.stream().filter(f -> f.firstNanos() != Long.MIN_VALUE).toList());
        timed.sort(Comparator.comparingLong(Checked::firstNanos));
        List<Checked> sorted = new ArrayList<>(files.size());
        java.util.Iterator<Checked> next = timed.iterator();
        for (Checked f : files) {
            sorted.add(f.firstNanos() == Long.MIN_VALUE ? f : next.next());
        }
        if (!sorted.equals(files)) {
            StringBuilder b = new StringBuilder("spanwatch: note: reading the captures in the order of their first packets: ");
            int shown = Math.min(sorted.size(), 5);
            for (int i = 0; i < shown; i++) {
                Checked c = sorted.get(i);
                b.append(i == 0 ? "" : ", ").append(c.path()).append(" (").append(time(c.firstNanos())).append(')');
            }
            if (sorted.size() > shown) {
                b.append(" and ").append(sorted.size() - shown).append(" more");
            }
            err.println(b);
            err.flush();
        }
        return sorted;
    }

    /** A packet time for a note: UTC to the second, or "no packet". */
    private static String time(long nanos) {
        if (nanos == Long.MIN_VALUE) {
            return "no packet";
        }
        return java.time.Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L)).toString();
    }

    /**
     * The files of a capture folder, as Suricata's {@code -r DIR} takes them: not its subfolders nor
     * hidden files, oldest modification first (rotated captures are finished in the order they were
     * written), ties by name.
     */
    static List<Path> folder(Path dir) throws IOException {
        record Entry(Path path, FileTime modified) {
        }
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (!p.getFileName().toString().startsWith(".") && Files.isRegularFile(p)) {
                    try {
                        entries.add(new Entry(p, Files.getLastModifiedTime(p)));
                    } catch (java.nio.file.NoSuchFileException gone) {
                        // rotated away while listed
                    }
                }
            }
        }
        entries.sort(Comparator.comparing(Entry::modified).thenComparing(e -> e.path().getFileName().toString()));
        return entries.stream().map(Entry::path).toList();
    }

    /** Returns about how far {@code f} was read, in bytes of the file as stored (compressed or not). */
    private static long bytesRead(CaptureFile f) {
        return f.storedRead();
    }

    private int run(SensorConfig config, AnalyzerWiring wiring, List<Checked> files, PrintWriter err, PrintWriter outw, long t0,
            io.spanwatch.analyzer.metrics.Metrics metrics) throws IOException, IntelException {
        Pipeline pipeline = Pipeline.start(config, wiring.start(config));
        if (metrics != null) {
            metrics.bindStats(pipeline::stats);
            err.println("spanwatch: metrics at http://" + metrics.address().getHostString() + ":" + metrics.address().getPort()
                    + "/metrics");
            err.flush();
        }
        long[] totals = new long[3];
        CaptureFile[] running = new CaptureFile[1];
        pipeline.captureStats(() -> {
            CaptureFile c = running[0];
            CaptureStats s = c == null ? null : c.stats();
            return s == null ? null : new CaptureStats(totals[0] + s.packets(), totals[1] + s.bytes(), 0, 0, 0,
                    totals[2] != 0 || s.truncated());
        });
        // -1 when a capture comes from a pipe or standard input: progress then shows no share nor time left
        long totalBytes = files.stream().anyMatch(f -> f.storedSize() < 0) ? -1 : files.stream().mapToLong(Checked::storedSize).sum();
        int status = 0;
        Pipeline.Summary sum;
        try (Progress shown = Progress.start(progress, err, totalBytes, files.size(), pipeline::stats)) {
            long doneBefore = 0;
            for (int i = 0; i < files.size(); i++) {
                CaptureFile f;
                try {
                    f = files.get(i).openNow();
                } catch (CaptureException e) { // changed or gone since it was checked
                    shown.println("spanwatch: " + e.getMessage());
                    status = 1;
                    doneBefore += Math.max(0, files.get(i).storedSize());
                    continue;
                }
                // the captures before are done only once the next source is named: frames of theirs held
                // on a step in time go on then, and move the time reached
                running[0] = f;
                pipeline.source(f.name());
                long first = files.get(i).firstNanos();
                long reached = pipeline.packetTime();
                if (i > 0 && first != Long.MIN_VALUE && reached != 0 && reached - first > OVERLAP_NANOS) {
                    shown.println("spanwatch: warning: " + f.name() + " begins at " + time(first) + ", before the captures read so far end ("
                            + time(reached) + "): they overlap in time, so its packets before then are handled as of " + time(reached)
                            + " (merge overlapping captures by time first, e.g. mergecap -w merged.pcap FILE...)");
                }
                shown.capture(i, f.name(), doneBefore, () -> bytesRead(f));
                try (f) {
                    f.run(pipeline);
                } catch (CaptureException e) {
                    shown.println("spanwatch: " + e.getMessage());
                    status = 1;
                } catch (RuntimeException e) {
                    // A worker failed (e.g. out of memory): stop reading; what was collected is still written.
                    shown.println("spanwatch: " + f.name() + ": analysis stopped: " + e.getMessage());
                    status = 1;
                    break;
                }
                CaptureStats s = f.stats();
                if (s.truncated()) {
                    shown.println("spanwatch: warning: " + f.name() + ": capture is truncated; analysed up to the cut"
                            + (f.warning() != null ? " (" + f.warning() + ")" : ""));
                }
                totals[0] += s.packets();
                totals[1] += s.bytes();
                totals[2] |= s.truncated() ? 1 : 0;
                doneBefore += Math.max(0, f.storedSize() < 0 ? f.storedRead() : f.storedSize());
            }
            running[0] = null;
            pipeline.captureStats(() -> new CaptureStats(totals[0], totals[1], 0, 0, 0, totals[2] != 0));
            shown.draining();
            try {
                sum = pipeline.finish();
            } catch (Pipeline.OutputFailed e) {
                // the figures of what was analysed still go to the terminal, then what went wrong
                shown.close();
                Summaries.print(outw, e.summary(), (System.nanoTime() - t0) / 1e9, totals[1], out);
                outw.flush();
                err.println("spanwatch: " + e.getMessage());
                return 1;
            } catch (IOException e) {
                shown.println("spanwatch: " + e.getMessage());
                return 1;
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Summaries.print(outw, sum, secs, totals[1], out);
        return status;
    }
}
