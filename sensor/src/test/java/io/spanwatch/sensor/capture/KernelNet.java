package io.spanwatch.sensor.capture;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Two network namespaces of a test's own, a client's and a server's, joined by a veth pair created
 * inside them (no interface of the JVM's namespace takes part), with an underlay address of each IP
 * version at each end: a random /30 inside the benchmarking range 198.18.0.0/15 and a random /64
 * inside fd00::/8, without duplicate address detection. On demand it lays a VXLAN tunnel or VLAN
 * bridges over the veth, each with inner addresses of their own, and sets offloads. {@link #close}
 * deletes both namespaces and with them every link in them. Needs what {@link VethPair#skipReason}
 * checks.
 */
public final class KernelNet implements AutoCloseable {
    private static final String BRIDGE = VethPair.findExecutable("bridge", "/usr/sbin/bridge", "/sbin/bridge");
    private static final String ETHTOOL = VethPair.findExecutable("ethtool", "/usr/sbin/ethtool", "/sbin/ethtool");
    /**
     * Sets a link's IFLA_GSO_IPV4_MAX_SIZE and IFLA_GRO_IPV4_MAX_SIZE (63, 64: Linux 6.3) over
     * rtnetlink, which iproute2 before 6.3 cannot; exits with the kernel's errno.
     */
    private static final String IPV4_GSO_SIZE = String.join("\n",
            "import socket, struct, sys",
            "index, size = socket.if_nametoindex(sys.argv[1]), int(sys.argv[2])",
            "attrs = b''.join(struct.pack('=HHI', 8, kind, size) for kind in (63, 64))",
            "body = struct.pack('=BxHiII', 0, 0, index, 0, 0) + attrs",
            "s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)",
            "s.send(struct.pack('=IHHII', 16 + len(body), 16, 0x1 | 0x4, 1, 0) + body)", // RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK
            "sys.exit(-struct.unpack('=i', s.recv(4096)[16:20])[0])");

    public final String client;
    public final String server;
    public final String linkClient;
    public final String linkServer;
    private final String[] underlay4 = new String[2];
    private final String[] underlay6 = new String[2];
    private final String[] inner4 = new String[2];
    private final String[] inner6 = new String[2];
    private final List<String> namespaces = new ArrayList<>();

    private KernelNet(String prefix) {
        String id = String.format(Locale.ROOT, "%04x", ThreadLocalRandom.current().nextInt(1 << 16));
        client = prefix + "-" + id + "-c";
        server = prefix + "-" + id + "-s";
        linkClient = prefix + id + "c";
        linkServer = prefix + id + "s";
        addresses(underlay4, underlay6);
        addresses(inner4, inner6);
    }

    private static void addresses(String[] v4, String[] v6) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int subnet = r.nextInt(1 << 15) * 4;
        String net4 = "198." + (18 + (subnet >> 16)) + "." + ((subnet >> 8) & 0xff) + ".";
        String net6 = String.format(Locale.ROOT, "fd%02x:%04x:%04x::", r.nextInt(256), r.nextInt(1 << 16), r.nextInt(1 << 16));
        for (int i = 0; i < 2; i++) {
            v4[i] = net4 + ((subnet & 0xff) + 1 + i);
            v6[i] = net6 + (1 + i);
        }
    }

    /** Creates both namespaces and the veth pair, up with their underlay addresses; names start with {@code prefix} (three letters). */
    public static KernelNet create(String prefix) throws IOException, InterruptedException {
        KernelNet n = new KernelNet(prefix);
        try {
            for (String ns : new String[] {n.client, n.server}) {
                VethPair.sh(VethPair.IP, "netns", "add", ns);
                n.namespaces.add(ns);
                VethPair.sh(VethPair.IP, "-n", ns, "link", "set", "lo", "up");
            }
            VethPair.sh(VethPair.IP, "-n", n.client, "link", "add", n.linkClient, "type", "veth", "peer", "name", n.linkServer, "netns", n.server);
            for (int i = 0; i < 2; i++) {
                String ns = i == 0 ? n.client : n.server;
                String link = i == 0 ? n.linkClient : n.linkServer;
                n.address(ns, link, n.underlay4[i], n.underlay6[i]);
                VethPair.sh(VethPair.IP, "-n", ns, "link", "set", link, "up");
            }
        } catch (IOException | InterruptedException e) {
            n.close();
            throw e;
        }
        return n;
    }

    private void address(String ns, String link, String v4, String v6) throws IOException, InterruptedException {
        VethPair.sh(VethPair.IP, "-n", ns, "addr", "add", v4 + "/30", "dev", link);
        VethPair.sh(VethPair.IP, "-n", ns, "-6", "addr", "add", v6 + "/64", "dev", link, "nodad");
    }

    /** Returns the client's or the server's address on the veth. */
    public String underlay(int version, boolean serverEnd) {
        return (version == 4 ? underlay4 : underlay6)[serverEnd ? 1 : 0];
    }

    /** Returns the client's or the server's address on the VXLAN device or bridge ({@link #vxlan}, {@link #vlanBridges}). */
    public String inner(int version, boolean serverEnd) {
        return (version == 4 ? inner4 : inner6)[serverEnd ? 1 : 0];
    }

    /** Returns the two ends of the veth, client's first, each as {namespace, link}. */
    public List<String[]> ends() {
        return List.of(new String[] {client, linkClient}, new String[] {server, linkServer});
    }

    /** Runs a command in the client's namespace, failing when it fails. */
    public void inClient(String... cmd) throws IOException, InterruptedException {
        String[] all = new String[cmd.length + 4];
        all[0] = VethPair.IP;
        all[1] = "netns";
        all[2] = "exec";
        all[3] = client;
        System.arraycopy(cmd, 0, all, 4, cmd.length);
        VethPair.sh(all);
    }

    /** Sets offloads on both ends of the veth ({@code ethtool -K} features, e.g. {@code "tso on gro on"}). */
    public void veth(String features) throws IOException, InterruptedException {
        for (String[] end : ends()) {
            List<String> cmd = new ArrayList<>(List.of(VethPair.IP, "netns", "exec", end[0], ETHTOOL, "-K", end[1]));
            cmd.addAll(List.of(features.split(" ")));
            // ethtool -K exits non-zero when a feature is fixed on this device; what the kernel did is checked by the caller
            VethPair.output(cmd.toArray(String[]::new));
        }
    }

    /**
     * Lets TCP build super-frames of up to {@code size} bytes on both ends (BIG TCP): IPv6's
     * {@code gso_max_size}, IPv4's {@code gso_ipv4_max_size}. Returns why IPv4's cannot be set (a kernel
     * before 6.3), or null.
     */
    public String bigTcp(int size) throws IOException, InterruptedException {
        for (String[] end : ends()) {
            VethPair.sh(VethPair.IP, "-n", end[0], "link", "set", "dev", end[1], "gso_max_size", Integer.toString(size), "gro_max_size",
                    Integer.toString(size));
            try {
                VethPair.sh(VethPair.IP, "netns", "exec", end[0], VethPair.PYTHON, "-c", IPV4_GSO_SIZE, end[1], Integer.toString(size));
            } catch (IOException e) {
                return "the kernel has no IPv4 BIG TCP (Linux 6.3): " + e.getMessage();
            }
        }
        return null;
    }

    /**
     * Lays a VXLAN tunnel (VNI 42, port 4789) over the veth's IPv{@code underlay} addresses, with
     * {@code options} (e.g. {@code udpcsum}), and gives it the inner addresses. Returns why the kernel
     * refused it, or null.
     */
    public String vxlan(int underlay, String options) throws IOException, InterruptedException {
        for (int i = 0; i < 2; i++) {
            String ns = i == 0 ? client : server;
            List<String> cmd = new ArrayList<>(List.of(VethPair.IP, "-n", ns, "link", "add", "vx0", "type", "vxlan", "id", "42", "local",
                    underlay(underlay, i == 1), "remote", underlay(underlay, i == 0), "dstport", "4789", "dev", i == 0 ? linkClient : linkServer));
            cmd.addAll(List.of(options.split(" ")));
            try {
                VethPair.sh(cmd.toArray(String[]::new));
            } catch (IOException e) {
                return "the kernel refused a VXLAN link: " + e.getMessage();
            }
            address(ns, "vx0", inner4[i], inner6[i]);
            VethPair.sh(VethPair.IP, "-n", ns, "link", "set", "vx0", "up");
        }
        return null;
    }

    /**
     * Makes the veth's ends ports of a bridge with {@code vlan_filtering} in each namespace, carrying
     * VLAN {@code vid} tagged, the bridge's own port untagged with the inner addresses, so frames on
     * the veth are tagged. Returns why the kernel refused (no {@code CONFIG_BRIDGE_VLAN_FILTERING}), or null.
     */
    public String vlanBridges(int vid) throws IOException, InterruptedException {
        if (BRIDGE == null) {
            return "the 'bridge' command (iproute2) is missing";
        }
        String v = Integer.toString(vid);
        for (int i = 0; i < 2; i++) {
            String ns = i == 0 ? client : server;
            String link = i == 0 ? linkClient : linkServer;
            try {
                VethPair.sh(VethPair.IP, "-n", ns, "link", "add", "br0", "type", "bridge", "vlan_filtering", "1");
            } catch (IOException e) {
                return "the kernel refused a VLAN-filtering bridge: " + e.getMessage();
            }
            VethPair.sh(VethPair.IP, "-n", ns, "link", "set", link, "master", "br0");
            VethPair.sh(VethPair.IP, "netns", "exec", ns, BRIDGE, "vlan", "add", "vid", v, "dev", link);
            VethPair.sh(VethPair.IP, "netns", "exec", ns, BRIDGE, "vlan", "del", "vid", "1", "dev", link);
            VethPair.sh(VethPair.IP, "netns", "exec", ns, BRIDGE, "vlan", "add", "vid", v, "dev", "br0", "self", "pvid", "untagged");
            VethPair.sh(VethPair.IP, "netns", "exec", ns, BRIDGE, "vlan", "del", "vid", "1", "dev", "br0", "self");
            address(ns, "br0", inner4[i], inner6[i]);
            VethPair.sh(VethPair.IP, "-n", ns, "link", "set", "br0", "up");
        }
        return null;
    }

    /** Deletes both namespaces, and with them the veth pair and everything laid over it. */
    @Override
    public void close() {
        for (String ns : namespaces) {
            try {
                VethPair.sh(VethPair.IP, "netns", "del", ns);
            } catch (IOException | InterruptedException e) {
                System.err.println("KernelNet: cleanup: " + e.getMessage());
            }
        }
        namespaces.clear();
    }

    @Override
    public String toString() {
        return client + ":" + linkClient + " " + underlay4[0] + " " + underlay6[0] + " <-> " + server + ":" + linkServer + " " + underlay4[1]
                + " " + underlay6[1];
    }
}
