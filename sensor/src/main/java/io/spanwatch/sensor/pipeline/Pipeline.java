package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.capture.CaptureStats;
import io.spanwatch.sensor.capture.FrameSink;
import io.spanwatch.sensor.decode.DecodedPacket;
import io.spanwatch.sensor.decode.Defragmenter;
import io.spanwatch.sensor.decode.EncapLengths;
import io.spanwatch.sensor.decode.PacketDecoder;
import io.spanwatch.sensor.event.AnomalyEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.EventSink;
import io.spanwatch.sensor.event.EveWriter;
import io.spanwatch.sensor.event.StatsEvent;
import io.spanwatch.sensor.files.FileStore;
import io.spanwatch.sensor.files.KnownContent;
import io.spanwatch.sensor.files.RangeAssembler;
import io.spanwatch.sensor.flow.FlowKey;
import io.spanwatch.sensor.reassembly.HostPolicies;
import io.spanwatch.sensor.reassembly.OverlapPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Runs the sensor: takes frames on the capture thread and spreads them over worker threads by a
 * symmetric flow hash, so each flow stays on one worker, then writes the final {@code stats} event.
 *
 * <p>Lifecycle: {@link #start} opens {@code eve.json} and the file store and starts the workers;
 * {@link #frame} is called on one capture thread; {@link #finish} (same thread) ends every flow,
 * waits for the workers and closes what {@code start} opened. File analysis never drops: the capture
 * thread waits for a full worker queue. Live capture never waits: frames for which the shared batch
 * pool has no room are dropped and counted ({@code capture.sensor_queue_drops}).
 */
public final class Pipeline implements FrameSink {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Pipeline.class);
    private final SensorConfig config;
    private final Outputs outputs;
    private final EventSink events;
    private final FileStore store;
    private final RangeAssembler ranges;
    private final KnownContent known = new KnownContent(KnownContent.DEFAULT_MAX_ENTRIES);
    private final Worker[] workers;
    private final Thread[] threads;
    private final Batch[] current;
    private final long[] lastSendNanos;
    private final PacketDecoder decoder;
    /** 802.11 A-MSDU subframes made frames of their own, and those past the limit of one frame. */
    private final AtomicLong amsduSubframes = new AtomicLong();
    private final AtomicLong amsduDropped = new AtomicLong();
    private final Defragmenter defrag;
    private final io.spanwatch.sensor.decode.CapwapReassembler capwap = new io.spanwatch.sensor.decode.CapwapReassembler();
    private final java.util.Map<String, Integer> defragAnomalies = new java.util.concurrent.ConcurrentHashMap<>();
    private final Defragmenter.Output defragOutput = new Defragmenter.Output() {
        @Override
        public void frame(long ts, int linkType, byte[] buf, int off, int len) {
            dispatch(ts, linkType, buf, off, len, len);
        }

        @Override
        public void anomaly(long ts, String name, DecodedPacket p) {
            int n = defragAnomalies.merge(name, 1, Integer::sum);
            if (n <= config.maxAnomalyEventsPerName()) {
                events.accept(decodeAnomaly(ts, name, p, source));
            }
        }
    };
    private final DecodedPacket pkt = new DecodedPacket();
    private final AtomicLong queueDrops = new AtomicLong();
    /** Empty batches, shared by the workers (they give batches back here). */
    private final java.util.concurrent.BlockingQueue<Batch> pool;
    private final int poolSize;
    /**
     * Nice value taken from live capture's thread (0 leaves it alone): when the cores are busy, a
     * capture thread with no more than its fair share overruns the kernel's ring. Measured on two vCPUs
     * kept busy by three other processes while the sensor took 80 MB/s (AttackIT's gzip bomb): the
     * capture thread waited for a core about two thirds of the time, and the kernel dropped packets in
     * 8 runs of 15 (up to 9,001 packets); favoured, in none of 10. Property {@code spanwatch.capture-nice}.
     */
    static final int CAPTURE_NICE = Integer.getInteger("spanwatch.capture-nice", 10);
    /** The capture thread's nice value once {@link #favourCaptureThread} ran (live), else {@code Integer.MIN_VALUE}. */
    private volatile int captureNice = Integer.MIN_VALUE;
    /** Batches made so far: all of them at start when live, else as the pool runs empty (capture thread only; read by stats). */
    private volatile int made;
    /** False once off-heap memory ran out while the pool was being made (reading a file): it stays as it is. */
    private boolean growable = true;
    private final long startWall = System.nanoTime();
    private volatile long lastTs;
    private final PacketClock clock = new PacketClock();
    /** Dates the frames of capture files (capture thread only); live frames are dated in {@link #frame}. */
    private final TimeGate gate = new TimeGate(clock, this::dispatch);
    /** Live frames processed at the clock's time instead of their own (guarded by this). */
    private volatile long liveTimestampJumps;
    private String source;
    private long firstTs;
    private long frames;
    private Supplier<CaptureStats> captureStats = () -> null;
    private Stage stage;
    private boolean finished;

    /**
     * Returns how a host of a TCP reassembly policy resolves overlapping IP fragments, by the stack
     * the policy names: Suricata's mapping ({@code DefragGetOsPolicy}), except that {@code linux} is
     * today's kernel (since 4.19 an overlap discards the datagram; the kernels before it are
     * {@code old-linux}, Suricata's {@code linux} defrag policy), {@code vista} is Windows since Vista
     * (which discards such datagrams too), and {@code macos} is XNU, whose {@code ip_reass} is the
     * BSDs' (Suricata's {@code first} came from tests of older Mac OS). Suricata's {@code windows} and
     * {@code solaris} let a fragment that covers a held one whole replace it; here they keep the first
     * copy throughout.
     */
    static Defragmenter.Policy fragmentPolicy(OverlapPolicy tcp) {
        return switch (tcp) {
            case LINUX -> Defragmenter.Policy.LINUX;
            case OLD_LINUX, BSD_RIGHT -> Defragmenter.Policy.BSD_RIGHT;
            case BSD, MACOS, HPUX10, IRIX -> Defragmenter.Policy.BSD;
            case VISTA -> Defragmenter.Policy.DROP;
            case LAST -> Defragmenter.Policy.LAST;
            case FIRST, SOLARIS, HPUX11, WINDOWS -> Defragmenter.Policy.FIRST;
        };
    }

    /**
     * Returns the limits a host's stack puts on incomplete datagrams: Linux's {@code ipfrag_max_dist}
     * for {@code linux}, FreeBSD's {@code maxfragsperpacket} for {@code bsd}, XNU's for {@code macos}.
     * A limit drops datagrams, and dropping one the host takes hides it: so they hold only where the
     * stack is named, by a {@code stream.policy.<name>} block or a {@code stream.policy} other than
     * the default {@code bsd}, which is Suricata's guess for hosts nobody described.
     */
    static Defragmenter.Limits fragmentLimits(HostPolicies policies, byte[] address, SensorConfig.DefragConfig c) {
        OverlapPolicy p = policies.forAddress(address);
        if (!policies.named(address) && policies.fallback() == OverlapPolicy.DEFAULT) {
            return Defragmenter.Limits.NONE;
        }
        return switch (p) {
            case LINUX -> new Defragmenter.Limits(0, 0, c.linuxMaxDist());
            case BSD -> new Defragmenter.Limits(c.bsdMaxFrags(), c.bsdMaxFrags6(), 0);
            case MACOS -> new Defragmenter.Limits(c.macosMaxFrags(), 0, 0);
            default -> Defragmenter.Limits.NONE;
        };
    }

    private Pipeline(SensorConfig config, Outputs outputs, FileStore store) {
        this.config = config;
        this.outputs = outputs;
        this.events = outputs.events();
        this.store = store;
        this.ranges = new RangeAssembler(store);
        this.decoder = new PacketDecoder(config.tunnels());
        HeapGauge.listen();
        HostPolicies policies = config.reassembly().policies();
        this.defrag = new Defragmenter(config.defrag().maxDatagrams(), config.defrag().memcap(),
                config.defrag().timeoutSeconds(), new Defragmenter.Hosts() {
                    @Override
                    public Defragmenter.Policy policy(byte[] address) {
                        return fragmentPolicy(policies.forAddress(address));
                    }

                    @Override
                    public int timeoutSeconds(byte[] address) {
                        return policies.forAddress(address).fragmentTimeoutSeconds();
                    }

                    @Override
                    public Defragmenter.Limits limits(byte[] address) {
                        return fragmentLimits(policies, address, config.defrag());
                    }
                });
        int n = config.workers();
        this.workers = new Worker[n];
        this.threads = new Thread[n];
        this.current = new Batch[n];
        this.lastSendNanos = new long[n];
        // One pool of batches for all workers; each worker may hold the whole pool. Live, all are made
        // now: a burst is the worst moment to allocate (and zero) memory on the capture thread, which
        // must not lose frames. Reading a file, the capture thread waits anyway, so a batch is made the
        // first time the pool is empty: zeroing the 66 MiB of the default pool at start took 0.15-0.25 s
        // (page faults) before the first packet of every analyze, and a small capture needs a few.
        int batches = Math.max(config.queueBatches(), 4 * n) + n;
        this.pool = new ArrayBlockingQueue<>(batches);
        this.poolSize = batches;
        if (config.live()) {
            for (int i = 0; i < batches; i++) {
                pool.add(newBatch());
            }
        }
        for (int i = 0; i < n; i++) {
            workers[i] = new Worker(i, config, events, store, ranges, known, outputs.files(), pool);
            threads[i] = Thread.ofPlatform().name("spanwatch-worker-" + i).daemon(true).unstarted(workers[i]);
        }
    }

    /**
     * Opens {@code eve.json} and the file store under {@code files.outDir} and starts the workers;
     * events go straight to {@code eve.json}, files without a scan verdict.
     */
    public static Pipeline start(SensorConfig config) throws IOException {
        Path out = config.files().outDir();
        Files.createDirectories(out);
        EveWriter eve = EveWriter.open(out.resolve("eve.json"), config.sensorName(), config.live());
        return start(config, Outputs.sensorOnly(eve));
    }

    /**
     * Opens the file store under {@code files.outDir} and starts the workers, sending what they find
     * to {@code outputs} (takes ownership: closed by {@link #finish}, or here if starting fails).
     */
    public static Pipeline start(SensorConfig config, Outputs outputs) throws IOException {
        Pipeline p;
        try {
            Files.createDirectories(config.files().outDir());
            FileStore store = FileStore.open(config.files());
            p = new Pipeline(config, outputs, store);
        } catch (IOException | RuntimeException e) {
            closeQuietly(outputs);
            throw e;
        }
        p.stage = outputs.stage();
        for (Thread t : p.threads) {
            t.start();
        }
        return p;
    }

    private static void closeQuietly(Outputs outputs) {
        try {
            if (outputs.stage() != null) {
                outputs.stage().close();
            }
        } catch (IOException | RuntimeException e) {
            // starting failed already; that error is the one to report
        }
        try {
            outputs.writer().close();
        } catch (IOException e) {
            // as above
        }
    }

    /**
     * Returns the packet time the pipeline has reached (the latest time it accepted, ns since the Unix
     * epoch; it never goes back), or 0 before the first frame. Reading a file, frames held on a step in
     * time ({@link TimeGate}) are not in it until they are decided: the time a capture file ends at is
     * known once {@link #source} names the next one, or after {@link #finish}.
     */
    public long packetTime() {
        return lastTs;
    }

    /**
     * Names the capture file (or interface) the next frames come from; events say which file
     * ({@code pcap_filename}) or interface ({@code in_iface}) they were seen in. Call on the capture
     * thread, between files.
     */
    public synchronized void source(String name) {
        gate.endOfSource(!config.live());
        for (int i = 0; i < workers.length; i++) {
            if (current[i] != null) {
                send(i); // a batch holds frames of one source only
            }
        }
        this.source = name;
    }

    /** Returns where events go, for stages that write events of their own. */
    public EventSink events() {
        return events;
    }

    /** Names where capture counters come from, for {@code stats} events. */
    public void captureStats(Supplier<CaptureStats> source) {
        this.captureStats = source;
    }

    /**
     * Favours the calling thread as the live capture thread ({@link #CAPTURE_NICE}); {@code stats} then
     * say what it got. Call it on the thread that will call {@link #frame}, right before the capture
     * starts: threads it starts afterwards inherit the priority. Does nothing when reading files, or
     * when called again.
     */
    public void favourCaptureThread() {
        if (config.live() && captureNice == Integer.MIN_VALUE) {
            captureNice = ThreadNice.favourCurrent(CAPTURE_NICE);
        }
    }

    @Override
    public void frame(long tsNanos, int linkType, byte[] buf, int off, int capLen, int wireLen) {
        if (config.live()) {
            synchronized (this) {
                // The kernel's time, and the wall clock moves the clock on anyway (tick): nothing to
                // wait for, so a step the clock refuses is processed at its time at once.
                if (!clock.observe(tsNanos)) {
                    liveTimestampJumps++;
                    tsNanos = clock.now();
                }
                dispatch(tsNanos, linkType, buf, off, capLen, wireLen);
            }
        } else if (gate.passes(tsNanos)) {
            dispatch(tsNanos, linkType, buf, off, capLen, wireLen);
        } else {
            gate.frame(tsNanos, linkType, buf, off, capLen, wireLen);
        }
    }

    /** Processes a frame at the time decided for it (its own, or the clock's when its own was refused). */
    private void dispatch(long tsNanos, int linkType, byte[] buf, int off, int capLen, int wireLen) {
        if (frames++ == 0) {
            firstTs = tsNanos;
        }
        lastTs = clock.now();
        pkt.reset(buf, tsNanos, wireLen);
        decoder.decode(linkType, buf, off, capLen, pkt);
        defrag.expire(tsNanos, defragOutput);
        capwap.expire(tsNanos);
        if (pkt.amsduNext < 0) {
            route(tsNanos, linkType, buf, off, capLen, wireLen);
            return;
        }
        // An 802.11 A-MSDU in a tunnel: the frame goes on as its first subframe (which is what the
        // decoder describes) and every other subframe becomes a frame of its own, in the same tunnel.
        int[] fields = EncapLengths.relative(pkt, off);
        int next = pkt.amsduNext;
        int start = pkt.amsduStart;
        int end = pkt.amsduEnd;
        route(tsNanos, linkType, buf, off, capLen, wireLen);
        for (int n = 1; next >= 0; n++) {
            byte[] f = n < EncapLengths.MAX_AMSDU_SUBFRAMES ? EncapLengths.subframe(buf, off, start, end, fields, next) : null;
            if (n >= EncapLengths.MAX_AMSDU_SUBFRAMES) {
                amsduDropped.incrementAndGet();
            }
            next = EncapLengths.nextSubframe(buf, next, end);
            if (f != null) {
                amsduSubframes.incrementAndGet();
                dispatch(tsNanos, linkType, f, 0, f.length, f.length);
            }
        }
    }

    /** Sends a decoded frame ({@link #pkt}) on: fragments to the defragmenter, the rest to its flow's worker. */
    private void route(long tsNanos, int linkType, byte[] buf, int off, int capLen, int wireLen) {
        if (pkt.fragment && pkt.ipVersion != 0 && pkt.anomaly == null) {
            // Fragments are put back together here, before the flow hash needs their ports; the
            // whole datagram then goes through like any other frame.
            defrag.add(tsNanos, linkType, off, pkt, defragOutput);
            return;
        }
        if (pkt.capwapFragment && pkt.anomaly == null) {
            capwap.add(tsNanos, linkType, off, pkt, defragOutput); // the whole message comes back through dispatch
            return;
        }
        if (capLen > Batch.MAX_FRAME) {
            capLen = Batch.MAX_FRAME; // cut like a snaplen would; the decoders see capLen < wireLen
        }
        int w = 0;
        if (pkt.ipVersion != 0 && workers.length > 1) {
            w = Math.floorMod(FlowKey.symmetricHash(pkt), workers.length);
        }
        Batch b = current[w];
        if (b != null && !b.fits(capLen)) {
            send(w);
            b = null;
        }
        if (b == null) {
            b = take(w);
            if (b == null) {
                queueDrops.incrementAndGet();
                return;
            }
            current[w] = b;
        }
        b.add(tsNanos, linkType, buf, off, capLen, wireLen);
        if (config.live() && (frames & 63) == 0) {
            long t = System.nanoTime();
            for (int i = 0; i < workers.length; i++) {
                if (current[i] != null && t - lastSendNanos[i] > 100_000_000L) {
                    send(i);
                }
            }
        }
    }

    /**
     * Keeps a live capture moving when traffic is slow: sends batches pending for over 100 ms, and
     * gives idle workers the time ({@code max(last packet time, wall clock)}) so they still end idle
     * flows. Called every 100 ms from a timer thread while capturing live; does nothing for files.
     */
    public synchronized void tick() {
        if (!config.live() || finished) {
            return;
        }
        long wall = System.currentTimeMillis() * 1_000_000L;
        clock.advanceTo(wall);
        lastTs = clock.now();
        long t = System.nanoTime();
        for (int i = 0; i < workers.length; i++) {
            if (current[i] != null) {
                if (t - lastSendNanos[i] > 100_000_000L) {
                    send(i);
                }
            } else if (t - lastSendNanos[i] > 1_000_000_000L) {
                Batch b = take(i);
                if (b != null) {
                    current[i] = b;
                    send(i); // an empty batch: only the time
                }
            }
        }
    }

    /** Ends every flow, waits for the workers, writes the final stats event and closes the outputs. */
    public synchronized Summary finish() throws IOException {
        if (finished) {
            throw new IllegalStateException("finish called twice");
        }
        if (!config.live()) {
            gate.endOfSource(false); // frames held on a step in time, never contradicted, go on at their own times
        }
        finished = true;
        for (int i = 0; i < workers.length; i++) {
            Batch b = current[i];
            if (b == null) {
                b = takeBlocking(i);
            }
            current[i] = null;
            b.last = true;
            b.now = lastTs;
            b.source = source;
            putBlocking(i, b);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the workers to finish", e);
            }
        }
        ranges.closeAll();
        if (stage != null) {
            try {
                stage.drain();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Map<String, Long> stats = stats();
        events.accept(new StatsEvent(lastTs, (System.nanoTime() - startWall) / 1_000_000_000L, stats));
        Path evePath = config.files().outDir().resolve("eve.json");
        EveWriter eve = outputs.writer();
        IOException stageFailed = null;
        if (stage != null) {
            try {
                stage.close(); // its threads stop before the writer they write through closes
            } catch (IOException | RuntimeException e) {
                // The events are still written and the workers' failures still told: a full disk made
                // the index's close fail and left eve.json without its last megabyte and stats event.
                stageFailed = e instanceof IOException io ? io : new IOException(e.toString(), e);
            }
        }
        IOException closeFailed = null;
        try {
            eve.close();
        } catch (IOException e) {
            closeFailed = e;
        }
        // What was counted is the summary whatever could be written: a full disk must not also take
        // the figures of the run off the terminal (the caller prints them, then the failure).
        Summary summary = new Summary(stats, eve.events(), firstTs, lastTs);
        if (closeFailed != null) {
            OutputFailed failed = new OutputFailed("cannot write " + evePath + ": " + closeFailed.getMessage(), closeFailed, summary);
            if (stageFailed != null) {
                failed.addSuppressed(stageFailed);
            }
            throw failed;
        }
        Exception stageFailure = stage != null ? stage.failure() : null;
        if (stageFailed != null) {
            // a stage whose thread died may fail to close too (an index writer out of memory): the death comes first
            throw stageFailure == null ? new OutputFailed(stageFailed.getMessage(), stageFailed, summary)
                    : new OutputFailed(stageFailure.getMessage() + "; closing it then failed: " + stageFailed.getMessage(),
                            stageFailure.getCause(), summary);
        }
        if (eve.writeErrors() > 0) {
            throw new OutputFailed(eve.writeErrors() + " events could not be written to " + evePath, null, summary);
        }
        for (Worker w : workers) {
            if (w.failure() != null) {
                throw new OutputFailed("worker " + w.id + " failed: " + w.failure(), w.failure(), summary);
            }
        }
        if (stageFailure != null) {
            throw new OutputFailed(stageFailure.getMessage(), stageFailure.getCause(), summary);
        }
        return summary;
    }

    /**
     * Tells that {@link #finish} could not write everything (or a worker failed), with the
     * {@link Summary} of what was counted all the same.
     */
    public static final class OutputFailed extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Summary summary;

        OutputFailed(String message, Throwable cause, Summary summary) {
            super(message, cause);
            this.summary = summary;
        }

        /** Returns the counters of the run, as a successful {@link #finish} would have. */
        public Summary summary() {
            return summary;
        }
    }

    /**
     * Returns the first error a packet worker met, or null. A live worker that met one analyses
     * nothing more (it goes on taking frames so that capture never waits); the caller decides to stop.
     */
    public Throwable workerFailure() {
        for (Worker w : workers) {
            if (w.failure() != null) {
                return w.failure();
            }
        }
        return null;
    }

    /** Writes a {@code stats} event now (live mode, periodically). Thread-safe. */
    public void writeStats() {
        events.accept(new StatsEvent(config.live() ? System.currentTimeMillis() * 1_000_000L : lastTs,
                (System.nanoTime() - startWall) / 1_000_000_000L, stats()));
        outputs.writer().flush();
    }

    /** Returns the counters of every stage so far (racy while running, exact after {@link #finish}). */
    public Map<String, Long> stats() {
        Map<String, Long> m = new TreeMap<>();
        for (Worker w : workers) {
            w.addStats(m);
        }
        CaptureStats c = captureStats.get();
        if (c != null) {
            m.put("capture.packets", c.packets());
            m.put("capture.bytes", c.bytes());
            if (config.live()) {
                // A capture file has no kernel: its counters are left out, not reported as 0.
                m.put("capture.kernel_packets", c.kernelPackets());
                m.put("capture.kernel_drops", c.kernelDrops());
                m.put("capture.kernel_ifdrops", c.ifDrops());
            }
            m.put("capture.truncated_file", c.truncated() ? 1L : 0L);
        }
        m.put("capture.sensor_queue_drops", queueDrops.get());
        m.put("decoder.timestamp_jumps", config.live() ? liveTimestampJumps : gate.refused());
        if (captureNice != Integer.MIN_VALUE) {
            m.put("capture.thread_nice", (long) captureNice);
        }
        long queued = 0;
        for (Worker w : workers) {
            queued += w.queue.size();
        }
        m.put("capture.sensor_queue_batches", queued);
        m.put("capture.sensor_queue_bytes_reserved", (long) made * Batch.CAPACITY_BYTES);
        m.put("defrag.ipv4.fragments", defrag.fragments - defrag.fragments6);
        m.put("defrag.ipv4.reassembled", defrag.reassembled - defrag.reassembled6);
        m.put("defrag.ipv4.timeouts", defrag.timeouts - defrag.timeouts6);
        m.put("defrag.ipv6.fragments", defrag.fragments6);
        m.put("defrag.ipv6.reassembled", defrag.reassembled6);
        m.put("defrag.ipv6.timeouts", defrag.timeouts6);
        m.put("defrag.dropped", defrag.dropped);
        m.put("defrag.overlap_mismatches", defrag.overlapMismatches);
        m.put("defrag.overlaps_dropped", defrag.overlapsDropped);
        m.put("defrag.too_many_fragments_dropped", defrag.tooManyFragmentsDropped);
        m.put("defrag.too_far_dropped", defrag.tooFarDropped);
        m.put("defrag.peers", (long) defrag.peers());
        m.put("defrag.memuse", defrag.held());
        m.put("decoder.capwap_fragments", capwap.fragments);
        m.put("decoder.capwap_reassembled", capwap.reassembled);
        m.put("decoder.capwap_reassembly_dropped", capwap.dropped);
        m.put("decoder.capwap_reassembly_timeouts", capwap.timeouts);
        m.put("decoder.capwap_reassembly_memuse", capwap.held());
        m.put("decoder.amsdu_subframes", amsduSubframes.get());
        m.put("decoder.amsdu_subframes_dropped", amsduDropped.get());
        for (java.util.Map.Entry<String, Integer> e : defragAnomalies.entrySet()) {
            m.merge("anomaly." + e.getKey(), (long) e.getValue(), Long::sum);
        }
        if (stage != null) {
            stage.addStats(m);
        }
        m.put("eve.write_errors", outputs.writer().writeErrors());
        m.put("eve.reopens", outputs.writer().reopens());
        m.put("file.spool_memory", store.memoryInUse());
        m.put("file.spool_memory_peak", store.memoryPeak());
        m.put("file.spool_disk", store.diskInUse());
        m.put("file.spool_disk_peak", store.diskPeak());
        m.put("file.spool_disk_limit_hits", store.spoolDiskLimitHits.get());
        m.put("file.open", (long) store.open.get());
        m.put("file.open_limit_skipped", store.openLimitSkipped.get());
        m.put("file.stored", store.stored.get());
        m.put("file.stored_duplicates", store.duplicates.get());
        m.put("file.stored_bytes", store.storedBytes.get());
        m.put("file.store_errors", store.errors.get());
        m.put("file.range_assemblies_dropped", ranges.dropped.get());
        m.put("file.verified_copies", known.verified.get());
        m.put("file.verified_bytes", known.verifiedBytes.get());
        m.put("file.verify_mismatches", known.mismatches.get());
        HeapGauge.addTo(m);
        return m;
    }

    private void send(int w) {
        if (workers[w].failure() != null && !config.live()) {
            throw new IllegalStateException("worker " + w + " failed: " + workers[w].failure(), workers[w].failure());
        }
        Batch b = current[w];
        current[w] = null;
        b.now = lastTs;
        b.source = source;
        lastSendNanos[w] = System.nanoTime();
        if (config.live()) {
            if (!workers[w].queue.offer(b)) {
                queueDrops.addAndGet(b.count);
                b.clear();
                pool.offer(b);
            }
        } else {
            putBlocking(w, b);
        }
    }

    private Batch take(int w) {
        if (config.live()) {
            return pool.poll();
        }
        return takeBlocking(w);
    }

    /** Makes one batch of the pool, or fails with the setting to change. */
    private Batch newBatch() {
        try {
            Batch b = new Batch();
            made++;
            return b;
        } catch (OutOfMemoryError e) {
            throw new IllegalStateException("cannot reserve " + poolSize + " MiB off the heap for the frame queue "
                    + "(sensor.queue-batches=" + config.queueBatches() + "): lower sensor.queue-batches or raise "
                    + "-XX:MaxDirectMemorySize (launcher: SPANWATCH_OFFHEAP)", e);
        }
    }

    private Batch takeBlocking(int w) {
        if (made < poolSize && growable) { // reading a file: the pool is made as it is needed
            Batch b = pool.poll();
            if (b != null) {
                return b;
            }
            try {
                return newBatch();
            } catch (IllegalStateException e) {
                if (made == 0) {
                    throw e; // none to wait for: the message says which setting to change
                }
                // Off-heap memory ran out part-way: go on with the batches made, as a smaller queue.
                growable = false;
                LOG.warn("frame queue stays at {} MiB of the {} asked (sensor.queue-batches): {}", made, poolSize,
                        String.valueOf(e.getCause()));
            }
        }
        while (true) {
            try {
                return pool.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for worker " + w, e);
            }
        }
    }

    private void putBlocking(int w, Batch b) {
        try {
            workers[w].queue.put(b);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while queueing for worker " + w, e);
        }
    }

    /**
     * Describes a decode anomaly of a packet no flow was made for, with what of its addresses, ports
     * and protocol the decoder could read.
     */
    static AnomalyEvent decodeAnomaly(long tsNanos, String event, DecodedPacket p, String source) {
        String src = null;
        String dst = null;
        int n = p.addrLen();
        if (p.ipVersion != 0 && p.srcAddrOff >= 0 && p.dstAddrOff >= 0 && p.srcAddrOff + n <= p.buf.length
                && p.dstAddrOff + n <= p.buf.length) {
            src = io.spanwatch.sensor.flow.Flow.ipText(java.util.Arrays.copyOfRange(p.buf, p.srcAddrOff, p.srcAddrOff + n));
            dst = io.spanwatch.sensor.flow.Flow.ipText(java.util.Arrays.copyOfRange(p.buf, p.dstAddrOff, p.dstAddrOff + n));
        }
        if (src == null) {
            return new AnomalyEvent(tsNanos, source == null ? null : EventHeader.packet(null, 0, null, 0, -1, 0, source),
                    "decode", event);
        }
        boolean ports = !p.fragment && (p.proto == 6 || p.proto == 17 || p.proto == 132);
        return new AnomalyEvent(tsNanos, EventHeader.packet(src, ports ? p.srcPort : 0, dst, ports ? p.dstPort : 0, p.proto,
                p.ipVersion, source), "decode", event);
    }

    /** Sums up a finished run. */
    public record Summary(Map<String, Long> stats, long events, long firstTsNanos, long lastTsNanos) {
        /** Returns a counter, 0 when absent. */
        public long get(String name) {
            return stats.getOrDefault(name, 0L);
        }

        /** Names the counters worth a line in the CLI summary. */
        public static List<String> headline() {
            return new ArrayList<>(List.of("decoder.pkts", "decoder.bytes", "flow.total", "app_layer.http.tx", "file.total",
                    "file.closed", "file.truncated", "file.stored", "tcp.reassembly_gaps", "decoder.invalid"));
        }
    }
}
