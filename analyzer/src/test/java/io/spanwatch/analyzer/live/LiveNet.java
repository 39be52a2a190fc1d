package io.spanwatch.analyzer.live;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Makes a network of a live test's own: a network namespace, a veth pair from the host into it with
 * addresses from the benchmarking range 198.18.0.0/15, offloads off on both ends (the sensor must see
 * real segments, as a mirror port delivers them), and on demand a real nginx in the namespace.
 * {@link #close} removes all of it. Needs root, iproute2 and nginx ({@link #missing} says what is not
 * there).
 */
final class LiveNet {
    final String netns;
    /** The host end, where the sensor captures. */
    final String linkA;
    final String linkB;
    final String addrA;
    /** The namespace end, where nginx listens. */
    final String addrB;
    private Process nginx;

    private LiveNet(String prefix) {
        String id = String.format(Locale.ROOT, "%05x", ThreadLocalRandom.current().nextInt(1 << 20));
        this.netns = prefix + id;
        this.linkA = prefix + id + "a";
        this.linkB = prefix + id + "b";
        int subnet = ThreadLocalRandom.current().nextInt(1 << 15) * 4;
        String net = "198." + (18 + (subnet >> 16)) + "." + ((subnet >> 8) & 0xFF) + ".";
        this.addrA = net + ((subnet & 0xFF) + 1);
        this.addrB = net + ((subnet & 0xFF) + 2);
    }

    /** Returns why live tests cannot run here, or null when they can. */
    static String missing() throws Exception {
        if (!"0".equals(run("id", "-u").strip())) {
            return "not root: cannot create network namespaces or capture";
        } else if (which("ip") == null) {
            return "iproute2 (ip) is missing";
        } else if (which("nginx") == null) {
            return "nginx is missing (Debian: nginx-light)";
        } else if (which("curl") == null) {
            return "curl is missing";
        }
        return null;
    }

    /**
     * Creates the network for test class {@code test}, or returns null after printing why the test is
     * skipped ({@link #missing}).
     */
    static LiveNet createOrSkip(String test, String prefix) throws Exception {
        String why = missing();
        if (why != null) {
            System.out.println(test + " SKIPPED: " + why);
            return null;
        }
        return create(prefix);
    }

    /** Creates the namespace and the veth pair; names start with {@code prefix} (at most 4 characters). */
    static LiveNet create(String prefix) throws Exception {
        LiveNet n = new LiveNet(prefix);
        sh("ip netns add " + n.netns);
        try {
            sh("ip link add " + n.linkA + " type veth peer name " + n.linkB);
            sh("ip link set " + n.linkB + " netns " + n.netns);
            sh("ip addr add " + n.addrA + "/30 dev " + n.linkA);
            sh("ip link set " + n.linkA + " up");
            sh("ethtool -K " + n.linkA + " tso off gso off gro off 2>/dev/null || true");
            sh("ip netns exec " + n.netns + " ip addr add " + n.addrB + "/30 dev " + n.linkB);
            sh("ip netns exec " + n.netns + " ip link set " + n.linkB + " up");
            sh("ip netns exec " + n.netns + " ip link set lo up");
            sh("ip netns exec " + n.netns + " sh -c 'ethtool -K " + n.linkB + " tso off gso off gro off 2>/dev/null || true'");
        } catch (Exception e) {
            n.close();
            throw e;
        }
        return n;
    }

    /**
     * Starts nginx in the namespace serving {@code www} on {@code addrB:port}, with gzip for text and
     * JSON, its files under {@code dir}; {@code serverExtra} goes into the server block. Returns once
     * it accepts connections.
     */
    void startNginx(Path dir, Path www, int port, String serverExtra) throws Exception {
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, """
                daemon off;
                user root;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                # %2$s
                events { worker_connections 256; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                    types { text/html html; application/json json; text/plain txt; application/octet-stream bin exe; }
                    default_type application/octet-stream;
                    gzip on;
                    gzip_types text/plain application/json;
                    gzip_min_length 100;
                    server {
                        listen %3$s:%4$d;
                        root %5$s;
                        %6$s
                    }
                }
                """.formatted(dir, netns, addrB, port, www, serverExtra));
        nginx = new ProcessBuilder("ip", "netns", "exec", netns, "nginx", "-c", conf.toString(), "-p", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
        for (int i = 0; i < 100; i++) {
            if (sh("ip netns exec " + netns + " bash -c 'exec 3<>/dev/tcp/" + addrB + "/" + port + "' 2>/dev/null || exit 1") == 0) {
                return;
            }
            if (!nginx.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("nginx did not start: " + Files.readString(dir.resolve("nginx.out")));
    }

    /** Stops nginx and removes the veth pair and the namespace. */
    void close() throws Exception {
        if (nginx != null) {
            nginx.destroy();
            nginx.waitFor(10, TimeUnit.SECONDS);
        }
        sh("ip link del " + linkA + " 2>/dev/null || true");
        sh("ip netns del " + netns + " 2>/dev/null || true");
    }

    // ---- helpers for live tests ----

    /**
     * Runs a bash command and returns its exit status; a failure throws with the output unless the
     * command itself says {@code || true} or {@code || exit 1} (the caller looks at the status).
     */
    static int sh(String cmd) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = p.waitFor();
        if (status != 0 && !cmd.endsWith("|| true") && !cmd.endsWith("|| exit 1")) {
            throw new IllegalStateException("command failed (" + status + "): " + cmd + "\n" + out);
        }
        return status;
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return s;
    }

    static String which(String name) {
        for (String dir : new String[] {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return dir + "/" + name;
            }
        }
        return null;
    }

    static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** Returns {@code n} bytes of text made of words, starting with {@code start}. */
    static byte[] text(Random r, int n, String start) {
        StringBuilder sb = new StringBuilder(start);
        String[] w = {"alpha", "beta", "gamma", "delta", "mirror", "port", "sensor", "file"};
        while (sb.length() < n) {
            sb.append(w[r.nextInt(w.length)]).append(' ');
        }
        sb.setLength(n);
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes a file and returns its sha256. */
    static String write(Path p, byte[] b) throws Exception {
        Files.write(p, b);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
