package io.spanwatch.sensor.fuzz;

import io.spanwatch.sensor.capture.CaptureException;
import io.spanwatch.sensor.capture.CaptureFile;
import io.spanwatch.sensor.capture.DemoCapture;
import io.spanwatch.sensor.decode.DecodedPacket;
import io.spanwatch.sensor.decode.PacketDecoder;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import io.spanwatch.sensor.reassembly.ReassemblyStats;
import io.spanwatch.sensor.reassembly.StreamListener;
import io.spanwatch.sensor.reassembly.TcpStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the demo capture ({@link DemoCapture}, the project's own synthetic office traffic) back as
 * frames and as reassembled TCP conversations, the raw material of the fuzz targets' seed inputs.
 */
public final class DemoTraffic {

    /** One captured frame. */
    public record Frame(long tsNanos, int linkType, byte[] bytes) {
    }

    /** One TCP segment as decoded: which side sent it, its flags, sequence and acknowledgement numbers, payload. */
    public record Segment(boolean fromClient, int flags, long seq, long ack, byte[] payload) {
    }

    /** What one direction of a connection delivered next: bytes, or a gap of {@code gap} bytes. */
    public record Piece(boolean toServer, byte[] bytes, long gap) {
    }

    /** One TCP connection: its segments in capture order and its reassembled byte streams, interleaved as seen. */
    public record Conversation(int clientPort, List<Segment> segments, List<Piece> pieces) {
    }

    private DemoTraffic() {
    }

    /** Writes the demo capture to a temporary file and returns its bytes. */
    public static byte[] pcap() {
        try {
            Path tmp = Files.createTempFile("spanwatch-demo", ".pcap");
            try {
                DemoCapture.write(tmp);
                return Files.readAllBytes(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns every frame of the demo capture, copied. */
    public static List<Frame> frames() {
        List<Frame> frames = new ArrayList<>();
        try {
            Path tmp = Files.createTempFile("spanwatch-demo", ".pcap");
            try {
                DemoCapture.write(tmp);
                try (CaptureFile f = CaptureFile.open(tmp)) {
                    f.run((ts, link, buf, off, capLen, wireLen) ->
                            frames.add(new Frame(ts, link, Arrays.copyOfRange(buf, off, off + capLen))));
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | CaptureException e) {
            throw new IllegalStateException("demo capture unreadable", e);
        }
        return frames;
    }

    /** Returns the demo's TCP connections in the order they start, reassembled with {@link TcpStream}. */
    public static List<Conversation> conversations() {
        Map<Integer, Conversation> byPort = new LinkedHashMap<>();
        Map<Integer, TcpStream[]> streams = new LinkedHashMap<>();
        PacketDecoder decoder = new PacketDecoder();
        DecodedPacket p = new DecodedPacket();
        ReassemblyStats stats = new ReassemblyStats(ReassemblyConfig.DEFAULT_MEMCAP);
        for (Frame f : frames()) {
            p.reset(f.bytes(), f.tsNanos(), f.bytes().length);
            if (!decoder.decode(f.linkType(), f.bytes(), 0, f.bytes().length, p) || !p.isTcp()) {
                continue;
            }
            boolean fromClient = p.dstPort == 80 || p.dstPort == 8080;
            int clientPort = fromClient ? p.srcPort : p.dstPort;
            Conversation c = byPort.computeIfAbsent(clientPort, k -> new Conversation(k, new ArrayList<>(), new ArrayList<>()));
            TcpStream[] s = streams.computeIfAbsent(clientPort, k -> new TcpStream[] {
                new TcpStream(ReassemblyConfig.DEFAULTS, stats, recorder(c.pieces(), true)),
                new TcpStream(ReassemblyConfig.DEFAULTS, stats, recorder(c.pieces(), false))});
            byte[] payload = Arrays.copyOfRange(f.bytes(), p.payloadOff, p.payloadOff + p.payloadLen);
            c.segments().add(new Segment(fromClient, p.tcpFlags, p.seq, p.ack, payload));
            TcpStream mine = s[fromClient ? 0 : 1];
            if ((p.tcpFlags & 0x02) != 0) {
                mine.syn(p.seq);
            }
            mine.segment(p.tsNanos, p.seq, f.bytes(), p.payloadOff, p.payloadLen, (p.tcpFlags & 0x01) != 0);
            if ((p.tcpFlags & 0x10) != 0) {
                s[fromClient ? 1 : 0].ack(p.tsNanos, p.ack);
            }
        }
        for (TcpStream[] s : streams.values()) {
            s[0].flush(Long.MAX_VALUE / 2);
            s[1].flush(Long.MAX_VALUE / 2);
        }
        return List.copyOf(byPort.values());
    }

    private static StreamListener recorder(List<Piece> pieces, boolean toServer) {
        return new StreamListener() {
            @Override
            public void data(long ts, byte[] buf, int off, int len) {
                pieces.add(new Piece(toServer, Arrays.copyOfRange(buf, off, off + len), 0));
            }

            @Override
            public void gap(long ts, long len) {
                pieces.add(new Piece(toServer, null, len));
            }

            @Override
            public void fin(long ts) {
            }

            @Override
            public void anomaly(long ts, String name) {
            }
        };
    }
}
