package io.spanwatch.analyzer.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Holds a data folder for one process: {@code analyze}, {@code sensor} and {@code scan-queue} write
 * the same {@code eve.json}, scan journal and verdict log, and two of them at once would corrupt the
 * journal and give a file two final verdicts. The lock is the operating system's ({@code fcntl}
 * through {@link FileChannel#tryLock()}) on {@code DIR/.spanwatch.lock}, so it goes away with the
 * process however it ends; the file says who holds it (pid, command, since when) for the error the
 * next one prints. The file itself stays.
 */
final class OutputLock implements AutoCloseable {
    /** The lock file's name inside the data folder. */
    static final String FILE = ".spanwatch.lock";

    /** Says why a folder cannot be used: it is held, or it is not a folder. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private final FileChannel channel;
    private final FileLock lock;

    private OutputLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates {@code dir} if needed and takes its lock for {@code command} (e.g. {@code spanwatch
     * analyze --out DIR a.pcap}).
     *
     * @throws Refused with one line naming the folder and the problem: another process holds it (its
     *     pid and command), or the path is not a folder, or it cannot be created or written
     */
    static OutputLock acquire(Path dir, String command) throws Refused {
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException | NotDirectoryException e) {
            throw new Refused("output folder " + dir + ": " + (Files.isRegularFile(dir) ? "is a file" : "a file is in its path")
                    + ", not a folder (--out names the folder where eve.json and files/ go)");
        } catch (IOException e) {
            throw new Refused("cannot create the output folder " + dir + ": " + CliErrors.what(e));
        }
        Path file = dir.resolve(FILE);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new Refused("cannot write in the output folder " + dir + ": " + CliErrors.what(e));
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very process (another command run in it)
        } catch (IOException e) {
            close(ch);
            throw new Refused("cannot lock the output folder " + dir + ": " + CliErrors.what(e));
        }
        if (lock == null) {
            String holder = holder(ch);
            close(ch);
            throw new Refused(dir + " is in use by another SpanWatch process" + (holder.isEmpty() ? "" : " (" + holder + ")")
                    + ": wait for it to end, or give another --out folder");
        }
        try {
            String text = "pid " + ProcessHandle.current().pid() + ", " + command + ", since " + Instant.now() + "\n";
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
        } catch (IOException e) {
            // The lock holds; only the note for the next process is missing.
        }
        return new OutputLock(ch, lock);
    }

    /**
     * Takes the lock of {@code dir} for the command {@code spec} runs, or prints the one-line reason
     * on {@code err} and returns null.
     */
    static OutputLock acquireOrReport(Path dir, picocli.CommandLine.Model.CommandSpec spec, java.io.PrintWriter err) {
        try {
            return acquire(dir, CliErrors.commandLine(spec));
        } catch (Refused e) {
            err.println("spanwatch: " + e.getMessage());
            return null;
        }
    }

    /** Releases the lock (the file stays). */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // The channel's close below releases it as well.
        }
        close(channel);
    }

    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(4096);
            ch.read(b, 0);
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip().replaceAll("[\\p{Cntrl}]", " ");
        } catch (IOException e) {
            return "";
        }
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // Nothing was written through it that could be lost.
        }
    }
}
