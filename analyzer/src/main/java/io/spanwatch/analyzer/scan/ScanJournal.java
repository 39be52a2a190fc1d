package io.spanwatch.analyzer.scan;

import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.HttpInfo;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Keeps the scan queue on disk so that files waiting for clamd survive a restart, and holds in memory
 * only the head of the queue, within a budget of entries and estimated heap bytes.
 *
 * <p><b>On disk</b>: an append-only journal ({@code scan/queue.journal}) of {@code add} lines (the
 * file's whole event, as JSON), {@code reported} lines (its {@code fileinfo} went out with an interim
 * verdict) and {@code done} lines (a final verdict was written). It is read line by line, never
 * whole: at {@link #open} once to learn which entries are finished, then again to rewrite it with
 * the waiting entries only; later reads start at the first entry not in memory.
 *
 * <p><b>In memory</b>: entries are handed out oldest first. An entry is <i>resident</i> (held by the
 * caller until {@link #done}) while the resident entries stay within {@code maxEntries} and
 * {@code maxBytes} (heap estimated from the entry's JSON: {@value #HEAP_PER_BYTE} bytes per byte plus
 * {@value #HEAP_OVERHEAD}); past that, new entries are <i>spilled</i>: they exist only as their line
 * in the journal until {@link #load} reads them back when room is free. The state of every entry
 * (waiting, reported, done) is two bits from the oldest waiting one on, so a long queue costs memory
 * only for its resident head.
 *
 * <p>Appends are flushed to the OS at once (a crash of the process loses nothing; a crash of the
 * machine may lose the last lines). The journal is rewritten with the waiting entries after
 * {@value #COMPACT_AFTER} finished ones. Thread-safe.
 */
final class ScanJournal implements AutoCloseable {
    /**
     * One queued file: everything needed to write its events later.
     *
     * @param retro for a retro-scan (a stored file scanned again under a new signature database): what
     *     it is compared with; null for a file seen now
     */
    record Entry(long seq, long tsNanos, EventHeader header, HttpInfo http, boolean toServer, FileInfo info, String stored,
            boolean reported, Retro retro) {
        Entry withReported() {
            return new Entry(seq, tsNanos, header, http, toServer, info, stored, true, retro);
        }

        /** The file as the journal has it: its time, flow, transaction and stored copy. */
        FileEvent fileEvent() {
            return new FileEvent(tsNanos, header, http, toServer, info, Path.of(stored));
        }

        /** Where and when the file was seen, for the verdict cache. */
        VerdictCache.Sighting sighting() {
            return new VerdictCache.Sighting(tsNanos, header, http, toServer, info, stored);
        }
    }

    /**
     * What a retro-scan compares with.
     *
     * @param previousDatabase the database version of the verdict the file had
     * @param database the version that triggered the retro-scan
     * @param previousSignatures the signatures the file was found with before (empty if it was clean)
     */
    record Retro(String previousDatabase, String database, List<String> previousSignatures) {
    }

    /** What {@link #add} did with a new entry. */
    record Added(Entry entry, boolean resident) {
    }

    static final int HEAP_PER_BYTE = 2;
    static final int HEAP_OVERHEAD = 512;
    private static final int COMPACT_AFTER = 10_000;

    private final Path path;
    private final long maxEntries;
    private final long maxBytes;
    private OutputStream out;
    /** Bytes in the journal file (the position of the next line). */
    private long size;
    /** Sequence number of bit 0 of {@link #done} and {@link #reported}; nothing older is waiting. */
    private long base = 1;
    private long nextSeq = 1;
    private BitSet done = new BitSet();
    private BitSet reported = new BitSet();
    /** Entries older than this were read into memory (resident, or done); newer ones are spilled. */
    private long loadSeq = 1;
    /** File position at or before the first spilled entry's line. */
    private long cursor;
    private final Map<Long, Long> residentHeap = new HashMap<>();
    private long residentBytes;
    private long waiting;
    /** Bytes of the files waiting (their size on disk under files/). */
    private long fileBytes;
    private long spilled;
    private long spilledTotal;
    private int finished;

    private ScanJournal(Path path, long maxEntries, long maxBytes) {
        this.path = path;
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    /**
     * Opens (or creates) the journal under {@code dir}, reads it line by line and rewrites it with the
     * waiting entries. Nothing is resident yet: {@link #load} brings the oldest into memory.
     */
    static ScanJournal open(Path dir, long maxEntries, long maxBytes) throws IOException {
        Files.createDirectories(dir);
        ScanJournal j = new ScanJournal(dir.resolve("queue.journal"), maxEntries, maxBytes);
        if (Files.exists(j.path)) {
            j.replay();
        }
        j.loadSeq = j.base;
        j.spilled = j.waiting;
        j.rewrite();
        return j;
    }

    /** Learns from the journal which entries wait, which were reported and the next sequence number. */
    private void replay() throws IOException {
        boolean first = true;
        try (JournalReader r = new JournalReader(path, 0)) {
            byte[] line;
            while ((line = r.next()) != null) {
                ScanJson.Line l = parse(line);
                if (l == null || l.seq() < 1) {
                    continue; // a line cut by a crash, or not ours
                }
                if (isAdd(l)) {
                    if (first) {
                        base = l.seq();
                        nextSeq = l.seq();
                        first = false;
                    }
                    if (l.seq() < nextSeq) {
                        continue; // out of order: not written by this class
                    }
                    nextSeq = l.seq() + 1;
                    waiting++;
                    if (l.entry().reported()) {
                        reported.set(bit(l.seq()));
                    }
                } else if (l.seq() >= base && l.seq() < nextSeq && !done.get(bit(l.seq()))) {
                    if ("reported".equals(l.op())) {
                        reported.set(bit(l.seq()));
                    } else if ("done".equals(l.op())) {
                        done.set(bit(l.seq()));
                        waiting--;
                    }
                }
            }
        }
    }

    /**
     * Adds a file. It is resident when nothing is spilled and the budget allows; otherwise it is
     * spilled, and the caller reports it (its fileinfo with an interim verdict) and calls
     * {@link #reported}.
     */
    synchronized Added add(long tsNanos, EventHeader header, HttpInfo http, boolean toServer, FileInfo info, String stored,
            boolean reportedNow, Retro retro) throws IOException {
        Entry e = new Entry(nextSeq++, tsNanos, header, http, toServer, info, stored, reportedNow, retro);
        byte[] line = ScanJson.addLine(e);
        long at = size;
        append(line);
        waiting++;
        fileBytes += info.size();
        if (reportedNow) {
            reported.set(bit(e.seq()));
        }
        long heap = heap(line);
        if (spilled == 0 && fits(heap)) {
            residentHeap.put(e.seq(), heap);
            residentBytes += heap;
            loadSeq = e.seq() + 1;
            cursor = size;
            return new Added(e, true);
        }
        if (spilled == 0) {
            cursor = at;
        }
        spilled++;
        spilledTotal++;
        return new Added(e, false);
    }

    /**
     * Reads spilled entries back, oldest first, while the budget allows; they are resident from now
     * on. Returns them (empty when nothing is spilled or there is no room).
     */
    synchronized List<Entry> load() throws IOException {
        List<Entry> loaded = new ArrayList<>();
        if (spilled == 0) {
            return loaded;
        }
        try (JournalReader r = new JournalReader(path, cursor)) {
            byte[] line;
            long at = r.position();
            while ((line = r.next()) != null) {
                ScanJson.Line l = parse(line);
                if (isAdd(l) && l.seq() >= loadSeq && l.seq() < nextSeq) {
                    if (done.get(bit(l.seq()))) {
                        loadSeq = l.seq() + 1;
                    } else {
                        long heap = heap(line);
                        if (!fits(heap) && !residentHeap.isEmpty()) {
                            cursor = at;
                            return loaded;
                        }
                        Entry e = reported.get(bit(l.seq())) && !l.entry().reported() ? l.entry().withReported() : l.entry();
                        residentHeap.put(e.seq(), heap);
                        residentBytes += heap;
                        loadSeq = e.seq() + 1;
                        spilled--;
                        loaded.add(e);
                    }
                }
                at = r.position();
            }
            cursor = at;
            spilled = 0; // every line was read: whatever the count said, nothing is left out
        }
        return loaded;
    }

    /**
     * Calls {@code each} with every spilled entry not yet reported, oldest first (e.g. at start, so
     * that files a crash left waiting get their fileinfo). {@code each} may call {@link #reported}.
     */
    void forEachSpilledUnreported(Consumer<Entry> each) throws IOException {
        long from;
        long until;
        synchronized (this) {
            if (spilled == 0) {
                return;
            }
            from = cursor;
            until = nextSeq;
        }
        try (JournalReader r = new JournalReader(path, from)) {
            byte[] line;
            while ((line = r.next()) != null) {
                ScanJson.Line l = parse(line);
                if (!isAdd(l) || l.seq() >= until) {
                    continue;
                }
                boolean want;
                synchronized (this) {
                    want = l.seq() >= loadSeq && !done.get(bit(l.seq())) && !reported.get(bit(l.seq()));
                }
                if (want) {
                    each.accept(l.entry());
                }
            }
        }
    }

    /** Records that an entry's fileinfo event was written with an interim verdict; returns it so marked. */
    synchronized Entry reported(Entry e) throws IOException {
        if (e.seq() >= base && e.seq() < nextSeq && !done.get(bit(e.seq())) && !reported.get(bit(e.seq()))) {
            reported.set(bit(e.seq()));
            append(ScanJson.markLine("reported", e.seq()));
        }
        return e.withReported();
    }

    /** Records that an entry got its final verdict (or was given up); its memory is free again. */
    synchronized void done(Entry e) throws IOException {
        if (e.seq() < base || e.seq() >= nextSeq || done.get(bit(e.seq()))) {
            return;
        }
        done.set(bit(e.seq()));
        waiting--;
        fileBytes -= e.info().size();
        Long heap = residentHeap.remove(e.seq());
        if (heap != null) {
            residentBytes -= heap;
        } else if (e.seq() >= loadSeq) {
            spilled--;
        }
        append(ScanJson.markLine("done", e.seq()));
        if (++finished >= COMPACT_AFTER) {
            rewrite();
        }
    }

    /** Returns the number of files waiting, resident or spilled. */
    synchronized long size() {
        return waiting;
    }

    /** Returns the bytes of the files waiting, resident or spilled. */
    synchronized long fileBytes() {
        return fileBytes;
    }

    /** Returns the files waiting only in the journal now. */
    synchronized long spilled() {
        return spilled;
    }

    /** Returns the files that were ever spilled (a counter). */
    synchronized long spilledTotal() {
        return spilledTotal;
    }

    /** Returns the resident entries. */
    synchronized long residentEntries() {
        return residentHeap.size();
    }

    /** Returns the estimated heap of the resident entries. */
    synchronized long residentBytes() {
        return residentBytes;
    }

    /** Tells whether less than half the budget is used while entries are spilled: time to {@link #load}. */
    synchronized boolean wantsLoad() {
        return spilled > 0 && residentHeap.size() * 2L <= maxEntries && residentBytes * 2 <= maxBytes;
    }

    @Override
    public synchronized void close() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }

    private boolean fits(long heap) {
        return residentHeap.size() < maxEntries && residentBytes + heap <= maxBytes;
    }

    private int bit(long seq) {
        return Math.toIntExact(seq - base);
    }

    private static long heap(byte[] line) {
        return (long) HEAP_PER_BYTE * line.length + HEAP_OVERHEAD;
    }

    /** Tells whether {@code l} is a well-formed {@code add} line. */
    private static boolean isAdd(ScanJson.Line l) {
        return l != null && "add".equals(l.op()) && l.entry() != null && l.entry().info() != null && l.entry().stored() != null
                && l.entry().seq() == l.seq();
    }

    private static ScanJson.Line parse(byte[] line) {
        return ScanJson.parseLine(line);
    }

    /** Appends one line; when the write fails (a full disk) the journal is as it was before, the line not in it. */
    private void append(byte[] line) throws IOException {
        byte[] whole = java.util.Arrays.copyOf(line, line.length + 1);
        whole[line.length] = '\n';
        out.write(whole); // one record: never part of a line (AppendFile)
        out.flush();
        size += whole.length;
    }

    /**
     * Writes a fresh journal with only the waiting entries (their lines as they were, a
     * {@code reported} line after those reported since) and switches to it.
     */
    private void rewrite() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
        Path tmp = path.resolveSibling(path.getFileName() + ".new");
        long newBase = nextSeq;
        long newCursor = -1;
        long written = 0;
        long bytesWaiting = 0;
        try (OutputStream w = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            if (Files.exists(path)) {
                try (JournalReader r = new JournalReader(path, 0)) {
                    byte[] line;
                    long last = base - 1;
                    while ((line = r.next()) != null) {
                        ScanJson.Line l = parse(line);
                        if (!isAdd(l) || l.seq() <= last || l.seq() < base
                                || l.seq() >= nextSeq || done.get(bit(l.seq()))) {
                            continue;
                        }
                        last = l.seq();
                        newBase = Math.min(newBase, l.seq());
                        bytesWaiting += l.entry().info().size();
                        if (l.seq() >= loadSeq && newCursor < 0) {
                            newCursor = written;
                        }
                        w.write(line);
                        w.write('\n');
                        written += line.length + 1L;
                        if (reported.get(bit(l.seq())) && !l.entry().reported()) {
                            byte[] rep = ScanJson.markLine("reported", l.seq());
                            w.write(rep);
                            w.write('\n');
                            written += rep.length + 1L;
                        }
                    }
                }
            }
        }
        Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        done = done.get(bit(newBase), Math.max(bit(newBase), bit(nextSeq)));
        reported = reported.get(bit(newBase), Math.max(bit(newBase), bit(nextSeq)));
        base = newBase;
        fileBytes = bytesWaiting;
        cursor = newCursor >= 0 ? newCursor : written;
        size = written;
        // Whole lines only: the JDK's buffered stream wrote a line a full disk had cut again whole at
        // the next flush, leaving a torn copy that a restart skipped with its file.
        out = io.spanwatch.sensor.event.AppendFile.open(path, 1 << 16);
        finished = 0;
    }

    /** Reads the journal's lines as bytes from a position, knowing the position of the next line. */
    private static final class JournalReader implements AutoCloseable {
        private final FileChannel ch;
        private final java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16);
        private long pos;

        JournalReader(Path path, long from) throws IOException {
            this.ch = FileChannel.open(path, StandardOpenOption.READ);
            this.pos = from;
            ch.position(from);
            buf.flip();
        }

        /** Returns the position of the next line. */
        long position() {
            return pos;
        }

        /** Returns the next whole line (without its LF), or null at the end (a last line without LF is dropped). */
        byte[] next() throws IOException {
            java.io.ByteArrayOutputStream acc = null;
            while (true) {
                if (!buf.hasRemaining()) {
                    buf.clear();
                    int n = ch.read(buf);
                    buf.flip();
                    if (n <= 0) {
                        return null;
                    }
                }
                int start = buf.position();
                int lim = buf.limit();
                for (int i = start; i < lim; i++) {
                    if (buf.get(i) == '\n') {
                        int len = i - start;
                        byte[] line;
                        if (acc == null) {
                            line = new byte[len];
                            buf.get(line);
                        } else {
                            byte[] tail = new byte[len];
                            buf.get(tail);
                            acc.write(tail);
                            line = acc.toByteArray();
                        }
                        buf.get(); // the LF
                        pos += line.length + 1L;
                        return line;
                    }
                }
                if (acc == null) {
                    acc = new java.io.ByteArrayOutputStream();
                }
                byte[] rest = new byte[lim - start];
                buf.get(rest);
                acc.write(rest);
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
