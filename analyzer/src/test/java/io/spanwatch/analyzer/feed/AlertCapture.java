package io.spanwatch.analyzer.feed;

import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.capture.PcapWriter;
import io.spanwatch.sensor.capture.TrafficSynth;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Writes a capture whose every download is the EICAR test file, at URLs full of the characters CEF
 * and syslog must escape, so that an offline run raises one malware alert per download (the
 * project's hash signatures know EICAR, no clamd needed).
 */
final class AlertCapture {
    private AlertCapture() {
    }

    /** Returns the URL path of download {@code i}. */
    static String url(int i) {
        return "/dl/a|b\\c=d?x=1|y=2\\&z==3%0D%0A" + i;
    }

    static void write(Path path, int downloads) throws IOException {
        byte[] eicar = DemoCapture.EICAR.getBytes(StandardCharsets.US_ASCII);
        try (PcapWriter w = PcapWriter.create(path, LinkType.ETHERNET, false)) {
            TrafficSynth t = new TrafficSynth(w, 1_763_800_000_000_000_000L);
            for (int i = 0; i < downloads; i++) {
                TrafficSynth.Conn c = t.tcp("192.168.7." + (10 + i % 200), 50000 + i, "198.51.100." + (1 + i % 100), 80).handshake();
                c.send(true, ("GET " + url(i) + " HTTP/1.1\r\nHost: bad|host=" + i + ".example\r\nUser-Agent: Evil \\agent=|x\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                c.send(false, ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + eicar.length
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                c.send(false, eicar);
                c.close();
                t.advance(1_000_000_000L);
            }
        }
    }
}
