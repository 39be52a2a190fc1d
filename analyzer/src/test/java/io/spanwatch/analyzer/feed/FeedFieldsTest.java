package io.spanwatch.analyzer.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spanwatch.analyzer.events.HomeNet;
import org.junit.jupiter.api.Test;

/** Checks a record's key: the internal host by the configured home networks, not by RFC 1918 alone. */
class FeedFieldsTest {

    @Test
    void recordKeyFollowsTheHomeNet() {
        // client 10.1.0.x, server 203.0.113.x
        assertEquals("10.1.0.4", FeedFields.recordKey(FeedEvents.malware(3, false), HomeNet.DEFAULTS), "default: the private client");
        HomeNet dmz = new HomeNet("203.0.113.0/24");
        assertEquals("203.0.113.4", FeedFields.recordKey(FeedEvents.malware(3, false), dmz),
                "a home net of public addresses: the internal server, not the RFC 1918 client");
        assertEquals("203.0.113.4", FeedFields.recordKey(FeedEvents.reputation(3), dmz));
        assertEquals("10.1.0.4", FeedFields.recordKey(FeedEvents.malware(3, false), new HomeNet("192.0.2.0/24")),
                "neither side internal: the client, so one host's records stay on one partition");
        assertEquals("10.1.0.8", FeedFields.recordKey(FeedEvents.incident(7), dmz), "an incident: its host");
    }

    /** A Host with {@code @}, {@code /} or {@code #} cannot make another host the URL's (adversarial review). */
    @Test
    void aHostCannotPickTheHostOfTheUrl() throws Exception {
        for (String host : new String[] {"login.bank.example@evil.example", "login.bank.example/x@evil.example", "bank.example#@evil.example",
            "bank.example?@evil.example"}) {
            io.spanwatch.sensor.event.HttpInfo h = new io.spanwatch.sensor.event.HttpInfo(1, host, -1, "/e.exe", "ua", null, "GET", null,
                    "HTTP/1.1", 200, 1, 0, null);
            String full = FeedFields.fullUrl(h, FeedEvents.header(1));
            java.net.URI u = new java.net.URI(full);
            assertEquals(null, u.getUserInfo(), full);
            assertEquals("/e.exe", u.getPath(), full);
            org.junit.jupiter.api.Assertions.assertFalse(String.valueOf(u.getHost()).contains("evil"), full);
            org.junit.jupiter.api.Assertions.assertTrue(full.startsWith("http://") && full.contains("%40evil.example"), full);
        }
        io.spanwatch.sensor.event.HttpInfo plain = new io.spanwatch.sensor.event.HttpInfo(1, "files.example", 8080, "/a?b=c", "ua", null,
                "GET", null, "HTTP/1.1", 200, 1, 0, null);
        assertEquals("http://files.example:8080/a?b=c", FeedFields.fullUrl(plain, FeedEvents.header(1)), "a plain host as it was");
    }
}
