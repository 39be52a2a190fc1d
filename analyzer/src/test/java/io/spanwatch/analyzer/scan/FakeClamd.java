package io.spanwatch.analyzer.scan;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays clamd for tests, over TCP on 127.0.0.1 or a unix socket: {@link Mode#SILENT} accepts and
 * never answers (and records when the client hangs up); {@link Mode#CLEAN} answers VERSIONCOMMANDS,
 * VERSION, PING and INSTREAM ({@code stream: OK}) as clamd 1.4.6 would; {@link Mode#INFECTED} the same, but
 * finds every stream infected ({@code stream: Win.Trojan.Fake-1 FOUND}). One thread per connection.
 */
final class FakeClamd implements AutoCloseable {
    enum Mode { SILENT, CLEAN, INFECTED }

    static final String VERSION = "ClamAV 1.4.6/27480/Mon Nov 24 09:25:02 2025";
    /** The signature {@link Mode#INFECTED} finds. */
    static final String INFECTED_AS = "Win.Trojan.Fake-1";

    private final ServerSocketChannel server;
    private final Mode mode;
    private final Path socket;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger hungUp = new AtomicInteger();
    final AtomicInteger instreams = new AtomicInteger();

    private FakeClamd(ServerSocketChannel server, Mode mode, Path socket) {
        this.server = server;
        this.mode = mode;
        this.socket = socket;
        Thread t = new Thread(this::acceptLoop, "fake-clamd-accept");
        t.setDaemon(true);
        t.start();
    }

    static FakeClamd tcp(Mode mode) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return new FakeClamd(s, mode, null);
    }

    static FakeClamd unix(Mode mode, Path socket) throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(socket));
        return new FakeClamd(s, mode, socket);
    }

    ClamdAddress address() throws IOException {
        if (socket != null) {
            return ClamdAddress.unix(socket);
        }
        return ClamdAddress.tcp("127.0.0.1", ((InetSocketAddress) server.getLocalAddress()).getPort());
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel ch = server.accept();
                accepted.incrementAndGet();
                open.add(ch);
                Thread t = new Thread(() -> serve(ch), "fake-clamd-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            if (mode == Mode.SILENT) {
                // Read and drop whatever comes, never answer; EOF means the client hung up.
                ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
                while (ch.read(sink.clear()) >= 0) {
                    // drop
                }
                hungUp.incrementAndGet();
                return;
            }
            byte prefix = readByte(ch);
            char term = prefix == 'z' ? '\0' : '\n';
            StringBuilder cmd = new StringBuilder();
            for (byte b = readByte(ch); b != term; b = readByte(ch)) {
                cmd.append((char) b);
            }
            String reply = switch (cmd.toString()) {
                case "VERSIONCOMMANDS" -> VERSION + "| COMMANDS: SCAN QUIT RELOAD PING CONTSCAN VERSIONCOMMANDS VERSION END SHUTDOWN"
                        + " MULTISCAN FILDES STATS IDSESSION INSTREAM DETSTATSCLEAR DETSTATS ALLMATCHSCAN";
                case "VERSION" -> VERSION;
                case "PING" -> "PONG";
                case "INSTREAM" -> {
                    instreams.incrementAndGet();
                    drainChunks(ch);
                    yield mode == Mode.INFECTED ? "stream: " + INFECTED_AS + " FOUND" : "stream: OK";
                }
                default -> "UNKNOWN COMMAND";
            };
            ch.write(ByteBuffer.wrap((reply + term).getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            // The client went away.
        } finally {
            open.remove(ch);
        }
    }

    private static void drainChunks(SocketChannel ch) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(4);
        while (true) {
            len.clear();
            readFully(ch, len);
            int n = len.flip().getInt();
            if (n == 0) {
                return;
            }
            readFully(ch, ByteBuffer.allocate(n));
        }
    }

    private static byte readByte(SocketChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1);
        readFully(ch, b);
        return b.get(0);
    }

    private static void readFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("EOF");
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (SocketChannel ch : open) {
            ch.close();
        }
        if (socket != null) {
            Files.deleteIfExists(socket);
        }
    }
}
