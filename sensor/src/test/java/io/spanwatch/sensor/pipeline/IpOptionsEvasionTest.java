package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.pipeline.ReassemblyEvasionTest.Capture;
import io.spanwatch.sensor.pipeline.ReassemblyEvasionTest.Result;
import io.spanwatch.sensor.reassembly.OverlapPolicy;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sends downloads with a decoy whose IP options the client's stack refuses, just before the real
 * segment: the file must be the one the client saved, under the policy of a stack that refuses them,
 * and the decoy under one that takes them. The third evasion review slipped such decoys past the
 * sensor.
 */
class IpOptionsEvasionTest {
    @TempDir
    Path tmp;

    private final ReassemblyEvasionTest downloads = new ReassemblyEvasionTest();

    /** {@code frame} (Ethernet, IPv4) with {@code options} (a multiple of 4 bytes) after its IPv4 header. */
    static byte[] withIpv4Options(byte[] frame, int... opts) {
        byte[] options = bytes(opts);
        byte[] out = ReassemblyEvasionTest.concat(java.util.Arrays.copyOf(frame, 34), options);
        out = ReassemblyEvasionTest.concat(out, java.util.Arrays.copyOfRange(frame, 34, frame.length));
        out[14] = (byte) (0x45 + options.length / 4);
        int total = out.length - 14;
        out[16] = (byte) (total >> 8);
        out[17] = (byte) total;
        out[24] = 0;
        out[25] = 0;
        int sum = 0;
        for (int i = 14; i < 34 + options.length; i += 2) {
            sum += (out[i] & 0xff) << 8 | (out[i + 1] & 0xff);
        }
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = ~((sum & 0xffff) + (sum >>> 16));
        out[24] = (byte) (sum >> 8);
        out[25] = (byte) sum;
        return out;
    }

    /** {@code frame} (Ethernet, IPv6) with a destination options header holding {@code options} (6, 14, ... bytes). */
    static byte[] withDestinationOptions(byte[] frame, int... opts) {
        byte[] options = bytes(opts);
        byte[] header = new byte[2 + options.length];
        header[0] = frame[20]; // the next header it names
        header[1] = (byte) (header.length / 8 - 1);
        System.arraycopy(options, 0, header, 2, options.length);
        byte[] out = ReassemblyEvasionTest.concat(java.util.Arrays.copyOf(frame, 54), header);
        out = ReassemblyEvasionTest.concat(out, java.util.Arrays.copyOfRange(frame, 54, frame.length));
        out[20] = 60;
        int plen = out.length - 54;
        out[18] = (byte) (plen >> 8);
        out[19] = (byte) plen;
        return out;
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    Result decoyRun(String client, int port, UnaryOperator<byte[]> decoy, OverlapPolicy receiver) throws Exception {
        downloads.tmp = tmp;
        Capture c = new Capture();
        TcpWire w = ReassemblyEvasionTest.untimed(port);
        if (client.contains(":")) {
            w = new TcpWire(client, port, "fd00::3", 80);
            w.cts = -1;
            w.sts = -1;
        }
        ReassemblyEvasionTest.request(c, w, -1, 65_535);
        return downloads.run(downloads.decoyBeforeSegment3(c, w, decoy, f -> f), ReassemblyEvasionTest.receiverIs(receiver));
    }

    void assertRefusedOnlyBy(String client, int port, UnaryOperator<byte[]> decoy, OverlapPolicy refuses, OverlapPolicy takes) throws Exception {
        Result refused = decoyRun(client, port, decoy, refuses);
        assertTrue(refused.stored(downloads.body), refused.eve());
        assertTrue(refused.eve().contains("\"stream.ip_options_refused\""), refused.eve());
        Result taken = decoyRun(client, port + 1, decoy, takes);
        assertFalse(taken.stored(downloads.body), "this host takes the decoy first: " + taken.eve());
        assertFalse(taken.eve().contains("\"stream.ip_options_refused\""), taken.eve());
    }

    /** Linux's {@code ip_options_compile} refuses a record-route pointer that leaves no room for an address; BSD hosts do not. */
    @Test
    void aLinuxHostDropsARecordRouteWithoutRoom() throws Exception {
        assertRefusedOnlyBy("10.0.0.1", 40_200, f -> withIpv4Options(f, 0x07, 7, 5, 0, 0, 0, 0, 0),
                OverlapPolicy.LINUX, OverlapPolicy.BSD);
    }

    /** FreeBSD's and macOS's {@code ip_dooptions} refuse a timestamp option of an undefined flag; Linux takes it. */
    @Test
    void aBsdHostDropsATimestampOptionOfAnUndefinedFlag() throws Exception {
        assertRefusedOnlyBy("10.0.0.1", 40_210, f -> withIpv4Options(f, 0x44, 12, 5, 2, 0, 0, 0, 0, 0, 0, 0, 0),
                OverlapPolicy.MACOS, OverlapPolicy.LINUX);
    }

    /** Linux's {@code ip6_parse_tlv} refuses a PadN that is not zeros; the BSDs take it. */
    @Test
    void aLinuxHostDropsIpv6PaddingThatIsNotZeros() throws Exception {
        assertRefusedOnlyBy("fd00::1", 40_220, f -> withDestinationOptions(f, 1, 4, 'x', 'y', 0, 0),
                OverlapPolicy.LINUX, OverlapPolicy.BSD);
    }
}
