package io.spanwatch.sensor.capture;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the demo capture: a few minutes of made-up office HTTP traffic that exercises what the
 * sensor extracts (downloads, uploads, gzip and chunked responses, pipelining, 100-continue, range
 * requests over two connections, IPv6, a non-standard port, the EICAR test file, a lost segment),
 * plus a little non-HTTP noise. Returns the files an extractor should find, as ground truth for
 * tests and for a reader checking the demo's output.
 *
 * <p>Content is pseudo-random from a fixed seed, so the capture is the same on every run.
 */
public final class DemoCapture {
    /** EICAR anti-virus test string (68 bytes), harmless by design. */
    public static final String EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    /** One file the demo transfers, as a browser or server would save it. */
    public record Expected(String uri, String direction, String sha256, long size, boolean complete, String note) {
    }

    private final List<Expected> expected = new ArrayList<>();
    private final Random random = new Random(20261122L);

    private DemoCapture() {
    }

    /** Writes the demo capture to {@code path} and returns what it carries. */
    public static List<Expected> write(Path path) throws IOException {
        DemoCapture d = new DemoCapture();
        try (PcapWriter w = PcapWriter.create(path, LinkType.ETHERNET, false)) {
            d.generate(new TrafficSynth(w, 1_763_800_000_000_000_000L));
        }
        return List.copyOf(d.expected);
    }

    private void generate(TrafficSynth t) throws IOException {
        String client = "192.168.10.23";
        String server = "203.0.113.80";

        // 1. A page and its script on one keep-alive connection: Content-Length, then gzip + chunked.
        byte[] html = prose(12_000, "<!DOCTYPE html><html><head><title>Intranet</title></head><body><p>");
        byte[] js = prose(40_000, "'use strict';\n");
        TrafficSynth.Conn c1 = t.tcp(client, 51001, server, 80).handshake();
        get(c1, "intranet.example", "/index.html", "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
                + html.length + "\r\n\r\n", html);
        expect("/index.html", "to_client", html, "Content-Length body");
        byte[] jsGz = gzip(js);
        get(c1, "intranet.example", "/static/app.js", "HTTP/1.1 200 OK\r\nContent-Type: application/javascript\r\n"
                + "Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", chunked(jsGz, 1000));
        expect("/static/app.js", "to_client", js, "gzip + chunked");
        c1.close();

        // 2. A document download, and the EICAR test file named by Content-Disposition.
        byte[] pdf = binary(300_000, "%PDF-1.7\n");
        TrafficSynth.Conn c2 = t.tcp(client, 51002, "198.51.100.7", 80).handshake();
        get(c2, "files.example", "/downloads/report.pdf", "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\n"
                + "Content-Length: " + pdf.length + "\r\n\r\n", pdf);
        expect("/downloads/report.pdf", "to_client", pdf, "300 kB download");
        byte[] eicar = EICAR.getBytes(StandardCharsets.US_ASCII);
        get(c2, "files.example", "/get?id=4711", "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Disposition: attachment; filename=\"eicar.com\"\r\nContent-Length: 68\r\n\r\n", eicar);
        expect("/get?id=4711", "to_client", eicar, "EICAR test file");
        c2.close();

        // 3. A multipart upload of two files, and a PUT with Expect: 100-continue.
        byte[] notes = prose(5_000, "Meeting notes\n");
        byte[] png = binary(20_000, "\u0089PNG\r\n\u001a\n");
        String boundary = "----spanwatchdemo7MA4YWxkTrZu0gW";
        ByteArrayOutputStream mp = new ByteArrayOutputStream();
        mp.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\nquarterly\r\n").getBytes(StandardCharsets.ISO_8859_1));
        mp.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file1\"; filename=\"notes.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        mp.writeBytes(notes);
        mp.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"file2\"; filename=\"chart.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        mp.writeBytes(png);
        mp.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        byte[] mpBody = mp.toByteArray();
        TrafficSynth.Conn c3 = t.tcp(client, 51003, server, 80).handshake();
        c3.send(true, concat(("POST /upload HTTP/1.1\r\nHost: intranet.example\r\nUser-Agent: Mozilla/5.0\r\n"
                + "Content-Type: multipart/form-data; boundary=" + boundary + "\r\nContent-Length: " + mpBody.length
                + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), mpBody));
        c3.send(false, ascii("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"));
        expect("/upload", "to_server", "quarterly".getBytes(StandardCharsets.US_ASCII), "form field");
        expect("/upload", "to_server", notes, "multipart part notes.txt");
        expect("/upload", "to_server", png, "multipart part chart.png");
        byte[] backup = binary(50_000, "");
        c3.send(true, ascii("PUT /backup/db.bin HTTP/1.1\r\nHost: intranet.example\r\nContent-Length: " + backup.length
                + "\r\nExpect: 100-continue\r\n\r\n"));
        c3.send(false, ascii("HTTP/1.1 100 Continue\r\n\r\n"));
        c3.send(true, backup);
        c3.send(false, ascii("HTTP/1.1 204 No Content\r\n\r\n"));
        expect("/backup/db.bin", "to_server", backup, "PUT after 100-continue");
        c3.close();

        // 4. A file fetched in two ranges over two connections.
        byte[] iso = binary(180_000, "");
        TrafficSynth.Conn c4 = t.tcp(client, 51004, "198.51.100.7", 80).handshake();
        range(c4, "/iso/tools.bin", iso, 0, 99_999);
        c4.close();
        TrafficSynth.Conn c5 = t.tcp(client, 51005, "198.51.100.7", 80).handshake();
        range(c5, "/iso/tools.bin", iso, 100_000, iso.length - 1);
        c5.close();
        expect("/iso/tools.bin", "to_client", java.util.Arrays.copyOfRange(iso, 0, 100_000), "range 1 of 2");
        expect("/iso/tools.bin", "to_client", java.util.Arrays.copyOfRange(iso, 100_000, iso.length), "range 2 of 2");
        expect("/iso/tools.bin", "to_client", iso, "file assembled from both ranges");

        // 5. IPv6, a non-standard port, pipelined requests, deflate, a 404.
        byte[] json = prose(3_000, "{\"items\":[");
        byte[] notFound = ascii("<html><body>404 not found</body></html>");
        TrafficSynth.Conn c6 = t.tcp("2001:db8:10::23", 40123, "2001:db8:99::8", 8080).handshake();
        c6.send(true, ascii("GET /api/items HTTP/1.1\r\nHost: [2001:db8:99::8]:8080\r\nAccept-Encoding: deflate\r\n\r\n"
                + "GET /missing HTTP/1.1\r\nHost: [2001:db8:99::8]:8080\r\n\r\n"));
        byte[] jsonZ = deflate(json);
        c6.send(false, concat(ascii("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: deflate\r\n"
                + "Content-Length: " + jsonZ.length + "\r\n\r\n"), jsonZ, ascii("HTTP/1.1 404 Not Found\r\n"
                + "Content-Type: text/html\r\nContent-Length: " + notFound.length + "\r\n\r\n"), notFound));
        expect("/api/items", "to_client", json, "deflate, pipelined, IPv6, port 8080");
        expect("/missing", "to_client", notFound, "404 page, pipelined");
        c6.close();

        // 6. A download that loses one segment on the mirror port: a TRUNCATED file with a gap.
        byte[] lost = binary(30_000, "MZ");
        TrafficSynth.Conn c7 = t.tcp(client, 51007, server, 80).handshake();
        c7.send(true, ascii("GET /tools/setup.exe HTTP/1.1\r\nHost: intranet.example\r\n\r\n"));
        List<byte[]> segs = c7.segments(false, concat(ascii("HTTP/1.1 200 OK\r\nContent-Type: application/x-msdownload\r\n"
                + "Content-Length: " + lost.length + "\r\n\r\n"), lost));
        for (int i = 0; i < segs.size(); i++) {
            if (i != 10) {
                c7.write(segs.get(i));
            }
        }
        c7.write(c7.ack(true));
        c7.close();
        expected.add(new Expected("/tools/setup.exe", "to_client", null, lost.length, false, "one segment lost"));

        // Noise: a DNS query and answer, an ARP request.
        t.udp(client, 53001, "192.168.10.1", 53, new byte[] {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 7,
            'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1});
        t.udp("192.168.10.1", 53, client, 53001, new byte[] {0x12, 0x34, (byte) 0x81, (byte) 0x80, 0, 1, 0, 0, 0, 0, 0, 0,
            3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1});
        byte[] arp = new byte[42];
        java.util.Arrays.fill(arp, 0, 6, (byte) 0xFF);
        arp[6] = 2;
        arp[12] = 0x08;
        arp[13] = 0x06;
        t.raw(arp);
    }

    private void get(TrafficSynth.Conn c, String host, String uri, String head, byte[] body) throws IOException {
        c.send(true, ascii("GET " + uri + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
                + "Accept-Encoding: gzip, deflate\r\n\r\n"));
        c.send(false, concat(ascii(head), body));
    }

    private void range(TrafficSynth.Conn c, String uri, byte[] file, int from, int to) throws IOException {
        c.send(true, ascii("GET " + uri + " HTTP/1.1\r\nHost: files.example\r\nRange: bytes=" + from + "-" + to + "\r\n\r\n"));
        byte[] part = java.util.Arrays.copyOfRange(file, from, to + 1);
        c.send(false, concat(ascii("HTTP/1.1 206 Partial Content\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Range: bytes " + from + "-" + to + "/" + file.length + "\r\nContent-Length: " + part.length
                + "\r\n\r\n"), part));
    }

    private void expect(String uri, String direction, byte[] content, String note) {
        expected.add(new Expected(uri, direction, sha256(content), content.length, true, note));
    }

    private byte[] prose(int size, String start) {
        return prose(random, size, start);
    }

    /** Returns {@code size} bytes of made-up English-like text that begin with {@code start}. */
    static byte[] prose(Random random, int size, String start) {
        String[] words = {"network", "sensor", "mirror", "packet", "report", "quarter", "budget", "meeting", "office",
            "printer", "update", "server", "policy", "review", "the", "and", "of", "to", "a", "in"};
        StringBuilder sb = new StringBuilder(start);
        while (sb.length() < size) {
            sb.append(words[random.nextInt(words.length)]).append(random.nextInt(12) == 0 ? ".\n" : " ");
        }
        sb.setLength(size);
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private byte[] binary(int size, String magic) {
        return binary(random, size, magic);
    }

    /** Returns {@code size} random bytes that begin with {@code magic}. */
    static byte[] binary(Random random, int size, String magic) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        byte[] m = magic.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(m, 0, b, 0, Math.min(m.length, size));
        return b;
    }

    static byte[] chunked(byte[] body, int chunk) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (int off = 0; off < body.length; off += chunk) {
            int n = Math.min(chunk, body.length - off);
            o.writeBytes(ascii(Integer.toHexString(n) + "\r\n"));
            o.write(body, off, n);
            o.writeBytes(ascii("\r\n"));
        }
        o.writeBytes(ascii("0\r\n\r\n"));
        return o.toByteArray();
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(o)) {
            z.write(b);
        }
        return o.toByteArray();
    }

    static byte[] deflate(byte[] b) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(o)) {
            z.write(b);
        }
        return o.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Returns the hex sha256 of bytes. */
    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
