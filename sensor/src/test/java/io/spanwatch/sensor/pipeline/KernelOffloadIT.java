package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spanwatch.sensor.capture.CaptureFile;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.KernelNet;
import io.spanwatch.sensor.capture.VethPair;
import io.spanwatch.sensor.decode.Checksums;
import io.spanwatch.sensor.decode.DecodedPacket;
import io.spanwatch.sensor.decode.PacketDecoder;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks that the sensor reads what a capture host really sees, with traffic the Linux kernel this
 * test runs on makes rather than frames made by hand: a real python3 HTTP server and curl in two
 * network namespaces the test creates ({@link KernelNet}), one download and two uploads (a PUT and a
 * multipart POST) of random bytes, captured with tcpdump (libpcap) where a mirror or the host itself
 * would see them, and each capture run through the pipeline. Every file's sha256 must be what the
 * client received or sent, and no counter that stands for a dropped or malformed packet may move
 * ({@code decoder.invalid}, every {@code anomaly.*}, {@code tcp.invalid_checksum},
 * {@code tcp.reassembly_gap}, truncated files): the kernel's traffic is legitimate. Each case also
 * checks from the capture that the kernel did what the case is about (tunnel frames with and without
 * UDP checksums, frames past the MTU, checksums left to offload), so a kernel that quietly does
 * otherwise fails the case instead of passing it vacuously.
 *
 * <p>The paths: VXLAN over an IPv4 and an IPv6 underlay, UDP checksums on and off
 * ({@code udpcsum}/{@code noudpcsum}, {@code udp6zerocsumtx}/{@code udp6zerocsumrx}), captured on the
 * underlay; a plain veth with TSO, GSO and GRO on, captured at both ends (the sending end's frames are
 * 64 KiB super-frames whose TCP checksum holds only the pseudo-header's sum, {@code CHECKSUM_PARTIAL});
 * GRO alone, where the receiving end's capture shows the segments merged; BIG TCP (super-frames past
 * 64 KiB: IPv6's with a jumbo option, IPv4's with a total length of 0, which the decoder refused until
 * {@code decoder.ipv4_big_tcp}); and a VLAN-filtering bridge tagging the frames on its port, where the
 * kernel has {@code CONFIG_BRIDGE_VLAN_FILTERING}. The kernel this test was written on has not (nor
 * VLAN links, nor tc's {@code act_vlan}): that case skips there with the kernel's answer, and has not
 * run on any kernel yet.
 *
 * <p>Needs root, {@code ip}, {@code python3}, {@code tcpdump}, {@code curl} and {@code ethtool};
 * skipped with the reason printed otherwise. The content's seed is printed (replay with
 * {@code -Dtests.seed=N}); {@code -Dkerneloffload.keep=DIR} keeps the captures there.
 */
class KernelOffloadIT {
    private static final int PORT = 8080;
    private static final Pattern FILE_SHA = Pattern.compile("\"event_type\":\"fileinfo\".*?\"sha256\":\"([0-9a-f]{64})\"");

    private static String skipReason;
    private static String tcpdump;
    private static String curl;
    private static String ethtool;

    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        skipReason = VethPair.skipReason();
        tcpdump = VethPair.findExecutable("tcpdump", "/usr/bin/tcpdump", "/usr/sbin/tcpdump");
        curl = VethPair.findExecutable("curl", "/usr/bin/curl");
        ethtool = VethPair.findExecutable("ethtool", "/usr/sbin/ethtool", "/sbin/ethtool");
        if (skipReason == null && (tcpdump == null || curl == null || ethtool == null)) {
            skipReason = "tcpdump, curl or ethtool is missing";
        }
        if (skipReason != null) {
            System.err.println("KernelOffloadIT: skipped: " + skipReason);
        }
    }

    @Test
    void vxlanOverIpv4WithAndWithoutUdpChecksums() throws Exception {
        vxlan(4, "udpcsum", true);
        vxlan(4, "noudpcsum", false);
    }

    @Test
    void vxlanOverIpv6WithAndWithoutUdpChecksums() throws Exception {
        vxlan(6, "noudp6zerocsumtx noudp6zerocsumrx", true);
        vxlan(6, "udp6zerocsumtx udp6zerocsumrx", false);
    }

    /** TSO and GSO send 64 KiB super-frames with their checksums left to offload; a veth passes them on as they are. */
    @Test
    void vethWithSegmentationOffloadsShowsSuperFramesAndPartialChecksums() throws Exception {
        Assumptions.assumeTrue(skipReason == null, skipReason);
        try (KernelNet net = KernelNet.create("swo")) {
            net.veth("tso on gso on gro on tx on");
            List<Capture> caps = transfer(net, 4, net.underlay(4, false), net.underlay(4, true), net.ends(), "tso");
            List<String> problems = checked(caps);
            for (Capture c : caps) {
                c.expect(problems, c.facts.largest > 1514, "frames past the 1,500-byte MTU");
                c.expect(problems, c.facts.partial > 0, "TCP segments whose checksum is left to offload");
            }
            assertEquals(List.of(), problems);
        }
    }

    /** GRO alone: the sender sends MTU-sized segments and the receiving end's capture shows them merged. */
    @Test
    void vethWithReceiveOffloadShowsMergedSegments() throws Exception {
        Assumptions.assumeTrue(skipReason == null, skipReason);
        try (KernelNet net = KernelNet.create("swr")) {
            net.veth("tso off gso off gro on");
            List<Capture> caps = transfer(net, 4, net.underlay(4, false), net.underlay(4, true), net.ends(), "gro");
            List<String> problems = checked(caps);
            // the client end receives the download, merged
            caps.getFirst().expect(problems, caps.getFirst().facts.largest > 1514, "segments merged by GRO past the MTU");
            assertEquals(List.of(), problems);
        }
    }

    /**
     * BIG TCP: super-frames past 64 KiB, IPv6's with a jumbo option ({@code gso_max_size}) and IPv4's
     * with a total length of 0 ({@code gso_ipv4_max_size}, Linux 6.3; iproute2 before 6.3 cannot set it,
     * so the test sets it over rtnetlink itself).
     */
    @Test
    void bigTcpSuperFramesPast64KiB() throws Exception {
        Assumptions.assumeTrue(skipReason == null, skipReason);
        try (KernelNet net = KernelNet.create("swb")) {
            net.veth("tso on gso on gro on tx on");
            String ipv4Big = net.bigTcp(185_000);
            Assumptions.assumeTrue(ipv4Big == null, ipv4Big);
            List<String> problems = new ArrayList<>();
            for (int version : new int[] {6, 4}) {
                List<Capture> caps = transfer(net, version, net.underlay(version, false), net.underlay(version, true), net.ends(),
                        "big" + version);
                problems.addAll(checked(caps));
                Capture sender = caps.get(1); // the server's end sends the download
                sender.expect(problems, sender.facts.largest > 14 + 65_535, "super-frames past 64 KiB");
                if (version == 4) {
                    sender.expect(problems, sender.summary.get("decoder.ipv4_big_tcp") > 0, "decoder.ipv4_big_tcp counted");
                }
            }
            assertEquals(List.of(), problems);
        }
    }

    /**
     * A bridge with {@code vlan_filtering} in each namespace, the veth between them a port carrying
     * VLAN 100 tagged and the bridges' own ports untagged, so the frames are tagged on the veth, where
     * the capture is.
     */
    @Test
    void bridgeTaggingFramesOnItsPort() throws Exception {
        Assumptions.assumeTrue(skipReason == null, skipReason);
        try (KernelNet net = KernelNet.create("swv")) {
            String unsupported = net.vlanBridges(100);
            Assumptions.assumeTrue(unsupported == null, unsupported);
            List<Capture> caps = transfer(net, 4, net.inner(4, false), net.inner(4, true), net.ends(), "vlan");
            List<String> problems = checked(caps);
            for (Capture c : caps) {
                c.expect(problems, c.summary.get("decoder.vlan") > 0, "VLAN-tagged frames");
            }
            assertEquals(List.of(), problems);
        }
    }

    private void vxlan(int underlay, String options, boolean checksums) throws Exception {
        Assumptions.assumeTrue(skipReason == null, skipReason);
        try (KernelNet net = KernelNet.create("swx")) {
            String unsupported = net.vxlan(underlay, options);
            Assumptions.assumeTrue(unsupported == null, unsupported);
            // the inner packets are the other IP version than the underlay's, so both are decoded inside
            int inner = underlay == 4 ? 6 : 4;
            List<Capture> caps = transfer(net, inner, net.inner(inner, false), net.inner(inner, true),
                    net.ends().subList(0, 1), "vxlan" + underlay + "-" + options.split(" ")[0]);
            List<String> problems = checked(caps);
            Capture c = caps.getFirst();
            c.expect(problems, c.summary.get("decoder.vxlan") > 0, "VXLAN frames");
            c.expect(problems, checksums ? c.facts.vxlanChecksummed > 0 && c.facts.vxlanZero == 0
                    : c.facts.vxlanZero > 0 && c.facts.vxlanChecksummed == 0, "outer UDP checksums " + (checksums ? "on" : "off"));
            assertEquals(List.of(), problems);
        }
    }

    /** Returns what {@link Capture#check} found wrong in any of the captures. */
    private static List<String> checked(List<Capture> caps) {
        List<String> problems = new ArrayList<>();
        caps.forEach(c -> c.check(problems));
        return problems;
    }

    /** A capture of one case: the frames' facts, the pipeline's counters and files, and the files expected. */
    record Capture(String label, Path pcap, Facts facts, Pipeline.Summary summary, List<String> files, List<String> expected) {
        void check(List<String> problems) {
            List<String> got = new ArrayList<>(files);
            List<String> want = new ArrayList<>(expected);
            got.sort(null);
            want.sort(null);
            if (!got.equals(want)) {
                problems.add(label + ": files " + got + ", expected " + want);
            }
            Map<String, Long> bad = new TreeMap<>();
            summary.stats().forEach((k, v) -> {
                boolean dropOrMalformed = k.startsWith("anomaly.") && !k.equals("anomaly.events_suppressed")
                        || List.of("decoder.invalid", "tcp.invalid_checksum", "tcp.reassembly_gap", "file.truncated",
                                "app_layer.http.anomalies", "internal.errors").contains(k);
                if (dropOrMalformed && v != 0) {
                    bad.put(k, v);
                }
            });
            if (!bad.isEmpty()) {
                problems.add(label + ": counters " + bad);
            }
        }

        void expect(List<String> problems, boolean premise, String what) {
            if (!premise) {
                problems.add(label + ": the kernel's traffic did not show " + what + " (" + facts + ")");
            }
        }
    }

    /**
     * What the frames of a capture show, read from the bytes: the largest frame, frames the capture cut, TCP segments with data
     * whose checksum is left to offload, VXLAN frames whose outer UDP checksum is 0 or set.
     */
    record Facts(int frames, int largest, int cut, int partial, int vxlanZero, int vxlanChecksummed) {
        static Facts of(Path pcap) throws Exception {
            int[] n = new int[6];
            PacketDecoder decoder = new PacketDecoder();
            DecodedPacket p = new DecodedPacket();
            try (CaptureFile f = CaptureFile.open(pcap)) {
                f.run((ts, link, buf, off, cap, wire) -> {
                    n[0]++;
                    n[1] = Math.max(n[1], wire);
                    n[2] += cap < wire ? 1 : 0;
                    p.reset(buf, ts, wire);
                    if (decoder.decode(link, buf, off, cap, p) && p.isTcp() && p.payloadLen > 0 && Checksums.tcp(p) == Checksums.UNKNOWN) {
                        n[3]++;
                    }
                    int udp = outerUdp(buf, off, cap);
                    if (udp >= 0 && u16(buf, udp + 2) == 4789) {
                        n[u16(buf, udp + 6) == 0 ? 4 : 5]++;
                    }
                });
            }
            return new Facts(n[0], n[1], n[2], n[3], n[4], n[5]);
        }

        /** The offset of an untagged Ethernet frame's UDP header (IPv4, or IPv6 without extension headers), or -1. */
        private static int outerUdp(byte[] b, int off, int cap) {
            int type = u16(b, off + 12);
            if (type == 0x0800 && cap >= 42 && b[off + 23] == 17) {
                return off + 14 + (b[off + 14] & 0x0f) * 4;
            }
            return type == 0x86dd && cap >= 62 && b[off + 20] == 17 ? off + 54 : -1;
        }

        private static int u16(byte[] b, int o) {
            return (b[o] & 0xff) << 8 | b[o + 1] & 0xff;
        }
    }

    /**
     * Serves a download of random bytes from the server's namespace and has curl fetch it, PUT one
     * upload and POST another as a multipart form, while tcpdump captures on each of {@code at}
     * ({namespace, device}); then runs each capture through the pipeline.
     */
    private List<Capture> transfer(KernelNet net, int version, String clientAddr, String serverAddr, List<String[]> at, String label)
            throws Exception {
        long seed = Long.getLong("tests.seed", System.nanoTime());
        System.out.println("KernelOffloadIT " + label + " seed " + seed + " (replay with -Dtests.seed=" + seed + ")");
        Random rnd = new Random(seed);
        Path work = Files.createTempDirectory(dir, label);
        Path www = Files.createDirectories(work.resolve("www"));
        Path received = Files.createDirectories(work.resolve("received"));
        byte[] download = random(rnd, 1_500_000 + rnd.nextInt(1_500_000));
        byte[] put = random(rnd, 200_000 + rnd.nextInt(600_000));
        byte[] form = random(rnd, 50_000 + rnd.nextInt(300_000));
        Files.write(www.resolve("download.bin"), download);
        Files.write(work.resolve("put.bin"), put);
        Files.write(work.resolve("form.bin"), form);

        List<Tcpdump> dumps = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        try (HttpServer _ = new HttpServer(net.server, serverAddr, www, received)) {
            for (String[] a : at) {
                dumps.add(new Tcpdump(a[0], a[1], work.resolve(label + "-" + a[1] + ".pcap")));
            }
            String base = "http://" + (version == 6 ? "[" + serverAddr + "]" : serverAddr) + ":" + PORT + "/";
            Path got = work.resolve("got.bin");
            // -g: brackets are an address, not a glob; an empty Expect: no second's wait for a 100 Continue
            net.inClient(curl, "-sS", "-g", "--fail", "-o", got.toString(), base + "download.bin");
            net.inClient(curl, "-sS", "-g", "--fail", "-H", "Expect:", "-T", work.resolve("put.bin").toString(), base + "put");
            net.inClient(curl, "-sS", "-g", "--fail", "-H", "Expect:", "-F", "f=@" + work.resolve("form.bin"), base + "form");
            expected.add(DemoCapture.sha256(Files.readAllBytes(got)));
            expected.add(DemoCapture.sha256(Files.readAllBytes(received.resolve("put"))));
            expected.add(DemoCapture.sha256(form));
            assertEquals(DemoCapture.sha256(download), expected.get(0), "curl received the download");
            assertEquals(DemoCapture.sha256(put), expected.get(1), "the server received the upload");
        } finally {
            for (Tcpdump d : dumps) {
                d.close();
            }
        }
        List<Capture> caps = new ArrayList<>();
        for (int i = 0; i < dumps.size(); i++) {
            Tcpdump d = dumps.get(i);
            assertEquals(0, d.droppedByKernel, label + ": tcpdump on " + at.get(i)[1] + " lost frames; the capture is incomplete: " + d.log());
            Path out = Files.createTempDirectory(work, "out");
            Pipeline p = Pipeline.start(PipelineRegressionTest.config(out, ReassemblyConfig.DEFAULTS, null));
            try (CaptureFile f = CaptureFile.open(d.file)) {
                f.run(p);
            }
            Pipeline.Summary summary = p.finish();
            List<String> files = new ArrayList<>();
            Matcher m = FILE_SHA.matcher(Files.readString(out.resolve("eve.json")));
            while (m.find()) {
                files.add(m.group(1));
            }
            Facts facts = Facts.of(d.file);
            assertEquals(0, facts.cut(), label + ": tcpdump on " + at.get(i)[1] + " cut frames; the capture is incomplete");
            String name = label + " captured on " + at.get(i)[1];
            System.out.println("KernelOffloadIT " + name + ": " + facts + ", " + summary.get("decoder.tunneled") + " tunnelled, "
                    + summary.get("decoder.vlan") + " tagged, " + summary.get("decoder.ipv4_big_tcp") + " IPv4 BIG TCP, files " + files.size());
            keep(d.file);
            caps.add(new Capture(name, d.file, facts, summary, files, expected));
        }
        return caps;
    }

    private static void keep(Path pcap) throws IOException {
        String keep = System.getProperty("kerneloffload.keep");
        if (keep != null) {
            Files.createDirectories(Path.of(keep));
            Files.copy(pcap, Path.of(keep, pcap.getFileName().toString()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    /** tcpdump writing one interface's frames to a file; {@link #close} stops it and reads what it lost. */
    private static final class Tcpdump implements AutoCloseable {
        private static final Pattern DROPPED = Pattern.compile("(\\d+) packets? dropped by kernel");
        final Path file;
        private final Path log;
        private final Process process;
        long droppedByKernel = -1;

        Tcpdump(String netns, String dev, Path file) throws IOException, InterruptedException {
            this.file = file;
            log = Path.of(file + ".log");
            // Not --immediate-mode: libpcap then takes a TPACKET_V2 ring, whose slots it sizes to
            // 64 KiB, and cuts longer super-frames; TPACKET_V3's blocks hold frames of any length.
            process = new ProcessBuilder(VethPair.IP, "netns", "exec", netns, tcpdump, "-i", dev, "-s", "262144", "-B", "65536",
                    "-n", "-w", file.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(log.toFile()).start();
            for (int i = 0; i < 100 && !Files.readString(log).contains("listening on"); i++) {
                if (!process.isAlive()) {
                    throw new IOException("tcpdump did not start on " + dev + ": " + Files.readString(log));
                }
                Thread.sleep(100);
            }
        }

        String log() throws IOException {
            return Files.readString(log);
        }

        @Override
        public void close() throws IOException {
            try {
                // the connections' last ACKs, after curl has returned, and the ring's last block,
                // which libpcap hands over after its timeout (tcpdump's 1 s)
                Thread.sleep(1500);
                // SIGINT, as a user stops it: tcpdump flushes its file and prints its counts
                VethPair.sh("kill", "-INT", Long.toString(process.pid()));
                process.waitFor();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while stopping tcpdump", e);
            }
            Matcher m = DROPPED.matcher(log());
            droppedByKernel = m.find() ? Long.parseLong(m.group(1)) : -1;
        }
    }

    /**
     * The python3 server in the server's namespace: serves {@code www}, and takes a PUT or POST body
     * into {@code received}, named after the request path, answering 204. Runs until closed.
     */
    private static final class HttpServer implements AutoCloseable {
        private static final String SCRIPT = String.join("\n",
                "import http.server, os, socket, sys",
                "addr, port, root, received = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]",
                "class Handler(http.server.SimpleHTTPRequestHandler):",
                "    def __init__(self, *a, **k):",
                "        super().__init__(*a, directory=root, **k)",
                "    def do_PUT(self):",
                "        body = self.rfile.read(int(self.headers['Content-Length']))",
                "        with open(os.path.join(received, os.path.basename(self.path)), 'wb') as f:",
                "            f.write(body)",
                "        self.send_response(204)",
                "        self.end_headers()",
                "    do_POST = do_PUT",
                "    def log_message(self, *a):",
                "        pass",
                "class Server(http.server.ThreadingHTTPServer):",
                "    address_family = socket.AF_INET6 if ':' in addr else socket.AF_INET",
                "server = Server((addr, port), Handler)",
                "print('READY', flush=True)",
                "server.serve_forever()");
        private final Process process;

        HttpServer(String netns, String addr, Path www, Path received) throws IOException {
            process = new ProcessBuilder(VethPair.IP, "netns", "exec", netns, VethPair.PYTHON, "-c", SCRIPT, addr, Integer.toString(PORT),
                    www.toString(), received.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String ready = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            if (!"READY".equals(ready)) {
                process.destroyForcibly();
                throw new IOException("the HTTP server did not start on " + addr);
            }
        }

        @Override
        public void close() {
            process.destroy();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
