package io.spanwatch.sensor.capture;

import io.spanwatch.sensor.libc.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.nio.file.Path;

import com.sun.jna.Pointer;
import org.pcap4j.core.PcapHandle;

/**
 * libpcap's packet loop bound with the JDK's foreign function and memory API: {@code pcap_next_ex}
 * called from Java on the {@code pcap_t} that pcap4j opened and configured.
 *
 * <p>Why: pcap4j delivers each packet through a JNA callback from native code into Java, and then
 * takes the timestamp and original length through further JNA calls. Measured on the project's 2-core
 * machine with {@code .ci/bench-live} ({@code SENSOR_ARGS=--discard}), that per-packet path costs
 * several microseconds, a large share of one core at a few hundred thousand packets a second; a
 * downcall to {@code pcap_next_ex} and two reads of the header cost a small fraction of that (see the
 * README, "Live capture"). One native call per packet, no upcalls, no allocation: the frame is copied
 * once from the kernel's ring into a buffer the loop reuses.
 *
 * <p>Scope: 64-bit Linux, where {@code struct pcap_pkthdr} is a {@code struct timeval} of two 8-byte
 * fields followed by two 32-bit lengths (24 bytes). Elsewhere {@link #available} says no and
 * {@link LiveCapture} keeps pcap4j's loop.
 *
 * <p>Threads: {@link #next} runs on the capture thread only; pcap4j's {@code breakLoop} (which calls
 * {@code pcap_breakloop}) from another thread makes a waiting {@code pcap_next_ex} return
 * {@code PCAP_ERROR_BREAK}.
 */
final class NativePacketLoop {
    /** pcap_next_ex result: a packet was read. */
    static final int OK = 1;
    /** pcap_next_ex result: the read timeout expired with no packet. */
    static final int TIMEOUT = 0;
    /** pcap_next_ex result: pcap_breakloop was called. */
    static final int BREAK = -2;

    private static final int PKTHDR_BYTES = 24;
    /** libpcap's PCAP_ERRBUF_SIZE: pcap_geterr's message fits in it, NUL included. */
    private static final int PCAP_ERRBUF_SIZE = 256;
    private static final MethodHandle NEXT_EX;
    private static final MethodHandle GETERR;
    private static final String UNAVAILABLE;

    static {
        MethodHandle next = null;
        MethodHandle geterr = null;
        String why = Libc.unavailable(); // not 64-bit Linux, or no native access
        try {
            if (why == null) {
                LiveCapture.ensurePcapLibName();
                String lib = System.getProperty(LiveCapture.PCAP_LIB_PROPERTY);
                if (lib == null || !lib.contains("/")) {
                    why = "libpcap path unknown";
                } else {
                    SymbolLookup pcap = SymbolLookup.libraryLookup(Path.of(lib), Arena.global());
                    Linker linker = Linker.nativeLinker();
                    next = linker.downcallHandle(pcap.findOrThrow("pcap_next_ex"), FunctionDescriptor.of(
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
                    geterr = linker.downcallHandle(pcap.findOrThrow("pcap_geterr"),
                            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // IllegalCallerException when native access is denied, IllegalArgumentException or
            // NoSuchElementException when the library or a symbol is missing.
            why = e.getClass().getSimpleName() + ": " + e.getMessage();
            next = null;
            geterr = null;
        }
        NEXT_EX = next;
        GETERR = geterr;
        UNAVAILABLE = why;
    }

    private final MemorySegment pcap;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment headerOut;
    private final MemorySegment dataOut;
    private final boolean nanos;
    private byte[] buf = new byte[2048];

    // Results of the last OK read.
    private long tsNanos;
    private int capLen;
    private int wireLen;

    private NativePacketLoop(MemorySegment pcap, boolean nanos) {
        this.pcap = pcap;
        this.nanos = nanos;
        this.headerOut = arena.allocate(ValueLayout.ADDRESS);
        this.dataOut = arena.allocate(ValueLayout.ADDRESS);
    }

    /** Returns null when the native loop can be used here, else the reason it cannot. */
    static String unavailableReason() {
        return NEXT_EX == null ? (UNAVAILABLE == null ? "unavailable" : UNAVAILABLE) : null;
    }

    /** Tells whether the native loop can be used on this platform. */
    static boolean available() {
        return NEXT_EX != null;
    }

    /**
     * Binds to the {@code pcap_t} behind an open pcap4j handle; call on the capture thread, which then
     * owns the returned loop.
     *
     * @throws IllegalStateException when the handle's native pointer cannot be read (a pcap4j version
     *     without the private field this relies on)
     */
    static NativePacketLoop bind(PcapHandle handle, boolean nanos) {
        if (!available()) {
            throw new IllegalStateException("native packet loop unavailable: " + unavailableReason());
        }
        long address;
        try {
            Field f = PcapHandle.class.getDeclaredField("handle");
            f.setAccessible(true);
            address = Pointer.nativeValue((Pointer) f.get(handle));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot read pcap4j's pcap_t pointer: " + e, e);
        }
        if (address == 0) {
            throw new IllegalStateException("pcap4j handle has no pcap_t");
        }
        return new NativePacketLoop(MemorySegment.ofAddress(address), nanos);
    }

    /**
     * Reads the next packet: {@link #OK} (then {@link #buffer}, {@link #capLen}, {@link #wireLen} and
     * {@link #tsNanos} describe it), {@link #TIMEOUT}, {@link #BREAK}, or another negative libpcap
     * error code (see {@link #error}).
     */
    int next() {
        int rc;
        try {
            rc = (int) NEXT_EX.invokeExact(pcap, headerOut, dataOut);
        } catch (Throwable t) {
            throw new IllegalStateException("pcap_next_ex failed", t);
        }
        if (rc != OK) {
            return rc;
        }
        MemorySegment hdr = headerOut.get(ValueLayout.ADDRESS, 0).reinterpret(PKTHDR_BYTES);
        long sec = hdr.get(ValueLayout.JAVA_LONG, 0);
        long frac = hdr.get(ValueLayout.JAVA_LONG, 8);
        int cap = hdr.get(ValueLayout.JAVA_INT, 16);
        int len = hdr.get(ValueLayout.JAVA_INT, 20);
        if (cap < 0) {
            cap = 0;
        }
        if (cap > buf.length) {
            buf = new byte[Math.max(cap, Math.min(Integer.MAX_VALUE - 8, buf.length * 2))];
        }
        MemorySegment data = dataOut.get(ValueLayout.ADDRESS, 0).reinterpret(cap);
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, buf, 0, cap);
        tsNanos = sec * 1_000_000_000L + (nanos ? frac : frac * 1_000L);
        capLen = cap;
        wireLen = len;
        return OK;
    }

    byte[] buffer() {
        return buf;
    }

    int capLen() {
        return capLen;
    }

    int wireLen() {
        return wireLen;
    }

    long tsNanos() {
        return tsNanos;
    }

    /** Returns libpcap's message for the last error on this handle. */
    String error() {
        try {
            MemorySegment msg = (MemorySegment) GETERR.invokeExact(pcap);
            return msg.reinterpret(PCAP_ERRBUF_SIZE).getString(0);
        } catch (Throwable t) {
            return "no details from libpcap";
        }
    }

    /** Frees the loop's header slots; the {@code pcap_t} stays pcap4j's to close. */
    void close() {
        arena.close();
    }
}
