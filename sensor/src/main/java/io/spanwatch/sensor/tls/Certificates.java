package io.spanwatch.sensor.tls;

import io.spanwatch.sensor.event.TlsInfo;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.naming.InvalidNameException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * Describes a server's certificate the way Suricata's EVE {@code tls} object does: {@code subject}
 * and {@code issuerdn} as the names' attributes in the order the certificate holds them
 * ({@code C=US, O=Example, CN=www.example.com}), {@code serial} as the serial number's bytes in
 * upper-case hex joined by colons, {@code fingerprint} as the SHA-1 of the certificate's DER in
 * lower-case hex joined by colons, and {@code notbefore}/{@code notafter} in UTC without a zone
 * ({@code 2026-01-31T12:00:00}). The certificate comes from traffic: the JDK's X.509 parser reads it,
 * and one it refuses is described by its fingerprint alone.
 */
public final class Certificates {
    private Certificates() {
    }

    /** Lower-case hex bytes joined by colons, as Suricata writes fingerprints. */
    private static final HexFormat COLONS = HexFormat.ofDelimiter(":");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);
    /** Short names for attributes RFC 2253 leaves as object identifiers, as OpenSSL and Suricata name them. */
    private static final Map<String, String> NAMES = Map.of("1.2.840.113549.1.9.1", "emailAddress", "2.5.4.5", "serialNumber",
            "2.5.4.4", "SN", "2.5.4.42", "GN", "2.5.4.12", "title", "2.5.4.17", "postalCode", "2.5.4.15", "businessCategory",
            "1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC");
    private static final ThreadLocal<CertificateFactory> FACTORY = ThreadLocal.withInitial(() -> {
        try {
            return CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("X.509 is in every JDK", e);
        }
    });

    /**
     * Certificates described lately, by fingerprint, per thread (most servers send the same one to
     * every client); only those up to {@value #CACHED_DER_BYTES} bytes, so the cache stays within
     * a few MiB a worker whatever servers send.
     */
    static final int CACHED = 1024;
    static final int CACHED_DER_BYTES = 4096;
    private static final ThreadLocal<Map<String, TlsInfo.Certificate>> SEEN = ThreadLocal.withInitial(
            () -> new java.util.LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, TlsInfo.Certificate> eldest) {
                    return size() > CACHED;
                }
            });

    /** Describes the certificate {@code der}; one seen lately by this thread is not parsed again. */
    public static TlsInfo.Certificate describe(byte[] der) {
        String fingerprint = COLONS.formatHex(sha1(der));
        Map<String, TlsInfo.Certificate> seen = SEEN.get();
        TlsInfo.Certificate c = seen.get(fingerprint);
        if (c == null) {
            c = parse(der, fingerprint);
            if (der.length <= CACHED_DER_BYTES) {
                seen.put(fingerprint, c);
            }
        }
        return c;
    }

    private static TlsInfo.Certificate parse(byte[] der, String fingerprint) {
        try {
            X509Certificate c = (X509Certificate) FACTORY.get().generateCertificate(new ByteArrayInputStream(der));
            return new TlsInfo.Certificate(name(c.getSubjectX500Principal()), name(c.getIssuerX500Principal()),
                    COLONS.withUpperCase().formatHex(c.getSerialNumber().toByteArray()), fingerprint, TIME.format(c.getNotBefore().toInstant()),
                    TIME.format(c.getNotAfter().toInstant()));
        } catch (CertificateException | RuntimeException e) {
            return new TlsInfo.Certificate(null, null, null, fingerprint, null, null);
        }
    }

    /** The attributes of a name in the certificate's order, {@code TYPE=value} joined by {@code ", "}. */
    static String name(X500Principal p) {
        try {
            LdapName n = new LdapName(p.getName(X500Principal.RFC2253, NAMES));
            List<String> parts = new ArrayList<>();
            for (Rdn rdn : n.getRdns()) { // LdapName lists the certificate's first attribute first
                List<String> values = new ArrayList<>();
                NamingEnumeration<? extends Attribute> all = rdn.toAttributes().getAll();
                while (all.hasMore()) {
                    Attribute a = all.next();
                    NamingEnumeration<?> vs = a.getAll(); // one attribute may hold several values (OU=a+OU=b)
                    while (vs.hasMore()) {
                        Object v = vs.next();
                        values.add(a.getID() + "=" + (v instanceof byte[] b ? "#" + HexFormat.of().formatHex(b) : String.valueOf(v)));
                    }
                }
                parts.add(String.join(" + ", values));
            }
            return String.join(", ", parts);
        } catch (InvalidNameException e) {
            return p.getName(X500Principal.RFC2253, NAMES);
        } catch (NamingException e) {
            return p.getName(X500Principal.RFC2253, NAMES);
        }
    }

    private static byte[] sha1(byte[] der) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(der);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is in every JDK", e);
        }
    }
}
