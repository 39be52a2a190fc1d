package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClamdReplyTest {
    @Test
    void ok() throws ClamdException {
        assertEquals(ClamdReply.OK, ClamdReply.parse("stream: OK\0"));
        assertEquals(ClamdReply.OK, ClamdReply.parse("stream: OK\n"));
        assertEquals(ClamdReply.OK, ClamdReply.parse("stream: OK"));
    }

    @Test
    void found() throws ClamdException {
        ClamdReply r = ClamdReply.parse("stream: Win.Test.EICAR_HDB-1 FOUND\0");
        assertEquals(ClamdReply.Kind.FOUND, r.kind());
        assertEquals(List.of("Win.Test.EICAR_HDB-1"), r.signatures());
    }

    @Test
    void severalFoundWithAllMatchInReplyOrder() throws ClamdException {
        ClamdReply r = ClamdReply.parse("stream: A.UNOFFICIAL FOUND\0stream: B.UNOFFICIAL FOUND\0stream: A.UNOFFICIAL FOUND\0");
        assertEquals(List.of("A.UNOFFICIAL", "B.UNOFFICIAL"), r.signatures());
        assertEquals(List.of("A", "B"), ClamdReply.parse("stream: A FOUND\nstream: B FOUND\n").signatures());
    }

    @Test
    void extendedDetectionInfoIsDropped() throws ClamdException {
        assertEquals(List.of("Own.Test.EICAR-MD5.UNOFFICIAL"),
                ClamdReply.parse("stream: Own.Test.EICAR-MD5.UNOFFICIAL(44d88612fea8a8f36de82e1278abb02f:68) FOUND\0").signatures());
    }

    @Test
    void foundWinsOverError() throws ClamdException {
        assertEquals(ClamdReply.Kind.FOUND, ClamdReply.parse("stream: X FOUND\0INSTREAM size limit exceeded. ERROR\0").kind());
    }

    @Test
    void sizeLimit() throws ClamdException {
        ClamdReply r = ClamdReply.parse("INSTREAM size limit exceeded. ERROR\0");
        assertEquals(ClamdReply.Kind.SIZE_LIMIT, r.kind());
        assertEquals("INSTREAM size limit exceeded.", r.error());
    }

    @Test
    void error() throws ClamdException {
        ClamdReply r = ClamdReply.parse("stream: Can't allocate memory ERROR\0");
        assertEquals(ClamdReply.Kind.ERROR, r.kind());
        assertEquals("Can't allocate memory", r.error());
    }

    @Test
    void nonsenseIsAProtocolError() {
        assertEquals(ClamdException.Kind.PROTOCOL, assertThrows(ClamdException.class, () -> ClamdReply.parse("UNKNOWN COMMAND\0")).kind());
        assertEquals(ClamdException.Kind.PROTOCOL, assertThrows(ClamdException.class, () -> ClamdReply.parse("")).kind());
        assertEquals(ClamdException.Kind.PROTOCOL, assertThrows(ClamdException.class, () -> ClamdReply.parse("\0\0")).kind());
    }

    @Test
    void versionWithDatabase() throws ClamdException {
        ClamdVersion v = ClamdVersion.parse("ClamAV 1.4.6/27480/Mon Nov 24 09:25:02 2025\0");
        assertEquals("1.4.6", v.engineVersion());
        assertEquals("27480", v.databaseVersion());
        assertEquals("Mon Nov 24 09:25:02 2025", v.databaseDate());
        assertEquals("ClamAV 1.4.6/27480/Mon Nov 24 09:25:02 2025", v.raw());
    }

    @Test
    void versionOfCustomOnlyDatabase() throws ClamdException {
        ClamdVersion v = ClamdVersion.parse("ClamAV 1.4.6\n");
        assertEquals("1.4.6", v.engineVersion());
        assertNull(v.databaseVersion());
        assertNull(v.databaseDate());
    }

    @Test
    void versionNonsense() {
        assertThrows(ClamdException.class, () -> ClamdVersion.parse("PONG"));
        assertThrows(ClamdException.class, () -> ClamdVersion.parse("ClamAV "));
    }
}
