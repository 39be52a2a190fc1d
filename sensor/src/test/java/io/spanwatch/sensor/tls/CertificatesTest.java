package io.spanwatch.sensor.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.event.TlsInfo;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Describes certificates made by the JDK's keytool as Suricata's {@code tls} object does, and one
 * that is not X.509 at all by its fingerprint alone.
 */
public class CertificatesTest {

    /**
     * A key store (password {@code changeit}) holding one EC key pair, alias {@code k}, whose
     * self-signed certificate names {@code dname}, made by the JDK's keytool in {@code dir}.
     */
    public static KeyStore keyStore(Path dir, String dname) throws Exception {
        Path ks = dir.resolve("k.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "k", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname, "-validity", "30",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        return store;
    }

    static byte[] keytool(Path dir, String dname) throws Exception {
        return keyStore(dir, dname).getCertificate("k").getEncoded();
    }

    @Test
    void namesInTheCertificatesOrderWithOpenSslsShortNames(@TempDir Path dir) throws Exception {
        byte[] der = keytool(dir, "EMAILADDRESS=ops@c2.example, CN=c2.example, OU=Ops+OU=Sec+O=Evil Corp, L=Nowhere, ST=None, C=ZZ");
        TlsInfo.Certificate c = Certificates.describe(der);
        assertTrue(c.subject().startsWith("C=ZZ, ST=None, L=Nowhere, "), c.subject());
        assertTrue(c.subject().endsWith(", CN=c2.example, emailAddress=ops@c2.example"), c.subject());
        assertTrue(c.subject().contains("O=Evil Corp") && c.subject().contains("OU=Ops") && c.subject().contains("OU=Sec") && c.subject().contains(" + "),
                "a multi-valued attribute: " + c.subject());
        assertEquals(c.subject(), c.issuerdn(), "self-signed");
        String sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(der));
        assertEquals(sha1, c.fingerprint().replace(":", ""));
        assertTrue(c.fingerprint().matches("([0-9a-f]{2}:){19}[0-9a-f]{2}"), c.fingerprint());
        assertTrue(c.serial().matches("[0-9A-F]{2}(:[0-9A-F]{2})*"), c.serial());
        assertTrue(c.notbefore().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d"), c.notbefore());
        assertSame(c, Certificates.describe(der.clone()), "a certificate seen lately is not parsed again");
    }

    @Test
    void bytesThatAreNoCertificateKeepTheirFingerprintOnly() {
        byte[] junk = "<script>not a certificate</script>".getBytes(StandardCharsets.US_ASCII);
        TlsInfo.Certificate c = Certificates.describe(junk);
        assertNull(c.subject());
        assertNull(c.serial());
        assertEquals(HexFormat.ofDelimiter(":").formatHex(sha1(junk)), c.fingerprint());
    }

    private static byte[] sha1(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(b);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
