package io.spanwatch.sensor.http;

import static io.spanwatch.sensor.http.Http2ReviewTest.EH;
import static io.spanwatch.sensor.http.Http2ReviewTest.ES;
import static io.spanwatch.sensor.http.Http2ReviewTest.SWITCHING;
import static io.spanwatch.sensor.http.Http2ReviewTest.ascii;
import static io.spanwatch.sensor.http.Http2ReviewTest.block;
import static io.spanwatch.sensor.http.Http2ReviewTest.data;
import static io.spanwatch.sensor.http.Http2ReviewTest.down;
import static io.spanwatch.sensor.http.Http2ReviewTest.frame;
import static io.spanwatch.sensor.http.Http2ReviewTest.headers;
import static io.spanwatch.sensor.http.Http2ReviewTest.preface;
import static io.spanwatch.sensor.http.Http2ReviewTest.repeat;
import static io.spanwatch.sensor.http.Http2ReviewTest.run;
import static io.spanwatch.sensor.http.Http2ReviewTest.settings;
import static io.spanwatch.sensor.http.Http2ReviewTest.settingsAck;
import static io.spanwatch.sensor.http.Http2ReviewTest.sinkOf;
import static io.spanwatch.sensor.http.Http2ReviewTest.up;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Frames the client's own SETTINGS make a connection error (the fifth evasion review, 2026-12-07):
 * the client ends the connection there, so a file sent in or after such a frame never reaches it and
 * must not be a complete file here. Real peers decide each case: nghttp2 (curl) and Go's x/net/http2.
 */
class Http2SettingsErrorTest {

    private static byte[] pushPromise(int stream, int promised, byte[] block) {
        byte[] p = new byte[4 + block.length];
        p[0] = (byte) (promised >>> 24);
        p[1] = (byte) (promised >>> 16);
        p[2] = (byte) (promised >>> 8);
        p[3] = (byte) promised;
        System.arraycopy(block, 0, p, 4, block.length);
        return frame(Http2Session.PUSH_PROMISE, EH, stream, p);
    }

    private static final String BODY = repeat('B', 20_000);

    /** RFC 9113 §4.2: a frame past SETTINGS_MAX_FRAME_SIZE (16,384 unless raised) is FRAME_SIZE_ERROR. */
    @Test
    void aDataFrameLongerThanTheClientAllowsEndsTheServersDirection() {
        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), settingsAck(), headers(1, EH, block().status200().lit("content-length", "20000").bytes()),
                        data(1, ES, BODY)));
        assertTrue(l.anomalies.contains("http2.invalid_frame_length"), l.transcript());
        for (RecordingListener.Sink s : l.sinks) {
            assertEquals(0, s.toServer ? 0 : s.total, "no byte of the frame reaches the client: " + l.transcript());
        }
    }

    @Test
    void aFrameWithinTheSizeTheClientRaisedIsTaken() {
        RecordingListener l = run(
                up(preface(), settings(5, 32_768), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), settingsAck(), headers(1, EH, block().status200().lit("content-length", "20000").bytes()),
                        data(1, ES, BODY)));
        assertFalse(l.anomalies.contains("http2.invalid_frame_length"), l.transcript());
        assertTrue(sinkOf(l, "/a", false).complete, l.transcript());
        assertEquals(20_000, sinkOf(l, "/a", false).total, l.transcript());
    }

    @Test
    void aFrameSizeRaisedInTheUpgradesSettingsCounts() {
        // HTTP2-Settings: SETTINGS_MAX_FRAME_SIZE 32,768 (00 05 00 00 80 00), base64url
        String upgrade = "GET /a HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                + "HTTP2-Settings: AAUAAIAA\r\n\r\n";
        RecordingListener l = run(
                up(ascii(upgrade), preface(), settings(5, 32_768)),
                down(ascii(SWITCHING), settings(), settingsAck(),
                        headers(1, EH, block().status200().lit("content-length", "20000").bytes()), data(1, ES, BODY)));
        assertFalse(l.anomalies.contains("http2.invalid_frame_length"), l.transcript());
        assertTrue(sinkOf(l, "/a", false).complete, l.transcript());
    }

    /** RFC 9113 §6.6: a PUSH_PROMISE once the server acknowledged ENABLE_PUSH 0 is a connection error. */
    @Test
    void aPushAfterTheServerAcknowledgedPushDisabledEndsTheServersDirection() {
        RecordingListener l = run(
                up(preface(), settings(2, 0), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), settingsAck(), pushPromise(1, 2, block().get("/pushed").bytes()),
                        headers(2, EH, block().status200().bytes()), data(2, ES, "MZ-pushed"),
                        headers(1, EH, block().status200().bytes()), data(1, ES, "MZ-answer")));
        assertTrue(l.anomalies.contains("http2.push_disabled"), l.transcript());
        for (RecordingListener.Sink s : l.sinks) {
            assertFalse(s.complete && !s.toServer, "no download reaches the client: " + l.transcript());
        }
    }

    @Test
    void aPushWhileTheClientAllowsItIsKept() {
        RecordingListener l = run(
                up(preface(), settings(2, 0), settings(2, 1), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), settingsAck(), settingsAck(), pushPromise(1, 2, block().get("/pushed").bytes()),
                        headers(2, EH, block().status200().bytes()), data(2, ES, "MZ-pushed"),
                        headers(1, EH, block().status200().bytes()), data(1, ES, "MZ-answer")));
        assertFalse(l.anomalies.contains("http2.push_disabled"), l.transcript());
        assertTrue(sinkOf(l, "/pushed", false).complete, l.transcript());
        assertTrue(sinkOf(l, "/a", false).complete, l.transcript());
    }

    @Test
    void aPushBeforeTheServerAcknowledgedTheClientsSettingsIsKept() {
        // the server pushed before it read ENABLE_PUSH 0: nothing it acknowledged forbade it yet
        RecordingListener l = run(
                up(preface(), settings(2, 0), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), pushPromise(1, 2, block().get("/pushed").bytes()),
                        headers(2, EH, block().status200().bytes()), data(2, ES, "MZ-pushed"), settingsAck(),
                        headers(1, EH, block().status200().bytes()), data(1, ES, "MZ-answer")));
        assertFalse(l.anomalies.contains("http2.push_disabled"), l.transcript());
        assertTrue(sinkOf(l, "/pushed", false).complete, l.transcript());
    }
}
