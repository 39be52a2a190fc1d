package io.spanwatch.analyzer.scan;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Speaks to clamd over its unix socket (clamav-client connects over TCP only). Commands are
 * {@code z}-prefixed and NUL-terminated; INSTREAM sends {@code <uint32 big-endian length><data>}
 * chunks of at most {@code chunkBytes} and a zero-length chunk, then reads the reply up to its NUL.
 * The channel is blocking and interruptible: an interrupt closes it and the call ends with
 * {@link ClosedByInterruptException}.
 *
 * <p>Limits: a reply is read up to {@value #MAX_REPLY_BYTES} bytes. When clamd stops reading part-way
 * (its {@code StreamMaxLength}) and closes, the write fails; the reply it sent first is still read
 * and returned.
 */
final class UnixTransport implements ClamdTransport {
    /** Longest reply read; clamd's replies are one line. */
    static final int MAX_REPLY_BYTES = 64 * 1024;

    private final ClamdAddress address;
    private final int chunkBytes;
    private final long connectMillis;
    private final long readMillis;
    private final boolean fdPass;

    /** Speaks INSTREAM only (no descriptor passing). */
    UnixTransport(ClamdAddress address, int chunkBytes) {
        this(address, chunkBytes, 0, 0, false);
    }

    /**
     * Speaks to {@code address}; with {@code fdPass} (and where {@link FdPass#available()}) files go
     * by descriptor with FILDES, bounded by the two timeouts.
     */
    UnixTransport(ClamdAddress address, int chunkBytes, long connectMillis, long readMillis, boolean fdPass) {
        this.address = address;
        this.chunkBytes = chunkBytes;
        this.connectMillis = connectMillis;
        this.readMillis = readMillis;
        this.fdPass = fdPass && FdPass.available();
    }

    @Override
    public boolean passesFiles() {
        return fdPass;
    }

    @Override
    public ClamdReply fildes(java.nio.file.Path file) throws IOException {
        if (!fdPass) {
            return ClamdTransport.super.fildes(file);
        }
        return ClamdReply.parse(FdPass.scan(address.unixSocket(), file, connectMillis, readMillis));
    }

    @Override
    public ClamdReply instream(InputStream data) throws IOException {
        try (SocketChannel ch = connect()) {
            byte[] buf = new byte[chunkBytes];
            ByteBuffer header = ByteBuffer.allocate(4).order(ByteOrder.BIG_ENDIAN);
            try {
                writeFully(ch, ByteBuffer.wrap("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII)));
                int n;
                while ((n = data.readNBytes(buf, 0, buf.length)) > 0) {
                    header.clear().putInt(n).flip();
                    writeFully(ch, header, ByteBuffer.wrap(buf, 0, n));
                }
                header.clear().putInt(0).flip();
                writeFully(ch, header);
            } catch (ClosedByInterruptException e) {
                throw e;
            } catch (IOException e) {
                // clamd closes after refusing more data (size limit): its reply may be waiting.
                String reply = readReply(ch);
                if (reply.isEmpty()) {
                    throw new ClamdException(ClamdException.Kind.UNREACHABLE, address + ": " + e.getMessage(), e);
                }
                return ClamdReply.parse(reply);
            }
            return ClamdReply.parse(readReply(ch));
        }
    }

    @Override
    public String version() throws IOException {
        return ClamdReply.stripTerminators(command("VERSION"));
    }

    @Override
    public void ping() throws IOException {
        String reply = ClamdReply.stripTerminators(command("PING"));
        if (!reply.equals("PONG")) {
            throw new ClamdException(ClamdException.Kind.PROTOCOL, address + ": PING answered " + ClamdReply.quote(reply));
        }
    }

    private String command(String name) throws IOException {
        try (SocketChannel ch = connect()) {
            writeFully(ch, ByteBuffer.wrap(("z" + name + "\0").getBytes(StandardCharsets.US_ASCII)));
            String reply = readReply(ch);
            if (reply.isEmpty()) {
                throw new ClamdException(ClamdException.Kind.UNREACHABLE, address + ": closed without answering " + name);
            }
            return reply;
        }
    }

    private SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(address.unixSocket()));
            return ch;
        } catch (ClosedByInterruptException e) {
            throw e;
        } catch (IOException e) {
            ch.close();
            throw new ClamdException(ClamdException.Kind.UNREACHABLE, address + ": " + e.getMessage(), e);
        }
    }

    private static void writeFully(SocketChannel ch, ByteBuffer... bufs) throws IOException {
        for (ByteBuffer b : bufs) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }

    /** Reads up to the first NUL (or EOF); returns what came before it, empty if clamd sent nothing. */
    private String readReply(SocketChannel ch) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(MAX_REPLY_BYTES);
        while (in.hasRemaining()) {
            int from = in.position();
            int n;
            try {
                n = ch.read(in);
            } catch (ClosedByInterruptException e) {
                throw e;
            } catch (IOException e) {
                if (in.position() > 0) {
                    break;
                }
                return "";
            }
            if (n < 0) {
                break;
            }
            for (int i = from; i < in.position(); i++) {
                if (in.get(i) == 0) {
                    return new String(in.array(), 0, i, StandardCharsets.UTF_8);
                }
            }
        }
        if (!in.hasRemaining()) {
            throw new ClamdException(ClamdException.Kind.PROTOCOL, address + ": reply longer than " + MAX_REPLY_BYTES + " bytes");
        }
        return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8);
    }
}
