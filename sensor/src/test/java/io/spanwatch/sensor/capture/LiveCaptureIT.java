package io.spanwatch.sensor.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Captures real traffic with {@link LiveCapture}: builds a veth pair whose "a" end stays in the JVM's
 * network namespace and whose "b" end lives in a namespace the test creates, sends a known number of
 * UDP datagrams from the namespace to the "a" end and checks what the capture delivers.
 *
 * <p>Needs root (to create namespaces and to capture), {@code ip} and {@code python3}; without them
 * the tests that need them are skipped with the reason printed. Addresses come from the benchmarking
 * range 198.18.0.0/15, a random /30 on a link only this test owns, so nothing leaves the machine.
 * Everything created is removed in {@link #tearDown()}, also after failures.
 */
class LiveCaptureIT {

    private static final int COUNT = 25;
    private static final int PAYLOAD = 200;
    private static final int PORT = 47_999;
    private static final int SMALL_SNAPLEN = 96;
    /** Ethernet + IPv4 + UDP header bytes in front of the payload. */
    private static final int HEADERS = 14 + 20 + 8;

    private static boolean root;
    private static String skipReason;
    private static VethPair veth;
    private static String LINK_A;
    private static String addrA;
    private static String addrB;

    @BeforeAll
    static void setUp() throws Exception {
        root = "0".equals(VethPair.output("id", "-u").strip());
        skipReason = VethPair.skipReason();
        if (skipReason == null && !libpcapAvailable()) {
            skipReason = "libpcap is not installed";
        }
        if (skipReason != null) {
            System.err.println("LiveCaptureIT: skipping live capture tests: " + skipReason);
            return;
        }
        veth = VethPair.create("swt");
        LINK_A = veth.linkA;
        addrA = veth.addrA;
        addrB = veth.addrB;
        System.err.println("LiveCaptureIT: " + veth);
    }

    @AfterAll
    static void tearDown() {
        if (veth != null) {
            veth.close();
        }
    }

    // ---- live capture ---------------------------------------------------------------------------

    /** Both packet loops (the FFM one on pcap_next_ex and pcap4j's JNA callback) must deliver the same. */
    @ParameterizedTest
    @EnumSource(LiveCapture.Loop.class)
    void capturesFramesWithTimestampsLinkTypeAndStats(LiveCapture.Loop loop) throws Exception {
        assumeLive();
        String filter = "udp and dst port " + PORT + " and src host " + addrB;
        LiveCapture closedLater;
        CaptureStats beforeClose;
        try (LiveCapture full = LiveCapture.open(LiveCapture.Options.of(LINK_A).withFilter(filter)
                        .withImmediateMode(true).withLoop(loop));
                LiveCapture small = LiveCapture.open(LiveCapture.Options.of(LINK_A).withFilter(filter)
                        .withSnaplen(SMALL_SNAPLEN).withNanoTimestamps(false).withLoop(loop))) {
            assertEquals(loop, full.loop(), () -> "loop in use; native unavailable because: " + full.loopFallbackReason());
            assertEquals(loop, small.loop());
            assertEquals(LinkType.ETHERNET, full.linkType(), "veth is an Ethernet link");
            assertEquals(LinkType.ETHERNET, small.linkType());
            assertTrue(full.nanosecondTimestamps(), "Linux libpcap offers nanosecond timestamps");
            assertFalse(small.nanosecondTimestamps(), "microseconds were asked for");

            Collector fullSink = new Collector();
            Collector smallSink = new Collector();
            Runner fullRun = Runner.start(full, fullSink);
            Runner smallRun = Runner.start(small, smallSink);

            long before = System.currentTimeMillis() * 1_000_000L;
            sendUdp(COUNT);
            fullSink.await(COUNT, 10_000);
            smallSink.await(COUNT, 10_000);
            long after = System.currentTimeMillis() * 1_000_000L;
            Thread.sleep(300); // nothing more may come

            full.stop();
            small.stop();
            fullRun.join();
            smallRun.join();

            List<Frame> frames = fullSink.frames;
            assertEquals(COUNT, frames.size(), "frames captured with the full snaplen");
            assertEquals(COUNT, smallSink.frames.size(), "frames captured with the small snaplen");

            long previous = Long.MIN_VALUE;
            boolean sawSubMicro = false;
            for (int i = 0; i < COUNT; i++) {
                Frame f = frames.get(i);
                assertEquals(LinkType.ETHERNET, f.linkType());
                assertEquals(HEADERS + PAYLOAD, f.wireLen(), "wire length of frame " + i);
                assertEquals(f.wireLen(), f.capLen(), "whole frame captured");
                assertTrue(f.tsNanos() >= before - 2_000_000_000L && f.tsNanos() <= after + 2_000_000_000L,
                        "timestamp " + f.tsNanos() + " of frame " + i + " within the test's run " + before + ".." + after);
                assertTrue(f.tsNanos() >= previous, "timestamps never go backwards");
                previous = f.tsNanos();
                sawSubMicro |= f.tsNanos() % 1000 != 0;
                byte[] d = f.data();
                assertEquals(0x0800, u16(d, 12), "IPv4 ethertype");
                assertEquals(17, d[14 + 9], "UDP");
                assertEquals(PORT, u16(d, 14 + 20 + 2), "destination port");
                assertEquals(marker(i), new String(d, HEADERS, 8, StandardCharsets.US_ASCII), "payload of frame " + i);
            }
            assertTrue(sawSubMicro, "nanosecond timestamps carry digits below the microsecond");

            for (Frame f : smallSink.frames) {
                assertEquals(SMALL_SNAPLEN, f.capLen(), "frame cut at the snaplen");
                assertEquals(HEADERS + PAYLOAD, f.wireLen(), "wire length survives the cut");
                assertEquals(0, f.tsNanos() % 1000, "microsecond timestamps");
            }

            CaptureStats s = full.stats();
            assertEquals(COUNT, s.packets(), "packets delivered");
            assertEquals((long) COUNT * (HEADERS + PAYLOAD), s.bytes(), "bytes delivered");
            assertTrue(s.kernelPackets() >= COUNT, "ps_recv counts the packets: " + s);
            assertEquals(0, s.kernelDrops(), "no kernel drops at this rate: " + s);
            assertFalse(s.truncated());
            assertEquals((long) COUNT * SMALL_SNAPLEN, small.stats().bytes(), "captured bytes, not wire bytes");
            System.err.println("LiveCaptureIT (" + loop + " loop): captured " + frames.size() + " frames on " + LINK_A
                    + ", first ts " + frames.get(0).tsNanos() + " ns, stats " + s + ", small " + small.stats());
            closedLater = full;
            beforeClose = s;
        }
        CaptureStats afterClose = closedLater.stats();
        assertEquals(beforeClose.packets(), afterClose.packets(), "counters survive close()");
        assertTrue(afterClose.kernelPackets() >= COUNT, "kernel counters survive close(): " + afterClose);
    }

    @Test
    void stopEndsAnIdleRunAndStopBeforeRunReturnsAtOnce() throws Exception {
        assumeLive();
        try (LiveCapture idle = LiveCapture.open(LiveCapture.Options.of(LINK_A).withFilter("udp port 9")
                .withReadTimeoutMillis(1000))) {
            Runner r = Runner.start(idle, new Collector());
            Thread.sleep(300);
            assertTrue(r.thread.isAlive(), "run() blocks while there is no traffic");
            long t0 = System.nanoTime();
            idle.stop();
            r.join();
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(3), "stop() ends run() promptly");
        }
        try (LiveCapture early = LiveCapture.open(LiveCapture.Options.of(LINK_A))) {
            early.stop();
            Runner r = Runner.start(early, new Collector());
            r.join();
        }
    }

    /** close() from another thread while the loop waits in libpcap: the loop ends first, then the handle goes. */
    @ParameterizedTest
    @EnumSource(LiveCapture.Loop.class)
    void closeWhileRunningEndsTheRunBeforeFreeingTheHandle(LiveCapture.Loop loop) throws Exception {
        assumeLive();
        String filter = "udp and dst port " + PORT + " and src host " + addrB;
        LiveCapture busy = LiveCapture.open(LiveCapture.Options.of(LINK_A).withFilter(filter).withLoop(loop));
        Collector sink = new Collector();
        Runner r = Runner.start(busy, sink);
        sendUdp(COUNT);
        sink.await(COUNT, 10_000);
        busy.close();
        r.join();
        assertEquals(COUNT, busy.stats().packets(), "counters readable after close()");
        busy.close(); // idempotent
    }

    /** A stop while the sink lags behind the kernel: what the kernel already captured is still delivered. */
    @Test
    void stopStillDeliversWhatTheKernelCapturedBefore() throws Exception {
        assumeLive();
        String filter = "udp and dst port " + PORT + " and src host " + addrB;
        try (LiveCapture cap = LiveCapture.open(LiveCapture.Options.of(LINK_A).withFilter(filter).withLoop(LiveCapture.Loop.NATIVE))) {
            Collector frames = new Collector();
            Runner r = Runner.start(cap, (ts, lt, buf, off, capLen, wireLen) -> {
                frames.frame(ts, lt, buf, off, capLen, wireLen);
                try {
                    Thread.sleep(20); // a sink slower than the traffic: the kernel's ring holds the rest
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            sendUdp(COUNT);
            int before = frames.frames.size();
            cap.stop();
            r.join();
            System.err.println("LiveCaptureIT: " + before + " of " + COUNT + " frames read when stopped, " + frames.frames.size()
                    + " after; " + cap.stats());
            assertEquals(COUNT, frames.frames.size(), "every frame the kernel had captured before the stop");
            assertEquals(0, cap.stats().kernelDrops());
        }
    }

    @Test
    void aSinkFailureEndsRunAndIsRethrown() throws Exception {
        assumeLive();
        String filter = "udp and dst port " + PORT + " and src host " + addrB;
        try (LiveCapture cap = LiveCapture.open(LiveCapture.Options.of(LINK_A).withFilter(filter)
                .withImmediateMode(true))) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread t = Thread.ofPlatform().name("capture-failing").start(() -> {
                try {
                    cap.run((ts, lt, buf, off, capLen, wireLen) -> {
                        throw new IllegalStateException("sink bug");
                    });
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            sendUdp(3);
            t.join(10_000);
            assertFalse(t.isAlive(), "run() ended after the sink failed");
            assertTrue(thrown.get() instanceof IllegalStateException, "sink's exception rethrown: " + thrown.get());
        }
    }

    // ---- error lines ----------------------------------------------------------------------------

    @Test
    void nonexistentInterfaceIsOneLineListingTheAvailableOnes() throws Exception {
        assumeLibpcap();
        String bogus = String.format(Locale.ROOT, "swt-none-%04x", ThreadLocalRandom.current().nextInt(1 << 16));
        CaptureException e = assertThrows(CaptureException.class,
                () -> LiveCapture.open(LiveCapture.Options.of(bogus)));
        System.err.println("LiveCaptureIT: error line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("interface " + bogus + " does not exist; available: "), e.getMessage());
        assertTrue(e.getMessage().contains("lo"), "lists the loopback interface: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(LiveCapture.listInterfaces().contains("lo"));
    }

    @Test
    void badFilterEchoesTheExpressionAndPcapsError() throws Exception {
        assumeTrue(root, "capturing on lo needs root");
        assumeLibpcap();
        String expr = "tcp port nope and";
        CaptureException e = assertThrows(CaptureException.class,
                () -> LiveCapture.open(LiveCapture.Options.of("lo").withFilter(expr)));
        System.err.println("LiveCaptureIT: error line: " + e.getMessage());
        assertTrue(e.getMessage().startsWith("bad BPF filter \"" + expr + "\" on lo: "), e.getMessage());
        assertTrue(e.getMessage().length() > ("bad BPF filter \"" + expr + "\" on lo: ").length() + 3,
                "carries pcap's error: " + e.getMessage());
        assertFalse(e.getMessage().contains("pcap_compile"), "pcap4j's prefix removed: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void missingLibpcapSaysWhatToInstall() throws Exception {
        ProbeResult r = probe(List.of(), "-D" + LiveCapture.PCAP_LIB_PROPERTY + "=/nonexistent/libpcap.so.0.8", "lo");
        assertEquals(3, r.exitCode(), r.output());
        assertTrue(r.output().startsWith("ERR libpcap not found: install libpcap0.8 (Debian"), r.output());
        assertTrue(r.output().contains("/nonexistent/libpcap.so.0.8"), "names what it tried: " + r.output());
        assertTrue(r.output().length() < 400, "one short line: " + r.output());
    }

    @Test
    void missingCapabilitySaysHowToGrantIt() throws Exception {
        assumeTrue(root, "dropping capabilities with setpriv needs root");
        assumeLibpcap();
        String setpriv = VethPair.findExecutable("setpriv", "/usr/bin/setpriv", "/bin/setpriv");
        assumeTrue(setpriv != null, "setpriv (util-linux) is missing");
        ProbeResult r = probe(List.of(setpriv, "--bounding-set=-net_raw,-net_admin", "--inh-caps=-all"), null, "lo");
        assertEquals(3, r.exitCode(), r.output());
        assertTrue(r.output().startsWith("ERR no permission to capture on lo ("), r.output());
        assertTrue(r.output().contains("CAP_NET_RAW") && r.output().contains("AmbientCapabilities")
                && r.output().contains("setcap"), r.output());
    }

    @Test
    void unknownOpenFailuresKeepPcapsMessage() {
        assertEquals("interface eth9 does not exist; available: eth0, lo",
                LiveCapture.openFailureMessage("eth9", -5, "SIOCGIFINDEX: No such device", true, List.of("eth0", "lo")));
        assertEquals("interface eth9 is down: bring it up with 'ip link set eth9 up' (eth9: That device is not up)",
                LiveCapture.openFailureMessage("eth9", -9, "eth9: That device is not up", true, List.of("eth9")));
        assertEquals("cannot capture on eth9: boom (pcap error -1)",
                LiveCapture.openFailureMessage("eth9", -1, "boom", true, List.of("eth9")));
        assertEquals("x86_64-linux-gnu", LiveCapture.multiarchTriplet("amd64"));
        assertEquals("aarch64-linux-gnu", LiveCapture.multiarchTriplet("aarch64"));
    }

    // ---- helpers --------------------------------------------------------------------------------

    record Frame(long tsNanos, int linkType, byte[] data, int capLen, int wireLen) {
    }

    /** Copies every frame (the buffer is only lent for the call). */
    static final class Collector implements FrameSink {
        final List<Frame> frames = new CopyOnWriteArrayList<>();

        @Override
        public void frame(long tsNanos, int linkType, byte[] buf, int off, int capLen, int wireLen) {
            frames.add(new Frame(tsNanos, linkType, Arrays.copyOfRange(buf, off, off + capLen), capLen, wireLen));
        }

        void await(int n, long millis) throws InterruptedException {
            long deadline = System.currentTimeMillis() + millis;
            while (frames.size() < n && System.currentTimeMillis() < deadline) {
                Thread.sleep(20);
            }
        }
    }

    /** Runs a capture on its own thread and reports how it ended. */
    record Runner(Thread thread, AtomicReference<Throwable> failure) {
        static Runner start(LiveCapture capture, FrameSink sink) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread t = Thread.ofPlatform().name("capture-" + capture.name()).start(() -> {
                try {
                    capture.run(sink);
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            return new Runner(t, failure);
        }

        void join() throws InterruptedException {
            thread.join(5_000);
            assertFalse(thread.isAlive(), "run() returned after stop()");
            assertNull(failure.get(), "run() ended without an exception");
        }
    }

    private static void sendUdp(int n) throws Exception {
        String script = String.join("\n",
                "import socket, time",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "for i in range(" + n + "):",
                "    s.sendto(b'SWT%05d' % i + b'x' * " + (PAYLOAD - 8) + ", ('" + addrA + "', " + PORT + "))",
                "    time.sleep(0.005)");
        VethPair.sh(VethPair.IP, "netns", "exec", veth.netns, VethPair.PYTHON, "-c", script);
    }

    private static String marker(int i) {
        return String.format(Locale.ROOT, "SWT%05d", i);
    }

    private static int u16(byte[] b, int off) {
        return (b[off] & 0xff) << 8 | (b[off + 1] & 0xff);
    }

    private static void assumeLive() {
        if (skipReason != null) {
            System.err.println("LiveCaptureIT: skipped: " + skipReason);
        }
        Assumptions.assumeTrue(skipReason == null, skipReason);
    }

    private static void assumeTrue(boolean condition, String reason) {
        if (!condition) {
            System.err.println("LiveCaptureIT: skipped: " + reason);
        }
        Assumptions.assumeTrue(condition, reason);
    }

    /** Skips when libpcap is absent, except on CI, where its absence is a broken setup. */
    private static void assumeLibpcap() {
        if (!libpcapAvailable() && "true".equals(System.getenv("CI"))) {
            fail("libpcap is not installed on this CI machine (apt-get install libpcap0.8)");
        }
        assumeTrue(libpcapAvailable(), "libpcap is not installed (apt-get install libpcap0.8)");
    }

    private static boolean libpcapAvailable() {
        return System.getProperty(LiveCapture.PCAP_LIB_PROPERTY) != null || LiveCapture.findLibpcap() != null;
    }

    record ProbeResult(int exitCode, String output) {
    }

    /** Runs {@link LiveCaptureProbe} in a fresh JVM, optionally behind a wrapper command. */
    private static ProbeResult probe(List<String> wrapper, String sysProp, String iface) throws Exception {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        if (sysProp != null) {
            cmd.add(sysProp);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(LiveCaptureProbe.class.getName());
        cmd.add(iface);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("probe JVM did not finish: " + out);
        }
        // The probe's answer is its last line; JNA or SLF4J may print warnings before it.
        String[] lines = out.strip().split("\n");
        String last = lines[lines.length - 1];
        System.err.println("LiveCaptureIT: probe " + String.join(" ", wrapper) + " -> " + last);
        return new ProbeResult(p.exitValue(), last);
    }

}
