package io.spanwatch.analyzer.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.SegmentCommitInfo;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.SortedNumericSortField;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.IOUtils;

/**
 * Writes events into the daily partitions of {@code DIR/index}: one Lucene index per UTC day of
 * packet time, written with {@link EventCodec} (the stored source compressed with plain LZ4 over
 * chunks of lines; DEFLATE took 40 % of an import's CPU to save a third of the source's disk). Documents are not sorted inside a day (a sort
 * makes every flush and merge remap all postings and recompress the source; searches find the
 * newest events through the timestamp's points instead); days written by earlier versions keep the
 * newest-first sort they were made with. Keeps at most
 * {@link IndexConfig#maxOpenDays} writers open (the least recently used is committed and closed),
 * commits when asked ({@link #commit}), and applies retention ({@link #applyRetention}): a day is
 * dropped, whole, when both the day and its last write are older than the retention period, and the
 * oldest days go while all together take more than {@link IndexConfig#maxBytes}.
 *
 * <p>Also writes {@code schema.json} (the {@link FieldSchema}) before every commit, so a reader
 * never sees a field the schema does not name, and {@code dropped.json} (events a live run could not
 * index, cumulative) when that count grew.
 *
 * <p>Thread-safe: {@link #add} may be called from several threads at once (Lucene's writer is
 * concurrent); opening, closing, committing and dropping days take an exclusive lock. Owns its
 * writers; {@link #close} commits and closes them.
 */
public final class EventIndexWriter implements Closeable {
    static {
        LuceneLogging.init();
    }

    /** The index sort of days written by earlier versions (newest first); new days are not sorted. */
    static final Sort LEGACY_INDEX_SORT = new Sort(new SortedNumericSortField(EventFields.TIMESTAMP, SortField.Type.LONG, true));
    static final String SCHEMA_FILE = "schema.json";
    static final String DROPPED_FILE = "dropped.json";
    /** Events between two checks of the memory all open days buffer (a power of two). */
    static final int RAM_CHECK_EVERY = 256;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path indexDir;
    private final IndexConfig config;
    private final FieldSchema schema;
    private final IndexCounters counters;
    private final Clock clock;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Open days, least recently used first. */
    private final LinkedHashMap<LocalDate, IndexWriter> open = new LinkedHashMap<>(16, 0.75f, true);
    private final ConcurrentHashMap<LocalDate, IndexWriter> openView = new ConcurrentHashMap<>();
    private long droppedWritten;
    private volatile double ramBufferMb;
    /** Bulk mode (an import): large segments, no compound files, events deduplicated through {@link IdSet}s. */
    private volatile boolean bulk;
    /** Ids the {@link IdSet}s of all open days may still hold (bulk mode). */
    private final AtomicLong idBudget = new AtomicLong();
    /** The id set of each open day (bulk mode only). */
    private final ConcurrentHashMap<LocalDate, IdSet> ids = new ConcurrentHashMap<>();

    private EventIndexWriter(Path indexDir, IndexConfig config, FieldSchema schema, IndexCounters counters, Clock clock) {
        this.indexDir = indexDir;
        this.config = config;
        this.schema = schema;
        this.counters = counters;
        this.clock = clock;
        this.ramBufferMb = config.ramBufferMb();
    }

    /**
     * Sets the memory Lucene buffers, for days opened from now on: per day, or in {@link #bulk} mode
     * (an import, which owns the heap and takes more: fewer, larger segments to merge) for all open
     * days together. There each day may use all of it, so the day being written (an import reads
     * days mostly one after the other) makes segments as large as the budget allows; every
     * {@link #RAM_CHECK_EVERY} events the writer adds up the open days' buffers and, past the
     * budget, writes the largest day's largest buffer out.
     */
    public void ramBufferMb(double mb) {
        this.ramBufferMb = mb;
    }

    /**
     * Switches days opened from now on to bulk mode, for an import that owns the process: segments
     * are written without compound files (which would copy each one once more), and each day keeps
     * the set of its events' ids, up to {@code maxIds} ids over all open days (about 12 bytes each),
     * so an event is replaced (a delete Lucene applies to every segment) only when the day may
     * already have it. Past that budget a day replaces every event, as outside bulk mode.
     */
    public void bulk(long maxIds) {
        idBudget.set(maxIds);
        bulk = true;
    }

    /** Opens (creating it if needed) the index under {@code indexDir}. */
    public static EventIndexWriter open(Path indexDir, IndexConfig config, IndexCounters counters, Clock clock) throws IOException {
        Files.createDirectories(indexDir);
        FieldSchema schema = FieldSchema.load(indexDir.resolve(SCHEMA_FILE), config.maxFields());
        return new EventIndexWriter(indexDir, config, schema, counters, clock);
    }

    public FieldSchema schema() {
        return schema;
    }

    public Path directory() {
        return indexDir;
    }

    public IndexConfig config() {
        return config;
    }

    public IndexCounters counters() {
        return counters;
    }

    /**
     * Adds one event's document to the day of {@code tsMicros}; with {@code replaceId}, an event
     * with that id already in the day is replaced (imports, which may read a file twice).
     */
    public void add(Document doc, long tsMicros, byte[] replaceId) throws IOException {
        LocalDate day = LocalDate.ofEpochDay(EveTimes.epochDay(tsMicros));
        while (true) {
            lock.readLock().lock();
            try {
                IndexWriter w = openView.get(day);
                if (w != null) {
                    if (replaceId == null) {
                        w.addDocument(doc);
                    } else {
                        addOrReplace(w, ids.get(day), doc, replaceId);
                    }
                    if ((counters.indexed.incrementAndGet() & (RAM_CHECK_EVERY - 1)) == 0 && bulk) {
                        keepRamBudget();
                    }
                    return;
                }
            } finally {
                lock.readLock().unlock();
            }
            lock.writeLock().lock();
            try {
                writer(day); // then add under the read lock (another thread may have closed it again meanwhile)
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    /**
     * Writes out the largest buffer of the largest open day when all open days together buffer more
     * than {@link #ramBufferMb} (each day's own limit is the whole budget); call holding the read lock.
     */
    private void keepRamBudget() throws IOException {
        if (openView.size() < 2 || bufferedBytes() <= ramBufferMb * (1 << 20)) {
            return; // one day: Lucene's own limit is the budget
        }
        IndexWriter largest = null;
        for (IndexWriter w : openView.values()) {
            if (largest == null || w.ramBytesUsed() > largest.ramBytesUsed()) {
                largest = w;
            }
        }
        largest.flushNextBuffer();
    }

    /** Returns the memory Lucene buffers for all open days together. */
    long bufferedBytes() {
        long total = 0;
        for (IndexWriter w : openView.values()) {
            total += w.ramBytesUsed();
        }
        return total;
    }

    private static void addOrReplace(IndexWriter w, IdSet set, Document doc, byte[] id) throws IOException {
        int prefix = IdSet.prefix(EventIds.tiebreak(id));
        if (set != null && set.addPending(prefix)) {
            try {
                w.addDocument(doc);
            } finally {
                set.done(prefix);
            }
            return;
        }
        if (set != null) {
            try {
                set.awaitNotPending(prefix); // the add of the same event on another thread goes first
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while indexing");
            }
        }
        w.updateDocument(new Term(EventFields.ID, new BytesRef(id)), doc);
    }

    /** Returns the open writer of {@code day}, opening it; call holding the write lock. */
    private IndexWriter writer(LocalDate day) throws IOException {
        IndexWriter w = open.get(day);
        if (w != null) {
            return w;
        }
        if (open.size() >= config.maxOpenDays()) {
            Iterator<Map.Entry<LocalDate, IndexWriter>> it = open.entrySet().iterator();
            Map.Entry<LocalDate, IndexWriter> eldest = it.next();
            it.remove();
            openView.remove(eldest.getKey());
            releaseIds(eldest.getKey());
            saveSchema();
            IOUtils.close(eldest.getValue(), eldest.getValue().getDirectory()); // commits
            counters.commits.incrementAndGet();
        }
        Path dir = indexDir.resolve(day.toString());
        Files.createDirectories(dir);
        Directory d = FSDirectory.open(dir);
        try {
            boolean exists = DirectoryReader.indexExists(d);
            IndexWriterConfig c = new IndexWriterConfig(new TextAnalyzer());
            if (exists && sorted(d)) {
                c.setIndexSort(LEGACY_INDEX_SORT);
            }
            c.setRAMBufferSizeMB(ramBufferMb);
            c.setCodec(new EventCodec());
            c.setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
            c.setCommitOnClose(true);
            if (bulk) {
                c.setUseCompoundFile(false);
                c.getMergePolicy().setNoCFSRatio(0);
            }
            w = new IndexWriter(d, c);
        } catch (IOException | RuntimeException e) {
            IOUtils.closeWhileHandlingException(d);
            throw e;
        }
        if (bulk) {
            // read the day's ids with its write lock held, so no other writer adds one meanwhile
            IdSet set = new IdSet(idBudget);
            try (DirectoryReader r = DirectoryReader.open(w)) {
                set.load(r);
            } catch (IOException | RuntimeException e) {
                set.release();
                IOUtils.closeWhileHandlingException(w, d);
                throw e;
            }
            ids.put(day, set);
        }
        open.put(day, w);
        openView.put(day, w);
        return w;
    }

    /** Tells whether the index in {@code d} was made with {@link #LEGACY_INDEX_SORT}. */
    private static boolean sorted(Directory d) throws IOException {
        for (SegmentCommitInfo si : SegmentInfos.readLatestCommit(d)) {
            if (si.info.getIndexSort() != null) {
                return true;
            }
        }
        return false;
    }

    private void releaseIds(LocalDate day) {
        IdSet set = ids.remove(day);
        if (set != null) {
            set.release();
        }
    }

    /**
     * Writes what every open day buffers out as segments, without committing them (no fsync; a
     * reader does not see them before the next {@link #commit}), so that a commit to come has less
     * to write. Other threads may go on adding meanwhile.
     */
    public void flush() throws IOException {
        lock.readLock().lock();
        try {
            for (IndexWriter w : openView.values()) {
                w.flush();
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Commits every open day that has changes, after the schema; then records drops. */
    public void commit() throws IOException {
        lock.writeLock().lock();
        try {
            saveSchema();
            for (IndexWriter w : open.values()) {
                if (w.hasUncommittedChanges()) {
                    w.commit();
                    counters.commits.incrementAndGet();
                }
            }
            recordDrops();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void saveSchema() throws IOException {
        schema.saveIfChanged(indexDir.resolve(SCHEMA_FILE));
    }

    /** Adds the drops since the last call to {@code dropped.json}, which the console shows. */
    private void recordDrops() throws IOException {
        long now = counters.dropped.get();
        if (now == droppedWritten) {
            return;
        }
        Path f = indexDir.resolve(DROPPED_FILE);
        long before = readDropped(indexDir);
        Path tmp = f.resolveSibling(DROPPED_FILE + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(Map.of("dropped", before + now - droppedWritten,
                "updated", clock.instant().toString())));
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        droppedWritten = now;
    }

    /** Returns the events live runs could not index into {@code indexDir}, as {@code dropped.json} says. */
    public static long readDropped(Path indexDir) {
        try {
            JsonNode n = JSON.readTree(indexDir.resolve(DROPPED_FILE).toFile());
            return n.path("dropped").asLong(0);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * Drops the days retention says to drop (see the class comment); returns how many. A day being
     * written is closed first.
     */
    public int applyRetention() throws IOException {
        lock.writeLock().lock();
        try {
            Instant now = clock.instant();
            Instant cutoff = now.minus(config.retention());
            LocalDate cutoffDay = LocalDate.ofInstant(cutoff, ZoneOffset.UTC);
            List<DayIndexes.Day> days = DayIndexes.list(indexDir);
            List<DayIndexes.Day> kept = new ArrayList<>();
            int dropped = 0;
            for (DayIndexes.Day d : days) {
                if (d.date().isBefore(cutoffDay) && DayIndexes.lastCommit(d.dir()).toInstant().isBefore(cutoff)) {
                    drop(d);
                    dropped++;
                } else {
                    kept.add(d);
                }
            }
            long total = 0;
            long[] sizes = new long[kept.size()];
            for (int i = 0; i < kept.size(); i++) {
                sizes[i] = DayIndexes.size(kept.get(i).dir());
                total += sizes[i];
            }
            // the newest day stays whatever its size: it is the one being written
            for (int i = 0; i < kept.size() - 1 && total > config.maxBytes(); i++) {
                drop(kept.get(i));
                total -= sizes[i];
                dropped++;
            }
            counters.daysDropped.addAndGet(dropped);
            return dropped;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void drop(DayIndexes.Day d) throws IOException {
        IndexWriter w = open.remove(d.date());
        if (w != null) {
            openView.remove(d.date());
            releaseIds(d.date());
            IOUtils.close(w::rollback, w.getDirectory());
        }
        DayIndexes.delete(d.dir());
    }

    /** Returns the bytes all days take. */
    public long sizeBytes() throws IOException {
        long total = 0;
        for (DayIndexes.Day d : DayIndexes.list(indexDir)) {
            total += DayIndexes.size(d.dir());
        }
        return total;
    }

    /** Commits and closes every open day. */
    @Override
    public void close() throws IOException {
        lock.writeLock().lock();
        try {
            saveSchema();
            List<IndexWriter> writers = new ArrayList<>(open.values());
            open.clear();
            openView.clear();
            for (LocalDate day : List.copyOf(ids.keySet())) {
                releaseIds(day);
            }
            counters.commits.addAndGet(writers.size());
            recordDrops();
            List<Closeable> all = new ArrayList<>();
            for (IndexWriter w : writers) {
                all.add(w);
                all.add(w.getDirectory());
            }
            IOUtils.close(all);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Commits, then merges each open day into one segment (the end of an import), for faster searches. */
    public void forceMerge() throws IOException {
        commit();
        lock.writeLock().lock();
        try {
            for (IndexWriter w : open.values()) {
                w.forceMerge(1);
                w.commit();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
