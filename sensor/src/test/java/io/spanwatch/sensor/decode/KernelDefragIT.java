package io.spanwatch.sensor.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.VethPair;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks {@link Defragmenter}'s {@link Defragmenter.Policy#LINUX} against the Linux kernel this test
 * runs on: hundreds of made-up fragment sets (overlaps, duplicates inside and across runs, decoys,
 * non-final fragments of odd lengths, conflicting last fragments, in any order), IPv4 and IPv6, are
 * sent from one end of a veth pair to a UDP socket in a namespace the test creates, and each datagram
 * the kernel hands that socket, or its absence, must be what the defragmenter puts together from the
 * same frames. Decoy fragments carry the real bytes with their 16-bit words rotated, so the UDP
 * checksum (which IPv6 requires) holds whichever copy the kernel keeps, and the bytes tell which did.
 *
 * <p>Needs root, {@code ip} and {@code python3} (which sends the frames on an AF_PACKET socket and
 * receives the datagrams); skipped with the reason printed otherwise. The seed is printed (replay with
 * {@code -Dtests.seed=N}). For the first test the namespace's {@code net.ipv4.ipfrag_max_dist} is set
 * to 0, so each case is reassembly alone; the second sends the fragments of several datagrams from one
 * source interleaved, with runs of other fragments from that source between them, into a namespace of
 * its own whose {@code ipfrag_max_dist} is read (64 by default), and the defragmenter, given that
 * limit, must agree on every datagram: {@code ip_frag_too_far} restarts a queue when more fragments
 * from its source came between two of its own (IPv4; IPv6 cases check that it has no such rule).
 */
class KernelDefragIT {
    private static final int PORT = 47_000;
    private static final int FIRST_SOURCE_PORT = 20_000;
    private static final int RANDOM_CASES = 250;

    private static VethPair veth;
    private static String skipReason;

    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        skipReason = VethPair.skipReason();
        if (skipReason == null && !kernelSince(4, 19)) {
            skipReason = "the kernel (" + System.getProperty("os.version") + ") is older than 4.19, whose reassembly the linux policy models";
        }
        if (skipReason != null) {
            System.err.println("KernelDefragIT: skipped: " + skipReason);
            return;
        }
        veth = VethPair.create("swd");
        VethPair.sh(VethPair.IP, "netns", "exec", veth.netns, "sysctl", "-q", "-w", "net.ipv4.ipfrag_max_dist=0");
        System.err.println("KernelDefragIT: " + veth);
    }

    /** Tells whether the running kernel is at least {@code major.minor} (os.version, e.g. 6.18.44-...). */
    static boolean kernelSince(int major, int minor) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(System.getProperty("os.version", ""));
        if (!m.find()) {
            return false;
        }
        int a = Integer.parseInt(m.group(1));
        return a > major || a == major && Integer.parseInt(m.group(2)) >= minor;
    }

    @AfterAll
    static void tearDown() {
        if (veth != null) {
            veth.close();
        }
    }

    /** One fragment of a case: where it lies in the datagram, whether more follow, and whether its bytes are a decoy. */
    record Piece(int offset, int len, boolean more, boolean decoy) {
        @Override
        public String toString() {
            return "[" + offset + "," + (offset + len) + ")" + (more ? "+" : "") + (decoy ? "x" : "");
        }
    }

    /** A datagram (its IP data: UDP header and payload) and the fragments that carry it, in the order they are sent. */
    record Case(int version, int sourcePort, byte[] data, List<Piece> pieces) {
    }

    @Test
    void theLinuxPolicyAgreesWithThisKernel() throws Exception {
        Assumptions.assumeTrue(skipReason == null, skipReason);
        long seed = Long.getLong("tests.seed", System.nanoTime());
        System.out.println("KernelDefragIT seed " + seed + " (replay with -Dtests.seed=" + seed + ")");
        Random rnd = new Random(seed);
        List<Case> cases = new ArrayList<>();
        int port = FIRST_SOURCE_PORT;
        for (List<Piece> hand : handCases()) {
            cases.add(newCase(4, port++, 80, hand, rnd));
        }
        // a fragment past 65,535 bytes: Linux keeps an IPv4 one (the datagram's end moves past the
        // real last fragment's, which then discards it) and drops an IPv6 one alone
        List<Piece> past = List.of(new Piece(65_520, 16, true, false), new Piece(0, 40, true, false), new Piece(40, 40, false, false));
        List<Piece> pastLater = List.of(new Piece(0, 40, true, false), new Piece(65_520, 16, true, false), new Piece(40, 40, false, false));
        for (int version : new int[] {4, 6}) {
            cases.add(newCase(version, port++, 80, past, rnd));
            cases.add(newCase(version, port++, 80, pastLater, rnd));
        }
        for (int i = 0; i < RANDOM_CASES; i++) {
            for (int version : new int[] {4, 6}) {
                int total = 8 + 8 * (4 + rnd.nextInt(30)) + rnd.nextInt(8);
                cases.add(newCase(version, port++, total, randomPieces(total, rnd), rnd));
            }
        }
        byte[] macA = veth.mac(false);
        byte[] macB = veth.mac(true);
        byte[] a4 = InetAddress.getByName(veth.addrA).getAddress();
        byte[] b4 = InetAddress.getByName(veth.addrB).getAddress();
        byte[] a6 = InetAddress.getByName(veth.addr6A).getAddress();
        byte[] b6 = InetAddress.getByName(veth.addr6B).getAddress();

        Map<Integer, String> expected = new HashMap<>();
        List<String> hexFrames = new ArrayList<>();
        int id = 1 + rnd.nextInt(30_000);
        for (Case c : cases) {
            id++;
            if (c.version() == 6) {
                int sum = checksum6(a6, b6, c.data());
                put16(c.data(), 6, sum == 0 ? 0xFFFF : sum);
            }
            List<byte[]> frames = new ArrayList<>();
            for (Piece p : c.pieces()) {
                byte[] bytes = p.decoy() ? rotated(c.data(), p.offset(), p.len()) : c.data();
                frames.add(c.version() == 4 ? frame4(macA, macB, a4, b4, id, bytes, p) : frame6(macA, macB, a6, b6, id, bytes, p));
            }
            expected.put(c.sourcePort(), model(c.version(), frames));
            frames.forEach(f -> hexFrames.add(HexFormat.of().formatHex(f)));
        }
        Map<Integer, String> kernel = sendAndReceive(veth, hexFrames);

        Outcome o = compare(cases, expected, kernel);
        List<String> differ = o.differ();
        int delivered = o.delivered();
        System.out.println("KernelDefragIT: " + cases.size() + " fragment sets, " + delivered + " delivered by the kernel, "
                + differ.size() + " differ from the defragmenter");
        differ.stream().limit(10).forEach(d -> System.out.println("  " + d));
        assertTrue(delivered > cases.size() / 10 && delivered < cases.size(), "the cases must exercise both outcomes: " + delivered);
        assertEquals(List.of(), differ.stream().limit(10).toList(), "seed " + seed);
    }

    private static final int INTERLEAVED_GROUPS = 50;

    @Test
    void theLinuxPolicyCountsFragmentsFromOneSourceAsThisKernel() throws Exception {
        Assumptions.assumeTrue(skipReason == null, skipReason);
        long seed = Long.getLong("tests.seed", System.nanoTime());
        System.out.println("KernelDefragIT interleaved seed " + seed + " (replay with -Dtests.seed=" + seed + ")");
        Random rnd = new Random(seed);
        try (VethPair own = VethPair.create("swf")) {
            String value = VethPair.output(VethPair.IP, "netns", "exec", own.netns, "sysctl", "-n", "net.ipv4.ipfrag_max_dist").strip();
            int maxDist = Integer.parseInt(value);
            System.out.println("KernelDefragIT: net.ipv4.ipfrag_max_dist in a new namespace: " + maxDist);
            Assumptions.assumeTrue(maxDist > 0, "ipfrag_max_dist is 0 in a new namespace: nothing to compare");
            byte[] macA = own.mac(false);
            byte[] macB = own.mac(true);
            byte[][] a = {InetAddress.getByName(own.addrA).getAddress(), InetAddress.getByName(own.addr6A).getAddress()};
            byte[][] b = {InetAddress.getByName(own.addrB).getAddress(), InetAddress.getByName(own.addr6B).getAddress()};

            List<Case> cases = new ArrayList<>();
            List<byte[]> frames = new ArrayList<>();
            List<Integer> versions = new ArrayList<>();
            int port = FIRST_SOURCE_PORT;
            int id = 1 + rnd.nextInt(20_000);
            for (int g = 0; g < INTERLEAVED_GROUPS; g++) {
                int version = rnd.nextInt(4) == 0 ? 6 : 4;
                byte[] src = a[version == 4 ? 0 : 1];
                byte[] dst = b[version == 4 ? 0 : 1];
                // the datagrams of the group, each a queue of its frames still to send
                List<List<byte[]>> queues = new ArrayList<>();
                int datagrams = 2 + rnd.nextInt(4);
                for (int i = 0; i < datagrams; i++) {
                    int total = 8 + 8 * (4 + rnd.nextInt(20)) + rnd.nextInt(8);
                    List<Piece> pieces = rnd.nextInt(3) == 0 ? decoyFirst(total, rnd) : randomPieces(total, rnd);
                    Case c = newCase(version, port++, total, pieces, rnd);
                    if (version == 6) {
                        int sum = checksum6(src, dst, c.data());
                        put16(c.data(), 6, sum == 0 ? 0xFFFF : sum);
                    }
                    cases.add(c);
                    id++;
                    List<byte[]> q = new ArrayList<>();
                    for (Piece p : c.pieces()) {
                        byte[] bytes = p.decoy() ? rotated(c.data(), p.offset(), p.len()) : c.data();
                        q.add(version == 4 ? frame4(macA, macB, src, dst, id, bytes, p) : frame6(macA, macB, src, dst, id, bytes, p));
                    }
                    queues.add(q);
                }
                // fillers: the first unit of a datagram that never completes, sent again and again
                // (each copy counts for the source, and holds no more memory)
                byte[] fillerData = new byte[64];
                rnd.nextBytes(fillerData);
                id++;
                Piece fillerPiece = new Piece(0, 8, true, false);
                byte[] filler = version == 4 ? frame4(macA, macB, src, dst, id, fillerData, fillerPiece)
                        : frame6(macA, macB, src, dst, id, fillerData, fillerPiece);
                // interleave: take the next frame of a random datagram, now and then a run of fillers
                // around the limit
                while (queues.stream().anyMatch(q -> !q.isEmpty())) {
                    if (rnd.nextInt(3) == 0) {
                        int run = rnd.nextInt(2) == 0 ? maxDist - 3 + rnd.nextInt(7) : rnd.nextInt(maxDist / 2 + 1);
                        for (int i = 0; i < run; i++) {
                            frames.add(filler);
                            versions.add(version);
                        }
                    }
                    List<List<byte[]>> left = queues.stream().filter(q -> !q.isEmpty()).toList();
                    List<byte[]> q = left.get(rnd.nextInt(left.size()));
                    frames.add(q.remove(0));
                    versions.add(version);
                }
            }

            // the defragmenter: one for the whole run, as the kernel's peer counts every fragment from the source
            Defragmenter d = new Defragmenter(100_000, 1L << 30, 60, new Defragmenter.Hosts() {
                @Override
                public Defragmenter.Policy policy(byte[] address) {
                    return Defragmenter.Policy.LINUX;
                }

                @Override
                public int timeoutSeconds(byte[] address) {
                    return 30;
                }

                @Override
                public Defragmenter.Limits limits(byte[] address) {
                    return new Defragmenter.Limits(0, 0, maxDist);
                }
            });
            DefragmenterTest.Recorder r = new DefragmenterTest.Recorder();
            DefragmenterTest.feed(d, frames, r, 100_000L);
            Map<Integer, String> expected = new HashMap<>();
            for (byte[] f : r.frames) {
                int version = (f[14] & 0xf0) == 0x40 ? 4 : 6;
                int udp = version == 4 ? 34 : 54;
                String previous = expected.put((f[udp] & 0xff) << 8 | (f[udp + 1] & 0xff), payloadOf(version, f));
                assertEquals(null, previous, "one datagram per case from the defragmenter");
            }
            List<String> hex = new ArrayList<>();
            frames.forEach(f -> hex.add(HexFormat.of().formatHex(f)));
            Map<Integer, String> kernel = sendAndReceive(own, hex);

            Outcome o = compare(cases, expected, kernel);
            List<String> differ = o.differ();
            int delivered = o.delivered();
            System.out.println("KernelDefragIT: " + cases.size() + " interleaved datagrams (" + frames.size() + " fragments, "
                    + d.tooFarDropped + " restarts for ipfrag_max_dist " + maxDist + "), " + delivered + " delivered by the kernel, "
                    + differ.size() + " differ from the defragmenter");
            differ.stream().limit(10).forEach(x -> System.out.println("  " + x));
            assertTrue(d.tooFarDropped > 0, "the runs must cross the limit");
            assertTrue(delivered > cases.size() / 10 && delivered < cases.size(), "the cases must exercise both outcomes: " + delivered);
            assertEquals(List.of(), differ.stream().limit(10).toList(), "seed " + seed);
        }
    }

    /**
     * A decoy of the datagram's second 8-byte unit (the first, the UDP header, stays real so the port
     * tells the case), then the datagram cut plainly with that unit a fragment of its own: a duplicate
     * inside the decoy's run, which Linux drops unless the queue was started afresh in between.
     */
    private static List<Piece> decoyFirst(int total, Random rnd) {
        List<Piece> out = new ArrayList<>();
        out.add(new Piece(8, 8, true, true));
        int at = 0;
        while (at < total) {
            int n = at < 16 ? 8 : Math.min(total - at, 8 * (1 + rnd.nextInt(6)));
            out.add(new Piece(at, n, at + n < total, false));
            at += n;
        }
        return out;
    }

    /** The pattern of {@link DefragPolicyTest} and the evasion review's cases, in 8-byte units of an 80-byte datagram. */
    private static List<List<Piece>> handCases() {
        return List.of(
                units(new int[][] {{0, 2, 1, 0}, {3, 5, 1, 0}, {6, 8, 1, 0}, {1, 4, 1, 1}, {2, 3, 1, 1}, {5, 7, 1, 1}, {8, 10, 0, 0}}),
                units(new int[][] {{0, 2, 1, 0}, {2, 4, 1, 0}, {4, 6, 1, 0}, {1, 5, 1, 1}, {6, 10, 0, 0}}),
                units(new int[][] {{0, 2, 1, 0}, {4, 6, 1, 0}, {2, 4, 1, 0}, {1, 5, 1, 1}, {6, 10, 0, 0}}),
                units(new int[][] {{4, 8, 0, 0}, {4, 10, 0, 1}, {0, 4, 1, 0}}),
                List.of(new Piece(0, 13, true, true), new Piece(8, 72, false, false)));
    }

    private static List<Piece> units(int[][] spec) {
        List<Piece> out = new ArrayList<>();
        for (int[] s : spec) {
            out.add(new Piece(s[0] * 8, (s[1] - s[0]) * 8, s[2] == 1, s[3] == 1));
        }
        return out;
    }

    /** A plain fragmentation of the datagram, then one to four more fragments anywhere past the UDP header, shuffled or not. */
    private static List<Piece> randomPieces(int total, Random rnd) {
        List<Piece> base = new ArrayList<>();
        int at = 0;
        while (at < total) {
            int n = Math.min(total - at, 8 * (1 + rnd.nextInt(8)));
            if (at == 0 && n == total) {
                n = 8 * Math.max(1, (total - 1) / 16); // at least two fragments
            }
            base.add(new Piece(at, n, at + n < total, false));
            at += n;
        }
        List<Piece> out = new ArrayList<>(base);
        int extra = 1 + rnd.nextInt(4);
        for (int i = 0; i < extra; i++) {
            int start = 8 * (1 + rnd.nextInt((total - 1) / 8));
            int end = start + 1 + rnd.nextInt(total - start);
            if (rnd.nextInt(4) == 0) {
                end = Math.min(total, start + 8 * (1 + rnd.nextInt(4))); // aligned
            }
            boolean more = end < total || rnd.nextBoolean();
            if (end < total && rnd.nextInt(10) == 0) {
                more = false; // a conflicting last fragment
            }
            out.add(rnd.nextInt(out.size() + 1), new Piece(start, end - start, more, rnd.nextInt(10) < 7));
        }
        if (rnd.nextInt(10) < 6) {
            Collections.shuffle(out, rnd);
        }
        return out;
    }

    private static Case newCase(int version, int sourcePort, int total, List<Piece> pieces, Random rnd) {
        byte[] data = new byte[total];
        rnd.nextBytes(data);
        put16(data, 0, sourcePort);
        put16(data, 2, PORT);
        put16(data, 4, total);
        put16(data, 6, 0);
        return new Case(version, sourcePort, data, pieces);
    }

    /** The datagram's bytes with the 16-bit words of {@code [off, off + len)} rotated by one (the same sum). */
    private static byte[] rotated(byte[] data, int off, int len) {
        byte[] b = data.clone();
        int words = len / 2;
        if (words < 2) {
            b[off] ^= (byte) 0xFF; // a lone byte: any other value (a checksum failure if the kernel kept it)
            return b;
        }
        for (int i = 0; i < words; i++) {
            int from = off + 2 * ((i + 1) % words);
            b[off + 2 * i] = data[from];
            b[off + 2 * i + 1] = data[from + 1];
        }
        return b;
    }

    private static byte[] frame4(byte[] srcMac, byte[] dstMac, byte[] src, byte[] dst, int id, byte[] data, Piece p) {
        byte[] f = new byte[14 + 20 + p.len()];
        ethernet(f, srcMac, dstMac, 0x0800);
        f[14] = 0x45;
        put16(f, 16, 20 + p.len());
        put16(f, 18, id);
        put16(f, 20, (p.offset() / 8) | (p.more() ? 0x2000 : 0));
        f[22] = 64;
        f[23] = 17;
        System.arraycopy(src, 0, f, 26, 4);
        System.arraycopy(dst, 0, f, 30, 4);
        put16(f, 24, EncapLengths.checksum(f, 14, 20));
        copyPiece(data, p, f, 34);
        return f;
    }

    private static byte[] frame6(byte[] srcMac, byte[] dstMac, byte[] src, byte[] dst, int id, byte[] data, Piece p) {
        byte[] f = new byte[14 + 40 + 8 + p.len()];
        ethernet(f, srcMac, dstMac, 0x86DD);
        f[14] = 0x60;
        put16(f, 18, 8 + p.len());
        f[20] = 44; // fragment header
        f[21] = 64;
        System.arraycopy(src, 0, f, 22, 16);
        System.arraycopy(dst, 0, f, 38, 16);
        f[54] = 17;
        put16(f, 56, p.offset() | (p.more() ? 1 : 0));
        put16(f, 58, 0);
        put16(f, 60, id);
        copyPiece(data, p, f, 62);
        return f;
    }

    /** Copies the piece's bytes of the datagram; past its end (a fragment past 65,535 bytes) they stay zero. */
    private static void copyPiece(byte[] data, Piece p, byte[] f, int at) {
        int n = Math.max(0, Math.min(p.len(), data.length - p.offset()));
        if (n > 0) {
            System.arraycopy(data, p.offset(), f, at, n);
        }
    }

    private static void ethernet(byte[] f, byte[] srcMac, byte[] dstMac, int type) {
        System.arraycopy(dstMac, 0, f, 0, 6);
        System.arraycopy(srcMac, 0, f, 6, 6);
        put16(f, 12, type);
    }

    /**
     * What the defragmenter makes of the frames for a Linux host: the UDP payload in hex, or "none" when
     * no datagram comes out or the one that does is one the kernel's UDP layer refuses (its length
     * field disagrees, or, for IPv6, its checksum).
     */
    private static String model(int version, List<byte[]> frames) {
        Defragmenter d = new Defragmenter(100, 1 << 20, 60, DefragmenterTest.policyHosts(address -> Defragmenter.Policy.LINUX, 30));
        DefragmenterTest.Recorder r = new DefragmenterTest.Recorder();
        DefragmenterTest.feed(d, frames, r, 1_000_000L);
        if (r.frames.isEmpty()) {
            return "none";
        }
        return payloadOf(version, r.frames.get(0));
    }

    /** The UDP payload of a datagram the defragmenter made, in hex, or "none" when the kernel's UDP layer refuses it. */
    private static String payloadOf(int version, byte[] f) {
        int dataOff = version == 4 ? 34 : 54;
        byte[] udp = Arrays.copyOfRange(f, dataOff, f.length);
        if (((udp[4] & 0xff) << 8 | (udp[5] & 0xff)) != udp.length) {
            return "none";
        }
        if (version == 6 && checksum6(Arrays.copyOfRange(f, 22, 38), Arrays.copyOfRange(f, 38, 54), udp) != 0) {
            return "none";
        }
        return HexFormat.of().formatHex(udp, 8, udp.length);
    }

    /**
     * The UDP checksum over IPv6's pseudo-header and {@code udp} as it stands: the value to put in a
     * zeroed checksum field, or 0 when the field already holds the right one.
     */
    private static int checksum6(byte[] src, byte[] dst, byte[] udp) {
        long sum = udp.length + 17;
        for (byte[] a : new byte[][] {src, dst}) {
            for (int i = 0; i < 16; i += 2) {
                sum += (a[i] & 0xff) << 8 | (a[i + 1] & 0xff);
            }
        }
        for (int i = 0; i < udp.length; i += 2) {
            sum += (udp[i] & 0xff) << 8 | (i + 1 < udp.length ? udp[i + 1] & 0xff : 0);
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    private static void put16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }

    /** How many datagrams the kernel delivered, and where the defragmenter's result differs from it. */
    private record Outcome(int delivered, List<String> differ) {
    }

    /** Compares, datagram by datagram (keyed by source port), what the defragmenter built with what the kernel delivered. */
    private static Outcome compare(List<Case> cases, Map<Integer, String> expected, Map<Integer, String> kernel) {
        List<String> differ = new ArrayList<>();
        int delivered = 0;
        for (Case c : cases) {
            String want = expected.getOrDefault(c.sourcePort(), "none");
            String got = kernel.getOrDefault(c.sourcePort(), "none");
            if (!got.equals("none")) {
                delivered++;
            }
            if (!want.equals(got)) {
                differ.add("IPv" + c.version() + " datagram of " + c.data().length + " bytes, fragments " + c.pieces() + ": kernel "
                        + describe(got, c) + ", defragmenter " + describe(want, c));
            }
        }
        return new Outcome(delivered, differ);
    }

    private static String describe(String hex, Case c) {
        if (hex.equals("none")) {
            return "none";
        }
        String real = HexFormat.of().formatHex(c.data(), 8, c.data().length);
        return hex.equals(real) ? "the real bytes" : "other bytes (" + hex.length() / 2 + ")";
    }

    /**
     * Starts a receiver in the namespace (UDP port {@value #PORT}, both versions; it prints the source
     * port and payload of each datagram and ends after 3 s without one), sends the frames from the "a"
     * end, and returns what the receiver printed by source port.
     */
    private static Map<Integer, String> sendAndReceive(VethPair veth, List<String> hexFrames) throws Exception {
        String receiver = String.join("\n",
                "import select, socket, sys",
                "s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "s4.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)",
                "s4.bind(('0.0.0.0', " + PORT + "))",
                "s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)",
                "s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)",
                "s6.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)",
                "s6.bind(('::', " + PORT + "))",
                "print('READY', flush=True)",
                "while True:",
                "    r, _, _ = select.select([s4, s6], [], [], 3.0)",
                "    if not r:",
                "        break",
                "    for s in r:",
                "        d, a = s.recvfrom(65535)",
                "        print(a[1], d.hex(), flush=True)");
        Path frames = dir.resolve("frames.hex");
        Files.write(frames, hexFrames);
        String sender = String.join("\n",
                "import socket, sys, time",
                "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
                "s.bind((sys.argv[1], 0))",
                "for line in open(sys.argv[2]):",
                "    s.send(bytes.fromhex(line.strip()))",
                "    time.sleep(0.0005)");
        Process recv = new ProcessBuilder(VethPair.IP, "netns", "exec", veth.netns, VethPair.PYTHON, "-c", receiver)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<Integer, String> got = new HashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(recv.getInputStream(), StandardCharsets.US_ASCII))) {
            assertEquals("READY", in.readLine(), "the receiver started");
            VethPair.sh(VethPair.PYTHON, "-c", sender, veth.linkA, frames.toString());
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(" ", 2);
                String previous = got.put(Integer.parseInt(parts[0]), parts.length > 1 ? parts[1] : "");
                assertEquals(null, previous, "one datagram per case: " + line);
            }
        } finally {
            if (!recv.waitFor(30, TimeUnit.SECONDS)) {
                recv.destroyForcibly();
            }
        }
        return got;
    }
}
