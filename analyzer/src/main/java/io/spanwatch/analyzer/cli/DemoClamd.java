package io.spanwatch.analyzer.cli;

import io.spanwatch.analyzer.scan.ClamdAddress;
import io.spanwatch.analyzer.scan.ClamdClient;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs a private clamd for {@code spanwatch demo}: the installed {@code clamd} binary on the project's
 * own signatures ({@code rules/clamav}, copied into the demo folder), listening only on a unix socket
 * in the demo folder, in the foreground as a child of this process, with SpanWatch's limits
 * (MaxFileSize and StreamMaxLength 100M, AlertExceedsMax). {@link #close} stops it (TERM, then KILL
 * after 10 s). Nothing of the machine's own clamd configuration is used or touched.
 */
final class DemoClamd implements AutoCloseable {
    /** System property naming the clamd binary (default: /usr/sbin/clamd, else clamd on the PATH). */
    static final String BINARY_PROPERTY = "spanwatch.clamd";
    /** How long clamd may take to load its signatures and answer PING. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** Signature and settings files clamd loads from its database folder. */
    private static final Set<String> DATABASE_EXTENSIONS = Set.of("hdb", "hsb", "mdb", "msb", "ndb", "ldb", "yar", "yara", "fp", "sfp",
            "ign", "ign2", "cud", "cvd", "cld", "pdb", "wdb", "ftm", "cdb", "crb", "idb");
    /** Longest unix socket path (sun_path holds 108 bytes with its NUL). */
    private static final int MAX_SOCKET_PATH = 107;

    private final Process process;
    private final Path socket;
    private final Path socketDir;

    private DemoClamd(Process process, Path socket, Path socketDir) {
        this.process = process;
        this.socket = socket;
        this.socketDir = socketDir;
    }

    /** Returns the clamd binary to run, or null when none is installed. */
    static Path binary() {
        String configured = System.getProperty(BINARY_PROPERTY);
        if (configured != null) {
            Path p = Path.of(configured);
            return Files.isExecutable(p) ? p : null;
        }
        Path debian = Path.of("/usr/sbin/clamd");
        if (Files.isExecutable(debian)) {
            return debian;
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "clamd"))) {
                return Path.of(d, "clamd");
            }
        }
        return null;
    }

    /**
     * Starts clamd on the signatures in {@code rulesDir}, its files under {@code dir}, and waits until
     * it answers.
     *
     * @throws IOException saying why it did not start (with the end of its log)
     */
    static DemoClamd start(Path clamd, Path rulesDir, Path dir) throws IOException, InterruptedException {
        Path db = Files.createDirectories(dir.resolve("db"));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        int signatures = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(rulesDir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                int dot = name.lastIndexOf('.');
                if (Files.isRegularFile(f) && dot > 0 && DATABASE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT))) {
                    Files.copy(f, db.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                    signatures++;
                }
            }
        }
        if (signatures == 0) {
            throw new IOException("no signature files in " + rulesDir);
        }
        Path socket = dir.toAbsolutePath().resolve("clamd.sock");
        Path socketDir = null;
        if (socket.toString().length() > MAX_SOCKET_PATH) {
            socketDir = Files.createTempDirectory("spanwatch-demo-clamd-");
            socket = socketDir.resolve("clamd.sock");
        }
        Files.deleteIfExists(socket);
        Path log = dir.resolve("clamd.log");
        StringBuilder conf = new StringBuilder();
        conf.append("# Written by spanwatch demo: a private clamd on the project's signatures, for this run only.\n");
        line(conf, "Foreground", "yes");
        if ("root".equals(System.getProperty("user.name"))) {
            line(conf, "User", "root"); // stay who started it; clamd would otherwise switch to its build's user
        }
        line(conf, "LocalSocket", socket.toString());
        line(conf, "LocalSocketMode", "600");
        line(conf, "DatabaseDirectory", db.toAbsolutePath().toString());
        line(conf, "OfficialDatabaseOnly", "no");
        line(conf, "TemporaryDirectory", tmp.toAbsolutePath().toString());
        line(conf, "PidFile", dir.toAbsolutePath().resolve("clamd.pid").toString());
        line(conf, "LogFile", log.toAbsolutePath().toString());
        line(conf, "LogTime", "yes");
        line(conf, "ExtendedDetectionInfo", "yes");
        line(conf, "StreamMaxLength", "100M");
        line(conf, "MaxFileSize", "100M");
        line(conf, "MaxScanSize", "400M");
        line(conf, "AlertExceedsMax", "yes");
        Path confFile = Files.writeString(dir.resolve("clamd.conf"), conf);
        Files.deleteIfExists(log);
        Process p = new ProcessBuilder(clamd.toString(), "--foreground=yes", "--config-file=" + confFile.toAbsolutePath())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("clamd.out").toFile()))
                .start();
        DemoClamd d = new DemoClamd(p, socket, socketDir);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try (ClamdClient client = new ClamdClient(ClamdAddress.unix(socket), ClamdClient.Options.defaults())) {
            while (System.nanoTime() < deadline) {
                if (!p.isAlive()) {
                    d.close();
                    throw new IOException("clamd exited with status " + p.exitValue() + " before answering (see " + dir.resolve("clamd.out")
                            + " and " + log + ")");
                }
                if (Files.exists(socket)) {
                    try {
                        client.ping();
                        return d;
                    } catch (IOException e) {
                        // still loading its signatures
                    }
                }
                Thread.sleep(200);
            }
        }
        d.close();
        throw new IOException("clamd did not answer within " + START_TIMEOUT.toSeconds() + " s (see " + log + ")");
    }

    private static void line(StringBuilder conf, String key, String value) {
        conf.append(key).append(' ').append(value).append('\n');
    }

    /** Returns the address to scan with. */
    ClamdAddress address() {
        return ClamdAddress.unix(socket);
    }

    /** Stops clamd and removes its socket. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(socket);
            if (socketDir != null) {
                Files.deleteIfExists(socketDir);
            }
        } catch (IOException e) {
            // A socket file left behind is harmless; the next demo replaces it.
        }
    }

    /** Tells whether clamd is still running (for tests). */
    boolean isAlive() {
        return process.isAlive();
    }
}
