package io.spanwatch.analyzer.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ConnectionGuard} on real sockets, with small limits (the console's are 1,024 connections, 128
 * from one address and 20 s for a head): connections past a limit are closed before anything is
 * read, a head that trickles in byte by byte is cut off at its deadline although every byte restarts
 * the read timeout, and a keep-alive connection's next head gets its own deadline once the response
 * is out.
 */
class ConnectionGuardTest {
    private static final long HEAD_MILLIS = 2_000;
    private static final long BODY_MILLIS = 4_000;
    private static final long STALL_MILLIS = 2_000;
    /** The answer of {@code /big}. */
    private static final int BIG = 16 << 20;
    private EventLoopGroup group;
    private Channel server;
    private ConnectionGuard.Limits limits;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        limits = new ConnectionGuard.Limits(6, 3, HEAD_MILLIS, BODY_MILLIS, STALL_MILLIS, 64L << 20);
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class).childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new ConnectionGuard(limits), new HttpObjectAggregator(4096),
                        new io.netty.handler.stream.ChunkedWriteHandler(),
                        new SimpleChannelInboundHandler<FullHttpRequest>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                                        Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII));
                                r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
                                if (req.uri().equals("/big")) {
                                    // as the console writes large answers: the head, then pieces as the socket takes them
                                    io.netty.handler.codec.http.HttpResponse big = new io.netty.handler.codec.http.DefaultHttpResponse(
                                            HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                                    big.headers().set(HttpHeaderNames.CONTENT_LENGTH, BIG);
                                    ctx.write(big);
                                    ConnectionGuard.holding(ctx, BIG, ctx.writeAndFlush(new io.netty.handler.codec.http.HttpChunkedInput(
                                            new io.netty.handler.stream.ChunkedStream(new java.io.ByteArrayInputStream(new byte[BIG]), 64 << 10))));
                                } else if (req.uri().equals("/slow")) { // answered after more than a head's time
                                    ctx.executor().schedule(() -> ctx.writeAndFlush(r), HEAD_MILLIS + 1_000, TimeUnit.MILLISECONDS);
                                } else if (req.uri().equals("/soon")) { // answered once the next pipelined head is in
                                    ctx.executor().schedule(() -> ctx.writeAndFlush(r), 200, TimeUnit.MILLISECONDS);
                                } else {
                                    ctx.writeAndFlush(r);
                                }
                            }
                        });
            }
        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        server.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", ((InetSocketAddress) server.localAddress()).getPort());
        sockets.add(s);
        return s;
    }

    /** Reads until the server closes (true) or {@code millis} pass with the connection open (false). */
    private static boolean closedWithin(Socket s, long millis) throws IOException {
        s.setSoTimeout((int) millis);
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // a response: keep reading
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Test
    void connectionsPastTheLimitFromOneAddressAreClosedAtOnce() throws Exception {
        List<Socket> first = List.of(connect(), connect(), connect());
        Socket fourth = connect();
        assertTrue(closedWithin(fourth, 5_000), "the fourth connection from one address is closed before it sends anything");
        for (Socket s : first) {
            assertTrue(!closedWithin(s, 50), "the first three stay open until their heads are due");
        }
        // Once they are gone (their heads never came), the address may connect again.
        for (Socket s : first) {
            assertTrue(closedWithin(s, 5_000));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (limits.open.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Socket again = connect();
        again.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        again.setSoTimeout(5_000);
        assertEquals("HTTP/1.1 200", new String(again.getInputStream().readNBytes(12), StandardCharsets.US_ASCII));
        assertEquals(1, limits.refused.get());
    }

    @Test
    void aHeadThatTricklesInIsCutOffAtItsDeadline() throws Exception {
        Socket s = connect();
        OutputStream out = s.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: x\r\nX-a: ".getBytes(StandardCharsets.US_ASCII));
        boolean closed = false;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!closed && System.nanoTime() < until) {
            try {
                out.write('a'); // a byte every 50 ms: the connection is never silent
                out.flush();
            } catch (IOException e) {
                closed = true;
                break;
            }
            closed = closedWithin(s, 50);
        }
        assertTrue(closed, "a head still incomplete after its deadline closes the connection");
        assertEquals(1, limits.slowHeads.get());
    }

    @Test
    void keepAliveRequestsEachGetTheirOwnDeadline() throws Exception {
        Socket s = connect();
        s.setSoTimeout(5_000);
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        for (int i = 0; i < 3; i++) {
            Thread.sleep(HEAD_MILLIS / 2); // each request well within its own deadline, together past one
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] head = in.readNBytes(12);
            assertEquals("HTTP/1.1 200", new String(head, StandardCharsets.US_ASCII), "request " + i);
            while (!new String(in.readNBytes(1), StandardCharsets.US_ASCII).equals("k")) {
                // up to the body's last byte
            }
        }
        assertTrue(closedWithin(s, 5_000), "an idle keep-alive connection goes once the next head is due");
        assertEquals(1, limits.slowHeads.get());
        assertEquals(0, limits.refused.get());
    }

    @Test
    void aPipelinedRequestStillBeingWorkedOnIsNotCutOff() throws Exception {
        Socket s = connect();
        s.setSoTimeout(10_000);
        s.getOutputStream().write("GET /soon HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        byte[] got = new byte[4096];
        int n = 0;
        try {
            for (int r; n < got.length && (r = s.getInputStream().read(got, n, got.length - n)) > 0; ) {
                n += r;
                if (new String(got, 0, n, StandardCharsets.US_ASCII).split("HTTP/1.1 200", -1).length - 1 == 2
                        && new String(got, 0, n, StandardCharsets.US_ASCII).endsWith("ok")) {
                    break;
                }
            }
        } catch (IOException e) {
            // closed: what came is checked below
        }
        String both = new String(got, 0, n, StandardCharsets.US_ASCII);
        assertEquals(2, both.split("HTTP/1.1 200", -1).length - 1, "both answered: " + both);
        assertEquals(0, limits.slowHeads.get());
    }

    @Test
    void aBodyAfter100ContinueIsNotAHead() throws Exception {
        Socket s = connect();
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        assertEquals("HTTP/1.1 100", new String(in.readNBytes(12), StandardCharsets.US_ASCII));
        in.readNBytes(in.available());
        Thread.sleep(HEAD_MILLIS + 500); // a client slow to send its body: the body's own limits apply, not the head's
        out.write("hello".getBytes(StandardCharsets.US_ASCII));
        String rest = new String(in.readNBytes(40), StandardCharsets.US_ASCII);
        assertTrue(rest.contains("HTTP/1.1 200"), rest);
        assertEquals(0, limits.slowHeads.get());
    }

    /**
     * A client that reads a large answer slowly gets all of it, however long it takes (the read
     * timeout the console had before cut a 100 MB download at 68 MB); one that stops reading is
     * closed once nothing went out for the stall time, and the bytes queued for it are let go.
     */
    @Test
    void aSlowReaderGetsItAllAndOneThatStopsReadingIsLetGo() throws Exception {
        Socket slow = connect();
        slow.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = slow.getInputStream();
        byte[] buf = new byte[256 << 10];
        long got = 0;
        long started = System.nanoTime();
        slow.setSoTimeout(10_000);
        while (got < BIG) { // some 6 s at 256 KiB every 100 ms: three times the stall time
            int n = in.read(buf);
            assertTrue(n > 0, "still coming after " + got + " bytes; stalled " + limits.stalledWrites + ", slow bodies " + limits.slowBodies + ", slow heads " + limits.slowHeads);
            got += n;
            Thread.sleep(100);
        }
        System.out.println("ConnectionGuardTest: 16 MiB read slowly in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        assertEquals(0, limits.stalledWrites.get());

        Socket stalled = connect();
        stalled.setReceiveBufferSize(16 << 10);
        stalled.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        Thread.sleep(500);
        // the whole body waits in memory behind the pieces the socket has not taken: all of it counted
        assertTrue(limits.queuedBytes.get() >= BIG, "queued " + limits.queuedBytes.get() + " of a body of " + BIG);
        Thread.sleep(2 * STALL_MILLIS + 1_500); // reads nothing for more than twice the stall time
        long total = 0;
        stalled.setSoTimeout(10_000);
        try {
            InputStream sin = stalled.getInputStream();
            for (int n; (n = sin.read(buf)) > 0; ) {
                total += n;
            }
        } catch (IOException e) {
            // reset: closed
        }
        assertTrue(total < BIG, "cut off: " + total);
        assertEquals(1, limits.stalledWrites.get());
        for (int i = 0; i < 50 && limits.queuedBytes.get() != 0; i++) {
            Thread.sleep(100);
        }
        assertEquals(0, limits.queuedBytes.get(), "nothing left queued");
    }

    /**
     * A body that keeps coming, each piece within the body's time of the one before, is read whole
     * however long it takes in all (here twice the body's time and more).
     */
    @Test
    void aBodyThatKeepsComingSlowlyIsReadWhole() throws Exception {
        Socket s = connect();
        OutputStream out = s.getOutputStream();
        out.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 10; i++) {
            Thread.sleep(BODY_MILLIS / 4);
            out.write('0' + i);
            out.flush();
        }
        s.setSoTimeout(10_000);
        String answer = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        assertEquals("HTTP/1.1 200", answer);
        assertEquals(0, limits.slowBodies.get());
    }

    /** A body that stops coming is cut off after the body's time, whatever its head's deadline was. */
    @Test
    void aBodyThatStopsComingIsCutOff() throws Exception {
        Socket s = connect();
        s.getOutputStream().write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789".getBytes(StandardCharsets.US_ASCII));
        assertTrue(closedWithin(s, BODY_MILLIS + 5_000), "closed");
        assertEquals(1, limits.slowBodies.get());
    }
}
