package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.TlsEvent;
import io.spanwatch.sensor.event.TlsInfo;
import io.spanwatch.sensor.flow.Flow;
import io.spanwatch.sensor.tls.Certificates;
import io.spanwatch.sensor.tls.HelloReader;
import io.spanwatch.sensor.tls.TlsNames;
import java.util.List;

/**
 * Reads the two hellos of one TLS connection, one {@link HelloReader} per direction, and writes the
 * connection's {@code tls} event once both are read or cannot be; what follows them is encrypted, so
 * the connection is then no longer reassembled. Each reader's bytes come from the shared HTTP memory
 * budget, and both let go of them (certificates included) when the event is written.
 *
 * <p>Used by the worker thread that owns the connection ({@link TcpConnection}).
 */
final class TlsHandshake {
    private final Worker worker;
    private final Flow flow;
    /** Packet time the ClientHello was recognised: the event's time. */
    private final long ts;
    private final HelloReader client;
    private final HelloReader server;
    private boolean logged;

    TlsHandshake(Worker worker, Flow flow, long ts) {
        this.worker = worker;
        this.flow = flow;
        this.ts = ts;
        this.client = new HelloReader(true, worker.httpMemory);
        this.server = new HelloReader(false, worker.httpMemory);
    }

    /** Gives up on the server's hello: the start of its records was not kept. */
    void serverLost() {
        server.abandon();
    }

    /** Hands one direction's bytes to its reader; true once the event is written (now or before). */
    boolean data(boolean toServer, long now, byte[] buf, int off, int len) {
        if (logged) {
            return true;
        }
        HelloReader r = toServer ? client : server;
        if (r.state() == HelloReader.State.NEED_MORE && r.feed(buf, off, len) != HelloReader.State.NEED_MORE && r.anomaly() != null) {
            worker.anomaly(flow, now, "applayer", r.anomaly());
        }
        // a reader done before these bytes may have been stopped by the budget on another connection's turn
        return finishIfDone();
    }

    /** Ends the reading of a direction's hello at a gap (what follows cannot be framed); true once the event is written. */
    boolean gap(boolean toServer) {
        (toServer ? client : server).abandon();
        return finishIfDone();
    }

    /** Writes the event if both hellos are done; true once it is written. */
    boolean finishIfDone() {
        if (!logged && client.state() != HelloReader.State.NEED_MORE && server.state() != HelloReader.State.NEED_MORE) {
            log();
        }
        return logged;
    }

    /** Writes the event with what was read, if it was not written yet (the connection ends). */
    void close() {
        if (!logged) {
            log();
        }
    }

    /**
     * Writes the event from what the hellos said: none when no ClientHello was read (its anomaly says
     * why); the version is {@code UNDETERMINED} without a ServerHello.
     */
    private void log() {
        logged = true;
        HelloReader.Hello c = client.hello();
        HelloReader.Hello s = server.hello();
        TlsInfo info = c == null ? null : new TlsInfo(c.serverName(),
                s == null ? TlsNames.UNDETERMINED : TlsNames.version(TlsNames.negotiated(s)),
                TlsInfo.Fingerprint.of(TlsNames.ja3(c)), s == null ? null : TlsInfo.Fingerprint.of(TlsNames.ja3s(s)),
                TlsNames.ja4(c), c.alpn(), s == null ? List.of() : s.alpn(),
                server.certificates().isEmpty() ? null : Certificates.describe(server.certificates().getFirst()));
        for (HelloReader r : new HelloReader[] {client, server}) {
            if (r.evicted()) {
                worker.anomaly(flow, ts, "applayer", r.anomaly()); // told here: it happened on another connection's turn
            }
            r.close(); // lets go of the certificates too: the flow may live long after its handshake
        }
        if (info == null) {
            return;
        }
        worker.counters.tlsTx++;
        worker.events.accept(new TlsEvent(ts, EventHeader.of(flow, worker.source), info));
    }
}
