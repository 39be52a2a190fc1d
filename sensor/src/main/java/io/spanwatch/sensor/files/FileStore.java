package io.spanwatch.sensor.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stores extracted files once each under {@code files/<sha256>}. A file is spooled while it streams
 * (in memory up to {@link FileConfig#spoolMemoryBytes} a file and {@link FileConfig#spoolMemoryTotalBytes}
 * in all, then in {@code files/.tmp/}, up to {@link FileConfig#spoolDiskBytes} for all files together)
 * and moved to its final name when its hash is known; a content already stored is not written twice.
 *
 * <p>Thread-safe: workers spool and commit concurrently. Each {@link Spool} belongs to one thread.
 */
public final class FileStore {
    private final FileConfig config;
    private final Path filesDir;
    private final Path tmpDir;
    private final AtomicLong tmpSeq = new AtomicLong();
    private final AtomicLong memoryInUse = new AtomicLong();
    private final AtomicLong memoryPeak = new AtomicLong();
    private final AtomicLong diskInUse = new AtomicLong();
    private final AtomicLong diskPeak = new AtomicLong();

    /** Files written under their hash. */
    public final AtomicLong stored = new AtomicLong();
    /** Files whose content was already stored. */
    public final AtomicLong duplicates = new AtomicLong();
    /** Bytes written under {@code files/}. */
    public final AtomicLong storedBytes = new AtomicLong();
    /** Files being extracted now (open sinks). */
    public final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    /** Entities not extracted because {@link FileConfig#maxOpenFiles} were open. */
    public final AtomicLong openLimitSkipped = new AtomicLong();
    /** Files not stored because of an I/O error. */
    public final AtomicLong errors = new AtomicLong();
    /** Files not stored because the spool on disk was full ({@link FileConfig#spoolDiskBytes}). */
    public final AtomicLong spoolDiskLimitHits = new AtomicLong();

    private FileStore(FileConfig config) {
        this.config = config;
        this.filesDir = config.outDir().resolve("files");
        this.tmpDir = filesDir.resolve(".tmp");
    }

    /** Creates the store's folders and clears temporary files left by an earlier run. */
    public static FileStore open(FileConfig config) throws IOException {
        FileStore s = new FileStore(config);
        Files.createDirectories(s.tmpDir);
        try (DirectoryStream<Path> old = Files.newDirectoryStream(s.tmpDir)) {
            for (Path p : old) {
                Files.deleteIfExists(p);
            }
        }
        return s;
    }

    /**
     * Reserves room for one more file being extracted; false when {@link FileConfig#maxOpenFiles} are
     * open (counted). Whoever gets true calls {@link #fileClosed()} when the file ends.
     */
    public boolean tryOpenFile() {
        if (open.incrementAndGet() > config.maxOpenFiles()) {
            open.decrementAndGet();
            openLimitSkipped.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Gives back the room {@link #tryOpenFile()} reserved. */
    public void fileClosed() {
        open.decrementAndGet();
    }

    public FileConfig config() {
        return config;
    }

    /** Returns the folder holding stored files. */
    public Path filesDir() {
        return filesDir;
    }

    /** Starts a spool for one file; the caller owns it and ends it with {@link #commit} or {@link Spool#discard}. */
    public Spool newSpool() {
        return new Spool(-1);
    }

    /** Starts a spool for a file expected to be {@code sizeHint} bytes long (-1: unknown). */
    public Spool newSpool(long sizeHint) {
        return new Spool(sizeHint);
    }

    /**
     * Moves a finished spool to {@code files/<sha256>} unless that content is stored already; takes
     * ownership of the spool. Returns whether the content is now stored.
     */
    public boolean commit(Spool spool, String sha256) {
        Path target = filesDir.resolve(sha256);
        try {
            if (Files.exists(target)) {
                duplicates.incrementAndGet();
                spool.discard();
                return true;
            }
            Path tmp = spool.finishToFile();
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            spool.releaseDisk();
            stored.incrementAndGet();
            storedBytes.addAndGet(spool.size);
            return true;
        } catch (IOException | UncheckedIOException e) {
            errors.incrementAndGet();
            spool.discard();
            return false;
        }
    }

    /** Returns the bytes all spools hold in memory now. */
    public long memoryInUse() {
        return memoryInUse.get();
    }

    /** Returns the most bytes all spools held in memory at once. */
    public long memoryPeak() {
        return memoryPeak.get();
    }

    /** Returns the bytes all spools hold on disk now. */
    public long diskInUse() {
        return diskInUse.get();
    }

    /** Returns the most bytes all spools held on disk at once. */
    public long diskPeak() {
        return diskPeak.get();
    }

    private boolean reserveDisk(long n) {
        return reserve(diskInUse, diskPeak, config.spoolDiskBytes(), n);
    }

    /**
     * Takes {@code n} bytes of room under {@code files/.tmp/} for a temporary file that is not a spool
     * (a range file being assembled); false, counted in {@link #spoolDiskLimitHits}, when
     * {@link FileConfig#spoolDiskBytes} would be passed. Whoever gets true gives them back with
     * {@link #releaseTemporaryDisk}.
     */
    public boolean reserveTemporaryDisk(long n) {
        if (reserveDisk(n)) {
            return true;
        }
        spoolDiskLimitHits.incrementAndGet();
        return false;
    }

    /** Gives back room taken with {@link #reserveTemporaryDisk}. */
    public void releaseTemporaryDisk(long n) {
        diskInUse.addAndGet(-n);
    }

    /**
     * Takes {@code n} bytes from the memory budget shared by all files being extracted
     * ({@link FileConfig#spoolMemoryTotalBytes}); false when there is no room. Whoever gets true gives
     * them back with {@link #releaseMemory}.
     */
    public boolean reserveMemory(long n) {
        return reserve(n);
    }

    /** Gives back bytes taken with {@link #reserveMemory}. */
    public void releaseMemory(long n) {
        memoryInUse.addAndGet(-n);
    }

    private boolean reserve(long n) {
        return reserve(memoryInUse, memoryPeak, config.spoolMemoryTotalBytes(), n);
    }

    /** Adds {@code n} to {@code use} unless that would pass {@code cap}; keeps {@code peak}. */
    private static boolean reserve(AtomicLong use, AtomicLong peak, long cap, long n) {
        long now = use.addAndGet(n);
        if (now > cap) {
            use.addAndGet(-n);
            return false;
        }
        peak.accumulateAndGet(now, Math::max);
        return true;
    }

    /**
     * Collects one file's bytes in memory, then in a temporary file. A spool stays in memory while
     * the file is at most {@link FileConfig#spoolMemoryBytes} and all spools together stay within
     * {@link FileConfig#spoolMemoryTotalBytes}; otherwise it goes to disk, where each write goes
     * straight to the file (callers write in blocks). Used by one thread.
     */
    public final class Spool {
        private byte[] mem;
        private long size;
        private FileChannel channel;
        private Path path;
        private boolean failed;
        /** Whether the spool gave up because all spools on disk reached {@link FileConfig#spoolDiskBytes}. */
        private boolean overDiskLimit;
        /** Bytes this spool has reserved on disk. */
        private long onDisk;
        private final long sizeHint;

        private Spool(long sizeHint) {
            this.sizeHint = sizeHint;
        }

        /** Returns the bytes written so far. */
        public long size() {
            return size;
        }

        /** Tells whether writing failed (the file cannot be stored). */
        public boolean failed() {
            return failed;
        }

        /** Tells whether the spool gave up because the spool on disk was full (then {@link #failed} too). */
        public boolean overDiskLimit() {
            return overDiskLimit;
        }

        /** Appends bytes. */
        public void write(byte[] b, int off, int len) {
            if (failed || len <= 0) {
                return;
            }
            if (channel == null && size + len <= config.spoolMemoryBytes() && ensure((int) size + len)) {
                System.arraycopy(b, off, mem, (int) size, len);
                size += len;
                return;
            }
            try {
                if (channel == null) {
                    spill(true);
                }
                if (failed || !reserveOnDisk(len)) {
                    return;
                }
                writeFully(ByteBuffer.wrap(b, off, len));
                size += len;
            } catch (IOException e) {
                fail();
            }
        }

        private void writeFully(ByteBuffer bb) throws IOException {
            while (bb.hasRemaining()) {
                channel.write(bb);
            }
        }

        /**
         * Starts another spool holding the bytes written here so far (within the same limits: a copy
         * that finds no room on disk comes back failed); this one goes on unchanged.
         */
        public Spool copy() {
            Spool c = new Spool(size);
            if (failed) {
                c.failed = true;
                return c;
            }
            if (channel == null) {
                c.write(mem == null ? new byte[0] : mem, 0, (int) size);
                return c;
            }
            byte[] buf = new byte[(int) Math.min(size, 64 << 10)];
            try {
                for (long pos = 0; pos < size && !c.failed; ) {
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, (int) Math.min(buf.length, size - pos));
                    while (bb.hasRemaining()) {
                        if (channel.read(bb, pos + bb.position()) < 0) {
                            throw new IOException("spool shorter than written");
                        }
                    }
                    c.write(buf, 0, bb.position());
                    pos += bb.position();
                }
            } catch (IOException e) {
                c.fail();
            }
            return c;
        }

        /** Appends {@code n} zero bytes (a gap of known length). */
        public void writeZeros(long n) {
            byte[] zeros = new byte[(int) Math.min(n, 65536)];
            while (n > 0 && !failed) {
                int k = (int) Math.min(n, zeros.length);
                write(zeros, 0, k);
                n -= k;
            }
        }

        /** Reserves room on disk for {@code n} more bytes; when there is none, gives the spool up (counted). */
        private boolean reserveOnDisk(long n) {
            if (reserveDisk(n)) {
                onDisk += n;
                return true;
            }
            overDiskLimit = true;
            spoolDiskLimitHits.incrementAndGet();
            failed = true;
            discard();
            return false;
        }

        /** Drops the spool and its temporary file. */
        public void discard() {
            freeMemory();
            closeChannel();
            releaseDisk();
            if (path != null) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    errors.incrementAndGet();
                }
                path = null;
            }
        }

        private Path finishToFile() throws IOException {
            if (failed) {
                throw new IOException("spool failed");
            }
            if (channel == null) {
                spill(false); // on its way to its final name at once: not spooled
            }
            closeChannel();
            return path;
        }

        /** Moves what is in memory to a temporary file, counting it against the room on disk if asked. */
        private void spill(boolean reserve) throws IOException {
            if (reserve && size > 0 && !reserveOnDisk(size)) {
                return;
            }
            path = tmpDir.resolve(Thread.currentThread().threadId() + "-" + tmpSeq.incrementAndGet());
            channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    StandardOpenOption.READ);
            if (mem != null && size > 0) {
                writeFully(ByteBuffer.wrap(mem, 0, (int) size));
            }
            freeMemory();
        }

        /** Gives back this spool's room on disk (its file was removed or moved under its final name). */
        private void releaseDisk() {
            if (onDisk > 0) {
                diskInUse.addAndGet(-onDisk);
                onDisk = 0;
            }
        }

        /** Makes room in memory for {@code need} bytes, within the shared budget; false: use the disk. */
        private boolean ensure(int need) {
            int have = mem == null ? 0 : mem.length;
            if (need <= have) {
                return true;
            }
            int want = have == 0 && sizeHint > 0 ? (int) Math.min(sizeHint, config.spoolMemoryBytes())
                    : Math.min(Math.max(need, Math.max(4096, have * 2)), config.spoolMemoryBytes());
            want = Math.max(want, need);
            if (!reserve(want - have)) {
                return false;
            }
            mem = mem == null ? new byte[want] : Arrays.copyOf(mem, want);
            return true;
        }

        private void freeMemory() {
            if (mem != null) {
                memoryInUse.addAndGet(-mem.length);
                mem = null;
            }
        }

        private void fail() {
            failed = true;
            errors.incrementAndGet();
            discard();
        }

        private void closeChannel() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    errors.incrementAndGet();
                }
                channel = null;
            }
        }
    }
}
