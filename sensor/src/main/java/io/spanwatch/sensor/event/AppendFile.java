package io.spanwatch.sensor.event;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Appends records to a file and never leaves part of one in it. Each {@code write} call is one
 * record (an EVE line with its line end, a journal record); records are kept in a buffer and written
 * when it is full (before the record that does not fit) or on {@link #flush}. When writing fails
 * part-way (a full disk, a quota, an I/O error) the file is cut back to the size it had before, the
 * buffered records are dropped and counted ({@link #droppedRecords}), and the failure is thrown; the
 * next write starts clean, so once there is room again the file goes on with whole records.
 *
 * <p>Why not {@link java.io.BufferedOutputStream}: when its flush fails after the kernel took part of
 * the buffer, it keeps the whole buffer and writes it again at the next flush. On a disk that filled
 * up and then had room again, that left a torn line followed by a second copy of it in the middle of
 * {@code eve.json}, and a damaged record that made the journals' readers skip the rest of the file
 * (review of 2026-12-04, a sensor writing to a small file system).
 *
 * <p>The file is opened for appending ({@code O_APPEND}), so a {@code copytruncate} rotation or
 * another appender does not make it sparse; {@link FileOutputStream}, whose writes an interrupt of
 * the writing thread does not abort. Not thread-safe: callers serialise.
 */
public final class AppendFile extends OutputStream {
    private final Path path;
    private final FileOutputStream out;
    private final FileChannel channel;
    private final byte[] buf;
    private int len;
    /** Records in {@link #buf}. */
    private int pending;
    private long written;
    private long dropped;

    private AppendFile(Path path, FileOutputStream out, int capacity) {
        this.path = path;
        this.out = out;
        this.channel = out.getChannel();
        this.buf = new byte[capacity];
    }

    /** Opens {@code file} for appending (created if missing) with a buffer of {@code capacity} bytes. */
    public static AppendFile open(Path file, int capacity) throws IOException {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        return new AppendFile(file, new FileOutputStream(file.toFile(), true), capacity);
    }

    /**
     * Ends the file with {@code terminator} if it is not empty and does not end with it already (a
     * record cut short by a crash, or by an earlier version on a full disk), so the next record starts
     * on its own. Returns whether it had to.
     */
    public boolean endWith(byte terminator) throws IOException {
        long n = size();
        if (n == 0) {
            return false;
        }
        int last;
        try (RandomAccessFile r = new RandomAccessFile(path.toFile(), "r")) {
            r.seek(n - 1);
            last = r.read();
        }
        if (last == (terminator & 0xFF)) {
            return false;
        }
        writeOut(new byte[] {terminator}, 0, 1, 0);
        return true;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /** Takes one record; writes what is buffered first if the record does not fit beside it. */
    @Override
    public void write(byte[] b, int off, int n) throws IOException {
        java.util.Objects.checkFromIndexSize(off, n, b.length);
        if (n > buf.length - len) {
            try {
                flush();
            } catch (IOException e) {
                dropped++; // this record is not kept either: the caller is told through the exception
                throw e;
            }
        }
        if (n > buf.length) {
            writeOut(b, off, n, 1);
            return;
        }
        System.arraycopy(b, off, buf, len, n);
        len += n;
        pending++;
    }

    /** Writes the buffered records; on failure they are dropped and the file is as before the call. */
    @Override
    public void flush() throws IOException {
        if (len == 0) {
            return;
        }
        int records = pending;
        int n = len;
        len = 0;
        pending = 0;
        writeOut(buf, 0, n, records);
    }

    private void writeOut(byte[] b, int off, int n, int records) throws IOException {
        long before = size();
        try {
            out.write(b, off, n);
            written += records;
        } catch (IOException e) {
            dropped += records;
            try {
                if (size() > before) {
                    truncate(before);
                }
            } catch (IOException e2) {
                e.addSuppressed(e2);
            }
            throw e;
        }
    }

    /**
     * The open file's size. A {@link FileChannel}'s calls are interruptible: an interrupt pending on
     * the calling thread (a stage told to stop while it writes its last record) made the call close
     * the channel, and with it the stream's descriptor, so the record was lost and the file closed
     * for good ({@code ScanRestartIT} saw a file scanned twice after a restart, its "done" mark never
     * written). So the interrupt is set aside for the call and put back after it. The open file is
     * measured, not the path: after a rotation renamed it, writes still go to it until reopened.
     */
    private long size() throws IOException {
        return uninterrupted(channel::size);
    }

    /** Cuts the open file back to {@code length}, an interrupt set aside as for {@link #size}. */
    private void truncate(long length) throws IOException {
        uninterrupted(() -> channel.truncate(length));
    }

    /** A channel call that must not see the calling thread's pending interrupt. */
    private interface ChannelCall<T> {
        T call() throws IOException;
    }

    private static <T> T uninterrupted(ChannelCall<T> call) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            return call.call();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Records written to the file. */
    public long writtenRecords() {
        return written;
    }

    /** Records dropped because writing them failed (each failure was also thrown to the caller). */
    public long droppedRecords() {
        return dropped;
    }

    /** The file this appends to. */
    public Path path() {
        return path;
    }

    /** Writes what is buffered (a failure is thrown, the records dropped) and closes the file. */
    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            out.close();
        }
    }
}
