package io.spanwatch.sensor.http;

import static io.spanwatch.sensor.http.Http2ReviewTest.EH;
import static io.spanwatch.sensor.http.Http2ReviewTest.ES;
import static io.spanwatch.sensor.http.Http2ReviewTest.SWITCHING;
import static io.spanwatch.sensor.http.Http2ReviewTest.UPGRADE;
import static io.spanwatch.sensor.http.Http2ReviewTest.ascii;
import static io.spanwatch.sensor.http.Http2ReviewTest.block;
import static io.spanwatch.sensor.http.Http2ReviewTest.cat;
import static io.spanwatch.sensor.http.Http2ReviewTest.data;
import static io.spanwatch.sensor.http.Http2ReviewTest.down;
import static io.spanwatch.sensor.http.Http2ReviewTest.frame;
import static io.spanwatch.sensor.http.Http2ReviewTest.headers;
import static io.spanwatch.sensor.http.Http2ReviewTest.preface;
import static io.spanwatch.sensor.http.Http2ReviewTest.repeat;
import static io.spanwatch.sensor.http.Http2ReviewTest.run;
import static io.spanwatch.sensor.http.Http2ReviewTest.settings;
import static io.spanwatch.sensor.http.Http2ReviewTest.settingsAck;
import static io.spanwatch.sensor.http.Http2ReviewTest.sinkOf;
import static io.spanwatch.sensor.http.Http2ReviewTest.up;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The second adversarial review of the HTTP/2 reader (2026-12-05), on the code the first review's
 * fixes added and what it did not cover. Each test is one defect it found, failing on ffc046b and
 * passing since; the comment above each test describes the defect. Frames and HPACK blocks are written by hand with Http2ReviewTest's
 * helpers; each sequence is one a real peer (Go's x/net/http2, nghttp2/curl, Netty, Apache
 * mod_http2) sends or accepts.
 */
class Http2Review2Test {


    static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    static Http2ReviewTest.Block post(String path) {
        return block().indexed(3).indexed(6).lit(":path", path).lit(":authority", "files.example");
    }

    // ---- 1. an HPACK integer with more continuation octets than Hpack takes ----

    /**
     * An HPACK integer may carry zero-valued continuation octets ("overlong"). Go's hpack decoder
     * (readVarInt: up to 9 continuation octets, m < 63) and Netty's (decodeULE128: up to shift 56)
     * accept 6 of them; Hpack.integer throws "integer of too many octets" from the 6th on and the
     * server's direction stops: a Go client (http2.Transport with AllowHTTP) saves the file, the
     * sensor sees none.
     */
    @Test
    void anOverlongHpackIntegerThatGoAndNettyAcceptDoesNotStopTheDirection() throws Exception {
        Http2ReviewTest.Block b = block().status200();
        b.out.write(0); // literal without indexing, new name
        b.string("x-pad");
        b.out.writeBytes(new byte[] {0x7f, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x00}); // 127
        b.out.writeBytes(ascii(repeat('p', 127)));
        byte[] resp = b.bytes();
        // A real decoder takes it.
        Http2Headers decoded = new DefaultHttp2HeadersDecoder(true).decodeHeaders(1, Unpooled.wrappedBuffer(resp));
        assertEquals(127, decoded.get("x-pad").length());

        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), settingsAck(), headers(1, EH, resp), data(1, ES, "MZ-executable")));
        assertFalse(l.anomalies.contains("http2.invalid_header"), l.transcript());
        assertEquals("MZ-executable", sinkOf(l, "/a", false).text());
    }

    // ---- 2. the preface partly read by the HTTP/1 reader when the 101 comes ----

    /**
     * A client that sends its preface before the 101 (served by Go's h2c, see Http2ReviewTest 5) with
     * the preface's first line in the same segment as the Upgrade request and the rest after the
     * 101. The HTTP/1 reader has "PRI * HTTP/2.0\r\n" as a request line waiting for its empty line;
     * the 101 calls startHttp2(upgraded, false), client.tunnel() drops that line, HTTP/2 reading
     * then starts at "\r\nSM..." expecting the whole preface: http2.invalid_client_magic and the
     * client's direction stops, so the upload on stream 3 is never seen.
     */
    @Test
    void aPrefacePartlyReadBeforeThe101IsStillTheClientsPreface() {
        byte[] pre = preface();
        RecordingListener l = run(
                up(ascii(UPGRADE), java.util.Arrays.copyOfRange(pre, 0, 16)), // "PRI * HTTP/2.0\r\n"
                down(ascii(SWITCHING), settings(), settingsAck()),
                up(java.util.Arrays.copyOfRange(pre, 16, pre.length), settings(), settingsAck(),
                        headers(3, EH, post("/exfil").bytes()), data(3, ES, "secret-document")),
                down(headers(1, EH, block().status200().bytes()), data(1, ES, "MZ"),
                        headers(3, EH | ES, block().status200().bytes())));
        assertFalse(l.anomalies.contains("http2.invalid_client_magic"), l.transcript());
        assertEquals("secret-document", sinkOf(l, "/exfil", true).text());
    }

    // ---- 3. the 17th SETTINGS without ACK applies the oldest ----

    /**
     * More than MAX_UNACKNOWLEDGED_SETTINGS (16) SETTINGS frames from the client before the server's
     * ACKs: the oldest is "taken as acknowledged" (Http2Session frameEnd), which applies a lower
     * table size to the server's decoder before the server has even read it. The server's answer to
     * stream 3, encoded against its old table (index 62), is then "in neither table" and the
     * server's direction stops: /b's file is lost. Same defect as Http2ReviewTest 4, reopened by the
     * queue's bound.
     */
    @Test
    void manySettingsWithoutAckDoNotShrinkTheTableBeforeTheEncoderActs() {
        byte[][] flood = new byte[17][];
        byte[][] acks = new byte[17][];
        flood[0] = settings(1, 0);
        acks[0] = settingsAck();
        for (int i = 1; i < 17; i++) {
            flood[i] = settings(3, 100); // SETTINGS_MAX_CONCURRENT_STREAMS
            acks[i] = settingsAck();
        }
        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes()),
                        headers(3, EH | ES, block().get("/b").bytes())),
                down(settings(), settingsAck(), headers(1, EH, block().status200().litIndexed("x-file-id", "42").bytes()),
                        data(1, ES, "one")),
                up(cat(flood)), // crosses the server's answer to stream 3 in flight
                down(headers(3, EH, block().status200().indexed(62).bytes()), data(3, ES, "two"), cat(acks)));
        assertFalse(l.anomalies.contains("http2.invalid_header"), l.transcript());
        assertEquals("two", sinkOf(l, "/b", false).text());
    }

    // ---- 4. a content-length Go's client ignores makes the file TRUNCATED ----

    /**
     * Go's HTTP/2 client reads content-length only when there is one field that strconv.ParseUint
     * takes (transport.go handleResponse: "len(clens) == 1", else "TODO: care?") and does not check
     * it at END_STREAM (endStream: "TODO: check that any declared content-length matches"); it
     * saves the whole body of a response with "content-length: 5, 5" or two "content-length: 5".
     * Head.contentLength reads both as 5, endStream finds 13 bytes of DATA, raises
     * http2.content_length_mismatch and ends the file incomplete: FileSink reports it TRUNCATED
     * without md5/sha1/sha256, so a hash match on the file the Go client saved never fires.
     */
    @Test
    void aContentLengthGoDoesNotReadLeavesTheDownloadComplete() {
        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes()),
                        headers(3, EH | ES, block().get("/b").bytes())),
                down(settings(), settingsAck(),
                        headers(1, EH, block().status200().lit("content-length", "5, 5").bytes()),
                        data(1, ES, "MZ-executable"),
                        headers(3, EH, block().status200().lit("content-length", "5").lit("content-length", "5").bytes()),
                        data(3, ES, "MZ-executable")));
        assertFalse(l.anomalies.contains("http2.content_length_mismatch"), l.transcript());
        assertTrue(sinkOf(l, "/a", false).complete, l.transcript());
        assertTrue(sinkOf(l, "/b", false).complete, l.transcript());
    }

    // ---- 5. the table shrunk at a SETTINGS ACK is never given back to the budget ----

    /**
     * Hpack.allow() (called at the encoder's SETTINGS ACK) evicts the header table down to the new
     * size, but only decodeBlock charges table changes (hpack.tableBytes() - before, measured
     * around decode): the bytes evicted by allow() stay charged to the session's holding until
     * close(). Each round of SETTINGS 0 / ACK / SETTINGS 4096 / ACK / a block refilling the table adds
     * a table's worth (64 KiB with a 65,536 table) to HttpMemory.used() though the table never holds
     * more than its size: one connection can take the worker's whole budget and evict the other
     * connections' heads and decoders (http.memcap).
     */
    @Test
    void aTableShrunkAtASettingsAckGivesItsBytesBackToTheBudget() {
        HttpMemory memory = HttpMemory.unlimited();
        RecordingListener l = new RecordingListener();
        HttpConnectionParser p = new HttpConnectionParser(l, HttpLimits.DEFAULTS, memory);
        long[] ts = {1};
        java.util.function.BiConsumer<Boolean, byte[]> feed = (toServer, b) -> p.data(toServer, ts[0]++, b, 0, b.length);
        feed.accept(true, cat(preface(), settings()));
        feed.accept(false, cat(settings(), settingsAck()));
        long most = 0;
        for (int round = 0; round < 20; round++) {
            int id = 1 + 2 * round;
            feed.accept(true, cat(settings(1, 0), settings(1, 4096), headers(id, EH | ES, block().get("/r" + round).bytes())));
            feed.accept(false, cat(settingsAck(), settingsAck(),
                    headers(id, EH | ES, block().sizeUpdate(0).sizeUpdate(4096).status200()
                            .litIndexed("x-fill", repeat('f', 3_900)).bytes())));
            most = Math.max(most, memory.used());
        }
        // One table (4,096) and the gathering buffers (a frame's payload and block, each under 16 KiB).
        assertTrue(most < 4096 + 2 * 16_384, "budget charged " + most + " bytes for a 4,096-byte table");
        p.close(ts[0]);
        assertEquals(0, memory.used());
    }

    // ---- 6. fields cut at the limit drop the content coding, yet the file is complete ----

    /**
     * A response block between 1x and 4x http.max-header-bytes is decoded with its fields cut at the
     * limit (Hpack.decode: every field after the first that does not fit is dropped). A server puts
     * 66,000 bytes of cookie before "content-encoding: gzip" (curl takes 300 KiB of headers, Go 10
     * MiB): the entity is made without the coding and the gzip stream comes out as a CLOSED file,
     * hashed as the coded bytes, not as the file the client saves (curl --compressed decodes it).
     */
    @Test
    void aHeaderBlockCutBeforeItsContentEncodingDoesNotGiveACompleteCodedFile() throws Exception {
        byte[] body = ascii("MZ-the-real-executable-" + repeat('x', 200));
        byte[] coded = gzip(body);
        byte[] big = block().status200().lit("set-cookie", repeat('c', 66_000)).lit("content-encoding", "gzip").bytes();
        ByteArrayOutputStream s = new ByteArrayOutputStream();
        s.writeBytes(settings());
        s.writeBytes(settingsAck());
        for (int at = 0; at < big.length; at += 16_384) {
            int end = Math.min(big.length, at + 16_384);
            int type = at == 0 ? Http2Session.HEADERS : Http2Session.CONTINUATION;
            s.writeBytes(frame(type, end == big.length ? EH : 0, 1, java.util.Arrays.copyOfRange(big, at, end)));
        }
        s.writeBytes(data(1, ES, coded));
        RecordingListener l = run(up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes())),
                down(s.toByteArray()));
        RecordingListener.Sink sink = sinkOf(l, "/a", false);
        assertTrue(!sink.complete || java.util.Arrays.equals(body, sink.bytes.toByteArray()),
                "the gzip stream is a complete file:\n" + l.transcript());
    }

    // ---- 7. a HEADERS on stream 1 before the 101 is replaced, never done ----

    /**
     * In the early-preface path (clientPreface, serverHttp1) the client's HTTP/2 frames are read
     * before the 101; a HEADERS on stream 1 opens stream 1. The 101 then calls h2.upgraded(), whose
     * open(1) puts a new Stream under id 1 (streams.put) without ending the one there: that
     * transaction had its requestHeaders but never transactionDone, and the header bytes keep()
     * charged to its holding are never released: HttpMemory.used() stays above 0 after close().
     */
    @Test
    void aStreamOneOpenedBeforeThe101IsDoneAndItsMemoryReleased() {
        HttpMemory memory = HttpMemory.unlimited();
        RecordingListener l = run(HttpLimits.DEFAULTS, memory,
                up(ascii(UPGRADE), preface(), settings(), headers(1, EH | ES, block().get("/other").bytes())),
                down(ascii(SWITCHING), settings(), settingsAck(), headers(1, EH, block().status200().bytes()),
                        data(1, ES, "MZ-executable")),
                up(settingsAck()));
        Set<Long> requested = new HashSet<>();
        Set<Long> done = new HashSet<>();
        for (String e : l.events) {
            if (e.startsWith("request tx")) {
                requested.add(Long.parseLong(e.substring(10, e.indexOf(' ', 10))));
            }
        }
        for (HttpTransaction t : l.done) {
            done.add((long) t.txId);
        }
        assertEquals(requested, done, l.transcript());
        assertEquals(0, memory.used());
    }

    // ---- 8. a gap in a DATA payload is not counted in the body's length ----

    /**
     * The HTTP/1 reader counts a body's lost bytes in requestBodyLength/responseBodyLength
     * (MessageReader.bodyGap); Http2Session's Dir.gap (now Http2Direction.gap) passed the gap to the entity but does not add
     * it to the length. At END_STREAM the body is found short of its content-length: a false
     * http2.content_length_mismatch (the DATA were exactly as long as declared, the network lost
     * them) and a body length in EVE that is short by the gap.
     */
    @Test
    void aGapInsideDataCountsInTheBodyLengthAndIsNoContentLengthMismatch() {
        RecordingListener l = new RecordingListener();
        HttpConnectionParser p = new HttpConnectionParser(l, HttpLimits.DEFAULTS);
        byte[] c = cat(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes()));
        p.data(true, 1, c, 0, c.length);
        byte[] d = cat(settings(), settingsAck(), headers(1, EH, block().status200().lit("content-length", "10").bytes()));
        byte[] frame = data(1, ES, "0123456789");
        p.data(false, 2, d, 0, d.length);
        p.data(false, 3, frame, 0, 9 + 3); // frame header and "012"
        p.gap(false, 4, 4); // "3456" lost
        p.data(false, 5, frame, 9 + 7, 3); // "789"
        p.close(6);
        assertFalse(l.anomalies.contains("http2.content_length_mismatch"), l.transcript());
        assertEquals(10, l.tx(0).responseBodyLength, l.transcript());
    }

    // ---- 9. a head reported after its transaction was done ----

    /**
     * keep() charges a head's fields to the transaction's holding; when that charge evicts the
     * session's own holding (older), evict() stops both directions and ends every stream: the
     * stream being read is done (transactionDone) inside keep(), and request() then reports
     * requestHeaders for it. A listener (EVE, the files glue) is told of a head after the
     * transaction it belongs to was written out.
     */
    @Test
    void noHeadIsReportedAfterItsTransactionIsDone() {
        byte[] req = block().get("/a").lit("x-fill", repeat('f', 2000)).bytes();
        // Room for the HEADERS payload and the block it is copied into (2 x 2,050), not also for the fields kept.
        HttpMemory memory = new HttpMemory(4_100);
        RecordingListener l = run(HttpLimits.DEFAULTS, memory, up(preface(), settings(), headers(1, EH | ES, req)));
        Set<String> doneTx = new HashSet<>();
        for (String e : l.events) {
            if (e.startsWith("done ")) {
                doneTx.add(e.split(" ")[1]);
            } else if (e.startsWith("request ") || e.startsWith("response ")) {
                assertFalse(doneTx.contains(e.split(" ")[1]), "a head after its transaction was done:\n" + l.transcript());
            }
        }
        assertEquals(0, memory.used());
    }
}
