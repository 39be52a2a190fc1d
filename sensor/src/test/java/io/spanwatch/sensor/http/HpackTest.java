package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** HPACK decoding checked against Netty's encoder (its own tables and Huffman coder) and the RFC's rules. */
class HpackTest {

    private static byte[] encode(Http2HeadersEncoder enc, Http2Headers h) throws Exception {
        ByteBuf buf = Unpooled.buffer();
        enc.encodeHeaders(1, h, buf);
        byte[] b = new byte[buf.readableBytes()];
        buf.readBytes(b);
        return b;
    }

    private static List<String> pairs(Http2Headers h) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            out.add(AsciiString.of(e.getKey()) + ": " + AsciiString.of(e.getValue()));
        }
        return out;
    }

    private static List<String> pairs(List<HttpTransaction.Header> fields) {
        List<String> out = new ArrayList<>();
        for (HttpTransaction.Header f : fields) {
            out.add(f.name() + ": " + f.value());
        }
        return out;
    }

    @Test
    void everyByteValueDecodesFromHuffmanCodedStrings() throws Exception {
        // Long runs of 'e' (5 bits) make Huffman shorter than the raw bytes, so Netty codes every value
        // with it, the one byte of interest included: each of the 256 codes is read once.
        DefaultHttp2HeadersEncoder enc = new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, false);
        Hpack dec = new Hpack();
        for (int v = 0; v < 256; v++) {
            byte[] value = ("eeeeeeeeeeeeeeeeeeeeeeee" + (char) v + "eeee").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            Http2Headers h = new DefaultHttp2Headers(false).add(new AsciiString("x-byte"), new AsciiString(value));
            byte[] block = encode(enc, h);
            Hpack.Block got = dec.decode(block, 0, block.length, 100, 1 << 16);
            assertEquals(1, got.fields().size());
            assertEquals(new String(value, java.nio.charset.StandardCharsets.ISO_8859_1), got.fields().get(0).value(), "byte " + v);
        }
    }

    @Test
    void blocksDecodeInSequenceThroughTheDynamicTableAndItsEvictions() throws Exception {
        DefaultHttp2HeadersEncoder enc = new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, false);
        Hpack dec = new Hpack();
        Random r = new Random(7);
        for (int i = 0; i < 300; i++) {
            Http2Headers h = new DefaultHttp2Headers(false).method(i % 3 == 0 ? "POST" : "GET").scheme("http")
                    .path("/p/" + r.nextInt(40)).authority("host" + r.nextInt(5) + ".example");
            int extra = r.nextInt(6);
            for (int k = 0; k < extra; k++) {
                // values of up to 700 bytes: the 4,096-byte table keeps evicting
                h.add("x-h" + r.nextInt(30), "v".repeat(r.nextInt(700)) + r.nextInt(1000));
            }
            h.add("user-agent", "agent/" + r.nextInt(3));
            byte[] block = encode(enc, h);
            Hpack.Block got = dec.decode(block, 0, block.length, 1000, 1 << 16);
            assertEquals(pairs(h), pairs(got.fields()), "block " + i);
            assertFalse(got.cut());
            assertTrue(dec.tableBytes() <= Hpack.DEFAULT_TABLE_BYTES);
        }
    }

    /** A literal field with incremental indexing and a new name (RFC 7541 §6.2.1), raw strings. */
    private static void literal(java.io.ByteArrayOutputStream b, String name, String value) {
        b.write(0x40);
        string(b, name);
        string(b, value);
    }

    private static void string(java.io.ByteArrayOutputStream b, String s) {
        integer(b, 0, 7, s.length());
        b.writeBytes(s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    private static void integer(java.io.ByteArrayOutputStream b, int firstBits, int prefix, int v) {
        int max = (1 << prefix) - 1;
        if (v < max) {
            b.write(firstBits | v);
            return;
        }
        b.write(firstBits | max);
        v -= max;
        while (v >= 128) {
            b.write((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        b.write(v);
    }

    @Test
    void aSizeUpdateWithinWhatThePeerAllowedIsFollowed() throws Exception {
        Hpack dec = new Hpack();
        dec.allow(16384);
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        integer(b, 0x20, 5, 16384);
        for (int i = 0; i < 10; i++) {
            literal(b, "x-big-" + i, "w".repeat(1000));
        }
        b.write(0x80 | 62 + 9); // the oldest of the ten: still there in a 16 KiB table
        byte[] block = b.toByteArray();
        List<HttpTransaction.Header> got = dec.decode(block, 0, block.length, 100, 1 << 16).fields();
        assertEquals(11, got.size());
        assertEquals("x-big-0", got.get(10).name());
        assertEquals(10 * (7 + 1000 + Hpack.ENTRY_OVERHEAD), dec.tableBytes());
        // The peer lowering its limit below what the table holds shrinks it at once.
        dec.allow(4096);
        assertTrue(dec.tableBytes() <= 4096);
        // An update past what the peer allowed is an error, as for a real decoder.
        Hpack strict = new Hpack();
        java.io.ByteArrayOutputStream u = new java.io.ByteArrayOutputStream();
        integer(u, 0x20, 5, 16384);
        byte[] update = u.toByteArray();
        assertThrows(Hpack.HpackException.class, () -> strict.decode(update, 0, update.length, 10, 1000));
    }

    @Test
    void aBlockNamingALargeEntryManyTimesKeepsNoMoreThanTheLimit() throws Exception {
        Hpack dec = new Hpack();
        // One literal with incremental indexing of 3,000 bytes, then 1,000 one-byte references to it.
        byte[] value = "z".repeat(3000).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(0x40);
        b.write(1);
        b.write('x');
        b.write(0x7f); // 7-bit prefix full: 127 + continuation
        int rest = value.length - 127;
        while (rest >= 128) {
            b.write((rest & 0x7f) | 0x80);
            rest >>>= 7;
        }
        b.write(rest);
        b.writeBytes(value);
        for (int i = 0; i < 1000; i++) {
            b.write(0x80 | 62); // the newest dynamic entry
        }
        byte[] block = b.toByteArray();
        Hpack.Block got = dec.decode(block, 0, block.length, 1000, 64 * 1024);
        assertTrue(got.cut());
        assertEquals(21, got.fields().size(), "64 KiB of 3,001-byte fields");
    }

    @Test
    void invalidBlocksAreErrors() {
        Hpack dec = new Hpack();
        byte[][] bad = {
            {(byte) 0x80}, // index 0
            {(byte) 0xbe}, // index 62 with an empty dynamic table
            {0x00, 0x03, 'a', 'b'}, // string shorter than declared
            {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}, // integer past 2^28
            // a string length of zero-valued continuations then a high one (the fuzzer's: the shift passed 63)
            {0x00, 0x7f, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                (byte) 0x80, (byte) 0x80, 0x08},
            {0x00, (byte) 0x81, 0x00, 0x00}, // Huffman string of one byte 0x00: padding not all ones
            {0x00, (byte) 0x84, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x00}, // EOS decoded
            {(byte) 0x82, 0x20}, // size update after a field
        };
        for (byte[] b : bad) {
            assertThrows(Hpack.HpackException.class, () -> dec.decode(b, 0, b.length, 10, 1000), java.util.Arrays.toString(b));
        }
    }
}
