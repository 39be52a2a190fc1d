package io.spanwatch.analyzer.scan;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EventSink;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileListener;
import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.pipeline.Stage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the scan stage: every closed file is queued (durably, see {@link ScanJournal}), scanned by
 * clamd through a {@link FileScanner}, and its {@code fileinfo} event written with the verdict; an
 * infected file also raises an {@code alert}.
 *
 * <p>When no clamd answers, the file's {@code fileinfo} goes out with an interim verdict from the
 * built-in hash matcher (engine {@code builtin-hash}, {@code interim: true}; an alert if it matches)
 * and the file stays queued; it is retried with a backoff of 0.5 s doubling to
 * {@link ScanConfig#maxRetryDelayMillis}; when clamd answers, the final verdict is written as a
 * {@code verdict} event (and an alert if the file is infected and the interim verdict did not
 * already raise one), so every file ends with exactly one final verdict. A verdict is remembered per sha256 and signature database version, so a
 * file seen again is not scanned again. Files that were not stored (over the store size cap) cannot
 * be sent to clamd: they get {@code not_scanned} at once.
 *
 * <p>Threads: {@link #fileClosed} is called on sensor workers and only queues; {@link ScanConfig#threads}
 * scan threads do the rest. Thread-safe.
 */
public final class ScanStage implements FileListener, Stage {
    /** Scans one stored file; implementations apply their own timeouts and never block for long. */
    public interface FileScanner {
        /**
         * Returns the verdict, or one with result {@code error} whose reason starts with
         * {@link #UNREACHABLE} when no scanner could be reached.
         */
        FileVerdict scan(Path file);
    }

    /** Matches a file's hashes against known-bad hashes; returns the signature name. */
    public interface HashMatcher {
        Optional<String> match(String md5, String sha1, String sha256, long size);
    }

    /** Reason text a {@link FileScanner} gives when no scanner is reachable: the file is retried. */
    public static final String UNREACHABLE = ClamdPool.NO_CLAMD;

    /** Counters of the stage, for stats events. */
    public final AtomicLong queued = new AtomicLong();
    public final AtomicLong scanned = new AtomicLong();
    public final AtomicLong infected = new AtomicLong();
    public final AtomicLong notScanned = new AtomicLong();
    public final AtomicLong errors = new AtomicLong();
    public final AtomicLong interim = new AtomicLong();
    public final AtomicLong cached = new AtomicLong();
    public final AtomicLong retries = new AtomicLong();

    private final EventSink eve;
    private final FileScanner scanner;
    private final HashMatcher builtin;
    private final ScanConfig config;
    private final ScanJournal journal;
    private volatile Quarantine quarantine;
    /** Files put in quarantine. */
    public final AtomicLong quarantined = new AtomicLong();
    private final DelayQueue<Job> jobs = new DelayQueue<>();
    /** Final verdicts by sha256; valid while clamd reports the same database version. */
    private final Map<String, FileVerdict> verdicts = new ConcurrentHashMap<>();
    /** Database version of the latest clamd verdict. */
    private volatile String currentDb;
    private java.io.BufferedWriter verdictLog;
    /** Verdicts remembered at most (the store file and memory). */
    static final int MAX_REMEMBERED = 1_000_000;
    private final Thread[] threads;
    /**
     * Files queued or being handled: raised before a job goes into {@link #jobs}, lowered only when a
     * taken job has been handled (a retry queued meanwhile raised it again) or one is dropped. Counting
     * the queue's size plus the jobs in hand instead left a moment, between a scan thread's take() and
     * its count, in which a drain saw nothing waiting and ended the run before that file's event was
     * written (seen under load as a corpus file missing now and then).
     */
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong queuedBytes = new AtomicLong();
    /** Files given up because the queue was over its budget. */
    public final AtomicLong dropped = new AtomicLong();
    /** Files whose fileinfo event has not been written yet. */
    private final AtomicLong unreported = new AtomicLong();
    /** Whether the last scan found no clamd reachable. */
    private volatile boolean unreachable;
    /** Whether a clamd answered during this run (then a drain waits for it to come back). */
    private volatile boolean clamdSeen;
    private volatile boolean stopping;

    private ScanStage(EventSink eve, FileScanner scanner, HashMatcher builtin, ScanConfig config, ScanJournal journal) {
        this.eve = eve;
        this.scanner = scanner;
        this.builtin = builtin;
        this.config = config;
        this.journal = journal;
        this.threads = new Thread[config.threads()];
    }

    /**
     * Opens the stage's queue under {@code dir} (resuming files a previous run left waiting) and
     * starts the scan threads.
     */
    public static ScanStage start(EventSink eve, FileScanner scanner, HashMatcher builtin, ScanConfig config, Path dir)
            throws IOException {
        ScanStage s = new ScanStage(eve, scanner, builtin, config, ScanJournal.open(dir));
        s.openVerdictStore(dir.resolve("verdicts.jsonl"));
        for (ScanJournal.Entry e : s.journal.waiting()) {
            if (!e.reported()) {
                s.unreported.incrementAndGet();
            }
            s.queuedBytes.addAndGet(e.info().size());
            s.enqueue(new Job(e, 0, 0));
        }
        for (int i = 0; i < s.threads.length; i++) {
            s.threads[i] = Thread.ofPlatform().name("spanwatch-scan-" + i).daemon(true).start(s::run);
        }
        return s;
    }

    /** Tells the stage a clamd answered (e.g. to a VERSION at start): a drain then waits for it. */
    public void clamdSeen() {
        clamdSeen = true;
    }

    /** Adds more counters (e.g. the clamd pool's) to this stage's stats. */
    public void extraStats(java.util.function.Consumer<Map<String, Long>> more) {
        this.extraStats = more;
    }

    private volatile java.util.function.Consumer<Map<String, Long>> extraStats;

    /** Keeps infected files in {@code q} from now on (null: no quarantine). */
    public void quarantine(Quarantine q) {
        this.quarantine = q;
    }

    @Override
    public void fileClosed(FileEvent file) {
        FileInfo fi = file.info();
        if (file.stored() == null) {
            // Not on disk (over the store size cap, or its gaps were of unknown length): clamd cannot see it.
            notScanned.incrementAndGet();
            FileVerdict v = builtinVerdict(fi, false, "file not stored (" + (fi.storeCutoff() ? "over the store size cap"
                    : fi.spoolLimit() ? "the spool on disk was full" : "incomplete") + ")");
            alertIfInfected(file, v); // before the fileinfo event: the flow's event waits for that one
            eve.accept(new FileInfoEvent(file, v, false));
            return;
        }
        try {
            ScanJournal.Entry e = journal.add(file.tsNanos(), file.header(), file.http(), file.toServer(), fi,
                    file.stored().toString());
            queued.incrementAndGet();
            unreported.incrementAndGet();
            queuedBytes.addAndGet(fi.size());
            enqueue(new Job(e, 0, 0));
            while (queuedBytes.get() > config.maxQueuedBytes() && dropOldest()) {
                // keep within the queue's budget
            }
        } catch (IOException ex) {
            // The queue cannot be written: scan without the safety net rather than lose the file.
            errors.incrementAndGet();
            unreported.incrementAndGet();
            enqueue(new Job(new ScanJournal.Entry(-1, file.tsNanos(), file.header(), file.http(), file.toServer(), fi,
                    file.stored().toString(), false), 0, 0));
        }
    }

    /** Returns the files waiting for a final verdict. */
    public int waiting() {
        return (int) pending.get();
    }

    /**
     * Waits until every queued file has its final verdict, at the latest after {@code maxWaitMillis}.
     * If no clamd answered at all during this run, it stops as soon as every file waiting has its
     * {@code fileinfo} event (with an interim verdict): there is nothing to wait for. If one did (and
     * then went away), it waits for it to come back. Files still waiting stay in the journal
     * for the next run. Returns the number still waiting.
     */
    public int drain(long maxWaitMillis) throws InterruptedException {
        return await(maxWaitMillis, true);
    }

    /** Waits until every queued file has its final verdict, at most {@code maxWaitMillis}. */
    public int awaitFinal(long maxWaitMillis) throws InterruptedException {
        return await(maxWaitMillis, false);
    }

    private int await(long maxWaitMillis, boolean stopWhenUnreachable) throws InterruptedException {
        long deadline = System.nanoTime() + maxWaitMillis * 1_000_000L;
        while (waiting() > 0 && System.nanoTime() < deadline) {
            if (stopWhenUnreachable && unreachable && !clamdSeen && unreported.get() == 0) {
                break;
            }
            Thread.sleep(20);
        }
        return waiting();
    }

    @Override
    public void drain() throws InterruptedException {
        drain(config.drainMillis());
    }

    /** Returns the files whose {@code fileinfo} event is still to be written. */
    public long unreported() {
        return unreported.get();
    }

    @Override
    public void close() throws IOException {
        stopping = true;
        for (Thread t : threads) {
            t.interrupt();
        }
        for (Thread t : threads) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        journal.close();
        synchronized (this) {
            if (verdictLog != null) {
                verdictLog.close();
            }
        }
    }

    private void run() {
        while (!stopping) {
            Job job;
            try {
                job = jobs.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                handle(job);
            } catch (RuntimeException | IOException e) {
                errors.incrementAndGet();
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    private void handle(Job job) throws IOException {
        ScanJournal.Entry e = job.entry;
        FileEvent file = new FileEvent(e.tsNanos(), e.header(), e.http(), e.toServer(), e.info(), Path.of(e.stored()));
        String sha = e.info().sha256() != null ? e.info().sha256() : e.info().storedSha256();
        FileVerdict v = sha == null ? null : verdicts.get(sha);
        if (v != null && !java.util.Objects.equals(v.databaseVersion(), currentDb)) {
            v = null; // scanned with another database version: scan again
        }
        if (v != null) {
            cached.incrementAndGet();
        } else if (!Files.exists(file.stored())) {
            v = new FileVerdict("clamd", null, null, "not_scanned", List.of(), 0, "stored file is gone", false);
        } else {
            v = scanner.scan(file.stored());
            if (stopping) {
                return; // shutting down: the scan may have been cut short; the journal keeps the file for the next run
            }
            if ("error".equals(v.result())) {
                boolean down = v.reason() != null && v.reason().startsWith(UNREACHABLE);
                unreachable = down;
                // No clamd, or a failed exchange (a clamd restarting, a timeout): try again later; only
                // after maxAttempts failed exchanges with a reachable clamd is the error final.
                if (down || job.attempts + 1 < config.maxAttempts()) {
                    retryLater(job, file);
                    return;
                }
            } else {
                if (unreachable) {
                    wakeAll(); // clamd is back: everything waiting goes now, not at the end of its backoff
                }
                unreachable = false;
                clamdSeen = true;
            }
            scanned.incrementAndGet();
            if ("clean".equals(v.result()) || "infected".equals(v.result())) {
                currentDb = v.databaseVersion();
                if (sha != null) {
                    remember(sha, v);
                }
            }
        }
        count(v);
        if (!e.reported()) {
            alertIfInfected(file, v); // before the fileinfo event: the flow's event waits for that one
            eve.accept(new FileInfoEvent(file, v, false));
            unreported.decrementAndGet(); // after every event of the file, so a drain never cuts one off
        } else {
            // Its fileinfo went out with an interim verdict: the final one follows as a verdict event,
            // with an alert unless the interim verdict already raised one.
            eve.accept(new FileInfoEvent(file, v, true));
            if ("infected".equals(v.result()) && !builtinAlreadyAlerted(e)) {
                alertIfInfected(file, v);
            }
        }
        if (e.seq() > 0) {
            journal.done(e);
        }
        queuedBytes.addAndGet(-e.info().size());
    }

    /**
     * Loads the verdicts of earlier runs ({@code verdicts.jsonl}: one line per final verdict with a
     * known database version), so a file seen again is not scanned again under the same version.
     * Verdicts of a custom-only database (no version) are kept for this run only: a reload of its
     * signatures would not show in a version.
     */
    private void openVerdictStore(Path file) throws IOException {
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                if (verdicts.size() >= MAX_REMEMBERED) {
                    break;
                }
                try {
                    Remembered r = META_JSON.readValue(line, Remembered.class);
                    verdicts.put(r.sha256(), r.verdict());
                    currentDb = r.verdict().databaseVersion();
                } catch (IOException ex) {
                    // a line cut by a crash
                }
            }
        }
        verdictLog = Files.newBufferedWriter(file, java.nio.charset.StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    private record Remembered(String sha256, FileVerdict verdict) {
    }

    private void remember(String sha, FileVerdict v) {
        if (verdicts.size() >= MAX_REMEMBERED) {
            return;
        }
        verdicts.put(sha, v);
        if (v.databaseVersion() == null) {
            return;
        }
        synchronized (this) {
            try {
                verdictLog.write(META_JSON.writeValueAsString(new Remembered(sha, v)));
                verdictLog.write('\n');
                verdictLog.flush();
            } catch (IOException ex) {
                errors.incrementAndGet();
            }
        }
    }

    /** Makes every waiting file due now. */
    private void wakeAll() {
        List<Job> waitingJobs = new java.util.ArrayList<>(jobs);
        for (Job j : waitingJobs) {
            if (jobs.remove(j)) {
                jobs.add(new Job(j.entry, j.attempts, 0));
            }
        }
    }

    /** Gives up the file that has waited longest; returns false when none is waiting. */
    private boolean dropOldest() {
        Job oldest = null;
        for (Job j : jobs) {
            if (oldest == null || j.entry.seq() < oldest.entry.seq()) {
                oldest = j;
            }
        }
        if (oldest == null || !jobs.remove(oldest)) {
            return false;
        }
        pending.decrementAndGet();
        ScanJournal.Entry e = oldest.entry;
        dropped.incrementAndGet();
        notScanned.incrementAndGet();
        FileEvent file = new FileEvent(e.tsNanos(), e.header(), e.http(), e.toServer(), e.info(), Path.of(e.stored()));
        FileVerdict v = builtinVerdict(e.info(), false, "scan queue over its budget of " + config.maxQueuedBytes()
                + " bytes; the file that waited longest was given up");
        if (!e.reported()) {
            alertIfInfected(file, v); // before the fileinfo event: the flow's event waits for that one
            eve.accept(new FileInfoEvent(file, v, false));
            unreported.decrementAndGet();
        } else {
            eve.accept(new FileInfoEvent(file, v, true));
        }
        try {
            if (e.seq() > 0) {
                journal.done(e);
            }
        } catch (IOException ex) {
            errors.incrementAndGet();
        }
        queuedBytes.addAndGet(-e.info().size());
        return true;
    }

    /** Reports an interim verdict once, then puts the file back in the queue with a backoff. */
    private void retryLater(Job job, FileEvent file) throws IOException {
        retries.incrementAndGet();
        ScanJournal.Entry e = job.entry;
        if (!e.reported()) {
            interim.incrementAndGet();
            FileVerdict v = builtinVerdict(e.info(), true, UNREACHABLE + "; queued for clamd");
            alertIfInfected(file, v); // before the fileinfo event: the flow's event waits for that one
            eve.accept(new FileInfoEvent(file, v, false));
            unreported.decrementAndGet();
            e = e.seq() > 0 ? journal.reported(e) : new ScanJournal.Entry(e.seq(), e.tsNanos(), e.header(), e.http(),
                    e.toServer(), e.info(), e.stored(), true);
        }
        long delay = Math.min(config.maxRetryDelayMillis(), job.delayMillis == 0 ? 500 : job.delayMillis * 2);
        // Attempts count failed exchanges with a reachable clamd only; waiting for one costs none.
        enqueue(new Job(e, unreachable ? job.attempts : job.attempts + 1, delay));
    }

    private void enqueue(Job j) {
        pending.incrementAndGet();
        jobs.add(j);
    }

    private boolean builtinAlreadyAlerted(ScanJournal.Entry e) {
        FileInfo fi = e.info();
        return builtin != null && builtin.match(fi.md5(), fi.sha1(), fi.sha256(), fi.size()).isPresent();
    }

    private FileVerdict builtinVerdict(FileInfo fi, boolean interimVerdict, String reason) {
        Optional<String> sig = builtin == null || fi.sha256() == null ? Optional.empty()
                : builtin.match(fi.md5(), fi.sha1(), fi.sha256(), fi.size());
        if (sig.isPresent()) {
            return new FileVerdict("builtin-hash", null, null, "infected", List.of(sig.get()), 0, null, interimVerdict);
        }
        return new FileVerdict("builtin-hash", null, null, "not_scanned", List.of(), 0, reason, interimVerdict);
    }

    private void alertIfInfected(FileEvent file, FileVerdict v) {
        if (!"infected".equals(v.result())) {
            return;
        }
        keep(file, v);
        for (String sig : v.signatures()) {
            AlertEvent.Signature s = AlertEvent.Signature.of(signatureId(sig),
                    ("builtin-hash".equals(v.engine()) ? "SpanWatch hash " : "ClamAV ") + sig, AlertEvent.MALWARE, Severity.of(sig));
            eve.accept(new AlertEvent(file.tsNanos(), file.header(), !file.toServer(), file.toServer() ? "to_server" : "to_client",
                    s, file.http(), file, v, null, null, null));
        }
    }

    /** Puts an infected file in quarantine with what is known of it. */
    private void keep(FileEvent file, FileVerdict v) {
        Quarantine q = quarantine;
        String sha = file.info().sha256() != null ? file.info().sha256() : file.info().storedSha256();
        if (q == null || file.stored() == null || sha == null || !Files.exists(file.stored())) {
            return;
        }
        try {
            Map<String, Object> meta = new java.util.LinkedHashMap<>();
            meta.put("header", file.header());
            meta.put("http", file.http());
            meta.put("direction", file.toServer() ? "to_server" : "to_client");
            meta.put("fileinfo", file.info());
            meta.put("verdict", v);
            String json = META_JSON.writeValueAsString(meta);
            if (q.add(file.stored(), sha, json, java.time.Instant.ofEpochSecond(0, file.tsNanos())).isPresent()) {
                quarantined.incrementAndGet();
            }
        } catch (IOException | RuntimeException e) {
            errors.incrementAndGet();
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper META_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private void count(FileVerdict v) {
        switch (v.result()) {
            case "infected" -> infected.incrementAndGet();
            case "not_scanned" -> notScanned.incrementAndGet();
            case "error" -> errors.incrementAndGet();
            default -> {
                // clean
            }
        }
    }

    /** Returns a stable signature id for a signature name, in a range of its own (9,000,000 and up). */
    static long signatureId(String name) {
        return 9_000_000L + Math.floorMod(name.hashCode(), 1_000_000);
    }

    @Override
    public void addStats(Map<String, Long> m) {
        m.put("scan.queued", queued.get());
        m.put("scan.scanned", scanned.get());
        m.put("scan.infected", infected.get());
        m.put("scan.not_scanned", notScanned.get());
        m.put("scan.errors", errors.get());
        m.put("scan.interim_verdicts", interim.get());
        m.put("scan.cached_verdicts", cached.get());
        m.put("scan.retries", retries.get());
        m.put("scan.waiting", (long) waiting());
        m.put("scan.quarantined", quarantined.get());
        m.put("scan.dropped", dropped.get());
        m.put("scan.queued_bytes", queuedBytes.get());
        var more = extraStats;
        if (more != null) {
            more.accept(m);
        }
    }

    /** A file in the queue, due after its backoff. */
    private static final class Job implements Delayed {
        final ScanJournal.Entry entry;
        final int attempts;
        final long delayMillis;
        final long dueNanos;

        Job(ScanJournal.Entry entry, int attempts, long delayMillis) {
            this.entry = entry;
            this.attempts = attempts;
            this.delayMillis = delayMillis;
            this.dueNanos = System.nanoTime() + delayMillis * 1_000_000L;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(dueNanos, ((Job) o).dueNanos);
        }
    }

    /** Maps ClamAV signature families to Suricata-style severities (1 highest). */
    static final class Severity {
        private Severity() {
        }

        static int of(String signature) {
            String s = signature.toLowerCase(java.util.Locale.ROOT);
            if (s.contains("test") || s.contains("eicar")) {
                return 3; // test files: worth an alert, not an incident
            }
            if (s.startsWith("pua.") || s.contains(".pua.") || s.startsWith("heuristics.")) {
                return 3;
            }
            if (s.contains("ransom") || s.contains("trojan") || s.contains("backdoor") || s.contains("exploit")) {
                return 1;
            }
            return 2;
        }
    }
}
