package io.spanwatch.sensor.event;

import java.util.List;

/**
 * What a TLS connection's hellos showed, as Suricata's EVE {@code tls} object names it. The server
 * name and protocols hold the bytes that crossed the wire, one character per byte; renderings show
 * them through {@link #sniText()} and {@link EveText#display}.
 *
 * @param sni the ClientHello's server name, or null
 * @param version the negotiated version as Suricata names it ({@code TLS 1.3}, ...; {@code UNDETERMINED} without a server hello)
 * @param ja3 the ClientHello's JA3, or null when no ClientHello was read
 * @param ja3s the ServerHello's JA3S, or null
 * @param ja4 the ClientHello's JA4 ({@code t13d1516h2_8daaf6152771_d8a2da3f94cd}), or null
 * @param clientAlpns the protocols the client offered
 * @param serverAlpns the protocol the server chose (none or one)
 * @param certificate the server's certificate (TLS 1.2 and earlier send it in clear), or null
 */
public record TlsInfo(String sni, String version, Fingerprint ja3, Fingerprint ja3s, String ja4, List<String> clientAlpns,
        List<String> serverAlpns, Certificate certificate) {
    public TlsInfo {
        clientAlpns = List.copyOf(clientAlpns);
        serverAlpns = List.copyOf(serverAlpns);
    }

    /** A TLS connection without a certificate in clear (TLS 1.3, or none sent). */
    public TlsInfo(String sni, String version, Fingerprint ja3, Fingerprint ja3s, String ja4, List<String> clientAlpns,
            List<String> serverAlpns) {
        this(sni, version, ja3, ja3s, ja4, clientAlpns, serverAlpns, null);
    }

    /**
     * A JA3 or JA3S fingerprint as Suricata's {@code ja3}/{@code ja3s} objects hold it: the MD5 of the
     * string, computed once when the handshake is read, and the string (absent from EVE that wrote the
     * hash alone).
     */
    public record Fingerprint(String hash, String string) {
        /** The fingerprint of {@code string}; null stays null. */
        public static Fingerprint of(String string) {
            return string == null ? null : new Fingerprint(io.spanwatch.sensor.tls.TlsNames.md5(string), string);
        }
    }

    /**
     * The server's (leaf) certificate as Suricata's {@code tls} object describes it; fields the
     * certificate did not give (one the X.509 parser refused) are null.
     *
     * @param subject the subject's attributes in the certificate's order ({@code C=US, O=Example, CN=www.example.com})
     * @param issuerdn the issuer's, the same way
     * @param serial the serial number's bytes, upper-case hex joined by colons
     * @param fingerprint SHA-1 of the DER, lower-case hex joined by colons
     * @param notbefore start of validity, UTC, {@code 2026-01-31T12:00:00}
     * @param notafter end of validity, the same way
     */
    public record Certificate(String subject, String issuerdn, String serial, String fingerprint, String notbefore, String notafter) {
    }

    /** {@link #sni} as text ({@link EveText#display}). */
    public String sniText() {
        return EveText.display(sni);
    }
}
