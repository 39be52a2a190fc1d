package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.cli.Main;
import io.spanwatch.sensor.capture.DemoCapture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A clamd that accepts connections and never answers must not stall extraction. */
class SilentClamdTest {

    @Test
    void extractionFinishesAndTimeoutsAreCounted(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("demo.pcap");
        List<DemoCapture.Expected> expected = DemoCapture.write(pcap);
        List<Socket> held = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofPlatform().daemon(true).start(() -> {
                while (!silent.isClosed()) {
                    try {
                        held.add(silent.accept()); // accept, read nothing, answer nothing
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            Path out = tmp.resolve("out");
            PrintStream old = System.out;
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            System.setOut(new PrintStream(text, true));
            int status;
            try {
                status = Main.run("analyze", "--out", out.toString(), "--clamd", "127.0.0.1:" + silent.getLocalPort(),
                        "--set", "clamd.read-timeout-ms=300", "--set", "clamd.connect-timeout-ms=300",
                        "--set", "scan.drain-seconds=3", pcap.toString());
            } finally {
                System.setOut(old);
            }
            assertEquals(0, status, text.toString());
            // every file was extracted and reported, whatever clamd did
            EveLog eve = EveLog.read(out.resolve("eve.json"));
            assertEquals(List.of(), io.spanwatch.analyzer.cli.DemoCheck.check(out.resolve("eve.json"), expected));
            JsonNode clamd = eve.lastStats().path("clamd");
            assertTrue(clamd.path("timeouts").asLong() > 0, eve.lastStats().toString());
            acceptor.interrupt();
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
