package io.spanwatch.analyzer.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.spanwatch.analyzer.EveLog;
import io.spanwatch.analyzer.TestCaptures;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traffic arriving while {@code ./spanwatch sensor} starts is not dropped: a replay at 200 Mbit/s runs
 * from the moment the sensor process is launched, round after round, until two whole rounds went by
 * after it said it captures. The sensor's clamd is one that accepts connections and never answers (a
 * silent unix socket), the slowest start there is (7 s for VERSION to time out): a sensor whose capture
 * handle is open before the rest of it is ready overflows its 64 MiB kernel buffer (175 MB arrive in
 * those 7 s) and the kernel drops. Every frame the kernel gives the sensor must be analysed (no kernel or queue drops), and every
 * file of the replay must be found.
 *
 * <p>Root, iproute2 and tcpreplay; skips with the reason printed otherwise. The replay leaves from the
 * far end of a veth pair in a namespace of the test's own.
 */
class LiveStartupIT {
    private static final int FILES = 40;

    @TempDir
    Path tmp;

    @Test
    void trafficDuringStartUpIsNotDropped() throws Exception {
        String why = LiveNet.which("tcpreplay") == null ? "tcpreplay is missing (Debian: tcpreplay)" : null;
        if (why != null) {
            System.out.println("LiveStartupIT SKIPPED: " + why);
        }
        Assumptions.assumeTrue(why == null, why);
        LiveNet net = LiveNet.createOrSkip("LiveStartupIT", "scst");
        Assumptions.assumeTrue(net != null, "LiveStartupIT: needs root and iproute2");
        Path silent = tmp.resolve("silent-clamd.sock");
        try (ServerSocketChannel clamd = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            clamd.bind(UnixDomainSocketAddress.of(silent));
            List<SocketChannel> held = new ArrayList<>();
            Thread.ofPlatform().daemon(true).start(() -> {
                try {
                    while (true) {
                        held.add(clamd.accept()); // accepted, never answered
                    }
                } catch (IOException e) {
                    // closed at the end of the test
                }
            });
            run(net, silent);
        } finally {
            net.close();
        }
    }

    /**
     * Writes round {@code round} of the replay: the same files every round, from a client address of
     * the round's own, so that no round's connections look like another's (a replay of one capture
     * over and over would repeat the same connections, sequence numbers and all).
     */
    private Path round(int round, List<byte[]> bodies) throws Exception {
        Path pcap = tmp.resolve("round-" + round + ".pcap");
        try (PcapWriter w = PcapWriter.create(pcap, LinkType.ETHERNET, false)) {
            TrafficSynth syn = new TrafficSynth(w, 1_700_000_000_000_000_000L + round * 10_000_000_000L);
            for (int i = 0; i < bodies.size(); i++) {
                TestCaptures.download(syn, "10.9." + (round / 250) + "." + (round % 250 + 1), 20_000 + i, "/f" + i, bodies.get(i));
            }
        }
        return pcap;
    }

    private void run(LiveNet net, Path silentClamd) throws Exception {
        List<String> shas = new ArrayList<>();
        List<byte[]> bodies = new ArrayList<>();
        Random r = new Random(11);
        for (int i = 0; i < FILES; i++) {
            byte[] body = LiveNet.random(r, 200_000 + r.nextInt(200_000));
            bodies.add(body);
            shas.add(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
        }
        Path out = tmp.resolve("out");
        Process sensor = new ProcessBuilder(SensorLiveIT.repoRoot().resolve("spanwatch").toString(), "sensor", "--interface", net.linkA,
                "--out", out.toString(), "--clamd", silentClamd.toString(), "--sensor-name", "startup-it").redirectErrorStream(true).start();
        // From the launch on, the replay runs round after round.
        AtomicBoolean replaying = new AtomicBoolean(true);
        AtomicInteger roundsAfterReady = new AtomicInteger(-1);
        CountDownLatch ready = new CountDownLatch(1);
        List<String> log = new ArrayList<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            try (BufferedReader br = new BufferedReader(new InputStreamReader(sensor.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = br.readLine()) != null; ) {
                    synchronized (log) {
                        log.add(line);
                    }
                    if (line.contains("capturing on")) {
                        ready.countDown();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        Path first = round(0, bodies);
        Thread replay = Thread.ofPlatform().start(() -> {
            try {
                Path pcap = first;
                for (int n = 1; replaying.get() && n < 1000; n++) {
                    boolean wasReady = ready.getCount() == 0;
                    LiveNet.sh("ip netns exec " + net.netns + " tcpreplay -q --mbps 200 -i " + net.linkB + " " + pcap + " >/dev/null 2>&1");
                    Files.delete(pcap);
                    pcap = round(n, bodies);
                    if (wasReady && roundsAfterReady.incrementAndGet() >= 1) {
                        replaying.set(false); // two whole rounds after the sensor said it captures
                    }
                }
            } catch (Exception e) {
                replaying.set(false);
            }
        });
        assertTrue(ready.await(180, TimeUnit.SECONDS), () -> "sensor did not start: " + log);
        replay.join(180_000);
        Thread.sleep(2000);
        sensor.toHandle().descendants().forEach(ProcessHandle::destroy);
        sensor.destroy();
        assertTrue(sensor.waitFor(60, TimeUnit.SECONDS), "sensor did not stop");
        reader.join(5000);
        assertEquals(0, sensor.exitValue(), () -> "sensor exit status; output: " + log);

        EveLog eve = EveLog.read(out.resolve("eve.json"));
        JsonNode capture = eve.lastStats().path("capture");
        System.out.println("LiveStartupIT: capture " + capture + "; rounds after ready " + (roundsAfterReady.get() + 1));
        assertTrue(capture.path("kernel_packets").asLong() > 0, capture.toString());
        assertEquals(0, capture.path("kernel_drops").asLong(), "the kernel dropped frames while the sensor started: " + capture);
        assertEquals(0, capture.path("kernel_ifdrops").asLong(), capture.toString());
        assertEquals(0, capture.path("sensor_queue_drops").asLong(), capture.toString());
        List<String> found = eve.ofType("fileinfo").stream().map(f -> f.path("fileinfo").path("sha256").asText("")).toList();
        for (String sha : shas) {
            assertTrue(found.contains(sha), "file " + sha + " of the replay not found");
        }
    }
}
