package io.spanwatch.analyzer.index;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.lucene.index.ExitableDirectoryReader;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.index.QueryTimeout;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.SortedNumericSortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopFieldCollectorManager;
import org.apache.lucene.search.TopFieldDocs;
import org.apache.lucene.util.BytesRef;

/**
 * Searches every day of the index at one point in time: events newest first with exact totals and
 * {@code search_after} paging, one event by id, facets and a time histogram ({@link Aggregations}).
 *
 * <p>A search's deadline covers all its work: Lucene's own time limit ({@link IndexSearcher#setTimeout})
 * is checked only while matches are collected, not while a wildcard, regular expression, fuzzy or
 * range query walks the terms, points and doc values that make its matches, which is most of the work
 * of a leading wildcard: 400 of {@code *0* OR *1* ...} over 200,000 events ran 11 s past a 10 s limit
 * and said nothing (adversarial review). So the readers searched consult the deadline there too
 * (Lucene's {@link ExitableDirectoryReader.ExitableFilterAtomicReader} around each segment); a
 * search stopped that way has found nothing it can give, and says it timed out.
 *
 * <p>Not thread-safe; one per request. Holds searchers acquired from their managers and releases
 * them on {@link #close}.
 */
public final class EventSearcher implements Closeable {
    /** Newest first; ties in order of id (its first 8 bytes), so paging is stable across refreshes. */
    public static final Sort ORDER = new Sort(new SortedNumericSortField(EventFields.TIMESTAMP, SortField.Type.LONG, true),
            new SortField(EventFields.TIEBREAK, SortField.Type.LONG));
    private static final Set<String> SOURCE_ONLY = Set.of(EventFields.SOURCE);

    private final List<IndexSearcher> acquired;
    private final List<SearcherManager> from;
    private final MultiReader reader;
    private final FieldSchema schema;
    private final Supplier<QueryTimeout> timeouts;
    private final Deadline deadline = new Deadline();
    private IndexSearcher searcher;
    private final EventIndexReader.SearchListener listener;
    private final long acquiredNanos = System.nanoTime();
    /** Whether a search before the one running now stopped at its time limit. */
    private boolean anyTimedOut;

    /**
     * The deadline of the search running now, which the wrapped segments consult while they walk
     * terms, points and doc values; remembers whether it told a search to stop.
     */
    private static final class Deadline implements QueryTimeout {
        private QueryTimeout current;
        private boolean passed;

        void start(QueryTimeout t) {
            current = t;
            passed = false;
        }

        @Override
        public boolean shouldExit() {
            if (current != null && current.shouldExit()) {
                passed = true;
            }
            return passed;
        }
    }

    /**
     * @param timeouts makes the deadline of each search (request: events, facets, histogram) when it
     *     starts, so one search does not spend the next one's time; null for none
     * @param listener told when this searcher is closed
     */
    EventSearcher(List<IndexSearcher> acquired, List<SearcherManager> from, FieldSchema schema, Supplier<QueryTimeout> timeouts,
            EventIndexReader.SearchListener listener) throws IOException {
        this.listener = listener;
        this.acquired = acquired;
        this.from = from;
        this.schema = schema;
        List<IndexReader> readers = new ArrayList<>();
        for (IndexSearcher s : acquired) {
            if (timeouts == null) {
                readers.add(s.getIndexReader());
                continue;
            }
            // The wrappers are never closed (the multi-reader below only takes and gives back a
            // reference), so the segments stay their searcher's, released in close()
            for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
                readers.add(new ExitableDirectoryReader.ExitableFilterAtomicReader(leaf.reader(), deadline));
            }
        }
        this.reader = new MultiReader(readers.toArray(new IndexReader[0]), false);
        this.timeouts = timeouts;
        this.searcher = new IndexSearcher(reader);
    }

    /**
     * Starts a search: a searcher with a deadline of its own from now, whose {@link IndexSearcher#timedOut}
     * tells of this search alone (Lucene's flag is never cleared, and the deadline is set once).
     */
    private IndexSearcher start() {
        anyTimedOut |= timedOut();
        searcher = new IndexSearcher(reader);
        QueryTimeout t = timeouts == null ? null : timeouts.get();
        deadline.start(t);
        if (t != null) {
            searcher.setTimeout(deadline);
        }
        return searcher;
    }

    /** Work of a search that may stop at the deadline while it walks the index (see the class comment). */
    @FunctionalInterface
    interface SearchWork<T> {
        T run() throws IOException;
    }

    /** Returns what {@code work} found, or {@code stopped} when the deadline stopped it before it could collect. */
    static <T> T orStopped(SearchWork<T> work, T stopped) throws IOException {
        try {
            return work.run();
        } catch (ExitableDirectoryReader.ExitingReaderException e) {
            return stopped;
        }
    }

    /** One event found: its id (hex), time (microseconds) and EVE JSON. */
    public record Hit(String id, long timestamp, String json) {
    }

    /**
     * One page of events.
     *
     * @param total every event the query matches (exact)
     * @param next the cursor of the page after this one, or null when this is the last
     * @param timedOut whether the search stopped at its time limit (then the page may miss events)
     */
    public record Page(long total, List<Hit> hits, Cursor next, boolean timedOut) {
    }

    /** Where a page ends: the last event's time and id. Its text form is {@code MICROS_IDHEX}. */
    public record Cursor(long timestamp, byte[] id) {
        @Override
        public String toString() {
            return timestamp + "_" + EventIds.hex(id);
        }

        /** Reads a cursor's text form; throws {@link IllegalArgumentException} when it is not one. */
        public static Cursor parse(String s) {
            int us = s == null ? -1 : s.indexOf('_');
            byte[] id = us < 0 ? null : EventIds.parse(s.substring(us + 1));
            if (id == null) {
                throw new IllegalArgumentException("bad search_after: " + s);
            }
            try {
                return new Cursor(Long.parseLong(s.substring(0, us)), id);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad search_after: " + s);
            }
        }
    }

    public FieldSchema schema() {
        return schema;
    }

    /** Returns the number of events (all days). */
    public long size() {
        return reader.numDocs();
    }

    /**
     * Most bytes of event sources one page holds: past them the page ends early, with the cursor of
     * its last event. A page of 1,000 events of 0.6 MB each, a few at once, ran the console out of heap
     * (adversarial review); a page always holds at least one event.
     */
    public static final long MAX_PAGE_SOURCE_BYTES = 8L << 20;

    /**
     * Returns up to {@code size} events matching {@code q}, newest first, after {@code after} (or from
     * the start), fewer when their sources pass {@link #MAX_PAGE_SOURCE_BYTES} (then {@code next} is set).
     */
    public Page search(Query q, int size, Cursor after) throws IOException {
        FieldDoc afterDoc = after == null ? null
                : new FieldDoc(Integer.MAX_VALUE, Float.NaN, new Object[] {after.timestamp(), EventIds.tiebreak(after.id())});
        IndexSearcher searcher = start();
        long total = orStopped(() -> (long) searcher.count(q), 0L);
        boolean timedOut = timedOut();
        List<Hit> hits = new ArrayList<>();
        Cursor next = null;
        if (size > 0) {
            TopFieldDocs top = orStopped(() -> searcher.search(q, new TopFieldCollectorManager(ORDER, size, afterDoc, 1)), null);
            timedOut |= timedOut();
            if (top == null) {
                return new Page(total, hits, null, true);
            }
            StoredFields stored = searcher.storedFields();
            byte[] lastId = null;
            long bytes = 0;
            boolean full = false;
            for (ScoreDoc sd : top.scoreDocs) {
                if (bytes >= MAX_PAGE_SOURCE_BYTES) {
                    full = true;
                    break;
                }
                FieldDoc fd = (FieldDoc) sd;
                long ts = (Long) fd.fields[0];
                BytesRef src = source(stored, sd.doc);
                bytes += src.length;
                lastId = EventIds.of(src.bytes, src.offset, src.length);
                hits.add(new Hit(EventIds.hex(lastId), ts, src.utf8ToString()));
            }
            if (hits.size() == size || full) {
                next = new Cursor(hits.getLast().timestamp(), lastId);
            }
        }
        return new Page(total, hits, next, timedOut);
    }

    /** {@link #ORDER} reversed: oldest first, for the page before a cursor. */
    private static final Sort REVERSED = new Sort(new SortedNumericSortField(EventFields.TIMESTAMP, SortField.Type.LONG, false),
            new SortField(EventFields.TIEBREAK, SortField.Type.LONG, true));

    /**
     * Returns the {@code size} events matching {@code q} just newer than {@code before}, newest first
     * (the page an analyst paging older came from), or null when no more than {@code size} are newer:
     * then the newer page is the first one ({@link #search} without a cursor), so pages keep their
     * edges. Its {@code next} is the cursor of its last (oldest) event; sources past
     * {@link #MAX_PAGE_SOURCE_BYTES} end it early, keeping the newest.
     */
    public Page searchBefore(Query q, int size, Cursor before) throws IOException {
        if (size <= 0) {
            return null;
        }
        FieldDoc beforeDoc = new FieldDoc(Integer.MAX_VALUE, Float.NaN, new Object[] {before.timestamp(), EventIds.tiebreak(before.id())});
        IndexSearcher searcher = start();
        long total = orStopped(() -> (long) searcher.count(q), 0L);
        boolean timedOut = timedOut();
        // One more than a page: with no more than a page newer, the newer page is the first
        TopFieldDocs top = orStopped(() -> searcher.search(q, new TopFieldCollectorManager(REVERSED, size + 1, beforeDoc, 1)), null);
        timedOut |= timedOut();
        if (top == null) {
            return new Page(total, List.of(), null, true);
        }
        if (top.scoreDocs.length <= size) {
            return null;
        }
        StoredFields stored = searcher.storedFields();
        List<Hit> hits = new ArrayList<>();
        byte[] lastId = null;
        long bytes = 0;
        for (int i = size - 1; i >= 0 && bytes < MAX_PAGE_SOURCE_BYTES; i--) {
            ScoreDoc sd = top.scoreDocs[i];
            BytesRef src = source(stored, sd.doc);
            bytes += src.length;
            lastId = EventIds.of(src.bytes, src.offset, src.length);
            hits.add(new Hit(EventIds.hex(lastId), (Long) ((FieldDoc) sd).fields[0], src.utf8ToString()));
        }
        return new Page(total, hits, new Cursor(hits.getLast().timestamp(), lastId), timedOut);
    }

    /** Returns the number of events matching {@code q}: fewer, or 0, when the search stopped at its deadline ({@link #timedOut}). */
    public long count(Query q) throws IOException {
        IndexSearcher searcher = start();
        return orStopped(() -> (long) searcher.count(q), 0L);
    }

    /** Returns the event with id {@code hex}, if the index has it. */
    public Optional<Hit> get(String hex) throws IOException {
        byte[] id = EventIds.parse(hex);
        if (id == null) {
            return Optional.empty();
        }
        Page p = search(new TermQuery(new Term(EventFields.ID, new BytesRef(id))), 1, null);
        return p.hits().isEmpty() ? Optional.empty() : Optional.of(p.hits().getFirst());
    }

    /** Returns the stored EVE JSON of {@code doc}; its SHA-256 is the event's id. */
    private static BytesRef source(StoredFields stored, int doc) throws IOException {
        BytesRef b = stored.document(doc, SOURCE_ONLY).getBinaryValue(EventFields.SOURCE);
        return b == null ? new BytesRef("{}") : b;
    }

    /** Returns the facet and histogram computations over this searcher; each starts a search with its own deadline. */
    public Aggregations aggregations() {
        return new Aggregations(this::start, schema);
    }

    /** Tells whether the last search (events, count, facets or histogram) stopped at its time limit. */
    public boolean timedOut() {
        return searcher.timedOut() || deadline.passed;
    }

    @Override
    public void close() throws IOException {
        listener.searched(System.nanoTime() - acquiredNanos, anyTimedOut || timedOut());
        try {
            reader.close();
        } finally {
            for (int i = 0; i < acquired.size(); i++) {
                from.get(i).release(acquired.get(i));
            }
        }
    }
}
