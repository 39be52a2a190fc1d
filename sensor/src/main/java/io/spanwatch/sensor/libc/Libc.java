package io.spanwatch.sensor.libc;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Locale;

/**
 * The C library's functions that SpanWatch calls where the JDK has no equivalent (reads an interrupt
 * cannot abort, descriptor passing, thread priorities, {@code isatty}), bound through the JDK's
 * foreign function API. One place for what every such binding needs: the platform check, the lookup,
 * capturing {@code errno}, and its message.
 *
 * <p>Scope: 64-bit Linux, whose structure layouts and flag values the callers use. Elsewhere, or when
 * the JVM denies native access, {@link #unavailable} says why and nothing is bound; each caller then
 * falls back to what the JDK offers. The live capture's libpcap binding takes the same platform check
 * from here. Thread-safe: immutable after class initialisation.
 */
public final class Libc {
    private static final String UNAVAILABLE;
    private static final Linker LINKER;
    private static final SymbolLookup LOOKUP;
    private static final Linker.Option CAPTURE_ERRNO;
    private static final StructLayout CALL_STATE;
    private static final VarHandle ERRNO;
    private static final MethodHandle STRERROR;

    static {
        String why = null;
        Linker linker = null;
        SymbolLookup lookup = null;
        Linker.Option capture = null;
        StructLayout state = null;
        VarHandle errno = null;
        MethodHandle strerror = null;
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            why = "not Linux";
        } else if (ValueLayout.ADDRESS.byteSize() != 8) {
            why = "not a 64-bit JVM";
        } else {
            try {
                linker = Linker.nativeLinker();
                lookup = linker.defaultLookup();
                capture = Linker.Option.captureCallState("errno");
                state = Linker.Option.captureStateLayout();
                errno = state.varHandle(MemoryLayout.PathElement.groupElement("errno"));
                strerror = linker.downcallHandle(lookup.findOrThrow("strerror"), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT));
            } catch (RuntimeException | LinkageError e) {
                // IllegalCallerException when native access is denied, NoSuchElementException for a missing symbol
                why = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
        }
        UNAVAILABLE = why;
        LINKER = why == null ? linker : null;
        LOOKUP = why == null ? lookup : null;
        CAPTURE_ERRNO = capture;
        CALL_STATE = state;
        ERRNO = errno;
        STRERROR = strerror;
    }

    private Libc() {
    }

    /** Tells whether C functions can be bound here. */
    public static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Returns why C functions cannot be bound here ({@code not Linux}, ...), or null when they can. */
    public static String unavailable() {
        return UNAVAILABLE;
    }

    /**
     * Binds the C library's function {@code name}. With {@code captureErrno} the handle takes a call
     * state ({@link #callState}) as its first argument, where it leaves the call's {@code errno}
     * ({@link #errno}).
     *
     * @throws IllegalStateException when nothing can be bound here ({@link #unavailable})
     * @throws java.util.NoSuchElementException when the C library has no such function
     */
    public static MethodHandle function(String name, FunctionDescriptor descriptor, boolean captureErrno, Linker.Option... options) {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException("C library functions unavailable: " + UNAVAILABLE);
        }
        Linker.Option[] all = options;
        if (captureErrno) {
            all = Arrays.copyOf(options, options.length + 1);
            all[options.length] = CAPTURE_ERRNO;
        }
        return LINKER.downcallHandle(LOOKUP.findOrThrow(name), descriptor, all);
    }

    /** Allocates a call state for the handles that capture {@code errno}. */
    public static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    /** Returns the {@code errno} the last call with {@code callState} left. */
    public static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    /** Returns the C library's message for {@code errno} ({@code strerror}), or {@code errno N} when it has none to give. */
    public static String strerror(int errno) {
        if (STRERROR != null) {
            try {
                MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
                if (!text.equals(MemorySegment.NULL)) {
                    return text.reinterpret(256).getString(0);
                }
            } catch (Throwable t) {
                // falls through to the number
            }
        }
        return "errno " + errno;
    }
}
