package io.spanwatch.analyzer.web;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Checks a request from its head alone, before any of its body is buffered: the route, the body's
 * size (the upload limit for the scan service, the request limit for everything else), who sent it,
 * the rate limit, and the route's role. A request that fails is answered at once and its connection
 * closed, so an unauthenticated client can never make the console hold a large body.
 *
 * <p>One per connection (it keeps the state of the request being read); runs on the event loop.
 */
final class RequestGate extends ChannelInboundHandlerAdapter {
    static final AttributeKey<Principal> PRINCIPAL = AttributeKey.valueOf("spanwatch.principal");
    static final AttributeKey<Routes.Match> MATCH = AttributeKey.valueOf("spanwatch.match");

    private final Console console;
    private boolean discarding;
    private long bodyBytes;
    private long limit;

    RequestGate(Console console) {
        this.console = console;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            discarding = false;
            bodyBytes = 0;
            Response refusal = check(ctx, req);
            if (refusal != null) {
                discarding = true;
                ReferenceCountUtil.release(msg);
                Replies.send(ctx, refusal, false, false, null);
                return;
            }
        } else if (msg instanceof HttpContent c) {
            if (discarding) {
                ReferenceCountUtil.release(msg);
                return;
            }
            bodyBytes += c.content().readableBytes();
            if (bodyBytes > limit) {
                discarding = true;
                ReferenceCountUtil.release(msg);
                Replies.send(ctx, Response.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body larger than " + limit + " bytes"), false,
                        false, null);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private Response check(ChannelHandlerContext ctx, HttpRequest req) {
        if (req.decoderResult().isFailure()) {
            return Response.error(HttpResponseStatus.BAD_REQUEST, "malformed request");
        }
        QueryStringDecoder uri;
        try {
            uri = new QueryStringDecoder(req.uri(), StandardCharsets.UTF_8, true, 256);
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
        Authenticator.Result a = console.auth().authenticate(req.headers());
        String key = a.principal() != null ? "token:" + a.principal().name() : "address:" + address(ctx);
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

    private static String address(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress s ? s.getAddress().getHostAddress() : "?";
    }
}
