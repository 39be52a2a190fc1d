package io.spanwatch.sensor.bench;

import io.spanwatch.sensor.capture.LinkType;
import io.spanwatch.sensor.decode.DecodedPacket;
import io.spanwatch.sensor.decode.Frames;
import io.spanwatch.sensor.decode.PacketDecoder;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.files.FileConfig;
import io.spanwatch.sensor.files.FileSink;
import io.spanwatch.sensor.files.FileStore;
import io.spanwatch.sensor.flow.Flow;
import io.spanwatch.sensor.flow.FlowConfig;
import io.spanwatch.sensor.flow.FlowTable;
import io.spanwatch.sensor.http.BodySink;
import io.spanwatch.sensor.http.EntityInfo;
import io.spanwatch.sensor.http.HttpConnectionParser;
import io.spanwatch.sensor.http.HttpLimits;
import io.spanwatch.sensor.http.HttpListener;
import io.spanwatch.sensor.http.HttpTransaction;
import io.spanwatch.sensor.http.ZstdCli;
import io.spanwatch.sensor.reassembly.ReassemblyConfig;
import io.spanwatch.sensor.reassembly.ReassemblyStats;
import io.spanwatch.sensor.reassembly.StreamListener;
import io.spanwatch.sensor.reassembly.TcpStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Measures the sensor's hot paths one at a time (run with {@code .ci/bench-jmh}). Each benchmark
 * works on one MiB of payload per operation where it handles payload, so ops/s reads as MiB/s;
 * {@code decode} and {@code flowLookup} are per packet. In-order reassembly passes bytes through
 * without touching them, so its figure measures the per-segment work (724 segments per MiB).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HotPathBench {
    static final int MIB = 1 << 20;
    static final int MSS = 1448;

    byte[] frame;
    byte[] udpFrame;
    byte[] quicFrame;
    byte[] gtpuFrame;
    PacketDecoder decoder;
    DecodedPacket pkt;
    byte[] payload;
    byte[] chunkedGzipResponse;
    /** The same text zstd-coded (level 3, piped: no content size, 2 MiB window); null without the zstd command. */
    byte[] chunkedZstdResponse;
    byte[] multipartRequest;
    byte[] keepAliveRequests;
    byte[] keepAliveResponses;
    FileStore store;
    DecodedPacket[] flowPackets;
    FlowTable flows;
    int next;

    @Setup
    public void setUp() throws IOException {
        frame = tcpFrame(MSS);
        udpFrame = udpFrame(53, 40_000, dnsLike());
        byte[] quic = new byte[1200];
        new Random(3).nextBytes(quic);
        quic[0] = 0x61; // a QUIC short header can start like an IPv6 header: the worst case for Teredo detection
        quicFrame = udpFrame(51_000, 443, quic);
        gtpuFrame = Frames.eth(Frames.ETH_IPV4, Frames.ipv4(17, "192.0.2.1", "192.0.2.2", Frames.udp(2152, 2152,
                Frames.cat(Frames.bytes(0x30, 0xff), Frames.u16(20 + 20 + MSS), Frames.u32(7),
                        Frames.ipv4(6, "10.0.0.1", "10.0.0.2", Frames.tcp(50_000, 80, new byte[MSS]))))));
        decoder = new PacketDecoder();
        pkt = new DecodedPacket();
        Random r = new Random(1);
        payload = new byte[MIB];
        r.nextBytes(payload);
        byte[] text = "lorem ipsum dolor sit amet consectetur ".repeat(MIB / 39 + 1).substring(0, MIB)
                .getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(text);
        }
        chunkedGzipResponse = response("gzip", gz.toByteArray());
        chunkedZstdResponse = ZstdCli.available() ? response("zstd", ZstdCli.stream(text, "-3")) : null;
        String boundary = "----bench7MA4YWxkTrZu0gW";
        ByteArrayOutputStream mp = new ByteArrayOutputStream();
        mp.writeBytes(("POST /u HTTP/1.1\r\nHost: b\r\nContent-Type: multipart/form-data; boundary=" + boundary
                + "\r\nContent-Length: " + (MIB + 200) + "\r\n\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        mp.writeBytes(payload);
        mp.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        multipartRequest = mp.toByteArray();
        ByteArrayOutputStream rq = new ByteArrayOutputStream();
        ByteArrayOutputStream rs = new ByteArrayOutputStream();
        byte[] small = "<html><body>small keep-alive response of sixty-four bytes</body>".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; rs.size() < MIB; i++) {
            rq.writeBytes(("GET /item/" + i + " HTTP/1.1\r\nHost: bench.example\r\nUser-Agent: Mozilla/5.0 bench\r\n"
                    + "Accept: */*\r\nAccept-Encoding: gzip, deflate\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            rs.writeBytes(("HTTP/1.1 200 OK\r\nDate: Mon, 02 Dec 2024 08:00:00 GMT\r\nServer: bench\r\n"
                    + "Content-Type: text/html; charset=utf-8\r\nContent-Length: " + small.length + "\r\n"
                    + "Cache-Control: no-cache\r\nETag: \"i" + i + "\"\r\nSet-Cookie: s=" + i + "; Path=/; HttpOnly\r\n"
                    + "Vary: Accept-Encoding\r\nConnection: keep-alive\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            rs.writeBytes(small);
        }
        keepAliveRequests = rq.toByteArray();
        keepAliveResponses = rs.toByteArray();
        Path dir = Files.createTempDirectory("spanwatch-bench");
        store = FileStore.open(new FileConfig(dir, FileConfig.DEFAULT_MAX_STORE_BYTES, FileConfig.DEFAULT_SPOOL_MEMORY_BYTES,
                false, 16, FileConfig.DEFAULT_SPOOL_MEMORY_TOTAL_BYTES));
        flows = new FlowTable(FlowConfig.DEFAULTS, (f, reason) -> { }, 1);
        flowPackets = new DecodedPacket[10_000];
        for (int i = 0; i < flowPackets.length; i++) {
            byte[] f = tcpFrame(0);
            f[14 + 15] = (byte) i;
            f[14 + 14] = (byte) (i >> 8);
            DecodedPacket p = new DecodedPacket();
            p.reset(f, i, f.length);
            decoder.decode(LinkType.ETHERNET, f, 0, f.length, p);
            flowPackets[i] = p;
        }
    }

    /** Decodes one Ethernet/IPv4/TCP frame of a full segment. */
    @Benchmark
    public int decode() {
        return decode(frame);
    }

    private int decode(byte[] f) {
        pkt.reset(f, 1, f.length);
        decoder.decode(LinkType.ETHERNET, f, 0, f.length, pkt);
        return pkt.payloadLen;
    }

    /** Decodes one Ethernet/IPv4/UDP frame of a DNS answer (what tunnel detection costs every UDP packet). */
    @Benchmark
    public int decodeUdp() {
        return decode(udpFrame);
    }

    /** Decodes a 1200-byte QUIC-like UDP datagram whose first byte looks like IPv6 (Teredo detection's worst case). */
    @Benchmark
    public int decodeQuic() {
        return decode(quicFrame);
    }

    /** Decodes a GTP-U frame carrying a full TCP segment (plain UDP before GTP-U was decoded). */
    @Benchmark
    public int decodeGtpu() {
        return decode(gtpuFrame);
    }

    /** Finds the flow of a packet among 10,000 live flows. */
    @Benchmark
    public Flow flowLookup() {
        DecodedPacket p = flowPackets[next++ % flowPackets.length];
        return flows.lookup(p);
    }

    /** Reassembles 1 MiB of in-order segments. */
    @Benchmark
    public long reassembleInOrder(Blackhole bh) {
        TcpStream s = new TcpStream(ReassemblyConfig.DEFAULTS, new ReassemblyStats(ReassemblyConfig.DEFAULT_MEMCAP), sink(bh));
        s.syn(0);
        for (int off = 0; off < MIB; off += MSS) {
            s.segment(0, 1 + off, payload, off, Math.min(MSS, MIB - off), false);
        }
        return s.offset();
    }

    /** Reassembles 1 MiB whose segments arrive pairwise swapped. */
    @Benchmark
    public long reassembleSwapped(Blackhole bh) {
        TcpStream s = new TcpStream(ReassemblyConfig.DEFAULTS, new ReassemblyStats(ReassemblyConfig.DEFAULT_MEMCAP), sink(bh));
        s.syn(0);
        for (int off = 0; off < MIB; off += 2 * MSS) {
            int second = off + MSS;
            if (second < MIB) {
                s.segment(0, 1 + second, payload, second, Math.min(MSS, MIB - second), false);
            }
            s.segment(0, 1 + off, payload, off, Math.min(MSS, MIB - off), false);
        }
        return s.offset();
    }

    /** Hashes (md5, sha1, sha256) and sniffs 1 MiB arriving in segment-sized pieces; nothing stored. */
    @Benchmark
    public FileInfo fileHash() {
        FileInfo[] out = new FileInfo[1];
        store.tryOpenFile();
        FileSink s = new FileSink(store, null, new EntityInfo(null, null, MIB, List.of(), false, -1, -1, -1, false, null, -1),
                "x", null, fi -> out[0] = fi);
        for (int off = 0; off < MIB; off += MSS) {
            s.data(payload, off, Math.min(MSS, MIB - off));
        }
        s.end(true, null);
        return out[0];
    }

    /** Parses a chunked, gzip-encoded response that decodes to 1 MiB, fed in segment-sized pieces. */
    @Benchmark
    public long httpChunkedGzip(Blackhole bh) {
        return parse(bh, "GET / HTTP/1.1\r\nHost: b\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), chunkedGzipResponse);
    }

    /** Parses the same response zstd-coded (SpanWatch's own decoder), fed in segment-sized pieces. */
    @Benchmark
    public long httpChunkedZstd(Blackhole bh) {
        if (chunkedZstdResponse == null) {
            throw new IllegalStateException("zstd command not found: install the Debian package zstd to run this benchmark");
        }
        return parse(bh, "GET / HTTP/1.1\r\nHost: b\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), chunkedZstdResponse);
    }

    /** Parses 1 MiB of small keep-alive responses (ten header lines, 64-byte bodies) and their requests. */
    @Benchmark
    public long httpKeepAliveHeads(Blackhole bh) {
        return parse(bh, keepAliveRequests, keepAliveResponses);
    }

    /** Splits a 1 MiB multipart/form-data upload into its part. */
    @Benchmark
    public long httpMultipart(Blackhole bh) {
        return parse(bh, multipartRequest, "HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }

    private static long parse(Blackhole bh, byte[] request, byte[] response) {
        long[] bytes = new long[1];
        HttpConnectionParser p = new HttpConnectionParser(new HttpListener() {
            @Override
            public void requestHeaders(HttpTransaction tx) {
            }

            @Override
            public void responseHeaders(HttpTransaction tx) {
            }

            @Override
            public BodySink openBody(HttpTransaction tx, boolean toServer, EntityInfo info) {
                return new BodySink() {
                    @Override
                    public void data(byte[] buf, int off, int len) {
                        bytes[0] += len;
                        bh.consume(buf[off]);
                    }

                    @Override
                    public void gap(long len) {
                    }

                    @Override
                    public void end(boolean complete, String reason) {
                    }
                };
            }

            @Override
            public void transactionDone(HttpTransaction tx) {
            }

            @Override
            public void anomaly(HttpTransaction tx, boolean toServer, String name, String detail) {
            }
        }, HttpLimits.DEFAULTS);
        for (int off = 0; off < request.length; off += MSS) {
            p.data(true, 0, request, off, Math.min(MSS, request.length - off));
        }
        for (int off = 0; off < response.length; off += MSS) {
            p.data(false, 0, response, off, Math.min(MSS, response.length - off));
        }
        p.close(0);
        return bytes[0];
    }

    private static StreamListener sink(Blackhole bh) {
        return new StreamListener() {
            @Override
            public void data(long ts, byte[] buf, int off, int len) {
                bh.consume(buf[off]);
            }

            @Override
            public void gap(long ts, long len) {
            }

            @Override
            public void fin(long ts) {
            }

            @Override
            public void anomaly(long ts, String name) {
            }
        };
    }

    private static byte[] response(String coding, byte[] body) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(("HTTP/1.1 200 OK\r\nContent-Encoding: " + coding + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        for (int off = 0; off < body.length; off += 4000) {
            int n = Math.min(4000, body.length - off);
            o.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            o.write(body, off, n);
            o.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        o.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return o.toByteArray();
    }

    private static byte[] udpFrame(int sport, int dport, byte[] payload) {
        return Frames.eth(Frames.ETH_IPV4, Frames.ipv4(17, "10.0.0.1", "10.0.0.2", Frames.udp(sport, dport, payload)));
    }

    private static byte[] dnsLike() {
        byte[] d = new byte[90];
        new Random(2).nextBytes(d);
        d[2] = (byte) 0x81;
        d[3] = (byte) 0x80;
        return d;
    }

    private static byte[] tcpFrame(int payloadLen) {
        byte[] f = new byte[14 + 20 + 20 + payloadLen];
        f[12] = 0x08;
        f[14] = 0x45;
        int ipLen = 40 + payloadLen;
        f[16] = (byte) (ipLen >> 8);
        f[17] = (byte) ipLen;
        f[14 + 8] = 64;
        f[14 + 9] = 6;
        f[14 + 12] = 10;
        f[14 + 15] = 1;
        f[14 + 16] = 10;
        f[14 + 19] = 2;
        f[34] = (byte) 0xC3;
        f[35] = 0x50;
        f[37] = 80;
        f[34 + 12] = 0x50;
        f[34 + 13] = 0x18;
        return f;
    }
}
