package io.spanwatch.analyzer.scan;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Relays TCP connections on 127.0.0.1 to a real clamd, to make it slow or take it away for tests:
 * every answer can wait a fixed time before its first byte goes back ({@link #slow}), and the relay
 * can go away for a while once the first scan starts ({@link #downAfterFirstScan}; that scan is
 * still answered): it stops listening,
 * so connections are refused as with a clamd that died, then listens on the same port again, as
 * a restarted clamd would. Bytes go through as they are; only the first bytes of a connection are
 * looked at, for clamd's {@code INSTREAM} command. The caller owns it and must {@link #close} it.
 */
public final class ClamdProxy implements AutoCloseable {
    private final InetSocketAddress target;
    private final int port;
    private final Thread acceptor;
    private final AtomicInteger connections = new AtomicInteger();
    private volatile ServerSocket server;
    private volatile boolean closed;
    private volatile long replyDelayMillis;
    private volatile long downMillis;
    /** When the relay listens again (System.nanoTime) once it went away; 0 before. */
    private volatile long upAgainNanos;
    private volatile int downs;

    private ClamdProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.server = listen(0);
        this.port = server.getLocalPort();
        this.acceptor = Thread.ofPlatform().name("clamd-proxy").daemon(true).unstarted(this::accept);
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        return s;
    }

    /** Starts a relay to clamd's TCP endpoint. */
    public static ClamdProxy start(ClamdAddress clamd) throws IOException {
        ClamdProxy p = new ClamdProxy(new InetSocketAddress(clamd.host(), clamd.port()));
        p.acceptor.start();
        return p;
    }

    /** Makes every answer wait {@code millis} before its first byte is passed back. */
    public ClamdProxy slow(long millis) {
        replyDelayMillis = millis;
        return this;
    }

    /** Stops listening when the first scan (INSTREAM) comes, relays that one, listens again {@code millis} later. */
    public ClamdProxy downAfterFirstScan(long millis) {
        downMillis = millis;
        return this;
    }

    /** Returns the endpoint to give SpanWatch ({@code --clamd}). */
    public ClamdAddress address() {
        return ClamdAddress.tcp("127.0.0.1", port);
    }

    /** Returns the connections relayed so far. */
    public int connections() {
        return connections.get();
    }

    /** Returns how many times the relay went away. */
    public int downs() {
        return downs;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Thread.ofPlatform().daemon(true).start(() -> relay(client));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                try {
                    Thread.sleep(Math.max(0, (upAgainNanos - System.nanoTime()) / 1_000_000));
                    server = listen(port); // back, on the same port
                } catch (IOException | InterruptedException again) {
                    return;
                }
            }
        }
    }

    private void relay(Socket client) {
        try (client; Socket clamd = new Socket()) {
            byte[] buf = new byte[64 * 1024];
            int n = client.getInputStream().read(buf);
            connections.incrementAndGet();
            if (n > 0 && downMillis > 0 && downs == 0 && new String(buf, 0, n, StandardCharsets.ISO_8859_1).contains("INSTREAM")) {
                // Gone as soon as the first scan starts, so no later connection can slip in while this one
                // finishes: connections are refused until it listens again; this scan is still answered.
                downs++;
                upAgainNanos = System.nanoTime() + downMillis * 1_000_000;
                server.close();
            }
            clamd.connect(target, 5_000);
            if (n > 0) {
                clamd.getOutputStream().write(buf, 0, n);
            }
            Thread up = Thread.ofPlatform().daemon(true).start(() -> pump(client, clamd, 0));
            pump(clamd, client, replyDelayMillis);
            up.join(10_000);
        } catch (IOException | InterruptedException e) {
            // the client or clamd went away: so does the relay
        }
    }

    /** Copies until end of stream; waits {@code delayMillis} before the first bytes. */
    private static void pump(Socket from, Socket to, long delayMillis) {
        byte[] buf = new byte[64 * 1024];
        boolean first = true;
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (first && delayMillis > 0) {
                    Thread.sleep(delayMillis);
                }
                first = false;
                out.write(buf, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException | InterruptedException e) {
            // one side closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
    }
}
