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
 * Scans stored files with one clamd endpoint through INSTREAM, with deadlines: TCP through
 * clamav-client, a unix socket through {@link UnixTransport}.
 *
 * <p><b>Deadlines.</b> Every exchange runs on one of this client's own threads; the caller waits at
 * most {@code connectTimeout + readTimeout} for a scan and {@code connectTimeout + min(readTimeout,
 * 5 s)} for PING or VERSION, then cancels the exchange with an interrupt. Both transports use
 * blocking interruptible channels, so the interrupt closes the socket and frees the thread (clamav-client
 * cannot tell connecting from reading, hence one budget for both).
 *
 * <p><b>Limits</b> ({@link Options}, defaults in brackets): connect timeout [2 s], read timeout
 * [30 s], {@code maxStreamBytes} [25 MiB, clamd's StreamMaxLength default; set it to the smaller of
 * clamd's StreamMaxLength and MaxFileSize, since clamd silently passes content beyond MaxFileSize],
 * chunk size [64 KiB], scans in flight [4; a caller waits up to the scan budget for a slot, then gets
 * {@link ClamdException.Kind#BUSY}]. A file larger than {@code maxStreamBytes} has only its first
 * {@code maxStreamBytes} sent: a signature found there makes it INFECTED, otherwise it is
 * NOT_SCANNED, never CLEAN. A {@code size limit exceeded} reply from clamd is NOT_SCANNED too.
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
     * @param maxStreamBytes the most bytes of a file sent; larger files are NOT_SCANNED unless infected
     * @param chunkBytes     INSTREAM chunk size on the unix socket (clamav-client uses its own 2 KiB)
     * @param maxInFlight    scans in flight at once on this endpoint
     */
    public record Options(Duration connectTimeout, Duration readTimeout, long maxStreamBytes, int chunkBytes, int maxInFlight) {
        public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
        public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
        public static final long DEFAULT_MAX_STREAM_BYTES = 25L * 1024 * 1024;
        public static final int DEFAULT_CHUNK_BYTES = 64 * 1024;
        public static final int DEFAULT_MAX_IN_FLIGHT = 4;

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
        }

        /** Returns the defaults listed in {@link ClamdClient}. */
        public static Options defaults() {
            return new Options(DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_MAX_STREAM_BYTES, DEFAULT_CHUNK_BYTES,
                    DEFAULT_MAX_IN_FLIGHT);
        }

        public Options withConnectTimeout(Duration d) {
            return new Options(d, readTimeout, maxStreamBytes, chunkBytes, maxInFlight);
        }

        public Options withReadTimeout(Duration d) {
            return new Options(connectTimeout, d, maxStreamBytes, chunkBytes, maxInFlight);
        }

        public Options withMaxStreamBytes(long n) {
            return new Options(connectTimeout, readTimeout, n, chunkBytes, maxInFlight);
        }

        public Options withMaxInFlight(int n) {
            return new Options(connectTimeout, readTimeout, maxStreamBytes, chunkBytes, n);
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
    private volatile ClamdVersion version = ClamdVersion.UNKNOWN;
    private volatile long versionAtNanos;

    /** Creates a client for {@code address}; it connects only when asked to do something. */
    public ClamdClient(ClamdAddress address, Options options) {
        this(address, options, address.isUnix() ? new UnixTransport(address, options.chunkBytes()) : new LibraryTransport(address));
    }

    ClamdClient(ClamdAddress address, Options options, ClamdTransport transport) {
        this.address = address;
        this.options = options;
        this.transport = transport;
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
        InputStream in;
        try {
            size = Files.size(file);
            in = Files.newInputStream(file);
        } catch (IOException e) {
            return Verdict.error("cannot read " + file + ": " + e, millisSince(t0), address.toString());
        }
        long toSend = Math.min(size, options.maxStreamBytes());
        boolean cut = size > options.maxStreamBytes();
        ClamdReply reply;
        try {
            if (!slots.tryAcquire(options.scanBudgetMillis(), TimeUnit.MILLISECONDS)) {
                in.close();
                throw new ClamdException(ClamdException.Kind.BUSY,
                        address + ": " + options.maxInFlight() + " scans in flight, none finished within " + options.scanBudgetMillis() + " ms");
            }
        } catch (InterruptedException e) {
            in.close();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for a clamd slot");
        }
        // The exchange takes ownership of the stream and of the slot, and gives both back when it ends
        // or is cancelled before it started.
        Runnable release = () -> {
            closeQuietly(in);
            slots.release();
        };
        reply = await("INSTREAM", submit(() -> {
            refreshVersionIfStale();
            return transport.instream(new LimitedInputStream(in, toSend, bytesSent));
        }, release), options.scanBudgetMillis());
        ClamdVersion v = version;
        long ms = millisSince(t0);
        return switch (reply.kind()) {
            case FOUND -> found(v, reply.signatures(), ms, address.toString());
            case OK -> cut
                    ? verdict(v, Verdict.Result.NOT_SCANNED, List.of(), ms, "larger than StreamMaxLength (" + options.maxStreamBytes() + " bytes)")
                    : verdict(v, Verdict.Result.CLEAN, List.of(), ms, null);
            case SIZE_LIMIT -> verdict(v, Verdict.Result.NOT_SCANNED, List.of(), ms,
                    "clamd: " + reply.error() + " (file of " + size + " bytes; clamd's StreamMaxLength is smaller than that)");
            case ERROR -> verdict(v, Verdict.Result.ERROR, List.of(), ms, "clamd: " + reply.error());
        };
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

    /** Returns the bytes of files sent to clamd so far. */
    public long bytesSent() {
        return bytesSent.get();
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
