package io.spanwatch.analyzer.cli;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.spanwatch.analyzer.index.EventIndexReader;
import io.spanwatch.analyzer.scan.ClamdAddress;
import io.spanwatch.analyzer.scan.ClamdPool;
import io.spanwatch.analyzer.web.AlertStore;
import io.spanwatch.analyzer.web.Authenticator;
import io.spanwatch.analyzer.web.Console;
import io.spanwatch.analyzer.web.ConsoleConfig;
import io.spanwatch.analyzer.web.ConsoleServer;
import io.spanwatch.analyzer.web.SavedSearches;
import io.spanwatch.analyzer.web.Sessions;
import io.spanwatch.analyzer.web.Tokens;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Serves the analyst console (search UI and API, see README "Console") over {@code DIR/index}
 * until SIGINT or SIGTERM. Tokens from {@code DIR/console/tokens} ({@code spanwatch token}); with
 * {@code --auth none} only on a loopback address; TLS with the operator's certificate and key, which
 * a non-loopback address needs unless {@code --plain-http} says a proxy in front does TLS.
 */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = "Serve the analyst console (search UI and API) over DIR/index until stopped.")
public final class ConsoleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder of analyze/sensor/index (its index/ is searched).")
    Path out;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Address to listen on (default ${DEFAULT-VALUE}).")
    String listen = "127.0.0.1:8080";

    @Option(names = "--auth", paramLabel = "MODE", description = "token (default): every request needs a token; "
            + "none: no authentication, allowed on a loopback address only.")
    String auth = "token";

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "TLS certificate chain (PEM).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "TLS private key (PEM, PKCS#8).")
    Path tlsKey;

    @Option(names = "--plain-http", description = "Allow plain HTTP on a non-loopback address (TLS done by a proxy in front).")
    boolean plainHttp;

    @Option(names = "--clamd", paramLabel = "ADDRESS", description = "clamd for the scan service; repeatable. Default as analyze (clamd.address).")
    List<String> clamd = new ArrayList<>();

    @Option(names = "--metrics", paramLabel = "HOST:PORT", description = "Serve Prometheus metrics (the console's answers, searches, scans and connection guards; JVM and process) at http://HOST:PORT/metrics.")
    String metrics;

    @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (console.*, clamd.* keys apply).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Set one configuration key; repeatable.")
    List<String> sets = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter outw = spec.commandLine().getOut();
        ConsoleConfig cfg;
        SensorSettings.ScanSettings scan;
        InetSocketAddress address;
        SslContext ssl = null;
        try {
            SensorSettings s = new SensorSettings();
            if (config != null) {
                s.load(config);
            }
            for (String a : sets) {
                s.set(a);
            }
            cfg = s.buildConsole();
            scan = s.buildScan(clamd);
            address = parseListen(listen);
        } catch (SensorSettings.SettingsException | IllegalArgumentException e) {
            err.println("spanwatch console: " + e.getMessage());
            return 1;
        }
        boolean loopback = address.getAddress().isLoopbackAddress();
        if (!auth.equals("token") && !auth.equals("none")) {
            err.println("spanwatch console: --auth must be token or none: " + auth);
            return 1;
        }
        if (auth.equals("none") && !loopback) {
            err.println("spanwatch console: --auth none is allowed only on a loopback address (127.0.0.1, ::1), not " + listen);
            return 1;
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            err.println("spanwatch console: --tls-cert and --tls-key go together");
            return 1;
        }
        if (tlsCert != null) {
            try {
                ssl = SslContextBuilder.forServer(tlsCert.toFile(), tlsKey.toFile()).build();
            } catch (Exception e) {
                err.println("spanwatch console: cannot use " + tlsCert + " and " + tlsKey + " for TLS: " + e.getMessage());
                return 1;
            }
        } else if (!loopback && !plainHttp) {
            err.println("spanwatch console: " + listen + " is not a loopback address: give --tls-cert and --tls-key "
                    + "(or --plain-http when a TLS proxy is in front)");
            return 1;
        }
        String notFolder = CliErrors.notADataFolder(out); // a mistyped --out served an empty console and made the folder
        if (notFolder != null) {
            err.println("spanwatch console: " + notFolder);
            return 1;
        }
        Path consoleDir = out.resolve("console");
        Tokens tokens = auth.equals("token") ? Tokens.open(consoleDir.resolve("tokens")) : null;
        Clock clock = Clock.systemUTC();
        scan = ScanWiring.chooseClamd(scan, io.spanwatch.analyzer.scan.LocalClamd.MACHINE_CONFS, err);
        List<ClamdAddress> clamdAddresses = new ArrayList<>();
        for (String a : scan.clamd()) {
            clamdAddresses.add(ClamdAddress.parse(a));
        }
        try (EventIndexReader index = EventIndexReader.open(out.resolve("index"));
             AlertStore alerts = AlertStore.open(consoleDir.resolve("alerts.jsonl"), clock);
             ClamdPool pool = scan.enabled() ? new ClamdPool(clamdAddresses, scan.clamdOptions()) : null) {
            index.queryTimeoutMillis(cfg.queryTimeout().toMillis());
            SavedSearches searches = SavedSearches.open(consoleDir.resolve("searches.json"), clock);
            Authenticator authenticator = new Authenticator(tokens, new Sessions(cfg.session(), ConsoleConfig.MAX_SESSIONS, clock));
            Console console = new Console(out, index, cfg, authenticator, alerts, searches, pool, clock);
            ConsoleServer server;
            try {
                server = ConsoleServer.start(console, address, ssl);
            } catch (Exception e) {
                err.println("spanwatch console: cannot listen on " + listen + ": " + e.getMessage());
                return 1;
            }
            io.spanwatch.analyzer.metrics.Metrics served = null;
            if (metrics != null) {
                try {
                    served = io.spanwatch.analyzer.metrics.Metrics.start(io.spanwatch.analyzer.metrics.Metrics.parseListen(metrics),
                            "console");
                    served.bind(console.metrics());
                } catch (IOException | IllegalArgumentException e) {
                    err.println("spanwatch console: --metrics " + metrics + ": " + e.getMessage());
                    server.close();
                    return 1;
                }
            }
            CountDownLatch stop = new CountDownLatch(1);
            for (String name : new String[] {"INT", "TERM"}) {
                try {
                    sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> stop.countDown());
                } catch (IllegalArgumentException e) {
                    err.println("spanwatch console: cannot handle SIG" + name + ": " + e.getMessage());
                }
            }
            InetSocketAddress bound = server.address();
            String host = bound.getAddress() instanceof java.net.Inet6Address ? "[" + bound.getAddress().getHostAddress() + "]"
                    : bound.getAddress().getHostAddress();
            outw.println("console: " + (ssl != null ? "https" : "http") + "://" + host + ":" + bound.getPort() + "/ over "
                    + out.resolve("index") + " (" + index.acquireCount() + " events)");
            if (tokens == null) {
                outw.println("console: no authentication (--auth none, loopback only)");
            } else if (tokens.list().isEmpty()) {
                outw.println("console: no tokens yet: make one with spanwatch token create --out " + out + " --name NAME --role act");
            } else {
                outw.println("console: " + tokens.list().size() + " token(s) in " + consoleDir.resolve("tokens"));
            }
            outw.flush();
            stop.await();
            server.close();
            if (served != null) {
                served.close();
            }
        }
        return 0;
    }

    /** Reads {@code HOST:PORT}, {@code [V6]:PORT} or {@code :PORT} (all addresses). */
    static InetSocketAddress parseListen(String s) {
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--listen " + s + ": expected HOST:PORT");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--listen " + s + ": bad port");
        }
        try {
            return new InetSocketAddress(host.isEmpty() ? InetAddress.getByName("::") : InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--listen " + s + ": unknown host " + host);
        }
    }
}
