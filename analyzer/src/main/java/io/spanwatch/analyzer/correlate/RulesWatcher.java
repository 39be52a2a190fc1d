package io.spanwatch.analyzer.correlate;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches the rules folder and reports each {@code *.epl} file that was created, changed or
 * removed, once the folder has been quiet for {@value #SETTLE_MILLIS} ms (an editor writes a file
 * in several steps). Runs one daemon thread; {@link #close} stops it.
 */
final class RulesWatcher implements Closeable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RulesWatcher.class);
    static final long SETTLE_MILLIS = 300;

    private final Path dir;
    private final Consumer<Path> changed;
    private final Thread thread;
    private WatchService service;

    RulesWatcher(Path dir, Consumer<Path> changed) {
        this.dir = dir;
        this.changed = changed;
        this.thread = Thread.ofPlatform().name("spanwatch-rules-watch").daemon(true).unstarted(this::run);
    }

    void start() throws IOException {
        service = FileSystems.getDefault().newWatchService();
        dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        thread.start();
    }

    private void run() {
        Set<Path> pending = new LinkedHashSet<>();
        try {
            while (true) {
                WatchKey key = pending.isEmpty() ? service.take() : service.poll(SETTLE_MILLIS, TimeUnit.MILLISECONDS);
                if (key == null) {
                    pending.forEach(changed);
                    pending.clear();
                    continue;
                }
                for (WatchEvent<?> ev : key.pollEvents()) {
                    if (ev.context() instanceof Path p && p.getFileName().toString().endsWith(".epl")) {
                        pending.add(dir.resolve(p));
                    }
                }
                if (!key.reset()) {
                    LOG.warn("rules folder {} is no longer watched", dir);
                    return;
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        thread.interrupt();
        if (service != null) {
            service.close();
        }
    }
}
