package io.spanwatch.analyzer.web;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Checks a request from its head alone, before any of its body is buffered: without authentication,
 * that its Host is the console's own loopback address (else 421, against DNS rebinding); the route, the body's
 * size (the upload limit for the scan service, the request limit for everything else), who sent it,
 * the rate limit, and the route's role. A request that fails is answered at once and its connection
 * closed, so an unauthenticated client can never make the console hold a large body.
 *
 * <p>A refused request's body may still be on its way. Closing the socket with it unread would make
 * the kernel reset the connection, and a reset can destroy the refusal in the client's receive buffer
 * before the client reads it (the client then sees no answer at all). So a refusal is followed by a
 * lingering close, as Apache httpd and nginx do it (RFC 9112, section 9.6): the console shuts down its
 * side of the connection, reads and drops what still arrives for at most {@link #LINGER_MILLIS} or
 * {@link #LINGER_MAX_BYTES}, then closes.
 *
 * <p>One per connection (it keeps the state of the request being read); runs on the event loop.
 */
final class RequestGate extends ChannelInboundHandlerAdapter {
    static final AttributeKey<Principal> PRINCIPAL = AttributeKey.valueOf("spanwatch.principal");
    static final AttributeKey<Routes.Match> MATCH = AttributeKey.valueOf("spanwatch.match");
    /** The number of the request being read ({@link ConnectionGuard.InOrder}), for its answer's place. */
    static final AttributeKey<Integer> SEQ = AttributeKey.valueOf("spanwatch.seq");

    /** How long a refused connection is drained before it is closed. */
    /** The longest request line and the most header bytes the console's codec reads (414 and 431 past them). */
    static final int MAX_LINE = 8192;
    static final int MAX_HEADERS = 16384;
    static final long LINGER_MILLIS = 2_000;
    /** How much of a refused connection's input is drained before it is closed. */
    static final long LINGER_MAX_BYTES = 16L << 20;

    private final Console console;
    private final ConnectionGuard.Limits limits;
    private int seq;
    private boolean lingering;
    private long lingerBytes;
    private boolean discarding;
    private long bodyBytes;
    private long limit;

    RequestGate(Console console, ConnectionGuard.Limits limits) {
        this.console = console;
        this.limits = limits;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            if (msg instanceof HttpContent c) {
                lingerBytes += c.content().readableBytes();
            }
            ReferenceCountUtil.release(msg);
            if (lingerBytes > LINGER_MAX_BYTES) {
                ctx.close();
            }
            return;
        }
        if (msg instanceof HttpRequest req) {
            discarding = false;
            bodyBytes = 0;
            seq = ConnectionGuard.order(ctx.channel()).admit();
            ctx.channel().attr(SEQ).set(seq);
            Response refusal = check(ctx, req);
            if (refusal != null) {
                ReferenceCountUtil.release(msg);
                refuse(ctx, refusal);
                return;
            }
        } else if (msg instanceof HttpContent c) {
            if (discarding) {
                ReferenceCountUtil.release(msg);
                return;
            }
            bodyBytes += c.content().readableBytes();
            if (bodyBytes > limit) {
                ReferenceCountUtil.release(msg);
                refuse(ctx, Response.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body larger than " + limit + " bytes"));
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Answers with {@code refusal} and {@code Connection: close} once the answers to the requests
     * before it are out, then closes the connection lingering; reads nothing more meanwhile.
     */
    private void refuse(ChannelHandlerContext ctx, Response refusal) {
        lingering = true;
        discarding = true;
        ConnectionGuard.order(ctx.channel()).reply(seq, () -> refuseNow(ctx, refusal));
    }

    private void refuseNow(ChannelHandlerContext ctx, Response refusal) {
        ChannelFuture written = Replies.write(ctx, refusal, false, false, null, console.metrics()::responded);
        if (written == null) {
            return;
        }
        Channel ch = ctx.channel();
        ScheduledFuture<?> deadline = ch.eventLoop().schedule((Runnable) ch::close, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        ch.closeFuture().addListener(f -> deadline.cancel(false));
        written.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ch.close();
                return;
            }
            SslHandler ssl = ch.pipeline().get(SslHandler.class);
            if (ssl != null) {
                ssl.closeOutbound().addListener(g -> shutdownOutput(ch));
            } else {
                shutdownOutput(ch);
            }
        });
    }

    private static void shutdownOutput(Channel ch) {
        if (ch instanceof DuplexChannel d) {
            d.shutdownOutput().addListener(f -> {
                if (!f.isSuccess()) {
                    ch.close();
                }
            });
        } else {
            ch.close();
        }
    }

    private Response check(ChannelHandlerContext ctx, HttpRequest req) {
        if (req.decoderResult().isFailure()) {
            // the codec's limits, named as RFC 9110 §15.5.15 and RFC 6585 §5 name them
            Throwable cause = req.decoderResult().cause();
            if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
                return Response.error(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line longer than " + MAX_LINE + " bytes");
            }
            if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
                return Response.error(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers larger than " + MAX_HEADERS + " bytes");
            }
            return Response.error(HttpResponseStatus.BAD_REQUEST, "malformed request");
        }
        java.util.List<String> hosts = req.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1 || (hosts.isEmpty() && req.protocolVersion().equals(io.netty.handler.codec.http.HttpVersion.HTTP_1_1))) {
            return Response.error(HttpResponseStatus.BAD_REQUEST, "a request needs exactly one Host header"); // RFC 9112 §3.2
        }
        String host = hosts.isEmpty() ? null : hosts.getFirst();
        String target = req.uri();
        if (target.regionMatches(true, 0, "http://", 0, 7) || target.regionMatches(true, 0, "https://", 0, 8)) {
            // the absolute form (RFC 9112 §3.2.2): its authority stands for the Host header, its path is served
            java.net.URI u;
            try {
                u = new java.net.URI(target);
            } catch (java.net.URISyntaxException e) {
                return Response.error(HttpResponseStatus.BAD_REQUEST, "malformed request target");
            }
            host = u.getRawAuthority();
            // The authority is the Host from here on, for every later check (the Origin check of a POST too).
            if (host == null) {
                req.headers().remove(HttpHeaderNames.HOST);
            } else {
                req.headers().set(HttpHeaderNames.HOST, host);
            }
            String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
            req.setUri(u.getRawQuery() == null ? path : path + "?" + u.getRawQuery());
        }
        if (!console.auth().required() && !localHost(host, ctx.channel().localAddress())) {
            return Response.error(HttpResponseStatus.MISDIRECTED_REQUEST, "this console answers only to its own address");
        }
        QueryStringDecoder uri;
        try {
            uri = new QueryStringDecoder(req.uri(), StandardCharsets.UTF_8, true, Request.MAX_PARAMS + 1);
            uri.path();
            uri.parameters();
        } catch (IllegalArgumentException e) {
            return Response.error(HttpResponseStatus.BAD_REQUEST, "malformed request target");
        }
        Routes.Match m = console.routes().find(req.method(), uri.path());
        Route route = m == null ? null : m.route();
        ConsoleConfig cfg = console.config();
        limit = route != null && route.upload() ? cfg.maxUploadBytes() : cfg.maxRequestBytes();
        if (HttpUtil.getContentLength(req, -1L) > limit) {
            return Response.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body larger than " + limit + " bytes");
        }
        if (limits.queueFull()) {
            // answers to clients that read slowly hold this much already: no more until they drain
            return Response.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy, try again").header("Retry-After", "1");
        }
        Authenticator.Result a = console.auth().authenticate(req.headers());
        String key = rateKey(a.principal(), ctx);
        RateLimiter limiter = console.limiter();
        if (!limiter.tryAcquire(key, System.nanoTime())) {
            return Response.error(HttpResponseStatus.TOO_MANY_REQUESTS, "too many requests")
                    .header("Retry-After", Long.toString(limiter.retryAfterSeconds(key)));
        }
        if (route != null && route.role() != null) {
            if (a.badToken()) {
                return Response.error(HttpResponseStatus.UNAUTHORIZED, "unknown or revoked token").header("WWW-Authenticate", "Bearer");
            }
            if (a.principal() == null) {
                if (route.api()) {
                    return Response.error(HttpResponseStatus.UNAUTHORIZED, "a token is needed (Authorization: Bearer)")
                            .header("WWW-Authenticate", "Bearer");
                }
                return Response.redirect("/login?next=" + URLEncoder.encode(req.uri().length() > 2000 ? "/" : req.uri(), StandardCharsets.UTF_8));
            }
            if (!a.principal().allows(route.role())) {
                return Response.error(HttpResponseStatus.FORBIDDEN, "the token's role (" + a.principal().role().label()
                        + ") may not do this");
            }
        }
        ctx.channel().attr(PRINCIPAL).set(a.principal());
        ctx.channel().attr(MATCH).set(m);
        return null;
    }

    /**
     * Returns whose share of the rate limit a request takes: a token's (its name), or before login an
     * address's. Without authentication everyone is the local analyst under one name, so a script
     * polling the API used up the analyst's share too (an adversarial review): there a browser whose
     * session cookie came back has its session's share, and requests without one share another.
     */
    private String rateKey(Principal p, ChannelHandlerContext ctx) {
        if (p == null) {
            return "address:" + address(ctx);
        }
        if (!console.auth().required() && !p.bearer()) {
            return p.session() != null && !p.newSession() ? "session:" + p.session().id() : "local:no-cookie";
        }
        return "token:" + p.name();
    }

    /**
     * Tells whether {@code host} (the Host header) names the loopback console itself: its own address,
     * {@code localhost}, {@code 127.0.0.1} or {@code [::1]}, with its port or none. A page elsewhere
     * whose name was made to resolve to 127.0.0.1 (DNS rebinding) sends its own name.
     */
    static boolean localHost(String host, java.net.SocketAddress local) {
        if (host == null || !(local instanceof InetSocketAddress l)) {
            return false;
        }
        String name = host.toLowerCase(java.util.Locale.ROOT);
        int colon = name.lastIndexOf(':');
        if (colon >= 0 && colon > name.lastIndexOf(']')) {
            if (!name.substring(colon + 1).equals(Integer.toString(l.getPort()))) {
                return false;
            }
            name = name.substring(0, colon);
        }
        String own = l.getAddress().getHostAddress();
        return name.equals("localhost") || name.equals("127.0.0.1") || name.equals("[::1]")
                || name.equals(own) || name.equals("[" + own + "]");
    }

    private static String address(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress s ? s.getAddress().getHostAddress() : "?";
    }
}
