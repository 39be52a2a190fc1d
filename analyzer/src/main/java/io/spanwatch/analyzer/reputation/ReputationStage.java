package io.spanwatch.analyzer.reputation;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the reputation stage: checks what each event shows (addresses, HTTP host and URL, file
 * digests) against the feeds in force, raises one hit per indicator per flow, keeps a journal of
 * what was seen, and hunts through it when new indicators arrive (retro-hunt).
 *
 * <p>{@link #check} is called by the event threads and returns the hits to alert on now. Retro hits
 * go to the {@link RetroListener} from the stage's own thread, each with the observation it matched
 * (its original time and flow). New indicators are those of a reload that the previous snapshot did
 * not have, and at start those the last run had not seen (their fingerprints are kept in
 * {@code STATE/indicators.seen}), so feeds updated while SpanWatch was down are hunted for too.
 *
 * <p>Owns the {@link IntelStore}, its folder watch, the downloader and the journal; {@link #close}
 * waits up to {@code retroDrain} for a running retro-hunt, then releases them.
 */
public final class ReputationStage implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReputationStage.class);
    private static final String SEEN = "indicators.seen";

    /** Receives the hits of retro-hunts. */
    @FunctionalInterface
    public interface RetroListener {
        /** Called on the stage's thread for each new (flow, indicator) pair found in the journal. */
        void retroHit(Observation seen, IntelHit hit);
    }

    private final IntelConfig config;
    private final Path stateDir;
    private final IntelStore store;
    private final FeedDownloader downloader;
    private final ObservationJournal journal;
    private final AlertDedup dedup;
    private final RetroListener retro;
    private final ExecutorService retroThread;
    private final AtomicLong observations = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong alerts = new AtomicLong();
    private final AtomicLong retroScans = new AtomicLong();
    private final AtomicLong retroObservations = new AtomicLong();
    private final AtomicLong retroAlerts = new AtomicLong();

    private ReputationStage(IntelConfig config, Path stateDir, IntelStore store, FeedDownloader downloader, ObservationJournal journal,
            RetroListener retro) {
        this.config = config;
        this.stateDir = stateDir;
        this.store = store;
        this.downloader = downloader;
        this.journal = journal;
        this.retro = retro;
        this.dedup = new AlertDedup(config.dedupCapacity());
        this.retroThread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("intel-retro").daemon().unstarted(r));
    }

    /**
     * Starts the stage: downloads configured feeds once, loads every feed (throws naming a feed that
     * cannot be read), opens the journal under {@code stateDir} (none when it is null or
     * {@code retroDays} is 0), starts the folder watch and the download schedule, and hunts the
     * journal for indicators the last run had not seen.
     */
    public static ReputationStage start(IntelConfig config, Path stateDir, RetroListener retro) throws IntelException {
        FeedDownloader downloader = null;
        List<Path> extra = new ArrayList<>();
        Path downloadDir = null;
        if (!config.downloads().isEmpty()) {
            downloadDir = config.watchDir() != null ? config.watchDir() : stateDir == null ? null : stateDir.resolve("feeds");
            if (downloadDir == null) {
                throw new IntelException("intel downloads need a watched folder or an output folder for their copies");
            }
            downloader = new FeedDownloader(config.downloads(), downloadDir, config.downloadTimeout(), config.maxFeedBytes(),
                    config.maxLineBytes());
            downloader.fetchAll();
            if (!downloadDir.equals(config.watchDir())) {
                extra.add(downloadDir);
            }
        }
        IntelStore store;
        ObservationJournal journal = null;
        try {
            store = IntelStore.open(config, extra);
            if (stateDir != null && config.retroDays() > 0) {
                journal = new ObservationJournal(stateDir.resolve("journal"), config.retroDays(), config.journalMaxDayBytes());
            }
        } catch (IntelException e) {
            if (downloader != null) {
                downloader.close();
            }
            throw e;
        } catch (IOException e) {
            if (downloader != null) {
                downloader.close();
            }
            throw new IntelException("intel journal under " + stateDir + ": " + e.getMessage(), e);
        }
        ReputationStage stage = new ReputationStage(config, stateDir, store, downloader, journal, retro);
        store.addListener(stage::reloaded);
        stage.huntSinceLastRun();
        try {
            store.startWatching();
        } catch (IntelException e) {
            stage.close();
            throw e;
        }
        if (downloader != null) {
            boolean watched = downloadDir.equals(config.watchDir());
            downloader.schedule(config.downloadInterval(), watched ? () -> { } : store::reload);
        }
        return stage;
    }

    /** Returns the indicators in force. */
    public IntelSnapshot snapshot() {
        return store.snapshot();
    }

    /** Reads every feed again now (as a change in the watched folder would); false when the old indicators stay. */
    public boolean reload() {
        return store.reload();
    }

    /**
     * Checks one event: records it in the journal, matches it, and returns the hits not yet raised
     * for this flow (empty list when none). Thread-safe; never blocks on a reload.
     */
    public List<IntelHit> check(Observation o) {
        // Journal first, then read the snapshot: a reload that swaps in between finds this record in its hunt.
        if (journal != null) {
            journal.append(o);
        }
        observations.incrementAndGet();
        List<IntelHit> found = match(store.snapshot(), o);
        if (found.isEmpty()) {
            return found;
        }
        hits.addAndGet(found.size());
        List<IntelHit> out = new ArrayList<>(found.size());
        for (IntelHit h : found) {
            if (dedup.first(o.flowId(), h.identity())) {
                out.add(h);
            }
        }
        alerts.addAndGet(out.size());
        return out;
    }

    /**
     * Returns every indicator of {@code s} an observation matches (no de-duplication). Address
     * fields are named as the alert shows them: the client is {@code src_ip} (only a file's digest
     * alerts in the file's direction). A request without a Host header is matched as a URL on the
     * server's address and port; the host of an absolute-form target is matched as a host too. A TLS
     * server name is matched as a host ({@code tls.sni}), its JA3 and certificate fingerprints
     * against those indicators only ({@code tls.ja3.hash}, {@code tls.fingerprint}).
     */
    static List<IntelHit> match(IntelSnapshot s, Observation o) {
        List<IntelHit> out = null;
        out = add(out, s.matchIp(o.clientIp(), "src_ip"));
        out = add(out, s.matchIp(o.serverIp(), "dest_ip"));
        if (o.host() != null) {
            out = add(out, s.matchHost(o.host(), o.kind() == Observation.Kind.TLS ? "tls.sni" : "http.hostname"));
        }
        if (o.url() != null) {
            boolean noHost = o.host() == null || o.host().isBlank();
            // Without a Host header (HTTP/1.0 bots) the request went to the server's address and port (Zeek's build_url).
            out = add(out, noHost ? s.matchUrl(o.serverIp(), o.srcIsClient() ? o.destPort() : o.srcPort(), o.url(), "http.url")
                    : s.matchUrl(o.host(), o.httpPort(), o.url(), "http.url"));
            String targetHost = UrlKey.targetHost(o.url());
            if (targetHost != null && (noHost || !targetHost.equalsIgnoreCase(o.host()))) {
                // An absolute-form target names the host the server serves, whatever the Host header says.
                out = add(out, s.matchHost(targetHost, "http.url"));
            }
        }
        if (o.kind() == Observation.Kind.TLS) {
            out = add(out, s.matchTls(o.md5(), IndicatorType.JA3, "tls.ja3.hash"));
            out = add(out, s.matchTls(o.sha1(), IndicatorType.X509_SHA1, "tls.fingerprint"));
            return out == null ? List.of() : out;
        }
        out = add(out, s.matchHash(o.md5(), "fileinfo.md5"));
        out = add(out, s.matchHash(o.sha1(), "fileinfo.sha1"));
        out = add(out, s.matchHash(o.sha256(), "fileinfo.sha256"));
        return out == null ? List.of() : out;
    }

    private static List<IntelHit> add(List<IntelHit> into, List<IntelHit> more) {
        if (more.isEmpty()) {
            return into;
        }
        if (into == null) {
            return new ArrayList<>(more);
        }
        into.addAll(more);
        return into;
    }

    /** Called on the reloading thread right after the swap: marks the journal, hunts later. */
    private void reloaded(IntelSnapshot previous, IntelSnapshot current) {
        if (journal == null) {
            return;
        }
        hunt(journal.mark(), () -> current.newSince(previous), current);
    }

    private void huntSinceLastRun() {
        if (journal == null) {
            return;
        }
        IntelSnapshot current = store.snapshot();
        long[] known = readSeen();
        hunt(journal.mark(), () -> known == null ? current : current.newSince(known), current);
    }

    /**
     * Queues a hunt for the indicators {@code delta} gives through the journal up to {@code mark}
     * (what was recorded before {@code current} came into force; later events were checked against
     * it live), then records {@code current}'s indicators as seen.
     */
    private void hunt(Map<Long, Long> mark, java.util.function.Supplier<IntelSnapshot> delta, IntelSnapshot current) {
        retroThread.execute(() -> {
            try {
                IntelSnapshot d = delta.get();
                if (d.size() > 0 && !mark.isEmpty()) {
                    retroScan(d, mark);
                }
                writeSeen(current);
            } catch (IOException | RuntimeException e) {
                LOG.error("intel retro-hunt failed: {}", e.toString());
            }
        });
    }

    private void retroScan(IntelSnapshot delta, Map<Long, Long> mark) throws IOException {
        retroScans.incrementAndGet();
        long t0 = System.nanoTime();
        long[] found = {0};
        journal.scan(mark, o -> {
            retroObservations.incrementAndGet();
            for (IntelHit h : match(delta, o)) {
                if (dedup.first(o.flowId(), h.identity())) {
                    found[0]++;
                    retroAlerts.incrementAndGet();
                    retro.retroHit(o, h.asRetro());
                }
            }
        });
        LOG.info("intel retro-hunt: {} new indicators against the journal, {} hits, {} ms", delta.size(), found[0],
                (System.nanoTime() - t0) / 1_000_000);
    }

    private long[] readSeen() {
        Path f = stateDir.resolve(SEEN);
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try (InputStream raw = Files.newInputStream(f); DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            long n = Files.size(f) / 8;
            if (n > Integer.MAX_VALUE - 8) {
                return null;
            }
            long[] out = new long[(int) n];
            for (int i = 0; i < out.length; i++) {
                out[i] = in.readLong();
            }
            return out;
        } catch (IOException e) {
            LOG.warn("intel: cannot read {}: {}; every indicator counts as new", f, e.getMessage());
            return null;
        }
    }

    private void writeSeen(IntelSnapshot s) throws IOException {
        Path f = stateDir.resolve(SEEN);
        Path tmp = stateDir.resolve("." + SEEN + ".tmp");
        Files.createDirectories(stateDir);
        try (OutputStream raw = Files.newOutputStream(tmp);
                DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(raw, 1 << 16))) {
            for (long id : s.identities()) {
                out.writeLong(id);
            }
        }
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Waits until a reload in progress and the retro-hunts queued so far are done (for tests and the
     * end of an offline run); false on timeout.
     */
    public boolean awaitRetro(long millis) {
        store.awaitReload();
        java.util.concurrent.Future<?> f = retroThread.submit(() -> { });
        try {
            f.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Returns the stage's counters, named as in the {@code stats} event ({@code intel.*}). */
    public Map<String, Long> stats() {
        IntelSnapshot s = store.snapshot();
        Map<String, Long> m = new LinkedHashMap<>();
        long malformed = 0;
        long unsupported = 0;
        long dropped = 0;
        long failed = 0;
        for (FeedReport r : s.feeds()) {
            malformed += r.malformed();
            unsupported += r.unsupported();
            dropped += r.dropped();
            failed += r.error() != null ? 1 : 0;
        }
        m.put("intel.feeds", (long) s.feeds().size());
        m.put("intel.feeds_unreadable", failed);
        m.put("intel.indicators", (long) s.size());
        m.put("intel.indicators_malformed", malformed);
        m.put("intel.indicators_unsupported", unsupported);
        m.put("intel.indicators_dropped", dropped);
        m.put("intel.memory_bytes", s.bytes());
        m.put("intel.reloads", store.reloads());
        m.put("intel.reload_failures", store.reloadFailures());
        m.put("intel.observations", observations.get());
        m.put("intel.hits", hits.get());
        m.put("intel.alerts", alerts.get());
        m.put("intel.dedup_suppressed", dedup.suppressed());
        m.put("intel.dedup_evictions", dedup.evictions());
        if (journal != null) {
            m.put("intel.journal_records", journal.records());
            m.put("intel.journal_bytes", journal.bytes());
            m.put("intel.journal_repeats", journal.duplicates());
            m.put("intel.journal_dropped", journal.dropped());
        }
        m.put("intel.retro_scans", retroScans.get());
        m.put("intel.retro_observations", retroObservations.get());
        m.put("intel.retro_alerts", retroAlerts.get());
        if (downloader != null) {
            m.put("intel.downloads", downloader.updated.get());
            m.put("intel.downloads_not_modified", downloader.notModified.get());
            m.put("intel.download_failures", downloader.failed.get());
        }
        return m;
    }

    /** Stops the watch and the downloads, waits up to {@code retroDrainMillis} for a running retro-hunt, closes the journal. */
    public void close(long retroDrainMillis) {
        store.close();
        if (downloader != null) {
            downloader.close();
        }
        retroThread.shutdown();
        try {
            if (!retroThread.awaitTermination(retroDrainMillis, TimeUnit.MILLISECONDS)) {
                LOG.warn("intel retro-hunt still running at shutdown; it runs again at the next start");
                retroThread.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            retroThread.shutdownNow();
        }
        if (journal != null) {
            journal.close();
        }
    }

    @Override
    public void close() {
        close(60_000);
    }
}
