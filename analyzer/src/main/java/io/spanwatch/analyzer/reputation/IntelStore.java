package io.spanwatch.analyzer.reputation;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the current {@link IntelSnapshot} and replaces it when feeds change. Readers take the
 * snapshot with one volatile read and never wait; a reload builds the next snapshot aside (on the
 * watcher's or caller's thread, one reload at a time) and swaps it in whole.
 *
 * <p>With a watched folder, a {@link WatchService} thread waits for changes in it and reloads once
 * the folder has been quiet for the debounce time (a feed being copied in several writes is read
 * once, after the last). A reload that cannot read a feed keeps that feed's previous version (see
 * {@link IntelLoader}); a reload that fails as a whole keeps the previous snapshot. Listeners hear
 * of every swap (old and new snapshot), on the reloading thread.
 */
public final class IntelStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IntelStore.class);

    /** Hears that a reload replaced the snapshot. */
    @FunctionalInterface
    public interface ReloadListener {
        void reloaded(IntelSnapshot previous, IntelSnapshot current);
    }

    private final IntelConfig config;
    private final IntelLoader loader;
    private final List<Path> extraDirs;
    private volatile IntelSnapshot current;
    private final AtomicLong versions = new AtomicLong();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    private final List<ReloadListener> listeners = new CopyOnWriteArrayList<>();
    private final Object reloadLock = new Object();
    private WatchService watch;
    private Thread watcher;

    private IntelStore(IntelConfig config, List<Path> extraDirs) {
        this.config = config;
        this.extraDirs = List.copyOf(extraDirs);
        this.loader = new IntelLoader(config);
    }

    /**
     * Loads every configured feed (and those in {@code extraDirs}, e.g. downloaded copies); throws
     * naming the first feed that cannot be read.
     */
    public static IntelStore open(IntelConfig config, List<Path> extraDirs) throws IntelException {
        IntelStore s = new IntelStore(config, extraDirs);
        s.current = s.loader.load(s.sources(), null, s.versions.incrementAndGet());
        return s;
    }

    private List<Path> sources() throws IntelException {
        return loader.sources(extraDirs);
    }

    /** Returns the snapshot in force. */
    public IntelSnapshot snapshot() {
        return current;
    }

    /** Adds a listener for reloads. */
    public void addListener(ReloadListener l) {
        listeners.add(l);
    }

    /** Returns the number of reloads done and of reloads that failed as a whole. */
    public long reloads() {
        return reloads.get();
    }

    public long reloadFailures() {
        return reloadFailures.get();
    }

    /**
     * Reads every feed again and swaps the new snapshot in; returns false (and keeps the snapshot in
     * force) when the feeds cannot be listed or memory runs out. Never throws.
     */
    public boolean reload() {
        synchronized (reloadLock) {
            IntelSnapshot old = current;
            IntelSnapshot next;
            long t0 = System.nanoTime();
            try {
                next = loader.load(sources(), old, versions.incrementAndGet());
            } catch (IntelException | RuntimeException e) {
                reloadFailures.incrementAndGet();
                LOG.error("intel reload failed, previous indicators stay in force: {}", e.getMessage());
                return false;
            } catch (OutOfMemoryError e) {
                reloadFailures.incrementAndGet();
                LOG.error("intel reload ran out of memory, previous indicators stay in force (raise the heap or lower intel.max-indicators)");
                return false;
            }
            current = next;
            reloads.incrementAndGet();
            LOG.info("intel reloaded: {} indicators from {} feeds in {} ms", next.size(), next.feeds().size(),
                    (System.nanoTime() - t0) / 1_000_000);
            for (ReloadListener l : listeners) {
                try {
                    l.reloaded(old, next);
                } catch (RuntimeException e) {
                    LOG.error("intel reload listener failed: {}", e.toString());
                }
            }
            return true;
        }
    }

    /** Waits until a reload in progress (and its listeners) is done. */
    void awaitReload() {
        synchronized (reloadLock) {
            // nothing: holding the lock means no reload runs
        }
    }

    /** Starts watching the configured folder, if any; a no-op otherwise. */
    public synchronized void startWatching() throws IntelException {
        if (config.watchDir() == null || watcher != null) {
            return;
        }
        try {
            watch = config.watchDir().getFileSystem().newWatchService();
            config.watchDir().register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException e) {
            throw new IntelException("intel folder " + config.watchDir() + ": cannot watch: " + e.getMessage());
        }
        watcher = Thread.ofPlatform().name("intel-watch").daemon().start(this::watchLoop);
    }

    private void watchLoop() {
        long debounce = Math.max(1, config.debounce().toMillis());
        long deadline = 0;
        boolean pending = false;
        try {
            while (true) {
                WatchKey k = pending ? watch.poll(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS) : watch.take();
                if (k != null) {
                    for (WatchEvent<?> ev : k.pollEvents()) {
                        Object ctx = ev.context();
                        if (ev.kind() == StandardWatchEventKinds.OVERFLOW || ctx instanceof Path p && !IntelLoader.ignored(p)) {
                            pending = true;
                            deadline = System.currentTimeMillis() + debounce;
                        }
                    }
                    if (!k.reset()) {
                        LOG.error("intel folder {} is gone; no longer watched", config.watchDir());
                        return;
                    }
                } else if (pending && System.currentTimeMillis() >= deadline) {
                    pending = false;
                    reload();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    @Override
    public void close() {
        Thread w;
        synchronized (this) {
            w = watcher;
            watcher = null;
            if (watch != null) {
                try {
                    watch.close();
                } catch (IOException e) {
                    LOG.warn("intel: closing the folder watch: {}", e.getMessage());
                }
            }
        }
        if (w != null) {
            w.interrupt();
            try {
                w.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
