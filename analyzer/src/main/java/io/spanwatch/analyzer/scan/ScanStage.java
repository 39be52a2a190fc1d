package io.spanwatch.analyzer.scan;

import io.spanwatch.sensor.event.EventSink;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileListener;
import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.pipeline.Stage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the scan stage: every closed file is queued (durably, see {@link ScanJournal}), scanned by
 * clamd through a {@link FileScanner}, and its {@code fileinfo} event written with the verdict; an
 * infected file also raises an {@code alert}, and is kept in quarantine ({@link VerdictEvents} writes
 * what a verdict makes; the stage decides when).
 *
 * <p><b>Without clamd</b> the file's {@code fileinfo} goes out with an interim verdict from the
 * built-in hash matcher (engine {@code builtin-hash}, {@code interim: true}; an alert if it matches)
 * and the file stays queued. The tries while clamd is unreachable are paced by one {@link ClamdGate}
 * for the whole queue (0.5 s doubling to {@link ScanConfig#maxRetryDelayMillis}), not per file; when
 * clamd answers (a try, or the pool's health check through {@link #clamdAnswered}), every waiting
 * file goes at once and the final verdict is written as a {@code verdict} event (and an alert if the
 * file is infected and the interim verdict did not already raise one): every file ends with exactly
 * one final verdict.
 *
 * <p><b>Verdicts remembered</b> ({@link VerdictCache}) per sha256 and signature database version: a
 * file seen again under the version clamd reports now ({@link #database}) gets its verdict at once,
 * and a copy taken by a scan thread while another one scans the same content waits for that verdict
 * ({@link ContentClaims}).
 * Files that were not stored (over the store size cap) cannot be sent to clamd: {@code not_scanned}.
 *
 * <p><b>Retro-scan.</b> When clamd reports a newer database version than any seen before on this
 * folder (at start, periodically, or in a verdict), the stored files remembered as seen in the last
 * {@link ScanConfig#retroDays} days are queued again; one that is now infected with a signature it did
 * not have raises an alert marked retro ({@code alert.metadata}: {@code retro}, {@code original_timestamp},
 * {@code database_version}, {@code previous_database_version}, {@code previous_result}), timed when it
 * was found.
 *
 * <p><b>Memory</b>: the queue holds in memory at most {@link ScanConfig#queueMemoryEntries} files and
 * {@link ScanConfig#queueMemoryBytes}; a file past that waits in the journal only, and its fileinfo
 * goes out at once with an interim verdict.
 *
 * <p>Threads: {@link #fileClosed} is called on sensor workers and only queues (or answers from the
 * verdict cache); {@link ScanConfig#threads} scan threads do the rest; a retro-scan reads the verdict
 * log on a thread of its own. Thread-safe.
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
    /** Name of the file under the scan folder that keeps the newest database version seen. */
    static final String DATABASE_FILE = DatabaseWatch.FILE;

    /** Counters of the stage, for stats events. */
    public final AtomicLong queued = new AtomicLong();
    public final AtomicLong scanned = new AtomicLong();
    public final AtomicLong infected = new AtomicLong();
    public final AtomicLong notScanned = new AtomicLong();
    public final AtomicLong errors = new AtomicLong();
    public final AtomicLong interim = new AtomicLong();
    public final AtomicLong cached = new AtomicLong();
    public final AtomicLong retries = new AtomicLong();
    /** Files put in quarantine. */
    public final AtomicLong quarantined = new AtomicLong();
    /** Files given up because the queue was over its budget. */
    public final AtomicLong dropped = new AtomicLong();
    /** Retro-scans started, files they queued, scanned, and found newly infected. */
    public final AtomicLong retroRuns = new AtomicLong();
    public final AtomicLong retroQueued = new AtomicLong();
    public final AtomicLong retroScanned = new AtomicLong();
    public final AtomicLong retroAlerts = new AtomicLong();

    private final FileScanner scanner;
    private final ScanConfig config;
    private final Path dir;
    private final ScanJournal journal;
    private final VerdictCache cache;
    /** Content (sha256) a scan thread is scanning now: another copy waits for its verdict. */
    private final ContentClaims claims;
    private final ClamdGate gate;
    /** Writes the events verdicts make (fileinfo, verdict, alerts) and keeps infected files in quarantine. */
    private final VerdictEvents events;
    private volatile java.util.function.Consumer<Map<String, Long>> extraStats;
    private final DelayQueue<ScanJob> jobs = new DelayQueue<>();
    private final Thread[] threads;
    /**
     * Files queued in memory or being handled: raised before a new file's job goes into {@link #jobs},
     * lowered only when a taken job has been handled or one is dropped, so a drain never sees nothing
     * waiting between a scan thread's take() and its count. A retry of a taken job carries its count
     * over (it is the same file), so the count never holds a file twice either.
     */
    private final AtomicLong pending = new AtomicLong();
    /** Files whose fileinfo event has not been written yet. */
    private final AtomicLong unreported = new AtomicLong();
    /** Retro-scans still reading the verdict log (a drain waits for the files they queue). */
    private final AtomicLong retroReading = new AtomicLong();
    /** The database version clamd reports now, and the newest one this folder saw. */
    private final DatabaseWatch db;
    /** Whether a clamd answered during this run (then a drain waits for it to come back). */
    private volatile boolean clamdSeen;
    private volatile boolean stopping;
    /** The error that ended the first scan thread to die, or null. */
    private volatile Throwable died;

    private ScanStage(EventSink eve, FileScanner scanner, HashMatcher builtin, ScanConfig config, Path dir, ScanJournal journal,
            VerdictCache cache) {
        this.scanner = scanner;
        this.config = config;
        this.dir = dir;
        this.journal = journal;
        this.cache = cache;
        this.gate = new ClamdGate(ScanConfig.MIN_RETRY_DELAY_MILLIS, config.maxRetryDelayMillis());
        this.threads = new Thread[config.threads()];
        this.db = new DatabaseWatch(dir);
        this.events = new VerdictEvents(eve, builtin, quarantined, errors);
        this.claims = new ContentClaims(cache, db);
    }

    /**
     * Opens the stage's queue and verdict log under {@code dir} (resuming files a previous run left
     * waiting) and starts the scan threads.
     */
    public static ScanStage start(EventSink eve, FileScanner scanner, HashMatcher builtin, ScanConfig config, Path dir)
            throws IOException {
        Files.createDirectories(dir);
        ScanJournal journal = ScanJournal.open(dir, config.queueMemoryEntries(), config.queueMemoryBytes());
        VerdictCache cache;
        try {
            cache = VerdictCache.open(dir.resolve("verdicts.jsonl"), config.verdictCacheBytes());
        } catch (IOException | RuntimeException e) {
            journal.close();
            throw e;
        }
        ScanStage s = new ScanStage(eve, scanner, builtin, config, dir, journal, cache);
        s.loadWaiting();
        // Files a previous run left waiting that do not fit in memory get their fileinfo now.
        journal.forEachSpilledUnreported(e -> s.reportSpilled(e));
        for (int i = 0; i < s.threads.length; i++) {
            s.threads[i] = Thread.ofPlatform().name("spanwatch-scan-" + i).daemon(true).start(s::run);
        }
        return s;
    }

    /** Tells the stage a clamd answered (e.g. to a VERSION at start): a drain then waits for it. */
    public void clamdSeen() {
        clamdSeen = true;
    }

    /** Tells the stage clamd answers again (e.g. the pool's health check): waiting files go now. */
    public void clamdAnswered() {
        if (gate.reachable()) {
            wakeAll();
        }
    }

    /**
     * Tells the stage no clamd answers (e.g. at start): files get their interim fileinfo at once and
     * clamd is tried at the gate's pace only.
     */
    public void clamdUnreachable() {
        if (gate.unreachable(gate.epoch())) {
            reportQueued();
        }
    }

    /**
     * Tells the stage which signature database clamd runs now ({@code null}: a custom-only database,
     * whose VERSION has no database part). Remembered verdicts count only for this version. A version
     * newer than every one seen on this folder before starts a retro-scan.
     */
    public void database(String version) {
        String previous;
        try {
            previous = db.observe(version);
        } catch (IOException e) {
            errors.incrementAndGet();
            previous = null;
        }
        if (previous != null && config.retroDays() > 0 && !stopping) {
            String from = previous;
            retroReading.incrementAndGet();
            Thread.ofPlatform().name("spanwatch-retro").daemon(true).start(() -> {
                try {
                    retroScan(from, version);
                } finally {
                    retroReading.decrementAndGet();
                }
            });
        }
    }

    /** Adds more counters (e.g. the clamd pool's) to this stage's stats. */
    public void extraStats(java.util.function.Consumer<Map<String, Long>> more) {
        this.extraStats = more;
    }

    /** Keeps infected files in {@code q} from now on (null: no quarantine). */
    public void quarantine(Quarantine q) {
        events.quarantine(q);
    }

    @Override
    public void fileClosed(FileEvent file) {
        FileInfo fi = file.info();
        if (file.stored() == null) {
            // Not on disk (over the store size cap, or its gaps were of unknown length): clamd cannot see it.
            notScanned.incrementAndGet();
            FileVerdict v = events.builtinVerdict(fi, false, "file not stored (" + (fi.storeCutoff() ? "over the store size cap"
                    : fi.spoolLimit() ? "the spool on disk was full" : "incomplete") + ")");
            events.writeFileinfo(file, v);
            return;
        }
        String sha = shaOf(fi);
        FileVerdict known = sha == null || !db.known() ? null : cache.get(sha, db.current());
        if (known != null) {
            cached.incrementAndGet();
            count(known);
            events.writeFileinfo(file, known);
            seen(sha, file);
            return;
        }
        try {
            ScanJournal.Added a = journal.add(file.tsNanos(), file.header(), file.http(), file.toServer(), fi,
                    file.stored().toString(), false, null);
            queued.incrementAndGet();
            if (a.resident()) {
                unreported.incrementAndGet();
                ScanJob j = new ScanJob(a.entry(), 0, 0);
                enqueue(j);
                if (gate.isDown()) {
                    reportInterim(j);
                }
            } else {
                reportSpilled(a.entry());
            }
            while (journal.fileBytes() > config.maxQueuedBytes() && dropOldest()) {
                // keep within the queue's budget
            }
        } catch (IOException ex) {
            // The queue cannot be written: scan without the safety net rather than lose the file.
            errors.incrementAndGet();
            unreported.incrementAndGet();
            ScanJob j = new ScanJob(new ScanJournal.Entry(-1, file.tsNanos(), file.header(), file.http(), file.toServer(), fi,
                    file.stored().toString(), false, null), 0, 0);
            enqueue(j);
            if (gate.isDown()) {
                // As for a journaled file: its interim verdict now, so an analyze with clamd down ends
                // at once instead of waiting out scan.drain-seconds for a file never reported (review:
                // a full disk made every file take this path and analyze wait 120 s in silence).
                reportInterim(j);
            }
        }
    }

    /** Returns the files waiting for a final verdict, in memory or in the journal only. */
    public int waiting() {
        return (int) Math.min(Integer.MAX_VALUE, pending.get() + journal.spilled() + retroReading.get());
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
            if (stopWhenUnreachable && gate.isDown() && !clamdSeen && unreported.get() == 0) {
                break;
            }
            if (died != null && java.util.Arrays.stream(threads).noneMatch(Thread::isAlive)) {
                break; // no scan thread is left to give a verdict (failure() says why)
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
        gate.close();
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
        try {
            journal.close();
        } finally {
            cache.close();
        }
    }

    private void run() {
        try {
            scanAll();
        } catch (Error e) {
            // Out of memory or worse: this thread cannot go on (the others may). The file it held
            // stays in the journal for the next run; a drain stops waiting once no thread is left;
            // failure() names it (analyze exits 1); a live sensor's handler stops the sensor.
            if (died == null) {
                died = e;
            }
            throw e;
        }
    }

    @Override
    public Exception failure() {
        Throwable d = died;
        if (d == null) {
            return null;
        }
        boolean left = java.util.Arrays.stream(threads).anyMatch(Thread::isAlive);
        return new IllegalStateException((left ? "a scan thread stopped: " + d + " (the other scan threads went on)"
                : "scanning stopped: " + d) + "; files not scanned stay in " + dir + " for the next run", d);
    }

    private void scanAll() {
        while (!stopping) {
            ScanJob job;
            try {
                job = jobs.take();
            } catch (InterruptedException e) {
                return;
            }
            boolean probe = false;
            boolean held = false;
            boolean requeued = false;
            try {
                // While clamd is unreachable, one thread at a time tries, at the gate's pace; the others
                // hold their file (reported with an interim verdict first) until it is back.
                probe = gate.awaitTurn(() -> reportInterim(job));
                requeued = handle(job);
                if (journal.wantsLoad()) {
                    loadWaiting();
                }
            } catch (InterruptedException e) {
                held = true; // shutting down: the file still waits (the journal keeps it for the next run)
                return;
            } catch (RuntimeException | IOException e) {
                errors.incrementAndGet();
            } finally {
                if (probe) {
                    gate.tried();
                }
                if (!held && !requeued) {
                    pending.decrementAndGet();
                }
            }
        }
    }

    /** Scans (or looks up) one file and writes its verdict; returns whether it went back into the queue. */
    private boolean handle(ScanJob job) throws IOException {
        ScanJournal.Entry e = job.entry();
        FileEvent file = e.fileEvent();
        String sha = shaOf(e.info());
        boolean retro = e.retro() != null;
        FileVerdict v = retro || sha == null || !db.known() ? null : cache.get(sha, db.current());
        CountDownLatch claim = null;
        if (v == null && !retro && sha != null) {
            CountDownLatch mine = new CountDownLatch(1);
            v = claims.sameContentVerdict(sha, mine);
            claim = v == null ? mine : null;
        }
        try {
            return handle(job, e, file, sha, retro, v);
        } finally {
            if (claim != null) {
                claims.release(sha, claim);
            }
        }
    }

    /** Writes the verdict {@code known} (from the cache), or scans the file first; as {@link #handle(ScanJob)}. */
    private boolean handle(ScanJob job, ScanJournal.Entry e, FileEvent file, String sha, boolean retro, FileVerdict known)
            throws IOException {
        FileVerdict v = known;
        if (v != null) {
            cached.incrementAndGet();
            seen(sha, file);
        } else if (!Files.exists(file.stored())) {
            v = new FileVerdict("clamd", null, null, "not_scanned", List.of(), 0, "stored file is gone", false);
        } else {
            long epoch = gate.epoch();
            v = scanner.scan(file.stored());
            if (stopping) {
                return false; // shutting down: the scan may have been cut short; the journal keeps the file for the next run
            }
            if ("error".equals(v.result())) {
                boolean down = v.reason() != null && v.reason().startsWith(UNREACHABLE);
                // No clamd, or a failed exchange (a clamd restarting, a timeout): try again later; only
                // after maxAttempts failed exchanges with a reachable clamd is the error final.
                if (down || job.attempts + 1 < config.maxAttempts()) {
                    if (down && gate.unreachable(epoch)) {
                        reportQueued();
                    }
                    retryLater(job, down);
                    return true;
                }
            } else {
                if (gate.reachable()) {
                    wakeAll(); // clamd is back: everything waiting goes now
                }
                clamdSeen = true;
            }
            scanned.incrementAndGet();
            if ("clean".equals(v.result()) || "infected".equals(v.result())) {
                noteDatabase(v.databaseVersion());
                if (sha != null) {
                    cache.put(sha, v, e.sighting());
                }
            }
        }
        if (retro) {
            finishRetro(job, v);
        } else {
            count(v);
            finish(job, v);
        }
        if (e.seq() > 0) {
            journal.done(e);
        }
        return false;
    }

    /** Writes a file's final verdict: in its fileinfo event, or as a verdict event after an interim one. */
    private void finish(ScanJob job, FileVerdict v) {
        synchronized (job.ticket) {
            ScanJournal.Entry e = job.entry();
            FileEvent file = e.fileEvent();
            if (!e.reported()) {
                events.writeFileinfo(file, v);
                job.ticket.entry = e.withReported();
                unreported.decrementAndGet(); // after every event of the file, so a drain never cuts one off
            } else {
                events.verdictAfterInterim(e, file, v);
            }
        }
    }

    /** Reports a retro-scanned file that is now infected with a signature it did not have before. */
    private void finishRetro(ScanJob job, FileVerdict v) {
        retroScanned.incrementAndGet();
        ScanJournal.Entry e = job.entry();
        ScanJournal.Retro r = e.retro();
        if (!"infected".equals(v.result()) || r.previousSignatures().containsAll(v.signatures())) {
            return;
        }
        retroAlerts.incrementAndGet();
        infected.incrementAndGet();
        events.retroAlerts(e.fileEvent(), v, r);
    }

    /** Makes every file waiting in memory due now. */
    private void wakeAll() {
        for (ScanJob j : new ArrayList<>(jobs)) {
            if (j.dueNanos > System.nanoTime() && jobs.remove(j)) {
                jobs.add(new ScanJob(j.ticket, j.attempts, 0));
            }
        }
    }

    /** Writes the interim fileinfo of every file waiting in memory (clamd just went away). */
    private void reportQueued() {
        for (ScanJob j : new ArrayList<>(jobs)) {
            reportInterim(j);
        }
    }

    /** Reads files waiting in the journal only into memory, as far as the budget allows. */
    private void loadWaiting() throws IOException {
        for (ScanJournal.Entry e : journal.load()) {
            if (!e.reported()) {
                unreported.incrementAndGet();
            }
            ScanJob j = new ScanJob(e, 0, 0);
            enqueue(j);
            if (gate.isDown()) {
                reportInterim(j);
            }
        }
    }

    /** Gives up the file that has waited longest in memory; returns false when none is waiting. */
    private boolean dropOldest() {
        ScanJob oldest = null;
        for (ScanJob j : jobs) {
            if (oldest == null || j.entry().seq() < oldest.entry().seq()) {
                oldest = j;
            }
        }
        if (oldest == null || !jobs.remove(oldest)) {
            return false;
        }
        pending.decrementAndGet();
        dropped.incrementAndGet();
        notScanned.incrementAndGet();
        FileVerdict v = events.builtinVerdict(oldest.entry().info(), false, "scan queue over its budget of " + config.maxQueuedBytes()
                + " bytes; the file that waited longest was given up");
        if (oldest.entry().retro() == null) {
            finish(oldest, v);
        }
        try {
            if (oldest.entry().seq() > 0) {
                journal.done(oldest.entry());
            }
        } catch (IOException ex) {
            errors.incrementAndGet();
        }
        return true;
    }

    /** Puts the file back in the queue: at once while clamd is down (the gate paces it), else with a backoff. */
    private void retryLater(ScanJob job, boolean down) {
        retries.incrementAndGet();
        reportInterim(job);
        long delay = down ? 0 : Math.min(config.maxRetryDelayMillis(), job.delayMillis == 0 ? ScanConfig.MIN_RETRY_DELAY_MILLIS
                : job.delayMillis * 2);
        // Attempts count failed exchanges with a reachable clamd only; waiting for one costs none. The
        // taken job's count in `pending` carries over to its retry.
        jobs.add(new ScanJob(job.ticket, down ? job.attempts : job.attempts + 1, delay));
    }

    /** Writes a waiting file's fileinfo with an interim verdict, once. */
    private void reportInterim(ScanJob job) {
        synchronized (job.ticket) {
            ScanJournal.Entry e = job.entry();
            if (e.reported() || e.retro() != null) {
                return;
            }
            interim.incrementAndGet();
            FileEvent file = e.fileEvent();
            FileVerdict v = events.builtinVerdict(e.info(), true, UNREACHABLE + "; queued for clamd");
            events.writeFileinfo(file, v);
            unreported.decrementAndGet();
            try {
                job.ticket.entry = e.seq() > 0 ? journal.reported(e) : e.withReported();
            } catch (IOException ex) {
                errors.incrementAndGet();
                job.ticket.entry = e.withReported();
            }
        }
    }

    /** Writes the interim fileinfo of a file that waits in the journal only. */
    private void reportSpilled(ScanJournal.Entry e) {
        if (e.reported() || e.retro() != null) {
            return;
        }
        interim.incrementAndGet();
        FileEvent file = e.fileEvent();
        FileVerdict v = events.builtinVerdict(e.info(), true, gate.isDown() ? UNREACHABLE + "; queued for clamd"
                : "queued for clamd (more files wait than the queue holds in memory)");
        events.writeFileinfo(file, v);
        try {
            journal.reported(e);
        } catch (IOException ex) {
            errors.incrementAndGet();
        }
    }

    private void enqueue(ScanJob j) {
        pending.incrementAndGet();
        jobs.add(j);
    }

    /** Queues the stored files remembered as seen since {@code retroDays} for a scan under {@code database}. */
    private void retroScan(String previous, String database) {
        retroRuns.incrementAndGet();
        long since = System.currentTimeMillis() - config.retroDays() * 86_400_000L;
        try {
            cache.forEachSince(since, rem -> {
                if (stopping) {
                    throw new IllegalStateException("stopping");
                }
                VerdictCache.Sighting s = rem.event();
                if (s.stored() == null || Objects.equals(rem.verdict().databaseVersion(), database) || !Files.exists(Path.of(s.stored()))) {
                    return;
                }
                try {
                    ScanJournal.Added a = journal.add(s.tsNanos(), s.header(), s.http(), s.toServer(), s.info(), s.stored(), true,
                            new ScanJournal.Retro(rem.verdict().databaseVersion() != null ? rem.verdict().databaseVersion() : previous,
                                    database, "infected".equals(rem.verdict().result()) ? rem.verdict().signatures() : List.of()));
                    retroQueued.incrementAndGet();
                    if (a.resident()) {
                        enqueue(new ScanJob(a.entry(), 0, 0));
                    }
                } catch (IOException ex) {
                    errors.incrementAndGet();
                }
            });
        } catch (IOException | RuntimeException ex) {
            if (!stopping) {
                errors.incrementAndGet();
            }
        }
    }

    /** Takes a database version seen in a verdict. */
    private void noteDatabase(String version) {
        if (db.changes(version)) {
            database(version);
        }
    }

    private void seen(String sha, FileEvent file) {
        try {
            cache.seen(sha, new VerdictCache.Sighting(file.tsNanos(), file.header(), file.http(), file.toServer(), file.info(),
                    file.stored().toString()));
        } catch (IOException e) {
            errors.incrementAndGet();
        }
    }

    static String shaOf(FileInfo fi) {
        return fi.sha256() != null ? fi.sha256() : fi.storedSha256();
    }

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
        m.put("scan.queued_bytes", journal.fileBytes());
        m.put("scan.queue_memory_entries", journal.residentEntries());
        m.put("scan.queue_memory_bytes", journal.residentBytes());
        m.put("scan.queue_spilled", journal.spilled());
        m.put("scan.spilled", journal.spilledTotal());
        m.put("scan.verdict_cache_entries", (long) cache.size());
        m.put("scan.verdict_cache_bytes", cache.bytes());
        m.put("scan.verdict_cache_evictions", cache.evictions());
        m.put("scan.verdict_log_lines", cache.lines());
        m.put("scan.clamd_reachable", gate.isDown() ? 0L : 1L);
        m.put("scan.clamd_backoff_ms", gate.waitMillis());
        m.put("scan.clamd_tries_while_down", gate.tries());
        m.put("scan.clamd_outages", gate.outages());
        m.put("scan.retro_runs", retroRuns.get());
        m.put("scan.retro_queued", retroQueued.get());
        m.put("scan.retro_scanned", retroScanned.get());
        m.put("scan.retro_alerts", retroAlerts.get());
        var more = extraStats;
        if (more != null) {
            more.accept(m);
        }
    }
}
