package io.spanwatch.analyzer.feed;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * Keeps a feed's records on disk until the receiver has them: an append-only log of segment files
 * ({@code <first seq>.seg}) in the feed's folder and an acknowledged position ({@code acked}, the
 * number of the next record to deliver). Records are appended by the bus threads and read,
 * delivered and acknowledged by the feed's one delivery thread.
 *
 * <p><b>Frames.</b> Each record is {@code length (4) | CRC-32C (4) | body}, the body holding the
 * record's number, time, kind, event id, key and payload. Opening an outbox reads every segment: a
 * frame cut short or failing its CRC (a crash in the middle of a write) ends its segment there, and
 * the cut is counted ({@link #recoveredBytes}).
 *
 * <p><b>Durability.</b> An append is one {@code write} to the segment file: once it returns, the
 * record survives the process dying. It reaches the disk itself (survives a power loss) at the next
 * fsync: within {@code fsyncMillis} (the delivery thread forces the segment at that interval while
 * there are appends), or before the append returns when {@code fsyncMillis} is 0. The acknowledged
 * position is written (to a new file, then renamed) at most every {@code fsyncMillis} and at close;
 * after a crash the records acknowledged since then are delivered again, with their event ids, so a
 * receiver can drop them.
 *
 * <p><b>Bound.</b> At most {@code maxBytes} of records waiting (not yet acknowledged); an append
 * that would pass it is refused ({@link Append#FULL}) and the caller counts it. A record larger than
 * {@link #MAX_RECORD_BYTES} is refused too. On disk the outbox holds what waits plus at most one
 * segment of delivered records ({@code segmentBytes}); a segment is deleted once all of it is
 * acknowledged.
 *
 * <p><b>Ownership and threads.</b> {@link #open} takes an exclusive lock on the folder (a second
 * process on the same outbox is refused) and {@link #close} releases it. {@link #append} is
 * thread-safe; {@link #read}, {@link #ack}, {@link #rewind} and {@link #syncIfDue} belong to one
 * delivery thread.
 */
public final class Outbox implements Closeable {
    /** Bytes of records waiting, per feed, by default. */
    public static final long DEFAULT_MAX_BYTES = 256L << 20;
    /** Size at which a segment file is closed and a new one started. */
    public static final int DEFAULT_SEGMENT_BYTES = 16 << 20;
    /** Largest record body accepted. */
    public static final int MAX_RECORD_BYTES = 4 << 20;
    /** Longest time an appended record may wait for an fsync, by default. */
    public static final long DEFAULT_FSYNC_MILLIS = 1000;

    private static final int HEADER = 8;
    private static final String SUFFIX = ".seg";

    /** What an append did. */
    public enum Append { OK, FULL, TOO_LARGE, ERROR }

    /**
     * Sets an outbox's limits.
     *
     * @param maxBytes bytes of records waiting at most
     * @param segmentBytes size at which a new segment starts
     * @param fsyncMillis longest wait for an fsync of appended records; 0 forces each append
     */
    public record Options(long maxBytes, int segmentBytes, long fsyncMillis) {
        public static final Options DEFAULTS = new Options(DEFAULT_MAX_BYTES, DEFAULT_SEGMENT_BYTES, DEFAULT_FSYNC_MILLIS);

        public Options {
            if (maxBytes < 1 || segmentBytes < 1024 || fsyncMillis < 0) {
                throw new IllegalArgumentException("bad outbox options " + maxBytes + "/" + segmentBytes + "/" + fsyncMillis);
            }
        }
    }

    /** One segment file: records from {@code base} on. */
    private static final class Segment {
        final long base;
        final Path path;
        /** Bytes of whole records in the file; readers read up to here. */
        volatile long committed;
        /** Number of the record after the last one in the file. */
        long end;

        Segment(long base, Path path) {
            this.base = base;
            this.path = path;
            this.end = base;
        }
    }

    private final Path dir;
    private final Options options;
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** Segments, oldest first; the last one takes appends. Guarded by this. */
    private final List<Segment> segments = new ArrayList<>();
    private FileChannel writer;
    /** Channels of segments that were full, still to be forced and closed by the delivery thread. Guarded by this. */
    private final List<FileChannel> retired = new ArrayList<>();
    private long nextSeq;
    private boolean dirty;
    private volatile long pendingBytes;
    private volatile long pendingRecords;
    private volatile long acked;
    private long recoveredBytes;

    // Delivery thread only.
    private long lastSyncNanos = System.nanoTime();
    private long ackWritten;
    private Segment readSegment;
    private FileChannel readChannel;
    private long readPos;
    private final ArrayDeque<long[]> unacked = new ArrayDeque<>(); // {seq, frame bytes}
    private final CRC32C readCrc = new CRC32C();

    private Outbox(Path dir, Options options, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.options = options;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Opens (or creates) the outbox in {@code dir}, recovering what an earlier run left. Fails when
     * another process has it open.
     */
    public static Outbox open(Path dir, Options options) throws IOException {
        Files.createDirectories(dir);
        FileChannel lc = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = lc.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            l = null; // this process holds it already
        } catch (IOException | RuntimeException e) {
            lc.close();
            throw e;
        }
        if (l == null) {
            lc.close();
            throw new IOException("outbox " + dir + " is in use by another SpanWatch process");
        }
        Outbox o = new Outbox(dir, options, lc, l);
        try {
            o.recover();
        } catch (IOException | RuntimeException e) {
            o.close();
            throw e;
        }
        return o;
    }

    private void recover() throws IOException {
        Path ackFile = dir.resolve("acked");
        if (Files.exists(ackFile)) {
            String t = Files.readString(ackFile, StandardCharsets.US_ASCII).strip();
            try {
                acked = Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new IOException(ackFile + ": not a record number: " + t);
            }
        }
        ackWritten = acked;
        List<Long> bases = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                try {
                    bases.add(Long.parseLong(n.substring(0, n.length() - SUFFIX.length())));
                } catch (NumberFormatException e) {
                    // not one of ours
                }
            }
        }
        bases.sort(null);
        long next = acked;
        for (long base : bases) {
            Segment s = new Segment(base, segmentPath(base));
            scan(s);
            next = Math.max(next, s.end);
            if (s.end <= acked || s.committed == 0) {
                Files.deleteIfExists(s.path); // delivered, or empty
            } else {
                segments.add(s);
            }
        }
        nextSeq = next;
        startSegment();
        rewind();
    }

    /** Reads a segment's frames, counting what waits, and cuts it at the first broken frame. */
    private void scan(Segment s) throws IOException {
        try (FileChannel ch = FileChannel.open(s.path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long pos = 0;
            ByteBuffer head = ByteBuffer.allocate(HEADER);
            CRC32C crc = new CRC32C();
            while (pos + HEADER <= size) {
                head.clear();
                readFully(ch, head, pos);
                head.flip();
                int len = head.getInt();
                int sum = head.getInt();
                if (len < 0 || len > MAX_RECORD_BYTES + 1024 || pos + HEADER + len > size) {
                    break;
                }
                ByteBuffer body = ByteBuffer.allocate(len);
                readFully(ch, body, pos + HEADER);
                crc.reset();
                crc.update(body.array(), 0, len);
                if ((int) crc.getValue() != sum) {
                    break;
                }
                long seq = ByteBuffer.wrap(body.array()).getLong();
                if (seq < s.end) {
                    break;
                }
                s.end = seq + 1;
                if (seq >= acked) {
                    pendingBytes += HEADER + len;
                    pendingRecords++;
                }
                pos += HEADER + len;
            }
            if (pos < size) {
                recoveredBytes += size - pos;
                ch.truncate(pos);
                ch.force(true);
            }
            s.committed = pos;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                throw new IOException("unexpected end of outbox segment");
            }
            pos += n;
        }
    }

    private Path segmentPath(long base) {
        return dir.resolve(String.format(Locale.ROOT, "%020d%s", base, SUFFIX));
    }

    /** Starts a new segment at {@link #nextSeq} for appends; call holding the lock (or while opening). */
    private void startSegment() throws IOException {
        Segment s = new Segment(nextSeq, segmentPath(nextSeq));
        FileChannel ch = FileChannel.open(s.path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        if (writer != null) {
            retired.add(writer);
        }
        writer = ch;
        segments.add(s);
    }

    /**
     * Appends one record (its {@code seq} is ignored: the outbox numbers it). Thread-safe; the only
     * blocking is one file write (and an fsync when {@code fsyncMillis} is 0).
     */
    public Append append(OutboxRecord r) {
        byte[] kind = r.kind().getBytes(StandardCharsets.UTF_8);
        byte[] id = r.eventId().getBytes(StandardCharsets.UTF_8);
        byte[] key = r.key().getBytes(StandardCharsets.UTF_8);
        long len = 8L + 8 + 2 + kind.length + 2 + id.length + 2 + key.length + 4 + r.payload().length;
        if (len > MAX_RECORD_BYTES || kind.length > 0xFFFF || id.length > 0xFFFF || key.length > 0xFFFF) {
            return Append.TOO_LARGE;
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER + (int) len);
        b.position(HEADER);
        b.putLong(0); // the number, set below under the lock
        b.putLong(r.tsNanos());
        b.putShort((short) kind.length).put(kind);
        b.putShort((short) id.length).put(id);
        b.putShort((short) key.length).put(key);
        b.putInt(r.payload().length).put(r.payload());
        synchronized (this) {
            if (writer == null) {
                return Append.ERROR; // closed
            }
            if (pendingBytes + b.capacity() > options.maxBytes()) {
                return Append.FULL;
            }
            try {
                Segment s = segments.get(segments.size() - 1);
                if (s.committed > 0 && s.committed + b.capacity() > options.segmentBytes()) {
                    startSegment();
                    s = segments.get(segments.size() - 1);
                }
                long seq = nextSeq;
                b.putLong(HEADER, seq);
                CRC32C crc = new CRC32C();
                crc.update(b.array(), HEADER, (int) len);
                b.putInt(0, (int) len);
                b.putInt(4, (int) crc.getValue());
                b.position(0);
                long pos = s.committed;
                while (b.hasRemaining()) {
                    pos += writer.write(b, pos);
                }
                if (options.fsyncMillis() == 0) {
                    writer.force(false);
                } else {
                    dirty = true;
                }
                nextSeq = seq + 1;
                s.end = nextSeq;
                pendingBytes += b.capacity();
                pendingRecords++;
                s.committed = pos;
            } catch (IOException e) {
                // A partial write is cut off by the next open (its CRC fails); later appends overwrite it.
                return Append.ERROR;
            }
        }
        return Append.OK;
    }

    /**
     * Returns up to {@code max} records (and about {@code maxBytes}) after those already read, oldest
     * first; empty when nothing more waits. Delivery thread only.
     */
    public List<OutboxRecord> read(int max, long maxBytes) throws IOException {
        List<OutboxRecord> out = new ArrayList<>();
        long bytes = 0;
        ByteBuffer head = ByteBuffer.allocate(HEADER);
        while (out.size() < max && bytes < maxBytes) {
            if (readSegment == null) {
                return out;
            }
            if (readPos >= readSegment.committed) {
                // A later segment exists only once this one is full: nothing more will be added here.
                Segment next = segmentAfter(readSegment);
                if (next == null) {
                    return out;
                }
                if (readPos < readSegment.committed) {
                    continue; // appended here just before the new segment started
                }
                openReader(next);
                continue;
            }
            head.clear();
            readFully(readChannel, head, readPos);
            head.flip();
            int len = head.getInt();
            int sum = head.getInt();
            ByteBuffer body = ByteBuffer.allocate(len);
            readFully(readChannel, body, readPos + HEADER);
            readCrc.reset();
            readCrc.update(body.array(), 0, len);
            if ((int) readCrc.getValue() != sum) {
                throw new IOException("outbox " + readSegment.path + ": record at " + readPos + " fails its CRC");
            }
            readPos += HEADER + len;
            body.flip();
            long seq = body.getLong();
            long ts = body.getLong();
            String kind = str(body, body.getShort() & 0xFFFF);
            String id = str(body, body.getShort() & 0xFFFF);
            String key = str(body, body.getShort() & 0xFFFF);
            byte[] payload = new byte[body.getInt()];
            body.get(payload);
            if (seq < acked) {
                continue; // delivered before; the segment holds it until all of it is
            }
            unacked.add(new long[] {seq, HEADER + len});
            out.add(new OutboxRecord(seq, ts, kind, id, key, payload));
            bytes += HEADER + len;
        }
        return out;
    }

    private static String str(ByteBuffer b, int n) {
        String s = new String(b.array(), b.position(), n, StandardCharsets.UTF_8);
        b.position(b.position() + n);
        return s;
    }

    private synchronized Segment segmentAfter(Segment s) {
        int i = segments.indexOf(s);
        return i >= 0 && i + 1 < segments.size() ? segments.get(i + 1) : null;
    }

    private void openReader(Segment s) throws IOException {
        if (readChannel != null) {
            readChannel.close();
        }
        readSegment = s;
        readChannel = FileChannel.open(s.path, StandardOpenOption.READ);
        readPos = 0;
    }

    /**
     * Marks every record before {@code nextSeq} as delivered, deletes segments wholly delivered, and
     * writes the position when an fsync is due. Delivery thread only.
     */
    public void ack(long nextSeq) throws IOException {
        long bytes = 0;
        long n = 0;
        while (!unacked.isEmpty() && unacked.peekFirst()[0] < nextSeq) {
            bytes += unacked.pollFirst()[1];
            n++;
        }
        List<Segment> done = new ArrayList<>();
        synchronized (this) {
            pendingBytes -= bytes;
            pendingRecords -= n;
            acked = Math.max(acked, nextSeq);
            while (segments.size() > 1 && segments.get(0).end <= acked && segments.get(0) != readSegment) {
                done.add(segments.remove(0));
            }
        }
        for (Segment s : done) {
            Files.deleteIfExists(s.path);
        }
        if (options.fsyncMillis() == 0) {
            writeAck();
        }
    }

    /** Makes the next {@link #read} start again at the first record not acknowledged. Delivery thread only. */
    public void rewind() throws IOException {
        unacked.clear();
        Segment start;
        synchronized (this) {
            start = segments.get(0);
            for (Segment s : segments) {
                if (s.base <= acked) {
                    start = s;
                }
            }
        }
        openReader(start);
    }

    /** Forces appended records to disk and writes the acknowledged position when {@code fsyncMillis} passed. Delivery thread only. */
    public void syncIfDue() throws IOException {
        if (System.nanoTime() - lastSyncNanos >= options.fsyncMillis() * 1_000_000L) {
            sync();
        }
    }

    private void sync() throws IOException {
        lastSyncNanos = System.nanoTime();
        FileChannel w;
        List<FileChannel> old;
        synchronized (this) {
            w = dirty ? writer : null;
            dirty = false;
            old = new ArrayList<>(retired);
            retired.clear();
        }
        for (FileChannel c : old) {
            c.force(false);
            c.close();
        }
        if (w != null && w.isOpen()) {
            w.force(false);
        }
        writeAck();
    }

    private void writeAck() throws IOException {
        long a = acked;
        if (a == ackWritten) {
            return;
        }
        Path tmp = dir.resolve("acked.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((a + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        try {
            Files.move(tmp, dir.resolve("acked"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve("acked"), StandardCopyOption.REPLACE_EXISTING);
        }
        ackWritten = a;
    }

    /** Returns the records waiting for delivery. */
    public long pendingRecords() {
        return pendingRecords;
    }

    /** Returns the bytes of records waiting for delivery (frames included). */
    public long pendingBytes() {
        return pendingBytes;
    }

    /** Returns the bytes cut off broken frames when the outbox was opened. */
    public long recoveredBytes() {
        return recoveredBytes;
    }

    /** Returns the folder. */
    public Path dir() {
        return dir;
    }

    /** Returns the limits. */
    public Options options() {
        return options;
    }

    /** Forces everything to disk, writes the acknowledged position and releases the folder. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        try {
            if (writer != null) {
                sync();
            }
        } catch (IOException e) {
            first = e;
        }
        synchronized (this) {
            for (FileChannel c : retired) {
                try {
                    c.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
            retired.clear();
            try {
                if (writer != null) {
                    writer.close();
                }
            } catch (IOException e) {
                first = first == null ? e : first;
            }
            writer = null;
        }
        try {
            if (readChannel != null) {
                readChannel.close();
            }
            lock.release();
        } catch (IOException e) {
            first = first == null ? e : first;
        } finally {
            lockChannel.close();
        }
        if (first != null) {
            throw first;
        }
    }
}
