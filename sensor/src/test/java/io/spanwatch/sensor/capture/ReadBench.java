package io.spanwatch.sensor.capture;

import io.spanwatch.sensor.decode.DecodedPacket;
import io.spanwatch.sensor.decode.Frames;
import io.spanwatch.sensor.decode.PacketDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Measures read + decode time of a large capture; not a unit test. Usage:
 * {@code ReadBench FILE [gen SIZE_MB]}: with {@code gen}, first writes a synthetic Ethernet/IPv4/TCP
 * capture of about SIZE_MB with PcapWriter (sizes like a 1500-MTU HTTP mirror: mostly full segments).
 * {@code -Dbench.window=BYTES} sets the copy window.
 */
public final class ReadBench {
    private ReadBench() {
    }

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        if (args.length > 2 && args[1].equals("gen")) {
            long target = Long.parseLong(args[2]) << 20;
            Random rnd = new Random(1);
            byte[][] frames = new byte[64][];
            for (int i = 0; i < frames.length; i++) {
                int payload = i % 8 == 0 ? rnd.nextInt(200) : 1448;
                frames[i] = Frames.ethTcp4(new byte[payload]);
            }
            long written = 24;
            long n = 0;
            try (PcapWriter w = PcapWriter.create(path, LinkType.ETHERNET, false)) {
                while (written < target) {
                    byte[] f = frames[(int) (n % frames.length)];
                    w.write(1_700_000_000_000_000_000L + n * 1000, f);
                    written += 16 + f.length;
                    n++;
                }
            }
            System.out.printf("wrote %s: %d packets, %d bytes%n", path, n, Files.size(path));
        }
        int window = Integer.getInteger("bench.window", CaptureFile.DEFAULT_WINDOW_BYTES);
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket out = new DecodedPacket();
        for (int round = 0; round < 5; round++) {
            long[] tcp = {0};
            long t0 = System.nanoTime();
            try (CaptureFile f = CaptureFile.open(path, window)) {
                f.run((ts, lt, buf, off, cap, wire) -> {
                    out.reset(buf, ts, wire);
                    if (decoder.decode(lt, buf, off, cap, out) && out.isTcp()) {
                        tcp[0]++;
                    }
                });
                long ms = (System.nanoTime() - t0) / 1_000_000;
                CaptureStats s = f.stats();
                System.out.printf("round %d: %d packets, %d MiB, %d TCP decoded in %d ms (%.2f Gbit/s)%n", round,
                        s.packets(), s.bytes() >> 20, tcp[0], ms, s.bytes() * 8.0 / ms / 1e6);
            }
        }
    }
}
