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
}
