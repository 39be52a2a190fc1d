package io.spanwatch.sensor.decode;

import io.spanwatch.sensor.capture.TrafficSynth;
import java.util.ArrayList;
import java.util.List;

/** Cuts test frames into IP fragments the way a router would. */
public final class Fragments {
    private Fragments() {
    }

    /** Cuts an Ethernet/IPv4 frame into fragments of at most {@code chunk} (a multiple of 8) data bytes. */
    public static List<byte[]> fragment4(byte[] frame, int chunk) {
        int data = frame.length - 14 - (frame[14] & 0x0f) * 4;
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < data; off += chunk) {
            int n = Math.min(chunk, data - off);
            out.add(TrafficSynth.fragment4(frame, off, n, off + n < data));
        }
        return out;
    }

    /**
     * Sums the IPv4 header of an Ethernet frame again after a test changed it: the decoder drops a
     * fragment whose header checksum is wrong, as hosts do.
     */
    public static byte[] resum4(byte[] frame) {
        int hlen = (frame[14] & 0x0f) * 4;
        put16(frame, 24, 0);
        put16(frame, 24, ~Checksums.fold(Checksums.sum(frame, 14, hlen, 0)) & 0xffff);
        return frame;
    }

    static void put16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }
}
