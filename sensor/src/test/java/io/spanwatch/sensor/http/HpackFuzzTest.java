package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.spanwatch.sensor.fuzz.FuzzInput;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fuzzes {@link Hpack} with a sequence of header blocks for one decoder. Input: steps until the input
 * ends (u8: 0 to 7 a block, then its bytes; 8 to 11 the peer's table size allowed, u16 times 4).
 * Invariants: nothing but {@link Hpack.HpackException} is thrown, after which the decoder is not
 * used again (as the HTTP/2 reader stops the direction); the table never holds more than the peer
 * allowed nor {@value Hpack#MAX_TABLE_BYTES} bytes; a block keeps at most its limits, and past them
 * at most {@value Hpack#MAX_ESSENTIAL_FIELDS} fields of {@value Hpack#MAX_ESSENTIAL_BYTES} bytes that frame the message.
 */
public class HpackFuzzTest {
    private static final int MAX_FIELDS = 50;
    private static final int MAX_BYTES = 8192;

    @FuzzTest(maxDuration = "10s")
    void blocks(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        Hpack dec = new Hpack();
        int allowed = Hpack.DEFAULT_TABLE_BYTES;
        for (int step = 0; step < 64 && in.more(); step++) {
            int kind = in.u8() % 12;
            if (kind >= 8) {
                allowed = Math.min(Hpack.MAX_TABLE_BYTES, in.u16() * 4);
                dec.allow(allowed);
                continue;
            }
            byte[] block = in.bytes(4096);
            try {
                Hpack.Block b = dec.decode(block, 0, block.length, MAX_FIELDS, MAX_BYTES);
                // past the limits only the small fields that frame a message: pseudo-fields, content-*
                assertTrue(b.fields().size() <= MAX_FIELDS + Hpack.MAX_ESSENTIAL_FIELDS);
                long kept = 0;
                for (HttpTransaction.Header h : b.fields()) {
                    kept += h.name().length() + h.value().length();
                }
                assertTrue(kept <= MAX_BYTES + (long) Hpack.MAX_ESSENTIAL_FIELDS * Hpack.MAX_ESSENTIAL_BYTES);
            } catch (Hpack.HpackException e) {
                return;
            }
            assertTrue(dec.tableBytes() <= allowed && dec.tableBytes() <= Hpack.MAX_TABLE_BYTES, "table " + dec.tableBytes());
        }
    }

    /** Seeds: blocks of Netty's encoder (Huffman, dynamic table, a size update). */
    public static Map<String, byte[]> seeds() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        try {
            DefaultHttp2HeadersEncoder enc = new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, false);
            FuzzInput.Writer w = new FuzzInput.Writer();
            for (int i = 0; i < 6; i++) {
                Http2Headers h = new DefaultHttp2Headers().method(i % 2 == 0 ? "GET" : "POST").scheme("http")
                        .path("/p" + i).authority("fuzz.example").add("user-agent", "Mozilla/5.0 (X11)")
                        .add("cookie", "id=" + "c".repeat(i * 300));
                ByteBuf buf = Unpooled.buffer();
                enc.encodeHeaders(1, h, buf);
                byte[] b = new byte[buf.readableBytes()];
                buf.readBytes(b);
                w.u8(i).bytes(b);
            }
            seeds.put("netty-requests", w.toByteArray());
            seeds.put("size-update", new FuzzInput.Writer().u8(8).u16(2048).u8(0).bytes(new byte[] {0x3f, (byte) 0xe1, 0x0f,
                    0x40, 1, 'a', 1, 'b', (byte) 0xbe}).toByteArray());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return seeds;
    }
}
