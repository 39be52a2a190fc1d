package io.spanwatch.sensor.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.decode.DecodedPacket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowTableTest {
    private static final long S = 1_000_000_000L;

    static DecodedPacket udp(int srcLast, int sport, int dstLast, int dport, long ts, int vlan) {
        byte[] b = new byte[8];
        b[0] = 10;
        b[3] = (byte) srcLast;
        b[4] = 10;
        b[7] = (byte) dstLast;
        DecodedPacket p = new DecodedPacket();
        p.reset(b, ts, 60);
        p.ipVersion = 4;
        p.srcAddrOff = 0;
        p.dstAddrOff = 4;
        p.proto = 17;
        p.srcPort = sport;
        p.dstPort = dport;
        if (vlan >= 0) {
            p.vlanCount = 1;
            p.vlans[0] = vlan;
        }
        return p;
    }

    @Test
    void bothDirectionsFindOneFlowAndIdleFlowsTimeOut() {
        List<String> ended = new ArrayList<>();
        FlowTable t = new FlowTable(FlowConfig.DEFAULTS, (f, reason) -> ended.add(f.origPort + ":" + reason), 1);
        Flow a = t.lookup(udp(1, 1000, 2, 53, 0, -1));
        Flow back = t.lookup(udp(2, 53, 1, 1000, S, -1));
        assertSame(a, back);
        assertEquals(Flow.State.ESTABLISHED, a.state);
        Flow busy = t.lookup(udp(3, 2000, 2, 53, 0, -1));
        for (long s = 1; s <= 400; s++) {
            t.lookup(udp(3, 2000, 2, 53, s * S, -1)); // keeps talking
            t.expire(s * S);
        }
        assertEquals(List.of("1000:timeout"), ended, "the quiet flow timed out after 300 s, the busy one did not");
        assertEquals(1, t.size());
        assertEquals(2000, busy.origPort);
    }

    @Test
    void fullTableEndsTheLeastRecentlySeenFlow() {
        List<Integer> ended = new ArrayList<>();
        FlowConfig small = new FlowConfig(3, 60, 600, 60, 30, 300, 30, 300, true);
        FlowTable t = new FlowTable(small, (f, reason) -> ended.add(f.origPort), 1);
        t.lookup(udp(1, 1, 2, 9, 0, -1));
        t.lookup(udp(1, 2, 2, 9, 1, -1));
        t.lookup(udp(1, 3, 2, 9, 2, -1));
        t.lookup(udp(1, 1, 2, 9, 3, -1)); // flow 1 seen again: flow 2 is now the oldest
        t.lookup(udp(1, 4, 2, 9, 4, -1));
        assertEquals(List.of(2), ended);
        assertEquals(1, t.evicted());
    }

    @Test
    void fullTableEndsFloodFlowsBeforeConversations() {
        List<Integer> ended = new ArrayList<>();
        FlowConfig small = new FlowConfig(4, 60, 600, 60, 30, 300, 30, 300, true);
        FlowTable t = new FlowTable(small, (f, reason) -> ended.add(f.origPort), 1);
        t.lookup(udp(1, 1, 2, 9, 0, -1));
        t.lookup(udp(2, 9, 1, 1, 1, -1)); // answered: flow 1 is a conversation
        Flow http = t.lookup(udp(1, 2, 2, 9, 2, -1));
        http.appProto = "http"; // recognised from one direction only (half of a connection seen)
        t.lookup(udp(1, 2, 2, 9, 3, -1));
        assertEquals(2, t.usefulCount());
        for (int i = 0; i < 1000; i++) {
            t.lookup(udp(3, 1000 + i, 2, 9, 10 + i, -1)); // a flood of one-packet flows
        }
        assertTrue(ended.stream().allMatch(p -> p >= 1000), "only flood flows were ended: " + ended.subList(0, 5));
        assertEquals(998, t.evicted());
        assertEquals(4, t.size());
        // With only conversations left, the one seen least recently goes first.
        FlowTable u = new FlowTable(new FlowConfig(2, 60, 600, 60, 30, 300, 30, 300, true), (f, reason) -> ended.add(-f.origPort), 1);
        for (int port = 1; port <= 3; port++) {
            u.lookup(udp(1, port, 2, 9, port * 10, -1));
            u.lookup(udp(2, 9, 1, port, port * 10 + 1, -1));
        }
        assertEquals(-1, ended.getLast());
    }

    @Test
    void vlansSeparateFlowsUnlessTurnedOff() {
        FlowTable with = new FlowTable(FlowConfig.DEFAULTS, (f, r) -> { }, 1);
        assertTrue(with.lookup(udp(1, 1, 2, 9, 0, 10)) != with.lookup(udp(2, 9, 1, 1, 1, 20)));
        FlowConfig off = new FlowConfig(100, 60, 600, 60, 30, 300, 30, 300, false);
        FlowTable without = new FlowTable(off, (f, r) -> { }, 1);
        assertSame(without.lookup(udp(1, 1, 2, 9, 0, 10)), without.lookup(udp(2, 9, 1, 1, 1, 20)));
    }
}
