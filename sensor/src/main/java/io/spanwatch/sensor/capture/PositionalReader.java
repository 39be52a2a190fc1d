package io.spanwatch.sensor.capture;

import io.spanwatch.sensor.libc.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Reads a file at given offsets into a heap array with {@code pread(2)}, through one native buffer
 * kept for the reader's life (FFM downcalls to the C library).
 *
 * <p>Why not {@link java.io.RandomAccessFile#read(byte[], int, int)}: for more than 8 KiB the JDK
 * {@code malloc}s a buffer for every call and frees it after. With the capture file's 1 MiB windows
 * glibc sometimes hands each such buffer back to the kernel on free (an {@code mmap}ed chunk, or the
 * top of a thread's arena trimmed), so every later read faulted its 256 pages in again. On the 1 GiB
 * benchmark capture about one {@code analyze} in five did so: 220,000 more page faults and 3-4 s
 * more CPU on the capture thread, which made run times bimodal (measured 2026-12-05 with per-thread
 * fault counts from {@code /proc}; glibc's {@code GLIBC_TUNABLES} mmap and trim thresholds made it
 * vanish, which named the cause). {@link java.nio.channels.FileChannel#read} keeps a buffer per
 * thread, but an interrupt of the reading thread closes the channel, and a capture read must not end
 * that way. A downcall is not interruptible.
 *
 * <p>Linux only (the flags of {@code open}); {@link #open} returns null elsewhere or when native
 * access is denied, and the caller falls back to {@code RandomAccessFile}. One thread reads at a time.
 */
final class PositionalReader implements AutoCloseable {
    /** Linux's {@code O_RDONLY | O_CLOEXEC} (the same value on x86-64 and AArch64). */
    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final int EINTR = 4;
    private static final MethodHandle OPEN;
    private static final MethodHandle PREAD;
    private static final MethodHandle CLOSE;

    static {
        MethodHandle open = null;
        MethodHandle pread = null;
        MethodHandle close = null;
        if (Libc.available()) {
            try {
                // open(2) is variadic; no mode argument is passed (no O_CREAT).
                open = Libc.function("open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), true,
                        Linker.Option.firstVariadicArg(2));
                pread = Libc.function("pread", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), true);
                close = Libc.function("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), false);
            } catch (RuntimeException | LinkageError e) {
                // a missing symbol: the caller reads through RandomAccessFile instead
                open = null;
            }
        }
        OPEN = open;
        PREAD = pread;
        CLOSE = close;
    }

    /** Initialises the class, binding its downcalls (see {@link CaptureFile#bindNativeReads}). */
    static void bind() {
        // nothing more to do: calling a static method runs the static initialiser once
    }

    private final int fd;
    private final MemorySegment buffer;
    private final MemorySegment callState;
    private boolean closed;

    private PositionalReader(int fd, MemorySegment buffer, MemorySegment callState) {
        this.fd = fd;
        this.buffer = buffer;
        this.callState = callState;
    }

    /**
     * Opens {@code path} for reading with a native buffer of {@code bufferBytes} from {@code arena},
     * which must outlive the reader.
     *
     * @return the reader, or null when native reads are not available here
     * @throws IOException when the file cannot be opened (the C library's reason)
     */
    static PositionalReader open(Path path, int bufferBytes, Arena arena) throws IOException {
        if (OPEN == null) {
            return null;
        }
        MemorySegment state = Libc.callState(arena);
        int fd;
        try (Arena names = Arena.ofConfined()) {
            fd = (int) OPEN.invokeExact(state, names.allocateFrom(path.toString()), O_RDONLY_CLOEXEC);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (fd < 0) {
            throw new IOException(path + ": " + reason(state));
        }
        return new PositionalReader(fd, arena.allocate(bufferBytes, 8), state);
    }

    /** Tells whether reads go through this class here (for tests). */
    static boolean available() {
        return OPEN != null;
    }

    /**
     * Reads up to {@code len} bytes at file offset {@code offset} into {@code into} from {@code at}.
     *
     * @return the bytes read, 0 at end of file
     */
    int read(long offset, byte[] into, int at, int len) throws IOException {
        if (closed) {
            throw new IOException("read after close");
        }
        int want = (int) Math.min(len, buffer.byteSize());
        long got;
        do {
            try {
                got = (long) PREAD.invokeExact(callState, fd, buffer, (long) want, offset);
            } catch (Throwable t) {
                throw unexpected(t);
            }
        } while (got < 0 && Libc.errno(callState) == EINTR);
        if (got < 0) {
            throw new IOException(reason(callState));
        }
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, into, at, (int) got);
        return (int) got;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable t) {
                throw unexpected(t);
            }
        }
    }

    private static String reason(MemorySegment state) {
        int errno = Libc.errno(state);
        return Libc.strerror(errno) + " (errno " + errno + ")";
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
