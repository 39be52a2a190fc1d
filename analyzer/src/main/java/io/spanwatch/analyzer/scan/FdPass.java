package io.spanwatch.analyzer.scan;

import io.spanwatch.sensor.libc.Libc;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Asks a local clamd to scan a file by handing it the open file descriptor: clamd's {@code FILDES}
 * command on its unix socket, the descriptor passed as {@code SCM_RIGHTS} ancillary data of a
 * one-byte message ({@code sendmsg}), as {@code clamdscan --fdpass} does. clamd then reads the file
 * itself: nothing is copied through the socket, clamd writes no temporary copy, and clamd's
 * {@code StreamMaxLength} does not apply (its {@code MaxFileSize} and {@code MaxScanSize} do).
 *
 * <p>Why native: the JDK's {@code SocketChannel} cannot send ancillary data, so the socket, the
 * file's descriptor and {@code sendmsg} are libc calls through the JDK's foreign function API (as the
 * sensor's {@code NativePacketLoop} calls libpcap). Scope: 64-bit Linux (the {@code msghdr},
 * {@code cmsghdr} and {@code sockaddr_un} layouts below); elsewhere {@link #available} says no and
 * the client streams with INSTREAM.
 *
 * <p>Deadlines: {@code SO_SNDTIMEO} bounds the connect (a full listen backlog) and the writes; the
 * reply is awaited with {@code poll} in steps of at most {@value #POLL_STEP_MILLIS} ms, so the read
 * timeout holds and an interrupt of the calling thread ends the wait within a step
 * ({@link InterruptedIOException}). Every descriptor opened here is closed before returning.
 *
 * <p>Thread-safe: each call has its own socket and memory.
 */
final class FdPass {
    /** Longest reply read; clamd's replies are one line. */
    static final int MAX_REPLY_BYTES = 64 * 1024;
    /** Longest wait in one poll before checking the deadline and interrupts again. */
    static final int POLL_STEP_MILLIS = 200;

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int SO_SNDTIMEO = 21;
    private static final int POLLIN = 0x001;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int EINTR = 4;
    private static final int SUN_PATH_BYTES = 108;
    /** {@code CMSG_LEN(sizeof(int))}: the 16-byte header and one descriptor. */
    private static final int CMSG_LEN_ONE_FD = 20;
    /** {@code CMSG_SPACE(sizeof(int))}: padded to 8 bytes. */
    private static final int CMSG_SPACE_ONE_FD = 24;

    private static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("msg_name"), ValueLayout.JAVA_INT.withName("msg_namelen"), MemoryLayout.paddingLayout(4),
            ValueLayout.ADDRESS.withName("msg_iov"), ValueLayout.JAVA_LONG.withName("msg_iovlen"),
            ValueLayout.ADDRESS.withName("msg_control"), ValueLayout.JAVA_LONG.withName("msg_controllen"),
            ValueLayout.JAVA_INT.withName("msg_flags"), MemoryLayout.paddingLayout(4));
    /** Offsets in {@link #MSGHDR}, worked out once (a layout path is walked by name on each call). */
    private static final long MSG_IOV = MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_iov"));
    private static final long MSG_IOVLEN = MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_iovlen"));
    private static final long MSG_CONTROL = MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_control"));
    private static final long MSG_CONTROLLEN = MSGHDR.byteOffset(MemoryLayout.PathElement.groupElement("msg_controllen"));
    private static final StructLayout IOVEC = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("iov_base"), ValueLayout.JAVA_LONG.withName("iov_len"));
    private static final StructLayout POLLFD = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("fd"), ValueLayout.JAVA_SHORT.withName("events"), ValueLayout.JAVA_SHORT.withName("revents"));
    private static final StructLayout TIMEVAL = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("tv_sec"), ValueLayout.JAVA_LONG.withName("tv_usec"));

    private static final MethodHandle SOCKET;
    private static final MethodHandle CONNECT;
    private static final MethodHandle OPEN;
    private static final MethodHandle SENDMSG;
    private static final MethodHandle SEND;
    private static final MethodHandle RECV;
    private static final MethodHandle POLL;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle CLOSE;
    private static final String UNAVAILABLE;

    static {
        MethodHandle socket = null;
        MethodHandle connect = null;
        MethodHandle open = null;
        MethodHandle sendmsg = null;
        MethodHandle send = null;
        MethodHandle recv = null;
        MethodHandle poll = null;
        MethodHandle setsockopt = null;
        MethodHandle close = null;
        String why = Libc.unavailable();
        if (why == null) {
            try {
                ValueLayout i = ValueLayout.JAVA_INT;
                ValueLayout a = ValueLayout.ADDRESS;
                ValueLayout l = ValueLayout.JAVA_LONG;
                socket = Libc.function("socket", FunctionDescriptor.of(i, i, i, i), true);
                connect = Libc.function("connect", FunctionDescriptor.of(i, i, a, i), true);
                // int open(const char *path, int flags, ...): the mode is the variadic part.
                open = Libc.function("open", FunctionDescriptor.of(i, a, i, i), true, Linker.Option.firstVariadicArg(2));
                sendmsg = Libc.function("sendmsg", FunctionDescriptor.of(l, i, a, i), true);
                send = Libc.function("send", FunctionDescriptor.of(l, i, a, l, i), true);
                recv = Libc.function("recv", FunctionDescriptor.of(l, i, a, l, i), true);
                poll = Libc.function("poll", FunctionDescriptor.of(i, a, l, i), true);
                setsockopt = Libc.function("setsockopt", FunctionDescriptor.of(i, i, i, i, a, i), true);
                close = Libc.function("close", FunctionDescriptor.of(i, i), false);
            } catch (RuntimeException | LinkageError e) {
                // IllegalCallerException when native access is denied; NoSuchElementException for a missing symbol.
                why = e.getClass().getSimpleName() + ": " + e.getMessage();
                socket = null;
            }
        }
        SOCKET = socket;
        CONNECT = connect;
        OPEN = open;
        SENDMSG = sendmsg;
        SEND = send;
        RECV = recv;
        POLL = poll;
        SETSOCKOPT = setsockopt;
        CLOSE = close;
        UNAVAILABLE = socket == null ? (why == null ? "unavailable" : why) : null;
    }

    private FdPass() {
    }

    /** Tells whether descriptors can be passed on this platform. */
    static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Returns why descriptors cannot be passed here, or null when they can. */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    /**
     * Opens {@code file}, sends {@code zFILDES} and its descriptor to the clamd listening on
     * {@code socket}, and returns clamd's reply up to its terminating NUL (e.g. {@code fd[10]: OK}).
     *
     * @throws ClamdException UNREACHABLE when the socket cannot be reached or breaks before a reply,
     *     TIMEOUT when no reply came within {@code readMillis}
     * @throws java.nio.file.NoSuchFileException or another IOException when {@code file} cannot be opened
     * @throws InterruptedIOException when the calling thread is interrupted while waiting
     */
    static String scan(Path socket, Path file, long connectMillis, long readMillis) throws IOException {
        if (!available()) {
            throw new IllegalStateException("descriptor passing unavailable: " + UNAVAILABLE);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.callState(arena);
            int fileFd = (int) OPEN.invokeExact(state, arena.allocateFrom(file.toString()), O_RDONLY | O_CLOEXEC, 0);
            if (fileFd < 0) {
                int err = errno(state);
                throw new java.nio.file.FileSystemException(file.toString(), null, strerror(err));
            }
            try {
                int sock = (int) SOCKET.invokeExact(state, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (sock < 0) {
                    throw unreachable(socket, "socket", errno(state));
                }
                try {
                    return exchange(arena, state, sock, socket, fileFd, connectMillis, readMillis);
                } finally {
                    int ignored = (int) CLOSE.invokeExact(sock);
                }
            } finally {
                int ignored = (int) CLOSE.invokeExact(fileFd);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
    }

    private static String exchange(Arena arena, MemorySegment state, int sock, Path socket, int fileFd, long connectMillis,
            long readMillis) throws Throwable {
        MemorySegment tv = arena.allocate(TIMEVAL);
        tv.set(ValueLayout.JAVA_LONG, 0, connectMillis / 1000);
        tv.set(ValueLayout.JAVA_LONG, 8, (connectMillis % 1000) * 1000);
        if ((int) SETSOCKOPT.invokeExact(state, sock, SOL_SOCKET, SO_SNDTIMEO, tv, (int) TIMEVAL.byteSize()) < 0) {
            throw unreachable(socket, "setsockopt", errno(state));
        }
        byte[] path = socket.toString().getBytes(StandardCharsets.UTF_8);
        if (path.length >= SUN_PATH_BYTES) {
            throw new ClamdException(ClamdException.Kind.UNREACHABLE, socket + ": socket path longer than " + (SUN_PATH_BYTES - 1) + " bytes");
        }
        MemorySegment addr = arena.allocate(2 + SUN_PATH_BYTES);
        addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(path, 0, addr, ValueLayout.JAVA_BYTE, 2, path.length);
        if ((int) CONNECT.invokeExact(state, sock, addr, (int) addr.byteSize()) < 0) {
            throw unreachable(socket, "connect", errno(state));
        }
        MemorySegment cmd = arena.allocateFrom("zFILDES"); // NUL-terminated: the z form of the command
        sendAll(state, sock, socket, cmd, cmd.byteSize());
        // The descriptor rides on a one-byte message, as clamd's man page asks.
        MemorySegment dummy = arena.allocate(1);
        MemorySegment iov = arena.allocate(IOVEC);
        iov.set(ValueLayout.ADDRESS, 0, dummy);
        iov.set(ValueLayout.JAVA_LONG, 8, 1);
        MemorySegment control = arena.allocate(CMSG_SPACE_ONE_FD, 8);
        control.set(ValueLayout.JAVA_LONG, 0, CMSG_LEN_ONE_FD);
        control.set(ValueLayout.JAVA_INT, 8, SOL_SOCKET);
        control.set(ValueLayout.JAVA_INT, 12, SCM_RIGHTS);
        control.set(ValueLayout.JAVA_INT, 16, fileFd);
        MemorySegment msg = arena.allocate(MSGHDR);
        msg.set(ValueLayout.ADDRESS, MSG_IOV, iov);
        msg.set(ValueLayout.JAVA_LONG, MSG_IOVLEN, 1);
        msg.set(ValueLayout.ADDRESS, MSG_CONTROL, control);
        msg.set(ValueLayout.JAVA_LONG, MSG_CONTROLLEN, CMSG_SPACE_ONE_FD);
        long sent;
        do {
            sent = (long) SENDMSG.invokeExact(state, sock, msg, MSG_NOSIGNAL);
        } while (sent < 0 && errno(state) == EINTR);
        if (sent != 1) {
            // clamd may have answered the command already (e.g. one that does not know FILDES) and hung up.
            ClamdException failed = unreachable(socket, "sendmsg", sent < 0 ? errno(state) : 0);
            try {
                return readReply(arena, state, sock, socket, Math.min(readMillis, 1000));
            } catch (ClamdException e) {
                throw failed;
            }
        }
        return readReply(arena, state, sock, socket, readMillis);
    }

    private static void sendAll(MemorySegment state, int sock, Path socket, MemorySegment data, long len) throws Throwable {
        long off = 0;
        while (off < len) {
            long n = (long) SEND.invokeExact(state, sock, data.asSlice(off), len - off, MSG_NOSIGNAL);
            if (n < 0) {
                int err = errno(state);
                if (err == EINTR) {
                    continue;
                }
                throw unreachable(socket, "send", err);
            }
            off += n;
        }
    }

    /** Reads up to the first NUL (or EOF) within the deadline; an interrupt ends the wait. */
    private static String readReply(Arena arena, MemorySegment state, int sock, Path socket, long readMillis) throws Throwable {
        MemorySegment buf = arena.allocate(MAX_REPLY_BYTES);
        MemorySegment pfd = arena.allocate(POLLFD);
        long deadline = System.nanoTime() + readMillis * 1_000_000L;
        long have = 0;
        while (true) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException(socket + ": interrupted waiting for the FILDES reply");
            }
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                throw new ClamdException(ClamdException.Kind.TIMEOUT, socket + ": FILDES timed out after " + readMillis + " ms");
            }
            pfd.set(ValueLayout.JAVA_INT, 0, sock);
            pfd.set(ValueLayout.JAVA_SHORT, 4, (short) POLLIN);
            pfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
            int ready = (int) POLL.invokeExact(state, pfd, 1L, (int) Math.min(left, POLL_STEP_MILLIS));
            if (ready < 0) {
                int err = errno(state);
                if (err == EINTR) {
                    continue;
                }
                throw unreachable(socket, "poll", err);
            }
            if (ready == 0) {
                continue;
            }
            long n = (long) RECV.invokeExact(state, sock, buf.asSlice(have), MAX_REPLY_BYTES - have, 0);
            if (n < 0) {
                int err = errno(state);
                if (err == EINTR) {
                    continue;
                }
                if (have > 0) {
                    break;
                }
                throw unreachable(socket, "recv", err);
            }
            if (n == 0) {
                break;
            }
            for (long k = have; k < have + n; k++) {
                if (buf.get(ValueLayout.JAVA_BYTE, k) == 0) {
                    return text(buf, k);
                }
            }
            have += n;
            if (have >= MAX_REPLY_BYTES) {
                throw new ClamdException(ClamdException.Kind.PROTOCOL, socket + ": reply longer than " + MAX_REPLY_BYTES + " bytes");
            }
        }
        if (have == 0) {
            throw new ClamdException(ClamdException.Kind.UNREACHABLE, socket + ": closed without answering FILDES");
        }
        return text(buf, have);
    }

    private static String text(MemorySegment buf, long len) {
        byte[] b = new byte[(int) len];
        MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, b, 0, b.length);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static int errno(MemorySegment state) {
        return Libc.errno(state);
    }

    private static ClamdException unreachable(Path socket, String call, int errno) {
        return new ClamdException(ClamdException.Kind.UNREACHABLE, socket + ": " + call + ": " + strerror(errno));
    }

    private static String strerror(int errno) {
        return errno == 0 ? "connection closed" : Libc.strerror(errno);
    }
}
