package io.spanwatch.sensor.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import org.pcap4j.core.BpfProgram.BpfCompileMode;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapHandle.TimestampPrecision;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.core.PcapStat;
import org.pcap4j.core.Pcaps;
import org.pcap4j.core.RawPacketListener;

/**
 * Captures frames from a network interface with libpcap (through pcap4j) and hands them to a
 * {@link FrameSink} on the capture thread.
 *
 * <p>Limits and settings, all in {@link Options}:
 * <ul>
 *   <li>snaplen: {@value #DEFAULT_SNAPLEN} bytes per frame; longer frames are cut and the sink sees
 *       {@code capLen < wireLen};</li>
 *   <li>kernel buffer: {@value #DEFAULT_BUFFER_BYTES} bytes; when it is full the kernel drops
 *       packets, counted in {@link CaptureStats#kernelDrops()};</li>
 *   <li>read timeout: {@value #DEFAULT_READ_TIMEOUT_MILLIS} ms (how long the kernel may hold packets
 *       before it wakes the capture thread) unless immediate mode is on;</li>
 *   <li>timestamps: nanosecond precision when libpcap and the kernel offer it, else microseconds
 *       (see {@link #nanosecondTimestamps()}).</li>
 * </ul>
 *
 * <p>Stopping: after {@link #stop} the native loop still reads the frames the kernel had captured for
 * it by then (its {@code ps_recv} less {@code ps_drop}), for at most 5 s, so a sensor stopped while it
 * lags behind its ring loses none of what was already captured; pcap4j's loop stops at once.
 *
 * <p>Threads: {@link #run} blocks the calling thread (the capture thread) and calls the sink on it.
 * The sink must return quickly: while it runs the kernel buffer fills. {@link #stop}, {@link #stats}
 * and {@link #close} may be called from any thread; {@link #close} waits for a running {@link #run}
 * to end. The sink gets a buffer valid only during the call (the native loop reuses it).
 *
 * <p>Packet loop: by default libpcap's {@code pcap_next_ex} through the JDK's foreign function API
 * ({@link NativePacketLoop}), on the handle pcap4j opened and configured; pcap4j's own loop (a JNA
 * callback per packet) where that is unavailable or asked for ({@link Loop}).
 *
 * <p>Ownership: {@link #open} returns an open handle that the caller owns and must {@link #close}.
 *
 * <p>Native library: pcap4j loads libpcap by the name {@code pcap}, which needs the {@code libpcap.so}
 * link from the -dev package. Before pcap4j loads it, this class points the system property
 * {@value #PCAP_LIB_PROPERTY} at the versioned library in the machine's library directory when the
 * property is not already set, so the runtime package ({@code libpcap0.8} on Debian) is enough.
 */
public final class LiveCapture implements CaptureSource {

    /** Default bytes kept of each frame; large enough for any frame incl. offloaded super-frames. */
    public static final int DEFAULT_SNAPLEN = 262_144;
    /** Default kernel capture buffer (64 MiB). */
    public static final int DEFAULT_BUFFER_BYTES = 64 << 20;
    /** Default read timeout in milliseconds. */
    public static final int DEFAULT_READ_TIMEOUT_MILLIS = 100;
    /** Longest a stopping capture keeps reading the frames the kernel captured before the stop (native loop). */
    static final long STOP_DRAIN_NANOS = 5_000_000_000L;
    /** System property pcap4j reads the libpcap library name or path from. */
    public static final String PCAP_LIB_PROPERTY = "org.pcap4j.core.pcapLibName";

    // libpcap's pcap_activate() error codes (pcap/pcap.h).
    private static final int PCAP_ERROR_NO_SUCH_DEVICE = -5;
    private static final int PCAP_ERROR_PERM_DENIED = -8;
    private static final int PCAP_ERROR_IFACE_NOT_UP = -9;
    private static final int PCAP_ERROR_PROMISC_PERM_DENIED = -11;

    /** Prefix pcap4j puts before pcap_compile's own message (spelled "occured" in some versions). */
    private static final String PCAP4J_COMPILE_PREFIX = "^Error occur+ed in pcap_compile: ";

    /**
     * Settings of one live capture.
     *
     * @param interfaceName interface to capture on, e.g. {@code eth1}
     * @param bpfFilter BPF filter expression (tcpdump syntax), or null to capture everything
     * @param snaplen bytes kept of each frame, default {@value LiveCapture#DEFAULT_SNAPLEN}
     * @param bufferBytes kernel buffer size in bytes, default {@value LiveCapture#DEFAULT_BUFFER_BYTES}
     * @param immediateMode deliver each packet as soon as it arrives instead of in batches (more
     *     wake-ups, lower latency), default false
     * @param promiscuous receive frames not addressed to this host (needed on a mirror port), default true
     * @param readTimeoutMillis how long the kernel may batch packets, default
     *     {@value LiveCapture#DEFAULT_READ_TIMEOUT_MILLIS}
     * @param nanoTimestamps ask for nanosecond timestamps, falling back to microseconds where
     *     unsupported, default true
     * @param loop how packets are read from libpcap, default {@link Loop#NATIVE}
     */
    public record Options(String interfaceName, String bpfFilter, int snaplen, int bufferBytes,
            boolean immediateMode, boolean promiscuous, int readTimeoutMillis, boolean nanoTimestamps, Loop loop) {

        /** Checks every setting and names the one that is wrong. */
        public Options {
            Objects.requireNonNull(interfaceName, "interfaceName");
            Objects.requireNonNull(loop, "loop");
            if (interfaceName.isBlank()) {
                throw new IllegalArgumentException("interfaceName: must not be blank");
            }
            if (bpfFilter != null && bpfFilter.isBlank()) {
                bpfFilter = null;
            }
            if (snaplen <= 0) {
                throw new IllegalArgumentException("snaplen: must be positive, got " + snaplen);
            }
            if (bufferBytes <= 0) {
                throw new IllegalArgumentException("bufferBytes: must be positive, got " + bufferBytes);
            }
            if (readTimeoutMillis <= 0) {
                // 0 means "wait forever" to libpcap on some platforms; a live sensor always wants a bound.
                throw new IllegalArgumentException("readTimeoutMillis: must be positive, got " + readTimeoutMillis);
            }
        }

        /** Returns the defaults for capturing everything on {@code interfaceName}. */
        public static Options of(String interfaceName) {
            return new Options(interfaceName, null, DEFAULT_SNAPLEN, DEFAULT_BUFFER_BYTES, false, true,
                    DEFAULT_READ_TIMEOUT_MILLIS, true, Loop.NATIVE);
        }

        /** Returns a copy with the BPF filter set (null or blank for none). */
        public Options withFilter(String expression) {
            return new Options(interfaceName, expression, snaplen, bufferBytes, immediateMode, promiscuous,
                    readTimeoutMillis, nanoTimestamps, loop);
        }

        /** Returns a copy with the snaplen set. */
        public Options withSnaplen(int bytes) {
            return new Options(interfaceName, bpfFilter, bytes, bufferBytes, immediateMode, promiscuous,
                    readTimeoutMillis, nanoTimestamps, loop);
        }

        /** Returns a copy with the kernel buffer size set. */
        public Options withBufferBytes(int bytes) {
            return new Options(interfaceName, bpfFilter, snaplen, bytes, immediateMode, promiscuous,
                    readTimeoutMillis, nanoTimestamps, loop);
        }

        /** Returns a copy with immediate mode on or off. */
        public Options withImmediateMode(boolean on) {
            return new Options(interfaceName, bpfFilter, snaplen, bufferBytes, on, promiscuous,
                    readTimeoutMillis, nanoTimestamps, loop);
        }

        /** Returns a copy with promiscuous mode on or off. */
        public Options withPromiscuous(boolean on) {
            return new Options(interfaceName, bpfFilter, snaplen, bufferBytes, immediateMode, on,
                    readTimeoutMillis, nanoTimestamps, loop);
        }

        /** Returns a copy with the read timeout set. */
        public Options withReadTimeoutMillis(int millis) {
            return new Options(interfaceName, bpfFilter, snaplen, bufferBytes, immediateMode, promiscuous,
                    millis, nanoTimestamps, loop);
        }

        /** Returns a copy reading packets with {@code how}. */
        public Options withLoop(Loop how) {
            return new Options(interfaceName, bpfFilter, snaplen, bufferBytes, immediateMode, promiscuous,
                    readTimeoutMillis, nanoTimestamps, how);
        }

        /** Returns a copy asking for nanosecond (true) or microsecond (false) timestamps. */
        public Options withNanoTimestamps(boolean on) {
            return new Options(interfaceName, bpfFilter, snaplen, bufferBytes, immediateMode, promiscuous,
                    readTimeoutMillis, on, loop);
        }
    }

    /** How packets are read from libpcap. */
    public enum Loop {
        /**
         * {@code pcap_next_ex} called through the JDK's foreign function API (see
         * {@link NativePacketLoop}); falls back to {@link #PCAP4J} where that is unavailable.
         */
        NATIVE,
        /** pcap4j's {@code loop} with a raw listener: one JNA callback per packet. */
        PCAP4J
    }

    private final Options options;
    private final PcapHandle handle;
    private final int linkType;
    private final boolean nanos;
    private final Loop loopUsed;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final java.util.concurrent.locks.ReentrantLock nativeLoopLock = new java.util.concurrent.locks.ReentrantLock();
    private volatile boolean stopRequested;

    // Written only by the capture thread (single writer), read by any thread.
    private volatile long packets;
    private volatile long bytes;
    private Throwable sinkFailure;

    // Kernel counters, refreshed by stats() and kept after close().
    private volatile PcapCounters lastKernel = new PcapCounters(0, 0, 0);

    private record PcapCounters(long received, long dropped, long ifDropped) {
    }

    private LiveCapture(Options options, PcapHandle handle) {
        this.options = options;
        this.handle = handle;
        this.linkType = handle.getDlt().value();
        this.nanos = handle.getTimestampPrecision() == TimestampPrecision.NANO;
        this.loopUsed = options.loop() == Loop.NATIVE && NativePacketLoop.available() ? Loop.NATIVE : Loop.PCAP4J;
    }

    /**
     * Opens {@code options.interfaceName()} for capture and applies the filter.
     *
     * @return an open capture the caller owns
     * @throws CaptureException with one printable line when libpcap is missing, the interface does not
     *     exist or is down, the process may not capture, or the filter does not compile
     */
    public static LiveCapture open(Options options) throws CaptureException {
        Objects.requireNonNull(options, "options");
        ensurePcapLibName();
        String iface = options.interfaceName();
        PcapHandle handle;
        try {
            handle = build(options, options.nanoTimestamps());
        } catch (PcapNativeException e) {
            if (options.nanoTimestamps() && String.valueOf(e.getMessage()).contains("tstamp_precision")) {
                // libpcap older than 1.5 has no pcap_set_tstamp_precision; microseconds it is.
                try {
                    handle = build(options, false);
                } catch (PcapNativeException again) {
                    throw openFailure(iface, again);
                } catch (LinkageError again) {
                    throw libpcapMissing(again);
                }
            } else {
                throw openFailure(iface, e);
            }
        } catch (LinkageError e) {
            throw libpcapMissing(e);
        }
        if (options.bpfFilter() != null) {
            try {
                handle.setFilter(options.bpfFilter(), BpfCompileMode.OPTIMIZE);
            } catch (PcapNativeException | NotOpenException e) {
                handle.close();
                throw new CaptureException(badFilterMessage(iface, options.bpfFilter(), e.getMessage()), e);
            }
        }
        return new LiveCapture(options, handle);
    }

    private static PcapHandle build(Options o, boolean nano) throws PcapNativeException {
        return new PcapHandle.Builder(o.interfaceName())
                .snaplen(o.snaplen())
                .bufferSize(o.bufferBytes())
                .immediateMode(o.immediateMode())
                .promiscuousMode(o.promiscuous() ? PromiscuousMode.PROMISCUOUS : PromiscuousMode.NONPROMISCUOUS)
                .timeoutMillis(o.readTimeoutMillis())
                .timestampPrecision(nano ? TimestampPrecision.NANO : TimestampPrecision.MICRO)
                .build();
    }

    /**
     * Returns the names of the interfaces libpcap can capture on, in libpcap's order.
     *
     * @throws CaptureException when libpcap is missing or cannot list the interfaces
     */
    public static List<String> listInterfaces() throws CaptureException {
        ensurePcapLibName();
        try {
            List<String> names = new ArrayList<>();
            for (PcapNetworkInterface nif : Pcaps.findAllDevs()) {
                names.add(nif.getName());
            }
            return names;
        } catch (PcapNativeException e) {
            throw new CaptureException("cannot list capture interfaces: " + oneLine(e.getMessage()), e);
        } catch (LinkageError e) {
            throw libpcapMissing(e);
        }
    }

    @Override
    public void run(FrameSink sink) throws CaptureException {
        Objects.requireNonNull(sink, "sink");
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("run() may be called only once per LiveCapture");
        }
        if (stopRequested || closed.get()) {
            return;
        }
        if (loopUsed == Loop.NATIVE) {
            runNative(sink);
            return;
        }
        final int lt = linkType;
        RawPacketListener listener = frame -> {
            // getTimestamp()/getOriginalLength() are thread-locals set just before this call.
            Timestamp ts = handle.getTimestamp();
            long tsNanos = Math.floorDiv(ts.getTime(), 1000L) * 1_000_000_000L + ts.getNanos();
            int wireLen = handle.getOriginalLength();
            try {
                sink.frame(tsNanos, lt, frame, 0, frame.length, wireLen);
            } catch (RuntimeException | Error e) {
                // JNA would swallow it in the native callback; keep it for run() to rethrow.
                sinkFailure = e;
                stopRequested = true;
                breakLoopQuietly();
                return;
            }
            packets = packets + 1;
            bytes = bytes + frame.length;
        };
        try {
            handle.loop(-1, listener);
        } catch (InterruptedException e) {
            // pcap4j signals pcap_breakloop() (our stop()) this way; the thread was not interrupted.
        } catch (NotOpenException e) {
            if (!closed.get()) {
                throw new CaptureException("capture on " + options.interfaceName() + " ended: handle closed", e);
            }
        } catch (PcapNativeException e) {
            throw new CaptureException("capture on " + options.interfaceName() + " failed: "
                    + oneLine(e.getMessage()), e);
        }
        Throwable failure = sinkFailure;
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
    }

    /** The packet loop on {@code pcap_next_ex} through the foreign function API. */
    private void runNative(FrameSink sink) throws CaptureException {
        // pcap4j's close() cannot see this loop (it waits only for its own), so close() waits on this
        // lock: the pcap_t must not be freed while pcap_next_ex uses it.
        nativeLoopLock.lock();
        if (closed.get()) {
            nativeLoopLock.unlock();
            return;
        }
        NativePacketLoop loop = NativePacketLoop.bind(handle, nanos);
        final int lt = linkType;
        // Once stopped, the loop still reads what the kernel had taken in for it by then (its ring is
        // not given up unread: those frames would be lost without a count), at most STOP_DRAIN_NANOS.
        long drainTarget = -1;
        long drainDeadline = 0;
        long lastFrame = 0;
        try {
            while (true) {
                if (stopRequested) {
                    if (drainTarget < 0) {
                        PcapCounters k = refreshKernelCounters();
                        drainTarget = k.received() - k.dropped();
                        drainDeadline = System.nanoTime() + STOP_DRAIN_NANOS;
                        lastFrame = System.nanoTime();
                        if (!nonBlocking()) {
                            break; // a blocking read could wait for traffic that never comes
                        }
                    }
                    // Done when every frame the kernel counted is read, when none came for 300 ms (the
                    // count also holds frames it took before the filter was set, never delivered), or at
                    // the deadline.
                    long now = System.nanoTime();
                    if (packets >= drainTarget || now - lastFrame > 300_000_000L || now > drainDeadline || closed.get()) {
                        break;
                    }
                }
                int rc = loop.next();
                if (rc == NativePacketLoop.OK) {
                    lastFrame = System.nanoTime();
                    int cap = loop.capLen();
                    sink.frame(loop.tsNanos(), lt, loop.buffer(), 0, cap, loop.wireLen());
                    packets = packets + 1;
                    bytes = bytes + cap;
                } else if (rc == NativePacketLoop.BREAK) {
                    if (!stopRequested) {
                        break;
                    }
                    // stop()'s pcap_breakloop: go on draining
                } else if (rc == NativePacketLoop.TIMEOUT) {
                    if (stopRequested) {
                        Thread.onSpinWait(); // non-blocking while draining: nothing ready yet
                        LockSupport.parkNanos(2_000_000L);
                    }
                } else {
                    if (stopRequested || closed.get()) {
                        break;
                    }
                    throw new CaptureException("capture on " + options.interfaceName() + " failed: "
                            + oneLine(loop.error()) + " (pcap error " + rc + ")");
                }
            }
        } finally {
            loop.close();
            nativeLoopLock.unlock();
        }
    }

    /** Switches the handle to non-blocking reads (for draining at stop); false when libpcap refuses. */
    private boolean nonBlocking() {
        try {
            handle.setBlockingMode(PcapHandle.BlockingMode.NONBLOCKING);
            return true;
        } catch (PcapNativeException | NotOpenException e) {
            return false;
        }
    }

    /** Returns the packet loop in use: the one asked for, or {@link Loop#PCAP4J} where FFM is unavailable. */
    public Loop loop() {
        return loopUsed;
    }

    /** Returns why the native loop is not used although it was asked for, or null. */
    public String loopFallbackReason() {
        return options.loop() == Loop.NATIVE && loopUsed != Loop.NATIVE ? NativePacketLoop.unavailableReason() : null;
    }

    @Override
    public void stop() {
        stopRequested = true;
        breakLoopQuietly();
    }

    private void breakLoopQuietly() {
        if (closed.get()) {
            return;
        }
        try {
            handle.breakLoop();
        } catch (NotOpenException e) {
            // Closed meanwhile: nothing left to stop.
        }
    }

    /**
     * Returns the frames and bytes delivered so far and libpcap's kernel counters; after
     * {@link #close} the kernel counters are those read just before closing.
     */
    @Override
    public CaptureStats stats() {
        PcapCounters k = refreshKernelCounters();
        return new CaptureStats(packets, bytes, k.received(), k.dropped(), k.ifDropped(), false);
    }

    private PcapCounters refreshKernelCounters() {
        if (!closed.get() && handle.isOpen()) {
            try {
                PcapStat s = handle.getStats();
                lastKernel = new PcapCounters(s.getNumPacketsReceived(), s.getNumPacketsDropped(),
                        s.getNumPacketsDroppedByIf());
            } catch (PcapNativeException | NotOpenException e) {
                // Keep the last good reading; a closing handle has nothing newer to say.
            }
        }
        return lastKernel;
    }

    @Override
    public String name() {
        return options.interfaceName();
    }

    /** Returns the settings this capture was opened with. */
    public Options options() {
        return options;
    }

    /** Returns the handle's data link type (a {@code DLT_} value, see {@link LinkType}). */
    public int linkType() {
        return linkType;
    }

    /** Tells whether timestamps carry nanoseconds (true) or only microseconds (false). */
    public boolean nanosecondTimestamps() {
        return nanos;
    }

    /**
     * Stops {@link #run} and releases the handle. Waits for a running {@link #run} to return, since
     * pcap4j will not close a handle that is inside its loop. Idempotent.
     */
    @Override
    public void close() {
        stop();
        refreshKernelCounters();
        nativeLoopLock.lock(); // a native loop still running ends at the break and lets go
        try {
            if (closed.compareAndSet(false, true)) {
                handle.close();
            }
        } finally {
            nativeLoopLock.unlock();
        }
    }

    // ---- libpcap location -------------------------------------------------------------------

    /**
     * Points {@value #PCAP_LIB_PROPERTY} at an existing libpcap unless it is already set, so pcap4j
     * finds the runtime library without the unversioned {@code libpcap.so} link. Call it before using
     * pcap4j directly (e.g. a test that injects frames); {@link #open} does.
     */
    public static synchronized void ensurePcapLibName() {
        if (System.getProperty(PCAP_LIB_PROPERTY) != null) {
            return;
        }
        Path lib = findLibpcap();
        if (lib != null) {
            System.setProperty(PCAP_LIB_PROPERTY, lib.toString());
        }
    }

    /** Returns the libpcap shared object to load, or null to leave the search to JNA. */
    static Path findLibpcap() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return null;
        }
        List<Path> dirs = new ArrayList<>();
        String multiarch = multiarchTriplet(System.getProperty("os.arch", ""));
        if (multiarch != null) {
            dirs.add(Path.of("/usr/lib", multiarch));
            dirs.add(Path.of("/lib", multiarch));
        }
        dirs.addAll(List.of(Path.of("/usr/lib64"), Path.of("/lib64"), Path.of("/usr/lib"), Path.of("/lib"),
                Path.of("/usr/local/lib")));
        for (String name : List.of("libpcap.so", "libpcap.so.1", "libpcap.so.0.8")) {
            for (Path dir : dirs) {
                Path p = dir.resolve(name);
                if (Files.isReadable(p)) {
                    return p;
                }
            }
        }
        for (Path dir : dirs) {
            try (Stream<Path> s = Files.list(dir)) {
                Path any = s.filter(p -> p.getFileName().toString().startsWith("libpcap.so."))
                        .sorted().findFirst().orElse(null);
                if (any != null) {
                    return any;
                }
            } catch (IOException | SecurityException e) {
                // Directory absent or unreadable: try the next one.
            }
        }
        return null;
    }

    /** Maps a JVM {@code os.arch} to the Debian multiarch directory name. */
    static String multiarchTriplet(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64", "arm64" -> "aarch64-linux-gnu";
            case "arm" -> "arm-linux-gnueabihf";
            case "x86", "i386", "i486", "i586", "i686" -> "i386-linux-gnu";
            case "ppc64le" -> "powerpc64le-linux-gnu";
            case "s390x" -> "s390x-linux-gnu";
            case "riscv64" -> "riscv64-linux-gnu";
            case "mips64el" -> "mips64el-linux-gnuabi64";
            case "loongarch64" -> "loongarch64-linux-gnu";
            default -> null;
        };
    }

    // ---- error lines ------------------------------------------------------------------------

    private static CaptureException libpcapMissing(Throwable cause) {
        String tried = System.getProperty(PCAP_LIB_PROPERTY, "pcap");
        return new CaptureException("libpcap not found: install libpcap0.8 (Debian/Ubuntu: apt-get install "
                + "libpcap0.8; Fedora/RHEL: dnf install libpcap) or set -D" + PCAP_LIB_PROPERTY
                + "=/path/to/libpcap.so.1 (tried \"" + tried + "\": " + loaderError(cause) + ")", cause);
    }

    /** Picks the dynamic loader's words out of JNA's multi-line message (which also lists the classpath). */
    private static String loaderError(Throwable cause) {
        String msg = cause.getMessage();
        if (msg == null) {
            return cause.getClass().getSimpleName();
        }
        String[] lines = msg.strip().split("\\R");
        return oneLine(lines.length > 1 ? lines[1] : lines[0]);
    }

    private static CaptureException openFailure(String iface, PcapNativeException e) {
        Integer rc = e.getReturnCode();
        String pcapMessage = oneLine(e.getMessage());
        List<String> available = null;
        try {
            available = listInterfaces();
        } catch (CaptureException ignored) {
            // Keep the original failure; the list is only a hint.
        }
        boolean known = available == null || available.contains(iface) || "any".equals(iface);
        return new CaptureException(openFailureMessage(iface, rc == null ? 0 : rc, pcapMessage, known,
                available == null ? List.of() : available), e);
    }

    /**
     * Writes the one-line message for a failed pcap_activate().
     *
     * @param rc libpcap's return code, 0 when unknown
     * @param known whether the interface is among the ones libpcap lists
     */
    static String openFailureMessage(String iface, int rc, String pcapMessage, boolean known,
            List<String> available) {
        if (rc == PCAP_ERROR_NO_SUCH_DEVICE || !known) {
            return "interface " + iface + " does not exist; available: "
                    + (available.isEmpty() ? "(none)" : String.join(", ", available));
        }
        if (rc == PCAP_ERROR_PERM_DENIED || rc == PCAP_ERROR_PROMISC_PERM_DENIED
                || looksLikePermission(pcapMessage)) {
            return "no permission to capture on " + iface + " (" + pcapMessage + "): run as root or grant "
                    + "CAP_NET_RAW and CAP_NET_ADMIN, e.g. AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN in the "
                    + "systemd unit, or setcap cap_net_raw,cap_net_admin=eip on the java binary";
        }
        if (rc == PCAP_ERROR_IFACE_NOT_UP) {
            return "interface " + iface + " is down: bring it up with 'ip link set " + iface + " up' ("
                    + pcapMessage + ")";
        }
        return "cannot capture on " + iface + ": " + pcapMessage + (rc != 0 ? " (pcap error " + rc + ")" : "");
    }

    private static boolean looksLikePermission(String msg) {
        String m = msg.toLowerCase(Locale.ROOT);
        return m.contains("operation not permitted") || m.contains("permission denied");
    }

    /** Writes the one-line message for a filter that does not compile. */
    static String badFilterMessage(String iface, String expression, String pcapMessage) {
        String m = oneLine(pcapMessage);
        m = m.replaceFirst(PCAP4J_COMPILE_PREFIX, "");
        return "bad BPF filter \"" + expression + "\" on " + iface + ": " + m;
    }

    private static String oneLine(String s) {
        if (s == null || s.isBlank()) {
            return "no details from libpcap";
        }
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }
}
