package io.spanwatch.sensor.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A veth pair for live tests: its "a" end stays in the JVM's network namespace and its "b" end lives
 * in a namespace created for the test, so traffic between them stays on this machine. Addresses: a
 * random /30 inside the benchmarking range 198.18.0.0/15 and a random /64 inside fd00::/8 (no
 * duplicate address detection, so they are usable at once). {@link #close} removes both.
 *
 * <p>Needs root, {@code ip} (iproute2) and {@code python3} (the tests send and receive with it);
 * {@link #skipReason()} says which is missing.
 */
public final class VethPair implements AutoCloseable {
    public static final String IP = findExecutable("ip", "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip");
    public static final String PYTHON = findExecutable("python3", "/usr/bin/python3");

    public final String netns;
    public final String linkA;
    public final String linkB;
    public final String addrA;
    public final String addrB;
    public final String addr6A;
    public final String addr6B;
    private boolean netnsCreated;
    private boolean linkCreated;

    private VethPair(String prefix) {
        String id = String.format(Locale.ROOT, "%04x", ThreadLocalRandom.current().nextInt(1 << 16));
        netns = prefix + "-" + id;
        linkA = prefix + "-" + id + "-a";
        linkB = prefix + "-" + id + "-b";
        int subnet = ThreadLocalRandom.current().nextInt(1 << 15) * 4; // a /30 inside 198.18.0.0/15
        addrA = ipv4(198, 18, subnet + 1);
        addrB = ipv4(198, 18, subnet + 2);
        String net6 = String.format(Locale.ROOT, "fd%02x:%04x:%04x::", ThreadLocalRandom.current().nextInt(256),
                ThreadLocalRandom.current().nextInt(1 << 16), ThreadLocalRandom.current().nextInt(1 << 16));
        addr6A = net6 + "1";
        addr6B = net6 + "2";
    }

    /** Returns why live tests cannot run here (not root, a command missing), or null when they can. */
    public static String skipReason() throws IOException, InterruptedException {
        String uid = output("id", "-u").strip();
        if (!"0".equals(uid)) {
            return "not running as root (uid " + uid + "): cannot create network namespaces";
        }
        if (IP == null) {
            return "the 'ip' command (iproute2) is missing";
        }
        if (PYTHON == null) {
            return "python3 is missing (it sends and receives the test traffic)";
        }
        return null;
    }

    /** Creates the namespace and the pair, both ends up with their addresses; names start with {@code prefix} (a few letters). */
    public static VethPair create(String prefix) throws IOException, InterruptedException {
        VethPair v = new VethPair(prefix);
        try {
            sh(IP, "netns", "add", v.netns);
            v.netnsCreated = true;
            sh(IP, "link", "add", v.linkA, "type", "veth", "peer", "name", v.linkB);
            v.linkCreated = true;
            sh(IP, "link", "set", v.linkB, "netns", v.netns);
            sh(IP, "addr", "add", v.addrA + "/30", "dev", v.linkA);
            sh(IP, "-6", "addr", "add", v.addr6A + "/64", "dev", v.linkA, "nodad");
            sh(IP, "link", "set", v.linkA, "up");
            sh(IP, "-n", v.netns, "addr", "add", v.addrB + "/30", "dev", v.linkB);
            sh(IP, "-n", v.netns, "-6", "addr", "add", v.addr6B + "/64", "dev", v.linkB, "nodad");
            sh(IP, "-n", v.netns, "link", "set", v.linkB, "up");
            sh(IP, "-n", v.netns, "link", "set", "lo", "up");
        } catch (IOException | InterruptedException e) {
            v.close();
            throw e;
        }
        return v;
    }

    /** Returns the MAC address of the "a" end (in this namespace) or the "b" end, as six bytes. */
    public byte[] mac(boolean bEnd) throws IOException, InterruptedException {
        String text = bEnd ? output(IP, "netns", "exec", netns, "cat", "/sys/class/net/" + linkB + "/address")
                : Files.readString(Path.of("/sys/class/net", linkA, "address"));
        String[] parts = text.strip().split(":");
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) {
            mac[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return mac;
    }

    @Override
    public void close() {
        if (linkCreated) {
            // Deleting one end of a veth pair deletes both; the b end also goes with its namespace.
            quietly(IP, "link", "del", linkA);
            linkCreated = false;
        }
        if (netnsCreated) {
            quietly(IP, "netns", "del", netns);
            netnsCreated = false;
        }
    }

    @Override
    public String toString() {
        return linkA + " " + addrA + " " + addr6A + " <-> " + netns + ":" + linkB + " " + addrB + " " + addr6B;
    }

    private static String ipv4(int a, int b, int low16) {
        return a + "." + (b + (low16 >> 16)) + "." + ((low16 >> 8) & 0xff) + "." + (low16 & 0xff);
    }

    public static String findExecutable(String name, String... candidates) {
        for (String c : candidates) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        return null;
    }

    /** Runs a command and returns what it printed (standard output and error), whatever its exit status. */
    public static String output(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    /** Runs a command, failing when it fails or takes more than 30 s. */
    public static void sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd));
        }
        if (p.exitValue() != 0) {
            throw new IOException("failed (exit " + p.exitValue() + "): " + String.join(" ", cmd) + ": " + out.strip());
        }
    }

    private static void quietly(String... cmd) {
        try {
            sh(cmd);
        } catch (IOException | InterruptedException e) {
            System.err.println("VethPair: cleanup: " + e.getMessage());
        }
    }
}
