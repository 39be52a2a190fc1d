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
 * newest-first sort they were made with.
 *
 * <p>Keeps at most {@link IndexConfig#maxOpenDays} writers open, {@link IndexConfig#importOpenDays}
 * in {@link #bulk} mode (an import, whose input may be shuffled across many days); to open another,
 * the day least recently written is committed and closed ({@code index.days_opened} counts the
 * openings). In bulk mode a day that has taken no event for a while is also closed when another
 * day needs room for its ids (see {@link #bulk}). Commits when asked ({@link #commit}), and applies
 * retention ({@link #applyRetention}): a day is dropped, whole, when both the day and its last write
 * are older than the retention period, and the oldest days go while all together take more than
 * {@link IndexConfig#maxBytes}.
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
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventIndexWriter.class);

    private final Path indexDir;
    private final IndexConfig config;
    private final FieldSchema schema;
    private final IndexCounters counters;
    private final Clock clock;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Open days, in the order they were opened; changed under the write lock. */
    private final LinkedHashMap<LocalDate, OpenDay> open = new LinkedHashMap<>();
    /** The same days, read by {@link #add} under the read lock. */
    private final ConcurrentHashMap<LocalDate, OpenDay> openView = new ConcurrentHashMap<>();
    private long droppedWritten;
    private volatile double ramBufferMb;
    /** Bulk mode (an import): large segments, no compound files, events deduplicated through {@link IdSet}s. */
    private volatile boolean bulk;
    /** Ids the {@link IdSet}s of all open days may still hold (bulk mode). */
    private final AtomicLong idBudget = new AtomicLong();
    /** Events after which a day that took none of them is cold: closed when another day needs ids (bulk mode). */
    private volatile long coldEvents = Long.MAX_VALUE;

    /** One day with an open writer. */
    private static final class OpenDay {
        final LocalDate date;
        final IndexWriter writer;
        /** Its events' ids (bulk mode), else null. */
        final IdSet ids;
        /** {@link IndexCounters#indexed} when an event last went to this day (or when it was opened). */
        volatile long lastWrite;

        OpenDay(LocalDate date, IndexWriter writer, IdSet ids, long lastWrite) {
            this.date = date;
            this.writer = writer;
            this.ids = ids;
            this.lastWrite = lastWrite;
        }

        /** Gives its ids back to the budget (it is being closed or dropped). */
        void releaseIds() {
            if (ids != null) {
                ids.release();
            }
        }
    }

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
     * Switches days opened from now on to bulk mode, for an import that owns the process: up to
     * {@link IndexConfig#importOpenDays} days stay open, segments are written without compound files
     * (which would copy each one once more), and each day keeps the set of its events' ids, up to
     * {@code maxIds} ids over all open days (about 12 bytes each), so an event is replaced (a delete
     * Lucene applies to every segment) only when the day may already have it. When the budget is
     * spent, the least recently written day that took none of the last quarter budget's events is
     * closed to give its ids back (an import in time order goes on as with three days open); when
     * there is none, the day that needs room replaces every event, as outside bulk mode.
     */
    public void bulk(long maxIds) {
        idBudget.set(maxIds);
        coldEvents = Math.max(1, maxIds / 4);
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
            OpenDay needsIds = null;
            OpenDay failed = null;
            lock.readLock().lock();
            try {
                OpenDay d = openView.get(day);
                if (d != null && !d.writer.isOpen()) {
                    failed = d;
                } else if (d != null) {
                    if (replaceId == null) {
                        d.writer.addDocument(doc);
                    } else if (!addOrReplace(d, doc, replaceId)) {
                        needsIds = d;
                    }
                    if (needsIds == null) {
                        long n = counters.indexed.incrementAndGet();
                        d.lastWrite = n;
                        if ((n & (RAM_CHECK_EVERY - 1)) == 0 && bulk) {
                            keepRamBudget();
                        }
                        return;
                    }
                }
            } finally {
                lock.readLock().unlock();
            }
            // then add under the read lock again (another thread may have closed the day meanwhile)
            lock.writeLock().lock();
            try {
                if (failed != null) {
                    forgetFailedDay(failed);
                } else if (needsIds == null) {
                    writer(day);
                } else if (openView.get(day) == needsIds && idBudget.get() <= 0 && !closeColdDay(day)) {
                    needsIds.ids.release(); // no day to take ids from: this one replaces every event
                }
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
        if (openView.size() < 2) {
            return; // one day: Lucene's own limit is the budget
        }
        long total = 0;
        long most = -1;
        IndexWriter largest = null;
        for (OpenDay d : openView.values()) {
            long bytes = d.writer.ramBytesUsed();
            total += bytes;
            if (bytes > most) {
                most = bytes;
                largest = d.writer;
            }
        }
        if (total > ramBufferMb * (1 << 20)) {
            largest.flushNextBuffer();
        }
    }

    /** Returns the days with an open writer. */
    int openDays() {
        return openView.size();
    }

    /** Returns the memory Lucene buffers for all open days together. */
    long bufferedBytes() {
        long total = 0;
        for (OpenDay d : openView.values()) {
            total += d.writer.ramBytesUsed();
        }
        return total;
    }

    /**
     * Adds {@code doc} to {@code d}, replacing an event with the same id when the day's {@link IdSet}
     * (if any) says it may have one; returns false, having done nothing, when the set needs more ids
     * than the budget has left.
     */
    private static boolean addOrReplace(OpenDay d, Document doc, byte[] id) throws IOException {
        int prefix = IdSet.prefix(EventIds.tiebreak(id));
        IdSet set = d.ids;
        if (set != null) {
            switch (set.addPending(prefix)) {
                case NO_ROOM -> {
                    return false;
                }
                case NEW -> {
                    try {
                        d.writer.addDocument(doc);
                    } finally {
                        set.done(prefix);
                    }
                    return true;
                }
                case SEEN -> {
                    try {
                        set.awaitNotPending(prefix); // the add of the same event on another thread goes first
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while indexing");
                    }
                }
            }
        }
        d.writer.updateDocument(new Term(EventFields.ID, new BytesRef(id)), doc);
        return true;
    }

    /**
     * Returns how many days an import may keep open within the process's open-file limit: a sixteenth
     * of it (an open day holds about five files, more while it writes a segment; the rest of the
     * process needs some too), at least 3. A machine whose limit is 1,024 keeps 64 days open, not the
     * 400 of {@link IndexConfig#DEFAULT_IMPORT_OPEN_DAYS}, rather than failing with "Too many open files".
     */
    static int openDaysTheFileLimitAllows() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u) {
            long limit = u.getMaxFileDescriptorCount();
            if (limit > 0) {
                return (int) Math.max(3, Math.min(Integer.MAX_VALUE, limit / 16));
            }
        }
        return Integer.MAX_VALUE;
    }

    /** Returns the open day {@code day}, opening it (and closing another past the limit); call holding the write lock. */
    private OpenDay writer(LocalDate day) throws IOException {
        OpenDay existing = open.get(day);
        if (existing != null) {
            return existing;
        }
        int max = bulk ? Math.min(config.importOpenDays(), openDaysTheFileLimitAllows()) : config.maxOpenDays();
        while (open.size() >= max) {
            close(leastRecentlyWritten(null, o -> true));
        }
        Path dir = indexDir.resolve(day.toString());
        Files.createDirectories(dir);
        Directory d = FSDirectory.open(dir);
        IndexWriter w;
        boolean exists;
        try {
            exists = DirectoryReader.indexExists(d);
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
        IdSet set = null;
        if (bulk) {
            // read the day's ids with its write lock held, so no other writer adds one meanwhile; from its
            // last commit, not through the writer, which would then keep every segment open
            set = new IdSet(idBudget);
            try {
                if (exists) {
                    try (DirectoryReader r = DirectoryReader.open(d)) {
                        while (!set.load(r)) {
                            if (!closeColdDay(day)) {
                                set.release(); // no day to take ids from: this one replaces every event
                                break;
                            }
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                set.release();
                IOUtils.closeWhileHandlingException(w, d);
                throw e;
            }
        }
        OpenDay o = new OpenDay(day, w, set, counters.indexed.get());
        open.put(day, o);
        openView.put(day, o);
        counters.daysOpened.incrementAndGet();
        return o;
    }

    /**
     * Returns the open day, other than {@code except}, that {@code which} accepts and was written least
     * recently, or null; call holding the write lock.
     */
    private OpenDay leastRecentlyWritten(LocalDate except, java.util.function.Predicate<OpenDay> which) {
        OpenDay found = null;
        for (OpenDay o : open.values()) {
            if (!o.date.equals(except) && which.test(o) && (found == null || o.lastWrite < found.lastWrite)) {
                found = o;
            }
        }
        return found;
    }

    /**
     * Closes the least recently written day other than {@code except} that holds ids and took none of
     * the last {@link #coldEvents} events, giving its ids back; returns whether there was one. Call
     * holding the write lock.
     */
    private boolean closeColdDay(LocalDate except) throws IOException {
        long now = counters.indexed.get();
        OpenDay found = leastRecentlyWritten(except, o -> o.ids != null && o.ids.size() > 0 && now - o.lastWrite >= coldEvents);
        if (found == null) {
            return false;
        }
        close(found);
        return true;
    }

    /** Commits and closes one open day; call holding the write lock. */
    private void close(OpenDay o) throws IOException {
        open.remove(o.date);
        openView.remove(o.date);
        o.releaseIds();
        saveSchema();
        IOUtils.close(o.writer, o.writer.getDirectory()); // commits
        counters.commits.incrementAndGet();
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

    /**
     * Writes what every open day buffers out as segments, without committing them (no fsync; a
     * reader does not see them before the next {@link #commit}), so that a commit to come has less
     * to write. Other threads may go on adding meanwhile.
     */
    public void flush() throws IOException {
        lock.readLock().lock();
        try {
            for (OpenDay d : openView.values()) {
                d.writer.flush();
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Commits every open day that has changes, after the schema; then records drops. */
    public void commit() throws IOException {
        commit(1);
    }

    /**
     * Commits every open day that has changes, up to {@code threads} days at once (the end of an import,
     * where each of hundreds of open days writes its buffer out as a segment first), after the schema;
     * then records drops.
     */
    public void commit(int threads) throws IOException {
        lock.writeLock().lock();
        try {
            saveSchema();
            List<IndexWriter> changed = new ArrayList<>();
            for (OpenDay d : open.values()) {
                if (d.writer.hasUncommittedChanges()) {
                    changed.add(d.writer);
                }
            }
            commitAll(changed, threads);
            counters.commits.addAndGet(changed.size());
            recordDrops();
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Commits {@code writers} on up to {@code threads} threads, this one included; throws the first failure. */
    private static void commitAll(List<IndexWriter> writers, int threads) throws IOException {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Runnable work = () -> {
            for (int i; failure.get() == null && (i = next.getAndIncrement()) < writers.size(); ) {
                try {
                    writers.get(i).commit();
                } catch (IOException | RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            }
        };
        List<Thread> helpers = new ArrayList<>();
        for (int t = 1; t < Math.min(threads, writers.size()); t++) {
            helpers.add(Thread.ofPlatform().name("spanwatch-commit-" + t).start(work));
        }
        work.run();
        boolean interrupted = false;
        for (Thread t : helpers) {
            while (t.isAlive()) { // the commits in progress end before the lock is let go
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable f = failure.get();
        if (f instanceof IOException io) {
            throw io;
        } else if (f instanceof RuntimeException re) {
            throw re;
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
            // The newest day stays whatever its size: it is the one being written. So does the newest day
            // up to today's: one event dated in the far future (a wrong clock, or a hostile import) is the
            // newest day then, and would otherwise make the day being written the first to go (review).
            LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
            int current = -1;
            for (int i = 0; i < kept.size(); i++) {
                if (!kept.get(i).date().isAfter(today)) {
                    current = i;
                }
            }
            for (int i = 0; i < kept.size() - 1 && total > config.maxBytes(); i++) {
                if (i == current) {
                    continue;
                }
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
        OpenDay o = open.remove(d.date());
        if (o != null) {
            openView.remove(d.date());
            o.releaseIds();
            IOUtils.close(o.writer::rollback, o.writer.getDirectory());
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
            // Every step is tried, the first failure thrown after: a full disk that stopped the schema
            // used to leave every day's writer open, its buffered events never committed.
            IOException failed = null;
            try {
                saveSchema();
            } catch (IOException e) {
                failed = e;
            }
            List<OpenDay> days = new ArrayList<>(open.values());
            open.clear();
            openView.clear();
            days.forEach(OpenDay::releaseIds);
            counters.commits.addAndGet(days.size());
            try {
                recordDrops();
            } catch (IOException e) {
                failed = keep(failed, new IOException("cannot write " + indexDir.resolve(DROPPED_FILE) + ": " + e.getMessage(), e));
            }
            List<Closeable> all = new ArrayList<>();
            for (OpenDay d : days) {
                all.add(d.writer);
                all.add(d.writer.getDirectory());
            }
            try {
                IOUtils.close(all);
            } catch (IOException | RuntimeException e) { // a writer Lucene closed after a failed write says so unchecked
                failed = keep(failed, new IOException("cannot commit the index in " + indexDir + ": " + e.getMessage(), e));
            }
            if (failed != null) {
                throw failed;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Lets go of a day whose writer Lucene closed after a write failed (its "tragic" error: a full
     * disk while flushing), so the next event opens the day again from its last commit. Without this
     * the day refused every event for the rest of the run, even once the disk had room (review of
     * 2026-12-04). What the failed writer held since its last commit is lost; the events that met the
     * failure are counted in {@code index.errors}.
     */
    private void forgetFailedDay(OpenDay d) {
        if (open.get(d.date) != d) {
            return; // another thread already did
        }
        open.remove(d.date);
        openView.remove(d.date);
        d.releaseIds();
        long n = counters.writerFailures.incrementAndGet();
        if (n <= 5 || n % 1000 == 0) {
            LOG.warn("index day {} ({}): its writer failed ({}); opening it again from its last commit (failure {})", d.date,
                    indexDir.resolve(d.date.toString()), String.valueOf(d.writer.getTragicException()), n);
        }
        IOUtils.closeWhileHandlingException(d.writer, d.writer.getDirectory());
    }

    /** Returns {@code first}, or {@code next} when there is no first; a second failure rides along as suppressed. */
    private static IOException keep(IOException first, IOException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
