package io.spanwatch.sensor.http;

import static io.spanwatch.sensor.http.Http2ReviewTest.EH;
import static io.spanwatch.sensor.http.Http2ReviewTest.ES;
import static io.spanwatch.sensor.http.Http2ReviewTest.block;
import static io.spanwatch.sensor.http.Http2ReviewTest.cat;
import static io.spanwatch.sensor.http.Http2ReviewTest.data;
import static io.spanwatch.sensor.http.Http2ReviewTest.down;
import static io.spanwatch.sensor.http.Http2ReviewTest.frame;
import static io.spanwatch.sensor.http.Http2ReviewTest.headers;
import static io.spanwatch.sensor.http.Http2ReviewTest.preface;
import static io.spanwatch.sensor.http.Http2ReviewTest.run;
import static io.spanwatch.sensor.http.Http2ReviewTest.settings;
import static io.spanwatch.sensor.http.Http2ReviewTest.settingsAck;
import static io.spanwatch.sensor.http.Http2ReviewTest.sinkOf;
import static io.spanwatch.sensor.http.Http2ReviewTest.up;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Control frames every client ends the connection or the stream on (the sixth evasion review,
 * 2026-12-06): a decoy answer the server sends after one never reaches the client, so it must not be
 * a complete file here; the same frames well formed change nothing. Real peers decide each case:
 * nghttp2 (curl) and Go's x/net/http2 (its Framer's parse*Frame, its client's processHeaders).
 */
class Http2ControlFrameTest {

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    private static final byte[] INCREMENT_4096 = bytes(0, 0, 0x10, 0);
    private static final byte[] ZERO_INCREMENT = bytes(0, 0, 0, 0);

    /** Frames the server sends before its answer on stream 1, each refused, and the anomaly it gives. */
    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("SETTINGS ACK with a setting", frame(Http2Session.SETTINGS, Http2Session.ACK, 0, bytes(0, 3, 0, 0, 0, 100)),
                        "http2.invalid_frame_length"),
                Arguments.of("SETTINGS of 9 bytes", frame(Http2Session.SETTINGS, 0, 0, bytes(0, 3, 0, 0, 0, 100, 0, 0, 0)),
                        "http2.invalid_frame_length"),
                Arguments.of("INITIAL_WINDOW_SIZE 2^31", settings(4, 0x8000_0000), "http2.invalid_frame_data"),
                Arguments.of("PING of 6 bytes", frame(Http2Session.PING, 0, 0, new byte[6]), "http2.invalid_frame_length"),
                Arguments.of("PING on stream 1", frame(Http2Session.PING, 0, 1, new byte[8]), "http2.invalid_frame_header"),
                Arguments.of("WINDOW_UPDATE of 5 bytes", frame(Http2Session.WINDOW_UPDATE, 0, 0, bytes(0, 0, 0x10, 0, 0)),
                        "http2.invalid_frame_length"),
                Arguments.of("WINDOW_UPDATE of 0 on the connection", frame(Http2Session.WINDOW_UPDATE, 0, 0, ZERO_INCREMENT),
                        "http2.invalid_frame_data"),
                Arguments.of("WINDOW_UPDATE of 0 on stream 1", frame(Http2Session.WINDOW_UPDATE, 0, 1, ZERO_INCREMENT),
                        "http2.invalid_frame_data"),
                Arguments.of("RST_STREAM on stream 0", frame(Http2Session.RST_STREAM, 0, 0, bytes(0, 0, 0, 8)),
                        "http2.invalid_frame_header"),
                Arguments.of("RST_STREAM of 3 bytes", frame(Http2Session.RST_STREAM, 0, 1, bytes(0, 0, 8)),
                        "http2.invalid_frame_length"),
                Arguments.of("RST_STREAM then an answer on the closed stream", frame(Http2Session.RST_STREAM, 0, 1, bytes(0, 0, 0, 7)),
                        "http2.invalid_frame_header"),
                Arguments.of("GOAWAY on stream 1", frame(Http2Session.GOAWAY, 0, 1, new byte[8]), "http2.invalid_frame_header"),
                Arguments.of("GOAWAY of 4 bytes", frame(Http2Session.GOAWAY, 0, 0, new byte[4]), "http2.invalid_frame_length"),
                Arguments.of("PRIORITY of 4 bytes", frame(Http2Session.PRIORITY, 0, 1, new byte[4]), "http2.invalid_frame_length"),
                Arguments.of("PRIORITY on stream 0", frame(Http2Session.PRIORITY, 0, 0, bytes(0, 0, 0, 1, 15)),
                        "http2.invalid_frame_header"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void anAnswerAfterAFrameTheClientRefusesIsNoFile(String what, byte[] refused, String anomaly) {
        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), settingsAck(), refused,
                        headers(1, EH, block().status200().lit("content-length", "9").bytes()), data(1, ES, "MZ-decoy!")));
        assertTrue(l.anomalies.contains(anomaly), what + ": " + l.transcript());
        for (RecordingListener.Sink s : l.sinks) {
            assertFalse(s.complete && !s.toServer, what + ": no answer reaches the client: " + l.transcript());
        }
    }

    @ParameterizedTest(name = "stream {0}")
    @ValueSource(ints = {2, 1})
    void anAnswerOnAStreamNeverPromisedOrAlreadyDoneIsNoFile(int stream) {
        // stream 1 is answered and done first, then a second answer comes on it (or on stream 2, never promised)
        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), settingsAck(), headers(1, EH, block().status200().bytes()), data(1, ES, "MZ-real"),
                        headers(stream, EH, block().status200().bytes()), data(stream, ES, "MZ-decoy")));
        assertTrue(l.anomalies.contains("http2.invalid_frame_header"), l.transcript());
        for (RecordingListener.Sink s : l.sinks) {
            assertFalse(s.complete && !s.toServer && s.bytes.toString().equals("MZ-decoy"), l.transcript());
        }
        assertTrue(sinkOf(l, "/a", false).complete, l.transcript());
    }

    @ParameterizedTest(name = "promised stream {0}")
    @ValueSource(ints = {3, 2})
    void aPushOfAStreamIdTheServerMayNotUseEndsItsDirection(int promised) {
        // stream 3 is the client's to open; 2 was promised already (ids only grow): a connection error
        byte[] first = pushPromise(1, 2, "/first");
        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), settingsAck(), first, headers(2, EH, block().status200().bytes()), data(2, ES, "MZ-first"),
                        pushPromise(1, promised, "/pushed"), headers(promised, EH, block().status200().bytes()),
                        data(promised, ES, "MZ-decoy"), headers(1, EH, block().status200().bytes()), data(1, ES, "MZ-answer")));
        assertTrue(l.anomalies.contains("http2.stream_id_reuse"), l.transcript());
        assertTrue(sinkOf(l, "/first", false).complete, l.transcript());
        for (RecordingListener.Sink s : l.sinks) {
            assertFalse(s.complete && !s.toServer && !"/first".equals(s.tx.uri), "nothing after the promise reaches the client: " + l.transcript());
        }
    }

    /** RFC 9113 §8.1: trailers end the stream, and DATA come after the HEADERS; else the message is malformed. */
    @Test
    void trailersThatDoNotEndTheStreamAndDataBeforeTheHeadersEndTheStream() {
        RecordingListener trailers = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), settingsAck(), headers(1, EH, block().status200().bytes()), data(1, 0, "MZ-"),
                        headers(1, EH, block().lit("x-sum", "y").bytes()), data(1, ES, "decoy")));
        assertTrue(trailers.anomalies.contains("http2.invalid_header"), trailers.transcript());
        assertFalse(sinkOf(trailers, "/a", false).complete, "nghttp2 resets the stream, Go ends the connection: " + trailers.transcript());

        RecordingListener early = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(), settingsAck(), data(1, 0, "junk"), headers(1, EH, block().status200().bytes()), data(1, ES, "MZ-decoy")));
        assertTrue(early.anomalies.contains("http2.invalid_frame_data"), early.transcript());
        for (RecordingListener.Sink s : early.sinks) {
            assertFalse(s.complete && !s.toServer, "Go resets the stream, nghttp2 ends the connection: " + early.transcript());
        }
    }

    /** RFC 9113 §6.8: the streams a GOAWAY's receiver opened above its last stream id are abandoned. */
    @Test
    void anAnswerOnAStreamAboveAGoawaysLastStreamIsNoFile() {
        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes()), headers(3, EH | ES, block().get("/b").bytes())),
                down(settings(), settingsAck(), frame(Http2Session.GOAWAY, 0, 0, bytes(0, 0, 0, 1, 0, 0, 0, 0)),
                        headers(1, EH, block().status200().bytes()), data(1, ES, "MZ-real"),
                        headers(3, EH, block().status200().bytes()), data(3, ES, "MZ-decoy")));
        assertTrue(sinkOf(l, "/a", false).complete, "stream 1 was processed: " + l.transcript());
        for (RecordingListener.Sink s : l.sinks) {
            assertFalse(s.complete && "/b".equals(s.tx.uri) && !s.toServer, "stream 3 was abandoned: " + l.transcript());
        }
    }

    /** A window size past 2^31-1 stops the direction; the settings after it in the same frame are skipped, not read past the buffer. */
    @Test
    void aSettingsFrameWithMoreSettingsAfterAWindowSizePastTheLimitIsRefusedWithoutAnException() {
        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes())),
                down(settings(4, 0x8000_0000, 3, 100, 1, 4096), settingsAck(),
                        headers(1, EH, block().status200().bytes()), data(1, ES, "MZ-decoy")));
        assertTrue(l.anomalies.contains("http2.invalid_frame_data"), l.transcript());
        for (RecordingListener.Sink s : l.sinks) {
            assertFalse(s.complete && !s.toServer, "no answer reaches the client: " + l.transcript());
        }
    }

    private static byte[] pushPromise(int stream, int promised, String path) {
        return frame(Http2Session.PUSH_PROMISE, EH, stream, cat(bytes(promised >>> 24, promised >>> 16, promised >>> 8, promised),
                block().get(path).bytes()));
    }

    @Test
    void wellFormedControlFramesBetweenTheAnswersFramesChangeNothing() {
        RecordingListener l = run(
                up(preface(), settings(), headers(1, EH | ES, block().get("/a").bytes())),
                down(cat(settings(4, 0x7fff_ffff), settingsAck(), headers(1, EH, block().status200().bytes()),
                        frame(Http2Session.WINDOW_UPDATE, 0, 0, INCREMENT_4096), data(1, 0, "MZ-"),
                        frame(Http2Session.PING, 0, 0, new byte[8]), frame(Http2Session.PRIORITY, 0, 1, bytes(0, 0, 0, 0, 15)),
                        frame(Http2Session.WINDOW_UPDATE, 0, 1, INCREMENT_4096), data(1, ES, "real"),
                        frame(Http2Session.GOAWAY, 0, 0, new byte[8]))));
        assertFalse(l.anomalies.stream().anyMatch(a -> a.startsWith("http2.")), l.transcript());
        assertTrue(sinkOf(l, "/a", false).complete, l.transcript());
    }
}
