package io.spanwatch.analyzer.web;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.stream.ChunkedWriteHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves the console with Netty: per connection {@code [TLS] → HTTP codec (start line 8 KiB,
 * headers 16 KiB) → ConnectionGuard (connections at once, the time a
 * request's head and body may take, answers the client stopped reading, answers in request order)
 * → RequestGate → aggregator (upload limit) → chunked writer → Router}; handlers run on {@link ConsoleConfig#threads} worker threads, never on the event loop.
 * Refreshes the index reader every second, so events committed by a running {@code sensor} are
 * searchable within about a second of their commit.
 *
 * <p>Owns its threads; {@link #close} stops them (the {@link Console}'s stores are the caller's).
 */
public final class ConsoleServer implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConsoleServer.class);

    private final EventLoopGroup boss;
    private final EventLoopGroup io;
    private final ExecutorService workers;
    private final ScheduledExecutorService refresher;
    private final Channel channel;

    private ConsoleServer(EventLoopGroup boss, EventLoopGroup io, ExecutorService workers, ScheduledExecutorService refresher,
            Channel channel) {
        this.boss = boss;
        this.io = io;
        this.workers = workers;
        this.refresher = refresher;
        this.channel = channel;
    }

    /**
     * Starts serving {@code console} on {@code address}.
     *
     * @param ssl the TLS context, or null for plain HTTP
     * @throws Exception when the address cannot be bound (the message names it)
     */
    public static ConsoleServer start(Console console, InetSocketAddress address, SslContext ssl) throws Exception {
        ConsoleConfig cfg = console.config();
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor workers = new ThreadPoolExecutor(cfg.threads(), cfg.threads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(cfg.threads() * 16), r -> {
                    Thread t = new Thread(r, "spanwatch-console-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        ScheduledExecutorService refresher = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spanwatch-console-refresh");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(() -> {
            try {
                console.index().refresh();
            } catch (Exception e) {
                LOG.warn("index refresh failed: {}", e.toString());
            }
        }, 1, 1, TimeUnit.SECONDS);
        ConnectionGuard.Limits limits = new ConnectionGuard.Limits(ConnectionGuard.MAX_CONNECTIONS, ConnectionGuard.MAX_PER_ADDRESS,
                ConnectionGuard.HEAD_MILLIS);
        console.metrics().watch(limits);
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup io = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            ServerBootstrap b = new ServerBootstrap().group(boss, io).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ChannelPipeline p = ch.pipeline();
                            if (ssl != null) {
                                p.addLast(ssl.newHandler(ch.alloc()));
                            }
                            p.addLast(new HttpServerCodec(RequestGate.MAX_LINE, RequestGate.MAX_HEADERS, 8192));
                            // Holds the requests a read decoded past the pipelining bound while reading
                            // is off (the decoder empties its buffer whatever autoRead says)
                            p.addLast(new io.netty.handler.flow.FlowControlHandler());
                            p.addLast(new ConnectionGuard(limits));
                            p.addLast(new RequestGate(console, limits));
                            p.addLast(new HttpObjectAggregator((int) Math.min(Integer.MAX_VALUE, cfg.maxUploadBytes())));
                            p.addLast(new ChunkedWriteHandler());
                            p.addLast(new Router(console, workers));
                        }
                    });
            Channel ch = b.bind(address).sync().channel();
            return new ConsoleServer(boss, io, workers, refresher, ch);
        } catch (Exception e) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownNow();
            refresher.shutdownNow();
            throw e;
        }
    }

    /** Returns the address the console listens on (the port is known once bound, also for port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Waits until the server is closed. */
    public void awaitClose() throws InterruptedException {
        channel.closeFuture().await();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        refresher.shutdownNow();
        workers.shutdownNow();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
