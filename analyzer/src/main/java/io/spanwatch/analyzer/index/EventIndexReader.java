package io.spanwatch.analyzer.index;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.QueryTimeout;
import org.apache.lucene.index.QueryTimeoutImpl;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.IOUtils;

/**
 * Reads the index another process writes ({@code analyze}, {@code sensor}, {@code index}): one
 * {@link SearcherManager} per day over its folder. {@link #refresh} (the console calls it every
 * second) opens days that appeared, closes days retention dropped, re-reads the schema and lets each
 * manager see the latest commit. {@link #acquire} hands out one {@link EventSearcher} over all days.
 *
 * <p>Thread-safe. Owns its managers and directories; {@link #close} releases them (searchers still
 * acquired stay usable until they are closed).
 */
public final class EventIndexReader implements Closeable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventIndexReader.class);
    static {
        LuceneLogging.init();
    }

    private final Path indexDir;
    private final FieldSchema schema;
    private final Map<LocalDate, Day> days = new HashMap<>();
    private volatile List<SearcherManager> managers = List.of();
    private volatile Supplier<QueryTimeout> queryTimeouts = () -> new QueryTimeoutImpl(10_000);
    private volatile SearchListener searchListener = SearchListener.NONE;

    /** Told of each searcher {@link #acquire} handed out, when it is closed: how long it was held and whether a search stopped at the time limit. */
    @FunctionalInterface
    public interface SearchListener {
        SearchListener NONE = (nanos, timedOut) -> {
        };

        void searched(long nanos, boolean timedOut);
    }

    /** Sets who is told of each searcher when it is closed (the console's metrics). */
    public void onSearches(SearchListener listener) {
        this.searchListener = listener;
    }

    private record Day(Directory dir, SearcherManager manager) {
    }

    private EventIndexReader(Path indexDir, FieldSchema schema, int maxOpenDays) {
        this.indexDir = indexDir;
        this.schema = schema;
        this.maxOpenDays = maxOpenDays;
    }

    /** Opens the index under {@code indexDir} (which may not exist yet: it is then empty until it does). */
    public static EventIndexReader open(Path indexDir) throws IOException {
        return open(indexDir, MAX_OPEN_DAYS);
    }

    /** Opens the index, at most {@code maxOpenDays} days of it (tests set it small). */
    static EventIndexReader open(Path indexDir, int maxOpenDays) throws IOException {
        EventIndexReader r = new EventIndexReader(indexDir, FieldSchema.load(indexDir.resolve(EventIndexWriter.SCHEMA_FILE),
                Integer.MAX_VALUE), maxOpenDays);
        r.refresh();
        return r;
    }

    /** Sets how long one search may run before it stops with what it found (0: no limit). */
    public void queryTimeoutMillis(long millis) {
        this.queryTimeouts = millis > 0 ? () -> new QueryTimeoutImpl(millis) : null;
    }

    /**
     * Sets what makes each search's deadline when it starts (null: no limit); {@link #queryTimeoutMillis}
     * is the usual one.
     */
    public void queryTimeouts(Supplier<QueryTimeout> timeouts) {
        this.queryTimeouts = timeouts;
    }

    public FieldSchema schema() {
        return schema;
    }

    public Path directory() {
        return indexDir;
    }

    /**
     * Most days a reader opens: the newest by date. Each open day maps its files (about eight memory
     * maps) and is refreshed every second, so an import spread over 9,000 days ran the console past
     * the kernel's 65,530 maps at start (adversarial review); the oldest days past this stay on disk,
     * unsearched, and are counted in {@link #daysNotOpened}.
     */
    public static final int MAX_OPEN_DAYS = 2000;
    private final int maxOpenDays;
    private volatile int daysNotOpened;

    /** Returns how many of the oldest days were left unopened at the last refresh ({@link #MAX_OPEN_DAYS}). */
    public int daysNotOpened() {
        return daysNotOpened;
    }

    /** Picks up new days, commits and fields; drops days that are gone. */
    public synchronized void refresh() throws IOException {
        schema.reload(indexDir.resolve(EventIndexWriter.SCHEMA_FILE));
        Set<LocalDate> seen = new HashSet<>();
        List<DayIndexes.Day> all = DayIndexes.list(indexDir);
        int skip = Math.max(0, all.size() - maxOpenDays);
        if (skip > 0 && skip != daysNotOpened) {
            LOG.warn("index {}: {} days, the {} oldest not opened (at most {}): they are not searched", indexDir, all.size(), skip,
                    maxOpenDays);
        }
        daysNotOpened = skip;
        for (DayIndexes.Day d : all.subList(skip, all.size())) {
            seen.add(d.date());
            Day open = days.get(d.date());
            if (open == null) {
                Directory dir = FSDirectory.open(d.dir());
                try {
                    if (!DirectoryReader.indexExists(dir)) {
                        dir.close();
                        continue;
                    }
                    days.put(d.date(), new Day(dir, new SearcherManager(dir, null)));
                } catch (IOException e) {
                    IOUtils.closeWhileHandlingException(dir);
                    // being created or dropped right now: next time
                }
            } else {
                try {
                    open.manager().maybeRefresh();
                } catch (IOException e) {
                    // a day dropped while we refreshed it: removed below on the next pass
                }
            }
        }
        List<LocalDate> gone = new ArrayList<>();
        for (LocalDate d : days.keySet()) {
            if (!seen.contains(d)) {
                gone.add(d);
            }
        }
        for (LocalDate d : gone) {
            Day day = days.remove(d);
            IOUtils.closeWhileHandlingException(day.manager(), day.dir());
        }
        List<SearcherManager> m = new ArrayList<>();
        days.values().forEach(d -> m.add(d.manager()));
        managers = List.copyOf(m);
    }

    /** Returns a searcher over every day as of the last refresh; the caller closes it. */
    public EventSearcher acquire() throws IOException {
        List<SearcherManager> ms = managers;
        List<IndexSearcher> acquired = new ArrayList<>(ms.size());
        List<SearcherManager> from = new ArrayList<>(ms.size());
        try {
            for (SearcherManager m : ms) {
                try {
                    acquired.add(m.acquire());
                    from.add(m);
                } catch (org.apache.lucene.store.AlreadyClosedException e) {
                    // dropped by a refresh meanwhile
                }
            }
            return new EventSearcher(acquired, from, schema, queryTimeouts, searchListener);
        } catch (IOException | RuntimeException e) {
            for (int i = 0; i < acquired.size(); i++) {
                from.get(i).release(acquired.get(i));
            }
            throw e;
        }
    }

    /** Returns the number of events in the index as of the last refresh. */
    public long acquireCount() throws IOException {
        try (EventSearcher s = acquire()) {
            return s.size();
        }
    }

    /** Returns the events live runs could not index (their queue was full). */
    public long droppedEvents() {
        return EventIndexWriter.readDropped(indexDir);
    }

    @Override
    public synchronized void close() throws IOException {
        List<java.io.Closeable> all = new ArrayList<>();
        for (Day d : days.values()) {
            all.add(d.manager());
            all.add(d.dir());
        }
        days.clear();
        managers = List.of();
        IOUtils.close(all);
    }
}
