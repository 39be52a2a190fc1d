package io.spanwatch.analyzer.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.analyzer.TestPaths;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.LiveCapture;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pcap4j.core.BpfProgram.BpfCompileMode;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;

/**
 * Attacks a live sensor while it watches real downloads (issue 4, "Sensor under fire"), and checks that
 * every bound holds: after each attack the sensor is still running, stops cleanly (exit 0 on SIGTERM),
 * its heap stayed under the launcher's default cap (512 MiB), every file of the clean workload was
 * extracted whole with the right sha256, and the attack is visible as named anomalies and counters.
 *
 * <p>Set-up, as in {@link SensorLiveIT}: a network namespace of the test's own with a real nginx, a veth
 * pair to it, and the real launcher ({@code ./spanwatch sensor}, default heap and settings) capturing on
 * the near end. A fresh sensor per attack, so each attack's counters, anomalies and heap figures are
 * its own. The clean workload is curl fetching five files (random and text, two of them gzip-encoded
 * by nginx, several MB in all) in rounds, with keep-alive, from the start of the attack until one
 * round after it; every download has its own URL ({@code ?a=attack&r=round}), so each one is checked.
 * Each download is limited to {@value #CLEAN_RATE}B/s, and each attacking download to
 * {@value #ATTACK_RATE}B/s: the test is about bounds, not throughput, and the box it runs on also runs
 * the attacker, nginx and curl (unpaced, three bomb downloads once overran the kernel buffer of a
 * sensor just started on two busy vCPUs, and a clean file was lost to capture, not to a bound).
 *
 * <p>The attacks, and how they are made:
 * <ol>
 *   <li>SYN flood: one million SYNs, each from a different address and port, to the server. A real
 *       stack cannot be made to send them, so the test builds the frames and injects them (pcap4j's
 *       {@code sendPacket}) on the near end, where the sensor sees them like traffic on a mirror port;
 *       their destination MAC is not the namespace's, so its kernel drops them. Expected: more flows than
 *       {@code flow.max-flows}, eviction counted and flagged, and no flow of the clean workload evicted
 *       (eviction takes the least recently useful flow).</li>
 *   <li>Out-of-order flood: 600 connections with a handshake, each sending 2,100 segments of 1 to 100
 *       bytes that leave a hole before every one and never fill any, interleaved so they all hold data
 *       at once. Tiny segments are the worst case for memory per byte held. Injected, as no stack sends
 *       that. Expected: the per-stream segment bound and the reassembly memcap both met, named
 *       ({@code stream.reassembly_ooo_limit}, {@code stream.reassembly_memcap}), counted and flagged in
 *       the flow events.</li>
 *   <li>Decompression bomb: nginx serves a gzip body that inflates to 10 GiB of zeros (10 MB on the
 *       wire, built here from one full-flushed deflate chunk repeated, the CRC computed over zeros), as
 *       {@code Content-Encoding: gzip}, fetched six times by curl, three at once: real TCP. Expected:
 *       {@code http.decompression_limit}, a TRUNCATED file and the limit named in the http event.</li>
 *   <li>Header flood: a client socket sends nginx a request with 100,000 header fields and another
 *       with one 200,000-byte field, three times each, each on its own connection; nginx refuses them,
 *       but the sensor sees what crossed the wire. Expected: {@code http.too_many_headers} and
 *       {@code http.header_too_long}, and the limit named in each request's http event.</li>
 *   <li>Pipelined requests never answered: six connections each send 1,000 requests with 50 KB heads
 *       (300 MB in all, paced to 20,000 full-size frames/s) that no response ever answers: within
 *       {@code http.max-pending} per connection, yet more than the heap if every head were kept (without
 *       {@code http.memcap} the sensor runs out of memory). Injected (one side only). Expected:
 *       {@code http.memcap}, evictions counted, evicted requests flagged in their http events.</li>
 *   <li>Overlaps: IPv4 datagrams whose fragments overlap with different bytes, 100,000 first fragments
 *       whose datagrams never complete, and TCP connections whose out-of-order segments overlap with
 *       different bytes (injected: stacks do not send such things). Expected:
 *       {@code defrag.overlap_mismatch}, {@code stream.overlap_mismatch} and dropped datagrams.</li>
 * </ol>
 *
 * <p>Injected frames are paced ({@value #RATE} frames/s) to what the sensor processes on a small
 * machine, so that losses the kernel or the sensor's queues would count cannot be mistaken for a
 * bound that failed; drops are printed. There are no timing assertions. The heap figures come from
 * the sensor's own {@code stats} event ({@code memory.heap_peak}: the most in use at once, taken
 * right before each collection; {@code memory.heap_after_gc_peak} and {@code heap_live_peak}: the most left after any and
 * after a full collection). eve.json is read line by line, as the SYN flood alone writes a million
 * flow events.
 *
 * <p>Runs in the integration-test phase (it starts the packaged launcher). Needs root, iproute2,
 * nginx, curl and libpcap; skips with the reason printed otherwise. Addresses come from the
 * benchmarking range 198.18.0.0/15 and 10.0.0.0/8 (injected sources only).
 */
class AttackIT {
    private static final int PORT = 8080;
    private static final long HEAP_CAP = 512L << 20;
    /** Bytes per second of each clean download (curl's --limit-rate). */
    private static final String CLEAN_RATE = "10M";
    /** Bytes per second of each attacking download (three at a time: about {@link #RATE} frames/s in all). */
    private static final String ATTACK_RATE = "25M";
    /** Injected frames per second. */
    private static final int RATE = 50_000;
    private static final byte[] NONE = new byte[0];
    private static final long CLIENT_ISN = 0x1000_0000L;
    private static final long SERVER_ISN = 0x7000_0000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Clean files by name, with their sha256. */
    private static final Map<String, String> CLEAN = new LinkedHashMap<>();

    private static LiveNet net;
    private static PcapHandle inject;
    /**
     * Builds the injected frames. Their destination MACs (made from the addresses) are not the
     * namespace's, so its kernel drops them instead of answering.
     */
    private static TrafficSynth synth;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void setUp() throws Exception {
        net = LiveNet.createOrSkip("AttackIT", "swa");
        if (net == null) {
            return;
        }
        Path www = tmp.resolve("www");
        Files.createDirectories(www.resolve("attack"));
        Random r = new Random(4);
        CLEAN.put("big.bin", LiveNet.write(www.resolve("big.bin"), LiveNet.random(r, 4 << 20)));
        CLEAN.put("tool.exe", LiveNet.write(www.resolve("tool.exe"), LiveNet.random(r, 1 << 20)));
        CLEAN.put("page.html", LiveNet.write(www.resolve("page.html"), LiveNet.text(r, 400_000, "<!DOCTYPE html><html><body>")));
        CLEAN.put("data.json", LiveNet.write(www.resolve("data.json"), LiveNet.text(r, 100_000, "{\"k\":[")));
        CLEAN.put("small.txt", LiveNet.write(www.resolve("small.txt"), LiveNet.text(r, 1_000, "hello ")));
        Files.write(www.resolve("attack").resolve("bomb"), gzipOfZeros(10L << 30));
        // The bomb goes out as it is, labelled gzip; nginx must not compress it again.
        net.startNginx(tmp, www, PORT, "location /attack/ { gzip off; add_header Content-Encoding gzip; }");

        LiveCapture.ensurePcapLibName();
        inject = new PcapHandle.Builder(net.linkA).snaplen(128).promiscuousMode(PromiscuousMode.NONPROMISCUOUS).timeoutMillis(10)
                .build();
        inject.setFilter("less 1", BpfCompileMode.OPTIMIZE); // it only sends: capture nothing
        synth = new TrafficSynth(new PcapWriter(OutputStream.nullOutputStream(), LinkType.ETHERNET, true, ByteOrder.LITTLE_ENDIAN,
                PcapWriter.DEFAULT_SNAPLEN), 0);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (inject != null) {
            inject.close();
        }
        if (net != null) {
            net.close();
        }
    }

    @Test
    void synFloodOfOneMillionDistinctSyns() throws Exception {
        Outcome o = underAttack("syn-flood", () -> {
            Pacer pacer = new Pacer(RATE);
            for (int i = 0; i < 1_000_000; i++) {
                TrafficSynth.Conn c = conn(source(0, i), 1024 + i % 60_000);
                send(c.segment(true, TrafficSynth.SYN, CLIENT_ISN + i, 0, NONE), pacer);
            }
        });
        assertTrue(o.stat("flow.total") >= 1_000_000, "every SYN made a flow: " + o.stat("flow.total"));
        assertTrue(o.stat("flow.evicted") > 0, "the table filled up and evicted");
        assertTrue(o.evictedFlows > 0, "evicted flows say so in their flow event");
        // Eviction takes the least recently useful flow: SYN-only flows, and clean connections that
        // already closed (their downloads are complete), never one still carrying its download.
        assertEquals(0, o.cleanEvictedOpen, "no open connection of the clean workload was evicted (" + o.cleanEvicted
                + " closed ones were)");
        o.print("flow.total", "flow.evicted", "flow.active");
        System.out.println("AttackIT syn-flood: clean connections evicted after they closed " + o.cleanEvicted + ", open 0");
    }

    @Test
    void outOfOrderFloodThatNeverFillsItsHoles() throws Exception {
        int flows = 600;
        int segments = 2100;
        Outcome o = underAttack("ooo-flood", () -> {
            Pacer pacer = new Pacer(RATE);
            TrafficSynth.Conn[] conns = new TrafficSynth.Conn[flows];
            for (int f = 0; f < flows; f++) {
                conns[f] = conn(source(77, f), 20_000 + f);
                handshake(conns[f], pacer);
            }
            // The first few connections send all their segments in turn, more than one stream may hold;
            // then all the others send theirs interleaved, so together they hold more than the memcap.
            int alone = 20;
            for (int f = 0; f < alone; f++) {
                for (int k = 0; k < segments; k++) {
                    oooSegment(conns[f], f, k, pacer);
                }
            }
            for (int k = 0; k < segments; k++) {
                for (int f = alone; f < flows; f++) {
                    oooSegment(conns[f], f, k, pacer);
                }
            }
        });
        assertTrue(o.stat("tcp.stream_depth_limit_hits") > 0, "per-stream out-of-order bound met");
        assertTrue(o.stat("tcp.reassembly_memcap_hits") > 0, "reassembly memcap met");
        assertTrue(o.anomaly("stream.reassembly_ooo_limit") > 0, "named: " + o.anomalies);
        assertTrue(o.anomaly("stream.reassembly_memcap") > 0, "named: " + o.anomalies);
        assertTrue(o.limitFlows > 0, "flow events flag reassembly_limit");
        o.print("tcp.out_of_order", "tcp.stream_depth_limit_hits", "tcp.reassembly_memcap_hits", "tcp.reassembly_memcap_evictions",
                "tcp.reassembly_gap");
    }

    @Test
    void gzipBodyThatInflatesToTenGiB() throws Exception {
        String url = "http://" + net.addrB + ":" + PORT + "/attack/bomb";
        int downloads = 6;
        Outcome o = underAttack("gzip-bomb", () -> {
            for (int n = 1; n <= downloads; n += 3) { // three at a time
                LiveNet.sh("for i in " + n + " " + (n + 1) + " " + (n + 2) + "; do curl -fsS --limit-rate " + ATTACK_RATE + " -o /dev/null '" + url
                        + "?n='$i & done; wait");
            }
        });
        assertTrue(o.anomaly("http.decompression_limit") >= downloads, "named: " + o.anomalies);
        List<JsonNode> bombs = o.fileinfos.stream().filter(f -> f.path("http").path("url").asText().startsWith("/attack/bomb")).toList();
        assertEquals(downloads, bombs.size(), "one file event per download");
        for (int n = 1; n <= downloads; n++) {
            assertEquals(List.of("http.max-decompression-ratio"), o.httpLimits("/attack/bomb?n=" + n));
        }
        for (JsonNode b : bombs) {
            assertEquals("TRUNCATED", b.path("fileinfo").path("state").asText(), b.toString());
            assertTrue(b.path("fileinfo").path("truncated_reason").asText().contains("decompression"), b.toString());
            assertTrue(b.path("fileinfo").path("size").asLong() < 1L << 30, b.toString());
        }
        o.print("anomaly.http.decompression_limit", "file.truncated");
    }

    @Test
    void requestWithOneHundredThousandHeaders() throws Exception {
        Outcome o = underAttack("header-flood", () -> {
            StringBuilder many = new StringBuilder(1_600_000).append("GET /attack/headers?n=100000 HTTP/1.1\r\nHost: attack\r\n");
            for (int i = 0; i < 100_000; i++) {
                many.append("X-Flood-").append(i).append(": ").append(i).append("\r\n");
            }
            String manyHeaders = many.append("\r\n").toString();
            String longHeader = "GET /attack/headers?long=200000 HTTP/1.1\r\nHost: attack\r\nX-Long: " + "a".repeat(200_000) + "\r\n\r\n";
            for (int i = 0; i < 3; i++) {
                rawRequest(manyHeaders);
                rawRequest(longHeader);
            }
        });
        assertTrue(o.anomaly("http.too_many_headers") >= 3, "named: " + o.anomalies);
        assertTrue(o.anomaly("http.header_too_long") >= 3, "named: " + o.anomalies);
        // The requests' http events say which limit they met.
        assertEquals(List.of("http.max-headers", "http.max-headers", "http.max-headers"), o.httpLimits("/attack/headers?n=100000"));
        assertEquals(List.of("http.max-header-bytes", "http.max-header-bytes", "http.max-header-bytes"),
                o.httpLimits("/attack/headers?long=200000"));
        o.print("anomaly.http.too_many_headers", "anomaly.http.header_too_long");
    }

    @Test
    void pipelinedRequestsThatAreNeverAnswered() throws Exception {
        int connections = 6;
        int requests = 1000;
        Outcome o = underAttack("pending-flood", () -> {
            Pacer pacer = new Pacer(20_000); // full-size frames: about 29 MB/s
            StringBuilder pad = new StringBuilder();
            for (int k = 0; k < 100; k++) {
                pad.append("X-Pad-").append(k).append(": ").append("v".repeat(490)).append("\r\n");
            }
            TrafficSynth.Conn[] conns = new TrafficSynth.Conn[connections];
            for (int c = 0; c < connections; c++) {
                conns[c] = conn(source(120, c), 50_000 + c);
                handshake(conns[c], pacer);
                conns[c].handshake(); // moves the builder's own sequence numbers past the handshake injected
            }
            for (int r = 0; r < requests; r++) {
                for (TrafficSynth.Conn c : conns) {
                    byte[] req = ("GET /attack/pending?r=" + r + " HTTP/1.1\r\nHost: attack\r\n" + pad + "\r\n")
                            .getBytes(StandardCharsets.US_ASCII);
                    for (byte[] seg : c.segments(true, req)) {
                        send(seg, pacer);
                    }
                }
            }
        });
        assertTrue(o.anomaly("http.memcap") > 0, "named: " + o.anomalies);
        assertTrue(o.stat("app_layer.http.memcap_evictions") > 0);
        assertTrue(o.attackHttp.stream().anyMatch(h -> "http.memcap".equals(h.path("http").path("limit_hit").asText())),
                "evicted requests say so in their http events");
        o.print("app_layer.tx.http", "app_layer.http.memcap_evictions", "app_layer.http.memuse");
    }

    @Test
    void overlappingFragmentsAndSegmentsThatDiffer() throws Exception {
        int datagrams = 2000;
        int connections = 2000;
        Outcome o = underAttack("overlaps", () -> {
            Pacer pacer = new Pacer(RATE);
            for (int i = 0; i < datagrams; i++) {
                // A TCP segment in two fragments whose overlap (IP payload bytes 40 to 47) differs.
                TrafficSynth.Conn c = conn(source(88, i), 5000);
                byte[] payload = ("datagram " + i + " ").repeat(8).substring(0, 64).getBytes(StandardCharsets.US_ASCII);
                byte[] frame = c.segment(true, TrafficSynth.ACK | TrafficSynth.PSH, CLIENT_ISN + 1, SERVER_ISN + 1, payload);
                byte[] other = frame.clone();
                for (int k = 14 + 20 + 40; k < 14 + 20 + 48; k++) {
                    other[k] ^= 0x5A;
                }
                send(TrafficSynth.fragment4(frame, 0, 48, true), pacer);
                send(TrafficSynth.fragment4(other, 40, 84 - 40, false), pacer);
            }
            for (int i = 0; i < 100_000; i++) {
                TrafficSynth.Conn c = conn(source(100, i), 5001);
                byte[] frame = c.segment(true, TrafficSynth.ACK, CLIENT_ISN + 1, SERVER_ISN + 1, new byte[64]);
                send(TrafficSynth.fragment4(frame, 0, 32, true), pacer); // the rest never comes
            }
            for (int i = 0; i < connections; i++) {
                TrafficSynth.Conn c = conn(source(90, i), 30_000 + i);
                handshake(c, pacer);
                byte[] req = ("GET /attack/overlap?i=" + i + " HTTP/1.1\r\nHost: attack\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                byte[] evil = req.clone();
                Arrays.fill(evil, 20, 30, (byte) 'Z');
                long base = CLIENT_ISN + 1;
                long ack = SERVER_ISN + 1;
                // Bytes 10-29 first, then 20-39 with 20-29 different, then the hole 0-9, then the rest.
                send(c.segment(true, TrafficSynth.ACK, base + 10, ack, Arrays.copyOfRange(req, 10, 30)), pacer);
                send(c.segment(true, TrafficSynth.ACK, base + 20, ack, Arrays.copyOfRange(evil, 20, 40)), pacer);
                send(c.segment(true, TrafficSynth.ACK, base, ack, Arrays.copyOfRange(req, 0, 10)), pacer);
                send(c.segment(true, TrafficSynth.ACK | TrafficSynth.PSH, base + 40, ack, Arrays.copyOfRange(req, 40, req.length)), pacer);
            }
        });
        assertTrue(o.anomaly("defrag.overlap_mismatch") > 0, "named: " + o.anomalies);
        assertTrue(o.stat("defrag.overlap_mismatches") >= datagrams, "counted: " + o.stat("defrag.overlap_mismatches"));
        assertTrue(o.stat("defrag.dropped") + o.stat("defrag.ipv4.timeouts") + o.stat("defrag.ipv6.timeouts") > 0, "incomplete datagrams given up");
        assertTrue(o.anomaly("stream.overlap_mismatch") > 0, "named: " + o.anomalies);
        assertTrue(o.stat("tcp.overlap_diff_data") >= connections, "counted: " + o.stat("tcp.overlap_diff_data"));
        o.print("defrag.overlap_mismatches", "defrag.ipv4.reassembled", "defrag.dropped", "tcp.overlap_diff_data");
    }

    /**
     * Injects segment {@code k} of out-of-order flood connection {@code f}: 1 to 100 bytes every 101
     * bytes, so byte 0 and the byte before each segment never arrive.
     */
    private static void oooSegment(TrafficSynth.Conn c, int f, int k, Pacer pacer) throws Exception {
        byte[] data = new byte[1 + (k + f) % 100];
        Arrays.fill(data, (byte) 'x');
        send(c.segment(true, TrafficSynth.ACK, CLIENT_ISN + 2 + 101L * k, SERVER_ISN + 1, data), pacer);
    }

    // ---- one attack under a clean workload ----------------------------------------------------

    /** An attack's traffic. */
    @FunctionalInterface
    interface Attack {
        void run() throws Exception;
    }

    /**
     * Starts a fresh sensor, runs the clean workload and the attack together, checks what every attack
     * must leave intact, and returns what the sensor wrote.
     */
    private static Outcome underAttack(String name, Attack attack) throws Exception {
        Assumptions.assumeTrue(net != null, "AttackIT: needs root, iproute2, nginx and curl");
        Path out = tmp.resolve(name);
        awaitQuietCpu(name);
        Sensor sensor = Sensor.start(out);
        Workload clean = new Workload(name);
        clean.start();
        long t0 = System.nanoTime();
        try {
            attack.run();
        } finally {
            clean.finishAfterOneMoreRound();
        }
        double attackSeconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(sensor.process.isAlive(), () -> name + ": the sensor died under attack; output: " + sensor.output());
        clean.join();
        assertTrue(clean.failures.isEmpty(), () -> name + ": clean downloads failed: " + clean.failures);
        assertTrue(clean.rounds >= 2, name + ": clean rounds " + clean.rounds);
        Thread.sleep(1000);
        assertTrue(sensor.process.isAlive(), () -> name + ": the sensor died; output: " + sensor.output());
        sensor.stop();

        Outcome o = Outcome.read(name, out.resolve("eve.json"));
        o.attackSeconds = attackSeconds;
        o.cleanDownloads = clean.downloads.size();
        o.output = sensor.output();
        // Every clean download is in a fileinfo event, whole (CLOSED) and with the right sha256.
        List<String> missing = new ArrayList<>();
        for (Workload.Download d : clean.downloads) {
            boolean found = o.fileinfos.stream().anyMatch(f -> d.url().equals(f.path("http").path("url").asText())
                    && "CLOSED".equals(f.path("fileinfo").path("state").asText()) && d.sha256().equals(f.path("fileinfo").path("sha256").asText()));
            if (!found) {
                missing.add(d.url());
            } else {
                o.cleanRecovered++;
            }
        }
        o.print();
        assertTrue(!o.output.contains("OutOfMemoryError"), () -> name + ": " + o.output);
        assertEquals(0, o.stat("internal.errors"), name + ": internal errors");
        long heapPeak = o.stat("memory.heap_peak");
        assertTrue(heapPeak > 0, name + ": stats carry the heap figures");
        assertTrue(o.stat("memory.heap_max") <= HEAP_CAP, name + ": the launcher's default cap is in force");
        assertTrue(heapPeak < HEAP_CAP, name + ": heap peak " + (heapPeak >> 20) + " MiB");
        long keptPeak = o.stat("memory.heap_after_gc_peak");
        assertTrue(keptPeak < o.stat("memory.heap_max"), name + ": what a collection left (" + (keptPeak >> 20)
                + " MiB) never filled the heap");
        assertTrue(missing.isEmpty(), () -> name + ": clean downloads not recovered (" + missing.size() + " of " + clean.downloads.size()
                + "): " + missing.subList(0, Math.min(10, missing.size())) + "; what the sensor wrote of them: " + o.fileinfos.stream()
                        .filter(f -> missing.subList(0, Math.min(3, missing.size())).contains(f.path("http").path("url").asText()))
                        .map(f -> f.path("fileinfo").toString()).toList()
                + "; capture " + o.stats.path("capture") + "; tcp " + o.stats.path("tcp") + "; sensor: " + o.output);
        for (String sha : CLEAN.values()) {
            assertTrue(Files.isRegularFile(out.resolve("files").resolve(sha)), name + ": stored " + sha);
        }
        return o;
    }

    /**
     * Waits (at most 30 s) until the machine's cores are mostly idle, so that an attack meets a sensor
     * on the 2-core machine it is sized for, not one sharing it with what the tests before this one
     * left running (CI: the first attack after the clamd tests met 1,129 kernel drops in one run of
     * four; alone, none in three). The assertions are the same whatever the wait.
     */
    private static void awaitQuietCpu(String name) throws Exception {
        long t0 = System.nanoTime();
        double busy = 1;
        while (System.nanoTime() - t0 < 30_000_000_000L) {
            long[] a = cpuTicks();
            Thread.sleep(500);
            long[] b = cpuTicks();
            busy = b[1] == a[1] ? 0 : (double) ((b[1] - a[1]) - (b[0] - a[0])) / (b[1] - a[1]);
            if (busy < 0.25) {
                break;
            }
        }
        System.out.printf(Locale.ROOT, "AttackIT %s: cores %.0f %% busy before the attack, after %.1f s of waiting%n", name, busy * 100,
                (System.nanoTime() - t0) / 1e9);
    }

    /** Returns the idle (with I/O wait) and total ticks of all cores, from {@code /proc/stat}. */
    private static long[] cpuTicks() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[] {Long.parseLong(f[4]) + Long.parseLong(f[5]), total};
    }

    /** The real launcher capturing on the near end, default heap and settings. */
    private static final class Sensor {
        final Process process;
        final List<String> log = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch ready = new CountDownLatch(1);
        final Thread reader;

        private Sensor(Process process) {
            this.process = process;
            this.reader = new Thread(() -> {
                try (BufferedReader br = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = br.readLine()) != null; ) {
                        log.add(line);
                        if (line.contains("capturing on")) {
                            ready.countDown();
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        static Sensor start(Path out) throws Exception {
            Path launcher = TestPaths.repoRoot().resolve("spanwatch");
            ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "sensor", "--interface", net.linkA, "--out", out.toString(),
                    "--sensor-name", "attack-it");
            pb.environment().remove("SPANWATCH_HEAP"); // the launcher's default cap
            pb.environment().remove("JAVA_OPTS");
            pb.redirectErrorStream(true);
            Sensor s = new Sensor(pb.start());
            assertTrue(s.ready.await(120, TimeUnit.SECONDS), () -> "sensor did not start: " + s.output());
            Thread.sleep(500);
            return s;
        }

        String output() {
            synchronized (log) {
                return String.join("\n", log);
            }
        }

        /** SIGTERM to the JVM (the launcher execs it), then exit status 0 within two minutes. */
        void stop() throws Exception {
            process.toHandle().descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                // What it is doing, for the failure message: its threads and its heap.
                String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
                String dump = LiveNet.run(jcmd, String.valueOf(process.pid()), "Thread.print") + LiveNet.run(jcmd, String.valueOf(process.pid()),
                        "GC.heap_info");
                process.destroyForcibly();
                fail("sensor did not stop within 120 s of SIGTERM; output: " + output() + "\nthreads and heap:\n" + dump);
            }
            reader.join(5000);
            assertEquals(0, process.exitValue(), () -> "sensor exit status; output: " + output());
        }
    }

    /** Rounds of curl downloads of every clean file, each with its own URL, until told to finish. */
    private static final class Workload extends Thread {
        record Download(String url, String sha256) {
        }

        final String attack;
        final List<Download> downloads = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        volatile int finishAfter = Integer.MAX_VALUE;
        volatile int rounds;

        Workload(String attack) {
            this.attack = attack;
            setDaemon(true);
        }

        /** Lets the round under way end, then one more, then stops. */
        void finishAfterOneMoreRound() {
            finishAfter = rounds + 1;
        }

        @Override
        public void run() {
            for (int r = 0; r <= finishAfter; r++) {
                String q = "?a=" + attack + "&r=" + r;
                String base = "http://" + net.addrB + ":" + PORT + "/";
                try {
                    // Keep-alive for the binaries; gzip (nginx encodes, curl decodes) for the text.
                    fetch(base, q, false, "big.bin", "small.txt", "tool.exe");
                    fetch(base, q, true, "page.html", "data.json");
                } catch (Exception e) {
                    failures.add(e.toString());
                    return;
                }
                rounds = r + 1;
            }
        }

        private void fetch(String base, String q, boolean compressed, String... names) throws Exception {
            StringBuilder cmd = new StringBuilder("curl -fsS --max-time 120 --limit-rate " + CLEAN_RATE).append(compressed ? " --compressed" : "");
            for (String n : names) {
                cmd.append(" -o /dev/null ").append("'").append(base).append(n).append(q).append("'");
            }
            if (LiveNet.sh(cmd.toString() + " || exit 1") != 0) {
                throw new IllegalStateException("failed: " + cmd);
            }
            for (String n : names) {
                downloads.add(new Download("/" + n + q, CLEAN.get(n)));
            }
        }
    }

    /** What one sensor run wrote, read line by line. */
    private static final class Outcome {
        final String name;
        JsonNode stats = JSON.createObjectNode();
        final Map<String, Long> anomalies = new TreeMap<>();
        final List<JsonNode> fileinfos = new ArrayList<>();
        /** http events of the attack's own requests (URLs under /attack/). */
        final List<JsonNode> attackHttp = new ArrayList<>();
        long flowEvents;
        long evictedFlows;
        long cleanEvicted;
        /** Evicted flows of the clean workload that had not ended yet. */
        long cleanEvictedOpen;
        long limitFlows;
        long cleanRecovered;
        long cleanDownloads;
        double attackSeconds;
        String output;

        Outcome(String name) {
            this.name = name;
        }

        static Outcome read(String name, Path eve) throws IOException {
            Outcome o = new Outcome(name);
            String cleanServer = "\"dest_ip\":\"" + net.addrB + "\",\"dest_port\":" + PORT + ",";
            String cleanClient = "\"src_ip\":\"" + net.addrA + "\"";
            try (BufferedReader br = Files.newBufferedReader(eve, StandardCharsets.UTF_8)) {
                for (String line; (line = br.readLine()) != null; ) {
                    if (line.contains("\"event_type\":\"flow\"")) {
                        o.flowEvents++;
                        if (line.contains("\"evicted\":true")) {
                            o.evictedFlows++;
                            if (line.contains(cleanServer) && line.contains(cleanClient)) {
                                o.cleanEvicted++;
                                if (!line.contains("\"state\":\"closed\"")) {
                                    o.cleanEvictedOpen++;
                                }
                            }
                        }
                        if (line.contains("\"reassembly_limit\":true")) {
                            o.limitFlows++;
                        }
                    } else if (line.contains("\"event_type\":\"anomaly\"")) {
                        o.anomalies.merge(JSON.readTree(line).path("anomaly").path("event").asText(), 1L, Long::sum);
                    } else if (line.contains("\"event_type\":\"http\"") && line.contains("\"url\":\"/attack/")) {
                        o.attackHttp.add(JSON.readTree(line));
                    } else if (line.contains("\"event_type\":\"fileinfo\"")) {
                        o.fileinfos.add(JSON.readTree(line));
                    } else if (line.contains("\"event_type\":\"stats\"")) {
                        o.stats = JSON.readTree(line).path("stats");
                    }
                }
            }
            return o;
        }

        /** Returns a dotted counter of the last stats event, 0 when absent. */
        long stat(String dotted) {
            JsonNode n = stats;
            for (String part : dotted.split("\\.")) {
                n = n.path(part);
            }
            return n.asLong(0);
        }

        /** Returns the {@code limit_hit} of every http event for {@code url} ("-" where there is none). */
        List<String> httpLimits(String url) {
            return attackHttp.stream().filter(h -> url.equals(h.path("http").path("url").asText()))
                    .map(h -> h.path("http").path("limit_hit").asText("-")).toList();
        }

        /** Returns how many anomaly events of this name were written. */
        long anomaly(String event) {
            return anomalies.getOrDefault(event, 0L);
        }

        /** Prints the figures every attack has: time, heap, clean files, drops, flows, anomalies. */
        void print() {
            Map<String, Long> named = new TreeMap<>();
            flatten("", stats.path("anomaly"), named);
            System.out.printf(Locale.ROOT, "AttackIT %s: attack %.1f s; heap peak %d MiB, after GC %d MiB, after full GC %d MiB"
                    + " (cap %d MiB); clean files recovered %d/%d; capture kernel_drops %d, sensor_queue_drops %d, thread_nice %d; flow events %d"
                    + " (evicted %d, reassembly_limit %d); anomalies counted %s, events written %s%n", name, attackSeconds,
                    stat("memory.heap_peak") >> 20, stat("memory.heap_after_gc_peak") >> 20, stat("memory.heap_live_peak") >> 20,
                    stat("memory.heap_max") >> 20, cleanRecovered, cleanDownloads, stat("capture.kernel_drops"),
                    stat("capture.sensor_queue_drops"), stat("capture.thread_nice"), flowEvents, evictedFlows, limitFlows, named, anomalies);
        }

        private static void flatten(String prefix, JsonNode n, Map<String, Long> into) {
            if (n.isObject()) {
                n.fields().forEachRemaining(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), into));
            } else if (n.asLong() != 0) {
                into.put(prefix, n.asLong());
            }
        }

        /** Prints the counters that show this attack. */
        void print(String... counters) {
            StringBuilder sb = new StringBuilder("AttackIT " + name + ":");
            for (String c : counters) {
                sb.append(' ').append(c).append(' ').append(stat(c)).append(';');
            }
            System.out.println(sb);
        }
    }

    // ---- frames -------------------------------------------------------------------------------

    /** Returns the {@code i}th injected source address of a block of 10.0.0.0/8 starting at {@code 10.base.0.0}. */
    private static String source(int base, int i) {
        return "10." + (base + (i >>> 16)) + "." + ((i >>> 8) & 0xFF) + "." + (i & 0xFF);
    }

    /** Returns a connection from {@code client} to the server, for building its frames. */
    private static TrafficSynth.Conn conn(String client, int port) {
        TrafficSynth.Conn c = synth.tcp(client, port, net.addrB, PORT);
        // Windows of 1 GiB (the largest scale, RFC 7323), so every flood lies inside the receiver's window:
        // data past it is not held, as the host drops it (see ReassemblyEvasionTest).
        c.windowShift = 14;
        return c;
    }

    private static void send(byte[] frame, Pacer pacer) throws Exception {
        inject.sendPacket(frame);
        pacer.sent();
    }

    /** Injects SYN, SYN-ACK and ACK. */
    private static void handshake(TrafficSynth.Conn c, Pacer pacer) throws Exception {
        send(c.segment(true, TrafficSynth.SYN, CLIENT_ISN, 0, NONE), pacer);
        send(c.segment(false, TrafficSynth.SYN | TrafficSynth.ACK, SERVER_ISN, CLIENT_ISN + 1, NONE), pacer);
        send(c.segment(true, TrafficSynth.ACK, CLIENT_ISN + 1, SERVER_ISN + 1, NONE), pacer);
        // The server's first window past the SYN-ACK (whose own is never scaled).
        send(c.segment(false, TrafficSynth.ACK, SERVER_ISN + 1, CLIENT_ISN + 1, NONE), pacer);
    }

    // ---- real TCP clients and servers ---------------------------------------------------------

    /** Sends one request on its own connection, reads what nginx answers, and closes. */
    private static void rawRequest(String request) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(net.addrB, PORT), 5000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (IOException e) {
                    // nginx answered 400 and closed before reading it all: expected
                }
            });
            writer.setDaemon(true);
            writer.start();
            try {
                in.readAllBytes();
            } catch (IOException e) {
                // reset or timeout after nginx's answer
            }
            writer.join(10_000);
        }
    }

    /**
     * Returns a gzip member whose deflate stream inflates to {@code size} zero bytes (a multiple of
     * 64 MiB): one chunk of 64 MiB of zeros deflated and ended with a full flush (byte-aligned, no
     * reference before its start, so copies of it can follow each other), repeated, then an empty
     * final block and the trailer with the CRC-32 of the zeros.
     */
    static byte[] gzipOfZeros(long size) {
        int chunkZeros = 64 << 20;
        byte[] zeros = new byte[1 << 20];
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        byte[] buf = new byte[64 << 10];
        for (int i = 0; i < chunkZeros / zeros.length; i++) {
            d.setInput(zeros);
            while (!d.needsInput()) {
                chunk.write(buf, 0, d.deflate(buf, 0, buf.length, Deflater.NO_FLUSH));
            }
        }
        int n;
        do {
            n = d.deflate(buf, 0, buf.length, Deflater.FULL_FLUSH);
            chunk.write(buf, 0, n);
        } while (n == buf.length);
        d.end();
        byte[] c = chunk.toByteArray();
        CRC32 crc = new CRC32();
        for (long done = 0; done < size; done += zeros.length) {
            crc.update(zeros);
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream((int) (size / chunkZeros * c.length + 64));
        gz.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3});
        for (long done = 0; done < size; done += chunkZeros) {
            gz.writeBytes(c);
        }
        gz.writeBytes(new byte[] {3, 0}); // final block, fixed Huffman, end of block at once
        long v = crc.getValue();
        gz.writeBytes(new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24),
            (byte) size, (byte) (size >>> 8), (byte) (size >>> 16), (byte) (size >>> 24)});
        return gz.toByteArray();
    }
}
