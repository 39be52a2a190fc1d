package io.spanwatch.analyzer.scan;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts a real clamd (Debian's {@code /usr/sbin/clamd}) for tests: foreground, its own config,
 * socket, pid file and temporary folder under a fresh temporary directory, listening on a unix
 * socket and on 127.0.0.1 at a free port, with StreamMaxLength and MaxFileSize of 1 MiB unless the
 * caller overrides them. {@link #start} waits until it answers PING (up to 60 s; loading even a tiny
 * database takes a few seconds). The caller owns the server and must {@link #stop()} it.
 */
public final class ClamdTestServer implements AutoCloseable {
    /** Where Debian's clamav-daemon puts clamd. */
    public static final Path CLAMD = Path.of("/usr/sbin/clamd");
    /** The 68-byte EICAR test file, no newline. */
    public static final byte[] EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
            .getBytes(StandardCharsets.US_ASCII);
    /** Name of the body signature {@link #writeEicarSignatures} writes (clamd adds {@code .UNOFFICIAL}). */
    public static final String EICAR_BODY_SIG = "SpanWatch.Test.EICAR-Body";
    /** Name of the MD5 signature {@link #writeEicarSignatures} writes. */
    public static final String EICAR_MD5_SIG = "SpanWatch.Test.EICAR-MD5";
    /** How long {@link #start} waits for the first PONG. */
    static final long START_TIMEOUT_MILLIS = 60_000;

    private final Process process;
    private final Path dir;
    private final Path socket;
    private final int port;

    private ClamdTestServer(Process process, Path dir, Path socket, int port) {
        this.process = process;
        this.dir = dir;
        this.socket = socket;
        this.port = port;
    }

    /** Returns why clamd cannot be started here, or null when it can. */
    public static String unavailableReason() {
        return Files.isExecutable(CLAMD) ? null : CLAMD + " is missing (apt-get install clamav-daemon)";
    }

    /**
     * For a test class's set-up: skips the class (saying so, named {@code who}) where clamd cannot be
     * started, else starts one on the EICAR signatures written under {@code tmp/db} with {@code extra}.
     */
    public static ClamdTestServer startOrSkip(String who, Path tmp, Map<String, String> extra) throws IOException, InterruptedException {
        String why = unavailableReason();
        if (why != null) {
            System.out.println(who + " skipped: " + why);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(why == null, why);
        Path db = tmp.resolve("db");
        writeEicarSignatures(db);
        return start(db, extra);
    }

    /** Writes a custom database into {@code dbDir}: an .ndb body signature and an .hdb MD5 line for EICAR. */
    public static void writeEicarSignatures(Path dbDir) throws IOException {
        Files.createDirectories(dbDir);
        String hex = HexFormat.of().formatHex("EICAR-STANDARD-ANTIVIRUS-TEST-FILE".getBytes(StandardCharsets.US_ASCII));
        Files.writeString(dbDir.resolve("spanwatch-test.ndb"), EICAR_BODY_SIG + ":0:*:" + hex + "\n");
        Files.writeString(dbDir.resolve("spanwatch-test.hdb"), "44d88612fea8a8f36de82e1278abb02f:68:" + EICAR_MD5_SIG + "\n");
    }

    /** Copies the project's signature files ({@code rules/clamav}: .hdb, .hsb, .ndb, .yar, .fp, .ign2) into {@code dbDir}. */
    public static void copyProjectSignatures(Path rulesDir, Path dbDir) throws IOException {
        Files.createDirectories(dbDir);
        try (java.util.stream.Stream<Path> files = Files.list(rulesDir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                String n = p.getFileName().toString();
                if (n.matches(".*\\.(hdb|hsb|ndb|yar|fp|ign2)")) {
                    Files.copy(p, dbDir.resolve(n));
                }
            }
        }
    }

    /** Starts clamd on the database in {@code dbDir} with the default test settings. */
    public static ClamdTestServer start(Path dbDir) throws IOException, InterruptedException {
        return start(dbDir, Map.of());
    }

    /** Starts clamd on {@code dbDir}; {@code extra} adds or overrides clamd.conf lines (key, value). */
    public static ClamdTestServer start(Path dbDir, Map<String, String> extra) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("spanwatch-clamd-");
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path socket = extra.containsKey("LocalSocket") ? Path.of(extra.get("LocalSocket")) : dir.resolve("clamd.sock");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("Foreground", "yes");
        conf.put("User", "root");
        conf.put("LocalSocket", socket.toString());
        conf.put("TCPSocket", Integer.toString(port));
        conf.put("TCPAddr", "127.0.0.1");
        conf.put("DatabaseDirectory", dbDir.toAbsolutePath().toString());
        conf.put("OfficialDatabaseOnly", "no");
        conf.put("PidFile", dir.resolve("clamd.pid").toString());
        conf.put("TemporaryDirectory", tmp.toString());
        conf.put("StreamMaxLength", "1M");
        conf.put("MaxFileSize", "1M");
        conf.put("LogFile", dir.resolve("clamd.log").toString());
        conf.put("LogVerbose", "yes");
        conf.putAll(extra);
        StringBuilder text = new StringBuilder();
        conf.forEach((k, v) -> text.append(k).append(' ').append(v).append('\n'));
        Path confFile = Files.writeString(dir.resolve("clamd.conf"), text);
        Process p = new ProcessBuilder(CLAMD.toString(), "--foreground=yes", "--config-file=" + confFile)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("clamd.out").toFile())
                .start();
        ClamdTestServer server = new ClamdTestServer(p, dir, socket, port);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("clamd exited with " + p.exitValue() + " before answering PING:\n" + server.log());
            }
            if (server.pong()) {
                return server;
            }
            Thread.sleep(200);
        }
        server.stop();
        throw new IOException("clamd did not answer PING within " + START_TIMEOUT_MILLIS + " ms:\n" + server.log());
    }

    /** Returns the TCP endpoint. */
    public ClamdAddress tcpAddress() {
        return ClamdAddress.tcp("127.0.0.1", port);
    }

    /** Returns the clamd.conf this clamd was started with. */
    public Path configFile() {
        return dir.resolve("clamd.conf");
    }

    /** Returns the unix socket endpoint. */
    public ClamdAddress unixSocket() {
        return ClamdAddress.unix(socket);
    }

    /** Asks clamd to reload its databases (RELOAD); it answers at once and swaps them when loaded. */
    public void reload() throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap("zRELOAD\0".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer in = ByteBuffer.allocate(64);
            while (ch.read(in) > 0 && in.hasRemaining()) {
                // until clamd closes
            }
        }
    }

    /** Returns clamd's log and console output so far, for failure messages. */
    public String log() {
        StringBuilder b = new StringBuilder();
        for (String f : new String[] {"clamd.out", "clamd.log"}) {
            try {
                b.append("--- ").append(f).append('\n').append(Files.readString(dir.resolve(f)));
            } catch (IOException e) {
                b.append("--- ").append(f).append(": ").append(e.getMessage()).append('\n');
            }
        }
        return b.toString();
    }

    /** Stops clamd (TERM, then KILL after 10 s) and removes its temporary directory. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // Left in the temporary folder; nothing depends on it.
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    /** Tells whether clamd answers PONG on its unix socket now. */
    private boolean pong() {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap("zPING\0".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer in = ByteBuffer.allocate(16);
            while (ch.read(in) > 0 && in.hasRemaining()) {
                // until clamd closes
            }
            return new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII).startsWith("PONG");
        } catch (IOException e) {
            return false;
        }
    }
}
