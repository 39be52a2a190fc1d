package io.spanwatch.analyzer.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
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
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Serves Prometheus text at {@code GET /metrics} with Netty: {@code HttpServerCodec}, an aggregator
 * capped at 8 KiB (a scrape has no body), then one handler. The scrape itself runs on a thread of its
 * own, never on the event loop. Anything else is 404 ({@code /}) or 405 (another method).
 *
 * <p>Limits: 64 connections at once (more are closed at once), 30 s without a request closes a
 * connection, request heads up to 8 KiB. Owns its threads; {@link #close} stops them.
 */
public final class MetricsServer implements Closeable {
    /** Prometheus text exposition format 0.0.4. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    static final int MAX_CONNECTIONS = 64;

    private final EventLoopGroup group;
    private final ExecutorService scraper;
    private final Channel channel;

    private MetricsServer(EventLoopGroup group, ExecutorService scraper, Channel channel) {
        this.group = group;
        this.scraper = scraper;
        this.channel = channel;
    }

    /** Listens on {@code address} and answers each scrape with {@code scrape.get()}. */
    public static MetricsServer start(InetSocketAddress address, Supplier<String> scrape) throws IOException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ExecutorService scraper = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "spanwatch-metrics-scrape");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger open = new AtomicInteger();
        try {
            Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            if (open.incrementAndGet() > MAX_CONNECTIONS) {
                                open.decrementAndGet();
                                c.close();
                                return;
                            }
                            c.closeFuture().addListener(f -> open.decrementAndGet());
                            c.pipeline().addLast(new ReadTimeoutHandler(30, TimeUnit.SECONDS), new HttpServerCodec(4096, 8192, 8192),
                                    new HttpObjectAggregator(8192), new Handler(scrape, scraper));
                        }
                    }).bind(address).syncUninterruptibly().channel();
            return new MetricsServer(group, scraper, ch);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            scraper.shutdownNow();
            Throwable c = e.getCause() != null ? e.getCause() : e;
            throw new IOException("cannot listen on " + address.getHostString() + ":" + address.getPort() + " for metrics: "
                    + c.getMessage(), e);
        }
    }

    /** Returns the address it listens on (the port chosen when 0 was asked). */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        scraper.shutdownNow();
    }

    /** Answers one request; the scrape goes to the scraper thread, the answer back through the channel. */
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Supplier<String> scrape;
        private final ExecutorService scraper;

        Handler(Supplier<String> scrape, ExecutorService scraper) {
            this.scrape = scrape;
            this.scraper = scraper;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (!req.decoderResult().isSuccess()) {
                send(ctx, HttpResponseStatus.BAD_REQUEST, "bad request\n", false);
                return;
            }
            String path = new QueryStringDecoder(req.uri()).path();
            if (!path.equals("/metrics")) {
                send(ctx, HttpResponseStatus.NOT_FOUND, "SpanWatch serves its metrics at /metrics\n", keepAlive);
                return;
            }
            if (!req.method().equals(HttpMethod.GET)) {
                send(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "GET only\n", keepAlive);
                return;
            }
            try {
                scraper.execute(() -> {
                    String body;
                    try {
                        body = scrape.get();
                    } catch (RuntimeException e) {
                        send(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed: " + e + "\n", false);
                        return;
                    }
                    send(ctx, HttpResponseStatus.OK, body, keepAlive);
                });
            } catch (RejectedExecutionException e) {
                send(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting down\n", false);
            }
        }

        private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, status == HttpResponseStatus.OK ? CONTENT_TYPE : "text/plain; charset=utf-8");
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
            if (status == HttpResponseStatus.METHOD_NOT_ALLOWED) {
                r.headers().set(HttpHeaderNames.ALLOW, "GET");
            }
            HttpUtil.setKeepAlive(r, keepAlive);
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a read timeout or a reset: nothing to answer
        }
    }
}
