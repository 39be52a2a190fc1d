package io.spanwatch.analyzer.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The session bound: sessions whose cookie never came back go first, so cookie-less calls cannot log a browser out. */
class SessionsTest {
    @Test
    void cookielessCallsPastTheBoundDoNotEndASessionInUse() {
        Sessions s = new Sessions(Duration.ofHours(8), 100, Clock.systemUTC());
        Sessions.Session browser = s.create("local", Role.ACT, null);
        assertNotNull(s.get(browser.id()), "the browser sent its cookie back");
        for (int i = 0; i < 10_000; i++) {
            s.create("local", Role.ACT, null); // a script without a cookie jar: a new session per call
        }
        assertEquals(100, s.size());
        assertNotNull(s.get(browser.id()), "still logged in");

        Sessions lru = new Sessions(Duration.ofHours(8), 3, Clock.systemUTC());
        Sessions.Session[] used = new Sessions.Session[4];
        for (int i = 0; i < 4; i++) {
            used[i] = lru.create("u" + i, Role.READ, null);
            lru.get(used[i].id()); // each came back
        }
        assertNull(lru.get(used[0].id()), "among sessions in use the least recently used goes");
        assertNotNull(lru.get(used[3].id()));
    }
}
