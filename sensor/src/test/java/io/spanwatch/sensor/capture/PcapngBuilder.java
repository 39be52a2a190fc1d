package io.spanwatch.sensor.capture;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes pcapng blocks byte by byte for tests, in the byte order of the current section. */
final class PcapngBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private ByteOrder order = ByteOrder.LITTLE_ENDIAN;

    /** Starts a section in {@code order}. */
    PcapngBuilder section(ByteOrder order) {
        this.order = order;
        ByteBuffer body = buf(16).putInt(0x1a2b3c4d).putShort((short) 1).putShort((short) 0).putLong(-1L);
        return block(0x0a0d0d0a, body.array());
    }

    /** Adds an interface; {@code tsresol} < 0 leaves the option out (microseconds). */
    PcapngBuilder iface(int linkType, int tsresol, long tsoffsetSeconds) {
        ByteBuffer b = buf(8 + 8 + 12 + 4);
        b.putShort((short) linkType).putShort((short) 0).putInt(262144);
        if (tsresol >= 0) {
            b.putShort((short) 9).putShort((short) 1).put((byte) tsresol).put(new byte[3]);
        }
        if (tsoffsetSeconds != 0) {
            b.putShort((short) 14).putShort((short) 8).putLong(tsoffsetSeconds);
        }
        b.putShort((short) 0).putShort((short) 0);
        return block(1, slice(b));
    }

    /** Adds an enhanced packet block with a comment option. */
    PcapngBuilder epb(int iface, long ticks, byte[] data, int wireLen) {
        ByteBuffer b = buf(20 + pad(data.length) + 12);
        b.putInt(iface).putInt((int) (ticks >>> 32)).putInt((int) ticks).putInt(data.length).putInt(wireLen);
        b.put(data).put(new byte[pad(data.length) - data.length]);
        b.putShort((short) 1).putShort((short) 2).put((byte) 'h').put((byte) 'i').putShort((short) 0);
        b.putShort((short) 0).putShort((short) 0);
        return block(6, slice(b));
    }

    /** Adds an enhanced packet block whose caplen field says {@code capLen} regardless of the data. */
    PcapngBuilder epbRaw(int iface, int capLen, byte[] data) {
        ByteBuffer b = buf(20 + pad(data.length));
        b.putInt(iface).putInt(0).putInt(0).putInt(capLen).putInt(capLen);
        b.put(data).put(new byte[pad(data.length) - data.length]);
        return block(6, slice(b));
    }

    /** Adds a simple packet block. */
    PcapngBuilder spb(byte[] data) {
        ByteBuffer b = buf(4 + pad(data.length));
        b.putInt(data.length).put(data).put(new byte[pad(data.length) - data.length]);
        return block(3, slice(b));
    }

    /** Adds an obsolete packet block. */
    PcapngBuilder pb(int iface, long ticks, byte[] data) {
        ByteBuffer b = buf(20 + pad(data.length));
        b.putShort((short) iface).putShort((short) 0).putInt((int) (ticks >>> 32)).putInt((int) ticks)
                .putInt(data.length).putInt(data.length);
        b.put(data).put(new byte[pad(data.length) - data.length]);
        return block(2, slice(b));
    }

    /** Adds a block of any type with the given body. */
    PcapngBuilder block(int type, byte[] body) {
        int len = 12 + pad(body.length);
        ByteBuffer b = buf(len);
        b.putInt(type).putInt(len).put(body).put(new byte[pad(body.length) - body.length]).putInt(len);
        out.writeBytes(b.array());
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    private ByteBuffer buf(int n) {
        return ByteBuffer.allocate(n).order(order);
    }

    private static byte[] slice(ByteBuffer b) {
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    private static int pad(int n) {
        return (n + 3) & ~3;
    }
}
