package io.spanwatch.analyzer.reputation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scheduled download of a feed against a real HTTP server on loopback: 200, then 304 with If-Modified-Since, failures. */
class FeedDownloaderTest {
    private static final String LAST_MODIFIED = "Sun, 10 Mar 2024 10:00:00 GMT";

    @TempDir
    Path dir;
    private HttpServer server;
    private final List<String> ifModifiedSince = new CopyOnWriteArrayList<>();
    private final List<String> upgrades = new CopyOnWriteArrayList<>();
    private final AtomicReference<String> body = new AtomicReference<>("198.51.100.7\n");
    private final AtomicReference<Integer> status = new AtomicReference<>(200);

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/feeds/ipblocklist.txt", ex -> {
            String ims = ex.getRequestHeaders().getFirst("If-Modified-Since");
            ifModifiedSince.add(String.valueOf(ims));
            upgrades.add(String.valueOf(ex.getRequestHeaders().getFirst("Upgrade")));
            if (LAST_MODIFIED.equals(ims) && status.get() == 200) {
                ex.sendResponseHeaders(304, -1);
                ex.close();
                return;
            }
            byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Last-Modified", LAST_MODIFIED);
            ex.sendResponseHeaders(status.get(), b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/feeds/ipblocklist.txt");
    }

    @Test
    void downloadsThenAsksIfModifiedSince() throws Exception {
        IntelConfig.Download d = IntelConfig.Download.parse("feodo.txt=" + url());
        Path copies = dir.resolve("feeds");
        try (FeedDownloader dl = new FeedDownloader(List.of(d), copies, Duration.ofSeconds(10), 1 << 20, 4096)) {
            assertEquals(FeedDownloader.Result.UPDATED, dl.fetch(d));
            assertEquals("198.51.100.7\n", Files.readString(copies.resolve("feodo.txt")));
            assertEquals("null", ifModifiedSince.get(0));
            assertEquals("null", upgrades.get(0), "no h2c upgrade asked of a server in the clear");

            assertEquals(FeedDownloader.Result.NOT_MODIFIED, dl.fetch(d));
            assertEquals(LAST_MODIFIED, ifModifiedSince.get(1));
            assertEquals(1, dl.notModified.get());

            status.set(500);
            assertEquals(FeedDownloader.Result.FAILED, dl.fetch(d));
            assertEquals("198.51.100.7\n", Files.readString(copies.resolve("feodo.txt")), "a failed download keeps the copy");

            status.set(200);
            Files.delete(copies.resolve(".feodo.txt.http"));
            body.set("<html>maintenance</html>\n");
            assertEquals(FeedDownloader.Result.FAILED, dl.fetch(d), "a page that is no feed is not taken");
            assertEquals("198.51.100.7\n", Files.readString(copies.resolve("feodo.txt")));
            assertTrue(Files.list(copies).noneMatch(p -> p.getFileName().toString().endsWith(".part")));
            assertEquals(2, dl.failed.get());
        }
    }

    @Test
    void theStageLoadsTheDownloadedCopyAndReloadsOnChange() throws Exception {
        IntelConfig.Download d = IntelConfig.Download.parse(url().toString());
        assertEquals("127.0.0.1-ipblocklist.txt", d.name());
        IntelConfig c = IntelConfig.of(List.of(), null, null).withDownloads(List.of(d), Duration.ofSeconds(1));
        try (ReputationStage stage = ReputationStage.start(c, dir.resolve("intel"), (o, h) -> { })) {
            assertEquals(1, stage.snapshot().matchIp("198.51.100.7", "dest_ip").size());
            body.set("198.51.100.8\n");
            status.set(200);
            // The server answers 304 while Last-Modified is unchanged; a new date makes it send the new list.
            server.removeContext("/feeds/ipblocklist.txt");
            server.createContext("/feeds/ipblocklist.txt", ex -> {
                byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Last-Modified", "Mon, 11 Mar 2024 10:00:00 GMT");
                ex.sendResponseHeaders(200, b.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(b);
                }
            });
            IntelStoreTest.waitFor(() -> stage.snapshot().matchIp("198.51.100.8", "dest_ip").size() == 1);
            assertTrue(stage.stats().get("intel.downloads") >= 2);
        }
    }
}
