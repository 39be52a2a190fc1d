package io.spanwatch.analyzer.web;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds what connections can hold before they have even sent a request: at most
 * {@link #MAX_CONNECTIONS} open at once and {@link #MAX_PER_ADDRESS} from one client address (a
 * connection past either is closed at once, before anything is read), and a request's head (start
 * line and headers) must arrive whole within {@link #HEAD_MILLIS} of the connection opening or of the
 * last response, however it trickles in. Without these, 20,000 idle connections each sending a
 * header byte every few seconds (Slowloris: the read timeout restarts at every byte) left the
 * console unreachable and out of file descriptors, found by an adversarial review. Apache httpd's
 * {@code mod_reqtimeout} (header 20-40 s) and nginx's {@code client_header_timeout} guard the same way.
 *
 * <p>One per connection (the head deadline), sharing {@link Limits} with the others; runs on the event
 * loop.
 */
final class ConnectionGuard extends ChannelDuplexHandler {
    /** Connections open at once. */
    static final int MAX_CONNECTIONS = 1024;
    /** Connections open at once from one address (a browser opens about six). */
    static final int MAX_PER_ADDRESS = 128;
    /** Time a request's head may take to arrive. */
    static final long HEAD_MILLIS = 20_000;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConnectionGuard.class);

    /** The counts all connections of one console share. */
    static final class Limits {
        final int maxConnections;
        final int maxPerAddress;
        final long headMillis;
        final AtomicInteger open = new AtomicInteger();
        final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
        /** Connections closed for a limit, and heads that came too slowly. */
        final AtomicLong refused = new AtomicLong();
        final AtomicLong slowHeads = new AtomicLong();

        Limits(int maxConnections, int maxPerAddress, long headMillis) {
            this.maxConnections = maxConnections;
            this.maxPerAddress = maxPerAddress;
            this.headMillis = headMillis;
        }
    }

    private final Limits limits;
    private InetAddress address;
    private boolean counted;
    private ScheduledFuture<?> deadline;
    /** Requests whose head came and whose response has not gone out whole (pipelined ones queue up). */
    private int inFlight;

    ConnectionGuard(Limits limits) {
        this.limits = limits;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        address = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        int all = limits.open.incrementAndGet();
        int mine = address == null ? 0 : limits.perAddress.computeIfAbsent(address, k -> new AtomicInteger()).incrementAndGet();
        counted = true;
        if (all > limits.maxConnections || mine > limits.maxPerAddress) {
            long n = limits.refused.incrementAndGet();
            if (Long.bitCount(n) == 1) { // 1, 2, 4, 8, ...: told, never a flood of lines
                LOG.warn("console: connection from {} refused: {} open (at most {}), {} from that address (at most {}); {} refused so far",
                        address == null ? "?" : address.getHostAddress(), all, limits.maxConnections, mine, limits.maxPerAddress, n);
            }
            ctx.close();
            return;
        }
        arm(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        if (counted) {
            counted = false;
            limits.open.decrementAndGet();
            if (address != null) {
                limits.perAddress.computeIfPresent(address, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
            }
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            inFlight++;
            disarm(); // the head is in; the body has the read timeout and the size limits
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        boolean interim = msg instanceof io.netty.handler.codec.http.HttpResponse r
                && r.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL; // 100 Continue
        if (msg instanceof LastHttpContent && !interim) {
            // The next request's head starts its own clock once the last response due has gone out
            // whole (not when it is queued: a slow reader of a large download must not be cut off).
            promise = promise.unvoid();
            promise.addListener(f -> {
                inFlight = Math.max(0, inFlight - 1);
                if (f.isSuccess() && inFlight == 0 && ctx.channel().isActive()) {
                    arm(ctx);
                }
            });
        }
        super.write(ctx, msg, promise);
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        deadline = ctx.executor().schedule(() -> {
            limits.slowHeads.incrementAndGet();
            ctx.close();
        }, limits.headMillis, TimeUnit.MILLISECONDS);
    }

    private void disarm() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
