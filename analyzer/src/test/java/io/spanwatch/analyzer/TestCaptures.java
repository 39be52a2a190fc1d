package io.spanwatch.analyzer;

import io.spanwatch.sensor.capture.TrafficSynth;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Writes HTTP conversations into test captures, and makes the certificates their TLS servers send. */
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

    /** A self-signed EC certificate (DER) for {@code dname}, made by the JDK's keytool into {@code keystore}. */
    public static byte[] selfSigned(java.nio.file.Path keystore, String dname) throws Exception {
        Process p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool failed: " + out);
        }
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        return ks.getCertificate("server").getEncoded();
    }
}
