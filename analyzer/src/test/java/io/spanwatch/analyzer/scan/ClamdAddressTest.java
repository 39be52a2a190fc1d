package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClamdAddressTest {
    @Test
    void hostAndPort() {
        ClamdAddress a = ClamdAddress.parse("127.0.0.1:3311");
        assertEquals("127.0.0.1", a.host());
        assertEquals(3311, a.port());
        assertFalse(a.isUnix());
        assertEquals("127.0.0.1:3311", a.toString());
    }

    @Test
    void hostAloneTakesTheDefaultPort() {
        assertEquals(ClamdAddress.tcp("clamd.example", 3310), ClamdAddress.parse("clamd.example"));
        assertEquals(ClamdAddress.tcp("127.0.0.1", 3310), ClamdAddress.parse(ClamdAddress.DEFAULT));
    }

    @Test
    void bracketedIpv6() {
        assertEquals(ClamdAddress.tcp("::1", 3312), ClamdAddress.parse("[::1]:3312"));
        assertEquals(ClamdAddress.tcp("fe80::1", 3310), ClamdAddress.parse("[fe80::1]"));
        assertEquals("[::1]:3312", ClamdAddress.parse("[::1]:3312").toString());
    }

    @Test
    void absolutePathIsAUnixSocket() {
        ClamdAddress a = ClamdAddress.parse("/run/clamav/clamd.ctl");
        assertTrue(a.isUnix());
        assertEquals(Path.of("/run/clamav/clamd.ctl"), a.unixSocket());
        assertEquals("/run/clamav/clamd.ctl", a.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "host:", "host:abc", "host:0", "host:65536", ":3310", "::1", "[::1", "[::1]3310",
            "[host]:3310", "relative/clamd.sock", "a b:3310", "[]:3310"})
    void badTextIsNamed(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClamdAddress.parse(text));
        if (!text.isBlank()) {
            assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
        }
    }
}
