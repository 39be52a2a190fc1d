package io.spanwatch.analyzer.web;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.spanwatch.analyzer.index.QueryException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Hands each whole request to its route's handler on the console's worker threads (searches and
 * scans block; Netty's event loop never does), after the checks that need the body: a POST from a
 * browser session must carry the session's CSRF token and, when the browser says where it comes
 * from ({@code Origin}, {@code Sec-Fetch-Site}), come from the console itself. A handler's
 * {@link Request.BadRequest} or {@link QueryException} is a 400 with its message; anything else a
 * 500 that names nothing of the failure, for an {@link Error} too, so no request ends a worker thread
 * or goes unanswered.
 */
final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Router.class);
    /** The form field and header that carry the CSRF token. */
    static final String CSRF_FIELD = "csrf";
    static final String CSRF_HEADER = "X-CSRF-Token";

    private final Console console;
    private final ExecutorService workers;

    Router(Console console, ExecutorService workers) {
        super(false);
        this.console = console;
        this.workers = workers;
    }

    /** Takes ownership of {@code req}: releases it here, or hands it to the worker that releases it after the handler. */
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        Principal p = ctx.channel().attr(RequestGate.PRINCIPAL).getAndSet(null);
        Routes.Match m = ctx.channel().attr(RequestGate.MATCH).getAndSet(null);
        Integer seqOrNull = ctx.channel().attr(RequestGate.SEQ).getAndSet(null);
        int seq = seqOrNull == null ? -1 : seqOrNull;
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        boolean head = req.method().equals(HttpMethod.HEAD);
        boolean handedOver = false;
        Response early;
        try {
            if (req.decoderResult().isFailure()) {
                // the body could not be read whole (a bad chunk size, say): nothing of it is acted on,
                // and the connection cannot be trusted to be at a request's start any more
                keepAlive = false;
                early = Response.error(HttpResponseStatus.BAD_REQUEST, "malformed request");
            } else {
                early = dispatch(ctx, req, m, p, keepAlive, head, seq);
                handedOver = early == null;
            }
        } catch (Request.BadRequest e) {
            early = Response.error(HttpResponseStatus.BAD_REQUEST, e.getMessage());
        } catch (RejectedExecutionException e) {
            early = Response.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy, try again").header("Retry-After", "1");
        } finally {
            if (!handedOver) {
                req.release();
            }
        }
        if (early != null) {
            answer(ctx, seq, early, keepAlive, head, p);
        }
    }

    /** Sends the answer of request {@code seq} once the answers before it are out (event loop only). */
    private void answer(ChannelHandlerContext ctx, int seq, Response r, boolean keepAlive, boolean head, Principal p) {
        if (seq < 0) {
            Replies.send(ctx, r, keepAlive, head, p, console.metrics()::responded);
            return;
        }
        ConnectionGuard.order(ctx.channel()).reply(seq, () -> Replies.send(ctx, r, keepAlive, head, p, console.metrics()::responded));
    }

    /**
     * Returns the answer of a request that goes no further, or null once a worker has taken the
     * request (and with it the release of {@code req}).
     *
     * @throws Request.BadRequest when the form body cannot be read
     * @throws RejectedExecutionException when every worker is busy and the queue is full
     */
    private Response dispatch(ChannelHandlerContext ctx, FullHttpRequest req, Routes.Match m, Principal p, boolean keepAlive,
            boolean head, int seq) {
        if (m == null) {
            return notFound(req.uri().startsWith("/api/"));
        }
        if (m.route() == null) {
            Response refused = req.uri().startsWith("/api/") ? Response.error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed")
                    : Response.html(HttpResponseStatus.METHOD_NOT_ALLOWED, console.pages().plain("Method not allowed",
                            "This page answers to " + m.allow() + " only."));
            return refused.header("Allow", m.allow());
        }
        Request r = new Request(req, new QueryStringDecoder(req.uri(), StandardCharsets.UTF_8, true, Request.MAX_PARAMS + 1), m.vars(), p,
                Replies.tls(ctx));
        if (m.route().params() != null) {
            r.requireOnly(m.route().params());
        }
        if (req.method().equals(HttpMethod.POST)) {
            Response refused = checkPost(req, r, p, m.route().csrf(), m.route().api());
            if (refused != null) {
                return refused;
            }
        }
        Route route = m.route();
        workers.execute(() -> {
            Response res;
            try {
                res = route.handle(r);
            } catch (Request.BadRequest | QueryException e) {
                res = route.api() ? Response.error(HttpResponseStatus.BAD_REQUEST, e.getMessage())
                        : console.pages().error(r, HttpResponseStatus.BAD_REQUEST, e.getMessage());
            } catch (Throwable e) {
                // an Error too (a stack overflow, a heap too small for one request): the worker lives on and the client gets its answer
                LOG.warn("{} {} failed", req.method(), r.path(), e);
                res = Response.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error");
            } finally {
                req.release();
            }
            Response out = res;
            ctx.executor().execute(() -> answer(ctx, seq, out, keepAlive, head, p));
        });
        return null;
    }

    private Response notFound(boolean api) {
        return api ? Response.error(HttpResponseStatus.NOT_FOUND, "no such resource")
                : Response.html(HttpResponseStatus.NOT_FOUND, console.pages().plain("Not found", "There is no such page."));
    }

    /** Returns the refusal of a POST that may not go on, or null. */
    private static Response checkPost(FullHttpRequest req, Request r, Principal p, boolean csrf, boolean api) {
        String site = req.headers().get("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return Response.error(HttpResponseStatus.FORBIDDEN, "cross-site request refused");
        }
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        String host = req.headers().get(HttpHeaderNames.HOST);
        // Scheme and host compare without case (RFC 6454 §4); the Host is the request target's authority
        // when the target came in absolute form (RequestGate).
        if (origin != null && (host == null || !(origin.equalsIgnoreCase("http://" + host) || origin.equalsIgnoreCase("https://" + host)))) {
            return Response.error(HttpResponseStatus.FORBIDDEN, "cross-origin request refused");
        }
        if (!csrf || p == null || p.bearer()) {
            return null; // the login form (a new session), or a token sent by a program: no cookie, no CSRF
        }
        String sent = req.headers().get(CSRF_HEADER);
        if (sent == null) {
            sent = r.formParam(CSRF_FIELD); // never from the URL: URLs end up in logs and Referer headers
        }
        if (sent == null || p.session() == null
                || !MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8), p.session().csrf().getBytes(StandardCharsets.UTF_8))) {
            return Response.error(HttpResponseStatus.FORBIDDEN, api
                    ? "missing or wrong CSRF token: a program sends Authorization: Bearer TOKEN (any value to a console run with"
                            + " --auth none, which has no tokens), or the session cookie with its X-CSRF-Token header"
                    : "missing or wrong CSRF token; reload the page");
        }
        return null;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
