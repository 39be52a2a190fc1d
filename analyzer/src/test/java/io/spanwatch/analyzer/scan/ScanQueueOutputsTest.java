package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.cli.Main;
import io.spanwatch.analyzer.index.EventIndexReader;
import io.spanwatch.analyzer.index.EventSearcher;
import io.spanwatch.sensor.capture.DemoCapture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spanwatch scan-queue} writes the verdicts and alerts of the files a run left waiting for
 * clamd where {@code analyze} writes events: {@code eve.json}, the index (which the console and the
 * report read) and the feeds it is given.
 */
class ScanQueueOutputsTest {
    @Test
    void finalVerdictsAndAlertsReachTheIndexAndTheFeeds(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        DemoCapture.write(pcap);
        Path out = tmp.resolve("out");
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        assertEquals(0, Main.run("analyze", "--out", out.toString(), "--clamd", "127.0.0.1:" + closedPort, pcap.toString()));
        int before = EveLog.read(out.resolve("eve.json")).events.size();

        AtomicInteger posted = new AtomicInteger();
        HttpServer hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hook.createContext("/hook", x -> {
            x.getRequestBody().readAllBytes();
            posted.incrementAndGet();
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        hook.start();
        try (FakeClamd clamd = FakeClamd.tcp(FakeClamd.Mode.INFECTED)) {
            assertEquals(0, Main.run("scan-queue", "--out", out.toString(), "--clamd", clamd.address().toString(), "--feed",
                    "webhook+http://127.0.0.1:" + hook.getAddress().getPort() + "/hook"));
        } finally {
            hook.stop(0);
        }

        EveLog eve = EveLog.read(out.resolve("eve.json"));
        List<JsonNode> verdicts = eve.ofType("verdict");
        List<JsonNode> newAlerts = eve.events.subList(before, eve.events.size()).stream()
                .filter(e -> "alert".equals(e.path("event_type").asText())).toList();
        assertTrue(!verdicts.isEmpty() && !newAlerts.isEmpty(), "the fake clamd finds the waiting files infected");
        try (EventIndexReader idx = EventIndexReader.open(out.resolve("index")); EventSearcher s = idx.acquire()) {
            assertEquals(eve.events.size(), s.size(), "every line scan-queue appended to eve.json is in the index too");
        }
        assertEquals(newAlerts.size(), posted.get(), "every alert scan-queue raised went to the feed");
    }
}
