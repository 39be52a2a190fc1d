package io.spanwatch.analyzer.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FeedSpecTest {
    @Test
    void parsesEveryTransport() {
        FeedSpec s = FeedSpec.parse("syslog+tls://siem.example?ca=/etc/ca.pem&facility=local3");
        assertEquals(FeedSpec.Kind.SYSLOG_TLS, s.kind());
        assertEquals("siem.example", s.host());
        assertEquals(6514, s.port());
        assertEquals("/etc/ca.pem", s.param("ca", null));
        assertEquals("syslog-tls-siem-example-6514", s.name());
        assertEquals(Set.of("alert", "incident"), s.events());

        FeedSpec w = FeedSpec.parse("webhook+https://[2001:db8::1]:8443/hooks/ids?format=ecs&token=abc&name=SOC");
        assertEquals("2001:db8::1", w.host());
        assertEquals(8443, w.port());
        assertEquals("/hooks/ids", w.path());
        assertEquals("token=abc", w.passThrough());
        assertEquals("soc", w.name());

        FeedSpec k = FeedSpec.parse("kafka://k1:9092,k2:9093/spanwatch.alerts");
        assertEquals(List.of("k1:9092", "k2:9093"), k.hosts());
        assertEquals("spanwatch.alerts", k.path());

        FeedSpec m = FeedSpec.parse("smtp://mail.example?to=soc@example.org,oncall@example.org");
        assertEquals(25, m.port());
        assertEquals(List.of("soc@example.org", "oncall@example.org"), m.list("to"));
        assertEquals(Set.of("incident"), m.events());
    }

    @Test
    void badUrisNameTheUriAndTheProblem() {
        for (String[] c : new String[][] {
            {"syslog://x", "unknown scheme"},
            {"syslog+tcp://x:99999", "bad port"},
            {"syslog+udp://x?ca=/a", "unknown parameter ca"},
            {"kafka://x:9092/", "topic"},
            {"smtp://x", "to="},
            {"webhook+http://u:p@x/", "password"},
            {"syslog+tcp://x?events=flows", "events=flows"},
            {"x", "SCHEME://"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeedSpec.parse(c[0]));
            assertTrue(e.getMessage().startsWith("--feed " + c[0] + ": ") && e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
