package io.spanwatch.sensor.decode;

import static io.spanwatch.sensor.decode.Frames.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.capture.LinkType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * CAPWAP data messages cut into CAPWAP fragments, as an access point sends a full-size client frame
 * to its controller: put back together in any order, copies ignored, a conflicting overlap, a
 * message too large for its datagram, a message left incomplete and more messages than the limit
 * each dropped and named; nothing held afterwards.
 */
class CapwapReassemblerTest {
    private static final byte[] BODY = body(3_000);
    private static final byte[] INNER = eth(ETH_IPV4, ipv4(6, "10.20.0.7", "93.184.216.34", tcp(40_000, 80, BODY)));

    private final PacketDecoder decoder = new PacketDecoder();
    private final CapwapReassembler reassembler = new CapwapReassembler();
    private final List<byte[]> frames = new ArrayList<>();
    private final List<String> anomalies = new ArrayList<>();
    private final Defragmenter.Output out = new Defragmenter.Output() {
        @Override
        public void frame(long tsNanos, int linkType, byte[] buf, int off, int len) {
            assertEquals(LinkType.ETHERNET, linkType);
            frames.add(Arrays.copyOfRange(buf, off, off + len));
        }

        @Override
        public void anomaly(long tsNanos, String name, DecodedPacket fragment) {
            anomalies.add(name);
        }
    };

    private static byte[] body(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    /** A CAPWAP fragment (802.3, header of 2 words) carrying {@code data} at byte {@code offset} of message {@code id}. */
    private static byte[] fragment(int id, int offset, boolean last, byte[] data, boolean v6) {
        byte[] c = capwapFragment(2, false, id, offset, last, data);
        byte[] udp = udp(5264, 5247, c);
        return v6 ? eth(ETH_IPV6, ipv6(17, "2001:db8:a::40", "2001:db8:a::1", udp)) : eth(ETH_IPV4, ipv4(17, "10.2.0.40", "10.2.0.1", udp));
    }

    /** The message {@code INNER} (or {@code message}) cut into fragments of {@code size} bytes (a multiple of 8). */
    private static List<byte[]> fragments(int id, byte[] message, int size, boolean v6) {
        List<byte[]> l = new ArrayList<>();
        for (int o = 0; o < message.length; o += size) {
            int end = Math.min(message.length, o + size);
            l.add(fragment(id, o, end == message.length, Arrays.copyOfRange(message, o, end), v6));
        }
        return l;
    }

    private void feed(long ts, byte[] frame) {
        DecodedPacket p = new DecodedPacket();
        p.reset(frame, ts, frame.length);
        decoder.decode(LinkType.ETHERNET, frame, 0, frame.length, p);
        assertNull(p.anomaly);
        assertTrue(p.capwapFragment);
        reassembler.add(ts, LinkType.ETHERNET, 0, p, out);
    }

    /** Decodes a message put back together: the TCP segment inside the 802.3 frame inside CAPWAP. */
    private byte[] innerPayload(byte[] frame) {
        DecodedPacket p = new DecodedPacket();
        p.reset(frame, 1, frame.length);
        assertTrue(decoder.decode(LinkType.ETHERNET, frame, 0, frame.length, p), "decodes: " + p.anomaly);
        assertEquals(1, p.tunnelDepth);
        assertEquals(80, p.dstPort);
        return Arrays.copyOfRange(frame, p.payloadOff, p.payloadOff + p.payloadLen);
    }

    @Test
    void fragmentsInAnyOrderMakeTheMessageAndCopiesAreIgnored() {
        List<byte[]> parts = fragments(7, INNER, 1_200, false);
        assertEquals(3, parts.size());
        for (byte[] f : parts) {
            feed(1, f);
        }
        List<byte[]> reversed = new ArrayList<>(fragments(8, INNER, 1_200, true));
        Collections.reverse(reversed);
        feed(2, reversed.get(0));
        feed(2, reversed.get(0)); // a copy
        feed(2, reversed.get(1));
        feed(2, reversed.get(2));
        assertEquals(2, frames.size(), "anomalies: " + anomalies);
        assertArrayEquals(BODY, innerPayload(frames.get(0)));
        assertArrayEquals(BODY, innerPayload(frames.get(1)), "IPv6 outside, fragments last first");
        assertEquals(List.of(), anomalies);
        assertEquals(2, reassembler.reassembled);
        assertEquals(7, reassembler.fragments);
        assertEquals(0, reassembler.held());
        assertEquals(0, reassembler.pending());
    }

    @Test
    void aConflictingOverlapOrASecondEndDropsTheMessage() {
        List<byte[]> parts = fragments(9, INNER, 1_200, false);
        feed(1, parts.get(0));
        byte[] other = Arrays.copyOfRange(INNER, 1_192, 2_400);
        other[20] ^= 1;
        feed(1, fragment(9, 1_192, false, other, false)); // starts inside the first: which copy would the controller keep?
        feed(1, parts.get(1));
        feed(1, parts.get(2));
        assertEquals(List.of("decoder.capwap.fragment_overlap"), anomalies);
        assertEquals(0, frames.size(), "the rest of the message never completes: the first part went with the drop");
        List<byte[]> again = fragments(10, INNER, 1_200, false);
        feed(1, again.get(2));
        feed(1, fragment(10, 2_400, true, Arrays.copyOfRange(INNER, 2_400, 2_408), false));
        assertEquals(List.of("decoder.capwap.fragment_overlap", "decoder.capwap.fragment_overlap"), anomalies, "a second last fragment");
        assertEquals(2, reassembler.dropped);
    }

    @Test
    void anIncompleteMessageTimesOutAndTheLimitsHold() {
        List<byte[]> parts = fragments(11, INNER, 1_200, false);
        feed(1_000_000_000L, parts.get(0));
        assertTrue(reassembler.held() > 1_200);
        reassembler.expire(1_000_000_000L + CapwapReassembler.TIMEOUT_SECONDS * 1_000_000_000L);
        assertEquals(1, reassembler.pending(), "not yet");
        reassembler.expire(1_000_000_001L + CapwapReassembler.TIMEOUT_SECONDS * 1_000_000_000L);
        assertEquals(0, reassembler.pending());
        assertEquals(0, reassembler.held());
        assertEquals(1, reassembler.timeouts);
        for (int id = 0; id < CapwapReassembler.MAX_MESSAGES + 5; id++) {
            feed(5_000_000_000L, fragment(id, 0, false, new byte[64], false));
        }
        assertEquals(CapwapReassembler.MAX_MESSAGES, reassembler.pending());
        assertEquals(5, reassembler.dropped);
        assertEquals(5, anomalies.stream().filter("decoder.capwap.reassembly_dropped"::equals).count());
    }

    @Test
    void aMessageLongerThanItsDatagramCanSayIsDropped() {
        byte[] big = new byte[65_600]; // its last fragment still within the 13-bit offset (65,528 bytes at most)
        for (byte[] f : fragments(12, big, 1_400, false)) {
            feed(1, f);
        }
        assertEquals(List.of("decoder.capwap.message_too_large"), anomalies);
        assertEquals(0, frames.size());
        assertEquals(0, reassembler.held());
    }

    /**
     * Review: a fragment that lies past the end a later last fragment gives is as much a conflict as
     * one that comes after it (overlaps() checks against m.total only once total is known). Here the
     * message can never complete: it must be dropped and named at once, not held 10 s and counted as
     * a timeout.
     */
    @Test
    void aFragmentPastTheEndOfALaterLastFragmentDropsTheMessage() {
        feed(1, fragment(13, 2_400, false, Arrays.copyOfRange(INNER, 2_400, INNER.length), false)); // not last, past 2,400
        feed(1, fragment(13, 1_200, true, Arrays.copyOfRange(INNER, 1_200, 2_400), false)); // says the message ends at 2,400
        assertEquals(List.of("decoder.capwap.fragment_overlap"), anomalies, "pending " + reassembler.pending()
                + ", held " + reassembler.held());
        assertEquals(0, reassembler.pending());
        assertEquals(0, reassembler.held());
        // A fragment of that id coming after the drop starts a message of its own, as a host's IP
        // reassembly does after dropping a datagram; it never completes and times out.
        feed(1, fragment(13, 0, false, Arrays.copyOfRange(INNER, 0, 1_200), false));
        assertEquals(1, reassembler.pending());
        reassembler.expire(2 + CapwapReassembler.TIMEOUT_SECONDS * 1_000_000_000L);
        assertEquals(0, reassembler.held());
        assertEquals(List.of(), frames);
    }

    /**
     * Review: held() counts data bytes only, so 1-byte fragments (one at each 8-byte offset: no overlap,
     * no completion) keep a TreeMap entry, a boxed offset and an array each, some 80 bytes of heap for
     * 1 byte counted. 400,000 of them (4 s of a 100 kpps flood, inside the 10 s timeout) hold over 30 MB
     * of heap while held() says 400 KB and nothing is evicted: MEMCAP (16 MiB) does not bound memory.
     */
    @Test
    void tinyFragmentsCountTheirOverheadAgainstTheMemcap() {
        int perMessage = 8_000;
        int n = 400_000;
        for (int i = 0; i < n; i++) {
            int id = i / perMessage;
            int offset = (i % perMessage + 1) * 8; // never offset 0: no head, the message never completes
            feed(1, fragment(id, offset, false, new byte[] {(byte) i}, false));
        }
        assertEquals(n, reassembler.fragments);
        long floor = 48L * n; // a TreeMap entry (40) and a byte[1] (24) and an Integer (16) each, at the least 48
        assertTrue(reassembler.held() >= floor || reassembler.dropped > 0,
                "held() says " + reassembler.held() + " bytes for " + n + " fragments held (at least " + floor
                        + " bytes of heap), under MEMCAP " + CapwapReassembler.MEMCAP + " so nothing is evicted");
    }

    /** The same access point, addresses and fragment id on two VLANs: two messages, never one made of both. */
    @Test
    void fragmentsOfTwoVlansNeverMix() {
        byte[] other = eth(ETH_IPV4, ipv4(6, "10.20.0.8", "93.184.216.34", tcp(40_001, 80, body(1_500))));
        for (int k = 0; k < 2; k++) {
            for (int vlan : new int[] {10, 20}) {
                byte[] message = vlan == 10 ? INNER : other;
                int o = k * 1_200;
                int end = Math.min(message.length, o + 1_200);
                byte[] c = capwapFragment(2, false, 5, o, end == message.length, Arrays.copyOfRange(message, o, end));
                feed(1, ethTagged(new int[] {0x8100}, new int[] {vlan}, ETH_IPV4, ipv4(17, "10.2.0.40", "10.2.0.1", udp(5264, 5247, c))));
            }
        }
        feed(1, ethTagged(new int[] {0x8100}, new int[] {10}, ETH_IPV4, ipv4(17, "10.2.0.40", "10.2.0.1", udp(5264, 5247,
                capwapFragment(2, false, 5, 2_400, true, Arrays.copyOfRange(INNER, 2_400, INNER.length))))));
        assertEquals(2, frames.size(), "anomalies: " + anomalies);
        assertArrayEquals(body(1_500), innerPayload(frames.get(0)), "VLAN 20's message, complete first");
        assertArrayEquals(BODY, innerPayload(frames.get(1)));
        assertEquals(List.of(), anomalies);
    }
}
