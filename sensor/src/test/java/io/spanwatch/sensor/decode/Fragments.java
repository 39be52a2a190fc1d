package io.spanwatch.sensor.decode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Cuts test frames into IP fragments the way a router would. */
public final class Fragments {
    private Fragments() {
    }

    /** Cuts an Ethernet/IPv4 frame into fragments of at most {@code chunk} (a multiple of 8) data bytes. */
    public static List<byte[]> fragment4(byte[] frame, int chunk) {
        int hl = (frame[14] & 0x0f) * 4;
        byte[] data = Arrays.copyOfRange(frame, 14 + hl, frame.length);
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < data.length; off += chunk) {
            int n = Math.min(chunk, data.length - off);
            byte[] f = new byte[14 + hl + n];
            System.arraycopy(frame, 0, f, 0, 14 + hl);
            put16(f, 16, hl + n);
            put16(f, 20, (off / 8) | (off + n < data.length ? 0x2000 : 0));
            System.arraycopy(data, off, f, 14 + hl, n);
            out.add(f);
        }
        return out;
    }

    static void put16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }
}
