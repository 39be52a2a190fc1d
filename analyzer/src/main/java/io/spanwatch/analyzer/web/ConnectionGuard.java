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
 * <p>Once the head is in, the body must keep coming: at most {@link #BODY_MILLIS} between two of its
 * pieces. A response being sent must keep going out: when the client reads nothing of it for
 * {@link #WRITE_STALL_SECONDS} to twice that, the connection is closed and what it held let go. Before 2026-12-05 a read timeout of
 * 60 s ran from the last byte received, and cut off every download that took longer than that to
 * read (a 100 MB file at 1 MB/s stopped at 68 MB), while a client that never read kept its answer
 * queued for as long as it sent a request now and then (an adversarial review saw the console's
 * memory grow by 2 GB that way). The bytes of responses queued on all connections together are
 * counted ({@link Limits#queuedBytes}); past {@link #MAX_QUEUED_BYTES} new requests get a 503
 * ({@link RequestGate}).
 *
 * <p>Answers go out in the order their requests came ({@link InOrder}): a pipelined request answered
 * sooner by its worker waits for the ones before it (RFC 9112 §9.3.2), and at most
 * {@link #MAX_PIPELINED} requests of one connection are in the works at once (reading stops until
 * one is answered).
 *
 * <p>One per connection (the deadlines), sharing {@link Limits} with the others; runs on the event
 * loop.
 */
final class ConnectionGuard extends ChannelDuplexHandler {
    /** Connections open at once. */
    static final int MAX_CONNECTIONS = 1024;
    /** Connections open at once from one address (a browser opens about six). */
    static final int MAX_PER_ADDRESS = 128;
    /** Time a request's head may take to arrive. */
    static final long HEAD_MILLIS = 20_000;
    /** Time a request's body may go without a byte. */
    static final long BODY_MILLIS = 60_000;
    /**
     * Time a response being sent may go without one of its writes taken by the socket: between one and
     * two of these (progress is looked at once a period), as nginx's {@code send_timeout} (60 s
     * between two writes). The kernel's send buffer (up to 4 MiB) takes writes in bursts: Linux lets
     * the writer go on only once half of what it holds has gone out, so a client reading 32 KiB a
     * second leaves writes waiting for about a minute; one reading slower than that over a full
     * buffer is let go.
     */
    static final int WRITE_STALL_SECONDS = 60;
    /** Bytes of responses queued on all connections past which new requests are refused for a while. */
    static final long MAX_QUEUED_BYTES = 64L << 20;
    /** Requests of one connection read and not yet answered. */
    static final int MAX_PIPELINED = 8;
    /** Where a connection's {@link InOrder} is kept. */
    static final io.netty.util.AttributeKey<InOrder> ORDER = io.netty.util.AttributeKey.valueOf("spanwatch.order");
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConnectionGuard.class);

    /** The counts all connections of one console share. */
    static final class Limits {
        final int maxConnections;
        final int maxPerAddress;
        final long headMillis;
        final AtomicInteger open = new AtomicInteger();
        final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
        final long bodyMillis;
        final long writeStallMillis;
        final long maxQueuedBytes;
        /** Connections closed for a limit, and heads that came too slowly. */
        final AtomicLong refused = new AtomicLong();
        final AtomicLong slowHeads = new AtomicLong();
        /** Bodies that stopped coming, and responses the client stopped reading. */
        final AtomicLong slowBodies = new AtomicLong();
        final AtomicLong stalledWrites = new AtomicLong();
        /** Bytes of responses written and not yet taken by the sockets, all connections. */
        final AtomicLong queuedBytes = new AtomicLong();

        Limits(int maxConnections, int maxPerAddress, long headMillis) {
            this(maxConnections, maxPerAddress, headMillis, BODY_MILLIS, WRITE_STALL_SECONDS * 1000L, MAX_QUEUED_BYTES);
        }

        Limits(int maxConnections, int maxPerAddress, long headMillis, long bodyMillis, long writeStallMillis, long maxQueuedBytes) {
            this.maxConnections = maxConnections;
            this.maxPerAddress = maxPerAddress;
            this.headMillis = headMillis;
            this.bodyMillis = bodyMillis;
            this.writeStallMillis = writeStallMillis;
            this.maxQueuedBytes = maxQueuedBytes;
        }

        /** Tells whether responses queued on all connections take more than the bound. */
        boolean queueFull() {
            return queuedBytes.get() > maxQueuedBytes;
        }
    }

    /**
     * Puts a connection's answers in the order of its requests: each request head takes a number
     * ({@link #admit}); an answer is written when all before it were ({@link #reply}). Event loop only.
     */
    static final class InOrder {
        private final io.netty.channel.Channel channel;
        private int nextSeq;
        private int nextToWrite;
        private final java.util.TreeMap<Integer, Runnable> parked = new java.util.TreeMap<>();

        InOrder(io.netty.channel.Channel channel) {
            this.channel = channel;
        }

        /** Numbers a request whose head just came; stops reading while {@link #MAX_PIPELINED} wait. */
        int admit() {
            int seq = nextSeq++;
            if (nextSeq - nextToWrite >= MAX_PIPELINED) {
                channel.config().setAutoRead(false);
            }
            return seq;
        }

        /** Writes the answer of request {@code seq} (through {@code write}) once those before it are written. */
        void reply(int seq, Runnable write) {
            parked.put(seq, write);
            while (!parked.isEmpty() && parked.firstKey() == nextToWrite) {
                nextToWrite++;
                parked.pollFirstEntry().getValue().run();
            }
            if (nextSeq - nextToWrite < MAX_PIPELINED && !channel.config().isAutoRead() && channel.isActive()) {
                channel.config().setAutoRead(true);
            }
        }
    }

    /** The order keeper of {@code ch} (made with the connection). */
    static InOrder order(io.netty.channel.Channel ch) {
        InOrder o = ch.attr(ORDER).get();
        if (o == null) {
            o = new InOrder(ch);
            ch.attr(ORDER).set(o);
        }
        return o;
    }

    private final Limits limits;

    /**
     * Counts an answer body of {@code bytes} held in memory by a writer further up the pipeline (a
     * large answer goes out in pieces as the socket takes them) in the answers' bound until
     * {@code last}, its last write, completes. The pieces themselves are counted again as they pass
     * this handler: a slight overcount, on the side of refusing early.
     */
    static void holding(ChannelHandlerContext ctx, long bytes, io.netty.channel.ChannelFuture last) {
        ConnectionGuard g = ctx.pipeline().get(ConnectionGuard.class);
        if (g == null || bytes <= 0) {
            return;
        }
        g.limits.queuedBytes.addAndGet(bytes);
        last.addListener(f -> g.limits.queuedBytes.addAndGet(-bytes));
    }
    private InetAddress address;
    private boolean counted;
    private ScheduledFuture<?> deadline;
    /** Requests whose head came and whose response has not gone out whole (pipelined ones queue up). */
    private int inFlight;
    /** Responses started (their head written) and not yet out whole. */
    private int responding;
    /** Bytes written on this connection and not yet taken by its socket; bytes taken so far. */
    private long queuedHere;
    private long takenBytes;
    private long takenAtLastLook;
    private ScheduledFuture<?> stallCheck;
    private ScheduledFuture<?> bodyDeadline;
    /** When the last piece of the body being read came ({@link System#nanoTime}). */
    private long bodyPieceNanos;

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
        disarmBody();
        unwatchWrites();
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
            disarm(); // the head is in; the body has its own deadline and the size limits
        }
        if (msg instanceof LastHttpContent) {
            disarmBody();
        } else if (msg instanceof HttpRequest || msg instanceof io.netty.handler.codec.http.HttpContent) {
            armBody(ctx); // more of the body is due
        }
        super.channelRead(ctx, msg);
    }

    /**
     * Closes the connection when an answer is queued and the socket took none of its bytes since the
     * last look ({@link #WRITE_STALL_SECONDS} ago); runs every period while an answer is going out.
     * Progress is what the socket took of each write, so answers go out in pieces ({@link Replies}
     * writes bodies over 64 KiB as chunks, files always).
     */
    private void checkStall(ChannelHandlerContext ctx) {
        if (responding > 0 && queuedHere > 0 && takenBytes == takenAtLastLook) {
            limits.stalledWrites.incrementAndGet();
            ctx.close();
            return;
        }
        takenAtLastLook = takenBytes;
    }

    private void watchWrites(ChannelHandlerContext ctx) {
        if (stallCheck == null) {
            takenAtLastLook = takenBytes;
            stallCheck = ctx.executor().scheduleAtFixedRate(() -> checkStall(ctx), limits.writeStallMillis, limits.writeStallMillis,
                    TimeUnit.MILLISECONDS);
        }
    }

    private void unwatchWrites() {
        cancel(stallCheck);
        stallCheck = null;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        boolean interim = msg instanceof io.netty.handler.codec.http.HttpResponse r
                && r.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL; // 100 Continue
        if (msg instanceof io.netty.handler.codec.http.HttpResponse && !interim) {
            responding++;
            watchWrites(ctx);
        }
        long bytes = msg instanceof io.netty.buffer.ByteBufHolder h ? h.content().readableBytes()
                : msg instanceof io.netty.buffer.ByteBuf b ? b.readableBytes() : 0;
        boolean last = msg instanceof LastHttpContent && !interim;
        if (bytes > 0 || last) {
            promise = promise.unvoid();
        }
        if (bytes > 0) {
            limits.queuedBytes.addAndGet(bytes);
            queuedHere += bytes;
            promise.addListener(f -> { // taken by the socket, or the connection gone
                limits.queuedBytes.addAndGet(-bytes);
                queuedHere -= bytes;
                if (f.isSuccess()) {
                    takenBytes += bytes;
                }
            });
        }
        if (last) {
            // The next request's head starts its own clock once the last response due has gone out
            // whole (not when it is queued: a slow reader of a large download must not be cut off).
            promise.addListener(f -> {
                inFlight = Math.max(0, inFlight - 1);
                responding = Math.max(0, responding - 1);
                if (responding == 0) {
                    unwatchWrites();
                }
                if (f.isSuccess() && inFlight == 0 && ctx.channel().isActive()) {
                    arm(ctx);
                }
            });
        }
        super.write(ctx, msg, promise);
    }

    /**
     * Notes that a piece of the body came. One check per connection stands for the deadline and moves
     * itself on when it finds a later piece, instead of a task cancelled and scheduled again for every
     * piece (an upload of 25 MiB comes in thousands of them).
     */
    private void armBody(ChannelHandlerContext ctx) {
        bodyPieceNanos = System.nanoTime();
        if (bodyDeadline == null) {
            bodyDeadline = ctx.executor().schedule(() -> checkBody(ctx), limits.bodyMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Closes the connection when no piece of the body came for the body's time, or looks again when it is due. */
    private void checkBody(ChannelHandlerContext ctx) {
        long left = TimeUnit.MILLISECONDS.toNanos(limits.bodyMillis) - (System.nanoTime() - bodyPieceNanos);
        if (left > 0) {
            bodyDeadline = ctx.executor().schedule(() -> checkBody(ctx), left, TimeUnit.NANOSECONDS);
            return;
        }
        bodyDeadline = null;
        limits.slowBodies.incrementAndGet();
        ctx.close();
    }

    private void disarmBody() {
        cancel(bodyDeadline);
        bodyDeadline = null;
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        deadline = closeAfter(ctx, limits.headMillis, limits.slowHeads);
    }

    private void disarm() {
        cancel(deadline);
        deadline = null;
    }

    /** Closes the connection after {@code millis}, counting it in {@code counter}. */
    private static ScheduledFuture<?> closeAfter(ChannelHandlerContext ctx, long millis, AtomicLong counter) {
        return ctx.executor().schedule(() -> {
            counter.incrementAndGet();
            ctx.close();
        }, millis, TimeUnit.MILLISECONDS);
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }
}
