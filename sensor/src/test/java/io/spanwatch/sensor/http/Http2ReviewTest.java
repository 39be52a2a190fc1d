package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The adversarial review of the HTTP/2 reader (Http2Session, Hpack and their hooks, 2026-12-05):
 * each test is one defect it found, failing on the first version (af9b1ce) and passing since. The
 * comment above each test describes the defect. Frames and HPACK blocks are written by hand (raw
 * literals, no Huffman) so that every byte is under control; each sequence is one a real HTTP/2 peer
 * (nghttp2/curl, Go, Chrome) accepts, or one a client rejects that must not come out complete.
 */
class Http2ReviewTest {

    /** An h2c upgrade request (HTTP2-Settings: SETTINGS_MAX_CONCURRENT_STREAMS 100) and its 101. */
    static final String UPGRADE = "GET /setup.exe HTTP/1.1\r\nHost: dl.example\r\nConnection: Upgrade, HTTP2-Settings\r\n"
            + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n\r\n";
    static final String SWITCHING = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";

    // ---- frame and HPACK writing ----

    static byte[] frame(int type, int flags, int stream, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) (stream >>> 24);
        f[6] = (byte) (stream >>> 16);
        f[7] = (byte) (stream >>> 8);
        f[8] = (byte) stream;
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    static byte[] settings(int... idValue) {
        byte[] p = new byte[idValue.length * 3];
        for (int i = 0, k = 0; i < idValue.length; i += 2, k += 6) {
            p[k] = (byte) (idValue[i] >>> 8);
            p[k + 1] = (byte) idValue[i];
            p[k + 2] = (byte) (idValue[i + 1] >>> 24);
            p[k + 3] = (byte) (idValue[i + 1] >>> 16);
            p[k + 4] = (byte) (idValue[i + 1] >>> 8);
            p[k + 5] = (byte) idValue[i + 1];
        }
        return frame(Http2Session.SETTINGS, 0, 0, p);
    }

    static byte[] settingsAck() {
        return frame(Http2Session.SETTINGS, Http2Session.ACK, 0, new byte[0]);
    }

    static final int EH = Http2Session.END_HEADERS;
    static final int ES = Http2Session.END_STREAM;

    static byte[] headers(int stream, int flags, byte[] block) {
        return frame(Http2Session.HEADERS, flags, stream, block);
    }

    static byte[] data(int stream, int flags, byte[] payload) {
        return frame(Http2Session.DATA, flags, stream, payload);
    }

    static byte[] data(int stream, int flags, String s) {
        return data(stream, flags, s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** An HPACK block. */
    static final class Block {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Block integer(int firstBits, int prefix, long v) {
            int max = (1 << prefix) - 1;
            if (v < max) {
                out.write(firstBits | (int) v);
                return this;
            }
            out.write(firstBits | max);
            v -= max;
            while (v >= 128) {
                out.write((int) (v & 0x7f) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
            return this;
        }

        Block string(String s) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            integer(0, 7, b.length);
            out.writeBytes(b);
            return this;
        }

        /** An indexed field (static 1-61, dynamic 62 and up). */
        Block indexed(int i) {
            return integer(0x80, 7, i);
        }

        /** A literal field without indexing, new name. */
        Block lit(String name, String value) {
            out.write(0);
            return string(name).string(value);
        }

        /** A literal field with incremental indexing, new name. */
        Block litIndexed(String name, String value) {
            out.write(0x40);
            return string(name).string(value);
        }

        /** A dynamic table size update. */
        Block sizeUpdate(long n) {
            return integer(0x20, 5, n);
        }

        Block get(String path) {
            return indexed(2).indexed(6).lit(":path", path).lit(":authority", "files.example");
        }

        Block status200() {
            return indexed(8);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    static Block block() {
        return new Block();
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] preface() {
        return Http2Session.PREFACE;
    }

    /** One direction's bytes, in conversation order. */
    record Part(boolean toServer, byte[] bytes) {
    }

    static Part up(byte[]... b) {
        return new Part(true, cat(b));
    }

    static Part down(byte[]... b) {
        return new Part(false, cat(b));
    }

    static RecordingListener run(HttpLimits limits, HttpMemory memory, Part... parts) {
        RecordingListener l = new RecordingListener();
        HttpConnectionParser p = new HttpConnectionParser(l, limits, memory);
        long ts = 1;
        for (Part part : parts) {
            p.data(part.toServer, ts++, part.bytes, 0, part.bytes.length);
        }
        p.close(ts);
        return l;
    }

    static RecordingListener run(Part... parts) {
        return run(HttpLimits.DEFAULTS, HttpMemory.unlimited(), parts);
    }

    static RecordingListener.Sink sinkOf(RecordingListener l, String uri, boolean toServer) {
        for (RecordingListener.Sink s : l.sinks) {
            if (uri.equals(s.tx.uri) && s.toServer == toServer) {
                return s;
            }
        }
        throw new AssertionError("no " + (toServer ? "upload" : "download") + " of " + uri + ":\n" + l.transcript());
    }

    static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    // ---- 1. a later header block is measured with the previous block's length ----

    /**
     * Two response header blocks, each under http.max-header-bytes (64 KiB), the first of 50,000
     * bytes (HEADERS and CONTINUATIONs of at most 16,384), the second a single 16,000-byte HEADERS.
     * frameStart adds the new HEADERS frame to the previous block's blockLen (never reset after
     * decodeBlock), finds 66,000 > 65,792 and stops the server's direction: /b's file is never seen.
     */
    @Test
    void aSecondLargeHeaderBlockIsMeasuredAloneNotWithTheFirst() {
        byte[] first = block().status200().lit("set-cookie", "a=" + repeat('a', 49_970)).bytes();
        byte[] second = block().status200().lit("set-cookie", "b=" + repeat('b', 15_970)).bytes();
        assertTrue(first.length < HttpLimits.DEFAULT_MAX_HEADER_BYTES && second.length < 16_384);
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.writeBytes(settings());
        s.writeBytes(settingsAck());
        for (int at = 0; at < first.length; at += 16_384) {
            int end = Math.min(first.length, at + 16_384);
            int type = at == 0 ? Http2Session.HEADERS : Http2Session.CONTINUATION;
            s.writeBytes(frame(type, end == first.length ? EH : 0, 1, java.util.Arrays.copyOfRange(first, at, end)));
        }
        s.writeBytes(data(1, ES, "one"));
        s.writeBytes(headers(3, EH, second));
        s.writeBytes(data(3, ES, "two"));
        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes()),
                        headers(3, EH | ES, block().get("/b").bytes())),
                down(s.toByteArray()));
        assertFalse(l.anomalies.contains("http.header_too_long"), l.transcript());
        assertEquals("one", sinkOf(l, "/a", false).text());
        assertEquals("two", sinkOf(l, "/b", false).text());
    }

    // ---- 2. memory: append() after its own eviction ----

    /**
     * The worker's budget has room for a HEADERS payload but not also for the block it is copied
     * into. append() charges, the charge fails, evict() stops both directions, which sets payload to
     * an empty array; append() then copies from that empty payload: ArrayIndexOutOfBoundsException
     * escapes HttpConnectionParser.data.
     */
    @Test
    void theBudgetRunningOutWhileABlockGrowsStopsReadingWithoutACrash() {
        byte[] req = block().get("/a").lit("x-fill", repeat('f', 1000)).bytes();
        HttpMemory memory = new HttpMemory(1500);
        RecordingListener l = run(HttpLimits.DEFAULTS, memory, up(preface(), settings(), headers(1, EH | ES, req)));
        assertTrue(l.anomalies.contains("http.memcap"), l.transcript());
        assertEquals(0, memory.used());
    }

    // ---- 3. SETTINGS past 4 KiB ----

    /**
     * A SETTINGS frame may be up to SETTINGS_MAX_FRAME_SIZE (16 KiB) and repeat identifiers; the
     * receiver applies every setting in order. The reader keeps only MAX_CONTROL_BYTES (4,096) of it,
     * so SETTINGS_HEADER_TABLE_SIZE=65536 in its 701st entry is never seen; the server's encoder then
     * (rightly) declares a 65,536-byte table, Hpack finds it above the 4,096 it believes allowed and
     * the server's direction stops: the download is lost.
     */
    @Test
    void aHeaderTableSizeLateInALongSettingsFrameIsApplied() {
        int[] kv = new int[701 * 2];
        for (int i = 0; i < 700; i++) {
            kv[2 * i] = 2; // SETTINGS_ENABLE_PUSH
            kv[2 * i + 1] = 0;
        }
        kv[1400] = 1; // SETTINGS_HEADER_TABLE_SIZE
        kv[1401] = 65_536;
        RecordingListener l = run(
                up(preface(), settings(kv), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), settingsAck(), headers(1, EH, block().sizeUpdate(65_536).status200().bytes()),
                        data(1, ES, "payload")));
        assertFalse(l.anomalies.contains("http2.invalid_header"), l.transcript());
        assertEquals("payload", sinkOf(l, "/a", false).text());
    }

    // ---- 4. a lower SETTINGS_HEADER_TABLE_SIZE applied before it is acknowledged ----

    /**
     * The client lowers SETTINGS_HEADER_TABLE_SIZE to 0 mid-connection while the server's answer to
     * stream 3, encoded against the old table, is in flight (the server has not received, let alone
     * acknowledged, the new setting). A decoder must keep the old table until the encoder's size
     * update (RFC 7541 §4.2, which follows the SETTINGS ACK); nghttp2 applies its local setting at the
     * ACK. Hpack.allow() evicts the table at once, so index 62 is "in neither table" and the
     * server's direction stops: /b's file is lost.
     */
    @Test
    void aLowerHeaderTableSizeWaitsForTheEncodersAcknowledgement() {
        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes()),
                        headers(3, EH | ES, block().get("/b").bytes())),
                down(settings(), settingsAck(), headers(1, EH, block().status200().litIndexed("x-file-id", "42").bytes()),
                        data(1, ES, "one")),
                up(settings(1, 0)), // crosses the server's answer to stream 3 in flight
                down(headers(3, EH, block().status200().indexed(62).bytes()), data(3, ES, "two"), settingsAck()));
        assertFalse(l.anomalies.contains("http2.invalid_header"), l.transcript());
        assertEquals("two", sinkOf(l, "/b", false).text());
    }

    // ---- 5. Upgrade: h2c with the preface right behind the request ----

    /**
     * A client may send its preface right behind the Upgrade request, before the 101 (Go's
     * x/net/http2/h2c serves the bytes it buffered). The HTTP/1 reader, not yet told of the upgrade,
     * reads "PRI * HTTP/2.0" as a pipelined request and starts HTTP/2 with prior knowledge; the
     * server's "HTTP/1.1 101 ..." is then read as a frame header (length 0x485454 = 4.7 MB of type
     * 'P'), and everything the server sends after it, stream 1's file first, is skipped.
     */
    @Test
    void aPrefaceRightBehindTheUpgradeRequestStillGivesStreamOnesFile() {
        RecordingListener l = run(
                up(ascii(UPGRADE), preface(), settings()),
                down(ascii(SWITCHING), settings(), settingsAck(), headers(1, EH, block().status200().bytes()),
                        data(1, ES, "MZ-executable")));
        assertEquals("MZ-executable", sinkOf(l, "/setup.exe", false).text());
    }

    // ---- 6. the HTTP2-Settings of the Upgrade request ----

    /**
     * RFC 7540 §3.2.1: the HTTP2-Settings of an upgrade request are the client's first settings and
     * the 101 acknowledges them, so the server's first block may use the table they allow. The reader
     * ignores HTTP2-Settings (HEADER_TABLE_SIZE=65536 here, "AAEAAQAA"), refuses the server's size
     * update to 65,536 and stops the server's direction before stream 1's body.
     */
    @Test
    void theUpgradeRequestsHttp2SettingsBindTheServersEncoder() {
        String request = UPGRADE.replace("AAMAAABk", "AAEAAQAA"); // HEADER_TABLE_SIZE=65536
        RecordingListener l = run(
                up(ascii(request)),
                down(ascii(SWITCHING), settings(), headers(1, EH, block().sizeUpdate(65_536).status200().bytes()),
                        data(1, ES, "MZ-executable")),
                up(preface(), settings(1, 65_536), settingsAck()));
        assertFalse(l.anomalies.contains("http2.invalid_header"), l.transcript());
        assertEquals("MZ-executable", sinkOf(l, "/setup.exe", false).text());
    }

    // ---- 7. the upgraded stream 1 is not marked as having its request head ----

    /**
     * The request of stream 1 after an upgrade is the HTTP/1.1 one; the constructor copies it but
     * leaves requestHeadSeen false, so a HEADERS on stream 1 from the client (a stream error a
     * server answers only after it may already have sent the file) is read as stream 1's request and
     * rewrites method, :path and host of the transaction that carries /setup.exe's response.
     */
    @Test
    void aClientHeadersOnUpgradedStreamOneCannotRewriteItsRequest() {
        RecordingListener l = run(
                up(ascii(UPGRADE)),
                down(ascii(SWITCHING), settings(), headers(1, EH, block().status200().bytes()), data(1, 0, "MZ-exec")),
                up(preface(), settings(), settingsAck(), headers(1, EH | ES, block().get("/innocent.html").bytes())),
                down(data(1, ES, "utable")));
        HttpTransaction t = l.done.stream().filter(x -> "HTTP/2".equals(x.protocol) && x.status == 200).findFirst()
                .orElseThrow(() -> new AssertionError(l.transcript()));
        assertEquals("/setup.exe", t.uri, l.transcript());
        assertEquals("dl.example", t.host);
    }

    // ---- 8. files marked complete that an HTTP/2 client rejects ----

    /**
     * A response whose DATA sums to less than its content-length is malformed (RFC 9113 §8.1.1);
     * nghttp2 (curl) and Firefox fail the stream. The reader ends the file complete without anomaly.
     */
    @Test
    void dataShorterThanTheContentLengthIsNotComplete() {
        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), settingsAck(), headers(1, EH, block().status200().lit("content-length", "100").bytes()),
                        data(1, ES, "only-part-of-it")));
        RecordingListener.Sink s = sinkOf(l, "/a", false);
        assertFalse(s.complete && l.tx(0).responseComplete, "a body short of its content-length is complete:\n" + l.transcript());
    }

    /**
     * A PADDED DATA frame whose padding is as long as its payload (pad length = frame length, or a
     * zero-length PADDED frame that has no room for the pad length) is a connection error
     * (RFC 9113 §6.1); the client never completes the stream. The reader clamps the padding and
     * ends the file complete when END_STREAM is set.
     */
    @Test
    void paddingAsLongAsTheFrameEndsTheDirectionAndTheFileIncomplete() {
        // length 4, pad length 4: padding would run past the frame's end
        byte[] bad = frame(Http2Session.DATA, Http2Session.PADDED | ES, 1, new byte[] {4, 0, 0, 0});
        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), settingsAck(), headers(1, EH, block().status200().bytes()), data(1, 0, "body"), bad));
        assertFalse(sinkOf(l, "/a", false).complete, l.transcript());

        // length 0 with PADDED: no pad length field at all
        byte[] empty = frame(Http2Session.DATA, Http2Session.PADDED | ES, 1, new byte[0]);
        RecordingListener m = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), settingsAck(), headers(1, EH, block().status200().bytes()), data(1, 0, "body"), empty));
        assertFalse(sinkOf(m, "/a", false).complete, m.transcript());
    }

    // ---- 9. a 101 that does not repeat "Upgrade: h2c" ----

    /**
     * curl, having asked for h2c, switches to HTTP/2 on any 101 (lib/http.c: case 101 with
     * upgr101 == UPGR101_H2, the response's Upgrade field is not looked at) and saves stream 1's body.
     * upgradesToHttp2() (MessageReader) requires the response to say "Upgrade: h2c", else the
     * connection becomes an opaque tunnel: no file, no anomaly beyond the switch.
     */
    @Test
    void a101WithoutAnUpgradeFieldToAnH2cRequestSwitchesAsCurlDoes() {
        String request = "GET /setup.exe HTTP/1.1\r\nHost: dl.example\r\nUser-Agent: curl/8.5.0\r\n"
                + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n\r\n";
        String switching = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n"; // no Upgrade field
        RecordingListener l = run(
                up(ascii(request)),
                down(ascii(switching), settings(), headers(1, EH, block().status200().bytes()), data(1, ES, "MZ-executable")),
                up(preface(), settings(), settingsAck()));
        assertEquals("MZ-executable", sinkOf(l, "/setup.exe", false).text());
    }

    // ---- 10. one header block over the limit blinds the rest of the connection ----

    /**
     * A response header block of 70,000 bytes (over http.max-header-bytes, far under the 256 KiB a
     * Chrome accepts) on an unimportant stream stops the server's whole direction (frameStart,
     * "http.header_too_long"): every later response of the connection, /payload.exe here, goes unseen.
     * HTTP/1 abandons only the message and resynchronises; HTTP/2 needs the block decoded for its
     * table, but need not keep it.
     */
    @Test
    void oneOversizedHeaderBlockLeavesTheLaterResponsesReadable() {
        byte[] big = block().status200().lit("set-cookie", "a=" + repeat('a', 70_000)).bytes();
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.writeBytes(settings());
        s.writeBytes(settingsAck());
        for (int at = 0; at < big.length; at += 16_384) {
            int end = Math.min(big.length, at + 16_384);
            int type = at == 0 ? Http2Session.HEADERS : Http2Session.CONTINUATION;
            s.writeBytes(frame(type, end == big.length ? EH | (at == 0 ? ES : 0) : (at == 0 ? ES : 0), 1,
                    java.util.Arrays.copyOfRange(big, at, end)));
        }
        s.writeBytes(headers(3, EH, block().status200().bytes()));
        s.writeBytes(data(3, ES, "MZ-payload"));
        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/banner").bytes()),
                        headers(3, EH | ES, block().get("/payload.exe").bytes())),
                down(s.toByteArray()));
        assertEquals("MZ-payload", sinkOf(l, "/payload.exe", false).text());
    }
}
