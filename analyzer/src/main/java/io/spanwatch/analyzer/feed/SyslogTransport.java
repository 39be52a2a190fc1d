package io.spanwatch.analyzer.feed;

import io.spanwatch.sensor.event.EveEvent;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Sends CEF over syslog: RFC 5424 messages ({@link CefRenderer}) over UDP (RFC 5426, one message a
 * datagram), TCP (RFC 6587 octet counting: {@code LENGTH SP MESSAGE}) or TLS (RFC 5425, the same
 * framing; the receiver's certificate must chain to the operator's CA and name the host).
 *
 * <p><b>Knowing the receiver has it.</b> Syslog has no acknowledgement. Over TCP and TLS each batch
 * goes over a connection of its own: the records, then a half-close (FIN, and TLS close_notify), then
 * the sender waits for the receiver to close its side, which rsyslog and syslog-ng do once they have
 * read everything sent. Only then is the batch delivered; a connection that breaks or a receiver that
 * does not close within the timeout means the batch is sent again (a receiver may then see a record
 * twice, with the same {@code externalId}). UDP is fire-and-forget: a datagram the network or a
 * stopped receiver drops is lost, as with any UDP syslog.
 */
final class SyslogTransport implements Transport {
    /** Largest UDP payload over IPv4. */
    static final int MAX_DATAGRAM = 65_507;

    private final FeedSpec spec;
    private final CefRenderer cef;
    private final int timeoutMillis;
    private final SSLContext tls;
    private DatagramChannel udp;

    /** {@code tls} is the context for {@code syslog+tls}, null otherwise. */
    SyslogTransport(FeedSpec spec, CefRenderer cef, int timeoutMillis, SSLContext tls) {
        this.spec = spec;
        this.cef = cef;
        this.timeoutMillis = timeoutMillis;
        this.tls = tls;
    }

    @Override
    public byte[] render(EveEvent e, String eventId) {
        return cef.syslog(e, eventId);
    }

    @Override
    public void deliver(List<OutboxRecord> batch) throws DeliveryException {
        if (spec.kind() == FeedSpec.Kind.SYSLOG_UDP) {
            datagrams(batch);
        } else {
            stream(batch);
        }
    }

    private void datagrams(List<OutboxRecord> batch) throws DeliveryException {
        for (int i = 0; i < batch.size(); i++) {
            byte[] p = batch.get(i).payload();
            if (p.length > MAX_DATAGRAM) {
                throw new DeliveryException("message of " + p.length + " bytes is too large for a datagram", i, true, null);
            }
            try {
                if (udp == null) {
                    udp = DatagramChannel.open();
                    udp.connect(new InetSocketAddress(spec.host(), spec.port()));
                }
                udp.write(ByteBuffer.wrap(p));
            } catch (IOException e) {
                closeUdp();
                throw new DeliveryException("udp " + spec.host() + ":" + spec.port() + ": " + e, i, e);
            }
        }
    }

    private void closeUdp() {
        try {
            if (udp != null) {
                udp.close();
            }
        } catch (IOException e) {
            // nothing to keep
        }
        udp = null;
    }

    private void stream(List<OutboxRecord> batch) throws DeliveryException {
        Socket s = new Socket();
        try (s) {
            s.connect(new InetSocketAddress(spec.host(), spec.port()), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            Socket conn = s;
            if (tls != null) {
                SSLSocket ss = (SSLSocket) tls.getSocketFactory().createSocket(s, spec.host(), spec.port(), true);
                SSLParameters p = ss.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host (RFC 5425 4.2)
                ss.setSSLParameters(p);
                ss.startHandshake();
                conn = ss;
            }
            OutputStream out = new BufferedOutputStream(conn.getOutputStream(), 64 << 10);
            for (OutboxRecord r : batch) {
                out.write((r.payload().length + " ").getBytes(StandardCharsets.US_ASCII));
                out.write(r.payload());
            }
            out.flush();
            conn.shutdownOutput();
            InputStream in = conn.getInputStream();
            byte[] sink = new byte[512];
            while (in.read(sink) >= 0) {
                // a syslog receiver sends nothing; wait for it to close
            }
            if (conn != s) {
                conn.close();
            }
        } catch (IOException e) {
            throw new DeliveryException(spec.kind().scheme + " " + spec.host() + ":" + spec.port() + ": " + e, 0, e);
        }
    }

    @Override
    public void close() {
        closeUdp();
    }
}
