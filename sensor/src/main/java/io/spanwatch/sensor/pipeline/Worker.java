package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.decode.DecodeAnomaly;
import io.spanwatch.sensor.decode.DecodedPacket;
import io.spanwatch.sensor.decode.PacketDecoder;
import io.spanwatch.sensor.event.AnomalyEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.EventSink;
import io.spanwatch.sensor.event.FlowEvent;
import io.spanwatch.sensor.event.FileListener;
import io.spanwatch.sensor.files.FileStore;
import io.spanwatch.sensor.files.KnownContent;
import io.spanwatch.sensor.files.RangeAssembler;
import io.spanwatch.sensor.flow.Flow;
import io.spanwatch.sensor.flow.FlowTable;
import io.spanwatch.sensor.reassembly.ReassemblyStats;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Runs the per-flow stages for the flows hashed to it: decode, flow table, TCP reassembly, HTTP and
 * file extraction. Takes frame batches from its queue and gives them back to the shared pool.
 *
 * <p>One thread per worker; everything it owns (flows, streams, parsers, counters) is touched by
 * that thread only. Shared with other workers: the event writer, the file store and the range
 * assembler, all thread-safe.
 */
final class Worker implements Runnable, FlowTable.Listener {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Worker.class);
    /**
     * Nice value added to live workers' threads (0 leaves them alone): at +5 a busy core gives the
     * capture thread about three times a worker's share. Property {@code spanwatch.worker-nice}.
     */
    static final int WORKER_NICE = Integer.getInteger("spanwatch.worker-nice", 5);
    private static final int TCP_FIN = 0x01;
    private static final int TCP_SYN = 0x02;
    private static final int TCP_RST = 0x04;
    private static final int TCP_ACK = 0x10;
    final int id;
    final SensorConfig config;
    final EventSink events;
    /** Capture file or interface of the batch being processed. */
    String source;
    final FileStore store;
    final RangeAssembler ranges;
    /** Why the flow being closed by {@link #flowEnded} ends ({@code timeout}, {@code shutdown}, ...), or null. */
    String closingFor;
    final KnownContent known;
    final FileListener files;
    final Counters counters = new Counters();
    final ReassemblyStats reassemblyStats;
    /** Heap for HTTP message heads over this worker's connections. */
    final io.spanwatch.sensor.http.HttpMemory httpMemory;
    final BlockingQueue<Batch> queue;
    final BlockingQueue<Batch> free;
    /** The batch being processed, copied onto the heap for the parsers. */
    private final byte[] records = new byte[Batch.CAPACITY_BYTES];
    private final FlowTable flows;
    private final PacketDecoder decoder;
    private final DecodedPacket pkt = new DecodedPacket();
    /** The TCP options of the segment being handled (timestamps, window scale). */
    final TcpOptions tcpOptions = new TcpOptions();
    private final Map<String, Integer> anomalyEvents = new HashMap<>();
    private final Map<String, long[]> anomalyCounts = new java.util.concurrent.ConcurrentHashMap<>();
    private final PacketClock clock = new PacketClock();
    private volatile boolean done;
    private volatile Throwable failure;

    Worker(int id, SensorConfig config, EventSink events, FileStore store, RangeAssembler ranges, KnownContent known,
            FileListener files, BlockingQueue<Batch> free) {
        this.id = id;
        this.config = config;
        this.events = events;
        this.store = store;
        this.ranges = ranges;
        this.known = known;
        this.files = files;
        this.decoder = new PacketDecoder(config.tunnels());
        this.reassemblyStats = new ReassemblyStats(config.reassembly().memcap() / config.workers());
        this.httpMemory = new io.spanwatch.sensor.http.HttpMemory(Math.max(1, config.http().memcap() / config.workers()));
        // The batches are one pool shared by all workers (made by the pipeline), so the whole budget
        // serves whichever worker lags: the bytes of a capture are rarely spread evenly over flows.
        this.free = free;
        this.queue = new ArrayBlockingQueue<>(free.remainingCapacity() + free.size());
        this.flows = new FlowTable(config.flow().share(config.workers()), this, ((long) id << 56) ^ System.nanoTime());
    }

    /** Returns the packet time of the frame being processed. */
    long now() {
        return clock.now();
    }

    @Override
    public void run() {
        if (config.live()) {
            // The capture thread must win the cores when they are busy; the queue absorbs the lag.
            ThreadNice.lowerCurrent(WORKER_NICE);
        }
        try {
            while (true) {
                Batch b = queue.take();
                boolean last = b.last;
                if (failure == null) {
                    try {
                        process(b);
                    } catch (Error e) {
                        // Out of memory or worse: stop working but keep taking batches, so the capture
                        // thread is never left waiting; the pipeline reports the failure.
                        failure = e;
                    }
                }
                b.clear();
                free.offer(b);
                if (last) {
                    if (failure == null) {
                        flows.endAll("shutdown");
                    }
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            done = true;
        }
    }

    /**
     * Contains a bug met while handling one flow: counts it, names it in an anomaly event, and drops
     * that flow's state so the rest of the traffic goes on being analysed.
     */
    private void internalError(Flow f, RuntimeException e) {
        counters.internalErrors++;
        if (counters.internalErrors <= 10) {
            LOG.error("worker {}: internal error on flow {}; flow dropped", id, f == null ? "-" : f.flowId, e);
        }
        anomaly(f, clock.now(), "internal", "internal.exception." + e.getClass().getSimpleName());
        if (f != null) {
            f.attachment = null;
            flows.end(f, "error");
        }
    }

    boolean isDone() {
        return done;
    }

    Throwable failure() {
        return failure;
    }

    private void process(Batch b) {
        source = b.source;
        byte[] r = records;
        b.copyTo(r);
        int at = 0;
        for (int i = 0; i < b.count; i++) {
            int capLen = Batch.capLen(r, at);
            try {
                frame(Batch.ts(r, at), Batch.linkType(r, at), r, at + Batch.HEADER_BYTES, capLen, Batch.wireLen(r, at));
            } catch (RuntimeException e) {
                internalError(null, e);
            }
            at += Batch.HEADER_BYTES + capLen;
        }
        clock.advanceTo(b.now);
        flows.expire(clock.now());
    }

    /** Runs one frame through the per-flow stages. */
    void frame(long ts, int linkType, byte[] buf, int off, int len, int wireLen) {
        // The pipeline decided the frame's time (a time far ahead that it refused is already the
        // clock's): the worker's clock follows, never back.
        clock.advanceTo(ts);
        counters.pkts++;
        counters.bytes += wireLen;
        pkt.reset(buf, ts, wireLen);
        boolean ok = decoder.decode(linkType, buf, off, len, pkt);
        if (pkt.vlanCount > 0) {
            counters.vlan++;
        }
        if (pkt.mplsLabels > 0) {
            counters.mpls++;
        }
        if (pkt.pppoe) {
            counters.pppoe++;
        }
        if (pkt.l2tpv3Control) {
            counters.l2tpv3Control++;
        }
        if (pkt.ipv4BigTcp) {
            counters.ipv4BigTcp++;
        }
        if (pkt.tunnelDepth > 0) {
            counters.tunnels++;
        }
        for (int i = 0; i < pkt.decapCount; i++) { // ESP's transport mode is counted without being a tunnel
            counters.decaps[pkt.decaps[i]]++;
        }
        if (pkt.ipVersion == 4) {
            counters.ipv4++;
        } else if (pkt.ipVersion == 6) {
            counters.ipv6++;
        } else if (pkt.anomaly == null) {
            counters.nonIp++;
        }
        if (!ok || pkt.anomaly != null) {
            if (pkt.anomaly != null) {
                counters.decodeAnomalies[pkt.anomaly.ordinal()]++;
                decodeAnomaly(pkt.anomaly, ts);
            }
            return;
        }
        if (pkt.ipVersion == 0) {
            return;
        }
        if (pkt.fragment) {
            counters.fragments++;
            return;
        }
        switch (pkt.proto) {
            case 6 -> {
                counters.tcp++;
                tcp();
            }
            case 17 -> {
                counters.udp++;
                flows.lookup(pkt);
            }
            case 1, 58 -> {
                if (pkt.proto == 1) {
                    counters.icmpv4++;
                } else {
                    counters.icmpv6++;
                }
                Flow f = flows.lookup(pkt);
                if (f.respIcmpType < 0 && !flows.lastFromOriginator(f)) {
                    f.respIcmpType = pkt.srcPort; // the decoder gives ICMP's type and code as the ports
                    f.respIcmpCode = pkt.dstPort;
                }
            }
            default -> {
                counters.other++;
                flows.lookup(pkt);
            }
        }
        flows.expire(clock.now());
    }

    private void tcp() {
        Flow f = flows.lookup(pkt);
        boolean fromOrig = flows.lastFromOriginator(f);
        TcpConnection c = (TcpConnection) f.attachment;
        if (c != null && c.isReuse(pkt, fromOrig)) {
            counters.tcpReuse++;
            flows.end(f, "tcp_reuse");
            f = flows.lookup(pkt);
            fromOrig = flows.lastFromOriginator(f);
            c = null;
        }
        if (c == null) {
            if (fromOrig && (pkt.tcpFlags & (TCP_FIN | TCP_SYN | TCP_RST | TCP_ACK)) == TCP_SYN && pkt.payloadLen == 0
                    && pkt.payloadMissing == 0) {
                // A SYN with nothing else seen yet makes no connection state: a SYN flood or a scan
                // costs one flow per SYN. The state is made from the remembered SYN at the next packet.
                f.tcpFlagsOrig |= pkt.tcpFlags;
                f.pendingSynSeq = pkt.seq;
                TcpOptions opts = tcpOptions.read(pkt);
                f.pendingSynOffer = opts.synOffer(pkt);
                if (opts.timestamps) {
                    if (f.pendingSynTsFirst < 0) {
                        f.pendingSynTsFirst = opts.tsval;
                    }
                    f.pendingSynTsLast = opts.tsval;
                }
                return;
            }
            c = new TcpConnection(this, f);
            f.attachment = c;
            if (f.pendingSynSeq >= 0) {
                c.originatorSyn(f.pendingSynSeq, f.pendingSynOffer, f.pendingSynTsFirst, f.pendingSynTsLast);
                f.pendingSynSeq = -1;
            }
        }
        try {
            c.packet(pkt, fromOrig);
        } catch (RuntimeException e) {
            internalError(f, e);
        }
    }

    @Override
    public void flowEnded(Flow f, String reason) {
        long missedTs = -1;
        long missedTc = -1;
        boolean limit = false;
        if (f.attachment instanceof TcpConnection c) {
            f.attachment = null;
            try {
                closingFor = reason;
                c.close(Math.max(clock.now(), f.lastTsNanos));
            } catch (RuntimeException e) {
                counters.internalErrors++;
                LOG.error("worker {}: internal error closing flow {}", id, f.flowId, e);
                anomaly(f, clock.now(), "internal", "internal.exception." + e.getClass().getSimpleName());
            }
            closingFor = null;
            missedTs = c.missedToServer();
            missedTc = c.missedToClient();
            limit = c.limitHit();
        }
        f.attachment = null;
        events.accept(flowEvent(f, reason, missedTs, missedTc, limit));
    }

    /** Describes an ended flow as its {@code flow} event shows it. */
    private FlowEvent flowEvent(Flow f, String reason, long missedTs, long missedTc, boolean limit) {
        boolean c = f.clientIsOrig;
        FlowEvent.Tcp tcp = f.proto != 6 ? null : new FlowEvent.Tcp(c ? f.tcpFlagsOrig : f.tcpFlagsResp,
                c ? f.tcpFlagsResp : f.tcpFlagsOrig, tcpState(f), missedTs, missedTc, limit);
        FlowEvent.Icmp icmp = f.proto != 1 && f.proto != 58 ? null
                : new FlowEvent.Icmp(f.origPort, f.respPort, f.respIcmpType, f.respIcmpCode);
        return new FlowEvent(EventHeader.of(f, source), f.firstTsNanos, f.lastTsNanos, c ? f.pktsOrig : f.pktsResp,
                c ? f.pktsResp : f.pktsOrig, c ? f.bytesOrig : f.bytesResp, c ? f.bytesResp : f.bytesOrig,
                f.state.name().toLowerCase(java.util.Locale.ROOT), reason, f.evicted, false, tcp, icmp);
    }

    /** Names the TCP state as Suricata's {@code tcp.state} does, from what was seen. */
    private static String tcpState(Flow f) {
        int all = f.tcpFlagsOrig | f.tcpFlagsResp;
        return switch (f.state) {
            case CLOSED -> "closed";
            case ESTABLISHED -> "established";
            case NEW -> (all & TCP_SYN) == 0 ? "none" : ((f.tcpFlagsOrig & f.tcpFlagsResp & TCP_SYN) != 0 ? "syn_recv" : "syn_sent");
        };
    }

    void anomaly(Flow f, long ts, String type, String name) {
        anomalyCounts.computeIfAbsent(name, k -> new long[1])[0]++;
        if (allowEvent(name)) {
            events.accept(new AnomalyEvent(ts, f == null ? null : EventHeader.of(f, source), type, name));
        }
    }

    private void decodeAnomaly(DecodeAnomaly a, long ts) {
        if (allowEvent(a.eventName())) {
            events.accept(Pipeline.decodeAnomaly(ts, a.eventName(), pkt, source));
        }
    }

    private boolean allowEvent(String name) {
        int n = anomalyEvents.merge(name, 1, Integer::sum);
        if (n > config.maxAnomalyEventsPerName()) {
            counters.anomalyEventsSuppressed++;
            return false;
        }
        return true;
    }

    /** Adds this worker's counters to a stats map. */
    void addStats(Map<String, Long> into) {
        counters.addTo(into);
        for (Map.Entry<String, long[]> e : anomalyCounts.entrySet()) {
            Counters.add(into, "anomaly." + e.getKey(), e.getValue()[0]);
        }
        ReassemblyStats r = reassemblyStats;
        Counters.add(into, "tcp.segments", r.segments);
        Counters.add(into, "tcp.out_of_order", r.outOfOrder);
        Counters.add(into, "tcp.retransmitted", r.retransmitted);
        Counters.add(into, "tcp.overlap", r.overlaps);
        Counters.add(into, "tcp.overlap_diff_data", r.overlapMismatches);
        Counters.add(into, "tcp.reassembly_gap", r.gaps);
        Counters.add(into, "tcp.reassembly_gap_bytes", r.gapBytes);
        Counters.add(into, "tcp.stream_depth_limit_hits", r.streamLimitHits);
        Counters.add(into, "tcp.reassembly_memcap_hits", r.memcapHits);
        Counters.add(into, "tcp.reassembly_memcap_evictions", r.memcapEvictions);
        Counters.add(into, "tcp.overlap_replaced", r.overlapsReplaced);
        Counters.add(into, "tcp.invalid_checksum", r.invalidChecksums);
        Counters.add(into, "tcp.urgent_oob", r.urgentOutOfBand);
        Counters.add(into, "tcp.paws_rejected", r.pawsRejected);
        Counters.add(into, "tcp.paws_echo_lowered", r.pawsEchoLowered);
        Counters.add(into, "tcp.invalid_ack", r.invalidAcks);
        Counters.add(into, "tcp.out_of_window", r.outOfWindow);
        Counters.add(into, "tcp.window_check_off", r.windowChecksOff);
        Counters.add(into, "tcp.discarded_not_kept", r.discardedNotKept);
        Counters.add(into, "tcp.discarded_bytes_used", r.discardedBytesUsed);
        Counters.add(into, "tcp.reassembly_memuse", r.memUsed());
        Counters.add(into, "tcp.ack_order_waits", r.ackOrderWaits);
        Counters.add(into, "tcp.ack_order_limit_hits", r.ackOrderLimitHits);
        Counters.add(into, "tcp.ack_order_held_bytes", r.ackOrderHeld);
        Counters.add(into, "app_layer.http.memuse", httpMemory.used());
        Counters.add(into, "app_layer.http.memcap_evictions", httpMemory.evictions());
        Counters.add(into, "flow.total", flows.created());
        Counters.add(into, "flow.active", flows.size());
        Counters.add(into, "flow.timeouts", flows.timedOut());
        Counters.add(into, "flow.evicted", flows.evicted());
    }
}
