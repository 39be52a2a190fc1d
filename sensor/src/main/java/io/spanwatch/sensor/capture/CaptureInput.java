package io.spanwatch.sensor.capture;

import io.spanwatch.sensor.files.CountingInputStream;
import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Where a capture's bytes come from: a plain file read at offsets, or a stream read once, in order:
 * a compressed file, a named pipe or standard input ({@code -}).
 *
 * <p>Compression is recognised by its magic number, not by the name, as Wireshark does: gzip (one or
 * more members, as {@code gzip} and {@code tcpdump -w - | gzip} write them) through
 * {@link GzipMembers}, and zstd through libzstd (the zstd-jni binding that the Kafka client already
 * ships). A zstd frame needing a window past {@link Decompression#ZSTD_WINDOW_LOG_MAX} (2^27 bytes, 128 MiB: what
 * the {@code zstd} tool decodes without {@code --long}) is refused rather than given that much native
 * memory. Other compressions (xz, bzip2, lz4, zip) are named in the error, so the user knows what to
 * run first. Decompressed bytes go straight into the capture reader's window: a capture that inflates
 * to terabytes is read like one that large; the decompressor's own memory is gzip's 32 KiB window or
 * the zstd frame's window.
 *
 * <p>A stream's total size is unknown ({@link #size()} is -1); its first bytes (the file header, and
 * for pcapng the blocks before the first packet, up to {@link #HEAD_BYTES}) are read at open so the
 * header can be checked before anything runs, and replayed to the reader.
 *
 * <p>Threads: opened on any thread, read on the capture thread; {@link #rawRead()} from any thread.
 */
abstract sealed class CaptureInput implements AutoCloseable permits CaptureInput.Plain, CaptureInput.Stream {
    /** The name a capture on standard input is given on the command line. */
    static final String STDIN = "-";
    /** Most bytes of a stream read at open for the header check (a pcapng section's first blocks). */
    static final int HEAD_BYTES = 64 * 1024;

    final String name;

    CaptureInput(String name) {
        this.name = name;
    }

    /** The file's first bytes, for the header check: all of a plain file, a stream's head. */
    abstract MemorySegment head();

    /** Bytes the capture holds once decompressed, or -1 when not known before the end (a stream). */
    abstract long size();

    /**
     * Reads up to {@code len} bytes at capture offset {@code at} into {@code into}. A stream is read in
     * order: {@code at} is never before the end of the last read, and bytes up to it are skipped.
     *
     * @return the bytes read, or -1 at the end of the capture
     */
    abstract int read(long at, byte[] into, int off, int len) throws IOException;

    /**
     * Moves a stream past the bytes up to capture offset {@code at} (read and dropped); false when it
     * ends first, {@link #position()} then saying where. A file is read at offsets: nothing to do.
     */
    boolean skipTo(long at) throws IOException {
        return true;
    }

    /** Capture offset a stream has reached (its end, once a read returned -1 or a skip fell short). */
    long position() {
        return 0;
    }

    /** Why the stream broke off inside the head read at open, for a header check that failed there; or null. */
    String headProblem() {
        return null;
    }

    /** An exception's message, or what its kind says when it has none (the JDK's bare {@code EOFException}). */
    static String reason(Throwable e) {
        if (e.getMessage() != null && !e.getMessage().isBlank()) {
            return e.getMessage();
        }
        return e instanceof java.io.EOFException ? "the data ends early" : e.getClass().getSimpleName();
    }

    /** Bytes of the file on disk consumed so far (compressed bytes for a compressed file). */
    abstract long rawRead();

    /** The size of the file on disk, or -1 for a pipe or standard input. */
    abstract long rawSize();

    /** The compression undone ("gzip", "zstd"), or null. */
    String compression() {
        return null;
    }

    @Override
    public abstract void close();

    /** Tells whether {@code path} is read as it comes, once: standard input, a named pipe, a device. */
    static boolean isStream(Path path) {
        return path.toString().equals(STDIN) || Files.exists(path) && !Files.isRegularFile(path) && !Files.isDirectory(path);
    }

    /**
     * Opens {@code path} ({@code -}: standard input).
     *
     * @throws CaptureException naming the file and the problem
     */
    static CaptureInput open(Path path, int windowBytes) throws CaptureException {
        String name = path.toString();
        if (name.equals(STDIN)) {
            return Stream.open("standard input", new FileInputStream(FileDescriptor.in), -1);
        }
        if (!Files.exists(path)) {
            throw new CaptureException(name + ": no such file");
        }
        if (Files.isDirectory(path)) {
            throw new CaptureException(name + ": is a directory, not a capture file");
        }
        if (!Files.isReadable(path)) {
            throw new CaptureException(name + ": not readable (permission denied)");
        }
        try {
            if (!Files.isRegularFile(path)) { // a named pipe, /dev/stdin, a process substitution
                return Stream.open(name, new FileInputStream(path.toFile()), -1);
            }
            long len = Files.size(path);
            if (len == 0) {
                throw new CaptureException(name + ": empty file (0 bytes)");
            }
            byte[] magic = new byte[4];
            int m;
            try (InputStream in = Files.newInputStream(path)) {
                m = in.readNBytes(magic, 0, 4);
            }
            if (Decompression.Compression.of(magic, m) != null) {
                return Stream.open(name, new FileInputStream(path.toFile()), len);
            }
            return Plain.openFile(path, windowBytes);
        } catch (NoSuchFileException e) {
            throw new CaptureException(name + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new CaptureException(name + ": not readable (permission denied)", e);
        } catch (IOException e) {
            throw new CaptureException(name + ": cannot read: " + reason(e), e);
        }
    }

    /** A plain regular file: the headers through a read-only mapping, the windows by {@code pread}. */
    static final class Plain extends CaptureInput {
        private final Arena arena;
        private final java.io.RandomAccessFile reader;
        /** Reads the windows ({@code pread}); null where native reads are not available. */
        private final PositionalReader preader;
        private final MemorySegment file;
        private volatile long rawRead;

        private Plain(String name, Arena arena, java.io.RandomAccessFile reader, PositionalReader preader, MemorySegment file) {
            super(name);
            this.arena = arena;
            this.reader = reader;
            this.preader = preader;
            this.file = file;
        }

        static Plain openFile(Path path, int windowBytes) throws IOException {
            java.io.RandomAccessFile raf = null;
            Arena arena = null;
            PositionalReader preader = null;
            try {
                raf = new java.io.RandomAccessFile(path.toFile(), "r");
                FileChannel ch = raf.getChannel();
                arena = Arena.ofShared();
                MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
                preader = PositionalReader.open(path, windowBytes, arena);
                return new Plain(path.toString(), arena, raf, preader, seg);
            } catch (IOException | RuntimeException e) {
                closeQuietly(arena, raf, preader);
                throw e;
            }
        }

        @Override
        MemorySegment head() {
            return file;
        }

        @Override
        long size() {
            return file.byteSize();
        }

        @Override
        int read(long at, byte[] into, int off, int len) throws IOException {
            // pread or RandomAccessFile's reads, not the channel's: an interrupt of the reading thread
            // must not close the file.
            int r;
            if (preader != null) {
                r = preader.read(at, into, off, len);
                r = r == 0 && len > 0 ? -1 : r; // pread's end of file
            } else {
                reader.seek(at);
                r = reader.read(into, off, len);
            }
            if (r > 0) {
                rawRead = at + r;
            }
            return r;
        }

        @Override
        long rawRead() {
            return rawRead;
        }

        @Override
        long rawSize() {
            return file.byteSize();
        }

        @Override
        public void close() {
            closeQuietly(arena, reader, preader);
        }

        private static void closeQuietly(Arena arena, java.io.RandomAccessFile raf, PositionalReader preader) {
            if (preader != null) {
                preader.close(); // before the arena that holds its buffer
            }
            if (arena != null && arena.scope().isAlive()) {
                arena.close();
            }
            if (raf != null) {
                try {
                    raf.close();
                } catch (IOException ignored) {
                    // already failing or done; nothing to report
                }
            }
        }
    }

    /** A capture read once, in order: a compressed file, a pipe, standard input. */
    static final class Stream extends CaptureInput {
        private final CountingInputStream raw;
        private final InputStream in;
        private final Decompression.Compression compression;
        private final long rawSize;
        private final byte[] head;
        private final int headLen;
        /** Why the stream broke off inside the head, or null: raised when the reader gets past the head. */
        private IOException headError;
        /** Capture offset of the next byte {@link #in} gives (past the head once it is replayed). */
        private long position;
        private byte[] scratch;

        private Stream(String name, CountingInputStream raw, InputStream in, Decompression.Compression compression, long rawSize,
                byte[] head, int headLen, IOException headError) {
            super(name);
            this.raw = raw;
            this.in = in;
            this.compression = compression;
            this.rawSize = rawSize;
            this.head = head;
            this.headLen = headLen;
            this.headError = headError;
            this.position = headLen;
        }

        /** Opens a stream over {@code source}, undoing its compression, and reads its head. */
        static Stream open(String name, InputStream source, long rawSize) throws CaptureException {
            CountingInputStream raw = new CountingInputStream(source);
            InputStream in = null;
            Decompression.Compression c = null;
            try {
                BufferedInputStream peek = new BufferedInputStream(raw, 64 * 1024);
                peek.mark(1);
                int first = peek.read();
                peek.reset();
                if (first < 0) {
                    throw new CaptureException(name + ": empty " + (rawSize < 0 ? "input" : "file") + " (0 bytes)");
                }
                c = Decompression.detect(peek);
                if (c != null && !c.readable) {
                    throw new CaptureException(name + ": " + c.label + "-compressed; SpanWatch reads pcap and pcapng, plain, gzip- or "
                            + "zstd-compressed: decompress it first");
                }
                in = c == null ? peek : Decompression.open(c, peek);
                byte[] head = new byte[HEAD_BYTES];
                int[] n = {0};
                IOException broke = null;
                try {
                    readHead(in, head, n);
                } catch (IOException e) {
                    if (n[0] == 0) {
                        throw e; // nothing at all to read
                    }
                    broke = e; // damage or a cut inside the head: what came before it is read, then the warning
                }
                if (n[0] == 0) {
                    throw new CaptureException(name + ": empty after " + c.label + " decompression (0 bytes)");
                }
                return new Stream(name, raw, in, c, rawSize, head, n[0], broke);
            } catch (CaptureException e) {
                closeQuietly(in != null ? in : raw);
                throw e;
            } catch (IOException | RuntimeException | LinkageError e) {
                closeQuietly(in != null ? in : raw);
                throw new CaptureException(name + ": cannot read" + (c != null ? " its " + c.label + " data" : "") + ": " + reason(e), e);
            }
        }

        /**
         * Reads the head: a classic pcap's 24-byte header, or, for anything else, up to
         * {@link #HEAD_BYTES} (a pcapng section's blocks before its first packet; a slow pipe is
         * waited for until that much came or it ended).
         */
        private static void readHead(InputStream in, byte[] head, int[] n) throws IOException {
            readUpTo(in, head, n, 4);
            if (n[0] < 4) {
                return;
            }
            int magic = (head[0] & 0xff) << 24 | (head[1] & 0xff) << 16 | (head[2] & 0xff) << 8 | head[3] & 0xff;
            boolean classic = CaptureFile.isClassicMagic(magic) || CaptureFile.isClassicMagic(Integer.reverseBytes(magic));
            readUpTo(in, head, n, classic ? CaptureFile.PCAP_HEADER_LEN : head.length);
        }

        /** Reads into {@code b} until {@code n[0]} reaches {@code want} or the stream ends; {@code n[0]} counts as it goes. */
        private static void readUpTo(InputStream in, byte[] b, int[] n, int want) throws IOException {
            while (n[0] < want) {
                int r = in.read(b, n[0], want - n[0]);
                if (r < 0) {
                    return;
                }
                n[0] += r;
            }
        }

        @Override
        String headProblem() {
            return headError == null ? null : compressionLabel() + " data breaks off after " + headLen + " bytes: " + reason(headError);
        }

        private String compressionLabel() {
            return compression == null ? "the stream's" : "its " + compression.label;
        }

        @Override
        MemorySegment head() {
            return MemorySegment.ofArray(head).asSlice(0, headLen);
        }

        @Override
        long size() {
            return -1;
        }

        @Override
        String compression() {
            return compression == null ? null : compression.label;
        }

        @Override
        int read(long at, byte[] into, int off, int len) throws IOException {
            if (at < headLen) {
                int n = (int) Math.min(len, headLen - at);
                System.arraycopy(head, (int) at, into, off, n);
                return n;
            }
            if (headError != null) {
                IOException e = headError;
                headError = null;
                throw new IOException(compressionLabel() + " data breaks off: " + reason(e), e);
            }
            if (at < position) {
                throw new IOException("capture stream read backwards (offset " + at + ", at " + position + ")");
            }
            if (at > position && !skipTo(at)) {
                return -1;
            }
            int r = in.read(into, off, len);
            if (r > 0) {
                position += r;
            }
            return r;
        }

        @Override
        boolean skipTo(long at) throws IOException {
            if (at > headLen && headError != null) {
                read(headLen, new byte[1], 0, 1); // raises it
            }
            if (scratch == null) {
                scratch = new byte[64 * 1024];
            }
            while (position < at) {
                int r = in.read(scratch, 0, (int) Math.min(scratch.length, at - position));
                if (r < 0) {
                    return false;
                }
                position += r;
            }
            return true;
        }

        @Override
        long position() {
            return position;
        }

        @Override
        long rawRead() {
            return raw.count();
        }

        @Override
        long rawSize() {
            return rawSize;
        }

        @Override
        public void close() {
            closeQuietly(in);
        }

        private static void closeQuietly(InputStream s) {
            try {
                s.close();
            } catch (IOException ignored) {
                // done with it either way
            }
        }
    }
}
