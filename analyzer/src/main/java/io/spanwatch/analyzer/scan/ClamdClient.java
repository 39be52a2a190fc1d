package io.spanwatch.analyzer.scan;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scans stored files with one clamd endpoint, with deadlines: on a local unix socket clamd reads the
 * file itself through its descriptor (FILDES, {@link FdPass}); otherwise the bytes are streamed with
 * INSTREAM, over TCP through clamav-client, over a unix socket through {@link UnixTransport}.
 *
 * <p><b>Why FILDES.</b> INSTREAM copies every byte through the socket and clamd writes it to a
 * temporary file before scanning it, and clamd refuses a stream past its {@code StreamMaxLength}. With
 * the descriptor nothing is copied and the whole file is scanned, up to clamd's {@code MaxFileSize}
 * ({@code maxFileBytes} here). A clamd that does not take descriptors (an unknown command, or no
 * descriptor received, e.g. behind a socket relay) is streamed to from then on.
 *
 * <p><b>Deadlines.</b> Every exchange runs on one of this client's own threads; the caller waits at
 * most {@code connectTimeout + readTimeout} for a scan and {@code connectTimeout + min(readTimeout,
 * 5 s)} for PING or VERSION, then cancels the exchange with an interrupt. The streaming transports use
 * blocking interruptible channels, so the interrupt closes the socket and frees the thread (clamav-client
 * cannot tell connecting from reading, hence one budget for both); FILDES waits in short polls that
 * notice the interrupt.
 *
 * <p><b>Limits</b> ({@link Options}, defaults in brackets): connect timeout [2 s], read timeout
 * [30 s], {@code maxStreamBytes} [25 MiB, clamd's StreamMaxLength default; set it to the smaller of
 * clamd's StreamMaxLength and MaxFileSize, since clamd silently passes content beyond MaxFileSize],
 * {@code maxFileBytes} [25 MiB, the MaxFileSize of Debian's stock clamd.conf; set it to your clamd's
 * MaxFileSize: larger files are not passed by descriptor but streamed, their first {@code maxStreamBytes}], chunk size [64 KiB], scans in flight
 * [4; a caller waits up to the scan budget for a slot, then gets {@link ClamdException.Kind#BUSY}]. A
 * file streamed with only its first {@code maxStreamBytes} sent is INFECTED if a signature is found
 * there, otherwise NOT_SCANNED, never CLEAN. A {@code size limit exceeded} reply from clamd is
 * NOT_SCANNED too.
 *
 * <p><b>Version.</b> Each verdict carries clamd's engine and database version, asked with VERSION
 * on the first scan and again once it is a minute old.
 *
 * <p>Thread-safe. {@link #close()} stops the client's threads (interrupting exchanges in flight).
 */
public final class ClamdClient implements AutoCloseable {
    /** How long a VERSION answer is reused before it is asked again (clamd may have reloaded). */
    static final long VERSION_MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** The most a PING or VERSION waits for its answer after connecting. */
    static final Duration COMMAND_READ_LIMIT = Duration.ofSeconds(5);

    /**
     * Holds a client's limits.
     *
     * @param connectTimeout time to connect
     * @param readTimeout    time for the rest of an exchange: sending the file and reading the reply
     * @param maxStreamBytes the most bytes of a file sent with INSTREAM; larger files are NOT_SCANNED unless infected
     * @param chunkBytes     INSTREAM chunk size on the unix socket (clamav-client uses its own 2 KiB)
     * @param maxInFlight    scans in flight at once on this endpoint
     * @param fdPass         on a unix socket, have clamd read the file through its descriptor (FILDES)
     *                       instead of streaming it; INSTREAM stays for TCP and where descriptors cannot
     *                       be passed
     * @param maxFileBytes   the largest file passed by descriptor: clamd's {@code MaxFileSize}, past
     *                       which clamd reports a file clean unscanned (unless {@code AlertExceedsMax});
     *                       a larger file goes by INSTREAM (its first {@code maxStreamBytes})
     */
    public record Options(Duration connectTimeout, Duration readTimeout, long maxStreamBytes, int chunkBytes, int maxInFlight,
            boolean fdPass, long maxFileBytes) {
        public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
        public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
        public static final long DEFAULT_MAX_STREAM_BYTES = 25L * 1024 * 1024;
        public static final int DEFAULT_CHUNK_BYTES = 64 * 1024;
        public static final int DEFAULT_MAX_IN_FLIGHT = 4;
        /**
         * 25 MiB, the MaxFileSize of Debian's stock clamd.conf: a larger file passed to a clamd with that
         * limit and without AlertExceedsMax would come back clean unscanned. SpanWatch's own clamd.conf
         * has 100M (and AlertExceedsMax): set {@code clamd.max-file-bytes} to match.
         */
        public static final long DEFAULT_MAX_FILE_BYTES = 25L * 1024 * 1024;

        public Options {
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("clamd connect timeout must be positive: " + connectTimeout);
            }
            if (readTimeout.isNegative() || readTimeout.isZero()) {
                throw new IllegalArgumentException("clamd read timeout must be positive: " + readTimeout);
            }
            if (maxStreamBytes < 1) {
                throw new IllegalArgumentException("clamd max stream bytes must be positive: " + maxStreamBytes);
            }
            if (chunkBytes < 1) {
                throw new IllegalArgumentException("clamd chunk bytes must be positive: " + chunkBytes);
            }
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("clamd scans in flight must be at least 1: " + maxInFlight);
            }
            if (maxFileBytes < 1) {
                throw new IllegalArgumentException("clamd max file bytes must be positive: " + maxFileBytes);
            }
        }

        /** Returns the defaults listed in {@link ClamdClient}. */
        public static Options defaults() {
            return new Options(DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_MAX_STREAM_BYTES, DEFAULT_CHUNK_BYTES,
                    DEFAULT_MAX_IN_FLIGHT, true, DEFAULT_MAX_FILE_BYTES);
        }

        public Options withConnectTimeout(Duration d) {
            return new Options(d, readTimeout, maxStreamBytes, chunkBytes, maxInFlight, fdPass, maxFileBytes);
        }

        public Options withReadTimeout(Duration d) {
            return new Options(connectTimeout, d, maxStreamBytes, chunkBytes, maxInFlight, fdPass, maxFileBytes);
        }

        public Options withMaxStreamBytes(long n) {
            return new Options(connectTimeout, readTimeout, n, chunkBytes, maxInFlight, fdPass, maxFileBytes);
        }

        public Options withMaxInFlight(int n) {
            return new Options(connectTimeout, readTimeout, maxStreamBytes, chunkBytes, n, fdPass, maxFileBytes);
        }

        /** Returns a copy passing descriptors on unix sockets (true) or always streaming (false). */
        public Options withFdPass(boolean on) {
            return new Options(connectTimeout, readTimeout, maxStreamBytes, chunkBytes, maxInFlight, on, maxFileBytes);
        }

        public Options withMaxFileBytes(long n) {
            return new Options(connectTimeout, readTimeout, maxStreamBytes, chunkBytes, maxInFlight, fdPass, n);
        }

        long scanBudgetMillis() {
            return connectTimeout.toMillis() + readTimeout.toMillis();
        }

        long commandBudgetMillis() {
            return connectTimeout.toMillis() + Math.min(readTimeout.toMillis(), COMMAND_READ_LIMIT.toMillis());
        }
    }

    private final ClamdAddress address;
    private final Options options;
    private final ClamdTransport transport;
    private final ThreadPoolExecutor executor;
    private final Semaphore slots;
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong passed = new AtomicLong();
    /** Whether files still go by descriptor: true on a unix socket until clamd refuses FILDES. */
    private volatile boolean fdPassing;
    /** Why clamd refused FILDES, or null. */
    private volatile String fdPassRefused;
    private volatile ClamdVersion version = ClamdVersion.UNKNOWN;
    private volatile long versionAtNanos;

    /** Creates a client for {@code address}; it connects only when asked to do something. */
    public ClamdClient(ClamdAddress address, Options options) {
        this(address, options, address.isUnix() ? new UnixTransport(address, options.chunkBytes(), options.connectTimeout().toMillis(),
                options.readTimeout().toMillis(), options.fdPass()) : new LibraryTransport(address));
    }

    ClamdClient(ClamdAddress address, Options options, ClamdTransport transport) {
        this.address = address;
        this.options = options;
        this.transport = transport;
        this.fdPassing = transport.passesFiles();
        this.slots = new Semaphore(options.maxInFlight());
        AtomicInteger n = new AtomicInteger();
        // One thread per scan slot plus one for PING/VERSION; idle threads end after 30 s.
        int threads = options.maxInFlight() + 1;
        this.executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "clamd-" + address + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.allowCoreThreadTimeOut(true);
    }

    /** Returns the endpoint. */
    public ClamdAddress address() {
        return address;
    }

    /** Returns the limits. */
    public Options options() {
        return options;
    }

    /** Scans {@code file}; never throws: trouble is an ERROR verdict whose reason says what went wrong. */
    public Verdict scan(Path file) {
        long t0 = System.nanoTime();
        try {
            return scanOrThrow(file);
        } catch (IOException e) {
            return Verdict.error(e.getMessage(), millisSince(t0), address.toString());
        }
    }

    /**
     * Scans {@code file}, throwing when the exchange itself failed.
     *
     * @return the verdict; ERROR only for clamd's own ERROR replies and a file that cannot be read
     * @throws ClamdException when clamd could not be reached, timed out, was busy or answered nonsense
     * @throws InterruptedIOException when the calling thread was interrupted
     */
    public Verdict scanOrThrow(Path file) throws IOException {
        long t0 = System.nanoTime();
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            return Verdict.error("cannot read " + file + ": " + e, millisSince(t0), address.toString());
        }
        boolean pass = fdPassing && size <= options.maxFileBytes();
        InputStream in = null;
        if (!pass) {
            try {
                in = Files.newInputStream(file);
            } catch (IOException e) {
                return Verdict.error("cannot read " + file + ": " + e, millisSince(t0), address.toString());
            }
        }
        try {
            if (!slots.tryAcquire(options.scanBudgetMillis(), TimeUnit.MILLISECONDS)) {
                closeQuietly(in);
                throw new ClamdException(ClamdException.Kind.BUSY,
                        address + ": " + options.maxInFlight() + " scans in flight, none finished within " + options.scanBudgetMillis() + " ms");
            }
        } catch (InterruptedException e) {
            closeQuietly(in);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for a clamd slot");
        }
        // The exchange takes ownership of the stream and of the slot, and gives both back when it ends
        // or is cancelled before it started.
        InputStream stream = in;
        Runnable release = () -> {
            closeQuietly(stream);
            slots.release();
        };
        Exchange x = await(pass ? "FILDES" : "INSTREAM", submit(() -> {
            refreshVersionIfStale();
            return pass ? passOrStream(file, size) : stream(stream, size);
        }, release), options.scanBudgetMillis());
        ClamdVersion v = version;
        long ms = millisSince(t0);
        if (x.readError() != null) {
            return Verdict.error(x.readError(), ms, address.toString());
        }
        ClamdReply reply = x.reply();
        return switch (reply.kind()) {
            case FOUND -> found(v, reply.signatures(), ms, address.toString());
            case OK -> x.cut()
                    ? verdict(v, Verdict.Result.NOT_SCANNED, List.of(), ms, size > options.maxFileBytes() && fdPassing
                            ? "larger than clamd.max-file-bytes (" + options.maxFileBytes() + " bytes, clamd's MaxFileSize); only its first "
                                    + options.maxStreamBytes() + " bytes were streamed"
                            : "larger than StreamMaxLength (" + options.maxStreamBytes() + " bytes)")
                    : verdict(v, Verdict.Result.CLEAN, List.of(), ms, null);
            case SIZE_LIMIT -> verdict(v, Verdict.Result.NOT_SCANNED, List.of(), ms,
                    "clamd: " + reply.error() + " (file of " + size + " bytes; clamd's StreamMaxLength is smaller than that)");
            case ERROR -> verdict(v, Verdict.Result.ERROR, List.of(), ms, "clamd: " + reply.error());
        };
    }

    /** What one scan exchange gave: clamd's reply and whether only a prefix was sent, or why the file could not be read. */
    private record Exchange(ClamdReply reply, boolean cut, String readError) {
    }

    /** Runs on the exchange thread: streams at most {@code maxStreamBytes} of {@code in} with INSTREAM. */
    private Exchange stream(InputStream in, long size) throws IOException {
        long toSend = Math.min(size, options.maxStreamBytes());
        return new Exchange(transport.instream(new LimitedInputStream(in, toSend, bytesSent)), size > toSend, null);
    }

    /**
     * Runs on the exchange thread: has clamd read the file by descriptor (FILDES). A clamd that cannot
     * take descriptors (built without, or behind a relay) says so once; this client then streams.
     */
    private Exchange passOrStream(Path file, long size) throws IOException {
        ClamdReply r;
        try {
            r = transport.fildes(file);
        } catch (java.nio.file.FileSystemException e) {
            return new Exchange(null, false, "cannot read " + file + ": " + e.getReason());
        } catch (ClamdException e) {
            if (e.kind() != ClamdException.Kind.PROTOCOL || !e.getMessage().contains("UNKNOWN COMMAND")) {
                throw e;
            }
            r = null;
        }
        if (r != null && !(r.kind() == ClamdReply.Kind.ERROR && r.error().toLowerCase(java.util.Locale.ROOT).contains("file descriptor"))) {
            bytesSent.addAndGet(size);
            passed.incrementAndGet();
            return new Exchange(r, false, null);
        }
        fdPassing = false;
        fdPassRefused = r == null ? "FILDES unknown to clamd" : "clamd: " + r.error();
        try (InputStream in = Files.newInputStream(file)) {
            return stream(in, size);
        } catch (java.nio.file.NoSuchFileException e) {
            return new Exchange(null, false, "cannot read " + file + ": " + e);
        }
    }

    /**
     * Turns a FOUND reply into a verdict. clamd with {@code AlertExceedsMax yes} names its own limits
     * as signatures ({@code Heuristics.Limits.Exceeded.MaxFileSize} ...): those mean the file was not
     * fully scanned, not that it is malware, so alone they give NOT_SCANNED; next to real signatures
     * they are dropped from the INFECTED verdict.
     */
    static Verdict found(ClamdVersion v, List<String> signatures, long ms, String endpoint) {
        List<String> real = new java.util.ArrayList<>();
        List<String> limits = new java.util.ArrayList<>();
        for (String sig : signatures) {
            (sig.startsWith("Heuristics.Limits.Exceeded") ? limits : real).add(sig);
        }
        if (real.isEmpty() && !limits.isEmpty()) {
            return new Verdict(Verdict.ENGINE, v.engineVersion(), v.databaseVersion(), v.databaseDate(), Verdict.Result.NOT_SCANNED,
                    List.of(), ms, "clamd limit exceeded: " + String.join(", ", limits), endpoint);
        }
        return new Verdict(Verdict.ENGINE, v.engineVersion(), v.databaseVersion(), v.databaseDate(), Verdict.Result.INFECTED, real, ms,
                null, endpoint);
    }

    /** Sends PING; returns normally on PONG. */
    public void ping() throws IOException {
        await("PING", submit(() -> {
            transport.ping();
            return null;
        }, () -> { }), options.commandBudgetMillis());
    }

    /** Asks VERSION and returns the parsed answer (and remembers it for verdicts). */
    public ClamdVersion version() throws IOException {
        String raw = await("VERSION", submit(transport::version, () -> { }), options.commandBudgetMillis());
        ClamdVersion v = ClamdVersion.parse(raw);
        version = v;
        versionAtNanos = System.nanoTime();
        return v;
    }

    /** Returns the last VERSION answer, {@link ClamdVersion#UNKNOWN} parts null before the first. */
    public ClamdVersion lastVersion() {
        return version;
    }

    /** Returns the number of exchanges whose thread is still busy (for tests and health). */
    int activeExchanges() {
        return executor.getActiveCount();
    }

    /** Returns the bytes of files given to clamd so far, streamed or passed by descriptor. */
    public long bytesSent() {
        return bytesSent.get();
    }

    /** Returns the files clamd read through their descriptor (FILDES). */
    public long filesPassed() {
        return passed.get();
    }

    /** Tells whether files go to clamd by descriptor (FILDES) rather than streamed. */
    public boolean passesFiles() {
        return fdPassing;
    }

    /** Returns why clamd refused descriptors (this client streams since), or null. */
    public String fdPassRefused() {
        return fdPassRefused;
    }

    /** Returns the scans in flight. */
    public int inFlight() {
        return options.maxInFlight() - slots.availablePermits();
    }

    /** Stops the client's threads; exchanges in flight are interrupted. */
    @Override
    public void close() {
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "ClamdClient[" + address + "]";
    }

    /** Runs on the exchange thread: asks VERSION when the remembered one is missing or a minute old. */
    private void refreshVersionIfStale() throws IOException {
        if (version != ClamdVersion.UNKNOWN && System.nanoTime() - versionAtNanos < VERSION_MAX_AGE_NANOS) {
            return;
        }
        try {
            version = ClamdVersion.parse(transport.version());
            versionAtNanos = System.nanoTime();
        } catch (ClamdException e) {
            if (e.kind() != ClamdException.Kind.PROTOCOL) {
                throw e;
            }
            // An odd VERSION answer should not fail the scan; the verdict goes without a version.
            versionAtNanos = System.nanoTime();
        }
    }

    /**
     * Starts {@code body} on an exchange thread. {@code release} runs exactly once: when the body
     * ends, or when the exchange is cancelled before its body started.
     */
    private <T> Future<T> submit(Callable<T> body, Runnable release) throws IOException {
        AtomicBoolean claimed = new AtomicBoolean();
        Callable<T> guarded = () -> {
            if (!claimed.compareAndSet(false, true)) {
                throw new CancellationException();
            }
            try {
                return body.call();
            } finally {
                release.run();
            }
        };
        FutureTask<T> task = new FutureTask<>(guarded) {
            @Override
            protected void done() {
                if (isCancelled() && claimed.compareAndSet(false, true)) {
                    release.run();
                }
            }
        };
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            task.cancel(false);
            throw new ClamdException(ClamdException.Kind.UNREACHABLE, address + ": client closed", e);
        }
        return task;
    }

    private static void closeQuietly(InputStream in) {
        if (in == null) {
            return;
        }
        try {
            in.close();
        } catch (IOException e) {
            // A stored file's stream: nothing was written, nothing to lose.
        }
    }

    /** Waits for {@code f} at most {@code budgetMillis}; on expiry interrupts it and throws TIMEOUT. */
    private <T> T await(String what, Future<T> f, long budgetMillis) throws IOException {
        try {
            return f.get(budgetMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new ClamdException(ClamdException.Kind.TIMEOUT, address + ": " + what + " timed out after " + budgetMillis + " ms");
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(address + ": interrupted waiting for " + what);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof ClamdException ce) {
                throw ce;
            }
            if (c instanceof IOException io) {
                throw new ClamdException(ClamdException.Kind.UNREACHABLE, address + ": " + what + ": " + io, io);
            }
            throw new ClamdException(ClamdException.Kind.PROTOCOL, address + ": " + what + ": " + c, c);
        }
    }

    private Verdict verdict(ClamdVersion v, Verdict.Result r, List<String> sigs, long ms, String reason) {
        return new Verdict(Verdict.ENGINE, v.engineVersion(), v.databaseVersion(), v.databaseDate(), r, sigs, ms, reason, address.toString());
    }

    private static long millisSince(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    /** Reads at most {@code limit} bytes of the stream it wraps, adding what it read to {@code counter}. */
    private static final class LimitedInputStream extends InputStream {
        private final InputStream in;
        private final AtomicLong counter;
        private long left;

        LimitedInputStream(InputStream in, long limit, AtomicLong counter) {
            this.in = in;
            this.left = limit;
            this.counter = counter;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
                counter.incrementAndGet();
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
                counter.addAndGet(n);
            }
            return n;
        }

    }
}
