package io.spanwatch.analyzer;

import io.spanwatch.sensor.capture.TrafficSynth;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Writes HTTP conversations into test captures. */
public final class TestCaptures {
    private TestCaptures() {
    }

    /** Writes one connection from {@code client}:{@code port} to 10.0.0.9:80 that downloads {@code body} from {@code uri}. */
    public static void download(TrafficSynth syn, String client, int port, String uri, byte[] body) throws IOException {
        TrafficSynth.Conn c = syn.tcp(client, port, "10.0.0.9", 80).handshake();
        c.send(true, ("GET " + uri + " HTTP/1.1\r\nHost: files\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        byte[] head = ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        c.send(false, all);
        c.close();
    }
}
