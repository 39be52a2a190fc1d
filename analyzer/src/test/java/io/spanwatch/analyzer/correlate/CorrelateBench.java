package io.spanwatch.analyzer.correlate;

import io.spanwatch.analyzer.events.AddressSet;

import io.spanwatch.analyzer.events.AnalyzerStage;
import io.spanwatch.analyzer.events.EventBus;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EveRenderer;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.HttpInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures the correlation stage alone: {@code http} events of {@code PAIRS} internal client/destination
 * pairs (1,000 clients by {@code PAIRS}/1,000 destinations, requests at random, 60 events a second
 * of packet time per client on average... spread over hours so checkpoints run) through the stage
 * with the project's rules deployed, offline mode (the feeder waits when the queue is full, so the
 * rate is the stage's own). Prints events/s, beacons found, and the heap: peak and after a GC.
 *
 * <p>The destinations share one server address (a CDN or a virtual host reached under many names),
 * or with {@code BENCH_ADDRESSES=each} each has its own (every address reached under one name):
 * the two cases of the tracker of pairs by address.
 *
 * <p>Run by {@code .ci/bench-correlate [EVENTS] [PAIRS]} under a fixed heap cap.
 */
public final class CorrelateBench {
    private CorrelateBench() {
    }

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 3_000_000;
        int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        Path rules = args.length > 2 ? Path.of(args[2]) : null;
        int clients = 1_000;
        int dests = Math.max(1, pairs / clients);
        String[] clientIps = new String[clients];
        for (int i = 0; i < clients; i++) {
            clientIps[i] = "10.0." + (i / 250) + "." + (i % 250 + 1);
        }
        String[] hosts = new String[dests];
        for (int i = 0; i < dests; i++) {
            hosts[i] = "site" + i + ".example";
        }
        boolean eachAddress = "each".equals(System.getenv("BENCH_ADDRESSES"));
        EventHeader[] headers = new EventHeader[eachAddress ? clients * dests : clients];
        for (int i = 0; i < headers.length; i++) {
            int d = i / clients;
            String server = eachAddress ? "198.51." + (100 + d / 250) + "." + (d % 250 + 1) : "198.51.100.1";
            headers[i] = new EventHeader(i + 1, new int[0], clientIps[i % clients], 50000, server, 80, "TCP", true, 4, null, "http", null);
        }
        HttpInfo[] infos = new HttpInfo[dests];
        for (int i = 0; i < dests; i++) {
            infos[i] = new HttpInfo(0, hosts[i], -1, "/", "ua", "text/html", "GET", null, "HTTP/1.1", 200, 1000, 0, null);
        }
        CorrelateConfig base = CorrelateConfig.defaults(rules, false).withHomeNet(AddressSet.parse("10.0.0.0/8"));
        EventBus bus = new EventBus();
        AtomicLong raised = new AtomicLong();
        AtomicLong beacons = new AtomicLong();
        CorrelateStage stage = CorrelateStage.start(base, bus, new EveRenderer("bench", false), p -> System.err.println("rule error: " + p));
        bus.add(stage).add(new AnalyzerStage() {
            @Override
            public EveEvent onEvent(EveEvent e) {
                if (!(e instanceof HttpEvent)) {
                    raised.incrementAndGet();
                }
                if (e instanceof io.spanwatch.sensor.event.AlertEvent a
                        && io.spanwatch.sensor.event.AlertEvent.BEACON.equals(a.alert().category())) {
                    beacons.incrementAndGet(); // every pair's requests come at random times: each is a false alert
                }
                return e;
            }
        });
        Random r = new Random(1);
        long t0 = 1_710_000_000_000L;
        // Every pair once first (so all are tracked), then requests at random over 12 hours of packet time.
        long span = 12 * 3_600_000L;
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = os.getProcessCpuTime();
        long start = System.nanoTime();
        for (int i = 0; i < events; i++) {
            int pair = i < pairs ? i : r.nextInt(pairs);
            long ts = t0 + span * i / events;
            int dest = pair / clients % dests;
            bus.accept(new HttpEvent(ts * 1_000_000, headers[eachAddress ? dest * clients + pair % clients : pair % clients], infos[dest]));
        }
        stage.drain();
        double secs = (System.nanoTime() - start) / 1e9;
        // CPU time of the whole process over the run (feeder, correlation thread, GC, JIT): the rate a
        // machine with cores to spare would see, whatever else runs on this one.
        double processCpu = (os.getProcessCpuTime() - cpuStart) / 1e9;
        // CPU time of the correlation thread: the stage's own cost, whatever else the machine runs.
        double cpu = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("spanwatch-correlate")) {
                cpu = ManagementFactory.getThreadMXBean().getThreadCpuTime(t.threadId()) / 1e9;
            }
        }
        java.util.Map<String, Long> stats = new java.util.TreeMap<>();
        stage.addStats(stats);
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                peak += p.getPeakUsage().getUsed();
            }
        }
        System.gc();
        long after = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        stage.close();
        System.out.printf(java.util.Locale.ROOT, "events %,d, pairs %,d (tracked %,d, evicted %,d), %.2f s, %,.0f events/s; process CPU %.2f s "
                + "(%,.0f events per CPU second), of it the correlation thread %.2f s (%,.0f events per CPU second); "
                + "raised %,d, beacon alerts %,d (%.3f %% of pairs); heap peak %d MiB, after GC %d MiB of max %d MiB; rules %d statements%n", events, pairs,
                stats.getOrDefault("correlate.beacon.pairs", 0L), stats.getOrDefault("correlate.beacon.pairs_evicted", 0L), secs,
                events / secs, processCpu, events / processCpu, cpu, events / cpu, raised.get(), beacons.get(), 100.0 * beacons.get() / pairs, peak >> 20, after >> 20, Runtime.getRuntime().maxMemory() >> 20,
                stats.getOrDefault("correlate.rules.statements", 0L));
    }
}
