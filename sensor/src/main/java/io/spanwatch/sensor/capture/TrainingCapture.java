package io.spanwatch.sensor.capture;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes a capture of busy made-up web traffic for the launcher's ahead-of-time cache to learn from:
 * keep-alive connections from many clients to a few servers carrying downloads of every size from a
 * few kilobytes to a few megabytes (Content-Length, chunked, gzip, deflate), files downloaded again
 * (compared with the stored copy rather than hashed), multipart uploads, bodiless answers and some
 * IPv6. The demo capture is too small for the JIT to compile the extraction paths while it runs; this
 * one runs them long enough that the cache holds their profiles and a real capture's first seconds
 * run compiled code sooner (see the README, "Measured").
 *
 * <p>Content is pseudo-random from a fixed seed, so the capture is the same on every run.
 */
public final class TrainingCapture {
    private final Random random = new Random(20261203L);
    private final List<byte[]> downloaded = new ArrayList<>();
    private long written;

    private TrainingCapture() {
    }

    /** Writes about {@code bytes} bytes of traffic to {@code path}; returns the bytes of HTTP bodies it carries. */
    public static long write(Path path, long bytes) throws IOException {
        TrainingCapture t = new TrainingCapture();
        try (PcapWriter w = PcapWriter.create(path, LinkType.ETHERNET, false)) {
            TrafficSynth synth = new TrafficSynth(w, 1_764_700_000_000_000_000L);
            for (int conn = 0; t.written < bytes; conn++) {
                t.connection(synth, conn);
            }
        }
        return t.written;
    }

    private void connection(TrafficSynth t, int n) throws IOException {
        boolean v6 = n % 16 == 7;
        String client = v6 ? "2001:db8:20::" + Integer.toHexString(1 + n % 200) : "10.20." + (n / 200 % 250) + "." + (1 + n % 200);
        String server = v6 ? "2001:db8:80::" + (1 + n % 5) : "198.51.100." + (10 + n % 12);
        TrafficSynth.Conn c = t.tcp(client, 20_000 + n % 40_000, server, n % 9 == 4 ? 8080 : 80).handshake();
        int transactions = 1 + random.nextInt(8);
        for (int i = 0; i < transactions; i++) {
            transaction(c, "host" + (n % 12) + ".example", "/t/" + n + "/" + i);
        }
        c.close();
        t.advance(2_000_000L);
    }

    private void transaction(TrafficSynth.Conn c, String host, String uri) throws IOException {
        int kind = random.nextInt(100);
        if (kind < 40) {
            byte[] body = !downloaded.isEmpty() && random.nextInt(10) < 4
                    ? downloaded.get(random.nextInt(downloaded.size())) : remember(DemoCapture.binary(random, size(), "PK"));
            get(c, host, uri, "application/octet-stream", "Content-Length: " + body.length, body);
        } else if (kind < 60) {
            byte[] text = DemoCapture.prose(random, size() / 4 + 100, "<html><body><p>");
            get(c, host, uri, "text/html", "Content-Encoding: gzip\r\nTransfer-Encoding: chunked",
                    DemoCapture.chunked(DemoCapture.gzip(text), 1000 + random.nextInt(16_000)));
        } else if (kind < 70) {
            byte[] body = DemoCapture.binary(random, size(), "\u0089PNG\r\n\u001a\n");
            get(c, host, uri, "image/png", "Transfer-Encoding: chunked", DemoCapture.chunked(body, 4096 + random.nextInt(60_000)));
        } else if (kind < 80) {
            byte[] text = DemoCapture.prose(random, 200 + random.nextInt(6000), "{\"items\":[");
            byte[] z = DemoCapture.deflate(text);
            get(c, host, uri, "application/json", "Content-Encoding: deflate\r\nContent-Length: " + z.length, z);
        } else if (kind < 90) {
            byte[] text = DemoCapture.prose(random, 500 + random.nextInt(20_000), "'use strict';\n");
            get(c, host, uri, "application/javascript", "Content-Length: " + text.length, text);
        } else if (kind < 95) {
            upload(c, host, uri);
        } else {
            c.send(true, DemoCapture.ascii("GET " + uri + " HTTP/1.1\r\nHost: " + host + "\r\nIf-None-Match: \"x\"\r\n\r\n"));
            c.send(false, DemoCapture.ascii("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"));
        }
    }

    /** Returns a body size: log-uniform from 1 KiB to 4 MiB, most of the bytes in the larger ones. */
    private int size() {
        return (int) Math.min(4 << 20, 1024 * Math.pow(2, random.nextDouble() * 12));
    }

    private byte[] remember(byte[] body) {
        if (downloaded.size() < 64) {
            downloaded.add(body);
        }
        return body;
    }

    private void get(TrafficSynth.Conn c, String host, String uri, String type, String framing, byte[] body) throws IOException {
        c.send(true, DemoCapture.ascii("GET " + uri + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
                + "Accept-Encoding: gzip, deflate\r\nAccept: */*\r\n\r\n"));
        c.send(false, DemoCapture.concat(DemoCapture.ascii("HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\n" + framing
                + "\r\nCache-Control: max-age=600\r\n\r\n"), body));
        written += body.length;
    }

    private void upload(TrafficSynth.Conn c, String host, String uri) throws IOException {
        String boundary = "----spanwatchtraining" + Integer.toHexString(random.nextInt());
        byte[] file = DemoCapture.binary(random, size() / 2 + 100, "%PDF-1.7\n");
        ByteArrayOutputStream mp = new ByteArrayOutputStream();
        mp.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\nweekly\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\nContent-Type: application/pdf\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        mp.writeBytes(file);
        mp.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        byte[] body = mp.toByteArray();
        c.send(true, DemoCapture.concat(DemoCapture.ascii("POST " + uri + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: "
                + "multipart/form-data; boundary=" + boundary + "\r\nContent-Length: " + body.length + "\r\n\r\n"), body));
        c.send(false, DemoCapture.ascii("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"));
        written += body.length;
    }
}
