package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import io.spanwatch.sensor.capture.VethPair;
import io.spanwatch.sensor.reassembly.OverlapPolicy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Settles against the Linux kernel this test runs on which in-order decoys whose acknowledgement is
 * too old (more than the largest window behind, RFC 5961 §5.2) a Linux receiver takes, and checks that
 * the sensor's {@code linux} policy ({@link ReceiverDiscards}) takes the same bytes.
 *
 * <p>The receiver is a real socket: a python3 client in a network namespace the test creates, which
 * downloads over HTTP from a fake server. The server does not exist: the test plays it, reading the
 * client's frames and sending its own on an AF_PACKET socket at the other end of a veth pair (its
 * address is configured on no kernel, and the namespace reaches it through a permanent neighbour
 * entry for a made-up MAC, so no kernel answers for it). After the handshake and the request each
 * case sends the response head, then the body; before one body segment it sends a decoy of that
 * segment (the same bytes, each XORed with 0x5A) acknowledging 768 MiB behind, then the real segment.
 * The bytes the client read say which copy the kernel took. Every frame on the wire, both ways and in
 * order as the AF_PACKET socket saw them, goes into one pcap, which runs through the pipeline with
 * every host under {@code linux}: each download's file must be what the client read.
 *
 * <p>The decoys ({@link Kind}): shaped for Linux's header prediction ({@code tcp_rcv_established}'s
 * fast path: flags ACK or ACK+PSH, the header length the receiver predicts with the timestamp option
 * first and aligned, the window field of the server's last segment, at the next byte expected, nothing
 * held out of order), and four shaped for the slow path (another window field, a FIN, four more
 * option bytes, sent after the next segment so that it is held out of order). The client reads at once
 * (its socket keeps no bytes) or only after the FIN (they pile up in its socket); frames follow one
 * another 3 ms apart, or the decoy right behind the segment before it; timestamps and window scaling
 * are offered or not, segment sizes and the decoy's place are random (seed printed; replay with
 * {@code -Dtests.seed=N}).
 *
 * <p>What the kernel does, and why: the fast path queues an in-order segment before {@code tcp_ack}
 * runs and ignores its verdict, so a too-old acknowledgement does not drop it, but it does so only
 * while the socket has receive memory already charged for the segment ({@code skb->truesize <=
 * sk_forward_alloc}); otherwise it goes to {@code step5}, where {@code tcp_ack} returns
 * {@code -SKB_DROP_REASON_TCP_TOO_OLD_ACK} and the segment is dropped. That memory is there while
 * bytes wait unread in the socket and gone once its reader has taken them, which no capture shows. To
 * tell the paths apart each case reads the namespace's {@code TcpExt TCPHPHits} before and after: the
 * server's real segments each carry another window field than the one before (a changed window
 * always takes the slow path and sets the prediction to the new field), so only a decoy can count a
 * hit. The test asserts that every decoy the kernel took counted one and every one it dropped did not,
 * and that the sensor took the kernel's copy wherever the wire
 * shows the path (every slow-path decoy). Fast-path decoys are counted, not judged: no rule on what the
 * wire shows can follow the kernel there, and the summary line says how often the sensor's (see
 * {@link ReceiverDiscards}: it drops them all) differed.
 *
 * <p>Needs root, {@code ip} and {@code python3}; skipped with the reason printed otherwise.
 */
class KernelTcpIT {
    private static final int CASES_PER_KIND_AND_READER = 4;
    private static final int FIRST_PORT = 41_000;
    private static final long TOO_OLD = 0x3000_0000L;
    private static final int BASE_WINDOW = 502;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(15);

    private static VethPair veth;
    private static String skipReason;
    private static String server;
    private static byte[] serverMac;
    private static byte[] clientMac;

    @TempDir
    static Path dir;

    /** How a case's decoy is shaped. */
    enum Kind {
        /** Everything as header prediction expects. */
        FAST,
        /** Another window field than the server's last one. */
        WINDOW,
        /** A FIN with the data. */
        FIN,
        /** Four no-op options after the timestamps (or alone): another header length. */
        OPTION,
        /** Sent after the next real segment, which the client holds out of order. */
        OUT_OF_ORDER;

        boolean fastPathShaped() {
            return this == FAST;
        }
    }

    /** One download: how it is sent, and what came of it. */
    static final class Case {
        final int port;
        final Kind kind;
        final boolean readAtOnce;
        final boolean timestamps;
        /** Whether the decoy follows the segment before it at once (else after the usual pause). */
        final boolean burst;
        final int shift;
        final int chunk;
        final int decoyChunk;
        final byte[] head;
        final byte[] body;
        final byte[] decoyBody;
        String kernel = "none";
        long hits = -1;

        Case(int port, Kind kind, boolean readAtOnce, Random rnd) {
            this.port = port;
            this.kind = kind;
            this.readAtOnce = readAtOnce;
            timestamps = rnd.nextInt(4) != 0;
            burst = rnd.nextBoolean();
            shift = rnd.nextInt(3) == 0 ? -1 : rnd.nextInt(9);
            chunk = 40 + rnd.nextInt(1360);
            int chunks = 3 + rnd.nextInt(4);
            body = new byte[chunk * (chunks - 1) + 1 + rnd.nextInt(chunk)];
            rnd.nextBytes(body);
            decoyChunk = rnd.nextInt(chunks - 1); // OUT_OF_ORDER needs the chunk after it
            head = ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            decoyBody = body.clone();
            for (int i = decoyChunk * chunk; i < Math.min(body.length, (decoyChunk + 1) * chunk); i++) {
                decoyBody[i] ^= 0x5A;
            }
        }

        boolean decoyTaken() {
            return kernel.equals(DemoCapture.sha256(decoyBody));
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "port %d %s decoy%s, client reads %s, timestamps %s, shift %d, %d-byte segments, decoy at body segment %d",
                    port, kind, burst ? " right behind a segment" : "", readAtOnce ? "at once" : "after the FIN", timestamps ? "on" : "off", shift,
                    chunk, decoyChunk);
        }
    }

    @BeforeAll
    static void setUp() throws Exception {
        skipReason = VethPair.skipReason();
        if (skipReason != null) {
            System.err.println("KernelTcpIT: skipped: " + skipReason);
            return;
        }
        veth = VethPair.create("swt");
        Random r = new Random();
        server = "198.51.100." + (1 + r.nextInt(250)); // TEST-NET-2: on no kernel here
        serverMac = new byte[] {0x02, 0x00, 0x5e, (byte) r.nextInt(256), (byte) r.nextInt(256), (byte) r.nextInt(256)};
        clientMac = veth.mac(true);
        String mac = HexFormat.ofDelimiter(":").formatHex(serverMac);
        VethPair.sh(VethPair.IP, "-n", veth.netns, "route", "add", server + "/32", "dev", veth.linkB);
        VethPair.sh(VethPair.IP, "-n", veth.netns, "neigh", "replace", server, "lladdr", mac, "dev", veth.linkB, "nud", "permanent");
        String ethtool = VethPair.findExecutable("ethtool", "/usr/sbin/ethtool", "/sbin/ethtool");
        if (ethtool != null) {
            // checksums filled in before the capture point, as a real NIC's are on the wire
            VethPair.output(VethPair.IP, "netns", "exec", veth.netns, ethtool, "-K", veth.linkB, "tx", "off");
        }
        System.err.println("KernelTcpIT: " + veth + ", fake server " + server + " at " + mac);
    }

    @AfterAll
    static void tearDown() {
        if (veth != null) {
            veth.close();
        }
    }

    @Test
    void theLinuxPolicyTakesTheCopyThisKernelTakesWhereTheWireShowsIt() throws Exception {
        Assumptions.assumeTrue(skipReason == null, skipReason);
        long seed = Long.getLong("tests.seed", System.nanoTime());
        Random rnd = new Random(seed);
        List<Case> cases = plan(rnd, seed);

        List<Captured> wire = new ArrayList<>();
        try (Pump pump = new Pump(veth.linkA, server)) {
            for (Case c : cases) {
                new Download(pump, c, rnd).run();
            }
            wire.addAll(pump.all());
        }

        // -Dkerneltcp.pcap=FILE keeps the capture
        Path pcap = Path.of(System.getProperty("kerneltcp.pcap", dir.resolve("kernel-tcp.pcap").toString()));
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, true)) {
            for (Captured f : wire) {
                w.write(f.nanos(), f.frame());
            }
        }
        Path out = Files.createTempDirectory(dir, "out");
        Pipeline.Summary summary = PipelineRegressionTest.run(out,
                PipelineRegressionTest.config(out, ReassemblyEvasionTest.receiverIs(OverlapPolicy.LINUX), null), pcap);
        assertEquals(0, summary.get("internal.errors"));
        String eve = Files.readString(out.resolve("eve.json"));

        int taken = 0;
        int fastShaped = 0;
        int fastTaken = 0;
        int fastDiffer = 0;
        int[][] regimes = new int[3][2]; // fast-path decoys taken and sent: reading at once after a pause, at once right behind a segment, after the FIN
        List<String> differ = new ArrayList<>();
        List<String> unexplained = new ArrayList<>();
        for (Case c : cases) {
            String real = DemoCapture.sha256(c.body);
            String decoy = DemoCapture.sha256(c.decoyBody);
            boolean decoyTaken = c.decoyTaken();
            if (!decoyTaken && !c.kernel.equals(real)) {
                differ.add(c + ": the client read neither copy");
                continue;
            }
            taken += decoyTaken ? 1 : 0;
            // the kernel took a decoy exactly when header prediction queued it (TCPHPHits counts after the memory check)
            if (decoyTaken != (c.hits == 1) || c.hits > 1) {
                unexplained.add(c + ": decoy " + (decoyTaken ? "taken" : "dropped") + " with " + c.hits + " header-prediction hits");
            }
            boolean sensorReal = eve.contains("\"sha256\":\"" + real + "\"");
            boolean sensorDecoy = eve.contains("\"sha256\":\"" + decoy + "\"");
            boolean same = sensorReal != sensorDecoy && sensorDecoy == decoyTaken;
            if (c.kind.fastPathShaped() && sensorReal != sensorDecoy) {
                // which copy the kernel takes turns on memory the wire does not show: counted, not judged
                fastShaped++;
                fastTaken += decoyTaken ? 1 : 0;
                fastDiffer += same ? 0 : 1;
                int[] regime = regimes[!c.readAtOnce ? 2 : c.burst ? 1 : 0];
                regime[0] += decoyTaken ? 1 : 0;
                regime[1]++;
            } else if (!same) {
                String what = sensorReal == sensorDecoy ? (sensorReal ? "both copies" : "no file") : sensorDecoy ? "the decoy" : "the real bytes";
                differ.add(c + ": kernel took " + (decoyTaken ? "the decoy" : "the real bytes") + ", sensor stored " + what);
            }
        }
        System.out.println("KernelTcpIT: " + cases.size() + " cases, " + taken + " taken by the kernel, " + differ.size()
                + " differ where the wire shows the kernel's path; " + fastShaped + " fast-path decoys: " + fastTaken
                + " taken (header prediction), " + (fastShaped - fastTaken) + " dropped (no receive memory charged for them: tcp_ack in step5; taken "
                + regimes[0][0] + " of " + regimes[0][1] + " when the client read at once and the decoy came after a pause, " + regimes[1][0]
                + " of " + regimes[1][1] + " when it came right behind a segment, " + regimes[2][0] + " of " + regimes[2][1]
                + " when the client read after the FIN), "
                + fastDiffer + " differ from the sensor");
        differ.stream().limit(10).forEach(d -> System.out.println("  differs: " + d));
        unexplained.stream().limit(10).forEach(d -> System.out.println("  unexplained: " + d));
        // Which fate a fast-path decoy meets depends on how far the client's reader lags, which this
        // machine's load decides (on another, all might meet one): printed above, not asserted.
        assertEquals(List.of(), unexplained.stream().limit(10).toList(), "seed " + seed);
        assertEquals(List.of(), differ.stream().limit(10).toList(), "seed " + seed);
    }

    /**
     * The downloads, in random order: {@value #CASES_PER_KIND_AND_READER} of each slow-path kind for each
     * way of reading, three times as many fast-path ones (their outcome varies); ports from a random
     * base, so a rerun does not meet sockets of the last one. Prints the seed first.
     */
    private static List<Case> plan(Random rnd, long seed) {
        System.out.println("KernelTcpIT seed " + seed + " (replay with -Dtests.seed=" + seed + ")");
        List<Case> cases = new ArrayList<>();
        int port = FIRST_PORT + rnd.nextInt(1000) * 20;
        for (Kind kind : Kind.values()) {
            for (boolean atOnce : new boolean[] {true, false}) {
                int n = kind.fastPathShaped() ? 3 * CASES_PER_KIND_AND_READER : CASES_PER_KIND_AND_READER;
                for (int i = 0; i < n; i++) {
                    cases.add(new Case(port++, kind, atOnce, rnd));
                }
            }
        }
        Collections.shuffle(cases, rnd);
        return cases;
    }

    /** A frame the AF_PACKET socket saw, when, and whether it was one the test sent. */
    record Captured(long nanos, boolean sent, byte[] frame) {
        int sport() {
            return (frame[34] & 0xff) << 8 | frame[35] & 0xff;
        }

        int flags() {
            return frame[47] & 0xff;
        }

        long seq() {
            return u32(frame, 38);
        }

        int payloadLength() {
            int ipLen = (frame[16] & 0xff) << 8 | frame[17] & 0xff;
            return ipLen - 20 - ((frame[46] & 0xf0) >> 2);
        }

        /** The TSval of a timestamps option, or -1. */
        long tsval() {
            int end = 34 + ((frame[46] & 0xf0) >> 2);
            for (int o = 54; o < end; ) {
                int kind = frame[o] & 0xff;
                if (kind == 0) {
                    break;
                }
                if (kind == 1) {
                    o++;
                    continue;
                }
                if (kind == 8 && o + 10 <= end) {
                    return u32(frame, o + 2);
                }
                o += Math.max(2, frame[o + 1] & 0xff);
            }
            return -1;
        }
    }

    private static long u32(byte[] b, int o) {
        return (b[o] & 0xffL) << 24 | (b[o + 1] & 0xffL) << 16 | (b[o + 2] & 0xffL) << 8 | b[o + 3] & 0xffL;
    }

    /**
     * The python3 helper on the veth's "a" end: sends the frames it is given (lines {@code S <hex>}) on
     * one AF_PACKET socket and prints every TCP/IPv4 frame to or from the fake server that another
     * sees there, ours included ({@code R <ns> <sent> <hex>}), in the order the interface passed them.
     */
    private static final class Pump implements AutoCloseable {
        private static final String SCRIPT = String.join("\n",
                "import os, select, socket, sys, time",
                "ifname, server = sys.argv[1], socket.inet_aton(sys.argv[2])",
                "tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
                "tx.bind((ifname, 0))",
                "rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))", // ETH_P_ALL: outgoing frames too
                "rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)",
                "rx.bind((ifname, 3))",
                "print('READY', flush=True)",
                "pending = b''",
                "while True:",
                "    r, _, _ = select.select([rx, 0], [], [])",
                "    if rx in r:",
                "        f, a = rx.recvfrom(65535)",
                "        if len(f) >= 54 and f[12:14] == b'\\x08\\x00' and f[23] == 6 and server in (f[26:30], f[30:34]):",
                "            print('R', time.time_ns(), 1 if a[2] == socket.PACKET_OUTGOING else 0, f.hex(), flush=True)",
                "    if 0 in r:",
                "        chunk = os.read(0, 1 << 16)",
                "        if not chunk:",
                "            break",
                "        pending += chunk",
                "        while b'\\n' in pending:",
                "            line, pending = pending.split(b'\\n', 1)",
                "            if line.startswith(b'S '):",
                "                tx.send(bytes.fromhex(line[2:].decode()))");

        private final Process process;
        private final OutputStream in;
        private final BlockingQueue<Captured> queue = new LinkedBlockingQueue<>();
        private final List<Captured> all = new ArrayList<>();
        private final Thread reader;

        Pump(String ifname, String server) throws IOException {
            process = new ProcessBuilder(VethPair.PYTHON, "-c", SCRIPT, ifname, server).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            in = process.getOutputStream();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
            String ready = out.readLine();
            if (!"READY".equals(ready)) {
                throw new IOException("the frame pump did not start: " + ready);
            }
            reader = new Thread(() -> {
                try {
                    for (String line; (line = out.readLine()) != null; ) {
                        String[] p = line.split(" ");
                        Captured c = new Captured(Long.parseLong(p[1]), p[2].equals("1"), HexFormat.of().parseHex(p[3]));
                        synchronized (all) {
                            all.add(c);
                        }
                        queue.add(c);
                    }
                } catch (IOException e) {
                    // the pump ended
                }
            }, "kernel-tcp-pump");
            reader.setDaemon(true);
            reader.start();
        }

        void send(byte[] frame) throws IOException {
            in.write(("S " + HexFormat.of().formatHex(frame) + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
        }

        /** Waits for the next frame the kernel sent that matches; fails after {@link #WAIT_NANOS}. */
        Captured await(Predicate<Captured> want, String what) throws InterruptedException {
            long end = System.nanoTime() + WAIT_NANOS;
            for (long left; (left = end - System.nanoTime()) > 0; ) {
                Captured c = queue.poll(left, TimeUnit.NANOSECONDS);
                if (c != null && !c.sent() && want.test(c)) {
                    return c;
                }
            }
            throw new AssertionError("no " + what + " from the client");
        }

        List<Captured> all() throws InterruptedException {
            Thread.sleep(200); // let the last frames reach the reader
            synchronized (all) {
                return new ArrayList<>(all);
            }
        }

        @Override
        public void close() throws IOException {
            in.close(); // the helper ends at the end of its input
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Plays the server of one case against a client started in the namespace. */
    private static final class Download {
        private static final String CLIENT = String.join("\n",
                "import socket, sys",
                "addr, port, server, at_once = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == '1'",
                "def hits():",
                "    lines = [l.split() for l in open('/proc/net/netstat') if l.startswith('TcpExt:')]",
                "    return int(lines[1][lines[0].index('TCPHPHits')])",
                "before = hits()",
                "s = socket.socket()",
                "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
                "s.bind((addr, port))",
                "s.settimeout(20)",
                "s.connect((server, 80))",
                "s.sendall(b'GET /kt/%d HTTP/1.1\\r\\nHost: kt.example\\r\\n\\r\\n' % port)",
                "if not at_once:",
                "    sys.stdin.readline()",
                "data = b''",
                "while True:",
                "    d = s.recv(1 << 16)",
                "    if not d:",
                "        break",
                "    data += d",
                "print('DATA', hits() - before, data.hex(), flush=True)",
                "s.close()");

        private final Pump pump;
        private final Case c;
        private final Random rnd;
        private final byte[] clientAddr;
        private final byte[] serverAddr;
        private long sseq;
        private long cseq;
        private long sts;
        private long cts;
        private int window;
        /** Whether the next frame sent is followed by a pause; false for the one a decoy follows right behind. */
        private boolean pauseAfter = true;

        Download(Pump pump, Case c, Random rnd) throws IOException {
            this.pump = pump;
            this.c = c;
            this.rnd = rnd;
            clientAddr = InetAddress.getByName(veth.addrB).getAddress();
            serverAddr = InetAddress.getByName(server).getAddress();
        }

        void run() throws Exception {
            Process client = new ProcessBuilder(VethPair.IP, "netns", "exec", veth.netns, VethPair.PYTHON, "-c", CLIENT, veth.addrB,
                    Integer.toString(c.port), server, c.readAtOnce ? "1" : "0").redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try {
                exchange(client);
            } finally {
                if (!client.waitFor(30, TimeUnit.SECONDS)) {
                    client.destroyForcibly();
                }
            }
        }

        private boolean mine(Captured f) {
            return f.sport() == c.port;
        }

        private void exchange(Process client) throws Exception {
            Captured syn = pump.await(f -> mine(f) && (f.flags() & TcpWire.SYN) != 0, "SYN");
            cseq = (syn.seq() + 1) & 0xFFFF_FFFFL;
            cts = Math.max(0, syn.tsval());
            sseq = rnd.nextLong() & 0xFFFF_FFFFL;
            sts = 1 + rnd.nextInt(1 << 30);
            byte[] synOptions = new byte[] {2, 4, 0x05, (byte) 0xb4};
            if (c.timestamps) {
                synOptions = ReassemblyEvasionTest.concat(synOptions, TcpWire.timestamps(sts, cts));
            }
            if (c.shift >= 0) {
                synOptions = ReassemblyEvasionTest.concat(synOptions, new byte[] {1, 3, 3, (byte) c.shift});
            }
            send(TcpWire.SYN | TcpWire.ACK, sseq, 65_535, synOptions, new byte[0]);
            sseq = (sseq + 1) & 0xFFFF_FFFFL;
            Captured request = pump.await(f -> mine(f) && f.payloadLength() > 0, "request");
            cseq = (request.seq() + request.payloadLength()) & 0xFFFF_FFFFL;
            note(request);
            // one less than the head's: a segment with the same sequence number updates the window only to a larger one
            window = BASE_WINDOW - 1;
            sendSegment(TcpWire.ACK, sseq, cseq, new byte[0]);

            // the head, then the body; every real segment carries another window field than the one before
            long bodySeq = (sseq + c.head.length) & 0xFFFF_FFFFL;
            nextWindow();
            pauseAfter = !(c.burst && c.decoyChunk == 0 && c.kind != Kind.OUT_OF_ORDER);
            sendSegment(TcpWire.ACK | TcpWire.PSH, sseq, cseq, c.head);
            int chunks = (c.body.length + c.chunk - 1) / c.chunk;
            for (int k = 0; k < chunks; k++) {
                if (k == c.decoyChunk) {
                    if (c.kind == Kind.OUT_OF_ORDER) {
                        nextWindow();
                        pauseAfter = !c.burst;
                        sendSegment(TcpWire.ACK | TcpWire.PSH, chunkSeq(bodySeq, k + 1), cseq, chunk(c.body, k + 1));
                    }
                    sendDecoy(chunkSeq(bodySeq, k), chunk(c.decoyBody, k));
                }
                if (c.kind == Kind.OUT_OF_ORDER && k == c.decoyChunk + 1) {
                    continue; // sent before the decoy
                }
                if (c.kind != Kind.OUT_OF_ORDER || k != c.decoyChunk) {
                    // the segment filling the hole starts before the one that last set the window, so
                    // it cannot set another (tcp_may_update_window): it keeps that one's
                    nextWindow();
                }
                pauseAfter = !(c.burst && k + 1 == c.decoyChunk && c.kind != Kind.OUT_OF_ORDER);
                sendSegment(TcpWire.ACK | TcpWire.PSH, chunkSeq(bodySeq, k), cseq, chunk(c.body, k));
            }
            long end = (bodySeq + c.body.length) & 0xFFFF_FFFFL;
            sendSegment(TcpWire.FIN | TcpWire.ACK, end, cseq, new byte[0]);
            if (!c.readAtOnce) {
                client.getOutputStream().write('\n');
                client.getOutputStream().flush();
            }
            BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
            String line = out.readLine();
            if (line != null && line.startsWith("DATA ")) {
                String[] p = line.split(" ", 3);
                c.hits = Long.parseLong(p[1]);
                byte[] got = HexFormat.of().parseHex(p.length > 2 ? p[2] : "");
                byte[] body = got.length >= c.head.length ? Arrays.copyOfRange(got, c.head.length, got.length) : new byte[0];
                c.kernel = DemoCapture.sha256(body);
            }
            // acknowledge the client's FIN, so its socket does not linger in LAST-ACK
            Captured fin = pump.await(f -> mine(f) && (f.flags() & TcpWire.FIN) != 0, "FIN");
            note(fin);
            send(TcpWire.ACK, (end + 1) & 0xFFFF_FFFFL, (fin.seq() + fin.payloadLength() + 1) & 0xFFFF_FFFFL, BASE_WINDOW,
                    c.timestamps ? TcpWire.timestamps(++sts, cts) : new byte[0], new byte[0]);
        }

        private long chunkSeq(long bodySeq, int k) {
            return (bodySeq + (long) k * c.chunk) & 0xFFFF_FFFFL;
        }

        private byte[] chunk(byte[] b, int k) {
            return Arrays.copyOfRange(b, k * c.chunk, Math.min(b.length, (k + 1) * c.chunk));
        }

        /** Moves the server's window field on: alternately one less and back, so each real segment changes it. */
        private void nextWindow() {
            window = window == BASE_WINDOW ? BASE_WINDOW - 1 : BASE_WINDOW;
        }

        private void sendDecoy(long seq, byte[] payload) throws Exception {
            long ack = (cseq - TOO_OLD) & 0xFFFF_FFFFL;
            int flags = rnd.nextBoolean() ? TcpWire.ACK | TcpWire.PSH : TcpWire.ACK;
            byte[] options = c.timestamps ? TcpWire.timestamps(++sts, cts) : new byte[0];
            int w = window;
            switch (c.kind) {
                case WINDOW -> w = BASE_WINDOW + 1 + rnd.nextInt(100);
                case FIN -> flags |= TcpWire.FIN;
                case OPTION -> options = ReassemblyEvasionTest.concat(options, new byte[] {1, 1, 1, 1});
                default -> {
                }
            }
            send(flags, seq, ack, w, options, payload);
        }

        private void sendSegment(int flags, long seq, long ack, byte[] payload) throws Exception {
            send(flags, seq, ack, window, c.timestamps ? TcpWire.timestamps(++sts, cts) : new byte[0], payload);
        }

        private void send(int flags, long seq, long ack, int w, byte[] options, byte[] payload) throws Exception {
            byte[] f = TrafficSynth.tcpFrame(serverAddr, 80, clientAddr, c.port, flags, seq, ack, w, options, payload, rnd.nextInt(1 << 16));
            System.arraycopy(clientMac, 0, f, 0, 6);
            System.arraycopy(serverMac, 0, f, 6, 6);
            pump.send(f);
            if (pauseAfter) {
                Thread.sleep(3); // pacing: each frame is handled, and a reader at once has read, before the next comes
            }
            pauseAfter = true;
        }

        private void send(int flags, long seq, int w, byte[] options, byte[] payload) throws Exception {
            send(flags, seq, cseq, w, options, payload);
        }

        /** Keeps the client's timestamp, echoed in what the server sends (the request's from then on: an echo only feeds RTT estimates). */
        private void note(Captured f) {
            long ts = f.tsval();
            if (ts >= 0) {
                cts = ts;
            }
        }
    }
}
