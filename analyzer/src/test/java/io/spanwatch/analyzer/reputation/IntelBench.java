package io.spanwatch.analyzer.reputation;

import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Measures the reputation stage at scale (run by {@code .ci/bench-intel}): writes 1 million
 * domains (plain list), 1 million IPs and CIDRs (IPv4 and IPv6, plain list), 100,000 URLs (URLhaus
 * CSV) and 1 million sha256 (MalwareBazaar list), loads them as the stage does, and prints the load
 * time, the heap they hold, and lookups per second on one thread for each kind and for whole HTTP
 * events (two addresses, host and URL), about 1 % of them hits.
 *
 * <p>Arguments: {@code [DIR] [SCALE]}: where to write the feeds (default a temporary folder) and a
 * factor on the counts (default 1).
 */
public final class IntelBench {
    private static final String[] TLDS = {"com", "net", "org", "info", "ru", "cn", "top", "xyz", "biz", "io", "de", "example"};
    private static final String ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

    private IntelBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("intel-bench");
        double scale = args.length > 1 ? Double.parseDouble(args[1]) : 1.0;
        int nDomains = (int) (1_000_000 * scale);
        int nIps = (int) (1_000_000 * scale);
        int nUrls = (int) (100_000 * scale);
        int nHashes = (int) (1_000_000 * scale);
        Files.createDirectories(dir);
        Random r = new Random(1);
        long t0 = System.nanoTime();
        // Keep every 100th value to make hits from; the feeds themselves only go to the files.
        String[] domains = new String[(nDomains + 99) / 100];
        String[] ips = new String[(nIps + 99) / 100];
        String[] urls = new String[(nUrls + 99) / 100];
        String[] hashes = new String[(nHashes + 99) / 100];
        write(dir.resolve("domains.txt"), "# bench domains\n", nDomains, i -> keep(domains, i, domain(r)));
        write(dir.resolve("ips.txt"), "# bench addresses\n", nIps, i -> keep(ips, i, ip(r, i)));
        write(dir.resolve("urlhaus.csv"), "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n", nUrls, i -> {
            String u = keep(urls, i, "http://" + domain(r) + "/" + word(r, 4, 10) + "/" + word(r, 4, 12) + ".exe");
            return "\"" + i + "\",\"2024-03-10 09:51:07\",\"" + u + "\",\"online\",\"\",\"malware_download\",\"exe\",\"https://urlhaus.abuse.ch/url/"
                    + i + "/\",\"anonymous\"";
        });
        write(dir.resolve("full_sha256.txt"), "# sha256_hash\n", nHashes, i -> keep(hashes, i, hex(r, 32)));
        System.out.printf(Locale.ROOT, "feeds written to %s in %.1f s (%,d domains, %,d IPs/CIDRs, %,d URLs, %,d sha256)%n", dir,
                (System.nanoTime() - t0) / 1e9, nDomains, nIps, nUrls, nHashes);

        long before = usedHeap();
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long c0 = threads.getCurrentThreadCpuTime();
        long l0 = System.nanoTime();
        IntelConfig c = IntelConfig.of(List.of(dir), null, null);
        IntelLoader loader = new IntelLoader(c);
        IntelSnapshot s = loader.load(loader.sources(List.of()), null, 1);
        double loadSecs = (System.nanoTime() - l0) / 1e9;
        double loadCpu = (threads.getCurrentThreadCpuTime() - c0) / 1e9;
        long after = usedHeap();
        System.out.printf(Locale.ROOT, "load: %,d indicators from %d feeds in %.2f s (%.2f s CPU of the loading thread); heap held %.0f MiB "
                + "(structures' own estimate %.0f MiB)%n", s.size(), s.feeds().size(), loadSecs, loadCpu, (after - before) / 1048576.0,
                s.bytes() / 1048576.0);
        for (FeedReport f : s.feeds()) {
            System.out.println("  " + f.summary());
        }

        int q = 500_000;
        String[] qIp = new String[q];
        String[] qHost = new String[q];
        String[] qUrlHost = new String[q];
        String[] qPath = new String[q];
        String[] qHash = new String[q];
        Random g = new Random(2);
        for (int i = 0; i < q; i++) {
            String ip = ips[g.nextInt(ips.length)];
            qIp[i] = g.nextInt(100) == 0 ? (ip.indexOf('/') >= 0 ? ip.substring(0, ip.indexOf('/')) : ip)
                    : g.nextInt(256) + "." + g.nextInt(256) + "." + g.nextInt(256) + "." + g.nextInt(256);
            qHost[i] = g.nextInt(100) == 0 ? "www." + domains[g.nextInt(domains.length)] : word(g, 3, 8) + "." + domain(g);
            if (g.nextInt(100) == 0) {
                String u = urls[g.nextInt(urls.length)];
                int slash = u.indexOf('/', 7);
                qUrlHost[i] = u.substring(7, slash);
                qPath[i] = u.substring(slash);
            } else {
                qUrlHost[i] = qHost[i];
                qPath[i] = "/" + word(g, 4, 10) + "/" + word(g, 4, 12) + ".js?v=" + g.nextInt(100);
            }
            qHash[i] = g.nextInt(100) == 0 ? hashes[g.nextInt(hashes.length)] : hex(g, 32);
        }
        run("ip (IPv4)", q, i -> s.matchIp(qIp[i], "dest_ip").size());
        run("host name", q, i -> s.matchHost(qHost[i], "http.hostname").size());
        run("url", q, i -> s.matchUrl(qUrlHost[i], -1, qPath[i], "http.url").size());
        run("sha256", q, i -> s.matchHash(qHash[i], "fileinfo.sha256").size());
        run("http event (2 IPs, host, URL)", q, i -> ReputationStage.match(s, Observation.http(0, i, null, "10.0.0.1", 50000, qIp[i], 80,
                qUrlHost[i], -1, qPath[i])).size());
    }

    /** Runs the lookups once to warm up, then four times measured, and prints lookups per second. */
    private static void run(String what, int n, java.util.function.IntUnaryOperator op) {
        long hits = 0;
        for (int i = 0; i < n; i++) {
            hits += op.applyAsInt(i);
        }
        hits = 0;
        long c = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        long t = System.nanoTime();
        for (int pass = 0; pass < 4; pass++) {
            for (int i = 0; i < n; i++) {
                hits += op.applyAsInt(i);
            }
        }
        double secs = (System.nanoTime() - t) / 1e9;
        double cpu = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - c) / 1e9;
        System.out.printf(Locale.ROOT, "lookups %-30s %,12.0f /s wall, %,12.0f /s of thread CPU (%,d hits in %,d)%n", what, 4 * n / secs,
                4 * n / cpu, hits, 4 * n);
    }

    private static String keep(String[] sample, int i, String v) {
        if (i % 100 == 0) {
            sample[i / 100] = v;
        }
        return v;
    }

    private interface Line {
        String make(int i);
    }

    private static void write(Path f, String header, int n, Line line) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
            w.write(header);
            for (int i = 0; i < n; i++) {
                w.write(line.make(i));
                w.write('\n');
            }
        }
    }

    private static String domain(Random r) {
        return (r.nextInt(3) == 0 ? word(r, 3, 8) + "." : "") + word(r, 5, 14) + "." + TLDS[r.nextInt(TLDS.length)];
    }

    private static String word(Random r, int min, int max) {
        int n = min + r.nextInt(max - min + 1);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(ALNUM.charAt(r.nextInt(i == 0 ? 26 : ALNUM.length())));
        }
        return b.toString();
    }

    /** Returns mostly IPv4 addresses, some IPv4 CIDRs and some IPv6 addresses and prefixes. */
    private static String ip(Random r, int i) {
        int k = i % 20;
        if (k == 0) {
            return (1 + r.nextInt(223)) + "." + r.nextInt(256) + "." + r.nextInt(256) + ".0/" + (20 + r.nextInt(5));
        }
        if (k == 1) {
            return String.format(Locale.ROOT, "2001:db8:%x:%x::%x", r.nextInt(65536), r.nextInt(65536), 1 + r.nextInt(65535));
        }
        if (k == 2) {
            return String.format(Locale.ROOT, "2a0%x:%x:%x::/48", r.nextInt(16), r.nextInt(65536), r.nextInt(65536));
        }
        return (1 + r.nextInt(223)) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
    }

    private static String hex(Random r, int bytes) {
        byte[] b = new byte[bytes];
        r.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static long usedHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
