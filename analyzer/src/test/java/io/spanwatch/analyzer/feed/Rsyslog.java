package io.spanwatch.analyzer.feed;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's rsyslogd for a test: a configuration of the test's own, one imtcp input on a loopback
 * port (plain TCP, or TLS through rsyslog-gnutls with a client certificate required), every message
 * stored raw (one line each, as received) in a file the test reads. Also makes the test's PKI with
 * the openssl command.
 */
final class Rsyslog implements AutoCloseable {
    final Path dir;
    final int port;
    final Path stored;
    private final Path conf;
    private Process process;
    private boolean udp;

    private Rsyslog(Path dir, int port, boolean tls) throws IOException {
        this(dir, port, tls, false);
    }

    private Rsyslog(Path dir, int port, boolean tls, boolean udp) throws IOException {
        this.dir = dir;
        this.port = port;
        this.stored = dir.resolve("stored.log");
        this.conf = dir.resolve("rsyslog.conf");
        Files.createDirectories(dir.resolve("work"));
        String driver = tls ? """
                global(DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="%1$s/ca.pem"
                       DefaultNetstreamDriverCertFile="%1$s/server.pem" DefaultNetstreamDriverKeyFile="%1$s/server.key")
                module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="x509/certvalid")
                """.formatted(dir.getParent()) : udp ? "module(load=\"imudp\")\n" : "module(load=\"imtcp\")\n";
        Files.writeString(conf, """
                global(workDirectory="%1$s/work" maxMessageSize="64k")
                %2$s
                input(type="%5$s" port="%3$d" address="127.0.0.1")
                template(name="raw" type="string" string="%%rawmsg%%\\n")
                action(type="omfile" file="%4$s" template="raw")
                """.formatted(dir, driver, port, stored, udp ? "imudp" : "imtcp"));
        this.udp = udp;
    }

    /** Returns why rsyslog tests cannot run here, or null. */
    static String missing(boolean tls) {
        if (!Files.isExecutable(Path.of("/usr/sbin/rsyslogd"))) {
            return "rsyslogd is missing (Debian: rsyslog)";
        }
        if (tls && !Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so"))
                && !Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/rsyslog/lmnsd_gtls.so"))) {
            return "rsyslog's TLS driver is missing (Debian: rsyslog-gnutls)";
        }
        if (tls && !Files.isExecutable(Path.of("/usr/bin/openssl"))) {
            return "openssl is missing (Debian: openssl)";
        }
        return null;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Writes rsyslog's configuration under {@code dir} (TLS: the PKI must be in dir's parent) and starts it. */
    static Rsyslog start(Path dir, boolean tls) throws Exception {
        Rsyslog r = new Rsyslog(dir, freePort(), tls);
        r.start();
        return r;
    }

    /** Starts rsyslogd with a UDP input (imudp) under {@code dir}. */
    static Rsyslog startUdp(Path dir) throws Exception {
        Rsyslog r = new Rsyslog(dir, freePort(), false, true);
        r.start();
        return r;
    }

    void start() throws Exception {
        process = new ProcessBuilder("/usr/sbin/rsyslogd", "-n", "-f", conf.toString(), "-i", dir.resolve("rsyslogd.pid").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("rsyslogd.out").toFile())).start();
        if (udp) {
            // No connection to wait for: wait until rsyslogd has written its pid file (it has opened its inputs by then).
            for (int i = 0; i < 200 && !Files.exists(dir.resolve("rsyslogd.pid")) && process.isAlive(); i++) {
                Thread.sleep(50);
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("rsyslogd did not start: " + Files.readString(dir.resolve("rsyslogd.out")));
            }
            return;
        }
        if (!awaitListening(port, process, 30)) {
            throw new IllegalStateException("rsyslogd did not start: " + Files.readString(dir.resolve("rsyslogd.out")));
        }
    }

    /** Waits until something accepts connections on the loopback {@code port}; false when {@code process} died or time ran out. */
    static boolean awaitListening(int port, Process process, int seconds) throws InterruptedException {
        for (long end = System.nanoTime() + seconds * 1_000_000_000L; System.nanoTime() < end && process.isAlive(); ) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        return false;
    }

    /** Stops rsyslogd (SIGTERM) and waits for it to exit. */
    void stop() throws Exception {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            process = null;
        }
    }

    /** Returns the messages stored so far. */
    List<String> lines() throws IOException {
        if (!Files.exists(stored)) {
            return List.of();
        }
        return Files.readAllLines(stored, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
    }

    /** Waits until at least {@code n} messages are stored (at most a minute) and returns them. */
    List<String> await(int n) throws Exception {
        for (int i = 0; i < 600 && lines().size() < n; i++) {
            Thread.sleep(100);
        }
        return lines();
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    /** Makes a CA, a server certificate for 127.0.0.1 and a client certificate in {@code dir} with openssl. */
    static void makePki(Path dir) throws Exception {
        Files.createDirectories(dir);
        sh(dir, "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=SpanWatch test CA'");
        for (String[] who : new String[][] {{"server", "IP:127.0.0.1", "serverAuth"}, {"client", "DNS:sensor.test", "clientAuth"}}) {
            Files.writeString(dir.resolve(who[0] + ".ext"), "subjectAltName=" + who[1] + "\nbasicConstraints=CA:FALSE\n"
                    + "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=" + who[2] + "\n");
            sh(dir, "openssl req -newkey rsa:2048 -nodes -keyout " + who[0] + ".key -out " + who[0] + ".csr -subj '/CN=" + who[0] + "'");
            sh(dir, "openssl x509 -req -in " + who[0] + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -out " + who[0]
                    + ".pem -days 2 -extfile " + who[0] + ".ext");
        }
    }

    private static void sh(Path dir, String cmd) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(cmd + ": " + out);
        }
    }
}
