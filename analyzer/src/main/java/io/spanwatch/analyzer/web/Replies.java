package io.spanwatch.analyzer.web;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.function.IntConsumer;

/**
 * Writes responses with the headers every response of the console carries: a strict
 * Content-Security-Policy (scripts, styles and images from the console only, nothing inline, no
 * frames, forms only to the console), {@code nosniff}, referrers only to the console itself, no caching, HSTS over TLS, and
 * the session cookie (HttpOnly, SameSite=Strict, Secure over TLS) when one was made. Runs on the
 * channel's event loop.
 */
final class Replies {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /** Bodies larger than this go out in pieces of this size. */
    static final int CHUNK = 64 * 1024;

    private Replies() {
    }

    static boolean tls(ChannelHandlerContext ctx) {
        return ctx.pipeline().get(SslHandler.class) != null;
    }

    /** Sends {@code r}; closes the connection after it unless {@code keepAlive}; tells {@code sent} the status it went out with. */
    static void send(ChannelHandlerContext ctx, Response r, boolean keepAlive, boolean head, Principal p, IntConsumer sent) {
        ChannelFuture last = write(ctx, r, keepAlive, head, p, sent);
        if (!keepAlive && last != null) {
            last.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Writes {@code r} with {@code Connection: keep-alive} or {@code close} and returns the future of its
     * last write, or null when the connection was closed because the file could not be read. Closing
     * is the caller's. {@code sent} is told the status that went out: a file answer whose file is gone
     * by now (retention) goes out as a 404.
     */
    static ChannelFuture write(ChannelHandlerContext ctx, Response r, boolean keepAlive, boolean head, Principal p, IntConsumer sent) {
        boolean tls = tls(ctx);
        HttpResponse res;
        long length;
        FileChannel fc = null;
        if (r.file != null) {
            try {
                fc = FileChannel.open(r.file, StandardOpenOption.READ);
                length = fc.size();
                if (r.deleteAfterOpen) {
                    java.nio.file.Files.deleteIfExists(r.file);
                }
            } catch (IOException e) {
                return write(ctx, Response.error(HttpResponseStatus.NOT_FOUND, "file not found"), keepAlive, head, p, sent);
            }
            res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status);
        } else if (r.body.length > CHUNK && !head) {
            // in pieces as the socket takes them: the connection's stall check sees a slow reader's progress
            length = r.body.length;
            res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, r.status);
        } else {
            length = r.body.length;
            res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status,
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(r.body));
        }
        sent.accept(r.status.code());
        HttpHeaders h = res.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, r.contentType);
        h.set(HttpHeaderNames.CONTENT_LENGTH, length);
        h.set("Content-Security-Policy", CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "same-origin"); // "no-referrer" would make browsers send Origin: null on our own forms
        h.set("Cross-Origin-Opener-Policy", "same-origin");
        h.set("Cross-Origin-Resource-Policy", "same-origin");
        h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (tls) {
            h.set("Strict-Transport-Security", "max-age=31536000");
        }
        if (p != null && p.newSession() && p.session() != null) {
            h.add(HttpHeaderNames.SET_COOKIE, cookie(p.session().id(), tls, false));
        }
        r.headers.forEach((k, v) -> {
            if (k.equalsIgnoreCase("Set-Cookie")) {
                h.add(k, v);
            } else {
                h.set(k, v);
            }
        });
        if (keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        } else {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ChannelFuture last;
        if (res instanceof FullHttpResponse) {
            last = ctx.writeAndFlush(res);
        } else if (fc == null) {
            ctx.write(res);
            last = ctx.writeAndFlush(new HttpChunkedInput(new io.netty.handler.stream.ChunkedStream(
                    new java.io.ByteArrayInputStream(r.body), CHUNK)));
            // The whole body waits in memory while the socket takes its pieces: counted in the
            // answers' bound from here, not only the pieces the writer has let through
            ConnectionGuard.holding(ctx, r.body.length, last);
        } else {
            ctx.write(res);
            if (head) {
                closeQuietly(fc);
                last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            } else {
                try {
                    last = ctx.writeAndFlush(new HttpChunkedInput(new ChunkedNioFile(fc, 0, length, CHUNK)));
                } catch (IOException e) {
                    closeQuietly(fc);
                    ctx.close();
                    return null;
                }
            }
        }
        return last;
    }

    /** Returns the Set-Cookie value for a session id; {@code expire} clears it. */
    static String cookie(String id, boolean tls, boolean expire) {
        return Authenticator.COOKIE + "=" + (expire ? "" : id) + "; Path=/; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : "")
                + (expire ? "; Max-Age=0" : "");
    }

    private static void closeQuietly(FileChannel fc) {
        try {
            fc.close();
        } catch (IOException e) {
            // nothing more to do
        }
    }
}
